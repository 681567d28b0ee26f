"""What a diagnosis finds, and its text: the rules of a conflict, the fixes, the report."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..i18n import N_, _, ngettext, with_lang
from ..rules import BY_NAME

CONTEXT_WORDS = {"equity": N_("equity measure"), "mean_outcome": N_("mean outcome"),
                 "epsilon": N_("equity bound (eps)")}
"""Rows that are not rules of the plan but definitions of a measure or a method."""


def rule_words(kind: str) -> str:
    """A few words for a kind of rule (the registry's short name), in the current language."""
    rule = BY_NAME.get(kind)
    return _(rule.short) if rule is not None else _(CONTEXT_WORDS.get(kind, kind))


@dataclass
class Rule:
    """One member of a conflict: a row (or a column bound) of the model, in words."""

    rule: str  # access_floor, supply, absorb, pair_cap, fixed, one_type, coverage, ...
    row: str  # the model's name for it, e.g. "access_floor[MZ,talent]"
    text: str  # the planner's words
    entity: dict = field(default_factory=dict)  # ids: partner, recipient, resource, type
    bound: float | None = None  # the right-hand side (in the rule's own units)
    context: bool = False  # a definition (flows need a pairing), not a rule one would relax

    def as_dict(self) -> dict:
        return {"rule": self.rule, "row": self.row, "text": self.text, "entity": self.entity,
                "bound": self.bound, "context": self.context}


@dataclass
class Fix:
    """A change that resolves a conflict (alone, the other rules kept)."""

    rule: str
    text: str
    amount: float | None = None  # how far the rule must give in all (its own units)
    setting: str | None = None  # e.g. "balance.alpha = 0.21" or "--soft access_floor"

    def as_dict(self) -> dict:
        return {"rule": self.rule, "text": self.text, "amount": self.amount,
                "setting": self.setting}


@dataclass
class Conflict:
    """A minimal set of rules that no plan satisfies together."""

    headline: str
    rules: list[Rule]
    fixes: list[Fix] = field(default_factory=list)
    method: str = "iis"  # "iis" (LP relaxation), "deletion" (MILP), "deletion-lp", "epsilon"
    members: list = field(default_factory=list, repr=False)  # the model's constraints
    note: str = ""

    @property
    def rule_kinds(self) -> list[str]:
        seen = []
        for m in self.rules:
            if not m.context and m.rule not in seen:
                seen.append(m.rule)
        return seen

    def as_dict(self) -> dict:
        return {"headline": self.headline, "method": self.method, "note": self.note,
                "rules": [m.as_dict() for m in self.rules],
                "fixes": [f.as_dict() for f in self.fixes]}


@dataclass
class Diagnosis:
    """The result of :func:`diagnose`."""

    status: str  # "feasible" | "infeasible" | "unknown"
    instance: str
    conflicts: list[Conflict] = field(default_factory=list)
    suggestions: list[Fix] = field(default_factory=list)  # for the whole instance
    complete: bool = True  # every conflict was found (setting them aside leaves a plan)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    solves: int = 0
    _search: object = field(default=None, repr=False, compare=False)

    def verify(self, conflict: Conflict) -> dict:
        """Check a conflict against the model: its rules alone admit no plan (``conflict``),
        and without any one of them there is one (``minimal``). The LP relaxation for an IIS,
        the MILP otherwise. Used by the tests; costs one solve per rule."""
        s = self._search
        if s is None or not conflict.members:
            return {"conflict": None, "minimal": None}
        mip = conflict.method == "deletion"
        rest = s.rest(conflict.members, "iis" if conflict.method == "iis" else "deletion")
        alone = s.feasible(rest, mip=mip) == "infeasible"
        minimal = all(s.feasible(rest + [c], mip=mip) == "feasible" for c in conflict.members)
        return {"conflict": alone, "minimal": minimal}

    @property
    def feasible(self) -> bool:
        return self.status == "feasible"

    @property
    def message(self) -> str:
        """The outcome in one line, in the current language."""
        if self.status == "feasible":
            return _("a plan satisfies every rule")
        if self.status == "unknown":
            return _("the solver could not tell within the time limit whether any plan "
                     "satisfies the rules")
        n = len(self.conflicts)
        more = "" if self.complete else _(" (there may be more)")
        return ngettext("no plan satisfies every rule: {n} conflict found{more}",
                        "no plan satisfies every rule: {n} conflicts found{more}", n).format(
            n=n, more=more)

    # ------------------------------------------------------------------ text
    @with_lang
    def short(self, instance_arg: str | None = None) -> str:
        """A few lines for ``regcollab solve``: the first conflict and how to resolve it."""
        if self.status != "infeasible" or not self.conflicts:
            return self.message if self.status == "unknown" else ""
        c = self.conflicts[0]
        lines = [_("why: {headline}").format(headline=c.headline)]
        main = [m for m in c.rules if not m.context]
        lines += [f"  - {m.text}" for m in main[:5]]
        if len(main) > 5:
            lines.append("  - " + _("... and {n} more rules").format(n=len(main) - 5))
        fixes = c.fixes + [s for s in self.suggestions if s.text not in {f.text for f in c.fixes}]
        if fixes:
            lines.append(_("to resolve it, any one of:"))
            lines += [f"  * {f.text}" for f in fixes[:4]]
        more = len(self.conflicts) - 1
        tail = ngettext("{n} more conflict and ", "{n} more conflicts and ", more).format(
            n=more) if more > 0 else ""
        target = f" {instance_arg}" if instance_arg else ""
        lines.append(_("({more}the full report: regcollab diagnose{target})").format(
            more=tail, target=target))
        return "\n".join(lines)

    @with_lang
    def report(self) -> str:
        """The full report of ``regcollab diagnose``."""
        note = _("note: {message}")
        lines = [_("{instance}: {message}").format(instance=self.instance, message=self.message)]
        if self.status != "infeasible":
            lines += [note.format(message=n) for n in self.notes]
            return "\n".join(lines)
        for i, c in enumerate(self.conflicts, 1):
            lines.append("")
            lines.append(_("Conflict {i}: {headline}").format(i=i, headline=c.headline))
            if c.note:
                lines.append(f"  ({c.note})")
            lines.append("  " + _("These rules cannot all hold together:"))
            lines += [f"    - {m.text}  [{m.row}]" for m in c.rules if not m.context]
            ctx = [m for m in c.rules if m.context]
            if ctx:
                lines.append("  " + _("(together with how the model is defined: {rules})").format(
                    rules=_("; ").join(sorted({rule_words(m.rule) for m in ctx}))))
            if c.fixes:
                lines.append("  " + (_("Any one of these resolves it (the other conflicts set "
                                       "aside):") if len(self.conflicts) > 1 else
                                     _("Any one of these resolves it:")))
                lines += [f"    * {f.text}" for f in c.fixes]
        if self.suggestions:
            lines.append("")
            lines.append(_("For the whole instance:"))
            lines += [f"  * {f.text}" for f in self.suggestions]
        if self.notes:
            lines.append("")
            lines += [note.format(message=n) for n in self.notes]
        lines.append("")
        lines.append(_("({n} solver runs, {seconds} s)").format(n=self.solves,
                                                                 seconds=f"{self.seconds:.2f}"))
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {"status": self.status, "instance": self.instance, "message": self.message,
                "complete": self.complete,
                "conflicts": [c.as_dict() for c in self.conflicts],
                "suggestions": [f.as_dict() for f in self.suggestions],
                "notes": list(self.notes), "seconds": round(self.seconds, 4),
                "solves": self.solves}

    def __str__(self) -> str:
        return self.report()
