"""The grid sweep of :func:`optimizer.pareto.augmecon2` on HiGHS, fast: one model per worker,
row bounds changed between solves, warm starts from the points already seen, the epsilon
range split across the local cores.

Each worker holds one ``highspy.Highs`` with the model's rows and one row per constrained
objective f_2..f_p (and one for f_1, used only by ``bound_rows``), passed once; a grid point
changes only those rows' bounds. What makes it fast, each measured in ``bench/exact_front.py``
(docs/performance.md, "Exact Pareto fronts"):

- **warm starts**: HiGHS reports every feasible solution it finds (``cbMipSolution``); they
  are kept in a pool, and each solve starts from the pooled solution that is best for its own
  box (``f_k >= e_k``), which is often the next point of the front or near it. HiGHS restarts
  (``mip_allow_restart``) are off by default: a restart dropped the start's benefit;
- **skipped solves**: the AUGMECON2 bypass and early exit, and AUGMECON-R's reuse across
  outer grid rows: a solution found for box e' lies in a smaller box e >= e' is optimal there
  too, and a box inside an infeasible one is infeasible;
- **workers**: with two objectives the grid of f_2 is cut into chunks. Their first points
  are solved first, in parallel; then each chunk is swept from its first point to the next
  chunk's, with the next chunk's first point in its pool (feasible in every box of the chunk).
  With three or more objectives the outer grid rows are split into blocks.
- **exact weights**: when every objective is integral (integer coefficients on integer
  columns only) and the gap is 0, the augmented objective is ``M f_1 + sum_k f_k`` with
  ``M > sum_k r_k``, which is lexicographic and integral, instead of ``f_1 + delta * ...``;
- ``bound_rows`` (off by default, measured slower): bound f_1 by the neighbours, above by
  the last point of the sweep (two objectives, exact weights: minus one) and below by the
  best pooled solution feasible in the box.

Workers run on the project's process pool (:func:`optimizer.parallel.local_pool` through
:func:`~optimizer.parallel.run_tasks`); a worker keeps its HiGHS model and pool between the
chunks it is given.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field

import numpy as np

from .parallel import default_workers, local_pool, run_tasks
from .solver.highs import LpArrays, new_highs, run_highs, use_threads
from .solver.status import highs_outcome

INF = np.inf
DEFAULT_HIGHS_OPTIONS = {"mip_allow_restart": False}
POOL_MAX = 4000  # solutions kept for warm starts (the oldest are dropped)


@dataclass
class SweepProblem:
    """Everything a worker needs, picklable: the constraints with the objective rows appended
    (``arrays``, its objective the augmented one), the objectives ``C`` (p x n, maximised),
    the grid (``lo``, ``steps``, ``counts`` of objectives 2..p) and the settings."""

    arrays: LpArrays
    C: np.ndarray
    lo: np.ndarray
    steps: np.ndarray
    counts: np.ndarray
    gap: float | None = None
    threads: int | None = None
    time_limit: float | None = None
    bypass: bool = True
    warm_start: bool = True
    bound_rows: bool = False
    exact: bool = False
    highs_options: dict = field(default_factory=dict)
    key: str = field(default_factory=lambda: uuid.uuid4().hex)

    def level(self, k: int, i: int) -> float:
        """The epsilon of objective k (1-based among 2..p, so k - 1 in the arrays) at i."""
        return float(self.lo[k - 1] + i * self.steps[k - 1])


@dataclass
class Record:
    """A solved grid box: its levels e_2..e_p, the values f_1..f_p found and the solution."""

    e: np.ndarray
    f: np.ndarray
    x: np.ndarray


def augmented(C: np.ndarray, ranges: np.ndarray, delta: float, integral: bool) -> np.ndarray:
    """The augmented objective: lexicographic integer weights when ``integral`` (f_1 first,
    then the sum of the others), else AUGMECON2's ``f_1 + delta * sum 10^-i f_k / r_k``."""
    p = len(C)
    if integral:
        M = 1.0 + float(sum(ranges[1:]))
        return M * C[0] + C[1:].sum(axis=0)
    r = np.where(ranges > 1e-12, ranges, 1.0)
    return C[0] + delta * sum((10.0 ** -(k - 1)) * C[k] / r[k] for k in range(1, p))


