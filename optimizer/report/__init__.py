"""Stage 7: the planner's report, one self-contained HTML file built from results.

:func:`write_report` builds ``report.html`` from what ``regcollab solve --out DIR`` wrote
(``summary.json``, ``pairings.csv``, ``recipients.csv``, ``balance.csv``, ``roadmap.csv`` for
a plan of several rounds, and, when an analysis added them, ``pareto.csv``,
``sensitivity_constraints.csv``, ``sensitivity_variables.csv``): from the solve's tables in
memory while the folder is written, or read from the folder (``regcollab report DIR``
rebuilds it at any time, for example after an analysis has added a Pareto front or a
sensitivity report). The file needs
no network: its styles are inline and its charts are PNG images drawn with matplotlib and
embedded as base64 ``data:`` URLs. It holds no script.

- ``results.py``: :class:`Results`, from a folder (:func:`load_results`) or from memory;
- ``measures.py``: Lorenz curves, Gini, shares, the payoff table, number formats, colours;
- ``charts.py``: the matplotlib figures, their fonts and labels;
- ``rounds.py``: what the Roadmap section shows of a plan of several rounds (the pairs x
  rounds grid of types and trust, the outcomes after each round);
- ``sections.py``: the data each section of the report shows;
- ``mechanisms.py``: the income sharing and clusters sections (MODEL-v2 B, C; shown when the
  plan has ``partners.csv`` / ``clusters.csv``), their figures, and the price of
  participation in the trade-off section;
- ``html.py``: the jinja2 templates (``templates/``) rendered with autoescaping, and
  :func:`write_report`.

matplotlib and jinja2 come with the ``report`` extra (``pip install 'regcollab[report]'``);
without them :func:`write_report` raises :class:`ReportUnavailable` (a
:class:`~optimizer.errors.MissingExtra`, exit status 5).
"""

from __future__ import annotations

from .charts import (chart_label, chart_texts, fig_lorenz, fig_outcomes, fig_pairings,
                     fig_tradeoff, font_note)
from .html import ReportUnavailable, build_html, report_available, write_report
from .measures import gini, gini_words, lorenz, method_words, num, share_change, tradeoff_spans
from .results import REPORT_FILE, Results, load_results
from .sections import rule_words

__all__ = ["REPORT_FILE", "ReportUnavailable", "Results", "build_html", "chart_label",
           "chart_texts", "fig_lorenz", "fig_outcomes", "fig_pairings", "fig_tradeoff",
           "font_note", "gini", "gini_words", "load_results", "lorenz", "method_words", "num",
           "report_available", "rule_words", "share_change", "tradeoff_spans", "write_report"]
