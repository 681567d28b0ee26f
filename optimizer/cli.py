"""The ``regcollab`` command line (click).

Exit status: 0 solved (a plan was found; see the status for whether it is proven optimal),
2 bad input, 3 infeasible rules, 4 no plan within the limits, 5 an optional extra is not
installed (the message names it: pip install 'regcollab[report]'), 6 the results could not be
written (disk full), 130 interrupted (143 terminated), 1 anything else (a bug).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from optimizer.commands import register
from optimizer.solution import (
    UNPROVEN,
    best_known,
    efficiency_loss_words,
    price_of_fairness_words,
    time_parts,
)
from optimizer.methods.base import message_words
from optimizer.commands.common import (
    EXIT,
    Commands,
    check_out_name,
    SolverProgressLine,
    echo_notes,
    fmt_num,
    handle_errors,
    method_options,
    paint,
    render_table,
    resolve_instance,
    solver_options,
    type_style,
)

@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="regcollab")
def main():
    """Plan regional collaboration: who pairs with whom, which resources flow, and which
    collaboration type (project, platform, institutional) each pairing takes, balancing
    efficiency and equity under opportunity, capacity and outcome balance."""


# ------------------------------------------------------------------------------------ validate
@main.command()
@click.argument("instance", required=False)
@handle_errors
def validate(instance):
    """Check an instance folder and report the first problem (exit 2) or a short summary.

    INSTANCE is a folder (or a bundled instance's name); default: the bundled default."""
    from optimizer import load_instance

    inst = load_instance(resolve_instance(instance))
    a = inst.arrays
    n_cand = int(a["eligible"].any(axis=2).sum())
    from optimizer.i18n import _, listing, ngettext
    from optimizer.instance.data_warnings import said_warnings
    from optimizer.typology import type_names

    n_d, n_r = len(inst.partners), len(inst.recipients)
    click.echo(_("{name}: valid. {partners}, {recipients}, resources {resources}, {pairs}, "
                 "types {types}.").format(
        name=inst.name,
        partners=ngettext("{n} partner", "{n} partners", n_d).format(n=n_d),
        recipients=ngettext("{n} recipient", "{n} recipients", n_r).format(n=n_r),
        resources=listing(inst.resources),
        pairs=ngettext("{n} candidate pair", "{n} candidate pairs", n_cand).format(n=n_cand),
        types=listing(type_names(inst.types))))
    for w in said_warnings(inst):
        click.echo(_("warning: {message}").format(message=w), err=True)


# ------------------------------------------------------------------------------------ solve
@main.command()
@click.argument("instance", required=False)
@method_options
@solver_options
@click.option("--out", "out", type=click.Path(), default=None, callback=check_out_name,
              help="Write pairings.csv, allocations.csv, recipients.csv, balance.csv, "
                   "summary.json, report.html and results.xlsx into this folder (atomically; "
                   "a new or empty folder, or one solve wrote).")
@click.option("--force", is_flag=True,
              help="With --out: replace a folder another regcollab command wrote (never other "
                   "files, the instance or the current folder).")
@click.option("--report/--no-report", "with_report", default=True, show_default=True,
              help="With --out: also write report.html and results.xlsx (needs the report "
                   "extra; skipped with a note without it).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="What to print: a readable table, JSON, or the pairings "
                                      "as CSV.")
@click.option("--why/--no-why", default=None,
              help="Re-solve each pairing with its other eligible types to say what they would "
                   "cost (default: on small instances).")
@click.option("--write-model", type=click.Path(), default=None,
              help="Also write the model the method solves last (its objective and rows), as "
                   ".mps or .lp (by the file's ending).")
@handle_errors
def solve(instance, options, quiet, out, force, with_report, fmt, why, write_model):
    """Solve an instance and print the recommended pairings, their types and a summary.

    INSTANCE is a folder (or a bundled instance's name); without it, the bundled default
    instance is solved."""
    import contextlib

    from optimizer import load_instance
    from optimizer import solve as run
    from optimizer.files import AtomicFile, check_output
    from optimizer.i18n import _
    from optimizer.instance.data_warnings import said_warnings
    from optimizer.solve import MODEL_FORMATS

    source = resolve_instance(instance)
    if out:  # where the results go is checked before the work, not after it
        check_output(out, "solve", inputs=[source], force=force)
    model = (AtomicFile(write_model, suffixes=MODEL_FORMATS, what="--write-model")
             if write_model else None)
    inst = load_instance(source)
    if not quiet and fmt == "table":
        for w in said_warnings(inst):
            click.echo(_("warning: {message}").format(message=w), err=True)
    line = SolverProgressLine(enabled=not quiet and fmt == "table")
    try:
        with model or contextlib.nullcontext():
            sol = run(inst, options.replace(why="auto" if why is None else why,
                                            write_model=model and str(model.tmp),
                                            progress=line if line.enabled else None))
    finally:
        line.close()
    if model and sol.has_plan and not model.committed:
        from optimizer.errors import WriteError

        raise WriteError(_("the model could not be written to '{path}'").format(
            path=write_model))
    notes = []  # what could not be written, said last (even with --quiet)
    if out and sol.has_plan:
        from optimizer.commands.report import write_extras

        quiet_extras = quiet or fmt != "table"
        sol.write(out, extra=(lambda tmp, files: write_extras(tmp, quiet=quiet_extras,
                                                              notes=notes, files=files))
                  if with_report else None, force=force)
    diagnosis = None
    if not sol.has_plan:
        click.echo(_("error: {message}").format(
            message=message_words(sol.summary.message) or sol.status),
                   err=True)
        if sol.status == "infeasible":  # why, in a few lines (exit status stays 3)
            from optimizer.commands.diagnose import explain_infeasible

            diagnosis = explain_infeasible(sol, instance, options)
        if out:
            click.echo(_("nothing was written to {out}").format(out=out), err=True)
    if fmt == "json":
        click.echo(solution_json(sol, diagnosis=diagnosis))
    elif fmt == "csv":
        if sol.has_plan:
            click.echo(sol.pairings.to_csv(index=False, float_format="%.10g"), nl=False)
    elif not quiet and sol.has_plan:
        click.echo(render_solution(sol))
        if out:
            click.echo("\n" + _("Results written to {out}/").format(out=out)
                       + (_(" (open {out}/report.html in a browser)").format(out=out)
                          if with_report and (Path(out) / "report.html").exists() else ""))
    echo_notes(notes)
    sys.exit(EXIT.get(sol.status, 1))


def solution_json(sol, diagnosis: dict | None = None) -> str:
    """Everything as JSON: the summary and the tables (numbers at full precision), each
    pairing's ``eligible_types`` as a list and its ``alternatives`` as an object; for an
    infeasible run the ``diagnosis`` (which rules clash, what would resolve it)."""
    from optimizer.solution import _jsonable

    payload = {"summary": sol.summary}
    if sol.has_plan:
        for name, df in sol.tables().items():
            payload[name] = df.to_dict(orient="records")
        for rec in payload["pairings"]:
            if isinstance(rec.get("eligible_types"), str):
                rec["eligible_types"] = [t for t in rec["eligible_types"].split("|") if t]
            if isinstance(rec.get("alternatives"), str):
                rec["alternatives"] = json.loads(rec["alternatives"])
    if diagnosis is not None:
        payload["diagnosis"] = diagnosis
    return json.dumps(_jsonable(payload), indent=2, ensure_ascii=False)


MAX_REASONS = 30  # reasons printed on the terminal; all of them go to pairings.csv


def _field(label: str, value: str) -> str:
    """A line of the terminal summary: its label in a column 17 wide (CJK counting two)."""
    from optimizer.commands.common import display_width

    return "  " + label + " " * max(2, 19 - display_width(label)) + value


def render_solution(sol) -> str:
    """The terminal summary of a solve: pairings, headline numbers, times and reasons, in the
    current language (:mod:`optimizer.i18n`). Numbers are rounded to the solver's tolerance
    (:func:`fmt_num`); names from the data are printed without control characters."""
    from optimizer.display import display_text
    from optimizer.equity import equity_words
    from optimizer.i18n import _, listing
    from optimizer.roadmap import ladder
    from optimizer.rounds import labels as rounds_labels
    from optimizer.typology import type_name

    s = sol.summary
    lines = [paint(f"{display_text(s.instance)}: ", bold=True)
             + paint(message_words(s.message), bold=True,
                     fg="green" if s.status == "optimal" else "yellow")]
    if not sol.has_plan:
        return "\n".join(lines)
    inst = sol.instance
    P = sol.pairings
    K = list(inst.resources)
    rows = [[display_text(r["partner_name"]), display_text(r["recipient_name"]),
             type_name(r["type"]), *[fmt_num(r[k], 3) for k in K], fmt_num(r["gain"], 4)]
            for _i, r in P.iterrows()]
    lines.append("")
    lines.append(paint(_("Pairings ({n})").format(n=len(P)), bold=True))
    lines.append(render_table(rows, [_("partner"), _("recipient"), _("type"), *K, _("gain")],
                              right=set(range(3, 4 + len(K))), styles={2: type_style}))
    lines.append("")
    eq = equity_words(s.equity_measure) + (_(", beta {b:g}").format(b=s.beta) if s.beta else "")

    def best(what):
        return best_known(s, what, lambda v: fmt_num(v, 6))

    def pct(v):
        return f"{fmt_num(100 * v, 3)}%"
    pof = price_of_fairness_words(s, pct)
    status = (paint(_("optimal"), fg="green") if s.status == "optimal" else
              paint(_("NOT PROVEN OPTIMAL ({why})").format(
                  why=_("the solver's precision could not prove it; see numerical_note in "
                        "summary.json") if s.numerical_note else _("stopped by a limit")),
                    fg="yellow", bold=True))
    gap = _("unknown") if s.mip_gap is None else fmt_num(s.mip_gap, 3)
    lines += [
        paint(_("Summary"), bold=True),
        _field(_("status"), _("{status}, MIP gap {gap}").format(status=status, gap=gap)),
        _field(_("method"), sol.method.label(s)),
        _field(_("efficiency"), f"{fmt_num(s.efficiency, 6)}  ({best('efficiency')})"),
        "  " + _("equity ({measure})").format(measure=eq)
        + f"  {fmt_num(s.equity, 6)}  ({best('equity')})",
        _field(_("price of fairness"),
               (pof if pof == _(UNPROVEN) else
                _("{value} of efficiency is lost when equity comes first").format(value=pof))
               + _("; this plan loses {value}").format(value=efficiency_loss_words(s, pct))),
        _field(_("types"), listing(f"{type_name(t)} {n}" for t, n in s.types.items())),
    ]
    if s.violations:
        lines.append(paint(_field(_("soft rules broken"), _("{n} (see balance.csv)").format(
            n=s.violations)), fg="red"))
    t = s.timings
    lines.append(_field(_("time"), _("{total} s ({parts})").format(
        total=fmt_num(t["total"], 3),
        parts=", ".join(f"{label} {fmt_num(v, 3)}" for label, v in time_parts(t)
                        if round(v, 3) > 0))))
    if sol.roadmap is not None:
        lines += ["", paint(_("Roadmap (rounds {rounds})").format(rounds=", ".join(
            display_text(v) for v in rounds_labels(inst.params))), bold=True)]
        names = dict(zip(inst.partners.index.astype(str), inst.partners["name"]))
        names.update(zip(inst.recipients.index.astype(str), inst.recipients["name"]))
        lines += ["  " + display_text(line) for line in ladder(sol.roadmap, names.get)]
    lines += mechanism_lines(sol)
    if "reason" in P:
        lines.append("")
        lines.append(paint(_("Why these types"), bold=True))
        lines += [f"  {display_text(r['partner_name'])} - {display_text(r['recipient_name'])}: "
                  + _painted_reason(str(r["reason"]), r["type"])
                  for _i, r in P.head(MAX_REASONS).iterrows()]
        if len(P) > MAX_REASONS:
            lines.append("  " + _("... and {n} more: see the reason column of pairings.csv "
                                  "(--out DIR)").format(n=len(P) - MAX_REASONS))
    return "\n".join(lines)


def _painted_reason(reason: str, chosen: str) -> str:
    """A reason with its leading type name in the type's colour (the reason begins with the
    type's name in the language it was written in, then ``:`` or ``：``)."""
    from optimizer.typology import type_name

    for name in (type_name(chosen), str(chosen)):
        if reason.startswith(name) and reason[len(name):len(name) + 1] in (":", "："):
            return paint(name, **(type_style(chosen) or {})) + reason[len(name):]
    return reason


def mechanism_lines(sol) -> list[str]:
    """The terminal summary's lines on income sharing and clusters (MODEL-v2 B, C)."""
    from optimizer.i18n import _

    s, lines = sol.summary, []
    if s.sharing:
        sh = s.sharing
        chosen = ", ".join(_("{n} at {level}").format(n=n, level=lv)
                           for lv, n in sh["levels_chosen"].items()) or _("none")
        lines += ["", paint(_("Income sharing"), bold=True),
                  _field(_("shares chosen"), _("{chosen} (of the sharing pairings)").format(
                      chosen=chosen)),
                  "  " + _("credited to partners {credited}, required {required} (see "
                           "partners.csv)").format(credited=fmt_num(sh["credited"], 4),
                                                   required=fmt_num(sh["required"], 4))]
    if s.clusters:
        cl = s.clusters
        lines += ["", paint(_("Clusters"), bold=True),
                  _field(_("formed"), ", ".join(cl["formed"]) or _("none")),
                  _field(_("synergy gain"), _("{gain}, setup {setup} (see clusters.csv)").format(
                      gain=fmt_num(cl["synergy_gain"], 4), setup=fmt_num(cl["setup"], 4)))]
        if cl["not_formed"]:
            lines.append(_field(_("not formed"), ", ".join(cl["not_formed"])))
    return lines


register(main)  # the other commands live in optimizer/commands/, one module each

if __name__ == "__main__":
    main()
