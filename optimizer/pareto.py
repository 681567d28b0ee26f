"""Analysis: exact Pareto fronts with AUGMECON2 (Mavrotas & Florios 2013).

Generic: :func:`augmecon2` takes any ``pulp.LpProblem`` (or a :class:`LinearModel`) and two
or more objectives, all maximised unless ``senses`` says otherwise, and returns the Pareto
front. :func:`pareto` applies it to an allocation instance: efficiency first, equity
constrained, with the knee and the price of fairness of every point.

The method (``../shared/literature.md`` §d): a lexicographic payoff table gives the range
r_k of each constrained objective k = 2..p; a grid e_k splits it; each grid point solves

    max f_1 + delta * sum_k 10^-(k-2) s_k / r_k   s.t.  f_k - s_k = e_k,  s_k >= 0

(written without slack columns as ``max f_1 + delta * sum_k w_k f_k / r_k  s.t. f_k >= e_k``;
the two differ by a constant). After each solve the *bypass* coefficient
floor(s_2 / step_2) skips grid points that would give the same solution, and an infeasible
sub-problem ends its innermost loop (*early exit*). With integer objectives and ``step=1``
the front is complete and exact.

Two engines solve the grid: the sweep engine of :mod:`optimizer.front_solver` (HiGHS; one
model per worker, warm starts, the grid split across the local cores; the default) and the
classic one here (:func:`_explore`, any backend, one solve of the backend per grid point).
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import front_solver, verify
from .errors import InputError
from .i18n import N_, _
from .model import LinearModel, build_model
from .options import RunOptions
from .pipeline import effective_instance
from .solution import extract_tables
from .solver.factory import make_backend
from .solver.highs import LpArrays
from .solver.options import SolverOptions

DELTA = 1e-3  # augmentation weight (GAMS epscmmip and pyaugmecon default)


@dataclass
class ParetoFront:
    """The front: one row per efficient point (objective values), with its solution vector."""

    points: pd.DataFrame
    solutions: list
    payoff: pd.DataFrame
    solves: int
    seconds: float
    statuses: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.points)


def _lexicographic_row(backend, C, k, order, gap_tol, time_limit=None):
    """Optimise objective k, then the others in ``order`` with each optimum held."""
    rows = []
    x = None
    solves = 0
    for j in [k] + [o for o in order if o != k]:
        res = backend.solve(C[j], extra_rows=rows, time_limit=time_limit, start=x)
        solves += 1
        if not res.ok:
            if x is None:
                raise InputError(_("the payoff table cannot be computed: optimising objective "
                                   "{n} ended with status {status}").format(n=j + 1,
                                                                            status=res.status))
            break
        x = res.x
        value = float(C[j] @ x)
        rows.append((C[j], value - (1e-9 * abs(value) + 1e-7), np.inf))
    return x, solves


def nondominated(values: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Mask of the rows of ``values`` (maximised) that no other row dominates (a repeated
    point is kept once)."""
    n = len(values)
    keep = np.ones(n, bool)
    scale = np.maximum(1.0, np.abs(values).max(axis=0)) * tol
    for i in range(n):
        ge = (values >= values[i] - scale).all(axis=1)
        gt = (values > values[i] + scale).any(axis=1)
        same = (np.abs(values - values[i]) <= scale).all(axis=1)
        if (ge & gt).any() or (same[:i] & keep[:i]).any():
            keep[i] = False
    return keep


BAD_ENGINE = N_("engine must be auto, sweep or classic, not {value}")


