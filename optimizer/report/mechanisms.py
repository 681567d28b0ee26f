"""What the report shows of income sharing and virtual industrial clusters (MODEL-v2 B, C).

Both sections are shown only when the plan has them (``partners.csv``, ``clusters.csv``): per
partner its required return against its credited shares and spillover (a bar figure) and the
shares of the pairings that share; per cluster its members, formed or not, its links against
``min_links`` and its synergy gain against its setup (a figure). With rounds the tables have
every round and the figures show the first round, the decision signed now.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import N_, _
from ..typology import type_name, type_names
from .charts import _png, _rc, chart_label
from .measures import num
from .results import Results
from .sections import table

REQUIRED, CREDITED, SPILL = "#fdae6b", "#08519c", "#9ecae1"
FORMED, NOT_FORMED = "#31a354", "#bdbdbd"


def _first(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["round"] == 1] if "round" in df.columns else df


def _round_col(df: pd.DataFrame) -> list:
    return [(N_("round"), "round", "n")] if "round" in df.columns else []


def sharing(res: Results) -> dict | None:
    """The income sharing section's tables (None: the plan has no partners.csv)."""
    parts = res.partners
    if parts is None or not len(parts):
        return None
    cols = [(N_("partner"), "name", "t"), *_round_col(parts), (N_("value sent"), "sent_value", "n"),
            (N_("return required"), "required", "n"), (N_("credited share"), "credited", "n"),
            (N_("spillover"), "spillover", "n"), (N_("return"), "return", "n"),
            (N_("slack"), "slack", "n")]
    P = res.pairings
    shared = P[P["share"].notna()] if len(P) and "share" in P.columns else P.iloc[0:0]
    pcols = [(N_("partner"), "partner_name", "t"), (N_("recipient"), "recipient_name", "t"),
             (N_("type"), lambda r: type_name(r["type"]), "t"), (N_("gain"), "gain", "n"),
             (N_("share"), "share", "n"),
             (N_("credited to the partner"), "credited", "n")]
    s = res.summary.get("sharing") or {}
    binding = _first(parts)
    tight = [str(n) for n, sl, rq in zip(binding["name"], binding["slack"], binding["required"])
             if rq > 0 and abs(sl) <= 1e-6 * max(1.0, abs(rq))]
    return {"partners": table(parts, cols),
            "pairings": table(shared, pcols) if len(shared) else None,
            "levels": ", ".join(f"{v:g}" for v in s.get("levels", [])),
            "types": _(" or ").join(type_names(s.get("types", []))),
            "spillover": s.get("spillover"),
            "tight": tight}


def clusters(res: Results) -> dict | None:
    """The clusters section's table (None: the plan has no clusters.csv)."""
    C = res.clusters
    if C is None or not len(C):
        return None
    cols = [(N_("cluster"), "id", "t"), (N_("name"), "name", "t"), *_round_col(C),
            (N_("formed"), lambda r: _("yes") if _true(r["formed"]) else _("no"), "t"),
            (N_("links"), "links", "n"), (N_("min links"), "min_links", "n"),
            (N_("synergy"), "synergy", "n"), (N_("synergy gain"), "synergy_gain", "n"),
            (N_("setup"), "setup", "n"), (N_("net"), "net", "n"),
            (N_("partners"), "member_partners", "t"), (N_("recipients"), "member_recipients", "t")]
    first = _first(C)
    return {"table": table(C, cols), "n": len(first),
            "formed": int(sum(_true(v) for v in first["formed"]))}


