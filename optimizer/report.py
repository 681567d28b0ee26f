"""Stage 7: the planner's report, one self-contained HTML file built from a results folder.

:func:`write_report` reads what ``regcollab solve --out DIR`` wrote (``summary.json``,
``pairings.csv``, ``recipients.csv``, ``balance.csv``, and, when an analysis added them,
``pareto.csv``, ``sensitivity_constraints.csv``, ``sensitivity_variables.csv``) and writes
``report.html`` beside them. The file needs no network: its styles are inline and its charts
are PNG images drawn with matplotlib and embedded as base64 ``data:`` URLs. It holds no script.

The report only reads saved results, so ``regcollab report DIR`` rebuilds it at any time, for
example after an analysis has added a Pareto front or a sensitivity report to the folder.
matplotlib is an optional extra (``pip install 'regcollab[report]'``); without it
:func:`write_report` raises :class:`ReportUnavailable` (a :class:`~optimizer.errors.MissingExtra`,
exit status 5).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, MissingExtra, RegcollabError, available
from .display import display_text, fmt_number
from .methods import METHODS
from .results import read_folder
from .rules import BINDING
from .solution import (
    best_known,
    efficiency_loss_words,
    price_of_fairness_words,
    time_parts,
)

REPORT_FILE = "report.html"

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies
TYPE_COLOURS = {"project": "#0072B2", "platform": "#E69F00", "institutional": "#009E73"}
EXTRA_COLOURS = ("#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
BEFORE, AFTER, TARGET = "#9ecae1", "#08519c", "#d62728"

MAX_TABLE_ROWS = 1000  # longer tables are cut in the report (the CSV files have every row)
MAX_LABELLED = 60  # regions per side of a chart that still get a label each


class ReportUnavailable(MissingExtra):
    """The report needs matplotlib (the ``report`` extra), which is not installed (exit
    status 5)."""

    def __init__(self):
        super().__init__(REPORT_FILE, "report", "matplotlib")


def report_available() -> bool:
    """Whether the plotting library the report needs is installed."""
    return available("matplotlib")


# =========================================================================== reading results
@dataclass
class Results:
    """The files of a results folder, as DataFrames (missing optional files are None)."""

    folder: Path
    summary: dict
    pairings: pd.DataFrame
    recipients: pd.DataFrame
    balance: pd.DataFrame
    allocations: pd.DataFrame | None = None
    pareto: pd.DataFrame | None = None
    sens_constraints: pd.DataFrame | None = None
    sens_variables: pd.DataFrame | None = None
    missing: list = field(default_factory=list)  # result files the folder does not have


def load_results(folder: str | os.PathLike) -> Results:
    """Read a results folder written by ``regcollab solve --out``."""
    summary, tables, missing = read_folder(folder)
    return Results(folder=Path(folder), summary=summary, pareto=tables.pop("pareto.csv"),
                   sens_constraints=tables.pop("sensitivity_constraints.csv"),
                   sens_variables=tables.pop("sensitivity_variables.csv"), missing=missing,
                   **tables)


# =========================================================================== measures
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
    out, extra = {}, iter(EXTRA_COLOURS * 10)
    for t in types:
        out[t] = TYPE_COLOURS.get(t) or next(extra)
    return out


def balance_with_prices(res: Results) -> pd.DataFrame:
    """balance.csv with the shadow price (and ranges) of each row, when a sensitivity report
    was computed: joined by the model row index ``row``, else by the row name."""
    bal = res.balance.copy()
    if len(bal) == 0:
        return bal
    bal["name"] = [f"{r.rule}[{r.recipient}" + (f",{r.resource}" if _text(r.resource) else "")
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


# =========================================================================== plotting
SYSTEM_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
                    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback",
                    "AR PL UMing CN", "SimHei", "Microsoft YaHei", "PingFang SC")
"""Installed fonts that draw Chinese, tried when the packaged one is missing."""
MAX_LABEL = 40  # characters of a name drawn in a chart (the tables have the whole name)


def _packaged_cjk_font() -> str | None:
    """The path of the Noto Sans CJK font the ``report`` extra installs (the
    ``noto-cjk-sans-otc`` package, SIL Open Font License), or None."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    return str(path) if path.is_file() else None


