"""Language premiums: how many more tokens the same text costs in one language than in another.

Petrov et al. (2023), "Language Model Tokenizers Introduce Unfairness Between Languages",
define a language's *premium* under a tokenizer as the tokens its translation of a parallel
text needs divided by the tokens the reference language (English) needs for the same text.
tokviz measures it on the UDHR it ships (532 translations) or on a FLORES-200 folder.

Definitions, per tokenizer and language (``ref`` = the reference language):

- ``premium = tokens / ref_tokens``, ``byte_premium = bytes / ref_bytes`` (UTF-8),
  ``char_premium = chars / ref_chars`` (code points);
- the decomposition ``premium = char_premium × (bytes_per_char ÷ ref) × (tokens_per_byte ÷ ref)``:
  text length × script encoding × vocabulary fit, stored as ``length_factor``,
  ``script_factor``, ``vocabulary_factor``;
- ``unknown_share``: tokens that are the tokenizer's unknown token (text it cannot encode;
  such a premium is understated and flagged ``reliable=False``);
- ``byte_fallback_share``: tokens that are a single non-ASCII byte, i.e. a piece of a
  character the vocabulary has no token for (SentencePiece ``<0xE4>`` pieces, lone bytes in
  byte-level BPE).

On the UDHR, a language is compared with the reference over the sections both have (some
translations are incomplete). On a FLORES folder the text of a language is
``" ".join(dev_lines + devtest_lines)``, exactly as Petrov et al. counted, so that their
published counts are reproduced.

Counts per (tokenizer, text unit) are cached on disk, keyed by the corpus' sha256 and the
tokenizer's identity (and shipped in ``data/`` for the default tokenizers on the UDHR);
premiums for any reference are derived from them in milliseconds.

Modules, one job each: ``counting`` (corpora as text units, tokenizer handles, token counts
and their caches), ``shipped`` (the counts shipped in ``data/``), ``table`` (premium
arithmetic and the cost/context calculator), ``published`` (Petrov et al.'s FLORES-200
figures), ``view`` (what the page shows: filters, orders, summaries, sentences).

>>> table = token_premiums(["cl100k_base"], reference="eng")
>>> row = table.set_index("language").loc["eng"]
>>> float(row["premium"]), bool(row["reliable"])
(1.0, True)

Deliberately left out: per-model pricing (the page's calculator takes prices as input) and
special tokens (BOS/EOS) — the counts are of the text alone.
"""
from __future__ import annotations

from .counting import _handle, corpus_languages, counts_are_cached, resolve_reference, unit_counts  # noqa: F401
from .published import PUBLISHED_COUNTERPARTS, compare_with_published, load_published_counts, spearman
from .table import PREMIUM_COLUMNS, RELIABLE_UNKNOWN_SHARE, context_and_cost, premiums_from_counts, token_premiums

__all__ = [
    "token_premiums",
    "premiums_from_counts",
    "corpus_languages",
    "unit_counts",
    "counts_are_cached",
    "resolve_reference",
    "spearman",
    "context_and_cost",
    "load_published_counts",
    "compare_with_published",
    "PUBLISHED_COUNTERPARTS",
    "RELIABLE_UNKNOWN_SHARE",
    "PREMIUM_COLUMNS",
]
