"""``regcollab report``, ``convert`` and ``explain``: the planner's side of the results."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import click

from .common import (
    Command,
    EXIT,
    echo_notes,
    handle_errors,
    method_options,
    paint,
    progress,
    render_table,
    resolve_instance,
    solver_options,
    type_style,
)


# ------------------------------------------------------------------------------ result extras
def write_extras(folder, report: bool = True, workbook: bool = True, quiet: bool = False,
                 notes: list | None = None, files=None) -> list:
    """Write ``report.html`` and ``results.xlsx`` into a results folder (``solve --out`` calls
    this inside its atomic write); returns the names written.

    ``files`` (a :class:`~optimizer.results.ResultFiles`) are the results a solve is writing,
    in memory: the report and the workbook are built from them and nothing is read back.
    Without them the folder is read (an analysis added to a solve's folder).

    A missing optional library skips its file, and a file that fails is skipped too (the
    results matter more than their report): each gets a one-line note that says so and how to
    get it, as do the report's own warnings (no font for Chinese names). The notes are
    appended to ``notes`` for the caller to print at the end of its run; without ``notes``
    they are printed at once (unless ``quiet``)."""
    from optimizer.errors import InputError, MissingExtra, available
    from optimizer.i18n import _
    from optimizer.report import REPORT_FILE, Results, write_report
    from optimizer.results import check_files, check_results
    from optimizer.workbook import RESULTS_FILE, write_results_workbook

    found = []
    written = []
    if report or workbook:
        try:  # a folder edited by hand: say what is wrong rather than fail inside the report
            check_results(folder) if files is None else check_files(files)
        except InputError as exc:
            found.append(_("{report} and {workbook} were not rebuilt: {error}").format(
                report=REPORT_FILE, workbook=RESULTS_FILE, error=exc))
            if notes is not None:
                notes.extend(found)
            elif not quiet:
                echo_notes(found)
            return written
    if report:
        try:
            with progress(5, _("writing report.html"), quiet) as step:
                write_report(folder, progress=lambda name: step(), notes=found,
                             results=None if files is None else Results.from_files(folder,
                                                                                  files))
            written.append(REPORT_FILE)
        except MissingExtra as exc:
            found.append(_not_written(REPORT_FILE, exc))
        except Exception as exc:  # noqa: BLE001 - the results matter more than their report
            if os.environ.get("REGCOLLAB_DEBUG"):
                raise
            found.append(_failed(REPORT_FILE, exc))
    if workbook:
        if not available("openpyxl"):
            found.append(_not_written(RESULTS_FILE,
                                      MissingExtra(RESULTS_FILE, "report", "openpyxl")))
        else:
            try:
                write_results_workbook(folder, files=files)
                written.append(RESULTS_FILE)
            except MissingExtra as exc:
                found.append(_not_written(RESULTS_FILE, exc))
            except Exception as exc:  # noqa: BLE001
                if os.environ.get("REGCOLLAB_DEBUG"):
                    raise
                found.append(_failed(RESULTS_FILE, exc))
    if notes is not None:
        notes.extend(found)
    elif not quiet:
        echo_notes(found)
    return written


def _not_written(name: str, exc) -> str:
    """The note for a file skipped because an optional library (``exc``, a
    :class:`~optimizer.errors.MissingExtra`) is missing, in the current language."""
    from optimizer.i18n import _

    if exc.module:
        return _("{file} was not written: it needs the {extra} extra ({module}): pip install "
                 "'regcollab[{extra}]'").format(file=name, extra=exc.extra, module=exc.module)
    return _("{file} was not written: it needs the {extra} extra: pip install "
             "'regcollab[{extra}]'").format(file=name, extra=exc.extra)


def _failed(name: str, exc: Exception) -> str:
    """The note for a file that failed while written (a bug), in the current language."""
    from optimizer.i18n import _

    return _("{file} was not written: {kind}: {error} (this is a bug in regcollab; "
             "REGCOLLAB_DEBUG=1 shows the details)").format(file=name, kind=type(exc).__name__,
                                                             error=exc)


# ------------------------------------------------------------------------------------ report
@click.command(cls=Command)
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--xlsx/--no-xlsx", default=True, show_default=True,
              help="Also rebuild results.xlsx (the tables as one workbook).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@handle_errors
def report(folder, xlsx, quiet):
    """Rebuild report.html (and results.xlsx) from a results folder.

    FOLDER is what 'regcollab solve INSTANCE --out FOLDER' wrote. The report shows files that
    analyses added to the folder since (pareto.csv, sensitivity_constraints.csv)."""
    from optimizer.errors import require
    from optimizer.files import note_written, recover, writing
    from optimizer.report import REPORT_FILE, write_report
    from optimizer.results import check_results

    recover(folder)  # a swap a killed run left half done
    check_results(folder)  # a folder edited by hand: one line naming the file and the problem
    from optimizer.i18n import _

    require("matplotlib", REPORT_FILE)
    require("jinja2", REPORT_FILE)
    if xlsx:
        require("openpyxl", "results.xlsx")
    notes = []
    written = []
    with writing(folder):
        with progress(5, _("writing report.html"), quiet) as step:
            written.append(write_report(folder, progress=lambda name: step(), notes=notes).name)
        if xlsx:
            from optimizer.workbook import write_results_workbook

            written.append(write_results_workbook(folder).name)
        note_written(folder, written, "report")
    if not quiet:
        click.echo(_("wrote {files} in {folder}/ (open {report} in a browser)").format(
            files=", ".join(written), folder=folder, report=Path(folder) / REPORT_FILE))
    echo_notes(notes)


# ----------------------------------------------------------------------------------- convert
@click.command(cls=Command)
@click.argument("source")
@click.argument("target", type=click.Path())
@click.option("--force", is_flag=True,
              help="Replace TARGET when it exists (a workbook, or a folder regcollab wrote; "
                   "never a folder holding other files or SOURCE).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@handle_errors
def convert(source, target, force, quiet):
    """Convert an instance folder into one .xlsx workbook, or a workbook into a folder.

    SOURCE is an instance folder (or a bundled instance's name) and TARGET a .xlsx file, or
    SOURCE is a .xlsx workbook and TARGET a folder. Sheets: partners, recipients, pairs,
    clusters and parameters (what instance.toml holds, and every other setting with its
    default, to fill in), plus the folder's other CSV files and README. The conversion keeps every value, ids
    and names as text: both give the same plans."""
    from optimizer.errors import InputError, RegcollabError, require
    from optimizer.instance import load_instance
    from optimizer.i18n import _, listing, ngettext
    from optimizer.workbook import folder_to_workbook, skipped_files, workbook_to_folder

    require("openpyxl", _("converting to or from .xlsx"))
    from optimizer.files import AtomicFile, atomic_dir, check_output

    src = resolve_instance(source)
    dst = Path(target)
    if src.suffix.lower() == ".xlsx":
        require("tomli_w", _("writing instance.toml"))
    if not src.exists():
        raise InputError(_("the instance '{name}' does not exist").format(name=source))
    if src.is_dir():
        if dst.suffix.lower() != ".xlsx":
            raise InputError(_("converting the folder '{source}' needs a TARGET ending in "
                               ".xlsx").format(source=source))
        with AtomicFile(dst, what=_("the workbook"), inputs=[src], replace=force) as f:
            folder_to_workbook(src, f.tmp)
        skipped = skipped_files(src)
    elif src.suffix.lower() == ".xlsx":
        if dst.suffix:
            raise InputError(_("converting the workbook '{source}' needs a TARGET folder, "
                               "not '{target}'").format(source=source, target=target))
        check_output(dst, "convert", inputs=[src], force=force)
        if dst.exists() and not force:
            raise InputError(_("'{target}' exists; add --force to replace it").format(
                target=target))
        with atomic_dir(dst, command="convert", inputs=[src], force=force) as tmp:
            workbook_to_folder(src, tmp)  # straight into the staging folder
        skipped = []
    else:
        raise InputError(_("'{source}' is neither an instance folder nor an .xlsx "
                           "workbook").format(source=source))
    if quiet:
        return

    try:
        inst = load_instance(dst)
        n_d, n_r = len(inst.partners), len(inst.recipients)
        state = _("a valid instance: {partners}, {recipients}, resources {resources}").format(
            partners=ngettext("{n} partner", "{n} partners", n_d).format(n=n_d),
            recipients=ngettext("{n} recipient", "{n} recipients", n_r).format(n=n_r),
            resources=listing(inst.resources))
    except RegcollabError as exc:
        state = _("it does not validate yet: {error}").format(error=exc)
    click.echo(_("wrote {target}: {state}").format(target=target, state=state))
    for name in skipped:
        click.echo(_("note: {name} was not copied (its name cannot be a sheet name)").format(
            name=name), err=True)


# ----------------------------------------------------------------------------------- explain
@click.command(cls=Command)
@click.argument("instance", required=False)
@click.option("--pair", "pairs", multiple=True, metavar="PARTNER:RECIPIENT",
              help="The pair to explain, by ids or names (e.g. GZ:QY or Guangzhou:Qingyuan); "
                   "repeatable. An id with ':' works when only one reading names a pair.")
@click.option("--partner", default=None, metavar="ID",
              help="With --recipient: a pair to explain, its partner (any id or name).")
@click.option("--recipient", default=None, metavar="ID",
              help="With --partner: a pair to explain, its recipient.")
@click.option("--cluster", "clusters", multiple=True, metavar="ID",
              help="A virtual industrial cluster to explain (clusters.csv id or name): why it "
                   "was or was not formed and what it would take; repeatable.")
@method_options
@solver_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Plain words, or everything as JSON.")
@handle_errors
def explain(instance, pairs, partner, recipient, clusters, options, quiet, fmt):
    """Say in plain words why a pairing got its type, or why a pair is not paired.

    Solves INSTANCE (default: the bundled default instance) with the given options, then for
    each --pair: its political potential and mutual benefit against each type's thresholds,
    what the pairing contributes, what binds it, why its income share (with [sharing]), and
    what the alternatives would cost (each other eligible type forced, the pairing forbidden
    or forced: a re-solve each). For each --cluster: its links against min_links, its synergy
    gain against its setup, and the plan with the other decision forced (a re-solve)."""
    from optimizer import load_instance
    from optimizer import solve as run
    from optimizer.display import fmt_number
    from optimizer.i18n import _, ngettext
    from optimizer.errors import InputError
    from optimizer.explain import explain_pair, find_region, parse_pair, planned_resolves
    from optimizer.explain_cluster import explain_cluster, find_cluster
    from optimizer.methods import Clock
    from optimizer.methods.base import message_words

    if (partner is None) != (recipient is None):
        raise InputError(_("--partner and --recipient go together: give both"))
    if not pairs and partner is None and not clusters:
        raise InputError(_("name a pair: --pair PARTNER:RECIPIENT, or --partner ID --recipient "
                           "ID (or a cluster: --cluster ID)"))
    inst = load_instance(resolve_instance(instance))
    wanted = [parse_pair(inst, p) for p in pairs]
    groups = [find_cluster(inst, g) for g in clusters]
    if partner is not None:
        try:
            wanted.append((find_region(inst.partners, partner, "partner"),
                           find_region(inst.recipients, recipient, "recipient")))
        except InputError as exc:
            raise InputError(_("--partner {partner} --recipient {recipient}: {error}").format(
                partner=partner, recipient=recipient, error=exc.message)) from None
    if not quiet and fmt == "text" and sys.stderr.isatty():
        click.echo(_("solving {name} ...").format(name=inst.name), err=True)
    sol = run(inst, options.replace(why=False))
    if not sol.has_plan:
        click.echo(_("error: {message}").format(
            message=message_words(sol.summary.message) or sol.status),
                   err=True)
        sys.exit(EXIT.get(sol.status, 1))
    clock = Clock(options.time_limit)
    total = sum(planned_resolves(sol, d, r) for d, r in wanted) + len(groups)
    out = []
    with progress(total, _("re-solving alternatives"), quiet or fmt == "json") as step:
        for d, r in wanted:
            out.append(explain_pair(sol, d, r, clock=clock, progress=step))
        found = []
        for g in groups:
            found.append(explain_cluster(sol, g, clock=clock))
            step()
    if fmt == "json":
        from optimizer.solution import _jsonable

        payload = {"instance": sol.summary.instance, "status": sol.status,
                   "efficiency": sol.efficiency, "equity": sol.equity,
                   "pairs": [e.as_dict() for e in out]}
        if found:
            payload["clusters"] = [c.as_dict() for c in found]
        click.echo(json.dumps(_jsonable(payload), indent=2, ensure_ascii=False))
    elif not quiet:
        s = sol.summary
        head = _("{instance}: {message}; efficiency {efficiency}, equity {equity}, "
                 "{pairings}").format(
            instance=s.instance, message=message_words(s.message),
            efficiency=fmt_number(sol.efficiency, 6),
            equity=fmt_number(sol.equity, 6),
            pairings=ngettext("{n} pairing", "{n} pairings", len(sol.pairings)).format(
                n=len(sol.pairings)))
        click.echo(paint(head, bold=True))
        for e in out:
            click.echo("")
            click.echo(render_explanation(e))
        for c in found:
            click.echo("")
            click.echo(render_cluster(c))
    sys.exit(EXIT.get(sol.status, 1))


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False)


def render_explanation(e) -> str:
    """A pair's explanation for the terminal: a headline, the verdict, then tables, in the
    current language."""
    from optimizer.i18n import _
    from optimizer.typology import type_name

    units = e.units or {}
    gain_unit = units.get("gain", "")
    title = f"{e.partner_name} ({e.partner}) - {e.recipient_name} ({e.recipient}): "
    kind = (type_name(e.chosen) if e.chosen else _("not paired") if e.candidate
            else _("cannot be paired"))
    lines = [paint(title, bold=True) + paint(kind, bold=True, **(type_style(kind) or {})),
             _wrap(e.verdict, "  "), ""]
    lines.append(paint(_("Eligibility"), bold=True) + _(
        ": political potential pot {pot}, mutual benefit ben {ben}, complementarity comp "
        "{comp}").format(pot=f"{e.pot:.2f}", ben=f"{e.ben:.2f}", comp=f"{e.comp:.2f}")
        + ("" if e.allowed else _("; the pair is NOT ALLOWED"))
        + (_("; policy fixed this pairing") if e.fixed else ""))
    rows = []
    for th in e.thresholds:
        mark = (_("yes") if th["eligible"] else _("no: {fails}").format(
            fails=_(" and ").join(th["fails"] or [_("not allowed")])))
        if th["type"] == e.chosen:
            mark += _("  <- recommended")
        rows.append([type_name(th["type"]), f"{th['pot_min']:.2f}", f"{th['ben_min']:.2f}",
                     mark])
    lines.append(_indent(render_table(rows, [_("type"), _("needs pot"), _("needs ben"),
                                             _("eligible")],
                                      right={1, 2}, styles={0: type_style})))
    lines += _contribution_lines(e, gain_unit)
    if e.rounds:
        from optimizer.roadmap import round_sentence

        lines += ["", paint(_("Round by round"), bold=True)
                  + _(" (trust capital earned by earlier rounds)")]
        lines += [_wrap("- " + round_sentence(step), "  ") for step in e.rounds]
    if e.sharing:
        from optimizer.explain import share_sentence

        lines += ["", paint(_("Why this share"), bold=True)
                  + _(" (income sharing, first round)"), _wrap(share_sentence(e), "  ")]
    lines += ["", paint(_("What binds it"), bold=True)]
    if e.binding:
        lines += [_wrap("- " + b, "  ") for b in e.binding]
    else:
        lines.append("  " + _("nothing around this pair is at its bound"))
    if e.alternatives:
        lines += _alternative_lines(e, gain_unit)
    elif e.candidate and e.chosen and len(e.eligible) == 1 and e.fixed:
        lines += ["", "  " + _("No alternative: the pairing is fixed and has one eligible "
                               "type.")]
    return "\n".join(lines)


def _contribution_lines(e, gain_unit: str) -> list[str]:
    """What the pairing contributes (explain's terminal text)."""
    from optimizer.i18n import _, listing

    c = e.contribution
    if not c:
        return []
    lines = ["", paint(_("What the pairing contributes"), bold=True)]
    res = listing(f"{k} {v:.4g}" for k, v in c["resources"].items() if v > 0)
    share = c.get("share_of_recipient_gain")
    lines.append(_field(_("resources"), _("{resources} (value {value})").format(
        resources=res, value=f"{c['value']:.4g}")))
    lines.append(_field(_("gain"), f"{c['gain']:.4g}{' ' + gain_unit if gain_unit else ''}"
                 + (_(", {pct} of {recipient}'s gain from the plan").format(
                     pct=f"{100 * share:.3g}%", recipient=e.recipient_name)
                    if share is not None else "")
                 + _("; its outcome rises by {pct} of its target").format(
                     pct=f"{100 * c['u_added']:.3g}%")))
    if c["gain"] > 0:
        lines.append(_field(_("capacity"), _(
            "{capacity} ({pct} of the gain stays as lasting capacity)").format(
            capacity=f"{c['capacity']:.4g}", pct=f"{100 * c['capacity'] / c['gain']:.3g}%")))
    lines.append(_field(_("setup"), f"{c['setup']:.4g}"))
    sup = [_("{pct} of its {resource}").format(pct=f"{100 * v:.3g}%", resource=k)
           for k, v in c["share_of_partner_supply"].items() if v]
    if sup:
        lines.append(_field(_("partner"), _("{partner} gives here {what}").format(
            partner=e.partner_name, what=listing(sup))))
    return lines


def _alternative_lines(e, gain_unit: str) -> list[str]:
    """What the alternatives would cost (explain's terminal text)."""
    from optimizer.i18n import _

    lines = ["", paint(_("What the alternatives would cost"), bold=True)
             + _(" (each a re-solve of the plan's own problem)")]
    rows = []
    no_plan = _("no plan")
    for a in e.alternatives:
        if a.status == "infeasible":
            rows.append([a.said(), no_plan, "-", "-"])
        elif a.loss is None:
            rows.append([a.said(), a.status, "-", "-"])
        else:
            rows.append([a.said(), a.words("objective", -a.loss, True),
                         a.words("efficiency", a.d_efficiency, True),
                         a.words("equity", a.d_equity, True)])
    lines.append(_indent(render_table(
        rows, [_("alternative"), _("objective"), _("efficiency"), _("equity")],
        right={1, 2, 3},
        styles={1: lambda v: {"fg": "red"} if v.startswith("-") or v == no_plan else None})))
    for a in e.alternatives:
        if a.changes:
            lines.append("  " + _("{alternative}, the pairings that change:").format(
                alternative=a.said()))
            lines += [f"    {ch}" for ch in a.changes]
    if gain_unit:
        lines.append("  " + _("(efficiency in {unit}; the objective is the method's "
                              "score)").format(unit=gain_unit))
    return lines


def _field(label: str, value: str) -> str:
    """``  label      value``: labels in a column 9 wide (CJK characters counting two)."""
    from optimizer.commands.common import display_width

    return "  " + label + " " * max(1, 11 - display_width(label)) + value


def render_cluster(c) -> str:
    """A cluster's explanation for the terminal: a headline, the verdict, its links, the
    re-solve with the other decision."""
    from optimizer.i18n import _, listing

    state = _("formed") if c.formed else _("not formed")
    lines = [paint(_("Cluster {name} ({id}): {state}").format(name=c.name, id=c.id,
                                                              state=state), bold=True),
             _wrap(c.verdict, "  "), "",
             _field(_("members"), _("partners {partners}; recipients {recipients}").format(
                 partners=listing(c.partners), recipients=listing(c.recipients))),
             _field(_("links"), _("{links} of min_links {min_links}").format(
                 links=c.links, min_links=c.min_links)
                 + (f": {listing(c.linked)}" if c.linked else "")),
             _field(_("synergy"), _(
                 "{synergy} per unit of gain; gain {gain} in the plan (on the plan's flows "
                 "{potential}); setup {setup}").format(
                 synergy=f"{c.synergy:.4g}", gain=f"{c.synergy_gain:.4g}",
                 potential=f"{c.potential_gain:.4g}", setup=f"{c.setup:.4g}"))]
    if c.could_link:
        lines.append(_wrap(_("could link: {pairs}").format(pairs=listing(c.could_link)), "  "))
    a = c.alternative
    if a is not None:
        lines += ["", paint(_("The other decision"), bold=True)
                  + _(" (a re-solve of the plan's own problem)"),
                  _wrap(a.sentence((c.units or {}).get("gain", "")), "  ")]
        if a.changes:
            lines.append("  " + _("the pairings that change:"))
            lines += [f"    {ch}" for ch in a.changes]
    return "\n".join(lines)


def _indent(text: str, by: str = "  ") -> str:
    return "\n".join(by + line for line in text.splitlines())


COMMANDS = [report, convert, explain]
