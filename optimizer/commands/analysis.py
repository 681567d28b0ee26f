"""``regcollab pareto | sensitivity | sweep | robustness``: the decision analysis commands."""

from __future__ import annotations

import contextlib
import json
import sys

import click
import pandas as pd

from optimizer.i18n import N_, _
from optimizer.methods.base import message_words, objective_label_words
from optimizer.limits import MAX_PARETO_POINTS, MAX_SCENARIOS, MAX_SEED

from .common import (
    Command,
    check_out_name,
    check_soft,
    fmt_num,
    handle_errors,
    method_options,
    number_rule,
    render_table,
    resolve_instance,
    setting_rule,
    solver_options,
)


@contextlib.contextmanager
def _progress(quiet: bool, label: str):
    """A progress callback drawing a bar on stderr (None when quiet); the bar is closed at
    the end of the block."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    state = {}

    def cb(done, total):
        bar = state.get("bar")
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr,
                                    show_eta=True, show_pos=True)
            bar.__enter__()
            state["bar"] = bar
            state["pos"] = 0
        bar.update(done - state["pos"])
        state["pos"] = done

    try:
        yield cb
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


@contextlib.contextmanager
def _cluster(scheduler: str | None):
    """The Dask client of ``--scheduler`` (None without it), closed at the end of the block."""
    from optimizer.parallel import connect

    client = connect(scheduler) if scheduler else None
    try:
        yield client
    finally:
        if client is not None:
            client.close()


def _load(instance, command: str, out, force: bool):
    """(source, instance) of an analysis, with ``--out`` checked before the work."""
    from optimizer import load_instance

    source = resolve_instance(instance)
    inst = load_instance(source)
    _check_out(out, command, source, force, inst.name)
    return source, inst


def _write(out, command: str, tables: dict, summary: dict | None = None, *, source=None,
           instance: str | None = None, force: bool = False, quiet: bool = False):
    """Write an analysis's tables (and summary) into ``out``, atomically.

    Into a solve's folder of the same instance the analysis is added: the solve's files stay,
    the analysis's summary goes to ``<command>_summary.json`` beside the solve's, and the
    folder's report.html and results.xlsx are rebuilt to show what was added."""
    from optimizer.files import atomic_dir
    from optimizer.results import REPORT_FILES, added_summary
    from optimizer.solution import _jsonable

    with atomic_dir(out, command=command, inputs=[source], force=force, instance=instance,
                    can_add=True) as tmp:
        adding = any(tmp.iterdir())  # the staging folder starts as a copy of the solve's
        for name, df in tables.items():
            df.to_csv(tmp / f"{name}.csv", index=False, float_format="%.10g")
        if summary is not None:
            name = added_summary(command) if adding else "summary.json"
            (tmp / name).write_text(json.dumps(_jsonable(summary), indent=2,
                                               ensure_ascii=False) + "\n", encoding="utf-8")
        rebuild = [f for f in REPORT_FILES if adding and (tmp / f).exists()]
        if rebuild:
            from optimizer.commands.report import write_extras

            write_extras(tmp, report="report.html" in rebuild,
                         workbook="results.xlsx" in rebuild, quiet=quiet)


def _check_out(out, command: str, source, force: bool, instance: str):
    """Check ``--out`` before the work (exit 2 at once rather than after it)."""
    if out:
        from optimizer.files import check_output

        check_output(out, command, inputs=[source], force=force, instance=instance,
                     can_add=True)


def _emit(fmt, tables: dict, quiet: bool, text: str, summary=None):
    from optimizer.solution import _jsonable

    if fmt == "json":
        payload = {name: df.to_dict(orient="records") for name, df in tables.items()}
        if summary is not None:
            payload["summary"] = summary
        click.echo(json.dumps(_jsonable(payload), indent=2, ensure_ascii=False))
    elif fmt == "csv":
        first = next(iter(tables.values()))
        click.echo(first.to_csv(index=False, float_format="%.10g"), nl=False)
    elif not quiet:
        click.echo(text)


