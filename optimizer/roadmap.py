"""The tables of a plan of several rounds (MODEL-v2 section A): the roadmap, the later rounds'
types beside the first round's pairings, the outcomes after the last round, and the balance
rules measured round by round.

``pairings.csv`` stays the first round's decision (the one a planner signs now);
``roadmap.csv`` has one row per pair that is paired in some round and per round: its type
(empty when not paired that round), resources, gain and trust at the start of the round.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from . import clusters, rounds, sharing

ZERO = 1e-9


def round_flows(am, x: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Round ``n``'s (0-based) flows (below 1e-9 as 0) and chosen pairings (bool)."""
    xb, zb = am.round_blocks()[n]
    xv = x[xb.start:xb.stop]
    return np.where(np.abs(xv) < ZERO, 0.0, xv), x[zb.start:zb.stop] > 0.5


def quantities(am, x: np.ndarray, n: int) -> SimpleNamespace:
    """What the balance rules measure in round ``n``: its arrays, what each recipient
    receives, its partners, lasting capacity and gain in the round, and the outcomes so far."""
    inst = am.inst
    a = rounds.arrays(inst.arrays, inst.params, n)
    K = list(inst.resources)
    nR = len(inst.recipients)
    xv, zv = round_flows(am, x, n)
    gain_x = am.gain * xv
    recv = np.zeros((nR, len(K)))
    np.add.at(recv, (am.x_r, am.x_k), xv)
    paired = np.flatnonzero(zv)
    _, S = sharing.credited(am, x, n)
    return SimpleNamespace(
        syn=np.bincount(am.x_r, weights=clusters.flow_synergy(am, x, n), minlength=nR),
        S=np.bincount(am.pair_r, weights=S, minlength=nR),
        a=a, p=inst.params["balance"], K=K, recv=recv,
        n_part=np.bincount(am.pair_r[am.z_pair[paired]], minlength=nR),
        C=np.bincount(am.x_r, weights=a["kappa"][am.x_type] * gain_x, minlength=nR),
        G=np.bincount(am.x_r, weights=gain_x, minlength=nR), u=am.outcomes(x, n))


def roadmap_table(am, x: np.ndarray) -> pd.DataFrame:
    """One row per pair paired in some round and per round (see the module's docstring)."""
    inst = am.inst
    D, R, K, T = inst.partners.index, inst.recipients.index, list(inst.resources), inst.types
    labels = rounds.labels(inst.params)
    trust = rounds.trust_at_start(am, x)
    nP, nK = len(am.pair_d), len(K)
    per_round = []
    for n in range(am.rounds):
        xv, zv = round_flows(am, x, n)
        typ = np.full(nP, -1)
        typ[am.z_pair[zv]] = am.z_type[zv]
        amt = np.zeros((nP, nK))
        np.add.at(amt, (am.x_pair, am.x_k), xv)
        per_round.append((typ, amt, np.bincount(am.x_pair, weights=am.gain * xv, minlength=nP)))
    ever = np.flatnonzero(np.any([t >= 0 for t, _, _ in per_round], axis=0))
    rows = []
    for p in ever:
        d, r = am.pair_d[p], am.pair_r[p]
        for n, (typ, amt, gain) in enumerate(per_round):
            rows.append({"partner": str(D[d]), "recipient": str(R[r]), "round": n + 1,
                         "round_label": labels[n], "type": T[typ[p]] if typ[p] >= 0 else "",
                         **{K[k]: amt[p, k] for k in range(nK)}, "gain": gain[p],
                         "trust": trust[n, p]})
    cols = ["partner", "recipient", "round", "round_label", "type", *K, "gain", "trust"]
    return pd.DataFrame(rows, columns=cols)


def type_column(n: int) -> str:
    """The pairings table's column of round ``n``'s (0-based) type."""
    return f"type.round{n + 1}"


def add_rounds(tables: dict, am, x: np.ndarray) -> dict:
    """The one-round tables of the first round made into those of a plan of several rounds:
    later rounds' types beside the pairings, outcomes and totals after the last round in the
    recipients table, the roadmap."""
    road = roadmap_table(am, x)
    P = tables["pairings"].copy()
    key = list(zip(P["partner"], P["recipient"]))
    for n in range(1, am.rounds):
        this = road[road["round"] == n + 1]
        typ = dict(zip(zip(this["partner"], this["recipient"]), this["type"]))
        P[type_column(n)] = [typ.get(k, "") for k in key]
    rec = tables["recipients"].copy()
    qs = [quantities(am, x, n) for n in range(am.rounds)]
    a = am.inst.arrays
    G = np.sum([q.G for q in qs], axis=0)
    rec["outcome"] = a["y0"] + (G + sum(q.syn - q.S for q in qs)) / a["pop"]
    rec["u"] = qs[-1].u
    rec["share_of_mean"] = rec["u"] / rec["u"].mean() if rec["u"].mean() != 0 else np.nan
    rec["gain"] = G
    rec["capacity"] = np.sum([q.C for q in qs], axis=0)
    for col, part in (("synergy", "syn"), ("credited", "S")):
        if col in rec:
            rec[col] = np.sum([getattr(q, part) for q in qs], axis=0)
    for k, name in enumerate(qs[0].K):
        rec[f"received.{name}"] = np.sum([q.recv[:, k] for q in qs], axis=0)
    return {**tables, "pairings": P, "recipients": rec, "roadmap": road, "quantities": qs}


