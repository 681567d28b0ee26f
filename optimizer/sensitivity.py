"""Analysis: shadow prices and ranging, like Excel Solver's Sensitivity Report.

The binaries (who pairs with whom, and the type) are fixed at the recommended plan and the
remaining linear program is solved again with HiGHS; its duals and ranging
(``Highs.getRanging``) give, for every constraint of the allocation (supply, absorb, each
balance rule), the **shadow price** (change of the objective per unit of right-hand side),
the right-hand side and the **allowable increase and decrease** over which that shadow price
holds; and for every allocation variable its final value, **reduced cost**, objective
coefficient and the allowable increase and decrease of that coefficient before the plan's
flows change. HiGHS is given the maximisation sense itself, so the signs are Excel's
(HIGHSPY.md §1, §6). These are sensitivities of the LP with the pairings fixed: they say
nothing about a change that would make another pairing better (HiGHS issue #1849).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError

INF = math.inf
REPORTED_ROWS = ("supply", "absorb", "coverage", "access_floor", "capacity", "outcome_floor",
                 "outcome_spread", "scale", "span_partner", "span_recipient")
TOL = 1e-7


@dataclass
class SensitivityReport:
    """Two tables in Excel Solver's columns, and what their numbers refer to."""

    constraints: pd.DataFrame
    variables: pd.DataFrame
    objective: str
    objective_value: float
    efficiency_per_unit: float | None  # efficiency units per objective unit (weighted plans)
    lp: object = None  # the highspy.HighsLp that was solved (for checks and re-solves)

    def tables(self) -> dict:
        return {"sensitivity_constraints": self.constraints,
                "sensitivity_variables": self.variables}


def _objective(sol, which: str):
    lm = sol.model.lm
    cE, cQ, cP = lm.objectives["efficiency"], lm.objectives["equity"], lm.objectives["penalty"]
    if which == "plan":
        return sol.final_problem.objective, list(sol.final_problem.rows)
    if which == "efficiency":
        return cE - cP, []
    if which == "equity":
        return cQ - cP, []
    raise InputError(f"the objective must be plan, efficiency or equity, not {which!r}")


def fixed_lp(sol, objective: np.ndarray, extra_rows):
    """The plan's LP: binaries fixed at the plan, integrality dropped, extra rows appended."""
    import highspy
    import scipy.sparse as sp

    lm = sol.model.lm
    z = lm.col_blocks["z"]
    lo, hi = lm.col_lower.copy(), lm.col_upper.copy()
    zval = np.round(sol.x[z.start:z.stop])
    lo[z.start:z.stop] = zval
    hi[z.start:z.stop] = zval
    A = lm.A
    rlo, rhi = lm.row_lower, lm.row_upper
    if extra_rows:
        A = sp.vstack([A] + [sp.csr_array(np.asarray(c, float)[None, :]) for c, _, _ in extra_rows],
                      format="csr")
        rlo = np.r_[rlo, [r[1] for r in extra_rows]]
        rhi = np.r_[rhi, [r[2] for r in extra_rows]]
    A = sp.csc_array(A)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = lm.n_cols, A.shape[0]
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.asarray(objective, float)
    lp.col_lower_, lp.col_upper_ = lo, hi
    lp.row_lower_, lp.row_upper_ = rlo, rhi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data
    return lp


def solve_lp(lp):
    """Solve a HighsLp with simplex (a basis is needed for ranging); return the Highs object."""
    from .solve import new_highs, run_highs

    h = new_highs()
    h.setOptionValue("solver", "simplex")
    h.passModel(lp)
    run_highs(h)
    return h


def _names(sol, n_extra_labels):
    lm = sol.model.lm
    rule, entity, name = [], [], []
    for b in lm.row_blocks.values():
        labels = b.labels(np.arange(len(b))) if b.labels else [""] * len(b)
        rule += [b.name] * len(b)
        entity += [str(x) for x in labels]
        name += [f"{b.name}[{x}]" for x in labels]
    for lab in n_extra_labels:
        rule.append("hold")
        entity.append(lab)
        name.append(f"hold[{lab}]")
    return rule, entity, name


