"""Stage 2 of mixture inference: replay the merges in order over the counted pre-tokens.

An inverted index pair -> words means each step only touches the words that hold the merged pair;
the step's pair-count changes are recorded per category as events ``(step, pair, category, delta)``.
The loop is compiled with numba.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numba
import numpy as np

__all__ = ["Replay", "replay_merges"]


# ---- words and merges as integer symbols ----------------------------------------------------
@dataclass
class Symbolized:
    """All categories' pre-tokens as integer symbol sequences, and the merges as symbol ids."""

    flat: np.ndarray  # (S,) int32 symbols of every word, concatenated
    starts: np.ndarray  # (W,) where each word starts in ``flat``
    lengths: np.ndarray  # (W,) symbols per word
    word_ptr: np.ndarray  # (W+1,) CSR over (category, count) entries per word
    word_cat: np.ndarray  # category of each entry
    word_count: np.ndarray  # count of the word in that category
    merge_left: np.ndarray  # (T,) symbol id of each merge's left part
    merge_right: np.ndarray  # (T,) ... right part
    merge_result: np.ndarray  # (T,) ... and of the merged symbol
    symbols: list[bytes]  # symbol id -> bytes


def _word_table(counters: list[Counter]) -> tuple[list[bytes], np.ndarray, np.ndarray, np.ndarray]:
    """The union of the categories' words, and per word a CSR list of (category, count)."""
    word_index: dict[bytes, int] = {}
    for counter in counters:
        for word in counter:
            if len(word) and word not in word_index:
                word_index[word] = len(word_index)
    words = list(word_index)
    cat_lists: list[list[tuple[int, int]]] = [[] for _ in range(len(words))]
    for cat, counter in enumerate(counters):
        for word, count in counter.items():
            if len(word):
                cat_lists[word_index[word]].append((cat, count))
    word_ptr = np.zeros(len(words) + 1, dtype=np.int64)
    word_ptr[1:] = np.cumsum([len(x) for x in cat_lists])
    flat_pairs = [pair for x in cat_lists for pair in x]
    word_cat = np.array([c for c, _ in flat_pairs], dtype=np.int64)
    word_count = np.array([n for _, n in flat_pairs], dtype=np.int64)
    return words, word_ptr, word_cat, word_count


def _symbol_sequences(words: list[bytes], merge_units: str, symbols: list[bytes],
                      symbol_id: dict[bytes, int]) -> tuple[np.ndarray, np.ndarray]:
    """Words as symbol ids (bytes, or UTF-8 characters for SentencePiece BPE); fills the symbol table."""
    if merge_units == "bytes":
        symbols.extend(bytes([b]) for b in range(256))
        symbol_id.update({s: i for i, s in enumerate(symbols)})
        flat = np.frombuffer(b"".join(words), dtype=np.uint8).astype(np.int32)
        return flat, np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    if merge_units != "chars":
        raise ValueError(f"merge_units must be 'bytes' or 'chars', not {merge_units!r}")
    seqs: list[int] = []
    lengths = np.zeros(len(words), dtype=np.int64)
    for index, word in enumerate(words):
        chars = word.decode("utf-8", errors="surrogateescape")
        for char in chars:
            seqs.append(_symbol_of(char.encode("utf-8", errors="surrogateescape"), symbols, symbol_id))
        lengths[index] = len(chars)
    return np.asarray(seqs, dtype=np.int32), lengths


def _symbol_of(unit: bytes, symbols: list[bytes], symbol_id: dict[bytes, int]) -> int:
    sid = symbol_id.get(unit)
    if sid is None:
        sid = symbol_id[unit] = len(symbols)
        symbols.append(unit)
    return sid


