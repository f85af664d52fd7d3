"""2-D maps of a vocabulary: PCA, and UMAP on a 50-dimension PCA (exact neighbours for up to
100,000 rows); projections cached on disk; :func:`token_map` joins them with the properties."""
from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..cache import disk_cached_arrays
from ..progress import Progress, report
from .pca import _pca_project
from .properties import token_properties
from .shipped import shipped_projection
from .sources import EmbeddingSource, SourceLike, load_embeddings

METHODS = ("umap", "pca")
METRICS = ("cosine", "euclidean")
PCA_DIMENSIONS_BEFORE_UMAP = 50
_MAP_VERSION = 4  # bump when the projections change

EXACT_NEIGHBOURS_UP_TO = 100_000  # rows; above this UMAP's own NN-descent is faster than exact search


@lru_cache(maxsize=1)
def _top_k_kernel():
    """A numba kernel: per row of ``dots``, the k columns with the smallest ``sq[c] - 2 dots[r, c]``.

    That is the squared Euclidean distance minus the row's own squared norm, so the order is the
    nearest-neighbour order. A running insertion list of k beats argpartition over the whole row.
    """
    import numba

    @numba.njit(parallel=True, fastmath=True, cache=False)
    def top_k(dots, sq, k, out_index, out_value):
        rows, cols = dots.shape
        for r in numba.prange(rows):
            best_value = np.full(k, np.inf, dtype=np.float32)
            best_index = np.full(k, -1, dtype=np.int32)
            worst = np.float32(np.inf)
            for c in range(cols):
                value = sq[c] - np.float32(2.0) * dots[r, c]
                if value < worst:
                    position = k - 1
                    while position > 0 and best_value[position - 1] > value:
                        best_value[position] = best_value[position - 1]
                        best_index[position] = best_index[position - 1]
                        position -= 1
                    best_value[position] = value
                    best_index[position] = c
                    worst = best_value[k - 1]
            out_index[r] = best_index
            out_value[r] = best_value

    return top_k


def _exact_neighbours(points: np.ndarray, k: int, chunk: int = 2048,
                      on_chunk: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours (self first) by Euclidean distance: BLAS dot products in row
    chunks plus a numba top-k, O(n²) work but no n × n matrix in memory.

    >>> index, distance = _exact_neighbours(np.array([[0.0, 0], [1, 0], [5, 0]], np.float32), 2)
    >>> index.tolist(), distance.round(3).tolist()
    ([[0, 1], [1, 0], [2, 1]], [[0.0, 1.0], [0.0, 1.0], [0.0, 4.0]])
    """
    points = np.ascontiguousarray(points, dtype=np.float32)
    rows = len(points)
    k = min(k, rows)
    squared = np.einsum("ij,ij->i", points, points)
    index = np.empty((rows, k), dtype=np.int32)
    value = np.empty((rows, k), dtype=np.float32)  # first the top-k scores, then the distances
    top_k = _top_k_kernel()
    for start in range(0, rows, chunk):
        block = points[start:start + chunk]
        block_index = index[start:start + len(block)]
        top_k(block @ points.T, squared, k, block_index, value[start:start + len(block)])
        # distances recomputed from the differences: exact, and 0 for a point itself
        difference = points[block_index] - block[:, None, :]
        value[start:start + len(block)] = np.sqrt(np.einsum("ijk,ijk->ij", difference, difference))
        if on_chunk is not None:
            on_chunk(start + len(block), rows)
    return index, value


class _TqdmProgress:
    """A file-like sink for umap's tqdm bar that forwards "n/total" to a progress callback."""

    _pattern = re.compile(r"(\d+)/(\d+)")

    def __init__(self, progress: Progress, start: float, end: float, message: str):
        self.progress, self.start, self.end, self.message = progress, start, end, message

    def write(self, text: str) -> int:
        hits = self._pattern.findall(text)
        if hits:
            done, total = (int(value) for value in hits[-1])
            if total:
                fraction = self.start + (self.end - self.start) * done / total
                self.progress(min(fraction, self.end), f"{self.message} ({done}/{total} epochs)")
        return len(text)

    def flush(self) -> None:
        pass


def _validate_parameters(method: str, n_neighbors: int, min_dist: float, metric: str,
                         sample: int | None, rows: int) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}.")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}.")
    if not (isinstance(n_neighbors, (int, np.integer)) and 2 <= n_neighbors <= 200):
        raise ValueError(f"n_neighbors must be an integer from 2 to 200 (in general 5 to 50), not {n_neighbors!r}.")
    if not (0.0 <= float(min_dist) <= 1.0):
        raise ValueError(f"min_dist must be between 0.0 and 1.0 (spread), not {min_dist!r}.")
    if sample is not None and not (isinstance(sample, (int, np.integer)) and 10 <= sample):
        raise ValueError(f"sample must be None (the whole vocabulary) or an integer of at least 10, not {sample!r}.")
    if method == "umap" and min(rows, sample or rows) <= n_neighbors:
        raise ValueError(f"UMAP needs more rows than n_neighbors ({n_neighbors}); lower n_neighbors.")


