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
the matrix file's sha256 and the parameters, so a restart is warm.

What this module leaves out: 3-D maps, aligned maps of two models, and verifying under-trained
candidates by prompting a model (Magikarp does that; we only give the embedding indicator).

>>> source = load_embeddings("llama2")
>>> source.shape
(32000, 256)
>>> frame = token_map("llama2", method="pca")
>>> list(frame.columns[:10])
['token_id', 'token', 'x', 'y', 'script', 'length', 'norm', 'merge_rank', 'special', 'undertrained_score']
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, Union

import numpy as np
import pandas as pd

from .cache import disk_cached_arrays, disk_cached_frame, file_sha256_memo

__all__ = [
    "EmbeddingSource",
    "EmbeddingInfo",
    "EMBEDDING_CATALOG",
    "DEFAULT_EMBEDDING",
    "METHODS",
    "METRICS",
    "MAX_UPLOAD_BYTES",
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
    "register_cli",
]

DEFAULT_EMBEDDING = "llama2"
METHODS = ("umap", "pca")
METRICS = ("cosine", "euclidean")
MAX_UPLOAD_BYTES = 1 << 30  # a user's matrix file may be at most 1 GiB on disk ...
MAX_FLOAT32_BYTES = 2 << 30  # ... and at most 2 GiB once held as float32
PCA_DIMENSIONS_BEFORE_UMAP = 50
_CHUNK_ROWS = 8192
_PROPERTIES_VERSION = 5  # bump when the per-token properties change
_MAP_VERSION = 4  # bump when the projections change

#: progress(fraction in [0, 1], message) — called while long steps run
Progress = Callable[[float, str], None]


# ---- the catalog -------------------------------------------------------------------------------

def _wordllama_weights() -> tuple[Path, str]:
    import importlib.util

    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("The llama2 embedding ships in the 'wordllama' package: pip install -r requirements.txt")
    path = Path(list(spec.submodule_search_locations)[0]) / "weights" / "l2_supercat_256.safetensors"
    if not path.exists():
        raise ValueError(f"{path} is missing; reinstall wordllama (pip install -r requirements.txt).")
    return path, "embedding.weight"


def _fetched_file(asset: str, pattern: str) -> Path:
    """The file matching ``pattern`` inside the fetched package of ``asset``."""
    from . import assets  # imported late: fetching is optional

    found = Path(assets.asset_path(asset))  # ValueError saying how to fetch when it is missing
    if found.is_file() and found.match(pattern):
        return found
    folder = found if found.is_dir() else found.parent
    for root in (folder, folder.parent, folder.parent.parent):
        hits = sorted(root.rglob(pattern))
        if hits:
            return hits[0]
    raise ValueError(
        f"The fetched package for {asset!r} at {folder} holds no {pattern}; fetch it again with "
        f"`python -m tokviz fetch {asset}`."
    )


def _smollm2_weights() -> tuple[Path, str]:
    return _fetched_file("smollm2", "*.gguf"), "token_embd.weight"


def _minilm_weights() -> tuple[Path, str]:
    from . import assets

    # ValueError saying how to fetch when it is missing
    return Path(assets.asset_path("bert-base-uncased", "model.safetensors")), "embeddings.word_embeddings.weight"


@dataclass(frozen=True)
class _CatalogEmbedding:
    name: str
    display_name: str
    tokenizer: str
    shape: tuple[int, int]
    description: str
    locate: Callable[[], tuple[Path, str]]
    fetch: str | None  # the asset name to fetch, None when embedded


EMBEDDING_CATALOG: dict[str, _CatalogEmbedding] = {
    entry.name: entry
    for entry in (
        _CatalogEmbedding(
            "llama2", "Llama 2 (WordLlama 256-d)", "llama2", (32000, 256),
            "WordLlama l2_supercat_256: a trained 256-d projection of Llama 2's token embeddings "
            "(fp16), not the raw model table. Embedded default.",
            _wordllama_weights, None),
        _CatalogEmbedding(
            "smollm2", "SmolLM2-135M", "smollm2", (49152, 576),
            "SmolLM2-135M-Instruct token_embd.weight (Q8_0 in the GGUF, dequantised), tied with "
            "the output layer.",
            _smollm2_weights, "smollm2"),
        _CatalogEmbedding(
            "bert-base-uncased", "MiniLM-L6 (BERT uncased vocab)", "bert-base-uncased", (30522, 384),
            "all-MiniLM-L6-v2 word embeddings (fp32) over the BERT base uncased WordPiece vocabulary.",
            _minilm_weights, "bert-base-uncased"),
    )
}


@dataclass(frozen=True)
class EmbeddingInfo:
    """What the catalog says about one embedding matrix, for pickers and ``tokviz list``."""

    name: str
    display_name: str
    tokenizer: str
    rows: int
    dimensions: int
    description: str
    available: bool
    how_to_get: str