def _symbolize(counters: list[Counter], merges: list[tuple[bytes, bytes]], merge_units: str) -> Symbolized:
    """Union of all categories' pre-tokens as integer symbol sequences, plus merges as ids."""
    words, word_ptr, word_cat, word_count = _word_table(counters)
    symbols: list[bytes] = []
    symbol_id: dict[bytes, int] = {}
    flat, lengths = _symbol_sequences(words, merge_units, symbols, symbol_id)
    starts = np.zeros(len(words), dtype=np.int64)
    if len(words):
        starts[1:] = np.cumsum(lengths)[:-1]
    n = len(merges)
    merge_left = np.empty(n, dtype=np.int64)
    merge_right = np.empty(n, dtype=np.int64)
    merge_result = np.empty(n, dtype=np.int64)
    for t, (left, right) in enumerate(merges):
        merge_left[t] = _symbol_of(left, symbols, symbol_id)
        merge_right[t] = _symbol_of(right, symbols, symbol_id)
        merge_result[t] = _symbol_of(left + right, symbols, symbol_id)
    return Symbolized(flat, starts, lengths, word_ptr, word_cat, word_count, merge_left, merge_right, merge_result,
                      symbols)


# ---- the compiled replay ------------------------------------------------------------------------
@numba.njit(cache=True)
def _pair_id(pair_map, key, pair_keys, n_pairs):
    if key in pair_map:
        return pair_map[key], pair_keys
    pid = n_pairs[0]
    pair_map[key] = pid
    if pid >= pair_keys.shape[0]:
        grown = np.empty(pair_keys.shape[0] * 2, dtype=np.int64)
        grown[: pair_keys.shape[0]] = pair_keys
        pair_keys = grown
    pair_keys[pid] = key
    n_pairs[0] = pid + 1
    return pid, pair_keys


@numba.njit(cache=True)
def _grow_i64(array, needed):
    if needed <= array.shape[0]:
        return array
    size = array.shape[0] * 2
    while size < needed:
        size *= 2
    grown = np.empty(size, dtype=np.int64)
    grown[: array.shape[0]] = array
    return grown


@numba.njit(cache=True)
def _link_word(head, node_word, node_next, n_nodes, pid, word):
    """Add ``word`` to pair ``pid``'s list in the inverted index (pair -> words holding it)."""
    if pid >= head.shape[0]:
        grown = np.full(max(head.shape[0] * 2, pid + 1), -1, dtype=np.int64)
        grown[: head.shape[0]] = head
        head = grown
    if n_nodes >= node_word.shape[0]:
        node_word = _grow_i64(node_word, n_nodes + 1)
        node_next = _grow_i64(node_next, n_nodes + 1)
    node_word[n_nodes] = word
    node_next[n_nodes] = head[pid]
    head[pid] = n_nodes
    return head, node_word, node_next, n_nodes + 1


@numba.njit(cache=True)
def _flush_events(buf_pair, buf_word, buf_delta, n_buf, wc_ptr, wc_cat, wc_cnt, n_cats, step,
                  ev_step, ev_pair, ev_cat, ev_delta, n_ev):
    """Turn one step's raw (pair, word, delta) changes into events summed by (pair, category)."""
    total = 0
    for b in range(n_buf):
        total += wc_ptr[buf_word[b] + 1] - wc_ptr[buf_word[b]]
    keys = np.empty(total, dtype=np.int64)  # pair * n_cats + category
    vals = np.empty(total, dtype=np.int64)  # delta * count
    j = 0
    for b in range(n_buf):
        w = buf_word[b]
        for e in range(wc_ptr[w], wc_ptr[w + 1]):
            keys[j] = buf_pair[b] * n_cats + wc_cat[e]
            vals[j] = buf_delta[b] * wc_cnt[e]
            j += 1
    order = np.argsort(keys, kind="mergesort")
    needed = n_ev + total
    if needed > ev_step.shape[0]:
        ev_step = _grow_i64(ev_step, needed)
        ev_pair = _grow_i64(ev_pair, needed)
        ev_cat = _grow_i64(ev_cat, needed)
        ev_delta = _grow_i64(ev_delta, needed)
    j = 0
    while j < total:
        key = keys[order[j]]
        acc = 0
        while j < total and keys[order[j]] == key:
            acc += vals[order[j]]
            j += 1
        if acc != 0:
            ev_step[n_ev] = step
            ev_pair[n_ev] = key // n_cats
            ev_cat[n_ev] = key % n_cats
            ev_delta[n_ev] = acc
            n_ev += 1
    return ev_step, ev_pair, ev_cat, ev_delta, n_ev


