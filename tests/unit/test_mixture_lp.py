"""The restricted mixture LP as an object: rows added and dropped, bounds, the solution it reads back."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from tokviz.mixture import replay_merges, solve_mixture
from tokviz.mixture.lp import RestrictedLP


class TestRestrictedLP:
    def test_rows_are_keyed_and_pair_columns_added_once(self):
        lp = RestrictedLP(n_cats=3, n_merges=4, n_pairs=10)
        assert lp.n_rows == 0 and lp.n_columns == 3 + 4
        added = lp.add_rows(np.array([0, 1, 1]), np.array([5, 5, 7]), np.array([[1.0, -1, 0], [0, 1, -1], [1, 0, -1]]))
        assert added == 3 and lp.n_rows == 3
        assert lp.n_columns == 3 + 4 + 2  # one v_p column each for pairs 5 and 7
        assert (1, 5) in lp and (1, 7) in lp and (0, 7) not in lp
        lp.add_rows(np.array([2]), np.array([7]), np.array([[1.0, 0, 0]]))
        assert lp.n_columns == 9 and lp.keys == [(0, 5), (1, 5), (1, 7), (2, 7)]

    def test_solution_respects_bounds_and_rows(self):
        lp = RestrictedLP(n_cats=3, n_merges=2, n_pairs=4)
        coefficients = np.array([[1.0, -2.0, 0.5], [-1.0, 1.0, 0.0]])
        lp.add_rows(np.array([0, 1]), np.array([1, 2]), coefficients)
        objective = lp.solve()
        point = lp.point()
        assert objective == pytest.approx(0.0, abs=1e-9)
        assert abs(point.alpha.sum() - 1) < 1e-9 and (point.alpha >= 0).all()
        assert (point.slack_step >= -1e-12).all() and (point.slack_pair >= -1e-12).all()
        rows = coefficients @ point.alpha + point.slack_step[[0, 1]] + point.slack_pair[[1, 2]]
        assert (rows >= -1e-9).all()

    def test_a_row_no_weights_can_satisfy_is_paid_by_slack(self):
        lp = RestrictedLP(n_cats=2, n_merges=1, n_pairs=2)
        lp.add_rows(np.array([0]), np.array([1]), np.array([[-1.0, -1.0]]))  # needs v_0 + v_p1 >= 1
        assert lp.solve() == pytest.approx(1.0)
        point = lp.point()
        assert point.slack_step[0] + point.slack_pair[1] == pytest.approx(1.0)

    def test_stale_rows_are_dropped_only_past_keep_rows(self):
        lp = RestrictedLP(n_cats=2, n_merges=3, n_pairs=3)
        # row (0, 1) binds (alpha_0 >= alpha_1 at the optimum it is tight or paid); rows on step 2 are loose
        lp.add_rows(np.array([0, 2, 2]), np.array([1, 1, 2]), np.array([[-1.0, -1.0], [5.0, 5.0], [3.0, 3.0]]))
        for _ in range(3):
            lp.solve()
        assert lp.drop_stale(forget_after=3, keep_rows=10) == 0  # few rows: all kept
        assert lp.drop_stale(forget_after=3, keep_rows=0) == 2
        assert lp.keys == [(0, 1)] and (2, 1) not in lp and (2, 2) not in lp
        assert lp.solve() == pytest.approx(1.0)  # the binding row is still there
        # a dropped row can come back
        lp.add_rows(np.array([2]), np.array([2]), np.array([[3.0, 3.0]]))
        assert (2, 2) in lp and lp.n_rows == 2


class TestSkipMerges:
    def test_skipped_steps_get_no_rows(self):
        words = {"a": Counter({b"abab": 5, b"aab": 3, b"ccd": 1}), "b": Counter({b"ccdd": 4, b"cdc": 2, b"ab": 1})}
        merges = [(b"a", b"b"), (b"c", b"d"), (b"ab", b"ab"), (b"cd", b"d"), (b"a", b"ab"), (b"cd", b"c")]
        replay = replay_merges(words, merges)
        full = solve_mixture(replay)
        skipped = solve_mixture(replay, skip_merges=3)
        assert full.rows[0].size and full.rows[0].min() < 3
        assert skipped.rows[0].size == 0 or skipped.rows[0].min() >= 3
        assert abs(skipped.alpha.sum() - 1) < 1e-9


class TestScaleInvariantFormulation:
    def test_solves_and_renormalises(self):
        words = {"a": Counter({b"abab": 5, b"aab": 3, b"ccd": 1}), "b": Counter({b"ccdd": 4, b"cdc": 2, b"ab": 1})}
        merges = [(b"a", b"b"), (b"c", b"d"), (b"ab", b"ab"), (b"cd", b"d"), (b"a", b"ab"), (b"cd", b"c")]
        replay = replay_merges(words, merges)
        solution = solve_mixture(replay, formulation="scale_invariant", gap_tolerance=0.0)
        assert solution.stopped == "no violated constraint"
        assert abs(solution.alpha.sum() - 1) < 1e-9 and (solution.alpha >= 0).all()
        with pytest.raises(ValueError, match="formulation"):
            solve_mixture(replay, formulation="cubic")
