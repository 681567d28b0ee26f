"""The interface every solver backend implements (:class:`Backend`).

A backend holds one :class:`~optimizer.model.LinearModel` and solves it repeatedly with
different objectives, extra rows and fixed columns (the stages of the payoff table, the chosen
method, the "why this type" re-solves). :class:`~optimizer.solver.highs.HighsBackend` passes
the whole matrix to HiGHS once; :class:`~optimizer.solver.pulp_backend.PulpBackend` hands any
solver PuLP knows a fresh problem per solve. tests/test_backends.py runs one suite of tests
against both.

To add a solver: subclass :class:`Backend`, say what it supports, and choose it in
:func:`optimizer.solver.factory.make_backend`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ..errors import InputError
from ..i18n import _
from .result import StageResult

MODEL_FORMATS = (".mps", ".lp")
"""The formats ``write_model`` writes, chosen by the file's ending."""


class Backend(ABC):
    """Solve one LinearModel, stage after stage."""

    name: str = ""
    supports_starts = False  # hands a start plan to the solver
    supports_duals = False  # returns row and column duals of an LP solve (``duals=True``)
    supports_recording = False  # can write the model of every solve (:meth:`record`)
    supports_tight = False  # can tighten its feasibility tolerances (``tight=True``)
    # a start plan is handed to the solver on this model (never where unsupported)
    use_starts = False

    @abstractmethod
    def solve(self, objective: np.ndarray, sense: str = "max", extra_rows=(), fix=None,
              start: np.ndarray | None = None, time_limit: float | None = None,
              relax_integers: bool = False, duals: bool = False, label: str = "",
              tight: bool = False) -> StageResult:
        """One solve of the model with ``objective`` (a vector over its columns) in
        ``sense`` ("max" or "min"); the model is the same again for the next solve.

        ``extra_rows``: ``(coefficients, lower, upper)`` over all columns, for this solve only.
        ``fix``: ``(column index array, values)``, bounds for this solve only. ``start``: a
        plan to begin from (where supported). ``time_limit``: seconds (None: none).
        ``relax_integers`` solves the LP (used with every integer fixed, for clean values and
        duals). ``duals`` asks for the duals of an LP (where supported: ``row_dual`` of the
        model's rows, ``extra_dual`` of ``extra_rows``, ``col_dual``). ``label`` names the
        stage in progress reports and recordings. ``tight`` asks for feasibility tolerances
        1000 times tighter than the solver's defaults (where supported; a plan that failed
        :func:`optimizer.verify.violations` is re-solved so).
        """

    @abstractmethod
    def write_model(self, path: str, objective=None, extra_rows=()) -> None:
        """Write the model with this objective (maximised) and extra rows, as MPS or LP by
        the file's ending (:data:`MODEL_FORMATS`)."""

    def record(self, folder) -> None:
        """Write the model of every later solve into ``folder`` (where supported)."""
        raise InputError(_("recording every solve's model needs the highs solver, not "
                           "{solver}").format(solver=self.name))
