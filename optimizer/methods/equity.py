"""The equity Q of a plan from its normalised outcomes u (MODEL.md, "Objectives")."""

from __future__ import annotations

import numpy as np


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
