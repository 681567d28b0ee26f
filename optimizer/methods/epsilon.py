"""``epsilon``: maximise efficiency subject to equity >= eps, augmented (AUGMECON, Mavrotas
2009) so that the plan is not only weakly efficient."""

from __future__ import annotations

from collections.abc import Mapping

from ..display import STAGE_EPSILON
from ..errors import InputError
from ..i18n import _
from .base import FAILURE_EPSILON, INF, LABEL_EPSILON, Method, Problem, \
    objective_vectors

AUGMENTATION = 1e-3  # AUGMECON weight on the equity slack (Mavrotas 2009)


def epsilon_problem(cE, cQ, cP, table, eps: float) -> Problem:
    """max E/r_E + delta (Q - eps)/r_Q - penalty  s.t.  Q >= eps  (augmented epsilon-constraint)."""
    objective = cE / table.E_range + AUGMENTATION * cQ / table.Q_range - cP
    return Problem(objective, [(cQ, eps, INF)], STAGE_EPSILON.format(value=f"{eps:g}"))


class Epsilon(Method):
    name = "epsilon"
    order = 1
    settings = ("eps",)

    def check(self, settings: Mapping) -> None:
        if settings["eps"] is None:
            raise InputError(_("the epsilon method needs a lower bound on equity: give --eps "
                               "or objective.eps in instance.toml"))

    def bound_rows(self, am, settings: Mapping) -> list:
        return [(objective_vectors(am)[1], settings["eps"], INF)]

    def bound_conflict(self, settings: Mapping, reach: float, num) -> dict | None:
        eps = settings["eps"]
        return {"row": "equity >= eps",
                "text": _("the plan must reach equity {eps} (--eps / objective.eps)").format(
                    eps=num(eps)),
                "headline": _("the epsilon method asks for equity of at least {eps}, but the "
                              "most equity any plan can reach under the rules is {reach}").format(
                    eps=num(eps), reach=f"{reach:.6g}"),
                "fix": _("lower --eps (objective.eps) to at most {reach}").format(
                    reach=f"{reach:.6g}"),
                "setting": f"objective.eps = {reach:.6g}"}

    def final_problem(self, am, table, settings: Mapping) -> Problem:
        return epsilon_problem(*objective_vectors(am), table, settings["eps"])

    def failure_message(self, settings: Mapping, table, status: str) -> str | None:
        if status != "infeasible":
            return None
        # English (summary.json's message): base.message_words says it
        return FAILURE_EPSILON.format(eps=f"{settings['eps']:g}", reach=f"{table.Q_ideal:.6g}")

    def plan_objective(self, am, settings: Mapping, table, final: Problem) -> Problem:
        prob = self.final_problem(am, table, settings)
        return Problem(prob.objective, list(prob.rows),
                       LABEL_EPSILON.format(value=f"{settings['eps']:g}"),
                       row_labels=["equity >= eps"])

    def per_unit(self, settings: Mapping, table) -> float | None:
        return table.E_range

    def hold_words(self, entity: str) -> tuple[str, str]:
        return _("the equity level eps"), ""

    def label(self, settings: Mapping) -> str:
        eps = settings.get("eps")
        return _("epsilon") if eps is None else _("epsilon, eps {value}").format(
            value=f"{eps:g}")

    def words(self, settings: Mapping, num) -> str:
        return _("epsilon-constraint, equity at least {value}").format(
            value=num(settings.get("eps")))


METHOD = Epsilon()
