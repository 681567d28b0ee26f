"""How numbers and names are shown to planners (terminal, report, workbook, reason texts).

A solver's numbers carry its tolerances: HiGHS accepts a plan whose rows hold to 1e-7
(primal feasibility) and whose integers are within 1e-6 (MIP feasibility), so an optimum of
385.5 comes back as 385.5000469, a gain of 97.5 as 97.49990951, a difference of two equal
objectives as 1.005e-07 and a MIP gap as 1.47e-16. :func:`planner_round` drops the digits
below that noise; :func:`fmt_number` writes the result with a number of significant figures.
Files meant for programs (``summary.json``, the numeric CSV columns) keep full precision:
only what a person reads is rounded.

:func:`display_text` makes a name from the data safe to print or draw: control characters
(a vertical tab, a NUL) become spaces. HTML escaping and the charts' math parsing are the
report's business (``optimizer/report/``).

:func:`stage_words` and :func:`progress_line` say a solver stage's label (an English
identifier kept in ``summary.json``'s stages and a recording's manifest) and the MIP's
progress in the planner's language.
"""

from __future__ import annotations

import math
import unicodedata

from optimizer.i18n import N_, _, said

SOLVER_TOL = 1e-6
"""Relative accuracy of a value the solver returns: HiGHS's MIP feasibility tolerance (1e-6;
its primal feasibility tolerance is 1e-7), relative to the value's scale, at least 1."""


def planner_round(v, scale=None) -> float:
    """``v`` without the digits the solver's tolerance makes meaningless.

    Rounds to the decimals at which half a unit of the last digit exceeds
    ``SOLVER_TOL * max(1, |scale|)`` (``scale`` defaults to ``v`` itself; give the size of the
    quantities a difference was taken of, e.g. the efficiency for a change of efficiency).
    So a value within tolerance of 0 becomes 0, one within tolerance of an integer becomes the
    integer (56.0000905 -> 56.0), 97.49990951 -> 97.5, and -0.0 -> 0.0. NaN and infinities
    are returned as they are.
    """
    f = float(v)
    if not math.isfinite(f):
        return f
    s = max(1.0, abs(f) if scale is None else abs(float(scale)))
    if not math.isfinite(s):
        return f
    decimals = math.floor(-math.log10(2.0 * SOLVER_TOL * s))
    return round(f, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def fmt_number(v, digits: int = 4, scale=None, *, decimals: int | None = None,
               sign: bool = False, grouping: bool = False, inf: str = "∞",
               missing: str = "-") -> str:
    """A number for a planner: rounded to the solver's tolerance (:func:`planner_round`),
    then to ``digits`` significant figures (or, with ``decimals``, to at most that many
    decimals), trailing zeros dropped.

    ``sign`` writes a plus sign on positive numbers (``+0`` for zero), ``grouping`` thousands
    separators from 10,000 on; very large (>= 1e6) and very small (< 1e-4) numbers are written
    in scientific notation. None and NaN give ``missing``; infinities ``inf`` (``"-" + inf``
    when negative). Booleans give yes/no (in the planner's language), text is returned as it
    is.
    """
    if v is None:
        return missing
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return _("yes") if v else _("no")
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(f):
        return missing
    if math.isinf(f):
        return (("+" if sign else "") + inf) if f > 0 else "-" + inf.lstrip("+")
    r = planner_round(f, scale)
    plus = "+" if sign and r >= 0 else ""
    if r == 0:
        return plus + "0"
    a = abs(r)
    if a >= 1e6 or a < 1e-4:
        return plus + f"{r:.{digits}g}"
    if decimals is None:
        decimals = max(0, digits - 1 - math.floor(math.log10(a)))
    text = f"{r:,.{decimals}f}" if grouping and a >= 1e4 else f"{r:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "0"):  # rounded away by the decimals asked for
        return plus + "0"
    return plus + text


def display_text(v, limit: int | None = None) -> str:
    """A name or text from the data as a person can read it: control characters (vertical
    tab, NUL, escape, ...) become a space, surrounding space is dropped, and with ``limit``
    a longer text is cut with an ellipsis. Letters of any script, emoji and right-to-left text
    are kept."""
    s = "" if v is None else str(v)
    if any(unicodedata.category(ch) == "Cc" for ch in s):
        s = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in s)
        s = " ".join(s.split())
    s = s.strip()
    if limit is not None and len(s) > limit:
        s = s[:limit - 1].rstrip() + "…"
    return s


def counted(n: int, one: str, many: str | None = None) -> str:
    """``n`` with its noun in the right number: "1 partner", "3 partners"."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


STAGE_WEIGHTED = N_("weighted (lambda = {value})")
STAGE_EPSILON = N_("epsilon (equity >= {value})")
STAGE_REFERENCE = N_("reference point (efficiency {efficiency}, equity {equity})")
"""The methods' final stages, as the methods write them (optimizer/methods/)."""

STAGE_LABELS = (
    STAGE_WEIGHTED,
    STAGE_EPSILON,
    STAGE_REFERENCE,
    N_("payoff, efficiency first"),
    N_("payoff, equity first"),
    N_("payoff, efficiency first: first"),
    N_("payoff, efficiency first: second"),
    N_("payoff, equity first: first"),
    N_("payoff, equity first: second"),
    N_("start: LP relaxation"),
    N_("start: fixed pairings"),
    N_("start: repair"),
    N_("polish: binaries fixed"),
)
"""The labels of the solver's stages (the methods', the payoff table's and the start
heuristic's, as the code writes them) and their words; a label not listed is shown as it is."""


def stage_words(stage: str) -> str:
    """A solver stage's label in the planner's language (English: the label itself)."""
    return said(stage, STAGE_LABELS) if stage else stage


def progress_line(p) -> str:
    """The MIP's progress (a :class:`~optimizer.solver.options.SolveProgress`) as one line in
    the planner's language; in English the same text as ``p.line()``."""
    none = not math.isfinite(p.incumbent) or abs(p.incumbent) >= 1e30
    gap = f"{100 * p.gap:.2f}%" if math.isfinite(p.gap) and p.gap < 1e10 else "-"
    return _("{stage}: {seconds} s  best plan {best}  bound {bound}  gap {gap}").format(
        stage=stage_words(p.stage), seconds=f"{p.seconds:6.1f}",
        best=_("none yet") if none else f"{p.incumbent:.6g}", bound=f"{p.bound:.6g}", gap=gap)
