"""Stage 3: solve a :class:`~optimizer.model.LinearModel` with HiGHS (default) or any PuLP solver.

A *backend* holds one model and solves it repeatedly with different objectives, extra rows and
fixed columns (the stages of the payoff table, the chosen method, the "why this type" re-solves).
The HiGHS backend passes the whole matrix to HiGHS once (``Highs.passModel``) and changes only
what a stage needs. Every solver status is mapped explicitly to one of:

``optimal``             proven optimal (within the MIP gap asked for)
``time_limit``          stopped by a limit with a plan in hand: *not* proven optimal
``no_solution``         stopped by a limit before any plan was found
``infeasible``          no plan satisfies the rules
``unbounded``           the objective can grow without end (a modelling error)
``error``               the solver failed
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError
from .model import LinearModel

INF = np.inf
HAS_SOLUTION = ("optimal", "time_limit")
TIGHT_OPTIONS = ("primal_feasibility_tolerance", "dual_feasibility_tolerance",
                 "mip_feasibility_tolerance")
MODEL_FORMATS = (".mps", ".lp")
"""The formats ``write_model`` writes, chosen by the file's ending."""


@dataclass
class SolverOptions:
    solver: str = "highs"
    time_limit: float | None = None  # seconds for the whole run
    gap: float | None = None  # relative MIP gap; None: the solver's default (HiGHS: 1e-4)
    threads: int | None = None
    msg: bool = False
    progress: object = None  # called with a SolveProgress as a MIP solve advances
    # feasibility tolerances 1000 times tighter than HiGHS's defaults for every solve (a run
    # whose plan failed the checks of optimizer.verify is repeated so)
    tight: bool = False

    def validate(self) -> "SolverOptions":
        """Check the options; ``threads`` above the machine's cores is lowered to them (more
        threads than cores only slow HiGHS down, and 100,000 of them hang it)."""
        from .limits import cores

        def number(v):
            return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

        if self.time_limit is not None and not (number(self.time_limit) and self.time_limit > 0):
            raise InputError(f"--time-limit (time_limit) must be a positive, finite number of "
                             f"seconds, not {self.time_limit!r}")
        if self.gap is not None and not (number(self.gap) and 0 <= self.gap < 1):
            raise InputError(f"--gap (gap) must be a relative gap with 0 <= gap < 1 (0.01 is "
                             f"1%), not {self.gap!r}")
        if self.threads is not None:
            if not (isinstance(self.threads, int) and not isinstance(self.threads, bool)
                    and self.threads >= 1):
                raise InputError(f"--threads (threads) must be a whole number of at least 1, "
                                 f"not {self.threads!r}")
            self.threads = min(self.threads, cores())
        return self


@dataclass
class SolveProgress:
    """Where a MIP solve stands: stage label, seconds, best plan's objective, bound, gap."""

    stage: str
    seconds: float
    incumbent: float
    bound: float
    gap: float

    def line(self) -> str:
        inc = "none yet" if not math.isfinite(self.incumbent) or abs(self.incumbent) >= 1e30 \
            else f"{self.incumbent:.6g}"
        gap = f"{100 * self.gap:.2f}%" if math.isfinite(self.gap) and self.gap < 1e10 else "-"
        return (f"{self.stage}: {self.seconds:6.1f} s  best plan {inc}  bound "
                f"{self.bound:.6g}  gap {gap}")


@dataclass
class StageResult:
    status: str
    x: np.ndarray | None
    objective: float | None
    mip_gap: float | None
    seconds: float
    message: str = ""
    row_dual: np.ndarray | None = None
    col_dual: np.ndarray | None = None
    extra_dual: np.ndarray | None = None
    info: dict = field(default_factory=dict)
    # a proven bound on the objective (above it for a maximisation): HiGHS's dual bound of a
    # MIP, the optimum of an LP; None when unknown
    bound: float | None = None

    @property
    def ok(self) -> bool:
        return self.status in HAS_SOLUTION


# --------------------------------------------------------------------------- HiGHS
_BANNER_SHOWN = False


def new_highs():
    """A ``highspy.Highs`` with output off. HiGHS prints a banner on standard output the first
    time one is made in a process; it would corrupt ``--format json``, so it goes to /dev/null."""
    import os
    import sys

    import highspy

    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    return h


