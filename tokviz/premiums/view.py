"""What the Language premiums page shows of a premium table: filters, orders, summaries, sentences.

Pure functions over the table of :func:`tokviz.premiums.token_premiums` (no Streamlit), so that
the page only draws widgets and figures, and every decision it shows is unit-tested here.

>>> table = pd.DataFrame({"tokenizer": ["t", "t", "t"], "language": ["eng", "amh", "arb"],
...     "name": ["English", "Amharic", "Arabic, Standard"], "script": ["Latn", "Ethi", "Arab"],
...     "region": ["Europe", "Africa", "Asia"], "premium": [1.0, 4.0, 2.0], "reliable": [True, True, True]})
>>> filter_languages(table, scripts=["Ethi", "Arab"], query="arab")["language"].tolist()
['arb']
>>> language_order(table, SORT_MEAN)
['amh', 'arb', 'eng']
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from ..catalog import display_names
from .table import RELIABLE_UNKNOWN_SHARE

__all__ = [
    "SORT_MEAN", "SORT_NAME", "SORT_SCRIPT", "sort_options", "filter_languages", "language_order",
    "unreliable_warning", "distribution_summary", "calculator_languages", "calculator_sentence",
    "markdown_text", "display_names",
]

SORT_MEAN = "mean premium (most expensive first)"
SORT_NAME = "language name"
SORT_SCRIPT = "script, then premium"
_SORT_UNDER = "premium under "


#: Invisible, after an escaped ":" or ".", so that no autolink ("http://…", "www.…") can form either.
_ZERO_WIDTH_SPACE = "\u200b"


def markdown_text(value: object) -> str:
    """``value`` as literal text inside Markdown: every ASCII punctuation mark backslash-escaped,
    so that no link, image, emphasis, HTML or Streamlit directive (``:red[...]``, ``$...$``) can
    come from it, and a zero-width space after ``:`` and ``.`` so that the renderer's autolinking
    cannot turn ``http://…`` or ``www.…`` into a link. (A local minimal escape; the catalog
    branch's ``tokviz.escape.escape_markdown`` escapes alike but leaves autolinks.)

    >>> markdown_text("[x](http://evil)").replace(_ZERO_WIDTH_SPACE, "~")
    '\\\\[x\\\\]\\\\(http\\\\:~\\\\/\\\\/evil\\\\)'
    >>> markdown_text("deu_1996")
    'deu\\\\_1996'
    """
    text = str(value).replace("\r", " ").replace("\n", " ")
    escaped = re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)
    return escaped.replace("\\:", "\\:" + _ZERO_WIDTH_SPACE).replace("\\.", "\\." + _ZERO_WIDTH_SPACE)


def sort_options(tokenizers: Sequence[str]) -> list[str]:
    """The heatmap's orders: mean premium, the premium under each tokenizer, script, name.

    >>> sort_options(["cl100k_base"])[1]
    'premium under cl100k_base'
    """
    return [SORT_MEAN, *(f"{_SORT_UNDER}{tok}" for tok in tokenizers), SORT_SCRIPT, SORT_NAME]


def filter_languages(table: pd.DataFrame, scripts: Sequence[str] = (), regions: Sequence[str] = (),
                     query: str = "") -> pd.DataFrame:
    """Rows whose script is one of ``scripts`` and region one of ``regions`` (empty: any), and
    whose name or code contains ``query`` (case-insensitive, plain text, not a regex)."""
    view = table
    if scripts:
        view = view[view["script"].isin(list(scripts))]
    if regions:
        view = view[view["region"].isin(list(regions))]
    needle = (query or "").strip().lower()
    if needle:
        view = view[view["name"].str.lower().str.contains(needle, regex=False)
                    | view["language"].str.lower().str.contains(needle, regex=False)]
    return view


def language_order(view: pd.DataFrame, sort: str) -> list[str]:
    """Language codes in the order ``sort`` (one of :func:`sort_options`) asks for; an unknown
    order falls back to the mean premium, most expensive first."""
    wide = view.pivot_table(index="language", columns="tokenizer", values="premium", aggfunc="first")
    info = view.drop_duplicates("language").set_index("language")
    if sort == SORT_NAME:
        return info["name"].sort_values(key=lambda s: s.str.lower(), kind="stable").index.tolist()
    if sort == SORT_SCRIPT:
        ordered = info.assign(mean=wide.mean(axis=1)).sort_values(["script", "mean"], ascending=[True, False])
        return ordered.index.tolist()
    tokenizer = sort.removeprefix(_SORT_UNDER) if sort.startswith(_SORT_UNDER) else None
    if tokenizer in wide.columns:
        return wide[tokenizer].sort_values(ascending=False).index.tolist()
    return wide.mean(axis=1).sort_values(ascending=False).index.tolist()


def unreliable_warning(view: pd.DataFrame, shown_per_tokenizer: int = 6) -> str | None:
    """A sentence naming the premiums that rest on unknown tokens (None when there are none)."""
    unreliable = view[~view["reliable"]]
    if unreliable.empty:
        return None
    listing = "; ".join(
        f"{tok}: {', '.join(group['name'].head(shown_per_tokenizer))}"
        f"{' …' if len(group) > shown_per_tokenizer else ''}"
        for tok, group in unreliable.groupby("tokenizer", sort=False))
    return (f"{len(unreliable)} premium(s) rest on ≥ {RELIABLE_UNKNOWN_SHARE:.0%} unknown tokens: the tokenizer "
            f"cannot encode that script, so the count is too low. They are grey in the charts and left out of "
            f"the rankings — {markdown_text(listing)}.")


def distribution_summary(view: pd.DataFrame) -> pd.DataFrame:
    """Per tokenizer, over its reliable premiums: languages, median, 90th percentile, max, and
    the most expensive language's name."""
    reliable = view[view["reliable"]]
    if reliable.empty:
        return pd.DataFrame(columns=["languages", "median", "90th percentile", "max", "most expensive"])
    groups = reliable.groupby("tokenizer", sort=False)["premium"]
    most = reliable.loc[groups.idxmax()].set_index("tokenizer")
    summary = groups.describe(percentiles=[0.5, 0.9])
    summary["most expensive"] = most["name"]
    return summary[["count", "50%", "90%", "max", "most expensive"]].rename(
        columns={"count": "languages", "50%": "median", "90%": "90th percentile"})


