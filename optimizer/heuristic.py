"""Stage 3c: a first feasible plan for large instances, to start the MIP from.

On county-level instances HiGHS's own heuristics can spend minutes without a feasible plan,
and a MIP solve stopped by a time limit then has nothing to return. This constructive
heuristic gives it one in a few LP solves, for any objective: the pipeline builds one for the
efficiency row of the payoff table, one for the equity row (with an efficiency tie-break,
``pipeline.equity_tie_break``) and one for the final stage's objective:

1. solve the LP relaxation;
2. pick each pair's type: the one with the largest LP value, but a type whose lasting-capacity
   share reaches gamma when the pair has one (so the capacity rule can hold);
3. select pairs greedily, fixed pairs first, then by LP value (>= 0.5), then the best
   remaining candidate of every recipient still below its min_partners, within the spans;
4. solve the LP with these binaries fixed; when it is infeasible, add for each recipient a
   further candidate (upgraded to a capacity-building type) and try again, a few times; where
   every partner the recipient could have is at its span, one of them gives up its weakest
   pairing with a recipient that can spare it (with ``balance.pair_floor`` such a partner has
   no supply left either: each pairing carries its floor).

The result is only a start: the MIP keeps optimising from it, and its optimum does not depend
on the start. The HiGHS backend takes starts only on models with at least
``optimizer.solver.options.MIN_START_BINARIES`` binaries (below, HiGHS finds plans on its own at
once and the LPs are not worth it).
"""

from __future__ import annotations

import numpy as np

from .model import build_model
from .rules import BALANCE_NAMES, BY_NAME
from .solver.factory import make_backend
from .solver.options import SolverOptions


def construct_plan(am, backend, objective: np.ndarray, rows=(), rounds: int = 3,
                   time_limit: float | None = None, info: dict | None = None) -> np.ndarray | None:
    """A feasible column vector of ``am`` (or None): see the module docstring."""
    lp = backend.solve(objective, extra_rows=rows, relax_integers=True, time_limit=time_limit,
                       label="start: LP relaxation")
    if info is not None:
        info["lp_bound"] = lp.bound  # the LP optimum bounds every plan's objective
    if not lp.ok:
        return None
    plan = _Pairings(am, lp.x[am.z.start:am.z.stop])
    cols = np.arange(am.z.start, am.z.stop)
    elastic = None
    for attempt in range(rounds + 1):
        zval = plan.zval()
        res = backend.solve(objective, extra_rows=rows, fix=(cols, zval), relax_integers=True,
                            time_limit=time_limit, label="start: fixed pairings")
        if info is not None:
            info["z"] = zval
        if res.ok:
            return res.x
        if attempt == rounds:
            break
        # repair: find the recipients whose rules fail (an elastic copy of the model, every
        # balance rule soft), and give each one more pairing from a partner with room,
        # preferring partners that still have supply and capacity-building types
        if elastic is None:
            elastic = _elastic(am, backend)
        if not _repair(plan, elastic, backend, (cols, zval), time_limit):
            break
    return None


