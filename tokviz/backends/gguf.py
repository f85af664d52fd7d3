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

from .formats import _nonempty_size

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


def read_gguf_metadata(path: str | os.PathLike, prefix: str = "") -> dict[str, object]:
    """The key/value metadata of a GGUF file (keys starting with ``prefix``), tensors untouched.

    A small bounds-checked reader of the GGUF v2/v3 header (the ``gguf`` package's reader maps
    every tensor first, which takes seconds on a model file; this reads only the header).
    Arrays of numbers come back as numpy arrays, arrays of strings as lists of str.
    """
    path = Path(path)
    name = path.name
    _read_header_check(path, b"GGUF", "GGUF model file")
    data = np.memmap(path, dtype=np.uint8, mode="r")
    view = memoryview(data)
    size = len(data)
    pos = 4

    def need(count: int) -> None:
        if count < 0 or pos + count > size:
            raise ValueError(f"{name} is truncated inside its GGUF header.")

    def scalar(fmt: str):
        nonlocal pos
        width = struct.calcsize(fmt)
        need(width)
        (value,) = struct.unpack_from(fmt, view, pos)
        pos += width
        return value

    def string() -> str:
        nonlocal pos
        length = scalar("<Q")
        need(length)
        raw = bytes(view[pos : pos + length])
        pos += length
        return raw.decode("utf-8", errors="replace")

    def value(kind: int, keep: bool):
        nonlocal pos
        if kind in _GGUF_SCALARS:
            return scalar(_GGUF_SCALARS[kind])
        if kind == _GGUF_STRING:
            return string()
        if kind == _GGUF_ARRAY:
            item_kind, count = scalar("<I"), scalar("<Q")
            if item_kind in _GGUF_SCALARS:
                dtype = np.dtype(_GGUF_SCALARS[item_kind])
                need(count * dtype.itemsize)
                array = np.frombuffer(view, dtype=dtype, count=count, offset=pos) if keep else None
                pos += count * dtype.itemsize
                return None if array is None else array.copy()
            if item_kind == _GGUF_STRING:
                if count > size:
                    raise ValueError(f"{name}: a GGUF string array claims {count} items.")
                strings = [string() for _ in range(count)]
                return strings if keep else None
            if item_kind == _GGUF_ARRAY:
                if count > size:
                    raise ValueError(f"{name}: a GGUF nested array claims {count} items.")
                return [value(_GGUF_ARRAY, keep) for _ in range(count)]
        raise ValueError(f"{name}: unknown GGUF value type {kind}; the file is damaged or newer than tokviz.")

    version = scalar("<I")
    if version not in (2, 3):
        raise ValueError(f"{name}: GGUF version {version} is not supported (need 2 or 3).")
    scalar("<Q")  # tensor count
    kv_count = scalar("<Q")
    if kv_count > 1_000_000:
        raise ValueError(f"{name}: the GGUF header claims {kv_count} metadata entries; damaged file.")
    metadata: dict[str, object] = {}
    for _ in range(kv_count):
        key = string()
        kind = scalar("<I")
        keep = key.startswith(prefix)
        result = value(kind, keep)
        if keep:
            metadata[key] = result
    del view
    return metadata


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
    _read_header_check(path, b"GGUF", "GGUF model file")
    metadata = read_gguf_metadata(path, prefix="tokenizer.ggml.")
    model = metadata.get("tokenizer.ggml.model")
    if model != "gpt2":
        raise ValueError(
            f"{name}: tokenizer.ggml.model is {model!r}; only byte-level BPE ('gpt2') GGUF "
            "tokenizers are supported. Pass the model's tokenizer.json instead."
        )
    tokens = metadata.get("tokenizer.ggml.tokens")
    merges = metadata.get("tokenizer.ggml.merges")
    token_types = metadata.get("tokenizer.ggml.token_type")
    if not tokens or merges is None:
        raise ValueError(f"{name} holds no tokenizer.ggml.tokens / merges.")
    if token_types is None:
        token_types = [1] * len(tokens)
    pre = metadata.get("tokenizer.ggml.pre") or "default"
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    if pre in ("smollm", "starcoder", "refact", "smaug-bpe"):
        pre_tokenizer = {
            "type": "Sequence",
            "pretokenizers": [{"type": "Digits", "individual_digits": True}, byte_level],
        }
    elif pre in ("gpt-2", "gpt2", "default"):
        pre_tokenizer = byte_level
    else:
        raise ValueError(
            f"{name}: GGUF pre-tokenizer {pre!r} is not one tokviz can rebuild exactly; pass the "
            "model's tokenizer.json instead."
        )
    special_ids = np.flatnonzero(
        np.isin(np.asarray(token_types), [_GGUF_CONTROL, _GGUF_USER_DEFINED, _GGUF_UNKNOWN])
    ).tolist()
    added_tokens = [
        {
            "id": token_id,
            "content": tokens[token_id],
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for token_id in special_ids
    ]
    unk_id = metadata.get("tokenizer.ggml.unknown_token_id")
    document = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added_tokens,
        "normalizer": None,
        "pre_tokenizer": pre_tokenizer,
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": tokens[int(unk_id)] if unk_id is not None else None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
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