@lru_cache(maxsize=1)
def _fonts() -> tuple[list[str], list, str | None]:
    """The font families for charts, FT2Font objects to check glyphs with, and the CJK font's
    family (None when there is none).

    DejaVu Sans (matplotlib's own) draws Latin, Greek, Cyrillic, Hebrew and Arabic letters;
    Chinese names take the Noto Sans CJK font of the ``report`` extra, registered with
    matplotlib from its file, so no system font is needed; without it, an installed CJK font
    if there is one."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    families, paths = ["DejaVu Sans"], []
    cjk = None
    packaged = _packaged_cjk_font()
    if packaged is not None:
        try:
            font_manager.fontManager.addfont(packaged)
            cjk = "Noto Sans CJK SC"
            paths.append(packaged)
        except (OSError, RuntimeError, ValueError):  # an unreadable file: as if missing
            cjk = None
    if cjk is None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        cjk = next((c for c in SYSTEM_CJK_FONTS if c in names), None)
    if cjk is not None:
        families.append(cjk)
    faces = []
    for fam in families:
        try:
            path = font_manager.findfont(font_manager.FontProperties(family=fam),
                                         fallback_to_default=False)
            faces.append(FT2Font(path))
        except Exception:  # a font that cannot be opened: its glyphs are not counted on
            continue
    return families, faces, (cjk if len(faces) == len(families) else None)


def _drawable(ch: str, faces) -> bool:
    return ch == " " or any(f.get_char_index(ord(ch)) for f in faces)


def chart_label(text, fallback=None) -> str:
    """``text`` as a chart can draw it: control characters as spaces, at most
    :data:`MAX_LABEL` characters, and without the characters no chart font has (so
    matplotlib never warns of a missing glyph, nor draws boxes): ``"广州 Guangzhou"`` stays
    whole with a CJK font and becomes ``"Guangzhou"`` without one; a name with nothing left
    becomes ``fallback`` (the region's id), else "?". Text is drawn as it is, never as
    mathtext (see :func:`_rc`)."""
    s = display_text(text)
    _, faces, _ = _fonts()
    if not all(_drawable(ch, faces) for ch in s):
        s = " ".join("".join(ch if _drawable(ch, faces) else " " for ch in s).split())
    if not s:
        s = display_text(fallback) if fallback is not None else ""
        if not all(_drawable(ch, faces) for ch in s):
            s = "".join(ch for ch in s if _drawable(ch, faces))
    return display_text(s, MAX_LABEL) or "?"


def undrawable(texts) -> list[str]:
    """The characters of ``texts`` that no chart font draws (left out of the charts)."""
    _, faces, _ = _fonts()
    out = {}
    for t in texts:
        for ch in display_text(t):
            if ch not in out and not _drawable(ch, faces):
                out[ch] = None
    return list(out)


def _is_cjk(ch: str) -> bool:
    import unicodedata

    return unicodedata.name(ch, "").startswith(("CJK ", "HIRAGANA", "KATAKANA", "HANGUL"))


def font_note(texts) -> str | None:
    """One sentence when the charts leave characters of the names out, saying which and how
    to get them drawn (None when every character is drawn)."""
    chars = undrawable(texts)
    if not chars:
        return None
    shown = " ".join(chars[:8]) + (" ..." if len(chars) > 8 else "")
    if any(_is_cjk(c) for c in chars):
        return (f"no font for Chinese names was found, so the charts show the Latin part of "
                f"those names (or their ids) instead: characters {shown} are left out; the "
                "report extra brings one (pip install 'regcollab[report]', the Noto Sans CJK "
                "font)")
    return (f"the chart fonts cannot draw the characters {shown} of some names: the charts "
            "leave them out (the tables show the names whole)")


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", facecolor="white",
                metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _rc():
    import logging

    import matplotlib

    # a CJK fallback font often has no bold face; matplotlib logs each substitution
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    families, _, _ = _fonts()
    # text.parse_math False: a name with $ signs ($\\frac{a}$) is text, never mathtext
    return matplotlib.rc_context({"font.family": families, "font.size": 9,
                                  "text.parse_math": False, "text.usetex": False,
                                  "axes.spines.top": False, "axes.spines.right": False,
                                  "axes.titlesize": 10, "axes.titleweight": "bold",
                                  "svg.fonttype": "path"})


def _names(res: Results) -> dict:
    rec = res.recipients
    names = dict(zip(rec["recipient"].astype(str), rec["name"].astype(str))) if len(rec) else {}
    P = res.pairings
    if len(P):
        names.update(zip(P["partner"].astype(str), P["partner_name"].astype(str)))
    return names


def fig_outcomes(res: Results) -> str:
    """Each recipient's normalised outcome before and after, against its target (= 1)."""
    from matplotlib.figure import Figure

    rec = res.recipients.sort_values("u_before", kind="stable").reset_index(drop=True)
    n = len(rec)
    labelled = n <= MAX_LABELLED
    with _rc():
        fig = Figure(figsize=(10, min(14, max(2.6, 0.32 * n + 1.2))))
        ax, ax2 = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})
        y = np.arange(n)
        ax.barh(y, rec["u"], color=AFTER, height=0.7, label="after the plan")
        ax.barh(y, rec["u_before"], color=BEFORE, height=0.7, label="before (baseline)")
        ax.axvline(1.0, color=TARGET, ls="--", lw=1.2, label="target")
        ax.set_xlabel("outcome per person, as a share of the recipient's target")
        ax.set_xlim(0, max(1.05, float(rec["u"].max()) * 1.05 if n else 1.05))
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_title("Outcome before and after, against the target")
        if labelled:
            ax.set_yticks(y, [chart_label(v, i) for v, i in zip(rec["name"], rec["recipient"])])
        else:
            ax.set_yticks([])
            ax.set_ylabel(f"{n} recipients, worst-off at the bottom")
        ax.legend(loc="lower right", fontsize=8, frameon=True)
        change = 100 * (rec["u"] - rec["u_before"])
        ax2.barh(y, change, color=AFTER, height=0.7)
        ax2.set_xlabel("change, percentage points of the target")
        ax2.set_title("What the plan adds")
        if labelled:
            for yi, c in zip(y, change):
                ax2.text(c, yi, f" +{c:.2f}", va="center", fontsize=7)
        ax2.set_xlim(0, max(float(change.max()) * 1.25, 1e-6) if n else 1)
        fig.tight_layout()
        return _png(fig)


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
    if abs(d) < 5e-5:
        head = f"The Gini coefficient is about unchanged ({g0:.4f} to {g1:.4f})"
    else:
        head = (f"The Gini coefficient {'rises' if d > 0 else 'falls'} by {abs(d):.4f} "
                f"({g0:.4f} to {g1:.4f})")
    parts = [head]
    if gb is not None and ga is not None:
        parts.append(f"recipients below the mean outcome per person gain {pct(gb, 2)} on "
                     f"average, those above it {pct(ga, 2)} (population weighted)"
                     + ("; the plan lifts those above the mean more in proportion, so the "
                        "shares move toward them" if d > 5e-5 else
                        "; the plan lifts those below the mean more in proportion"
                        if d < -5e-5 else ""))
    none = int((y1 <= y0 * (1 + 1e-9)).sum())
    if none:
        parts.append(f"{none} recipient{'s gain' if none > 1 else ' gains'} nothing")
    m = summary.get("equity_measure")
    measure = ("the mean u of the worst-off " + pct(summary["beta"], 3) + " of recipients"
               if m == "tail" and summary.get("beta") else
               "the lowest u" if m == "maxmin" else "its equity measure")
    u0, u1 = rec["u_before"].min(), rec["u"].min()
    parts.append(f"the plan does not aim at the Gini: it raises {measure} (u = outcome / "
                 f"target; the lowest u goes from {num(u0)} to {num(u1)})")
    return "; ".join(parts) + "."


def fig_lorenz(res: Results) -> tuple[str, float, float]:
    """Lorenz curves of outcome per person (population weighted), before and after, and
    beside them where they differ: each recipient's change of share of the total outcome."""
    from matplotlib.figure import Figure

    rec = res.recipients
    pop = rec["population"].to_numpy(float)
    before, after = rec["baseline"].to_numpy(float), rec["outcome"].to_numpy(float)
    g0, g1 = gini(before, pop), gini(after, pop)
    sc = share_change(rec)
    n = len(sc)
    labelled = n <= MAX_LABELLED
    with _rc():
        fig = Figure(figsize=(10, max(4.6, min(14, 0.28 * n + 1.4)) if labelled else 4.6))
        ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.1]})
        ax.plot([0, 1], [0, 1], color="#999999", lw=1, ls=":", label="perfect equality")
        x0, y0 = lorenz(before, pop)
        x1, y1 = lorenz(after, pop)
        ax.plot(x0, y0, color=BEFORE, lw=2.2, marker="o", ms=3, label=f"before, Gini {g0:.4f}")
        ax.plot(x1, y1, color=AFTER, lw=1.6, marker="o", ms=3, label=f"after, Gini {g1:.4f}")
        ax.fill_between(x1, y1, x1, color=AFTER, alpha=0.06)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel("share of the recipients' population (poorest first)")
        ax.set_ylabel("share of their total outcome")
        ax.set_title("Lorenz curves of outcome per person")
        ax.legend(loc="upper left", fontsize=8)
        # the curves are often too close to tell apart: the change of each share, magnified
        yy = np.arange(n)[::-1]  # poorest at the top
        change = sc["change_pp"].to_numpy()
        ax2.barh(yy, change, color=np.where(change >= 0, AFTER, TARGET), height=0.7)
        ax2.axvline(0, color="#444444", lw=0.8)
        lim = max(float(np.abs(change).max()) if n else 0.0, 1e-6) * 1.3
        ax2.set_xlim(-lim, lim)
        ax2.set_ylim(-0.6, n - 0.4)
        if labelled:
            ax2.set_yticks(yy, [chart_label(v, i) for v, i in zip(sc["name"], sc["recipient"])])
            for yi, c in zip(yy, change):
                ax2.text(c, yi, f" {c:+.3f} " if abs(c) >= 5e-4 else " 0 ", va="center",
                         ha="left" if c >= 0 else "right", fontsize=7)
        else:
            ax2.set_yticks([])
            ax2.set_ylabel(f"{n} recipients, poorest at the top")
        ax2.set_xlabel("change of share of the total outcome, percentage points")
        ax2.set_title("Where the curves differ: who gains share")
        fig.tight_layout()
        return _png(fig), g0, g1


