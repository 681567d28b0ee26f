"""Decomposition by connected component of the candidate graph (issue 16, first step).

The candidate graph has the partners and the recipients as nodes and a candidate pair (any
eligible type) as an edge. Every rule is per partner, per recipient or per pair, so a rule's
row never joins two components; only the equity measure's rows (through ``eta``) do. The
model therefore splits into independent blocks, and a stage whose objective is zero on
``eta`` (the efficiency stage) is solved exactly as one MIP per block.

Exactness does not rest on that argument alone: :func:`components` partitions the model's
*own* rows and columns by the connected components of its constraint matrix (the equity rows
and ``eta`` left out), and names each part by the candidate components of its pairings. A
row that joined two candidate components (a rule added later that couples recipients, the
mean outcome of ``balance.rho``, clusters across provinces, several rounds) merges them into
one part, so every part is a union of independent blocks of the model and its sub-model is a
slice of the model's arrays: the same rows, bounds and objective coefficients.

Two stages are solved here:

- :func:`max_separable`: maximise an objective that is zero on ``eta`` (efficiency less the
  soft rules' penalty). The optimum is the sum of the parts' optima, the proven bound the sum
  of their dual bounds, so the combined plan is within the parts' worst relative gap.
- :func:`max_min_equity`: the maximin equity Q = min_r u[r] (the ``maxmin`` measure, or the
  tail mean when beta |R| <= 1, which the model formulates as maxmin). The feasible set is a
  product of the parts' sets, so max over the product of min over all recipients = min over
  the parts of each part's own max-min (and of the baseline of a recipient without any
  pairing). The proven bound is the minimum of the parts' bounds. Only without soft rules
  (a penalty does not separate from a minimum) and for one round.
- :func:`at_level`: any stage with the equity level eta fixed (then every part is
  independent, with its recipients' equity rows), the step of the level search
  (optimizer/level_search.py); :func:`max_at_level` is its maximin case.
- :func:`max_at_level`: the maximin row's second stage, efficiency with every outcome held
  at the level found first (u[r] >= level is a row per recipient, so it separates).

The tail mean couples the parts through ``eta`` in a way that does not reduce to a minimum;
it is left for a one-dimensional search over eta (docs/performance.md).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .model import AllocationModel

COUPLING_ROWS = "equity"
"""Row blocks that couple the parts (their names start with it): the equity measure's rows."""
COUPLING_COLS = ("eta",)
"""Column blocks that couple the parts (names starting with these): the equity level."""


class NotSeparable(ValueError):
    """The stage asked for does not separate by component (said in words)."""


@dataclass
class Component:
    """One part of the model: a connected component of the candidate graph (or several joined
    by a row of the model), with the model's columns and rows that belong to it."""

    partners: np.ndarray  # partner indices
    recipients: np.ndarray  # recipient indices
    cols: np.ndarray  # model columns
    rows: np.ndarray  # model rows (the coupling rows excluded)
    binaries: int = 0

    def size(self) -> dict:
        return {"partners": len(self.partners), "recipients": len(self.recipients),
                "binaries": self.binaries, "columns": len(self.cols), "rows": len(self.rows)}


@dataclass
class Decomposition:
    """The parts of a model (largest first), the columns and rows of no part (``rest``: e.g.
    the equity measure's s columns; solved as one more block) and the coupling columns."""

    parts: list[Component]
    rest_cols: np.ndarray
    rest_rows: np.ndarray
    coupling_cols: np.ndarray
    coupling_rows: np.ndarray
    lone_recipients: np.ndarray  # recipients without any candidate pair
    graph_components: int = 0  # components of the candidate graph with a pair


def candidate_labels(am: AllocationModel) -> tuple[int, np.ndarray]:
    """Connected components of the candidate graph: (count, label of each node), nodes being
    the partners (0..nD-1) then the recipients (nD..nD+nR-1); isolated nodes count too."""
    nD, nR = len(am.inst.partners), len(am.inst.recipients)
    n = nD + nR
    g = sp.coo_array((np.ones(len(am.pair_d)), (am.pair_d, nD + am.pair_r)), shape=(n, n))
    return connected_components(g, directed=False)


