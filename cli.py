"""The ``regcollab`` command line (click).

Exit status: 0 solved (a plan was found; see the status for whether it is proven optimal),
2 bad input, 3 infeasible rules, 4 no plan within the limits, 1 anything else.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import click

HERE = Path(__file__).resolve().parent
DEFAULT_INSTANCE = "demo"
EXIT = {"optimal": 0, "time_limit": 0, "infeasible": 3, "no_solution": 4, "unbounded": 1,
        "error": 1}


def instances_dir() -> Path:
    """Where the bundled instances are: beside cli.py in a checkout, or in the package."""
    for cand in (HERE / "instances", HERE / "optimizer" / "bundled"):
        if cand.is_dir():
            return cand
    from optimizer import bundled_instances_dir

    return bundled_instances_dir()


def resolve_instance(path: str | None) -> Path:
    """An instance path as given, or the name of a bundled instance (``guangdong``)."""
    if path is None:
        return instances_dir() / DEFAULT_INSTANCE
    p = Path(path)
    if not p.exists() and (instances_dir() / path).exists():
        return instances_dir() / path
    return p


def handle_errors(fn):
    """Turn expected failures into one message and an exit status; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from optimizer.errors import RegcollabError

        try:
            return fn(*args, **kwargs)
        except RegcollabError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: nothing was written", err=True)
            sys.exit(130)
        except click.exceptions.Exit:
            raise
        except (click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so plainly, traceback only on request
            if os.environ.get("REGCOLLAB_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                       "This is a bug in regcollab; set REGCOLLAB_DEBUG=1 to see the details "
                       "and please report it.", err=True)
            sys.exit(1)

    return wrapper


def solver_options(fn):
    """The options every solving command shares."""
    opts = [
        click.option("--solver", default="highs", show_default=True,
                     help="highs (direct, default) or any PuLP solver by name, e.g. cbc."),
        click.option("--time-limit", type=float, default=None,
                     help="Seconds for the whole run; the best plan so far is returned, marked "
                          "not proven optimal."),
        click.option("--gap", type=float, default=None,
                     help="Relative MIP gap at which to stop (HiGHS default 1e-4)."),
        click.option("--threads", type=int, default=None, help="Solver threads."),
        click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors and the "
                     "requested json/csv output."),
    ]
    for o in reversed(opts):
        fn = o(fn)
    return fn


def method_options(fn):
    opts = [
        click.option("--method", type=click.Choice(["weighted", "epsilon", "lexicographic"]),
                     default=None, help="How efficiency and equity are combined "
                     "(default: the instance's, usually weighted)."),
        click.option("--weight", "--lambda", "weight", type=float, default=None,
                     help="Weight of efficiency in the weighted method, 0..1."),
        click.option("--equity", type=click.Choice(["tail", "maxmin"]), default=None,
                     help="Equity measure: tail beta-mean or max-min of normalised outcomes."),
        click.option("--beta", type=float, default=None,
                     help="Share of worst-off recipients the tail measure averages."),
        click.option("--first", type=click.Choice(["efficiency", "equity"]), default=None,
                     help="For --method lexicographic: the objective optimised first."),
        click.option("--eps", type=float, default=None,
                     help="For --method epsilon: the least equity the plan must reach."),
        click.option("--soft", multiple=True, metavar="RULE[=PENALTY]",
                     help="Make a balance rule soft (coverage, access_floor, capacity, "
                          "outcome_floor, outcome_spread, or all); repeatable."),
    ]
    for o in reversed(opts):
        fn = o(fn)
    return fn


def parse_soft(values) -> dict | None:
    from optimizer.errors import InputError

    out = {}
    for v in values:
        rule, _, pen = v.partition("=")
        try:
            out[rule.strip()] = float(pen) if pen else None
        except ValueError:
            raise InputError(f"--soft {v}: the penalty '{pen}' is not a number") from None
    return out or None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    click.echo(f"{inst.name}: valid. {len(inst.partners)} partners, {len(inst.recipients)} "
               f"recipients, resources {', '.join(inst.resources)}, {n_cand} candidate pairs, "
               f"types {', '.join(inst.types)}.")
    for w in inst.warnings:
        click.echo(f"warning: {w}", err=True)


# ------------------------------------------------------------------------------------ solve
@main.command()
@click.argument("instance", required=False)
@method_options
@solver_options
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Write pairings.csv, allocations.csv, recipients.csv, balance.csv and "
                   "summary.json into this folder (atomically).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="What to print: a readable table, JSON, or the pairings "
                                      "as CSV.")
@click.option("--why/--no-why", default=None,
              help="Re-solve each pairing with its other eligible types to say what they would "
                   "cost (default: on small instances).")
@click.option("--write-model", type=click.Path(dir_okay=False), default=None,
              help="Also write the model that is solved (.mps or .lp).")