def ladder(road: pd.DataFrame, names=None) -> list[str]:
    """One line per pair of the roadmap: ``SZ–SW  platform → institutional → institutional``
    (``-`` for a round it is not paired); types in the current language."""
    from .typology import type_name

    out = []
    for (d, r), g in road.groupby(["partner", "recipient"], sort=False):
        steps = [type_name(t) if t else "-" for t in g.sort_values("round")["type"]]
        who = f"{names(d) if names else d}–{names(r) if names else r}"
        out.append(f"{who}  " + " → ".join(steps))
    return out


AFTER_PLAN = " (after the plan)"
"""How :func:`pair_rounds` marks a round after the plan's last (its data stays English)."""

MAX_LOOKAHEAD = 50  # rounds looked ahead for when a pair would have the trust a type needs


def qualifies_in(trust: float, need: float, keep: float, gain: float) -> int | None:
    """Rounds from now until trust reaches ``need`` if it keeps earning ``gain`` a round and
    keeping ``keep`` of itself (0: it has it now; None: never, or not within 50 rounds)."""
    for m in range(MAX_LOOKAHEAD + 1):
        if trust >= need - 1e-9:
            return m
        trust = keep * trust + gain
    return None


def pair_rounds(sol, partner: str, recipient: str, eligible: list[str]) -> list[dict]:
    """Per round, why the pair has its type as far as trust goes: its type, its trust at the
    start, and each eligible type whose trust_min it lacks, with the round in which it would
    qualify if it went on as planned (after the last round: as in the last round)."""
    if sol.roadmap is None:
        return []
    inst = sol.instance
    a, T = inst.arrays, list(inst.types)
    keep = 1.0 - rounds.settings(inst.params)["trust_decay"]
    labels = rounds.labels(inst.params)
    road = sol.roadmap
    mine = road[(road["partner"] == partner) & (road["recipient"] == recipient)]
    if len(mine):
        steps = list(zip(mine["type"], mine["trust"]))
    else:  # never paired: its trust only decays from trust0
        d, r = inst.partners.index.get_loc(partner), inst.recipients.index.get_loc(recipient)
        t0 = float(a["trust0"][d, r])
        steps = [("", t0 * keep ** n) for n in range(len(labels))]
    out = []
    for n, (typ, trust) in enumerate(steps):
        lacking = []
        for t in eligible:
            need = float(a["trust_min"][T.index(t)])
            if trust >= need - 1e-9:
                continue
            when = None
            for m in range(n + 1, len(steps)):
                if steps[m][1] >= need - 1e-9:
                    when = labels[m]
                    break
            if when is None:
                last = steps[-1][0]
                gain = float(a["trust_gain"][T.index(last)]) if last else 0.0
                ahead = keep * steps[-1][1] + gain
                more = qualifies_in(ahead, need, keep, gain)
                when = None if more is None else f"{len(steps) + 1 + more}{AFTER_PLAN}"
            lacking.append({"type": t, "needs": need, "when": when})
        out.append({"round": n + 1, "label": labels[n], "type": typ, "trust": float(trust),
                    "lacking": lacking})
    return out


def round_sentence(step: dict) -> str:
    """One round of :func:`pair_rounds` in words."""
    from .i18n import _
    from .typology import type_name

    head = _("round {label}: {type} (trust at the start {trust})").format(
        label=step["label"], type=type_name(step["type"]) if step["type"] else _("not paired"),
        trust=f"{step['trust']:.3g}")
    for lack in step["lacking"]:
        head += _("; {type} needs trust {needs}, it has {trust}: {when}").format(
            type=type_name(lack["type"]), needs=f"{lack['needs']:.3g}",
            trust=f"{step['trust']:.3g}",
            when=_when_words(lack["when"]))
    return head


def _when_words(when) -> str:
    """When a lacking type would qualify (:func:`pair_rounds`'s ``when``), in words."""
    from .i18n import _

    if not when:
        return _("it would not qualify as planned")
    if str(when).endswith(AFTER_PLAN):
        return _("it would qualify in round {round} (after the plan)").format(
            round=str(when)[:-len(AFTER_PLAN)])
    return _("it would qualify in round {round}").format(round=when)
