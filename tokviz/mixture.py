"""Data-mixture inference: what a BPE tokenizer's merge order reveals about its training data.

Hayase et al. (2024), "Data Mixture Inference: What do BPE Tokenizers Reveal about their
Training Data?". The t-th merge of a BPE tokenizer was the most frequent pair at step t of its
training. Given the ordered merge list and one text sample per category (languages, code,
domains), a linear program finds the category weights under which every merge was (close to)
the most frequent pair when it was chosen.

The pipeline, one stage per function:

1. **Counting** (:func:`count_pretokens`): each sample goes through the tokenizer's own
   normalizer and pre-tokenizer (``TokenizerView.pretokenize``); pre-token frequencies per
   category. Pairs are counted inside pre-tokens only.
2. **Replay** (:func:`replay_merges`): the merges are applied in order to the union of all
   categories' pre-tokens. An inverted index pair -> words means each step only touches the
   words that hold the merged pair; the step's pair-count changes are recorded per category as
   events ``(step, pair, category, delta)``. The loop is compiled with numba.
3. **The linear program** (:func:`solve_mixture`): with ``c~`` the counts of category ``i``
   divided by its initial pair total, ``m(t)`` the merge at step ``t``, weights ``alpha`` and
   slacks ``v_t`` (per step) and ``v_p`` (per pair)::

       minimise  sum_t v_t + sum_p v_p
       s.t.      sum_i alpha_i = 1,  alpha >= 0,  v >= 0,
                 sum_i alpha_i (c~_{i,m(t)}^(t) - c~_{i,p}^(t)) + v_t + v_p >= 0
                 for every step t and pair p != m(t).

   There are billions of such constraints; they are generated lazily: sweep the steps with the
   current solution (a heap over the mixed pair counts finds the pairs above the merge's count),
   add the most violated ones (a bounded number per step and per round), re-solve with HiGHS
   from the previous basis, and repeat until nothing is violated.
4. **Shares**: byte shares ``alpha_i * bytes_i / pairs_i`` renormalised (default), or the pair
   shares ``alpha`` themselves (``unit="pairs"``).

What it deliberately leaves out: the paper's extra per-category slack variants, and any
modelling of pre-tokenizer rules the tokenizer's own ``pretokenize`` does not express.

>>> shares = infer_mixture("cl100k_base", {"en": "english.txt", "code": "src/"})  # doctest: +SKIP
>>> shares.round(2).to_dict()                                                          # doctest: +SKIP
{'code': 0.6, 'en': 0.4}
"""
from __future__ import annotations

import argparse
import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numba
import numpy as np
import pandas as pd

from .samples import split_at_line_ends

__all__ = [
    "MIN_SAMPLE_BYTES",
    "train_controlled_bpe",
    "Replay",
    "count_pretokens",
    "read_samples",
    "replay_merges",
    "solve_mixture",
    "infer_mixture",
    "merge_timeline",
    "register_cli",
]

#: Below this many bytes a category's sample is too small to say much: warn.
MIN_SAMPLE_BYTES = 10_000
#: Texts are pre-tokenized in pieces of about this size, cut at line ends.
_CHUNK_BYTES = 256_000
_SPACE_START = re.compile(rb"(?= )")

Progress = Callable[[str, float, str], None]  # (stage, fraction done in [0, 1], message)


# ---- samples ---------------------------------------------------------------------------------
def _read_text_file(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _is_existing_path(value: str) -> bool:
    """True when a short one-line string names an existing file or folder (else it is text)."""
    if len(value) > 4096 or "\n" in value:
        return False
    try:
        return Path(value).exists()
    except (OSError, ValueError):
        return False


def read_samples(samples: Mapping[str, Any] | str | os.PathLike) -> dict[str, str]:
    """Resolve ``samples`` into ``{category: text}``.

    ``samples`` is a folder of ``<category>.txt`` files, or a mapping from category names to
    text, a file path, or a folder (all files in it, read as UTF-8, concatenated in name order).

    >>> read_samples({"en": "the cat sat on the mat"})
    {'en': 'the cat sat on the mat'}
    """
    if isinstance(samples, (str, os.PathLike)):
        folder = Path(samples)
        if not folder.is_dir():
            raise ValueError(
                f"samples={str(samples)!r} is not a folder; pass a folder of <category>.txt files "
                "or a dict {category: text, file or folder}."
            )
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == ".txt")
        if not files:
            raise ValueError(f"The folder {folder} holds no <category>.txt files; add one file per category.")
        return {p.stem: _read_text_file(p) for p in files}
    if not isinstance(samples, Mapping):
        raise ValueError("samples must be a folder path or a dict {category: text, file or folder}.")
    texts: dict[str, str] = {}
    for category, value in samples.items():
        if isinstance(value, bytes):
            texts[str(category)] = value.decode("utf-8", errors="replace")
            continue
        if isinstance(value, os.PathLike) or (isinstance(value, str) and _is_existing_path(value)):
            path = Path(value)
            if path.is_dir():
                files = sorted(p for p in path.rglob("*") if p.is_file())
                texts[str(category)] = "\n".join(_read_text_file(p) for p in files)
            elif path.is_file():
                texts[str(category)] = _read_text_file(path)
            else:
                raise ValueError(f"Sample path {path} for category {category!r} does not exist.")
            continue
        if not isinstance(value, str):
            raise ValueError(f"The sample for {category!r} must be text, a file or a folder, not {type(value).__name__}.")
        texts[str(category)] = value
    return texts


