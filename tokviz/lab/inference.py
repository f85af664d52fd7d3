"""Two ways to cut text with one vocabulary: BPE merge order vs longest-prefix greedy.

A BPE vocabulary is usually applied by replaying its merges in training order (what every real
BPE tokenizer does). Uzan et al. 2024, "Greed is All You Need: An Evaluation of Tokenizer
Inference Methods" (arXiv:2403.01289), compare that with other inference methods for the same
vocabulary; the simplest, *longest-prefix greedy* (take the longest token that starts the rest
of the word, repeat; WordPiece's rule), often does as well or better. Both methods here work
inside the same pre-tokens, on bytes. Simplified: only these two of the paper's seven methods.

>>> from tokviz.lab import train_bpe
>>> tok = train_bpe({"en": "unrelated related relate unrelated " * 3}, 275)
>>> longest_prefix(tok, " unrelated")
[b' unrelated']
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

__all__ = ["longest_prefix", "merge_order", "compare_inference", "inference_differences"]


def _greedy_piece(piece: bytes, vocabulary: frozenset, longest: int) -> list[bytes]:
    out, start = [], 0
    while start < len(piece):
        for length in range(min(longest, len(piece) - start), 0, -1):
            candidate = piece[start:start + length]
            if length == 1 or candidate in vocabulary:
                out.append(candidate)
                start += length
                break
    return out


class _Greedy:
    """Per-tokenizer greedy cutter with a cache of pieces already cut."""

    def __init__(self, tokenizer):
        self.vocabulary = frozenset(b for i, b in enumerate(tokenizer.vocab_bytes) if i not in tokenizer.special_ids)
        self.longest = max(len(b) for b in self.vocabulary)
        self.cut = lru_cache(maxsize=200_000)(lambda piece: tuple(_greedy_piece(piece, self.vocabulary,
                                                                                self.longest)))


_CUTTERS: dict[str, _Greedy] = {}


def _cutter(tokenizer) -> _Greedy:
    key = tokenizer.identity or str(id(tokenizer))
    if key not in _CUTTERS:
        if len(_CUTTERS) > 16:
            _CUTTERS.clear()
        _CUTTERS[key] = _Greedy(tokenizer)
    return _CUTTERS[key]


def longest_prefix(tokenizer, text: str) -> list[bytes]:
    """``text`` cut by longest-prefix greedy over ``tokenizer``'s vocabulary, inside its pre-tokens."""
    cutter = _cutter(tokenizer)
    return [token for piece in tokenizer.pretokenize(text) for token in cutter.cut(piece)]


def merge_order(tokenizer, text: str) -> list[bytes]:
    """``text`` cut the usual BPE way (merges replayed by rank), as token bytes."""
    return [tokenizer.vocab_bytes[i] for i in tokenizer.encode(text)]


def compare_inference(tokenizer, texts: dict[str, str]) -> pd.DataFrame:
    """Per text: tokens by merge order and by greedy, and the share of pre-tokens cut differently."""
    rows = []
    cutter = _cutter(tokenizer)
    for name, text in texts.items():
        pieces = tokenizer.pretokenize(text)
        greedy = sum(len(cutter.cut(piece)) for piece in pieces)
        bpe = len(tokenizer.encode(text))
        differing = len(inference_differences(tokenizer, text, limit=None))
        distinct = len(set(pieces))
        rows.append({"text": name, "merge_order_tokens": bpe, "greedy_tokens": greedy,
                     "greedy_vs_merge_order": greedy / bpe if bpe else 1.0,
                     "words_cut_differently": differing, "distinct_words": distinct})
    return pd.DataFrame(rows)


def inference_differences(tokenizer, text: str, limit: int | None = 30) -> pd.DataFrame:
    """The distinct pre-tokens of ``text`` that the two methods cut differently, most frequent first."""
    from collections import Counter

    from ..segment import display_text

    cutter = _cutter(tokenizer)
    pieces = Counter(tokenizer.pretokenize(text))
    rows = []
    for piece, count in pieces.most_common():
        bpe = [tokenizer.vocab_bytes[i] for i in tokenizer.backend.encode(
            piece.decode("utf-8", "replace"), add_special_tokens=False).ids] if _decodes(piece) else None
        greedy = list(cutter.cut(piece))
        if bpe is None or bpe == greedy:
            continue
        def show(token: bytes) -> str:
            return display_text(token).replace(" ", "␣")

        rows.append({"word": show(piece), "times": count,
                     "merge_order": " · ".join(show(t) for t in bpe),
                     "greedy": " · ".join(show(t) for t in greedy),
                     "tokens (merge order → greedy)": f"{len(bpe)} → {len(greedy)}"})
        if limit is not None and len(rows) >= limit:
            break
    return pd.DataFrame(rows, columns=["word", "times", "merge_order", "greedy", "tokens (merge order → greedy)"])


def _decodes(piece: bytes) -> bool:
    try:
        piece.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
