"""A results folder as data: which files each command writes, the columns and summary keys the
report and the workbook read, and the check that a folder (perhaps edited by hand) can still
be read.

``regcollab report`` (and every rebuild of a report) calls :func:`check_results` first, so a
removed column, a broken ``summary.json`` or a word where a number belongs gives one line that
names the file and what is wrong (exit status 2), as a bad instance does, never a traceback.
:func:`legacy_command` recognises the folders of older versions, written before the manifest
(:data:`optimizer.files.MANIFEST`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .i18n import N_, _

REPORT_FILES = ("report.html", "results.xlsx")
"""What ``regcollab report`` (re)writes in a results folder (the report and the workbook)."""

COMMAND_FILES = {
    "solve": ("pairings.csv", "allocations.csv", "recipients.csv", "balance.csv",
              "roadmap.csv", "partners.csv", "clusters.csv", "summary.json", "sensitivity_constraints.csv",
              "sensitivity_variables.csv"),
    "pareto": ("pareto.csv", "summary.json"),
    "sensitivity": ("sensitivity_constraints.csv", "sensitivity_variables.csv", "summary.json"),
    "sweep": ("sweep.csv",),
    "robustness": ("robustness.csv", "samples.csv", "gsa.csv"),
}
"""The files each command writes into its ``--out`` folder (besides the report files)."""

ANCHORS = (("pairings.csv", "solve"), ("pareto.csv", "pareto"),
           ("sensitivity_constraints.csv", "sensitivity"), ("sweep.csv", "sweep"),
           ("robustness.csv", "robustness"))
"""The file that tells which command wrote a folder, first match wins."""


def added_summary(command: str) -> str:
    """Where an analysis added to a solve's folder keeps its summary (the solve's stays)."""
    return f"{command}_summary.json"


def legacy_command(folder: Path, entries) -> str | None:
    """The command that wrote a folder of an older version (no manifest), or None when the
    folder holds anything but result files (then regcollab did not write it)."""
    known = {f for files in COMMAND_FILES.values() for f in files} | set(REPORT_FILES)
    known |= {added_summary(c) for c in COMMAND_FILES}
    entries = set(entries)
    if not entries or not entries <= known:
        return None
    if any((Path(folder) / e).is_dir() for e in entries):
        return None
    for anchor, command in ANCHORS:
        if anchor in entries:
            if "summary.json" in COMMAND_FILES[command] and "summary.json" not in entries:
                return None
            return command
    return None


TEXT_COLUMNS = ("id", "partner", "partner_name", "recipient", "recipient_name", "name", "type",
                "resource", "rule", "entity", "sense", "partner_ids", "eligible_types", "reason",
                "meaning", "round_label", "member_partners", "member_recipients",
                "clusters")
"""Columns of the result files that hold ids, names and words: read back as text, exactly."""


def read_result_csv(path) -> pd.DataFrame:
    """A result file as written: ids and names as text exactly (``NA``, ``None``, ``01``,
    ``1e0`` stay what they are; pandas would otherwise read ``NA`` as missing and ``01`` as 1),
    numbers as numbers, an empty field as missing."""
    return pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS}, keep_default_na=False,
                       na_values=[""])


OPTIONAL_FILES = ("roadmap.csv", "partners.csv", "clusters.csv", "pareto.csv", "sensitivity_constraints.csv",
                  "sensitivity_variables.csv")
"""Result files a solve of several rounds (``roadmap.csv``), with income sharing
(``partners.csv``) or with clusters (``clusters.csv``) writes, or an analysis may add to a
solve's folder (the report shows them when there)."""


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return read_result_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(_("cannot be read as CSV: {error}").format(error=exc),
                         file=path.name) from None