def _coupling(am: AllocationModel) -> tuple[np.ndarray, np.ndarray]:
    lm = am.lm
    cols = [np.arange(b.start, b.stop) for name, b in lm.col_blocks.items()
            if name.startswith(COUPLING_COLS)]
    rows = [np.arange(b.start, b.stop) for name, b in lm.row_blocks.items()
            if name.startswith(COUPLING_ROWS)]
    return (np.concatenate(cols or [np.zeros(0, int)]).astype(int),
            np.concatenate(rows or [np.zeros(0, int)]).astype(int))


def _model_labels(am: AllocationModel, ccols, crows) -> np.ndarray:
    """Connected components of the model's matrix without the coupling rows and columns, as a
    label per column (rows join the columns they hold)."""
    lm = am.lm
    A = sp.coo_array(lm.A)
    keep = ~np.isin(A.row, crows) & ~np.isin(A.col, ccols) & (A.data != 0)
    n, m = lm.n_cols, lm.n_rows
    g = sp.coo_array((np.ones(int(keep.sum())), (A.col[keep], n + A.row[keep])),
                     shape=(n + m, n + m))
    _, lab = connected_components(g, directed=False)
    return lab[:n]


def components(am: AllocationModel) -> Decomposition:
    """The model's parts: the connected components of the candidate graph that hold a
    candidate pair, with their columns and rows, merged where a row of the model joins two
    of them (so that each part is exactly independent of the others)."""
    nD = len(am.inst.partners)
    _, node = candidate_labels(am)
    ccols, crows = _coupling(am)
    lab = _model_labels(am, ccols, crows)
    # the candidate component of each pairing column (z of every round, x through its z)
    zcols, zcomp = [], []
    for xb, zb in am.round_blocks():
        c = node[am.pair_d[am.z_pair]]
        zcols += [np.arange(zb.start, zb.stop), xb.start + np.arange(len(am.x_z))]
        zcomp += [c, c[am.x_z]]
    zcols, zcomp = np.concatenate(zcols), np.concatenate(zcomp)
    # join candidate components that share a model component (union-find by a graph again)
    k = node.max() + 1
    big = lab.max() + 1
    g = sp.coo_array((np.ones(len(zcols)), (zcomp, k + lab[zcols])), shape=(k + big, k + big))
    _, joined = connected_components(g, directed=False)
    model_part = np.full(big, -1)
    model_part[lab[zcols]] = joined[zcomp]
    col_part = model_part[lab]
    col_part[ccols] = -2
    A = sp.csr_array(am.lm.A)
    row_part = np.full(am.lm.n_rows, -1)
    rr, cc = A.nonzero()
    if np.any(~np.isin(rr, crows) & (col_part[cc] == -2)):
        raise NotSeparable("a rule's row holds the equity level, which couples the parts")
    row_part[rr] = col_part[cc]  # every column of a row is in the same part
    row_part[crows] = -2
    parts = []
    for j in np.unique(col_part[col_part >= 0]):
        nodes = np.flatnonzero(joined[node] == j)
        cols = np.flatnonzero(col_part == j)
        parts.append(Component(nodes[nodes < nD], nodes[nodes >= nD] - nD, cols,
                               np.flatnonzero(row_part == j),
                               int(am.lm.integer[cols].sum())))
    parts.sort(key=lambda c: (-c.binaries, -len(c.cols)))
    covered = np.zeros(len(am.inst.recipients), bool)
    covered[am.pair_r] = True
    n_graph = len(np.unique(node[am.pair_d]))
    return Decomposition(parts, np.flatnonzero(col_part == -1), np.flatnonzero(row_part == -1),
                         ccols, crows, np.flatnonzero(~covered), n_graph)