def _region_names(inst) -> dict:
    """id -> name of every partner and recipient (built once per report: rebuilding it for
    every binding row took seconds at the county level)."""
    return {**dict(zip(inst.partners.index, inst.partners["name"])),
            **dict(zip(inst.recipients.index, inst.recipients["name"]))}


def _meaning(rule, entity, shadow, rhs, inc, dec, unit_words, name_of: dict) -> str:
    def rng():
        lo = rhs - dec if math.isfinite(dec) else -INF
        hi = rhs + inc if math.isfinite(inc) else INF
        lo_s = f"{lo:.4g}" if math.isfinite(lo) else "-inf"
        hi_s = f"{hi:.4g}" if math.isfinite(hi) else "no limit"
        return f"(holds from {lo_s} to {hi_s})"

    def who(i):
        ids = entity.split(",")
        return ids[i] if i < len(ids) else entity

    if abs(shadow) <= 1e-12:
        return "not binding: a small change does not move the objective"
    verb = "raises" if shadow > 0 else "lowers"
    amt = f"{abs(shadow):.4g} {unit_words}"
    if rule == "supply":
        return f"one more unit of {name_of.get(who(0), who(0))}'s {who(1)} supply {verb} the objective by {amt} {rng()}"
    if rule == "absorb":
        return f"one more unit of {name_of.get(who(0), who(0))}'s capacity to absorb {who(1)} {verb} the objective by {amt} {rng()}"
    if rule == "access_floor":
        return f"raising {name_of.get(who(0), who(0))}'s access floor for {who(1)} by one unit {verb} the objective by {amt} {rng()}"
    if rule == "capacity":
        return f"one more unit of required lasting capacity in {name_of.get(entity, entity)} {verb} the objective by {amt} {rng()}"
    if rule == "outcome_floor":
        return f"raising {name_of.get(entity, entity)}'s outcome floor by one (in u) {verb} the objective by {amt} {rng()}"
    if rule == "outcome_spread":
        return f"tightening the outcome spread for {name_of.get(entity, entity)} by one {verb} the objective by {amt} {rng()}"
    if rule == "hold":
        return f"holding the first objective one unit higher {verb} the objective by {amt} {rng()}"
    return f"one more unit on the right-hand side {verb} the objective by {amt} {rng()}"


