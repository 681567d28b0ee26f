"""A plan as data: which pairs are paired, and with which collaboration type.

Sweeps and robustness studies pass plans between processes and compare them; as a
:class:`Plan` (partner, recipient and type, exactly as the tables name them) that needs no
string to be parsed back, so an id holding ``-``, ``:`` or ``;`` is still itself. Text for
people (the ``plan``, ``added``, ``removed`` and ``type_changes`` columns of ``sweep.csv``) is
made from it at the end.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """The pairings of a plan: ``(partner, recipient) -> type``, as a sorted tuple of
    ``(partner, recipient, type)``."""

    pairings: tuple[tuple[str, str, str], ...] = ()

    @classmethod
    def of(cls, sol) -> Plan:
        """The plan of a solution (empty when it has none)."""
        if not sol.has_plan:
            return cls()
        P = sol.pairings
        return cls(tuple(sorted(zip(P["partner"].astype(str), P["recipient"].astype(str),
                                    P["type"].astype(str)))))

    def types(self) -> dict[tuple[str, str], str]:
        """(partner, recipient) -> type."""
        return {(d, r): t for d, r, t in self.pairings}

    def __len__(self) -> int:
        return len(self.pairings)

    def __iter__(self):
        return iter(self.pairings)

    def text(self) -> str:
        """``partner-recipient:type`` of each pairing, ``;`` between them (for people)."""
        return ";".join(f"{pair_label(d, r)}:{t}" for d, r, t in
                        sorted(self.pairings, key=lambda p: (pair_label(p[0], p[1]), p[2])))

    def changes(self, base: Plan) -> dict[str, list[str]]:
        """What changed from ``base``, for people: ``added``, ``removed`` (each
        ``partner-recipient:type``) and ``type_changes`` (``partner-recipient:old->new``),
        each sorted."""
        now, before = self.types(), base.types()
        added = sorted(f"{pair_label(*k)}:{now[k]}" for k in set(now) - set(before))
        removed = sorted(f"{pair_label(*k)}:{before[k]}" for k in set(before) - set(now))
        retyped = sorted(f"{pair_label(*k)}:{before[k]}->{now[k]}"
                         for k in set(now) & set(before) if now[k] != before[k])
        return {"added": added, "removed": removed, "type_changes": retyped}


def pair_label(partner: str, recipient: str) -> str:
    """A pair for people: ``partner-recipient``."""
    return f"{partner}-{recipient}"