def integral_objectives(C: np.ndarray, integer: np.ndarray) -> bool:
    """Every objective takes integer values on integer points: integer coefficients on integer
    columns, none on continuous ones."""
    return bool(np.all(C[:, ~integer] == 0) and np.all(C == np.round(C)))


# --------------------------------------------------------------------------- one worker's HiGHS
class FrontSolver:
    """One HiGHS model of a :class:`SweepProblem`; :meth:`solve` changes the objective rows'
    bounds, starts from the best pooled solution and runs."""

    def __init__(self, prob: SweepProblem):
        import highspy

        self.hs, self.prob = highspy, prob
        p, self.n = prob.C.shape
        self.m0 = len(prob.arrays.row_lower) - p  # the model's own rows; then f_1, f_2..f_p
        h = new_highs()
        use_threads(h, prob.threads)
        if prob.gap is not None:
            h.setOptionValue("mip_rel_gap", float(prob.gap))
        for name, value in prob.highs_options.items():
            h.setOptionValue(name, value)
        if h.passModel(prob.arrays.highs_lp()) == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model")
        self.h = h
        self.pool, self.values, self.aug = [], np.zeros((0, p)), np.zeros(0)
        self._new = []
        if prob.warm_start:
            h.cbMipSolution.subscribe(self._on_solution)
            h.cbMipImprovingSolution.subscribe(self._on_solution)

    def _on_solution(self, event) -> None:
        self._new.append(np.array(event.data_out.mip_solution, float))

    def add(self, xs) -> None:
        """Solutions into the pool (feasible for the model's own rows)."""
        xs = [x for x in xs if x is not None and len(x) == self.n]
        if not xs:
            return
        self.pool.extend(xs)
        self.values = np.vstack([self.values, np.array(xs) @ self.prob.C.T])
        self.aug = np.r_[self.aug, np.array(xs) @ self.prob.arrays.cost]
        if len(self.pool) > POOL_MAX:
            cut = len(self.pool) - POOL_MAX // 2
            self.pool, self.values, self.aug = self.pool[cut:], self.values[cut:], self.aug[cut:]

    def best_in_box(self, e: np.ndarray):
        """The index of the pooled solution with the best augmented value in box ``e``."""
        if not len(self.pool):
            return None
        tol = 1e-6 * np.maximum(1.0, np.abs(e))
        ok = (self.values[:, 1:] >= e - tol).all(axis=1)
        if not ok.any():
            return None
        idx = np.flatnonzero(ok)
        return int(idx[np.argmax(self.aug[idx])])

    def solve(self, e: np.ndarray, f1_range=(-INF, INF)):
        """Solve box ``e`` (levels of f_2..f_p); returns ``(status word, x or None)``."""
        prob, h, hs = self.prob, self.h, self.hs
        tol = 1e-9 * np.maximum(1.0, np.abs(e))
        lower = np.ceil(e - tol) if prob.exact else e - tol
        p = len(e) + 1
        rows = np.arange(self.m0, self.m0 + p, dtype=np.int32)
        h.changeRowsBounds(p, rows, np.r_[f1_range[0], lower],
                           np.r_[f1_range[1], np.full(p - 1, INF)])
        h.setOptionValue("time_limit", float(prob.time_limit) if prob.time_limit else INF)
        h.clearSolver()
        j = self.best_in_box(e) if prob.warm_start else None
        if j is not None and f1_range[0] <= self.values[j, 0] <= f1_range[1]:
            sol = hs.HighsSolution()
            sol.col_value = list(self.pool[j])
            sol.value_valid = True
            h.setSolution(sol)
        self._new = []
        run_highs(h)
        self.add(self._new)
        outcome = highs_outcome(h)
        x = np.asarray(h.getSolution().col_value, float) if outcome.has_plan else None
        return outcome.status, x


