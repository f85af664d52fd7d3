"""The BPE training engine: words, incremental pair counts, an index of where pairs occur.

One engine serves classic BPE, Parity-aware BPE and SuperBPE's second stage. It works on
*distinct* pre-tokens ("words") with per-language counts, like HF ``tokenizers``' BpeTrainer:

- ``pair_total[pair]`` (and, for Parity-aware BPE, ``pair_by_language[l][pair]``) hold the
  exact weighted count of each adjacent symbol pair;
- ``where[pair]`` is the set of words the pair may occur in (entries may be stale, never
  missing), so a merge only visits the words that contain it;
- a lazy max-heap per count table picks the next pair in O(log n): entries whose count has
  changed are re-pushed with the current count when they reach the top (counts of existing
  pairs only ever fall; new pairs are pushed when they appear).

Ties are broken exactly as HF's trainer does: the higher count first, then the smaller
``(left_id, right_id)``, where ids are the alphabet in GPT-2 byte-character order followed by
new tokens in order of creation. A merge whose result already is a token reuses its id (the
vocabulary does not grow), as in HF. With that, classic training reproduces HF's merge list.

>>> engine = Engine([[0, 1, 0, 1], [0, 1]], [[(0, 2)], [(0, 1)]], [b"a", b"b"], languages=1)
>>> engine.best_pair_total()
((0, 1), 5)
>>> engine.merge((0, 1))
2
>>> engine.words, engine.vocab[2]
([[2, 2], [2]], b'ab')
"""
from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

__all__ = ["Engine", "merge_word"]


def merge_word(symbols: list[int], left: int, right: int, new: int) -> list[int]:
    """Every ``(left, right)`` occurrence in ``symbols`` joined into ``new``, left to right.

    >>> merge_word([1, 1, 1, 2], 1, 1, 9)
    [9, 1, 2]
    """
    out: list[int] = []
    append = out.append
    k, n = 0, len(symbols)
    while k < n:
        symbol = symbols[k]
        if symbol == left and k + 1 < n and symbols[k + 1] == right:
            append(new)
            k += 2
        else:
            append(symbol)
            k += 1
    return out


