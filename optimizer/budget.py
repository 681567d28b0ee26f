"""One time budget, shared by the solves of a run (and by a diagnosis's searches).

A :class:`Budget` counts down from ``limit`` seconds (``None``: no limit). It answers how much
is left (:meth:`Budget.left`, :attr:`Budget.over`) and how much the next of ``n`` remaining
stages may take (:meth:`Budget.share`). A run keeps a reserve for what follows its solves
(:meth:`Budget.for_run`).
"""

from __future__ import annotations

import time

MIN_SHARE = 0.01  # seconds: the least a stage is given, even when the budget is spent


def run_reserve(limit: float) -> float:
    """What a run keeps back from its solves for polishing the plan and building its tables:
    5% of the limit, at least 0.2 s, at most 3 s."""
    return min(3.0, max(0.2, 0.05 * limit))


class Budget:
    """``limit`` seconds from now, less ``spent`` seconds already used (e.g. loading) and a
    ``reserve`` kept for later."""

    def __init__(self, limit: float | None, spent: float = 0.0, reserve: float = 0.0):
        self.limit = None if limit is None else limit - spent - reserve
        self.t0 = time.perf_counter()

    @classmethod
    def for_run(cls, limit: float | None, spent: float = 0.0) -> "Budget":
        """The budget of a solve run: its limit less ``spent`` and :func:`run_reserve`."""
        return cls(limit, spent, 0.0 if limit is None else run_reserve(limit))

    def left(self) -> float | None:
        """Seconds left (never below 0), or None without a limit."""
        if self.limit is None:
            return None
        return max(self.limit - (time.perf_counter() - self.t0), 0.0)

    @property
    def over(self) -> bool:
        """Whether a limit is set and no time is left."""
        left = self.left()
        return left is not None and left <= 0.0

    def share(self, stages_left: int) -> float | None:
        """The time limit of the next of ``stages_left`` stages: an equal share of what is
        left (at least :data:`MIN_SHARE`), or None without a limit."""
        left = self.left()
        if left is None:
            return None
        return max(left, MIN_SHARE) / max(stages_left, 1)
