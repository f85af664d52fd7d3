"""Separation for the mixture LP: which constraints does a candidate solution violate?

Sweeping the merge steps in order with the mixed pair counts of the current weights in a heap
(:func:`find_violations`) finds, per step, the pairs counted above the merge that was chosen; it
also bounds the full LP's optimum from above. :class:`PairCounts` answers any ``c_{i,p}^(t)`` (a
pair's count per category just before merge ``t``) from the replay's events, to build the rows.
"""
from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from .replay import Replay, _grow_i64

__all__ = ["Violations", "find_violations", "PairCounts"]


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
def _find_violations(step_ptr, ev_pair, ev_cat, ev_delta, n_pairs, weights,  # long: see find_violations
                     merge_pair, merge_counts, slack_step, slack_pair, per_step, tolerance, rel_tolerance,
                     constrained):
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


class PairCounts:
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
        empty = np.zeros(0, np.int64)
        self.run_start = np.concatenate([[0], boundaries]).astype(np.int64) if len(run_key) else empty
        self.run_end = np.concatenate([boundaries, [len(run_key)]]).astype(np.int64) if len(run_key) else empty
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



class Violations(NamedTuple):
    """Violated rows found by a sweep, and the upper bound it proves."""

    steps: np.ndarray  # (n,) merge step t of each violated row
    pairs: np.ndarray  # (n,) pair id p
    amounts: np.ndarray  # (n,) by how much the row is violated
    upper: float  # sum over constrained steps of the slack v_t the candidate needs (v_p not included)


def find_violations(replay: Replay, weights: np.ndarray, slack_step: np.ndarray, slack_pair: np.ndarray,
                    constrained: np.ndarray, per_step: int, tolerance: float, rel_tolerance: float) -> Violations:
    """Sweep every step with the candidate ``weights`` (alpha / pair totals) and slacks; at most ``per_step`` per step.

    Also bounds the full LP's optimum from above: with alpha and the pair slacks v_p held, each step
    needs ``v_t = max(0, max_{p != m(t)} (count_p - v_p) - count_{m(t)})``; the sum of those (returned
    as ``upper``) plus the sum of v_p is the objective of a solution feasible for every constraint.
    """
    steps, pairs, amounts, upper = _find_violations(
        replay.step_ptr, replay.ev_pair, replay.ev_cat, replay.ev_delta, replay.n_pairs, weights, replay.merge_pair,
        replay.merge_counts, slack_step, slack_pair, per_step, tolerance, rel_tolerance, constrained)
    return Violations(steps, pairs, amounts, float(upper))