def run_highs(h) -> None:
    """``h.run()``, stoppable by Ctrl-C at once: HiGHS runs in its worker thread while this
    thread waits, so a KeyboardInterrupt cancels the solve (HiGHS stops at its next
    interrupt check), waits for it to wind down and is raised again. In a thread other than
    the main one (no signals arrive there) it is a plain ``h.run()``."""
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(h, "startSolve"):
        h.run()
        return
    h.HandleUserInterrupt = True
    h.startSolve()
    try:
        while not h.wait(0.05)[0]:
            pass
    except KeyboardInterrupt:
        h.cancelSolve()
        while not h.wait(0.05)[0]:  # a second Ctrl-C while winding down changes nothing
            pass
        raise


def _highs_status(h, ms) -> tuple[str, bool]:
    import highspy

    S = highspy.HighsModelStatus
    info = h.getInfo()
    has_sol = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
    if ms == S.kOptimal:
        return "optimal", True
    if ms == S.kInfeasible:
        return "infeasible", False
    if ms == S.kUnbounded:
        return "unbounded", False
    if ms == S.kUnboundedOrInfeasible:
        return "infeasible", False
    limits = [S.kTimeLimit, S.kIterationLimit, S.kInterrupt]
    for name in ("kSolutionLimit", "kMemoryLimit", "kObjectiveBound", "kObjectiveTarget",
                 "kHighsInterrupt"):
        if hasattr(S, name):
            limits.append(getattr(S, name))
    if ms in limits:
        return ("time_limit", True) if has_sol else ("no_solution", False)
    if ms == S.kModelEmpty:
        return "optimal", True
    return "error", False


def option_value(h, name: str):
    """A HiGHS option's value (highspy returns ``(status, value)`` in some versions)."""
    v = h.getOptionValue(name)
    return v[1] if isinstance(v, tuple) else v


_SCHEDULER_THREADS = None


def use_threads(h, threads: int | None) -> None:
    """Set HiGHS's thread count. Its scheduler is global to the process and a run fails when
    the count changes, so the scheduler is reset first when another count was used before."""
    import highspy

    global _SCHEDULER_THREADS
    want = int(threads or 0)  # 0: HiGHS chooses
    if _SCHEDULER_THREADS is not None and want != _SCHEDULER_THREADS:
        highspy.Highs.resetGlobalScheduler(True)
    h.setOptionValue("threads", want)
    _SCHEDULER_THREADS = want