def count_pretokens(tokenizer, text: str) -> Counter:
    """Pre-token frequencies of ``text`` (bytes -> count) through the tokenizer's own pre-tokenizer.

    >>> import tokviz
    >>> count_pretokens(tokviz.load_tokenizer("cl100k_base"), "the cat the")[b" the"]
    1
    """
    counts: Counter = Counter()
    split_at_spaces = getattr(tokenizer, "merge_units", "bytes") == "chars"
    for piece in split_at_line_ends(text, _CHUNK_BYTES):
        pretokens = tokenizer.pretokenize(piece)
        if split_at_spaces:
            # SentencePiece BPE never merges across a word start: cut before every space (▁)
            pretokens = [word for pretoken in pretokens for word in _SPACE_START.split(pretoken) if word]
        counts.update(pretokens)
    return counts


# ---- words and merges as integer symbols ----------------------------------------------------
def _symbolize(counters: list[Counter], merges: list[tuple[bytes, bytes]], merge_units: str):
    """Union of all categories' pre-tokens as integer symbol sequences, plus merges as ids.

    Returns (flat symbols, word starts, word lengths, per-word category CSR (ptr, cat, count),
    merge (left, right, result) ids, symbol table list[bytes]).
    """
    word_index: dict[bytes, int] = {}
    for counter in counters:
        for word in counter:
            if len(word) and word not in word_index:
                word_index[word] = len(word_index)
    words = list(word_index)
    n_words = len(words)
    # per-word category counts, CSR
    cat_lists: list[list[tuple[int, int]]] = [[] for _ in range(n_words)]
    for cat, counter in enumerate(counters):
        for word, count in counter.items():
            if len(word):
                cat_lists[word_index[word]].append((cat, count))
    wc_ptr = np.zeros(n_words + 1, dtype=np.int64)
    wc_ptr[1:] = np.cumsum([len(x) for x in cat_lists])
    flat_pairs = [pair for x in cat_lists for pair in x]
    wc_cat = np.array([c for c, _ in flat_pairs], dtype=np.int64)
    wc_cnt = np.array([n for _, n in flat_pairs], dtype=np.int64)

    symbols: list[bytes] = []
    symbol_id: dict[bytes, int] = {}
    if merge_units == "bytes":
        symbols = [bytes([b]) for b in range(256)]
        symbol_id = {s: i for i, s in enumerate(symbols)}
        joined = b"".join(words)
        flat = np.frombuffer(joined, dtype=np.uint8).astype(np.int32)
        lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=n_words)
    elif merge_units == "chars":
        seqs: list[int] = []
        lengths = np.zeros(n_words, dtype=np.int64)
        for index, word in enumerate(words):
            chars = word.decode("utf-8", errors="surrogateescape")
            for char in chars:
                unit = char.encode("utf-8", errors="surrogateescape")
                sid = symbol_id.get(unit)
                if sid is None:
                    sid = symbol_id[unit] = len(symbols)
                    symbols.append(unit)
                seqs.append(sid)
            lengths[index] = len(chars)
        flat = np.asarray(seqs, dtype=np.int32)
    else:
        raise ValueError(f"merge_units must be 'bytes' or 'chars', not {merge_units!r}")
    starts = np.zeros(n_words, dtype=np.int64)
    if n_words:
        starts[1:] = np.cumsum(lengths)[:-1]

    def sid_of(unit: bytes) -> int:
        sid = symbol_id.get(unit)
        if sid is None:
            sid = symbol_id[unit] = len(symbols)
            symbols.append(unit)
        return sid

    n = len(merges)
    merge_left = np.empty(n, dtype=np.int64)
    merge_right = np.empty(n, dtype=np.int64)
    merge_result = np.empty(n, dtype=np.int64)
    for t, (left, right) in enumerate(merges):
        merge_left[t] = sid_of(left)
        merge_right[t] = sid_of(right)
        merge_result[t] = sid_of(left + right)
    return flat, starts, lengths, wc_ptr, wc_cat, wc_cnt, merge_left, merge_right, merge_result, symbols


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
def _replay_kernel(flat, starts, lengths, wc_ptr, wc_cat, wc_cnt, n_cats,
                   merge_left, merge_right, merge_result, n_symbols):
    """Apply merges in order; return per-step pair-count events aggregated by (pair, category)."""
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
            # expand to (pair * n_cats + cat, delta * count)
            total = 0
            for b in range(n_buf):
                total += wc_ptr[buf_word[b] + 1] - wc_ptr[buf_word[b]]
            keys = np.empty(total, dtype=np.int64)
            vals = np.empty(total, dtype=np.int64)
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
            # old pairs out
            needed = n_buf + 2 * n
            if needed > buf_pair.shape[0]:
                buf_pair = _grow_i64(buf_pair, needed)
                buf_word = _grow_i64(buf_word, needed)
                buf_delta = _grow_i64(buf_delta, needed)
            for k in range(n - 1):
                buf_pair[n_buf] = pair_map[sym[s + k] * mult + sym[s + k + 1]]
                buf_word[n_buf] = w
                buf_delta[n_buf] = -1
                n_buf += 1
            # merge left to right
            m = 0
            k = 0
            while k < n:
                if k < n - 1 and sym[s + k] == left and sym[s + k + 1] == right:
                    scratch[m] = result
                    k += 2
                else:
                    scratch[m] = sym[s + k]
                    k += 1
                m += 1
            for k in range(m):
                sym[s + k] = scratch[k]
            length[w] = m
            # new pairs in; index the word under pairs that hold the new symbol
            for k in range(m - 1):
                a = sym[s + k]
                b = sym[s + k + 1]
                npid, pair_keys = _pair_id(pair_map, a * mult + b, pair_keys, n_pairs)
                buf_pair[n_buf] = npid
                buf_word[n_buf] = w
                buf_delta[n_buf] = 1
                n_buf += 1
                if a == result or b == result:
                    head, node_word, node_next, n_nodes = _link_word(head, node_word, node_next, n_nodes,
                                                                     npid, w)
    return (ev_step[:n_ev].copy(), ev_pair[:n_ev].copy(), ev_cat[:n_ev].copy(), ev_delta[:n_ev].copy(),
            merge_pair, merge_counts, pair_keys[: n_pairs[0]].copy())


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

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "categories": np.array(self.categories, dtype=object).astype(str),
            "ev_step": self.ev_step, "ev_pair": self.ev_pair, "ev_cat": self.ev_cat,
            "ev_delta": self.ev_delta, "merge_pair": self.merge_pair,
            "merge_counts": self.merge_counts, "pair_totals": self.pair_totals,
            "byte_totals": self.byte_totals, "n_pairs": np.array([self.n_pairs]),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], merges: list[tuple[bytes, bytes]]) -> "Replay":
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
    (flat, starts, lengths, wc_ptr, wc_cat, wc_cnt,
     merge_left, merge_right, merge_result, symbols) = _symbolize(counter_list, merges, merge_units)
    n_cats = len(categories)
    ev_step, ev_pair, ev_cat, ev_delta, merge_pair, merge_counts, pair_keys = _replay_kernel(
        flat, starts, lengths, wc_ptr, wc_cat, wc_cnt, n_cats,
        merge_left, merge_right, merge_result, len(symbols) + 1,
    )
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


