"""Rank-based byte-level BPE (tiktoken format) behind the TokenizerView.

Covers every tokenizer whose data is a ``bytes -> rank`` table plus a split regex: OpenAI's
encodings, Llama 3, Qwen, Mistral's tekken, Whisper, Claude's legacy tokenizer. Encoding runs
in ``tiktoken`` (Rust); the ordered merge list is recovered from the ranks as in minbpe's
``recover_merges``, and cached on disk.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..cache import disk_cached_arrays
from ..merges import recover_merges
from ..segment import char_offsets_from_byte_lengths
from .alignment import align_normalized, remap_spans
from .base import TokenizerMeta, TokenizerView
from .guard import is_rust_panic

__all__ = ["TiktokenView", "R50K_PAT", "CL100K_PAT", "O200K_PAT", "LLAMA3_PAT", "QWEN_PAT"]

# The split regexes, exactly as their reference implementations publish them.
R50K_PAT = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
CL100K_PAT = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|"""
    r"""\s*[\r\n]|\s+(?!\S)|\s"""
)
O200K_PAT = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
LLAMA3_PAT = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|"""
    r"""\s*[\r\n]+|\s+(?!\S)|\s+"""
)
QWEN_PAT = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"""
    r"""\s*[\r\n]+|\s+(?!\S)|\s+"""
)
#: Pieces at least this long are BPE-encoded alone when tiktoken's regex engine gives up on a text.
LONG_PIECE = 10_000

KNOWN_PATTERNS = {"r50k (GPT-2)": R50K_PAT, "cl100k": CL100K_PAT, "o200k": O200K_PAT, "llama3": LLAMA3_PAT,
                  "qwen": QWEN_PAT}