# --------------------------------------------------------------------------- solving the parts
@dataclass
class PartResult:
    status: str
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    seconds: float
    last_dual: float | None = None  # an LP: its last column's reduced cost (see solve_part)


def solve_part(task: tuple) -> PartResult:
    """Solve one sub-model (``(LpArrays, HiGHS settings[, start plan[, guide]])``) in a fresh
    HiGHS with one thread (module level, so that a process pool or a Dask worker can run it).
    A MIP first gets a plan from its LP relaxation's support (:mod:`optimizer.rens`; ``guide``:
    a tie-break objective for that LP), handed to HiGHS as its start with the rest of the
    part's time."""
    import highspy

    from .rens import better_start, rens_plan
    from .solver.highs import new_highs, run_highs, use_threads
    from .solver.status import highs_outcome

    lp, settings, start, guide = (*task, None, None)[:4]
    t0 = time.perf_counter()
    settings = dict(settings)
    lp_bound = None
    if lp.integer.any():
        plan, spent, lp_bound = rens_plan(lp, settings.get("mip_rel_gap"),
                                          settings.get("time_limit"), guide,
                                          settings.get("mip_abs_gap"))
        start = better_start(lp, start, plan)
        if "time_limit" in settings:
            settings["time_limit"] = max(0.1, settings["time_limit"] - spent)
    h = new_highs()
    use_threads(h, 1)
    for name, value in settings.items():
        h.setOptionValue(name, value)
    if h.passModel(lp.highs_lp()) == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model")
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(np.asarray(start, float))
        sol.value_valid = True
        h.setSolution(sol)
    run_highs(h)
    outcome = highs_outcome(h)
    info = h.getInfo()
    x = obj = bound = None
    if outcome.has_plan:
        x = np.asarray(h.getSolution().col_value, float)
        obj = float(info.objective_function_value)
    if lp.integer.any():
        b = float(getattr(info, "mip_dual_bound", math.inf))
        bound = b if math.isfinite(b) and abs(b) < 1e30 else None
        if lp_bound is not None:  # HiGHS stopped before its root LP: the RENS LP's bound
            bound = lp_bound if bound is None else min(bound, lp_bound)
    elif outcome.status == "optimal":
        # an LP's optimum moves with a fixed column's value at its reduced cost, at most:
        # for a fixed level eta (the last column of a level's part) a proven tangent
        bound, last = obj, float(h.getSolution().col_dual[-1])
        return PartResult(outcome.status, x, obj, bound, time.perf_counter() - t0, last)
    return PartResult(outcome.status, x, obj, bound, time.perf_counter() - t0)


def sub_model(am: AllocationModel, cols: np.ndarray, rows: np.ndarray, objective: np.ndarray,
              col_lower=None, col_upper=None):
    """The slice of the model's arrays to ``cols`` and ``rows`` (an LpArrays to maximise)."""
    from .solver.highs import LpArrays

    lm = am.lm
    lo = lm.col_lower if col_lower is None else col_lower
    hi = lm.col_upper if col_upper is None else col_upper
    A = sp.csr_array(lm.A)[rows][:, cols]
    return LpArrays(A, lo[cols], hi[cols], lm.row_lower[rows], lm.row_upper[rows],
                    np.asarray(objective, float)[cols], lm.integer[cols], "max")


@dataclass
class Decomposed:
    """A stage solved part by part: the combined plan over the model's columns, its objective
    (the stage's value), the proven bound, and each part's result."""

    status: str
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    parts: list = field(default_factory=list)
    seconds: float = 0.0
    slope: float | None = None  # at_level(relax=True): a supergradient of the bound in level

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return max(0.0, self.bound - self.objective) / max(abs(self.objective), 1e-10)


def _settings(gap, time_limit) -> dict:
    s = {}
    if gap is not None:
        s["mip_rel_gap"] = float(gap)
    if time_limit:
        s["time_limit"] = float(time_limit)
    return s


