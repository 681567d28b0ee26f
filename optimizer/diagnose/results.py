"""What a diagnosis finds, and its text: the rules of a conflict, the fixes, the report."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..rules import BY_NAME

CONTEXT_WORDS = {"equity": "equity measure", "mean_outcome": "mean outcome",
                 "epsilon": "equity bound (eps)"}
"""Rows that are not rules of the plan but definitions of a measure or a method."""


def rule_words(kind: str) -> str:
    """A few words for a kind of rule (the registry's short name)."""
    rule = BY_NAME.get(kind)
    return rule.short if rule is not None else CONTEXT_WORDS.get(kind, kind)


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
        if self.status == "feasible":
            return "a plan satisfies every rule"
        if self.status == "unknown":
            return ("the solver could not tell within the time limit whether any plan "
                    "satisfies the rules")
        n = len(self.conflicts)
        more = "" if self.complete else " (there may be more)"
        return (f"no plan satisfies every rule: {n} conflict{'s' if n != 1 else ''} "
                f"found{more}")

    # ------------------------------------------------------------------ text
    def short(self, instance_arg: str | None = None) -> str:
        """A few lines for ``regcollab solve``: the first conflict and how to resolve it."""
        if self.status != "infeasible" or not self.conflicts:
            return self.message if self.status == "unknown" else ""
        c = self.conflicts[0]
        lines = [f"why: {c.headline}"]
        main = [m for m in c.rules if not m.context]
        for m in main[:5]:
            lines.append(f"  - {m.text}")
        if len(main) > 5:
            lines.append(f"  - ... and {len(main) - 5} more rules")
        fixes = c.fixes + [s for s in self.suggestions if s.text not in {f.text for f in c.fixes}]
        if fixes:
            lines.append("to resolve it, any one of:")
            for f in fixes[:4]:
                lines.append(f"  * {f.text}")
        more = len(self.conflicts) - 1
        tail = f"{more} more conflict{'s' if more != 1 else ''} and " if more > 0 else ""
        target = f" {instance_arg}" if instance_arg else ""
        lines.append(f"({tail}the full report: regcollab diagnose{target})")
        return "\n".join(lines)

    def report(self) -> str:
        """The full report of ``regcollab diagnose``."""
        lines = [f"{self.instance}: {self.message}"]
        if self.status != "infeasible":
            lines += [f"note: {n}" for n in self.notes]
            return "\n".join(lines)
        for i, c in enumerate(self.conflicts, 1):
            lines.append("")
            lines.append(f"Conflict {i}: {c.headline}")
            if c.note:
                lines.append(f"  ({c.note})")
            lines.append("  These rules cannot all hold together:")
            for m in c.rules:
                if not m.context:
                    lines.append(f"    - {m.text}  [{m.row}]")
            ctx = [m for m in c.rules if m.context]
            if ctx:
                lines.append("  (together with how the model is defined: "
                             + "; ".join(sorted({rule_words(m.rule) for m in ctx}))
                             + ")")
            if c.fixes:
                lines.append("  Any one of these resolves it"
                             + (" (the other conflicts set aside):" if len(self.conflicts) > 1
                                else ":"))
                for f in c.fixes:
                    lines.append(f"    * {f.text}")
        if self.suggestions:
            lines.append("")
            lines.append("For the whole instance:")
            for f in self.suggestions:
                lines.append(f"  * {f.text}")
        if self.notes:
            lines.append("")
            lines += [f"note: {n}" for n in self.notes]
        lines.append("")
        lines.append(f"({self.solves} solver runs, {self.seconds:.2f} s)")
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
