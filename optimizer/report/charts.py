"""The report's charts: matplotlib figures as base64 PNG, and the fonts and labels they draw.

Each ``fig_*`` function takes a :class:`~optimizer.report.results.Results` and returns the
PNG's base64 text (embedded as a ``data:`` URL, so the report needs no network). Chinese
names are drawn with the Noto Sans CJK font of the ``report`` extra when it is there
(:func:`_fonts`); characters no chart font has are left out of the labels
(:func:`chart_label`) and the report says so (:func:`font_note`).
"""

from __future__ import annotations

import base64
import io
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..display import display_text
from ..equity import equity_words
from ..i18n import _, ngettext
from ..typology import type_name
from .measures import (
    gini,
    lorenz,
    num,
    payoff,
    region_names,
    share_change,
    tradeoff_spans,
    truthy,
    type_colours,
)
from .results import Results

BEFORE, AFTER, TARGET = "#9ecae1", "#08519c", "#d62728"
MAX_LABELLED = 60  # regions per side of a chart that still get a label each

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
    _f, faces, _t = _fonts()
    if not all(_drawable(ch, faces) for ch in s):
        s = " ".join("".join(ch if _drawable(ch, faces) else " " for ch in s).split())
    if not s:
        s = display_text(fallback) if fallback is not None else ""
        if not all(_drawable(ch, faces) for ch in s):
            s = "".join(ch for ch in s if _drawable(ch, faces))
    return display_text(s, MAX_LABEL) or "?"


def undrawable(texts) -> list[str]:
    """The characters of ``texts`` that no chart font draws (left out of the charts)."""
    _f, faces, _t = _fonts()
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
        return _("no font for Chinese names was found, so the charts show the Latin part of "
                 "those names (or their ids) instead: characters {chars} are left out; the "
                 "report extra brings one (pip install 'regcollab[report]', the Noto Sans CJK "
                 "font)").format(chars=shown)
    return _("the chart fonts cannot draw the characters {chars} of some names: the charts "
             "leave them out (the tables show the names whole)").format(chars=shown)


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
    families, _f, _t = _fonts()
    # text.parse_math False: a name with $ signs ($\\frac{a}$) is text, never mathtext
    return matplotlib.rc_context({"font.family": families, "font.size": 9,
                                  "text.parse_math": False, "text.usetex": False,
                                  "axes.spines.top": False, "axes.spines.right": False,
                                  "axes.titlesize": 10, "axes.titleweight": "bold",
                                  "svg.fonttype": "path"})


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
        ax.barh(y, rec["u"], color=AFTER, height=0.7, label=_("after the plan"))
        ax.barh(y, rec["u_before"], color=BEFORE, height=0.7, label=_("before (baseline)"))
        ax.axvline(1.0, color=TARGET, ls="--", lw=1.2, label=_("target"))
        ax.set_xlabel(_("outcome per person, as a share of the recipient's target"))
        ax.set_xlim(0, max(1.05, float(rec["u"].max()) * 1.05 if n else 1.05))
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_title(_("Outcome before and after, against the target"))
        if labelled:
            ax.set_yticks(y, [chart_label(v, i) for v, i in zip(rec["name"], rec["recipient"])])
        else:
            ax.set_yticks([])
            ax.set_ylabel(ngettext("{n} recipient, worst-off at the bottom",
                                   "{n} recipients, worst-off at the bottom", n).format(n=n))
        ax.legend(loc="lower right", fontsize=8, frameon=True)
        change = 100 * (rec["u"] - rec["u_before"])
        ax2.barh(y, change, color=AFTER, height=0.7)
        ax2.set_xlabel(_("change, percentage points of the target"))
        ax2.set_title(_("What the plan adds"))
        if labelled:
            for yi, c in zip(y, change):
                ax2.text(c, yi, f" +{c:.2f}", va="center", fontsize=7)
        ax2.set_xlim(0, max(float(change.max()) * 1.25, 1e-6) if n else 1)
        fig.tight_layout()
        return _png(fig)


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
        ax.plot([0, 1], [0, 1], color="#999999", lw=1, ls=":", label=_("perfect equality"))
        x0, y0 = lorenz(before, pop)
        x1, y1 = lorenz(after, pop)
        ax.plot(x0, y0, color=BEFORE, lw=2.2, marker="o", ms=3,
                label=_("before, Gini {gini}").format(gini=f"{g0:.4f}"))
        ax.plot(x1, y1, color=AFTER, lw=1.6, marker="o", ms=3,
                label=_("after, Gini {gini}").format(gini=f"{g1:.4f}"))
        ax.fill_between(x1, y1, x1, color=AFTER, alpha=0.06)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel(_("share of the recipients' population (poorest first)"))
        ax.set_ylabel(_("share of their total outcome"))
        ax.set_title(_("Lorenz curves of outcome per person"))
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
            ax2.set_ylabel(ngettext("{n} recipient, poorest at the top",
                                    "{n} recipients, poorest at the top", n).format(n=n))
        ax2.set_xlabel(_("change of share of the total outcome, percentage points"))
        ax2.set_title(_("Where the curves differ: who gains share"))
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
    names = region_names(res)
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
                ax.text(1.04, yv, chart_label(names.get(r, r), r) + ("" if p else _(" (unpaired)")),
                        ha="left", va="center")
        ax.set_xlim(-0.45 if labelled else -0.1, 1.45 if labelled else 1.1)
        ax.set_ylim(0, 1)
        ax.axis("off")
        ax.text(0, 1.01, _("partners"), ha="center", va="bottom", fontweight="bold")
        ax.text(1, 1.01, _("recipients"), ha="center", va="bottom", fontweight="bold")
        handles = [Line2D([], [], color=c, lw=4, label=chart_label(type_name(t)))
                   for t, c in colours.items()]
        value = _("value {value}")
        handles += [Line2D([], [], color="#777777", lw=0.8 + 7.2 * math.sqrt(f), label=lab)
                    for f, lab in ((0.1, value.format(value=f"{0.1 * vmax:.3g}")),
                                   (1.0, value.format(value=f"{vmax:.3g}")))]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=5,
                  fontsize=8, frameon=False)
        ax.set_title(_("Who pairs with whom: colour = collaboration type, width = value of "
                     "resources"), pad=26)
        fig.tight_layout()
        return _png(fig)


