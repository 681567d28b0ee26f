"""What every method shares: the problem it hands the solver, the stage log, the time budget,
and :class:`Method`, the interface a method implements (one module per method beside this one;
``registry.py`` finds them)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..budget import Budget
from ..display import stage_words
from ..i18n import N_, _, said

OBJECTIVE_WORDS = {"efficiency": N_("efficiency"), "equity": N_("equity")}


def objective_words(name) -> str:
    """The objective ``efficiency`` or ``equity`` in the current language."""
    return _(OBJECTIVE_WORDS[name]) if name in OBJECTIVE_WORDS else str(name)


# ------------------------------------------------------------ stored English, said translated
# Stage labels, the plan objective's label and a method's failure message are stored in
# English (summary.json's ``stages``, the sensitivity summary's ``objective_label``, the
# summary's ``message``) and said in the planner's language where they are shown: each is one
# of these templates filled in, read back by :func:`said` (the stage labels, STAGE_*, are
# optimizer.display's, which says them: :func:`optimizer.display.stage_words`).
LABEL_WEIGHTED = N_("the weighted score (lambda = {value}), as in the summary")
LABEL_EPSILON = N_("the epsilon objective (equity >= {value}), as in the summary")
LABEL_SECOND = {"efficiency": N_("equity with efficiency held at its best, as in the summary"),
                "equity": N_("efficiency with equity held at its best, as in the summary")}
"""The lexicographic method's label by its first objective."""
LABEL_REFERENCE = N_("the achievement of the reference point (efficiency {efficiency}, equity "
                     "{equity}), as in the summary")
OBJECTIVE_LABELS = (LABEL_WEIGHTED, LABEL_EPSILON, *LABEL_SECOND.values(), LABEL_REFERENCE)
"""The labels of :meth:`Method.plan_objective` (the sensitivity report's objective; the
efficiency and equity objectives' labels are ``optimizer.sensitivity.HELD_LABELS``, msgids
said as they are)."""
FAILURE_EPSILON = N_("no plan reaches equity {eps}: the most equity any plan can reach is "
                     "{reach}")
FAILURE_MESSAGES = (FAILURE_EPSILON,)
"""The methods' :meth:`Method.failure_message` templates."""
RUN_FAILURES = (
    # optimizer/pipeline.py's messages when a stage has no plan ({what}: a stage label)
    N_("{what} is unbounded (a modelling error; please report it)"),
    N_("the solver found no plan for {what} within the limits"),
    N_("the solver failed on {what}"),
)
"""The run's own failure messages (``optimizer/pipeline.py``), said by :func:`message_words`."""


def objective_label_words(label: str) -> str:
    """The sensitivity report's ``objective_label`` (stored in English) in the current
    language, for where it is shown."""
    return said(label, OBJECTIVE_LABELS)


def message_words(message: str) -> str:
    """A run's summary ``message`` (stored in English) in the current language: a method's
    or the run's failure message filled in (:data:`FAILURE_MESSAGES`,
    :data:`RUN_FAILURES`), or any message that is a msgid as it is."""
    return said(message, FAILURE_MESSAGES + RUN_FAILURES,
                nested={"what": stage_words})


INF = math.inf


def hold_tolerance(value: float) -> float:
    """How far below its optimum an objective may fall when it is held in a later stage."""
    return 1e-9 * abs(value) + 1e-7


Clock = Budget.for_run
"""The time budget of a run, shared by its stages (:meth:`optimizer.budget.Budget.for_run`)."""


@dataclass
class Problem:
    """One scalarised problem: maximise ``objective`` (+ ``constant``) subject to the model and
    ``rows`` (each ``(coefficients, lower, upper)``). ``row_labels`` name the rows for the
    planner (sensitivity's hold rows); ``label`` says what is maximised."""

    objective: np.ndarray
    rows: list = field(default_factory=list)  # (coef, lower, upper)
    label: str = ""
    constant: float = 0.0
    row_labels: list = field(default_factory=list)


@dataclass
class StageLog:
    label: str
    result: object  # optimizer.solver.result.StageResult

    def as_dict(self) -> dict:
        r = self.result
        return {"stage": self.label, "status": r.status, "objective": r.objective,
                "mip_gap": r.mip_gap, "seconds": round(r.seconds, 4)}


@dataclass(frozen=True)
class CliSetting:
    """A setting of a method that the command line sets: option ``flag`` (e.g.
    ``--reference``) -> ``path`` of instance.toml (checked against the schema there)."""

    flag: str
    path: str
    help: str
    type: object = float  # the option's click type

    @property
    def name(self) -> str:
        """The option's parameter name."""
        return self.flag.lstrip("-").replace("-", "_")


def objective_vectors(am) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Efficiency, equity and the soft rules' penalty of model ``am``, as column vectors."""
    obj = am.lm.objectives
    return obj["efficiency"], obj["equity"], obj["penalty"]


