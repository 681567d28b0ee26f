"""The planner's language: English (the messages as written) or Chinese (``zh``).

English strings are the keys (gettext's msgids); the Chinese catalog is
``optimizer/locale/zh/LC_MESSAGES/regcollab.po``, compiled to ``regcollab.mo`` beside it, and
read with the standard library's :mod:`gettext`. docs/glossary.md fixes the Chinese terms.

The current language lives in a :class:`contextvars.ContextVar`: a web server's concurrent
requests (each in its own context) never see each other's language. A thread started
without a copied context sees the default, the environment's (:func:`language_from_env`).

Numbers: zh-CN writes the same digits, decimal point and thousands separator as English, so
numbers are formatted the same in both languages (docs/glossary.md says so).

Usage::

    from optimizer.i18n import _, N_, ngettext, use_language

    _("Pairings")                          # translated now
    SHORT = N_("supply")                   # marked for the catalog, translated where shown
    ngettext("{n} pairing", "{n} pairings", n).format(n=n)
    with use_language("zh"):
        ...
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import os
import re
import string
from collections.abc import Mapping
from pathlib import Path

LANGUAGES = ("en", "zh")
"""The languages of the interface; ``en`` is the msgid itself."""

DOMAIN = "regcollab"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

HTML_LANG = {"en": "en", "zh": "zh-CN"}
"""The value of ``<html lang=...>`` for each language (BCP 47)."""

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("regcollab_language",
                                                                      default=None)


def language_from_env(environ=None) -> str:
    """``zh`` when the locale (``LC_ALL``, else ``LC_MESSAGES``, else ``LANG``, the first one
    set, as POSIX orders them) starts with ``zh``; otherwise ``en``."""
    environ = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def check_language(lang: str | None) -> str:
    """``lang`` if it is a language of the interface (``None``: the current one); otherwise an
    :class:`~optimizer.errors.InputError` in the planner's words."""
    if lang is None:
        return get_language()
    norm = str(lang).strip().lower().replace("_", "-")
    if norm.startswith("zh"):
        return "zh"
    if norm.startswith("en"):
        return "en"
    raise _errors.InputError(_("the language '{lang}' is not available; the languages are {langs}")
                     .format(lang=lang, langs=", ".join(LANGUAGES)))


def language_from_accept(header: str | None) -> str:
    """The language a browser asks for (an ``Accept-Language`` header): the first of the
    interface's languages in the browser's order of preference (``zh-CN``, ``zh-TW``, ``zh``:
    ``zh``); ``en`` when it names neither."""
    ranked = []
    for i, part in enumerate((header or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        tag = tag.strip().lower()
        if q > 0 and (tag.startswith("zh") or tag.startswith("en")):
            ranked.append((-q, i, tag[:2]))
    return min(ranked)[2] if ranked else "en"


def get_language() -> str:
    """The current language: the one set by :func:`use_language`, else the environment's."""
    return _current.get() or language_from_env()


@contextlib.contextmanager
def use_language(lang: str | None):
    """Within the block, messages are in ``lang`` (``None``: leave the current language)."""
    if lang is None:
        yield get_language()
        return
    token = _current.set(check_language(lang))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@functools.lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog of ``lang`` (English: none, the msgid is the text)."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang])


def _(message: str) -> str:
    """``message`` in the current language (an empty text stays empty: gettext would give
    the catalog's header)."""
    if not message:
        return message
    return translations(get_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for ``n`` in the current language (Chinese has
    one form: ``nplurals=1``)."""
    return translations(get_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it (a constant defined at import
    time); translate it with :func:`_` where it is shown."""
    return message


LIST_SEPARATOR = {"en": ", ", "zh": "、"}


@functools.lru_cache(maxsize=None)
def _pattern(template: str) -> re.Pattern:
    """A regular expression matching ``template`` filled in (each ``{field}`` any text; a
    field used twice must be the same text twice)."""
    out, seen = [], set()
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if field is not None:
            out.append(f"(?P={field})" if field in seen else f"(?P<{field}>.+?)")
            seen.add(field)
    return re.compile("".join(out), re.DOTALL)


def said(text: str, templates=(), nested: Mapping | None = None) -> str:
    """``text``, English made from one of ``templates`` (msgids with named fields), in the
    current language: the template translated and filled in with the same fields, each field
    named in ``nested`` said by its function there (a stage label within a message). A text
    that is a msgid itself is translated as it is (a message marked whole comes first); any
    other is left as it is.

    For English stored where the language must not change it (summary.json's messages and
    stage labels, :mod:`optimizer.methods.base`) and for another library's English whose
    phrases are known (tomllib's, :func:`optimizer.instance.readers.toml_problem`)."""
    text = str(text)
    whole = _(text)
    if whole != text:  # a msgid as it is (a message marked whole)
        return whole
    nested = nested or {}
    for template in templates:
        m = _pattern(template).fullmatch(text)
        if m:
            fields = {k: nested[k](v) if k in nested else v for k, v in m.groupdict().items()}
            return _(template).format(**fields)
    return text


def gap_after(label: str) -> str:
    """What separates a label such as ``error:`` from the text after it: a space, or nothing
    after a full-width colon (``错误：``)."""
    return "" if label.endswith("：") else " "


def listing(items) -> str:
    """Items in a sentence, separated the language's way (``a, b`` / ``a、b``)."""
    return LIST_SEPARATOR[get_language()].join(str(i) for i in items)


def _describe_words(message: str) -> str:
    return _(message)


from . import errors as _errors  # noqa: E402 - after _ is defined

_errors.translate = _describe_words
# the words InputError.describe frames a place with, marked for the catalog:
N_("column '{column}'"), N_(", "), N_(": ")


def with_lang(fn):
    """Give ``fn`` a keyword ``lang`` (``en``, ``zh``; default: the current language): the
    words it produces are in that language (the API's ``lang=``: solve's reasons, explain,
    the diagnosis, the report, the workbook)."""

    @functools.wraps(fn)
    def wrapper(*args, lang: str | None = None, **kwargs):
        with use_language(lang):
            return fn(*args, **kwargs)

    return wrapper


def html_lang(lang: str | None = None) -> str:
    return HTML_LANG[check_language(lang)]
