"""The solver layer's parts: one status map per solver and one set of words, the one
LinearModel -> HighsLp builder, the one time budget."""

from __future__ import annotations

import time
from types import SimpleNamespace

import highspy
import numpy as np
import pulp
import pytest

from optimizer.budget import MIN_SHARE, Budget, run_reserve
from optimizer.model import LinearModel
from optimizer.solve import (HAS_SOLUTION, STATUS_WORDS, HighsBackend, LpArrays, Outcome,
                             SolverOptions, StageResult, Termination, highs_outcome,
                             pulp_outcome, pulp_status, run_lp, to_highs_lp)
from optimizer.solver.status import HIGHS_TERMINATION

INF = np.inf
HIGHS_ERRORS = {"kNotset", "kLoadError", "kModelError", "kPresolveError", "kSolveError",
                "kPostsolveError", "kUnknown"}


# =========================================================================== status
def test_every_highs_model_status_is_mapped():
    """A status HiGHS adds later must be placed here on purpose, not fall to 'error'."""
    names = set(highspy.HighsModelStatus.__members__)
    assert names == set(HIGHS_TERMINATION) | HIGHS_ERRORS, names ^ (set(HIGHS_TERMINATION)
                                                                   | HIGHS_ERRORS)


def fake_highs(name: str, primal_feasible: bool):
    info = SimpleNamespace(primal_solution_status=2 if primal_feasible else 0)
    return SimpleNamespace(getModelStatus=lambda: getattr(highspy.HighsModelStatus, name),
                           getInfo=lambda: info)


@pytest.mark.parametrize("name, feasible, word", [
    ("kOptimal", True, "optimal"),
    ("kModelEmpty", False, "optimal"),
    ("kInfeasible", False, "infeasible"),
    ("kUnboundedOrInfeasible", False, "infeasible"),  # our objectives are bounded
    ("kUnbounded", True, "unbounded"),
    ("kTimeLimit", True, "time_limit"),
    ("kTimeLimit", False, "no_solution"),
    ("kIterationLimit", True, "time_limit"),
    ("kSolutionLimit", True, "time_limit"),
    ("kMemoryLimit", False, "no_solution"),
    ("kObjectiveBound", True, "time_limit"),
    ("kInterrupt", False, "no_solution"),
    ("kSolveError", True, "error"),  # a plan HiGHS holds after an error is not trusted
    ("kNotset", False, "error"),
])
def test_highs_statuses_become_the_words_the_user_reads(name, feasible, word):
    outcome = highs_outcome(fake_highs(name, feasible))
    assert outcome.status == word
    assert outcome.has_plan == (word in HAS_SOLUTION)


@pytest.mark.parametrize("status, sol_status, word", [
    (pulp.LpStatusOptimal, pulp.LpSolutionOptimal, "optimal"),
    (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible, "time_limit"),
    (pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound, "no_solution"),
    (pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible, "infeasible"),
    (pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded, "unbounded"),
    (pulp.LpStatusUndefined, pulp.LpSolutionIntegerFeasible, "time_limit"),
    (pulp.LpStatusUndefined, pulp.LpSolutionNoSolutionFound, "error"),
    (pulp.LpStatusOptimal, None, "optimal"),  # a solver that sets no sol_status
])
def test_pulp_statuses_become_the_words_the_user_reads(status, sol_status, word):
    outcome = pulp_outcome(status, sol_status)
    assert outcome.status == word and outcome.has_plan == (word in HAS_SOLUTION)
    # and back, as solve_pulp writes them into the problem
    back = pulp_status(outcome)
    assert pulp_outcome(*back).status == word


def test_the_words_come_from_one_place_and_cover_every_exit_status():
    from optimizer.commands.common import EXIT

    words = {Outcome(t, p).status for t in Termination for p in (False, True)
             if not p or t is Termination.OPTIMAL or t.stopped}
    assert words == set(STATUS_WORDS)
    assert set(EXIT) == set(STATUS_WORDS)
    for word in STATUS_WORDS:
        assert Outcome.from_status(word).status == word
    with pytest.raises(ValueError):
        Outcome(Termination.INFEASIBLE, True)  # no plan after an infeasible end
    with pytest.raises(ValueError, match="unknown status"):
        Outcome.from_status("feasible")


def test_a_stage_result_keeps_termination_apart_from_the_plan():
    stopped = StageResult(Outcome(Termination.ITERATION_LIMIT, True), np.zeros(1), 0.0, None, 0.1)
    assert stopped.status == "time_limit" and stopped.ok and stopped.has_plan
    assert stopped.termination is Termination.ITERATION_LIMIT
    empty = StageResult(Outcome(Termination.ITERATION_LIMIT, False), None, None, None, 0.1)
    assert empty.status == "no_solution" and not empty.ok
    # a status word still reads as its outcome (the pipeline copies a result so)
    copy = StageResult("time_limit", np.zeros(1), 0.0, None, 0.1)
    assert copy.outcome == Outcome(Termination.TIME_LIMIT, True) and copy.ok