def available_embeddings() -> list[EmbeddingInfo]:
    """The catalog's embedding matrices, each with whether it can be loaded now.

    >>> [info.name for info in available_embeddings()]
    ['llama2', 'smollm2', 'bert-base-uncased']
    """
    infos = []
    for entry in EMBEDDING_CATALOG.values():
        try:
            entry.locate()
            available, how = True, "ready"
        except (ValueError, OSError, ImportError) as error:
            available = False
            how = f"python -m tokviz fetch {entry.fetch}" if entry.fetch else str(error)
        infos.append(EmbeddingInfo(entry.name, entry.display_name, entry.tokenizer, entry.shape[0],
                                   entry.shape[1], entry.description, available, how))
    return infos


def embedding_for_tokenizer(tokenizer_name: str) -> str | None:
    """The catalog embedding whose rows a tokenizer's ids index, or None.

    >>> embedding_for_tokenizer("llama2"), embedding_for_tokenizer("cl100k_base")
    ('llama2', None)
    """
    for entry in EMBEDDING_CATALOG.values():
        if entry.tokenizer == tokenizer_name or entry.name == tokenizer_name:
            return entry.name
    return None


# ---- reading matrices (data only, never code) -----------------------------------------------------

_KNOWN_TENSOR_SUFFIXES = (
    "embed_tokens.weight", "word_embeddings.weight", "token_embd.weight", "tok_embeddings.weight",
    "wte.weight", "embedding.weight", "embeddings.weight", "shared.weight",
)


def _pick_safetensors_tensor(path: Path, tensor: str | None) -> tuple[str, tuple[int, int], str]:
    from safetensors import safe_open

    try:
        handle = safe_open(str(path), framework="np")
    except Exception as error:  # safetensors raises its own error types for bad headers
        raise ValueError(
            f"{path.name} is not a readable .safetensors file ({error}); upload a safetensors file "
            "or a .npy array of shape (vocab_size, dimensions)."
        ) from None
    with handle:
        shapes = {key: (tuple(handle.get_slice(key).get_shape()), handle.get_slice(key).get_dtype())
                  for key in handle.keys()}
    matrices = {key: value for key, value in shapes.items() if len(value[0]) == 2}
    if tensor is not None:
        if tensor not in matrices:
            raise ValueError(f"{path.name} has no 2-D tensor {tensor!r}; its 2-D tensors are: "
                             f"{', '.join(sorted(matrices)) or 'none'}.")
        name = tensor
    elif len(matrices) == 1:
        name = next(iter(matrices))
    else:
        known = [key for key in matrices if key.endswith(_KNOWN_TENSOR_SUFFIXES)]
        if len(known) != 1:
            raise ValueError(
                f"{path.name} holds {len(matrices)} 2-D tensors and none is clearly the token embedding; "
                f"name one with tensor=... (choices: {', '.join(sorted(matrices)[:20]) or 'none'})."
            )
        name = known[0]
    (rows, dims), dtype = matrices[name]
    if not re.fullmatch(r"F16|BF16|F32|F64|I8|U8|I16|I32|I64|F8_E4M3|F8_E5M2", dtype):
        raise ValueError(f"Tensor {name!r} in {path.name} has dtype {dtype}, which is not a number type.")
    return name, (int(rows), int(dims)), dtype


def _npy_header(path: Path) -> tuple[tuple[int, ...], np.dtype]:
    with open(path, "rb") as handle:
        if handle.read(6) != b"\x93NUMPY":
            raise ValueError(f"{path.name} is not a readable .npy file (no NumPy header); save the matrix "
                             "with np.save(path, matrix.astype(np.float32)).")
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as error:
        raise ValueError(
            f"{path.name} is not a plain numeric .npy array ({error}). Save the matrix with "
            "np.save(path, matrix.astype(np.float32)); pickled objects are never loaded."
        ) from None
    except Exception as error:
        raise ValueError(f"{path.name} is not a readable .npy file ({error}).") from None
    if not isinstance(array, np.ndarray):
        raise ValueError(f"{path.name} is an .npz archive; save one matrix with np.save instead.")
    return array.shape, array.dtype


def _read_gguf_tensor(path: Path, tensor: str) -> np.ndarray:
    """Dequantised float32 rows of one GGUF tensor (GGUF stores shapes reversed)."""
    import gguf

    reader = gguf.GGUFReader(str(path))
    for item in reader.tensors:
        if item.name == tensor:
            if item.tensor_type in (gguf.GGMLQuantizationType.F32,):
                return np.asarray(item.data, dtype=np.float32).reshape(item.data.shape)
            return np.asarray(gguf.dequantize(item.data, item.tensor_type), dtype=np.float32)
    raise ValueError(f"{path.name} has no tensor {tensor!r}.")


def _gguf_shape(path: Path, tensor: str) -> tuple[int, int]:
    import gguf

    try:
        reader = gguf.GGUFReader(str(path))
    except Exception as error:
        raise ValueError(f"{path.name} is not a readable GGUF file ({error}).") from None
    for item in reader.tensors:
        if item.name == tensor:
            dims, rows = (int(value) for value in item.shape[:2])
            return rows, dims
    raise ValueError(f"{path.name} has no tensor {tensor!r}.")


def _memo_sha256(path: Path) -> str:
    return file_sha256_memo(path)


