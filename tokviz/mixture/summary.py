"""Reading an inferred mixture: category names and groups, one plain sentence, the paper beside it.

Mixture inference returns one share per category code (``en``, ``sh``, ``python``, or a user's
own name). A reader wants full names, a handful of groups (English, other European languages,
Asian languages, other languages, code, their own samples) and one sentence; a researcher wants
the paper's published figures beside tokviz's. This module turns shares into those, as plain
data (no charts, no Streamlit).

>>> plain_summary({"en": 0.27, "python": 0.40, "c": 0.23, "fr": 0.06, "zh": 0.04})
'Looks like about 63% code, 27% English and 10% other languages.'
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..samples import CODE_SOURCES, LANGUAGE_NAMES

__all__ = ["GROUPS", "EUROPEAN", "ASIAN", "PUBLISHED_PATH", "category_group", "category_label", "group_shares",
           "plain_summary", "inherited_message", "additions_summary", "read_published", "published_comparison"]

#: The groups, in the order charts stack them.
GROUPS = ("English", "Other European languages", "Asian languages", "Other languages", "Code", "Your samples")
#: wordfreq codes of the European languages other than English.
EUROPEAN = frozenset({"bg", "ca", "cs", "da", "de", "el", "es", "fi", "fr", "hu", "is", "it", "lt", "lv", "mk",
                      "nb", "nl", "pl", "pt", "ro", "ru", "sh", "sk", "sl", "sv", "uk"})
#: wordfreq codes of the languages of South, South-East and East Asia.
ASIAN = frozenset({"bn", "fil", "hi", "id", "ja", "ko", "ms", "ta", "ur", "vi", "zh"})
PUBLISHED_PATH = Path(__file__).resolve().parents[2] / "data" / "mixture_published.csv"
_LANGUAGE_GROUPS = ("English", "Other European languages", "Asian languages", "Other languages")


def category_group(category: str) -> str:
    """The group a category belongs to (one of :data:`GROUPS`); unknown names are the user's own.

    >>> category_group("en"), category_group("sh"), category_group("ko"), category_group("ar")
    ('English', 'Other European languages', 'Asian languages', 'Other languages')
    >>> category_group("python"), category_group("my_forum_posts")
    ('Code', 'Your samples')
    """
    if category == "en":
        return "English"
    if category in EUROPEAN:
        return "Other European languages"
    if category in ASIAN:
        return "Asian languages"
    if category in LANGUAGE_NAMES:
        return "Other languages"
    if category in CODE_SOURCES:
        return "Code"
    return "Your samples"


def category_label(category: str) -> str:
    """A category's full name ("Serbo-Croatian" for ``sh``); the user's own names unchanged.

    >>> category_label("sh"), category_label("javascript"), category_label("notes")
    ('Serbo-Croatian', 'JavaScript', 'notes')
    """
    if category in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[category]
    if category in CODE_SOURCES:
        return CODE_SOURCES[category][0]
    return category


def group_shares(shares: Mapping[str, float] | pd.Series) -> pd.Series:
    """Shares summed per group, in :data:`GROUPS` order, groups without categories left out.

    >>> group_shares({"en": 0.5, "fr": 0.2, "de": 0.1, "python": 0.2}).round(2).to_dict()
    {'English': 0.5, 'Other European languages': 0.3, 'Code': 0.2}
    """
    items = dict(shares.items()) if isinstance(shares, pd.Series) else dict(shares)
    totals: dict[str, float] = {}
    for category, share in items.items():
        group = category_group(str(category))
        totals[group] = totals.get(group, 0.0) + float(share)
    return pd.Series({g: totals[g] for g in GROUPS if g in totals}, name="share", dtype=float)


def _whole_percents(values: np.ndarray) -> np.ndarray:
    """Round fractions to whole percents that add up to the rounded total (largest remainder).

    >>> _whole_percents(np.array([0.274, 0.627, 0.099])).tolist()
    [27, 63, 10]
    """
    scaled = values * 100.0
    floors = np.floor(scaled).astype(int)
    missing = int(round(scaled.sum())) - int(floors.sum())
    order = np.argsort(-(scaled - floors), kind="stable")
    floors[order[:max(0, missing)]] += 1
    return floors


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def plain_summary(shares: Mapping[str, float] | pd.Series) -> str:
    """One sentence a non-coder can read: the mixture as English, code, other languages and
    the user's own samples (each named), in whole percents adding to 100, largest first.

    >>> plain_summary({"en": 0.9, "de": 0.1})
    'Looks like about 90% English and 10% other languages.'
    >>> plain_summary({"python": 0.7, "my_notes": 0.3})
    'Looks like about 70% code and 30% your sample “my_notes”.'
    """
    items = dict(shares.items()) if isinstance(shares, pd.Series) else dict(shares)
    if not items:
        raise ValueError("No shares to summarise; run mixture inference first.")
    parts: dict[str, float] = {}
    for category, share in items.items():
        group = category_group(str(category))
        if group in _LANGUAGE_GROUPS[1:]:
            name = "other languages"
        elif group == "Your samples":
            name = f"your sample “{category}”"
        else:
            name = group if group == "English" else group.lower()
        parts[name] = parts.get(name, 0.0) + max(0.0, float(share))
    total = sum(parts.values())
    if total <= 0:
        raise ValueError("All shares are zero; there is nothing to summarise.")
    names = sorted(parts, key=lambda n: -parts[n])
    percents = _whole_percents(np.array([parts[n] / total for n in names]))
    shown = [f"{p}% {n}" for p, n in zip(percents, names, strict=True) if p > 0]
    return f"Looks like about {_join(shown)}." if shown else "Looks like a mixture of many small parts."


def inherited_message(name: str, base: str, shared: int, inherited: int, num_merges: int,
                      skip_merges: int = 0) -> str | None:
    """What to tell a reader when the merges an estimate used were inherited from ``base``
    (None when fewer than 1,000 of them were, or all inherited ones were skipped).

    >>> inherited_message("llama3", "cl100k_base", 100_000, 100_000, 5_000)[:60]
    "The first 100,000 merges of llama3 are exactly cl100k_base's"
    >>> inherited_message("llama3", "cl100k_base", 100_000, 100_000, 105_000, skip_merges=100_000) is None
    True
    """
    if inherited < 1_000 or inherited <= skip_merges:
        return None
    how = (f"The first {shared:,} merges of {name} are exactly {base}'s" if shared == inherited else
           f"The first {inherited:,} merges of {name} are {base}'s, in the same order with some of them left out "
           f"(the first {shared:,} match exactly)")
    used = (f"all {num_merges - skip_merges:,} merges used here are inherited" if num_merges <= inherited else
            f"{inherited - skip_merges:,} of the {num_merges - skip_merges:,} merges used here are inherited")
    return (f"{how}: {used}, so this estimate describes {base}'s training data more than {name}'s own. "
            f"The paper estimated only the merges after the inherited ones (for Llama 3: after 100,000).")


def additions_summary(name: str, rows: pd.DataFrame, base_name: str | None = None) -> str:
    """One sentence on what a derived tokenizer's own merges look like, naming its base (``base_name``, or
    the rows' ``base``).

    ``rows``: one ``additions`` run of ``data/mixture_precomputed.parquet`` (category, share, base,
    skip_merges, num_merges, additions).

    >>> rows = pd.DataFrame({"category": ["en", "hi", "python"], "share": [0.2, 0.5, 0.3], "base": "cl100k_base",
    ...                      "skip_merges": 100_000, "num_merges": 105_000, "additions": 27_654})
    >>> print(additions_summary("llama3", rows))  # doctest: +NORMALIZE_WHITESPACE
    llama3's own merges (the first 5,000 of the 27,654 it added after cl100k_base's 100,000) look like
    about 50% other languages, 30% code and 20% English; the largest parts: Hindi 50%, Python 30% and English 20%.
    """
    if rows.empty:
        raise ValueError(f"No additions run of {name} to summarise; run scripts/precompute_mixture.py --only "
                         f"{name} --runs additions.")
    first = rows.iloc[0]
    used, skipped, added = int(first["num_merges"] - first["skip_merges"]), int(first["skip_merges"]), int(
        first.get("additions", 0) or 0)
    which = (f"the first {used:,} of the {added:,} it added" if added > used else f"the {used:,} it added")
    shares = rows.set_index("category")["share"].astype(float).sort_values(ascending=False)
    sentence = plain_summary(shares).removeprefix("Looks like")
    largest = [f"{category_label(str(c))} {round(100 * v)}%" for c, v in shares.head(3).items() if v >= 0.005]
    base = base_name or first["base"]
    return (f"{name}'s own merges ({which} after {base}'s {skipped:,}) look like{sentence[:-1]}; "
            f"the largest parts: {_join(largest)}.")


def read_published(path: str | Path = PUBLISHED_PATH) -> pd.DataFrame:
    """The paper's published figures (``data/mixture_published.csv``), one row per tokenizer and measure."""
    frame = pd.read_csv(path, keep_default_na=False)
    frame["paper_share"] = frame["paper_share"].astype(float)
    return frame


