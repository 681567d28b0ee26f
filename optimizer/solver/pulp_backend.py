"""Any solver PuLP knows (CBC, GLPK, SCIP, Gurobi, CPLEX, ...) as a backend.

Each solve builds a fresh ``pulp.LpProblem`` from the LinearModel
(:meth:`~optimizer.model.LinearModel.to_pulp`) and reads PuLP's status through
:func:`~optimizer.solver.status.pulp_outcome`. PuLP's solvers keep their own tolerances, get
no start plan and return no duals here (PuLP's HiGHS adapter gives them the wrong sign on a
maximisation, HIGHSPY.md §6).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from ..errors import InputError
from ..i18n import _
from .backend import Backend
from .options import SolverOptions
from .result import StageResult
from .status import Outcome, Termination, pulp_outcome

PULP_ALIASES = {
    "cbc": "PULP_CBC_CMD",
    "glpk": "GLPK_CMD",
    "highs-pulp": "HiGHS",
    "highs_cmd": "HiGHS_CMD",
    "scip": "SCIP_CMD",
    "gurobi": "GUROBI",
    "cplex": "CPLEX_CMD",
}


def check_solver(solver: str) -> str:
    """The solver's name as PuLP knows it (``highs`` for the direct backend), or an InputError
    naming ``--solver`` when it is unknown or not installed."""
    if not isinstance(solver, str) or not solver.strip():
        raise InputError(_("--solver must name a solver (highs, cbc, ...), not {value}").format(
            value=repr(solver)))
    if solver.lower() in ("highs", "highspy"):
        return "highs"
    import pulp

    name = PULP_ALIASES.get(solver.lower(), solver)
    available = pulp.listSolvers(onlyAvailable=True)
    if name not in pulp.listSolvers():
        raise InputError(_("--solver {solver}: unknown solver; use highs or one of PuLP's "
                           "solvers: {solvers} (cbc = PULP_CBC_CMD)").format(
            solver=solver, solvers=", ".join(available)))
    if name not in available:
        raise InputError(_("--solver {solver}: the solver {name} is not installed here; "
                           "available: highs, {solvers}").format(
            solver=solver, name=name, solvers=", ".join(available)))
    return name


def _extra_rows(extra_rows) -> list:
    """``(coef, lower, upper)`` rows as ``to_pulp`` takes them, named extra0, extra1, ..."""
    return [(c, lo, hi, f"extra{i}") for i, (c, lo, hi) in enumerate(extra_rows)]


class PulpBackend(Backend):
    """Solve through PuLP, so that any solver PuLP knows can be used."""

    def __init__(self, lm, opts: SolverOptions):
        import pulp

        self.pulp = pulp
        self.lm = lm
        self.opts = opts
        self.solver_name = check_solver(opts.solver)
        self.name = opts.solver

    def _solver(self, time_limit):
        kw = {"msg": bool(self.opts.msg)}
        if time_limit:
            kw["timeLimit"] = float(time_limit)
        if self.opts.gap is not None:
            kw["gapRel"] = float(self.opts.gap)
        if self.opts.threads:
            kw["threads"] = int(self.opts.threads)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return self.pulp.getSolver(self.solver_name, **kw)

    def write_model(self, path: str, objective=None, extra_rows=()) -> None:
        obj = np.zeros(self.lm.n_cols) if objective is None else objective
        prob, _ = self.lm.to_pulp(obj, "max", _extra_rows(extra_rows))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if str(path).endswith(".lp"):
                prob.writeLP(str(path))
            else:  # with an OBJSENSE section: other readers take PuLP's "*SENSE" for a comment
                prob.writeMPS(str(path), with_objsense=True)

    def solve(self, objective, sense="max", extra_rows=(), fix=None, start=None, time_limit=None,
              relax_integers=False, duals=False, label="", tight=False) -> StageResult:
        """One solve; see :meth:`optimizer.solver.backend.Backend.solve` (``start``,
        ``duals`` and ``tight`` are not supported: ignored)."""
        pulp = self.pulp
        t0 = time.perf_counter()
        prob, xs = self.lm.to_pulp(objective, sense, _extra_rows(extra_rows))
        if fix is not None:
            for j, v in zip(*fix):
                xs[int(j)].lowBound = float(v)
                xs[int(j)].upBound = float(v)
        if relax_integers:
            for v in xs:
                v.cat = pulp.LpContinuous
        try:
            with warnings.catch_warnings():
                # PuLP 3.3 announces its 4.0 renames (PULP_CBC_CMD -> COIN_CMD); not ours to fix
                warnings.simplefilter("ignore", DeprecationWarning)
                prob.solve(self._solver(time_limit))
        except pulp.PulpSolverError as exc:
            return StageResult(Outcome(Termination.ERROR, False), None, None, None,
                               time.perf_counter() - t0, str(exc))
        outcome = pulp_outcome(prob.status, getattr(prob, "sol_status", None))
        res = StageResult(outcome, None, None, None, 0.0,
                          pulp.LpStatus.get(prob.status, str(prob.status)))
        if outcome.has_plan:
            x = np.array([v.varValue if v.varValue is not None else 0.0 for v in xs], float)
            res.x = x
            res.objective = float(np.dot(objective, x))
            res.mip_gap = 0.0 if outcome.termination is Termination.OPTIMAL else None
        res.seconds = time.perf_counter() - t0
        return res
