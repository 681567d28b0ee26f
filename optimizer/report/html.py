"""The report as HTML: the charts and the sections' data rendered by a jinja2 template.

The template (``templates/report.html.j2`` and the files it includes, ``report.css`` for the
styles) holds the words and the markup; :mod:`optimizer.report.sections` the data. jinja2
escapes every value the template prints (``autoescape``), so a name from the data can never
become markup; the escaping is that of :func:`html.escape`, and control characters, which
HTML does not allow, become spaces (:func:`_finalizer`).
"""

from __future__ import annotations

import html
import os
import re
from functools import lru_cache
from pathlib import Path

from .._version import __version__
from ..errors import MissingExtra, available
from . import charts, mechanisms, sections
from .measures import type_colours
from .results import REPORT_FILE, Results, load_results
from .rounds import paired_type, roadmap_grid

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class ReportUnavailable(MissingExtra):
    """The report needs matplotlib and jinja2 (the ``report`` extra), and one of them is not
    installed (exit status 5)."""

    def __init__(self, module: str = "matplotlib"):
        super().__init__(REPORT_FILE, "report", module)


def report_available() -> bool:
    """Whether the libraries the report needs (plotting, templates) are installed."""
    return available("matplotlib") and available("jinja2")


def _finalizer(markup):
    """The function through which the template prints every value, as HTML: missing as
    nothing, text escaped as :func:`html.escape` does and control characters as spaces (line
    breaks and tabs kept, for the README). ``markup`` (markupsafe's Markup: a macro's output)
    passes as it is."""

    def finalize(value):
        if isinstance(value, markup):
            return value
        text = "" if value is None else str(value)
        return markup(html.escape(_CONTROL.sub(" ", text), quote=True))

    return finalize


def environment():
    """The jinja2 environment of the report's templates (:func:`template_environment`)."""
    return template_environment(Path(__file__).with_name("templates"))


@lru_cache(maxsize=None)
def template_environment(folder: Path):
    """The jinja2 environment of the templates in ``folder`` (the report's; the workbench's
    page, optimizer/app), autoescaping on, with
    ``jinja2.ext.i18n``: ``{{ _("...") }}`` in a template says its words in the current
    language. The gettext callables installed are :mod:`optimizer.i18n`'s, which read the
    language of the calling context, so one cached environment serves concurrent reports in
    different languages (a fixed catalog installed with ``install_gettext_translations``
    would be shared by all of them). ``|plain`` turns a translation (markup) back into text
    for an attribute, where it must be escaped."""
    import jinja2
    from markupsafe import Markup

    from ..i18n import _, ngettext

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(folder)),
        autoescape=True, finalize=_finalizer(Markup), undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=True)
    env.filters["plain"] = str
    env.filters["text"] = _finalizer(Markup)  # a value put into a translation, escaped
    return env


def _types(res: Results) -> list:
    s, P = res.summary, res.pairings
    types = list(s.get("types_used") or (s.get("types") or {}).keys())
    if len(P):
        types += [t for t in dict.fromkeys(P["type"]) if t not in types]
    if res.roadmap is not None and len(res.roadmap):  # types taken only in later rounds
        types += [t for t in dict.fromkeys(map(paired_type, res.roadmap["type"]))
                  if t and t not in types]
    return types


def build_html(res: Results, progress=None, source: str | None = None,
               notes: list | None = None, lang: str | None = None) -> str:
    """The report as one HTML string. ``progress(step_name)`` is called once per chart;
    ``source`` names the results folder in the footer (None: the folder holding the report).
    What the report cannot show as it should (characters no chart font draws) is said in
    the report and appended to ``notes`` for the terminal. ``lang``: ``en`` or ``zh``
    (default: the current language, :mod:`optimizer.i18n`)."""
    from ..i18n import html_lang, use_language

    with use_language(lang):
        return _build_html(res, progress, source, notes, html_lang())


def _build_html(res: Results, progress, source, notes, lang_tag: str) -> str:
    from ..i18n import _

    def step(name):
        if progress is not None:
            progress(name)

    P, rec = res.pairings, res.recipients
    has_plan = "pairings.csv" not in res.missing
    step("outcomes")
    outcomes_png = charts.fig_outcomes(res) if len(rec) else None
    step("Lorenz curves")
    lorenz_png, g0, g1 = charts.fig_lorenz(res) if len(rec) else (None, None, None)
    fnote = charts.font_note(charts.chart_texts(res))
    if fnote and notes is not None:
        notes.append(_("{file}: {note}").format(file=REPORT_FILE, note=fnote))
    step("pairings picture")
    pairings_png = charts.fig_pairings(res) if len(P) else None
    colours = type_colours(_types(res))
    grid = roadmap_grid(res) if has_plan else None
    roadmap_png = charts.fig_roadmap(grid, colours) if grid and grid["pairs"] else None
    step("efficiency vs equity")
    sharing, groups = mechanisms.sharing(res), mechanisms.clusters(res)
    context = {
        "head": sections.header(res), "has_plan": has_plan, "missing": res.missing,
        "cards": sections.cards(res, (g0, g1) if g0 is not None else None),
        "warnings": res.summary.get("warnings"), "font_note": fnote,
        "pairings": sections.pairings(res, colours), "pairings_png": pairings_png,
        "roadmap": sections.roadmap(res, grid, colours),
        "roadmap_png": roadmap_png, "outcomes": sections.outcomes(res),
        "sharing": sharing, "sharing_png": mechanisms.fig_sharing(res) if sharing else None,
        "clusters": groups, "clusters_png": mechanisms.fig_clusters(res) if groups else None,
        "outcomes_png": outcomes_png, "lorenz_png": lorenz_png,
        "equality": sections.equality(res, g0, g1) if lorenz_png else None,
        "balance": sections.balance(res), "tradeoff": sections.tradeoff(res),
        "participation": mechanisms.participation(res),
        "tradeoff_png": charts.fig_tradeoff(res), "sensitivity": sections.sensitivity(res),
        "sources": sections.sources(res.summary), "run": sections.run(res.summary),
        "source": source, "version": __version__, "html_lang": lang_tag,
    }
    return environment().get_template("report.html.j2").render(context)


def write_report(folder: str | os.PathLike, out: str | os.PathLike | None = None,
                 progress=None, notes: list | None = None,
                 results: Results | None = None, lang: str | None = None) -> Path:
    """Build ``report.html`` from the results in ``folder`` and return its path.

    ``results`` are the folder's results as a solve holds them in memory (then nothing is
    read back); without them the folder is read (``regcollab report DIR``). ``out`` is
    another file to write instead; ``notes`` gets what the report could not show as it
    should (see :func:`build_html`); ``lang`` its language (default: the current one). The
    file is written beside its final name and renamed into place, so a reader never sees
    half a report.
    """
    for module in ("matplotlib", "jinja2"):
        if not available(module):
            raise ReportUnavailable(module)
    res = results if results is not None else load_results(folder)
    target = Path(out) if out is not None else Path(folder) / REPORT_FILE
    # a report beside its results never names their folder: it is often written into a
    # temporary folder renamed at the end (solve --out), and may be moved
    beside = target.resolve().parent == Path(folder).resolve()
    text = build_html(res, progress=progress,  # four charts: four steps
                      source=None if beside else str(folder), notes=notes, lang=lang)
    if progress is not None:
        progress("write")
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
