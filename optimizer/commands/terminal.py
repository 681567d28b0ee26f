"""How the commands write to the terminal: numbers, aligned tables, colours, notes, progress.

Kept apart from :mod:`optimizer.commands.common` (which re-exports these names) so that each
module stays small; nothing here reads options or instances."""

from __future__ import annotations

import contextlib
import os
import sys

import click


def fmt_num(v, digits=4, scale=None) -> str:
    """A number for the terminal: at most ``digits`` decimals (and 6 significant figures),
    without the digits below the solver's tolerance (:func:`optimizer.display.planner_round`;
    ``scale``: the size of what a difference was taken of)."""
    from optimizer.display import planner_round

    if v is None:
        return "-"
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    if v != v:
        return "-"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    v = planner_round(v, scale)
    if abs(v) >= 1e5 or (abs(v) < 1e-3 and v != 0):
        return f"{v:.{digits}g}"
    return f"{round(v, digits) + 0.0:g}"


def display_width(text: str) -> int:
    """Columns a string takes on a terminal (CJK characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def render_table(rows: list[list[str]], header: list[str], right: set[int] = frozenset(),
                 styles: dict | None = None) -> str:
    """A plain text table. ``styles`` maps a column to ``f(cell) -> click.style kwargs`` (or
    None): colours applied after padding, and only where :func:`color_enabled`."""
    widths = [max(display_width(h), *(display_width(r[i]) for r in rows)) if rows
              else display_width(h) for i, h in enumerate(header)]
    styles = styles or {}

    def pad(text, w, right_align):
        fill = " " * (w - display_width(text))
        return fill + str(text) if right_align else str(text) + fill

    def cell(c, w, i, body):
        text = pad(c, w, i in right)
        if body and i in styles:
            kw = styles[i](c)
            if kw:
                text = paint(text, **kw)
        return text

    def line(cells, body=True):
        return "  ".join(cell(c, w, i, body)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    out = [paint(line(header, False), bold=True), line(["-" * w for w in widths], False)]
    out += [line(r) for r in rows]
    return "\n".join(out)


# ------------------------------------------------------------------------- colour and progress
TYPE_STYLES = {"project": {"fg": "blue"}, "platform": {"fg": "yellow"},
               "institutional": {"fg": "green"}}
"""Terminal colours of the collaboration types (the report's colours, as near as ANSI gets)."""


def color_enabled(stream=None) -> bool:
    """Colours only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = sys.stdout if stream is None else stream
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def paint(text: str, stream=None, **style) -> str:
    """``click.style(text, **style)`` where the terminal supports colour, else ``text``."""
    return click.style(text, **style) if style and color_enabled(stream) else text


def labelled(label: str, text: str, **style) -> str:
    """``label`` (``error:``, ``note:``, already in the planner's language) painted for
    standard error, then ``text``, separated the language's way (:func:`gap_after`)."""
    from optimizer.i18n import gap_after

    return paint(label, sys.stderr, **style) + gap_after(label) + text


def note(text: str) -> None:
    """A one-line note on standard error (not an error: the run goes on)."""
    from optimizer.i18n import _

    click.echo(labelled(_("note:"), text, fg="cyan"), err=True)


def echo_notes(notes) -> None:
    """Print notes (a file that could not be written, and how to get it) on standard error,
    one a line. Commands call it last, so the notes are not lost above a long output; they
    are printed even with --quiet."""
    from optimizer.display import display_text

    for n in notes:
        note(display_text(n))


def type_style(t: str) -> dict | None:
    """The colour of a type, by its name in files or as the current language says it."""
    from optimizer.typology import TYPE_WORDS
    from optimizer.i18n import _

    t = str(t).strip()
    return TYPE_STYLES.get({_(w): k for k, w in TYPE_WORDS.items()}.get(t, t))


@contextlib.contextmanager
def progress(length: int, label: str, quiet: bool = False):
    """A progress bar on standard error for long work, shown only on a terminal.

    Yields a function to call once per step."""
    if quiet or length <= 0 or not _stderr_tty():
        yield lambda *a: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr,
                           show_eta=False) as bar:
        yield lambda *a: bar.update(1)


def _stderr_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class SolverProgressLine:
    """One updating line on stderr with the MIP's progress (elapsed, best plan, bound, gap).

    Shown only on a terminal and at most twice a second; ``close()`` clears it."""

    def __init__(self, enabled: bool = True, every: float = 0.5):
        from optimizer.i18n import get_language

        self.enabled = enabled and sys.stderr.isatty()
        self.every = every
        self.last = 0.0
        self.width = 0
        self.lang = get_language()  # HiGHS calls back in its own thread (not in this context)

    def __call__(self, p) -> None:
        import time

        now = time.monotonic()
        if not self.enabled or now - self.last < self.every:
            return
        self.last = now
        from optimizer.display import progress_line
        from optimizer.i18n import use_language

        with use_language(self.lang):
            text = progress_line(p)[:119]
        while display_width(text) > 119:  # (CJK characters take two columns)
            text = text[:-1]
        sys.stderr.write("\r" + text + " " * max(0, self.width - display_width(text)))
        sys.stderr.flush()
        self.width = display_width(text)

    def close(self) -> None:
        if self.enabled and self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()
