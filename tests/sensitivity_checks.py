"""Checks of a sensitivity report against finite differences of the objective (issue 11.3).

Two kinds of move, both with the plan's pairings and types held and the LP solved again:

- ``check_rhs_prices``: each reported row's right-hand side in the report's own LP;
- ``check_data_prices``: the instance's data (``Instance.with_params``: a partner's supply, a
  recipient's absorptive capacity or need, max/min partners, ``balance.alpha``, ``gamma``,
  ``theta``, ``rho``, a type's ``min_scale``, the epsilon method's ``eps``), the model rebuilt
  from the changed instance.
  Per-row data are checked against the row's price (times the factor by which the datum
  moves the right-hand side: alpha for a need); the balance parameters against the sums the
  report's prices imply (docs/analysis.md): d/d alpha = sum price * need, d/d theta =
  sum price, d/d gamma = sum price * G[r], d/d rho = sum price * mean u, d/d min_scale[t] =
  sum of the prices of that type's scale rows (and, where the model has the pair floor of
  MODEL.md 1.1, d/d pair_floor = sum price * value of r's need over the rows whose floor it
  is; a need then moves those rows too).

Inside the allowable range the objective is linear in the datum, so any step inside it gives
the price exactly (central when the range extends both ways, else one-sided). A parameter that
moves many rows has no single range: its one-sided differences are taken with a small step
(halved until they agree with each other or the step is tiny) and the price-implied slope must
equal them where they agree; where they do not (a kink at the plan), a right-hand-side
parameter's slope must lie between them (the held objective is concave in right-hand sides).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from optimizer.sensitivity import held_problem, held_value, solve_lp

INF = math.inf


def close(a, b, scale=1.0, h=1.0):
    """Equal up to the LP's accuracy, magnified by a step h."""
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9 * max(1.0, abs(scale)) / h + 1e-9)


# ------------------------------------------------------------------ the report's own LP
def check_rhs_prices(rep, min_checked=1):
    """Every reported row with an allowable change: move its right-hand side in the report's
    LP by a step inside the range and solve again; the objective moves by price * step."""
    import highspy

    lp = rep.lp
    base = rep.objective_value
    lo0, hi0 = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    h = solve_lp(lp)
    checked = 0
    for row in rep.constraints.itertuples(index=False):
        i = row.row
        if row.allowable_increase > 1e-7:
            step = min(row.allowable_increase, max(1e-3, 1e-3 * abs(row.rhs))) / 2
        elif row.allowable_decrease > 1e-7:
            step = -min(row.allowable_decrease, max(1e-3, 1e-3 * abs(row.rhs))) / 2
        else:
            continue
        new = row.rhs + step
        if row.sense not in ("<=", ">="):
            continue
        # (rows left out of the LP, constants once the pairings are held, get a bound back)
        h.changeRowBounds(int(i), float(new if row.sense == ">=" else lo0[i]),
                          float(new if row.sense == "<=" else hi0[i]))
        h.run()
        status = h.getModelStatus()
        obj = h.getInfo().objective_function_value
        h.changeRowBounds(int(i), float(lo0[i]), float(hi0[i]))
        assert status == highspy.HighsModelStatus.kOptimal, (row.name, status)
        fd = (obj - base) / step
        assert fd == pytest.approx(row.shadow_price, rel=1e-6, abs=1e-7), (row.name, fd,
                                                                          row.shadow_price)
        checked += 1
    assert checked >= min_checked
    return checked


