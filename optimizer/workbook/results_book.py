"""``results.xlsx``: a results folder as one workbook, with Excel Solver's reports.

:func:`write_results_workbook` writes the summary, one sheet per table, an **Answer Report**
and a **Sensitivity Report** in the layouts of Excel Solver's.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd

from ..equity import equity_value
from ..i18n import N_, _, use_language
from ..typology import type_name
from ..results import column_words, read_result_csv
from ..rules import BY_NAME
from ..rules.base import BINDING
from .cells import BAD_SHEET_CHARS, add_table, append_row, need_openpyxl, save, style_header

EXCEL_INF = 1e30  # Excel Solver's "infinity"
RESULT_ORDER = ("pairings", "allocations", "recipients", "balance", "roadmap", "partners",
                "clusters", "pareto", "sensitivity_constraints", "sensitivity_variables")
RESULTS_FILE = "results.xlsx"
ANSWER_SHEET = N_("Answer Report")
SENSITIVITY_SHEET = N_("Sensitivity Report")

SHEET_WORDS = {"summary": N_("summary"), "pairings": N_("pairings"),
               "allocations": N_("allocations"), "recipients": N_("recipients"),
               "balance": N_("balance"), "roadmap": N_("roadmap"), "partners": N_("partners"),
               "clusters": N_("clusters"), "pareto": N_("pareto"),
               "sensitivity_constraints": N_("sensitivity_constraints"),
               "sensitivity_variables": N_("sensitivity_variables")}
"""The sheets of results.xlsx by their CSV file's stem, as the planner's language names them
(the CSV files keep their names)."""



def _result_cell(v):
    """A pandas value as a cell: infinities as Excel Solver's ±1E+30, missing as empty."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float):
        if math.isnan(v):
            return None
        if math.isinf(v):
            return EXCEL_INF if v > 0 else -EXCEL_INF
    return v


def summary_rows(d, prefix: str = "") -> list[list]:
    """A summary (nested dicts and lists) as rows (key path, value): every dict and list is
    flattened (``payoff_table.ideal.efficiency``, ``warnings[1]``, ``stages[2].seconds``),
    so that no cell holds JSON."""
    rows = []
    items = d.items() if isinstance(d, dict) else ((f"[{i + 1}]", v) for i, v in enumerate(d))
    for k, v in items:
        key = f"{prefix}{k}" if isinstance(d, list) or not prefix else f"{prefix}.{k}"
        if isinstance(v, (dict, list)) and v:
            rows += summary_rows(v, key)
        elif isinstance(v, (dict, list)):
            rows.append([key, "(none)"])
        else:
            rows.append([key, _result_cell(v)])
    return rows


class _Names:
    """Region names of a results folder (from its pairings and recipients), for labels."""

    def __init__(self, frames: dict):
        self.of: dict[str, str] = {}
        p = frames.get("pairings")
        if p is not None and len(p):
            for col, name in (("partner", "partner_name"), ("recipient", "recipient_name")):
                if col in p and name in p:
                    self.of.update(zip(p[col].astype(str), p[name].astype(str)))
        r = frames.get("recipients")
        if r is not None and len(r) and "recipient" in r and "name" in r:
            self.of.update(zip(r["recipient"].astype(str), r["name"].astype(str)))

    def __call__(self, ident: str) -> str:
        return self.of.get(ident, ident)


LATER_ROUND = re.compile(r"^(.*)@([0-9]+)$")
"""The model's suffix of a later round's row (``X@2``, ``X,funds@3``: optimizer.rounds)."""


def constraint_label(rule: str, entity: str, names, rounds: bool = False) -> str:
    """A row of the model in the planner's words, as Excel Solver's Name column shows it
    (``supply[SZ,funds]``: "Shenzhen funds supply"). In a plan of several rounds
    (``rounds``) a later round's row says its round (``supply[SZ,funds@2]``: "Shenzhen funds
    supply, round 2")."""
    entity = str(entity) if entity else ""
    later = LATER_ROUND.match(entity) if rounds else None
    if later:
        entity = later.group(1)
    parts = entity.split(",") if entity else []
    known = BY_NAME.get(rule)
    if known is not None:
        label = known.row_label(parts, names)
    else:
        label = (_("first objective held ({entity})").format(entity=entity) if rule == "hold"
                 else None)
    label = label if label else f"{rule} {', '.join(names(x) for x in parts)}".strip()
    return _("{label}, round {n}").format(label=label, n=later.group(2)) if later else label