@numba.njit(cache=True)
def _replay_kernel(flat, starts, lengths, wc_ptr, wc_cat, wc_cnt, n_cats,  # long: see below
                   merge_left, merge_right, merge_result, n_symbols):
    """Apply merges in order; return per-step pair-count events aggregated by (pair, category).

    Long because the per-word merge loop updates a dozen growable arrays (pair map, inverted index,
    step buffer); moving it into a function called per word would pass and return all of them.
    """
    n_words = starts.shape[0]
    n_merges = merge_left.shape[0]
    sym = flat.copy()
    length = lengths.copy()
    mult = np.int64(n_symbols)
    pair_map = numba.typed.Dict.empty(key_type=numba.types.int64, value_type=numba.types.int64)
    pair_keys = np.empty(1 << 16, dtype=np.int64)
    n_pairs = np.zeros(1, dtype=np.int64)
    # inverted index: per pair a linked list of word ids (may hold stale / repeated entries)
    head = np.full(1 << 16, -1, dtype=np.int64)
    node_word = np.empty(1 << 20, dtype=np.int64)
    node_next = np.empty(1 << 20, dtype=np.int64)
    n_nodes = 0
    # step buffer of raw (pair, word, delta) changes
    buf_pair = np.empty(1 << 16, dtype=np.int64)
    buf_word = np.empty(1 << 16, dtype=np.int64)
    buf_delta = np.empty(1 << 16, dtype=np.int64)
    # output events
    ev_step = np.empty(1 << 20, dtype=np.int64)
    ev_pair = np.empty(1 << 20, dtype=np.int64)
    ev_cat = np.empty(1 << 20, dtype=np.int64)
    ev_delta = np.empty(1 << 20, dtype=np.int64)
    n_ev = 0
    merge_pair = np.full(n_merges, -1, dtype=np.int64)
    merge_counts = np.zeros((n_merges, n_cats), dtype=np.float64)
    visited = np.full(n_words, -1, dtype=np.int64)
    scratch = np.empty(64, dtype=np.int32)
    consumed = np.zeros(64, dtype=np.bool_)  # old positions a merge occurrence used
    created = np.zeros(64, dtype=np.bool_)  # new positions holding a symbol made at this step

    # initial pairs (step 0 events)
    n_buf = 0
    for w in range(n_words):
        s = starts[w]
        for k in range(length[w] - 1):
            key = sym[s + k] * mult + sym[s + k + 1]
            pid, pair_keys = _pair_id(pair_map, key, pair_keys, n_pairs)
            head, node_word, node_next, n_nodes = _link_word(head, node_word, node_next, n_nodes, pid, w)
            if n_buf >= buf_pair.shape[0]:
                buf_pair = _grow_i64(buf_pair, n_buf + 1)
                buf_word = _grow_i64(buf_word, n_buf + 1)
                buf_delta = _grow_i64(buf_delta, n_buf + 1)
            buf_pair[n_buf] = pid
            buf_word[n_buf] = w
            buf_delta[n_buf] = 1
            n_buf += 1

    for step in range(n_merges + 1):
        # flush the buffer of the previous step (step 0: the initial counts) as events
        if n_buf:
            ev_step, ev_pair, ev_cat, ev_delta, n_ev = _flush_events(
                buf_pair, buf_word, buf_delta, n_buf, wc_ptr, wc_cat, wc_cnt, n_cats, step,
                ev_step, ev_pair, ev_cat, ev_delta, n_ev)
            n_buf = 0
        if step == n_merges:
            break
        t = step
        left = merge_left[t]
        right = merge_right[t]
        result = merge_result[t]
        key = left * mult + right
        if key not in pair_map:
            continue
        pid = pair_map[key]
        merge_pair[t] = pid
        node = head[pid]
        while node != -1:
            w = node_word[node]
            node = node_next[node]
            if visited[w] == t:
                continue
            visited[w] = t
            s = starts[w]
            n = length[w]
            occurrences = 0
            for k in range(n - 1):
                if sym[s + k] == left and sym[s + k + 1] == right:
                    occurrences += 1
            if occurrences == 0:
                continue
            for e in range(wc_ptr[w], wc_ptr[w + 1]):
                merge_counts[t, wc_cat[e]] += occurrences * wc_cnt[e]
            if n > scratch.shape[0]:
                scratch = np.empty(2 * n, dtype=np.int32)
                consumed = np.zeros(2 * n, dtype=np.bool_)
                created = np.zeros(2 * n, dtype=np.bool_)
            needed = n_buf + 2 * n
            if needed > buf_pair.shape[0]:
                buf_pair = _grow_i64(buf_pair, needed)
                buf_word = _grow_i64(buf_word, needed)
                buf_delta = _grow_i64(buf_delta, needed)
            # merge left to right; mark the old positions each occurrence consumes and the new ones it creates
            m = 0
            k = 0
            while k < n:
                if k < n - 1 and sym[s + k] == left and sym[s + k + 1] == right:
                    consumed[k] = True
                    consumed[k + 1] = True
                    scratch[m] = result
                    created[m] = True
                    k += 2
                else:
                    consumed[k] = False
                    scratch[m] = sym[s + k]
                    created[m] = False
                    k += 1
                m += 1
            # only pairs touching a merged occurrence change: the others are the same pairs before and after,
            # so a long word (a CJK line under Metaspace) costs its merged spots, not its length, in events
            for k in range(n - 1):
                if consumed[k] or consumed[k + 1]:
                    buf_pair[n_buf] = pair_map[sym[s + k] * mult + sym[s + k + 1]]
                    buf_word[n_buf] = w
                    buf_delta[n_buf] = -1
                    n_buf += 1
            for k in range(m):
                sym[s + k] = scratch[k]
            length[w] = m
            # new pairs in; index the word under them (each holds the new symbol)
            for k in range(m - 1):
                if not (created[k] or created[k + 1]):
                    continue
                a = sym[s + k]
                b = sym[s + k + 1]
                npid, pair_keys = _pair_id(pair_map, a * mult + b, pair_keys, n_pairs)
                buf_pair[n_buf] = npid
                buf_word[n_buf] = w
                buf_delta[n_buf] = 1
                n_buf += 1
                head, node_word, node_next, n_nodes = _link_word(head, node_word, node_next, n_nodes, npid, w)
    return (ev_step[:n_ev].copy(), ev_pair[:n_ev].copy(), ev_cat[:n_ev].copy(), ev_delta[:n_ev].copy(),
            merge_pair, merge_counts, pair_keys[: n_pairs[0]].copy())