def _sample_ids(count: int, sample: int | None) -> np.ndarray:
    if sample is None or sample >= count:
        return np.arange(count, dtype=np.int64)
    return np.sort(np.random.default_rng(0).choice(count, size=int(sample), replace=False))


class _ProjectionPlan(NamedTuple):
    """What one projection computes: the method, its parameters and the rows it maps."""

    method: str
    metric: str
    sample: int | None
    rows: int
    n_neighbors: int | None = None
    min_dist: float | None = None

    def key(self, source: EmbeddingSource) -> dict[str, Any]:
        """The cache key: the version, the matrix identity and the parameters (UMAP's only for UMAP)."""
        params: dict[str, Any] = {"v": _MAP_VERSION, "matrix": source.identity, "method": self.method,
                                  "metric": self.metric, "sample": self.sample, "rows": self.rows}
        if self.method == "umap":
            params.update(n_neighbors=self.n_neighbors, min_dist=self.min_dist,
                          pca_dimensions=PCA_DIMENSIONS_BEFORE_UMAP)
        return params


def project(source: SourceLike, method: str = "umap", *, n_neighbors: int = 15, min_dist: float = 0.1,
            metric: str = "cosine", sample: int | None = None, progress: Progress | None = None,
            ) -> dict[str, np.ndarray]:
    """2-D coordinates of the token rows: ``{"token_id": int64[n], "xy": float32[n, 2]}``.

    ``method="pca"``: the top two principal axes (immediate). ``method="umap"``: UMAP on a
    50-dimension PCA; ``metric="cosine"`` L2-normalises the rows first (Euclidean distance between
    unit vectors is a monotone function of cosine distance). Results are cached on disk by the
    matrix file's sha256 and every parameter.
    """
    source = load_embeddings(source)
    plan = _plan(source, method, n_neighbors, min_dist, metric, sample)
    key = plan.key(source)
    shipped = shipped_projection(key)  # the page's default view ships in data/
    if shipped is not None:
        return shipped
    return disk_cached_arrays("embedding-maps", key, lambda: _compute_projection(source, plan, progress))


def projection_key(source: SourceLike, method: str = "umap", *, n_neighbors: int = 15, min_dist: float = 0.1,
                   metric: str = "cosine", sample: int | None = None) -> dict[str, Any]:
    """The key :func:`project` caches (and finds shipped maps) under: matrix identity + parameters.

    >>> sorted(projection_key("llama2", "pca"))
    ['matrix', 'method', 'metric', 'rows', 'sample', 'v']
    """
    source = load_embeddings(source)
    return _plan(source, method, n_neighbors, min_dist, metric, sample).key(source)


def _plan(source: EmbeddingSource, method: str, n_neighbors: int, min_dist: float, metric: str,
          sample: int | None) -> _ProjectionPlan:
    """The checked parameters of one projection (ValueError saying what to change otherwise)."""
    count = source.token_count
    _validate_parameters(method, n_neighbors, min_dist, metric, sample, count)
    umap_only = method == "umap"
    return _ProjectionPlan(method, metric, sample, count, int(n_neighbors) if umap_only else None,
                           float(min_dist) if umap_only else None)


def _compute_projection(source: EmbeddingSource, plan: _ProjectionPlan,
                        progress: Progress | None) -> dict[str, np.ndarray]:
    """PCA to 2 dimensions, or to 50 and then UMAP, of the planned rows."""
    report(progress, 0.02, f"Reading the {source.rows:,} × {source.dimensions} matrix")
    ids = _sample_ids(plan.rows, plan.sample)
    full = source.matrix[:plan.rows]
    rows = full if len(ids) == plan.rows else full[ids]
    normalize = plan.metric == "cosine"
    norms = source.norms[:plan.rows][ids] if normalize else None
    report(progress, 0.08, "PCA")
    if plan.method == "pca":
        xy, ratios = _pca_project(rows, 2, normalize_rows=normalize, norms=norms)
    else:
        reduced, ratios = _pca_project(rows, min(PCA_DIMENSIONS_BEFORE_UMAP, source.dimensions),
                                       normalize_rows=normalize, norms=norms)
        xy = _umap_layout(reduced, plan.n_neighbors, plan.min_dist, progress)
    report(progress, 1.0, "Done")
    return {"token_id": ids, "xy": xy, "explained_variance": ratios.astype(np.float32)}