def _order_recipients(P: pd.DataFrame, partners: list, recipients: list) -> list:
    """Recipients ordered by the mean position of their partners (fewer crossing lines)."""
    pos = {d: i for i, d in enumerate(partners)}
    bary = P.assign(pos=P["partner"].map(pos)).groupby("recipient")["pos"].mean()
    return sorted(recipients, key=lambda r: (bary.get(r, len(partners)), recipients.index(r)))


def fig_pairings(res: Results) -> str:
    """Partners (left) to recipients (right): lines coloured by type, as wide as the value of
    the resources that flow."""
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    P = res.pairings.copy()
    P["partner"] = P["partner"].astype(str)
    P["recipient"] = P["recipient"].astype(str)
    names = _names(res)
    partners = list(dict.fromkeys(P["partner"]))
    all_r = [str(r) for r in res.recipients["recipient"]] if len(res.recipients) else []
    recipients = _order_recipients(P, partners, all_r or list(dict.fromkeys(P["recipient"])))
    n = max(len(partners), len(recipients), 1)
    labelled = n <= MAX_LABELLED
    value = P["value"].to_numpy(float) if "value" in P else np.ones(len(P))
    vmax = float(value.max()) if len(P) and value.max() > 0 else 1.0
    width = 0.8 + 7.2 * np.sqrt(np.clip(value, 0, None) / vmax)
    colours = type_colours(list(dict.fromkeys(P["type"])))
    ypos_d = {d: 1 - (i + 0.5) / len(partners) for i, d in enumerate(partners)}
    ypos_r = {r: 1 - (i + 0.5) / len(recipients) for i, r in enumerate(recipients)}
    sent = P.groupby("partner")["value"].sum() if "value" in P else P.groupby("partner").size()
    got = P.groupby("recipient")["value"].sum() if "value" in P else P.groupby("recipient").size()
    smax = max(float(sent.max()) if len(sent) else 1.0, float(got.max()) if len(got) else 1.0, 1e-9)
    with _rc():
        fig = Figure(figsize=(8.5, min(16, max(3.5, 0.34 * n + 1.4))))
        ax = fig.subplots()
        # one collection for all lines and one scatter per side: drawing them one by one
        # took seconds at the county level (600 pairings, 916 regions)
        order = np.argsort(-value, kind="stable")  # thin lines on top of thick ones
        y_d = P["partner"].map(ypos_d).to_numpy(float)
        y_r = P["recipient"].map(ypos_r).to_numpy(float)
        segments = [((0.0, y_d[i]), (1.0, y_r[i])) for i in order]
        ax.add_collection(LineCollection(
            segments, colors=[colours[t] for t in P["type"].to_numpy()[order]],
            linewidths=width[order], alpha=0.8, capstyle="round", zorder=2))
        ax.scatter(np.zeros(len(ypos_d)), list(ypos_d.values()),
                   s=[30 + 400 * float(sent.get(d, 0)) / smax for d in ypos_d],
                   color="#444444", zorder=3)
        paired = [r in got.index for r in ypos_r]
        ax.scatter(np.ones(len(ypos_r)), list(ypos_r.values()),
                   s=[30 + 400 * float(got.get(r, 0)) / smax for r in ypos_r],
                   color=["#444444" if p else "white" for p in paired], edgecolors="#444444",
                   zorder=3)
        if labelled:
            for d, yv in ypos_d.items():
                ax.text(-0.04, yv, chart_label(names.get(d, d), d), ha="right", va="center")
            for (r, yv), p in zip(ypos_r.items(), paired):
                ax.text(1.04, yv, chart_label(names.get(r, r), r) + ("" if p else " (unpaired)"),
                        ha="left", va="center")
        ax.set_xlim(-0.45 if labelled else -0.1, 1.45 if labelled else 1.1)
        ax.set_ylim(0, 1)
        ax.axis("off")
        ax.text(0, 1.01, "partners", ha="center", va="bottom", fontweight="bold")
        ax.text(1, 1.01, "recipients", ha="center", va="bottom", fontweight="bold")
        handles = [Line2D([], [], color=c, lw=4, label=chart_label(t)) for t, c in colours.items()]
        handles += [Line2D([], [], color="#777777", lw=0.8 + 7.2 * math.sqrt(f), label=lab)
                    for f, lab in ((0.1, f"value {0.1 * vmax:.3g}"), (1.0, f"value {vmax:.3g}"))]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=5,
                  fontsize=8, frameon=False)
        ax.set_title("Who pairs with whom: colour = collaboration type, width = value of "
                     "resources", pad=26)
        fig.tight_layout()
        return _png(fig)


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


def tradeoff_spans(res: Results) -> dict:
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


