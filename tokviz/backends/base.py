"""TokenizerView: the one view tokviz has over every tokenizer backend.

Every capability (segmentations, premiums, mixture inference, embedding maps) talks to a
tokenizer only through this class. Adapters (``tiktoken_backend``, ``hf_backend``,
``sentencepiece_backend``) implement the few abstract methods; everything else (segment,
merge trees, counting) is shared here and vectorised with numpy over per-vocabulary tables
that are built once.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter

import numpy as np

from ..segment import Segmentation, char_offsets_from_byte_lengths, display_text
from .guard import guard_class

__all__ = ["TokenizerView", "TokenizerMeta", "MAX_TEXT_BYTES", "clean_text", "MergeStep", "uncovered_characters"]

MAX_TEXT_BYTES = 1_000_000  # texts above this are cut (with a warning) before segmenting


@dataclass
class TokenizerMeta:
    """Descriptive facts about a tokenizer, for tables and the 'why doesn't my count match' panel."""

    algorithm: str = "byte-level BPE"  # "byte-level BPE", "SentencePiece BPE", "WordPiece", ...
    normalizer: str = "none"  # in words
    pre_tokenizer: str = "none"  # in words
    license: str = ""
    bos: str | None = None  # what the model puts first (e.g. "<s>", "<|begin_of_text|>")
    eos: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MergeStep:
    """One merge in a token's merge tree: ``left + right -> result`` at ``rank``."""

    result: bytes
    left: bytes
    right: bytes
    rank: int


