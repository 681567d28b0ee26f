"""Analysis: shadow prices and ranging, like Excel Solver's Sensitivity Report.

The pairings and types (the binaries) are held at the recommended plan and the remaining
linear program is solved again with HiGHS simplex; its duals and ranging
(``Highs.getRanging``) give, for every constraint of the allocation (supply, absorb, each
balance rule), the **shadow price** (change of the objective per unit of right-hand side),
the right-hand side and the **allowable increase and decrease** over which that shadow price
holds; and for every flow of the plan its final value, **reduced cost**, objective
coefficient and the allowable increase and decrease of that coefficient before the plan's
flows change. HiGHS is given the maximisation sense itself, so the signs are Excel's
(HIGHSPY.md §1, §6). These are sensitivities of the LP with the pairings held: they say
nothing about a change that would make another pairing better (HiGHS issue #1849).

The held LP (:func:`held_lp`) is the model with the pairings substituted, not the MILP with
its binaries merely fixed: once a pairing is on, its link row x <= min(supply, absorb) z and
the flows' upper bound min(supply, absorb) are implied by the supply and absorb rows, so they
leave the LP (otherwise a flow that equals min(supply, absorb) puts the price of the scarce
supply or absorptive capacity on the link row or on the flow's bound, and the supply or absorb
row reads "not binding, price 0" while one more unit is worth something). The flows of
pairings that are off are fixed at 0; rows that hold only pairing decisions (one type, span,
coverage when hard, the scale rows of pairings that are off) are constants and leave the LP
too. docs/analysis.md says how each kind of row is reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import InputError
from .methods import get_method

INF = math.inf
REPORTED_ROWS = ("supply", "absorb", "coverage", "access_floor", "capacity", "outcome_floor",
                 "outcome_spread", "scale", "pair_floor", "span_partner", "span_recipient")
IMPLIED_ROWS = ("link",)  # implied by the supply and absorb rows once the pairings are held
PAIRING_ROWS = ("scale", "pair_floor")  # one row per pairing and type (reported when on)
TOL = 1e-7


@dataclass
class SensitivityReport:
    """Two tables in Excel Solver's columns, and what their numbers refer to.

    ``objective_value`` is the value of the objective the prices are of, at the plan: for
    ``objective="plan"`` it is the summary's ``objective`` (the weighted score with its
    constant, the epsilon or lexicographic objective), for ``"efficiency"`` / ``"equity"``
    the best efficiency / equity (less soft-rule penalties) over the flows with the pairings
    held. ``objective_label`` says which in words."""

    constraints: pd.DataFrame
    variables: pd.DataFrame
    objective: str
    objective_value: float
    efficiency_per_unit: float | None  # efficiency units per objective unit (weighted plans)
    lp: object = None  # the highspy.HighsLp that was solved (for checks and re-solves)
    objective_label: str = ""

    def tables(self) -> dict:
        return {"sensitivity_constraints": self.constraints,
                "sensitivity_variables": self.variables}


@dataclass
class HeldObjective:
    """The objective of a held LP: a vector over the model's columns plus a constant, and the
    rows the method adds (the epsilon bound, the lexicographic hold)."""

    vector: np.ndarray
    constant: float = 0.0
    rows: list = field(default_factory=list)  # (coefficients, lower, upper)
    row_labels: list = field(default_factory=list)
    label: str = ""


def held_objective(am, sol, which: str = "plan") -> HeldObjective:
    """The objective ``which`` of ``sol`` over the columns of model ``am`` (``sol.model``, or
    the model of a changed instance: the method's settings, such as eps, are ``am``'s; the
    payoff table that normalises them and the lexicographic hold level stay ``sol``'s).

    For ``"plan"`` its value is the summary's ``objective``: the weighted method's score
    lambda (E - E_nad)/(E_ide - E_nad) + (1 - lambda)(Q - Q_nad)/(Q_ide - Q_nad) - penalty
    (lambda 0 or 1 included), the epsilon method's augmented objective with its row
    Q >= eps, the lexicographic method's second objective with the first held at its optimum.
    """
    lm = am.lm
    cE, cQ, cP = lm.objectives["efficiency"], lm.objectives["equity"], lm.objectives["penalty"]
    if which == "efficiency":
        return HeldObjective(cE - cP, label="efficiency (less soft-rule penalties), the best "
                                            "the flows reach with the pairings held")
    if which == "equity":
        return HeldObjective(cQ - cP, label="equity (less soft-rule penalties), the best "
                                            "the flows reach with the pairings held")
    if which != "plan":
        raise InputError(f"the objective must be plan, efficiency or equity, not {which!r}")
    pobj = am.inst.params["objective"]
    plan = get_method(pobj["method"]).plan_objective(am, pobj, sol.payoff, sol.final_problem)
    return HeldObjective(plan.objective, plan.constant, list(plan.rows), plan.row_labels,
                         label=plan.label)


def held_pairings(am, sol) -> np.ndarray:
    """The plan's pairings and types as values of the z columns of ``am`` (``sol.model`` or
    the model of a changed instance, matched by partner, recipient and type)."""
    zb = sol.model.z
    on = np.round(sol.x[zb.start:zb.stop]) > 0.5
    if am is sol.model:
        return on.astype(float)
    m0 = sol.model
    keys = set(zip(m0.pair_d[m0.z_pair][on], m0.pair_r[m0.z_pair][on], m0.z_type[on]))
    zval = np.array([k in keys for k in zip(am.pair_d[am.z_pair], am.pair_r[am.z_pair],
                                            am.z_type)], float)
    if zval.sum() != len(keys):
        raise InputError("the changed instance no longer allows every pairing of the plan")
    return zval


@dataclass
class HeldLP:
    """The LP of a plan with its pairings held, as handed to HiGHS."""

    lp: object  # highspy.HighsLp: the model's columns, then closed flows; the model's rows,
    #             then the method's rows
    objective: HeldObjective
    zval: np.ndarray  # values of the z columns
    outside: np.ndarray  # rows left out of the LP (free bounds): implied links, constants
    constant: np.ndarray  # rows whose every column is held (pairing decisions)
    n_model_rows: int
    flows: dict  # the held pairings' flow columns: "column" (in the LP) and the partner,
    #              recipient, resource and type index, "gain" and "ucoef" of each


def _closed_flows(am, zval: np.ndarray):
    """The flows of the held pairings that model ``am`` has no column for: a resource whose
    supply or absorptive capacity is 0 (the model leaves out x where min(supply, absorb) = 0,
    exact for the plan, but one more unit of it could flow through a held pairing). Returns
    ``(opened model, its columns of those flows, their coefficients in am's rows)`` or None.

    The opened model is built from the same data with those zeros replaced by 1: it has the
    same rows (but links) and z columns, and its extra flow columns have the model's own
    coefficients; their supply and absorb rows keep am's right-hand side 0."""
    import dataclasses

    import scipy.sparse as sp

    from .model import build_model

    a = am.inst.arrays
    held = np.flatnonzero(zval > 0.5)
    pd_, pr_ = am.pair_d[am.z_pair[held]], am.pair_r[am.z_pair[held]]
    if np.all(np.minimum(a["supply"][pd_], a["absorb"][pr_]) > 0):
        return None
    inst = dataclasses.replace(am.inst)
    inst.__dict__["arrays"] = {**a, "supply": np.where(a["supply"] > 0, a["supply"], 1.0),
                               "absorb": np.where(a["absorb"] > 0, a["absorb"], 1.0)}
    am_o = build_model(inst, am.inst.params)
    assert np.array_equal(am_o.z_pair, am.z_pair) and np.array_equal(am_o.z_type, am.z_type)
    have = set(zip(am.x_z.tolist(), am.x_k.tolist()))
    sel = np.array([j for j, (z, k) in enumerate(zip(am_o.x_z.tolist(), am_o.x_k.tolist()))
                    if zval[z] > 0.5 and (z, k) not in have], int)
    cols = am_o.x.start + sel
    rowmap = np.full(am_o.lm.n_rows, -1)
    for name, b in am_o.lm.row_blocks.items():
        if name not in IMPLIED_ROWS:
            b0 = am.lm.row_blocks[name]
            assert len(b0) == len(b), name
            rowmap[b.start:b.stop] = np.arange(b0.start, b0.stop)
    sub = sp.csc_array(am_o.lm.A)[:, cols].tocoo()
    keep = rowmap[sub.row] >= 0
    A = sp.csc_array((sub.data[keep], (rowmap[sub.row[keep]], sub.col[keep])),
                     shape=(am.lm.n_rows, len(cols)))
    return am_o, cols, A


def held_lp(sol, am=None, which: str = "plan") -> HeldLP:
    """The LP of ``sol``'s plan on model ``am`` (default ``sol.model``; or the model of a
    changed instance) with its pairings held, for the objective ``which``.

    z is fixed; the flows of pairings that are off are fixed at 0; the flows of pairings that
    are on lose their upper bound min(supply, absorb) and the link rows leave the LP (both are
    implied by the supply and absorb rows, which then carry the price); a held pairing gets a
    flow column for every resource (:func:`_closed_flows`); rows whose every column is fixed
    are constants and leave the LP too. Rows that leave keep their place with free bounds, so
    that row i of the LP is row i of the model (then the method's rows), and column j of the
    model is column j of the LP (the closed flows come after)."""
    import highspy
    import scipy.sparse as sp

    am = sol.model if am is None else am
    zval = held_pairings(am, sol)
    obj = held_objective(am, sol, which)
    lm = am.lm
    zb, xb = lm.col_blocks["z"], lm.col_blocks["x"]
    lo, hi = lm.col_lower.copy(), lm.col_upper.copy()
    lo[zb.start:zb.stop] = hi[zb.start:zb.stop] = zval
    on = zval[am.x_z] > 0.5
    hi[xb.start:xb.stop] = np.where(on, INF, 0.0)
    A, cost = lm.A, np.asarray(obj.vector, float)
    method_rows = [np.asarray(c, float) for c, _, _ in obj.rows]
    flows = {"column": xb.start + np.flatnonzero(on), "d": am.x_d[on], "r": am.x_r[on],
             "k": am.x_k[on], "t": am.x_type[on], "gain": am.gain[on], "ucoef": am.ucoef[on]}
    closed = _closed_flows(am, zval)
    if closed is not None:
        am_o, cols, A_o = closed
        obj_o = held_objective(am_o, sol, which)
        m = len(cols)
        A = sp.hstack([A, A_o], format="csr")
        cost = np.r_[cost, obj_o.vector[cols]]
        method_rows = [np.r_[c, c_o[cols]] for c, (c_o, _, _) in zip(method_rows, obj_o.rows)]
        lo, hi = np.r_[lo, np.zeros(m)], np.r_[hi, np.full(m, INF)]
        loc = cols - am_o.x.start
        extra = {"column": lm.n_cols + np.arange(m), "d": am_o.x_d[loc], "r": am_o.x_r[loc],
                 "k": am_o.x_k[loc], "t": am_o.x_type[loc], "gain": am_o.gain[loc],
                 "ucoef": am_o.ucoef[loc]}
        flows = {k: np.r_[v, extra[k]] for k, v in flows.items()}
    rlo, rhi = lm.row_lower.copy(), lm.row_upper.copy()
    if obj.rows:
        A = sp.vstack([A] + [sp.csr_array(c[None, :]) for c in method_rows], format="csr")
        rlo = np.r_[rlo, [r[1] for r in obj.rows]]
        rhi = np.r_[rhi, [r[2] for r in obj.rows]]
    # how many columns of each row are free to move (pattern only)
    pattern = sp.csr_array((np.ones(len(A.data)), A.indices, A.indptr), shape=A.shape)
    constant = pattern @ (lo < hi).astype(float) == 0
    outside = constant.copy()
    for name in IMPLIED_ROWS:
        b = lm.row_blocks.get(name)
        if b is not None:
            outside[b.start:b.stop] = True
    rlo[outside], rhi[outside] = -INF, INF
    A = sp.csc_array(A)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = cost
    lp.offset_ = float(obj.constant)
    lp.col_lower_, lp.col_upper_ = lo, hi
    lp.row_lower_, lp.row_upper_ = rlo, rhi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data
    return HeldLP(lp=lp, objective=obj, zval=zval, outside=outside, constant=constant,
                  n_model_rows=lm.n_rows, flows=flows)


def held_problem(sol, inst=None, objective: str = "plan") -> HeldLP:
    """The held LP of ``sol``'s pairings on ``inst`` (default ``sol.instance``; give a changed
    copy, e.g. ``sol.instance.with_params({...})``, to see the objective move with the data),
    with ``sol``'s objective (the payoff table, weights and hold levels stay ``sol``'s)."""
    from .model import build_model

    am = sol.model if inst is None or inst is sol.instance else build_model(inst)
    return held_lp(sol, am, objective)


def solve_lp(lp):
    """Solve a HighsLp with simplex (a basis is needed for ranging); return the Highs object."""
    from .solve import new_highs, run_highs

    h = new_highs()
    h.setOptionValue("solver", "simplex")
    h.passModel(lp)
    run_highs(h)
    return h


def held_value(sol, inst=None, objective: str = "plan") -> float:
    """The objective of ``sol``'s held LP on ``inst`` (see :func:`held_problem`): what the
    shadow prices are derivatives of."""
    import highspy

    h = solve_lp(held_problem(sol, inst, objective).lp)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise InputError(f"the held-pairings LP did not solve to optimality "
                         f"({h.modelStatusToString(h.getModelStatus())})")
    return float(h.getInfo().objective_function_value)


def _labels(lm, rows: np.ndarray, hold_labels) -> tuple[list, list]:
    """(rule, entity) of the model rows ``rows`` (sorted), then of the method's rows."""
    rule, entity = [], []
    for b in lm.row_blocks.values():
        loc = rows[(rows >= b.start) & (rows < b.stop)] - b.start
        if len(loc) == 0:
            continue
        rule += [b.name] * len(loc)
        entity += [str(x) for x in b.labels(loc)] if b.labels else [""] * len(loc)
    for lab in hold_labels:
        rule.append("hold")
        entity.append(lab)
    return rule, entity


def _region_names(inst) -> dict:
    """id -> name of every partner and recipient (built once per report: rebuilding it for
    every binding row took seconds at the county level)."""
    return {**dict(zip(inst.partners.index, inst.partners["name"])),
            **dict(zip(inst.recipients.index, inst.recipients["name"]))}


def _change(rule, entity, name_of: dict, hold_kind) -> tuple[str, str]:
    """How a row's right-hand side moves by one unit, up and down, in the planner's words."""
    ids = entity.split(",")

    def who(i):
        return ids[i] if i < len(ids) else entity

    def name(i=0):
        return name_of.get(who(i), who(i))

    noun = {"supply": f"{name()}'s {who(1)} supply",
            "absorb": f"{name()}'s capacity to absorb {who(1)}",
            "capacity": f"required lasting capacity in {name()}"}.get(rule)
    if noun:
        return f"one more unit of {noun}", f"one unit less of {noun}"
    level, unit = {
        "coverage": (f"the number of partners required for {name()} (a soft rule)", ""),
        "access_floor": (f"{name()}'s access floor for {who(1)}", " unit"),
        "outcome_floor": (f"{name()}'s outcome floor", " (in u)"),
        "outcome_spread": ((f"the margin by which {name()}'s outcome must exceed rho times "
                            "the mean outcome"), " (in u)"),
        "scale": (f"the smallest scale of the pairing {name(0)} - {name(1)} ({who(2)})",
                  " unit of value"),
        "pair_floor": (f"the smallest scale of the pairing {name(0)} - {name(1)} ({who(2)})",
                       " unit of value"),
    }.get(rule, ("the right-hand side", " unit"))
    if rule == "hold":  # a row the method adds: it says what its level is
        level, unit = hold_kind.hold_words(entity)
    return f"raising {level} by one{unit}", f"lowering {level} by one{unit}"


def _meaning(rule, entity, shadow, rhs, inc, dec, unit_words, name_of: dict, state: str,
             hold_kind=None) -> str:
    """The row in words. ``state``: "price" (binding with a price), "zero" (binding, price 0
    over its range), "degenerate" (at its limit but basic: price 0 on its open side only),
    "held" (a constant once the pairings are held), "slack" (not binding)."""
    def limits():
        lo = rhs - dec if math.isfinite(dec) else -INF
        hi = rhs + inc if math.isfinite(inc) else INF
        return (f"{lo:.4g}" if math.isfinite(lo) else "-inf",
                f"{hi:.4g}" if math.isfinite(hi) else "no limit")

    rng = "(holds from {} to {})".format(*limits())
    if state == "slack":
        return "not binding: a small change does not move the objective"
    if state == "held":
        return ("set by the pairings and types, which this report holds: with them held it "
                "has no price (they meet it for a right-hand side from {} to {})".format(*limits()))
    if state == "zero":
        return f"binding, but a change within its range does not move the objective {rng}"
    up, down = _change(rule, entity, name_of, hold_kind)
    if state == "degenerate":  # basic at its limit: price 0 on the open side only
        still, moves = (up, down) if inc > 0 else (down, up)
        return (f"binding with price 0: another rule binds at the same point, so {still} does "
                f"not move the objective but {moves} may {rng}")
    amt = f"{abs(shadow):.4g} {unit_words}"
    if inc > 0:  # the price is the value of one unit more
        return f"{up} {'raises' if shadow > 0 else 'lowers'} the objective by {amt} {rng}"
    if dec > 0:  # one unit less only: above the limit another rule binds too
        return (f"{down} {'lowers' if shadow > 0 else 'raises'} the objective by {amt}; "
                f"one unit more is worth {'less' if shadow > 0 else 'more'} (another rule "
                f"binds at the same point) {rng}")
    return (f"{amt} per unit lies between the values of {up} and of {down} (another rule "
            f"binds at the same point) {rng}")


def sensitivity(sol, objective: str = "plan", all_rows: bool = False) -> SensitivityReport:
    """The Sensitivity Report of a solution (pairings and types held at the plan).

    ``objective``: ``"plan"`` (the objective the method maximised, with the value the summary
    reports; default), ``"efficiency"`` or ``"equity"`` (maximised over the flows with the
    same pairings). ``all_rows`` also reports the model's internal rows (one type, equity
    auxiliaries); link rows are never reported: with the pairings held they are implied.
    """
    if not sol.has_plan or sol.x is None:
        raise InputError("a sensitivity report needs a plan; this solution has none "
                         f"(status {sol.status})")
    import highspy

    am = sol.model
    lm = am.lm
    held = held_lp(sol, am, objective)
    obj, lp = held.objective, held.lp
    h = solve_lp(lp)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise InputError(f"the held-pairings LP did not solve to optimality "
                         f"({h.modelStatusToString(h.getModelStatus())})")
    s = h.getSolution()
    _, rng = h.getRanging()
    if not rng.valid:
        raise InputError("HiGHS could not compute ranging for this LP")
    basis = h.getBasis()
    S = highspy.HighsBasisStatus
    rstat = np.array([int(st) for st in basis.row_status])
    act = np.asarray(s.row_value)
    dual = np.asarray(s.row_dual)
    # the model's own bounds (the LP has free bounds on the rows that left it)
    rlo = np.r_[lm.row_lower, [r[1] for r in obj.rows]]
    rhi = np.r_[lm.row_upper, [r[2] for r in obj.rows]]
    up_v = np.asarray(rng.row_bound_up.value_)
    dn_v = np.asarray(rng.row_bound_dn.value_)

    # which rows to report: the planner's rules (with all_rows every row but the implied
    # links), less the rows of pairings that are not in the plan (a scale row of a pairing
    # that is off: 0 >= 0 once it is held)
    n_model = held.n_model_rows
    report = np.zeros(n_model, bool)
    zb = lm.col_blocks["z"]
    for b in lm.row_blocks.values():
        if b.name in IMPLIED_ROWS or not (all_rows or b.name in REPORTED_ROWS):
            continue
        report[b.start:b.stop] = True
        if b.name in PAIRING_ROWS:
            zpart = lm.A[b.start:b.stop][:, zb.start:zb.stop]
            report[b.start:b.stop] = abs(zpart) @ held.zval > 0
    rows = np.r_[np.flatnonzero(report), n_model + np.arange(len(obj.rows))]
    rule, entity = _labels(lm, np.flatnonzero(report), obj.row_labels)

    inst = sol.instance
    pobj = inst.params["objective"]
    method = get_method(pobj["method"]) if objective == "plan" else None
    per_unit = method and method.per_unit(pobj, sol.payoff)
    unit_words = (method and method.unit_words(pobj)) or {
        "plan": "objective units", "efficiency": "units of efficiency",
        "equity": "units of equity"}[objective]
    records = []
    name_of = _region_names(inst)
    for j, i in enumerate(rows):
        L, U, a = rlo[i], rhi[i], float(act[i])
        tol = TOL * max(1.0, abs(a))
        at_up = math.isfinite(U) and abs(a - U) <= tol
        at_lo = math.isfinite(L) and abs(a - L) <= tol
        nonbasic = not held.outside[i] and rstat[i] in (int(S.kLower), int(S.kUpper))
        if nonbasic:
            # binding: the price holds between HiGHS's row-bound ranging limits
            sh = float(dual[i]) if abs(dual[i]) > 1e-12 else 0.0
            rhs = U if (rstat[i] == int(S.kUpper) and math.isfinite(U)) or not math.isfinite(L) else L
            inc = max(up_v[i] - rhs, 0.0) if up_v[i] < INF else INF
            dec = max(rhs - dn_v[i], 0.0) if dn_v[i] > -INF else INF
            state = "price" if sh != 0.0 else "zero"
        else:
            # basic (or a constant): price 0 on the open side, up to the slack on the other
            sh = 0.0
            if math.isfinite(U) and (at_up or not at_lo or not math.isfinite(L)):
                rhs, inc, dec = U, INF, max(U - a, 0.0)
            else:
                rhs, inc, dec = L, max(a - L, 0.0), INF
            if held.constant[i]:
                state = "held"
            elif at_up or at_lo:
                state = "degenerate"
            else:
                state = "slack"
        sense = "<=" if (math.isfinite(U) and not math.isfinite(L)) else (
            ">=" if not math.isfinite(U) else ("=" if L == U else "range"))
        nm = f"{rule[j]}[{entity[j]}]"
        records.append({
            "name": nm, "rule": rule[j], "entity": entity[j], "sense": sense,
            "final_value": a, "shadow_price": sh, "rhs": float(rhs),
            "allowable_increase": float(inc), "allowable_decrease": float(dec),
            "binding": bool(nonbasic or at_up or at_lo),
            "shadow_price_efficiency": sh * per_unit if per_unit else np.nan,
            "meaning": _meaning(rule[j], entity[j], sh, rhs, inc, dec, unit_words, name_of,
                                state, method),
            "row": int(i),
        })
    constraints = pd.DataFrame(records, columns=[
        "name", "rule", "entity", "sense", "final_value", "shadow_price", "rhs",
        "allowable_increase", "allowable_decrease", "binding", "shadow_price_efficiency",
        "meaning", "row"])

    # variable cells: the flows of the plan's pairings (the others are fixed at 0)
    fl = held.flows
    cols = fl["column"]
    xv = np.asarray(s.col_value)[cols]
    rc = np.asarray(s.col_dual)[cols]
    cost = np.asarray(lp.col_cost_, float)[cols]
    cu = np.asarray(rng.col_cost_up.value_)[cols]
    cd = np.asarray(rng.col_cost_dn.value_)[cols]
    D, R, K, T = inst.partners.index, inst.recipients.index, list(inst.resources), list(inst.types)
    xd, xr, xk, xt = fl["d"], fl["r"], fl["k"], fl["t"]
    variables = pd.DataFrame({
        "name": [f"x[{D[d]},{R[r]},{K[k]},{T[t]}]" for d, r, k, t in zip(xd, xr, xk, xt)],
        "partner": D[xd].astype(str), "recipient": R[xr].astype(str),
        "resource": [K[k] for k in xk], "type": [T[t] for t in xt],
        "final_value": np.where(np.abs(xv) < 1e-9, 0.0, xv),
        "reduced_cost": np.where(np.abs(rc) < 1e-12, 0.0, rc),
        "objective_coefficient": cost,
        "allowable_increase": np.where(cu < INF, np.maximum(cu - cost, 0.0), INF),
        "allowable_decrease": np.where(cd > -INF, np.maximum(cost - cd, 0.0), INF),
        "column": cols,
    })
    return SensitivityReport(constraints=constraints, variables=variables, objective=objective,
                             objective_value=float(h.getInfo().objective_function_value),
                             efficiency_per_unit=per_unit, lp=lp, objective_label=obj.label)