def fig_tradeoff(res: Results) -> str | None:
    """Efficiency against equity: the Pareto front (when computed), the payoff table's two
    lexicographic optima and the recommended plan. The axes zoom to the plans; a second pair
    of axes gives each value in % of the best, and a note says how far the plans spread."""
    from matplotlib.figure import Figure

    s = res.summary
    pt = payoff(s)
    F = res.pareto
    has_front = F is not None and len(F) and {"efficiency", "equity"} <= set(F.columns)
    if not pt and not has_front:
        return None
    plan = (s.get("efficiency"), s.get("equity"))
    has_plan = None not in plan
    with _rc():
        fig = Figure(figsize=(6.6, 5.4))
        ax = fig.subplots()
        knee_xy = None
        if has_front:
            Fs = F.sort_values("efficiency")
            ax.plot(Fs["efficiency"], Fs["equity"], "-o", color="#555555", ms=4, lw=1.2,
                    label="Pareto front", zorder=2)
            if "knee" in F:
                knee = F[F["knee"].map(_truthy)]
                if len(knee):
                    ax.scatter(knee["efficiency"], knee["equity"], marker="*", s=260,
                               color="#E69F00", edgecolors="black", linewidths=0.6, zorder=4,
                               label="knee of the front")
                    knee_xy = (float(knee["efficiency"].iloc[0]),
                               float(knee["equity"].iloc[0]))
        if pt:
            a, b = pt.get("max_efficiency_first", {}), pt.get("max_equity_first", {})
            if a:
                ax.scatter([a["efficiency"]], [a["equity"]], marker="s", s=60, color="#0072B2",
                           zorder=3, label="efficiency first")
            if b:
                ax.scatter([b["efficiency"]], [b["equity"]], marker="s", s=60, color="#009E73",
                           zorder=3, label="equity first")
            ide = pt.get("ideal")
            if ide:
                ax.scatter([ide["efficiency"]], [ide["equity"]], marker="o", s=60,
                           facecolors="none", edgecolors="#999999", zorder=3,
                           label="ideal (not reachable)")
        if has_plan:
            # hollow and on top: a knee under the plan still shows through
            ax.scatter([plan[0]], [plan[1]], marker="D", s=150, facecolors="none",
                       edgecolors=TARGET, linewidths=2.2, zorder=6, label="this plan")
            same = knee_xy is not None and all(
                abs(p - k) <= 1e-6 * max(1.0, abs(k)) for p, k in zip(plan, knee_xy))
            ax.annotate("this plan = knee" if same else "this plan", plan,
                        xytext=(-16, 16), textcoords="offset points", ha="right", color=TARGET,
                        fontsize=8, fontweight="bold", zorder=7,
                        arrowprops={"arrowstyle": "-", "color": TARGET, "lw": 0.8})
            if knee_xy is not None and not same:
                ax.annotate("knee", knee_xy, xytext=(16, -18), textcoords="offset points",
                            color="#8a5a00", fontsize=8, fontweight="bold", zorder=7,
                            arrowprops={"arrowstyle": "-", "color": "#8a5a00", "lw": 0.8})
        unit = (s.get("units") or {}).get("gain")
        ax.set_xlabel("efficiency (total gain net of setup" + (f", {chart_label(unit)}" if unit else "")
                      + ")")
        m = s.get("equity_measure")
        ax.set_ylabel("equity" + (f" ({m})" if m else ""))
        ax.ticklabel_format(useOffset=False)
        ide = (pt or {}).get("ideal") or {}
        e_best, q_best = ide.get("efficiency"), ide.get("equity")
        if e_best:
            sec = ax.secondary_xaxis("top", functions=(lambda v: 100 * v / e_best,
                                                       lambda p: p * e_best / 100))
            sec.set_xlabel("% of the best efficiency", fontsize=8)
        if q_best:
            sec = ax.secondary_yaxis("right", functions=(lambda v: 100 * v / q_best,
                                                         lambda p: p * q_best / 100))
            sec.set_ylabel("% of the best equity", fontsize=8)
        spans = tradeoff_spans(res)
        words = [f"{k} {num(v, 2)}%" for k, v in spans.items() if v is not None]
        if words:
            ax.text(0.01, 0.01, "axes zoomed to the plans: they differ by at most\n"
                    + " and ".join(words) + " of the best", transform=ax.transAxes,
                    fontsize=7.5, color="#52606d", va="bottom", ha="left",
                    bbox={"facecolor": "white", "edgecolor": "#d9e2ec", "pad": 2})
        ax.set_title("Efficiency against equity", pad=8)
        ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3,
                  frameon=False)  # below the axes: never over a plan
        fig.tight_layout()
        return _png(fig)


# =========================================================================== HTML
CSS = """
:root { --ink:#1f2933; --muted:#52606d; --line:#d9e2ec; --bg:#f5f7fa; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink); line-height:1.45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans",
  "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; font-size:14px; }
main { max-width:1180px; margin:0 auto; padding:24px 28px 60px; }
header { background:#102a43; color:#fff; padding:26px 28px 18px; }
header .inner { max-width:1180px; margin:0 auto; }
header h1 { margin:0 0 6px; font-size:24px; }
header p { margin:4px 0; color:#d9e2ec; max-width:900px; }
h2 { margin:34px 0 6px; font-size:19px; border-bottom:2px solid var(--line); padding-bottom:4px; }
h3 { margin:20px 0 6px; font-size:15px; }
p.lead { color:var(--muted); margin:4px 0 12px; max-width:900px; }
nav { margin-top:12px; font-size:13px; }
nav a { color:#bcccdc; margin-right:14px; text-decoration:none; }
.cards { display:flex; flex-wrap:wrap; gap:12px; margin:18px 0 4px; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:10px 14px;
  min-width:150px; flex:1 1 150px; }
.card .k { font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.03em; }
.card .v { font-size:21px; font-weight:600; margin-top:2px; }
.card .s { font-size:12px; color:var(--muted); }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; color:#fff; font-size:12px;
  font-weight:600; white-space:nowrap; }
.ok { background:#2f8132; } .warn { background:#b44d12; }
table { border-collapse:collapse; background:#fff; border:1px solid var(--line); margin:8px 0;
  font-size:13px; max-width:100%; }
th, td { padding:4px 7px; border-bottom:1px solid var(--line); text-align:left;
  vertical-align:top; overflow-wrap:anywhere; }
th { background:#e4ecf4; font-weight:600; position:sticky; top:0; overflow-wrap:normal; }
td.n, th.n { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
th.n { white-space:normal; }
tr:nth-child(even) td { background:#fafbfc; }
tr.bind td { background:#fff4e5; }
td.t { min-width:6.5em; }
td.why { color:var(--muted); font-size:12px; min-width:14em; overflow-wrap:normal; }
.scroll { overflow-x:auto; max-width:100%; }
@media (max-width: 1100px) {
  main { padding:18px 14px 48px; }
  table { font-size:12px; }
  th, td { padding:3px 5px; }
  td.why { font-size:11.5px; min-width:11em; }
}
figure { margin:10px 0 4px; background:#fff; border:1px solid var(--line); border-radius:8px;
  padding:10px; }
figure img { max-width:100%; height:auto; display:block; margin:0 auto; }
figcaption { color:var(--muted); font-size:12.5px; margin-top:6px; }
.grid2 { display:grid; grid-template-columns: minmax(0,1fr) minmax(0,1fr); gap:16px;
  align-items:start; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
.note { background:#fff; border-left:4px solid #829ab1; padding:8px 12px; margin:10px 0;
  color:var(--muted); }
details { margin:8px 0; } summary { cursor:pointer; color:#243b53; font-weight:600; }
footer { color:var(--muted); font-size:12px; margin-top:40px; }
code { background:#eef2f6; padding:0 4px; border-radius:3px; }
/* paper: every column on the page (tables wrap instead of scrolling), colours kept, rows and
   charts not split across pages; closed <details> stay closed */
@page { size:A4; margin:12mm 10mm; }
@media print {
  * { -webkit-print-color-adjust:exact; print-color-adjust:exact; }
  body { background:#fff; font-size:10px; }
  header { padding:0 0 8px; }
  header .inner, main { max-width:none; padding:0; }
  nav { display:none; }
  h2 { margin:16px 0 4px; font-size:14px; break-after:avoid; }
  h3 { break-after:avoid; }
  .cards { gap:6px; } .card { padding:4px 8px; min-width:110px; } .card .v { font-size:15px; }
  .scroll { overflow:visible; }
  table { width:100%; max-width:100%; font-size:8px; table-layout:auto; }
  th { position:static; }
  th, td { padding:2px 3px; overflow-wrap:break-word; }
  td.n, th.n { white-space:normal; overflow-wrap:normal; }
  td.why { font-size:7.5px; min-width:0; }
  .badge { font-size:7.5px; padding:0 4px; }
  tr, figure, .card { break-inside:avoid; }
  thead { display:table-header-group; }
  .grid2 { display:block; }
  figure img { max-height:240mm; width:auto; }
}
"""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _e(v) -> str:
    """Text from the data as HTML: escaped, and control characters (which HTML does not
    allow) as spaces; line breaks and tabs are kept (for the README)."""
    return html.escape(_CONTROL.sub(" ", "" if v is None else str(v)), quote=True)