class _Pairings:
    """The pairings chosen so far (within the spans) and the type of each pair."""

    def __init__(self, am, zlp: np.ndarray):
        self.am = am
        a = am.inst.arrays
        gamma = am.inst.params["balance"]["gamma"]
        kappa_ok = a["kappa"][am.z_type] >= gamma - 1e-12
        # per pair: total LP value and the chosen type (a z column)
        nP = len(am.pair_d)
        self.score = np.bincount(am.z_pair, weights=zlp, minlength=nP)
        best = np.full(nP, -1)
        key = zlp + 1e-3 * kappa_ok  # prefer capacity-building types on ties
        order = np.argsort(key, kind="stable")
        for j in order:
            best[am.z_pair[j]] = j  # last (largest) wins
        self.upgrade = np.full(nP, -1)  # the best capacity-building type of each pair, if any
        for j in order:
            if kappa_ok[j]:
                self.upgrade[am.z_pair[j]] = j
        self.choose = best.copy()
        self.has_up = self.upgrade >= 0
        weak = self.has_up & ~kappa_ok[np.maximum(best, 0)]
        self.choose[weak] = self.upgrade[weak]
        self.cap_d = a["max_partners_d"].copy()
        self.cap_r = a["max_partners_r"].copy()
        self.cnt_d = np.zeros_like(self.cap_d)
        self.cnt_r = np.zeros_like(self.cap_r)
        self.selected = np.zeros(nP, bool)
        self.fixed = a["fixed"][am.pair_d, am.pair_r].astype(bool)
        self.need_r = a["min_partners_r"]
        self.short: set[int] = set()  # recipients a repair has found short
        # fixed pairs first, then by LP value, then every recipient up to its min_partners
        for p in np.flatnonzero(a["fixed"][am.pair_d, am.pair_r]):
            self.take(p)
        self.order = np.argsort(-self.score, kind="stable")
        for p in self.order:
            if self.score[p] >= 0.5:
                self.take(p)
        need_r = a["min_partners_r"]
        for p in self.order:
            r = am.pair_r[p]
            if self.cnt_r[r] < need_r[r]:
                self.take(p)

    def take(self, p) -> bool:
        d, r = self.am.pair_d[p], self.am.pair_r[p]
        if self.selected[p] or self.cnt_d[d] + 1 > self.cap_d[d] or \
                self.cnt_r[r] + 1 > self.cap_r[r]:
            return False
        self.selected[p] = True
        self.cnt_d[d] += 1
        self.cnt_r[r] += 1
        return True

    def zval(self) -> np.ndarray:
        """The chosen pairings and types as values of the z columns."""
        zval = np.zeros(len(self.am.z_pair))
        zval[self.choose[self.selected]] = 1.0
        return zval

    def add_for(self, short, spare: np.ndarray) -> None:
        """One more pairing for each recipient in ``short``, every pair upgraded to a
        capacity-building type where it has one; partners with ``spare`` value first."""
        am = self.am
        self.choose[self.has_up] = self.upgrade[self.has_up]
        self.short.update(int(r) for r in short)
        for r in short:
            cands = [p for p in np.flatnonzero(am.pair_r == r) if not self.selected[p]]
            cands.sort(key=lambda p: (-int(self.upgrade[p] >= 0), -spare[am.pair_d[p]],
                                      -self.score[p]))
            if not any(self.take(p) for p in cands):
                # every partner it could have is at its span: free a place for the first
                # that can give one up (a pairing of a recipient with more than it needs)
                any(self.make_room(p) and self.take(p) for p in cands)

    def make_room(self, p) -> bool:
        """Drop the weakest pairing of pair ``p``'s partner that its recipient can spare (it
        keeps its min_partners; fixed pairs stay), so that ``p`` fits in the partner's span.
        With a floor on each pairing's scale (``balance.pair_floor``) a partner at its span
        has no supply left either: the dropped pairing's flow goes to the new one."""
        am = self.am
        d = am.pair_d[p]
        if self.cnt_d[d] < self.cap_d[d]:
            return True
        mine = np.flatnonzero(self.selected & (am.pair_d == d) & ~self.fixed)
        # never from a recipient that was short itself (two short recipients would take
        # the place from each other in turn)
        mine = [q for q in mine if self.cnt_r[am.pair_r[q]] > self.need_r[am.pair_r[q]]
                and int(am.pair_r[q]) not in self.short]
        if not mine:
            return False
        q = min(mine, key=lambda q: (self.need_r[am.pair_r[q]] - self.cnt_r[am.pair_r[q]],
                                     self.score[q]))
        self.selected[q] = False
        self.cnt_d[d] -= 1
        self.cnt_r[am.pair_r[q]] -= 1
        return True


def _repair(plan: _Pairings, elastic, backend, fix, time_limit) -> bool:
    """Add pairings for the recipients whose rules fail with the pairings ``fix``; False when
    there is nothing to add (the elastic LP fails, or every balance rule holds)."""
    eam, ebe = elastic
    a = plan.am.inst.arrays
    # efficiency minus a large price on every unit of broken rule: a well-posed LP
    # (pure feasibility, with no other objective, is very degenerate and slow)
    cE = eam.lm.objectives["efficiency"]
    big = 1e3 * max(1.0, float(np.abs(cE).max()))
    er = ebe.solve(cE - big * eam.lm.objectives["penalty"], fix=fix, relax_integers=True,
                   time_limit=time_limit, label="start: repair")
    # HiGHS's time on the elastic copy counts as the run's solver time
    backend.highs_seconds += er.info.get("highs_seconds", 0.0)
    if not er.ok:
        return False
    short = _short_recipients(eam, er.x)
    if not len(short):
        return False  # the balance rules hold: the trouble is elsewhere (e.g. extra rows)
    used = np.zeros(len(plan.cap_d))
    xv = er.x[eam.x.start:eam.x.stop]
    np.add.at(used, eam.x_d, xv * a["value"][eam.x_k])
    plan.add_for(short, a["supply"] @ a["value"] - used)
    return True


def _elastic(am, backend):
    """The same model with every balance rule soft (unit penalties), and a backend for it."""
    inst = am.inst.with_params({f"balance.soft.{rule}": 1.0 for rule in BALANCE_NAMES})
    eam = build_model(inst)
    return eam, make_backend(eam.lm, SolverOptions(threads=backend.opts.threads))


def _short_recipients(eam, x) -> np.ndarray:
    """Recipients with a positive slack on any of their balance rules."""
    lm = eam.lm
    bad = np.zeros(len(eam.u0), bool)
    for rule in eam.balance_rows:
        blk = lm.col_blocks.get(f"slack_{rule}")
        if blk is None:
            continue
        slack = x[blk.start:blk.stop]
        rr = BY_NAME[rule].recipients(eam, lm.row_blocks[rule].data["entity"])
        bad[rr[slack > 1e-7]] = True
    return np.flatnonzero(bad)