# =========================================================================== the builder
def small_model() -> LinearModel:
    """max x + 2y + z  s.t.  x + y <= 4 (row 0),  y + z <= 3 (row 1),  0 <= x, y, z <= 3, z
    integer."""
    lm = LinearModel()
    lm.add_cols("v", np.zeros(3), 3.0, integer=np.array([False, False, True]))
    lm.add_rows("r", [0, 0, 1, 1], [0, 1, 1, 2], np.ones(4), [-INF, -INF], [4.0, 3.0])
    return lm


C = np.array([1.0, 2.0, 1.0])


def test_the_builder_passes_the_model_as_it_is():
    lm = small_model()
    lp = to_highs_lp(lm, C)
    assert (lp.num_col_, lp.num_row_) == (3, 2)
    assert lp.sense_ == highspy.ObjSense.kMaximize
    assert list(lp.col_cost_) == list(C)
    assert list(lp.row_upper_) == [4.0, 3.0] and list(lp.col_upper_) == [3.0] * 3
    assert [int(v) for v in lp.integrality_] == [0, 0, 1]
    dense = np.zeros((2, 3))
    for j in range(3):
        for p in range(lp.a_matrix_.start_[j], lp.a_matrix_.start_[j + 1]):
            dense[lp.a_matrix_.index_[p], j] = lp.a_matrix_.value_[p]
    assert np.array_equal(dense, lm.A.toarray())
    # with no integer column no integrality is passed (HiGHS then solves an LP)
    assert len(to_highs_lp(lm, C, integrality=False).integrality_) == 0


def test_the_builder_changes_bounds_and_adds_rows_and_columns():
    lm = small_model()
    outcome, h = run_lp(to_highs_lp(lm, C))
    assert outcome.status == "optimal" and h.getInfo().objective_function_value == \
        pytest.approx(7.0)  # x = 3, y = 1, z = 2 (or x = 1, y = 3, z = 0)
    # bounds replaced, minimised, an extra row
    lp = to_highs_lp(lm, C, sense="min", col_lower=np.array([1.0, 0.0, 0.0]),
                     extra_rows=[(np.array([0.0, 1.0, 1.0]), 2.0, INF)])
    outcome, h = run_lp(lp)
    assert h.getInfo().objective_function_value == pytest.approx(3.0)  # x = 1, z = 2
    # a continuous column s appended, in row 1 with coefficient -1 and cost -0.5 (a slack
    # that lets y + z exceed 3 by up to 2), the model relaxed: y = 3, x = 1, z = s = 2
    arr = LpArrays.of(lm, C, integrality=False).with_cols(
        np.array([[0.0], [-1.0]]), 0.0, 2.0, -0.5)
    outcome, h = run_lp(arr.highs_lp())
    x = np.asarray(h.getSolution().col_value)
    assert len(x) == 4 and h.getInfo().objective_function_value == pytest.approx(8.0)
    assert x[1] + x[2] - x[3] <= 3.0 + 1e-9 and x[3] > 0
    # row bounds replaced, with an offset: infeasible
    outcome, _ = run_lp(arr.but(row_lower=np.array([5.0, -INF]), offset=1.0).highs_lp())
    assert outcome.termination.infeasible and not outcome.has_plan


def test_the_backend_and_a_fresh_highs_solve_the_same_lp():
    lm = small_model()
    be = HighsBackend(lm, SolverOptions())
    res = be.solve(C, extra_rows=[(np.array([1.0, 0.0, 0.0]), -INF, 1.0)])
    outcome, h = run_lp(to_highs_lp(lm, C, extra_rows=[(np.array([1.0, 0.0, 0.0]), -INF, 1.0)]))
    assert res.status == outcome.status == "optimal"
    assert res.objective == pytest.approx(h.getInfo().objective_function_value)


# =========================================================================== the budget
def test_a_budget_without_limit():
    b = Budget(None)
    assert b.left() is None and not b.over and b.share(3) is None
    assert Budget.for_run(None, spent=5.0).share(2) is None


def test_a_budget_counts_down_and_shares_what_is_left():
    b = Budget(10.0)
    assert 9.0 < b.left() <= 10.0 and not b.over
    assert 4.5 < b.share(2) <= 5.0
    assert b.share(0) == pytest.approx(b.left(), abs=0.1)  # at least one stage
    spent = Budget(0.005)
    time.sleep(0.01)
    assert spent.left() == 0.0 and spent.over
    assert spent.share(4) == MIN_SHARE / 4  # a spent budget still gives each stage a moment


def test_a_run_keeps_a_reserve_and_counts_what_was_spent():
    assert run_reserve(1.0) == 0.2 and run_reserve(40.0) == 2.0 and run_reserve(600.0) == 3.0
    b = Budget.for_run(60.0, spent=7.0)
    assert 49.0 < b.left() <= 60.0 - 7.0 - 3.0
    # spent beyond the limit: nothing left, each stage still gets its minimum
    late = Budget.for_run(1.0, spent=2.0)
    assert late.over and late.share(1) == MIN_SHARE


def test_the_methods_clock_is_the_run_budget():
    from optimizer import methods

    clock = methods.Clock(60.0, spent=7.0)
    assert isinstance(clock, Budget) and 49.0 < clock.left() <= 50.0
