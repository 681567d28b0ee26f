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
   further candidate (upgraded to a capacity-building type) and try again, a few times.

The result is only a start: the MIP keeps optimising from it, and its optimum does not depend
on the start.
"""

from __future__ import annotations

import numpy as np

from .rules import BY_NAME

MIN_BINARIES = 1500  # below this HiGHS finds plans on its own at once; the LP is not worth it


def construct_plan(am, backend, objective: np.ndarray, rows=(), rounds: int = 3,
                   time_limit: float | None = None, info: dict | None = None) -> np.ndarray | None:
    """A feasible column vector of ``am`` (or None): see the module docstring."""
    a = am.inst.arrays
    z = am.z
    nZ = len(am.z_pair)
    lp = backend.solve(objective, extra_rows=rows, relax_integers=True, time_limit=time_limit,
                       label="start: LP relaxation")
    if info is not None:
        info["lp_bound"] = lp.bound  # the LP optimum bounds every plan's objective
    if not lp.ok:
        return None
    zlp = lp.x[z.start:z.stop]
    gamma = am.inst.params["balance"]["gamma"]
    kappa_ok = a["kappa"][am.z_type] >= gamma - 1e-12
    # per pair: total LP value and the chosen type (a z column)
    nP = len(am.pair_d)
    score = np.bincount(am.z_pair, weights=zlp, minlength=nP)
    best = np.full(nP, -1)
    best_val = np.full(nP, -np.inf)
    key = zlp + 1e-3 * kappa_ok  # prefer capacity-building types on ties
    for j in np.argsort(key, kind="stable"):
        best[am.z_pair[j]] = j  # last (largest) wins
        best_val[am.z_pair[j]] = key[j]
    upgrade = np.full(nP, -1)  # the best capacity-building type of each pair, if any
    for j in np.argsort(key, kind="stable"):
        if kappa_ok[j]:
            upgrade[am.z_pair[j]] = j
    choose = best.copy()
    has_up = upgrade >= 0
    choose[has_up & ~kappa_ok[np.maximum(best, 0)]] = upgrade[has_up & ~kappa_ok[np.maximum(best, 0)]]

    cap_d = a["max_partners_d"].copy()
    cap_r = a["max_partners_r"].copy()
    need_r = a["min_partners_r"].copy()
    cnt_d = np.zeros_like(cap_d)
    cnt_r = np.zeros_like(cap_r)
    selected = np.zeros(nP, bool)

    def take(p) -> bool:
        d, r = am.pair_d[p], am.pair_r[p]
        if selected[p] or cnt_d[d] + 1 > cap_d[d] or cnt_r[r] + 1 > cap_r[r]:
            return False
        selected[p] = True
        cnt_d[d] += 1
        cnt_r[r] += 1
        return True

    fixed = a["fixed"][am.pair_d, am.pair_r]
    for p in np.flatnonzero(fixed):
        take(p)
    order = np.argsort(-score, kind="stable")
    for p in order:
        if score[p] >= 0.5:
            take(p)

    def cover():
        for p in order:
            r = am.pair_r[p]
            if cnt_r[r] < need_r[r]:
                take(p)

    cover()
    cols = np.arange(z.start, z.stop)
    elastic = None
    for attempt in range(rounds + 1):
        zval = np.zeros(nZ)
        zval[choose[selected]] = 1.0
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
        eam, ebe = elastic
        # efficiency minus a large price on every unit of broken rule: a well-posed LP
        # (pure feasibility, with no other objective, is very degenerate and slow)
        cE = eam.lm.objectives["efficiency"]
        big = 1e3 * max(1.0, float(np.abs(cE).max()))
        er = ebe.solve(cE - big * eam.lm.objectives["penalty"], fix=(cols, zval),
                       relax_integers=True, time_limit=time_limit, label="start: repair")
        # HiGHS's time on the elastic copy counts as the run's solver time
        backend.highs_seconds += er.info.get("highs_seconds", 0.0)
        if not er.ok:
            break
        short = _short_recipients(eam, er.x)
        if not len(short):
            break  # the balance rules hold: the trouble is elsewhere (e.g. extra rows)
        used = np.zeros(len(cap_d))
        xv = er.x[eam.x.start:eam.x.stop]
        np.add.at(used, eam.x_d, xv * a["value"][eam.x_k])
        spare = a["supply"] @ a["value"] - used
        choose[has_up] = upgrade[has_up]
        for r in short:
            cands = [p for p in np.flatnonzero(am.pair_r == r) if not selected[p]]
            cands.sort(key=lambda p: (-int(upgrade[p] >= 0), -spare[am.pair_d[p]], -score[p]))
            for p in cands:
                if take(p):
                    break
    return None


def _elastic(am, backend):
    """The same model with every balance rule soft (unit penalties), and a backend for it."""
    from .model import build_model
    from .rules import BALANCE_NAMES
    from .solve import SolverOptions, make_backend

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