class TiktokenView(TokenizerView):
    """A TokenizerView over ``tiktoken.Encoding`` built from a rank table and a regex.

    ``id_offset`` shifts every rank (tekken numbers its ranks after 1000 special ids);
    ``normalization`` ("NFC", "NFKC") is applied before encoding, as Qwen and Claude do.
    """

    merge_units = "bytes"

    def __init__(self, name: str, *, ranks: dict[bytes, int], pat_str: str,
                 special_tokens: dict[str, int] | None = None, id_offset: int = 0,
                 normalization: str | None = None, vocab_size: int | None = None,
                 bos: Sequence[int] = (), eos: Sequence[int] = (), display_name: str | None = None,
                 meta: TokenizerMeta | None = None, identity: str = ""):
        import tiktoken

        super().__init__(name, display_name=display_name, meta=meta, identity=identity,
                         special_tokens=special_tokens)
        if not ranks:
            raise ValueError(f"{name}: the rank table is empty; the file holds no tokens")
        self._ranks = ranks
        self._pat_str = pat_str
        self._id_offset = int(id_offset)
        self._normalization = normalization
        self._bos = list(bos)
        self._eos = list(eos)
        max_rank = max(ranks.values())
        self._vocab_size = int(vocab_size or max(max_rank + 1 + self._id_offset,
                                                 max(self.special_tokens.values(), default=-1) + 1))
        # tiktoken needs specials outside the rank range; with an offset, the specials sit below
        # it and are handled here, not by tiktoken.
        tiktoken_specials = {} if self._id_offset else {
            k: v for k, v in self.special_tokens.items() if v > max_rank
        }
        try:
            self._encoding = tiktoken.Encoding(name=f"tokviz-{name}", pat_str=pat_str, mergeable_ranks=ranks,
                                               special_tokens=tiktoken_specials)
        except Exception as error:  # a bad regex or duplicate ranks
            raise ValueError(f"{name}: tiktoken could not build this encoding: {error}") from error

    @property
    def vocab_size(self) -> int:
        return self._vocab_size

    @property
    def pat_str(self) -> str:
        return self._pat_str

    @property
    def ranks(self) -> dict[bytes, int]:
        return self._ranks

    def normalize(self, text: str) -> str:
        if self._normalization:
            import unicodedata

            return unicodedata.normalize(self._normalization, text)
        return text

    def _encode_ordinary(self, text: str) -> list[int]:
        """tiktoken's ids for ``text`` (no offset); texts its regex engine cannot take in one go
        (a ~1,000,000-character run overflows fancy-regex's stack) are encoded piece by piece."""
        try:
            return self._encoding.encode_ordinary(text)
        except BaseException as error:
            if not is_rust_panic(error):
                raise
            return self._encode_in_pieces(text)

    def _encode_in_pieces(self, text: str) -> list[int]:
        """The same ids as ``encode_ordinary``, without running its regex over very long pieces.

        The split regex runs in Python's ``regex`` module (same pattern, same leftmost-first
        semantics); each piece of :data:`LONG_PIECE` characters or more is BPE-encoded alone by
        tiktoken (``encode_single_piece``, what ``encode_ordinary`` does to every piece), and the
        text between long pieces goes to ``encode_ordinary`` in one call: it starts and ends on
        piece boundaries, so its pieces are the same.
        """
        core = self._encoding._core_bpe
        ids: list[int] = []
        done = 0
        for match in _compiled(self._pat_str).finditer(text):
            if match.end() - match.start() < LONG_PIECE:
                continue
            if match.start() > done:
                ids.extend(self._encoding.encode_ordinary(text[done:match.start()]))
            ids.extend(core.encode_single_piece(match.group().encode("utf-8")))
            done = match.end()
        if done < len(text):
            ids.extend(self._encoding.encode_ordinary(text[done:]))
        return ids

    def _encode(self, text: str) -> list[int]:
        ids = self._encode_ordinary(self.normalize(text))
        if self._id_offset:
            return [i + self._id_offset for i in ids]
        return ids

    def _encode_batch(self, texts: list[str]) -> list[list[int]]:
        if self._normalization:
            texts = [self.normalize(t) for t in texts]
        try:
            batches = self._encoding.encode_ordinary_batch(texts, num_threads=2)
        except BaseException as error:
            if not is_rust_panic(error):
                raise
            batches = [self._encode_ordinary(text) for text in texts]
        if self._id_offset:
            offset = self._id_offset
            return [[i + offset for i in ids] for ids in batches]
        return batches

    def decode(self, ids: Sequence[int]) -> str:
        return b"".join(self.vocab_bytes[int(i)] for i in ids).decode("utf-8", errors="replace")

    def bos_ids(self) -> list[int]:
        return list(self._bos)

    def eos_ids(self) -> list[int]:
        return list(self._eos)

    def _build_vocab_bytes(self) -> list[bytes]:
        table = [b""] * self._vocab_size
        offset = self._id_offset
        for data, rank in self._ranks.items():
            if rank + offset < self._vocab_size:
                table[rank + offset] = data
        for text, token_id in self.special_tokens.items():
            if 0 <= token_id < self._vocab_size:
                table[token_id] = text.encode("utf-8")
        return table

    def _encode_with_spans(self, text: str):
        if not self._normalization:
            return super()._encode_with_spans(text)
        normalized, char_starts, char_ends = align_normalized(text, self._normalization)
        ids = self._encode_ordinary(normalized)
        lengths = self.token_byte_lengths[np.asarray(ids, dtype=np.int64) + self._id_offset] if ids else np.zeros(
            0, np.int64)
        starts, ends = char_offsets_from_byte_lengths(normalized, lengths)
        if normalized is not text:
            starts, ends = remap_spans(starts, ends, char_starts, char_ends, len(text))
        if self._id_offset:
            ids = [i + self._id_offset for i in ids]
        return ids, starts, ends

    def _token_char_spans(self, text, ids, token_bytes):
        lengths = self.token_byte_lengths[np.asarray(ids, dtype=np.int64)] if ids else np.zeros(0, np.int64)
        if not self._normalization:
            return char_offsets_from_byte_lengths(text, lengths)
        normalized, char_starts, char_ends = align_normalized(text, self._normalization)
        starts, ends = char_offsets_from_byte_lengths(normalized, lengths)
        return remap_spans(starts, ends, char_starts, char_ends, len(text))

    def pretokenize(self, text: str) -> list[bytes]:

        pattern = _compiled(self._pat_str)
        return [m.encode("utf-8") for m in pattern.findall(self.normalize(text))]

    def merges(self) -> list[tuple[bytes, bytes]]:
        if getattr(self, "_merges", None) is None:
            def compute() -> dict[str, np.ndarray]:
                pairs = recover_merges(self._ranks)
                lefts = np.array([len(a) for a, _ in pairs], dtype=np.int64)
                joined = b"".join(a + b for a, b in pairs)
                totals = np.array([len(a) + len(b) for a, b in pairs], dtype=np.int64)
                return {"left_lengths": lefts, "total_lengths": totals,
                        "data": np.frombuffer(joined, dtype=np.uint8)}

            key = {"merges": self.identity or self.name, "n": len(self._ranks), "version": 1}
            stored = disk_cached_arrays("merges", key, compute) if self.identity else compute()
            data = stored["data"].tobytes()
            ends = np.cumsum(stored["total_lengths"])
            starts = ends - stored["total_lengths"]
            cuts = starts + stored["left_lengths"]
            self._merges = [
                (data[s:c], data[c:e]) for s, c, e in zip(starts.tolist(), cuts.tolist(), ends.tolist(), strict=True)
            ]
        return self._merges


_PATTERNS: dict[str, object] = {}


def _compiled(pat_str: str):
    import regex

    if pat_str not in _PATTERNS:
        _PATTERNS[pat_str] = regex.compile(pat_str)
    return _PATTERNS[pat_str]