class HighsBackend:
    """Solve a LinearModel with highspy, the whole matrix passed at once."""

    name = "highs"

    def __init__(self, lm: LinearModel, opts: SolverOptions):
        import highspy

        self.hs = highspy
        self.lm = lm
        self.opts = opts
        self.integer = lm.integer
        h = new_highs()
        self.stage = ""
        # HiGHS calls back on every MIP log line only while logging is on; keep it off the
        # console unless asked for (msg)
        h.setOptionValue("output_flag", bool(opts.msg or opts.progress))
        h.setOptionValue("log_to_console", bool(opts.msg))
        if opts.progress is not None and hasattr(h, "cbMipLogging"):
            report = opts.progress

            def _on_mip_log(event):
                d = event.data_out
                report(SolveProgress(self.stage, float(d.running_time),
                                     float(d.mip_primal_bound), float(d.mip_dual_bound),
                                     float(d.mip_gap)))

            h.cbMipLogging.subscribe(_on_mip_log)
        use_threads(h, opts.threads)
        if opts.tight:
            for o in TIGHT_OPTIONS:
                h.setOptionValue(o, option_value(h, o) / 1000.0)
        if opts.gap is not None:
            h.setOptionValue("mip_rel_gap", float(opts.gap))
        lp = highspy.HighsLp()
        lp.num_col_ = lm.n_cols
        lp.num_row_ = lm.n_rows
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = np.zeros(lm.n_cols)
        lp.col_lower_ = lm.col_lower
        lp.col_upper_ = lm.col_upper
        lp.row_lower_ = lm.row_lower
        lp.row_upper_ = lm.row_upper
        A = lm.A.tocsc()
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = A.indices.astype(np.int32)
        lp.a_matrix_.value_ = A.data
        if self.integer.any():
            lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                               for i in self.integer]
        status = h.passModel(lp)
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model")
        self.h = h
        self.base_lower = lm.col_lower
        self.base_upper = lm.col_upper
        # A MIP start pays where HiGHS struggles to find any plan (large instances); on
        # smaller ones it was measured to slow HiGHS down (bench/county_scale.py), so it is
        # ignored there
        from .heuristic import MIN_BINARIES

        self.use_starts = int(self.integer.sum()) >= MIN_BINARIES

    record_dir = None  # see record()
    highs_seconds = 0.0  # HiGHS's own clock, summed over every run of this backend
    record_seconds = 0.0  # time spent writing recorded models (see record())

    def record(self, folder) -> None:
        """From now on every solve (MIP stages and the LPs of start plans and polishing)
        first writes its exact model into ``folder`` (numbered in solve order, with its bounds
        fixed and integrality relaxed where the solve does so; ``self.recorded`` lists them),
        for benchmarks."""
        self.record_dir, self.recorded = folder, []

    def _stage_model(self, objective, sense: str, extra_rows) -> int:
        """Set this stage's objective and add its extra rows; returns the number of rows
        before them (``_drop_rows_from`` removes them again)."""
        hs, h, n = self.hs, self.h, self.lm.n_cols
        h.changeObjectiveSense(hs.ObjSense.kMaximize if sense == "max" else hs.ObjSense.kMinimize)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(objective, float))
        m0 = h.getNumRow()
        for coef, lo, hi in extra_rows:
            coef = np.asarray(coef, float)
            idx = np.flatnonzero(coef).astype(np.int32)
            h.addRow(float(lo), float(hi), len(idx), idx, coef[idx])
        return m0

    def _drop_rows_from(self, m0: int) -> None:
        h = self.h
        if h.getNumRow() > m0:
            extra = np.arange(m0, h.getNumRow(), dtype=np.int32)
            h.deleteRows(len(extra), extra)

    def write_model(self, path: str, objective=None, extra_rows=()) -> None:
        """Write the model with this objective and extra rows (MPS or LP by the extension)."""
        m0 = self._stage_model(np.zeros(self.lm.n_cols) if objective is None else objective,
                               "max", extra_rows)
        try:
            status = self.h.writeModel(str(path))
        finally:
            self._drop_rows_from(m0)
        if status == self.hs.HighsStatus.kError:
            from pathlib import PurePath

            from .errors import WriteError

            raise WriteError(f"HiGHS could not write the model as {PurePath(path).suffix} "
                             "(is the disk full?); nothing was written")

    def solve(self, objective: np.ndarray, sense: str = "max", extra_rows=(), fix=None,
              start: np.ndarray | None = None, time_limit: float | None = None,
              relax_integers: bool = False, duals: bool = False, label: str = "",
              tight: bool = False) -> StageResult:
        """One solve. ``extra_rows``: ``(coef, lower, upper)`` over all columns, removed after.

        ``fix``: ``{column index array: values}`` bounds for this solve only. ``relax_integers``
        solves the LP (used with every integer fixed, for clean values and duals). ``tight``
        asks for feasibility tolerances 1000 times tighter than HiGHS's defaults, for this
        solve only (a plan that failed :func:`optimizer.verify.violations` is re-solved so).
        """
        hs, h = self.hs, self.h
        if tight:
            saved = {o: option_value(h, o) for o in TIGHT_OPTIONS}
            for o in TIGHT_OPTIONS:
                h.setOptionValue(o, saved[o] / 1000.0)
            try:
                return self.solve(objective, sense, extra_rows, fix, start, time_limit,
                                  relax_integers, duals, label)
            finally:
                for o, v in saved.items():
                    h.setOptionValue(o, v)
        self.stage = label
        t0 = time.perf_counter()
        m0 = self._stage_model(objective, sense, extra_rows)
        fixed_idx = None
        if fix is not None:
            fixed_idx, vals = fix
            fixed_idx = np.asarray(fixed_idx, np.int32)
            vals = np.asarray(vals, float)
            if len(fixed_idx):
                h.changeColsBounds(len(fixed_idx), fixed_idx, vals, vals)
        int_idx = np.flatnonzero(self.integer).astype(np.int32)
        if relax_integers and len(int_idx):
            h.changeColsIntegrality(len(int_idx), int_idx, np.zeros(len(int_idx), np.uint8))
        h.setOptionValue("time_limit", float(time_limit) if time_limit else INF)
        if self.record_dir is not None:
            import pathlib

            t_w = time.perf_counter()
            name = f"{len(self.recorded):02d}.mps"
            h.writeModel(str(pathlib.Path(self.record_dir) / name))
            self.recorded.append({"file": name, "label": label,
                                  "time_limit": time_limit})
            t_w = time.perf_counter() - t_w
            t0 += t_w  # writing is not solving
            self.record_seconds += t_w
        # each stage starts afresh (no basis or search state of the previous stage), as HiGHS
        # would on the written model; only the explicit start below carries over
        h.clearSolver()
        if start is not None and not relax_integers and self.use_starts:
            sol = hs.HighsSolution()
            sol.col_value = list(np.asarray(start, float))
            sol.value_valid = True
            h.setSolution(sol)
        try:
            clock0 = h.getRunTime()
            run_highs(h)
            own = h.getRunTime() - clock0
            self.highs_seconds += own
            ms = h.getModelStatus()
            status, has_sol = _highs_status(h, ms)
            x = obj = gap = None
            res = StageResult(status, None, None, None, 0.0, h.modelStatusToString(ms))
            if has_sol:
                sol = h.getSolution()
                x = np.asarray(sol.col_value, float)
                obj = float(h.getInfo().objective_function_value)
                if self.integer.any() and not relax_integers:
                    gap = float(h.getInfo().mip_gap)
                    if not math.isfinite(gap):
                        gap = None
                else:
                    gap = 0.0 if status == "optimal" else None
                res.x, res.objective, res.mip_gap = x, obj, gap
                if duals and sol.dual_valid:
                    rd = np.asarray(sol.row_dual, float)
                    res.row_dual = rd[:m0]
                    res.extra_dual = rd[m0:]
                    res.col_dual = np.asarray(sol.col_dual, float)
            if self.integer.any() and not relax_integers:
                b = float(getattr(h.getInfo(), "mip_dual_bound", INF))
                res.bound = b if math.isfinite(b) and abs(b) < 1e30 else None
            elif status == "optimal":
                res.bound = res.objective
            res.info = {"mip_node_count": int(getattr(h.getInfo(), "mip_node_count", 0) or 0),
                        "highs_seconds": own}
        finally:
            self._drop_rows_from(m0)  # restore the model for the next stage
            if fixed_idx is not None and len(fixed_idx):
                h.changeColsBounds(len(fixed_idx), fixed_idx, self.base_lower[fixed_idx],
                                   self.base_upper[fixed_idx])
            if relax_integers and len(int_idx):
                h.changeColsIntegrality(len(int_idx), int_idx, np.ones(len(int_idx), np.uint8))
        res.seconds = time.perf_counter() - t0
        return res


