"""Comparison with published figures: Petrov et al. (2023)'s FLORES-200 token counts."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd


def spearman(a: Iterable[float], b: Iterable[float]) -> float:
    """Spearman rank correlation (average ranks for ties) of two equally long sequences.

    >>> spearman([1, 2, 3, 4], [10, 20, 30, 40]), spearman([1, 2, 3], [3, 2, 1])
    (1.0, -1.0)
    """
    left = pd.Series(list(a), dtype=float)
    right = pd.Series(list(b), dtype=float)
    if len(left) != len(right):
        raise ValueError(f"spearman needs sequences of equal length, got {len(left)} and {len(right)}.")
    keep = left.notna() & right.notna()
    if keep.sum() < 2:
        return float("nan")
    return float(np.corrcoef(left[keep].rank(), right[keep].rank())[0, 1])


# ---- published figures (Petrov et al. 2023) -------------------------------------------------
#: tokviz tokenizer -> (column of Petrov et al.'s table, how the two relate)
PUBLISHED_COUNTERPARTS = {
    "cl100k_base": ("cl100k_base", "same tokenizer"),
    "r50k_base": ("r50k_base", "same tokenizer"),
    "p50k_base": ("p50k_base", "same tokenizer"),
    "llama2": ("LLAMA", "same SentencePiece vocabulary (LLaMA 1 and 2)"),
}
_NOT_ENCODABLE = "–––"


def load_published_counts(csv_path: str | Path, flores_folder: str | Path) -> pd.DataFrame:
    """Petrov et al.'s published FLORES-200 token counts, long: language (FLORES code), name,
    published (their tokenizer column), tokens (NaN where they mark '–––': cannot encode).

    Their rows are English names; the FLORES folder's ``language_names.csv`` maps them to codes.
    """
    from ..corpora import load_flores

    path = Path(csv_path).expanduser()
    if not path.is_file():
        raise ValueError(f"Published counts file {str(path)!r} not found; give the CSV of Petrov et al. (2023).")
    try:
        wide = pd.read_csv(path, dtype=str)
    except Exception as error:  # noqa: BLE001 - any parse failure is a bad file for the user
        raise ValueError(f"{str(path)!r} is not a readable CSV: {error}") from error
    if "Language" not in wide.columns or len(wide.columns) < 2:
        raise ValueError(f"{str(path)!r} needs a 'Language' column and one column per tokenizer.")
    flores = load_flores(flores_folder)
    code_of_name = dict(zip(flores["name"], flores["code"], strict=True))
    wide["language"] = wide["Language"].str.strip().map(code_of_name)
    unmatched = wide.loc[wide["language"].isna(), "Language"].tolist()
    if len(unmatched) == len(wide):
        raise ValueError(
            f"None of the languages in {str(path)!r} match the names in the FLORES folder's "
            "language_names.csv; is it the right folder?"
        )
    wide = wide.dropna(subset=["language"])
    long = wide.melt(id_vars=["Language", "language"], var_name="published", value_name="raw")
    long["tokens"] = pd.to_numeric(long["raw"].str.replace(_NOT_ENCODABLE, "", regex=False).str.strip(),
                                   errors="coerce")
    return long.rename(columns={"Language": "name"})[["language", "name", "published", "tokens"]]


def _match_published_languages(table: pd.DataFrame, codes: Iterable[str]) -> dict[str, str]:
    """FLORES code -> the table's language for it: the same code, or (for a UDHR table) the
    translation with the same ISO 639-3 and script (the most complete one when several)."""
    languages = table.drop_duplicates("language")
    by_code = set(languages["language"])
    if "sections" in languages:
        languages = languages.sort_values(["sections", "language"], ascending=[False, True])
    by_iso_script = {}
    for row in languages[["language", "iso639_3", "script"]].itertuples(index=False):
        by_iso_script.setdefault((row.iso639_3, row.script), row.language)
    matches = {}
    for code in codes:
        if code in by_code:
            matches[code] = code
        elif "_" in code:
            hit = by_iso_script.get(tuple(code.split("_", 1)))
            if hit is not None:
                matches[code] = hit
    return matches


def compare_with_published(table: pd.DataFrame, published: pd.DataFrame,
                           reference: str = "eng_Latn") -> tuple[pd.DataFrame, pd.DataFrame]:
    """A premium table beside the published FLORES-200 counts, for tokenizers with a counterpart.

    ``table`` is tokviz's table on the FLORES folder (languages match by code; token counts
    can then be compared exactly) or on the UDHR (languages match by ISO 639-3 and script;
    only the premiums' ranks are comparable). Published premiums are relative to their
    ``reference`` row. Returns ``(pairs, summary)``: pairs has one row per tokenizer ×
    language (tokens, published_tokens, premium, published_premium, exact); summary has per
    tokenizer the languages compared, the exact matches and the Spearman rank correlation.
    """
    columns = ["tokenizer", "published_as", "relation", "language", "flores_code", "name", "script", "tokens",
               "published_tokens", "premium", "published_premium", "exact"]
    matches = _match_published_languages(table, published["language"].unique())
    rows = []
    for name, (column, relation) in PUBLISHED_COUNTERPARTS.items():
        mine = table[table["tokenizer"] == name]
        theirs = published[(published["published"] == column)].dropna(subset=["tokens"])
        ref_tokens = theirs.loc[theirs["language"] == reference, "tokens"]
        if mine.empty or theirs.empty or ref_tokens.empty:
            continue
        theirs = theirs.assign(flores_code=theirs["language"], language=theirs["language"].map(matches))
        theirs = theirs.dropna(subset=["language"]).drop_duplicates("language")
        merged = mine[["tokenizer", "language", "name", "script", "tokens", "premium"]].merge(
            theirs[["language", "flores_code", "tokens"]].rename(columns={"tokens": "published_tokens"}), on="language")
        merged["published_as"] = column
        merged["relation"] = relation
        merged["published_premium"] = merged["published_tokens"] / float(ref_tokens.iloc[0])
        merged["exact"] = merged["tokens"] == merged["published_tokens"]
        rows.append(merged)
    if not rows:
        return (pd.DataFrame(columns=columns),
                pd.DataFrame(columns=["tokenizer", "published_as", "languages", "exact", "spearman"]))
    pairs = pd.concat(rows, ignore_index=True)[columns]
    summary = pairs.groupby(["tokenizer", "published_as"], sort=False).apply(
        lambda group: pd.Series({
            "languages": float(len(group)),
            "exact": float(group["exact"].sum()),
            "spearman": spearman(group["premium"], group["published_premium"]),
        }), include_groups=False).reset_index()
    summary[["languages", "exact"]] = summary[["languages", "exact"]].astype("int64")
    return pairs, summary

