"""Streamlit side of the Language premiums page: cached tables, progress in place, tables and panels.

Counting is done by ``tokviz.premiums``: per-unit counts are cached per tokenizer identity and
corpus (in memory, on disk, and shipped in ``data/`` for the default tokenizers on the UDHR),
never per reference; a premium table for a reference is a vectorised ratio of them, cached here
with ``st.cache_data`` keyed by tokenizer names and identities, corpus and reference.

A FLORES-200 folder for the expert comparison is chosen on the server side only
(``$TOKVIZ_FLORES_DIR``, and ``$TOKVIZ_PUBLISHED_CSV`` for Petrov et al.'s counts): paths never
come from a URL or from what a visitor types.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import streamlit as st

from tokviz import corpora, premiums
from tokviz.charts.premiums import published_comparison
from tokviz.premiums.view import markdown_text
from tokviz.ui.common import load_tokenizer_cached, show_error
from tokviz.ui.state import url_get

__all__ = [
    "ensure_counts",
    "premium_table",
    "udhr_language_table",
    "warn_unknown_url_value",
    "configured_flores",
    "flores_section",
    "summary_table",
    "cost_table",
    "full_table",
    "FLORES_ENV",
    "PUBLISHED_ENV",
]

PUBLISHED_CSV_NAME = "petrov_flores200_token_lengths.csv"
FLORES_ENV = "TOKVIZ_FLORES_DIR"
PUBLISHED_ENV = "TOKVIZ_PUBLISHED_CSV"
_RATIO = st.column_config.NumberColumn(format="%.2f×")


def _handle(spec: str):
    """A premiums tokenizer handle for ``spec``: catalog names resolve their identity without
    building the tokenizer when the catalog allows it (the view loads only if counts are cold);
    uploaded files come from the shared resource cache."""
    from tokviz.catalog import CATALOG

    return premiums._handle(spec if spec in CATALOG else load_tokenizer_cached(spec))


def ensure_counts(specs: Sequence[str], corpus: str = "udhr", label: str = "Counting tokens") -> None:
    """Count every cold (tokenizer, corpus) pair now, with a progress bar in place; warm pairs cost nothing."""
    handles = [_handle(spec) for spec in specs]
    cold = [handle for handle in handles if not premiums.counts_are_cached(handle, corpus)]
    if not cold:
        return
    bar = st.progress(0.0, text=f"{label}: {len(cold)} tokenizer(s) to count (done once, then cached on disk)…")
    for index, handle in enumerate(cold):
        if handle._view is None and handle._spec is not None:
            handle._view = load_tokenizer_cached(handle._spec)

        def report(fraction: float, message: str, index: int = index) -> None:
            bar.progress(min(1.0, (index + fraction) / len(cold)), text=f"{label} · {message}"[:120])

        premiums.unit_counts(handle, corpus, progress=report)
    bar.empty()


@st.cache_data(show_spinner=False, max_entries=64)
def _premium_table_cached(specs: tuple[str, ...], identities: tuple[str, ...], corpus: str,
                          reference: str) -> pd.DataFrame:
    del identities  # part of the key only: a changed tokenizer file is a new table
    return premiums.token_premiums([_handle(spec) for spec in specs], corpus=corpus, reference=reference)


def premium_table(specs: Sequence[str], corpus: str = "udhr", reference: str = "eng",
                  label: str = "Counting tokens") -> pd.DataFrame:
    """The premium table for these tokenizers (progress bar while counts are cold, then cached)."""
    premiums.resolve_reference(reference, corpus)  # a bad reference fails before any counting
    ensure_counts(specs, corpus, label)
    identities = tuple(_handle(spec).identity for spec in specs)
    return _premium_table_cached(tuple(specs), identities, str(corpus), reference)


@st.cache_data(show_spinner=False)
def udhr_language_table() -> pd.DataFrame:
    """One row per UDHR translation (code, name, script, region, …)."""
    return corpora.udhr_languages()


def warn_unknown_url_value(url_key: str, options: Sequence[str], key: str, what: str, fallback: str) -> None:
    """On a session's first run, say (escaped: a link's text is never Markdown) that the URL's
    value for ``url_key`` is not one of ``options`` and ``fallback`` is used instead."""
    raw = url_get(url_key)
    if raw is None or key in st.session_state or raw in set(options):
        return
    shown = raw if len(raw) <= 60 else raw[:60] + "…"
    st.warning(f"The {what} '{markdown_text(shown)}' from the link is not available; using {fallback}.")


# ---- FLORES-200 comparison (expert) ---------------------------------------------------------------
def configured_flores() -> tuple[str, str]:
    """The server's FLORES-200 folder (``$TOKVIZ_FLORES_DIR``) and published CSV
    (``$TOKVIZ_PUBLISHED_CSV``, else ``reference/<Petrov CSV>`` beside the folder); "" when unset."""
    folder = os.environ.get(FLORES_ENV, "").strip()
    published = os.environ.get(PUBLISHED_ENV, "").strip()
    if folder and not published:
        candidate = Path(folder).expanduser().parent / "reference" / PUBLISHED_CSV_NAME
        published = str(candidate) if candidate.is_file() else ""
    return folder, published


@st.cache_data(show_spinner=False, max_entries=8)
def _flores_languages(folder: str) -> pd.DataFrame:
    return corpora.load_flores(folder).drop(columns=["text"])


@st.cache_data(show_spinner=False, max_entries=8)
def _published_counts(csv_path: str, flores_folder: str) -> pd.DataFrame:
    return premiums.load_published_counts(csv_path, flores_folder)


def flores_section(table: pd.DataFrame, tokenizers: Sequence[str]) -> None:
    """tokviz on the server's FLORES-200 folder against Petrov et al.'s published counts."""
    folder, published_csv = configured_flores()
    if not folder:
        st.caption(f"The person running this app can set `{FLORES_ENV}` to a FLORES-200 folder (`dev/<code>.dev`, "
                   f"`devtest/<code>.devtest`) and `{PUBLISHED_ENV}` to Petrov et al.'s CSV to compare here.")
        return
    try:
        languages = _flores_languages(folder)
        published = _published_counts(published_csv, folder) if published_csv else None
    except ValueError as error:
        show_error(error, "The server's FLORES-200 set-up")
        return
    counterparts = [tok for tok in tokenizers if tok in premiums.PUBLISHED_COUNTERPARTS]
    st.caption(f"{len(languages)} FLORES languages. Tokenizers with published counts: "
               + (", ".join(counterparts) or "none selected (cl100k_base, r50k_base, p50k_base, llama2 have them)"))
    reference = "eng_Latn" if "eng_Latn" in set(languages["code"]) else languages["code"].iloc[0]
    if published is not None and counterparts:
        _, udhr_summary = premiums.compare_with_published(table, published, reference)
        if not udhr_summary.empty:
            st.markdown("**tokviz's UDHR premiums against the published FLORES premiums** (languages matched "
                        "by ISO 639-3 and script):")
            st.dataframe(udhr_summary.drop(columns=["exact"]).rename(columns={"spearman": "Spearman ρ"}),
                         hide_index=True, key="prem_udhr_vs_published")
    if not counterparts:
        return
    try:
        flores_table = premium_table(counterparts, folder, reference, label="Counting FLORES-200")
    except Exception as error:  # noqa: BLE001 - every failure is a message, never a traceback
        show_error(error, "Could not count the FLORES folder")
        return
    if published is None:
        st.info("Set the published counts CSV to compare; tokviz's FLORES premiums:")
        st.dataframe(flores_table[["tokenizer", "language", "name", "tokens", "premium"]], hide_index=True,
                     key="prem_flores_only")
        return
    pairs, flores_summary = premiums.compare_with_published(flores_table, published, reference)
    st.markdown("**tokviz on FLORES-200 against the published counts** (same text, same languages):")
    st.dataframe(flores_summary.rename(columns={"exact": "identical counts", "spearman": "Spearman ρ"}),
                 hide_index=True, key="prem_flores_summary")
    st.plotly_chart(published_comparison(pairs, flores_summary), width="stretch", key="prem_published_chart")
    st.dataframe(pairs, hide_index=True, key="prem_flores_pairs")


# ---- tables -----------------------------------------------------------------------------------------
def summary_table(summary: pd.DataFrame) -> None:
    st.dataframe(summary, width="stretch", key="prem_summary",
                 column_config={c: _RATIO for c in ("median", "90th percentile", "max")})


def cost_table(calculator: pd.DataFrame, reference_name: str) -> None:
    equivalent = f"{reference_name}-equivalent words in context"
    st.dataframe(
        calculator.drop(columns=["tokenizer"]).sort_values("cost", ascending=False).rename(columns={
            "content_tokens": "tokens for the content", "cost": "cost ($)", "equivalent_words": equivalent,
            "words_in_context": "own words in context", "spaced": "writes spaces"}),
        hide_index=True, width="stretch", key="prem_cost_table",
        column_config={"premium": _RATIO,
                       "tokens for the content": st.column_config.NumberColumn(format="%,d"),
                       "cost ($)": st.column_config.NumberColumn(format="$%.2f"),
                       equivalent: st.column_config.NumberColumn(format="%,d"),
                       "own words in context": st.column_config.NumberColumn(format="%,d")})


FULL_COLUMNS = ["tokenizer", "language", "name", "script", "region", "sections", "tokens", "chars", "bytes",
                "premium", "byte_premium", "char_premium", "bytes_per_token", "unknown_share",
                "byte_fallback_share", "reliable"]


def full_table(view: pd.DataFrame) -> None:
    three = st.column_config.NumberColumn(format="%.3f")
    st.dataframe(view[FULL_COLUMNS], hide_index=True, width="stretch", key="prem_table",
                 column_config={"premium": _RATIO, "byte_premium": _RATIO, "char_premium": _RATIO,
                                "bytes_per_token": st.column_config.NumberColumn(format="%.2f"),
                                "unknown_share": three, "byte_fallback_share": three})
