"""How far each rule of a conflict must give, and the settings that would resolve it: the
numbers from elastic solves of the conflict search, the words from the rule registry."""

from __future__ import annotations

import math

from ..conflicts import Constraint
from ..i18n import _, ngettext
from ..rules import BALANCE_NAMES, BY_NAME, FIX_ORDER, SETTING_ORDER, join_words, num
from .results import Diagnosis, Fix
from .words import AllocationSearch

FEAS_TOL = 1e-6  # slack below this (relative) counts as zero


def fixes_for(s: AllocationSearch, members: list[Constraint], others: list[Constraint],
           partial: bool) -> tuple[list[Fix], int]:
    """For each kind of rule in the conflict: how far it must give (alone) to resolve it.
    Returns the fixes and how many could not be measured in time."""
    w = s.words
    a = w.a
    groups: dict[str, list[Constraint]] = {}
    for c in members:
        if c.kind == "row":
            kind = str(w.row_block[c.index])
            if kind == "one_type":
                kind = "fixed" if c.side == "lo" else "one_type"
        else:
            e = w.x_entity(int(w.col_local[c.index]))
            kind = "supply" if a["supply"][e["d"], e["k"]] <= a["absorb"][e["r"], e["k"]] \
                else "absorb"
        groups.setdefault(kind, []).append(c)
    # flow-column bounds bend together with the supply / absorb rows they stand for
    for kind in ("supply", "absorb"):
        if kind in groups:
            groups[kind] = _with_partner_rows(s, groups[kind], kind)
    out: list[Fix] = []
    skipped = 0
    alone = None  # every rule outside the conflict set aside
    for kind, bend in groups.items():
        if kind == "one_type":  # a definition; more candidate partners is the fix
            continue
        res = s.elastic(bend, dropped=others)
        note = ""
        if res is None and partial:
            # other conflicts (not all found) stand in the way: measure this conflict alone
            if alone is None:
                keys = {c.key() for c in members}
                alone = [c for c in s.candidates() if c.key() not in keys]
            res = s.elastic(bend, dropped=alone)
            note = _(" (this conflict only)")
        if res == "limit":
            skipped += 1
            continue
        if res is None:
            continue
        for f in _fix_words(s, kind, bend, res):
            f.text += note
            out.append(f)
    rank = {k: i for i, k in enumerate(FIX_ORDER)}
    out.sort(key=lambda f: rank.get(f.rule, 99))
    kinds = set(groups)
    if kinds & {"coverage", "one_type"}:
        rs = sorted({w.row_entity(c.index)[1]["r"] for c in members
                     if c.kind == "row" and w.row_block[c.index] in ("coverage",)})
        if rs:
            out.append(Fix("pairs", _("let more partners pair with {recipients} (pairs.csv: "
                                      "allowed, with pot and ben reaching a type's "
                                      "thresholds)").format(
                recipients=join_words([w.rname[r] for r in rs]))))
    if kinds & {"access_floor"} and kinds <= {"access_floor", "supply"}:
        rs = sorted({w.row_entity(c.index)[1]["r"] for c in members
                     if c.kind == "row" and w.row_block[c.index] == "access_floor"})
        out.append(Fix("pairs", _("let more partners with supply pair with {recipients} "
                                  "(pairs.csv)").format(
            recipients=join_words([w.rname[r] for r in rs]))))
    return out, skipped


def _with_partner_rows(s: AllocationSearch, cons: list[Constraint], kind: str) -> list[Constraint]:
    """Flow-column bounds plus the supply (absorb) rows of the same partner (recipient)."""
    w = s.words
    lm = s.lm
    out, seen = [], set()
    for c in cons:
        if c.kind == "row":
            if c.key() not in seen:
                out.append(c)
                seen.add(c.key())
            continue
        e = w.x_entity(int(w.col_local[c.index]))
        b = lm.row_blocks[kind]
        i = b.start + (e["d"] if kind == "supply" else e["r"]) * w.nK + e["k"]
        for cc in (Constraint("row", i, "hi"), c):
            if cc.key() not in seen:
                out.append(cc)
                seen.add(cc.key())
    return out