def augmecon2(model, objectives, names=None, senses=None, grid: int | list = 10,
              step=None, lower_bounds=None, solver: str = "highs", gap: float | None = None,
              threads: int | None = None, time_limit: float | None = None, bypass: bool = True,
              delta: float = DELTA, progress=None, backend=None, workers: int = 1,
              chunks: int | None = None, engine: str = "auto", warm_start: bool = True,
              exact_weights: bool = True, bound_rows: bool = False,
              highs_options: dict | None = None) -> ParetoFront:
    """The Pareto front of ``objectives`` over the feasible set of ``model``.

    Parameters
    ----------
    model : pulp.LpProblem or LinearModel
        The constraints (the problem's own objective is ignored).
    objectives : list
        Two or more PuLP expressions (or vectors over a LinearModel's columns). The first is
        optimised; the others are constrained on a grid.
    senses : list of "max"/"min", optional
        Default: all maximised.
    grid : int or list of int
        Number of grid intervals per constrained objective (``grid + 1`` points).
    step : float or list, optional
        Grid step per constrained objective instead of ``grid``; ``step=1`` with integer
        objectives enumerates the exact front.
    lower_bounds : list, optional
        Lower limits of the constrained objectives instead of their payoff-table minimum.
    gap, threads, time_limit, solver : solver settings (time_limit per sub-problem).
    progress : callable(done, total), optional
        Grid points (classic engine) or chunks (sweep engine) done.
    engine : "auto", "sweep" or "classic"
        ``"sweep"`` (the default with HiGHS and no ``backend``): :mod:`optimizer.front_solver`,
        one HiGHS model per worker whose objective rows' bounds change between solves.
        ``"classic"``: each grid point a solve of ``backend`` (any solver) with its epsilon
        rows added and removed; the benchmark's reference.
    workers, chunks : int
        Sweep engine: processes of the project's local pool (capped at the cores; HiGHS runs
        one thread in each unless ``threads`` says otherwise) and pieces of the grid (default
        4 per worker, 1 with one worker).
    warm_start : bool
        Sweep engine: start each solve from the best solution HiGHS has reported so far that
        is feasible in its box.
    exact_weights : bool
        With integral objectives and ``gap=0``, an integer lexicographic augmented objective
        (``M f_1 + sum f_k``) instead of ``delta``.
    bound_rows : bool
        Sweep engine, exact weights: bound f_1 by the neighbouring points (measured slower).
    highs_options : dict, optional
        Sweep engine's HiGHS options; default ``front_solver.DEFAULT_HIGHS_OPTIONS``.
    """
    t0 = time.perf_counter()
    lm, vecs, consts = _as_vectors(model, objectives)
    p = len(vecs)
    if p < 2:
        raise InputError(_("a Pareto front needs at least two objectives"))
    senses = list(senses) if senses is not None else ["max"] * p
    sign = np.array([1.0 if s == "max" else -1.0 for s in senses])
    C = [sign[k] * vecs[k] for k in range(p)]
    names = list(names) if names is not None else [f"f{k + 1}" for k in range(p)]
    given_backend = backend is not None
    if backend is None:
        backend = make_backend(lm, SolverOptions(solver=solver, gap=gap, threads=threads))
    payoff, seeds, solves = _payoff_table(backend, C, gap, time_limit)
    hi = payoff.diagonal().copy()
    lo = payoff.min(axis=0)
    for k, b in enumerate(lower_bounds or [], start=1):
        if b is not None:
            lo[k] = sign[k] * (float(b) - consts[k]) if sign[k] > 0 else lo[k]
    g = _Grid(lo, np.maximum(hi - lo, 0.0), grid, step)
    if engine == "auto":
        engine = "sweep" if solver == "highs" and not given_backend else "classic"
    if engine not in ("sweep", "classic"):
        raise InputError(_(BAD_ENGINE).format(value=repr(engine)))
    found, status_count, n = _sweep(lm, C, g, hi - lo, seeds, dict(
        gap=gap, threads=threads, time_limit=time_limit, bypass=bypass, delta=delta,
        workers=workers, chunks=chunks, warm_start=warm_start, bound_rows=bound_rows,
        exact_weights=exact_weights, highs_options=highs_options), progress) \
        if engine == "sweep" else _explore(backend, C, g, delta, time_limit, bypass, progress)
    front = _front(found, sign, consts, names, payoff)
    front.solves, front.statuses = solves + n, status_count
    front.seconds = time.perf_counter() - t0
    return front


def _payoff_table(backend, C, gap, time_limit) -> tuple:
    """The lexicographic payoff table (each objective first, the rest in index order), the
    solution of each row and the solves made."""
    p = len(C)
    payoff = np.zeros((p, p))
    seeds, solves = [], 0
    for k in range(p):
        x, n = _lexicographic_row(backend, C, k, list(range(p)), gap, time_limit)
        solves += n
        seeds.append(x)
        payoff[k] = [float(C[j] @ x) for j in range(p)]
    return payoff, seeds, solves


def _front(found: dict, sign, consts, names, payoff) -> ParetoFront:
    """The nondominated points of ``found`` (values -> solution), sorted, in the objectives'
    own senses and constants."""
    p = len(sign)
    keys = list(found)
    values = np.array(keys, float) if keys else np.zeros((0, p))
    keep = nondominated(values) if len(values) else np.zeros(0, bool)
    order_idx = np.lexsort(tuple(-values[keep][:, j] for j in reversed(range(p))))
    kept = [keys[i] for i in np.flatnonzero(keep)]
    kept = [kept[i] for i in order_idx]
    pts = pd.DataFrame([[sign[j] * v[j] + consts[j] for j in range(p)] for v in kept],
                       columns=names)
    payoff_df = pd.DataFrame(sign[None, :] * payoff + np.array(consts)[None, :],
                             columns=names, index=[f"{n} first" for n in names])
    return ParetoFront(points=pts, solutions=[found[k] for k in kept], payoff=payoff_df,
                       solves=0, seconds=0.0)


