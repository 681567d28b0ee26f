"""Rounds and trust capital (MODEL-v2 section A): what changes from one round to the next.

A plan of N rounds is N copies of the one-round model, one block of columns per round (``x``
and ``z`` for the first round, ``x@2``, ``z@2`` ... for the later ones), tied together by the
trust capital that pairings earn, the outcomes that persist, and the cost of dropping a
pairing. Round n (0-based here, 1-based for planners) has supply x (1 + supply_growth)^n, need
and absorptive capacity x (1 + need_growth)^n; a fixed pairing is fixed in the first round
only. Trust is not a column: it is an affine expression of the earlier rounds' z,

    trust[p, 1] = trust0[p];  trust[p, n + 1] = (1 - trust_decay) trust[p, n]
                                               + sum_t trust_gain[t] z[p, t, n].
"""

from __future__ import annotations

import numpy as np


def settings(params: dict) -> dict:
    """The ``[rounds]`` settings, with the schema's defaults (``optimizer/schema.py``): every
    validated instance has them."""
    return params["rounds"]


def count(params: dict) -> int:
    """How many rounds the plan covers."""
    return int(settings(params)["count"])


def labels(params: dict) -> list[str]:
    """The rounds' names: the instance's labels when there are as many as rounds, else the
    labels given and then the round numbers."""
    n = count(params)
    given = list(settings(params).get("labels") or [])
    return (given + [str(i + 1) for i in range(len(given), n)])[:n]


def suffix(n: int) -> str:
    """The suffix of round ``n``'s (0-based) blocks and row names: none for the first."""
    return "" if n == 0 else f"@{n + 1}"


def arrays(a: dict, params: dict, n: int) -> dict:
    """The instance's arrays in round ``n`` (0-based): supply, need and absorptive capacity
    grown, the scale floors that follow from the need, fixed pairings only in the first."""
    if n == 0:
        return a
    st = settings(params)
    gs, gn = (1.0 + st["supply_growth"]) ** n, (1.0 + st["need_growth"]) ** n
    out = dict(a)
    out["supply"] = a["supply"] * gs
    out["need"] = a["need"] * gn
    out["absorb"] = a["absorb"] * gn
    out["need_value"] = out["need"] @ a["value"]
    out["pair_floor_value"] = params["balance"]["pair_floor"] * out["need_value"]
    out["scale_floor"] = np.maximum(a["min_scale"][None, :], out["pair_floor_value"][:, None])
    out["fixed"] = np.zeros_like(a["fixed"])
    return out


def discounts(params: dict) -> np.ndarray:
    """The weight of each round's efficiency: discount^(n-1)."""
    return settings(params)["discount"] ** np.arange(count(params))


def trust_at_start(am, x: np.ndarray) -> np.ndarray:
    """Trust capital of every candidate pair at the start of every round, (rounds, pairs),
    for the plan ``x`` of model ``am``."""
    a, st = am.inst.arrays, settings(am.inst.params)
    keep = 1.0 - st["trust_decay"]
    nP = len(am.pair_d)
    out = np.zeros((am.rounds, nP))
    out[0] = a["trust0"][am.pair_d, am.pair_r]
    for n in range(1, am.rounds):
        zb = am.lm.col_blocks["z" + suffix(n - 1)]
        z = np.round(x[zb.start:zb.stop])
        earned = np.bincount(am.z_pair, weights=a["trust_gain"][am.z_type] * z, minlength=nP)
        out[n] = keep * out[n - 1] + earned
    return out