_DOMAINS = ("web", "books", "academic", "wikipedia")


def _tokviz_measure(shares: pd.DataFrame, measure: str) -> float:
    """tokviz's figure for a paper measure from one run's rows (category, share)."""
    groups = shares["category"].map(category_group)
    if measure == "english":
        return float(shares.loc[groups == "English", "share"].sum())
    if measure == "code":
        return float(shares.loc[groups == "Code", "share"].sum())
    if measure == "non_english":
        return float(shares.loc[groups.isin(_LANGUAGE_GROUPS[1:]), "share"].sum())
    raise ValueError(f"Unknown measure {measure!r}.")


def published_comparison(precomputed: pd.DataFrame, published: pd.DataFrame | None = None) -> pd.DataFrame:
    """The paper's figure beside tokviz's for every tokenizer and measure of the published table.

    ``precomputed`` has rows (tokenizer, run, category, share) like
    ``data/mixture_precomputed.parquet``; Llama 3 is read from its ``additions`` run (the merges
    after the first 100,000, as the paper did). Columns: paper_tokenizer, tokenizer, measure,
    paper, tokviz, difference (tokviz - paper), status ("compared", "not comparable: ...",
    "not computed yet: ..."), what, note.
    """
    published = read_published() if published is None else published
    rows = []
    for record in published.itertuples(index=False):
        run = "additions" if record.tokenizer == "llama3" else "full"
        part = precomputed[precomputed["tokenizer"] == record.tokenizer]
        if "run" in part.columns:
            part = part[part["run"] == run]
        ours, status = np.nan, "compared"
        if record.measure in _DOMAINS:
            status = "not comparable: tokviz has no samples of the paper's English domains"
        elif part.empty:
            status = ("not computed yet: scripts/precompute_mixture.py --only llama3 --runs additions"
                      if run == "additions" else "not computed yet")
        else:
            ours = _tokviz_measure(part, record.measure)
        rows.append({"paper_tokenizer": record.paper_tokenizer, "tokenizer": record.tokenizer,
                     "measure": record.measure, "paper": record.paper_share, "tokviz": ours,
                     "difference": ours - record.paper_share, "status": status, "what": record.what,
                     "note": record.note})
    return pd.DataFrame(rows)
