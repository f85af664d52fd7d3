"""The UDHR token counts of the default tokenizers, shipped in ``data/`` so a first visit is instant.

``data/premium_counts_udhr.parquet`` holds, per default tokenizer, the tokens / unknown /
byte-fallback counts of every UDHR text unit, in the order of the corpus' units. It carries the
inputs it was computed from in its parquet metadata: the sha256 of ``data/udhr.parquet``, each
tokenizer's identity (``tokviz.catalog.tokenizer_identity``: the sha256 of its files) and the
count format's version. A tokenizer's shipped counts are used only when all three are the
ones in use now; otherwise tokviz counts afresh (and caches on disk) as for any tokenizer.
Counts, not premiums, are shipped: a premium for any reference is a ratio of them.

Rebuild with ``python data/build_premium_counts.py`` (it calls :func:`build_shipped_counts`).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..cache import stable_hash

__all__ = ["SHIPPED_COUNTS_PATH", "shipped_counts", "shipped_inputs", "build_shipped_counts"]

SHIPPED_COUNTS_PATH = Path(__file__).resolve().parents[2] / "data" / "premium_counts_udhr.parquet"
_METADATA_KEY = b"tokviz.premium_counts"
_COUNT_COLUMNS = ("tokens", "unknown", "byte_fallback")


def _units_hash(language: np.ndarray, unit: np.ndarray) -> str:
    """Fingerprint of a corpus' unit order (the shipped rows follow it)."""
    return stable_hash("\n".join(f"{a}\t{b}" for a, b in zip(language.tolist(), unit.tolist(), strict=True)))


@lru_cache(maxsize=4)
def _read(path: str, mtime_ns: int) -> tuple[dict, dict[str, pd.DataFrame]]:
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[_METADATA_KEY])
    frame = table.to_pandas()
    groups = {name: group[list(_COUNT_COLUMNS)].astype("int64").reset_index(drop=True)
              for name, group in frame.groupby("tokenizer", sort=False, observed=True)}
    return meta, groups


def _load(path: Path = None) -> tuple[dict, dict[str, pd.DataFrame]] | None:
    path = Path(path or SHIPPED_COUNTS_PATH)
    try:
        return _read(str(path), path.stat().st_mtime_ns)
    except (OSError, KeyError, ValueError, TypeError, pa.ArrowException):
        return None  # missing or unreadable: counting afresh is always correct


def shipped_inputs(path: Path | None = None) -> dict | None:
    """The inputs the shipped counts were built from: ``{"counts_version", "udhr_sha256",
    "units_sha256", "tokenizers": {name: identity}}`` (None when there is no readable file)."""
    loaded = _load(path)
    return None if loaded is None else loaded[0]


def shipped_counts(tok, data) -> pd.DataFrame | None:
    """This tokenizer's shipped counts on this corpus (language, unit, tokens, unknown,
    byte_fallback), or None when the inputs differ from the ones they were built from."""
    from .counting import COUNTS_VERSION

    if data.kind != "udhr" or not tok.identity:
        return None
    loaded = _load()
    if loaded is None:
        return None
    meta, groups = loaded
    if (meta.get("counts_version") != COUNTS_VERSION or meta.get("udhr_sha256") != data.identity
            or meta.get("tokenizers", {}).get(tok.name) != tok.identity or tok.name not in groups):
        return None
    counts = groups[tok.name]
    language, unit = data.units["language"].to_numpy(), data.units["unit"].to_numpy()
    if len(counts) != len(language) or meta.get("units_sha256") != _units_hash(language, unit):
        return None
    frame = counts.copy()
    frame.insert(0, "unit", unit)
    frame.insert(0, "language", language)
    return frame


def build_shipped_counts(tokenizers, path: Path | None = None, progress=None) -> dict:
    """Count the UDHR with ``tokenizers`` (names) and write the shipped file; returns its inputs."""
    from ..progress import stage
    from .counting import COUNTS_VERSION, _cached_counts, _load_corpus, _resolve_tokenizers

    path = Path(path or SHIPPED_COUNTS_PATH)
    data = _load_corpus("udhr")
    handles = _resolve_tokenizers(list(tokenizers))
    frames, identities = [], {}
    for index, tok in enumerate(handles):
        part = stage(progress, index / len(handles), (index + 1) / len(handles), tok.name)
        counts = _cached_counts(tok, data, part)[list(_COUNT_COLUMNS)].astype("int32")  # counted, or the disk cache
        counts.insert(0, "tokenizer", tok.name)
        frames.append(counts)
        identities[tok.name] = tok.identity or tok.view.identity
    frame = pd.concat(frames, ignore_index=True)
    frame["tokenizer"] = frame["tokenizer"].astype("category")
    meta = {"counts_version": COUNTS_VERSION, "udhr_sha256": data.identity, "tokenizers": identities,
            "units_sha256": _units_hash(data.units["language"].to_numpy(), data.units["unit"].to_numpy())}
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _METADATA_KEY: json.dumps(meta)})
    temporary = path.with_suffix(".tmp")
    pq.write_table(table, temporary, compression="zstd", compression_level=19)
    temporary.replace(path)
    _read.cache_clear()
    return meta
