"""Virtual industrial clusters (MODEL-v2 section C): the columns of a round.

Binary c[g] (cluster g is formed) and, for every platform or institutional flow between two
members of g, e[x,g] in [0, cap]: the part of the flow that gains the cluster's synergy
(e <= x, e <= cap c[g], e >= x - cap (1 - c[g]): e = x c[g]). Efficiency gains synergy[g] a e and pays setup[g] c[g]; the
recipient's outcome gains synergy[g] a e / (pop target). The rows are the rules of
:mod:`optimizer.rules.clusters`; who belongs to which cluster is read by
:mod:`optimizer.instance.clusters`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import rounds
from .instance.clusters import CLUSTER_TYPES


@dataclass
class ClusterColumns:
    """The cluster columns of one round: c (one per cluster, global column numbers ``C``) and
    e (``E``: one per member flow ``ex`` (local x column) and cluster ``eg``)."""

    C: np.ndarray
    ex: np.ndarray
    eg: np.ndarray
    E: np.ndarray


def cluster_type_mask(types) -> np.ndarray:
    """Which of the instance's types form clusters (platform, institutional)."""
    return np.array([t in CLUSTER_TYPES for t in types], bool)


def add_columns(lm, s) -> ClusterColumns | None:
    """The c and e columns of round ``s`` and the outcome terms of e; None: no cluster."""
    a = s.a
    G = len(a["cluster_setup"])
    if not G:
        return None
    ids = list(s.inst.clusters.index)
    cb = lm.add_cols("c" + s.suffix, np.zeros(G), np.ones(G), integer=True,
                     labels=lambda loc: [f"{ids[g]}{s.suffix}" for g in loc])
    member = a["cluster_pair"][s.xd, s.xr, :] & cluster_type_mask(s.T)[s.xt][:, None]
    ex, eg = np.nonzero(member)
    cap = s.cap[s.xp[ex], s.x_k[ex]]
    D, R, K, T = s.D, s.R, s.K, s.T
    eb = lm.add_cols("e" + s.suffix, np.zeros(len(ex)), cap,
                     labels=lambda loc: [f"{D[s.xd[ex[i]]]},{R[s.xr[ex[i]]]},{K[s.x_k[ex[i]]]},"
                                         f"{T[s.xt[ex[i]]]},{ids[eg[i]]}{s.suffix}" for i in loc])
    cols = ClusterColumns(cb.start + np.arange(G), ex, eg, eb.start + np.arange(len(ex)))
    s.add_outcome_terms(s.xr[ex], cols.E, a["cluster_synergy"][eg] * s.ucoef[ex])
    return cols


def efficiency_terms(s, cols: ClusterColumns, weight: float) -> dict:
    """The cluster columns' terms of the efficiency objective in round ``s``."""
    a = s.a
    return {"c" + s.suffix: -weight * a["cluster_setup"],
            "e" + s.suffix: weight * a["cluster_synergy"][cols.eg] * s.gain[cols.ex]}


def formed(am, x: np.ndarray, n: int = 0) -> np.ndarray:
    """Which clusters round ``n`` of the plan ``x`` forms (bool per cluster)."""
    cols = am.cluster_columns[n] if am.cluster_columns else None
    if cols is None:
        return np.zeros(0, bool)
    return x[cols.C] > 0.5


def flow_synergy(am, x: np.ndarray, n: int = 0) -> np.ndarray:
    """The synergy gain of every x column (flow) in round ``n`` of the plan ``x``: sum over
    the formed clusters of synergy[g] a e[x,g]."""
    out = np.zeros(len(am.x_z))
    cols = am.cluster_columns[n] if am.cluster_columns else None
    if cols is not None:
        syn = am.inst.arrays["cluster_synergy"][cols.eg] * am.gain[cols.ex] * x[cols.E]
        np.add.at(out, cols.ex, syn)
    return out


def cluster_table(am, x: np.ndarray) -> pd.DataFrame:
    """Per cluster (and round, with rounds): formed or not, its platform and institutional
    links among members against min_links, the synergy gain it brought, its setup, and the
    net (synergy less setup)."""
    inst, a = am.inst, am.inst.arrays
    cl = inst.clusters
    mask = cluster_type_mask(inst.types)
    parts = []
    for n in range(am.rounds):
        zb = am.lm.col_blocks["z" + rounds.suffix(n)]
        held = (x[zb.start:zb.stop] > 0.5) & mask[am.z_type]
        pd_, pr = am.pair_d[am.z_pair[held]], am.pair_r[am.z_pair[held]]
        links = a["cluster_pair"][pd_, pr, :].sum(axis=0)
        cols = am.cluster_columns[n]
        gain = np.bincount(cols.eg, weights=a["cluster_synergy"][cols.eg] * am.gain[cols.ex]
                           * x[cols.E], minlength=len(cl))
        f = formed(am, x, n)
        parts.append(pd.DataFrame({
            "id": cl.index.astype(str), "name": cl["name"].to_numpy(), "round": n + 1,
            "formed": f, "links": links.astype(int), "min_links": cl["min_links"].to_numpy(int),
            "synergy": cl["synergy"].to_numpy(float), "synergy_gain": gain,
            "setup": a["cluster_setup"], "net": gain - np.where(f, a["cluster_setup"], 0.0),
            "member_partners": [";".join(v) for v in cl["partners"]],
            "member_recipients": [";".join(v) for v in cl["recipients"]]}))
    out = pd.concat(parts, ignore_index=True)
    return out if am.rounds > 1 else out.drop(columns="round")