@dataclass
class ResultFiles:
    """A results folder as data: ``summary.json`` as a dict and each CSV table by its file's
    stem (``pairings``, ``balance``, ``sensitivity_constraints``, ...). A solve builds it in
    memory and writes the folder from it (the report and the workbook take it as it is);
    :func:`read_folder` reads it back from a folder (``regcollab report DIR``)."""

    summary: dict
    tables: dict


PLAN_TABLES = ("pairings", "recipients", "balance", "allocations")
"""The tables of a plan (``regcollab solve``), in the order a report asks for them."""


def read_folder(folder) -> ResultFiles:
    """Read a results folder written by ``regcollab solve --out``: its summary, the plan's
    tables it has (:data:`PLAN_TABLES`) and the files an analysis may add
    (:data:`OPTIONAL_FILES`). A folder that is not a results folder, or a file that cannot be
    read, raises :class:`InputError`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(_("the results folder '{folder}' does not exist").format(
            folder=folder))
    sp = folder / "summary.json"
    if not sp.is_file():
        raise InputError(_("'{folder}' is not a results folder: summary.json is missing (write "
                           "one with: regcollab solve INSTANCE --out {folder})").format(
            folder=folder))
    try:
        summary = json.loads(sp.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(_("is not valid JSON: {error}").format(error=exc),
                         file="summary.json") from None
    tables = {}
    for fname in (*(f"{n}.csv" for n in PLAN_TABLES), *OPTIONAL_FILES):
        p = folder / fname
        if p.is_file():  # (a folder of 'regcollab pareto --out' has no plan)
            tables[p.stem] = _read_csv(p)
    if "pairings" not in tables and "pareto" not in tables:
        raise InputError(_("'{folder}' holds neither a plan (pairings.csv) nor a Pareto front "
                           "(pareto.csv): write one with: regcollab solve INSTANCE --out "
                           "{folder}").format(folder=folder))
    return ResultFiles(summary, tables)


# ================================================================================ the schema
@dataclass(frozen=True)
class ResultColumn:
    name: str
    kind: str  # "text" | "number" | "bool"
    needed: bool = False  # the report cannot do without it
    finite: bool = False  # a finite number on every row (it is drawn)


def _cols(spec: str, kind: str, needed=False, finite=False) -> tuple:
    return tuple(ResultColumn(n, kind, needed, finite) for n in spec.split())


COLUMNS = {
    "pairings.csv": (
        *_cols("partner recipient partner_name type", "text", needed=True),
        *_cols("recipient_name eligible_types reason", "text"),
        ResultColumn("value", "number", finite=True),
        *_cols("gain capacity setup pot ben comp", "number"),
        ResultColumn("fixed", "bool"),
    ),
    "recipients.csv": (
        *_cols("recipient name", "text", needed=True),
        *_cols("population baseline outcome u_before u", "number", needed=True, finite=True),
        *_cols("target share_of_mean gain capacity partners", "number"),
        ResultColumn("partner_ids", "text"),
    ),
    "balance.csv": (
        *_cols("rule recipient resource", "text", needed=True),
        *_cols("bound slack violation", "number", needed=True, finite=True),
        ResultColumn("penalty", "number", needed=True),
        ResultColumn("soft", "bool", needed=True),
        ResultColumn("value", "number", needed=True, finite=True),  # (the Answer Report)
        *_cols("shadow_price allowable_increase allowable_decrease", "number"),
        ResultColumn("row", "number", finite=True),
        ResultColumn("round", "number", finite=True),  # (plans of several rounds)
    ),
    "roadmap.csv": (  # plans of several rounds; its resource columns are numbers too
        *_cols("partner recipient", "text", needed=True),
        ResultColumn("round", "number", needed=True, finite=True),
        ResultColumn("type", "text", needed=True),  # (empty: not paired that round)
        ResultColumn("round_label", "text"),
        *_cols("gain trust", "number", needed=True, finite=True),
    ),
    "partners.csv": (  # income sharing (MODEL-v2 B)
        *_cols("partner name", "text", needed=True),
        *_cols("required credited spillover return slack", "number", needed=True, finite=True),
        *_cols("round sent_value", "number"),
    ),
    "clusters.csv": (  # virtual industrial clusters (MODEL-v2 C)
        *_cols("id name", "text", needed=True),
        ResultColumn("formed", "bool", needed=True),
        *_cols("links min_links synergy_gain setup net", "number", needed=True, finite=True),
        *_cols("round synergy", "number"),
        *_cols("member_partners member_recipients", "text"),
    ),
    "allocations.csv": (  # (results.xlsx's Answer Report lists every flow by these)
        *_cols("partner recipient type resource", "text", needed=True),
        *_cols("amount", "number", needed=True, finite=True),
        *_cols("gain", "number"),
    ),
    "pareto.csv": (
        *_cols("efficiency equity", "number", needed=True, finite=True),
        ResultColumn("price_of_fairness", "number"),
    ),
    "sensitivity_constraints.csv": (  # (the Answer Report lists each row by these)
        *_cols("name rule", "text", needed=True),
        *_cols("entity sense meaning", "text"),
        ResultColumn("row", "number", finite=True),
        *_cols("final_value rhs", "number", needed=True, finite=True),
        *_cols("shadow_price allowable_increase allowable_decrease", "number"),
    ),
    "sensitivity_variables.csv": (
        ResultColumn("name", "text"),
        *_cols("row column", "number", finite=True),
        *_cols("reduced_cost final_value objective_coefficient allowable_increase "
               "allowable_decrease", "number"),
    ),
}
"""The columns of the result files that the report and the workbook read: a column marked
``needed`` must be there; any of them, when there, must hold values of its kind."""

SUMMARY = {
    **dict.fromkeys(("instance", "instance_path", "description", "method", "equity_measure",
                     "first", "solver", "status", "message"), "text"),
    **dict.fromkeys(("lambda", "beta", "eps", "price_of_fairness", "efficiency", "equity",
                     "objective", "penalty", "mip_gap", "efficiency_loss_vs_ideal", "pairings",
                     "violations", "points", "solves", "seconds"), "number"),
    **dict.fromkeys(("units", "types", "soft_rules", "model_size", "bounds", "timings",
                     "rounds"), "object"),
    "resources": "object of objects",
    "payoff_table": "payoff table",
    "types_used": "list",
    "warnings": "list",
    "stages": "list",
    "proven_optimal": "bool",
}
"""The keys of ``summary.json`` the report reads, with their kind; each may also be null."""

PAYOFF_ROWS = ("max_efficiency_first", "max_equity_first", "ideal", "nadir", "efficiency first",
               "equity first")

BOOL_WORDS = {"true", "false", "1", "0", "1.0", "0.0", "yes", "no"}


# ================================================================================ the check
def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


NOT_AN_OBJECT = N_("'{key}' must be an object ({{...}}), not {value}")
KIND_PROBLEMS = {"text": N_("'{key}' must be text, not {value}"),
                 "number": N_("'{key}' must be a number, not {value}"),
                 "bool": N_("'{key}' must be true or false, not {value}"),
                 "list": N_("'{key}' must be a list, not {value}")}
"""What is wrong with a summary value of a kind (``{key}``: the key, ``{value}``: the value)."""


def _kind_problem(v, kind: str) -> tuple[str, dict] | None:
    """What is wrong with a summary value of the given kind, as a template (with ``{key}``
    and ``{value}``) and its other fields; None: nothing."""
    if v is None:
        return None
    if kind in KIND_PROBLEMS and not {"text": isinstance(v, str), "number": _is_number(v),
                                      "bool": isinstance(v, bool),
                                      "list": isinstance(v, list)}[kind]:
        return KIND_PROBLEMS[kind], {}
    if (kind.startswith("object") or kind == "payoff table") and not isinstance(v, dict):
        return NOT_AN_OBJECT, {}
    if kind == "object of objects":
        bad = [k for k, x in v.items() if not isinstance(x, dict)]
        if bad:
            return N_("'{key}' '{inner}' must be an object ({{...}}), not {value}"), {
                "inner": bad[0]}
    if kind == "payoff table":
        for row in PAYOFF_ROWS:
            x = v.get(row)
            if x is None or x == {}:
                continue
            if not isinstance(x, dict):
                return N_("'{key}' '{inner}' must be an object with efficiency and equity, "
                          "not {value}"), {"inner": row}
            for what in ("efficiency", "equity"):
                if not _is_number(x.get(what)) or not math.isfinite(x[what]):
                    return N_("'{key}' '{inner}' needs a finite number for {what}, not "
                              "{value}"), {"inner": row, "what": what}
    return None


def check_summary(path: Path) -> dict:
    """Read ``summary.json`` and check the keys the report reads; returns it."""
    try:
        s = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(_("is not valid JSON: {error}").format(error=exc),
                         file=path.name) from None
    return check_summary_data(s, path.name)


def check_summary_data(s, name: str = "summary.json") -> dict:
    """Check the keys of a summary that the report reads; returns it."""
    if not isinstance(s, dict):
        raise InputError(_("must be a JSON object ({...}), as regcollab writes it"), file=name)
    for key, kind in SUMMARY.items():
        problem = _kind_problem(s.get(key), kind)
        if problem:
            template, fields = problem
            raise InputError(_(template).format(key=key, value=json.dumps(s[key])[:40],
                                                **fields), file=name)
    return s


def read_table(path: Path) -> pd.DataFrame:
    """A result CSV file, or one line saying why it cannot be read."""
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise InputError(_("is empty (not even a header line)"), file=path.name) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(_("cannot be read as CSV: {error}").format(
            error=str(exc).strip().splitlines()[-1]), file=path.name) from None


def _line(df: pd.DataFrame, mask) -> str:
    """The first line of ``mask`` as the file numbers it (the header is line 1), in words."""
    return _("line {n}").format(n=int(mask.to_numpy().nonzero()[0][0]) + 2)


def check_table(path: Path, columns=None, resources=()) -> pd.DataFrame:
    """Read a result CSV file and check its columns (:func:`check_frame`)."""
    return check_frame(read_table(path), path.name, columns, resources)


def check_frame(df: pd.DataFrame, name: str, columns=None, resources=()) -> pd.DataFrame:
    """Check the columns of the result table ``name`` (a file name: ``COLUMNS``; the resource
    columns of ``pairings.csv`` and ``roadmap.csv`` are numbers); returns it."""
    spec = COLUMNS.get(name, ()) if columns is None else columns
    if name in ("pairings.csv", "roadmap.csv"):
        spec = (*spec, *(ResultColumn(k, "number") for k in resources))
    for c in spec:
        if c.name not in df.columns:
            if c.needed:
                raise InputError(_("the column '{column}' is missing (the report needs "
                                   "it)").format(column=c.name), file=name)
            continue
        col = df[c.name]
        if c.kind == "number":
            nums = pd.to_numeric(col, errors="coerce")
            bad = col.notna() & nums.isna()
            if bad.any():
                raise InputError(_("'{value}' is not a number").format(value=col[bad].iloc[0]),
                                 file=name, row=_line(df, bad), column=c.name)
            if c.finite:
                bad = pd.Series(~np.isfinite(nums.to_numpy(dtype=float)), index=df.index)
                if bad.any():
                    v = col[bad].iloc[0]
                    raise InputError((_("an empty cell is not a finite number") if pd.isna(v) else
                                      _("{value} is not a finite number").format(
                                          value=repr(str(v)))),
                                     file=name, row=_line(df, bad), column=c.name)
        elif c.kind == "bool":
            bad = col.notna() & ~col.astype(str).str.strip().str.lower().isin(BOOL_WORDS)
            if bad.any():
                raise InputError(_("'{value}' is not True or False").format(
                    value=col[bad].iloc[0]), file=name, row=_line(df, bad), column=c.name)
    return df


def check_results(folder) -> None:
    """Check a results folder before a report is built from it: ``summary.json`` and every
    CSV file (the workbook takes them all) can be read, and the files the report reads have
    the columns it needs with values of their kind. (A missing file is not an error: the
    report says which parts it leaves out.) Raises :class:`InputError`."""
    folder = Path(folder)
    read_folder(folder)  # the folder is there, with a summary and a plan or a Pareto front
    s = check_summary(folder / "summary.json")
    resources = list(s.get("resources") or {})
    for f in sorted(folder.glob("*.csv")):
        check_table(f, resources=resources)


def check_files(files: ResultFiles) -> None:
    """:func:`check_results` for results in memory, before the folder is written from them:
    the summary and the tables the report reads have what it needs."""
    s = check_summary_data(files.summary)
    resources = list(s.get("resources") or {})
    for name in sorted(files.tables):
        check_frame(files.tables[name], f"{name}.csv", resources=resources)


RESULT_COLUMNS = frozenset((
    N_("partner"), N_("partner_name"), N_("recipient"), N_("recipient_name"), N_("type"),
    N_("resource"), N_("amount"), N_("value"), N_("gain"), N_("capacity"), N_("setup"),
    N_("pot"), N_("ben"), N_("comp"), N_("fixed"), N_("eligible_types"), N_("reason"),
    N_("alternatives"), N_("name"), N_("id"), N_("population"), N_("baseline"),
    N_("outcome"), N_("target"), N_("u_before"), N_("u"), N_("share_of_mean"),
    N_("partners"), N_("partner_ids"), N_("rule"), N_("bound"), N_("slack"),
    N_("violation"), N_("soft"), N_("penalty"), N_("round"), N_("round_label"), N_("trust"),
    N_("shadow_price"), N_("final_value"), N_("rhs"), N_("allowable_increase"),
    N_("allowable_decrease"), N_("reduced_cost"), N_("objective_coefficient"),
    N_("meaning"), N_("binding"), N_("sent_value"), N_("required"), N_("credited"),
    N_("spillover"), N_("return"), N_("formed"), N_("links"), N_("min_links"),
    N_("synergy"), N_("synergy_gain"), N_("net"), N_("member_partners"),
    N_("member_recipients"), N_("share"), N_("efficiency"), N_("equity"),
    N_("price_of_fairness"), N_("knee"), N_("pairings"), N_("status"), N_("n_changes"),
    N_("recommended_type"), N_("stability"), N_("chosen_share"), N_("output"), N_("group")))
"""The columns of the result tables that a sheet's or a table's header names in the planner's
language; the msgid is the column itself, so English shows the column as the CSV file has
it. A column not listed keeps its name."""

COLUMN_PATTERNS = ((re.compile(r"^loss_if_(.+)$"), N_("loss_if_{type}")),
                   (re.compile(r"^delta_E_if_(.+)$"), N_("delta_E_if_{type}")),
                   (re.compile(r"^delta_Q_if_(.+)$"), N_("delta_Q_if_{type}")),
                   (re.compile(r"^received\.(.+)$"), N_("received.{resource}")),
                   (re.compile(r"^need\.(.+)$"), N_("need.{resource}")),
                   (re.compile(r"^share_(.+)$"), N_("share_{type}")))


def column_words(column: str) -> str:
    """A result table's column as a sheet's or a table's header in the current language
    (English: the column's name, as in the CSV file)."""
    from .typology import type_name

    if column in RESULT_COLUMNS:
        return _(column)
    for pattern, words in COLUMN_PATTERNS:
        m = pattern.match(column)
        if m:
            said = _(words)
            if said == words:  # English: the column as it is
                return column
            return said.format(type=type_name(m.group(1)), resource=m.group(1))
    return column
