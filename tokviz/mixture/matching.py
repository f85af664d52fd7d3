"""The mixture LP at fixed weights, solved exactly: a maximum-weight matching of merge steps and pairs.

With the weights ``alpha`` held, what is left of the LP (:mod:`.lp`) is::

    f(alpha) = min  sum_t v_t + sum_p v_p   s.t.  v_t + v_p >= w_tp(alpha),  v >= 0,

with ``w_tp = mixed count of pair p - mixed count of the merge m(t)`` before step ``t``. That is a
fractional vertex cover of the bipartite graph of steps and pairs, and by LP duality
(König–Egerváry) its value equals the maximum weight of a matching of steps to pairs. ``f(alpha)`` is
the full LP's objective at ``alpha`` with the best slacks, so it bounds the LP's optimum from above;
and the matched ``(step, pair)`` edges are the constraints that decide ``f`` there, the ones worth
adding to the restricted LP.

A pair's counts change only at a few steps, so its edges come in *segments*: steps ``[l, r)`` over
which ``w_tp = b_ps - a_t`` with one ``b_ps``. The matching is solved as a min-cost flow (OR-tools)
in which each segment reaches its steps through the O(log T) nodes of a segment tree over the steps
that tile ``[l, r)``: some millions of arcs instead of the hundreds of millions of explicit edges.
"""
from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from .replay import Replay, _grow_i64

__all__ = ["Matching", "best_matching"]


@numba.njit(cache=True)
def _sparse_table(values):
    """Range-minimum table: row k holds the minimum of ``values[i : i + 2**k]``."""
    n = values.shape[0]
    levels = 1
    while (1 << levels) <= n:
        levels += 1
    table = np.empty((levels, n), dtype=np.float64)
    table[0] = values
    for k in range(1, levels):
        half = 1 << (k - 1)
        for i in range(n - (1 << k) + 1):
            a = table[k - 1, i]
            b = table[k - 1, i + half]
            table[k, i] = a if a < b else b
    return table


@numba.njit(cache=True)
def _range_min(table, lo, hi):
    """min(values[lo:hi]) for hi > lo."""
    k = 0
    while (1 << (k + 1)) <= hi - lo:
        k += 1
    a = table[k, lo]
    b = table[k, hi - (1 << k)]
    return a if a < b else b


@numba.njit(cache=True)
def _positive_segments(step_ptr, ev_pair, ev_cat, ev_delta, n_pairs, weights, level, merge_pair):
    """Every (pair, segment) with an edge of positive weight: pair, steps [lo, hi), its mixed count b.

    ``level[t]`` is the mixed count of merge ``t`` (``inf`` where step ``t`` is not constrained); a
    segment is kept when ``b > min(level[lo:hi])``. Step ``t`` where the pair itself is merged is
    left out of its last segment (the row ``p = m(t)`` does not exist).
    """
    n_steps = level.shape[0]
    table = _sparse_table(level)
    mixed = np.zeros(n_pairs)
    start = np.zeros(n_pairs, dtype=np.int64)
    last = np.full(n_pairs, -1, dtype=np.int64)
    cap = 1 << 16
    o_pair = np.empty(cap, np.int64)
    o_lo = np.empty(cap, np.int64)
    o_hi = np.empty(cap, np.int64)
    o_b = np.empty(cap, np.float64)
    n = 0
    n_events = step_ptr.shape[0] - 1
    for e in range(n_events + 1):  # e == n_events: the end, where every open segment closes
        first = step_ptr[e] if e < n_events else 0
        count = step_ptr[e + 1] - first if e < n_events else n_pairs
        for j in range(count):
            p = ev_pair[first + j] if e < n_events else j
            if last[p] != e:  # p's first event at e closes its segment [start[p], e)
                if last[p] >= 0 and mixed[p] > 0:
                    lo = start[p]
                    hi = min(e, n_steps)
                    if hi > lo and merge_pair[hi - 1] == p:
                        hi -= 1
                    if hi > lo and mixed[p] > _range_min(table, lo, hi):
                        if n == o_b.shape[0]:
                            grown = np.empty(2 * n, np.float64)
                            grown[:n] = o_b
                            o_b = grown
                        o_pair = _grow_i64(o_pair, n + 1)
                        o_lo = _grow_i64(o_lo, n + 1)
                        o_hi = _grow_i64(o_hi, n + 1)
                        o_pair[n] = p
                        o_lo[n] = lo
                        o_hi[n] = hi
                        o_b[n] = mixed[p]
                        n += 1
                last[p] = e
                start[p] = e
            if e < n_events:
                mixed[p] += weights[ev_cat[first + j]] * ev_delta[first + j]
    return o_pair[:n].copy(), o_lo[:n].copy(), o_hi[:n].copy(), o_b[:n].copy()


