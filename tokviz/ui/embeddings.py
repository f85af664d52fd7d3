"""Streamlit pieces of the Embedding map page: cached loaders, the projection with progress,
the matrix choice (catalog or upload), search, and the texts the page shows.

Matrices are ``st.cache_resource`` (one read-only EmbeddingSource per name and tokenizer);
maps, neighbours and tables are ``st.cache_data`` keyed by names and parameters. The heavy
projection itself is also cached on disk by :mod:`tokviz.embeddings` (and the default view ships
in ``data/``), so :func:`ensure_projection` is a quick no-op once a map exists, and shows a real
progress bar the first time.
"""
from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from tokviz import embeddings
from tokviz.charts.embeddings import embedding_map_figure, hover_label
from tokviz.ui.common import ready_tokenizer_names, save_upload

__all__ = [
    "UPLOAD",
    "MapParams",
    "MatrixChoice",
    "SearchResult",
    "choose_matrix",
    "load_map",
    "search",
    "plain",
    "other_forms",
    "shown_token",
    "store_upload",
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


# ---- the page's steps -----------------------------------------------------------------------------------

MAX_UPLOAD_NAME_CHARS = 150  # longer names are refused (the OS limit for the stored file is 255 bytes)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()<>|~$!])")  # what changes text inline


def plain(text: str) -> str:
    """``text`` escaped so that Streamlit's markdown shows it as written (no links, images, HTML).

    >>> print(plain("[log in](http://x) <img src=x>"))
    \\[log in\\]\\(http://x\\) \\<img src=x\\>
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


class MatrixChoice(NamedTuple):
    """What to map: a source spec (catalog name or stored upload), its tokenizer spec, and the
    names to show (the upload's own file names, not the stored paths)."""

    source: str
    tokenizer: str | None = None
    matrix_name: str | None = None
    tokenizer_name: str | None = None


class MapParams(NamedTuple):
    """Everything a map depends on; the arguments of the cached calls, in order."""

    source: str
    tokenizer: str | None
    method: str
    n_neighbors: int
    min_dist: float
    metric: str
    sample: int | None


def store_upload(uploaded) -> Path:
    """Save an uploaded file (see ui.common.save_upload); a name the disk cannot hold is a ValueError."""
    name = str(uploaded.name)
    if len(name) > MAX_UPLOAD_NAME_CHARS or any(ord(char) < 32 for char in name):
        raise ValueError(f"The file name is {len(name)} characters long or holds control characters; rename the "
                         f"file (at most {MAX_UPLOAD_NAME_CHARS} plain characters) and upload it again.")
    try:
        return save_upload(uploaded)
    except OSError as error:
        raise ValueError(f"The upload could not be stored ({error.strerror or error}); rename the file to a short "
                         "plain name and upload it again.") from None


def _remember_upload(widget_file, prefix: str) -> None:
    """Keep an uploaded file's stored path and name across reruns; forget them when it is removed."""
    if widget_file is not None:
        st.session_state[f"{prefix}_path"] = str(store_upload(widget_file))
        st.session_state[f"{prefix}_name"] = widget_file.name
        st.session_state[f"{prefix}_from_widget"] = True
    elif st.session_state.pop(f"{prefix}_from_widget", False):  # the user removed the file
        st.session_state.pop(f"{prefix}_path", None)
        st.session_state.pop(f"{prefix}_name", None)


def _upload_choice() -> MatrixChoice:
    """The sidebar's upload widgets; stops the page with a message until a matrix is there."""
    with st.sidebar:
        uploaded = st.file_uploader("Matrix file", type=["safetensors", "npy"], key="emb_upload",
                                    help="One row per token id; float16/float32. Files are read as numbers only.")
        ready = ready_tokenizer_names()
        tokenizer_choice = st.selectbox("Its tokenizer", ready, key="emb_upload_tokenizer",
                                        index=ready.index("llama2") if "llama2" in ready else 0)
        tokenizer_file = st.file_uploader("…or a tokenizer file", key="emb_upload_tokenizer_file",
                                          help="tokenizer.json, *.tiktoken, SentencePiece *.model, GGUF")
    try:
        _remember_upload(uploaded, "emb_upload")
        _remember_upload(tokenizer_file, "emb_upload_tokenizer")
    except ValueError as error:
        st.error(plain(str(error)))
        st.stop()
    if "emb_upload_path" not in st.session_state:
        st.info("Upload a token embedding matrix (.safetensors or .npy, one row per token id) in the sidebar "
                "and pick the tokenizer whose ids index its rows.")
        st.stop()
    tokenizer_path = st.session_state.get("emb_upload_tokenizer_path")
    if tokenizer_path:
        name = plain(st.session_state.get("emb_upload_tokenizer_name", ""))
        st.sidebar.caption(f"Rows are read with the uploaded tokenizer {name}; remove it to use the list.")
    return MatrixChoice(st.session_state["emb_upload_path"], tokenizer_path or tokenizer_choice,
                        st.session_state.get("emb_upload_name"),
                        st.session_state.get("emb_upload_tokenizer_name") if tokenizer_path else None)


def choose_matrix(matrix: str, infos: dict[str, embeddings.EmbeddingInfo]) -> MatrixChoice:
    """The matrix picked in the sidebar (a catalog entry, fetched if needed, or an upload)."""
    if matrix == UPLOAD:
        return _upload_choice()
    if not infos[matrix].available:
        fetch_embedding(infos[matrix], key=f"emb-fetch-{matrix}")
        st.stop()
    return MatrixChoice(matrix)


def load_map(params: MapParams) -> tuple[embeddings.EmbeddingSource, pd.DataFrame]:
    """The source and its map frame; a message (never a traceback) and a stop when it cannot be mapped."""
    try:
        source = load_source_cached(params.source, params.tokenizer)
        ensure_projection(*params)
        return source, map_frame_cached(*params)
    except ValueError as error:
        st.error(f"This matrix cannot be mapped: {plain(str(error))}")
    except Exception as error:  # noqa: BLE001 - never a traceback on the page
        st.error(f"Mapping failed: unexpected {type(error).__name__}: {plain(str(error))}")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


class SearchResult(NamedTuple):
    """A search on the map: the tokens found (best first), the first one's neighbours, a warning."""

    ids: list[int]
    neighbours: pd.DataFrame | None = None
    warning: str = ""


def search(params: MapParams, tokenizer, query: str, k: int) -> SearchResult:
    """Find ``query`` (word-start form first) and the first hit's ``k`` nearest neighbours."""
    if not query.strip():
        return SearchResult([])
    try:
        ids = find_cached(params.source, params.tokenizer, query)
    except ValueError as error:
        return SearchResult([], None, str(error))
    if not ids:
        pieces = [shown_token(tokenizer.token_text(i)) for i in tokenizer.encode(query)]
        return SearchResult([], None, f"{query!r} is not a single token of {tokenizer.display_name}; it is split "
                                      f"into {len(pieces)} tokens: {' · '.join(pieces[:12])}. Search one of them.")
    return SearchResult(ids, nearest_cached(params.source, params.tokenizer, f"#{ids[0]}", k))


def shown_token(token: str) -> str:
    """A token as plain text for a message: a leading space as ␣, control characters escaped.

    >>> shown_token(" king"), shown_token("a<b")
    ('␣king', 'a<b')
    """
    return html.unescape(hover_label(token))


def other_forms(tokenizer, ids: list[int], limit: int = 8) -> str:
    """The other tokens a search found, as plain text: ``king (#9292), ␣King (#4088)``."""
    return ", ".join(f"{shown_token(tokenizer.token_text(i))} (#{i})" for i in ids[:limit])
