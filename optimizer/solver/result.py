"""What one solve returns (:class:`StageResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .status import Outcome, Termination


@dataclass
class StageResult:
    """One solve's result. ``outcome`` says how it ended (a status word such as
    ``"optimal"`` is read as :meth:`Outcome.from_status`); ``status`` is its word."""

    outcome: Outcome
    x: np.ndarray | None
    objective: float | None
    mip_gap: float | None
    seconds: float
    message: str = ""
    row_dual: np.ndarray | None = None
    col_dual: np.ndarray | None = None
    extra_dual: np.ndarray | None = None
    info: dict = field(default_factory=dict)
    # a proven bound on the objective (above it for a maximisation): HiGHS's dual bound of a
    # MIP, the optimum of an LP; None when unknown
    bound: float | None = None

    def __post_init__(self):
        if isinstance(self.outcome, str):
            self.outcome = Outcome.from_status(self.outcome)

    @property
    def status(self) -> str:
        """The status word (``optimal``, ``time_limit``, ``no_solution``, ...)."""
        return self.outcome.status

    @property
    def termination(self) -> Termination:
        return self.outcome.termination

    @property
    def has_plan(self) -> bool:
        """A plan is in hand (``x`` holds it)."""
        return self.outcome.has_plan

    ok = has_plan
