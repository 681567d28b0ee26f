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

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .errors import InputError
from .i18n import N_, _
from .model import build_model
from .rules import BY_NAME, ROUND_RULES, RULES
from .solver.highs import LpArrays, run_lp
from .solver.status import Termination
from .methods import get_method

INF = math.inf
# from the rule registry: the rules a planner reads in the report, those implied by supply and
# absorb once the pairings are held (left out of the LP), those with a row per pairing and
# type (reported only for the plan's pairings)
REPORTED_ROWS = tuple(r.name for r in (*RULES, *ROUND_RULES) if r.reported)
IMPLIED_ROWS = tuple(r.name for r in (*RULES, *ROUND_RULES) if r.implied_when_held)
PAIRING_ROWS = tuple(r.name for r in (*RULES, *ROUND_RULES) if r.per_pairing)
TOL = 1e-7
UNIT_WORDS = {"plan": N_("objective units"), "efficiency": N_("units of efficiency"),
              "equity": N_("units of equity")}
"""The objective's unit in the report's sentences when the method names none."""
METHOD_UNIT_WORDS = (N_("points of the weighted score"), N_("points of achievement"))
"""The methods' units (optimizer/methods, ``unit_words``), marked here for the catalog: the
sentences translate them where they are said."""
HELD_LABELS = {"efficiency": N_("efficiency (less soft-rule penalties), the best the flows "
                                "reach with the pairings held"),
               "equity": N_("equity (less soft-rule penalties), the best the flows reach "
                            "with the pairings held")}
"""The labels of the objectives other than the plan's (English in summary.json, translated
where they are shown)."""


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
        return HeldObjective(cE - cP, label=HELD_LABELS["efficiency"])
    if which == "equity":
        return HeldObjective(cQ - cP, label=HELD_LABELS["equity"])
    if which != "plan":
        raise InputError(_("the objective must be plan, efficiency or equity, not {value}")
                         .format(value=repr(which)))
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
        raise InputError(_("the changed instance no longer allows every pairing of the plan"))
    return zval


def held_choices(am, sol) -> tuple[np.ndarray, np.ndarray]:
    """The plan's other binaries, held like its pairings: the share level of every sharing
    pairing (w) and whether each cluster is formed (c), as (columns of ``am``, values). On the
    model of a changed instance they are matched block by block (same levels, same clusters)."""
    m0 = sol.model
    z0 = np.arange(m0.z.start, m0.z.stop)
    theirs = np.setdiff1d(m0.binary_columns, z0)
    mine = np.setdiff1d(am.binary_columns, np.arange(am.z.start, am.z.stop))
    if am is not m0 and len(mine) != len(theirs):
        raise InputError(_("the changed instance has other share levels or clusters than the "
                           "plan: its choices cannot be held"))
    return mine, np.round(sol.x[theirs])


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
    am = sol.model if am is None else am
    zval = held_pairings(am, sol)
    obj = held_objective(am, sol, which)
    lm = am.lm
    zb, xb = lm.col_blocks["z"], lm.col_blocks["x"]
    lo, hi = lm.col_lower.copy(), lm.col_upper.copy()
    lo[zb.start:zb.stop] = hi[zb.start:zb.stop] = zval
    cols, vals = held_choices(am, sol)  # share levels and clusters (MODEL-v2 B, C)
    lo[cols] = hi[cols] = vals
    on = zval[am.x_z] > 0.5
    hi[xb.start:xb.stop] = np.where(on, INF, 0.0)
    arrays = LpArrays.of(lm, obj.vector, integrality=False).but(col_lower=lo, col_upper=hi)
    method_rows = [np.asarray(c, float) for c, _, _ in obj.rows]
    flows = {"column": xb.start + np.flatnonzero(on), "d": am.x_d[on], "r": am.x_r[on],
             "k": am.x_k[on], "t": am.x_type[on], "gain": am.gain[on], "ucoef": am.ucoef[on]}
    closed = _closed_flows(am, zval)
    if closed is not None:
        am_o, cols, A_o = closed
        obj_o = held_objective(am_o, sol, which)
        arrays = arrays.with_cols(A_o, 0.0, INF, obj_o.vector[cols])
        method_rows = [np.r_[c, c_o[cols]] for c, (c_o, _, _) in zip(method_rows, obj_o.rows)]
        loc = cols - am_o.x.start
        extra = {"column": lm.n_cols + np.arange(len(cols)), "d": am_o.x_d[loc],
                 "r": am_o.x_r[loc], "k": am_o.x_k[loc], "t": am_o.x_type[loc],
                 "gain": am_o.gain[loc], "ucoef": am_o.ucoef[loc]}
        flows = {k: np.r_[v, extra[k]] for k, v in flows.items()}
    arrays = arrays.with_rows([(c, r[1], r[2]) for c, r in zip(method_rows, obj.rows)])
    # how many columns of each row are free to move (pattern only)
    A = arrays.A
    pattern = sp.csr_array((np.ones(len(A.data)), A.indices, A.indptr), shape=A.shape)
    constant = pattern @ (arrays.col_lower < arrays.col_upper).astype(float) == 0
    outside = constant.copy()
    for name in IMPLIED_ROWS:
        b = lm.row_blocks.get(name)
        if b is not None:
            outside[b.start:b.stop] = True
    arrays = arrays.but(row_lower=np.where(outside, -INF, arrays.row_lower),
                        row_upper=np.where(outside, INF, arrays.row_upper),
                        offset=float(obj.constant))
    return HeldLP(lp=arrays.highs_lp(), objective=obj, zval=zval, outside=outside,
                  constant=constant, n_model_rows=lm.n_rows, flows=flows)