class Engine:
    """Mutable training state over distinct words (see the module docstring).

    ``weights[w]`` lists ``(language, count)`` for word ``w`` (training counts); ``dev[w]``
    (optional) the same for a development text whose token count Parity-aware BPE tracks;
    words with no training weight still get merged (they are there to be measured).
    """

    def __init__(self, words: list[list[int]], weights: Sequence[Sequence[tuple[int, int]]], vocab: list[bytes],
                 *, languages: int, dev: Sequence[Sequence[tuple[int, int]]] | None = None,
                 per_language: bool = False):
        self.words = [list(word) for word in words]
        self.weights = [tuple(w) for w in weights]
        self.totals = [sum(count for _, count in w) for w in self.weights]
        self.dev = [tuple(d) for d in dev] if dev is not None else None
        self.vocab = list(vocab)
        self.ids = {token: index for index, token in enumerate(self.vocab)}
        self.languages = languages
        self.per_language = per_language
        self.pair_total: dict[tuple[int, int], int] = {}
        self.pair_by_language: list[dict[tuple[int, int], int]] = [{} for _ in range(languages)]
        self.where: dict[tuple[int, int], set[int]] = {}
        self.train_length = np.zeros(languages, dtype=np.int64)  # tokens of the training text
        self.dev_length = np.zeros(languages, dtype=np.int64)  # tokens of the dev text
        self._count_all()
        self.heap_total = [(-count, pair) for pair, count in self.pair_total.items() if count > 0]
        heapq.heapify(self.heap_total)
        self.heaps = []
        if per_language:
            for table in self.pair_by_language:
                heap = [(-count, pair) for pair, count in table.items() if count > 0]
                heapq.heapify(heap)
                self.heaps.append(heap)

    # ---- counting ------------------------------------------------------------------------
    def _count_all(self) -> None:
        where, total = self.where, self.pair_total
        for index, word in enumerate(self.words):
            weight = self.totals[index]
            for language, count in self.weights[index]:
                self.train_length[language] += count * len(word)
            if self.dev is not None:
                for language, count in self.dev[index]:
                    self.dev_length[language] += count * len(word)
            for pair in zip(word, word[1:], strict=False):
                total[pair] = total.get(pair, 0) + weight
                bucket = where.get(pair)
                if bucket is None:
                    where[pair] = {index}
                else:
                    bucket.add(index)
                if self.per_language:
                    for language, count in self.weights[index]:
                        table = self.pair_by_language[language]
                        table[pair] = table.get(pair, 0) + count

    # ---- choosing --------------------------------------------------------------------------
    @staticmethod
    def _best(heap: list, table: dict) -> tuple[tuple[int, int], int] | None:
        while heap:
            negative, pair = heap[0]
            current = table.get(pair, 0)
            if current == -negative:
                return pair, current
            heapq.heappop(heap)
            if current > 0:
                heapq.heappush(heap, (-current, pair))
        return None

    def best_pair_total(self) -> tuple[tuple[int, int], int] | None:
        """The most frequent pair over all languages (HF's tie-break), or None."""
        return self._best(self.heap_total, self.pair_total)

    def best_pair_in(self, language: int) -> tuple[tuple[int, int], int] | None:
        """The most frequent pair in one language's training text (per-language counts needed)."""
        return self._best(self.heaps[language], self.pair_by_language[language])

    def top_pairs(self, k: int) -> list[tuple[tuple[int, int], int]]:
        """The ``k`` most frequent pairs, best first (a scan: for step-through on small texts)."""
        return heapq.nsmallest(k, ((pair, count) for pair, count in self.pair_total.items() if count > 0),
                               key=lambda item: (-item[1], item[0]))

    # ---- merging ---------------------------------------------------------------------------
    def merge(self, pair: tuple[int, int]) -> int:
        """Merge ``pair`` everywhere; returns the id of the merged token (new or existing)."""
        left, right = pair
        token = self.vocab[left] + self.vocab[right]
        new = self.ids.get(token)
        if new is None:
            new = len(self.vocab)
            self.vocab.append(token)
            self.ids[token] = new
        increased_total: set = set()
        increased: list[set] = [set() for _ in range(self.languages)] if self.per_language else []
        for index in list(self.where.get(pair, ())):
            old = self.words[index]
            word = merge_word(old, left, right, new)
            if len(word) == len(old):
                continue
            self.words[index] = word
            self._update_word(index, old, word, increased_total, increased)
        self.where.pop(pair, None)
        self._push(self.heap_total, self.pair_total, increased_total)
        for language, pairs in enumerate(increased):
            self._push(self.heaps[language], self.pair_by_language[language], pairs)
        return new

    def _update_word(self, index: int, old: list[int], word: list[int], increased_total: set,
                     increased: list[set]) -> None:
        shrink = len(old) - len(word)
        for language, count in self.weights[index]:
            self.train_length[language] -= shrink * count
        if self.dev is not None:
            for language, count in self.dev[index]:
                self.dev_length[language] -= shrink * count
        delta: dict[tuple[int, int], int] = {}
        for item in zip(old, old[1:], strict=False):
            delta[item] = delta.get(item, 0) - 1
        for item in zip(word, word[1:], strict=False):
            delta[item] = delta.get(item, 0) + 1
        weight = self.totals[index]
        total, where = self.pair_total, self.where
        for item, change in delta.items():
            if not change:
                continue
            if weight:
                total[item] = total.get(item, 0) + change * weight
            if change > 0:
                bucket = where.get(item)
                if bucket is None:
                    where[item] = {index}
                else:
                    bucket.add(index)
                if weight:
                    increased_total.add(item)
            if self.per_language:
                for language, count in self.weights[index]:
                    table = self.pair_by_language[language]
                    table[item] = table.get(item, 0) + change * count
                    if change > 0:
                        increased[language].add(item)

    @staticmethod
    def _push(heap: list, table: dict, pairs: set) -> None:
        for pair in pairs:
            count = table.get(pair, 0)
            if count > 0:
                heapq.heappush(heap, (-count, pair))