def _as_vectors(model, objectives) -> tuple:
    """``(LinearModel, objective vectors, their constants)`` of a LinearModel and vectors or
    of a ``pulp.LpProblem`` and PuLP expressions."""
    if isinstance(model, LinearModel):
        vecs = [np.asarray(o, float) for o in objectives]
        return model, vecs, [0.0] * len(vecs)
    lm, vecs = LinearModel.from_pulp(model, objectives)
    return lm, vecs, [lm.objective_constants[f"f{k + 1}"] for k in range(len(vecs))]


class _Grid:
    """The grid of the constrained objectives k = 1..p-1: from ``lo[k]``, ``counts[k]``
    intervals of ``steps[k]`` (a given step, or the range split into ``grid`` intervals)."""

    def __init__(self, lo, ranges, grid, step):
        self.lo = lo
        self.kk = list(range(1, len(lo)))
        self.steps, self.counts = {}, {}
        for i, k in enumerate(self.kk):
            if step is not None:
                s = step[i] if isinstance(step, (list, tuple)) else step
                self.steps[k] = float(s)
                self.counts[k] = int(math.floor(ranges[k] / s + 1e-9))
            else:
                g = grid[i] if isinstance(grid, (list, tuple)) else grid
                g = max(int(g), 1)
                self.counts[k] = g if ranges[k] > 0 else 0
                self.steps[k] = ranges[k] / g if ranges[k] > 0 else 1.0
        self.r_safe = {k: ranges[k] if ranges[k] > 1e-12 else 1.0 for k in self.kk}

    def level(self, k, i) -> float:
        return self.lo[k] + i * self.steps[k]


def _sweep(lm, C, g: _Grid, ranges, seeds, o: dict, progress) -> tuple:
    """The grid solved by :mod:`optimizer.front_solver`; returns what :func:`_explore` does."""
    C = np.array(C)
    exact = (o["exact_weights"] and o["gap"] == 0
             and front_solver.integral_objectives(C, np.asarray(lm.integer, bool)))
    aug = front_solver.augmented(C, np.asarray(ranges, float), o["delta"], exact)
    rows = [(C[k], -np.inf, np.inf) for k in range(len(C))]
    threads = o["threads"] if o["threads"] is not None or o["workers"] <= 1 else 1
    prob = front_solver.SweepProblem(
        LpArrays.of(lm, aug, "max").with_rows(rows), C,
        np.array([g.lo[k] for k in g.kk], float), np.array([g.steps[k] for k in g.kk], float),
        np.array([g.counts[k] for k in g.kk], int), gap=o["gap"], threads=threads,
        time_limit=o["time_limit"], bypass=o["bypass"], warm_start=o["warm_start"],
        bound_rows=o["bound_rows"], exact=exact,
        highs_options=dict(front_solver.DEFAULT_HIGHS_OPTIONS if o["highs_options"] is None
                           else o["highs_options"]))
    out = front_solver.sweep(prob, o["workers"], o["chunks"], seeds, progress)
    found: dict[tuple, np.ndarray] = {}
    for r in sorted(out["records"], key=lambda r: tuple(r.e)):
        found.setdefault(tuple(round(float(v), 9) for v in r.f), r.x)
    return found, out["statuses"], out["solves"]


