"""``lexicographic``: one objective first (objective.first), the other second with the first
held at its optimum: a row of the payoff table."""

from __future__ import annotations

from collections.abc import Mapping

from ..i18n import N_, _
from .base import INF, LABEL_SECOND, Method, Problem, objective_vectors, objective_words

SECOND_UNITS = {"efficiency": N_("units of equity"), "equity": N_("units of efficiency")}
"""The unit of the plan's objective (the second one) by the first objective."""


class Lexicographic(Method):
    name = "lexicographic"
    order = 2
    settings = ("first",)

    def payoff_row(self, settings: Mapping) -> str | None:
        return settings["first"]

    def final_problem(self, am, table, settings: Mapping) -> Problem:
        return table.prob_eff if settings["first"] == "efficiency" else table.prob_eq

    def plan_objective(self, am, settings: Mapping, table, final: Problem) -> Problem:
        # over the columns of ``am``, at the level the run held its first objective
        first = settings["first"]
        cE, cQ, cP = objective_vectors(am)
        fvec, svec = (cE - cP, cQ - cP) if first == "efficiency" else (cQ - cP, cE - cP)
        hold = float(final.rows[-1][1])
        return Problem(svec, [(fvec, hold, INF)],
                       LABEL_SECOND[first],
                       row_labels=[first])

    def unit_words(self, settings: Mapping) -> str | None:
        return _(SECOND_UNITS[settings["first"]])

    def label(self, settings: Mapping) -> str:
        return _("lexicographic, first {objective}").format(
            objective=objective_words(settings["first"]))

    def words(self, settings: Mapping, num) -> str:
        return _("lexicographic, {objective} first").format(
            objective=objective_words(settings.get("first")))

    def unkept_words(self, settings: Mapping) -> str:
        return _("the {objective} optimum could not be kept").format(
            objective=objective_words(settings["first"]))


METHOD = Lexicographic()
