"""Ordered BPE merge lists and what they do.

A BPE tokenizer's merges, in rank order, are the record of its training: the t-th merge was
the most frequent pair at step t. tokviz gets them from every BPE format it reads:

- HF tokenizer.json: the ``model.merges`` list (duplicate derivations dropped);
- tiktoken-format ranks (OpenAI, Llama 3, Qwen, tekken): :func:`recover_merges`, as minbpe;
- SentencePiece BPE: :func:`merges_from_scores`, one derivation per piece.

:func:`apply_merges` is the reference BPE that replays a merge list on one pre-token; tests use
it to check that recovered merges reproduce a tokenizer's own encodings.

>>> apply_merges(b"abab", [(b"a", b"b"), (b"ab", b"ab")])
[b'abab']
"""
from __future__ import annotations

from .backends.sentencepiece_backend import bpe_merge, merges_from_scores
from .backends.tiktoken_backend import recover_merges

__all__ = ["recover_merges", "merges_from_scores", "apply_merges", "merge_ranks", "merge_pair"]


def merge_pair(symbols, left, right) -> list:
    """One BPE step on one word: every (left, right) occurrence joined, left to right.

    The plain-Python reference of what the mixture replay does to each word at each step.

    >>> merge_pair([b"a", b"a", b"a", b"b"], b"a", b"a")
    [b'aa', b'a', b'b']
    """
    out, k = [], 0
    while k < len(symbols):
        if k + 1 < len(symbols) and symbols[k] == left and symbols[k + 1] == right:
            out.append(left + right)
            k += 2
        else:
            out.append(symbols[k])
            k += 1
    return out


def merge_ranks(merges: list[tuple[bytes, bytes]]) -> dict[tuple[bytes, bytes], int]:
    """pair -> rank (the first occurrence wins)."""
    ranks: dict[tuple[bytes, bytes], int] = {}
    for rank, pair in enumerate(merges):
        ranks.setdefault(pair, rank)
    return ranks


def apply_merges(word: bytes, merges: "list[tuple[bytes, bytes]] | dict[tuple[bytes, bytes], int]",
                 units: str = "bytes") -> list[bytes]:
    """Split ``word`` with BPE: start from bytes (or UTF-8 characters), merge lowest rank first.

    >>> apply_merges(b"hello", [(b"l", b"l"), (b"h", b"e"), (b"he", b"ll"), (b"hell", b"o")])
    [b'hello']
    """
    ranks = merges if isinstance(merges, dict) else merge_ranks(merges)
    if units == "chars":
        parts = [c.encode("utf-8") for c in word.decode("utf-8", errors="surrogateescape")]
    else:
        parts = [bytes([b]) for b in word]
    return bpe_merge(parts, ranks)
