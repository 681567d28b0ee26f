"""Checks of single values (a number in its range, text, an id or a name), and how messages
quote a value. Every check raises :class:`InstanceError` with the location it is given
(``file=``, ``row=``, ``column=``)."""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Mapping

import numpy as np

from ..errors import InstanceError
from ..i18n import N_, _
from ..schema import (
    ID_FORBIDDEN,
    INF,
    bad_name_char,
    bad_text_char,
    char_words,
    fmt_limit,
    range_problem,
)

TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f"}
TEXT_BREAKS = "\n\r\t"
"""Control characters a text setting may hold (a multi-line description)."""

_SHOW = reprlib.Repr()
_SHOW.maxstring = _SHOW.maxother = 60
_SHOW.maxlevel, _SHOW.maxlist, _SHOW.maxdict = 3, 5, 5


def shown(value) -> str:
    """A value as a message quotes it: short, whatever its size or depth."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return _("a whole number of about {n} digits").format(
            n=int(value.bit_length() * math.log10(2)) + 1)
    try:
        return _SHOW.repr(value)
    except (RecursionError, ValueError):  # absurdly deep, or an integer too long to print
        return _("a {kind}").format(kind=type(value).__name__)


def what(value) -> str:
    """A value with its kind, for 'must be a number, not ...'."""
    if isinstance(value, Mapping):
        return _("a table ({value})").format(value=shown(dict(value)))
    if isinstance(value, (list, tuple)):
        return _("a list ({value})").format(value=shown(list(value)))
    if isinstance(value, str):
        return _("the text {value}").format(value=shown(value))
    return shown(value)


def check_number(value, where: str, lo=-INF, hi=INF, lo_open=False, integer=False,
                 **loc) -> float:
    """``value`` as a float if it is a finite number in the range (whole if ``integer``);
    ``where`` names it in the message, ``loc`` locates it (``file``, ``row``, ``column``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InstanceError(_("{where} must be a number, not {what}").format(
            where=where, what=what(value)), **loc)
    try:
        v = float(value)
    except OverflowError:  # an integer beyond any float
        raise InstanceError(_("{where} is {value}; it is too large for a number").format(
            where=where, value=shown(value))
            + (_(" (at most {hi})").format(hi=fmt_limit(hi)) if hi < INF else ""),
            **loc) from None
    if not math.isfinite(v):
        raise InstanceError(_("{where} must be a finite number, not {value}").format(
            where=where, value=shown(value)), **loc)
    problem = range_problem(v, lo, hi, lo_open)
    if problem:
        raise InstanceError(_("{where} is {value}; {problem}").format(
            where=where, value=shown(value), problem=problem), **loc)
    if integer and v != int(v):
        raise InstanceError(_("{where} must be a whole number, not {value}").format(
            where=where, value=shown(value)), **loc)
    return v


def check_text(value, where: str, allow: str = "", **loc) -> str:
    """``value`` if it is text without control characters (but those in ``allow``)."""
    if not isinstance(value, str):
        raise InstanceError(_("{where} must be text (in quotes), not {what}").format(
            where=where, what=what(value)), **loc)
    ch = bad_text_char(value, allow)
    if ch is not None:
        raise InstanceError(_("{where} contains {char}, an invisible control character; "
                              "remove it").format(where=where, char=char_words(ch)), **loc)
    return value


NAME_WORDS = {
    "the id": N_("the id {name} contains {char}; ids and names may not contain {forbidden}, "
                 "control characters or other invisible characters"),
    "the resource name": N_("the resource name {name} contains {char}; ids and names may not "
                            "contain {forbidden}, control characters or other invisible "
                            "characters"),
    "the type name": N_("the type name {name} contains {char}; ids and names may not contain "
                        "{forbidden}, control characters or other invisible characters"),
    None: N_("{kind} {name} contains {char}; ids and names may not contain {forbidden}, "
             "control characters or other invisible characters")}
"""The message of :func:`check_name` for each kind of name."""


def check_name(name: str, kind: str, **loc) -> None:
    """Ids, resource and type names: no separators of row names, no invisible characters."""
    ch = bad_name_char(name)
    if ch is not None:
        raise InstanceError(_(NAME_WORDS.get(kind, NAME_WORDS[None])).format(
            kind=kind, name=shown(name), char=char_words(ch),
            forbidden=" ".join(ID_FORBIDDEN)), **loc)


def name_problem(name: str) -> str | None:
    """What is wrong with a region's name (free text, but no control characters), or None."""
    ch = bad_text_char(name)
    if ch is None:
        return None
    return _("the name {name} contains {char}, a control character; names may hold any text "
             "but no control characters").format(name=shown(name), char=char_words(ch))


def as_bool(v) -> bool | None:
    """A true/false cell (a bool, or a word such as yes, no, 1, 0), or None when it is none."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    s = str(v).strip().lower()
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False
    return None


def is_blank(v) -> bool:
    """An empty cell: None, empty text or a pandas missing value (a float NaN; the text
    "NaN" in a file is not empty, it is an error)."""
    return v is None or (isinstance(v, str) and v.strip() == "") or (
        isinstance(v, float) and math.isnan(v))
