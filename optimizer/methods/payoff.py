"""The payoff table: both lexicographic optima of efficiency (E) and equity (Q), which give
the ideal and nadir values every method normalises by (MODEL.md, "Methods").

:func:`lexicographic` (one objective first, the other second, the first held at its optimum)
is a plain function over a backend and objective vectors, so analysis code (Pareto fronts,
re-solves with a type forced) reuses it. Soft balance rules subtract their penalty from every
objective that is maximised.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..budget import Budget
from ..i18n import N_
from ..solver.result import StageResult
from .base import Problem, StageLog, hold_tolerance


def lexicographic(backend, first: np.ndarray, second: np.ndarray, clock: Budget, stages_left: int,
                  rows=(), label="", start=None, log=None) -> tuple[StageResult, StageResult, Problem]:
    """Maximise ``first``; then ``second`` with ``first`` held at its optimum.

    Returns both stage results and the second-stage problem (for polishing and re-solves).
    """
    rows = list(rows)
    r1 = backend.solve(first, extra_rows=rows, time_limit=clock.share(stages_left), start=start,
                       label=f"{label}: first")
    if log is not None:
        log.append(StageLog(f"{label}: first", r1))
    if not r1.ok:
        return r1, r1, Problem(first, rows, label)
    hold = (first, r1.objective - hold_tolerance(r1.objective), np.inf)
    prob = Problem(second, rows + [hold], label)
    r2 = backend.solve(second, extra_rows=prob.rows, time_limit=clock.share(stages_left - 1),
                       start=r1.x, label=f"{label}: second")
    if log is not None:
        log.append(StageLog(f"{label}: second", r2))
    if not r2.ok:  # keep the first stage's plan: it satisfies the hold row
        return r1, r1, prob
    return r1, r2, prob


# English in summary.json's payoff_table_note; translated with _() where it is shown
MOVED_ROW = N_("a limit stopped the payoff table before its optima were proven, and a plan "
               "found later beat one of them: that plan stands in its row, as the best known")


@dataclass
class PayoffTable:
    """Lexicographic optima of efficiency (E) and equity (Q); rows are what was maximised first."""

    E_ideal: float
    Q_at_E: float
    Q_ideal: float
    E_at_Q: float
    x_eff: np.ndarray
    x_eq: np.ndarray
    prob_eff: Problem
    prob_eq: Problem
    status: str
    note: str = ""  # MOVED_ROW when a row holds a plan found after its own stage
    # proven upper bounds on the ideals (the first stages' dual bounds, on E - penalty and
    # Q - penalty); None when the solver gave none
    E_bound: float | None = None
    Q_bound: float | None = None

    @property
    def E_nadir(self) -> float:
        return self.E_at_Q

    @property
    def Q_nadir(self) -> float:
        return self.Q_at_E

    @property
    def E_range(self) -> float:
        r = self.E_ideal - self.E_nadir
        return r if r > 1e-9 * max(1.0, abs(self.E_ideal)) else 1.0

    @property
    def Q_range(self) -> float:
        r = self.Q_ideal - self.Q_nadir
        return r if r > 1e-9 * max(1.0, abs(self.Q_ideal)) else 1.0

    @property
    def price_of_fairness(self) -> float | None:
        """(E_ideal - E at the equity optimum) / E_ideal (Bertsimas, Farias, Trichakis 2011)."""
        if abs(self.E_ideal) < 1e-12:
            return None
        return (self.E_ideal - self.E_at_Q) / self.E_ideal

    def with_plan(self, E: float, Q: float, x: np.ndarray) -> "PayoffTable":
        """The table once a plan with more efficiency (or equity) than its rows is known. Only a
        stage stopped by a limit leaves room for that: its row is then the best plan known,
        and a later stage can beat it; the row moves to the better plan."""
        t = self
        if E > t.E_ideal:
            t = replace(t, E_ideal=E, Q_at_E=Q, x_eff=x, note=MOVED_ROW)
        if Q > t.Q_ideal:
            t = replace(t, Q_ideal=Q, E_at_Q=E, x_eq=x, note=MOVED_ROW)
        return t

    def as_dict(self) -> dict:
        return {
            "max_efficiency_first": {"efficiency": self.E_ideal, "equity": self.Q_at_E},
            "max_equity_first": {"efficiency": self.E_at_Q, "equity": self.Q_ideal},
            "ideal": {"efficiency": self.E_ideal, "equity": self.Q_ideal},
            "nadir": {"efficiency": self.E_nadir, "equity": self.Q_nadir},
        }


def payoff_table(backend, cE: np.ndarray, cQ: np.ndarray, cP: np.ndarray, clock: Budget,
                 stages_after: int = 1, log=None, equity=None,
                 start=None, equity_start=None) -> tuple[PayoffTable | None, str]:
    """Both lexicographic optima. Returns (table, status); table is None when none exists.

    ``equity(x)`` computes Q of a solution (default ``cQ @ x``); ``start`` is a feasible plan
    to begin the first solve from, ``equity_start`` one for the equity-first row (the row
    starts from whichever of it and the efficiency row's plan has more equity)."""
    equity = equity or (lambda x: float(cQ @ x))
    stages = 4 + stages_after
    e1, e2, prob_e = lexicographic(backend, cE - cP, cQ - cP, clock, stages,
                                   label="payoff, efficiency first", log=log, start=start)
    if not e1.ok:
        return None, e1.status
    q_start = e2.x
    if equity_start is not None and (cQ - cP) @ equity_start > (cQ - cP) @ e2.x:
        q_start = equity_start
    q1, q2, prob_q = lexicographic(backend, cQ - cP, cE - cP, clock, stages - 2,
                                   label="payoff, equity first", start=q_start, log=log)
    if not q1.ok:
        return None, q1.status
    statuses = [r.status for r in (e1, e2, q1, q2)]
    status = "optimal" if all(s == "optimal" for s in statuses) else "time_limit"
    xe, xq = e2.x, q2.x
    table = PayoffTable(E_ideal=float(cE @ xe), Q_at_E=equity(xe), Q_ideal=equity(xq),
                        E_at_Q=float(cE @ xq), x_eff=xe, x_eq=xq, prob_eff=prob_e, prob_eq=prob_q,
                        status=status, E_bound=e1.bound, Q_bound=q1.bound)
    if status != "optimal":  # a limited row may be beaten by the other row's plan
        table = table.with_plan(float(cE @ xq), equity(xq), xq).with_plan(
            float(cE @ xe), equity(xe), xe)
    return table, status