def _text(v) -> bool:
    return isinstance(v, str) and v.strip() != "" and v.lower() != "nan"


def _truthy(v) -> bool:
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
    return "-" if v is None else f"{num(100 * float(v), digits)}%"


def table_html(df: pd.DataFrame, columns: list[tuple], row_class=None,
               limit: int = MAX_TABLE_ROWS) -> str:
    """``columns``: (header, column or function(row), kind) with kind 'n' (number),
    't' (text), 'h' (html already escaped)."""
    head = "".join(f'<th class="n">{_e(h)}</th>' if kind == "n" else f"<th>{_e(h)}</th>"
                   for h, _, kind in columns)
    body = []
    for i, (_, row) in enumerate(df.iterrows()):
        if i >= limit:
            break
        cells = []
        for _, col, kind in columns:
            v = col(row) if callable(col) else row.get(col)
            if kind == "n":
                cells.append(f'<td class="n">{num(v)}</td>')
            elif kind == "h":
                cells.append(f"<td>{v}</td>")
            elif kind == "why":
                cells.append(f'<td class="why">{_e(v if _text(v) else "")}</td>')
            else:
                cells.append('<td class="t">' + (_e(v) if not (isinstance(v, float) and
                                                               math.isnan(v)) else "")
                             + "</td>")
        cls = row_class(row) if row_class else ""
        body.append(f'<tr class="{cls}">' + "".join(cells) + "</tr>" if cls else
                    "<tr>" + "".join(cells) + "</tr>")
    more = ""
    if len(df) > limit:
        more = (f'<p class="note">The first {limit} of {len(df)} rows are shown; the CSV file '
                f"has them all.</p>")
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>'
            + "".join(body) + "</tbody></table></div>" + more)


def _figure_html(png: str, alt: str, caption: str) -> str:
    return (f'<figure><img src="data:image/png;base64,{png}" alt="{_e(alt)}">'
            f"<figcaption>{caption}</figcaption></figure>")


def _badge(t: str, colours: dict) -> str:
    return f'<span class="badge" style="background:{colours.get(t, "#777")}">{_e(t)}</span>'


def _card(key, value, sub="") -> str:
    return (f'<div class="card"><div class="k">{_e(key)}</div><div class="v">{value}</div>'
            f'<div class="s">{sub}</div></div>')


def _instance_sources(summary: dict) -> tuple[str | None, pd.DataFrame | None]:
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
            from .workbook import read_extra_sheets

            extra = read_extra_sheets(p)
            readme = extra.get("README.md")
            prov = extra.get("provenance.csv")
            if isinstance(prov, str):
                prov = pd.read_csv(io.StringIO(prov), dtype=str, keep_default_na=False)
    except Exception:  # sources are a courtesy: an unreadable file does not stop the report
        return readme, None
    return readme, prov


def chart_texts(res: Results) -> list[str]:
    """The texts from the data that the charts draw: region names, types, units."""
    texts = []
    if len(res.recipients) and "name" in res.recipients:
        texts += list(res.recipients["name"].astype(str))
    if len(res.pairings):
        texts += [str(v) for c in ("partner_name", "recipient_name", "type")
                  if c in res.pairings for v in res.pairings[c]]
    texts += [str(v) for v in (res.summary.get("units") or {}).values()]
    return texts


