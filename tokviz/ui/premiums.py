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
from tokviz.charts import premiums as charts
from tokviz.charts.premiums import published_comparison
from tokviz.premiums import context_and_cost
from tokviz.premiums import view as pv
from tokviz.premiums.view import markdown_text
from tokviz.ui.common import load_tokenizer_cached, show_error
from tokviz.ui.state import bind, url_get

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
    "PREMIUM_TABS",
    "map_tab",
    "heatmap_tab",
    "top_tab",
    "distribution_tab",
    "cost_tab",
    "table_tab",
    "decomposition_section",
]

#: the page's tabs; only the open one is built (``tokviz.ui.state.lazy_tabs``)
PREMIUM_TABS = ["World map", "Heatmap", "Most expensive", "Distribution", "Cost & context", "Table"]

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


# ---- the tabs (each built only when open) --------------------------------------------------------------------

def map_tab(view: pd.DataFrame, shown: pd.DataFrame, focus: str, focus_label: str) -> None:
    st.plotly_chart(charts.premium_map(shown, focus_label), width="stretch", key="prem_map_chart",
                    config=charts.geo_config())
    unplaced = view.loc[(view["tokenizer"] == focus) & (view["latitude"] <= -60)].shape[0]
    if unplaced:
        st.caption(f"{unplaced} language(s) have no real position in the UDHR data and are not on the map.")


def heatmap_tab(shown: pd.DataFrame, tokenizer_labels: list[str]) -> None:
    options = pv.sort_options(tokenizer_labels)
    sort = st.selectbox("Sort languages by", options, **bind("prem_sort", pv.SORT_MEAN, url="sort", options=options))
    st.plotly_chart(charts.premium_heatmap(shown, pv.language_order(shown, sort)), width="stretch",
                    key="prem_heatmap_chart")


def top_tab(shown: pd.DataFrame) -> None:
    top_n = st.slider("Languages per tokenizer", 5, 40, **bind("prem_top", 20, url="top", parse=int, bounds=(5, 40)))
    st.plotly_chart(charts.top_languages_bars(shown, top_n), width="stretch", key="prem_top_chart")


def distribution_tab(view: pd.DataFrame, shown: pd.DataFrame) -> None:
    st.plotly_chart(charts.premium_distribution(shown), width="stretch", key="prem_dist_chart")
    st.caption("Each point is a language; the dotted line is parity with the reference. Log scale.")
    summary_table(pv.distribution_summary(view))


def cost_tab(view: pd.DataFrame, focus: str, reference: str, names: dict[str, str], focus_label: str) -> None:
    """The calculator: price, context window and content size -> what each language pays."""
    inputs = st.columns(3)
    price = inputs[0].number_input("Price per million tokens ($)", min_value=0.0, max_value=1000.0, step=0.25,
                                   **bind("prem_price", 2.5, url="price", parse=float, bounds=(0.0, 1000.0)))
    context = inputs[1].number_input("Context window (tokens)", min_value=1, max_value=100_000_000, step=1000,
                                     **bind("prem_context", 128_000, url="ctx", parse=int, bounds=(1, 100_000_000)))
    words = inputs[2].number_input(f"Content size ({names[reference]} words)", min_value=1,
                                   max_value=1_000_000_000, step=1000,
                                   **bind("prem_words", 100_000, url="words", parse=int, bounds=(1, 1_000_000_000)))
    calculator = context_and_cost(view, focus, price, int(context), int(words))
    choices, preferred = pv.calculator_languages(calculator)
    if choices:
        chosen = st.selectbox("Language", choices, format_func=lambda c: f"{names.get(c, c)} ({c})",
                              **bind("prem_lang", preferred, url="lang", options=choices))
        st.info(pv.calculator_sentence(calculator, chosen, reference, focus_label, names[reference], int(context),
                                       int(words)))
    st.plotly_chart(charts.context_bars(calculator[calculator["reliable"]]), width="stretch",
                    key="prem_context_chart")
    cost_table(calculator, names[reference])


def table_tab(view: pd.DataFrame, reference: str) -> None:
    full_table(view)
    st.download_button("Download CSV (the filtered table, every column)", view.to_csv(index=False).encode("utf-8"),
                       file_name=f"tokviz-premiums-udhr-{reference}.csv", mime="text/csv", key="prem_download")


def decomposition_section(shown: pd.DataFrame, focus_label: str) -> None:
    st.markdown(
        "**premium = text length × script × vocabulary**: characters relative to the reference, UTF-8 bytes per "
        "character relative to the reference (a script outside ASCII needs 2–4 bytes per character), and tokens "
        "per byte relative to the reference (how well the vocabulary covers the language). A long green bar "
        "means the vocabulary, not the script, makes a language expensive.")
    st.plotly_chart(charts.premium_decomposition(shown, focus_label), width="stretch", key="prem_decomp_chart")
    st.plotly_chart(charts.decomposition_scatter(shown, focus_label), width="stretch", key="prem_scatter_chart")