def _explore(backend, C, g: _Grid, delta, time_limit, bypass: bool, progress) -> tuple:
    """Solve the grid's sub-problems, innermost objective 2 with bypass and early exit (the
    classic engine). Returns ``(objective values -> solution, status counts, solves)``."""
    aug = C[0] + delta * sum((10.0 ** -(i)) * C[k] / g.r_safe[k] for i, k in enumerate(g.kk))
    p = len(C)
    found: dict[tuple, np.ndarray] = {}
    status_count: dict[str, int] = {}
    solves = 0
    total = int(np.prod([g.counts[k] + 1 for k in g.kk]))
    done = 0
    outer = [range(g.counts[k] + 1) for k in reversed(g.kk[1:])]  # objectives p..3
    k2 = g.kk[0]
    for outer_idx in itertools.product(*outer) if outer else [()]:
        e = {k: g.level(k, i) for k, i in zip(reversed(g.kk[1:]), outer_idx)}
        i2 = 0
        while i2 <= g.counts[k2]:
            e[k2] = g.level(k2, i2)
            rows = [(C[k], e[k] - 1e-9 * max(1.0, abs(e[k])), np.inf) for k in g.kk]
            res = backend.solve(aug, extra_rows=rows, time_limit=time_limit)
            solves += 1
            status_count[res.status] = status_count.get(res.status, 0) + 1
            if not res.ok:
                done += g.counts[k2] + 1 - i2
                break  # early exit: larger e_2 is only harder
            found.setdefault(tuple(round(float(C[j] @ res.x), 9) for j in range(p)), res.x)
            jump = 0
            if bypass:
                s2 = float(C[k2] @ res.x) - e[k2]
                # the row allows f_2 a hair below e_2, so s2 may be slightly negative
                jump = max(0, int(math.floor(s2 / g.steps[k2] + 1e-9))) if g.steps[k2] > 0 else 0
            done += jump + 1
            i2 += jump + 1
            if progress is not None:
                progress(min(done, total), total)
    if progress is not None:
        progress(total, total)
    return found, status_count, solves


# --------------------------------------------------------------------------- allocation front
def knee_index(E: np.ndarray, Q: np.ndarray) -> int | None:
    """The point farthest from the line between the two extremes (normalised axes)."""
    if len(E) < 3:
        return None
    e = (E - E.min()) / (E.max() - E.min() if E.max() > E.min() else 1.0)
    q = (Q - Q.min()) / (Q.max() - Q.min() if Q.max() > Q.min() else 1.0)
    # the line from (1, 0) (efficiency extreme) to (0, 1) (equity extreme): e + q = 1
    d = (e + q - 1.0) / math.sqrt(2.0)
    i = int(np.argmax(d))
    return i if d[i] > 1e-9 else None


def pareto(inst, points: int = 11, progress=None, options=None, **kwargs):
    """The efficiency-equity front of an instance (AUGMECON2 with ``points`` grid points).

    ``options`` (a :class:`~optimizer.options.RunOptions`) and the keywords (its fields:
    ``solver``, ``gap``, ``threads``, ``time_limit``, ``equity``, ``beta``, ``soft``, ...)
    are those of :func:`optimizer.solve`; ``progress(done, total)`` follows the front's solves.
    Returns a :class:`ParetoFront` whose ``points`` has the columns efficiency, equity,
    price_of_fairness ((E_ideal - E) / E_ideal), knee, pairings and the count of each type.
    """
    if points < 2:
        raise InputError(_("--points must be at least 2, not {value}").format(value=points))
    opts = RunOptions.of(options, **kwargs)
    inst = effective_instance(inst, opts)
    am = build_model(inst)
    lm = am.lm
    cE = lm.objectives["efficiency"] - lm.objectives["penalty"]
    cQ = lm.objectives["equity"]
    front = augmecon2(lm, [cE, cQ], names=["efficiency", "equity"], grid=points - 1,
                      solver=opts.solver, gap=opts.gap, threads=opts.threads,
                      time_limit=opts.time_limit, progress=progress,
                      engine="classic")  # (the sweep engine is not yet measured on regions)
    df = front.points
    # every point's plan cleaned to the model's bounds and checked against every rule, as a
    # solve's plan is (optimizer/verify.py); a point that still breaks one says so
    front.solutions = [verify.clean(am, x) for x in front.solutions]
    df["efficiency"] = [float(cE @ x) for x in front.solutions]
    # equity from the outcomes themselves (the LP's auxiliaries are exact only when tight)
    df["equity"] = [am.equity(x) for x in front.solutions]
    E_ide = front.payoff.loc["efficiency first", "efficiency"]
    df["price_of_fairness"] = (E_ide - df["efficiency"]) / E_ide if E_ide else np.nan
    k = knee_index(df["efficiency"].to_numpy(), df["equity"].to_numpy())
    df["knee"] = False
    if k is not None:
        df.loc[k, "knee"] = True
    n_pair, types = [], {t: [] for t in inst.types}
    for x in front.solutions:
        tabs = extract_tables(am, x)
        n_pair.append(len(tabs["pairings"]))
        for t in inst.types:
            types[t].append(int((tabs["pairings"]["type"] == t).sum()))
    df["pairings"] = n_pair
    for t in inst.types:
        df[t] = types[t]
    df["rules_kept"] = [not verify.violations(am, x, limit=1) for x in front.solutions]
    front.model = am
    return front
