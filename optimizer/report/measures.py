"""What the report derives from results, apart from pictures: Lorenz curves and Gini
coefficients, the change of each recipient's share, the payoff table however it was written,
how far the plans of the trade-off chart spread, the balance rows with their shadow prices,
and the report's number formats and colours."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..display import fmt_number
from ..i18n import _, ngettext
from ..methods import METHODS

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies
TYPE_COLOURS = {"project": "#0072B2", "platform": "#E69F00", "institutional": "#009E73"}
EXTRA_COLOURS = ("#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def is_text(v) -> bool:
    """A non-empty text that is not the word nan (an empty CSV field read as text)."""
    return isinstance(v, str) and v.strip() != "" and v.lower() != "nan"


def truthy(v) -> bool:
    """A true value, however a CSV file or a DataFrame holds it (True, "True", "1", "yes")."""
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes")
    try:
        return bool(v) and not (isinstance(v, float) and math.isnan(v))
    except (TypeError, ValueError):
        return False


def num(v, digits=4, scale=None) -> str:
    """A number for the report: ``digits`` significant figures without the digits below the
    solver's tolerance (:func:`optimizer.display.fmt_number`), '-' for missing, inf as ∞."""
    return fmt_number(v, digits, scale, grouping=True)


def pct(v, digits=3) -> str:
    """A fraction as a percentage for the report ('-' for missing)."""
    return "-" if v is None else f"{num(100 * float(v), digits)}%"