def build_html(res: Results, progress=None, source: str | None = None,
               notes: list | None = None) -> str:
    """The report as one HTML string. ``progress(step_name)`` is called once per chart;
    ``source`` names the results folder in the footer (None: the folder holding the report).
    What the report cannot show as it should (characters no chart font draws) is said in
    the report and appended to ``notes`` for the terminal."""
    from ._version import __version__

    def step(name):
        if progress is not None:
            progress(name)

    s = res.summary
    P, rec = res.pairings, res.recipients
    units = s.get("units") or {}
    gain_unit = units.get("gain", "")
    types = list(s.get("types_used") or (s.get("types") or {}).keys())
    if len(P):
        types += [t for t in dict.fromkeys(P["type"]) if t not in types]
    colours = type_colours(types)
    resources = list((s.get("resources") or {}).keys())
    parts = []
    has_plan = "pairings.csv" not in res.missing
    name = s.get("instance", res.folder.name)
    title = f"Collaboration plan: {name}" if has_plan else f"Efficiency against equity: {name}"
    proven = s.get("status") == "optimal"
    status_badge = ("" if "status" not in s else
                    '<span class="badge ok">proven optimal</span>' if proven else
                    f'<span class="badge warn">{_e(s.get("status"))}: not proven '
                    f"optimal</span>")
    desc = s.get("description") or ""
    sections = (("pairings", "Pairings"), ("picture", "Picture"), ("outcomes", "Outcomes"),
                ("equality", "Equality"), ("balance", "Balance rules"))
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in (
        *(sections if has_plan else ()), ("tradeoff", "Efficiency vs equity"),
        ("sensitivity", "Sensitivity"), ("sources", "Data sources"), ("run", "Run")))
    parts.append(f"<header><div class='inner'><h1>{_e(title)}</h1>"
                 f"<p>{_e(desc)}</p><p>{status_badge} &nbsp; {_e(s.get('message', ''))}</p>"
                 f"<nav>{nav}</nav></div></header><main>")

    # ---- key figures
    step("outcomes")
    outcomes_png = fig_outcomes(res) if len(rec) else None
    step("Lorenz curves")
    lorenz_png, g0, g1 = fig_lorenz(res) if len(rec) else (None, None, None)
    type_counts = s.get("types") or (P["type"].value_counts().to_dict() if len(P) else {})
    sp = {**s, "payoff_table": payoff(s)}  # the payoff table however it was written
    cards = [] if has_plan else [
        _card("Pareto points", num(len(res.pareto)) if res.pareto is not None else "-",
              "plans where efficiency can only rise if equity falls"),
        _card("price of fairness", pct(s.get("price_of_fairness")),
              "of the best efficiency is lost when equity comes first")]
    cards += [] if not has_plan else [
        _card("pairings", num(s.get("pairings", len(P))),
              ", ".join(f"{t} {n}" for t, n in type_counts.items())),
        _card("efficiency", num(s.get("efficiency"), 6),
              best_known(sp, "efficiency", lambda v: num(v, 6))
              + (f" &middot; {_e(gain_unit)}" if gain_unit else "")),
        _card(f"equity ({s.get('equity_measure', '')})", num(s.get("equity"), 5),
              best_known(sp, "equity", lambda v: num(v, 5))),
        _card("price of fairness", _e(price_of_fairness_words(sp, pct)),
              f"this plan gives up {_e(efficiency_loss_words(sp, pct))} of the best "
              "efficiency"),
    ]
    if g0 is not None:
        cards.append(_card("Gini (outcome per person)", f"{g0:.4f} → {g1:.4f}",
                           "among the recipients, population weighted. "
                           + _e(gini_words(rec, s)) + ' <a href="#equality">More</a>'))
    if s.get("violations"):
        cards.append(_card("soft rules broken", num(s["violations"]), "see Balance rules"))
    parts.append('<div class="cards">' + "".join(cards) + "</div>")
    if res.missing and has_plan:
        parts.append(f'<p class="note">This folder has no {", ".join(res.missing)}: the parts '
                     "of the report that need them are left out.</p>")
    elif not has_plan:
        parts.append('<p class="note">This folder holds a Pareto front, not a plan: solve with '
                     "<code>regcollab solve INSTANCE --out DIR</code> for the pairings, outcomes "
                     "and balance rules of one plan.</p>")
    if s.get("warnings"):
        parts.append("".join(f'<p class="note">warning: {_e(w)}</p>' for w in s["warnings"]))
    fnote = font_note(chart_texts(res))
    if fnote:
        parts.append(f'<p class="note">Note: {_e(fnote)}.</p>')
        if notes is not None:
            notes.append(f"{REPORT_FILE}: {fnote}")

    plan = []  # the sections about the plan itself
    # ---- pairings
    plan.append('<h2 id="pairings">Recommended pairings and their types</h2>')
    plan.append('<p class="lead">One row per pairing: which partner helps which recipient, the '
                 "collaboration type, the resources that flow over the plan period, the gain "
                 "they bring, and why this type (political potential <i>pot</i> and mutual "
                 "benefit <i>ben</i> against each type's thresholds, and what the other "
                 "eligible types would cost).</p>")
    if len(P):
        cols = [("partner", "partner_name", "t"), ("recipient", "recipient_name", "t"),
                ("type", lambda r: _badge(r["type"], colours), "h")]
        cols += [(k, k, "n") for k in resources if k in P]
        cols += [("value", "value", "n"), ("gain", "gain", "n"), ("capacity", "capacity", "n"),
                 ("pot", "pot", "n"), ("ben", "ben", "n")]
        if "reason" in P:
            cols.append(("why this type", "reason", "why"))
        plan.append(table_html(P, cols))
        units_line = "; ".join(f"{_e(k)}: {_e(v.get('unit', ''))}"
                               for k, v in (s.get("resources") or {}).items() if v.get("unit"))
        if units_line or gain_unit:
            plan.append(f'<p class="lead">Units: {units_line}'
                         + (f"; gain and capacity: {_e(gain_unit)}" if gain_unit else "") + ".</p>")
    else:
        plan.append('<p class="note">The plan has no pairings.</p>')

    # ---- picture
    step("pairings picture")
    plan.append('<h2 id="picture">A picture of the pairings</h2>')
    if len(P):
        plan.append(_figure_html(fig_pairings(res), "pairings: partners to recipients",
                                  "Partners on the left, recipients on the right. Each line is a "
                                  "pairing, coloured by its collaboration type and as wide as "
                                  "the value of the resources it carries; a dot's size is the "
                                  "value a region sends or receives in all."))

    # ---- outcomes
    plan.append('<h2 id="outcomes">Outcomes before and after</h2>')
    outcome_unit = units.get("outcome", "")
    plan.append('<p class="lead">Each recipient\'s outcome per person'
                 + (f" ({_e(outcome_unit)})" if outcome_unit else "")
                 + " before and after the plan, as a share of its target (1 = target reached)."
                 "</p>")
    if outcomes_png:
        plan.append(_figure_html(outcomes_png, "outcomes before and after against the target",
                                  "Light bars: baseline; dark bars: after the plan; red dashed "
                                  "line: the target. The right panel shows what the plan adds, "
                                  "in percentage points of the target."))
        rcols = [("recipient", "name", "t"), ("population", "population", "n"),
                 ("baseline", "baseline", "n"), ("outcome", "outcome", "n"),
                 ("target", "target", "n"), ("u before", "u_before", "n"), ("u after", "u", "n"),
                 ("gain", "gain", "n"), ("capacity", "capacity", "n"),
                 ("partners", "partner_ids", "t")]
        plan.append(table_html(rec, rcols))

    # ---- equality
    plan.append('<h2 id="equality">Equality among the recipients</h2>')
    if lorenz_png:
        moved = float(share_change(rec)["change_pp"].abs().max()) if len(rec) else 0.0
        plan.append(f'<p class="lead">{_e(gini_words(rec, s))}</p>')
        plan.append(_figure_html(
            lorenz_png, "Lorenz curves before and after, and the change of each share",
            "Left: the closer a curve is to the diagonal, the more equal the outcome per person "
            "across the recipients' population (Gini coefficient: 0 is perfect equality, 1 the "
            "greatest inequality). The two curves are close: no recipient's share of the total "
            f"outcome moves by more than {num(moved, 3)} percentage points. Right: that change "
            "for each recipient, poorest first (blue: its share grows; red: it shrinks)."))
        plan.append('<div><table><thead><tr><th></th><th class="n">before</th><th class="n">after'
              '</th></tr></thead><tbody>'
            + f'<tr><td>Gini coefficient</td><td class="n">{g0:.4f}</td><td class="n">{g1:.4f}'
              f"</td></tr>"
            + f'<tr><td>lowest u</td><td class="n">{num(rec["u_before"].min())}</td>'
              f'<td class="n">{num(rec["u"].min())}</td></tr>'
            + f'<tr><td>mean u</td><td class="n">{num(rec["u_before"].mean())}</td>'
              f'<td class="n">{num(rec["u"].mean())}</td></tr>'
            + f'<tr><td>highest / lowest u</td><td class="n">'
              f'{num(rec["u_before"].max() / rec["u_before"].min()) if rec["u_before"].min() > 0 else "-"}'
              f'</td><td class="n">{num(rec["u"].max() / rec["u"].min()) if rec["u"].min() > 0 else "-"}'
              f"</td></tr></tbody></table>"
            + f'<p class="lead">The plan\'s own equity measure is {_e(s.get("equity_measure", ""))}'
            + (f" (the mean u of the worst-off {num(100 * s['beta'])}% of recipients)"
               if s.get("equity_measure") == "tail" and s.get("beta") else
               " (the lowest u)" if s.get("equity_measure") == "maxmin" else "")
            + f": {num(s.get('equity'), 5)}.</p></div>")

    # ---- balance rules
    plan.append(_balance_section(res))
    if has_plan:
        parts += plan

    # ---- trade-off
    step("efficiency vs equity")
    parts.append(_tradeoff_section(res))

    # ---- sensitivity
    parts.append(_sensitivity_section(res))

    # ---- sources
    parts.append(_sources_section(s))

    # ---- run
    parts.append(_run_section(s))
    if source is None:  # beside its results: the folder may be renamed or moved
        parts.append(f"<footer>Made by regcollab {_e(__version__)} from the results in the "
                     "folder that holds this file. Rebuild with <code>regcollab report "
                     "FOLDER</code>, FOLDER being that folder.</footer></main>")
    else:
        parts.append(f"<footer>Made by regcollab {_e(__version__)} from the results folder "
                     f"<code>{_e(source)}</code>. Rebuild with <code>regcollab report "
                     f"{_e(source)}</code>.</footer></main>")
    body = "\n".join(parts)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<link rel=\"icon\" href=\"data:,\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>\n{body}\n</body></html>\n")


