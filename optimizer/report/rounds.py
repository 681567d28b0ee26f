"""What the report shows of a plan of several rounds (MODEL-v2 section A), from ``roadmap.csv``
and ``recipients.csv``: the grid of the roadmap figure (pairs x rounds: the type of each pair
in each round and its trust capital at the start of the round) and the recipients' outcomes
after each round.

The outcomes are recomputed from the tables, as MODEL-v2 defines them: after round n a
recipient's normalised outcome is u[r, n] = u_before[r] + (its gain in rounds 1..n) /
(population[r] target[r]); after the last round that is ``recipients.csv``'s u.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..i18n import _
from .measures import is_text, region_names
from .results import Results


def paired_type(v) -> str:
    """A roadmap's type cell as text: '' when the pair is not paired that round (an empty CSV
    field is read as missing)."""
    return str(v) if is_text(v) else ""


def _summary_rounds(summary: dict) -> list[tuple[int, str]]:
    """(round number, label) of the rounds ``summary.json`` lists (none in older folders)."""
    st = summary.get("rounds") if isinstance(summary.get("rounds"), dict) else {}
    labels = st.get("labels") if isinstance(st.get("labels"), list) else []
    count = st.get("count") if isinstance(st.get("count"), int) else len(labels)
    return [(n + 1, str(labels[n]) if n < len(labels) else str(n + 1)) for n in range(count)]


def rounds_of(res: Results) -> list[tuple[int, str]]:
    """(round number, label) of every round of the plan, first to last, from its roadmap
    (the label is the number when the roadmap has none), or from the summary when the
    roadmap is empty (no pair paired in any round)."""
    road = res.roadmap
    if road is None or not len(road):
        return _summary_rounds(res.summary)
    numbers = sorted({int(n) for n in road["round"]})
    labels = {}
    if "round_label" in road:
        for n, lab in zip(road["round"], road["round_label"]):
            if is_text(lab):
                labels.setdefault(int(n), str(lab))
    return [(n, labels.get(n, str(n))) for n in numbers]


def roadmap_grid(res: Results) -> dict | None:
    """The data of the roadmap figure (None without a roadmap): ``pairs`` (partner,
    recipient ids, in the roadmap's order), ``labels`` (the pairs by name), ``rounds`` (their
    labels), ``types`` (pairs x rounds: the type, '' when not paired) and ``trust`` (pairs x
    rounds: trust at the start of the round, NaN when the roadmap does not say)."""
    road = res.roadmap
    if road is None:
        return None
    rounds = rounds_of(res)
    col = {n: j for j, (n, _) in enumerate(rounds)}
    names = region_names(res)
    pairs = list(dict.fromkeys(zip(road["partner"].astype(str), road["recipient"].astype(str))))
    row = {p: i for i, p in enumerate(pairs)}
    types = [[""] * len(rounds) for _ in pairs]
    trust = [[math.nan] * len(rounds) for _ in pairs]
    for d, r, n, t, tau in zip(road["partner"].astype(str), road["recipient"].astype(str),
                               road["round"], road["type"], road["trust"]):
        i, j = row[(d, r)], col[int(n)]
        types[i][j] = paired_type(t)
        trust[i][j] = float(tau)
    return {"pairs": pairs,
            "labels": [f"{names.get(d, d)} – {names.get(r, r)}" for d, r in pairs],
            "rounds": [lab for _, lab in rounds], "types": types, "trust": trust}


def outcomes_by_round(res: Results) -> pd.DataFrame:
    """The recipients' normalised outcomes u before the plan and after each round: one row
    per round with its label, the mean u, the lowest u and whose it is, and how many
    recipients reach their target (u >= 1)."""
    rec, road = res.recipients, res.roadmap
    rounds = rounds_of(res) if road is not None else []
    u0 = rec["u_before"].to_numpy(float)
    target = (rec["target"].to_numpy(float) if "target" in rec
              else rec["baseline"].to_numpy(float) / u0)
    scale = rec["population"].to_numpy(float) * target
    ids = rec["recipient"].astype(str).tolist()
    gain = np.zeros((len(ids), len(rounds)))
    if rounds and len(road):
        where = {r: i for i, r in enumerate(ids)}
        col = {n: j for j, (n, _) in enumerate(rounds)}
        for r, n, g in zip(road["recipient"].astype(str), road["round"], road["gain"]):
            if r in where:
                gain[where[r], col[int(n)]] += float(g)
    u = u0[:, None] + np.cumsum(gain, axis=1) / scale[:, None]
    names = rec["name"].astype(str).tolist()
    rows = []
    for label, v in [(_("before the plan"), u0),
                     *((_("after round {label}").format(label=lab), u[:, j])
                       for j, (_k, lab) in enumerate(rounds))]:
        low = int(np.argmin(v)) if len(v) else None
        rows.append({"when": label, "mean_u": float(v.mean()) if len(v) else math.nan,
                     "lowest_u": v[low] if low is not None else math.nan,
                     "worst_off": names[low] if low is not None else "",
                     "at_target": int((v >= 1.0 - 1e-9).sum())})
    return pd.DataFrame(rows, columns=["when", "mean_u", "lowest_u", "worst_off", "at_target"])
