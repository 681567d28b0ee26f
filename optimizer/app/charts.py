"""The report's pictures of a plan the page shows (optimizer/report/charts.py): the pairings
(coloured by type, as wide as the resources) and the outcomes before and after. Drawn by the
server from the plan's tables when the page asks for them, for solved plans and points of the
front alike, once per plan."""

from __future__ import annotations

import base64
import threading

import pandas as pd

CHARTS = ("pairings", "outcomes")
_LOCK = threading.Lock()  # the report's charts set matplotlib's global style while drawing


def chart_png(plan: dict, name: str, lang: str | None = None) -> bytes:
    """The PNG of chart ``name`` of ``plan`` (the page's plan dict) in ``lang`` (the report's
    charts say their words in the current language), cached in the plan."""
    from optimizer.errors import require
    from optimizer.i18n import _, check_language, use_language

    with use_language(lang):
        require("matplotlib", _("the workbench's pictures"))
    from optimizer.report import Results
    from optimizer.report.charts import fig_outcomes, fig_pairings

    cache = plan.setdefault("_charts", {})
    key = (name, check_language(lang))
    if key not in cache:
        res = Results(folder=".", summary={}, pairings=pd.DataFrame(plan["pairings"]),
                      recipients=pd.DataFrame(plan["recipients"]), balance=pd.DataFrame())
        draw = {"pairings": fig_pairings, "outcomes": fig_outcomes}[name]
        with _LOCK, use_language(key[1]):
            cache[key] = base64.b64decode(draw(res))
    return cache[key]
