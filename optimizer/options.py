"""The settings of one run, as one object: :class:`RunOptions`.

Built once where a run is asked for (the command line's options, the API's keywords, a sweep's
arguments) and handed along as it is: to :func:`optimizer.solve`, to every scenario of a sweep
or a robustness study, to a Pareto front or an explanation. Its values are checked where
their rules live: the ``objective.*`` and ``balance.*`` overrides by the instance's schema when
they are applied (:meth:`RunOptions.instance_changes`, ``Instance.with_params``), the solver's
by :meth:`optimizer.solve.SolverOptions.validate`, the method's by the method itself.

A frozen dataclass rather than a pydantic model: every value already has one home for its
rule and its message in the planner's words (the schema, SolverOptions); a second validation
layer would repeat them with other messages. Being frozen, a change is a copy
(:meth:`RunOptions.replace`), as ``Instance.with_params`` is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from .errors import InputError
from .i18n import _
from .schema import BALANCE_RULES, DEFAULT_SOFT_PENALTY
from .solve import SolverOptions

INSTANCE_SETTINGS = {
    "method": "objective.method", "weight": "objective.lambda", "equity": "objective.equity",
    "beta": "objective.beta", "first": "objective.first", "eps": "objective.eps",
    "reference": "objective.reference",
    "alpha": "balance.alpha", "gamma": "balance.gamma", "theta": "balance.theta",
    "rho": "balance.rho", "rounds": "rounds.count",
}
"""Options that override a setting of instance.toml (None keeps the instance's own)."""


@dataclass(frozen=True)
class RunOptions:
    """How to solve: overrides of the instance's settings, the solver and its limits, and
    what the run does besides the plan. Every field is a keyword of :func:`optimizer.solve`.

    - ``method``, ``weight`` (lambda of the weighted method), ``equity``, ``beta``, ``first``,
      ``eps``, ``reference`` (the reference method's ``(E, Q)``): the instance's
      ``[objective]`` settings; ``alpha``, ``gamma``, ``theta``, ``rho``: its ``[balance]``
      settings; ``rounds``: how many rounds the plan covers
      (``[rounds] count``; None keeps the instance's own).
    - ``soft``: balance rules to make soft: a rule, a list of rules, or a dict rule ->
      penalty (None: the default penalty); ``"all"`` for every rule.
    - ``settings``: other settings of instance.toml by path (``{"objective.x": 1}``), such as
      those of a method's own command-line options (:class:`optimizer.methods.CliSetting`).
    - ``solver``, ``time_limit`` (seconds, shared by all the stages of the run), ``gap``,
      ``threads``, ``msg`` (the solver's log), ``progress`` (called with a
      :class:`~optimizer.solve.SolveProgress` as MIP solves advance, HiGHS only).
    - ``why``: re-solve each pairing with its other eligible types forced ("auto": on small
      instances only; True/False). ``write_model``: write the final stage's model as MPS or
      LP. ``record_stages``: a folder to write the exact model of every solve into (HiGHS).
    - ``decompose``: solve the stages part by part, one part per connected component of the
      candidate graph (docs/performance.md, "Decomposition"): True, False (the default), or
      ``"auto"``: where the model has several parts and is large (at least
      ``optimizer.solver.options.MIN_START_BINARIES`` binaries). ``workers``: the
      local processes that solve the parts side by side (default: the machine's cores);
      ``executor``: a ``concurrent.futures.Executor`` or a Dask ``Client`` to run them on
      instead.
    - ``tight``: internal, the repeat with tighter tolerances.
    """

    method: str | None = None
    weight: float | None = None
    equity: str | None = None
    beta: float | None = None
    first: str | None = None
    eps: float | None = None
    reference: tuple | None = None
    alpha: float | None = None
    gamma: float | None = None
    theta: float | None = None
    rho: float | None = None
    rounds: int | None = None
    soft: object = None
    settings: dict | None = None
    solver: str = "highs"
    time_limit: float | None = None
    gap: float | None = None
    threads: int | None = None
    msg: bool = False
    progress: Callable | None = None
    why: bool | str = "auto"
    write_model: str | None = None
    record_stages: str | None = None
    decompose: bool | str = False
    workers: int | None = None
    executor: object = None
    tight: bool = False

    @classmethod
    def of(cls, options: RunOptions | None = None, **changes) -> RunOptions:
        """``options`` (default: all defaults) with ``changes``; an unknown keyword is a
        TypeError, as for any function."""
        if options is not None and not isinstance(options, RunOptions):
            raise TypeError(f"options must be RunOptions, not {type(options).__name__}")
        base = options if options is not None else cls()
        return base.replace(**changes) if changes else base

    def replace(self, **changes) -> RunOptions:
        """A copy with ``changes``."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unexpected keyword argument {sorted(unknown)[0]!r} (the run "
                            f"options are {', '.join(f.name for f in dataclasses.fields(self))})")
        return dataclasses.replace(self, **changes)

    def instance_changes(self) -> dict:
        """The changes to the instance's settings (for ``Instance.with_params``)."""
        changes = {path: getattr(self, name) for name, path in INSTANCE_SETTINGS.items()
                   if getattr(self, name) is not None}
        for rule, penalty in soft_penalties(self.soft).items():
            changes[f"balance.soft.{rule}"] = penalty
        changes.update(self.settings or {})
        return changes

    def solver_options(self) -> SolverOptions:
        """The solver's part, checked."""
        return SolverOptions(solver=self.solver, time_limit=self.time_limit, gap=self.gap,
                             threads=self.threads, msg=self.msg, progress=self.progress,
                             tight=self.tight).validate()

    def for_scenarios(self) -> RunOptions:
        """The options of each solve of a sweep or a robustness study: no why re-solves (their
        tables do not show reasons) and one thread per solve unless asked (the solves run side
        by side)."""
        return self.replace(why=False, threads=self.threads or 1)


def soft_penalties(soft) -> dict:
    """Rule -> penalty for ``soft`` (a rule, a list of rules, or a dict rule -> penalty or
    None; ``"all"`` for every rule)."""
    if not soft:
        return {}
    if isinstance(soft, str):
        soft = [soft]
    soft = dict(soft) if isinstance(soft, dict) else {s: DEFAULT_SOFT_PENALTY for s in soft}
    if "all" in soft:
        pen = soft.pop("all")
        soft = {**{r: pen for r in BALANCE_RULES}, **soft}
    out = {}
    for rule, pen in soft.items():
        if rule not in BALANCE_RULES:
            raise InputError(_("'{rule}' is not a balance rule; the rules are {rules} (or "
                               "all)").format(rule=rule, rules=", ".join(BALANCE_RULES)))
        out[rule] = DEFAULT_SOFT_PENALTY if pen is None else pen
    return out
