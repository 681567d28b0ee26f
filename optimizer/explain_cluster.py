"""Stage 5b for clusters (MODEL-v2 section C): why a virtual industrial cluster was or was not
formed, in plain words, and what it would take.

:func:`explain_cluster` takes a solved plan and a cluster id and says: the platform and
institutional pairings among its members against its ``min_links`` (and which member pairs
could still link), the synergy gain its members' flows bring (or would bring, the flows as they
are) against its setup, the setup at which the decision would turn, and what forcing the other
decision costs: a re-solve of the plan's own problem with the cluster's c column fixed (formed
or not, in every round), with the change in efficiency and equity and the pairings that change.
Used by ``regcollab explain --cluster``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .i18n import _, with_lang
from .typology import type_name
from .clusters import cluster_type_mask
from .errors import InputError
from .explain import Alternative, _changes, _cost_words, _fmt, _names, no_plan
from .solution import extract_tables
from .typology import what_if


@dataclass
class ClusterExplanation:
    id: str
    name: str
    partners: list  # member partners' names
    recipients: list  # member recipients' names
    formed: bool
    links: int  # platform or institutional pairings among the members (first round)
    min_links: int
    linked: list = field(default_factory=list)  # "A - X (institutional)"
    could_link: list = field(default_factory=list)  # member pairs eligible to link, not linked
    synergy: float = 0.0
    synergy_gain: float = 0.0  # what its formation brings in the plan (0 when not formed)
    potential_gain: float = 0.0  # the synergy its members' flows would bring, flows as they are
    setup: float = 0.0
    alternative: Alternative | None = None
    verdict: str = ""
    units: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        d = asdict(self)
        a = self.alternative
        d["alternative"] = None if a is None else (
            {k: v for k, v in asdict(a).items() if k != "scales"}
            | {"sentence": a.sentence(self.units.get("gain", ""))})
        return d


def find_cluster(inst, token: str) -> int:
    """The position of the cluster that ``token`` names (its id or its name, any case)."""
    cl = inst.clusters
    if cl is None or not len(cl):
        raise InputError(_("--cluster {token}: the instance has no clusters (clusters.csv)")
                         .format(token=token))
    ids = [str(i) for i in cl.index]
    low = token.strip().lower()
    for how in (lambda i, n: i == token.strip(), lambda i, n: i.lower() == low,
                lambda i, n: n.lower() == low):
        hits = [g for g, (i, n) in enumerate(zip(ids, cl["name"].astype(str))) if how(i, n)]
        if len(hits) == 1:
            return hits[0]
    raise InputError(_("--cluster {token}: there is no cluster '{token}'; the clusters are "
                       "{clusters}").format(token=token, clusters=", ".join(
                           f"{i} ({n})" for i, n in zip(ids, cl["name"]))))


@with_lang
def explain_cluster(sol, g: int, clock=None, resolve: bool = True) -> ClusterExplanation:
    """Explain cluster ``g`` (its position in ``sol.instance.clusters``) of the plan ``sol``
    (``lang``: the language of its words, default the current one)."""
    if not sol.has_plan:
        raise InputError(no_plan(sol))
    inst = sol.instance
    a, cl = inst.arrays, inst.clusters
    names = _names(inst)
    row = sol.clusters.iloc[g]  # the first round's row (rounds: rows of round 1 come first)
    ex = ClusterExplanation(
        id=str(cl.index[g]), name=str(cl["name"].iat[g]),
        partners=[names.get(str(d), str(d)) for d in cl["partners"].iat[g]],
        recipients=[names.get(str(r), str(r)) for r in cl["recipients"].iat[g]],
        formed=bool(row["formed"]), links=int(row["links"]), min_links=int(row["min_links"]),
        synergy=float(row["synergy"]), synergy_gain=float(row["synergy_gain"]),
        setup=float(a["cluster_setup"][g]), units=dict(inst.params.get("units") or {}))
    ex.linked, ex.could_link = _links(sol, g, names)
    ex.potential_gain = _potential(sol, g)
    if resolve:
        ex.alternative = _forced(sol, g, not ex.formed, names, clock)
    ex.verdict = _verdict(ex)
    return ex


def _links(sol, g: int, names: dict) -> tuple[list, list]:
    """The member pairs linked as platform or institutional in the plan, and those that are
    eligible for such a link but are not linked."""
    inst = sol.instance
    a = inst.arrays
    D, R = inst.partners.index.astype(str), inst.recipients.index.astype(str)
    P = sol.pairings
    kinds = [t for t, m in zip(inst.types, cluster_type_mask(inst.types)) if m]
    linked, could = [], []
    T = list(inst.types)
    for d, r in zip(*np.nonzero(a["cluster_pair"][:, :, g])):
        label = f"{names[D[d]]} - {names[R[r]]}"
        got = P[(P["partner"] == D[d]) & (P["recipient"] == R[r])]
        if len(got) and got["type"].iat[0] in kinds:
            linked.append(f"{label} ({type_name(got['type'].iat[0])})")
        elif a["allowed"][d, r] and any(a["eligible"][d, r, T.index(t)] for t in kinds):
            could.append(label + (_(" (now {type})").format(type=type_name(got["type"].iat[0]))
                                  if len(got) else ""))
    return linked, could


def _potential(sol, g: int) -> float:
    """The synergy gain cluster g's members' flows of the plan would bring if it were formed
    (first round, the flows as they are)."""
    am = sol.model
    cols = am.cluster_columns[0]
    sel = cols.eg == g
    xb = am.x
    return float(am.inst.arrays["cluster_synergy"][g]
                 * (am.gain[cols.ex[sel]] * sol.x[xb.start + cols.ex[sel]]).sum())


def _forced(sol, g: int, form: bool, names: dict, clock) -> Alternative:
    """Re-solve the plan's own problem with cluster g formed (or not) in every round."""
    am = sol.model
    cols = [int(c.C[g]) for c in am.cluster_columns]
    w = what_if(sol, (cols, [1.0 if form else 0.0] * len(cols)),
                clock.share(1) if clock is not None else None)
    scales = {"objective": float(sol.final_problem.objective @ sol.x),
              "efficiency": sol.efficiency, "equity": sol.equity}
    alt = Alternative(label="with the cluster formed" if form else "without the cluster",
                      kind="force" if form else "forbid", type=None, status=w.status,
                      loss=w.loss, d_efficiency=w.d_efficiency, d_equity=w.d_equity,
                      scales=scales)
    if w.x is not None:
        P, P2 = sol.pairings, extract_tables(am, w.x)["pairings"]
        alt.changes = _changes(dict(zip(zip(P["partner"], P["recipient"]), P["type"])),
                               dict(zip(zip(P2["partner"], P2["recipient"]), P2["type"])), names)
    return alt


