"""Which constraints of a linear model cannot hold together: a generic conflict search.

Given a :class:`~optimizer.model.LinearModel` with no feasible point and the constraints the
caller may drop, :class:`ConflictSearch` finds minimal sets that cannot hold together:
HiGHS's irreducible infeasible subset of the LP relaxation (HIGHSPY.md §4) on models of
moderate size, the support of its dual ray (a Farkas proof) or of an elastic LP on large ones,
a deletion filter to make a set minimal, and QuickXplain (Junker 2004) over MILP solves when
only whole integers make the conflict; :meth:`ConflictSearch.elastic` says how far chosen
constraints must bend (slacks, their sum minimised) and :meth:`ConflictSearch.largest_param`
the largest value of a parameter that scales a block of rows. It knows nothing of partners,
recipients or rules: ``optimizer.diagnose`` gives it the model's rules and turns what it
finds into the planner's words (from the rule registry).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import scipy.sparse as sp

from .budget import Budget
from .solver.highs import LpArrays, run_lp
from .solver.status import Termination

INF = math.inf
IIS_MAX = 4_000  # rows + columns up to which HiGHS's own IIS is used (it cannot be stopped,
# and takes seconds to minutes on larger models); above, a dual ray and a deletion filter
MEASURE_SECONDS = 20.0  # at most this per solve that measures a fix, without a time limit


class OutOfTime(Exception):
    """The search's time budget ran out."""


class Lab:
    """Solve variants of one model: rows dropped or bent, integrality on or off."""

    def __init__(self, lm, deadline: Budget, threads: int | None = None):
        self.lm = lm
        self.A = lm.A.tocsc()
        self.rlo0, self.rhi0 = lm.row_lower, lm.row_upper
        self.clo0, self.chi0 = lm.col_lower, lm.col_upper
        self.integer = lm.integer
        self.deadline = deadline
        self.threads = threads
        self.solves = 0

    def solve(self, rlo=None, rhi=None, clo=None, chi=None, mip=True, cost=None, extra=None,
              iis=False, A=None, share=None):
        """Solve one variant (minimised). ``extra`` = list of (column entries {row: coef}, lo,
        hi, cost): continuous columns added for this solve (e.g. the slacks of an elastic
        model). Returns (status, x, h): status "feasible" | "infeasible" | "limit"."""
        left = self.deadline.left()
        if left is not None and left <= 0:
            raise OutOfTime
        arr = LpArrays.of(self.lm, None if cost is None else np.asarray(cost, float), "min",
                          integrality=mip).but(
            A=self.A if A is None else A, row_lower=self.rlo0 if rlo is None else rlo,
            row_upper=self.rhi0 if rhi is None else rhi,
            col_lower=self.clo0 if clo is None else clo,
            col_upper=self.chi0 if chi is None else chi)
        if extra:  # the added columns as one block (rows x k)
            rows = [i for entries, *_ in extra for i in entries]
            cols = [j for j, (entries, *_) in enumerate(extra) for _ in entries]
            vals = [v for entries, *_ in extra for v in entries.values()]
            block = sp.csc_array((vals, (rows, cols)), shape=(self.lm.n_rows, len(extra)))
            lo, hi, cst = (np.array([e[k] for e in extra], float) for k in (1, 2, 3))
            arr = arr.with_cols(block, lo, hi, cst)
        settings = {"mip_rel_gap": 1e-6}
        if left is not None:
            settings["time_limit"] = max(left * (share or 1.0), 0.01)
        elif share is not None:
            settings["time_limit"] = MEASURE_SECONDS
        if iis:
            settings["iis_strategy"] = 6  # from the LP, irreducible (HIGHSPY.md §4)
        self.solves += 1
        outcome, h = run_lp(arr.highs_lp(), settings, threads=self.threads)
        t = outcome.termination
        x = np.asarray(h.getSolution().col_value, float) if outcome.has_plan else None
        if t is Termination.OPTIMAL:
            return "feasible", np.asarray(h.getSolution().col_value, float), h
        if t.infeasible:
            return "infeasible", None, h
        if t is Termination.UNBOUNDED:
            return "feasible", None, h
        if outcome.has_plan and cost is None and not extra:
            return "feasible", x, h
        if self.deadline.over and share is None:
            raise OutOfTime
        return "limit", x, h