def variable_label(partner, recipient, resource, typ, names) -> str:
    """A flow in the planner's words: "Harbour City -> Hill County funds (institutional)"."""
    return f"{names(str(partner))} → {names(str(recipient))} {resource} ({type_name(typ)})"


def _report_title(ws, title: str, lines: list[str]) -> None:
    from openpyxl.styles import Font

    append_row(ws, [title])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
    for line in lines:
        append_row(ws, [line], limit_text=True)
    append_row(ws, [])


def _block(ws, title: str, heads: list[str], rows: list[list]) -> None:
    from openpyxl.styles import Font

    append_row(ws, [_(title)])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    append_row(ws, [_(h) for h in heads])
    for c in range(1, len(heads) + 1):
        ws.cell(row=ws.max_row, column=c).font = Font(bold=True)
    for r in rows:
        append_row(ws, [_result_cell(v) for v in r], limit_text=True)
    append_row(ws, [])


def _widths(ws, widths) -> None:
    from openpyxl.utils import get_column_letter

    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w


def _sensitivity_sheet(wb, summary: dict, cons: pd.DataFrame | None,
                       var: pd.DataFrame | None, names, rounds: bool = False) -> None:
    ws = wb.create_sheet(_(SENSITIVITY_SHEET))
    _report_title(ws, _("regcollab Sensitivity Report (in the layout of Excel Solver's)"), [
        _("Instance: {instance}").format(instance=summary.get("instance", "")),
        _("Duals of the LP with every pairing and type fixed at the plan's values; 1E+30 means "
          "infinity. Cell: the model's name of the variable or rule; Name: in words.")])
    if var is not None and len(var):
        rows = []
        for r in var.to_dict("records"):
            label = (variable_label(r["partner"], r["recipient"], r["resource"], r["type"], names)
                     if all(k in r for k in ("partner", "recipient", "resource", "type"))
                     else r.get("name"))
            rows.append([r.get("name"), label, r.get("final_value"), r.get("reduced_cost"),
                         r.get("objective_coefficient"), r.get("allowable_increase"),
                         r.get("allowable_decrease")])
        _block(ws, N_("Variable Cells"), [
            N_("Cell"), N_("Name"), N_("Final Value"), N_("Reduced Cost"),
            N_("Objective Coefficient"), N_("Allowable Increase"), N_("Allowable Decrease")], rows)
    if cons is not None and len(cons):
        rows = []
        for r in cons.to_dict("records"):
            label = (constraint_label(r["rule"], r.get("entity", ""), names, rounds)
                     if "rule" in r else r.get("name"))
            rows.append([r.get("name"), label, r.get("final_value"), r.get("shadow_price"),
                         r.get("rhs"), r.get("allowable_increase"), r.get("allowable_decrease")])
        _block(ws, N_("Constraints"), [
            N_("Cell"), N_("Name"), N_("Final Value"), N_("Shadow Price"),
            N_("Constraint R.H. Side"), N_("Allowable Increase"), N_("Allowable Decrease")], rows)
    _widths(ws, (30, 44, 13, 13, 20, 18, 18))


def _slack(value: float, rhs: float, sense: str) -> float:
    if sense == "<=":
        return rhs - value
    if sense == ">=":
        return value - rhs
    return abs(value - rhs)


def _status(slack: float, bound: float, violation: float = 0.0) -> str:
    if violation > BINDING * max(1.0, abs(bound)):
        return _("Violated (soft rule)")
    return _("Binding") if abs(slack) <= BINDING * max(1.0, abs(bound)) else _("Not Binding")


