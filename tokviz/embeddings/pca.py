"""Principal component analysis on row chunks: no centred (or normalised) copy of the matrix."""
from __future__ import annotations

import numpy as np

from .sources import _CHUNK_ROWS


def _pca_basis(matrix: np.ndarray, n_components: int, *, normalize_rows: bool,
               norms: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Principal axes (d × k, float64), the mean row and the explained-variance ratios.

    Works on row chunks: the d × d covariance is accumulated from centred blocks, so no centred
    (or normalised) copy of the whole matrix is ever made.
    """
    rows, dims = matrix.shape
    if normalize_rows and norms is None:
        norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))

    def block_at(start: int) -> np.ndarray:
        block = matrix[start:start + _CHUNK_ROWS]
        if normalize_rows:
            block = block / np.maximum(norms[start:start + len(block), None], 1e-12)
        return block

    total = np.zeros(dims, dtype=np.float64)
    for start in range(0, rows, _CHUNK_ROWS):
        total += block_at(start).sum(axis=0, dtype=np.float64)
    mean = total / rows
    covariance = np.zeros((dims, dims), dtype=np.float64)
    mean32 = mean.astype(np.float32)
    for start in range(0, rows, _CHUNK_ROWS):
        centred = block_at(start) - mean32
        covariance += (centred.T @ centred).astype(np.float64)
    covariance /= max(rows - 1, 1)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    order = np.argsort(eigenvalues)[::-1][:n_components]
    components = eigenvectors[:, order]
    # a deterministic sign: the largest loading of each axis is positive
    signs = np.sign(components[np.abs(components).argmax(axis=0), np.arange(components.shape[1])])
    components *= np.where(signs == 0, 1, signs)
    ratios = eigenvalues[order] / max(float(eigenvalues.clip(min=0).sum()), 1e-300)
    return components, mean, ratios


def _pca_project(matrix: np.ndarray, n_components: int, *, normalize_rows: bool,
                 norms: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows projected on the top ``n_components`` principal axes (float32), and the ratios."""
    if normalize_rows and norms is None:
        norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
    components, mean, ratios = _pca_basis(matrix, n_components, normalize_rows=normalize_rows, norms=norms)
    components32 = components.astype(np.float32)
    offset = (mean @ components).astype(np.float32)
    out = np.empty((matrix.shape[0], components.shape[1]), dtype=np.float32)
    for start in range(0, matrix.shape[0], _CHUNK_ROWS):
        block = matrix[start:start + _CHUNK_ROWS]
        if normalize_rows:
            block = block / np.maximum(norms[start:start + len(block), None], 1e-12)
        out[start:start + len(block)] = block @ components32 - offset
    return out, ratios
