"""Stage 5: why each pairing takes its collaboration type.

The paper (seed/paper-abstract.txt) names two forces: top-down political potential energy
(pot) and horizontal mutual benefit (ben). A type is *eligible* for a pair when pot and ben reach
its thresholds (MODEL.md, eligibility); among the eligible types the optimizer picks the one the
plan gains most from. This module says both in words, and measures the second by re-solving
with each other eligible type forced on the pairing.
"""

from __future__ import annotations

import numpy as np

AUTO_RESOLVES = 60  # "why" re-solves run by default up to this many
AUTO_BINARIES = 5000  # ... and on models with at most this many binaries


def _clean(delta: float, scale: float) -> float:
    """A difference of two solver values, with round-off below 1e-9 (relative) set to 0."""
    return 0.0 if abs(delta) <= 1e-9 * max(1.0, abs(scale)) else delta


def eligibility_words(inst, d: int, r: int) -> tuple[list[str], str]:
    """(eligible types, a sentence on pot and ben against each type's thresholds)."""
    a = inst.arrays
    pot, ben = a["pot"][d, r], a["ben"][d, r]
    ok, parts = [], []
    if not a["allowed"][d, r]:
        return [], "the pairing is not allowed"
    for t, name in enumerate(inst.types):
        pmin, bmin = a["pot_min"][t], a["ben_min"][t]
        fails = []
        if pot < pmin - 1e-12:
            fails.append(f"pot {pot:.2f} < {pmin:.2f}")
        if ben < bmin - 1e-12:
            fails.append(f"ben {ben:.2f} < {bmin:.2f}")
        if fails:
            parts.append(f"{name} not eligible ({' and '.join(fails)})")
        else:
            ok.append(name)
    head = f"pot {pot:.2f}, ben {ben:.2f}: eligible for {', '.join(ok) if ok else 'no type'}"
    return ok, head + ("; " + "; ".join(parts) if parts else "")


def count_resolves(sol) -> int:
    return int(sum(len(s.split("|")) - 1 for s in sol.pairings["eligible_types"]
                   if isinstance(s, str) and s))


def should_explain(sol, why) -> bool:
    if why in (True, "always", "yes"):
        return True
    if why in (False, "never", "no", None):
        return False
    return (count_resolves(sol) <= AUTO_RESOLVES
            and len(sol.model.z_pair) <= AUTO_BINARIES)


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
    eligible"`` (pot or ben below the type's thresholds, or the pair not allowed),
    ``"not computed"`` (the re-solves were skipped) or ``"not evaluated (<status>)"`` (a
    re-solve stopped by a limit). The ``reason`` says it in words, numbers rounded to the
    solver's tolerance (:func:`optimizer.display.fmt_number`).
    """
    import json

    from .display import fmt_number

    am, inst = sol.model, sol.instance
    P = sol.pairings
    T = list(inst.types)
    D, R = inst.partners.index, inst.recipients.index
    reasons, alternatives = [], []
    loss = {t: np.full(len(P), np.nan) for t in T}
    dE = {t: np.full(len(P), np.nan) for t in T}
    dQ = {t: np.full(len(P), np.nan) for t in T}
    cE = am.lm.objectives["efficiency"]
    base_obj = float(sol.final_problem.objective @ sol.x)
    # z column of (pair, type)
    zcol = {}
    for j, (p, t) in enumerate(zip(am.z_pair, am.z_type)):
        zcol[(int(p), int(t))] = j
    pair_index = {(int(d), int(r)): p for p, (d, r) in enumerate(zip(am.pair_d, am.pair_r))}
    todo = count_resolves(sol) if resolve else 0
    lexico = inst.params["objective"]["method"] == "lexicographic"
    first = inst.params["objective"]["first"]
    for i, row in enumerate(P.itertuples(index=False)):
        d = D.get_loc(row.partner)
        r = R.get_loc(row.recipient)
        ok, words = eligibility_words(inst, d, r)
        chosen = row.type
        text = f"{chosen}: {words}"
        alts = [t for t in ok if t != chosen]
        alt = {t: (CHOSEN if t == chosen else NOT_ELIGIBLE if t not in ok else NOT_COMPUTED)
               for t in T}
        if resolve and alts:
            p = pair_index[(d, r)]
            costs = []
            for t in alts:
                j = zcol[(p, T.index(t))]
                col = am.z.start + j
                share = clock.share(todo) if clock is not None else None
                todo -= 1
                res = sol.backend.solve(sol.final_problem.objective,
                                        extra_rows=sol.final_problem.rows,
                                        fix=([col], [1.0]), time_limit=share)
                if res.ok:
                    loss[t][i] = _clean(base_obj - res.objective, base_obj)
                    dE[t][i] = _clean(float(cE @ res.x) - sol.efficiency, sol.efficiency)
                    dQ[t][i] = _clean(am.equity(res.x) - sol.equity, sol.equity)
                    alt[t] = float(loss[t][i])
                    costs.append(
                        f"as {t} the objective would drop by "
                        f"{fmt_number(loss[t][i], 4, base_obj)} (efficiency "
                        f"{fmt_number(dE[t][i], 4, sol.efficiency, sign=True)}, equity "
                        f"{fmt_number(dQ[t][i], 4, sol.equity, sign=True)})")
                elif res.status == "infeasible":
                    loss[t][i] = np.inf
                    alt[t] = INFEASIBLE
                    costs.append(
                        f"as {t}: infeasible (the {first} optimum could not be kept)"
                        if lexico else f"as {t}: infeasible (no plan would satisfy the rules)")
                else:
                    alt[t] = f"not evaluated ({res.status})"
                    costs.append(f"as {t}: not evaluated ({res.status})")
            text += "; " + "; ".join(costs)
        elif not alts:
            text += "; it is the only eligible type"
        else:
            text += (f"; what {', '.join(alts)} would cost was not computed (re-solves "
                     "skipped on large instances and with a time limit; ask with --why)")
        reasons.append(text)
        alternatives.append(json.dumps(alt, ensure_ascii=False))
    P["reason"] = reasons
    P["alternatives"] = alternatives
    for t in T:
        P[f"loss_if_{t}"] = loss[t]
    for t in T:
        P[f"delta_E_if_{t}"] = dE[t]
        P[f"delta_Q_if_{t}"] = dQ[t]
