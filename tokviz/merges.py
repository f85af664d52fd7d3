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

from collections.abc import Sequence

__all__ = ["recover_merges", "merges_from_scores", "derive_merges", "bpe_merge", "apply_merges", "merge_ranks",
           "merge_pair"]

#: SentencePiece piece type of an ordinary piece (sentencepiece_model.proto)
_SP_NORMAL = 1


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


def apply_merges(word: bytes, merges: list[tuple[bytes, bytes]] | dict[tuple[bytes, bytes], int],
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


# ---- tiktoken rank tables ---------------------------------------------------------------------

def _bpe_split(ranks: dict[bytes, int], token: bytes, max_rank: int) -> list[bytes]:
    """Byte-level BPE of ``token`` using only merges with rank < ``max_rank`` (minbpe's ``bpe``)."""
    parts = [bytes([b]) for b in token]
    while True:
        best_index, best_rank = None, None
        for index in range(len(parts) - 1):
            rank = ranks.get(parts[index] + parts[index + 1])
            if rank is not None and rank < max_rank and (best_rank is None or rank < best_rank):
                best_index, best_rank = index, rank
        if best_index is None:
            return parts
        parts = parts[:best_index] + [parts[best_index] + parts[best_index + 1]] + parts[best_index + 2:]


def recover_merges(ranks: dict[bytes, int]) -> list[tuple[bytes, bytes]]:
    """Ordered merges from a tiktoken rank table (as minbpe's ``recover_merges``).

    Each multi-byte token of rank r is the merge of the two parts that BPE with ranks < r
    leaves it in; merges come out in rank order. A split with a single candidate is taken
    directly; only ambiguous ones are replayed.

    >>> recover_merges({b"a": 0, b"b": 1, b"ab": 2, b"abb": 3})
    [(b'a', b'b'), (b'ab', b'b')]
    """
    merges: list[tuple[bytes, bytes]] = []
    for token, rank in sorted(ranks.items(), key=lambda item: item[1]):
        if len(token) < 2:
            continue
        candidates = []
        for cut in range(1, len(token)):
            left_rank = ranks.get(token[:cut])
            right_rank = ranks.get(token[cut:])
            if left_rank is not None and right_rank is not None and left_rank < rank and right_rank < rank:
                candidates.append(cut)
        if len(candidates) == 1:
            cut = candidates[0]
            merges.append((token[:cut], token[cut:]))
            continue
        parts = _bpe_split(ranks, token, rank)
        if len(parts) == 2:
            merges.append((parts[0], parts[1]))
        # else: a token BPE cannot build (e.g. an added piece): it has no merge
    return merges


# ---- SentencePiece BPE -------------------------------------------------------------------------

def bpe_merge(parts: list, ranks: dict) -> list:
    """Merge adjacent ``parts`` lowest rank first until no pair has a rank (plain BPE).

    >>> bpe_merge(list("abab"), {("a", "b"): 0, ("ab", "ab"): 1})
    ['abab']
    """
    parts = list(parts)
    while len(parts) > 1:
        best_index, best_rank = -1, None
        for index in range(len(parts) - 1):
            rank = ranks.get((parts[index], parts[index + 1]))
            if rank is not None and (best_rank is None or rank < best_rank):
                best_index, best_rank = index, rank
        if best_rank is None:
            break
        parts[best_index:best_index + 2] = [parts[best_index] + parts[best_index + 1]]
    return parts


def derive_merges(pieces: Sequence[str], candidates: Sequence[Sequence[tuple[str, str]]] | None = None,
                  base: set[str] | None = None) -> list[tuple[str, str]]:
    """One merge per piece, in the given order, that a replay of the merges before it can apply.

    A piece such as "▁the" has several derivations ("▁t"+"he", "▁th"+"e", ...). The one that
    a merge replay meets is the one BPE makes of the piece's own characters with the merges so
    far: below, "h"+"e" comes before "▁t"+"h", so "▁the" is made of "▁t"+"he", and "▁th"+"e"
    would never occur. That split is used when it has two parts (and is among ``candidates``
    when those are given); otherwise the candidate (or the split into known pieces) whose parts
    rank earliest.

    >>> derive_merges(["▁t", "he", "▁th", "▁the"])
    [('▁', 't'), ('h', 'e'), ('▁t', 'h'), ('▁t', 'he')]
    """
    rank: dict[str, int] = {}
    ranks: dict[tuple[str, str], int] = {}
    merges: list[tuple[str, str]] = []
    known = set(base) if base is not None else {c for piece in pieces for c in piece}
    for number, piece in enumerate(pieces):
        options = list(candidates[number]) if candidates is not None else [
            (piece[:cut], piece[cut:]) for cut in range(1, len(piece))]
        options = [(left, right) for left, right in options
                   if (left in rank or left in known and len(left) == 1) and
                   (right in rank or right in known and len(right) == 1)]
        if not options:
            continue  # not derivable from earlier pieces (e.g. user-defined whitespace runs)
        split = bpe_merge(list(piece), ranks)
        if len(split) == 2 and tuple(split) in options:
            left, right = split
        else:
            left, right = min(options, key=lambda pair: (max(rank.get(pair[0], -1), rank.get(pair[1], -1)),
                                                         min(rank.get(pair[0], -1), rank.get(pair[1], -1))))
        ranks.setdefault((left, right), len(merges))
        rank[piece] = len(merges)
        merges.append((left, right))
    return merges


def merges_from_scores(pieces: Sequence[str], scores: Sequence[float], types: Sequence[int]) -> list[tuple[str, str]]:
    """Ordered merges of a SentencePiece BPE model, from its pieces' scores.

    SentencePiece BPE stores no merge list: a piece's score is minus the step that made it.
    Each multi-character normal piece (best score first) gets one derivation, the one a merge
    replay meets (:func:`derive_merges`); single characters exist before any merge.

    >>> merges_from_scores(["a", "b", "ab", "abb"], [-3, -4, -1, -2], [1, 1, 1, 1])
    [('a', 'b'), ('ab', 'b')]
    """
    order = sorted((i for i, t in enumerate(types) if t == _SP_NORMAL), key=lambda i: -scores[i])
    base = {pieces[i] for i in order if len(pieces[i]) == 1}
    return derive_merges([pieces[i] for i in order if len(pieces[i]) >= 2], base=base)