def _fix_words(s: AllocationSearch, kind: str, bend: list[Constraint], res: dict) -> list[Fix]:
    """One fix: the rows of ``kind`` bent (by the amounts ``res``), in the rule's words."""
    w = s.words
    proven = res.get("proven", True)
    bent = [(c, res.get(c.key(), 0.0)) for c in bend if c.kind == "row"]
    bent = [(c, v) for c, v in bent if v > FEAS_TOL * max(1.0, abs(_bound_of(s, c)))]
    if not bent:
        return []
    total = sum(v for _, v in bent)
    rule = BY_NAME[kind]
    parts = rule.fix_parts(w, [(w.row_entity(c.index)[1], v) for c, v in bent])
    n_rows = sum(1 for c in bend if c.kind == "row")
    if n_rows > 1 and len(bent) < n_rows and rule.fix_many:
        text = _("{verb} {many} by {total} in all, for example {parts}").format(
            verb=_(rule.fix_verb), many=_(rule.fix_many), total=num(total),
            parts=join_words(parts, limit=6))
    else:
        text = _("{verb} {parts}").format(verb=_(rule.fix_verb),
                                          parts=join_words(parts, limit=6))
    if not proven:
        text += _(" (enough, perhaps more than needed: the time ran out)")
    if rule.soft_ok:
        text += _(", or solve with --soft {rule}").format(rule=kind)
    return [Fix(kind, text, total, f"--soft {kind}" if rule.soft_ok else None)]


def _bound_of(s: AllocationSearch, c: Constraint) -> float:
    v = s.lab.rlo0[c.index] if c.side == "lo" else s.lab.rhi0[c.index]
    return float(v) if math.isfinite(v) else 1.0


# --------------------------------------------------------------------------- whole instance
def suggestions(s: AllocationSearch, diag: Diagnosis, conflicts) -> tuple[list[Fix], int]:
    """Parameters with their largest value that leaves a plan, and --soft. Returns the
    suggestions and how many could not be measured in time."""
    w = s.words
    kinds = {k for c, _ in conflicts for k in c.rule_kinds}
    out: list[Fix | None] = []
    skipped = 0

    def param(rule, path, current, best):
        nonlocal skipped
        if best == "limit":
            skipped += 1
            return
        out.append(_param_fix(rule, path, current, best))

    for name in SETTING_ORDER:
        found = BY_NAME[name].largest_setting(s, w) if name in kinds else None
        if found is not None:
            param(name, *found)
    balance = [r for r in BALANCE_NAMES if r in kinds]
    if balance:
        drop = [c for c in s.candidates() if w.row_block[c.index] in balance]
        st = s.feasible(drop, mip=True, share=0.25)
        flags = " ".join(f"--soft {k}" for k in balance)
        if st == "feasible":
            out.append(Fix("soft", ngettext(
                "solve with {flags}: the rule may then give, at a penalty per unit short "
                "(balance.csv shows by how much)",
                "solve with {flags}: the rules may then give, at a penalty per unit short "
                "(balance.csv shows by how much)", len(balance)).format(flags=flags),
                None, flags))
        elif st == "limit":
            skipped += 1
        else:
            drop_all = [c for c in s.candidates() if w.row_block[c.index] in BALANCE_NAMES]
            st_all = s.feasible(drop_all, mip=True, share=0.25)
            if st_all == "feasible":
                out.append(Fix("soft", _("solve with --soft all: every balance rule may then "
                                         "give, at a penalty per unit short"),
                               None, "--soft all"))
            elif st_all == "limit":
                skipped += 1
            else:
                diag.notes.append(_("even with every balance rule soft (--soft all) no plan "
                                    "exists: fixed pairings, spans or minimum scales conflict"))
    return [f for f in out if f is not None], skipped


def _param_fix(rule: str, path: str, current: float, best: float | None) -> Fix | None:
    if best is None:
        return Fix(rule, _("lowering {path} alone (now {current}) is not enough: even at 0 "
                           "no plan exists").format(path=path, current=num(current)), None, None)
    if best >= current - 1e-9:
        return None
    shown = math.floor(best * 1e4 + 1e-6) / 1e4  # round down: the value shown works
    return Fix(rule, _("lower {path} from {current} to {value} (the largest value that leaves "
                       "a plan)").format(path=path, current=num(current), value=f"{shown:g}"),
               current - best, f"{path} = {shown:g}")
