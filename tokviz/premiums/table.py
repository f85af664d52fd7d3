"""Premium arithmetic: per-unit counts in, one row per tokenizer × language with the ratios out."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .counting import Progress, _load_corpus, _resolve_tokenizers, resolve_reference, unit_counts

#: A premium whose text is at least this share unknown tokens is flagged unreliable.
RELIABLE_UNKNOWN_SHARE = 0.01

PREMIUM_COLUMNS = [
    "tokenizer", "language", "name", "script", "region", "iso639_3", "latitude", "longitude",
    "sections", "tokens", "chars", "bytes", "words", "ref_tokens", "ref_chars", "ref_bytes", "ref_words",
    "premium", "byte_premium", "char_premium", "bytes_per_token", "chars_per_token",
    "bytes_per_char", "tokens_per_byte", "length_factor", "script_factor", "vocabulary_factor",
    "unknown_tokens", "unknown_share", "byte_fallback_tokens", "byte_fallback_share", "reliable",
]


# ---- premiums -------------------------------------------------------------------------------
def _premiums_from_counts(counts: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Per language: totals over the units it shares with ``reference`` and the ratios."""
    value_columns = ["tokens", "chars", "bytes", "words", "unknown", "byte_fallback"]
    ref_columns = {"tokens": "ref_tokens", "chars": "ref_chars", "bytes": "ref_bytes", "words": "ref_words"}
    ref = counts.loc[counts["language"] == reference, ["unit", *ref_columns]].rename(columns=ref_columns)
    shared = counts.merge(ref, on="unit", how="inner")
    totals = shared.groupby("language", sort=False)[value_columns + list(ref_columns.values())].sum()
    totals["sections"] = shared.groupby("language", sort=False).size()
    totals = totals[(totals["tokens"] > 0) & (totals["ref_tokens"] > 0)]
    tokens, chars, utf8 = (totals[c].astype(float) for c in ("tokens", "chars", "bytes"))
    ref_tokens, ref_chars, ref_bytes = (totals[c].astype(float) for c in ("ref_tokens", "ref_chars", "ref_bytes"))
    out = totals.rename(columns={"unknown": "unknown_tokens", "byte_fallback": "byte_fallback_tokens"})
    out["premium"] = tokens / ref_tokens
    out["byte_premium"] = utf8 / ref_bytes
    out["char_premium"] = chars / ref_chars
    out["bytes_per_token"] = utf8 / tokens
    out["chars_per_token"] = chars / tokens
    out["bytes_per_char"] = utf8 / chars
    out["tokens_per_byte"] = tokens / utf8
    out["length_factor"] = out["char_premium"]
    out["script_factor"] = out["bytes_per_char"] / (ref_bytes / ref_chars)
    out["vocabulary_factor"] = out["tokens_per_byte"] / (ref_tokens / ref_bytes)
    out["unknown_share"] = out["unknown_tokens"] / tokens
    out["byte_fallback_share"] = out["byte_fallback_tokens"] / tokens
    out["reliable"] = out["unknown_share"] < RELIABLE_UNKNOWN_SHARE
    return out.reset_index()