def held_problem(sol, inst=None, objective: str = "plan") -> HeldLP:
    """The held LP of ``sol``'s pairings on ``inst`` (default ``sol.instance``; give a changed
    copy, e.g. ``sol.instance.with_params({...})``, to see the objective move with the data),
    with ``sol``'s objective (the payoff table, weights and hold levels stay ``sol``'s)."""
    am = sol.model if inst is None or inst is sol.instance else build_model(inst)
    return held_lp(sol, am, objective)


def solve_lp(lp):
    """Solve a HighsLp with simplex (a basis is needed for ranging); return the Highs object."""
    return run_lp(lp, {"solver": "simplex"})[1]


def _solved(lp):
    """The Highs object of the held LP ``lp`` solved to optimality (an InputError if not)."""
    outcome, h = run_lp(lp, {"solver": "simplex"})
    if outcome.termination is not Termination.OPTIMAL:
        raise InputError(_("the held-pairings LP did not solve to optimality ({status})").format(
            status=h.modelStatusToString(h.getModelStatus())))
    return h


def held_value(sol, inst=None, objective: str = "plan") -> float:
    """The objective of ``sol``'s held LP on ``inst`` (see :func:`held_problem`): what the
    shadow prices are derivatives of."""
    h = _solved(held_problem(sol, inst, objective).lp)
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
    """How a row's right-hand side moves by one unit, up and down, in the planner's words:
    the rule's own words (the rule registry), or those the method gives its hold rows."""
    ids = entity.split(",")

    def who(i):
        return ids[i] if i < len(ids) else entity

    def name(i=0):
        return name_of.get(who(i), who(i))

    if rule == "hold":  # a row the method adds: it says what its level is
        level, unit = hold_kind.hold_words(entity)
        return (_("raising {level} by one{unit}").format(level=level, unit=unit),
                _("lowering {level} by one{unit}").format(level=level, unit=unit))
    words = BY_NAME[rule].change(name, who) if rule in BY_NAME else None
    return words or (_("raising the right-hand side by one unit"),
                     _("lowering the right-hand side by one unit"))


