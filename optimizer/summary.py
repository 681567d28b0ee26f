"""The headline numbers of a run: :class:`Summary`, written as ``summary.json``.

A typed object (``sol.summary.efficiency``, ``sol.summary.status``) that is also a mapping with
the keys of ``summary.json`` (``sol.summary["price_of_fairness"]``, ``.get``, ``in``, item
assignment), as scripts and the README use it. :meth:`Summary.to_dict` gives ``summary.json``:
each key appears when it applies (the plan's numbers only with a plan, the notes only when
there is something to note), in a fixed order; keys set that are not fields are kept and
written last. :meth:`Summary.from_dict` reads a ``summary.json`` back (a results folder).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field

ALWAYS, OPTIONAL, PLAN, PAYOFF = "always", "optional", "plan", "payoff"


def _f(when: str = ALWAYS, default=None, key: str | None = None, factory=None):
    """A field of the summary: ``when`` it is written (ALWAYS; OPTIONAL: when not None; PLAN:
    when the run has a plan; PAYOFF: with the payoff table) and its key in summary.json."""
    meta = {"when": when, "key": key}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(eq=False)
class Summary(MutableMapping):
    """What was solved, how, and the result's headline numbers (docs/cli.md lists the keys)."""

    # what was solved, and how
    instance: str = _f()
    instance_path: str | None = _f()
    description: str = _f(default="")
    sources: object = _f()
    units: dict | None = _f()
    resources: dict = _f(factory=dict)
    types_used: list = _f(factory=list)
    method: str = _f(default="")
    equity_measure: str = _f(default="")
    lambda_: float | None = _f(key="lambda")
    beta: float | None = _f()  # the tail measure's share (None with maxmin)
    first: str | None = _f()  # the lexicographic method's first objective
    eps: float | None = _f()  # the epsilon method's bound
    soft_rules: dict = _f(factory=dict)
    solver: str = _f(default="")
    model_size: dict = _f(factory=dict)
    warnings: list = _f(factory=list)
    start_heuristic: dict | None = _f(OPTIONAL)  # large instances: the start plans
    # the payoff table and what it gives
    payoff_table: dict | None = _f(OPTIONAL)
    price_of_fairness: float | None = _f(PAYOFF)
    numerical_note: str | None = _f(OPTIONAL)
    payoff_table_note: str | None = _f(OPTIONAL)
    # the plan
    bounds: dict | None = _f(PLAN)
    efficiency: float | None = _f(PLAN)
    equity: float | None = _f(PLAN)
    objective: float | None = _f(PLAN)
    penalty: float | None = _f(PLAN)
    mip_gap: float | None = _f()
    efficiency_loss_vs_ideal: float | None = _f(PLAN)
    pairings: int | None = _f(PLAN)
    types: dict | None = _f(PLAN)
    violations: int | None = _f(PLAN)
    duals_available: bool | None = _f(OPTIONAL)
    tolerances: str | None = _f(OPTIONAL)
    verification: list | None = _f(OPTIONAL)  # the rules a rejected plan breaks
    # the run
    status: str = _f(default="")
    proven_optimal: bool = _f(default=False)
    message: str = _f(default="")
    timings: dict = _f(factory=dict)
    stages: list = _f(factory=list)
    why_resolves: str | None = _f(OPTIONAL)
    sensitivity: str | None = _f(OPTIONAL)  # why the sensitivity report is missing
    extra: dict = field(default_factory=dict, repr=False)  # other keys, written last

    # ------------------------------------------------------------------ typed reading
    @property
    def has_plan(self) -> bool:
        return self.efficiency is not None

    # ------------------------------------------------------------------ summary.json
    def to_dict(self) -> dict:
        """``summary.json``'s object (not a copy of nested values)."""
        return {key: self[key] for key in self}

    @classmethod
    def from_dict(cls, data: Mapping) -> Summary:
        """A summary from ``summary.json``'s object; keys that are not fields go to ``extra``."""
        s = cls()
        for key, value in data.items():
            s[key] = value
        return s

    # ------------------------------------------------------------------ the mapping
    def _present(self, f: dataclasses.Field) -> bool:
        when = f.metadata["when"]
        if when == OPTIONAL:
            return getattr(self, f.name) is not None
        if when == PLAN:
            return self.has_plan
        if when == PAYOFF:
            return self.payoff_table is not None
        return True

    def __iter__(self) -> Iterator[str]:
        for f in _FIELDS:
            if f.name == "mip_gap" and not self.has_plan:
                continue  # without a plan it follows the message (summary.json as before)
            if self._present(f):
                yield f.metadata["key"] or f.name
            if f.name == "message" and not self.has_plan:
                yield "mip_gap"
        yield from self.extra

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __getitem__(self, key: str):
        f = _BY_KEY.get(key)
        if f is not None and self._present(f):
            return getattr(self, f.name)
        if f is None and key in self.extra:
            return self.extra[key]
        raise KeyError(key)

    def __setitem__(self, key: str, value) -> None:
        f = _BY_KEY.get(key)
        if f is None:
            self.extra[key] = value
        else:
            setattr(self, f.name, value)

    def __delitem__(self, key: str) -> None:
        f = _BY_KEY.get(key)
        if f is None:
            del self.extra[key]
        elif f.metadata["when"] == OPTIONAL and getattr(self, f.name) is not None:
            setattr(self, f.name, None)
        else:
            raise KeyError(f"{key} cannot be removed from a summary")


_FIELDS = tuple(f for f in dataclasses.fields(Summary) if f.name != "extra")
_BY_KEY = {f.metadata["key"] or f.name: f for f in _FIELDS}
SUMMARY_KEYS = tuple(_BY_KEY)
"""Every key summary.json can have, in its order."""