def _objective_cells(summary: dict, frames: dict) -> list[list]:
    """Efficiency, equity (and the penalty): "Original" is the baseline with no pairings."""
    rec = frames.get("recipients")
    before = None
    measure, beta = summary.get("equity_measure"), summary.get("beta")
    if rec is not None and len(rec) and "u_before" in rec and measure in ("tail", "maxmin"):
        before = equity_value(pd.to_numeric(rec["u_before"]).to_numpy(float), measure,
                              float(beta) if beta is not None else 0.25)
    unit = (summary.get("units") or {}).get("gain", "")
    equity = (_("Equity: mean normalised outcome u of the worst {beta} share of the "
                "recipients").format(beta=f"{float(beta):g}")
              if measure == "tail" and beta is not None else
              _("Equity: lowest normalised outcome u"))
    objective = [
        ["efficiency", _("Efficiency: total gain{unit}").format(unit=f" ({unit})" if unit else ""),
         0.0, summary.get("efficiency")],
        ["equity", equity, before, summary.get("equity")],
    ]
    if summary.get("penalty"):
        objective.append(["penalty", _("Penalty of broken soft rules"), 0.0,
                          summary.get("penalty")])
    return objective


def _variable_cells(frames: dict, names) -> list[list]:
    """The pairings (binary) and the flows of the plan."""
    variables = []
    pair = frames.get("pairings")
    if pair is not None and len(pair):
        for r in pair.to_dict("records"):
            variables.append([f"z[{r['partner']},{r['recipient']},{r['type']}]",
                              f"{names(str(r['partner']))} - {names(str(r['recipient']))} "
                              + _("paired as {type}").format(type=type_name(r["type"])),
                              0, 1, _("Binary")])
    alloc = frames.get("allocations")
    if alloc is not None and len(alloc):
        for r in alloc.to_dict("records"):
            variables.append([f"x[{r['partner']},{r['recipient']},{r['resource']},{r['type']}]",
                              variable_label(r["partner"], r["recipient"], r["resource"],
                                             r["type"], names), 0.0, r["amount"], _("Contin")])
    return variables


def _balance_row(r: dict, names) -> list:
    """A row of balance.csv as a constraint of the Answer Report (a later round's row named
    as the model names it: ``coverage[X@2]``)."""
    res = r.get("resource")
    res = "" if res is None or (isinstance(res, float) and math.isnan(res)) else str(res)
    entity = f"{r['recipient']},{res}" if res else str(r["recipient"])
    n = r.get("round")
    rounds = n is not None and not (isinstance(n, float) and math.isnan(n))
    if rounds and int(n) > 1:
        entity += f"@{int(n)}"
    cell = f"{r['rule']}[{entity}]"
    value, bound = float(r["value"]), float(r["bound"])
    violation = float(r.get("violation") or 0.0)
    if isinstance(r.get("violation"), float) and math.isnan(r["violation"]):
        violation = 0.0
    soft = str(r.get("soft")).lower() == "true"
    return [cell, constraint_label(r["rule"], entity, names, rounds), value,
            f"{cell} >= {bound:.10g}" + (_(" (soft)") if soft else ""),
            _status(value - bound, bound, violation), value - bound]


def _constraint_rows(frames: dict, names) -> list[list]:
    """The model's rows with their status and slack: supply and absorptive capacity from the
    sensitivity report, the balance rules in the planner's terms from balance.csv."""
    constraints = []
    rounds = frames.get("roadmap") is not None
    cons = frames.get("sensitivity_constraints")
    bal = frames.get("balance")
    balance_rules = set(bal["rule"]) if bal is not None and len(bal) else set()
    if cons is not None and len(cons):
        for r in cons.to_dict("records"):
            if r.get("rule") in balance_rules:
                continue  # in the planner's terms below, from balance.csv
            sense = r.get("sense", "<=")
            value, rhs = float(r["final_value"]), float(r["rhs"])
            slack = _slack(value, rhs, sense)
            label = constraint_label(r["rule"], r.get("entity", ""), names, rounds)
            constraints.append([r["name"], label, value, f"{r['name']} {sense} {rhs:.10g}",
                                _status(slack, rhs), slack])
    if bal is not None and len(bal):
        constraints += [_balance_row(r, names) for r in bal.to_dict("records")]
    if cons is None:
        constraints.append(["", _("(the supply and absorptive-capacity rows come with the "
                              "sensitivity report: regcollab solve INSTANCE --out DIR writes "
                              "it)"), None, None, None, None])
    return constraints