# --------------------------------------------------------------------------- any PuLP solver
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
        raise InputError(f"--solver must name a solver (highs, cbc, ...), not {solver!r}")
    if solver.lower() in ("highs", "highspy"):
        return "highs"
    import pulp

    name = PULP_ALIASES.get(solver.lower(), solver)
    available = pulp.listSolvers(onlyAvailable=True)
    if name not in pulp.listSolvers():
        raise InputError(f"--solver {solver}: unknown solver; use highs or one of PuLP's "
                         f"solvers: {', '.join(available)} (cbc = PULP_CBC_CMD)")
    if name not in available:
        raise InputError(f"--solver {solver}: the solver {name} is not installed here; "
                         f"available: highs, {', '.join(available)}")
    return name


class PulpBackend:
    """Solve through PuLP, so that any solver PuLP knows can be used."""

    def __init__(self, lm: LinearModel, opts: SolverOptions):
        import pulp

        self.pulp = pulp
        self.lm = lm
        self.opts = opts
        self.solver_name = check_solver(opts.solver)
        self.name = opts.solver

    def _solver(self, time_limit):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return self._make_solver(time_limit)

    def _make_solver(self, time_limit):
        kw = {"msg": bool(self.opts.msg)}
        if time_limit:
            kw["timeLimit"] = float(time_limit)
        if self.opts.gap is not None:
            kw["gapRel"] = float(self.opts.gap)
        if self.opts.threads:
            kw["threads"] = int(self.opts.threads)
        return self.pulp.getSolver(self.solver_name, **kw)

    def write_model(self, path: str, objective=None, extra_rows=()) -> None:
        obj = np.zeros(self.lm.n_cols) if objective is None else objective
        prob, _ = self.lm.to_pulp(obj, "max", [(c, lo, hi, f"extra{i}")
                                               for i, (c, lo, hi) in enumerate(extra_rows)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if str(path).endswith(".lp"):
                prob.writeLP(str(path))
            else:
                prob.writeMPS(str(path))

    def solve(self, objective, sense="max", extra_rows=(), fix=None, start=None, time_limit=None,
              relax_integers=False, duals=False, label="", tight=False) -> StageResult:
        pulp = self.pulp  # ``tight`` is HiGHS's: PuLP's solvers keep their own tolerances
        t0 = time.perf_counter()
        lm = self.lm
        prob, xs = lm.to_pulp(objective, sense,
                              [(c, lo, hi, f"extra{i}") for i, (c, lo, hi) in enumerate(extra_rows)])
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
            return StageResult("error", None, None, None, time.perf_counter() - t0, str(exc))
        st = prob.status
        sol_status = getattr(prob, "sol_status", None)
        if st == pulp.LpStatusOptimal:
            status = "optimal"
            if sol_status == pulp.LpSolutionIntegerFeasible:
                status = "time_limit"
        elif st == pulp.LpStatusInfeasible:
            status = "infeasible"
        elif st == pulp.LpStatusUnbounded:
            status = "unbounded"
        elif st == pulp.LpStatusNotSolved:
            status = "no_solution"
        else:
            status = "error"
            if sol_status == pulp.LpSolutionIntegerFeasible:
                status = "time_limit"
        res = StageResult(status, None, None, None, 0.0, pulp.LpStatus.get(st, str(st)))
        if status in HAS_SOLUTION:
            x = np.array([v.varValue if v.varValue is not None else 0.0 for v in xs], float)
            res.x = x
            res.objective = float(np.dot(objective, x))
            res.mip_gap = 0.0 if status == "optimal" else None
        res.seconds = time.perf_counter() - t0
        return res


def make_backend(lm: LinearModel, opts: SolverOptions):
    """The backend for ``opts.solver``: ``highs`` (direct) or any PuLP solver by name."""
    opts.validate()
    if opts.solver.lower() in ("highs", "highspy"):
        return HighsBackend(lm, opts)
    return PulpBackend(lm, opts)


def solve_pulp(prob, gap: float | None = None, time_limit: float | None = None,
               threads: int | None = None, msg: bool = False) -> str:
    """Solve any ``pulp.LpProblem`` with HiGHS, passing the whole matrix at once.

    PuLP's own HiGHS adapter adds columns and rows one by one; this converts the problem with
    :meth:`LinearModel.from_pulp` and hands HiGHS the matrix in one call. Variable values are
    written back (``var.varValue``), ``prob.status`` and ``prob.sol_status`` are set as PuLP's
    solvers set them, and the status word of this module is returned.
    """
    import pulp

    lm, _ = LinearModel.from_pulp(prob)
    backend = HighsBackend(lm, SolverOptions(gap=gap, threads=threads, msg=msg).validate())
    res = backend.solve(lm.objectives["objective"], sense=lm.sense, time_limit=time_limit)
    prob.status = {"optimal": pulp.LpStatusOptimal, "time_limit": pulp.LpStatusOptimal,
                   "infeasible": pulp.LpStatusInfeasible, "unbounded": pulp.LpStatusUnbounded,
                   "no_solution": pulp.LpStatusNotSolved}.get(res.status, pulp.LpStatusUndefined)
    prob.sol_status = {"optimal": pulp.LpSolutionOptimal,
                       "time_limit": pulp.LpSolutionIntegerFeasible}.get(
        res.status, pulp.LpSolutionNoSolutionFound)
    if res.x is not None:
        for v, value in zip(lm.variables, res.x):
            v.varValue = float(value)
    return res.status