_WORKER: dict = {}  # this process's FrontSolver, kept between the chunks of one front


def _solver_for(prob: SweepProblem) -> FrontSolver:
    if _WORKER.get("key") != prob.key:
        _WORKER.clear()
        _WORKER.update(key=prob.key, solver=FrontSolver(prob))
    return _WORKER["solver"]


# --------------------------------------------------------------------------- one task
@dataclass
class Task:
    """Sweep objective 2's grid indices ``[start, stop)`` for each outer combination (grid
    indices of objectives p..3, outermost first), knowing the ``seeds`` records already."""

    prob: SweepProblem
    combos: list
    start: int
    stop: int
    seeds: list = field(default_factory=list)
    pool: list = field(default_factory=list)


def run_task(task: Task) -> dict:
    """Run one :class:`Task`; returns its new records, solves and statuses."""
    prob = task.prob
    solver = _solver_for(prob)
    solver.add(task.pool + [r.x for r in task.seeds])
    state = {"known": Known(task.seeds, len(prob.C)), "new": [], "solves": 0,
             "statuses": {}}
    for combo in task.combos:
        _sweep_row(solver, task, combo, state)
    return {k: state[k] for k in ("new", "solves", "statuses")}


class Known:
    """The solved boxes of a task (levels, values, solution) and its infeasible boxes, as
    arrays, so that each grid point is checked against all of them at once."""

    def __init__(self, records, p: int):
        self.records = []
        self.E, self.F = np.zeros((0, p - 1)), np.zeros((0, p))
        self.infeasible = np.zeros((0, p - 1))
        for r in records:
            self.add(r)

    def add(self, r: Record) -> None:
        self.records.append(r)
        self.E, self.F = np.vstack([self.E, r.e]), np.vstack([self.F, r.f])

    def add_infeasible(self, e) -> None:
        self.infeasible = np.vstack([self.infeasible, e])

    def covering(self, e) -> Record | None:
        """A solved box inside which ``e`` lies whose solution is feasible in ``e`` (so
        optimal there too): the bypass of AUGMECON2 and the jumps of AUGMECON-R."""
        tol = 1e-9 * np.maximum(1.0, np.abs(e))
        inside = (self.E <= e + tol).all(axis=1) & (self.F[:, 1:] >= e - tol).all(axis=1)
        hit = np.flatnonzero(inside)
        return self.records[hit[-1]] if len(hit) else None

    def is_infeasible(self, e) -> bool:
        """``e`` lies in a box known to be infeasible (its levels at least as high)."""
        tol = 1e-9 * np.maximum(1.0, np.abs(e))
        return bool((self.infeasible <= e + tol).all(axis=1).any())


def _f1_range(prob, records, solver, e) -> tuple:
    """Bounds on f_1 in box ``e`` from the neighbours (``bound_rows``, exact weights only)."""
    if not (prob.bound_rows and prob.exact):
        return (-INF, INF)
    hi = INF
    for r in records:
        if (r.e <= e).all():  # a larger box: its optimum bounds this one's
            strict = len(e) == 1 and r.f[1] < e[0]
            hi = min(hi, r.f[0] - (1.0 if strict else 0.0))
    j = solver.best_in_box(e)
    lo = solver.values[j, 0] if j is not None else -INF
    return (lo, hi)