def _ink(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (a #rrggbb background)."""
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return "#1f2933" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def fig_roadmap(grid: dict, colours: dict) -> str:
    """The roadmap of a plan of several rounds: one row per pair, one column per round, each
    cell coloured by the pair's type in that round (white: not paired) with the pair's trust
    at the start of the round written in it. ``grid`` is
    :func:`optimizer.report.rounds.roadmap_grid`'s."""
    from matplotlib.colors import to_rgb
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    types, trust, rounds = grid["types"], grid["trust"], grid["rounds"]
    n, m = len(types), len(rounds)
    labelled = n <= MAX_LABELLED
    rgb = np.ones((max(n, 1), max(m, 1), 3))
    for i, row in enumerate(types):
        for j, t in enumerate(row):
            if t:
                rgb[i, j] = to_rgb(colours.get(t, "#777777"))
    with _rc():
        fig = Figure(figsize=(min(10, 2.6 + 1.3 * m), min(16, max(2.4, 0.3 * n + 1.4))))
        ax = fig.subplots()
        ax.imshow(rgb, aspect="auto", interpolation="nearest")
        ax.set_xticks(np.arange(m) - 0.5, minor=True)
        ax.set_yticks(np.arange(n) - 0.5, minor=True)
        ax.grid(which="minor", color="#d9e2ec", lw=1.5 if labelled else 0.3)
        ax.tick_params(which="minor", length=0)
        ax.set_xticks(np.arange(m), [_("round {label}").format(label=chart_label(r))
                                     for r in rounds])
        ax.xaxis.tick_top()
        if labelled:
            ax.set_yticks(np.arange(n), [chart_label(v) for v in grid["labels"]])
            for i, row in enumerate(types):
                for j, t in enumerate(row):
                    if not math.isnan(trust[i][j]):
                        ax.text(j, i, _("trust {trust}").format(trust=f"{trust[i][j]:.2f}"),
                                ha="center", va="center",
                                fontsize=7.5, color=_ink(colours.get(t, "#ffffff")))
        else:
            ax.set_yticks([])
            ax.set_ylabel(ngettext("{n} pair", "{n} pairs", n).format(n=n))
        used = {t for row in types for t in row if t}
        handles = [Patch(color=c, label=chart_label(type_name(t))) for t, c in colours.items()
                   if t in used]
        handles.append(Patch(facecolor="white", edgecolor="#999999", label=_("not paired")))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.04),
                  ncol=len(handles), fontsize=8, frameon=False)
        ax.set_title(_("Each pair's type round by round, and its trust at the start"), pad=8)
        fig.tight_layout()
        return _png(fig)


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
    with _rc():
        fig = Figure(figsize=(6.6, 5.4))
        ax = fig.subplots()
        knee_xy = _draw_front(ax, F) if has_front else None
        if pt:
            _draw_payoff(ax, pt)
        if None not in plan:
            _draw_plan(ax, plan, knee_xy)
        _tradeoff_axes(ax, res, pt)
        ax.set_title(_("Efficiency against equity"), pad=8)
        ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3,
                  frameon=False)  # below the axes: never over a plan
        fig.tight_layout()
        return _png(fig)


