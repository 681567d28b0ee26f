"""Why a solve ended, and whether it left a plan: one enum, one map per solver, one set of words.

A solve's :class:`Outcome` is its :class:`Termination` (the solver's reason for stopping) and
``has_plan`` (a feasible plan in hand), kept apart: a time limit may stop a MIP with or without
a plan. Every HiGHS model status (:data:`HIGHS_TERMINATION`) and every PuLP status
(:func:`pulp_outcome`) is mapped here, and the status word the user reads
(``summary["status"]``, the CLI's exit status) is derived from an outcome in one place,
:attr:`Outcome.status`:

``optimal``             proven optimal (within the MIP gap asked for)
``time_limit``          stopped by a limit with a plan in hand: *not* proven optimal
``no_solution``         stopped by a limit before any plan was found
``infeasible``          no plan satisfies the rules
``unbounded``           the objective can grow without end (a modelling error)
``error``               the solver failed
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Termination(Enum):
    """Why a solve ended."""

    OPTIMAL = "optimal"
    TIME_LIMIT = "time limit"
    ITERATION_LIMIT = "iteration limit"
    SOLUTION_LIMIT = "solution limit"
    MEMORY_LIMIT = "memory limit"
    OBJECTIVE_LIMIT = "objective bound or target reached"
    INTERRUPTED = "interrupted"
    NOT_SOLVED = "not solved"  # PuLP: the solver stopped before solving (e.g. a time limit)
    INFEASIBLE = "infeasible"
    INFEASIBLE_OR_UNBOUNDED = "infeasible or unbounded"
    UNBOUNDED = "unbounded"
    ERROR = "error"

    @property
    def stopped(self) -> bool:
        """Stopped by a limit (or an interrupt) before the solve was finished."""
        return self in _STOPPED

    @property
    def infeasible(self) -> bool:
        """No plan satisfies the rules (HiGHS's "infeasible or unbounded" counts: our models'
        objectives are bounded, so that status means infeasible)."""
        return self in (Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED)


_STOPPED = frozenset({Termination.TIME_LIMIT, Termination.ITERATION_LIMIT,
                      Termination.SOLUTION_LIMIT, Termination.MEMORY_LIMIT,
                      Termination.OBJECTIVE_LIMIT, Termination.INTERRUPTED,
                      Termination.NOT_SOLVED})

STATUS_WORDS = ("optimal", "time_limit", "no_solution", "infeasible", "unbounded", "error")
"""Every status word a solve, and a run, can end with (``summary["status"]``)."""
HAS_SOLUTION = ("optimal", "time_limit")
"""The status words that come with a plan."""


@dataclass(frozen=True)
class Outcome:
    """How a solve ended: why (``termination``) and whether a feasible plan is in hand."""

    termination: Termination
    has_plan: bool

    def __post_init__(self):
        if self.has_plan and not (self.termination is Termination.OPTIMAL
                                  or self.termination.stopped):
            raise ValueError(f"a solve that ended {self.termination.value} has no plan")

    @property
    def status(self) -> str:
        """The status word the user reads (see the module docstring): the only place where
        terminations become words."""
        t = self.termination
        if t is Termination.OPTIMAL:
            return "optimal"
        if t.stopped:
            return "time_limit" if self.has_plan else "no_solution"
        if t.infeasible:
            return "infeasible"
        if t is Termination.UNBOUNDED:
            return "unbounded"
        return "error"

    @classmethod
    def from_status(cls, word: str) -> "Outcome":
        """The outcome a status word stands for (for results rebuilt from a word; a word does
        not say which limit stopped a solve: ``time_limit`` reads as the time limit)."""
        try:
            return _FROM_WORD[word]
        except KeyError:
            raise ValueError(f"unknown status {word!r}; the statuses are "
                             f"{', '.join(STATUS_WORDS)}") from None


_FROM_WORD = {
    "optimal": Outcome(Termination.OPTIMAL, True),
    "time_limit": Outcome(Termination.TIME_LIMIT, True),
    "no_solution": Outcome(Termination.TIME_LIMIT, False),
    "infeasible": Outcome(Termination.INFEASIBLE, False),
    "unbounded": Outcome(Termination.UNBOUNDED, False),
    "error": Outcome(Termination.ERROR, False),
}

# --------------------------------------------------------------------------- HiGHS
HIGHS_TERMINATION = {
    "kOptimal": Termination.OPTIMAL,
    "kModelEmpty": Termination.OPTIMAL,  # no columns: the empty plan is optimal
    "kInfeasible": Termination.INFEASIBLE,
    "kUnboundedOrInfeasible": Termination.INFEASIBLE_OR_UNBOUNDED,
    "kUnbounded": Termination.UNBOUNDED,
    "kTimeLimit": Termination.TIME_LIMIT,
    "kIterationLimit": Termination.ITERATION_LIMIT,
    "kSolutionLimit": Termination.SOLUTION_LIMIT,
    "kMemoryLimit": Termination.MEMORY_LIMIT,
    "kObjectiveBound": Termination.OBJECTIVE_LIMIT,
    "kObjectiveTarget": Termination.OBJECTIVE_LIMIT,
    "kInterrupt": Termination.INTERRUPTED,
    "kHighsInterrupt": Termination.INTERRUPTED,
}
"""HiGHS's model statuses by name (``HighsModelStatus.<name>``); every other status (kNotset,
kLoadError, kModelError, kPresolveError, kSolveError, kPostsolveError, kUnknown) is an error."""

_PRIMAL_FEASIBLE = 2  # HiGHS's kSolutionStatusFeasible


def highs_termination(model_status) -> Termination:
    """The termination of a ``highspy.HighsModelStatus``."""
    return HIGHS_TERMINATION.get(getattr(model_status, "name", ""), Termination.ERROR)


def highs_outcome(h) -> Outcome:
    """How the last run of the ``highspy.Highs`` object ``h`` ended. A stopped run has a plan
    when HiGHS holds a feasible primal solution; an optimal one always has."""
    t = highs_termination(h.getModelStatus())
    feasible = int(h.getInfo().primal_solution_status) == _PRIMAL_FEASIBLE
    return Outcome(t, t is Termination.OPTIMAL or (t.stopped and feasible))


# --------------------------------------------------------------------------- PuLP
def pulp_outcome(status: int, sol_status: int | None) -> Outcome:
    """The outcome of a solved ``pulp.LpProblem`` (``prob.status``, ``prob.sol_status``).

    PuLP reports a plan found before a limit stopped the solver as ``sol_status``
    LpSolutionIntegerFeasible, with ``status`` Optimal or Undefined; Not Solved is a solver
    stopped without a plan."""
    import pulp

    limited_plan = sol_status == pulp.LpSolutionIntegerFeasible
    if status == pulp.LpStatusOptimal:
        return Outcome(Termination.TIME_LIMIT if limited_plan else Termination.OPTIMAL, True)
    if status == pulp.LpStatusInfeasible:
        return Outcome(Termination.INFEASIBLE, False)
    if status == pulp.LpStatusUnbounded:
        return Outcome(Termination.UNBOUNDED, False)
    if status == pulp.LpStatusNotSolved:
        return Outcome(Termination.NOT_SOLVED, False)
    if limited_plan:
        return Outcome(Termination.TIME_LIMIT, True)
    return Outcome(Termination.ERROR, False)


def pulp_status(outcome: Outcome) -> tuple[int, int]:
    """``(prob.status, prob.sol_status)`` as PuLP's own solvers would set them for an outcome
    (:func:`optimizer.solve.solve_pulp` writes them back)."""
    import pulp

    word = outcome.status
    status = {"optimal": pulp.LpStatusOptimal, "time_limit": pulp.LpStatusOptimal,
              "infeasible": pulp.LpStatusInfeasible, "unbounded": pulp.LpStatusUnbounded,
              "no_solution": pulp.LpStatusNotSolved}.get(word, pulp.LpStatusUndefined)
    sol_status = {"optimal": pulp.LpSolutionOptimal,
                  "time_limit": pulp.LpSolutionIntegerFeasible}.get(
        word, pulp.LpSolutionNoSolutionFound)
    return status, sol_status