def _time_shares(dec: Decomposition, time_limit, workers: int) -> list:
    """Each part's time limit: the run's limit times the workers, shared by binaries (never
    more than the whole limit): run side by side, the parts end within about the limit."""
    if not time_limit:
        return [None] * len(dec.parts)
    total = max(1, sum(p.binaries for p in dec.parts))
    return [min(time_limit, max(1.0, time_limit * workers * p.binaries / total))
            for p in dec.parts]


def _run(tasks, workers, executor) -> list[PartResult]:
    from .parallel import run_tasks

    return run_tasks(solve_part, tasks, executor=executor, workers=workers)


def _combined_status(results) -> str:
    st = [r.status for r in results]
    if all(s == "optimal" for s in st):
        return "optimal"
    if all(r.x is not None for r in results):
        return "time_limit"
    return next(s for s in st if s != "optimal")


def _summed(am: AllocationModel, objective, groups, res) -> Decomposed:
    """The parts' plans put together (``groups``: each part's (columns, rows)); the objective
    and the bound are sums over the parts."""
    out = Decomposed(_combined_status(res), None, None, None, res)
    if all(r.x is not None for r in res):
        x = np.zeros(am.lm.n_cols)
        for (c, _), r in zip(groups, res):
            x[c] = r.x
        out.x = _set_equity_columns(am, x)
        out.objective = float(objective @ out.x)
        if all(r.bound is not None for r in res):
            out.bound = float(sum(r.bound for r in res))
    return out


def max_separable(am: AllocationModel, objective: np.ndarray, gap: float | None = None,
                  time_limit: float | None = None, workers: int | None = 1, executor=None,
                  dec: Decomposition | None = None, start: np.ndarray | None = None,
                  holds: list | None = None) -> Decomposed:
    """Maximise ``objective`` (zero on the coupling columns) over the model, part by part
    (``start``: a plan of the whole model, each part starting from its columns of it;
    ``holds``: per part, then the rest, None or a row ``(coefficients over the whole model,
    lower bound)`` kept within it)."""
    t0 = time.perf_counter()
    dec = dec or components(am)
    objective = np.asarray(objective, float)
    if np.any(objective[dec.coupling_cols] != 0):
        raise NotSeparable("the objective weighs the equity level, which couples the parts")
    groups = [(p.cols, p.rows) for p in dec.parts]
    if len(dec.rest_cols):
        groups.append((dec.rest_cols, dec.rest_rows))
    limits = _time_shares(dec, time_limit, workers or 1) + [time_limit]
    tasks = []
    for i, ((c, r), t) in enumerate(zip(groups, limits)):
        sub = sub_model(am, c, r, objective)
        if holds and i < len(holds) and holds[i] is not None:
            sub = sub.with_rows([(np.asarray(holds[i][0], float)[c], holds[i][1], math.inf)])
        tasks.append((sub, _settings(gap, t),
                      None if start is None else np.asarray(start, float)[c]))
    res = _run(tasks, workers, executor)
    out = _summed(am, objective, groups, res)
    out.seconds = time.perf_counter() - t0
    return out


def _set_equity_columns(am: AllocationModel, x: np.ndarray) -> np.ndarray:
    """eta and s at the values that make the equity rows hold and equal the measure (one
    round): eta the ceil(beta |R|)-th smallest outcome (the minimum for maxmin), s[r] =
    max(0, eta - u[r])."""
    lm = am.lm
    if am.rounds > 1 or "eta" not in lm.col_blocks:
        return x
    u = am.outcomes(x)
    sb = lm.col_blocks["s"]
    obj = am.inst.params["objective"]
    k = 1 if len(sb) == 0 else max(1, math.ceil(obj["beta"] * len(u) - 1e-12))
    eta = float(np.sort(u)[min(k, len(u)) - 1])
    x[lm.col_blocks["eta"].start] = eta
    if len(sb):
        x[sb.start:sb.stop] = np.maximum(0.0, eta - u)
    return x


