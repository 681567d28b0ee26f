"""``reference``: the planner's aspiration levels (E_ref, Q_ref) for efficiency and equity,
and the efficient plan nearest to them by Wierzbicki's (1980) achievement scalarising
function, on the payoff table's normalisation:

    maximise  t + rho ((E - E_ref)/r_E + (Q - Q_ref)/r_Q) - penalty
    s.t.      E - r_E t >= E_ref,   Q - r_Q t >= Q_ref       (t free)

so that t = min((E - E_ref)/r_E, (Q - Q_ref)/r_Q) at the optimum. The score (the summary's
``objective``) measures the augmentation from the nadir, rho ((E - E_nad)/r_E +
(Q - Q_nad)/r_Q), a constant apart from the above: the same plan, and a score whose
derivative in a reference level is the price of its row (the sensitivity report's
``hold[efficiency]``, ``hold[equity]``) with nothing left out. An attainable reference is
met or passed in both objectives; an unattainable one is approached as far as it can be, in
the normalised space. The augmentation rho (epsilon's AUGMENTATION) makes the optimum
efficient, not only weakly (no plan is better in one objective and as good in the other, up
to the solver's gap), indeed properly so (its trade-offs bounded by about 1/rho). ``t`` is
the method's own column (:attr:`Method.columns`), added to the model by ``build_model``.
"""

from __future__ import annotations

from collections.abc import Mapping

import click
import numpy as np

from ..display import STAGE_REFERENCE
from ..errors import InputError
from ..i18n import _
from .base import INF, LABEL_REFERENCE, CliSetting, Method, Problem, \
    objective_vectors, objective_words
from .epsilon import AUGMENTATION

COLUMN = "achievement"  # t, in units of the payoff table's ranges
ROW_LABELS = ["efficiency", "equity"]  # the rows E - r_E t >= E_ref and Q - r_Q t >= Q_ref


class ReferencePoint(click.ParamType):
    """``--reference E,Q``: two numbers, efficiency then equity (their range is checked by the
    schema, ``objective.reference``)."""

    name = "E,Q"

    def convert(self, value, param, ctx):
        if isinstance(value, (list, tuple)):
            return list(value)
        parts = str(value).split(",")
        try:
            if len(parts) != 2:
                raise ValueError
            return [float(p) for p in parts]
        except ValueError:
            self.fail(_("must be two numbers separated by a comma, efficiency then equity "
                        "(e.g. 400,0.3), not {value}").format(value=repr(value)), param, ctx)


def achievement_column(am) -> np.ndarray:
    """The unit vector of the achievement column t of model ``am``."""
    t = np.zeros(am.lm.n_cols)
    t[am.lm.col_blocks[COLUMN].start] = 1.0
    return t


def reference_problem(am, table, reference) -> Problem:
    """The augmented achievement problem (module docstring) over the columns of ``am``, with
    the constant that makes its value the plan's score (:func:`achievement`)."""
    E_ref, Q_ref = reference
    cE, cQ, cP = objective_vectors(am)
    t = achievement_column(am)
    objective = t + AUGMENTATION * (cE / table.E_range + cQ / table.Q_range) - cP
    rows = [(cE - table.E_range * t, E_ref, INF), (cQ - table.Q_range * t, Q_ref, INF)]
    constant = -AUGMENTATION * (table.E_nadir / table.E_range + table.Q_nadir / table.Q_range)
    return Problem(objective, rows,
                   STAGE_REFERENCE.format(efficiency=f"{E_ref:g}", equity=f"{Q_ref:g}"),
                   constant, list(ROW_LABELS))


def achievement(table, reference, E: float, Q: float) -> float:
    """The score of a plan of efficiency ``E`` and equity ``Q`` (no penalty): the least of
    its normalised gains over the reference, plus rho times its normalised gains over the
    nadir."""
    dE = (E - reference[0]) / table.E_range
    dQ = (Q - reference[1]) / table.Q_range
    return min(dE, dQ) + AUGMENTATION * ((E - table.E_nadir) / table.E_range
                                         + (Q - table.Q_nadir) / table.Q_range)


class Reference(Method):
    name = "reference"
    order = 3
    settings = ("reference",)
    columns = (COLUMN,)
    cli_settings = (CliSetting(
        "--reference", "objective.reference",
        "For --method reference: the efficiency and equity you aspire to, as E,Q (e.g. "
        "400,0.3); the plan is the efficient one nearest to them.", ReferencePoint()),)

    def check(self, settings: Mapping) -> None:
        if settings.get("reference") is None:
            raise InputError(_("the reference method needs the efficiency and equity you "
                               "aspire to: give --reference E,Q (e.g. 400,0.3) or "
                               "objective.reference = [E, Q] in instance.toml"))

    def final_problem(self, am, table, settings: Mapping) -> Problem:
        return reference_problem(am, table, settings["reference"])

    def start(self, am, table, settings: Mapping, x: np.ndarray) -> np.ndarray:
        # t at its largest value that the plan allows: then x meets both rows
        cE, cQ, _cP = objective_vectors(am)
        x = np.array(x, float)
        t = achievement_column(am)
        E_ref, Q_ref = settings["reference"]
        x[t > 0] = min((cE @ x - E_ref) / table.E_range, (cQ @ x - Q_ref) / table.Q_range)
        return x

    def score(self, settings, table, E, Q, penalty, problem, x) -> float:
        return achievement(table, settings["reference"], E, Q) - penalty

    def plan_objective(self, am, settings: Mapping, table, final: Problem) -> Problem:
        prob = self.final_problem(am, table, settings)
        E_ref, Q_ref = settings["reference"]
        prob.label = LABEL_REFERENCE.format(efficiency=f"{E_ref:g}", equity=f"{Q_ref:g}")
        return prob

    def unit_words(self, settings: Mapping) -> str | None:
        return _("points of achievement")

    def hold_words(self, entity: str) -> tuple[str, str]:
        return _("the reference level of {objective}").format(
            objective=objective_words(entity)), ""

    def label(self, settings: Mapping) -> str:
        ref = settings.get("reference")
        return _("reference") if ref is None else _("reference, E {e}, Q {q}").format(
            e=f"{ref[0]:g}", q=f"{ref[1]:g}")

    def words(self, settings: Mapping, num) -> str:
        ref = settings.get("reference") or (None, None)
        return _("reference point, the efficient plan nearest to efficiency {e} and equity {q} "
                 "(achievement scalarising function)").format(e=num(ref[0]), q=num(ref[1]))


METHOD = Reference()
