"""``regcollab report``, ``convert`` and ``explain``: the planner's side of the results."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import click

from .common import (
    EXIT,
    handle_errors,
    method_options,
    paint,
    parse_soft,
    progress,
    render_table,
    resolve_instance,
    solver_options,
    type_style,
)


# ------------------------------------------------------------------------------ result extras
def write_extras(folder, report: bool = True, workbook: bool = True, quiet: bool = False) -> list:
    """Write ``report.html`` and ``results.xlsx`` into a results folder (``solve --out`` calls
    this inside its atomic write). A missing optional library skips its file with a one-line
    note; returns the names written."""
    from optimizer.report import REPORT_FILE, report_available, write_report
    from optimizer.workbook import RESULTS_FILE, write_results_workbook

    def note(text):
        if not quiet:
            click.echo(paint("note:", sys.stderr, fg="cyan") + " " + text, err=True)

    written = []
    if report:
        if not report_available():
            note(f"{REPORT_FILE} skipped: it needs matplotlib (pip install 'regcollab[report]')")
        else:
            try:
                with progress(5, "writing report.html", quiet) as step:
                    write_report(folder, progress=lambda name: step())
                written.append(REPORT_FILE)
            except Exception as exc:  # the results matter more than their report
                if os.environ.get("REGCOLLAB_DEBUG"):
                    raise
                note(f"{REPORT_FILE} was not written: {type(exc).__name__}: {exc}")
    if workbook:
        import importlib.util

        if importlib.util.find_spec("openpyxl") is None:
            note(f"{RESULTS_FILE} skipped: it needs openpyxl (pip install 'regcollab[report]')")
        else:
            try:
                write_results_workbook(folder)
                written.append(RESULTS_FILE)
            except Exception as exc:
                if os.environ.get("REGCOLLAB_DEBUG"):
                    raise
                note(f"{RESULTS_FILE} was not written: {type(exc).__name__}: {exc}")
    return written


# ------------------------------------------------------------------------------------ report
@click.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--xlsx/--no-xlsx", default=True, show_default=True,
              help="Also rebuild results.xlsx (the tables as one workbook).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@handle_errors
def report(folder, xlsx, quiet):
    """Rebuild report.html (and results.xlsx) from a results folder.

    FOLDER is what 'regcollab solve INSTANCE --out FOLDER' wrote. The report shows files that
    analyses added to the folder since (pareto.csv, sensitivity_constraints.csv)."""
    from optimizer.report import REPORT_FILE, load_results, write_report

    load_results(folder)  # a clear message for a folder that holds no results
    with progress(5, "writing report.html", quiet) as step:
        path = write_report(folder, progress=lambda name: step())
    written = [path.name]
    if xlsx:
        from optimizer.workbook import write_results_workbook

        written.append(write_results_workbook(folder).name)
    if not quiet:
        click.echo(f"wrote {', '.join(written)} in {folder}/ (open {Path(folder) / REPORT_FILE} "
                   f"in a browser)")


# ----------------------------------------------------------------------------------- convert
@click.command()
@click.argument("source")
@click.argument("target", type=click.Path())
@click.option("--force", is_flag=True, help="Replace TARGET when it exists.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@handle_errors
def convert(source, target, force, quiet):
    """Convert an instance folder into one .xlsx workbook, or a workbook into a folder.

    SOURCE is an instance folder (or a bundled instance's name) and TARGET a .xlsx file, or
    SOURCE is a .xlsx workbook and TARGET a folder. Sheets: partners, recipients, pairs and
    parameters (what instance.toml holds, and every other setting with its default, to fill
    in), plus the folder's other CSV files and README. The conversion keeps every value, ids
    and names as text: both give the same plans."""
    from optimizer.errors import InputError, RegcollabError
    from optimizer.instance import load_instance
    from optimizer.workbook import folder_to_workbook, skipped_files, workbook_to_folder

    src = resolve_instance(source)
    dst = Path(target)
    if not src.exists():
        raise InputError(f"the instance '{source}' does not exist")
    if dst.exists() and not force:
        raise InputError(f"'{target}' exists; add --force to replace it")
    if src.is_dir():
        if dst.suffix.lower() != ".xlsx":
            raise InputError(f"converting the folder '{source}' needs a TARGET ending in .xlsx")
        folder_to_workbook(src, dst)
        skipped = skipped_files(src)
    elif src.suffix.lower() == ".xlsx":
        if dst.suffix:
            raise InputError(f"converting the workbook '{source}' needs a TARGET folder, not "
                             f"'{target}'")
        workbook_to_folder(src, dst)
        skipped = []
    else:
        raise InputError(f"'{source}' is neither an instance folder nor an .xlsx workbook")
    if quiet:
        return
    try:
        inst = load_instance(dst)
        state = (f"a valid instance: {len(inst.partners)} partners, {len(inst.recipients)} "
                 f"recipients, resources {', '.join(inst.resources)}")
    except RegcollabError as exc:
        state = f"it does not validate yet: {exc}"
    click.echo(f"wrote {target}: {state}")
    for name in skipped:
        click.echo(f"note: {name} was not copied (its name cannot be a sheet name)", err=True)


# ----------------------------------------------------------------------------------- explain
@click.command()
@click.argument("instance", required=False)
@click.option("--pair", "pairs", multiple=True, required=True, metavar="PARTNER:RECIPIENT",
              help="The pair to explain, by ids or names (e.g. GZ:QY or Guangzhou:Qingyuan); "
                   "repeatable.")
@method_options
@solver_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Plain words, or everything as JSON.")
@handle_errors
def explain(instance, pairs, method, weight, equity, beta, first, eps, soft, solver, time_limit,
            gap, threads, quiet, fmt):
    """Say in plain words why a pairing got its type, or why a pair is not paired.

    Solves INSTANCE (default: the bundled default instance) with the given options, then for
    each --pair: its political potential and mutual benefit against each type's thresholds,
    what the pairing contributes, what binds it, and what the alternatives would cost (each
    other eligible type forced, the pairing forbidden or forced: a re-solve each)."""
    from optimizer import load_instance
    from optimizer import solve as run
    from optimizer.explain import explain_pair, parse_pair, planned_resolves
    from optimizer.methods import Clock

    inst = load_instance(resolve_instance(instance))
    wanted = [parse_pair(inst, p) for p in pairs]
    if not quiet and fmt == "text" and sys.stderr.isatty():
        click.echo(f"solving {inst.name} ...", err=True)
    sol = run(inst, method=method, weight=weight, equity=equity, beta=beta, first=first, eps=eps,
              soft=parse_soft(soft), solver=solver, time_limit=time_limit, gap=gap,
              threads=threads, why=False)
    if not sol.has_plan:
        click.echo(f"error: {sol.summary.get('message', sol.status)}", err=True)
        sys.exit(EXIT.get(sol.status, 1))
    clock = Clock(time_limit)
    total = sum(planned_resolves(sol, d, r) for d, r in wanted)
    out = []
    with progress(total, "re-solving alternatives", quiet or fmt == "json") as step:
        for d, r in wanted:
            out.append(explain_pair(sol, d, r, clock=clock, progress=step))
    if fmt == "json":
        from optimizer.solution import _jsonable

        payload = {"instance": sol.summary.get("instance"), "status": sol.status,
                   "efficiency": sol.efficiency, "equity": sol.equity,
                   "pairs": [e.as_dict() for e in out]}
        click.echo(json.dumps(_jsonable(payload), indent=2, ensure_ascii=False))
    elif not quiet:
        s = sol.summary
        head = (f"{s.get('instance')}: {s.get('message')}; efficiency {sol.efficiency:.6g}, "
                f"equity {sol.equity:.6g}, {len(sol.pairings)} pairings")
        click.echo(paint(head, bold=True))
        for e in out:
            click.echo("")
            click.echo(render_explanation(e))
    sys.exit(EXIT.get(sol.status, 1))


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False)


def render_explanation(e) -> str:
    """A pair's explanation for the terminal: a headline, the verdict, then tables."""
    units = e.units or {}
    gain_unit = units.get("gain", "")
    title = f"{e.partner_name} ({e.partner}) - {e.recipient_name} ({e.recipient}): "
    kind = (e.chosen if e.chosen else "not paired" if e.candidate else "cannot be paired")
    lines = [paint(title, bold=True) + paint(kind, bold=True, **(type_style(kind) or {})),
             _wrap(e.verdict, "  "), ""]
    lines.append(paint("Eligibility", bold=True) + f": political potential pot {e.pot:.2f}, "
                 f"mutual benefit ben {e.ben:.2f}, complementarity comp {e.comp:.2f}"
                 + ("" if e.allowed else "; the pair is NOT ALLOWED")
                 + ("; policy fixed this pairing" if e.fixed else ""))
    rows = []
    for th in e.thresholds:
        mark = "yes" if th["eligible"] else "no: " + " and ".join(th["fails"] or ["not allowed"])
        if th["type"] == e.chosen:
            mark += "  <- recommended"
        rows.append([th["type"], f"{th['pot_min']:.2f}", f"{th['ben_min']:.2f}", mark])
    lines.append(_indent(render_table(rows, ["type", "needs pot", "needs ben", "eligible"],
                                      right={1, 2}, styles={0: type_style})))
    c = e.contribution
    if c:
        lines += ["", paint("What the pairing contributes", bold=True)]
        res = ", ".join(f"{k} {v:.4g}" for k, v in c["resources"].items() if v > 0)
        share = c.get("share_of_recipient_gain")
        lines.append(f"  resources  {res} (value {c['value']:.4g})")
        lines.append(f"  gain       {c['gain']:.4g}{' ' + gain_unit if gain_unit else ''}"
                     + (f", {100 * share:.3g}% of {e.recipient_name}'s gain from the plan"
                        if share is not None else "")
                     + f"; its outcome rises by {100 * c['u_added']:.3g}% of its target")
        if c["gain"] > 0:
            lines.append(f"  capacity   {c['capacity']:.4g} ({100 * c['capacity'] / c['gain']:.3g}"
                         f"% of the gain stays as lasting capacity)")
        lines.append(f"  setup      {c['setup']:.4g}")
        sup = [f"{100 * v:.3g}% of its {k}" for k, v in c["share_of_partner_supply"].items()
               if v]
        if sup:
            lines.append(f"  partner    {e.partner_name} gives here {', '.join(sup)}")
    lines += ["", paint("What binds it", bold=True)]
    if e.binding:
        lines += [_wrap("- " + b, "  ") for b in e.binding]
    else:
        lines.append("  nothing around this pair is at its bound")
    if e.alternatives:
        lines += ["", paint("What the alternatives would cost", bold=True)
                  + " (each a re-solve of the plan's own problem)"]
        rows = []
        for a in e.alternatives:
            if a.status == "infeasible":
                rows.append([a.label, "no plan", "-", "-"])
            elif a.loss is None:
                rows.append([a.label, a.status, "-", "-"])
            else:
                rows.append([a.label, f"{-a.loss:+.4g}", f"{a.d_efficiency:+.4g}",
                             f"{a.d_equity:+.4g}"])
        lines.append(_indent(render_table(
            rows, ["alternative", "objective", "efficiency", "equity"], right={1, 2, 3},
            styles={1: lambda v: {"fg": "red"} if v.startswith("-") or v == "no plan" else None})))
        for a in e.alternatives:
            if a.changes:
                lines.append(f"  {a.label}, the pairings that change:")
                lines += [f"    {ch}" for ch in a.changes]
        if gain_unit:
            lines.append(f"  (efficiency in {gain_unit}; the objective is the method's score)")
    elif e.candidate and e.chosen and len(e.eligible) == 1 and e.fixed:
        lines += ["", "  No alternative: the pairing is fixed and has one eligible type."]
    return "\n".join(lines)


def _indent(text: str, by: str = "  ") -> str:
    return "\n".join(by + line for line in text.splitlines())


COMMANDS = [report, convert, explain]