def _umap_layout(reduced: np.ndarray, n_neighbors: int, min_dist: float,
                 progress: Progress | None) -> np.ndarray:
    """UMAP of the PCA-reduced rows (exact neighbours up to EXACT_NEIGHBOURS_UP_TO rows), float32 n × 2."""
    report(progress, 0.12, "Loading UMAP (numba compiles on first use)")
    try:
        import umap
    except ImportError:  # pragma: no cover - requirements.txt installs it
        raise ValueError("UMAP needs the umap-learn package: pip install umap-learn") from None
    points = len(reduced)
    precomputed: tuple = (None, None, None)
    if points <= EXACT_NEIGHBOURS_UP_TO:
        report(progress, 0.2, f"UMAP: exact {n_neighbors} nearest neighbours of {points:,} points")
        indices, distances = _exact_neighbours(
            reduced, int(n_neighbors),
            on_chunk=lambda done, total: report(progress, 0.2 + 0.2 * done / total,
                                                f"UMAP: exact nearest neighbours ({done:,}/{total:,} points)"))
        precomputed = (indices, distances, None)
    else:
        report(progress, 0.2, f"UMAP: approximate nearest-neighbour graph (NN-descent) of {points:,} points")
    sink = _TqdmProgress(lambda fraction, message: report(progress, fraction, message), 0.45, 0.99, "UMAP: layout")
    reducer = umap.UMAP(
        n_neighbors=int(n_neighbors), min_dist=float(min_dist), metric="euclidean", n_components=2,
        low_memory=True, n_jobs=-1, verbose=False, precomputed_knn=precomputed,
        tqdm_kwds={"disable": progress is None, "file": sink, "mininterval": 0.5, "ascii": True},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return reducer.fit_transform(reduced).astype(np.float32)


def token_map(source: SourceLike, method: str = "umap", n_neighbors: int = 15, min_dist: float = 0.1,
              metric: str = "cosine", sample: int | None = None, progress: Progress | None = None,
              ) -> pd.DataFrame:
    """The vocabulary as a 2-D map: one row per token with its coordinates and properties.

    Columns: ``token_id, token, x, y, script, length, norm, merge_rank, special,
    undertrained_score`` then ``length_bytes, undertrained, unused_reference``. ``attrs`` carry the
    source, the method and the under-trained basis.

    Parameters
    ----------
    method : "umap" or "pca"
        PCA is immediate; UMAP takes tens of seconds cold and is cached on disk.
    n_neighbors : int, default 15
        UMAP's local neighbourhood size; in general values should be in the range 5 to 50.
    min_dist : float, default 0.1
        How tightly UMAP packs points, 0.0 to 1.0.
    metric : "cosine" or "euclidean"
    sample : int or None
        Map a seeded random subset of this many tokens instead of the whole vocabulary.

    >>> frame = token_map("llama2", method="pca")
    >>> len(frame), frame.attrs["method"]
    (32000, 'pca')
    """
    source = load_embeddings(source)
    coords = project(source, method, n_neighbors=n_neighbors, min_dist=min_dist, metric=metric,
                     sample=sample, progress=progress)
    props = token_properties(source)
    ids = coords["token_id"]
    frame = props.iloc[ids].reset_index(drop=True)
    frame.insert(2, "x", coords["xy"][:, 0])
    frame.insert(3, "y", coords["xy"][:, 1])
    order = ["token_id", "token", "x", "y", "script", "length", "norm", "merge_rank", "special",
             "undertrained_score", "length_bytes", "undertrained", "unused_reference"]
    frame = frame[order]
    frame.attrs.update(
        source=source.name, method=method, metric=metric,
        n_neighbors=n_neighbors if method == "umap" else None,
        min_dist=min_dist if method == "umap" else None,
        undertrained_basis=props.attrs["undertrained_basis"],
        explained_variance=[float(v) for v in coords["explained_variance"][:2]],
    )
    return frame