@numba.njit(cache=True)
def _tiling_arcs(los, his, n_steps, seg_base, tree_base):
    """Arcs segment -> each segment-tree node of the canonical tiling of its steps [lo, hi)."""
    tail = np.empty(max(16, 4 * los.shape[0]), np.int64)
    head = np.empty(tail.shape[0], np.int64)
    k = 0
    for j in range(los.shape[0]):
        lo = los[j] + n_steps
        hi = his[j] + n_steps
        while lo < hi:
            tail = _grow_i64(tail, k + 2)
            head = _grow_i64(head, k + 2)
            if lo & 1:
                tail[k] = seg_base + j
                head[k] = tree_base + lo
                k += 1
                lo += 1
            if hi & 1:
                hi -= 1
                tail[k] = seg_base + j
                head[k] = tree_base + hi
                k += 1
            lo >>= 1
            hi >>= 1
    return tail[:k].copy(), head[:k].copy()


@numba.njit(cache=True)
def _push_down(n_steps, seg_node, seg_id, left_flow):
    """Decompose the tree flow: which segment reaches each leaf. Returns (step, segment) per matched leaf.

    Segments enter the tree at their tiling nodes (``seg_node``); a node's segments all cover its
    whole subtree, so any split between the children that respects the arc flows is a valid path
    decomposition. Nodes are visited parents first (a parent's index is below its children's).
    """
    size = 2 * n_steps
    heads = np.full(size, -1, np.int64)  # per node a linked list of the segments held there, over one pool
    pool_seg = seg_id.copy()
    pool_next = np.empty(seg_node.shape[0], np.int64)
    for j in range(seg_node.shape[0]):
        pool_next[j] = heads[seg_node[j]]
        heads[seg_node[j]] = j
    out_step = np.empty(n_steps, np.int64)
    out_seg = np.empty(n_steps, np.int64)
    n_out = 0
    for node in range(1, size):
        item = heads[node]
        if item < 0:
            continue
        if node >= n_steps:  # a leaf: one unit of flow, one segment
            out_step[n_out] = node - n_steps
            out_seg[n_out] = pool_seg[item]
            n_out += 1
            continue
        to_left = left_flow[node - 1]  # the rest goes right (flow is conserved at the node)
        while item >= 0:
            nxt = pool_next[item]
            child = 2 * node if to_left > 0 else 2 * node + 1
            to_left -= 1
            pool_next[item] = heads[child]
            heads[child] = item
            item = nxt
    return out_step[:n_out].copy(), out_seg[:n_out].copy()


class Matching(NamedTuple):
    """The best matching at fixed weights: its value ``f(alpha)`` and the matched edges."""

    value: float  # max matching weight = min cover = the LP's objective at these weights (bounds the optimum above)
    steps: np.ndarray  # (n,) step of each matched edge
    pairs: np.ndarray  # (n,) pair of each matched edge
    weights: np.ndarray  # (n,) w_tp of each matched edge (they sum to ``value`` up to rounding)
    arcs: int  # size of the flow network solved