RULE_WORDS = {
    "coverage": "coverage (opportunity): every recipient gets at least min_partners partners",
    "access_floor": "access floor (opportunity): every recipient gets at least alpha times its "
                    "need of each resource",
    "capacity": "capacity balance: lasting capacity is at least gamma times the gain",
    "outcome_floor": "outcome floor: every normalised outcome u is at least theta",
    "outcome_spread": "outcome spread: every u is at least rho times the mean u",
}


def _balance_section(res: Results) -> str:
    bal = balance_with_prices(res)
    out = ['<h2 id="balance">Balance rules: slack and shadow price</h2>',
           ('<p class="lead">Every row of the opportunity, capacity and outcome balance rules. '
            "<i>Slack</i> is how far the plan is above the rule's bound (0: the rule binds). "
            "The <i>shadow price</i> is how much the plan's objective would change per unit the "
            "bound is raised (from the sensitivity report, with the pairings and types held "
            "fixed).</p>")]
    if "balance.csv" in res.missing:
        out.append('<p class="note">Not in this folder.</p>')
        return "".join(out)
    if len(bal) == 0:
        out.append('<p class="note">No balance rule applies to this instance.</p>')
        return "".join(out)
    has_price = "shadow_price" in bal
    if not has_price:
        out.append('<p class="note">Shadow prices were not computed for this run; run a '
                   "sensitivity analysis on these results to see them here (the report reads "
                   "<code>sensitivity_constraints.csv</code>).</p>")
    tol = BINDING * np.maximum(1.0, bal["bound"].abs())
    bal["binding"] = bal["slack"].abs() <= tol
    bal["slack"] = bal["slack"].where(bal["slack"].abs() > 1e-9 * np.maximum(
        1.0, bal["bound"].abs()), 0.0)  # round-off of the solver is not slack
    rows = []
    for rule, g in bal.groupby("rule", sort=False):
        rows.append({"rule": RULE_WORDS.get(rule, rule), "rows": len(g),
                     "binding": int(g["binding"].sum()), "least slack": g["slack"].min(),
                     "violated (soft)": int((g["violation"] > 1e-9).sum()),
                     "soft": "yes (penalty " + num(g["penalty"].iloc[0]) + ")"
                     if _truthy(g["soft"].iloc[0]) else "no",
                     **({"largest |shadow price|": g["shadow_price"].abs().max()}
                        if has_price else {})})
    summ = pd.DataFrame(rows)
    cols = [("rule", "rule", "t"), ("rows", "rows", "n"), ("binding", "binding", "n"),
            ("least slack", "least slack", "n"), ("soft", "soft", "t"),
            ("violated", "violated (soft)", "n")]
    if has_price:
        cols.append(("largest |shadow price|", "largest |shadow price|", "n"))
    out.append(table_html(summ, cols))
    cols = [("rule", "rule", "t"), ("recipient", "recipient", "t"),
            ("resource", lambda r: r["resource"] if _text(r["resource"]) else "", "t"),
            ("value", "value", "n"), ("bound", "bound", "n"), ("slack", "slack", "n"),
            ("violation", "violation", "n")]
    if has_price:
        cols += [("shadow price", "shadow_price", "n")]
        if "allowable_increase" in bal:
            cols += [("allowable increase", "allowable_increase", "n"),
                     ("allowable decrease", "allowable_decrease", "n")]
    binding = bal[bal["binding"]]
    out.append(f"<h3>Binding rows ({len(binding)} of {len(bal)})</h3>")
    if len(binding):
        out.append(table_html(binding, cols, row_class=lambda r: "bind"))
    else:
        out.append('<p class="note">No balance rule binds: each could be tightened a little '
                   "without changing the plan.</p>")
    out.append(f"<details><summary>All {len(bal)} balance rows</summary>"
               + table_html(bal, cols, row_class=lambda r: "bind" if r["binding"] else "")
               + "</details>")
    return "".join(out)


def _tradeoff_section(res: Results) -> str:
    s = res.summary
    out = ['<h2 id="tradeoff">Efficiency against equity</h2>',
           ('<p class="lead">The payoff table holds the two extreme plans: the most efficient one '
            "(and the fairest among those) and the fairest one (and the most efficient among "
            "those). The <i>price of fairness</i> is the share of efficiency lost by putting "
            "equity first.</p>")]
    pt = payoff(s)
    plan = s.get("efficiency") is not None
    if pt:
        rows = pd.DataFrame([
            {"plan": "efficiency first", **pt.get("max_efficiency_first", {})},
            {"plan": "equity first", **pt.get("max_equity_first", {})},
            *([{"plan": "this plan", "efficiency": s.get("efficiency"),
                "equity": s.get("equity")}] if plan else []),
        ])
        tbl = table_html(rows, [("plan", "plan", "t"), ("efficiency", "efficiency", "n"),
                                ("equity", "equity", "n")])
        tbl += f'<p>Price of fairness: <b>{_e(price_of_fairness_words(s, pct))}</b>.'
        if plan:
            tbl += (f" This plan gives up {_e(efficiency_loss_words(s, pct))} of the best "
                    f"efficiency. Method: {_e(_method_words(s))}.")
        if s.get("status", "optimal") != "optimal":
            tbl += (" A time or iteration limit stopped the solver before the payoff table "
                    "was proven: its rows are the best plans found, not proven optima.")
        tbl += "</p>"
    else:
        tbl = '<p class="note">The payoff table was not computed.</p>'
    png = fig_tradeoff(res)
    F = res.pareto
    has_front = F is not None and len(F) > 0
    cap = ("The Pareto front: plans where efficiency can only rise if equity falls. "
           if has_front else "The Pareto front was not computed for this run (it appears here "
           "when the results folder has <code>pareto.csv</code>). ")
    cap += "Squares: the two lexicographic optima" + (
        "; red diamond: the recommended plan" if plan else "") + (
        "; star: the knee of the front." if has_front and "knee" in F else ".")
    spans = tradeoff_spans(res)
    words = [f"{k} by {num(v, 2)}%" for k, v in spans.items() if v is not None]
    if words:
        cap += (" The axes are zoomed to the plans shown, which differ only in "
                + " and ".join(words) + " of the best value: a small difference fills the "
                "chart. The top and right axes give each value as a percentage of the best.")
    if png:
        out.append('<div class="grid2">' + _figure_html(png, "efficiency against equity", cap)
                   + f"<div>{tbl}</div></div>")
    else:
        out.append(tbl)
    if has_front:
        cols = [(c, c, "n") for c in ("efficiency", "equity", "price_of_fairness") if c in F]
        if "knee" in F:
            cols.append(("knee", lambda r: "knee" if _truthy(r["knee"]) else "", "t"))
        extra = [c for c in F.columns if c not in ("efficiency", "equity", "price_of_fairness",
                                                   "knee")][:4]
        cols += [(c, c, "n" if pd.api.types.is_numeric_dtype(F[c]) else "t") for c in extra]
        out.append(f"<details><summary>The {len(F)} points of the Pareto front</summary>"
                   + table_html(F, cols) + "</details>")
    return "".join(out)