# ------------------------------------------------------------------ the instance's data
class DataCheck:
    """The held objective of ``sol`` as a function of the instance's data."""

    def __init__(self, sol, rep, objective):
        self.sol, self.rep, self.objective = sol, rep, objective
        self.inst = sol.instance
        self.f0 = rep.objective_value
        self.count = Counter()

    def f(self, changes: dict) -> float:
        return held_value(self.sol, self.inst.with_params(changes), self.objective)

    def at(self, path, base, delta):
        """The held objective with one datum moved (-inf where the held pairings can no
        longer meet the rules: the objective of a maximisation with no solution)."""
        from optimizer import InputError, InstanceError

        try:
            return self.f({path: base + delta})
        except InstanceError:  # the moved datum is not valid data (min_partners > max_partners)
            return None
        except InputError as exc:
            if "did not solve to optimality (Infeasible)" not in str(exc):
                raise
            return -INF

    # ---------------------------------------------------------- one row, one datum
    def row_price(self, name, path, base, factor, price, inc, dec, floor=0.0, step=None):
        """The datum ``path`` (now ``base``) moves the row's right-hand side by ``factor`` per
        unit: the objective's slope in it is factor * price inside the range (inc, dec, in
        right-hand-side units); ``floor`` is the datum's least valid value."""
        up = inc / factor if math.isfinite(inc) else INF
        dn = dec / factor if math.isfinite(dec) else INF
        dn = min(dn, base - floor)
        h = step or 1e-2 * max(1.0, abs(base))
        hu, hd = min(h, up / 2), min(h, dn / 2)
        slope = factor * price
        if step is not None:  # whole steps only (counts): the range must hold one
            hu, hd = (h if up >= h else 0.0), (h if dn >= h else 0.0)
        if hu > 1e-9 and self.at(path, base, hu) is None:  # no valid data on that side
            hu = 0.0
        if hd > 1e-9 and self.at(path, base, -hd) is None:
            hd = 0.0
        if hu > 1e-9 and hd > 1e-9:
            fd = (self.at(path, base, hu) - self.at(path, base, -hd)) / (hu + hd)
        elif hu > 1e-9:
            fd = (self.at(path, base, hu) - self.f0) / hu
        elif hd > 1e-9:
            fd = (self.f0 - self.at(path, base, -hd)) / hd
        else:
            self.count["no range"] += 1
            return
        assert close(fd, slope, self.f0, max(hu, hd)), (name, path, fd, slope)
        self.count[name.split("[")[0]] += 1
        # the side with no allowable change: concavity in the right-hand side
        if step is None and (up == 0 or dn == 0) and factor > 0:
            e = 1e-3 * max(1.0, abs(base))
            if up == 0:
                assert (self.at(path, base, e) - self.f0) / e <= slope + 1e-7 * max(1, abs(slope))
            if dn == 0 and base - e >= floor:
                assert (self.f0 - self.at(path, base, -e)) / e >= slope - 1e-7 * max(1, abs(slope))
            self.count["degenerate side"] += 1

    # ---------------------------------------------------------- a parameter, many rows
    def parameter(self, path, base, slope, lo=-INF, hi=INF, rhs=True):
        """The price-implied slope of the objective in a parameter that moves many rows."""
        h = 1e-3 * max(1.0, abs(base))
        for _ in range(6):
            hu = h if base + h <= hi else 0.0
            hd = h if base - h >= lo else 0.0
            right = (self.at(path, base, hu) - self.f0) / hu if hu else None
            left = (self.f0 - self.at(path, base, -hd)) / hd if hd else None
            sides = [s for s in (right, left) if s is not None]
            if len(sides) == 1 or (len(sides) == 2 and close(right, left, self.f0, h)):
                break
            h /= 10
        if len(sides) == 2 and not close(right, left, self.f0, h):
            # a kink at the plan: the slope lies between the one-sided ones
            self.count[f"{path}: kink"] += 1
            if rhs:
                tol = 1e-6 * max(1.0, abs(slope)) + 1e-9 * max(1.0, abs(self.f0)) / h
                assert right - tol <= slope <= left + tol, (path, right, slope, left)
            else:
                assert any(close(s, slope, self.f0, h) for s in sides), (path, right, slope, left)
            return
        assert all(close(s, slope, self.f0, h) for s in sides), (path, sides, slope)
        self.count[path] += 1


def flows(sol, rep, objective):
    """Per recipient: gain G[r] and normalised outcome u[r] of the report's LP solution."""
    fl = held_problem(sol, objective=objective).flows
    v = rep.variables
    assert np.array_equal(v["column"].to_numpy(), fl["column"])
    x = v["final_value"].to_numpy()
    nR = len(sol.instance.recipients)
    G = np.bincount(fl["r"], weights=fl["gain"] * x, minlength=nR)
    u = sol.model.u0 + np.bincount(fl["r"], weights=fl["ucoef"] * x, minlength=nR)
    return G, u


