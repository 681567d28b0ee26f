"""``weighted`` (the default): maximise
lambda (E - E_nad)/(E_ide - E_nad) + (1 - lambda)(Q - Q_nad)/(Q_ide - Q_nad) - penalty."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..display import STAGE_WEIGHTED
from ..i18n import _
from .base import LABEL_WEIGHTED, Method, Problem, objective_vectors


def weighted_objective(cE, cQ, cP, table, lam: float) -> np.ndarray:
    """lambda (E - E_nad)/(E_ide - E_nad) + (1 - lambda)(Q - Q_nad)/(Q_ide - Q_nad) - penalty
    (without its constant: the nadir terms)."""
    return lam * cE / table.E_range + (1.0 - lam) * cQ / table.Q_range - cP


class Weighted(Method):
    name = "weighted"
    order = 0
    settings = ("lambda",)

    def payoff_row(self, settings: Mapping) -> str | None:
        # lambda 0 or 1 leaves one objective without weight: a weighted optimum could then be
        # dominated, so those two are the lexicographic optima of the payoff table
        lam = settings["lambda"]
        return "efficiency" if lam == 1.0 else "equity" if lam == 0.0 else None

    def final_problem(self, am, table, settings: Mapping) -> Problem:
        row = self.payoff_row(settings)
        if row is not None:
            return table.prob_eff if row == "efficiency" else table.prob_eq
        lam = settings["lambda"]
        return Problem(weighted_objective(*objective_vectors(am), table, lam), [],
                       STAGE_WEIGHTED.format(value=f"{lam:g}"))

    def score(self, settings, table, E, Q, penalty, problem, x) -> float:
        lam = settings["lambda"]
        return (lam * (E - table.E_nadir) / table.E_range
                + (1 - lam) * (Q - table.Q_nadir) / table.Q_range - penalty)

    def plan_objective(self, am, settings: Mapping, table, final: Problem) -> Problem:
        # the score itself, lambda 0 and 1 included (there the plan is a payoff row)
        lam = settings["lambda"]
        const = -(lam * table.E_nadir / table.E_range
                  + (1.0 - lam) * table.Q_nadir / table.Q_range)
        return Problem(weighted_objective(*objective_vectors(am), table, lam), [],
                       LABEL_WEIGHTED.format(value=f"{lam:g}"), const)

    def per_unit(self, settings: Mapping, table) -> float | None:
        lam = settings["lambda"]
        return table.E_range / lam if lam > 0 else None

    def unit_words(self, settings: Mapping) -> str | None:
        return _("points of the weighted score") if settings["lambda"] > 0 else None

    def label(self, settings: Mapping) -> str:
        return _("weighted, lambda {value}").format(value=f"{settings['lambda']:g}")

    def words(self, settings: Mapping, num) -> str:
        return _("weighted sum, lambda {value} on efficiency").format(
            value=num(settings.get("lambda")))


METHOD = Weighted()