def max_min_equity(am: AllocationModel, gap: float | None = None,
                   time_limit: float | None = None, workers: int | None = 1, executor=None,
                   dec: Decomposition | None = None, start: np.ndarray | None = None,
                   holds: list | None = None) -> Decomposed:
    """The maximin equity stage (maximise eta <= u[r] for every r), part by part: each part
    maximises its own level over its recipients' equity rows; the level of the whole is the
    least of the parts' levels and of the baselines of recipients without any pairing.
    ``objective`` and ``bound`` of the result are that level and its proven bound
    (``start``: a plan of the whole model, each part starting from its columns of it;
    ``holds``: per part None or a row ``(coefficients over the whole model, lower bound)``)."""
    t0 = time.perf_counter()
    lm = am.lm
    dec = dec or components(am)
    if am.rounds > 1 or len(dec.coupling_cols) != 1 or len(lm.col_blocks["s"]):
        raise NotSeparable("the decomposed equity stage is the maximin measure of one round "
                           "(the tail mean couples the parts through eta)")
    if np.any(lm.objectives["penalty"] != 0):
        raise NotSeparable("soft rules' penalties do not separate from a minimum")
    eta = int(dec.coupling_cols[0])
    eq = lm.row_blocks["equity"]
    cost = np.zeros(lm.n_cols)
    cost[eta] = 1.0
    tasks, groups = [], []
    limits = _time_shares(dec, time_limit, workers or 1)
    for p, t in zip(dec.parts, limits):
        cols, rows = np.r_[p.cols, eta], np.r_[p.rows, eq.start + p.recipients]
        groups.append(p.cols)
        x0 = None
        if start is not None:
            level = float(np.min(am.outcomes(np.asarray(start, float))[p.recipients]))
            x0 = np.r_[np.asarray(start, float)[p.cols], level]
        sub = sub_model(am, cols, rows, cost)
        i = len(tasks)
        if holds and i < len(holds) and holds[i] is not None:
            sub = sub.with_rows([(np.asarray(holds[i][0], float)[cols], holds[i][1], math.inf)])
        tasks.append((sub, _settings(gap, t), x0, lm.objectives["efficiency"][cols]))
    if len(dec.rest_cols):  # any plan of the rest: it holds no recipient's outcome
        groups.append(dec.rest_cols)
        tasks.append((sub_model(am, dec.rest_cols, dec.rest_rows, np.zeros(lm.n_cols)),
                      _settings(gap, time_limit)))
    res = _run(tasks, workers, executor)
    out = Decomposed(_combined_status(res), None, None, None, res)
    lone = am.u0[dec.lone_recipients]
    floor = float(lone.min()) if len(lone) else math.inf
    levels = [r for r in res[:len(dec.parts)]]
    if all(r.x is not None for r in res):
        x = np.zeros(lm.n_cols)
        for c, r in zip(groups, res):
            x[c] = r.x[:len(c)]
        out.x = _set_equity_columns(am, x)
        out.objective = min([floor] + [r.objective for r in levels])
        if all(r.bound is not None for r in levels):
            out.bound = min([floor] + [r.bound for r in levels])
    out.seconds = time.perf_counter() - t0
    return out


def max_at_level(am: AllocationModel, objective: np.ndarray, level: float,
                 gap: float | None = None, time_limit: float | None = None,
                 workers: int | None = 1, executor=None,
                 dec: Decomposition | None = None) -> Decomposed:
    """The second stage of the maximin row: maximise ``objective`` (zero on ``eta``, e.g.
    efficiency) with every recipient's outcome at least ``level`` (the maximin level found
    first). u[r] >= level is a row per recipient, so each part solves its own recipients'
    rows with ``eta`` fixed at ``level``; a recipient without any pairing must reach it by
    its baseline (else NotSeparable says the level is out of reach)."""
    lm = am.lm
    dec = dec or components(am)
    if am.rounds > 1 or len(dec.coupling_cols) != 1 or len(lm.col_blocks["s"]):
        raise NotSeparable("the decomposed maximin row is the maximin measure of one round")
    lone = am.u0[dec.lone_recipients]
    if len(lone) and float(lone.min()) < level:
        raise NotSeparable("a recipient without any pairing stays below the level")
    objective = np.asarray(objective, float)
    if objective[int(dec.coupling_cols[0])] != 0:
        raise NotSeparable("the objective weighs the equity level, which couples the parts")
    t0 = time.perf_counter()
    out = at_level(am, objective, level, dec, gap=gap, time_limit=time_limit,
                   workers=workers, executor=executor)
    out.seconds = time.perf_counter() - t0
    return out