def _meaning(rule, entity, shadow, rhs, inc, dec, unit_words, name_of: dict, state: str,
             hold_kind=None) -> str:
    """The row in words. ``state``: "price" (binding with a price), "zero" (binding, price 0
    over its range), "degenerate" (at its limit but basic: price 0 on its open side only),
    "held" (a constant once the pairings are held), "slack" (not binding)."""
    def limits():
        lo = rhs - dec if math.isfinite(dec) else -INF
        hi = rhs + inc if math.isfinite(inc) else INF
        return (f"{lo:.4g}" if math.isfinite(lo) else "-inf",
                f"{hi:.4g}" if math.isfinite(hi) else _("no limit"))

    lo, hi = limits()
    rng = _("(holds from {lo} to {hi})").format(lo=lo, hi=hi)
    if state == "slack":
        return _("not binding: a small change does not move the objective")
    if state == "held":
        return _("set by the pairings and types, which this report holds: with them held it "
                 "has no price (they meet it for a right-hand side from {lo} to {hi})").format(
            lo=lo, hi=hi)
    if state == "zero":
        return _("binding, but a change within its range does not move the objective "
                 "{range}").format(range=rng)
    up, down = _change(rule, entity, name_of, hold_kind)
    if state == "degenerate":  # basic at its limit: price 0 on the open side only
        still, moves = (up, down) if inc > 0 else (down, up)
        return _("binding with price 0: another rule binds at the same point, so {still} does "
                 "not move the objective but {moves} may {range}").format(
            still=still, moves=moves, range=rng)
    amt = f"{abs(shadow):.4g} {unit_words}"
    if inc > 0:  # the price is the value of one unit more
        return (_("{change} raises the objective by {amount} {range}") if shadow > 0 else
                _("{change} lowers the objective by {amount} {range}")).format(
            change=up, amount=amt, range=rng)
    if dec > 0:  # one unit less only: above the limit another rule binds too
        return (_("{change} lowers the objective by {amount}; one unit more is worth less "
                  "(another rule binds at the same point) {range}") if shadow > 0 else
                _("{change} raises the objective by {amount}; one unit more is worth more "
                  "(another rule binds at the same point) {range}")).format(
            change=down, amount=amt, range=rng)
    return _("{amount} per unit lies between the values of {up} and of {down} (another rule "
             "binds at the same point) {range}").format(amount=amt, up=up, down=down, range=rng)


def sensitivity(sol, objective: str = "plan", all_rows: bool = False) -> SensitivityReport:
    """The Sensitivity Report of a solution (pairings and types held at the plan).

    ``objective``: ``"plan"`` (the objective the method maximised, with the value the summary
    reports; default), ``"efficiency"`` or ``"equity"`` (maximised over the flows with the
    same pairings). ``all_rows`` also reports the model's internal rows (one type, equity
    auxiliaries); link rows are never reported: with the pairings held they are implied.
    """
    if not sol.has_plan or sol.x is None:
        raise InputError(_("a sensitivity report needs a plan; this solution has none "
                           "(status {status})").format(status=sol.status))
    held = held_lp(sol, sol.model, objective)
    h = _solved(held.lp)
    _ranges, rng = h.getRanging()
    if not rng.valid:
        raise InputError(_("HiGHS could not compute ranging for this LP"))
    per_unit, unit_words, hold_kind = _units(sol, objective)
    constraints = _constraint_table(sol, held, h, rng, all_rows,
                                    (per_unit, unit_words, hold_kind))
    return SensitivityReport(constraints=constraints, variables=_variable_table(sol, held, h, rng),
                             objective=objective,
                             objective_value=float(h.getInfo().objective_function_value),
                             efficiency_per_unit=per_unit, lp=held.lp,
                             objective_label=held.objective.label)


def _units(sol, objective: str) -> tuple:
    """``(efficiency units per objective unit or None, the objective's unit in words, the
    method whose hold rows are reported or "")``: the plan's objective is the method's."""
    pobj = sol.instance.params["objective"]
    method = get_method(pobj["method"]) if objective == "plan" else None
    per_unit = method and method.per_unit(pobj, sol.payoff)
    unit_words = _((method and method.unit_words(pobj)) or UNIT_WORDS[objective])
    return per_unit, unit_words, method or ""


def _reported(lm, held: HeldLP, all_rows: bool) -> np.ndarray:
    """Which model rows to report: the planner's rules (with all_rows every row but the
    implied links), less the rows of pairings that are not in the plan (a scale row of a
    pairing that is off: 0 >= 0 once it is held)."""
    report = np.zeros(held.n_model_rows, bool)
    zb = lm.col_blocks["z"]
    for b in lm.row_blocks.values():
        if b.name in IMPLIED_ROWS or not (all_rows or b.name in REPORTED_ROWS):
            continue
        report[b.start:b.stop] = True
        if b.name in PAIRING_ROWS:
            zpart = lm.A[b.start:b.stop][:, zb.start:zb.stop]
            report[b.start:b.stop] = abs(zpart) @ held.zval > 0
    return report


