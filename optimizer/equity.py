"""The equity measure Q of MODEL.md, in one place: its value for a plan's normalised outcomes
(what every report states) and its formulation in the model (the auxiliary columns eta and s,
their rows and the objective vector).

- ``tail`` (Ogryczak's tail beta-mean): Q = eta - sum_r s[r] / (beta |R|), s[r] >= eta - u[r],
  s >= 0. When beta |R| <= 1 it is the minimum, and is formulated as max-min (exactly equal,
  without the coefficient 1/(beta |R|), which a tiny legal beta would make too large for the
  solver's tolerances).
- ``maxmin``: Q = eta with eta <= u[r] for every r.
"""

from __future__ import annotations

import numpy as np

from .i18n import N_, _

INF = np.inf

MEASURE_WORDS = {"tail": N_("tail"), "maxmin": N_("maxmin")}
"""The equity measures as the planner reads them (``objective.equity`` keeps its values)."""


def equity_words(measure: str) -> str:
    """An equity measure's name in the current language."""
    return _(MEASURE_WORDS[measure]) if measure in MEASURE_WORDS else str(measure)


def tail_mean(u: np.ndarray, beta: float) -> float:
    """Ogryczak's tail beta-mean: the mean of the worst beta share of ``u`` (CVaR-style
    interpolation when beta * len(u) is fractional).

    The i-th worst value (i = 0, 1, ...) has weight min(1, max(0, k - i)) with k = beta·n, and
    the weights sum to k: no cut-off, so any beta in (0, 1] works, down to the smallest
    (beta·n <= 1 gives the minimum)."""
    u = np.sort(np.asarray(u, float))
    k = beta * len(u)
    if k <= 1.0:
        return float(u[0])
    w = np.clip(k - np.arange(len(u)), 0.0, 1.0)
    return float(w @ u / w.sum())


def equity_value(u: np.ndarray, measure: str, beta: float) -> float:
    """The equity Q of normalised outcomes ``u`` (MODEL.md): tail beta-mean or minimum.

    Reported values come from here, not from the LP's auxiliary variables, which are tight
    only when equity carries weight in the objective being maximised."""
    return tail_mean(u, beta) if measure == "tail" else float(np.min(u))


def is_tail(params: dict, n_recipients: int) -> bool:
    """Whether the model formulates the tail mean (else max-min, which it equals here)."""
    obj = params["objective"]
    return obj["equity"] == "tail" and obj["beta"] * n_recipients > 1.0


def add_columns(lm, params: dict, R: list, suffix: str = "") -> bool:
    """The measure's columns: eta, and s (one per recipient) for the tail mean (named with
    ``suffix``: one pair per round when equity is measured every round). Returns whether the
    tail mean is formulated."""
    tail = is_tail(params, len(R))
    lm.add_cols("eta" + suffix, [-INF], [INF], labels=lambda loc: ["" for _ in loc])
    lm.add_cols("s" + suffix, np.zeros(len(R) if tail else 0), INF,
                labels=lambda loc: [R[i] for i in loc])
    return tail


def add_rows(lm, s, tail: bool, beta: float, suffix: str = "", weight: float = 1.0) -> dict:
    """The measure's rows (``equity[r]``: s[r] - eta + u[r] >= 0, or u[r] - eta >= 0) and its
    terms of the objective vector ``equity`` (``weight`` times the measure), returned;
    ``s`` holds the model's sets (optimizer.rules.Sets)."""
    nR, R = s.nR, s.R
    eta, sb = lm.col_blocks["eta" + suffix], lm.col_blocks["s" + suffix]
    ur, uc, uv = s.outcome_terms()
    if tail:
        rows = np.r_[ur, np.arange(nR), np.arange(nR)]
        cols = np.r_[uc, sb.start + np.arange(nR), np.full(nR, eta.start)]
        vals = np.r_[uv, np.ones(nR), -np.ones(nR)]
    else:
        rows = np.r_[ur, np.arange(nR)]
        cols = np.r_[uc, np.full(nR, eta.start)]
        vals = np.r_[uv, -np.ones(nR)]
    lm.add_rows("equity" + suffix, rows, cols, vals, -s.u0, np.full(nR, INF),
                labels=lambda loc: [R[i] for i in loc])
    if tail:
        return {"eta" + suffix: weight, "s" + suffix: -weight / (beta * nR)}
    return {"eta" + suffix: weight}


def add_rows_and_objective(lm, s, tail: bool, beta: float) -> None:
    """:func:`add_rows` for one measure, set as the objective ``equity``."""
    lm.set_objective("equity", add_rows(lm, s, tail, beta))
