"""Token embedding matrices as explorable maps: loading, per-token properties, PCA / UMAP.

An *embedding source* is one matrix (one row per token id) plus the tokenizer whose ids index
its rows. Three come from the catalog (DESIGN.md §4): ``llama2`` (WordLlama's 32000 × 256
projection, the embedded default), ``smollm2`` (SmolLM2-135M's 49152 × 576 table, Q8_0 inside
its GGUF) and ``bert-base-uncased`` (MiniLM's 30522 × 384 word embeddings); the last two are
fetched with ``python -m tokviz fetch NAME``. Users bring their own ``.safetensors`` / ``.npy``
matrix with a tokenizer spec; files are parsed as data only (``np.load(allow_pickle=False)``,
safetensors' header parser): nothing in them is ever executed.

The matrix is read lazily and held as at most one float32 copy: PCA works on row chunks and
on a d × d covariance, never on a centred copy of the matrix. UMAP runs on a 50-dimension PCA
(of the L2-normalised rows for ``metric="cosine"``, where Euclidean distance is a monotone
function of cosine distance). Projections and per-token properties are cached on disk keyed by
the matrix file's sha256 and the parameters, so a restart is warm; the page's default view
(llama2, UMAP, default parameters) ships in ``data/`` and is used when its inputs match.

The modules follow the pipeline (this file only re-exports the public names):

- :mod:`.sources` — the catalog of matrices, reading files (headers, data only), EmbeddingSource;
- :mod:`.pca` — chunked PCA (no centred copy of the matrix), used by properties and projection;
- :mod:`.properties` — per-token properties and the under-trained indicator;
- :mod:`.projection` — PCA / UMAP maps and :func:`token_map`, the public entry;
- :mod:`.lookup` — search (word-start form first) and nearest neighbours;
- :mod:`.shipped` — results shipped in ``data/``, keyed by their inputs' checksums.

The CLI command (``python -m tokviz map``) lives in ``tokviz/cli.py``.

What this package leaves out: 3-D maps, aligned maps of two models, and verifying under-trained
candidates by prompting a model (Magikarp does that; we only give the embedding indicator).

>>> source = load_embeddings("llama2")
>>> source.shape
(32000, 256)
>>> frame = token_map("llama2", method="pca")
>>> list(frame.columns[:10])
['token_id', 'token', 'x', 'y', 'script', 'length', 'norm', 'merge_rank', 'special', 'undertrained_score']
"""
from __future__ import annotations

from .lookup import find_tokens, nearest
from .projection import METHODS, METRICS, project, token_map
from .properties import token_properties, undertrained_in_text, undertrained_tokens
from .sources import (
                      DEFAULT_EMBEDDING,
                      EMBEDDING_CATALOG,
                      MAX_MATRIX_FILE_BYTES,
                      EmbeddingInfo,
                      EmbeddingSource,
                      available_embeddings,
                      embedding_for_tokenizer,
                      load_embeddings,
)

__all__ = [
    "EmbeddingSource",
    "EmbeddingInfo",
    "EMBEDDING_CATALOG",
    "DEFAULT_EMBEDDING",
    "METHODS",
    "METRICS",
    "MAX_MATRIX_FILE_BYTES",
    "available_embeddings",
    "load_embeddings",
    "embedding_for_tokenizer",
    "token_properties",
    "project",
    "token_map",
    "nearest",
    "find_tokens",
    "undertrained_tokens",
    "undertrained_in_text",
]
