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


def chart_png(plan: dict, name: str) -> bytes:
    """The PNG of chart ``name`` of ``plan`` (the page's plan dict), cached in the plan."""
    from optimizer.errors import require

    require("matplotlib", "the workbench's pictures")
    from optimizer.report import Results
    from optimizer.report.charts import fig_outcomes, fig_pairings

    cache = plan.setdefault("_charts", {})
    if name not in cache:
        res = Results(folder=".", summary={}, pairings=pd.DataFrame(plan["pairings"]),
                      recipients=pd.DataFrame(plan["recipients"]), balance=pd.DataFrame())
        draw = {"pairings": fig_pairings, "outcomes": fig_outcomes}[name]
        with _LOCK:
            cache[name] = base64.b64decode(draw(res))
    return cache[name]
