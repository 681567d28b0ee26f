"""What the commands share: error handling, common options, finding instances, formatting."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from pathlib import Path

import click

from optimizer.commands.terminal import (  # noqa: F401 - the commands import them from here
    TYPE_STYLES, SolverProgressLine, color_enabled, display_width, echo_notes, fmt_num,
    labelled, note, paint, progress, render_table, type_style)
from optimizer.commands.clickwords import Speaking, speaking
from optimizer.i18n import N_
from optimizer.rules import BALANCE_NAMES

EXIT = {"optimal": 0, "time_limit": 0, "infeasible": 3, "no_solution": 4, "unbounded": 1,
        "error": 1}

SOFT_RULES = ", ".join(BALANCE_NAMES)
"""The rules ``--soft`` takes, from the rule registry (the rules that may be made soft)."""


def resolve_instance(path: str | None) -> Path:
    """An instance path as given, or the name of a bundled instance (``guangdong``); a folder
    that a killed run left half replaced is repaired first (see optimizer.files)."""
    from optimizer.files import recover
    from optimizer.instance import resolve_instance as resolve

    p = resolve(path)
    recover(p)
    return p


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the same clean-up runs (exit status 143)."""


def _raise_terminated(signum, frame):
    raise Terminated()


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """While a command runs, SIGTERM (``kill``, a scheduler stopping a job) interrupts it the
    way Ctrl-C does: staging folders are removed, workers stopped, the previous results kept."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def handle_errors(fn):
    """Turn expected failures into one message and an exit status; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from optimizer import files
        from optimizer.errors import RegcollabError
        from optimizer.i18n import _

        files.written.clear()
        try:
            with _sigterm_as_interrupt():
                return fn(*args, **kwargs)
        except RegcollabError as exc:
            click.echo(labelled(_("error:"), str(exc), fg="red", bold=True), err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt as exc:
            what = _("terminated") if isinstance(exc, Terminated) else _("interrupted")
            click.echo(_("{what} after {file} was written in full").format(
                what=what, file=files.written[-1])
                if files.written else _("{what}: nothing was written").format(what=what),
                err=True)
            sys.exit(143 if isinstance(exc, Terminated) else 130)
        except click.exceptions.Exit:
            raise
        except (click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so plainly, traceback only on request
            if os.environ.get("REGCOLLAB_DEBUG"):
                raise
            click.echo(_("internal error: {error}\nThis is a bug in regcollab; set "
                         "REGCOLLAB_DEBUG=1 to see the details and please report it.").format(
                error=f"{type(exc).__name__}: {exc}"), err=True)
            sys.exit(1)

    return wrapper


# ------------------------------------------------------------------------- checking options
class OptionError(click.ClickException):
    """A bad option value: one line, ``error: --gap ...``, exit status 2, like bad input."""

    exit_code = 2

    def show(self, file=None):
        from optimizer.i18n import _

        click.echo(labelled(_("error:"), self.format_message(), fg="red", bold=True), err=True)


def _set_language(ctx, param, value):
    """``--lang``: the language of everything the command says from here on."""
    from optimizer import i18n

    if value is not None:
        i18n._current.set(value)
    return value


def lang_option() -> click.Option:
    """``--lang zh|en``: on the group (``regcollab --lang zh solve``) and on every command
    (``regcollab solve --lang zh``), the command's winning; default: the locale's."""
    from optimizer.i18n import LANGUAGES

    return click.Option(["--lang"], type=click.Choice(LANGUAGES), default=None,
                        expose_value=False, is_eager=True, callback=_set_language,
                        help="Language of messages, tables and the report: zh (Chinese) or en "
                             "(default: zh when LC_ALL, LC_MESSAGES or LANG starts with zh).")


@contextlib.contextmanager
def _help_in_language(commands, ctx):
    """While ``--help`` is written: the help texts of ``commands`` (their own and their
    options') in the current language. The English texts are the msgids (extracted by
    :func:`optimizer.commands.helptext.extract`); they are put back afterwards. (click's
    ``--help`` option says its own: optimizer.commands.clickwords.Speaking.)"""
    from optimizer.i18n import _

    saved = []
    for cmd in commands:
        for obj in (cmd, *cmd.params):
            for attr in ("help", "short_help"):
                text = getattr(obj, attr, None)
                if isinstance(text, str) and text:
                    saved.append((obj, attr, text))
                    setattr(obj, attr, _(text))
    try:
        yield
    finally:
        for obj, attr, text in reversed(saved):
            setattr(obj, attr, text)


class Command(Speaking, click.Command):
    """A command whose ``--help`` is in the current language (``--lang``, the locale)."""

    def get_help(self, ctx):
        with _help_in_language([self], ctx):
            return super().get_help(ctx)


def _lang_in(argv) -> str | None:
    """The last valid ``--lang`` of a command line, read before click parses it: ``--help``
    (processed as soon as click meets it) is then in that language wherever --lang stands."""
    from optimizer.i18n import LANGUAGES

    found, argv = None, [str(a) for a in argv]
    for i, a in enumerate(argv):
        if a == "--":
            break
        value = (argv[i + 1] if a == "--lang" and i + 1 < len(argv) else
                 a.split("=", 1)[1] if a.startswith("--lang=") else None)
        if value in LANGUAGES:
            found = value
    return found


class Commands(Speaking, click.Group):
    """The ``regcollab`` group: a bad option or argument of any command is reported in one
    line (click's usage block dropped; ``--help`` gives it), with exit status 2. Every
    command takes ``--lang`` (:func:`lang_option`), and so does the group."""

    command_class = Command

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(lang_option())

    def get_help(self, ctx):
        with _help_in_language([self, *self.commands.values()], ctx):
            return super().get_help(ctx)

    def add_command(self, cmd, name=None):
        if not any(p.name == "lang" for p in cmd.params):
            cmd.params.append(lang_option())
        super().add_command(cmd, name)

    def main(self, *args, **kwargs):
        # the language one run set (--lang) ends with it: a caller's next run (a test's
        # CliRunner, a script) starts from its own again
        from optimizer import i18n

        argv = kwargs.get("args", args[0] if args else None)
        token = i18n._current.set(_lang_in(sys.argv[1:] if argv is None else argv)
                                  or i18n._current.get())
        try:
            with speaking():
                return super().main(*args, **kwargs)
        finally:
            i18n._current.reset(token)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            from optimizer.i18n import _

            sub = ctx.invoked_subcommand or (exc.ctx.info_name if exc.ctx else "")
            command = "regcollab" + (f" {sub}" if sub and sub != ctx.info_name else "")
            hint = _(" (see '{command} --help')").format(command=command)
            raise OptionError(exc.format_message() + hint) from None


def _name(param) -> str:
    return max(param.opts, key=len) if param.opts else param.name


def number_rule(lo=None, hi=None, lo_open=False, hi_open=False, rule=None, cap_at_cores=False):
    """A click callback refusing a number outside a range (and NaN, and infinities).

    ``rule`` is the range in words (``"0 <= gap < 1"``); ``cap_at_cores`` lowers a count of
    threads or processes above the machine's cores to that number, with a note."""
    import math

    def words(param):
        from optimizer.i18n import _

        if rule:
            return _(rule)
        whole = isinstance(param.type, click.types.IntParamType)
        if whole and lo is not None and hi is not None:
            return _("a whole number from {lo} to {hi}").format(lo=lo, hi=hi)
        parts = []
        if lo is not None:
            parts.append((_("greater than {lo}") if lo_open else _("at least {lo}")).format(lo=lo))
        if hi is not None:
            parts.append((_("less than {hi}") if hi_open else _("at most {hi}")).format(hi=hi))
        joined = _(" and ").join(parts)
        return _("a whole number of {range}").format(range=joined) if whole else joined

    def check(ctx, param, value):
        from optimizer.i18n import _

        if value is None:
            return value
        for v in (value if isinstance(value, tuple) else (value,)):
            ok = math.isfinite(v) and not (
                lo is not None and (v <= lo if lo_open else v < lo)) and not (
                hi is not None and (v >= hi if hi_open else v > hi))
            if not ok:
                raise click.UsageError(_("{option} must be {rule}, not {value}").format(
                    option=_name(param), rule=words(param), value=v))
        if cap_at_cores:
            from optimizer.limits import cores

            if value > cores():
                note(_("{option} {value} is more than the {cores} cores of this machine; using "
                       "{cores}").format(option=_name(param), value=value, cores=cores()))
                return cores()
        return value

    return check


def setting_rule(path: str):
    """A click callback checking an option that overrides a setting of ``instance.toml``
    (``--weight`` sets ``objective.lambda``) against the setting's range in the schema; the
    message names the option, not the file."""

    def check(ctx, param, value):
        if value is None:
            return value
        from optimizer.errors import InputError
        from optimizer.i18n import _
        from optimizer.instance import check_setting

        try:
            check_setting(path, value, where=_name(param), file=None)
        except InputError as exc:
            raise click.UsageError(_("{message} (it sets {setting})").format(
                message=exc.message, setting=path)) from None
        return value

    return check


def check_soft(ctx, param, values):
    """``--soft RULE[=PENALTY]``: a balance rule (or all) and a penalty in the schema's range."""
    from optimizer.errors import InputError
    from optimizer.i18n import _
    from optimizer.instance import check_setting
    from optimizer.schema import BALANCE_RULES, suggest

    for v in values:
        rule, eq, pen = v.partition("=")
        rule = rule.strip()
        if rule != "all" and rule not in BALANCE_RULES:
            near = suggest(rule, (*BALANCE_RULES, "all"))
            raise click.UsageError(
                _("--soft {value}: '{rule}' is not a balance rule; the rules are {rules} (or "
                  "all)").format(value=v, rule=rule, rules=", ".join(BALANCE_RULES))
                + (_("; did you mean '{near}'?").format(near=near) if near else ""))
        if eq:
            try:
                penalty = float(pen)
            except ValueError:
                raise click.UsageError(_("--soft {value}: the penalty '{penalty}' is not a "
                                         "number").format(value=v, penalty=pen)) from None
            try:
                check_setting("balance.soft.coverage", penalty,
                              where=_("--soft {value}: the penalty").format(value=v),
                              file=None)
            except InputError as exc:
                raise click.UsageError(exc.message) from None
    return values


def check_solver_option(ctx, param, value):
    """``--solver``: highs or a PuLP solver that is installed."""
    from optimizer.errors import InputError
    from optimizer.solve import check_solver

    try:
        check_solver(value)
    except InputError as exc:
        raise click.UsageError(exc.message) from None
    return value


def check_out_name(ctx, param, value):
    """``--out``: a name, not an empty text (what may be written there is files.py's to say,
    before any work: optimizer.files.check_output)."""
    if value is not None and not str(value).strip():
        from optimizer.i18n import _

        raise click.UsageError(_("{option} needs a folder name, not an empty text").format(
            option=_name(param)))
    return value


THREADS = {"type": int, "default": None, "callback": number_rule(lo=1, cap_at_cores=True),
           "help": "Solver threads (at most the machine's cores)."}
TIME_LIMIT_RULE = number_rule(lo=0, lo_open=True, rule=N_("a positive, finite number of "
                                                           "seconds (leave it out for no "
                                                           "limit)"))


def solver_options(fn):
    """The options every solving command shares. The command gets them, with the method
    options (:func:`method_options`) when it has them, as one argument ``options`` (a
    :class:`~optimizer.options.RunOptions`), and ``quiet`` on its own."""
    opts = [
        click.option("--solver", default="highs", show_default=True,
                     callback=check_solver_option, help="highs (direct, default) or any PuLP solver by name, e.g. cbc."),
        click.option("--time-limit", type=float, default=None, callback=TIME_LIMIT_RULE,
                     help="Seconds for loading and solving (writing results comes after); "
                          "the best plan so far is returned, marked not proven optimal."),
        click.option("--gap", type=float, default=None,
                     callback=number_rule(0, 1, hi_open=True, rule=N_(
                         "a relative gap with 0 <= gap < 1 (0.01 is 1%)")),
                     help="Relative MIP gap at which to stop (HiGHS default 1e-4), 0 <= gap < 1."),
        click.option("--threads", **THREADS),
        click.option("--decompose/--no-decompose", default=None,
                     help="Solve the stages part by part, one part per connected component "
                          "of the candidate graph, side by side on the machine's cores "
                          "(large models of several parts, e.g. the county level; "
                          "docs/performance.md). Default: off."),
        click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors and the "
                     "requested json/csv output."),
    ]
    fn = _gather_run_options(fn)
    for o in reversed(opts):
        fn = o(fn)
    return fn


RUN_OPTIONS = ("method", "weight", "equity", "beta", "first", "eps", "soft", "rounds", "solver",
               "time_limit", "gap", "threads", "decompose")
"""The command-line options that make a command's RunOptions (by their parameter names)."""


def _gather_run_options(fn):
    """Call ``fn`` with one ``options`` (RunOptions) made of the run options it was given
    (``--soft`` parsed) instead of one argument each."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from optimizer.options import RunOptions

        from optimizer.methods import cli_settings

        given = {name: kwargs.pop(name) for name in RUN_OPTIONS if name in kwargs}
        if "soft" in given:
            given["soft"] = parse_soft(given["soft"])
        if given.get("decompose") is None:
            given.pop("decompose", None)
        settings = {s.path: kwargs.pop(name) for name, s in cli_settings().items()
                    if name in kwargs}
        settings = {path: v for path, v in settings.items() if v is not None}
        return fn(*args, options=RunOptions(settings=settings or None, **given), **kwargs)

    return wrapper


def method_options(fn):
    """The options of the methods and their settings (with those the methods declare:
    :class:`optimizer.methods.CliSetting`)."""
    from optimizer.methods import cli_settings, method_names

    opts = [
        click.option("--method", type=click.Choice(method_names()),
                     default=None, help="How efficiency and equity are combined "
                     "(default: the instance's, usually weighted)."),
        click.option("--weight", "--lambda", "weight", type=float, default=None,
                     callback=setting_rule("objective.lambda"),
                     help="Weight of efficiency in the weighted method, 0..1."),
        click.option("--equity", type=click.Choice(["tail", "maxmin"]), default=None,
                     help="Equity measure: tail beta-mean or max-min of normalised outcomes."),
        click.option("--beta", type=float, default=None, callback=setting_rule("objective.beta"),
                     help="Share of worst-off recipients the tail measure averages, 0.001..1."),
        click.option("--first", type=click.Choice(["efficiency", "equity"]), default=None,
                     help="For --method lexicographic: the objective optimised first."),
        click.option("--eps", type=float, default=None, callback=setting_rule("objective.eps"),
                     help="For --method epsilon: the least equity the plan must reach."),
        click.option("--rounds", type=int, default=None, callback=setting_rule("rounds.count"),
                     help="Plan this many rounds, trust capital carried from round to round "
                          "(default: the instance's [rounds] count, usually 1)."),
        click.option("--soft", multiple=True, metavar="RULE[=PENALTY]", callback=check_soft,
                     help=f"Make a balance rule soft ({SOFT_RULES}, or all); repeatable."),
        *(click.option(s.flag, s.name, type=s.type, default=None,
                       callback=setting_rule(s.path), help=s.help)
          for s in cli_settings().values()),
    ]
    for o in reversed(opts):
        fn = o(fn)
    return fn


def parse_soft(values) -> dict | None:
    from optimizer.errors import InputError
    from optimizer.i18n import _

    out = {}
    for v in values:
        rule, eq, pen = v.partition("=")
        try:
            out[rule.strip()] = float(pen) if pen else None
        except ValueError:
            raise InputError(_("--soft {value}: the penalty '{penalty}' is not a number").format(
                value=v, penalty=pen)) from None
    return out or None