@handle_errors
def solve(instance, method, weight, equity, beta, first, eps, soft, solver, time_limit, gap,
          threads, quiet, out, fmt, why, write_model):
    """Solve an instance and print the recommended pairings, their types and a summary.

    INSTANCE is a folder (or a bundled instance's name); without it, the bundled default
    instance is solved."""
    from optimizer import load_instance
    from optimizer import solve as run

    inst = load_instance(resolve_instance(instance))
    if not quiet and fmt == "table":
        for w in inst.warnings:
            click.echo(f"warning: {w}", err=True)
    sol = run(inst, method=method, weight=weight, equity=equity, beta=beta, first=first, eps=eps,
              soft=parse_soft(soft), solver=solver, time_limit=time_limit, gap=gap,
              threads=threads, why="auto" if why is None else why, write_model=write_model)
    if out and sol.has_plan:
        sol.write(out)
    if fmt == "json":
        click.echo(solution_json(sol))
    elif fmt == "csv":
        if sol.has_plan:
            click.echo(sol.pairings.drop(columns=["reason"], errors="ignore")
                       .to_csv(index=False, float_format="%.10g"), nl=False)
    elif not quiet:
        click.echo(render_solution(sol))
        if out and sol.has_plan:
            click.echo(f"\nResults written to {out}/")
    if not sol.has_plan:
        click.echo(f"error: {sol.summary.get('message', sol.status)}", err=True)
        if out:
            click.echo(f"nothing was written to {out}", err=True)
    sys.exit(EXIT.get(sol.status, 1))


def solution_json(sol) -> str:
    from optimizer.solution import _jsonable

    payload = {"summary": sol.summary}
    if sol.has_plan:
        for name, df in sol.tables().items():
            payload[name] = df.to_dict(orient="records")
    return json.dumps(_jsonable(payload), indent=2, ensure_ascii=False)


def fmt_num(v, digits=4) -> str:
    if v is None:
        return "-"
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    if v != v:
        return "-"
    if v in (float("inf"), float("-inf")):
        return "infeasible" if v > 0 else "-inf"
    if abs(v) >= 1e5 or (abs(v) < 1e-3 and v != 0):
        return f"{v:.{digits}g}"
    return f"{round(v, digits):g}"


def render_table(rows: list[list[str]], header: list[str], right: set[int] = frozenset()) -> str:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(header)]
    def line(cells):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    out = [line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


MAX_REASONS = 30  # reasons printed on the terminal; all of them go to pairings.csv


def render_solution(sol) -> str:
    s = sol.summary
    lines = [f"{s.get('instance')}: {s.get('message')}"]
    if not sol.has_plan:
        return "\n".join(lines)
    inst = sol.instance
    P = sol.pairings
    K = list(inst.resources)
    rows = [[r["partner_name"], r["recipient_name"], r["type"],
             *[fmt_num(r[k], 3) for k in K], fmt_num(r["gain"], 4)] for _, r in P.iterrows()]
    lines.append("")
    lines.append(f"Pairings ({len(P)})")
    lines.append(render_table(rows, ["partner", "recipient", "type", *K, "gain"],
                              right=set(range(3, 4 + len(K)))))
    lines.append("")
    pt = s["payoff_table"]
    eq = s["equity_measure"] + (f", beta {s['beta']:g}" if s.get("beta") else "")
    status = "optimal" if s["status"] == "optimal" else "NOT PROVEN OPTIMAL (stopped by a limit)"
    lines += [
        "Summary",
        f"  status             {status}, MIP gap {fmt_num(s.get('mip_gap'), 3)}",
        f"  method             {s['method']}" + (f", lambda {s['lambda']:g}" if s['method'] == 'weighted'
                                                 else f", first {s['first']}" if s['first'] else
                                                 f", eps {s['eps']:g}" if s.get('eps') is not None else ""),
        f"  efficiency         {fmt_num(s['efficiency'], 6)}  (best possible "
        f"{fmt_num(pt['ideal']['efficiency'], 6)})",
        f"  equity ({eq})  {fmt_num(s['equity'], 6)}  (best possible "
        f"{fmt_num(pt['ideal']['equity'], 6)})",
        f"  price of fairness  {fmt_num(100 * s['price_of_fairness'], 3) if s.get('price_of_fairness') is not None else '-'}% "
        f"of efficiency is lost when equity comes first; this plan loses "
        f"{fmt_num(100 * (s.get('efficiency_loss_vs_ideal') or 0), 3)}%",
        f"  types              " + ", ".join(f"{t} {n}" for t, n in s["types"].items()),
    ]
    if s.get("violations"):
        lines.append(f"  soft rules broken  {s['violations']} (see balance.csv)")
    t = s["timings"]
    lines.append(f"  time               {fmt_num(t['total'], 3)} s (load {fmt_num(t['load'], 3)}, "
                 f"build {fmt_num(t['build'], 3)}, solve {fmt_num(t['solve'], 3)}, "
                 f"extract {fmt_num(t['extract'], 3)})")
    if "reason" in P:
        lines.append("")
        lines.append("Why these types")
        for _, r in P.head(MAX_REASONS).iterrows():
            lines.append(f"  {r['partner_name']} - {r['recipient_name']}: {r['reason']}")
        if len(P) > MAX_REASONS:
            lines.append(f"  ... and {len(P) - MAX_REASONS} more: see the reason column of "
                         f"pairings.csv (--out DIR)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
