"""Embedding sources: the catalog of matrices, reading their files (data only, never code), and
the lazily loaded :class:`EmbeddingSource` (one float32 copy, read once under a lock)."""
from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..cache import file_sha256_memo

DEFAULT_EMBEDDING = "llama2"
MAX_MATRIX_FILE_BYTES = 1 << 30  # a user's matrix file may be at most 1 GiB on disk ...
MAX_FLOAT32_BYTES = 2 << 30  # ... and at most 2 GiB once held as float32
_CHUNK_ROWS = 8192


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
    from .. import assets  # imported late: fetching is optional

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
    from .. import assets

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
                 max_bytes: int | None = MAX_MATRIX_FILE_BYTES, shape: tuple[int, int] | None = None):
        self.name = name
        self.path = Path(path)
        self.display_name = display_name or name
        self.description = description
        if not _is_file(self.path):
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


def _shortened(text: str, limit: int = 80) -> str:
    """A user-given name cut for a message.

    >>> _shortened("a" * 100, 10)
    'aaaaaaaaa…'
    """
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _is_file(path: Path) -> bool:
    """Whether ``path`` is an existing file; a name the OS refuses (too long, a NUL) is a ValueError.

    >>> try:
    ...     _is_file(Path("x" * 300 + ".npy"))
    ... except ValueError as error:
    ...     print(str(error)[-71:])
    (File name too long); give the file a shorter plain name and try again.
    """
    try:
        return path.is_file()
    except (OSError, ValueError) as error:  # ENAMETOOLONG, or "embedded null byte"
        reason = getattr(error, "strerror", None) or str(error)
        raise ValueError(f"{_shortened(path.name)} cannot be opened ({reason}); give the file a shorter plain "
                         "name and try again.") from None


_CATALOG_INSTANCES: dict[str, EmbeddingSource] = {}
_CATALOG_LOCK = threading.Lock()
SourceLike = str | os.PathLike | EmbeddingSource


def load_embeddings(source: SourceLike, tokenizer: Any = None, *, tensor: str | None = None,
                    max_bytes: int | None = MAX_MATRIX_FILE_BYTES) -> EmbeddingSource:
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
    if not _is_file(path):
        raise ValueError(f"Unknown embedding {_shortened(text)!r}: use one of {', '.join(EMBEDDING_CATALOG)} or a "
                         ".safetensors / .npy file path (with tokenizer=...).")
    if tokenizer is None:
        raise ValueError(f"{path.name}: say which tokenizer indexes its rows (tokenizer='llama2', a "
                         "catalog name or a tokenizer file).")
    return EmbeddingSource(path.stem, path, tensor=tensor, tokenizer=tokenizer, max_bytes=max_bytes)
