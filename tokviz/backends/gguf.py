"""GGUF model files: read the key/value header and rebuild the tokenizer it carries.

A GGUF file (llama.cpp) holds a model's tokenizer in its metadata (``tokenizer.ggml.*``) next to
the weights. tokviz reads only the header, bounds-checked, and turns a byte-level BPE tokenizer
into a Hugging Face tokenizer.json string that :class:`~tokviz.backends.hf_backend.HFTokenizerView`
loads.
"""
from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np

from .formats import _nonempty_size, check_vocab_size

__all__ = ["read_gguf_metadata", "gguf_to_hf_tokenizer_json"]


# --------------------------------------------------------------------------------------------
# GGUF -> tokenizer.json
# --------------------------------------------------------------------------------------------

# GGUF token types (llama.cpp): 1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte
_GGUF_CONTROL, _GGUF_USER_DEFINED, _GGUF_UNKNOWN = 3, 4, 2

# llama.cpp's pre-tokenizer names (tokenizer.ggml.pre) and the HF pre_tokenizer each stands for.
_GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"


_GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_GGUF_STRING, _GGUF_ARRAY = 8, 9


#: How deep GGUF arrays may nest (real files use one level: arrays of strings or numbers).
MAX_GGUF_ARRAY_DEPTH = 4


class _HeaderReader:
    """A bounds-checked cursor over a GGUF header (memory-mapped; tensors are never touched)."""

    def __init__(self, path: Path):
        self.name = path.name
        self.data = np.memmap(path, dtype=np.uint8, mode="r")
        self.size = len(self.data)
        self.pos = 4  # after the magic

    def need(self, count: int) -> None:
        if count < 0 or self.pos + count > self.size:
            raise ValueError(f"{self.name} is truncated inside its GGUF header.")

    def scalar(self, fmt: str):
        width = struct.calcsize(fmt)
        self.need(width)
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += width
        return value

    def string(self) -> str:
        length = self.scalar("<Q")
        self.need(length)
        raw = bytes(self.data[self.pos : self.pos + length])
        self.pos += length
        return raw.decode("utf-8", errors="replace")

    def value(self, kind: int, keep: bool, depth: int = 0):
        """The next value of GGUF type ``kind`` (None when not ``keep``: skipped, not copied)."""
        if kind in _GGUF_SCALARS:
            return self.scalar(_GGUF_SCALARS[kind])
        if kind == _GGUF_STRING:
            return self.string()
        if kind == _GGUF_ARRAY:
            return self.array(keep, depth + 1)
        raise ValueError(f"{self.name}: unknown GGUF value type {kind}; the file is damaged or newer than tokviz.")

    def array(self, keep: bool, depth: int):
        if depth > MAX_GGUF_ARRAY_DEPTH:
            raise ValueError(f"{self.name}: GGUF arrays nested more than {MAX_GGUF_ARRAY_DEPTH} deep; "
                             "no tokenizer is stored like this, so the file is damaged or hostile.")
        item_kind, count = self.scalar("<I"), self.scalar("<Q")
        if item_kind in _GGUF_SCALARS:
            dtype = np.dtype(_GGUF_SCALARS[item_kind])
            self.need(count * dtype.itemsize)
            array = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos).copy() if keep else None
            self.pos += count * dtype.itemsize
            return array
        if count > self.size:
            raise ValueError(f"{self.name}: a GGUF array claims {count} items, more than the file's bytes.")
        if item_kind == _GGUF_STRING:
            strings = [self.string() for _ in range(count)]
            return strings if keep else None
        return [self.value(item_kind, keep, depth) for _ in range(count)]


def read_gguf_metadata(path: str | os.PathLike, prefix: str = "") -> dict[str, object]:
    """The key/value metadata of a GGUF file (keys starting with ``prefix``), tensors untouched.

    A small bounds-checked reader of the GGUF v2/v3 header (the ``gguf`` package's reader maps
    every tensor first, which takes seconds on a model file; this reads only the header).
    Arrays of numbers come back as numpy arrays, arrays of strings as lists of str.
    """
    path = Path(path)
    _read_header_check(path, b"GGUF", "GGUF model file")
    reader = _HeaderReader(path)
    version = reader.scalar("<I")
    if version not in (2, 3):
        raise ValueError(f"{path.name}: GGUF version {version} is not supported (need 2 or 3).")
    reader.scalar("<Q")  # tensor count
    kv_count = reader.scalar("<Q")
    if kv_count > 1_000_000:
        raise ValueError(f"{path.name}: the GGUF header claims {kv_count} metadata entries; damaged file.")
    metadata: dict[str, object] = {}
    for _ in range(kv_count):
        key = reader.string()
        kind = reader.scalar("<I")
        keep = key.startswith(prefix)
        result = reader.value(kind, keep)
        if keep:
            metadata[key] = result
    return metadata