def sensitivity(sol, objective: str = "plan", all_rows: bool = False) -> SensitivityReport:
    """The Sensitivity Report of a solution (binaries fixed at the plan).

    ``objective``: ``"plan"`` (the objective the method maximised; default), ``"efficiency"``
    or ``"equity"`` (maximised over the flows with the same pairings). ``all_rows`` also
    reports the model's internal rows (links, equity auxiliaries).
    """
    if not sol.has_plan or sol.x is None:
        raise InputError("a sensitivity report needs a plan; this solution has none "
                         f"(status {sol.status})")
    c, extra = _objective(sol, objective)
    lp = fixed_lp(sol, c, extra)
    h = solve_lp(lp)
    import highspy

    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise InputError(f"the fixed-pairing LP did not solve to optimality "
                         f"({h.modelStatusToString(h.getModelStatus())})")
    s = h.getSolution()
    status, rng = h.getRanging()
    if not rng.valid:
        raise InputError("HiGHS could not compute ranging for this LP")
    basis = h.getBasis()
    basic = np.array([st == highspy.HighsBasisStatus.kBasic for st in basis.row_status], bool)
    act = np.asarray(s.row_value)
    dual = np.asarray(s.row_dual)
    rlo, rhi = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    up_v = np.asarray(rng.row_bound_up.value_)
    dn_v = np.asarray(rng.row_bound_dn.value_)
    hold_labels = []
    if objective == "plan":
        pobj = sol.instance.params["objective"]
        if pobj["method"] == "lexicographic":
            hold_labels = [pobj["first"]]
        elif pobj["method"] == "epsilon":
            hold_labels = ["equity >= eps"]
    rule, entity, name = _names(sol, hold_labels)
    inst = sol.instance
    lm = sol.model.lm
    pobj = inst.params["objective"]
    per_unit = None
    unit_words = {"plan": "objective units", "efficiency": "units of efficiency",
                  "equity": "units of equity"}[objective]
    if objective == "plan" and pobj["method"] == "weighted" and pobj["lambda"] > 0:
        per_unit = sol.payoff.E_range / pobj["lambda"]
        unit_words = "points of the weighted score"
    elif objective == "plan" and pobj["method"] == "epsilon":
        per_unit = sol.payoff.E_range
    records = []
    name_of = _region_names(inst)
    for i in range(len(act)):
        if not all_rows and rule[i] not in REPORTED_ROWS and rule[i] != "hold":
            continue
        L, U = rlo[i], rhi[i]
        tol = TOL * max(1.0, abs(act[i]))
        # binding = nonbasic at a bound; a basic row sitting at its bound (degenerate) has
        # shadow price 0 and is reported with its slack, as Excel does
        at_up = not basic[i] and math.isfinite(U) and abs(act[i] - U) <= tol
        at_lo = not basic[i] and math.isfinite(L) and abs(act[i] - L) <= tol
        sh = float(dual[i]) if abs(dual[i]) > 1e-12 else 0.0
        if at_up or at_lo:
            rhs = U if at_up and (not at_lo or sh >= 0) else L
            inc = up_v[i] - rhs if up_v[i] < INF else INF
            dec = rhs - dn_v[i] if dn_v[i] > -INF else INF
            inc, dec = max(inc, 0.0), max(dec, 0.0)
        else:
            sh = 0.0
            if math.isfinite(U):
                rhs, inc, dec = U, INF, max(U - act[i], 0.0)
            else:
                rhs, inc, dec = L, max(act[i] - L, 0.0), INF
        sense = "<=" if (math.isfinite(U) and not math.isfinite(L)) else (
            ">=" if not math.isfinite(U) else ("=" if L == U else "range"))
        records.append({
            "name": name[i], "rule": rule[i], "entity": entity[i], "sense": sense,
            "final_value": float(act[i]), "shadow_price": sh, "rhs": float(rhs),
            "allowable_increase": float(inc), "allowable_decrease": float(dec),
            "binding": bool(at_up or at_lo),
            "shadow_price_efficiency": sh * per_unit if per_unit else np.nan,
            "meaning": _meaning(rule[i], entity[i], sh, rhs, inc, dec, unit_words, name_of),
            "row": i,
        })
    constraints = pd.DataFrame(records)

    # variable cells: the allocation variables x
    xb = lm.col_blocks["x"]
    cols = np.arange(xb.start, xb.stop)
    xv = np.asarray(s.col_value)[cols]
    rc = np.asarray(s.col_dual)[cols]
    cost = np.asarray(c, float)[cols]
    cu = np.asarray(rng.col_cost_up.value_)[cols]
    cd = np.asarray(rng.col_cost_dn.value_)[cols]
    am = sol.model
    D, R, K, T = inst.partners.index, inst.recipients.index, list(inst.resources), list(inst.types)
    variables = pd.DataFrame({
        "name": [f"x[{D[d]},{R[r]},{K[k]},{T[t]}]" for d, r, k, t in
                 zip(am.x_d, am.x_r, am.x_k, am.x_type)],
        "partner": D[am.x_d].astype(str), "recipient": R[am.x_r].astype(str),
        "resource": [K[k] for k in am.x_k], "type": [T[t] for t in am.x_type],
        "final_value": np.where(np.abs(xv) < 1e-9, 0.0, xv),
        "reduced_cost": np.where(np.abs(rc) < 1e-12, 0.0, rc),
        "objective_coefficient": cost,
        "allowable_increase": np.where(cu < INF, np.maximum(cu - cost, 0.0), INF),
        "allowable_decrease": np.where(cd > -INF, np.maximum(cost - cd, 0.0), INF),
        "column": cols,
    })
    # only the flows of the plan's pairings (other columns are fixed at zero by z = 0)
    zc = np.round(sol.x[am.z.start:am.z.stop]) > 0.5
    variables = variables[zc[am.x_z]].reset_index(drop=True)
    return SensitivityReport(constraints=constraints, variables=variables, objective=objective,
                             objective_value=float(h.getInfo().objective_function_value),
                             efficiency_per_unit=per_unit, lp=lp)