def _draw_front(ax, F: pd.DataFrame) -> tuple[float, float] | None:
    """The Pareto front and its knee; returns the knee's point (None without one)."""
    Fs = F.sort_values("efficiency")
    ax.plot(Fs["efficiency"], Fs["equity"], "-o", color="#555555", ms=4, lw=1.2,
            label=_("Pareto front"), zorder=2)
    if "knee" not in F:
        return None
    knee = F[F["knee"].map(truthy)]
    if not len(knee):
        return None
    ax.scatter(knee["efficiency"], knee["equity"], marker="*", s=260, color="#E69F00",
               edgecolors="black", linewidths=0.6, zorder=4, label=_("knee of the front"))
    return float(knee["efficiency"].iloc[0]), float(knee["equity"].iloc[0])


def _draw_payoff(ax, pt: dict) -> None:
    """The payoff table's two lexicographic optima and the ideal point."""
    a, b = pt.get("max_efficiency_first", {}), pt.get("max_equity_first", {})
    if a:
        ax.scatter([a["efficiency"]], [a["equity"]], marker="s", s=60, color="#0072B2",
                   zorder=3, label=_("efficiency first"))
    if b:
        ax.scatter([b["efficiency"]], [b["equity"]], marker="s", s=60, color="#009E73",
                   zorder=3, label=_("equity first"))
    ide = pt.get("ideal")
    if ide:
        ax.scatter([ide["efficiency"]], [ide["equity"]], marker="o", s=60, facecolors="none",
                   edgecolors="#999999", zorder=3, label=_("ideal (not reachable)"))


def _draw_plan(ax, plan: tuple, knee_xy) -> None:
    """The recommended plan, hollow and on top (a knee under it still shows through), and
    the labels of the plan and the knee."""
    ax.scatter([plan[0]], [plan[1]], marker="D", s=150, facecolors="none",
               edgecolors=TARGET, linewidths=2.2, zorder=6, label=_("this plan"))
    same = knee_xy is not None and all(
        abs(p - k) <= 1e-6 * max(1.0, abs(k)) for p, k in zip(plan, knee_xy))
    ax.annotate(_("this plan = knee") if same else _("this plan"), plan,
                xytext=(-16, 16), textcoords="offset points", ha="right", color=TARGET,
                fontsize=8, fontweight="bold", zorder=7,
                arrowprops={"arrowstyle": "-", "color": TARGET, "lw": 0.8})
    if knee_xy is not None and not same:
        ax.annotate(_("knee"), knee_xy, xytext=(16, -18), textcoords="offset points",
                    color="#8a5a00", fontsize=8, fontweight="bold", zorder=7,
                    arrowprops={"arrowstyle": "-", "color": "#8a5a00", "lw": 0.8})


def _tradeoff_axes(ax, res: Results, pt: dict) -> None:
    """Axis labels, the axes in % of the best value, and how far the plans spread."""
    s = res.summary
    unit = (s.get("units") or {}).get("gain")
    ax.set_xlabel(_("efficiency (total gain net of setup{unit})").format(
        unit=f", {chart_label(unit)}" if unit else ""))
    m = s.get("equity_measure")
    ax.set_ylabel(_("equity ({measure})").format(measure=equity_words(m)) if m else _("equity"))
    ax.ticklabel_format(useOffset=False)
    ide = (pt or {}).get("ideal") or {}
    e_best, q_best = ide.get("efficiency"), ide.get("equity")
    if e_best:
        sec = ax.secondary_xaxis("top", functions=(lambda v: 100 * v / e_best,
                                                   lambda p: p * e_best / 100))
        sec.set_xlabel(_("{percent} of the best efficiency").format(percent="%"), fontsize=8)
    if q_best:
        sec = ax.secondary_yaxis("right", functions=(lambda v: 100 * v / q_best,
                                                     lambda p: p * q_best / 100))
        sec.set_ylabel(_("{percent} of the best equity").format(percent="%"), fontsize=8)
    spans = tradeoff_spans(res)
    words = [_(k) + f" {num(v, 2)}%" for k, v in spans.items() if v is not None]
    if words:
        ax.text(0.01, 0.01, _("axes zoomed to the plans: they differ by at most\n{spans} of the "
                              "best").format(spans=_(" and ").join(words)), transform=ax.transAxes,
                fontsize=7.5, color="#52606d", va="bottom", ha="left",
                bbox={"facecolor": "white", "edgecolor": "#d9e2ec", "pad": 2})


def chart_texts(res: Results) -> list[str]:
    """The texts from the data that the charts draw: region names, types, units."""
    texts = []
    if len(res.recipients) and "name" in res.recipients:
        texts += list(res.recipients["name"].astype(str))
    if len(res.pairings):
        texts += [str(v) for c in ("partner_name", "recipient_name", "type")
                  if c in res.pairings for v in res.pairings[c]]
    texts += [str(v) for v in (res.summary.get("units") or {}).values()]
    if res.roadmap is not None and "round_label" in res.roadmap:
        texts += [str(v) for v in res.roadmap["round_label"].dropna()]
    return texts