def participation(res: Results) -> dict | None:
    """The price of participation for the trade-off section: the plan's efficiency and equity
    against the same problem's with no income share and no return required (summary.json's
    ``sharing.without``); None without sharing."""
    s = res.summary
    sh = s.get("sharing")
    if not sh or s.get("efficiency") is None:
        return None
    w = sh.get("without")
    if not w:
        return {"text": None}
    E, Q = s["efficiency"], s["equity"]
    if w.get("efficiency") is None:
        return {"text": _("Without income sharing and without any return required the same "
                          "problem has no plan ({status}).").format(status=w.get("status"))}
    dE, dQ = E - w["efficiency"], Q - w["equity"]
    pct = f" ({num(100 * dE / w['efficiency'], 3)}%)" if w["efficiency"] else ""
    return {"text": _("With income sharing (shares {levels}; partners require {required} in the "
                      "first round) this plan has efficiency {efficiency} and equity {equity}; "
                      "the same problem with no income share and no return required has "
                      "efficiency {efficiency_without} and equity {equity_without}. "
                      "Participation moves efficiency by {d_efficiency}{percent} and equity by "
                      "{d_equity}.").format(
        levels=", ".join(f"{v:g}" for v in sh["levels"]), required=num(sh.get("required", 0.0)),
        efficiency=num(E), equity=num(Q), efficiency_without=num(w["efficiency"]),
        equity_without=num(w["equity"]), d_efficiency=f"{'+' if dE >= 0 else ''}{num(dE)}",
        percent=pct, d_equity=f"{'+' if dQ >= 0 else ''}{num(dQ)}")}


def _true(v) -> bool:
    return str(v).strip().lower() in ("true", "1", "yes") if isinstance(v, str) else bool(v)


def fig_sharing(res: Results) -> str | None:
    """Per partner (first round): the return it requires against what it gets, its credited
    income share and its spillover stacked."""
    from matplotlib.figure import Figure

    if res.partners is None or not len(res.partners):
        return None
    p = _first(res.partners).reset_index(drop=True)
    n = len(p)
    y = np.arange(n)
    with _rc():
        fig = Figure(figsize=(8, min(12, max(2.2, 0.5 * n + 1.0))))
        ax = fig.subplots()
        ax.barh(y + 0.2, p["required"], height=0.38, color=REQUIRED, label=_("return required"))
        ax.barh(y - 0.2, p["credited"], height=0.38, color=CREDITED, label=_("credited share"))
        ax.barh(y - 0.2, p["spillover"], left=p["credited"], height=0.38, color=SPILL,
                label=_("spillover"))
        ax.set_yticks(y, [chart_label(v, i) for v, i in zip(p["name"], p["partner"])])
        ax.invert_yaxis()
        unit = (res.summary.get("units") or {}).get("gain") or _("gain units")
        ax.set_xlabel(_("return over the plan period ({unit})").format(unit=unit))
        ax.set_title(_("Each partner's return against what it requires"))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        fig.tight_layout()
        return _png(fig)


def fig_clusters(res: Results) -> str | None:
    """Per cluster (first round): its links among members against min_links, and its synergy
    gain against its setup; formed clusters in green, the others grey."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    if res.clusters is None or not len(res.clusters):
        return None
    C = _first(res.clusters).reset_index(drop=True)
    n = len(C)
    y = np.arange(n)
    colour = [FORMED if _true(v) else NOT_FORMED for v in C["formed"]]
    labels = [chart_label(f"{nm} ({i}): {mp} / {mr}", i) for nm, i, mp, mr in
              zip(C["name"], C["id"], C["member_partners"], C["member_recipients"])]
    with _rc():
        fig = Figure(figsize=(10, min(12, max(2.2, 0.5 * n + 1.2))))
        ax, ax2 = fig.subplots(1, 2, sharey=True)
        ax.barh(y, C["links"], color=colour, height=0.6)
        ax.scatter(C["min_links"], y, marker="|", s=400, color="#d62728", zorder=3,
                   label=_("min_links"))
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlabel(_("platform or institutional pairings among the members"))
        ax.set_title(_("Links (green: formed)"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(0, max(float(C["links"].max()), float(C["min_links"].max())) + 1)

        ax2.barh(y + 0.2, C["synergy_gain"], height=0.38, color=colour, label=_("synergy gain"))
        ax2.barh(y - 0.2, C["setup"], height=0.38, color="#fdae6b", label=_("setup"))
        ax2.set_xlabel((res.summary.get("units") or {}).get("gain") or _("gain units"))
        ax2.set_title(_("Synergy gain against setup"))
        handles = [h for a_ in (ax, ax2) for h in a_.get_legend_handles_labels()[0]]
        fig.legend(handles, [h.get_label() for h in handles], loc="lower center", ncol=3,
                   fontsize=8, frameon=False)
        fig.tight_layout(rect=(0, 0.4 / fig.get_figheight(), 1, 1))
        return _png(fig)