def _level_groups(am: AllocationModel, dec: Decomposition) -> list:
    """Each part with its recipients' equity rows and s columns and the level column eta
    (fixed), then the rest: with eta fixed, these blocks are independent."""
    lm = am.lm
    eta = int(dec.coupling_cols[0])
    eq = lm.row_blocks["equity"]
    sb = lm.col_blocks["s"]
    groups = []
    for p in dec.parts:
        s_cols = sb.start + p.recipients if len(sb) else np.zeros(0, int)
        groups.append((np.r_[p.cols, s_cols, eta], np.r_[p.rows, eq.start + p.recipients]))
    if len(sb):
        rest = np.setdiff1d(dec.rest_cols, sb.start + np.arange(len(sb)))
    else:
        rest = dec.rest_cols
    if len(rest):
        groups.append((rest, dec.rest_rows))
    return groups


def _shortfall_guide(am: AllocationModel, inner: np.ndarray) -> np.ndarray | None:
    """Efficiency, as the tie-break of the parts' LPs (RENS, bounds) where a stage at a fixed
    level weighs nothing but the shortfall (a pure equity stage: a degenerate LP); else
    None."""
    sb = am.lm.col_blocks["s"]
    s_cols = np.arange(sb.start, sb.stop) if len(sb) else np.zeros(0, int)
    weighed = np.setdiff1d(np.flatnonzero(inner), s_cols)
    return am.lm.objectives["efficiency"] if len(weighed) == 0 else None


def _relaxed(sub, guide: np.ndarray | None):
    """A part's LP relaxation for a level's bound, and what to add to its optimum for a
    bound of the part's own objective. With ``guide`` (a pure shortfall stage, whose LP is
    very degenerate: 4 s for the county's largest part, 0.5 s tied) the LP is tied as RENS
    ties it (weight w on the guide); its optimum then exceeds the own objective's by at least
    w times the least the guide can be over the columns' bounds, so adding -w times that
    least keeps it a bound (the tie's slope in the level is the LP's dual, as untied)."""
    from .rens import guided_cost

    sub = sub.but(integer=np.zeros_like(sub.integer))
    if guide is None:
        return sub, 0.0
    lo, hi = sub.col_lower, sub.col_upper
    g = np.asarray(guide, float)
    pos, neg = g > 0, g < 0
    least = np.r_[g[pos] * lo[pos], g[neg] * hi[neg]]
    if not np.all(np.isfinite(least)):
        return sub, 0.0  # the guide has no least: untied
    tied = guided_cost(sub, g)
    w = float(np.abs(tied - sub.cost).sum()) / max(float(np.abs(g).sum()), 1e-300)
    return sub.but(cost=tied), -w * float(least.sum())


def _level_abs_gap(dec: Decomposition, i: int, gap: float, scale: float) -> float:
    """Part ``i``'s absolute gap at a fixed level: its recipients' share of ``gap`` times
    the stage's scale (the level's term c t). Each part's objective there is its recipients'
    shortfall below the level, near zero, where a relative gap never closes; the parts'
    absolute gaps add up to ``gap`` of the scale."""
    n = sum(len(p.recipients) for p in dec.parts)
    return float(gap) * abs(float(scale)) * len(dec.parts[i].recipients) / max(1, n)