def _df_text(df: pd.DataFrame, columns: list[str], digits=4, limit=None) -> str:
    """A table for the terminal, its header and yes in the current language."""
    from optimizer.results import column_words
    from optimizer.typology import TYPE_WORDS, type_name

    rows = df[columns] if limit is None else df[columns].head(limit)
    yes = _("yes")
    body = [[fmt_num(v, digits) if isinstance(v, (int, float)) and not isinstance(v, bool)
             else (yes if v is True else "" if v is False else
                   type_name(v) if v in TYPE_WORDS else
                   _(STATUS_TEXT[v]) if c == "status" and v in STATUS_TEXT else str(v))
             for c, v in zip(columns, r)]
            for r in rows.itertuples(index=False)]
    header = [type_name(c) if c in TYPE_WORDS else column_words(c) for c in columns]
    return render_table(body, header, right={i for i, c in enumerate(columns)
                                              if pd.api.types.is_numeric_dtype(df[c])
                                              and df[c].dtype != bool})


STATUS_TEXT = {"optimal": N_("optimal"), "time_limit": N_("time_limit"),
               "no_solution": N_("no_solution"), "infeasible": N_("infeasible"),
               "unbounded": N_("unbounded"), "error": N_("error"), "bad input": N_("bad input")}
"""A scenario's status (sweep.csv's ``status``) as the terminal's table says it; the msgid is
the status itself, so English shows it as the file has it."""

FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
                      default="table", show_default=True, help="What to print.")


def _out(help_text):
    def deco(fn):
        fn = click.option("--force", is_flag=True,
                          help="With --out: replace a folder another regcollab command wrote "
                               "(never other files).")(fn)
        return click.option("--out", type=click.Path(), default=None,
                            callback=check_out_name, help=help_text + " Into a solve's folder of the same instance it "
                            "adds its files and rebuilds the report.")(fn)
    return deco


def _executor_options(fn):
    fn = click.option("--scheduler", default=None, metavar="ADDRESS",
                      help="Run on a Dask cluster, e.g. tcp://host:8786 (default: local "
                           "processes).")(fn)
    fn = click.option("--workers", type=int, default=None,
                      callback=number_rule(lo=1, cap_at_cores=True),
                      help="Local worker processes (default, and at most: all cores).")(fn)
    return fn


def check_param_paths(ctx, param, values):
    """``--param``: each a setting of instance.toml or a table cell (which rows and resources
    exist is checked against the instance when it is loaded)."""
    from optimizer.errors import InputError
    from optimizer.instance import check_param_syntax

    for v in values:
        try:
            check_param_syntax(v)
        except InputError as exc:
            raise click.UsageError(_("--param {value}: {error}").format(value=v,
                                                                       error=exc.message)) \
                from None
    return values


def check_values(ctx, param, values):
    """``--values``: each a start:stop:count or a list; at most MAX_SCENARIOS scenarios."""
    from optimizer.errors import InputError
    from optimizer.sweep import count_values, parse_values

    total = 1
    for v in values:
        try:
            total *= count_values(v)
            parse_values(v)
        except InputError as exc:
            raise click.UsageError(exc.message) from None
    if total > MAX_SCENARIOS:
        raise click.UsageError(_("--values: {n} scenarios are more than {limit}; split the sweep "
                                 "into several runs").format(n=f"{total:,}",
                                                             limit=f"{MAX_SCENARIOS:,}"))
    return values


def check_vary(ctx, param, value):
    """``--vary``: known groups of coefficients."""
    from optimizer.errors import InputError
    from optimizer.robustness import _check_groups

    try:
        _check_groups([g.strip() for g in value.split(",") if g.strip()])
    except InputError as exc:
        raise click.UsageError(_("--vary {value}: {error}").format(value=value,
                                                                  error=exc.message)) from None
    return value


# ------------------------------------------------------------------------------------ pareto
@click.command(cls=Command)
@click.argument("instance", required=False)
@click.option("--points", type=int, default=11, show_default=True,
              callback=number_rule(2, MAX_PARETO_POINTS),
              help=f"Grid points on the equity axis (AUGMECON2), 2..{MAX_PARETO_POINTS}.")