def _gguf_pre_tokenizer(pre: str, name: str) -> dict:
    """The HF pre_tokenizer llama.cpp's ``tokenizer.ggml.pre`` name stands for."""
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    if pre in ("smollm", "starcoder", "refact", "smaug-bpe"):
        return {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": True}, byte_level]}
    if pre in ("gpt-2", "gpt2", "default"):
        return byte_level
    raise ValueError(
        f"{name}: GGUF pre-tokenizer {pre!r} is not one tokviz can rebuild exactly; pass the "
        "model's tokenizer.json instead."
    )


def _gguf_vocabulary(metadata: dict, name: str) -> tuple[list[str], list[str], np.ndarray, int | None]:
    """(tokens, merges, token types, unknown id) from the header, each checked against the others."""
    tokens = metadata.get("tokenizer.ggml.tokens")
    merges = metadata.get("tokenizer.ggml.merges")
    if not tokens or merges is None:
        raise ValueError(f"{name} holds no tokenizer.ggml.tokens / merges.")
    if not isinstance(tokens, list) or not isinstance(merges, list) or not all(
            isinstance(merge, str) and " " in merge for merge in merges):
        raise ValueError(f"{name}: tokenizer.ggml.tokens / merges are not lists of strings ('left right').")
    check_vocab_size(len(tokens), name)
    token_types = metadata.get("tokenizer.ggml.token_type")
    token_types = np.ones(len(tokens), np.int64) if token_types is None else np.asarray(token_types)
    if token_types.ndim != 1 or len(token_types) != len(tokens):
        raise ValueError(f"{name}: tokenizer.ggml.token_type has {token_types.size} entries for "
                         f"{len(tokens)} tokens; the file is damaged.")
    unk_id = metadata.get("tokenizer.ggml.unknown_token_id")
    if unk_id is not None and not 0 <= int(unk_id) < len(tokens):
        raise ValueError(f"{name}: tokenizer.ggml.unknown_token_id {int(unk_id)} is not one of the "
                         f"{len(tokens)} token ids; the file is damaged.")
    return tokens, merges, token_types, None if unk_id is None else int(unk_id)


def gguf_to_hf_tokenizer_json(path: str | os.PathLike) -> str:
    """Build a Hugging Face tokenizer.json string from the tokenizer stored in a GGUF file.

    Reads ``tokenizer.ggml.tokens``, ``.merges`` and ``.token_type`` from the GGUF header
    (:func:`read_gguf_metadata`; the embedding tensors are left to the ``gguf`` package).
    Only byte-level BPE ("gpt2" model) is supported. The pre-tokenizer follows
    ``tokenizer.ggml.pre``: "smollm" (SmolLM / SmolLM2) is the StarCoder-style Digits(individual)
    then ByteLevel; "gpt-2" / "default" use plain ByteLevel. Control and user-defined tokens
    become added special tokens.
    """
    path = Path(path)
    name = path.name
    metadata = read_gguf_metadata(path, prefix="tokenizer.ggml.")
    model = metadata.get("tokenizer.ggml.model")
    if model != "gpt2":
        raise ValueError(
            f"{name}: tokenizer.ggml.model is {model!r}; only byte-level BPE ('gpt2') GGUF "
            "tokenizers are supported. Pass the model's tokenizer.json instead."
        )
    tokens, merges, token_types, unk_id = _gguf_vocabulary(metadata, name)
    pre_tokenizer = _gguf_pre_tokenizer(metadata.get("tokenizer.ggml.pre") or "default", name)
    special_ids = np.flatnonzero(np.isin(token_types, [_GGUF_CONTROL, _GGUF_USER_DEFINED, _GGUF_UNKNOWN])).tolist()
    added_tokens = [{"id": token_id, "content": tokens[token_id], "single_word": False, "lstrip": False,
                     "rstrip": False, "normalized": False, "special": True} for token_id in special_ids]
    document = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added_tokens, "normalizer": None,
        "pre_tokenizer": pre_tokenizer,
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": tokens[unk_id] if unk_id is not None else None,
            "continuing_subword_prefix": None, "end_of_word_suffix": None, "fuse_unk": False,
            "byte_fallback": False, "ignore_merges": False,
            "vocab": {token: token_id for token_id, token in enumerate(tokens)},
            "merges": [merge.split(" ", 1) for merge in merges],
        },
    }
    return json.dumps(document, ensure_ascii=False)


def _read_header_check(path: Path, magic: bytes, what: str) -> None:
    _nonempty_size(path, what)
    with open(path, "rb") as handle:
        head = handle.read(len(magic))
    if head != magic:
        raise ValueError(f"{path.name} is not a {what} (it does not start with {magic!r}).")
