"""What each recipient can reach from the data alone: which pairs may take a type, what the
partners it may pair with supply in all, and how much one unit of each resource can raise its
outcome. Computed once per instance for the checks (``checks.py``) and the data warnings
(``data_warnings.py``)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..schema import INF


class Reach(NamedTuple):
    """``cand`` (partners, recipients): the pairs that may take at least one type;
    ``supply`` (recipients, resources): what the partners that may pair with each recipient
    supply in all; ``coefficients``: the least and the largest outcome coefficients (see
    :func:`outcome_coefficients`)."""

    cand: np.ndarray
    supply: np.ndarray
    coefficients: tuple


def reach(inst) -> Reach:
    """The :class:`Reach` of ``inst``."""
    cand = candidates(inst)
    supply = np.einsum("dr,dk->rk", cand.astype(float), inst.arrays["supply"])
    return Reach(cand, supply, outcome_coefficients(inst, cand))


def candidates(inst) -> np.ndarray:
    """(partners, recipients): the pairs that may take at least one type."""
    eligible = inst.arrays["eligible"]
    out = eligible[:, :, 0].copy()
    for t in range(1, eligible.shape[2]):  # faster than any(axis=2) over a short last axis
        out |= eligible[:, :, t]
    return out


def outcome_coefficients(inst, cand: np.ndarray | None = None
                         ) -> tuple[np.ndarray, np.ndarray]:
    """The least and the largest rise of each recipient's normalised outcome per unit of
    each resource, over the pairings and types it may get:
    ``prod * (1 + comp) * mult / (population * target)``, the model's coefficients of
    outcomes and equity (``MODEL.md``). Shape (recipients, resources); NaN where no
    resource can raise the outcome (no candidate pair, or prod 0)."""
    a = inst.arrays
    cand = candidates(inst) if cand is None else cand
    reach = cand.any(axis=0)
    with np.errstate(invalid="ignore"):
        comp_hi = np.where(cand, a["comp"], -INF).max(axis=0)
        comp_lo = np.where(cand, a["comp"], INF).min(axis=0)
        types_r = a["eligible"].any(axis=0)  # (recipients, types)
        mult_hi = np.where(types_r, a["mult"][None, :], -INF).max(axis=1)
        mult_lo = np.where(types_r, a["mult"][None, :], INF).min(axis=1)
        per = 1.0 / (a["pop"] * a["target"])
        hi = a["prod"] * ((1 + comp_hi) * mult_hi * per)[:, None]
        lo = a["prod"] * ((1 + comp_lo) * mult_lo * per)[:, None]
    moves = reach[:, None] & (a["prod"] > 0)
    return np.where(moves, lo, np.nan), np.where(moves, hi, np.nan)