def _sweep_row(solver, task: Task, combo: tuple, state: dict) -> None:
    """The innermost loop (objective 2) at one outer combination: bypass and early exit."""
    prob = task.prob
    p = len(prob.lo) + 1
    outer = {k: prob.level(k, i) for k, i in zip(range(p - 1, 1, -1), combo)}
    i = task.start
    while i < task.stop:
        e = np.array([prob.level(1, i)] + [outer[k] for k in range(2, p)])
        known = state["known"]
        r = known.covering(e) if prob.bypass else None
        if r is None:
            if known.is_infeasible(e):
                return
            status, x = solver.solve(e, _f1_range(prob, known.records, solver, e))
            state["solves"] += 1
            state["statuses"][status] = state["statuses"].get(status, 0) + 1
            if x is None:
                if status == "infeasible":
                    known.add_infeasible(e)
                return  # early exit: a larger e_2 is only harder
            r = Record(e, x @ prob.C.T, x)
            known.add(r)
            state["new"].append(r)
        step = prob.steps[0]
        jump = int(math.floor(max(0.0, r.f[1] - e[0]) / step + 1e-9)) if prob.bypass and step > 0 \
            else 0
        i += jump + 1


# --------------------------------------------------------------------------- the whole grid
def sweep(prob: SweepProblem, workers: int = 1, chunks: int | None = None, seeds=(),
          progress=None) -> dict:
    """Solve the grid of ``prob`` on ``workers`` processes (``chunks`` pieces, default 4 per
    worker). ``seeds``: known solutions (the payoff table's) for the pools. Returns
    ``{"records", "solves", "statuses"}``."""
    p = len(prob.lo) + 1
    n2 = int(prob.counts[0]) + 1
    outer = [range(int(c) + 1) for c in reversed(prob.counts[1:])]
    combos = [tuple(c) for c in np.ndindex(*[len(o) for o in outer])] if outer else [()]
    workers = max(1, min(int(workers), default_workers()))
    chunks = max(1, int(chunks) if chunks else (1 if workers == 1 else 4 * workers))
    pool_seeds = [np.asarray(x, float) for x in seeds]
    ex = local_pool(workers) if workers > 1 else None
    try:
        if p == 2:
            out = _two_phases(prob, n2, chunks, pool_seeds, ex, progress)
        else:
            blocks = [list(b) for b in np.array_split(np.arange(len(combos)), min(chunks,
                                                                                   len(combos)))]
            tasks = [Task(prob, [combos[i] for i in b], 0, n2, pool=pool_seeds) for b in blocks]
            out = _merge(run_tasks(run_task, tasks, executor=ex, progress=progress))
    finally:
        if ex is not None:
            ex.shutdown(wait=True)
        _WORKER.clear()  # the inline solver (one worker) is not needed any more
    return out


def _two_phases(prob, n2, chunks, pool_seeds, ex, progress) -> dict:
    """Two objectives: the chunks' first points (in parallel), then each chunk's sweep."""
    starts = sorted({int(round(j * n2 / chunks)) for j in range(chunks)})
    first = [Task(prob, [()], s, s + 1, pool=pool_seeds) for s in starts[1:]]
    done = _merge(run_tasks(run_task, first, executor=ex)) if first else _merge([])
    by_start = {}
    for r in done["records"]:
        i = int(round((r.e[0] - prob.lo[0]) / prob.steps[0])) if prob.steps[0] > 0 else 0
        by_start[i] = r
    if len(done["records"]) < len(first):  # a first point infeasible: later chunks are too
        starts = [s for s in starts if s == 0 or s in by_start]
    tasks = []
    for j, s in enumerate(starts):
        stop = starts[j + 1] if j + 1 < len(starts) else n2
        seeds = [by_start[t] for t in (s, stop) if t in by_start]
        tasks.append(Task(prob, [()], s, stop, seeds=seeds, pool=pool_seeds))
    rest = _merge(run_tasks(run_task, tasks, executor=ex, progress=progress))
    return _merge([done, rest])


def _merge(results) -> dict:
    out = {"records": [], "solves": 0, "statuses": {}}
    for res in results:
        out["records"] += res.get("new", res.get("records", []))
        out["solves"] += res["solves"]
        for s, c in res["statuses"].items():
            out["statuses"][s] = out["statuses"].get(s, 0) + c
    return out
