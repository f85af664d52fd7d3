"""Streamlit pieces of the Embedding map page: cached loaders, the projection with progress.

Matrices are ``st.cache_resource`` (one read-only EmbeddingSource per name and tokenizer);
maps, neighbours and tables are ``st.cache_data`` keyed by names and parameters. The heavy
projection itself is also cached on disk by :mod:`tokviz.embeddings`, so :func:`ensure_projection`
is a quick no-op once a map exists, and shows a real progress bar the first time.
"""
from __future__ import annotations

import io

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from tokviz import embeddings
from tokviz.charts.embeddings import embedding_map_figure

__all__ = [
    "UPLOAD",
    "load_source_cached",
    "ensure_projection",
    "map_frame_cached",
    "map_figure_cached",
    "nearest_cached",
    "undertrained_cached",
    "text_tokens_cached",
    "source_choices",
    "fetch_embedding",
    "frame_download",
]

UPLOAD = "upload"  # the picker's value for "a matrix file of your own"


@st.cache_resource(show_spinner="Opening the embedding matrix…", max_entries=8)
def load_source_cached(source: str, tokenizer: str | None = None) -> embeddings.EmbeddingSource:
    """The EmbeddingSource for a catalog name, or an uploaded file path plus its tokenizer."""
    loaded = embeddings.load_embeddings(source, tokenizer=tokenizer)
    loaded.tokenizer  # noqa: B018 - load it now, so a row-count mismatch surfaces here
    return loaded


def ensure_projection(source: str, tokenizer: str | None, method: str, n_neighbors: int, min_dist: float,
                      metric: str, sample: int | None) -> None:
    """Compute (or find on disk) the projection, showing progress only when it has to be computed."""
    slot = st.empty()
    state: dict = {}

    def report(fraction: float, message: str) -> None:
        if "bar" not in state:
            state["bar"] = slot.progress(0.0, text=message)
        state["bar"].progress(min(max(float(fraction), 0.0), 1.0), text=message)

    try:
        embeddings.project(load_source_cached(source, tokenizer), method, n_neighbors=n_neighbors,
                           min_dist=min_dist, metric=metric, sample=sample, progress=report)
    finally:
        slot.empty()


@st.cache_data(show_spinner=False, max_entries=6)
def map_frame_cached(source: str, tokenizer: str | None, method: str, n_neighbors: int, min_dist: float,
                     metric: str, sample: int | None) -> pd.DataFrame:
    """The map DataFrame (coordinates + properties) for these parameters."""
    return embeddings.token_map(load_source_cached(source, tokenizer), method=method, n_neighbors=n_neighbors,
                                min_dist=min_dist, metric=metric, sample=sample)


@st.cache_data(show_spinner="Drawing the map…", max_entries=12)
def map_figure_cached(source: str, tokenizer: str | None, method: str, n_neighbors: int, min_dist: float,
                      metric: str, sample: int | None, color_by: str, search_ids: tuple[int, ...],
                      neighbour_ids: tuple[int, ...], text_ids: tuple[int, ...], focus_id: int | None,
                      ) -> go.Figure:
    frame = map_frame_cached(source, tokenizer, method, n_neighbors, min_dist, metric, sample)
    return embedding_map_figure(frame, color_by, search_ids=search_ids, neighbour_ids=neighbour_ids,
                                text_ids=text_ids, focus_id=focus_id)


@st.cache_data(show_spinner=False, max_entries=64)
def nearest_cached(source: str, tokenizer: str | None, token: str | int, k: int) -> pd.DataFrame:
    return embeddings.nearest(load_source_cached(source, tokenizer), token, k)


@st.cache_data(show_spinner=False, max_entries=64)
def find_cached(source: str, tokenizer: str | None, query: str) -> list[int]:
    return embeddings.find_tokens(load_source_cached(source, tokenizer), query)


@st.cache_data(show_spinner=False, max_entries=8)
def undertrained_cached(source: str, tokenizer: str | None, top: int) -> pd.DataFrame:
    return embeddings.undertrained_tokens(load_source_cached(source, tokenizer), top=top)


@st.cache_data(show_spinner=False, max_entries=32)
def text_tokens_cached(source: str, tokenizer: str | None, text: str) -> tuple[list[int], list[dict]]:
    """The ids of ``text`` under the source's tokenizer, and the flagged under-trained ones."""
    loaded = load_source_cached(source, tokenizer)
    ids = [i for i in loaded.tokenizer.encode(text) if i < loaded.token_count]
    return ids, embeddings.undertrained_in_text(loaded, ids)


def source_choices() -> tuple[list[str], dict[str, str], dict[str, embeddings.EmbeddingInfo]]:
    """Picker values (catalog names + upload), their labels, and the catalog infos."""
    infos = {info.name: info for info in embeddings.available_embeddings()}
    labels = {
        name: f"{info.display_name} · {info.rows:,} × {info.dimensions}" + ("" if info.available else " (fetch to use)")
        for name, info in infos.items()
    }
    labels[UPLOAD] = "Your own matrix (.safetensors / .npy)"
    return [*infos, UPLOAD], labels, infos


def fetch_embedding(info: embeddings.EmbeddingInfo, key: str) -> None:
    """Say how to get a not-yet-fetched matrix, with a Fetch button that fetches with progress."""
    entry = embeddings.EMBEDDING_CATALOG[info.name]
    st.info(f"**{info.display_name}** is not on this machine yet. Fetch it here or run "
            f"`python -m tokviz fetch {entry.fetch}`.")
    if st.button(f"Fetch {info.display_name}", key=key):
        from tokviz import assets

        bar = st.progress(0.0, text=f"Fetching {entry.fetch}…")
        try:
            assets.fetch(entry.fetch, progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m[:80]))
        except Exception as error:  # noqa: BLE001 - shown to the user
            st.error(f"Fetching {entry.fetch} failed: {error}")
            return
        st.rerun()


def frame_download(frame: pd.DataFrame, kind: str):
    """A zero-argument callable building the download bytes on click (CSV or parquet)."""
    def build() -> bytes:
        if kind == "csv":
            return frame.to_csv(index=False).encode("utf-8")
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()

    return build
