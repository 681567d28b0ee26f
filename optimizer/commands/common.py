"""What the commands share: error handling, common options, finding instances, formatting."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

DEFAULT_INSTANCE = "guangdong"
EXIT = {"optimal": 0, "time_limit": 0, "infeasible": 3, "no_solution": 4, "unbounded": 1,
        "error": 1}


def instances_dir() -> Path:
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


def display_width(text: str) -> int:
    """Columns a string takes on a terminal (CJK characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def render_table(rows: list[list[str]], header: list[str], right: set[int] = frozenset()) -> str:
    widths = [max(display_width(h), *(display_width(r[i]) for r in rows)) if rows
              else display_width(h) for i, h in enumerate(header)]

    def pad(text, w, right_align):
        fill = " " * (w - display_width(text))
        return fill + str(text) if right_align else str(text) + fill

    def line(cells):
        return "  ".join(pad(c, w, i in right)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    out = [line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)