class ReplayArrays(NamedTuple):
    """What the compiled replay returns."""

    ev_step: np.ndarray
    ev_pair: np.ndarray
    ev_cat: np.ndarray
    ev_delta: np.ndarray
    merge_pair: np.ndarray
    merge_counts: np.ndarray
    pair_keys: np.ndarray  # pair id -> left * n_symbols + right


@dataclass
class Replay:
    """The merge replay of one tokenizer over one set of category samples.

    Events say how pair counts changed: at ``step`` 0 the initial counts, at ``step`` t+1 the
    changes made by merge t. Arrays are plain numpy so they can be stored as .npz.
    """

    categories: list[str]
    ev_step: np.ndarray  # (E,) int64, sorted
    ev_pair: np.ndarray  # (E,) int64 pair id
    ev_cat: np.ndarray  # (E,) int64 category index
    ev_delta: np.ndarray  # (E,) int64 count change
    merge_pair: np.ndarray  # (T,) pair id of merge t, -1 when it never occurs in the samples
    merge_counts: np.ndarray  # (T, K) count of merge t's pair per category just before step t
    pair_totals: np.ndarray  # (K,) initial pair total per category (the normaliser)
    byte_totals: np.ndarray  # (K,) UTF-8 bytes of the pre-tokens per category
    n_pairs: int
    merges: list[tuple[bytes, bytes]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def num_merges(self) -> int:
        return int(self.merge_pair.shape[0])

    @cached_property
    def step_ptr(self) -> np.ndarray:
        """Where each step's events start: the events of step t are ``[step_ptr[t], step_ptr[t + 1])``."""
        return np.searchsorted(self.ev_step, np.arange(self.num_merges + 2), side="left").astype(np.int64)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "categories": np.array(self.categories, dtype=object).astype(str),
            "ev_step": self.ev_step, "ev_pair": self.ev_pair, "ev_cat": self.ev_cat,
            "ev_delta": self.ev_delta, "merge_pair": self.merge_pair,
            "merge_counts": self.merge_counts, "pair_totals": self.pair_totals,
            "byte_totals": self.byte_totals, "n_pairs": np.array([self.n_pairs]),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], merges: list[tuple[bytes, bytes]]) -> Replay:
        return cls(
            categories=[str(c) for c in arrays["categories"]], ev_step=arrays["ev_step"],
            ev_pair=arrays["ev_pair"], ev_cat=arrays["ev_cat"], ev_delta=arrays["ev_delta"],
            merge_pair=arrays["merge_pair"], merge_counts=arrays["merge_counts"],
            pair_totals=arrays["pair_totals"], byte_totals=arrays["byte_totals"],
            n_pairs=int(arrays["n_pairs"][0]), merges=merges,
        )


