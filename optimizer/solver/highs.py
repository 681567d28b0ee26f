"""HiGHS through highspy: the one LinearModel -> ``highspy.HighsLp`` builder, and the backend.

:class:`LpArrays` holds a linear (or mixed-integer) program as the arrays HiGHS is handed and
builds the ``highspy.HighsLp`` (:meth:`LpArrays.highs_lp`); :class:`HighsBackend`, the held LP
of :mod:`optimizer.sensitivity` and the diagnosis's variants of a model all come from it.
:func:`run_lp` solves one such LP in a fresh ``Highs`` and says how it ended.

highspy is imported where it is used, so that ``import optimizer`` (and ``regcollab --help``)
does not wait for it.
"""

from __future__ import annotations

import contextlib
import math
import os
import pathlib
import sys
import threading
import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from ..errors import WriteError
from ..i18n import _
from .backend import Backend
from . import options
from .options import TIGHT_OPTIONS, SolveProgress, SolverOptions
from .result import StageResult
from .status import Termination, highs_outcome

INF = np.inf


# --------------------------------------------------------------------------- the builder
@dataclass(frozen=True)
class LpArrays:
    """max (``sense="max"``) or min ``cost @ x + offset`` subject to ``row_lower <= A x <=
    row_upper``, ``col_lower <= x <= col_upper``, ``x[j]`` integer where ``integer[j]``.

    :meth:`of` takes a LinearModel's arrays; ``dataclasses.replace`` (or :meth:`but`) changes
    bounds, cost or sense; :meth:`with_rows` / :meth:`with_cols` append rows or continuous
    columns; :meth:`highs_lp` builds the ``highspy.HighsLp``."""

    A: object  # scipy sparse matrix, rows x columns (CSR or CSC)
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    cost: np.ndarray
    integer: np.ndarray  # bool per column
    sense: str = "max"
    offset: float = 0.0

    @classmethod
    def of(cls, lm, objective=None, sense: str = "max", integrality: bool = True) -> "LpArrays":
        """The arrays of LinearModel ``lm`` with ``objective`` (default 0); ``integrality``
        False relaxes every integer column."""
        n = lm.n_cols
        cost = np.zeros(n) if objective is None else np.asarray(objective, float)
        integer = lm.integer if integrality else np.zeros(n, bool)
        return cls(lm.A, lm.col_lower, lm.col_upper, lm.row_lower, lm.row_upper, cost,
                   integer, sense)

    def but(self, **changes) -> "LpArrays":
        """A copy with some fields changed (``None`` values keep the field)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def with_rows(self, rows) -> "LpArrays":
        """``rows`` appended: ``(coefficients over every column, lower, upper)`` each."""
        rows = list(rows)
        if not rows:
            return self
        A = sp.vstack([self.A] + [sp.csr_array(np.asarray(c, float)[None, :])
                                  for c, _, _ in rows], format="csr")
        return replace(self, A=A, row_lower=np.r_[self.row_lower, [r[1] for r in rows]],
                       row_upper=np.r_[self.row_upper, [r[2] for r in rows]])

    def with_cols(self, A_cols, lower, upper, cost=0.0) -> "LpArrays":
        """Continuous columns appended: their coefficients ``A_cols`` (rows x k), bounds and
        costs (arrays of k, or one value for all)."""
        k = A_cols.shape[1]

        def each(v):
            return np.broadcast_to(np.asarray(v, float), (k,))

        A = sp.hstack([self.A, A_cols], format="csr")
        return replace(self, A=A, col_lower=np.r_[self.col_lower, each(lower)],
                       col_upper=np.r_[self.col_upper, each(upper)],
                       cost=np.r_[self.cost, each(cost)],
                       integer=np.r_[self.integer, np.zeros(k, bool)])

    def highs_lp(self):
        """The ``highspy.HighsLp`` of these arrays (column-wise matrix)."""
        import highspy

        A = sp.csc_array(self.A)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
        lp.sense_ = highspy.ObjSense.kMaximize if self.sense == "max" else \
            highspy.ObjSense.kMinimize
        lp.col_cost_ = self.cost
        lp.offset_ = float(self.offset)
        lp.col_lower_, lp.col_upper_ = self.col_lower, self.col_upper
        lp.row_lower_, lp.row_upper_ = self.row_lower, self.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = A.indices.astype(np.int32)
        lp.a_matrix_.value_ = A.data
        if self.integer.any():
            lp.integrality_ = [highspy.HighsVarType.kInteger if i else
                               highspy.HighsVarType.kContinuous for i in self.integer]
        return lp


def to_highs_lp(lm, objective=None, sense: str = "max", extra_rows=(), integrality: bool = True,
                **bounds):
    """The ``highspy.HighsLp`` of LinearModel ``lm``: ``objective`` (default 0) in ``sense``,
    ``extra_rows`` appended, ``bounds`` (col_lower, col_upper, row_lower, row_upper, A: the
    model's own rows only) replaced. See :class:`LpArrays` for more changes."""
    return (LpArrays.of(lm, objective, sense, integrality).but(**bounds)
            .with_rows(extra_rows).highs_lp())


# --------------------------------------------------------------------------- a Highs object
_BANNER_SHOWN = False


def new_highs():
    """A ``highspy.Highs`` with output off. HiGHS prints a banner on standard output the first
    time one is made in a process; it would corrupt ``--format json``, so it goes to /dev/null."""
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


def option_value(h, name: str):
    """A HiGHS option's value (highspy returns ``(status, value)`` in some versions)."""
    v = h.getOptionValue(name)
    return v[1] if isinstance(v, tuple) else v


_SCHEDULER_THREADS = None
THREADS_ENV = "REGCOLLAB_THREADS"
"""Solver threads when a run does not say (like ``OMP_NUM_THREADS``; unset or 0: HiGHS
chooses). The test suite sets 1: it runs two workers on two cores, and HiGHS's idle threads
would take a third of a core from the other worker."""


def default_threads() -> int:
    """The thread count of a run that does not give one: ``$REGCOLLAB_THREADS`` or 0."""
    text = os.environ.get(THREADS_ENV, "").strip()
    if not text:
        return 0
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        from ..errors import InputError

        raise InputError(_("{variable} must be a whole number of threads (0: the solver "
                           "chooses), not {value}").format(variable=THREADS_ENV,
                                                           value=repr(text)))
    return value


def use_threads(h, threads: int | None) -> None:
    """Set HiGHS's thread count. Its scheduler is global to the process and a run fails when
    the count changes, so the scheduler is reset first when another count was used before."""
    import highspy

    global _SCHEDULER_THREADS
    want = int(threads or default_threads())  # 0: HiGHS chooses
    if _SCHEDULER_THREADS is not None and want != _SCHEDULER_THREADS:
        highspy.Highs.resetGlobalScheduler(True)
    h.setOptionValue("threads", want)
    _SCHEDULER_THREADS = want


def run_lp(lp, settings=None, threads: int | None = None):
    """Solve the ``highspy.HighsLp`` ``lp`` (an LP or a MIP) in a fresh ``Highs`` with
    ``settings`` (HiGHS option name -> value) and ``threads`` (None: :func:`default_threads`).
    Returns ``(outcome, h)``: how it ended (:class:`~optimizer.solver.status.Outcome`) and the ``Highs`` object,
    for its solution, duals, basis, ranging, rays or IIS."""
    import highspy

    h = new_highs()
    use_threads(h, threads)
    for name, value in (settings or {}).items():
        h.setOptionValue(name, value)
    if h.passModel(lp) == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model")
    run_highs(h)
    return highs_outcome(h), h


# --------------------------------------------------------------------------- the backend
class HighsBackend(Backend):
    """Solve a LinearModel with highspy, the whole matrix passed at once (``passModel``);
    each stage changes only its objective, extra rows, fixed columns and integrality."""

    name = "highs"
    supports_starts = True
    supports_duals = True
    supports_recording = True
    supports_tight = True

    record_dir = None  # see record()
    highs_seconds = 0.0  # HiGHS's own clock, summed over every run of this backend
    record_seconds = 0.0  # time spent writing recorded models (see record())

    def __init__(self, lm, opts: SolverOptions):
        import highspy

        self.hs = highspy
        self.lm = lm
        self.opts = opts
        self.integer = lm.integer
        self.stage = ""
        h = new_highs()
        # HiGHS calls back on every MIP log line only while logging is on; keep it off the
        # console unless asked for (msg)
        h.setOptionValue("output_flag", bool(opts.msg or opts.progress))
        h.setOptionValue("log_to_console", bool(opts.msg))
        if opts.progress is not None and hasattr(h, "cbMipLogging"):
            h.cbMipLogging.subscribe(self._progress_reporter(opts.progress))
        use_threads(h, opts.threads)
        if opts.tight:
            for o in TIGHT_OPTIONS:
                h.setOptionValue(o, option_value(h, o) / 1000.0)
        if opts.gap is not None:
            h.setOptionValue("mip_rel_gap", float(opts.gap))
        if h.passModel(LpArrays.of(lm).highs_lp()) == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model")
        self.h = h
        self.base_lower = lm.col_lower
        self.base_upper = lm.col_upper
        # A MIP start pays where HiGHS struggles to find any plan (large instances); on
        # smaller ones it was measured to slow HiGHS down (bench/county_scale.py), so it is
        # ignored there
        self.use_starts = int(self.integer.sum()) >= options.MIN_START_BINARIES

    def _progress_reporter(self, report):
        def on_mip_log(event):
            d = event.data_out
            report(SolveProgress(self.stage, float(d.running_time), float(d.mip_primal_bound),
                                 float(d.mip_dual_bound), float(d.mip_gap)))

        return on_mip_log

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

    @contextlib.contextmanager
    def _stage(self, objective, sense, extra_rows, fix, relax_integers):
        """The model changed for one solve (objective, extra rows, fixed columns, integrality
        relaxed), restored afterwards for the next. Yields the number of the model's own rows."""
        h = self.h
        m0 = self._stage_model(objective, sense, extra_rows)
        fixed = np.zeros(0, np.int32)
        if fix is not None:
            fixed = np.asarray(fix[0], np.int32)
            vals = np.asarray(fix[1], float)
            if len(fixed):
                h.changeColsBounds(len(fixed), fixed, vals, vals)
        relaxed = np.flatnonzero(self.integer).astype(np.int32) if relax_integers else \
            np.zeros(0, np.int32)
        if len(relaxed):
            h.changeColsIntegrality(len(relaxed), relaxed, np.zeros(len(relaxed), np.uint8))
        try:
            yield m0
        finally:
            self._drop_rows_from(m0)
            if len(fixed):
                h.changeColsBounds(len(fixed), fixed, self.base_lower[fixed],
                                   self.base_upper[fixed])
            if len(relaxed):
                h.changeColsIntegrality(len(relaxed), relaxed, np.ones(len(relaxed), np.uint8))

    @contextlib.contextmanager
    def _tight_tolerances(self):
        """Feasibility tolerances 1000 times tighter, restored afterwards."""
        h = self.h
        saved = {o: option_value(h, o) for o in TIGHT_OPTIONS}
        for o in TIGHT_OPTIONS:
            h.setOptionValue(o, saved[o] / 1000.0)
        try:
            yield
        finally:
            for o, v in saved.items():
                h.setOptionValue(o, v)

    def write_model(self, path: str, objective=None, extra_rows=()) -> None:
        """Write the model with this objective and extra rows (MPS or LP by the extension)."""
        m0 = self._stage_model(np.zeros(self.lm.n_cols) if objective is None else objective,
                               "max", extra_rows)
        try:
            status = self.h.writeModel(str(path))
        finally:
            self._drop_rows_from(m0)
        if status == self.hs.HighsStatus.kError:
            raise WriteError(_("HiGHS could not write the model as {ending} (is the disk "
                               "full?); nothing was written").format(
                ending=pathlib.PurePath(path).suffix))

    def _record(self, label: str, time_limit) -> float:
        """Write the model of this solve when recording; returns the seconds it took."""
        if self.record_dir is None:
            return 0.0
        t_w = time.perf_counter()
        name = f"{len(self.recorded):02d}.mps"
        self.h.writeModel(str(pathlib.Path(self.record_dir) / name))
        self.recorded.append({"file": name, "label": label, "time_limit": time_limit})
        t_w = time.perf_counter() - t_w
        self.record_seconds += t_w
        return t_w

    def solve(self, objective: np.ndarray, sense: str = "max", extra_rows=(), fix=None,
              start: np.ndarray | None = None, time_limit: float | None = None,
              relax_integers: bool = False, duals: bool = False, label: str = "",
              tight: bool = False) -> StageResult:
        """One solve; see :meth:`optimizer.solver.backend.Backend.solve`."""
        if tight:
            with self._tight_tolerances():
                return self.solve(objective, sense, extra_rows, fix, start, time_limit,
                                  relax_integers, duals, label)
        h = self.h
        self.stage = label
        t0 = time.perf_counter()
        with self._stage(objective, sense, extra_rows, fix, relax_integers) as m0:
            h.setOptionValue("time_limit", float(time_limit) if time_limit else INF)
            t0 += self._record(label, time_limit)  # writing is not solving
            # each stage starts afresh (no basis or search state of the previous stage), as
            # HiGHS would on the written model; only the explicit start below carries over
            h.clearSolver()
            if start is not None and not relax_integers and self.use_starts:
                sol = self.hs.HighsSolution()
                sol.col_value = list(np.asarray(start, float))
                sol.value_valid = True
                h.setSolution(sol)
            clock0 = h.getRunTime()
            run_highs(h)
            own = h.getRunTime() - clock0
            self.highs_seconds += own
            res = self._result(m0, mip=bool(self.integer.any()) and not relax_integers,
                               duals=duals)
            res.info["highs_seconds"] = own
        res.seconds = time.perf_counter() - t0
        return res

    def _result(self, m0: int, mip: bool, duals: bool) -> StageResult:
        """The result of the run just ended (``m0``: the model's own rows; the duals of the
        extra rows after them go to ``extra_dual``)."""
        h = self.h
        outcome = highs_outcome(h)
        info = h.getInfo()
        optimal = outcome.termination is Termination.OPTIMAL
        res = StageResult(outcome, None, None, None, 0.0,
                          h.modelStatusToString(h.getModelStatus()))
        if outcome.has_plan:
            sol = h.getSolution()
            res.x = np.asarray(sol.col_value, float)
            res.objective = float(info.objective_function_value)
            if mip:
                gap = float(info.mip_gap)
                res.mip_gap = gap if math.isfinite(gap) else None
            else:
                res.mip_gap = 0.0 if optimal else None
            if duals and sol.dual_valid:
                rd = np.asarray(sol.row_dual, float)
                res.row_dual, res.extra_dual = rd[:m0], rd[m0:]
                res.col_dual = np.asarray(sol.col_dual, float)
        if mip:
            b = float(getattr(info, "mip_dual_bound", INF))
            res.bound = b if math.isfinite(b) and abs(b) < 1e30 else None
        elif optimal:
            res.bound = res.objective
        res.info = {"mip_node_count": int(getattr(info, "mip_node_count", 0) or 0)}
        return res