def _answer_sheet(wb, summary: dict, frames: dict, names) -> None:
    """Excel Solver's Answer Report: the objective cells, the variable cells and the
    constraints with their status (binding or not) and slack. "Original" is the baseline with
    no pairings: efficiency 0 and the equity of the outcomes before the plan."""
    ws = wb.create_sheet(_(ANSWER_SHEET))
    status = summary.get("status", "")
    _report_title(ws, _("regcollab Answer Report (in the layout of Excel Solver's)"), [
        _("Instance: {instance}").format(instance=summary.get("instance", "")),
        _("Result: {message} (status {status}; method {method})").format(
            message=_(summary.get("message", status)), status=status,
            method=summary.get("method", "")),
        _("Solver engine: {solver}; time {seconds} s").format(
            solver=summary.get("solver", ""),
            seconds=(summary.get("timings") or {}).get("total", "")),
        _("Original values: the baseline with no pairings; Final values: the plan.")])
    _block(ws, N_("Objective Cells (Max)"),
           [N_("Cell"), N_("Name"), N_("Original Value"), N_("Final Value")],
           _objective_cells(summary, frames))
    _block(ws, N_("Variable Cells"),
           [N_("Cell"), N_("Name"), N_("Original Value"), N_("Final Value"), N_("Integer")],
           _variable_cells(frames, names))
    _block(ws, N_("Constraints"),
           [N_("Cell"), N_("Name"), N_("Cell Value"), N_("Formula"), N_("Status"), N_("Slack")],
           _constraint_rows(frames, names))
    _widths(ws, (34, 48, 14, 40, 20, 14))


def _read_result(path: Path) -> pd.DataFrame:
    try:
        return read_result_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def _results_of(folder: Path) -> tuple[dict, dict]:
    """The summary of a results folder and its CSV tables by stem (each read when its sheet
    is written: a table a sheet cannot hold is never read)."""
    summary = {}
    sp = folder / "summary.json"
    if sp.is_file():
        summary = json.loads(sp.read_text(encoding="utf-8"))
    return summary, {f.stem: (lambda f=f: _read_result(f)) for f in folder.glob("*.csv")}


def write_results_workbook(folder, path=None, files=None, lang: str | None = None) -> Path:
    """``results.xlsx`` of a results folder: the summary, one sheet per CSV table, Excel
    Solver's Answer Report (for a plan) and Sensitivity Report (when the folder has one).
    Ids and names stay text exactly as in the CSV files. Returns its path.

    ``files`` (a :class:`~optimizer.results.ResultFiles`) are the folder's results as a solve
    holds them in memory; without them the folder's files are read. ``lang``: the language
    of the sheet names, headers and the Solver reports' words (default: the current one;
    zh names the reports' columns as Excel's Chinese edition does); the cells' values are
    the CSV files' in both."""
    with use_language(lang):
        return _write_results_workbook(folder, path, files)


def _write_results_workbook(folder, path, files) -> Path:
    openpyxl = need_openpyxl()
    folder = Path(folder)
    path = Path(path) if path is not None else folder / RESULTS_FILE
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = _(SHEET_WORDS["summary"])
    summary, tables = _results_of(folder) if files is None else (files.summary, files.tables)
    append_row(ws, [_("key"), _("value")])
    for r in summary_rows(summary):
        append_row(ws, r, limit_text=True)
    style_header(ws, 2, [34, 60])
    names = [n for n in RESULT_ORDER if n in tables]
    names += sorted(n for n in tables if n not in RESULT_ORDER)
    frames = {}
    for n in names:
        if len(n) > 31 or BAD_SHEET_CHARS.search(n) or n in (ANSWER_SHEET, SENSITIVITY_SHEET):
            continue
        df = tables[n]() if callable(tables[n]) else tables[n]
        frames[n] = df
        rows = [[_result_cell(v) for v in r] for r in df.itertuples(index=False)]
        add_table(wb, _(SHEET_WORDS[n]) if n in SHEET_WORDS else n,
                  [column_words(str(c)) for c in df.columns], rows, limit_text=True)
    region = _Names(frames)
    if "pairings" in frames and summary.get("status") in ("optimal", "time_limit"):
        _answer_sheet(wb, summary, frames, region)
    if "sensitivity_constraints" in frames or "sensitivity_variables" in frames:
        _sensitivity_sheet(wb, summary, frames.get("sensitivity_constraints"),
                           frames.get("sensitivity_variables"), region,
                           rounds="roadmap" in frames)
    return save(wb, path)
