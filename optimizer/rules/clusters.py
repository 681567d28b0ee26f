"""The rules of virtual industrial clusters (MODEL-v2 section C): a cluster is formed only
with enough platform or institutional links among its members, only formed clusters bring
synergy, and inside a formed cluster the platform type needs no ben_min. The columns are made
by :mod:`optimizer.clusters`."""

from __future__ import annotations

import numpy as np

from ..i18n import N_, _
from ..clusters import cluster_type_mask
from ..instance.clusters import WAIVED_TYPE
from .base import INF, Rows, Rule, Sets, num


def _cluster_ids(s: Sets) -> list:
    return list(s.inst.clusters.index)


class ClusterLinks(Rule):
    """sum_{d, r in g, t in platform/institutional} z[d,r,t] >= min_links[g] c[g]."""

    name = "cluster_links"
    short = N_("links of a cluster (min_links)")
    label = N_("{a} links")
    statement = N_("clusters: a cluster is formed only with at least min_links platform or "
                 "institutional pairings among its members")
    reported = False
    implied_when_held = True  # binaries only

    def build(self, s: Sets) -> Rows | None:
        c = s.cluster
        if c is None:
            return None
        a = s.a
        G = len(c.C)
        member = a["cluster_pair"][s.pair_d[s.z_pair], s.pair_r[s.z_pair], :] \
            & cluster_type_mask(s.T)[s.z_type][:, None]
        zi, g = np.nonzero(member)
        ids = _cluster_ids(s)
        return Rows(np.arange(G), np.r_[g, np.arange(G)], np.r_[s.Z[zi], c.C],
                    np.r_[np.ones(len(zi)), -a["cluster_min_links"]], np.zeros(G),
                    np.full(G, INF), lambda loc: [ids[i] for i in loc])

    def entity(self, am, ent):
        return {"g": int(ent)}

    def sentence(self, w, e, side):
        g = e["g"]
        v = w.a["cluster_min_links"][g]
        return (self.name, _("the cluster {cluster} is formed only with at least {n} platform or "
                             "institutional pairings among its members").format(
            cluster=w.inst.clusters.index[g], n=num(v)), v, True)


class ClusterSynergy(Rule):
    """e[x,g] <= x, e[x,g] <= cap c[g] and e[x,g] >= x - cap (1 - c[g]): e = x c[g], a flow
    gains a cluster's synergy on all its amount when the cluster is formed, else none (without
    the last row a plan could decline synergy that lifts the mean the spread rule measures)."""

    name = "cluster_synergy"
    short = N_("synergy only in a formed cluster")
    reported = False

    def build(self, s: Sets) -> Rows | None:
        c = s.cluster
        if c is None or not len(c.E):
            return None
        n = len(c.E)
        cap = s.cap[s.xp[c.ex], s.x_k[c.ex]]
        one = np.arange(n)
        rows = np.r_[one, one, n + one, n + one, 2 * n + one, 2 * n + one, 2 * n + one]
        cols = np.r_[c.E, s.X[c.ex], c.E, c.C[c.eg], c.E, s.X[c.ex], c.C[c.eg]]
        vals = np.r_[np.ones(n), -np.ones(n), np.ones(n), -cap, np.ones(n), -np.ones(n), -cap]
        xl = s.blocks["x"].labels
        ids = _cluster_ids(s)
        return Rows(np.r_[one, one, one], rows, cols, vals,
                    np.r_[np.full(2 * n, -INF), -cap], np.r_[np.zeros(2 * n), np.full(n, INF)],
                    lambda loc: [f"{xl([c.ex[i % n]])[0]},{ids[c.eg[i % n]]}" for i in loc])

    def entity(self, am, ent):
        return {"e": int(ent)}


class ClusterWaiver(Rule):
    """z[d,r,platform] <= sum_{g containing d and r} c[g] for a pair whose ben is below the
    platform's ben_min: it may take the platform type only inside a formed cluster."""

    name = "cluster_waiver"
    short = N_("platform by cluster only")
    label = N_("{A} - {B} platform by cluster")
    statement = N_("clusters: a pair with less mutual benefit than a platform needs may take the "
                 "platform type only inside a formed cluster")
    reported = False
    implied_when_held = True  # binaries only

    def build(self, s: Sets) -> Rows | None:
        c = s.cluster
        if c is None or WAIVED_TYPE not in s.T:
            return None
        a = s.a
        t = s.T.index(WAIVED_TYPE)
        zi = np.flatnonzero((s.z_type == t) & a["waived"][s.pair_d[s.z_pair], s.pair_r[s.z_pair]])
        if not len(zi):
            return None
        pd_, pr = s.pair_d[s.z_pair[zi]], s.pair_r[s.z_pair[zi]]
        i, g = np.nonzero(a["cluster_pair"][pd_, pr, :])
        n = len(zi)
        D, R = s.D, s.R
        return Rows(s.z_pair[zi], np.r_[np.arange(n), i], np.r_[s.Z[zi], c.C[g]],
                    np.r_[np.ones(n), -np.ones(len(i))], np.full(n, -INF), np.zeros(n),
                    lambda loc: [f"{D[pd_[j]]},{R[pr[j]]}" for j in loc])

    def entity(self, am, ent):
        return {"d": int(am.pair_d[ent]), "r": int(am.pair_r[ent]), "pair": int(ent)}
