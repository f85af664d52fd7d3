"""Results shipped in ``data/``: the Embedding map's default view without computing it.

Two results make the page's first view: the UMAP layout of llama2 and llama2's per-token
properties. Each is shipped with the JSON of the cache key it was computed under (the matrix
file's sha256 and tensor, the tokenizer's identity, every parameter, the code's version) and is
used only when that key equals the key asked for; any other matrix, tokenizer, parameter or
version computes as usual. ``data/build_embedding_map.py`` writes both.

- a map: an ``.npz`` (no pickles) with ``token_id``, ``xy`` (float32), the PCA step's
  ``explained_variance`` and ``key``;
- properties: a parquet file with the key and the frame's ``attrs`` in its schema metadata.

Set ``TOKVIZ_SHIPPED_MAPS=0`` to ignore shipped results (benchmarks of the computation do).

>>> shipped_projection({"v": 0, "matrix": "no such matrix"}) is None
True
"""
from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..cache import atomic_write_bytes

__all__ = ["SHIPPED_MAPS", "SHIPPED_PROPERTIES", "shipped_projection", "shipped_properties", "write_shipped_map",
           "write_shipped_properties", "key_text"]

_DATA = Path(__file__).resolve().parents[2] / "data"
#: The shipped maps, looked through in order: the default view of the page (llama2, UMAP, defaults).
SHIPPED_MAPS: list[Path] = [_DATA / "embedding_map_llama2_umap.npz"]
#: The shipped per-token properties: llama2's (the page's default matrix).
SHIPPED_PROPERTIES: list[Path] = [_DATA / "embedding_properties_llama2.parquet"]
_ARRAYS = ("token_id", "xy", "explained_variance")


def key_text(key: dict[str, Any]) -> str:
    """The canonical JSON of a projection key (sorted keys), as stored in a shipped map.

    >>> key_text({"method": "umap", "v": 4})
    '{"method": "umap", "v": 4}'
    """
    return json.dumps(key, sort_keys=True, ensure_ascii=False, default=str)


def _enabled() -> bool:
    return os.environ.get("TOKVIZ_SHIPPED_MAPS", "1").strip().lower() not in {"0", "false", "no", "off"}


def shipped_projection(key: dict[str, Any]) -> dict[str, np.ndarray] | None:
    """The shipped arrays computed under exactly ``key``, or None (no such map: compute it)."""
    if not _enabled():
        return None
    wanted = key_text(key)
    for path in SHIPPED_MAPS:
        if not path.is_file():
            continue
        try:
            with np.load(path, allow_pickle=False) as stored:
                if str(stored["key"]) != wanted:
                    continue
                arrays = {name: stored[name] for name in _ARRAYS}
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            continue  # an unreadable file is no reason to fail: the projection is computed instead
        if arrays["xy"].ndim == 2 and arrays["xy"].shape == (len(arrays["token_id"]), 2):
            return {"token_id": arrays["token_id"].astype(np.int64), "xy": arrays["xy"].astype(np.float32),
                    "explained_variance": arrays["explained_variance"].astype(np.float32)}
    return None


def write_shipped_map(path: str | os.PathLike, key: dict[str, Any], arrays: dict[str, np.ndarray]) -> Path:
    """Write a projection and its key as a compressed ``.npz`` (used by ``data/build_embedding_map.py``)."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, key=np.array(key_text(key)),
        token_id=np.asarray(arrays["token_id"], dtype=np.int32),
        xy=np.asarray(arrays["xy"], dtype=np.float32),
        explained_variance=np.asarray(arrays["explained_variance"], dtype=np.float32),
    )
    atomic_write_bytes(Path(path), buffer.getvalue())
    return Path(path)


def shipped_properties(key: dict[str, Any]) -> pd.DataFrame | None:
    """The shipped per-token properties computed under exactly ``key`` (with their attrs), or None."""
    if not _enabled():
        return None
    import pyarrow.parquet as pq

    wanted = key_text(key).encode("utf-8")
    for path in SHIPPED_PROPERTIES:
        if not path.is_file():
            continue
        try:
            metadata = pq.read_schema(path).metadata or {}
            if metadata.get(b"tokviz_key") != wanted:
                continue
            frame = pd.read_parquet(path)
            frame.attrs.update(json.loads(metadata[b"tokviz_attrs"]))
        except (OSError, ValueError, KeyError):
            continue  # an unreadable file is no reason to fail: the properties are computed instead
        return frame
    return None


def write_shipped_properties(path: str | os.PathLike, key: dict[str, Any], frame: pd.DataFrame) -> Path:
    """Write per-token properties, their key and attrs as one zstd parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=True)
    metadata = dict(table.schema.metadata or {})
    metadata[b"tokviz_key"] = key_text(key).encode("utf-8")
    metadata[b"tokviz_attrs"] = json.dumps(frame.attrs, ensure_ascii=False).encode("utf-8")
    buffer = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(metadata), buffer, compression="zstd")
    atomic_write_bytes(Path(path), buffer.getvalue())
    return Path(path)