def replay_merges(counters: Mapping[str, Counter], merges: list[tuple[bytes, bytes]],
                  merge_units: str = "bytes") -> Replay:
    """Replay ``merges`` in order over each category's pre-token counts.

    >>> replay = replay_merges({"a": Counter({b"aab": 2}), "b": Counter({b"ab": 1})},
    ...                        [(b"a", b"b"), (b"a", b"ab")])
    >>> replay.merge_counts.tolist()  # (a, b) then (a, ab): counts per category when chosen
    [[2.0, 1.0], [2.0, 0.0]]
    """
    categories = list(counters)
    counter_list = [counters[c] for c in categories]
    started = time.perf_counter()
    words = _symbolize(counter_list, merges, merge_units)
    n_cats = len(categories)
    out = ReplayArrays(*_replay_kernel(
        words.flat, words.starts, words.lengths, words.word_ptr, words.word_cat, words.word_count, n_cats,
        words.merge_left, words.merge_right, words.merge_result, len(words.symbols) + 1,
    ))
    ev_step, ev_pair, ev_cat, ev_delta = out.ev_step, out.ev_pair, out.ev_cat, out.ev_delta
    merge_pair, merge_counts, pair_keys = out.merge_pair, out.merge_counts, out.pair_keys
    initial = ev_step == 0
    pair_totals = np.bincount(ev_cat[initial], weights=ev_delta[initial], minlength=n_cats).astype(np.float64)
    byte_totals = np.array(
        [float(sum(len(w) * n for w, n in counter.items())) for counter in counter_list], dtype=np.float64
    )
    return Replay(
        categories=categories, ev_step=ev_step, ev_pair=ev_pair, ev_cat=ev_cat, ev_delta=ev_delta,
        merge_pair=merge_pair, merge_counts=merge_counts, pair_totals=pair_totals,
        byte_totals=byte_totals, n_pairs=int(pair_keys.shape[0]), merges=list(merges),
        seconds={"replay": time.perf_counter() - started},
    )