def token_premiums(
    tokenizers,
    corpus: str | Path = "udhr",
    reference: str = "eng",
    progress: Progress | None = None,
    on_unknown: str = "mark",
) -> pd.DataFrame:
    """Token premiums of every language of a parallel corpus, per tokenizer.

    Parameters
    ----------
    tokenizers : names, specs or TokenizerView objects (or one of them)
        e.g. ``["cl100k_base", "llama3"]``; names are loaded with ``tokviz.load_tokenizer``
        (when the catalog can tell a name's identity without loading it, only if its counts
        are not cached yet).
    corpus : "udhr" (default, shipped) or the path of a FLORES-200 style folder.
    reference : language code (or its ISO 639-3 when unique), default "eng"; for FLORES
        "eng" resolves to "eng_Latn".
    progress : optional ``callback(fraction, message)``, called while cold counts are computed.
    on_unknown : "mark" (default) flags premiums over ≥ 1 % unknown tokens with
        ``reliable=False``; "raise" raises a ValueError naming them instead.

    Returns
    -------
    DataFrame with one row per tokenizer × language and the columns of ``PREMIUM_COLUMNS``:
    tokenizer, language, name, script, …, tokens, chars, bytes, premium, byte_premium,
    char_premium, bytes_per_token, unknown_share, byte_fallback_share, reliable.
    """
    if on_unknown not in ("mark", "raise"):
        raise ValueError(f"on_unknown must be 'mark' or 'raise', not {on_unknown!r}.")
    views = _resolve_tokenizers(tokenizers)
    data = _load_corpus(corpus)
    reference = resolve_reference(reference, corpus)
    frames = []
    for index, tok in enumerate(views):
        def scaled(fraction: float, message: str, index=index) -> None:
            if progress is not None:
                progress((index + fraction) / len(views), message)

        counts = unit_counts(tok, corpus, progress=scaled if progress is not None else None)
        table = _premiums_from_counts(counts, reference)
        table.insert(0, "tokenizer", tok.name)
        frames.append(table)
    result = pd.concat(frames, ignore_index=True).merge(data.languages, on="language", how="left")
    position = {tok.name: index for index, tok in enumerate(views)}
    result = result[PREMIUM_COLUMNS].sort_values(
        ["tokenizer", "premium"], ascending=[True, False], ignore_index=True,
        key=lambda column: column.map(position) if column.name == "tokenizer" else column)
    if on_unknown == "raise":
        bad = result[~result["reliable"]]
        if not bad.empty:
            listing = "; ".join(
                f"{tok}: {', '.join(group['language'].head(8))}" for tok, group in bad.groupby("tokenizer")
            )
            raise ValueError(
                f"{len(bad)} premium(s) rest on ≥ {RELIABLE_UNKNOWN_SHARE:.0%} unknown tokens (the tokenizer "
                f"cannot encode that text, so its count is too low) — {listing}. Pick a tokenizer that covers "
                "these scripts, or use on_unknown='mark' to keep them in the table, flagged reliable=False."
            )
    return result


# ---- what it means: cost and context ----------------------------------------------------------
#: A text whose "words" (runs of letters, marks, digits) average more characters than this is written
#: without spaces between words (Chinese, Japanese, Thai, …): its own word count means little.
SPACED_MAX_CHARS_PER_WORD = 20


def context_and_cost(table: pd.DataFrame, tokenizer: str, price_per_million: float = 2.5,
                     context_tokens: int = 128_000, content_words: int = 100_000) -> pd.DataFrame:
    """Cost of the same content and the effective context window, per language, for one tokenizer.

    ``content_words`` is the content's size in reference-language (English) words; it costs
    ``content_words × ref tokens/word × premium`` tokens in each language. A context of
    ``context_tokens`` holds ``context × words/tokens`` of the language's own words (``spaced``
    tells whether the language writes spaces between words) and ``context ÷ premium`` worth of
    reference-language content (``equivalent_words``).

    >>> t = pd.DataFrame({"tokenizer": ["t", "t"], "language": ["eng", "amh"], "name": ["English", "Amharic"],
    ...     "script": ["Latn", "Ethi"], "premium": [1.0, 4.0], "reliable": [True, True], "tokens": [130, 520],
    ...     "chars": [500, 400], "words": [100, 70], "ref_tokens": [130, 130], "ref_words": [100, 100]})
    >>> out = context_and_cost(t, "t", price_per_million=10, context_tokens=1300, content_words=1000)
    >>> out[["language", "content_tokens", "cost", "equivalent_words", "words_in_context"]].round(2).values.tolist()
    [['eng', 1300.0, 0.01, 1000.0, 1000.0], ['amh', 5200.0, 0.05, 250.0, 175.0]]
    """
    if price_per_million < 0 or context_tokens <= 0 or content_words <= 0:
        raise ValueError("price must be ≥ 0, and the context window and the content size must be positive.")
    rows = table[table["tokenizer"] == tokenizer]
    if rows.empty:
        raise ValueError(f"The table has no rows for tokenizer {tokenizer!r}; pick one of "
                         f"{sorted(table['tokenizer'].unique())}.")
    ref_tokens_per_word = rows["ref_tokens"].astype(float) / rows["ref_words"].astype(float)
    out = rows[["tokenizer", "language", "name", "script", "premium", "reliable"]].copy()
    out["content_tokens"] = content_words * ref_tokens_per_word * rows["premium"]
    out["cost"] = out["content_tokens"] / 1e6 * price_per_million
    out["equivalent_words"] = context_tokens / rows["premium"] / ref_tokens_per_word
    out["words_in_context"] = context_tokens * rows["words"].astype(float) / rows["tokens"].astype(float)
    out["spaced"] = rows["chars"].astype(float) / rows["words"].clip(lower=1) <= SPACED_MAX_CHARS_PER_WORD
    return out.reset_index(drop=True)