def _row_numbers(L, U, a, side, dual, up, dn, constant) -> tuple:
    """``(shadow price, rhs, allowable increase, allowable decrease, state, binding)`` of a
    row with bounds ``L``, ``U`` and activity ``a``. ``side``: "lower" or "upper" when the row
    is nonbasic at that bound in the LP, else None; ``up``, ``dn``: HiGHS's row-bound ranging
    limits; ``constant``: every column of the row is held. ``state`` as :func:`_meaning`."""
    tol = TOL * max(1.0, abs(a))
    at_up = math.isfinite(U) and abs(a - U) <= tol
    at_lo = math.isfinite(L) and abs(a - L) <= tol
    if side is not None:
        # binding: the price holds between HiGHS's row-bound ranging limits
        sh = float(dual) if abs(dual) > 1e-12 else 0.0
        rhs = U if (side == "upper" and math.isfinite(U)) or not math.isfinite(L) else L
        inc = max(up - rhs, 0.0) if up < INF else INF
        dec = max(rhs - dn, 0.0) if dn > -INF else INF
        state = "price" if sh != 0.0 else "zero"
    else:
        # basic (or a constant): price 0 on the open side, up to the slack on the other
        sh = 0.0
        if math.isfinite(U) and (at_up or not at_lo or not math.isfinite(L)):
            rhs, inc, dec = U, INF, max(U - a, 0.0)
        else:
            rhs, inc, dec = L, max(a - L, 0.0), INF
        state = "held" if constant else "degenerate" if at_up or at_lo else "slack"
    return sh, rhs, inc, dec, state, bool(side is not None or at_up or at_lo)


def _constraint_table(sol, held: HeldLP, h, rng, all_rows: bool, units: tuple) -> pd.DataFrame:
    """The Constraints table: one row per reported rule row, then the method's rows."""
    import highspy

    per_unit, unit_words, hold_kind = units
    lm = sol.model.lm
    obj = held.objective
    s = h.getSolution()
    S = highspy.HighsBasisStatus
    side_of = {int(S.kLower): "lower", int(S.kUpper): "upper"}
    rstat = np.array([int(st) for st in h.getBasis().row_status])
    act, dual = np.asarray(s.row_value), np.asarray(s.row_dual)
    # the model's own bounds (the LP has free bounds on the rows that left it)
    rlo = np.r_[lm.row_lower, [r[1] for r in obj.rows]]
    rhi = np.r_[lm.row_upper, [r[2] for r in obj.rows]]
    up_v, dn_v = np.asarray(rng.row_bound_up.value_), np.asarray(rng.row_bound_dn.value_)
    report = np.flatnonzero(_reported(lm, held, all_rows))
    rows = np.r_[report, held.n_model_rows + np.arange(len(obj.rows))]
    rule, entity = _labels(lm, report, obj.row_labels)
    name_of = _region_names(sol.instance)
    records = []
    for j, i in enumerate(rows):
        L, U, a = rlo[i], rhi[i], float(act[i])
        side = None if held.outside[i] else side_of.get(rstat[i])
        sh, rhs, inc, dec, state, binding = _row_numbers(L, U, a, side, dual[i], up_v[i],
                                                         dn_v[i], held.constant[i])
        sense = "<=" if (math.isfinite(U) and not math.isfinite(L)) else (
            ">=" if not math.isfinite(U) else ("=" if L == U else "range"))
        records.append({
            "name": f"{rule[j]}[{entity[j]}]", "rule": rule[j], "entity": entity[j],
            "sense": sense, "final_value": a, "shadow_price": sh, "rhs": float(rhs),
            "allowable_increase": float(inc), "allowable_decrease": float(dec),
            "binding": binding,
            "shadow_price_efficiency": sh * per_unit if per_unit else np.nan,
            "meaning": _meaning(rule[j], entity[j], sh, rhs, inc, dec, unit_words, name_of,
                                state, hold_kind),
            "row": int(i),
        })
    return pd.DataFrame(records, columns=[
        "name", "rule", "entity", "sense", "final_value", "shadow_price", "rhs",
        "allowable_increase", "allowable_decrease", "binding", "shadow_price_efficiency",
        "meaning", "row"])


def _variable_table(sol, held: HeldLP, h, rng) -> pd.DataFrame:
    """The Variable Cells table: the flows of the plan's pairings (the others are fixed at 0)."""
    inst = sol.instance
    s = h.getSolution()
    fl = held.flows
    cols = fl["column"]
    xv = np.asarray(s.col_value)[cols]
    rc = np.asarray(s.col_dual)[cols]
    cost = np.asarray(held.lp.col_cost_, float)[cols]
    cu = np.asarray(rng.col_cost_up.value_)[cols]
    cd = np.asarray(rng.col_cost_dn.value_)[cols]
    D, R, K, T = inst.partners.index, inst.recipients.index, list(inst.resources), list(inst.types)
    xd, xr, xk, xt = fl["d"], fl["r"], fl["k"], fl["t"]
    return pd.DataFrame({
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
