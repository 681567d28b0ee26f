"""Finding the conflicts: :func:`diagnose`, the search over the allocation model, and one
headline and sentence per conflict (the rules' own words, from the rule registry)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..i18n import _, ngettext, with_lang
from ..budget import Budget
from ..conflicts import Constraint, OutOfTime
from ..errors import InputError
from ..instance import Instance
from ..methods import get_method
from ..model import build_model
from ..pipeline import effective_instance
from ..rules import BY_NAME, HEADLINE_ORDER, SENTENCE_ORDER, num
from .fixes import fixes_for, suggestions
from .results import Conflict, Diagnosis, Fix, Rule
from .words import AllocationSearch


@with_lang
def diagnose(inst: Instance, *, soft=None, time_limit: float | None = None,
             max_conflicts: int = 5, threads: int | None = None, fixes: bool = True,
             **overrides) -> Diagnosis:
    """Explain why no plan satisfies the rules of ``inst`` (or say that one does).

    ``soft`` and ``overrides`` (``alpha``, ``gamma``, ``theta``, ``rho``, ``method``, ``eps``
    ...) are those of :func:`optimizer.solve`, so the rules diagnosed are the rules solved.
    ``time_limit`` bounds the whole diagnosis; what was found by then is returned.
    ``max_conflicts`` bounds how many conflicts are looked for; ``fixes`` computes by how
    much each rule would have to give. ``lang`` (``en``, ``zh``; default: the current
    language) is the language of the rules' and fixes' words; ``report(lang=)`` and
    ``short(lang=)`` of the result say the rest.
    """
    t0 = time.perf_counter()
    if max_conflicts < 1:
        raise InputError(_("max_conflicts must be at least 1, not {n}").format(n=max_conflicts))
    if time_limit is not None and not time_limit > 0:
        raise InputError(_("the time limit must be a positive number of seconds, not "
                           "{seconds}").format(seconds=time_limit))
    inst_eff = effective_instance(inst, soft=soft, **overrides)
    am = build_model(inst_eff)
    deadline = Budget(time_limit)
    s = AllocationSearch(am, deadline, threads)
    diag = Diagnosis(status="unknown", instance=inst_eff.name)

    try:
        _find(s, diag, max_conflicts, fixes)
    except OutOfTime:
        diag.complete = False
        diag.notes.append(_("the time limit ran out: the diagnosis is not complete"))
        if diag.conflicts:
            diag.status = "infeasible"
    diag.solves = s.lab.solves
    diag.seconds = time.perf_counter() - t0
    diag._search = s
    return diag


def _find(s: AllocationSearch, diag: Diagnosis, max_conflicts: int, with_fixes: bool) -> None:
    # the LP relaxation first: it is fast, and when it has no plan neither has the MILP
    first = s.lp_iis([])
    if first is None:
        status = s.feasible([], mip=True)
        if status == "feasible":
            diag.status = "feasible"
            _check_method_rows(s, diag)
            return
        if status == "limit":
            raise OutOfTime
    dropped: list[Constraint] = []
    conflicts: list[tuple[Conflict, list[Constraint]]] = []
    cands = s.candidates()
    diag.complete = False
    pending, mip_known_infeasible = True, first is None
    while True:
        if pending:  # the IIS (or None) computed above
            members, pending = first, False
        else:
            members = s.lp_iis(dropped)
        method = "iis"
        if members == []:  # HiGHS gave no IIS: search with the LP relaxation itself
            members = s.quickxplain(dropped, cands, mip=False)
            method = "deletion-lp"
        if members is None:  # the LP relaxation has a plan
            if len(conflicts) >= max_conflicts:
                break
            st = "infeasible" if mip_known_infeasible else \
                s.feasible(dropped, mip=True, share=0.5 if conflicts else None)
            mip_known_infeasible = False
            if st == "feasible":
                diag.complete = True
                break
            if st == "limit":
                if conflicts:
                    break  # report what was found
                raise OutOfTime
            members = s.quickxplain(dropped, cands)
            method = "deletion"
        elif len(conflicts) >= max_conflicts:
            break
        members, relaxable, method, minimal = _minimal(s, dropped, cands, members, method)
        if not relaxable:
            diag.notes.append(_("the solver reported a conflict among the model's definitions "
                                "alone; this is a bug, please report it"))
            break
        conflict = _describe(s, members, method)
        conflict.members = relaxable
        if not minimal:
            conflict.note = _("the time ran out before this set was made minimal")
        conflicts.append((conflict, relaxable))
        diag.conflicts.append(conflict)
        diag.status = "infeasible"
        known = {d.key() for d in dropped}
        dropped = dropped + [c for c in relaxable if c.key() not in known]
    if not conflicts:
        diag.status = "infeasible"
        diag.notes.append(_("the solver says no plan exists but found no conflict to show"))
        return
    if with_fixes:
        _add_fixes(s, diag, conflicts)


def _add_fixes(s: AllocationSearch, diag: Diagnosis, conflicts: list) -> None:
    """Each conflict's fixes (how far each of its rules must give, the others kept) and the
    suggestions that resolve them all."""
    skipped = 0
    for conflict, members in conflicts:
        others = [c for cf, ms in conflicts if cf is not conflict for c in ms
                  if c.key() not in {m.key() for m in members}]
        conflict.fixes, n = fixes_for(s, members, others, partial=not diag.complete)
        skipped += n
    diag.suggestions, n = suggestions(s, diag, conflicts)
    skipped += n
    if skipped:
        diag.notes.append(ngettext("{n} change could not be measured within the time limit",
                                   "{n} changes could not be measured within the time limit",
                                   skipped).format(n=skipped))


def _minimal(s: AllocationSearch, dropped, cands, members, method: str):
    """The members of a conflict that a planner could relax, made minimal when they came
    from an IIS: (members, relaxable, method, minimal)."""
    relaxable = [c for c in members if c.kind == "col" or
                 (c.kind == "row" and s.droppable(c.index)
                  and (s.words.row_block[c.index] != "one_type" or c.side == "lo"))]
    minimal = True
    if method == "iis" and len(relaxable) > 1:
        shrunk = s.shrink(dropped, relaxable, mip=False)
        if shrunk is None:
            relaxable = list(s.quickxplain(dropped, cands, mip=False))
            method = "deletion-lp"
        else:
            relaxable, minimal = shrunk
        keys = {c.key() for c in relaxable}
        members = relaxable + [c for c in members if c.key() not in keys
                               and c.kind == "row" and not s.droppable(c.index)]
    return members, relaxable, method, minimal


def _check_method_rows(s: AllocationSearch, diag: Diagnosis) -> None:
    """The rows the method adds whatever the payoff table (the epsilon method's equity
    bound): when the most any plan under the rules reaches is below such a row's bound, that
    row alone is the conflict, in the method's own words."""
    settings = s.am.inst.params["objective"]
    method = get_method(settings["method"])
    try:
        rows = method.bound_rows(s.am, settings)
    except (KeyError, TypeError):
        return  # the method's settings are incomplete: the method's own check says so
    for coef, lower, _ in rows:
        if lower is None or not np.isfinite(lower):
            continue
        status, x, _ = s.lab.solve(mip=True, cost=-(coef - s.lm.objectives["penalty"]))
        if status != "feasible" or x is None:
            return
        reach = float(coef @ x)
        words = method.bound_conflict(settings, reach, num)
        if lower <= reach + 1e-7 * max(1.0, abs(reach)) or words is None:
            continue
        diag.status = "infeasible"
        rule = Rule(method.name, words["row"], words["text"], {}, lower)
        diag.conflicts.append(Conflict(
            headline=words["headline"], rules=[rule], method=method.name,
            fixes=[Fix(method.name, words["fix"], lower - reach, words["setting"])]))
        return


