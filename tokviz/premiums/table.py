"""Premium arithmetic: per-unit counts in, one row per tokenizer × language with the ratios out."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..progress import Progress, report, stage
from .counting import _cached_counts, _load_corpus, _resolve_tokenizers, resolve_reference

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
_SIZE_COLUMNS = ("chars", "bytes", "words")
_COUNT_COLUMNS = ("tokens", "unknown", "byte_fallback")


def premiums_from_counts(counts: Mapping[str, pd.DataFrame], units: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Per tokenizer (name -> its per-unit counts, rows in ``units``' order) and language: the
    totals over the units the language shares with ``reference``, and the ratios. Vectorised
    over every tokenizer at once (``np.bincount`` per column, one DataFrame built at the end),
    so a new reference costs milliseconds.

    >>> units = pd.DataFrame({"language": ["eng", "eng", "amh"], "unit": ["1", "2", "1"],
    ...                       "chars": [10, 10, 8], "bytes": [10, 10, 24], "words": [2, 2, 2]})
    >>> counts = pd.DataFrame({"tokens": [2, 3, 8], "unknown": [0, 0, 0], "byte_fallback": [0, 0, 1]})
    >>> out = premiums_from_counts({"t": counts}, units, "eng").set_index("language")
    >>> [float(out.loc["amh", column]) for column in ("sections", "tokens", "ref_tokens", "premium")]
    [1.0, 8.0, 2.0, 4.0]
    """
    language_codes, languages = pd.factorize(units["language"], sort=False)
    unit_codes, _ = pd.factorize(units["unit"], sort=False)
    ref_row_of_unit = np.full(unit_codes.max(initial=-1) + 1, -1, dtype=np.int64)
    is_ref = (units["language"] == reference).to_numpy()
    ref_row_of_unit[unit_codes[is_ref]] = np.flatnonzero(is_ref)
    ref_rows = ref_row_of_unit[unit_codes]
    shared = ref_rows >= 0
    group, ref_rows = language_codes[shared], ref_rows[shared]
    size = len(languages)

    def total(values: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        picked = values[shared] if rows is None else values[rows]
        return np.bincount(group, weights=picked, minlength=size).round().astype(np.int64)

    per_language = {"sections": np.bincount(group, minlength=size).astype(np.int64)}
    for column in _SIZE_COLUMNS:
        values = units[column].to_numpy(dtype=np.int64)
        per_language[column], per_language[f"ref_{column}"] = total(values), total(values, ref_rows)
    columns: dict[str, list[np.ndarray]] = {}
    for name, frame in counts.items():
        tokens = frame["tokens"].to_numpy(dtype=np.int64)
        part = {"tokenizer": np.full(size, name, dtype=object), "language": np.asarray(languages, dtype=object),
                **per_language, "tokens": total(tokens), "ref_tokens": total(tokens, ref_rows),
                "unknown_tokens": total(frame["unknown"].to_numpy(dtype=np.int64)),
                "byte_fallback_tokens": total(frame["byte_fallback"].to_numpy(dtype=np.int64))}
        keep = (part["tokens"] > 0) & (part["ref_tokens"] > 0)
        for key, values in part.items():
            columns.setdefault(key, []).append(values[keep])
    joined = {key: np.concatenate(parts) for key, parts in columns.items()}
    return pd.DataFrame({**joined, **_ratios(joined)})


def _ratios(totals: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The premium columns from per-language totals (arrays of equal length)."""
    tokens, chars, utf8 = (totals[c].astype(float) for c in ("tokens", "chars", "bytes"))
    ref_tokens, ref_chars, ref_bytes = (totals[c].astype(float) for c in ("ref_tokens", "ref_chars", "ref_bytes"))
    out = {"premium": tokens / ref_tokens, "byte_premium": utf8 / ref_bytes, "char_premium": chars / ref_chars,
           "bytes_per_token": utf8 / tokens, "chars_per_token": chars / tokens, "bytes_per_char": utf8 / chars,
           "tokens_per_byte": tokens / utf8}
    out["length_factor"] = out["char_premium"]
    out["script_factor"] = out["bytes_per_char"] / (ref_bytes / ref_chars)
    out["vocabulary_factor"] = out["tokens_per_byte"] / (ref_tokens / ref_bytes)
    out["unknown_share"] = totals["unknown_tokens"] / tokens
    out["byte_fallback_share"] = totals["byte_fallback_tokens"] / tokens
    out["reliable"] = out["unknown_share"] < RELIABLE_UNKNOWN_SHARE
    return out


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
    counts = {tok.name: _cached_counts(tok, data, stage(progress, index / len(views), (index + 1) / len(views)))
              for index, tok in enumerate(views)}
    report(progress, 1.0, "done")
    result = premiums_from_counts(counts, data.units, reference)
    languages = data.languages.set_index("language")
    position = {tok.name: index for index, tok in enumerate(views)}
    for column in ("name", "script", "region", "iso639_3", "latitude", "longitude"):
        result[column] = languages[column].reindex(result["language"]).to_numpy()
    order = np.lexsort((-result["premium"].to_numpy(), result["tokenizer"].map(position).to_numpy()))
    result = result.iloc[order].reset_index(drop=True)[PREMIUM_COLUMNS]
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

