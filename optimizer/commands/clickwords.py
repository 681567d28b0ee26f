"""click's own words ("Usage:", "Options:", "No such option ...") in the planner's language.

click says them through the standard library's ``gettext`` (its modules call ``_`` and
``ngettext``, bound to ``gettext.gettext`` and ``gettext.ngettext`` at import). While a
regcollab command runs (:func:`speaking`), those names answer from regcollab's catalog in the
current language (``--lang``, the locale); any other program using click in the same process
keeps click's own behaviour. The messages are listed here for the catalog (babel extracts the
``N_`` and ``ngettext`` marks below); tests/test_i18n_messages.py checks the list against the installed
click, so a click release with new words fails a test instead of speaking English.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import re

import click

from optimizer.i18n import N_, ngettext

MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types")
"""The click modules whose words a command line can show (help, usage errors)."""

WORDS = (
    N_("Aborted!"), N_("deprecated"), N_("Options"), N_("Positional arguments"),
    N_("Commands"), N_("Missing command."), N_("env var: {var}"), N_("default: {default}"),
    N_("required"), N_("(dynamic)"), N_("Show the version and exit."),
    N_("Show this message and exit."), N_("Usage:"), N_("Error: {message}"),
    N_("Try '{command} {option}' for help."), N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"), N_("Missing argument"),
    N_("Missing option"), N_("Missing parameter"), N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"), N_("No such option {name!r}."),
    N_("No such command {name!r}."), N_("unknown error"),
    N_("Could not open file {filename!r}: {message}"),
    N_("Argument {name!r} takes {nargs} values."), N_("Option {name!r} does not take a value."),
    N_("{value!r} is not a valid {number_type}."), N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("file"), N_("directory"), N_("path"), N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a file."), N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is not readable."), N_("{name} {filename!r} is not writable."),
    N_("{name} {filename!r} is not executable."),
    N_("DeprecationWarning: The command {name!r} is deprecated.{extra_message}"),
    N_("DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}"),
    N_("Value must be an iterable."),
)


def _plurals(n: int) -> tuple[str, ...]:  # pragma: no cover - never called: marks for babel
    return (
        ngettext("Got unexpected extra argument ({args})",
                 "Got unexpected extra arguments ({args})", n),
        ngettext("Takes {nargs} values but 1 was given.",
                 "Takes {nargs} values but {len} were given.", n),
        ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", n),
        ngettext("Option {name!r} requires an argument.",
                 "Option {name!r} requires {nargs} arguments.", n),
        ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", n),
        ngettext("{value!r} does not match the format {format}.",
                 "{value!r} does not match the formats {formats}.", n),
        ngettext("{len_type} values are required, but {len_value} was given.",
                 "{len_type} values are required, but {len_value} were given.", n),
    )


_ours = contextvars.ContextVar("regcollab_click_words", default=False)
_installed = False


def _answering(original, name: str):
    from optimizer import i18n

    ours = getattr(i18n, name)

    def translated(*args):
        return ours(*args) if _ours.get() else original(*args)

    translated.regcollab = True
    return translated


def _install() -> None:
    """Once per process: each click module's ``_`` and ``ngettext`` ask :data:`_ours` whether
    a regcollab command is running (a context variable: threads and other programs are not
    affected)."""
    global _installed
    if _installed:
        return
    for name in MODULES:
        module = importlib.import_module(f"click.{name}")
        for attr, ours in (("_", "_"), ("ngettext", "ngettext")):
            original = getattr(module, attr, None)
            if callable(original) and not getattr(original, "regcollab", False):
                setattr(module, attr, _answering(original, ours))
    _installed = True


@contextlib.contextmanager
def speaking():
    """While a regcollab command runs: click's words in the current language."""
    _install()
    token = _ours.set(True)
    try:
        yield
    finally:
        _ours.reset(token)


HELP_OPTION = N_("Show this message and exit.")


class HelpFormatter(click.HelpFormatter):
    """Headings end with the language's colon ("Options:", "选项：")."""

    def write_heading(self, heading: str) -> None:
        from optimizer.i18n import _

        self.write(f"{'':>{self.current_indent}}{heading}{_(': ').rstrip()}\n")


class Context(click.Context):
    formatter_class = HelpFormatter


class Speaking:
    """What regcollab's commands and group add to click's: the help formatter above, the
    ``--help`` option's text in the current language each time it is asked for (click makes
    the option once and caches it), and a short help cut by sentence for Chinese, which has
    no spaces for click to cut at (click would show "...")."""

    context_class = Context

    def get_help_option(self, ctx):
        from optimizer.i18n import _

        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _(HELP_OPTION)
        return option

    def get_short_help_str(self, limit: int = 45) -> str:
        text = super().get_short_help_str(limit)
        help_ = " ".join((self.help or "").split("\n\n")[0].split())
        if self.short_help or not re.search(r"[\u4e00-\u9fff]", help_):
            return text
        first = help_.split("。")[0] + ("。" if "。" in help_ else "")
        return first if len(first) <= limit else first[:limit - 1] + "…"
