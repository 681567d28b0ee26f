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

OPTIONAL = frozenset({"start_heuristic", "payoff_table", "numerical_note", "payoff_table_note",
                      "duals_available", "tolerances", "verification", "why_resolves",
                      "sensitivity", "rounds", "sharing", "clusters", "reference",
                      "decomposition"})
"""Keys written only when their value is not None."""
PLAN = frozenset({"bounds", "efficiency", "equity", "objective", "penalty",
                  "efficiency_loss_vs_ideal", "pairings", "types", "violations"})
"""Keys written only when the run has a plan (then even when None)."""
PAYOFF = frozenset({"price_of_fairness"})
"""Keys written with the payoff table."""
KEYS = {"lambda_": "lambda"}
"""Field -> key where the key is not a Python name."""


@dataclass(eq=False)
class Summary(MutableMapping):
    """What was solved, how, and the result's headline numbers (docs/cli.md lists the keys)."""

    # what was solved, and how
    instance: str | None = None
    instance_path: str | None = None
    description: str = ""
    sources: object = None
    units: dict | None = None
    resources: dict = field(default_factory=dict)
    types_used: list = field(default_factory=list)
    method: str = ""
    equity_measure: str = ""
    lambda_: float | None = None  # key: lambda
    beta: float | None = None  # the tail measure's share (None with maxmin)
    first: str | None = None  # the lexicographic method's first objective
    eps: float | None = None  # the epsilon method's bound
    reference: list | None = None  # the reference method's aspiration levels [E, Q]
    soft_rules: dict = field(default_factory=dict)
    rounds: dict | None = None  # plans of several rounds: [rounds] with the rounds' labels
    sharing: dict | None = None  # income sharing (MODEL-v2 B): settings and the plan's shares
    clusters: dict | None = None  # virtual industrial clusters (MODEL-v2 C): which are formed
    solver: str = ""
    model_size: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    start_heuristic: dict | None = None  # large instances: the start plans
    decomposition: dict | None = None  # the parts a decomposed run solved (and how)
    # the payoff table and what it gives
    payoff_table: dict | None = None
    price_of_fairness: float | None = None
    numerical_note: str | None = None
    payoff_table_note: str | None = None
    # the plan
    bounds: dict | None = None
    efficiency: float | None = None
    equity: float | None = None
    objective: float | None = None
    penalty: float | None = None
    mip_gap: float | None = None
    efficiency_loss_vs_ideal: float | None = None
    pairings: int | None = None
    types: dict | None = None
    violations: int | None = None
    duals_available: bool | None = None
    tolerances: str | None = None
    verification: list | None = None  # the rules a rejected plan breaks
    # the run
    status: str = ""
    proven_optimal: bool = False
    message: str = ""
    timings: dict = field(default_factory=dict)
    stages: list = field(default_factory=list)
    why_resolves: str | None = None
    sensitivity: str | None = None  # why the sensitivity report is missing
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
    def _present(self, name: str) -> bool:
        if name in OPTIONAL:
            return getattr(self, name) is not None
        if name in PLAN:
            return self.has_plan
        if name in PAYOFF:
            return self.payoff_table is not None
        return True

    def __iter__(self) -> Iterator[str]:
        for name in _FIELDS:
            if name == "mip_gap" and not self.has_plan:
                continue  # without a plan it follows the message (summary.json as before)
            if self._present(name):
                yield KEYS.get(name, name)
            if name == "message" and not self.has_plan:
                yield "mip_gap"
        yield from self.extra

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __getitem__(self, key: str):
        name = _BY_KEY.get(key)
        if name is not None and self._present(name):
            return getattr(self, name)
        if name is None and key in self.extra:
            return self.extra[key]
        raise KeyError(key)

    def __setitem__(self, key: str, value) -> None:
        name = _BY_KEY.get(key)
        if name is None:
            self.extra[key] = value
        else:
            setattr(self, name, value)

    def __delitem__(self, key: str) -> None:
        name = _BY_KEY.get(key)
        if name is None:
            del self.extra[key]
        elif name in OPTIONAL and getattr(self, name) is not None:
            setattr(self, name, None)
        else:
            raise KeyError(f"{key} cannot be removed from a summary")


_FIELDS = tuple(f.name for f in dataclasses.fields(Summary) if f.name != "extra")
_BY_KEY = {KEYS.get(name, name): name for name in _FIELDS}
SUMMARY_KEYS = tuple(_BY_KEY)
"""Every key summary.json can have, in its order."""