def check_data_prices(sol, rep, objective="plan") -> Counter:
    """Every supply, absorb and balance price of ``rep`` against the objective when the data
    move (see the module's docstring). Returns what was checked, by kind."""
    c = DataCheck(sol, rep, objective)
    inst = c.inst
    P, R = inst.partners, inst.recipients
    bal = inst.params["balance"]
    alpha = bal["alpha"]
    pair_floor = bal.get("pair_floor") or 0.0
    C = rep.constraints
    # the rebuilt model of the same data gives the same objective
    assert close(c.f({}), c.f0, c.f0)
    if len(C) == 0:  # no reported row (e.g. no resource can flow): nothing to check
        return c.count
    value = {k: v["value"] for k, v in inst.params["resources"].items()}
    need_value = {r: sum(value[k] * R.at[r, f"need.{k}"] for k in value) for r in R.index}
    min_scale = {t: spec.get("min_scale", 0.0) or 0.0 for t, spec in inst.params["types"].items()}

    def pair_floor_rows():
        """The rows whose floor is pair_floor * (value of r's need): a pair_floor row, or a
        scale row max(min_scale, pair floor) where the pair floor is the larger."""
        rows = C[C["rule"].isin(["scale", "pair_floor"])]
        if (rows["rule"] == "pair_floor").any():
            return rows[rows["rule"] == "pair_floor"]
        d_r_t = [e.split(",") for e in rows.entity]
        return rows.loc[np.array([pair_floor * need_value[r] > min_scale[t] for _, r, t in d_r_t],
                                 bool)]

    def pair_floor_prices(r):
        rows = pair_floor_rows() if pair_floor > 0 else C.iloc[:0]
        mask = np.array([e.split(",")[1] == r for e in rows["entity"]], bool)
        return float(rows.loc[mask, "shadow_price"].sum())
    for row in C.itertuples(index=False):
        ids = row.entity.split(",")
        args = {"name": row.name, "price": row.shadow_price,
                "inc": row.allowable_increase, "dec": row.allowable_decrease}
        if row.rule == "supply":
            d, k = ids
            c.row_price(path=f"partners[{d}].supply.{k}", base=P.at[d, f"supply.{k}"],
                        factor=1.0, **args)
        elif row.rule == "absorb":
            r, k = ids
            c.row_price(path=f"recipients[{r}].absorb.{k}", base=R.at[r, f"absorb.{k}"],
                        factor=1.0, **args)
        elif row.rule == "access_floor" and pair_floor == 0:
            # need moves the floor alpha * need (and nothing else without pair_floor)
            r, k = ids
            c.row_price(path=f"recipients[{r}].need.{k}", base=R.at[r, f"need.{k}"],
                        factor=alpha, **args)
        elif row.rule == "access_floor":
            # need also moves the pair floors of r's pairings: pair_floor * value[k] each
            r, k = ids
            c.parameter(f"recipients[{r}].need.{k}", R.at[r, f"need.{k}"],
                        alpha * row.shadow_price
                        + pair_floor * value[k] * pair_floor_prices(r), lo=0.0)
        elif row.rule in ("span_partner", "span_recipient"):
            tab, T = ("partners", P) if row.rule == "span_partner" else ("recipients", R)
            c.row_price(path=f"{tab}[{ids[0]}].max_partners", base=T.at[ids[0], "max_partners"],
                        factor=1.0, step=1.0, **args)
        elif row.rule == "hold" and row.entity == "equity >= eps":
            c.row_price(path="objective.eps", base=inst.params["objective"]["eps"],
                        factor=1.0, floor=-INF, **args)
        elif row.rule == "coverage":
            c.row_price(path=f"recipients[{ids[0]}].min_partners",
                        base=R.at[ids[0], "min_partners"], factor=1.0, step=1.0, **args)

    def price_sum(rule, weight=None):
        rows = C[C["rule"] == rule]
        w = np.ones(len(rows)) if weight is None else np.array([weight(e) for e in rows.entity])
        return float((rows["shadow_price"].to_numpy() * w).sum()), len(rows)

    # balance parameters: the report's prices summed as the docs say
    if alpha > 0:
        s, _ = price_sum("access_floor", lambda e: R.at[e.split(",")[0], f"need.{e.split(',')[1]}"])
        c.parameter("balance.alpha", alpha, s, lo=0.0, hi=1.0)
    G, u = flows(sol, rep, objective)
    gpos = {r: i for i, r in enumerate(R.index)}
    if bal["gamma"] > 0:
        s, _ = price_sum("capacity", lambda e: G[gpos[e]])
        c.parameter("balance.gamma", bal["gamma"], s, lo=0.0, hi=1.0, rhs=False)
    if bal["theta"] is not None:
        s, _ = price_sum("outcome_floor")
        c.parameter("balance.theta", bal["theta"], s, lo=0.0)
    if bal["rho"] is not None:
        s, _ = price_sum("outcome_spread", lambda e: u.mean())
        c.parameter("balance.rho", bal["rho"], s, lo=0.0, hi=1.0, rhs=False)
    for t, ms in min_scale.items():
        rows = C[(C["rule"] == "scale") & C["entity"].str.endswith("," + t)]
        if ms <= 0 or len(rows) == 0:
            continue
        if pair_floor > 0:  # only the rows whose floor is min_scale move with it
            rows = rows.loc[np.array([ms >= pair_floor * need_value[e.split(",")[1]]
                                      for e in rows["entity"]], bool)]
        c.parameter(f"types.{t}.min_scale", ms, float(rows["shadow_price"].sum()), lo=0.0)
    if pair_floor > 0:
        rows = pair_floor_rows()
        slope = sum(p * need_value[e.split(",")[1]] for p, e in zip(rows["shadow_price"],
                                                                    rows["entity"]))
        c.parameter("balance.pair_floor", pair_floor, slope, lo=0.0, hi=1.0)
    return c.count
