"""Virtual industrial clusters (MODEL-v2 section C) as the model reads them: who belongs to
each cluster, its setup cost, synergy and fewest links, and the pairs whose platform type the
clusters make eligible by waiving its ben_min.

The typed clusters table (``Instance.clusters``) is indexed by cluster id with the columns
``name``, ``partners`` and ``recipients`` (tuples of ids), ``setup``, ``synergy`` and
``min_links``; an instance without ``clusters.csv`` has an empty one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CLUSTER_TYPES = ("platform", "institutional")
"""The types of the links that form a cluster and whose flows gain its synergy."""
WAIVED_TYPE = "platform"
"""The type whose ben_min a formed cluster waives for its members."""


def empty_clusters() -> pd.DataFrame:
    """A clusters table with no cluster."""
    return pd.DataFrame({"name": pd.Series(dtype=object), "partners": pd.Series(dtype=object),
                         "recipients": pd.Series(dtype=object),
                         "setup": pd.Series(dtype=float), "synergy": pd.Series(dtype=float),
                         "min_links": pd.Series(dtype=int)},
                        index=pd.Index([], name="id", dtype=object))


def cluster_arrays(clusters: pd.DataFrame | None, partners: pd.Index,
                   recipients: pd.Index) -> dict:
    """``cluster_d`` (clusters x partners) and ``cluster_r`` (clusters x recipients)
    membership, ``cluster_setup``, ``cluster_synergy``, ``cluster_min_links``, and
    ``cluster_pair`` (partners x recipients x clusters): the pair's two sides are members."""
    cl = empty_clusters() if clusters is None else clusters
    G = len(cl)
    cd = np.zeros((G, len(partners)), bool)
    cr = np.zeros((G, len(recipients)), bool)
    for g, (ds, rs) in enumerate(zip(cl["partners"], cl["recipients"])):
        cd[g, partners.get_indexer(list(ds))] = True
        cr[g, recipients.get_indexer(list(rs))] = True
    return {"cluster_d": cd, "cluster_r": cr,
            "cluster_setup": cl["setup"].to_numpy(float),
            "cluster_synergy": cl["synergy"].to_numpy(float),
            "cluster_min_links": cl["min_links"].to_numpy(float),
            "cluster_pair": cd.T[:, None, :] & cr.T[None, :, :]}


def waived(a: dict, types: tuple) -> np.ndarray:
    """(partners x recipients) the pairs that may take the platform type only inside a
    formed cluster: members of a common cluster, allowed, with the pot the type needs but
    less ben than it needs (eligible before ``a["eligible"]`` adds them)."""
    if WAIVED_TYPE not in types or not a["cluster_pair"].any():
        return np.zeros(a["allowed"].shape, bool)
    t = types.index(WAIVED_TYPE)
    return (a["cluster_pair"].any(axis=2) & a["allowed"]
            & (a["pot"] >= a["pot_min"][t] - 1e-12) & (a["ben"] < a["ben_min"][t] - 1e-12))
