"""The mixture LP solved exactly at fixed weights (a max-weight matching as a min-cost flow), on real merges."""
from __future__ import annotations

from collections import Counter

import highspy
import numpy as np
import pytest

import tokviz
from tokviz.mixture import count_pretokens, replay_merges, solve_mixture
from tokviz.mixture.lp import _Problem
from tokviz.mixture.matching import best_matching
from tokviz.mixture.sweep import find_violations
from tokviz.samples import load_samples, sample_bank


@pytest.fixture(scope="module")
def real_replay():
    """cl100k_base's first 600 merges over four real samples (code, English, French, Chinese)."""
    available = sample_bank()
    categories = [c for c in ("python", "en", "fr", "zh") if available[c]["available"]]
    texts = load_samples(categories, max_bytes=40_000)
    tok = tokviz.load_tokenizer("cl100k_base")
    return replay_merges({c: count_pretokens(tok, t) for c, t in texts.items()}, tok.merges()[:600])


def _cover_by_enumeration(replay, weights, constrained):
    """min sum v_t + sum v_p s.t. v_t + v_p >= w_tp over every positive edge, listed one by one (the sweep's heap)."""
    no_slack = np.zeros(replay.num_merges)
    edges = find_violations(replay, weights, no_slack, np.zeros(replay.n_pairs), constrained, 10**9, 0.0, 0.0)
    steps, step_index = np.unique(edges.steps, return_inverse=True)
    pairs, pair_index = np.unique(edges.pairs, return_inverse=True)
    n_cols, n_rows = len(steps) + len(pairs), len(edges.steps)
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    highs.addCols(n_cols, np.ones(n_cols), np.zeros(n_cols), np.full(n_cols, inf), 0,
                  np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
    index = np.stack([step_index, len(steps) + pair_index], axis=1).astype(np.int32)
    highs.addRows(n_rows, edges.amounts, np.full(n_rows, inf), 2 * n_rows, (np.arange(n_rows) * 2).astype(np.int32),
                  index.ravel(), np.ones(2 * n_rows))
    highs.run()
    return highs.getInfo().objective_function_value, n_rows


class TestBestMatching:
    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_value_is_the_fixed_weight_lp_optimum_over_every_edge(self, real_replay, seed):
        """The segment-tree flow gives the same optimum as the cover LP over all edges listed one by one."""
        problem = _Problem(real_replay, 0, True)
        alpha = np.random.default_rng(seed).dirichlet(np.ones(len(real_replay.categories)))
        weights = alpha / problem.totals
        expected, n_edges = _cover_by_enumeration(real_replay, weights, problem.constrained)
        found = best_matching(real_replay, weights, problem.constrained)
        assert n_edges > 1000 and expected > 0
        assert found.value == pytest.approx(expected, rel=1e-6)
        assert found.value >= expected * (1 - 1e-9)  # rounding is charged upwards: still an upper bound
        # a matching: each step and each pair at most once, its edges real and summing to the value
        assert len(set(found.steps.tolist())) == len(found.steps) == len(set(found.pairs.tolist()))
        recount = problem.counts.counts(found.steps, found.pairs) @ weights
        merged = real_replay.merge_counts[found.steps] @ weights
        assert np.allclose(recount - merged, found.weights, atol=1e-12)
        assert found.weights.sum() == pytest.approx(found.value, rel=1e-6)
        assert (found.pairs != real_replay.merge_pair[found.steps]).all()
        assert problem.constrained[found.steps].all()

    def test_unconstrained_steps_are_never_matched(self, real_replay):
        problem = _Problem(real_replay, 300, True)  # the first 300 merges replayed, not constrained
        weights = np.full(len(real_replay.categories), 1.0) / problem.totals
        found = best_matching(real_replay, weights, problem.constrained)
        assert len(found.steps) and found.steps.min() >= 300
        expected, _ = _cover_by_enumeration(real_replay, weights, problem.constrained)
        assert found.value == pytest.approx(expected, rel=1e-6)

    def test_no_positive_edge_gives_zero(self):
        replay = replay_merges({"x": Counter({b"abab": 3}), "y": Counter({b"abcd": 1})}, [(b"a", b"b")])
        found = best_matching(replay, np.array([1.0, 1.0]), np.array([True]))
        assert found.value == 0.0 and len(found.steps) == 0


class TestSolveWithTheMatching:
    def test_bounds_bracket_the_optimum_when_the_matching_runs_from_the_first_round(self, real_replay):
        optimum = solve_mixture(real_replay, gap_tolerance=0.0, max_rounds=1000, max_seconds=600,
                                exact_from_round=None).total_slack
        exact = solve_mixture(real_replay, gap_tolerance=0.0, max_rounds=1000, max_seconds=600, exact_from_round=0)
        assert exact.converged and exact.seconds_in_matching > 0
        assert exact.total_slack == pytest.approx(optimum, rel=1e-6)
        lowers, uppers = np.array(exact.lower_bounds), np.array(exact.upper_bounds)
        assert (lowers <= optimum * (1 + 1e-6) + 1e-12).all() and (uppers >= optimum * (1 - 1e-6) - 1e-12).all()
        quick = solve_mixture(real_replay, gap_tolerance=0.01, max_rounds=1000, max_seconds=600, exact_from_round=0)
        assert quick.converged and quick.gap <= 0.01
        assert optimum * (1 - 1e-6) <= quick.total_slack <= optimum * 1.01 + 1e-12