@click.option("--equity", type=click.Choice(["tail", "maxmin"]), default=None)
@click.option("--beta", type=float, default=None, callback=setting_rule("objective.beta"))
@click.option("--soft", multiple=True, metavar="RULE[=PENALTY]", callback=check_soft)
@solver_options
@_out("Write pareto.csv and summary.json into this folder (atomically).")
@FORMAT
@handle_errors
def pareto(instance, points, options, quiet, out, force, fmt):
    """The exact efficiency-equity Pareto front (AUGMECON2), with its knee and the price of
    fairness at every point."""
    from optimizer.pareto import pareto as run

    source, inst = _load(instance, "pareto", out, force)
    with _progress(quiet or fmt != "table", _("Pareto front")) as cb:
        front = run(inst, points=points, progress=cb, options=options)
    df = front.points
    summary = {"instance": inst.name, "points": len(df), "solves": front.solves,
               "seconds": round(front.seconds, 3),
               "payoff_table": front.payoff.to_dict(orient="index"),
               "price_of_fairness": float(df["price_of_fairness"].max()) if len(df) else None,
               "knee": df[df["knee"]].drop(columns=["knee"]).to_dict(orient="records")}
    if out:
        _write(out, "pareto", {"pareto": df}, summary, source=source, instance=inst.name,
               force=force, quiet=quiet or fmt != "table")
    cols = ["efficiency", "equity", "price_of_fairness", "knee", "pairings", *inst.types]
    text = (_("{instance}: Pareto front, {n} efficient points from {solves} solves "
              "({seconds} s)").format(instance=inst.name, n=len(df), solves=front.solves,
                                      seconds=f"{front.seconds:.1f}")
            + "\n\n" + _df_text(df, cols) + "\n\n"
            + _("price_of_fairness = share of the best efficiency given up at that point; knee "
                "= the best compromise (farthest from the line between the extremes)"))
    _emit(fmt, {"pareto": df}, quiet, text, summary)


# ------------------------------------------------------------------------------------ sensitivity
@click.command(cls=Command)
@click.argument("instance", required=False)
@click.option("--objective", type=click.Choice(["plan", "efficiency", "equity"]),
              default="plan", show_default=True,
              help="Whose shadow prices: the method's own objective, or efficiency or equity "
                   "with the plan's pairings fixed.")
@click.option("--all-rows", is_flag=True,
              help="Also report the model's internal rows (one type, equity auxiliaries).")
@method_options
@solver_options
@_out("Write sensitivity_constraints.csv and sensitivity_variables.csv (atomically).")
@FORMAT
@handle_errors
def sensitivity(instance, objective, all_rows, options, quiet, out, force, fmt):
    """Shadow prices and ranging (Excel Solver's Sensitivity Report) of the recommended plan,
    with its pairings fixed."""
    from optimizer import solve as run
    from optimizer.commands.common import EXIT

    source, inst = _load(instance, "sensitivity", out, force)
    sol = run(inst, options.replace(why=False))
    if not sol.has_plan:
        click.echo(_("error: {message}").format(message=message_words(sol.summary.message)),
                   err=True)
        sys.exit(EXIT.get(sol.status, 1))
    rep = sol.sensitivity(objective=objective, all_rows=all_rows)
    tables = rep.tables()
    if out:
        _write(out, "sensitivity", tables, {"instance": inst.name, "objective": objective,
                                            "objective_value": rep.objective_value,
                                            "objective_label": rep.objective_label,
                                            "efficiency_per_unit": rep.efficiency_per_unit},
               source=source, instance=inst.name, force=force, quiet=quiet or fmt != "table")
    C = rep.constraints
    binding = C[C["binding"] & (C["shadow_price"].abs() > 1e-12)]
    unit = ("" if rep.efficiency_per_unit is None else
            _(" (one objective unit is about {n} units of efficiency at this plan's "
              "trade-off)").format(n=f"{rep.efficiency_per_unit:.4g}"))
    # (summary.json keeps the English label)
    label = objective_label_words(rep.objective_label) if rep.objective_label else ""
    text = [_("{instance}: sensitivity of {objective} = {value}{unit}; pairings and types "
              "held at the plan").format(instance=inst.name, objective=label,
                                         value=f"{rep.objective_value:.6g}", unit=unit), "",
            _("Binding constraints with a shadow price ({n} of {of})").format(
                n=len(binding), of=len(C)),
            _df_text(binding, ["name", "final_value", "shadow_price", "rhs",
                               "allowable_increase", "allowable_decrease"]), "",
            _("In words:")]
    text += [f"  {m}" for m in binding["meaning"].head(15)]
    if len(binding) > 15:
        text.append("  " + _("... {n} more (--out DIR writes every row)").format(
            n=len(binding) - 15))
    V = rep.variables
    flows = V[V["final_value"] > 1e-9]
    text += ["", _("Variable cells: the {n} flows of the plan").format(n=len(flows)),
             _df_text(flows, ["name", "final_value", "reduced_cost", "objective_coefficient",
                              "allowable_increase", "allowable_decrease"], limit=20)]
    _emit(fmt, tables, quiet, "\n".join(text))