class EmbeddingSource:
    """One token embedding matrix and the tokenizer whose ids index its rows.

    Nothing heavy happens on construction: the shape comes from the file header, the float32
    matrix is read on first use of :attr:`matrix`, the tokenizer on first use of
    :attr:`tokenizer`. Build it with :func:`load_embeddings`.
    """

    def __init__(self, name: str, path: str | os.PathLike, *, tensor: str | None = None,
                 tokenizer: Any = None, display_name: str | None = None, description: str = "",
                 max_bytes: int | None = MAX_UPLOAD_BYTES, shape: tuple[int, int] | None = None):
        self.name = name
        self.path = Path(path)
        self.display_name = display_name or name
        self.description = description
        if not self.path.is_file():
            raise ValueError(f"No matrix file at {self.path}.")
        size = self.path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise ValueError(
                f"{self.path.name} is {size / 2**20:,.0f} MiB; matrices above {max_bytes / 2**20:,.0f} MiB "
                "are refused. Keep only the token embedding table (e.g. save it alone with "
                "safetensors.numpy.save_file({'embedding.weight': matrix}, path))."
            )
        suffix = self.path.suffix.lower()
        if suffix == ".safetensors":
            self.format = "safetensors"
            self.tensor, self.shape, self.stored_dtype = _pick_safetensors_tensor(self.path, tensor)
        elif suffix == ".npy":
            self.format = "npy"
            shape, dtype = _npy_header(self.path)
            if len(shape) != 2:
                raise ValueError(f"{self.path.name} holds an array of shape {shape}; a matrix of shape "
                                 "(vocab_size, dimensions) is needed.")
            if not (np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.integer)):
                raise ValueError(f"{self.path.name} holds {dtype} values; the matrix must be numeric "
                                 "(float16/32/64 or integers).")
            self.tensor, self.shape, self.stored_dtype = None, (int(shape[0]), int(shape[1])), str(dtype)
        elif suffix == ".gguf":
            self.format = "gguf"
            self.tensor = tensor or "token_embd.weight"
            # parsing a GGUF header reads its whole vocabulary (seconds); catalog entries know the shape,
            # and the matrix read checks it
            self.shape = tuple(shape) if shape is not None else _gguf_shape(self.path, self.tensor)
            self.stored_dtype = "gguf"
        else:
            raise ValueError(f"{self.path.name}: unsupported matrix format {suffix or '(none)'}; "
                             "use .safetensors or .npy (float16/float32, shape vocab_size × dimensions).")
        rows, dims = self.shape
        if rows < 2 or dims < 2:
            raise ValueError(f"{self.path.name}: a matrix of shape {self.shape} is too small to map.")
        if rows * dims * 4 > MAX_FLOAT32_BYTES:
            raise ValueError(f"{self.path.name}: {rows:,} × {dims:,} floats need more than "
                             f"{MAX_FLOAT32_BYTES / 2**30:.0f} GiB as float32; use a smaller matrix.")
        self._tokenizer_spec = tokenizer
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<EmbeddingSource {self.name!r} {self.shape[0]}×{self.shape[1]} {self.path.name}>"

    @property
    def rows(self) -> int:
        return self.shape[0]

    @property
    def dimensions(self) -> int:
        return self.shape[1]

    @cached_property
    def identity(self) -> str:
        """sha256 of the matrix file plus the tensor name: the key of every cached result."""
        return f"{_memo_sha256(self.path)}:{self.tensor or ''}"

    @cached_property
    def tokenizer(self):
        """The TokenizerView whose ids index the rows (loaded on first use)."""
        spec = self._tokenizer_spec
        if spec is None:
            raise ValueError(f"{self.name}: no tokenizer given; pass tokenizer='llama2' (a catalog "
                             "name or tokenizer file) together with the matrix.")
        if isinstance(spec, (str, os.PathLike)):
            import tokviz

            spec = tokviz.load_tokenizer(str(spec))
        self._check_rows(spec)
        return spec

    def _check_rows(self, tokenizer) -> None:
        vocab = tokenizer.vocab_size
        rows = self.rows
        if rows < vocab:
            raise ValueError(
                f"{self.name} has {rows:,} rows but the tokenizer {tokenizer.name} has {vocab:,} ids; "
                "pick the tokenizer this matrix was trained with."
            )
        # models pad their tables to a multiple of 64/128; a few hundred unused rows are fine
        if rows - vocab > max(1024, vocab // 50):
            raise ValueError(
                f"{self.name} has {rows:,} rows but the tokenizer {tokenizer.name} has only {vocab:,} ids; "
                "pick the tokenizer this matrix was trained with."
            )

    @property
    def token_count(self) -> int:
        """Rows that belong to token ids (padding rows past the vocabulary are left out)."""
        return min(self.rows, self.tokenizer.vocab_size)

    @property
    def is_loaded(self) -> bool:
        return "matrix" in self.__dict__

    @cached_property
    def matrix(self) -> np.ndarray:
        """The whole matrix as float32 (rows = token ids), read once, checked for NaN/inf."""
        with self._lock:
            if "matrix" in self.__dict__:
                return self.__dict__["matrix"]
            if self.format == "safetensors":
                from safetensors import safe_open

                with safe_open(str(self.path), framework="np") as handle:
                    stored = handle.get_tensor(self.tensor)
                matrix = stored if stored.dtype == np.float32 else stored.astype(np.float32)
                del stored
            elif self.format == "npy":
                stored = np.load(self.path, mmap_mode="r", allow_pickle=False)
                matrix = np.array(stored, dtype=np.float32)  # one float32 copy, from the memory map
                del stored
            else:
                matrix = _read_gguf_tensor(self.path, self.tensor)
            if matrix.shape != self.shape:
                raise ValueError(f"{self.path.name}: read shape {matrix.shape}, header said {self.shape}.")
            bad_rows = np.concatenate([~np.isfinite(matrix[start:start + _CHUNK_ROWS]).all(axis=1)
                                       for start in range(0, len(matrix), _CHUNK_ROWS)])
            if bad_rows.any():
                first = np.flatnonzero(bad_rows)[:5].tolist()
                raise ValueError(
                    f"{self.name} holds NaN or infinite values in {int(bad_rows.sum()):,} rows (first rows: "
                    f"{first}); fix or drop those values before mapping."
                )
            matrix.setflags(write=False)
            return matrix

    def release(self) -> None:
        """Drop the float32 matrix (it is read again on next use)."""
        self.__dict__.pop("matrix", None)
        self.__dict__.pop("norms", None)

    @cached_property
    def norms(self) -> np.ndarray:
        """L2 norm of every row (float32)."""
        matrix = self.matrix
        out = np.empty(self.rows, dtype=np.float32)
        for start in range(0, self.rows, _CHUNK_ROWS):
            block = matrix[start:start + _CHUNK_ROWS]
            out[start:start + len(block)] = np.sqrt(np.einsum("ij,ij->i", block, block))
        return out


_CATALOG_INSTANCES: dict[str, EmbeddingSource] = {}
_CATALOG_LOCK = threading.Lock()
SourceLike = Union[str, os.PathLike, EmbeddingSource]


def load_embeddings(source: SourceLike, tokenizer: Any = None, *, tensor: str | None = None,
                    max_bytes: int | None = MAX_UPLOAD_BYTES) -> EmbeddingSource:
    """An :class:`EmbeddingSource` for a catalog name or a matrix file plus its tokenizer.

    ``source`` is a catalog name (``"llama2"``, ``"smollm2"``, ``"bert-base-uncased"``), a path
    to a ``.safetensors`` / ``.npy`` (/ ``.gguf``) file, or an EmbeddingSource (returned as is).
    ``tokenizer`` (a catalog name, tokenizer file or TokenizerView) is required for files.
    Catalog sources are built once per process.

    >>> load_embeddings("llama2")
    <EmbeddingSource 'llama2' 32000×256 l2_supercat_256.safetensors>
    """
    if isinstance(source, EmbeddingSource):
        return source
    text = str(source)
    if text in EMBEDDING_CATALOG and tokenizer is None:
        with _CATALOG_LOCK:
            if text not in _CATALOG_INSTANCES:
                entry = EMBEDDING_CATALOG[text]
                path, tensor_name = entry.locate()
                _CATALOG_INSTANCES[text] = EmbeddingSource(
                    entry.name, path, tensor=tensor_name, tokenizer=entry.tokenizer,
                    display_name=entry.display_name, description=entry.description, max_bytes=None,
                    shape=entry.shape)
            return _CATALOG_INSTANCES[text]
    path = Path(text)
    if not path.exists():
        raise ValueError(f"Unknown embedding {text!r}: use one of {', '.join(EMBEDDING_CATALOG)} or a "
                         ".safetensors / .npy file path (with tokenizer=...).")
    if tokenizer is None:
        raise ValueError(f"{path.name}: say which tokenizer indexes its rows (tokenizer='llama2', a "
                         "catalog name or a tokenizer file).")
    return EmbeddingSource(path.stem, path, tensor=tensor, tokenizer=tokenizer, max_bytes=max_bytes)


# ---- per-token properties -----------------------------------------------------------------------

#: Unicode scripts told apart on the map; other letters fall into "Other".
SCRIPTS = (
    "Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Han", "Hiragana", "Katakana", "Hangul",
    "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada",
    "Malayalam", "Sinhala", "Thai", "Lao", "Tibetan", "Myanmar", "Khmer", "Georgian", "Armenian",
    "Ethiopic", "Mongolian", "Thaana", "Syriac", "Cherokee", "Canadian_Aboriginal", "Tifinagh",
    "Bopomofo", "Yi", "Javanese", "Balinese", "Runic", "Ogham", "Coptic", "Glagolitic", "Nko",
    "Vai", "Adlam", "Braille",
)


def _char_scripts(chars: Iterable[str]) -> dict[str, str]:
    """Script of each character (one regex scan per script over the distinct characters).

    >>> _char_scripts("aж中1 ")
    {'a': 'Latin', 'ж': 'Cyrillic', '中': 'Han', '1': 'Digits', ' ': 'Whitespace'}
    """
    import regex

    ordered = list(dict.fromkeys(chars))
    joined = "".join(ordered)
    found: dict[str, str] = {}
    for script in SCRIPTS:
        for char in regex.findall(rf"\p{{Script={script}}}", joined):
            found.setdefault(char, script)
    out = {}
    for char in ordered:
        if char in found:
            out[char] = found[char]
        elif char.isspace():
            out[char] = "Whitespace"
        elif char.isdigit():
            out[char] = "Digits"
        elif char.isalpha():
            out[char] = "Other"
        else:
            out[char] = "Symbols"  # punctuation, symbols, marks, emoji
    return out


_GENERIC_SCRIPTS = ("Whitespace", "Digits", "Symbols")


def _token_script(text: str, scripts: dict[str, str]) -> str:
    counts: dict[str, int] = {}
    for char in text:
        script = scripts[char]
        counts[script] = counts.get(script, 0) + 1
    letters = {k: v for k, v in counts.items() if k not in _GENERIC_SCRIPTS}
    if letters:
        return max(letters.items(), key=lambda item: item[1])[0]
    for generic in ("Digits", "Symbols", "Whitespace"):
        if generic in counts:
            return generic
    return "Whitespace"


#: Vocabulary entries that are known to be reserved / unused: Magikarp's reference set.
_RESERVED_PATTERN = re.compile(
    r"^(?:\[unused\d+\]|<unused\d+>|<\|reserved_special_token_\d+\|>|<\|reserved_\d+\|>|"
    r"<\|unused_?\d+\|>|<reserved_\d+>|<pad_?\d+>|<\|extra_\d+\|>|<SPECIAL_\d+>|madeupword\d+)$"
)
#: Single bytes that never occur in valid UTF-8, so their byte tokens are never produced from text.
_UNREACHABLE_BYTES = frozenset(bytes([value]) for value in (0xC0, 0xC1, *range(0xF5, 0x100)))


def _undertrained_scores(source: EmbeddingSource, reference: np.ndarray, count: int) -> tuple[np.ndarray, str]:
    """Per token, how much it looks under-trained (higher = more suspicious), and the basis used.

    With at least 3 reserved/unused/unreachable tokens in the vocabulary (Magikarp, Land &
    Bartolo 2024): remove the first principal component from every row, then take the cosine
    similarity to the mean of the reference tokens' rows.

    Without them, a norm-based indicator: the share of each row that lies along the
    vocabulary's mean row, i.e. the cosine between row and mean. A row that training barely
    touched keeps little besides the component all rows share, so its token-specific part (its
    norm once the mean is removed) is small and this cosine high. (The raw L2 norm is no such
    indicator on these matrices: SmolLM2's smallest rows are ' John', ' Michael', ' David';
    WordLlama's are ' the', ',', ' of'.)
    """
    matrix = source.matrix[:count]
    scores = np.empty(count, dtype=np.float32)
    if len(reference) >= 3:
        components, _, _ = _pca_basis(matrix, 1, normalize_rows=False)
        first = components[:, 0].astype(np.float32)

        def strip(block: np.ndarray) -> np.ndarray:
            return block - np.outer(block @ first, first)

        target = strip(matrix[reference]).mean(axis=0)
        basis = (f"cosine similarity to the mean of {len(reference)} reserved/unused/unreachable tokens, "
                 "first principal component removed (Magikarp)")
    else:
        def strip(block: np.ndarray) -> np.ndarray:
            return block

        target = np.zeros(matrix.shape[1], dtype=np.float64)
        for start in range(0, count, _CHUNK_ROWS):
            target += matrix[start:start + _CHUNK_ROWS].sum(axis=0, dtype=np.float64)
        target = (target / count).astype(np.float32)
        basis = ("norm-based: share of the row along the vocabulary's mean row (cosine to the mean; a small "
                 "token-specific norm). The vocabulary has no reserved/unused/unreachable tokens to compare with.")
    target = target / max(float(np.linalg.norm(target)), 1e-12)
    for start in range(0, count, _CHUNK_ROWS):
        block = strip(matrix[start:start + _CHUNK_ROWS])
        norms = np.linalg.norm(block, axis=1)
        scores[start:start + len(block)] = (block @ target) / np.maximum(norms, 1e-12)
    return scores, basis


def _flag_threshold(scores: np.ndarray, reference: np.ndarray, special: np.ndarray) -> float:
    """Score above which a token is flagged as likely under-trained.

    Reference basis: half-way from the typical token's score to the typical reference token's
    (for Llama 2 this flags ' Расподела', ' Portály', ' Mediabestanden', ..., the tokens
    Magikarp verified). Mean-row basis: the top 0.1 % of ordinary tokens (candidates only).
    """
    if len(reference) >= 3:
        typical, unused = float(np.median(scores)), float(np.median(scores[reference]))
        return typical + 0.5 * (unused - typical)
    ordinary = scores[~special]
    return float(np.quantile(ordinary if len(ordinary) else scores, 0.999))


def _byte_fallback_ids(vocab_bytes: Sequence[bytes]) -> np.ndarray:
    """Ids of a byte-fallback block: 256 consecutive ids holding the bytes 0x00..0xFF in order.

    SentencePiece-style vocabularies (Llama 2, Mistral) have one (ids 3..258 in Llama 2);
    byte-level BPE alphabets (GPT-2 style) are not in byte order and are real base tokens.

    >>> _byte_fallback_ids([b"<s>"] + [bytes([b]) for b in range(256)] + [b"the"]).tolist()[:3]
    [1, 2, 3]
    """
    expected = [bytes([value]) for value in range(256)]
    for start in (i for i, data in enumerate(vocab_bytes) if data == b"\x00"):
        if list(vocab_bytes[start:start + 256]) == expected:
            return np.arange(start, start + 256)
    return np.zeros(0, dtype=np.int64)


def _properties_frame(source: EmbeddingSource) -> pd.DataFrame:
    """Per-token properties, computed once per (matrix, tokenizer); see :func:`token_properties`.

    The per-token text work (display text, script) is a plain loop over the vocabulary: there is
    no batch call for it, and the result is cached on disk.
    """
    tok = source.tokenizer
    count = source.token_count
    vocab_bytes = tok.vocab_bytes[:count]
    texts = [tok.token_text(i) for i in range(count)]
    whole = [data.decode("utf-8", "ignore") for data in vocab_bytes]
    partial = np.fromiter((len(w.encode("utf-8")) != len(b) for w, b in zip(whole, vocab_bytes)),
                          dtype=bool, count=count)
    scripts_of = _char_scripts("".join(whole))
    special = np.zeros(count, dtype=bool)
    special_ids = np.fromiter((i for i in tok.special_ids if i < count), dtype=np.int64)
    special[special_ids] = True
    fallback = _byte_fallback_ids(vocab_bytes)
    partial[fallback] = True  # <0x50> is a byte token even though b"P" decodes
    for token_id in fallback.tolist():  # shown by their SentencePiece names, not as a second "P"
        texts[token_id] = f"<0x{vocab_bytes[token_id][0]:02X}>"
    script = [
        "special" if special[i] else "bytes" if partial[i] else _token_script(whole[i], scripts_of)
        for i in range(count)
    ]
    reference = np.flatnonzero(np.fromiter(
        (bool(_RESERVED_PATTERN.match(t)) or b in _UNREACHABLE_BYTES for t, b in zip(texts, vocab_bytes)),
        dtype=bool, count=count))
    scores, basis = _undertrained_scores(source, reference, count)
    threshold = _flag_threshold(scores, reference, special)
    is_reference = np.zeros(count, dtype=bool)
    is_reference[reference] = True
    frame = pd.DataFrame({
        "token_id": np.arange(count, dtype=np.int32),
        "token": texts,
        "script": pd.Categorical(script),
        "length": np.fromiter((len(w) for w in whole), dtype=np.int32, count=count),
        "length_bytes": tok.token_byte_lengths[:count].astype(np.int32),
        "norm": source.norms[:count].astype(np.float32),
        "merge_rank": tok.merge_rank_of_tokens()[:count].astype(np.int32),
        "special": special,
        "undertrained_score": scores,
        "undertrained": (scores >= threshold) & ~is_reference & ~special,
        "unused_reference": is_reference,
    })
    frame.attrs["undertrained_basis"] = basis
    frame.attrs["undertrained_threshold"] = threshold
    return frame


def token_properties(source: SourceLike) -> pd.DataFrame:
    """Per token id: display text, script, lengths, L2 norm, merge rank, special flag, and the
    under-trained indicator. Cached on disk by the matrix and tokenizer identity.

    ``script`` is the Unicode script of most of the token's letters ("Digits", "Symbols",
    "Whitespace" when it has none, "bytes" for partial UTF-8, "special" for control tokens).
    ``frame.attrs["undertrained_basis"]`` says which indicator was used.

    >>> props = token_properties("llama2")
    >>> props.loc[props.token == " the", ["token_id", "script", "length"]].values.tolist()
    [[278, 'Latin', 4]]
    """
    source = load_embeddings(source)
    tok = source.tokenizer
    key = {"v": _PROPERTIES_VERSION, "matrix": source.identity, "tokenizer": tok.identity or tok.name}
    frame = disk_cached_frame("embedding-properties", key, lambda: _properties_frame(source))
    meta = disk_cached_arrays("embedding-properties-meta", key, lambda: {
        "basis": np.array(frame.attrs["undertrained_basis"]),
        "threshold": np.array(frame.attrs["undertrained_threshold"], dtype=np.float64),
    })
    frame.attrs["undertrained_basis"] = str(meta["basis"])
    frame.attrs["undertrained_threshold"] = float(meta["threshold"])
    return frame


# ---- projections ----------------------------------------------------------------------------------

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
    count = source.token_count
    _validate_parameters(method, n_neighbors, min_dist, metric, sample, count)
    report = progress or (lambda fraction, message: None)
    params: dict[str, Any] = {"method": method, "metric": metric, "sample": sample, "rows": count}
    if method == "umap":
        params.update(n_neighbors=int(n_neighbors), min_dist=float(min_dist),
                      pca_dimensions=PCA_DIMENSIONS_BEFORE_UMAP)
    key = {"v": _MAP_VERSION, "matrix": source.identity, **params}

    def compute() -> dict[str, np.ndarray]:
        report(0.02, f"Reading the {source.rows:,} × {source.dimensions} matrix")
        ids = _sample_ids(count, sample)
        full = source.matrix[:count]
        rows = full if len(ids) == count else full[ids]
        normalize = metric == "cosine"
        norms = source.norms[:count][ids] if normalize else None
        report(0.08, "PCA")
        if method == "pca":
            xy, ratios = _pca_project(rows, 2, normalize_rows=normalize, norms=norms)
            report(1.0, "Done")
            return {"token_id": ids, "xy": xy, "explained_variance": ratios.astype(np.float32)}
        reduced, ratios = _pca_project(rows, min(PCA_DIMENSIONS_BEFORE_UMAP, source.dimensions),
                                       normalize_rows=normalize, norms=norms)
        report(0.12, "Loading UMAP (numba compiles on first use)")
        try:
            import umap
        except ImportError:  # pragma: no cover - requirements.txt installs it
            raise ValueError("UMAP needs the umap-learn package: pip install umap-learn") from None
        precomputed: tuple = (None, None, None)
        if len(ids) <= EXACT_NEIGHBOURS_UP_TO:
            report(0.2, f"UMAP: exact {n_neighbors} nearest neighbours of {len(ids):,} points")
            indices, distances = _exact_neighbours(
                reduced, int(n_neighbors),
                on_chunk=lambda done, total: report(0.2 + 0.2 * done / total,
                                                    f"UMAP: exact nearest neighbours ({done:,}/{total:,} points)"))
            precomputed = (indices, distances, None)
        else:
            report(0.2, f"UMAP: approximate nearest-neighbour graph (NN-descent) of {len(ids):,} points")
        sink = _TqdmProgress(report, 0.45, 0.99, "UMAP: layout")
        reducer = umap.UMAP(
            n_neighbors=int(n_neighbors), min_dist=float(min_dist), metric="euclidean", n_components=2,
            low_memory=True, n_jobs=-1, verbose=False, precomputed_knn=precomputed,
            tqdm_kwds={"disable": progress is None, "file": sink, "mininterval": 0.5, "ascii": True},
        )
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            xy = reducer.fit_transform(reduced).astype(np.float32)
        report(1.0, "Done")
        return {"token_id": ids, "xy": xy, "explained_variance": ratios.astype(np.float32)}

    return disk_cached_arrays("embedding-maps", key, compute)


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


# ---- look-ups ---------------------------------------------------------------------------------------

def find_tokens(source: SourceLike, query: str | int) -> list[int]:
    """Token ids whose display text is ``query`` (also with a leading space / "▁"), or an id
    given as an int or as ``"#278"``. A text that is no vocabulary entry but encodes to exactly
    one token gives that token; otherwise the result is empty.

    >>> find_tokens("llama2", "the")[:2]
    [1552, 278]
    """
    source = load_embeddings(source)
    count = source.token_count
    if isinstance(query, (int, np.integer)):
        token_id = int(query)
        if not 0 <= token_id < count:
            raise ValueError(f"Token id {token_id} is outside 0..{count - 1}.")
        return [token_id]
    if not isinstance(query, str) or not query:
        raise ValueError("Type a token (e.g. 'the') or a token id (e.g. '#278').")
    if re.fullmatch(r"#\d+", query.strip()):
        return find_tokens(source, int(query.strip()[1:]))
    props = token_properties(source)
    tokens = props["token"]
    variants = {query, " " + query.lstrip(" "), query.strip(), "▁" + query.strip(), "Ġ" + query.strip()}
    hits = props.loc[tokens.isin(variants), "token_id"].to_numpy()
    exact = [int(i) for i in hits if tokens.iat[int(i)] == query]
    rest = [int(i) for i in hits if tokens.iat[int(i)] != query]
    found = exact + rest
    if not found and query.strip().isdigit():
        token_id = int(query.strip())
        if 0 <= token_id < count:
            return [token_id]
    if not found:
        ids = source.tokenizer.encode(query)
        if len(ids) == 1:
            return [int(ids[0])]
    return found


def nearest(source: SourceLike, token: str | int, k: int = 10) -> pd.DataFrame:
    """The ``k`` tokens closest to ``token`` by cosine similarity in the full embedding space.

    ``token`` is an id or a token text (see :func:`find_tokens`). Columns: token_id, token,
    similarity (the query itself excluded).

    >>> nearest("llama2", " king", k=3).token.tolist()  # doctest: +SKIP
    [' queen', ' King', ' kings']
    """
    source = load_embeddings(source)
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= 1000:
        raise ValueError(f"k must be an integer from 1 to 1000, not {k!r}.")
    ids = find_tokens(source, token)
    if not ids:
        raise ValueError(f"{token!r} is not a single token of {source.tokenizer.name}; "
                         f"it encodes to {len(source.tokenizer.encode(str(token)))} tokens. Pick one of them.")
    query_id = ids[0]
    count = source.token_count
    matrix = source.matrix[:count]
    norms = np.maximum(source.norms[:count], 1e-12)
    query = matrix[query_id] / norms[query_id]
    similarity = np.empty(count, dtype=np.float32)
    for start in range(0, count, _CHUNK_ROWS):
        block = matrix[start:start + _CHUNK_ROWS]
        similarity[start:start + len(block)] = (block @ query) / norms[start:start + len(block)]
    similarity[query_id] = -np.inf
    k = min(int(k), count - 1)
    top = np.argpartition(-similarity, k)[:k]
    top = top[np.argsort(-similarity[top], kind="stable")]
    tok = source.tokenizer
    return pd.DataFrame({
        "token_id": top.astype(np.int64),
        "token": [tok.token_text(int(i)) for i in top],
        "similarity": similarity[top].astype(np.float32),
    }).assign(query_id=query_id)


def undertrained_tokens(source: SourceLike, top: int = 200) -> pd.DataFrame:
    """The ``top`` tokens that look most under-trained (reserved/special tokens left out).

    >>> undertrained_tokens("llama2", top=5).columns.tolist()
    ['token_id', 'token', 'undertrained_score', 'undertrained', 'norm', 'script']
    """
    props = token_properties(source)
    candidates = props.loc[~props.unused_reference & ~props.special]
    frame = candidates.nlargest(int(top), "undertrained_score")[
        ["token_id", "token", "undertrained_score", "undertrained", "norm", "script"]
    ].reset_index(drop=True)
    frame.attrs.update(props.attrs)
    return frame


_FLAGGED: dict[tuple[str, str], tuple[np.ndarray, dict[int, tuple[str, float]]]] = {}


def _flagged_table(source: EmbeddingSource) -> tuple[np.ndarray, dict[int, tuple[str, float]]]:
    """(sorted ids of the flagged tokens, id -> (display text, score)), once per vocabulary."""
    key = (source.name, source.identity)
    if key not in _FLAGGED:
        props = token_properties(source)
        flagged = props.loc[props.undertrained, ["token_id", "token", "undertrained_score"]]
        details = {int(i): (t, float(s)) for i, t, s in flagged.itertuples(index=False)}
        _FLAGGED[key] = (np.array(sorted(details), dtype=np.int64), details)
    return _FLAGGED[key]


def undertrained_in_text(source_or_tokenizer_name: SourceLike, ids: Sequence[int]) -> list[dict]:
    """The tokens among ``ids`` that are flagged as likely under-trained, in text order.

    ``source_or_tokenizer_name`` is an embedding source or a tokenizer name ("llama2",
    "smollm2", "bert-base-uncased"). Tokenizers with no embedding matrix here, and matrices not
    fetched yet, give ``[]``. After the first call per vocabulary this is one ``np.isin`` over the ids.
    Each hit: ``{"position", "token_id", "token", "score"}``.

    >>> undertrained_in_text("cl100k_base", [1, 2, 3])
    []
    """
    if isinstance(source_or_tokenizer_name, EmbeddingSource):
        source = source_or_tokenizer_name
    else:
        name = embedding_for_tokenizer(str(source_or_tokenizer_name))
        if name is None:
            return []
        try:
            source = load_embeddings(name)
        except ValueError:
            return []  # not fetched: nothing to say
    flagged, details = _flagged_table(source)
    ids = np.asarray(ids, dtype=np.int64)
    hits = []
    for position in np.flatnonzero(np.isin(ids, flagged)).tolist():
        token_id = int(ids[position])
        text, score = details[token_id]
        hits.append({"position": position, "token_id": token_id, "token": text, "score": score})
    return hits


# ---- CLI ----------------------------------------------------------------------------------------------

def _cli_map(args: argparse.Namespace) -> int:
    def report(fraction: float, message: str) -> None:
        print(f"[{fraction:5.0%}] {message}", file=sys.stderr, flush=True)

    try:
        source = load_embeddings(args.source, tokenizer=args.tokenizer)
        frame = token_map(source, method=args.method, n_neighbors=args.n_neighbors, min_dist=args.min_dist,
                          metric=args.metric, sample=args.sample, progress=report)
    except ValueError as error:
        print(json.dumps({"error": str(error)}), file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.suffix.lower() == ".csv":
        frame.to_csv(out, index=False)
    else:
        frame.to_parquet(out, index=False)
    print(json.dumps({
        "source": source.name, "rows": len(frame), "method": args.method, "out": str(out),
        "undertrained_basis": frame.attrs["undertrained_basis"],
        "flagged_undertrained": int(frame.undertrained.sum()),
    }))
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add ``map SOURCE --method umap --out map.parquet`` to the tokviz CLI."""
    parser = subparsers.add_parser(
        "map", help="project a token embedding matrix to 2-D (PCA or UMAP) with per-token properties",
        description="Write the 2-D map of a whole vocabulary (token_id, token, x, y, script, length, norm, "
                    "merge_rank, special, undertrained_score, ...) as parquet or CSV.")
    parser.add_argument("source", help=f"catalog name ({', '.join(EMBEDDING_CATALOG)}) or a .safetensors/.npy file")
    parser.add_argument("--tokenizer", default=None, help="tokenizer spec for a matrix file (e.g. llama2)")
    parser.add_argument("--method", choices=METHODS, default="umap")
    parser.add_argument("--metric", choices=METRICS, default="cosine")
    parser.add_argument("--n-neighbors", type=int, default=15)
    parser.add_argument("--min-dist", type=float, default=0.1)
    parser.add_argument("--sample", type=int, default=None, help="map a random subset of this many tokens")
    parser.add_argument("--out", default="map.parquet", help="output file (.parquet or .csv)")
    parser.set_defaults(func=_cli_map)