# --------------------------------------------------------------------------- description
def _describe(s: AllocationSearch, members: list[Constraint], method: str) -> Conflict:
    w = s.words
    rules = []
    caps: dict[tuple[int, int], dict[int, list]] = {}  # (d, r) -> k -> [cap, col names]
    for c in members:
        if c.kind == "row":
            side = c.side
            if w.row_block[c.index] == "one_type" and c.index not in s.fixed_rows:
                side = "hi"  # "at most one type" (x >= 0 sides are definitions too)
            rules.append(w.row_rule(c.index, side))
        else:
            r = w.col_rule(c.index, c.side)
            if r is not None:
                e = w.x_entity(int(w.col_local[c.index]))
                caps.setdefault((e["d"], e["r"]), {}).setdefault(e["k"], [r.bound, []])[1].append(
                    r.row)
    # one sentence per pairing for the capacity of its flows (the same for every type)
    pair_cap = BY_NAME["pair_cap"]
    for (d, r), per_k in caps.items():
        names = [n for _, ns in per_k.values() for n in ns]
        rules.append(Rule("pair_cap", names[0] + (_(" (and {n} more)").format(n=len(names) - 1)
                                                  if len(names) > 1 else ""),
                          pair_cap.pairing_sentence(w, d, r, per_k),
                          {"partner": w.D[d], "recipient": w.R[r],
                           "resources": [w.K[k] for k in per_k]},
                          float(sum(v for v, _ in per_k.values()))))
    order = {k: i for i, k in enumerate(SENTENCE_ORDER)}
    rules.sort(key=lambda m: (m.context, order.get(m.rule, 99)))
    try:
        headline = _headline(s, rules, members, method)
    except OutOfTime:
        raise
    except Exception:  # noqa: BLE001 - a headline is a courtesy; the rules explain

        headline = None
    if not headline:
        main = [m for m in rules if not m.context]
        headline = (_("{rule}, and no plan can do that under the other rules").format(
                        rule=main[0].text) if len(main) == 1 else
                    _("these {n} rules cannot all hold together").format(n=len(main)))
    return Conflict(headline=headline, rules=rules, method=method)