def _verdict(ex: ClusterExplanation) -> str:
    from .i18n import _, listing, ngettext

    who = f"{ex.name} ({ex.id})"
    links = ngettext("its members have {n} platform or institutional pairing among them (it "
                     "needs {need})",
                     "its members have {n} platform or institutional pairings among them (it "
                     "needs {need})", ex.links).format(n=ex.links, need=ex.min_links)
    alt = ex.alternative
    if ex.formed:
        s = _("{cluster} is formed: {links}, and their flows gain {gain} from its synergy "
              "({synergy} per unit of gain) against a setup of {setup}. With the flows as they "
              "are it would stop paying for itself at a setup above {gain}.").format(
            cluster=who, links=links, gain=_fmt(ex.synergy_gain), synergy=_fmt(ex.synergy),
            setup=_fmt(ex.setup))
        if alt is not None:
            s += _(" Without it {cost}.").format(cost=_cost_words(alt))
        return s
    if ex.links < ex.min_links:
        lack = ex.min_links - ex.links
        s = (ngettext("{cluster} is not formed: {links}; it lacks {n} link",
                      "{cluster} is not formed: {links}; it lacks {n} links", lack).format(
            cluster=who, links=links, n=lack)
             + (_(" (member pairs that could link: {pairs})").format(
                 pairs=listing(ex.could_link)) if ex.could_link else
                _(" and no other member pair is eligible for a platform or institutional "
                  "pairing")) + _("."))
    else:
        s = _("{cluster} is not formed although {links}: on the plan's flows its synergy would "
              "bring {gain} against a setup of {setup}; with the flows as they are it would "
              "pay for itself at a setup below {gain}.").format(
            cluster=who, links=links, gain=_fmt(ex.potential_gain), setup=_fmt(ex.setup))
    if alt is not None:
        s += _(" Formed, {cost}.").format(cost=_cost_words(alt))
    return s
