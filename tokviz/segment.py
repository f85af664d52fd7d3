"""Segmentation and Token: what a tokenizer made of a text, byte-exact.

A ``Token`` carries its id, the raw bytes it contributes to the decoded output, a display
text, and its character span in the text the user gave. Several tokens may share one
character: when a multi-byte character is split across tokens, each token's ``bytes`` hold
its piece and its ``text`` shows the piece as byte chips (``"E4 BD"``), never as U+FFFD.

>>> byte_chips(b"\\xe4\\xbd")
'E4 BD'
>>> display_text(b"hi \\xe4\\xbd")
'hi E4 BD'
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

__all__ = ["Token", "Segmentation", "byte_chips", "display_text", "char_offsets_from_byte_lengths", "segmentations_csv",
           "segmentations_json", "is_partial_utf8"]


def byte_chips(data: bytes) -> str:
    """Bytes as upper-case hex chips separated by spaces: b"\\xe4\\xbd" -> "E4 BD"."""
    return " ".join(f"{b:02X}" for b in data)


def display_text(data: bytes) -> str:
    """Decode ``data`` as UTF-8, showing any bytes that are not a whole character as chips.

    >>> display_text("é".encode()[:1] + b"x")
    'C3 x'
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    parts: list[str] = []
    position = 0
    while position < len(data):
        try:
            parts.append(data[position:].decode("utf-8"))
            break
        except UnicodeDecodeError as error:
            good_end = position + error.start
            if good_end > position:
                parts.append(data[position:good_end].decode("utf-8"))
            bad_end = position + error.end
            chips = byte_chips(data[good_end:bad_end])
            if parts and parts[-1] and not parts[-1].endswith(" "):
                parts.append(" ")  # a gap between text and the chips that follow it
            parts.append(chips)
            position = bad_end
            if position < len(data):
                parts.append(" ")
    return "".join(parts)


def char_offsets_from_byte_lengths(text: str, byte_lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Character spans of consecutive byte runs that tile ``text``'s UTF-8 encoding.

    A run that starts or ends inside a multi-byte character is widened to that whole
    character, so tokens holding pieces of one character share its span.

    >>> starts, ends = char_offsets_from_byte_lengths("aé", np.array([1, 1, 1]))
    >>> starts.tolist(), ends.tolist()
    ([0, 1, 1], [1, 2, 2])
    """
    raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    is_start = (raw & 0xC0) != 0x80
    # char index of each byte: the number of char starts up to and including it, minus one
    char_of_byte = np.cumsum(is_start) - 1
    total_chars = int(char_of_byte[-1] + 1) if raw.size else 0
    byte_ends = np.cumsum(byte_lengths, dtype=np.int64)
    byte_starts = byte_ends - np.asarray(byte_lengths, dtype=np.int64)
    if byte_ends.size and byte_ends[-1] != raw.size:
        raise ValueError(
            f"token bytes cover {int(byte_ends[-1])} bytes but the text has {raw.size}; "
            "the tokenizer changed the text (normalization) and needs an alignment map"
        )
    char_of_byte_ext = np.append(char_of_byte, total_chars)
    starts = char_of_byte_ext[np.minimum(byte_starts, raw.size)]
    starts = np.where(byte_starts >= raw.size, total_chars, starts)
    last_byte = np.maximum(byte_ends - 1, 0)
    ends = np.where(byte_ends > byte_starts, char_of_byte_ext[last_byte] + 1, starts)
    return starts.astype(np.int64), ends.astype(np.int64)


@dataclass(frozen=True)
class Token:
    """One token of a segmentation.

    ``start``/``end`` are character offsets into the text the user gave; tokens that hold
    pieces of one multi-byte character share its span. ``text`` is for display: whole
    characters as themselves, partial bytes as chips.
    """

    id: int
    text: str
    bytes: bytes
    start: int
    end: int
    special: bool = False

    @property
    def partial(self) -> bool:
        """True when the token's bytes are not whole UTF-8 characters."""
        try:
            self.bytes.decode("utf-8")
            return False
        except UnicodeDecodeError:
            return True

    @property
    def hex(self) -> str:
        return byte_chips(self.bytes)


class Segmentation:
    """A text cut into tokens by one tokenizer, stored column-wise.

    ``text`` is the text that was segmented (after the 1 MB cut and surrogate repair, which
    ``warnings`` report); ``ids`` equal what the backend returns for the same call. The columns
    (``token_bytes``, ``starts``, ``ends``, ``special``) are filled by vectorised code; the
    :class:`Token` objects in ``tokens`` are only built when someone asks for them.
    """

    def __init__(self, tokenizer: str, text: str, ids: list[int], token_bytes: list[bytes],
                 starts: np.ndarray, ends: np.ndarray, special: np.ndarray | None = None,
                 warnings: list[str] | None = None):
        self.tokenizer = tokenizer
        self.text = text
        self.ids = list(ids)
        self.token_bytes = token_bytes
        self.starts = np.asarray(starts, dtype=np.int64)
        self.ends = np.asarray(ends, dtype=np.int64)
        self.special = np.zeros(len(self.ids), dtype=bool) if special is None else np.asarray(special, dtype=bool)
        self.warnings = list(warnings or [])
        if not (len(self.token_bytes) == len(self.ids) == self.starts.size == self.ends.size == self.special.size):
            raise ValueError("a segmentation needs one bytes/start/end/special entry per id")
        self._tokens: list[Token] | None = None

    def __repr__(self) -> str:
        return f"Segmentation({self.tokenizer!r}, {len(self.ids)} tokens, {len(self.text)} chars)"

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_tokens"] = None  # rebuilt on demand; keeps cached copies small
        return state

    @property
    def tokens(self) -> list[Token]:
        """The tokens as :class:`Token` objects (built on first access)."""
        if self._tokens is None:
            self._tokens = [
                Token(id=i, text=display_text(b), bytes=b, start=s, end=e, special=sp)
                for i, b, s, e, sp in zip(self.ids, self.token_bytes, self.starts.tolist(), self.ends.tolist(),
                                          self.special.tolist(), strict=True)
            ]
        return self._tokens

    def token(self, index: int) -> Token:
        """One token, without building the others."""
        data = self.token_bytes[index]
        return Token(id=self.ids[index], text=display_text(data), bytes=data, start=int(self.starts[index]),
                     end=int(self.ends[index]), special=bool(self.special[index]))

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def num_chars(self) -> int:
        return len(self.text)

    @property
    def num_bytes(self) -> int:
        return len(self.text.encode("utf-8"))

    def boundaries(self) -> set[int]:
        """Character offsets where a token starts or ends, inside the text (0 < offset < len(text))."""
        offsets = np.concatenate([self.starts, self.ends])
        offsets = offsets[(offsets > 0) & (offsets < len(self.text))]
        return set(np.unique(offsets).tolist())

    def stats(self) -> dict[str, float]:
        """Counts for a comparison table."""
        tokens = len(self.ids)
        return {
            "tokens": tokens,
            "characters": self.num_chars,
            "bytes": self.num_bytes,
            "chars_per_token": self.num_chars / tokens if tokens else float("nan"),
            "bytes_per_token": self.num_bytes / tokens if tokens else float("nan"),
        }

    def to_records(self) -> list[dict]:
        return [
            {
                "index": index,
                "id": token.id,
                "text": token.text,
                "hex": token.hex,
                "start": token.start,
                "end": token.end,
                "special": token.special,
                "partial": token.partial,
            }
            for index, token in enumerate(self.tokens)
        ]

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame.from_records(
            self.to_records(),
            columns=["index", "id", "text", "hex", "start", "end", "special", "partial"],
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "tokenizer": self.tokenizer,
                "text": self.text,
                "ids": self.ids,
                "tokens": self.to_records(),
                "warnings": self.warnings,
                "stats": self.stats(),
            },
            ensure_ascii=False,
        )


