"""Stage 5: why each pairing takes its collaboration type.

The paper (seed/paper-abstract.txt) names two forces: top-down political potential energy
(pot) and horizontal mutual benefit (ben). A type is *eligible* for a pair when pot and ben reach
its thresholds (MODEL.md, eligibility); among the eligible types the optimizer picks the one the
plan gains most from. This module says both in words, and measures the second by re-solving
with each other eligible type forced on the pairing (:func:`pair_alternatives`, the re-solve
loop that ``explain.py`` uses too).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from .display import fmt_number
from .i18n import N_, _, listing

TYPE_WORDS = {"project": N_("project"), "platform": N_("platform"),
              "institutional": N_("institutional")}
"""The paper's collaboration types in the planner's language (项目型, 平台型, 制度型); a type
an instance names otherwise keeps its name."""


def type_name(t) -> str:
    """A collaboration type as the planner reads it (its name in files stays the same)."""
    t = str(t)
    return _(TYPE_WORDS[t]) if t in TYPE_WORDS else t


def type_names(types) -> list[str]:
    return [type_name(t) for t in types]

AUTO_RESOLVES = 60  # "why" re-solves run by default up to this many (x rounds)
AUTO_BINARIES = 5000  # ... and on models with at most this many binaries


def _clean(delta: float, scale: float) -> float:
    """A difference of two solver values, with round-off below 1e-9 (relative) set to 0."""
    return 0.0 if abs(delta) <= 1e-9 * max(1.0, abs(scale)) else delta


def type_thresholds(inst, d: int, r: int) -> list[dict]:
    """Per type: its pot and ben thresholds, whether pair (d, r) meets them (and is allowed,
    and its pairs.csv ``types`` cell lists the type), and what fails (``"pot 0.40 < 0.60"``,
    ``"not allowed by pairs.csv types"``)."""
    a = inst.arrays
    pot, ben, allowed = a["pot"][d, r], a["ben"][d, r], bool(a["allowed"][d, r])
    listed = inst.listed_types.get((d, r))
    out = []
    for t, name in enumerate(inst.types):
        pmin, bmin = float(a["pot_min"][t]), float(a["ben_min"][t])
        fails = []
        is_listed = listed is None or name in listed
        if not is_listed:  # the planner's restriction says it all: thresholds do not matter
            fails.append(_("not allowed by {where} types").format(
                where=inst.origin.ref("pairs")))
        elif pot < pmin - 1e-12:
            fails.append(f"pot {pot:.2f} < {pmin:.2f}")
        if is_listed and ben < bmin - 1e-12:
            fails.append(f"ben {ben:.2f} < {bmin:.2f}")
        out.append({"type": name, "pot_min": pmin, "ben_min": bmin,
                    "eligible": allowed and not fails, "fails": fails})
    return out


def eligibility_words(inst, d: int, r: int) -> tuple[list[str], str]:
    """(eligible types, a sentence on pot and ben against each type's thresholds)."""
    a = inst.arrays
    if not a["allowed"][d, r]:
        return [], _("the pairing is not allowed")
    ths = type_thresholds(inst, d, r)
    ok = [th["type"] for th in ths if th["eligible"]]
    parts = [_("{type} not eligible ({fails})").format(
        type=type_name(th["type"]), fails=_(" and ").join(th["fails"])) for th in ths
        if th["fails"]]
    head = _("pot {pot}, ben {ben}: eligible for {types}").format(
        pot=f"{a['pot'][d, r]:.2f}", ben=f"{a['ben'][d, r]:.2f}",
        types=listing(type_names(ok)) if ok else _("no type"))
    return ok, head + (_("; ") + _("; ").join(parts) if parts else "")


def count_resolves(sol) -> int:
    return int(sum(len(s.split("|")) - 1 for s in sol.pairings["eligible_types"]
                   if isinstance(s, str) and s))


def should_explain(sol, why) -> bool:
    if why in (True, "always", "yes"):
        return True
    if why in (False, "never", "no", None):
        return False
    # a re-solve of a plan of N rounds is a MIP N times the size: it counts N times
    rounds = getattr(sol.model, "rounds", 1)
    return (count_resolves(sol) * rounds <= AUTO_RESOLVES
            and len(sol.model.z_pair) * rounds <= AUTO_BINARIES)



# --------------------------------------------------------------------------- re-solves
@dataclass
class WhatIf:
    """One re-solve of the plan's own problem with some pairing decisions fixed."""

    status: str  # "optimal", "infeasible", "time_limit", ...
    x: np.ndarray | None = None  # its plan (None: none)
    loss: float | None = None  # drop of the method's objective (inf: no plan; None: unknown)
    d_efficiency: float | None = None
    d_equity: float | None = None


def what_if(sol, fix, time_limit: float | None = None) -> WhatIf:
    """Re-solve ``sol``'s final problem with ``fix`` = (columns, values) and compare."""
    am, problem = sol.model, sol.final_problem
    base = float(problem.objective @ sol.x)
    res = sol.backend.solve(problem.objective, extra_rows=problem.rows, fix=fix,
                            time_limit=time_limit)
    if res.ok:
        return WhatIf(res.status, res.x, _clean(base - res.objective, base),
                      _clean(float(am.lm.objectives["efficiency"] @ res.x) - sol.efficiency,
                             sol.efficiency),
                      _clean(am.equity(res.x) - sol.equity, sol.equity))
    return WhatIf(res.status, loss=math.inf if res.status == "infeasible" else None)


def pair_columns(am) -> dict[tuple[int, int], dict[str, int]]:
    """(partner, recipient) positions -> {type: its z column} of every candidate pair."""
    T = list(am.inst.types)
    out: dict = {}
    for j, (p, t) in enumerate(zip(am.z_pair, am.z_type)):
        key = (int(am.pair_d[p]), int(am.pair_r[p]))
        out.setdefault(key, {})[T[int(t)]] = am.z.start + j
    return out


def pair_alternatives(sol, columns: dict[str, int], types, forbid: bool = False, clock=None,
                      left: int | None = None, progress=None) -> list[tuple[str | None, WhatIf]]:
    """Re-solve the plan's own problem once with each type of ``types`` forced on a pair
    (``columns``: its z column per type, :func:`pair_columns`) and, with ``forbid``, once with
    the pair forbidden; [(type or None for forbidden, result)].

    ``clock`` shares the time budget; ``left`` is how many re-solves the caller still has to
    run, these included (default: these). ``progress()`` is called after each."""
    plans = [(t, ([columns[t]], [1.0])) for t in types]
    if forbid:
        cols = list(columns.values())
        plans.append((None, (cols, [0.0] * len(cols))))
    left = len(plans) if left is None else left
    out = []
    for i, (t, fix) in enumerate(plans):
        out.append((t, what_if(sol, fix, clock.share(left - i) if clock is not None else None)))
        if progress is not None:
            progress()
    return out


# --------------------------------------------------------------------------- reasons
NOT_ELIGIBLE = "not eligible"
INFEASIBLE = "infeasible"
CHOSEN = "chosen"
NOT_COMPUTED = "not computed"


def add_type_reasons(sol, clock=None, resolve=True) -> None:
    """Add ``reason``, ``alternatives`` and ``loss_if_<type>`` columns to ``sol.pairings``
    (in place).

    ``loss_if_<type>`` is how much the objective of the chosen method drops when the pairing
    is forced to take that type instead (``inf``: no feasible plan with it; empty: the chosen
    type, an ineligible type, or not computed). ``delta_E_if_<type>``/``delta_Q_if_<type>``
    give the change in efficiency and equity. ``alternatives`` says the same per type as JSON
    text that tells the cases apart: ``{"project": 19.5, "platform": "chosen",
    "institutional": "not eligible"}``, a number being the objective's drop (as
    ``loss_if_<type>``), else ``"infeasible"`` (forcing the type leaves no plan that satisfies
    the rules, or with the lexicographic method none that keeps the first optimum), ``"not
    eligible"`` (pot or ben below the type's thresholds, the pair not allowed, or the type
    not in the pair's pairs.csv ``types``),
    ``"not computed"`` (the re-solves were skipped) or ``"not evaluated (<status>)"`` (a
    re-solve stopped by a limit). The ``reason`` says it in words, numbers rounded to the
    solver's tolerance (:func:`optimizer.display.fmt_number`).
    """
    inst, P = sol.instance, sol.pairings
    T = list(inst.types)
    D, R = inst.partners.index, inst.recipients.index
    columns = pair_columns(sol.model)
    todo = count_resolves(sol) if resolve else 0
    unkept = sol.method.unkept_words(inst.params["objective"])
    numbers = {(what, t): np.full(len(P), np.nan) for what in ("loss", "dE", "dQ") for t in T}
    reasons, alternatives = [], []
    for i, row in enumerate(P.itertuples(index=False)):
        d, r = D.get_loc(row.partner), R.get_loc(row.recipient)
        ok, words = eligibility_words(inst, d, r)
        alts = [t for t in ok if t != row.type]
        results = []
        if resolve and alts:
            results = pair_alternatives(sol, columns[(d, r)], alts, clock=clock, left=todo)
            todo -= len(results)
        text, alt = _reason(sol, row.type, ok, words, alts, results, resolve, unkept)
        for t, w in results:
            if w.loss is not None:
                numbers["loss", t][i] = w.loss
            if w.d_efficiency is not None:
                numbers["dE", t][i], numbers["dQ", t][i] = w.d_efficiency, w.d_equity
        reasons.append(text)
        alternatives.append(json.dumps(alt, ensure_ascii=False))
    P["reason"] = reasons
    P["alternatives"] = alternatives
    for t in T:
        P[f"loss_if_{t}"] = numbers["loss", t]
    for t in T:
        P[f"delta_E_if_{t}"] = numbers["dE", t]
        P[f"delta_Q_if_{t}"] = numbers["dQ", t]


def _reason(sol, chosen: str, ok: list, words: str, alts: list, results: list, resolve: bool,
            unkept: str) -> tuple[str, dict]:
    """A pairing's reason in words, and its alternatives per type (see add_type_reasons)."""
    base = float(sol.final_problem.objective @ sol.x)
    alt = {t: (CHOSEN if t == chosen else NOT_ELIGIBLE if t not in ok else NOT_COMPUTED)
           for t in sol.instance.types}
    text = _("{type}: {words}").format(type=type_name(chosen), words=words)
    sep = _("; ")
    if results:
        costs = []
        for t, w in results:
            if w.x is not None:
                alt[t] = float(w.loss)
                costs.append(_(
                    "as {type} the objective would drop by {loss} (efficiency {d_efficiency}, "
                    "equity {d_equity})").format(
                    type=type_name(t), loss=fmt_number(w.loss, 4, base),
                    d_efficiency=fmt_number(w.d_efficiency, 4, sol.efficiency, sign=True),
                    d_equity=fmt_number(w.d_equity, 4, sol.equity, sign=True)))
            elif w.status == "infeasible":
                alt[t] = INFEASIBLE
                costs.append(_("as {type}: infeasible ({why})").format(type=type_name(t),
                                                                        why=unkept))
            else:
                alt[t] = f"not evaluated ({w.status})"  # a coded value (pairings.csv)
                costs.append(_("as {type}: not evaluated ({status})").format(
                    type=type_name(t), status=w.status))
        text += sep + sep.join(costs)
    elif not alts:
        text += sep + _("it is the only eligible type")
    else:
        text += sep + _("what {types} would cost was not computed (re-solves skipped on large "
                        "instances and with a time limit; ask with --why)").format(
            types=listing(type_names(alts)))
    return text, alt