# ------------------------------------------------------------------------------------ sweep
@click.command(cls=Command)
@click.argument("instance", required=False)
@click.option("--param", "params", multiple=True, required=True, metavar="PATH",
              callback=check_param_paths,
              help="A parameter by its path (balance.alpha, objective.lambda, "
                   "partners[SZ].supply.funds, ...); repeat with --values for a grid.")
@click.option("--values", "values", multiple=True, required=True, metavar="SPEC",
              callback=check_values,
              help="Values of the matching --param: start:stop:count (0.1:0.9:9) or a list "
                   f"(0.1,0.5,0.9); at most {MAX_SCENARIOS} scenarios in all.")
@method_options
@solver_options
@_executor_options
@_out("Write sweep.csv (atomically).")
@FORMAT
@handle_errors
def sweep(instance, params, values, options, quiet, workers, scheduler, out, force, fmt):
    """Solve one scenario per parameter value (a grid when several --param are given), in
    parallel, and tabulate efficiency, equity, price of fairness and the changed pairings."""
    from optimizer.errors import InputError
    from optimizer.sweep import parse_values
    from optimizer.sweep import sweep as run

    if len(params) != len(values):
        raise InputError(_("give one --values for each --param ({n_params} --param, {n_values} "
                           "--values)").format(n_params=len(params), n_values=len(values)))
    grid = {p: parse_values(v) for p, v in zip(params, values)}
    source, inst = _load(instance, "sweep", out, force)
    with _cluster(scheduler) as client, _progress(quiet or fmt != "table", _("Sweep")) as cb:
        df = run(inst, grid, executor=client, workers=workers, progress=cb, options=options)
    if out:
        _write(out, "sweep", {"sweep": df}, source=source, instance=inst.name, force=force,
               quiet=quiet or fmt != "table")
    cols = [*grid, "status", "efficiency", "equity", "price_of_fairness", "pairings",
            "n_changes"]
    cols = [c for c in cols if c in df.columns]
    text = _("{instance}: {n} scenarios").format(instance=inst.name, n=len(df)) + "\n\n" + \
        _df_text(df, cols)
    changed = df[df.get("n_changes", pd.Series(0, index=df.index)).fillna(0) > 0]
    if len(changed):
        text += "\n\n" + _("Changes against the unchanged instance:")
        for _i, r in changed.head(20).iterrows():
            what = _("; ").join(_("{change}: {pairings}").format(change=_(CHANGE_WORDS[k]),
                                                               pairings=r[k])
                             for k in CHANGE_WORDS if r[k])
            label = ", ".join(f"{p}={r[p]}" for p in grid)
            text += f"\n  {label}: {what}"
    _emit(fmt, {"sweep": df}, quiet, text)


CHANGE_WORDS = {"added": N_("added"), "removed": N_("removed"),
                "type_changes": N_("type_changes")}
"""The sweep's change columns (sweep.csv) as the terminal says them."""