def clean_text(text: str, limit: bool = True) -> tuple[str, list[str]]:
    """Make a user's text safe to encode; return it with warnings that say what changed.

    Lone surrogates become U+FFFD; with ``limit``, text over 1 MB of UTF-8 is cut to its first
    1 MB (at a character boundary) — a safeguard for segmenting, never applied to counting.

    >>> text, warnings = clean_text("a\\ud800b")
    >>> text, warnings[0][:40]
    ('a\\ufffdb', 'The text held 1 lone surrogate(s) (inval')
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    warnings: list[str] = []
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:
        count = sum(1 for char in text if "\ud800" <= char <= "\udfff")
        text = "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in text)
        warnings.append(
            f"The text held {count} lone surrogate(s) (invalid UTF-16 halves); they were "
            "replaced with U+FFFD before encoding."
        )
        encoded = text.encode("utf-8")
    if limit and len(encoded) > MAX_TEXT_BYTES:
        text = encoded[:MAX_TEXT_BYTES].decode("utf-8", "ignore")
        warnings.append(
            f"The text is {len(encoded):,} bytes; only its first 1 MB ({MAX_TEXT_BYTES:,} bytes) "
            "was segmented."
        )
    return text, warnings


def _whitespace_codes() -> np.ndarray:
    return np.array([code for code in range(0x3001) if chr(code).isspace()], dtype=np.uint32)


_WHITESPACE_CODES = _whitespace_codes()


def uncovered_characters(text: str, starts: np.ndarray, ends: np.ndarray) -> int:
    """How many non-whitespace characters of ``text`` lie in no ``[start, end)`` span.

    Whitespace may be dropped on purpose (BERT, SentencePiece); anything else missing means
    the tokenizer lost part of the text.

    >>> uncovered_characters("ab cd", np.array([0]), np.array([2]))
    2
    """
    if not text:
        return 0
    depth = np.zeros(len(text) + 1, dtype=np.int64)
    starts = np.clip(np.asarray(starts, dtype=np.int64), 0, len(text))
    ends = np.clip(np.asarray(ends, dtype=np.int64), 0, len(text))
    np.add.at(depth, starts, 1)
    np.add.at(depth, ends, -1)
    covered = np.cumsum(depth[:-1]) > 0
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return int(np.count_nonzero(~covered & ~np.isin(codes, _WHITESPACE_CODES)))


class TokenizerView(ABC):
    """A uniform, read-only view of one tokenizer.

    Subclasses implement ``_encode``, ``_encode_batch``, ``decode``, ``_build_vocab_bytes``
    and, where the text is normalized, ``_token_char_spans``.
    """

    #: "bytes" when BPE merges start from single bytes (byte-level BPE), "chars" when they
    #: start from Unicode characters (SentencePiece BPE).
    merge_units: str = "bytes"

    def __init__(self, name: str, *, display_name: str | None = None, meta: TokenizerMeta | None = None,
                 identity: str = "", special_tokens: dict[str, int] | None = None):
        self.name = name
        self.display_name = display_name or name
        self.meta = meta or TokenizerMeta()
        self.identity = identity  # sha256 of the source file(s): the cache key of results
        self.special_tokens: dict[str, int] = dict(special_tokens or {})

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        guard_class(cls)  # backend calls: panics become ValueErrors; uploads run in their worker

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} vocab_size={self.vocab_size}>"

    def isolate(self, worker) -> None:
        """Run the backend calls in ``worker`` (a :class:`tokviz.backends.isolation.Worker`) from now on."""
        self._worker = worker

    def close(self) -> None:
        """Stop this view's worker process, if it has one (an evicted upload); a later call restarts it."""
        worker = self.__dict__.get("_worker")
        if worker is not None:
            worker.stop()

    # ---- backend-specific ---------------------------------------------------------------
    @abstractmethod
    def _encode(self, text: str) -> list[int]:
        """ids for ``text`` exactly as the backend returns them, no special tokens added."""

    def _encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [self._encode(text) for text in texts]

    @abstractmethod
    def decode(self, ids: Sequence[int]) -> str:
        """Text for ``ids`` as the backend decodes it."""

    @abstractmethod
    def _build_vocab_bytes(self) -> list[bytes]:
        """Raw bytes each id contributes to the output (specials: their UTF-8 text)."""

    @property
    @abstractmethod
    def vocab_size(self) -> int:
        """Number of ids, specials included."""

    def normalize(self, text: str) -> str:
        """The text after the tokenizer's normalizer (identity when it has none)."""
        return text

    def pretokenize(self, text: str) -> list[bytes]:
        """Pre-tokens of ``text`` (normalized, then split), in the byte space merges act on."""
        raise NotImplementedError(f"{self.name}: pre-tokenization is not available for this backend")

    def merges(self) -> list[tuple[bytes, bytes]]:
        """Ordered BPE merges (rank order) as byte pairs; a clear error where there are none."""
        raise ValueError(
            f"{self.name} is a {self.meta.algorithm} tokenizer and has no BPE merge list; "
            "merge-based views need a BPE tokenizer (e.g. cl100k_base, llama3, mistral-7b)."
        )

    def bos_ids(self) -> list[int]:
        """What the model puts before the text (BOS), as ids."""
        return []

    def eos_ids(self) -> list[int]:
        return []

    def _token_char_spans(self, text: str, ids: list[int], token_bytes) -> tuple[np.ndarray, np.ndarray]:
        """Character spans of the tokens in ``text`` (default: bytes tile the UTF-8 exactly)."""
        lengths = self.token_byte_lengths[np.asarray(ids, dtype=np.int64)] if ids else np.zeros(0, np.int64)
        return char_offsets_from_byte_lengths(text, lengths)

    # ---- shared ----------------------------------------------------------------------------
    @cached_property
    def vocab_bytes(self) -> list[bytes]:
        """id -> raw bytes, for the whole vocabulary (built once)."""
        return self._build_vocab_bytes()

    @cached_property
    def token_byte_lengths(self) -> np.ndarray:
        return np.fromiter((len(b) for b in self.vocab_bytes), dtype=np.int64, count=len(self.vocab_bytes))

    @cached_property
    def special_ids(self) -> frozenset[int]:
        return frozenset(self.special_tokens.values())

    def token_bytes(self, token_id: int) -> bytes:
        return self.vocab_bytes[token_id]

    def token_text(self, token_id: int) -> str:
        """Display text of one id: whole characters as themselves, partial bytes as chips."""
        return display_text(self.vocab_bytes[token_id])

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        """ids of ``text`` as the backend returns them; with ``add_special_tokens`` the model's BOS/EOS."""
        text, _ = clean_text(text, limit=False)
        ids = self._encode(text)
        if add_special_tokens:
            ids = self.bos_ids() + ids + self.eos_ids()
        return ids

    def encode_batch(self, texts: Iterable[str]) -> list[list[int]]:
        """ids of many texts in one backend call (no special tokens)."""
        return self._encode_batch([clean_text(t, limit=False)[0] for t in texts])

    def count_batch(self, texts: Iterable[str]) -> np.ndarray:
        """Token counts of many texts (int64), batched through the backend."""
        return np.fromiter((len(ids) for ids in self.encode_batch(texts)), dtype=np.int64)

    def _encode_with_spans(self, text: str) -> tuple[list[int], np.ndarray, np.ndarray]:
        """ids and character spans in one pass (adapters override to reuse one backend call)."""
        ids = self._encode(text)
        starts, ends = self._token_char_spans(text, ids, None)
        return ids, starts, ends

    def segment(self, text: str, add_special_tokens: bool = False) -> Segmentation:
        """Cut ``text`` into tokens with bytes, display text and character spans.

        Vectorised: one backend call, then numpy over per-vocabulary tables; the Token
        objects are only built when ``.tokens`` is read.

        >>> import tokviz
        >>> seg = tokviz.load_tokenizer("cl100k_base").segment("hello world")
        >>> seg.ids, [t.text for t in seg.tokens], [(t.start, t.end) for t in seg.tokens]
        ([15339, 1917], ['hello', ' world'], [(0, 5), (5, 11)])
        """
        text, warnings = clean_text(text)
        ids, starts, ends = self._encode_with_spans(text)
        ids = list(ids)
        vocab_bytes = self.vocab_bytes
        token_bytes = list(itemgetter(*ids)(vocab_bytes)) if len(ids) > 1 else [vocab_bytes[i] for i in ids]
        special = np.isin(np.asarray(ids, dtype=np.int64), self._special_id_array)
        if add_special_tokens:
            before, after = self.bos_ids(), self.eos_ids()
            ids = before + ids + after
            token_bytes = [vocab_bytes[i] for i in before] + token_bytes + [vocab_bytes[i] for i in after]
            starts = np.concatenate([np.zeros(len(before), np.int64), starts, np.full(len(after), len(text))])
            ends = np.concatenate([np.zeros(len(before), np.int64), ends, np.full(len(after), len(text))])
            special = np.concatenate([np.ones(len(before), bool), special, np.ones(len(after), bool)])
        segmentation = Segmentation(self.name, text, ids, token_bytes, starts, ends, special, warnings)
        segmentation.uncovered = uncovered_characters(text, starts, ends)
        if segmentation.uncovered:
            segmentation.warnings.append(
                f"{segmentation.uncovered:,} character(s) of the text are in no token: {self.display_name} "
                "dropped them (its split regex does not cover them, or its vocabulary has no unknown token)."
            )
        return segmentation

    @cached_property
    def _special_id_array(self) -> np.ndarray:
        return np.fromiter(sorted(self.special_ids), dtype=np.int64)

    # ---- merges ---------------------------------------------------------------------------
    @cached_property
    def _merge_index(self) -> dict[bytes, tuple[int, bytes, bytes]]:
        """result bytes -> (rank, left, right), the first (lowest-rank) merge producing it."""
        index: dict[bytes, tuple[int, bytes, bytes]] = {}
        for rank, (left, right) in enumerate(self.merges()):
            index.setdefault(left + right, (rank, left, right))
        return index

    def merge_rank_of_tokens(self) -> np.ndarray:
        """Per id, the rank of the merge that produced its bytes (-1: a base unit, special or not BPE)."""
        ranks = np.full(self.vocab_size, -1, dtype=np.int64)
        try:
            index = self._merge_index
        except ValueError:
            return ranks
        for token_id, data in enumerate(self.vocab_bytes):
            hit = index.get(data)
            if hit is not None and token_id not in self.special_ids:
                ranks[token_id] = hit[0]
        return ranks

    def merge_rank(self, token_id: int) -> int | None:
        """Rank of the merge that made this token (None for base units, specials, non-BPE)."""
        try:
            hit = self._merge_index.get(self.vocab_bytes[token_id])
        except ValueError:
            return None
        return None if hit is None or token_id in self.special_ids else hit[0]

    def merge_tree(self, token_id: int) -> list[MergeStep]:
        """How BPE built a token from base units, as merge steps in the order they apply.

        >>> import tokviz
        >>> steps = tokviz.load_tokenizer("cl100k_base").merge_tree(15339)  # "hello"
        >>> steps[-1].result, all(a.rank < b.rank for a, b in zip(steps, steps[1:]))
        (b'hello', True)
        """
        index = self._merge_index
        steps: list[MergeStep] = []

        def build(data: bytes) -> None:
            hit = index.get(data)
            if hit is None:
                return
            rank, left, right = hit
            build(left)
            build(right)
            steps.append(MergeStep(result=data, left=left, right=right, rank=rank))

        build(self.vocab_bytes[token_id])
        steps.sort(key=lambda step: step.rank)
        return steps


guard_class(TokenizerView)