class Method:
    """One way to combine efficiency (E) and equity (Q) into the problem solved last.

    ``settings`` is any mapping with the ``objective.*`` keys a method reads (``lambda``,
    ``first``, ``eps``): the instance's ``params["objective"]`` or a run's summary. ``table`` is
    the run's :class:`~optimizer.methods.payoff.PayoffTable` (ideal and nadir values).
    Subclasses set ``name`` and implement :meth:`final_problem`, :meth:`plan_objective`,
    :meth:`label` and :meth:`words`; the other hooks have defaults that suit most methods.
    """

    name: str = ""
    order: int = 100  # place among the methods (``--method`` choices, docs)
    settings: tuple[str, ...] = ()  # the objective.* settings it reads (the summary shows them)
    cli_settings: tuple[CliSetting, ...] = ()  # options every method-taking command gets
    # free columns the method owns, one each (e.g. the reference method's achievement):
    # build_model adds them to the model of an instance with this method, so every solve and
    # re-solve of its problems (pipeline, sensitivity, diagnosis, explain) has them; they are
    # zero in efficiency, equity and penalty, and in no row of the model
    columns: tuple[str, ...] = ()

    # ------------------------------------------------------------------ solving
    def check(self, settings: Mapping) -> None:
        """Refuse settings the method cannot run with (an InputError in the planner's
        words), before any model is built."""

    def payoff_row(self, settings: Mapping) -> str | None:
        """``"efficiency"`` or ``"equity"`` when the plan is that row of the payoff table (no
        solve after the table), else None."""
        return None

    def start(self, am, table, settings: Mapping, x: np.ndarray) -> np.ndarray:
        """Plan ``x`` (of the payoff table) as a start for the final problem: the method's own
        :attr:`columns` set to fit it (default: as it is)."""
        return x

    def stages_after_payoff(self, settings: Mapping) -> int:
        """How many solves the method adds after the payoff table (for the time budget)."""
        return 0 if self.payoff_row(settings) else 1

    def bound_rows(self, am, settings: Mapping) -> list:
        """Rows the method adds to the model whatever the payoff table
        (``(coefficients, lower, upper)``): they can leave the run without a plan, so a
        diagnosis checks them too."""
        return []

    def bound_conflict(self, settings: Mapping, reach: float, num) -> dict | None:
        """The diagnosis's words when the first of :meth:`bound_rows` asks for more than
        ``reach``, the most any plan under the rules attains of its left-hand side: a dict
        with ``row`` (the model's name), ``text`` (the rule), ``headline``, ``fix`` (these
        three in the current language) and ``setting`` (None: this method adds no such
        row)."""
        return None

    def final_problem(self, am, table, settings: Mapping) -> Problem:
        """The problem solved last; its optimum is the recommended plan. Its ``label`` names
        the stage in the summary's ``stages``."""
        raise NotImplementedError

    def score(self, settings: Mapping, table, E: float, Q: float, penalty: float,
              problem: Problem, x: np.ndarray) -> float:
        """The summary's ``objective`` of plan ``x`` (efficiency ``E``, equity ``Q`` from
        the outcomes)."""
        return float(problem.objective @ x)

    def failure_message(self, settings: Mapping, table, status: str) -> str | None:
        """What to tell the planner when the final problem has no plan (None: the general
        message), in English (summary.json's ``message``): one of :data:`FAILURE_MESSAGES`
        filled in, said by :func:`message_words`."""
        return None

    # ------------------------------------------------------------------ sensitivity
    def plan_objective(self, am, settings: Mapping, table, final: Problem) -> Problem:
        """The objective the plan maximised, over the columns of model ``am`` (the run's or a
        changed instance's), with its constant so that its value is the summary's
        ``objective``, the rows the method adds and their labels, and its ``label`` in words
        for the sensitivity report. ``final`` is the run's final problem."""
        raise NotImplementedError

    def per_unit(self, settings: Mapping, table) -> float | None:
        """Units of efficiency per unit of the plan's objective (None: not a fixed rate)."""
        return None

    def unit_words(self, settings: Mapping) -> str | None:
        """The unit of the plan's objective in words, in the current language (None:
        "objective units")."""
        return None

    def hold_words(self, entity: str) -> tuple[str, str]:
        """(what a hold row's level is, its unit) for the sensitivity report's sentences, in
        the current language."""
        return (_("the level at which {entity} is held").format(entity=objective_words(entity)),
                _(" unit"))

    # ------------------------------------------------------------------ words
    def label(self, settings: Mapping) -> str:
        """The method and its settings, short (the terminal's summary)."""
        raise NotImplementedError

    def words(self, settings: Mapping, num) -> str:
        """The method and its settings in words (the report); ``num`` formats a number."""
        raise NotImplementedError

    def unkept_words(self, settings: Mapping) -> str:
        """Why forcing a type on a pairing can leave no plan (the reasons of pairings.csv)."""
        return _("no plan would satisfy the rules")

    def __repr__(self) -> str:
        return f"<method {self.name}>"
