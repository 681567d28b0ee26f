"""What each section of the report shows, as plain data for the template.

Every function here takes :class:`~optimizer.report.results.Results` (or its summary) and
returns dicts, lists and strings: numbers already formatted (:func:`num`), texts from the data
as they are. The template (``templates/report.html.j2``) adds the words and the markup, and
jinja2 escapes every value, so nothing here writes HTML.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..i18n import N_, _, listing
from ..rules import BINDING, BY_NAME
from ..typology import type_name
from ..equity import equity_words
from ..solution import best_known, efficiency_loss_words, price_of_fairness_words, time_parts
from .measures import (
    balance_with_prices,
    gini_words,
    is_text,
    method_words,
    num,
    payoff,
    pct,
    region_names,
    share_change,
    tradeoff_spans,
    truthy,
)
from .results import Results
from .rounds import outcomes_by_round

MAX_TABLE_ROWS = 1000  # longer tables are cut in the report (the CSV files have every row)


# =========================================================================== tables
def table(df: pd.DataFrame, columns: list[tuple], row_class=None,
          limit: int = MAX_TABLE_ROWS, colours: dict | None = None) -> dict:
    """A table for the template's ``table`` macro. ``columns``: (header, column or
    function(row), kind) with kind 'n' (number), 't' (text), 'why' (a long reason) or
    'badge' (a collaboration type, drawn in its colour from ``colours``)."""
    rows = []
    for i, (_i, row) in enumerate(df.iterrows()):
        if i >= limit:
            break
        cells = []
        for _h, col, kind in columns:
            v = col(row) if callable(col) else row.get(col)
            if kind == "n":
                cells.append({"cls": "n", "text": num(v), "badge": None})
            elif kind == "badge":
                cells.append({"cls": None, "text": type_name(v) if is_text(v) else v,
                              "badge": (colours or {}).get(v, "#777")})
            elif kind == "why":
                cells.append({"cls": "why", "text": v if is_text(v) else "", "badge": None})
            else:
                cells.append({"cls": "t", "text": "" if isinstance(v, float) and math.isnan(v)
                              else v, "badge": None})
        rows.append({"cls": row_class(row) if row_class else "", "cells": cells})
    return {"head": [{"text": _(h), "n": kind == "n"} for h, _c, kind in columns], "rows": rows,
            "n": len(df),
            "more": {"limit": limit, "total": len(df)} if len(df) > limit else None}


# =========================================================================== the header
NAV = (("pairings", N_("Pairings")), ("picture", N_("Picture")), ("outcomes", N_("Outcomes")),
       ("equality", N_("Equality")), ("balance", N_("Balance rules")))
NAV_ROADMAP = ("roadmap", N_("Roadmap"))  # after the picture, for a plan of several rounds
NAV_SHARING = ("sharing", N_("Income sharing"))  # then these, with partners.csv, clusters.csv
NAV_CLUSTERS = ("clusters", N_("Clusters"))
NAV_ALWAYS = (("tradeoff", N_("Efficiency vs equity")), ("sensitivity", N_("Sensitivity")),
              ("sources", N_("Data sources")), ("run", N_("Run")))


def header(res: Results) -> dict:
    """Title, description, status and the links to the sections."""
    s = res.summary
    has_plan = "pairings.csv" not in res.missing
    name = s.get("instance", res.folder.name)
    nav = list(NAV if has_plan else ())
    if has_plan and res.roadmap is not None:
        nav.insert(2, NAV_ROADMAP)
    at = nav.index(NAV_ROADMAP) + 1 if NAV_ROADMAP in nav else 2
    for df, item in ((res.clusters, NAV_CLUSTERS), (res.partners, NAV_SHARING)):
        if has_plan and df is not None and len(df):
            nav.insert(at, item)
    return {"title": (_("Collaboration plan: {name}") if has_plan
                      else _("Efficiency against equity: {name}")).format(name=name),
            "description": s.get("description") or "", "has_status": "status" in s,
            "proven": s.get("status") == "optimal", "status": s.get("status"),
            "message": _(s.get("message", "")),
            "nav": [(anchor, _(text)) for anchor, text in (*nav, *NAV_ALWAYS)]}


def _card(k: str, v, s: str, unit: str = "", more: str | None = None) -> dict:
    return {"k": k, "v": v, "s": s, "unit": unit, "more": more}


def cards(res: Results, gini_pair) -> list[dict]:
    """The key figures at the top: k (what), v (the value), s (a line below it), and for
    some a unit and a link to the section that says more."""
    s, P = res.summary, res.pairings
    if "pairings.csv" in res.missing:
        out = [_card(_("Pareto points"), num(len(res.pareto)) if res.pareto is not None else "-",
                     _("plans where efficiency can only rise if equity falls")),
               _card(_("price of fairness"), pct(s.get("price_of_fairness")),
                     _("of the best efficiency is lost when equity comes first"))]
    else:
        type_counts = s.get("types") or (P["type"].value_counts().to_dict() if len(P) else {})
        sp = {**s, "payoff_table": payoff(s)}  # the payoff table however it was written
        out = [_card(_("pairings"), num(s.get("pairings", len(P))),
                     listing(f"{type_name(t)} {n}" for t, n in type_counts.items())),
               _card(_("efficiency"), num(s.get("efficiency"), 6),
                     best_known(sp, "efficiency", lambda v: num(v, 6)),
                     unit=(s.get("units") or {}).get("gain", "")),
               _card(_("equity ({measure})").format(
                   measure=equity_words(s.get("equity_measure", ""))), num(s.get("equity"), 5),
                     best_known(sp, "equity", lambda v: num(v, 5))),
               _card(_("price of fairness"), price_of_fairness_words(sp, pct),
                     _("this plan gives up {value} of the best efficiency").format(
                         value=efficiency_loss_words(sp, pct)))]
    if gini_pair is not None:
        g0, g1 = gini_pair
        out.append(_card(_("Gini (outcome per person)"), f"{g0:.4f} → {g1:.4f}",
                         _("among the recipients, population weighted. ")
                         + gini_words(res.recipients, s), more="equality"))
    if s.get("violations"):
        out.append(_card(_("soft rules broken"), num(s["violations"]), _("see Balance rules")))
    return out


# =========================================================================== the plan
def pairings(res: Results, colours: dict) -> dict:
    """The pairings table and the units its numbers are in."""
    s, P = res.summary, res.pairings
    if not len(P):
        return {"table": None}
    resources = list((s.get("resources") or {}).keys())
    cols = [(N_("partner"), "partner_name", "t"), (N_("recipient"), "recipient_name", "t"),
            (N_("type"), "type", "badge")]
    cols += [(k, k, "n") for k in resources if k in P]
    cols += [(N_("value"), "value", "n"), (N_("gain"), "gain", "n"),
             (N_("capacity"), "capacity", "n"), (N_("pot"), "pot", "n"), (N_("ben"), "ben", "n")]
    if "reason" in P:
        cols.append((N_("why this type"), "reason", "why"))
    units = [(k, v.get("unit", "")) for k, v in (s.get("resources") or {}).items()
             if v.get("unit")]
    return {"table": table(P, cols, colours=colours), "units": units,
            "gain_unit": (s.get("units") or {}).get("gain", "")}


def roadmap(res: Results, grid: dict | None, colours: dict) -> dict | None:
    """A plan of several rounds: its rounds, the ladder of each pair (its type and trust at
    the start of each round, from ``grid``: :func:`~optimizer.report.rounds.roadmap_grid`'s)
    and the outcomes after each round (None: one round, no grid)."""
    if grid is None:
        return None
    cols = [(N_("partner"), lambda r: r["pair"][0], "t"),
            (N_("recipient"), lambda r: r["pair"][1], "t")]
    for j, lab in enumerate(grid["rounds"]):
        cols += [(_("round {label}").format(label=lab), lambda r, j=j: r["types"][j] or "-",
                  "badge"),
                 (_("trust, start of round {label}").format(label=lab),
                  lambda r, j=j: r["trust"][j], "n")]
    names = region_names(res)
    pairs = pd.DataFrame({"pair": [(names.get(d, d), names.get(r, r)) for d, r in grid["pairs"]],
                          "types": grid["types"], "trust": grid["trust"]})
    outcomes_cols = [("", "when", "t"), (N_("mean u"), "mean_u", "n"),
                     (N_("lowest u"), "lowest_u", "n"),
                     (N_("worst-off recipient"), "worst_off", "t"),
                     (N_("recipients at their target"), "at_target", "n")]
    return {"rounds": grid["rounds"], "n_pairs": len(grid["pairs"]),
            "ladder": table(pairs, cols, colours={**colours, "-": None}) if len(pairs) else None,
            "outcomes": table(outcomes_by_round(res), outcomes_cols)}


def outcomes(res: Results) -> dict:
    """The recipients' table under the outcomes chart."""
    rcols = [(N_("recipient"), "name", "t"), (N_("population"), "population", "n"),
             (N_("baseline"), "baseline", "n"), (N_("outcome"), "outcome", "n"),
             (N_("target"), "target", "n"), (N_("u before"), "u_before", "n"),
             (N_("u after"), "u", "n"),
             (N_("gain"), "gain", "n"), (N_("capacity"), "capacity", "n"),
             (N_("partners"), "partner_ids", "t")]
    return {"unit": (res.summary.get("units") or {}).get("outcome", ""),
            "table": table(res.recipients, rcols)}


def equality(res: Results, g0: float, g1: float) -> dict:
    """Gini before and after, the lowest, mean and spread of u, and the plan's measure."""
    s, rec = res.summary, res.recipients
    u0, u1 = rec["u_before"], rec["u"]
    measure = s.get("equity_measure")
    return {"words": gini_words(rec, s),
            "moved": num(float(share_change(rec)["change_pp"].abs().max()) if len(rec) else 0.0,
                         3),
            "rows": [(_("Gini coefficient"), f"{g0:.4f}", f"{g1:.4f}"),
                     (_("lowest u"), num(u0.min()), num(u1.min())),
                     (_("mean u"), num(u0.mean()), num(u1.mean())),
                     (_("highest / lowest u"), num(u0.max() / u0.min()) if u0.min() > 0 else "-",
                      num(u1.max() / u1.min()) if u1.min() > 0 else "-")],
            "measure": equity_words(s.get("equity_measure", "")),
            "tail": num(100 * s["beta"]) if measure == "tail" and s.get("beta") else None,
            "maxmin": measure == "maxmin", "equity": num(s.get("equity"), 5)}


def rule_words(rule: str) -> str:
    """A balance rule as the report names it: its statement in the rule registry (in the
    current language)."""
    return _(BY_NAME[rule].statement) if rule in BY_NAME else rule


def balance(res: Results) -> dict:
    """The balance rules: one line per rule, the binding rows and all rows."""
    if "balance.csv" in res.missing:
        return {"state": "missing"}
    bal = balance_with_prices(res)
    if len(bal) == 0:
        return {"state": "empty"}
    has_price = "shadow_price" in bal
    bal["binding"] = bal["slack"].abs() <= BINDING * np.maximum(1.0, bal["bound"].abs())
    bal["slack"] = bal["slack"].where(bal["slack"].abs() > 1e-9 * np.maximum(
        1.0, bal["bound"].abs()), 0.0)  # round-off of the solver is not slack
    rows = []
    for rule, g in bal.groupby("rule", sort=False):
        rows.append({"rule": rule_words(rule), "rows": len(g),
                     "binding": int(g["binding"].sum()), "least slack": g["slack"].min(),
                     "violated (soft)": int((g["violation"] > 1e-9).sum()),
                     "soft": _("yes (penalty {penalty})").format(penalty=num(g["penalty"].iloc[0]))
                     if truthy(g["soft"].iloc[0]) else _("no"),
                     **({"largest |shadow price|": g["shadow_price"].abs().max()}
                        if has_price else {})})
    cols = [(N_("rule"), "rule", "t"), (N_("rows"), "rows", "n"), (N_("binding"), "binding", "n"),
            (N_("least slack"), "least slack", "n"), (N_("soft"), "soft", "t"),
            (N_("violated"), "violated (soft)", "n")]
    if has_price:
        cols.append((N_("largest |shadow price|"), "largest |shadow price|", "n"))
    summary = table(pd.DataFrame(rows), cols)
    cols = [(N_("rule"), "rule", "t"), *([(N_("round"), "round", "n")] if "round" in bal else []),
            (N_("recipient"), "recipient", "t"),
            (N_("resource"), lambda r: r["resource"] if is_text(r["resource"]) else "", "t"),
            (N_("value"), "value", "n"), (N_("bound"), "bound", "n"), (N_("slack"), "slack", "n"),
            (N_("violation"), "violation", "n")]
    if has_price:
        cols += [(N_("shadow price"), "shadow_price", "n")]
        if "allowable_increase" in bal:
            cols += [(N_("allowable increase"), "allowable_increase", "n"),
                     (N_("allowable decrease"), "allowable_decrease", "n")]
    binding = bal[bal["binding"]]
    return {"state": "ok", "has_price": has_price, "summary": summary,
            "n_binding": len(binding), "n_rows": len(bal),
            "binding": table(binding, cols, row_class=lambda r: "bind") if len(binding) else None,
            "all": table(bal, cols, row_class=lambda r: "bind" if r["binding"] else "")}


# =========================================================================== the analyses
def tradeoff(res: Results) -> dict:
    """The payoff table, the words around it, the chart's caption and the Pareto front."""
    s = res.summary
    pt = payoff(s)
    plan = s.get("efficiency") is not None
    F = res.pareto
    has_front = F is not None and len(F) > 0
    out = {"plan": plan, "has_front": has_front, "knee": has_front and "knee" in F,
           "spans": [_("{what} by {pct}").format(what=_(k), pct=f"{num(v, 2)}%")
                     for k, v in tradeoff_spans(res).items()
                     if v is not None], "payoff": None, "front": None}
    if pt:
        rows = pd.DataFrame([
            {"plan": _("efficiency first"), **pt.get("max_efficiency_first", {})},
            {"plan": _("equity first"), **pt.get("max_equity_first", {})},
            *([{"plan": _("this plan"), "efficiency": s.get("efficiency"),
                "equity": s.get("equity")}] if plan else []),
        ])
        out["payoff"] = table(rows, [(N_("plan"), "plan", "t"),
                                     (N_("efficiency"), "efficiency", "n"),
                                     (N_("equity"), "equity", "n")])
        out.update(fairness=price_of_fairness_words(s, pct),
                   loss=efficiency_loss_words(s, pct), method=method_words(s),
                   proven=s.get("status", "optimal") == "optimal")
    if has_front:
        cols = [(c, c, "n") for c in ("efficiency", "equity", "price_of_fairness") if c in F]
        if "knee" in F:
            cols.append((N_("knee"), lambda r: "knee" if truthy(r["knee"]) else "", "t"))
        extra = [c for c in F.columns if c not in ("efficiency", "equity", "price_of_fairness",
                                                   "knee")][:4]
        cols += [(c, c, "n" if pd.api.types.is_numeric_dtype(F[c]) else "t") for c in extra]
        out["front"] = table(F, cols)
    return out


def sensitivity(res: Results) -> dict | None:
    """The rows with a shadow price and the variables with a reduced cost (None: no
    sensitivity report)."""
    sc, sv = res.sens_constraints, res.sens_variables
    if (sc is None or len(sc) == 0) and (sv is None or len(sv) == 0):
        return None
    out = {"constraints": None, "variables": None}
    if sc is not None and len(sc) and "shadow_price" in sc:
        nz = sc[sc["shadow_price"].abs() > 1e-12].copy()
        nz = nz.reindex(nz["shadow_price"].abs().sort_values(ascending=False).index)
        cols = [(h, c, k) for h, c, k in (
            (N_("name"), "name", "t"), (N_("final value"), "final_value", "n"),
            (N_("shadow price"), "shadow_price", "n"), (N_("R.H. side"), "rhs", "n"),
            (N_("allowable increase"), "allowable_increase", "n"),
            (N_("allowable decrease"), "allowable_decrease", "n"),
            (N_("meaning"), "meaning", "why"))
            if c in sc]
        out["constraints"] = {"shown": len(nz), "of": len(sc), "table": table(nz, cols, limit=200)}
    if sv is not None and len(sv):
        rc = next((c for c in ("reduced_cost", "reduced cost") if c in sv), None)
        if rc:
            nz = sv[sv[rc].abs() > 1e-12].copy()
            nz = nz.reindex(nz[rc].abs().sort_values(ascending=False).index)
            cols = [(VARIABLE_HEADERS.get(c, c.replace("_", " ")), c,
                     "t" if c in ("name", "meaning") else "n")
                    for c in ("name", "final_value", rc, "objective_coefficient",
                              "allowable_increase", "allowable_decrease", "meaning") if c in sv]
            out["variables"] = {"shown": len(nz), "of": len(sv),
                                "table": table(nz, cols, limit=200)}
    return out


VARIABLE_HEADERS = {"name": N_("name"), "final_value": N_("final value"),
                    "reduced_cost": N_("reduced cost"), "reduced cost": N_("reduced cost"),
                    "objective_coefficient": N_("objective coefficient"),
                    "allowable_increase": N_("allowable increase"),
                    "allowable_decrease": N_("allowable decrease"), "meaning": N_("meaning")}
"""The sensitivity report's columns on variables, as Excel Solver names them."""


# =========================================================================== about the data
def instance_sources(summary: dict) -> tuple[str | None, pd.DataFrame | None]:
    """README text and provenance table of the instance, when its folder is still there."""
    path = summary.get("instance_path")
    if not path:
        return None, None
    p = Path(path)
    readme = prov = None
    try:
        if p.is_dir():
            if (p / "README.md").is_file():
                readme = (p / "README.md").read_text(encoding="utf-8")
            if (p / "provenance.csv").is_file():
                prov = pd.read_csv(p / "provenance.csv", dtype=str, keep_default_na=False)
        elif p.is_file() and p.suffix.lower() == ".xlsx":
            from ..workbook import read_extra_sheets

            extra = read_extra_sheets(p)
            readme = extra.get("README.md")
            prov = extra.get("provenance.csv")
            if isinstance(prov, str):
                prov = pd.read_csv(io.StringIO(prov), dtype=str, keep_default_na=False)
    except Exception:  # sources are a courtesy: an unreadable file does not stop the report
        return readme, None
    return readme, prov


def sources(s: dict) -> dict:
    """Description, sources, units, resources, provenance and README of the instance."""
    rows = []
    if s.get("sources"):
        rows.append((_("sources"), s["sources"]))
    if s.get("instance_path"):
        rows.append((_("instance"), s["instance_path"]))
    for k, v in (s.get("units") or {}).items():
        rows.append((_("unit of {what}").format(what=k), v))
    out = {"description": s.get("description"), "rows": rows, "resources": None,
           "provenance": None}
    res_ = s.get("resources") or {}
    if res_:
        df = pd.DataFrame([{"resource": k, **v} for k, v in res_.items()])
        cols = [(N_("resource"), "resource", "t"), (N_("unit"), "unit", "t"),
                (N_("value of a unit"), "value", "n")]
        cols += [(c, c, "t") for c in ("description", "source") if c in df]
        out["resources"] = table(df, cols)
    readme, prov = instance_sources(s)
    if prov is not None and len(prov):
        counts = [(c, list(prov[c].replace("", "(none)").value_counts().items()))
                  for c in ("kind", "confidence") if c in prov]
        cols = [(c, c, "t") for c in ("file", "row", "column", "kind", "source", "formula",
                                      "confidence") if c in prov]
        out["provenance"] = {"n": len(prov), "counts": counts, "table": table(prov, cols)}
    out["readme"] = readme
    out["none"] = not (s.get("sources") or prov is not None or readme)
    return out


def run(s: dict) -> list[tuple]:
    """About this run: (what, value) rows."""
    rows = [(_("status"), f"{s.get('status')} — {_(s.get('message', ''))}" if "status" in s
             else None),
            (_("method"), method_words(s) if s.get("method") else None),
            (_("equity measure"), equity_words(s.get("equity_measure") or "") + (
                f", beta {num(s.get('beta'))}" if s.get("beta") else "")),
            (_("solver"), s.get("solver")), (_("MIP gap"), num(s.get("mip_gap"))
                                             if "mip_gap" in s else None),
            (_("objective"), num(s.get("objective"), 6) if "objective" in s else None)]
    for key in ("points", "solves", "seconds"):
        if key in s and not isinstance(s[key], (dict, list)):
            rows.append((_(RUN_WORDS[key]), num(s[key])))
    rows = [(k, v) for k, v in rows if v not in (None, "")]
    if s.get("soft_rules"):
        rows.append((_("soft rules"), ", ".join(
            _("{rule} (penalty {penalty})").format(rule=k, penalty=num(v))
            for k, v in s["soft_rules"].items())))
    ms = s.get("model_size") or {}
    if ms:
        rows.append((_("model size"), ", ".join(f"{k.replace('_', ' ')} {num(v)}"
                                                for k, v in ms.items())))
    t = s.get("timings") or {}
    if t.get("total") is not None:
        rows.append((_("time (s)"), _("total {total}, the sum of: {parts}").format(
            total=num(t["total"], 3),
            parts=", ".join(f"{k} {num(v, 3)}" for k, v in time_parts(t)))
            + (_(" (inside them, HiGHS's own clock {seconds})").format(
                seconds=num(t["highs_own"], 3)) if t.get("highs_own") is not None else "")))
    if s.get("why_resolves"):
        rows.append((_("why this type"), _(s["why_resolves"])))
    return rows


RUN_WORDS = {"points": N_("points"), "solves": N_("solves"), "seconds": N_("seconds")}
