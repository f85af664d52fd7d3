"""Streamlit side of the Language premiums page: cached tables and the cold-start progress bar.

Counting is done by ``tokviz.premiums`` (disk-cached per tokenizer and corpus); this module
shows a progress bar while counts are cold, then serves the premium tables from
``st.cache_data`` keyed by tokenizer names, corpus and reference, never by objects.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd
import streamlit as st

from tokviz import corpora, premiums
from tokviz.ui.common import load_tokenizer_cached

__all__ = [
    "ensure_counts",
    "premium_table",
    "udhr_language_table",
    "published_counts",
    "flores_language_table",
    "default_published_csv",
]

PUBLISHED_CSV_NAME = "petrov_flores200_token_lengths.csv"


def _handle(spec: str):
    """A premiums tokenizer handle for ``spec``: catalog names resolve their identity without
    building the tokenizer when the catalog allows it (the view loads only if counts are cold);
    uploaded files come from the shared resource cache."""
    from tokviz.catalog import CATALOG

    return premiums._handle(spec if spec in CATALOG else load_tokenizer_cached(spec))


def ensure_counts(specs: Sequence[str], corpus: str = "udhr", label: str = "Counting tokens") -> None:
    """Count every cold (tokenizer, corpus) pair now, with a progress bar; warm pairs cost nothing."""
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
def _premium_table_cached(specs: tuple[str, ...], corpus: str, reference: str) -> pd.DataFrame:
    return premiums.token_premiums([_handle(spec) for spec in specs], corpus=corpus, reference=reference)


def premium_table(specs: Sequence[str], corpus: str = "udhr", reference: str = "eng",
                  label: str = "Counting tokens") -> pd.DataFrame:
    """The premium table for these tokenizers (progress bar while cold, then cached)."""
    premiums.resolve_reference(reference, corpus)  # a bad reference fails before any counting
    ensure_counts(specs, corpus, label)
    return _premium_table_cached(tuple(specs), str(corpus), reference)


@st.cache_data(show_spinner=False)
def udhr_language_table() -> pd.DataFrame:
    """One row per UDHR translation (code, name, script, region, …)."""
    return corpora.udhr_languages()


@st.cache_data(show_spinner=False, max_entries=8)
def flores_language_table(folder: str) -> pd.DataFrame:
    """code, name, script per language of a FLORES folder (ValueError for a malformed one)."""
    return corpora.load_flores(folder).drop(columns=["text"])


@st.cache_data(show_spinner=False, max_entries=8)
def published_counts(csv_path: str, flores_folder: str) -> pd.DataFrame:
    return premiums.load_published_counts(csv_path, flores_folder)


def default_published_csv(flores_folder: str) -> str:
    """Petrov et al.'s CSV in a ``reference/`` folder beside the FLORES folder, when there is one."""
    if not flores_folder:
        return ""
    candidate = Path(flores_folder).expanduser().parent / "reference" / PUBLISHED_CSV_NAME
    return str(candidate) if candidate.is_file() else ""
