"""Where tokviz keeps heavy results on disk, and how they are keyed.

The cache dir is ``$TOKVIZ_CACHE`` or the platform user cache dir (never inside the repo).
Results are keyed by the sha256 of their inputs and parameters, so a restart is warm and a
changed input can never hit a stale entry. Writes go through a temporary file plus rename, so
a crash never leaves a half-written entry behind.

>>> key = stable_hash({"tokenizer": "cl100k_base", "corpus": "udhr"})
>>> len(key)
64
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "cache_dir",
    "stable_hash",
    "file_sha256",
    "file_sha256_memo",
    "atomic_write_bytes",
    "disk_cached_frame",
    "disk_cached_arrays",
]


def cache_dir(*parts: str) -> Path:
    """The tokviz cache dir (``$TOKVIZ_CACHE`` or the user cache dir), created on demand."""
    root = os.environ.get("TOKVIZ_CACHE")
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("tokviz")
    path = Path(root).expanduser().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def stable_hash(obj: Any) -> str:
    """sha256 hex of a JSON-serialisable object (dict keys sorted), bytes, or str."""
    if isinstance(obj, bytes):
        data = obj
    elif isinstance(obj, str):
        data = obj.encode("utf-8")
    else:
        data = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """sha256 hex of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


_SHA_MEMO: dict[tuple[str, int, int], str] = {}  # (resolved path, mtime_ns, size) -> sha256
_SHA_LOCK = threading.Lock()


def file_sha256_memo(path: str | os.PathLike) -> str:
    """:func:`file_sha256`, hashed again only when the file's mtime or size changes."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _SHA_LOCK:
        known = _SHA_MEMO.get(key)
    if known is None:
        known = file_sha256(path)
        with _SHA_LOCK:
            _SHA_MEMO[key] = known
    return known


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder plus rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def disk_cached_frame(namespace: str, key: Any, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Return the DataFrame stored under (namespace, key), computing and storing it on a miss.

    ``key`` is anything :func:`stable_hash` accepts; put every input identity (file sha256s)
    and parameter into it.
    """
    path = cache_dir(namespace) / f"{stable_hash(key)}.parquet"
    if path.exists():
        try:
            return pd.read_parquet(path)
        except Exception:  # a damaged entry is recomputed, never trusted
            path.unlink(missing_ok=True)
    frame = compute()
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=True)
    atomic_write_bytes(path, buffer.getvalue())
    return frame


def disk_cached_arrays(
    namespace: str, key: Any, compute: Callable[[], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Like :func:`disk_cached_frame` for a dict of numpy arrays (stored as .npz, no pickles)."""
    path = cache_dir(namespace) / f"{stable_hash(key)}.npz"
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as stored:
                return {name: stored[name] for name in stored.files}
        except Exception:
            path.unlink(missing_ok=True)
    arrays = compute()
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())
    return arrays
