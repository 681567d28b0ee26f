"""``regcollab diagnose``: why no plan satisfies the rules, and what to relax.

Also :func:`explain_infeasible`, which ``regcollab solve`` calls when a solve is infeasible to
print the short form of the same diagnosis.
"""

from __future__ import annotations

import json
import shlex
import sys

import click

from optimizer.methods import method_names

from .common import (
    Command,
    SOFT_RULES,
    THREADS,
    TIME_LIMIT_RULE,
    check_soft,
    handle_errors,
    number_rule,
    parse_soft,
    resolve_instance,
    setting_rule,
)

EXIT_DIAGNOSE = {"feasible": 0, "infeasible": 3, "unknown": 4}
SOLVE_BUDGET = 60.0  # seconds the short diagnosis after an infeasible solve may take
DIAGNOSE_BUDGET = 120.0  # default --time-limit of regcollab diagnose


@click.command(cls=Command)
@click.argument("instance", required=False)
@click.option("--soft", multiple=True, metavar="RULE[=PENALTY]", callback=check_soft,
              help="Diagnose with these balance rules soft, as 'regcollab solve --soft' would "
                   f"solve ({SOFT_RULES}, or all); repeatable.")
@click.option("--method", type=click.Choice(method_names()),
              default=None, help="As for solve; with epsilon, --eps is checked against the "
                                 "most equity any plan can reach.")
@click.option("--eps", type=float, default=None, callback=setting_rule("objective.eps"),
              help="For --method epsilon: the least equity the plan must reach.")
@click.option("--rounds", type=int, default=None, callback=setting_rule("rounds.count"),
              help="As for solve: diagnose the plan of this many rounds.")
@click.option("--max-conflicts", type=int, default=10, show_default=True,
              callback=number_rule(1, 1000), help="Look for at most this many conflicts (1..1000).")
@click.option("--time-limit", type=float, default=DIAGNOSE_BUDGET, show_default=True,
              callback=TIME_LIMIT_RULE,
              help="Seconds for the whole diagnosis; what was found by then is reported.")
@click.option("--threads", **THREADS)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="A readable report, or JSON for scripts.")
@handle_errors
def diagnose(instance, soft, method, eps, rounds, max_conflicts, time_limit, threads, fmt):
    """Explain why no plan satisfies the rules of an instance, and what to relax.

    Finds minimal sets of conflicting rules (an irreducible infeasible subset of the LP
    relaxation from HiGHS, or a deletion search with the MILP), says each in the planner's
    words, and measures the changes that resolve it: how far a rule must give, the largest
    alpha/gamma/theta/rho that leaves a plan, and which rules --soft would let bend.

    Exit status: 0 a plan exists, 3 the rules conflict (the report says why), 4 the time
    limit ran out before the question was settled, 2 bad input."""
    from optimizer import load_instance
    from optimizer.diagnose import diagnose as run
    from optimizer.errors import InputError
    from optimizer.i18n import _

    if max_conflicts < 1:
        raise InputError(_("--max-conflicts must be at least 1, not {value}").format(
            value=max_conflicts))
    inst = load_instance(resolve_instance(instance))
    if fmt == "text":
        from optimizer.instance.data_warnings import said_warnings

        for w in said_warnings(inst):
            click.echo(_("warning: {message}").format(message=w), err=True)
    d = run(inst, soft=parse_soft(soft), method=method, eps=eps, rounds=rounds,
            time_limit=time_limit, max_conflicts=max_conflicts, threads=threads)
    if fmt == "json":
        click.echo(json.dumps(d.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(d.report())
    sys.exit(EXIT_DIAGNOSE.get(d.status, 1))


def explain_infeasible(sol, instance_arg=None, options=None, echo: bool = True) -> dict:
    """After an infeasible ``regcollab solve``: say why, in a few lines, on stderr (with
    ``echo``), and return the diagnosis as a dict (:meth:`Diagnosis.as_dict`, or
    ``{"status": "error", "message": ...}`` when the diagnosis failed) for ``--format json``.
    ``options`` are the solve's (a RunOptions): the full report's command repeats them.

    Never raises (but Ctrl-C): a failed diagnosis must not hide the solve's own message."""
    from optimizer.diagnose import diagnose as run
    from optimizer.i18n import N_, _
    from optimizer.options import RunOptions

    options = options or RunOptions()
    time_limit = options.time_limit
    budget = min(time_limit, SOLVE_BUDGET) if time_limit else SOLVE_BUDGET
    try:
        d = run(sol.instance, time_limit=budget, max_conflicts=3)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - the solve's message stands; say so
        failed = N_("the diagnosis failed: {kind}: {error}; try regcollab diagnose")
        if echo:  # said in the planner's language; the JSON keeps the English
            click.echo("(" + _(failed).format(kind=type(exc).__name__, error=exc) + ")",
                       err=True)
        return {"status": "error",
                "message": failed.format(kind=type(exc).__name__, error=exc)}
    args = [] if instance_arg is None else [str(instance_arg)]
    args += [f"--soft {shlex.quote(s)}" for s in _soft_args(options.soft)]
    if options.method:
        args.append(f"--method {options.method}")
    if options.eps is not None:
        args.append(f"--eps {options.eps:g}")
    if options.rounds is not None:
        args.append(f"--rounds {options.rounds}")
    command = "regcollab diagnose" + (" " + " ".join(args) if args else "")
    text = d.short(" ".join(args) or None)
    if text and echo:
        click.echo(text, err=True)
    return {**d.as_dict(), "full_report": command}


def _soft_args(soft) -> list[str]:
    """``--soft`` values (RULE or RULE=PENALTY) that give ``soft`` (as RunOptions has it)."""
    if not soft:
        return []
    if isinstance(soft, str):
        return [soft]
    if not isinstance(soft, dict):
        return [str(s) for s in soft]
    return [rule if pen is None else f"{rule}={int(pen) if float(pen).is_integer() else pen!r}"
            for rule, pen in soft.items()]


COMMANDS = [diagnose]