@dataclass
class Conflicted:
    """What a rule's headline looks at: the conflict's rules and how to measure it."""

    s: object  # the AllocationSearch
    rules: list
    members: list

    def __post_init__(self):
        self.w = self.s.words
        self.am = self.s.am
        self.main = [m for m in self.rules if not m.context]
        self.kinds = {m.rule for m in self.main}
        self.ri = {r: i for i, r in enumerate(self.w.R)}
        self.di = {d: i for i, d in enumerate(self.w.D)}

    def of(self, kind: str) -> list:
        """The conflict's rules of one kind (not context)."""
        return [m for m in self.main if m.rule == kind]

    def most(self, sel: np.ndarray, coef: np.ndarray, kind: str) -> float | None:
        """The most of coef . x[sel] (flow columns) any plan reaches under the conflict's own
        rules, the rows of ``kind`` set aside: whole pairings (the plan's own bound)."""
        obj = np.zeros(self.s.lm.n_cols)
        obj[self.am.x.start + np.flatnonzero(sel)] = coef
        rows = [c for c in self.members if c.kind == "row" and self.w.row_block[c.index] == kind]
        return self.s.max_under(self.members, rows, obj, True, "deletion")


def _headline(s: AllocationSearch, rules: list[Rule], members: list[Constraint],
              method: str) -> str | None:
    """One sentence for the conflict, with the numbers that make it plain: the headline of
    the first rule (in the registry's HEADLINE_ORDER) that recognises the conflict."""
    h = Conflicted(s, rules, members)
    for name in HEADLINE_ORDER:
        text = BY_NAME[name].headline(h)
        if text is not None:
            return text or None
    return None
