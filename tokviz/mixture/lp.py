"""Stage 3 of mixture inference: the linear program, solved by lazy constraint generation in HiGHS."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numba
import numpy as np

from .replay import Replay, _grow_i64

__all__ = ["MixtureSolution", "solve_mixture"]

Progress = Callable[[str, float, str], None]  # (stage, fraction done in [0, 1], message)


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

