"""Errors a planner can act on. The CLI turns each into one message and an exit status:
2 bad input (:class:`InputError`), 5 an optional extra is not installed
(:class:`MissingExtra`), 1 anything else."""

from __future__ import annotations


def translate(text: str) -> str:
    """The words of :meth:`InputError.describe` in the current language: optimizer.i18n
    (which depends on this module, not the other way round) puts its ``_`` here."""
    return text


class RegcollabError(Exception):
    """Base class: an expected failure with a message in the planner's words."""

    exit_code = 1


class InputError(RegcollabError):
    """Bad input data or options (exit status 2).

    ``file``, ``row`` and ``column`` locate the problem the way the planner sees it:
    ``row`` is a phrase such as ``"line 4 (id SZ)"``.
    """

    exit_code = 2

    def __init__(self, message: str, file: str | None = None, row: str | None = None,
                 column: str | None = None):
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__(self.describe())

    def describe(self) -> str:
        _ = translate
        where = [w for w in (self.file, self.row) if w]
        if self.column:
            where.append(_("column '{column}'").format(column=self.column))
        return (_(", ").join(where) + _(": ") if where else "") + self.message


class WriteError(RegcollabError):
    """The results could not be written (the disk is full, a write failed): exit status 6.

    Nothing was changed: the previous results, if any, are still in place."""

    exit_code = 6


class InstanceError(InputError):
    """An instance that does not load or does not validate."""


class MissingExtra(RegcollabError):
    """An optional library is not installed (exit status 5): the message names the extra
    that brings it, e.g. "report.html needs the report extra: pip install
    'regcollab[report]'"."""

    exit_code = 5

    def __init__(self, what: str, extra: str, module: str | None = None):
        self.what = what
        self.extra = extra
        self.module = module
        super().__init__(f"{what} {self.need}")

    @property
    def need(self) -> str:
        """"needs the report extra (matplotlib): pip install 'regcollab[report]'"."""
        _ = translate
        if self.module:
            return _("needs the {extra} extra ({module}): pip install 'regcollab[{extra}]'"
                     ).format(extra=self.extra, module=self.module)
        return _("needs the {extra} extra: pip install 'regcollab[{extra}]'").format(
            extra=self.extra)


EXTRAS = {"matplotlib": "report", "jinja2": "report", "openpyxl": "report", "tomli_w": "report",
          "noto_cjk_sans_otc": "report", "SALib": "analysis", "distributed": "analysis",
          "starlette": "app", "uvicorn": "app", "multipart": "app"}
"""The extra (pyproject.toml's optional-dependencies) that installs each optional module."""


def require(module: str, what: str):
    """Import the optional ``module`` (e.g. "matplotlib") or raise :class:`MissingExtra`
    naming what needs it ("report.html") and the extra that installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(what, EXTRAS.get(module.split(".")[0], "report"), module) from None


def available(module: str) -> bool:
    """Whether the optional ``module`` can be imported."""
    try:
        require(module, module)
    except MissingExtra:
        return False
    return True
