"""What a solve is asked for (:class:`SolverOptions`), what it reports while it runs
(:class:`SolveProgress`), and the solver layer's constants."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import InputError
from ..i18n import _
from ..limits import cores

TIGHT_OPTIONS = ("primal_feasibility_tolerance", "dual_feasibility_tolerance",
                 "mip_feasibility_tolerance")
"""HiGHS's feasibility tolerances, made 1000 times tighter by ``tight``."""
MIN_START_BINARIES = 1500
"""Start plans (:mod:`optimizer.heuristic`) are built and handed to HiGHS only for models with
at least this many binaries: below it HiGHS finds plans on its own at once and a start was
measured to slow it down (bench/county_scale.py)."""


@dataclass
class SolverOptions:
    solver: str = "highs"
    time_limit: float | None = None  # seconds for the whole run
    gap: float | None = None  # relative MIP gap; None: the solver's default (HiGHS: 1e-4)
    threads: int | None = None
    msg: bool = False
    progress: object = None  # called with a SolveProgress as a MIP solve advances
    # feasibility tolerances 1000 times tighter than HiGHS's defaults for every solve (a run
    # whose plan failed the checks of optimizer.verify is repeated so)
    tight: bool = False

    def validate(self) -> "SolverOptions":
        """Check the options; ``threads`` above the machine's cores is lowered to them (more
        threads than cores only slow HiGHS down, and 100,000 of them hang it)."""

        def number(v):
            return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

        if self.time_limit is not None and not (number(self.time_limit) and self.time_limit > 0):
            raise InputError(_("--time-limit (time_limit) must be a positive, finite number of "
                               "seconds, not {value}").format(value=repr(self.time_limit)))
        if self.gap is not None and not (number(self.gap) and 0 <= self.gap < 1):
            raise InputError(_("--gap (gap) must be a relative gap with 0 <= gap < 1 (0.01 is "
                               "1%), not {value}").format(value=repr(self.gap)))
        if self.threads is not None:
            if not (isinstance(self.threads, int) and not isinstance(self.threads, bool)
                    and self.threads >= 1):
                raise InputError(_("--threads (threads) must be a whole number of at least 1, "
                                   "not {value}").format(value=repr(self.threads)))
            self.threads = min(self.threads, cores())
        return self


@dataclass
class SolveProgress:
    """Where a MIP solve stands: stage label, seconds, best plan's objective, bound, gap."""

    stage: str
    seconds: float
    incumbent: float
    bound: float
    gap: float

    def line(self) -> str:
        """The progress in English (:func:`optimizer.display.progress_line` in English; it
        says it in the planner's language)."""
        from ..display import progress_line
        from ..i18n import use_language

        with use_language("en"):
            return progress_line(self)