def calculator_languages(calculator: pd.DataFrame, preferred: str = "amh") -> tuple[list[str], str | None]:
    """The calculator's reliable languages, most expensive first, and the one to show by default
    (``preferred`` when it is there)."""
    reliable = calculator[calculator["reliable"]].sort_values("premium", ascending=False)
    codes = reliable["language"].tolist()
    if not codes:
        return [], None
    return codes, preferred if preferred in codes else codes[0]


def calculator_sentence(calculator: pd.DataFrame, language: str, reference: str, tokenizer: str,
                        reference_name: str, context_tokens: int, content_words: int) -> str:
    """One Markdown sentence: what the context holds and what the content costs in ``language``,
    against the reference language (rows from :func:`tokviz.premiums.context_and_cost`)."""
    rows = calculator.set_index("language")
    if language not in rows.index:
        raise ValueError(f"The calculator has no row for {language!r}; pick one of its languages.")
    row = rows.loc[language]
    ref_row = rows.loc[reference] if reference in rows.index else None
    name = markdown_text(row["name"])
    ref_name = markdown_text(reference_name)
    if row["spaced"]:
        holds = f"about **{_words(row['words_in_context'])} of {name}**"
    else:
        holds = (f"{name} text worth **{_words(row['equivalent_words'], ref_name)}** "
                 f"({name} is written without spaces between words)")
    against = f", against {_words(ref_row['words_in_context'])} of {ref_name}" if ref_row is not None else ""
    ref_cost = f"\\${ref_row['cost']:,.2f}" if ref_row is not None else "the reference's cost"
    return (f"With **{markdown_text(tokenizer)}**, your {int(context_tokens):,}-token context holds {holds}{against}. "
            f"The same {int(content_words):,}-word content costs **\\${row['cost']:,.2f}** in {name} "
            f"({row['premium']:.2f}×) instead of {ref_cost}.")


def _words(count: float, language: str = "") -> str:
    """``count`` words, to one decimal below 10 (a tiny context holds "0.1 words", not "0"), and "word"
    when that reads 1 ("1 word", "2 English words").

    >>> _words(0.12), _words(1.02), _words(1234.4, "English")
    ('0.1 words', '1 word', '1,234 English words')
    """
    shown = f"{count:,.0f}" if count >= 9.95 else f"{count:.1f}".removesuffix(".0")
    return f"{shown} {language + ' ' if language else ''}word{'' if shown == '1' else 's'}"


def with_display_names(view: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """``view`` with its ``tokenizer`` column in display names (for charts and tables people read)."""
    return view.assign(tokenizer=view["tokenizer"].map(lambda n: names.get(n, n)))