def best_matching(replay: Replay, weights: np.ndarray, constrained: np.ndarray) -> Matching:
    """Solve the LP at fixed ``weights`` (alpha / pair totals) exactly: the maximum-weight matching of steps and pairs.

    ``value`` is a guaranteed upper bound of the full LP's objective at these weights: the costs are
    rounded to integers for the flow solver, and the rounding's largest possible effect is added.

    >>> from collections import Counter
    >>> from tokviz.mixture.replay import replay_merges
    >>> replay = replay_merges({"x": Counter({b"abab": 3}), "y": Counter({b"cdcd": 5})}, [(b"a", b"b")])
    >>> found = best_matching(replay, np.array([0.5, 0.5]), np.array([True]))
    >>> # at step 0 "cd" (0.5 x 10) outweighs the merge "ab" (0.5 x 6) by 2: one edge, step 0 to "cd"
    >>> round(found.value, 6), found.steps.tolist(), round(float(found.weights.sum()), 6)
    (2.0, [0], 2.0)
    """
    from ortools.graph.python import min_cost_flow

    n_steps = replay.num_merges
    merged = replay.merge_counts @ weights
    level = np.where(constrained, merged, np.inf)
    pairs, los, his, b = _positive_segments(replay.step_ptr, replay.ev_pair, replay.ev_cat, replay.ev_delta,
                                            replay.n_pairs, weights, level, replay.merge_pair)
    empty = np.zeros(0, np.int64)
    if not len(pairs):
        return Matching(0.0, empty, empty, np.zeros(0), 0)
    pair_ids, pair_node = np.unique(pairs, return_inverse=True)
    n_pair_nodes, n_segments = len(pair_ids), len(pairs)
    seg_base, tree_base = n_pair_nodes, n_pair_nodes + n_segments
    sink = tree_base + 2 * n_steps
    top = float(b.max())
    # integer costs: |cost| * (nodes + 1) must fit in int64 for the cost-scaling solver
    bits = min(40, 61 - int(np.ceil(np.log2(sink + 2))))
    scale = float(2 ** bits) / top
    tile_tail, tile_head = _tiling_arcs(los, his, n_steps, seg_base, tree_base)
    parents = np.arange(1, n_steps)
    leaves = np.flatnonzero(constrained & (merged < top))  # a leaf costing more than any b is never matched
    parts = [  # (tails, heads, capacity, cost)
        (np.arange(n_pair_nodes), np.full(n_pair_nodes, sink), 1, np.zeros(n_pair_nodes)),  # pair left unmatched
        (pair_node, seg_base + np.arange(n_segments), 1, -np.round(b * scale)),  # pair -> one of its segments
        (tile_tail, tile_head, 1, np.zeros(len(tile_tail))),
        (tree_base + parents, tree_base + 2 * parents, n_pair_nodes, np.zeros(len(parents))),
        (tree_base + parents, tree_base + 2 * parents + 1, n_pair_nodes, np.zeros(len(parents))),
        (tree_base + n_steps + leaves, np.full(len(leaves), sink), 1, np.round(merged[leaves] * scale)),  # step t
    ]
    offsets = np.cumsum([0] + [len(part[0]) for part in parts])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([part[0] for part in parts]).astype(np.int32),
        np.concatenate([part[1] for part in parts]).astype(np.int32),
        np.concatenate([np.full(len(part[0]), part[2]) for part in parts]).astype(np.int64),
        np.concatenate([part[3] for part in parts]).astype(np.int64))
    supplies = np.zeros(sink + 1, np.int64)
    supplies[:n_pair_nodes] = 1
    supplies[sink] = -n_pair_nodes
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"The min-cost flow solver stopped with status {status}, not optimal.")
    arc_flow = flow.flows(np.arange(offsets[-1], dtype=np.int32))
    tiled = arc_flow[offsets[2]:offsets[3]] > 0
    steps, segments = _push_down(n_steps, (tile_head[tiled] - tree_base).astype(np.int64),
                                 (tile_tail[tiled] - seg_base).astype(np.int64),
                                 arc_flow[offsets[3]:offsets[4]].astype(np.int64))
    edge_weights = b[segments] - merged[steps]
    # rounding: each of at most min(steps, pairs) matched edges moved by at most 1 / scale
    value = -flow.optimal_cost() / scale + min(n_steps, n_pair_nodes) / scale
    return Matching(float(value), steps, pairs[segments], edge_weights, int(offsets[-1]))