def _frame(segmentation: Segmentation):
    """Every token of one segmentation as a DataFrame (built column-wise)."""
    import pandas as pd

    token_bytes = segmentation.token_bytes
    partial = [is_partial_utf8(b) for b in token_bytes]
    return pd.DataFrame({
        "tokenizer": segmentation.tokenizer,
        "index": np.arange(len(segmentation.ids), dtype=np.int64),
        "id": np.asarray(segmentation.ids, dtype=np.int64),
        "text": [display_text(b) for b in token_bytes],
        "hex": [b.hex(" ").upper() for b in token_bytes],
        "start": segmentation.starts,
        "end": segmentation.ends,
        "special": segmentation.special,
        "partial": partial,
    })


def is_partial_utf8(data: bytes) -> bool:
    """Whether a token's bytes are only part of a character (not valid UTF-8 on their own).

    >>> is_partial_utf8("👋".encode()[:3]), is_partial_utf8(b"hi")
    (True, False)
    """
    try:
        data.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def segmentations_csv(segmentations: list[Segmentation]) -> bytes:
    """One CSV row per token of every segmentation (UTF-8): tokenizer, index, id, text, hex, start, end, ...

    >>> import tokviz
    >>> print(segmentations_csv([tokviz.load_tokenizer("cl100k_base").segment("hi")]).decode().strip())
    tokenizer,index,id,text,hex,start,end,special,partial
    cl100k_base,0,6151,hi,68 69,0,2,False,False
    """
    import pandas as pd

    columns = ["tokenizer", "index", "id", "text", "hex", "start", "end", "special", "partial"]
    frames = [_frame(s) for s in segmentations]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return table.to_csv(index=False).encode("utf-8")


def segmentations_json(segmentations: list[Segmentation]) -> bytes:
    """A JSON list with one object per segmentation (as :meth:`Segmentation.to_json`), UTF-8."""
    return ("[" + ",\n".join(s.to_json() for s in segmentations) + "]").encode("utf-8")