# ---- lazy constraint generation -----------------------------------------------------------------
@numba.njit(cache=True)
def _heap_swap(hkey, hpair, hver, i, j):
    hkey[i], hkey[j] = hkey[j], hkey[i]
    hpair[i], hpair[j] = hpair[j], hpair[i]
    hver[i], hver[j] = hver[j], hver[i]


@numba.njit(cache=True)
def _heap_push(hkey, hpair, hver, size, key, pair, ver):
    if size >= hkey.shape[0]:
        new_cap = hkey.shape[0] * 2
        k2 = np.empty(new_cap, dtype=np.float64)
        p2 = np.empty(new_cap, dtype=np.int64)
        v2 = np.empty(new_cap, dtype=np.int64)
        k2[:size] = hkey[:size]
        p2[:size] = hpair[:size]
        v2[:size] = hver[:size]
        hkey, hpair, hver = k2, p2, v2
    i = size
    hkey[i] = key
    hpair[i] = pair
    hver[i] = ver
    while i > 0:
        parent = (i - 1) >> 1
        if hkey[parent] >= hkey[i]:
            break
        _heap_swap(hkey, hpair, hver, parent, i)
        i = parent
    return hkey, hpair, hver, size + 1


@numba.njit(cache=True)
def _heap_pop(hkey, hpair, hver, size):
    size -= 1
    hkey[0] = hkey[size]
    hpair[0] = hpair[size]
    hver[0] = hver[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and hkey[left + 1] > hkey[left]:
            child = left + 1
        if hkey[i] >= hkey[child]:
            break
        _heap_swap(hkey, hpair, hver, child, i)
        i = child
    return size


@numba.njit(cache=True)
def _find_violations(step_ptr, ev_pair, ev_cat, ev_delta, n_pairs, weights, merge_pair, merge_counts,
                     slack_step, slack_pair, per_step, tolerance, rel_tolerance, constrained):
    """Sweep all steps with the current solution; return violated (step, pair, amount), <= per_step each.

    Also returns an upper bound on the full LP's optimum: with alpha and the pair slacks v_p held,
    each step needs ``v_t = max(0, max_{p != m(t)} (count_p - v_p) - count_{m(t)})``; the sum of
    those plus the sum of v_p is the objective of a solution feasible for every constraint.
    """
    n_merges = merge_pair.shape[0]
    mixed = np.zeros(n_pairs, dtype=np.float64)
    version = np.zeros(n_pairs, dtype=np.int64)
    for e in range(step_ptr[0], step_ptr[1]):
        mixed[ev_pair[e]] += weights[ev_cat[e]] * ev_delta[e]
    capacity = max(1024, 2 * n_pairs)
    hkey = np.empty(capacity, dtype=np.float64)
    hpair = np.empty(capacity, dtype=np.int64)
    hver = np.empty(capacity, dtype=np.int64)
    size = 0
    for p in range(n_pairs):
        if mixed[p] > 0:
            hkey, hpair, hver, size = _heap_push(hkey, hpair, hver, size, mixed[p] - slack_pair[p], p, 0)
    out_step = np.empty(1024, dtype=np.int64)
    out_pair = np.empty(1024, dtype=np.int64)
    out_amount = np.empty(1024, dtype=np.float64)
    n_out = 0
    held_key = np.empty(per_step + 4, dtype=np.float64)
    held_pair = np.empty(per_step + 4, dtype=np.int64)
    held_ver = np.empty(per_step + 4, dtype=np.int64)
    upper = 0.0  # sum over constrained steps of the slack v_t this solution needs, given v_p
    for t in range(n_merges):
        merged = 0.0
        for i in range(weights.shape[0]):
            merged += weights[i] * merge_counts[t, i]
        target = merged + slack_step[t]
        threshold = target + tolerance + rel_tolerance * abs(target)
        found = 0
        n_held = 0
        best = -np.inf  # max over pairs p != m(t) of (mixed count - v_p)
        while constrained[t] and size > 0:
            key = hkey[0]
            p = hpair[0]
            ver = hver[0]
            if ver != version[p]:
                size = _heap_pop(hkey, hpair, hver, size)
                continue
            if best > -np.inf and (key <= threshold or found >= per_step):
                break
            size = _heap_pop(hkey, hpair, hver, size)
            held_key[n_held] = key
            held_pair[n_held] = p
            held_ver[n_held] = ver
            n_held += 1
            if n_held == held_key.shape[0]:
                held_key = np.concatenate((held_key, np.empty(n_held, dtype=np.float64)))
                held_pair = np.concatenate((held_pair, np.empty(n_held, dtype=np.int64)))
                held_ver = np.concatenate((held_ver, np.empty(n_held, dtype=np.int64)))
            if p == merge_pair[t]:
                continue
            if best == -np.inf:
                best = key
            if key <= threshold:
                break
            if n_out >= out_step.shape[0]:
                out_step = _grow_i64(out_step, n_out + 1)
                out_pair = _grow_i64(out_pair, n_out + 1)
                grown = np.empty(out_step.shape[0], dtype=np.float64)
                grown[:n_out] = out_amount[:n_out]
                out_amount = grown
            out_step[n_out] = t
            out_pair[n_out] = p
            out_amount[n_out] = key - target
            n_out += 1
            found += 1
        if constrained[t] and best > merged:
            upper += best - merged
        for h in range(n_held):
            hkey, hpair, hver, size = _heap_push(hkey, hpair, hver, size, held_key[h], held_pair[h], held_ver[h])
        # apply merge t's changes
        for e in range(step_ptr[t + 1], step_ptr[t + 2]):
            p = ev_pair[e]
            mixed[p] += weights[ev_cat[e]] * ev_delta[e]
            version[p] += 1
            if mixed[p] > 0:
                hkey, hpair, hver, size = _heap_push(hkey, hpair, hver, size, mixed[p] - slack_pair[p], p, version[p])
        if size > 4 * n_pairs + 1_000_000:  # compact: drop stale entries
            live = 0
            for j in range(size):
                if hver[j] == version[hpair[j]]:
                    hkey[live] = hkey[j]
                    hpair[live] = hpair[j]
                    hver[live] = hver[j]
                    live += 1
            size = 0
            k2 = hkey[:live].copy()
            p2 = hpair[:live].copy()
            v2 = hver[:live].copy()
            for j in range(live):
                hkey, hpair, hver, size = _heap_push(hkey, hpair, hver, size, k2[j], p2[j], v2[j])
    return out_step[:n_out].copy(), out_pair[:n_out].copy(), out_amount[:n_out].copy(), upper


@numba.njit(cache=True)
def _pair_counts_at(run_ptr, run_cat, run_start, run_end, sorted_step, sorted_cum, steps, pairs, n_cats):
    """Counts per category of ``pairs[j]`` just before merge ``steps[j]`` (events with step <= t)."""
    out = np.zeros((steps.shape[0], n_cats), dtype=np.float64)
    for j in range(steps.shape[0]):
        t = steps[j]
        p = pairs[j]
        for r in range(run_ptr[p], run_ptr[p + 1]):
            lo = run_start[r]
            hi = run_end[r]
            # last index in [lo, hi) with sorted_step <= t
            if sorted_step[lo] > t:
                continue
            a = lo
            b = hi - 1
            while a < b:
                mid = (a + b + 1) >> 1
                if sorted_step[mid] <= t:
                    a = mid
                else:
                    b = mid - 1
            out[j, run_cat[r]] = sorted_cum[a]
    return out


class _PairCountIndex:
    """Events sorted by (pair, category, step) with running sums: any c_{i,p}^(t) in O(K log E)."""

    def __init__(self, replay: Replay):
        n_cats = len(replay.categories)
        order = np.lexsort((replay.ev_step, replay.ev_cat, replay.ev_pair))
        pair = replay.ev_pair[order]
        cat = replay.ev_cat[order]
        self.sorted_step = np.ascontiguousarray(replay.ev_step[order])
        delta = replay.ev_delta[order]
        run_key = pair * n_cats + cat
        boundaries = np.flatnonzero(np.diff(run_key)) + 1 if len(run_key) else np.zeros(0, np.int64)
        self.run_start = np.concatenate([[0], boundaries]).astype(np.int64) if len(run_key) else np.zeros(0, np.int64)
        self.run_end = np.concatenate([boundaries, [len(run_key)]]).astype(np.int64) if len(run_key) else np.zeros(0, np.int64)
        cumulative = np.cumsum(delta).astype(np.float64)
        offsets = np.zeros(len(delta), dtype=np.float64)
        if len(delta):
            before = np.concatenate([[0.0], cumulative])[self.run_start]
            offsets = np.repeat(before, self.run_end - self.run_start)
        self.sorted_cum = cumulative - offsets
        run_pair = pair[self.run_start] if len(run_key) else np.zeros(0, np.int64)
        self.run_cat = cat[self.run_start] if len(run_key) else np.zeros(0, np.int64)
        self.run_ptr = np.zeros(replay.n_pairs + 1, dtype=np.int64)
        np.add.at(self.run_ptr, run_pair + 1, 1)
        self.run_ptr = np.cumsum(self.run_ptr)
        self.n_cats = n_cats

    def counts(self, steps: np.ndarray, pairs: np.ndarray) -> np.ndarray:
        return _pair_counts_at(self.run_ptr, self.run_cat, self.run_start, self.run_end, self.sorted_step,
                               self.sorted_cum, steps.astype(np.int64), pairs.astype(np.int64), self.n_cats)


@dataclass
class MixtureSolution:
    """The LP's answer: pair-share weights, slacks and how the lazy generation went."""

    alpha: np.ndarray
    rounds: int
    constraints: int
    total_slack: float
    converged: bool
    seconds_per_round: list[float]
    seconds_in_highs: float = 0.0
    stopped: str = ""
    history: list = field(default_factory=list)  # alpha after each round
    gaps: list = field(default_factory=list)  # relative gap between the bounds after each round
    rows: tuple = ()  # (steps, pairs) of every constraint added, in order
    gap: float = float("inf")  # (upper - lower) / upper bound of the LP optimum when it stopped
    iterations: list = field(default_factory=list)  # simplex iterations per round


def solve_mixture(replay: Replay, per_step: int = 5, max_new_per_round: int = 20_000, max_rounds: int = 100,
                  tolerance: float = 1e-7, rel_tolerance: float = 1e-4, max_seconds: float = 180.0,
                  skip_merges: int = 0,
                  forget_after: int = 3, keep_rows: int = 20_000, skip_absent: bool = True,
                  gap_tolerance: float = 0.01, progress: Progress | None = None) -> MixtureSolution:
    """Solve the mixture LP by lazy constraint generation with HiGHS (warm-started each round).

    Each round sweeps all steps with the current solution, adds the violated constraints (at
    most ``per_step`` per step, the ``max_new_per_round`` most violated in all) and re-solves.
    The sweep also bounds the full LP's optimum from above (the current weights and pair slacks,
    with each step's slack raised until every constraint holds), while the restricted LP bounds
    it from below. It stops, ``converged``, when no constraint is violated or when the relative
    gap between the bounds is at most ``gap_tolerance`` (the estimate's objective is then within
    that fraction of the optimum); otherwise at ``max_rounds`` / ``max_seconds``, returning the
    weights with the best upper bound seen.
    With ``skip_merges`` the first merges are replayed but not constrained: the estimate is of
    the data that chose the later merges (e.g. Llama 3's additions to cl100k_base). With
    ``skip_absent`` (default) a merge whose pair no sample holds when it is chosen is not
    constrained either: it only shows that the training data held words the samples lack.
    """
    import highspy

    n_cats = len(replay.categories)
    n_merges = replay.num_merges
    totals = np.where(replay.pair_totals > 0, replay.pair_totals, 1.0)
    normalized_merge = replay.merge_counts / totals  # c~_{i,m(t)}^(t)
    # c~ are tiny (counts / pair totals); scale them so the largest is 1, far above HiGHS's
    # absolute tolerances. The scale multiplies every row and the objective alike: alpha is unchanged.
    peak = float(normalized_merge.max()) if normalized_merge.size else 0.0
    scale = 1.0 / peak if peak > 0 else 1.0
    totals = totals / scale
    normalized_merge = normalized_merge * scale
    step_ptr = np.searchsorted(replay.ev_step, np.arange(n_merges + 2), side="left").astype(np.int64)
    index = _PairCountIndex(replay)
    # A merge whose pair no sample holds when it is chosen says nothing about the weights (the
    # training data held words the samples lack); constraining it would only reward the weights
    # with the flattest pair counts. Such steps are left out, as in the paper's code.
    constrained = np.arange(n_merges) >= skip_merges
    if skip_absent:
        constrained &= replay.merge_counts.sum(axis=1) > 0

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("primal_feasibility_tolerance", 1e-9)
    highs.setOptionValue("dual_feasibility_tolerance", 1e-9)
    highs.setOptionValue("presolve", "off")  # keep each round's basis: a warm dual-simplex restart
    inf = highspy.kHighsInf
    # columns: alpha (K), v_t (T); v_p columns are added when a pair first appears
    highs.addCols(n_cats, np.zeros(n_cats), np.zeros(n_cats), np.full(n_cats, inf), 0,
                  np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
    if n_merges:
        highs.addCols(n_merges, np.ones(n_merges), np.zeros(n_merges), np.full(n_merges, inf), 0,
                      np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
    highs.addRow(1.0, 1.0, n_cats, np.arange(n_cats, dtype=np.int32), np.ones(n_cats))
    pair_column: dict[int, int] = {}
    n_columns = n_cats + n_merges
    # start from equal weights
    alpha = np.full(n_cats, 1.0 / n_cats)
    slack_step = np.zeros(n_merges)
    slack_pair = np.zeros(replay.n_pairs)
    total_constraints = 0
    round_seconds: list[float] = []
    converged = False
    seen: set[tuple[int, int]] = set()
    rounds = 0
    solve_seconds = 0.0
    history: list[np.ndarray] = []
    gaps: list[float] = []
    iterations: list[int] = []
    row_keys: list[tuple[int, int]] = []  # (step, pair) of LP rows 1.. (row 0 is sum(alpha) = 1)
    idle = np.zeros(0, dtype=np.int64)  # rounds each row has been slack in a row
    added_steps: list[np.ndarray] = []
    added_pairs: list[np.ndarray] = []
    best_upper, best_alpha, best_gap, lower = np.inf, alpha.copy(), np.inf, 0.0
    stopped = "round limit"
    lp_started = time.perf_counter()
    gap = np.inf
    solves = 0
    while True:
        started = time.perf_counter()
        weights = alpha / totals
        steps, pairs, amounts, upper = _find_violations(
            step_ptr, replay.ev_pair, replay.ev_cat, replay.ev_delta, replay.n_pairs, weights,
            replay.merge_pair, replay.merge_counts, slack_step, slack_pair, per_step, tolerance, rel_tolerance,
            constrained,
        )
        upper += float(slack_pair.sum())
        if solves:
            # the restricted LP's optimum (lower) bounds the full LP's from below; this solution
            # made feasible for every constraint (upper) bounds it from above
            gap = max(0.0, upper - lower) / upper if upper > 0 else 0.0
            gaps.append(gap)
            if upper < best_upper:
                best_upper, best_alpha, best_gap = upper, alpha.copy(), gap
        if len(steps):
            keep = np.array([(int(t), int(p)) not in seen for t, p in zip(steps, pairs)], dtype=bool)
            steps, pairs, amounts = steps[keep], pairs[keep], amounts[keep]
        if len(steps) == 0:
            converged, stopped, gap, best_upper = True, "no violated constraint", 0.0, upper
            round_seconds.append(time.perf_counter() - started)
            break
        if solves and gap <= gap_tolerance:
            converged, stopped, best_upper = True, "within gap", upper
            round_seconds.append(time.perf_counter() - started)
            break
        if solves and (solves >= max_rounds or time.perf_counter() - lp_started > max_seconds):
            stopped = "round limit" if solves >= max_rounds else "time limit"
            alpha, gap = best_alpha, best_gap  # the best solution seen, by its upper bound
            round_seconds.append(time.perf_counter() - started)
            break
        solves += 1
        if len(steps) > max_new_per_round:
            top = np.argpartition(-amounts, max_new_per_round)[:max_new_per_round]
            steps, pairs = steps[top], pairs[top]
        seen.update(zip(steps.tolist(), pairs.tolist()))
        added_steps.append(steps)
        added_pairs.append(pairs)
        pair_counts = index.counts(steps, pairs) / totals  # c~_{i,p}^(t)
        coefficients = normalized_merge[steps] - pair_counts  # (n, K)
        new_pairs = [int(p) for p in dict.fromkeys(pairs.tolist()) if int(p) not in pair_column]
        if new_pairs:
            count = len(new_pairs)
            highs.addCols(count, np.ones(count), np.zeros(count), np.full(count, inf), 0,
                          np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
            for offset, p in enumerate(new_pairs):
                pair_column[p] = n_columns + offset
            n_columns += count
        n_rows = len(steps)
        width = n_cats + 2
        indices = np.empty((n_rows, width), dtype=np.int32)
        indices[:, :n_cats] = np.arange(n_cats)
        indices[:, n_cats] = n_cats + steps
        indices[:, n_cats + 1] = np.array([pair_column[int(p)] for p in pairs], dtype=np.int32)
        values = np.empty((n_rows, width))
        values[:, :n_cats] = coefficients
        values[:, n_cats:] = 1.0
        starts = np.arange(n_rows, dtype=np.int32) * width
        highs.addRows(n_rows, np.zeros(n_rows), np.full(n_rows, inf), n_rows * width, starts,
                      indices.ravel(), values.ravel())
        total_constraints += n_rows
        row_keys.extend(zip(steps.tolist(), pairs.tolist()))
        idle = np.concatenate([idle, np.zeros(n_rows, dtype=np.int64)])
        solve_started = time.perf_counter()
        highs.run()
        solve_seconds += time.perf_counter() - solve_started
        lower = float(highs.getInfo().objective_function_value)
        iterations.append(int(highs.getInfo().simplex_iteration_count))
        # drop constraints that stayed slack for `forget_after` rounds: the LP stays small, so each
        # warm re-solve stays cheap; a dropped constraint may come back if it is violated again
        activity = np.asarray(highs.getSolution().row_value)[1:]
        idle = np.where(activity > 1e-7, idle + 1, 0)
        stale = np.flatnonzero(idle >= forget_after)
        if len(stale) and len(row_keys) > keep_rows:
            highs.deleteRows(len(stale), (stale + 1).astype(np.int32))
            for position in stale.tolist():
                seen.discard(row_keys[position])
            keep = np.ones(len(row_keys), dtype=bool)
            keep[stale] = False
            row_keys = [key for key, kept in zip(row_keys, keep) if kept]
            idle = idle[keep]
        solution = np.asarray(highs.getSolution().col_value)
        alpha = np.clip(solution[:n_cats], 0.0, None)
        alpha = alpha / alpha.sum() if alpha.sum() > 0 else np.full(n_cats, 1.0 / n_cats)
        history.append(alpha.copy())
        slack_step = solution[n_cats:n_cats + n_merges].copy()
        slack_pair = np.zeros(replay.n_pairs)
        for p, column in pair_column.items():
            slack_pair[p] = solution[column]
        round_seconds.append(time.perf_counter() - started)
        if progress is not None:
            shown = f", gap {gap:.1%}" if np.isfinite(gap) else ""
            progress("lp", min(1.0, solves / max_rounds),
                     f"LP round {solves}: {n_rows:,} new constraints ({total_constraints:,} in all{shown})")
    rounds = solves
    objective = best_upper if np.isfinite(best_upper) else float(slack_step.sum() + slack_pair.sum())
    total_slack = float(objective / scale)  # in the units of c~ (counts / pair totals)
    return MixtureSolution(alpha=alpha, rounds=rounds, constraints=total_constraints, total_slack=total_slack,
                           gap=float(gap), converged=converged, seconds_per_round=round_seconds,
                           seconds_in_highs=solve_seconds, stopped=stopped, history=history, gaps=gaps,
                           iterations=iterations,
                           rows=(np.concatenate(added_steps) if added_steps else np.zeros(0, np.int64),
                                 np.concatenate(added_pairs) if added_pairs else np.zeros(0, np.int64)))


# ---- the public entry point --------------------------------------------------------------------
def _resolve_tokenizer(tokenizer):
    if hasattr(tokenizer, "pretokenize") and hasattr(tokenizer, "merges"):
        return tokenizer
    import tokviz

    return tokviz.load_tokenizer(tokenizer)


def _tokenizer_merges(tokenizer, num_merges: int | None) -> list[tuple[bytes, bytes]]:
    try:
        merges = list(tokenizer.merges())
    except ValueError as exc:
        raise ValueError(
            f"Mixture inference needs a BPE merge list: {exc}"
        ) from None
    if not merges:
        raise ValueError(f"{tokenizer.name} has an empty merge list; mixture inference needs a BPE tokenizer.")
    if num_merges is not None:
        if int(num_merges) < 1:
            raise ValueError(f"num_merges must be at least 1 (got {num_merges}); use None for all merges.")
        merges = merges[: int(num_merges)]
    return merges


def _replay_cached(tokenizer, texts: dict[str, str], merges, progress: Progress | None) -> tuple[Replay, dict]:
    from .cache import disk_cached_arrays, stable_hash

    seconds: dict[str, float] = {}
    key = {
        "v": 1,
        "tokenizer": getattr(tokenizer, "identity", "") or tokenizer.name,
        "name": tokenizer.name,
        "merges": stable_hash(b"".join(a + b"\x00" + b + b"\x01" for a, b in merges)),
        "units": getattr(tokenizer, "merge_units", "bytes"),
        "samples": {c: stable_hash(t) for c, t in texts.items()},
    }
    hit = {"computed": False}

    def compute() -> dict[str, np.ndarray]:
        hit["computed"] = True
        started = time.perf_counter()
        counters: dict[str, Counter] = {}
        for number, (category, text) in enumerate(texts.items()):
            if progress is not None:
                progress("counting", number / len(texts), f"Counting pre-tokens of {category}")
            counters[category] = count_pretokens(tokenizer, text)
        seconds["counting"] = time.perf_counter() - started
        if progress is not None:
            progress("replay", 0.0, f"Replaying {len(merges):,} merges over {len(texts)} categories")
        replay = replay_merges(counters, merges, getattr(tokenizer, "merge_units", "bytes"))
        seconds["replay"] = replay.seconds["replay"]
        return replay.to_arrays()

    arrays = disk_cached_arrays("mixture-replay", key, compute)
    if not hit["computed"]:
        seconds["cache"] = 0.0
    return Replay.from_arrays(arrays, merges), seconds


def merge_timeline(replay: Replay, alpha: np.ndarray | None = None, first: int = 60) -> pd.DataFrame:
    """For the first merges: how much each category held of the merged pair when it was chosen.

    Columns: ``step``, ``merge`` (display text), one column per category with that category's
    share of the (alpha-weighted, normalised) count, and ``top`` (the category it most likely
    came from).
    """
    from .segment import display_text

    n = min(first, replay.num_merges)
    totals = np.where(replay.pair_totals > 0, replay.pair_totals, 1.0)
    weights = np.ones(len(replay.categories)) if alpha is None else np.asarray(alpha, dtype=float)
    contribution = replay.merge_counts[:n] / totals * weights
    sums = contribution.sum(axis=1, keepdims=True)
    share = np.divide(contribution, sums, out=np.zeros_like(contribution), where=sums > 0)
    frame = pd.DataFrame(share, columns=replay.categories)
    frame.insert(0, "merge", [f"{display_text(a)} + {display_text(b)}" for a, b in replay.merges[:n]])
    frame.insert(0, "step", np.arange(n))
    frame["top"] = [replay.categories[i] if s > 0 else "" for i, s in zip(share.argmax(axis=1), sums[:, 0])]
    return frame


def infer_mixture(tokenizer, samples, num_merges: int | None = None, unit: str = "bytes",
                  progress: Progress | None = None, max_rounds: int = 100,
                  max_seconds: float = 180.0, skip_merges: int = 0, lp_options: dict | None = None) -> pd.Series:
    """Infer the category proportions of a BPE tokenizer's training data from its merge order.

    Parameters
    ----------
    tokenizer : str, path or TokenizerView
        Anything ``tokviz.load_tokenizer`` accepts (catalog name, tokenizer.json path, ...).
    samples : dict or folder
        ``{category: text, file or folder}`` or a folder of ``<category>.txt``; about 1 MB per
        category is a good size, below 10 KB the estimate is weak (a warning is recorded).
    num_merges : int, optional
        How many of the first merges to use (default: all). 3000 gives a quick estimate; the
        paper uses 30000.
    skip_merges : int
        Replay but do not constrain the first merges: infer the mixture behind merges
        ``skip_merges .. num_merges`` only (the paper's Llama 3 analysis uses 100000).
    unit : {"bytes", "pairs"}
        "bytes": share of training bytes (default); "pairs": the LP's pair-count weights.
    progress : callable(stage, fraction, message), optional
        Called as the stages (counting, replay, lp) advance.
    max_rounds, max_seconds : LP limits; past them the best estimate so far comes back with a warning.
    lp_options : dict, optional
        More keyword arguments of :func:`solve_mixture` (per_step, max_new_per_round, ...).

    Returns
    -------
    pandas.Series of shares summing to 1, indexed by category, sorted descending; ``.attrs``
    holds diagnostics: rounds, constraints, total_slack, gap (the LP objective's proven distance
    from the optimum, relative), converged (no violated constraint left, or gap within 1%),
    stopped (why the LP stopped: "no violated constraint", "within gap", "round limit",
    "time limit"), absent_merges (merges no sample holds, left unconstrained), seconds (per stage),
    warnings, num_merges, unit, tokenizer, timeline (first merges; dict of lists).

    >>> import tokviz
    >>> shares = infer_mixture("cl100k_base", {"en": eng_text, "py": py_text}, num_merges=3000)  # doctest: +SKIP
    >>> round(shares.sum(), 6)                                                                   # doctest: +SKIP
    1.0
    """
    if unit not in ("bytes", "pairs"):
        raise ValueError(f"unit must be 'bytes' or 'pairs', not {unit!r}.")
    texts = read_samples(samples)
    if not texts:
        raise ValueError("No categories given: pass at least two categories of sample text.")
    warnings: list[str] = []
    empty = [c for c, t in texts.items() if not t.strip()]
    if empty:
        raise ValueError(f"The sample of {', '.join(map(repr, empty))} is empty; give each category some text "
                         "(about 1 MB is good) or leave it out.")
    if len(texts) < 2:
        raise ValueError("Mixture inference needs at least two categories to compare; add another sample.")
    for category, text in texts.items():
        size = len(text.encode("utf-8"))
        if size < MIN_SAMPLE_BYTES:
            warnings.append(f"The sample of {category!r} is only {size:,} bytes; below 10 KB the estimate is "
                            "unreliable (about 1 MB per category is good).")
    started = time.perf_counter()
    tok = _resolve_tokenizer(tokenizer)
    merges = _tokenizer_merges(tok, num_merges)
    seconds: dict[str, float] = {"load": time.perf_counter() - started}
    replay, stage_seconds = _replay_cached(tok, texts, merges, progress)
    seconds.update(stage_seconds)
    if progress is not None:
        progress("lp", 0.0, "Solving the linear program")
    started = time.perf_counter()
    if not 0 <= skip_merges < replay.num_merges:
        raise ValueError(f"skip_merges must be between 0 and {replay.num_merges - 1} (the merges used).")
    solution = solve_mixture(replay, max_rounds=max_rounds, max_seconds=max_seconds, skip_merges=skip_merges,
                             progress=progress, **(lp_options or {}))
    seconds["lp"] = time.perf_counter() - started
    if solution.stopped in ("round limit", "time limit"):
        limit = f"{max_rounds} rounds" if solution.stopped == "round limit" else f"{max_seconds:.0f} s"
        bound = f" (its objective is within {solution.gap:.0%} of the optimum)" if np.isfinite(solution.gap) else ""
        warnings.append(f"The linear program did not converge within {limit}{bound}; this is the best estimate "
                        "so far (try fewer merges or fewer categories).")
    alpha = solution.alpha
    if unit == "bytes":
        totals = np.where(replay.pair_totals > 0, replay.pair_totals, 1.0)
        raw = alpha * replay.byte_totals / totals
        shares = raw / raw.sum() if raw.sum() > 0 else alpha
    else:
        shares = alpha
    series = pd.Series(shares, index=pd.Index(replay.categories, name="category"), name="share")
    series = series.sort_values(ascending=False)
    timeline = merge_timeline(replay, alpha)
    series.attrs = {
        "tokenizer": tok.name,
        "num_merges": replay.num_merges,
        "skip_merges": skip_merges,
        "unit": unit,
        "rounds": solution.rounds,
        "constraints": solution.constraints,
        "total_slack": solution.total_slack,
        "gap": solution.gap,
        "converged": solution.converged,
        "stopped": solution.stopped,
        "seconds": seconds,
        "warnings": warnings,
        "pair_shares": dict(zip(replay.categories, alpha.tolist())),
        "absent_merges": int((replay.merge_counts.sum(axis=1) == 0).sum()),
        "sample_bytes": dict(zip(replay.categories, replay.byte_totals.tolist())),
        "timeline": timeline.to_dict(orient="list"),
    }
    if progress is not None:
        progress("done", 1.0, f"Done: {solution.rounds} LP rounds, {solution.constraints:,} constraints")
    return series


# ---- CLI --------------------------------------------------------------------------------------
def _cli(args: argparse.Namespace) -> int:
    shares = infer_mixture(args.name, args.samples, num_merges=args.merges, unit=args.unit)
    payload = {
        "tokenizer": shares.attrs["tokenizer"],
        "num_merges": shares.attrs["num_merges"],
        "unit": args.unit,
        "shares": {k: float(v) for k, v in shares.items()},
        "diagnostics": {k: shares.attrs[k] for k in ("rounds", "constraints", "total_slack", "gap", "converged",
                                                     "stopped", "seconds", "warnings")},
    }
    text = json.dumps(payload, indent=2)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


def register_cli(subparsers) -> None:
    """Add ``mixture NAME --samples DIR [--merges N] [--json OUT]`` to the tokviz CLI."""
    parser = subparsers.add_parser(
        "mixture", help="infer the training-data mixture of a BPE tokenizer (Hayase et al. 2024)",
        description="Infer the category proportions of a BPE tokenizer's training data from its merge order.",
    )
    parser.add_argument("name", help="tokenizer: catalog name, tokenizer.json path or hf:org/repo")
    parser.add_argument("--samples", required=True, help="folder of <category>.txt files (about 1 MB each)")
    parser.add_argument("--merges", type=int, default=None, help="use only the first N merges (default: all)")
    parser.add_argument("--unit", choices=("bytes", "pairs"), default="bytes", help="report byte or pair shares")
    parser.add_argument("--json", default=None, help="also write the JSON result to this file")
    parser.set_defaults(func=_cli)


GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def train_controlled_bpe(texts, num_merges: int, path) -> str:
    """Train an HF byte-level BPE as the paper's controlled tokenizers are made; return its path.

    Digits split individually, then the GPT-2 regex, then byte-level; ``texts`` is any iterable
    of strings (repeat a text to weight its category). Used by the exact-recovery test and
    ``bench/mixture_controlled.py``.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.Split(Regex(GPT2_PATTERN), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=256 + num_merges, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer)
    tokenizer.save(str(path))
    return str(path)