def lorenz(values, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve of ``values`` per person, with ``weights`` people each (from (0, 0))."""
    v = np.asarray(values, float)
    w = np.ones_like(v) if weights is None else np.asarray(weights, float)
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    total = float((v * w).sum())
    x = np.r_[0.0, np.cumsum(w) / w.sum()]
    y = np.r_[0.0, np.cumsum(v * w) / total] if total > 0 else x.copy()
    return x, y


def gini(values, weights=None) -> float:
    """Gini coefficient: 1 - twice the area under the Lorenz curve (0 = equal)."""
    x, y = lorenz(values, weights)
    return float(1.0 - np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1])))


def type_colours(types) -> dict:
    """A colour for each collaboration type: the three known ones keep theirs."""
    out, extra = {}, iter(EXTRA_COLOURS * 10)
    for t in types:
        out[t] = TYPE_COLOURS.get(t) or next(extra)
    return out


def region_names(res) -> dict:
    """The names of the regions of results, by id: the recipients' and the partners' of the
    pairings (a partner in no pairing goes by its id)."""
    rec = res.recipients
    names = dict(zip(rec["recipient"].astype(str), rec["name"].astype(str))) if len(rec) else {}
    P = res.pairings
    if len(P):
        names.update(zip(P["partner"].astype(str), P["partner_name"].astype(str)))
    return names


def balance_with_prices(res) -> pd.DataFrame:
    """balance.csv with the shadow price (and ranges) of each row, when a sensitivity report
    was computed: joined by the model row index ``row``, else by the row name."""
    bal = res.balance.copy()
    if len(bal) == 0:
        return bal
    bal["name"] = [f"{r.rule}[{r.recipient}" + (f",{r.resource}" if is_text(r.resource) else "")
                   + "]" for r in bal.itertuples(index=False)]
    sc = res.sens_constraints
    if sc is None or len(sc) == 0 or "shadow_price" not in sc:
        return bal  # balance.csv may carry its own shadow_price column: kept as it is
    keep = [c for c in ("shadow_price", "allowable_increase", "allowable_decrease")
            if c in sc]
    bal = bal.drop(columns=[c for c in keep if c in bal])  # the sensitivity report rules
    if "row" in sc and "row" in bal:
        s = sc.dropna(subset=["row"]).drop_duplicates("row").copy()
        s["row"] = s["row"].astype(int)
        out = bal.merge(s[["row", *keep]], on="row", how="left")
    elif "name" in sc:
        s = sc.drop_duplicates("name")
        out = bal.merge(s[["name", *keep]], on="name", how="left")
    else:
        return bal
    return out



def share_change(rec: pd.DataFrame) -> pd.DataFrame:
    """Each recipient's share of the recipients' total outcome (outcome per person times
    population) before and after the plan, and the change in percentage points, poorest
    (by baseline outcome per person) first: where the two Lorenz curves differ."""
    pop = rec["population"].to_numpy(float)
    y0, y1 = rec["baseline"].to_numpy(float), rec["outcome"].to_numpy(float)
    s0 = pop * y0 / max(float((pop * y0).sum()), 1e-300)
    s1 = pop * y1 / max(float((pop * y1).sum()), 1e-300)
    out = pd.DataFrame({"recipient": rec["recipient"].astype(str).to_numpy(),
                        "name": rec["name"].to_numpy(), "baseline": y0,
                        "share_before": s0, "share_after": s1,
                        "change_pp": 100 * (s1 - s0),
                        "relative_gain": np.where(y0 > 0, y1 / np.where(y0 > 0, y0, 1) - 1,
                                                  np.nan)})
    return out.sort_values("baseline", kind="stable").reset_index(drop=True)


def gini_words(rec: pd.DataFrame, summary: dict) -> str:
    """Why the Gini of outcome per person moves as it does, from the numbers: who gains most
    in proportion (the recipients below or above the population-weighted mean outcome), and
    that the plan's own equity measure is a different one."""
    pop = rec["population"].to_numpy(float)
    y0, y1 = rec["baseline"].to_numpy(float), rec["outcome"].to_numpy(float)
    g0, g1 = gini(y0, pop), gini(y1, pop)
    mean0 = float((pop * y0).sum() / pop.sum())
    below = y0 < mean0
    rel = np.where(y0 > 0, y1 / np.where(y0 > 0, y0, 1) - 1, 0.0)

    def avg(mask):
        return float((pop[mask] * rel[mask]).sum() / pop[mask].sum()) if mask.any() else None

    gb, ga = avg(below), avg(~below)
    d = g1 - g0
    g = {"before": f"{g0:.4f}", "after": f"{g1:.4f}", "by": f"{abs(d):.4f}"}
    if abs(d) < 5e-5:
        head = _("The Gini coefficient is about unchanged ({before} to {after})").format(**g)
    elif d > 0:
        head = _("The Gini coefficient rises by {by} ({before} to {after})").format(**g)
    else:
        head = _("The Gini coefficient falls by {by} ({before} to {after})").format(**g)
    parts = [head]
    if gb is not None and ga is not None:
        parts.append(_("recipients below the mean outcome per person gain {below} on average, "
                       "those above it {above} (population weighted)").format(
            below=pct(gb, 2), above=pct(ga, 2))
                     + (_("; the plan lifts those above the mean more in proportion, so the "
                          "shares move toward them") if d > 5e-5 else
                        _("; the plan lifts those below the mean more in proportion")
                        if d < -5e-5 else ""))
    none = int((y1 <= y0 * (1 + 1e-9)).sum())
    if none:
        parts.append(ngettext("{n} recipient gains nothing", "{n} recipients gain nothing",
                              none).format(n=none))
    m = summary.get("equity_measure")
    measure = (_("the mean u of the worst-off {share} of recipients").format(
        share=pct(summary["beta"], 3)) if m == "tail" and summary.get("beta") else
               _("the lowest u") if m == "maxmin" else _("its equity measure"))
    u0, u1 = rec["u_before"].min(), rec["u"].min()
    parts.append(_("the plan does not aim at the Gini: it raises {measure} (u = outcome / "
                   "target; the lowest u goes from {before} to {after})").format(
        measure=measure, before=num(u0), after=num(u1)))
    return _("; ").join(parts) + _(".")


def payoff(summary: dict) -> dict:
    """The payoff table of a summary as {max_efficiency_first, max_equity_first, ideal, nadir},
    whichever way it was written (``solve`` or ``pareto`` results)."""
    pt = dict(summary.get("payoff_table") or {})
    for old, new in (("efficiency first", "max_efficiency_first"),
                     ("equity first", "max_equity_first")):
        if old in pt and new not in pt:
            pt[new] = pt.pop(old)
    a, b = pt.get("max_efficiency_first"), pt.get("max_equity_first")
    if a and b and "ideal" not in pt:
        pt["ideal"] = {"efficiency": a["efficiency"], "equity": b["equity"]}
        pt["nadir"] = {"efficiency": b["efficiency"], "equity": a["equity"]}
    return pt


def tradeoff_spans(res) -> dict:
    """How far the plans in the trade-off chart spread, in % of the best value (the ideal):
    {"efficiency": percent or None, "equity": percent or None}. A chart's axes zoom to the
    plans, so a spread of 1 % fills them as a spread of 50 % would; the report says which."""
    s, pt = res.summary, payoff(res.summary)
    pts = {"efficiency": [], "equity": []}
    for row in (pt.get("max_efficiency_first"), pt.get("max_equity_first"),
                {"efficiency": s.get("efficiency"), "equity": s.get("equity")}):
        for k in pts:
            if row and row.get(k) is not None:
                pts[k].append(float(row[k]))
    F = res.pareto
    if F is not None and len(F):
        for k in pts:
            if k in F:
                pts[k] += [float(v) for v in F[k].dropna()]
    ideal = pt.get("ideal") or {}
    out = {}
    for k, v in pts.items():
        best = ideal.get(k) if ideal.get(k) is not None else (max(v) if v else None)
        out[k] = (100 * (max(v) - min(v)) / abs(best)) if v and best else None
    return out


def method_words(s: dict) -> str:
    """How the plan's method describes itself, with its parameters."""
    m = s.get("method", "")
    return METHODS[m].words(s, num) if isinstance(m, str) and m in METHODS else str(m)