# ------------------------------------------------------------------------------------ robustness
@click.command(cls=Command)
@click.argument("instance", required=False)
@click.option("--samples", type=int, default=50, show_default=True,
              callback=number_rule(1, MAX_SCENARIOS),
              help=f"Number of perturbed instances to solve, 1..{MAX_SCENARIOS}.")
@click.option("--spread", type=float, default=0.2, show_default=True,
              callback=number_rule(0, 1, lo_open=True, hi_open=True),
              help="Each uncertain value is multiplied by a factor in [1-spread, 1+spread]; "
                   "0 < spread < 1.")
@click.option("--vary", default="prod,supply,ben", show_default=True, callback=check_vary,
              help="Which coefficients are uncertain: prod, supply, ben, need, absorb, pot, comp.")
@click.option("--seed", type=int, default=0, show_default=True,
              callback=number_rule(0, MAX_SEED), help=f"Random seed, 0..{MAX_SEED}.")
@click.option("--gsa", type=click.Choice(["none", "morris", "sobol"]), default="none",
              show_default=True, help="Also compute global sensitivity indices (SALib) of "
                                      "efficiency and equity per group of --vary.")
@click.option("--gsa-samples", type=int, default=8, show_default=True,
              callback=number_rule(2, MAX_SCENARIOS),
              help="Morris trajectories or the Sobol base sample (a power of 2 for Sobol); "
                   f"at least 2, and at most {MAX_SCENARIOS} solves in all.")
@method_options
@solver_options
@_executor_options
@_out("Write robustness.csv, samples.csv (and gsa.csv) atomically.")
@FORMAT
@handle_errors
def robustness(instance, samples, spread, vary, seed, gsa, gsa_samples, options, quiet,
               workers, scheduler, out, force, fmt):
    """How stable is each recommended pairing and type when productivity, supply and mutual
    benefit move? Solves perturbed copies and reports how often each pairing is chosen, and
    with which type."""
    from optimizer.robustness import check_gsa, global_sensitivity
    from optimizer.robustness import robustness as run

    groups = [g.strip() for g in vary.split(",") if g.strip()]
    if gsa != "none":  # before any solve: a design too big is refused at once
        check_gsa(gsa, gsa_samples, groups)
    source, inst = _load(instance, "robustness", out, force)
    quiet_bars = quiet or fmt != "table"
    with _cluster(scheduler) as client:
        with _progress(quiet_bars, _("Robustness")) as cb:
            res = run(inst, samples=samples, spread=spread, vary=groups, seed=seed,
                      executor=client, workers=workers, progress=cb, options=options)
        tables = {"robustness": res.pairs, "samples": res.samples}
        if gsa != "none":
            with _progress(quiet_bars, _("Global sensitivity ({design})").format(design=gsa)) as cb:
                tables["gsa"] = global_sensitivity(inst, groups=groups, spread=spread,
                                                   design=gsa, n=gsa_samples, seed=seed,
                                                   executor=client, workers=workers,
                                                   progress=cb, options=options)
    if out:
        _write(out, "robustness", tables, source=source, instance=inst.name, force=force,
               quiet=quiet or fmt != "table")
    ok = res.samples["status"].isin(["optimal", "time_limit"]).sum()
    P = res.pairs
    cols = ["partner", "recipient", "recommended_type", "stability", "chosen_share",
            *[f"share_{t}" for t in inst.types]]
    text = (_("{instance}: {ok} of {samples} perturbed instances solved (spread {spread} on "
              "{groups})").format(instance=inst.name, ok=ok, samples=samples,
                                  spread=f"{spread:g}", groups=", ".join(groups))
            + "\n\n" + _("stability = share of samples that make the same decision as the "
                           "recommendation (same type, or unpaired)") + "\n\n"
            + _df_text(P, cols))
    if "gsa" in tables:
        g = tables["gsa"]
        text += "\n\n" + _("Global sensitivity ({method}, {solves} solves)").format(
            method=gsa, solves=g.attrs.get("solves")) + "\n"
        text += _df_text(g, [c for c in g.columns])
    _emit(fmt, tables, quiet, text)


COMMANDS = [pareto, sensitivity, sweep, robustness]
