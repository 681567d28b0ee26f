"""Stage 3: solve a :class:`~optimizer.model.LinearModel` with HiGHS (default) or any PuLP solver.

The solver layer lives in :mod:`optimizer.solver` (status, options, results, the HiGHS and
PuLP backends and their interface); this module keeps the names the rest of the package and
its users import from ``optimizer.solve``, and :func:`solve_pulp`, which hands any PuLP
problem to HiGHS as one matrix.
"""

from __future__ import annotations

from .model import LinearModel
from .solver.backend import MODEL_FORMATS, Backend
from .solver.factory import make_backend
from .solver.highs import (HighsBackend, LpArrays, new_highs, option_value, run_highs, run_lp,
                           to_highs_lp, use_threads)
from .solver.options import MIN_START_BINARIES, TIGHT_OPTIONS, SolveProgress, SolverOptions
from .solver.pulp_backend import PULP_ALIASES, PulpBackend, check_solver
from .solver.result import StageResult
from .solver.status import (HAS_SOLUTION, STATUS_WORDS, Outcome, Termination, highs_outcome,
                            pulp_outcome, pulp_status)

__all__ = [
    "HAS_SOLUTION", "MIN_START_BINARIES", "MODEL_FORMATS", "PULP_ALIASES", "STATUS_WORDS",
    "TIGHT_OPTIONS", "Backend", "HighsBackend", "LpArrays", "Outcome", "PulpBackend",
    "SolveProgress", "SolverOptions", "StageResult", "Termination", "check_solver",
    "highs_outcome", "make_backend", "new_highs", "option_value", "pulp_outcome", "run_highs",
    "run_lp", "solve_pulp", "to_highs_lp", "use_threads",
]


def solve_pulp(prob, gap: float | None = None, time_limit: float | None = None,
               threads: int | None = None, msg: bool = False) -> str:
    """Solve any ``pulp.LpProblem`` with HiGHS, passing the whole matrix at once.

    PuLP's own HiGHS adapter adds columns and rows one by one; this converts the problem with
    :meth:`LinearModel.from_pulp` and hands HiGHS the matrix in one call. Variable values are
    written back (``var.varValue``), ``prob.status`` and ``prob.sol_status`` are set as PuLP's
    solvers set them, and the status word (:mod:`optimizer.solver.status`) is returned.
    """
    lm, _ = LinearModel.from_pulp(prob)
    backend = HighsBackend(lm, SolverOptions(gap=gap, threads=threads, msg=msg).validate())
    res = backend.solve(lm.objectives["objective"], sense=lm.sense, time_limit=time_limit)
    prob.status, prob.sol_status = pulp_status(res.outcome)
    if res.x is not None:
        for v, value in zip(lm.variables, res.x):
            v.varValue = float(value)
    return res.status