def at_level(am: AllocationModel, objective: np.ndarray, level: float, dec: Decomposition,
             gap=None, time_limit=None, workers=1, executor=None,
             holds: list | None = None, start: np.ndarray | None = None,
             relax: bool = False) -> Decomposed:
    """Maximise ``objective`` with the equity level eta fixed at ``level``: the model then
    separates, every part with its recipients' equity rows (s[r] >= level - u[r] for the
    tail mean, u[r] >= level for the maximin measure); a recipient without any pairing
    contributes its s[r] = max(0, level - u0[r]) (or must reach the level by its baseline).
    ``holds``: per part, None or ``(coefficients over the whole model, lower bound)``, a row
    kept within that part; ``start``: a plan of the whole model (its s columns are set for
    this level). ``objective`` and ``bound`` of the result cover the whole model;
    ``relax``: the parts' LP relaxations only, for the bound (no plan)."""
    lm = am.lm
    objective = np.asarray(objective, float)
    eta = int(dec.coupling_cols[0])
    sb = lm.col_blocks["s"]
    lo, hi = lm.col_lower.copy(), lm.col_upper.copy()
    lo[eta] = hi[eta] = level
    inner = objective.copy()
    inner[eta] = 0.0  # counted once below, not once per part
    groups = _level_groups(am, dec)
    limits = _time_shares(dec, time_limit, workers or 1) + [time_limit]
    x0 = None
    if start is not None:
        x0 = np.asarray(start, float).copy()
        x0[eta] = level
        if len(sb):
            x0[sb.start:sb.stop] = np.maximum(0.0, level - am.outcomes(x0))
    tasks, slack = [], []
    guide = _shortfall_guide(am, inner)
    for i, ((c, r), t) in enumerate(zip(groups, limits)):
        sub = sub_model(am, c, r, inner, lo, hi)
        if holds and i < len(holds) and holds[i] is not None:
            coef, low = holds[i]
            sub = sub.with_rows([(np.asarray(coef, float)[c], low, math.inf)])
        if relax:
            sub, extra = _relaxed(sub, None if guide is None else guide[c])
            slack.append(extra)
        settings = _settings(gap, t)
        if i < len(dec.parts) and gap and objective[eta] * level:
            settings["mip_abs_gap"] = _level_abs_gap(dec, i, gap, objective[eta] * level)
        tasks.append((sub, settings, None if x0 is None else x0[c],
                      None if guide is None else guide[c]))
    lone = dec.lone_recipients
    base = am.u0[lone]
    if len(sb) == 0 and len(lone) and float(base.min()) < level - 1e-12:
        # maximin: a recipient without any pairing stays below the level
        return Decomposed("infeasible", None, None, -math.inf, [])
    res = _run(tasks, workers, executor)
    for r, extra in zip(res, slack):  # a tied LP's optimum, made a bound of the stage's own
        if r.bound is not None:
            r.bound += extra
    out = Decomposed(_combined_status(res), None, None, None, res)
    lone_value = 0.0
    if len(sb) and len(lone):
        lone_s = np.maximum(0.0, level - base)
        lone_value = float(objective[sb.start + lone] @ lone_s)
    if all(r.x is not None for r in res) and not relax:
        x = np.zeros(lm.n_cols)
        for (c, _), r in zip(groups, res):
            x[c] = r.x
        x[eta] = level
        if len(sb) and len(lone):
            x[sb.start + lone] = lone_s
        out.x = x
        out.objective = float(objective @ x)
    if all(r.bound is not None for r in res):
        out.bound = float(sum(r.bound for r in res)) + objective[eta] * level + lone_value
        if relax and all(r.last_dual is not None for r in res[:len(dec.parts)]):
            # the LP bound is concave in the level (a right-hand side); its slope here: the
            # parts' reduced costs of eta, eta's weight, and the lone recipients' hinges
            lone_slope = (float(objective[sb.start + lone] @ (level > base)) if len(sb) and
                          len(lone) else 0.0)
            out.slope = (sum(r.last_dual for r in res[:len(dec.parts)]) + objective[eta]
                         + lone_slope)
    elif any(r.status == "infeasible" for r in res):
        out.bound = -math.inf  # no plan at this level at all
    return out