def _method_words(s: dict) -> str:
    m = s.get("method", "")
    return METHODS[m].words(s, num) if isinstance(m, str) and m in METHODS else str(m)


def _sensitivity_section(res: Results) -> str:
    out = ['<h2 id="sensitivity">Sensitivity</h2>']
    sc, sv = res.sens_constraints, res.sens_variables
    if (sc is None or len(sc) == 0) and (sv is None or len(sv) == 0):
        out.append('<p class="note">No sensitivity report was computed for this run.</p>')
        return "".join(out)
    out.append('<p class="lead">As in Excel Solver\'s sensitivity report, with the pairings and '
               "types held at the plan's values. Only rows with a non-zero shadow price are "
               "shown here; the CSV files have all of them.</p>")
    if sc is not None and len(sc) and "shadow_price" in sc:
        nz = sc[sc["shadow_price"].abs() > 1e-12].copy()
        nz = nz.reindex(nz["shadow_price"].abs().sort_values(ascending=False).index)
        cols = [(h, c, k) for h, c, k in (
            ("name", "name", "t"), ("final value", "final_value", "n"),
            ("shadow price", "shadow_price", "n"), ("R.H. side", "rhs", "n"),
            ("allowable increase", "allowable_increase", "n"),
            ("allowable decrease", "allowable_decrease", "n"), ("meaning", "meaning", "why"))
            if c in sc]
        out.append(f"<h3>Constraints with a shadow price ({len(nz)} of {len(sc)})</h3>")
        out.append(table_html(nz, cols, limit=200))
    if sv is not None and len(sv):
        rc = next((c for c in ("reduced_cost", "reduced cost") if c in sv), None)
        if rc:
            nz = sv[sv[rc].abs() > 1e-12].copy()
            nz = nz.reindex(nz[rc].abs().sort_values(ascending=False).index)
            cols = [(c.replace("_", " "), c, "t" if c in ("name", "meaning") else "n")
                    for c in ("name", "final_value", rc, "objective_coefficient",
                              "allowable_increase", "allowable_decrease", "meaning") if c in sv]
            out.append(f"<h3>Variables with a reduced cost ({len(nz)} of {len(sv)})</h3>")
            out.append(table_html(nz, cols, limit=200))
    return "".join(out)


def _sources_section(s: dict) -> str:
    out = ['<h2 id="sources">Data and sources</h2>']
    if s.get("description"):
        out.append(f"<p>{_e(s['description'])}</p>")
    rows = []
    if s.get("sources"):
        rows.append(("sources", s["sources"]))
    if s.get("instance_path"):
        rows.append(("instance", s["instance_path"]))
    for k, v in (s.get("units") or {}).items():
        rows.append((f"unit of {k}", v))
    if rows:
        out.append("<table><tbody>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>"
                                              for k, v in rows) + "</tbody></table>")
    res_ = s.get("resources") or {}
    if res_:
        df = pd.DataFrame([{"resource": k, **v} for k, v in res_.items()])
        cols = [("resource", "resource", "t"), ("unit", "unit", "t"), ("value of a unit",
                                                                        "value", "n")]
        cols += [(c, c, "t") for c in ("description", "source") if c in df]
        out.append("<h3>Resources</h3>" + table_html(df, cols))
    readme, prov = _instance_sources(s)
    if prov is not None and len(prov):
        out.append("<h3>Provenance of the numbers</h3>")
        counts = []
        for c in ("kind", "confidence"):
            if c in prov:
                vc = prov[c].replace("", "(none)").value_counts()
                counts.append(f"{c}: " + ", ".join(f"{_e(k)} {v}" for k, v in vc.items()))
        out.append(f"<p class=\"lead\">{len(prov)} entries trace the instance's numbers to a "
                   f"source, a derivation, an estimate or an assumption ("
                   + "; ".join(counts) + ").</p>")
        cols = [(c, c, "t") for c in ("file", "row", "column", "kind", "source", "formula",
                                      "confidence") if c in prov]
        out.append(f"<details><summary>All {len(prov)} provenance entries</summary>"
                   + table_html(prov, cols) + "</details>")
    if readme:
        out.append("<details><summary>The instance's README</summary><pre style=\"white-space:"
                   f"pre-wrap\">{_e(readme)}</pre></details>")
    if not (s.get("sources") or prov is not None or readme):
        out.append('<p class="note">The instance names no sources.</p>')
    return "".join(out)


def _run_section(s: dict) -> str:
    rows = [("status", f"{s.get('status')} — {s.get('message', '')}" if "status" in s else None),
            ("method", _method_words(s) if s.get("method") else None),
            ("equity measure", (s.get("equity_measure") or "") + (
                f", beta {num(s.get('beta'))}" if s.get("beta") else "")),
            ("solver", s.get("solver")), ("MIP gap", num(s.get("mip_gap")) if "mip_gap" in s
                                          else None),
            ("objective", num(s.get("objective"), 6) if "objective" in s else None)]
    for key in ("points", "solves", "seconds"):
        if key in s and not isinstance(s[key], (dict, list)):
            rows.append((key, num(s[key])))
    rows = [(k, v) for k, v in rows if v not in (None, "")]
    if s.get("soft_rules"):
        rows.append(("soft rules", ", ".join(f"{k} (penalty {num(v)})"
                                             for k, v in s["soft_rules"].items())))
    ms = s.get("model_size") or {}
    if ms:
        rows.append(("model size", ", ".join(f"{k.replace('_', ' ')} {num(v)}"
                                             for k, v in ms.items())))
    t = s.get("timings") or {}
    if t.get("total") is not None:
        rows.append(("time (s)", f"total {num(t['total'], 3)}, the sum of: " + ", ".join(
            f"{k} {num(v, 3)}" for k, v in time_parts(t))
            + (f" (inside them, HiGHS's own clock {num(t['highs_own'], 3)})"
               if t.get("highs_own") is not None else "")))
    if s.get("why_resolves"):
        rows.append(("why this type", s["why_resolves"]))
    return ('<h2 id="run">About this run</h2><table><tbody>'
            + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
            + "</tbody></table>")


# =========================================================================== writing
def write_report(folder: str | os.PathLike, out: str | os.PathLike | None = None,
                 progress=None, notes: list | None = None) -> Path:
    """Build ``report.html`` from the results in ``folder`` and return its path.

    ``out`` is another file to write instead; ``notes`` gets what the report could not show
    as it should (see :func:`build_html`). The file is written beside its final name and
    renamed into place, so a reader never sees half a report.
    """
    if not report_available():
        raise ReportUnavailable()
    res = load_results(folder)
    target = Path(out) if out is not None else Path(folder) / REPORT_FILE
    # a report beside its results never names their folder: it is often written into a
    # temporary folder renamed at the end (solve --out), and may be moved
    beside = target.resolve().parent == Path(folder).resolve()
    text = build_html(res, progress=progress,  # four charts: four steps
                      source=None if beside else str(folder), notes=notes)
    if progress is not None:
        progress("write")
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
