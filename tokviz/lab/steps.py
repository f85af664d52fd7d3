"""Step-through records: BPE training on one small text, one merge at a time.

What a teacher draws on the board, on real text: count every adjacent pair, merge the most
frequent one everywhere, write the text again with the new token, repeat. Each
:class:`Step` holds the pair counts before the merge (the top ones), the chosen pair, the text
re-cut after the merge and the vocabulary size. The merges are classic byte-level BPE (the
same as :func:`tokviz.lab.train_bpe` with ``method="bpe"``).
"""
from __future__ import annotations

from dataclasses import dataclass

from .engine import Engine
from .export import alphabet, pre_tokenize
from .train import _classic_choice, word_table

__all__ = ["Step", "bpe_steps", "MAX_STEP_TEXT"]

MAX_STEP_TEXT = 20_000  # characters: the step-through keeps the whole re-cut text per step


@dataclass(frozen=True)
class Step:
    """One row of the step-through. Step 0 is the start (single bytes, no merge yet)."""

    step: int
    top_pairs: list[tuple[bytes, bytes, int]]  # the most frequent pairs before this merge, best first
    pair: tuple[bytes, bytes] | None  # the pair merged at this step (None at step 0)
    count: int  # how often it occurred
    token: bytes  # the new token (b"" at step 0)
    tokens: list[bytes]  # the whole text, cut after this merge
    vocab_size: int  # tokens in the vocabulary after this step

    @property
    def token_count(self) -> int:
        return len(self.tokens)


def bpe_steps(text: str, n: int = 20, *, top: int = 8, min_frequency: int = 2) -> list[Step]:
    """The start and the first ``n`` merges of classic byte-level BPE on ``text``.

    Stops early when no pair occurs ``min_frequency`` times any more.

    >>> steps = bpe_steps("low lower lowest", 2)
    >>> [(s.pair, s.count) for s in steps]
    [(None, 0), ((b'l', b'o'), 3), ((b'lo', b'w'), 3)]
    >>> steps[-1].tokens[:3], steps[-1].vocab_size
    ([b'low', b' ', b'low'], 258)
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("Type or pick a text to step through (it is empty).")
    if len(text) > MAX_STEP_TEXT:
        raise ValueError(f"The step-through shows the whole text at every step: keep it under "
                         f"{MAX_STEP_TEXT:,} characters (it has {len(text):,}); use 'Train to size' for more.")
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a whole number >= 0, not {n!r}.")
    words, train, _ = word_table({"text": text}, {"text": 1})
    engine = Engine(words, train, alphabet(), languages=1)
    order = {word: index for index, word in enumerate(_distinct(pre_tokenize(text)))}
    sequence = [order[piece] for piece in pre_tokenize(text)]
    steps = [Step(0, _top(engine, top), None, 0, b"", _cut(engine, sequence), len(engine.vocab))]
    for number in range(1, n + 1):
        best = _classic_choice(engine)
        if best is None or best[1] < max(1, min_frequency):
            break
        ranked = _top(engine, top)
        new = engine.merge(best[0])
        left, right = best[0]
        steps.append(Step(number, ranked, (engine.vocab[left], engine.vocab[right]), best[1], engine.vocab[new],
                          _cut(engine, sequence), len(engine.vocab)))
    return steps


def _distinct(pieces: list[str]) -> list[str]:
    return list(dict.fromkeys(pieces))


def _top(engine: Engine, k: int) -> list[tuple[bytes, bytes, int]]:
    return [(engine.vocab[a], engine.vocab[b], count) for (a, b), count in engine.top_pairs(k)]


def _cut(engine: Engine, sequence: list[int]) -> list[bytes]:
    vocab, words = engine.vocab, engine.words
    return [vocab[symbol] for index in sequence for symbol in words[index]]