@dataclass
class Constraint:
    """A constraint the search may drop: one side of a row, or the upper bound of a column."""

    kind: str  # "row" | "col"
    index: int
    side: str  # "lo" | "hi"

    def key(self):
        return (self.kind, self.index, self.side)


class ConflictSearch:
    """Find constraints of a :class:`~optimizer.model.LinearModel` that cannot hold together.

    Generic: it knows nothing of partners or rules. The caller gives the constraints the
    search may drop (``candidates``: row sides, in the order to try them), the columns whose
    upper bounds are data that may be bent too (``bound_cols``, e.g. the capacity of a
    flow), ``group`` (the name of a constraint's group: a deletion search drops whole groups
    first), ``relax(c, rlo, rhi, clo, chi)`` (what dropping ``c`` does to the bounds, in
    place: by default the side becomes infinite) and ``lift(bend, chi)`` (when some rows may
    bend, which column bounds and matrix entries move with them; returns a new matrix or
    None)."""

    def __init__(self, lm, deadline: Budget, candidates: list, bound_cols: range,
                 group, relax=None, lift=None, threads=None):
        self.lm = lm
        self.lab = Lab(lm, deadline, threads)
        self._cands = list(candidates)
        self.bound_cols = bound_cols
        self.group = group
        self.relax = relax
        self.lift = lift

    # ------------------------------------------------------------------ bounds with drops
    def bounds(self, dropped=()):
        rlo, rhi = self.lab.rlo0.copy(), self.lab.rhi0.copy()
        clo, chi = self.lab.clo0.copy(), self.lab.chi0.copy()
        for c in dropped:
            if self.relax is not None:
                self.relax(c, rlo, rhi, clo, chi)
            elif c.kind == "row":
                (rlo if c.side == "lo" else rhi)[c.index] = -INF if c.side == "lo" else INF
            else:
                (clo if c.side == "lo" else chi)[c.index] = -INF if c.side == "lo" else INF
        return rlo, rhi, clo, chi

    def feasible(self, dropped=(), mip=True, share=None) -> str:
        rlo, rhi, clo, chi = self.bounds(dropped)
        status, _, _ = self.lab.solve(rlo, rhi, clo, chi, mip=mip, share=share)
        return status

    def candidates(self) -> list[Constraint]:
        """Every constraint the search may drop (the caller's, in its order)."""
        return self._cands

    def rest(self, members: list[Constraint], method: str) -> list[Constraint]:
        """Every other rule, to set aside when a conflict's rules are looked at alone. For an
        IIS the capacities of single flows count as rules (HiGHS lists those it needs); the
        deletion search keeps them as part of the model."""
        keys = {c.key() for c in members}
        out = [c for c in self.candidates() if c.key() not in keys]
        if method == "iis":
            out += [Constraint("col", j, "hi") for j in self.bound_cols
                    if ("col", j, "hi") not in keys]
        return out

    # ------------------------------------------------------------------ LP: the IIS
    def lp_iis(self, dropped) -> list[Constraint] | None:
        """An infeasible subset of the LP relaxation (rows and flow-column bounds), or None
        if the LP has a plan. HiGHS's IIS on models of moderate size; on large ones (where it
        can take minutes and cannot be stopped) the support of the duals of an elastic LP."""
        big = self.lm.n_rows + self.lm.n_cols > IIS_MAX
        rlo, rhi, clo, chi = self.bounds(dropped)
        status, _, h = self.lab.solve(rlo, rhi, clo, chi, mip=False, iis=not big)
        if status != "infeasible":
            return None
        if big:
            return self.ray_support(h, chi) or self.elastic_support(dropped)
        _, iis = h.getIis()
        if not iis.valid_:
            return self.ray_support(h, chi) or self.elastic_support(dropped)
        out = []
        for i, bs in zip(iis.row_index_, iis.row_bound_):
            bs = int(bs)
            if bs in (2, 4):  # lower (or boxed)
                out.append(Constraint("row", int(i), "lo"))
            if bs in (3, 4):
                out.append(Constraint("row", int(i), "hi"))
        for j, bs in zip(iis.col_index_, iis.col_bound_):
            # the upper bounds of bound_cols are data; other column bounds are definitions
            if int(bs) in (3, 4) and int(j) in self.bound_cols:
                out.append(Constraint("col", int(j), "hi"))
        return out

    def ray_support(self, h, chi) -> list[Constraint]:
        """An infeasible subset from HiGHS's dual ray (a Farkas proof of the LP's
        infeasibility): the droppable rows it combines, and the flow bounds it uses."""
        try:
            _, has_ray, ray = h.getDualRay()
        except Exception:  # noqa: BLE001 - an older highspy: use the elastic LP instead
            return []
        if not has_ray:
            return []
        y = np.asarray(ray, float)
        tol = 1e-9 * max(1.0, float(np.abs(y).max()) if len(y) else 1.0)
        rows = set(np.flatnonzero(np.abs(y) > tol).tolist())
        out = [c for c in self.candidates() if c.index in rows]
        d = self.lab.A.T @ y  # how the proof weighs each column: its bounds are used
        for j in self.bound_cols:
            if abs(d[j]) > tol and math.isfinite(chi[j]):
                out.append(Constraint("col", j, "hi"))
        return out

    def elastic_support(self, dropped) -> list[Constraint]:
        """An infeasible subset from an elastic LP: every droppable row gets a slack, their sum
        is minimised, and the rows (and flow bounds) with non-zero duals at the optimum carry
        the proof that the rules clash (Farkas). Empty if that fails."""
        rlo, rhi, clo, chi = self.bounds(dropped)
        keys = {c.key() for c in dropped}
        rows = [c for c in self.candidates() if c.key() not in keys]
        extra = [({c.index: 1.0 if c.side == "lo" else -1.0}, 0.0, INF, 1.0) for c in rows]
        status, x, h = self.lab.solve(rlo, rhi, clo, chi, mip=False,
                                      cost=np.zeros(self.lm.n_cols), extra=extra)
        if status != "feasible" or x is None:
            return []
        sol = h.getSolution()
        if not sol.dual_valid:
            return []
        ydual = np.asarray(sol.row_dual, float)
        cdual = np.asarray(sol.col_dual, float)
        tol = 1e-9
        out = [c for c in rows if abs(ydual[c.index]) > tol]
        for j in self.bound_cols:
            if abs(cdual[j]) > tol and math.isfinite(chi[j]) and x[j] >= chi[j] - 1e-9:
                out.append(Constraint("col", j, "hi"))
        return out

    def shrink(self, dropped: list[Constraint], members: list[Constraint],
               mip: bool) -> tuple[list[Constraint], bool] | None:
        """Deletion filter: drop each member that is not needed with the model's own
        definitions kept (HiGHS's IIS frees the bounds it does not list, e.g. x >= 0, so a
        member may be redundant once they hold). Flow bounds are tried first. Returns (members
        kept, whether they were made minimal before the time ran out), or None when the
        members are no conflict on their own."""
        base = list(dropped) + self.rest(members, "iis")
        if self.feasible(base, mip=mip) != "infeasible":
            return None  # not a conflict on its own (numerics): the caller searches anew
        keep = list(members)
        if len(members) > 40:  # divide and conquer: O(k log n) solves instead of n
            try:
                found = self._qx(base, [[c] for c in members], mip)
            except OutOfTime:
                return keep, False
            return ([u[0] for u in found], True) if found else (keep, False)
        for c in sorted(members, key=lambda c: c.kind != "col"):
            trial = [m for m in keep if m is not c]
            if not trial:
                break
            try:
                st = self.feasible(base + [c] + [m for m in members if m not in keep], mip=mip)
            except OutOfTime:
                return keep, False  # an infeasible set, perhaps not minimal
            if st == "infeasible":
                keep = trial
            elif st == "limit":
                return keep, False
        return keep, True

    # ------------------------------------------------------------------ MILP: QuickXplain
    def quickxplain(self, dropped_base: list[Constraint], cands: list[Constraint],
                    mip: bool = True) -> list[Constraint]:
        """A minimal subset of ``cands`` that is infeasible (with every non-candidate kept).

        ``dropped_base``: constraints set aside before (other conflicts)."""
        base_keys = {c.key() for c in dropped_base}
        cands = [c for c in cands if c.key() not in base_keys]
        # first by rule (a few solves), then by row within the rules that matter
        groups: dict[str, list[Constraint]] = {}
        for c in cands:
            groups.setdefault(self.group(c), []).append(c)
        units = list(groups.values())
        keep_units = self._qx(dropped_base, units, mip)
        kept = [c for u in keep_units for c in u]
        others = [c for u in units if u not in keep_units for c in u]
        rows = self._qx(dropped_base + others, [[c] for c in kept], mip)
        return [u[0] for u in rows]

    def _qx(self, dropped_base, units: list[list[Constraint]], mip: bool = True
            ) -> list[list[Constraint]]:
        """QuickXplain over units: the units not in ``active`` are dropped."""
        all_units = units

        def infeasible(active: list[list[Constraint]]) -> bool:
            act = {id(u) for u in active}
            drop = list(dropped_base) + [c for u in all_units if id(u) not in act for c in u]
            st = self.feasible(drop, mip=mip)
            if st == "limit":
                raise OutOfTime
            return st == "infeasible"

        def qx(background, delta_nonempty, cs):
            if delta_nonempty and infeasible(background):
                return []
            if len(cs) == 1:
                return list(cs)
            mid = len(cs) // 2
            c1, c2 = cs[:mid], cs[mid:]
            d2 = qx(background + c1, True, c2)
            d1 = qx(background + d2, bool(d2), c1)
            return d1 + d2

        if not units:
            return []
        if not infeasible(units):
            return []
        return qx([], False, units)

    # ------------------------------------------------------------------ elastic
    def elastic(self, bend: list[Constraint], dropped=(), mip=True):
        """Minimise the total bending of ``bend`` (slack per constraint), others hard.

        Returns {key: slack} or None when bending them is not enough."""
        rlo, rhi, clo, chi = self.bounds(dropped)
        extra = []
        for c in bend:
            if c.kind == "row":
                extra.append(({c.index: 1.0 if c.side == "lo" else -1.0}, 0.0, INF, 1.0))
        cols = [c for c in bend if c.kind == "col"]
        A = self.lift(bend, chi) if self.lift is not None else None
        cost = np.zeros(self.lm.n_cols)
        status, x, _ = self.lab.solve(rlo, rhi, clo, chi, mip=mip, cost=cost, extra=extra or None,
                                      A=A, share=0.25)
        if status == "infeasible":
            return None
        if x is None:
            return "limit"
        n = self.lm.n_cols
        out = {"proven": status == "feasible"}  # else: enough, perhaps more than the least
        rows_bent = [c for c in bend if c.kind == "row"]
        for i, c in enumerate(rows_bent):
            out[c.key()] = float(x[n + i])
        for c in cols:
            out[c.key()] = max(0.0, float(x[c.index] - self.lab.chi0[c.index]))
        return out

    def max_under(self, members: list[Constraint], target_rows: list[Constraint], objective: np.ndarray,
                  mip: bool, method: str = "iis") -> float | None:
        """The most of ``objective`` under the conflict's own rules (all other rules dropped,
        and the ``target_rows`` too): the number a headline compares with the target."""
        tkeys = {c.key() for c in target_rows}
        # first under every other rule of the instance (the tightest true number), else under
        # the conflict's own rules (when other conflicts leave no plan at all)
        groups = {self.group(c) for c in target_rows}
        same_rule = [c for c in self.candidates() if self.group(c) in groups]
        for drop in (same_rule,
                     self.rest([c for c in members if c.key() not in tkeys], method)
                     + list(target_rows)):
            rlo, rhi, clo, chi = self.bounds(drop)
            status, x, _ = self.lab.solve(rlo, rhi, clo, chi, mip=mip, cost=-objective)
            if status == "feasible" and x is not None:
                return float(objective @ x)
        return None

    def largest_param(self, block: str, coef: np.ndarray, base_lo: np.ndarray, current: float,
                      dropped=()) -> float | None:
        """max p <= current such that rows of ``block``: A_i x >= base_lo_i + coef_i * p.

        Used for alpha (coef = need) and theta (coef = 1): the parameter becomes a column."""
        b = self.lm.row_blocks[block]
        rlo, rhi, clo, chi = self.bounds(dropped)
        rlo[b.start:b.stop] = base_lo
        entries = {b.start + i: -float(coef[i]) for i in range(len(b))}
        cost = np.zeros(self.lm.n_cols)
        status, x, _ = self.lab.solve(rlo, rhi, clo, chi, mip=True, cost=cost,
                                      extra=[(entries, 0.0, current, -1.0)], share=0.25)
        if status == "infeasible":
            return None
        if status != "feasible" or x is None:
            return "limit"
        return float(x[self.lm.n_cols])
