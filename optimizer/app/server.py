"""The workbench's web server: a Starlette app of one page and its JSON endpoints.

Every endpoint answers JSON; a planner's error (a bad instance, upload, setting or edit) is
``{"error": message}`` with status 400 in the words of the command line, anything else
``{"error": "internal error: ..."}`` with status 500 and no traceback: the page shows the
message and keeps working. The session is a cookie id (:class:`.state.Sessions`).
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from optimizer.errors import InputError, RegcollabError
from optimizer.i18n import N_, _, html_lang, language_from_accept, listing, use_language
from optimizer.options import RunOptions
from optimizer.pipeline import effective_instance

from . import compare as comparing
from .jobs import Job
from .state import SETTINGS, Edit, Session, Sessions, official_edit

HERE = Path(__file__).parent
COOKIE = "regcollab_session"
HEADER = "x-regcollab"  # every POST of the page carries it (see _endpoint)
HOSTS = ("127.0.0.1", "localhost")  # the Host a request may name (no DNS rebinding)
MAX_UPLOAD = 50 * 2**20  # bytes of an uploaded workbook
MAX_POINTS = 25  # points of the page's front (the command's own limit is larger)
EXPORT_FILES = ("report.html", "results.xlsx", "summary.json", "pairings.csv",
                "allocations.csv", "recipients.csv", "balance.csv")


# the words the page's script writes itself (its buttons, statuses, messages), sent to it in
# the page's language (``words`` below); the keys are the script's, the values msgids
WORDS = {
    "no instance loaded": N_("no instance loaded"),
    "error: ": N_("error: "), "warning: ": N_("warning: "),
    ", ": N_(", "), ": ": N_(": "), "; ": N_("; "),
    "idle": N_("idle"), "Undo": N_("Undo"), "drop": N_("drop"),
    "running": N_("running"), "done": N_("done"), "failed": N_("failed"),
    "cancelled": N_("cancelled"),
    "instance summary": N_("{partners} partners, {recipients} recipients, resources "
                           "{resources}, {pairs} candidate pairs, types {types}."),
    "now": N_("{setting} (now {value})"), "off": N_("off"),
    "plans": N_("{n} plans"),
    "plan choice": N_("{label}: efficiency {efficiency}, equity {equity}"),
    "point": N_("point {n}: efficiency {efficiency}, equity {equity}"),
    "front point": N_("front point {n}"),
    "range": N_("{low} to {high}"),
    "efficiency": N_("efficiency"), "equity": N_("equity"),
    "partner": N_("partner"), "recipient": N_("recipient"), "type": N_("type"),
    "gain": N_("gain"), "before": N_("before"), "pairing": N_("pairing"),
    "rules broken": N_("{n} balance rules broken"),
    "pairings chart": N_("the pairings chart"),
    "outcomes chart": N_("the outcomes chart"),
    "Keep plans to compare them here (up to four).":
        N_("Keep plans to compare them here (up to four)."),
    "recipient (outcome / target)": N_("recipient (outcome / target)"),
    "Pairings and types": N_("Pairings and types"),
    "Recipients (green gains, red loses against the first plan)":
        N_("Recipients (green gains, red loses against the first plan)"),
}


@functools.cache
def _page(lang: str) -> str:
    from optimizer.instance.bundled import DEFAULT_INSTANCE
    from optimizer.report.html import template_environment

    with use_language(lang):
        env = template_environment(HERE / "templates")
        return env.get_template("index.html.j2").render(
            default=DEFAULT_INSTANCE, lang=lang, html_lang=html_lang(lang),
            words={k: _(v) for k, v in WORDS.items()})


def bundled_names() -> list[str]:
    from optimizer.instance.bundled import bundled_instances_dir

    return sorted(p.name for p in bundled_instances_dir().iterdir()
                  if (p / "instance.toml").is_file())


def type_colours(types) -> dict:
    from optimizer.report.measures import type_colours as colours

    return colours(types)


def instance_info(session) -> dict | None:
    from optimizer.typology import type_name

    inst = session.instance
    if inst is None:
        return None
    edited = session.edited()
    cols = lambda df: ["id", "name"] + [c for c in df.columns if c != "name"][:12]  # noqa: E731

    def table(df):
        d = df.reset_index().rename(columns={df.index.name or "index": "id"})
        return {"columns": cols(df), "rows": d[cols(df)].astype(str).values.tolist()[:300]}

    a = inst.arrays
    return {"name": inst.name, "source": session.source,
            "counts": {"partners": len(inst.partners), "recipients": len(inst.recipients)},
            # the tables as the page shows them (the first 300 rows; the choosers list all)
            "partners": table(inst.partners), "recipients": table(inst.recipients),
            "partner_names": _names(inst.partners), "recipient_names": _names(inst.recipients),
            "resources": list(inst.resources), "types": list(inst.types),
            "type_names": {t: type_name(t) for t in inst.types},  # in the page's language
            "colours": type_colours(list(inst.types)),  # the report's, so the page matches
            "candidate_pairs": int(a["eligible"].any(axis=2).sum()),
            "warnings": [str(w) for w in inst.warnings],
            "settings": {p: edited.param(p) for p in SETTINGS},
            "weight": edited.param("objective.lambda"),
            "official": official_edit(inst) is not None}


def _names(df) -> list:
    return [[str(i), str(n)] for i, n in zip(df.index, df["name"])]


class Workbench:
    """The app's endpoints around one :class:`Sessions`."""

    def __init__(self, folder: Path, instance: str | None = None):
        self.sessions = Sessions(folder)
        self.first = None  # (source, instance) a new session starts with (loaded once)
        if instance:
            probe = Session("", Path(folder))  # (no session yet: only the instance is kept)
            probe.load(instance)  # a bad instance is said at the start, in the CLI's words
            self.first = (probe.source, probe.instance)

    # ---------------------------------------------------------------- plumbing
    def session(self, request: Request):
        s = self.sessions.get(request.cookies.get(COOKIE))
        if s is None:
            s = self.sessions.new()
            if self.first:
                s.source, s.instance = self.first
            s.lang = language_from_accept(request.headers.get("accept-language"))
            request.state.new_sid = s.id
        return s

    @staticmethod
    def reply(request: Request, payload: dict, status: int = 200) -> JSONResponse:
        resp = JSONResponse(payload, status_code=status)
        sid = getattr(request.state, "new_sid", None)
        if sid:
            resp.set_cookie(COOKIE, sid, httponly=True, samesite="strict")
        return resp

    def state(self, s) -> dict:
        return {"instance": instance_info(s), "bundled": bundled_names(),
                "edits": [e.label for e in s.edits],
                "plans": [{"id": p["id"], "label": p["label"], "efficiency": p["efficiency"],
                           "equity": p["equity"], "exportable": p["spec"] is not None}
                          for p in s.plans.values()],
                "compare": s.compare, "front": s.front is not None,
                # the front was computed before the edits made since (compute it again)
                "front_stale": s.front is not None and s.front_changes != s.changes(),
                "job": s.job.as_dict() if s.job else None,
                "exports": sorted(s.exports)}

    # ---------------------------------------------------------------- pages
    async def index(self, request: Request):
        s = self.session(request)
        resp = HTMLResponse(_page(s.lang))
        if getattr(request.state, "new_sid", None):
            resp.set_cookie(COOKIE, s.id, httponly=True, samesite="strict")
        return resp

    async def get_state(self, request: Request, s):
        return self.state(s)

    async def language(self, request: Request, s):
        """The switch: the session's language from now on (the page loads itself again)."""
        from optimizer.i18n import check_language

        s.lang = check_language(str((await _body(request)).get("lang") or ""))
        return {"lang": s.lang}

    async def load(self, request: Request, s):
        body = await _body(request)
        source = str(body.get("path") or body.get("name") or "").strip()
        if not source:
            raise InputError(_("choose a bundled instance or type the path of a folder or "
                               "workbook"))
        s.load(source)
        return self.state(s)

    async def upload(self, request: Request, s):
        async with request.form(max_files=1) as form:
            f = form.get("file")
            if f is None or not getattr(f, "filename", None):
                raise InputError(_("choose an .xlsx workbook to upload"))
            data = await f.read(MAX_UPLOAD + 1)
        name = Path(f.filename).name
        if not name.lower().endswith(".xlsx"):
            raise InputError(_("'{name}' is not an .xlsx workbook").format(name=name))
        if len(data) > MAX_UPLOAD:
            raise InputError(_("'{name}' is larger than {mb} MB").format(
                name=name, mb=MAX_UPLOAD // 2**20))
        s.folder.mkdir(parents=True, exist_ok=True)
        # a folder of its own, so that messages name the workbook as the planner named it
        folder = s.folder / f"upload-{len(list(s.folder.glob('upload-*'))) + 1}"
        folder.mkdir()
        path = folder / name
        path.write_bytes(data)
        s.load(path)
        return self.state(s)

    # ---------------------------------------------------------------- jobs
    def start(self, s, kind: str, spec: dict, label: str, on_done) -> dict:
        if s.busy():
            raise InputError(_("a solve is running: wait for it or cancel it"))
        s.job = Job(kind, {**spec, "lang": s.lang}, label, on_done=on_done, lang=s.lang)
        return self.state(s)

    def _plan_done(self, s, label: str, spec: dict | None):
        def done(job):
            job.plan = s.add_plan(job.result, label, spec)
        return done

    async def solve(self, request: Request, s):
        body = await _body(request)
        options, label = run_options(body)
        # the weight (and the edits) checked now, in the schema's words, not in the job
        effective_instance(s.edited(), RunOptions.of(**options))
        spec = s.spec(options)
        label += "".join(_("; ") + e.label for e in s.edits)
        return self.start(s, "solve", spec, label, self._plan_done(s, label, spec))

    async def official(self, request: Request, s):
        edit = official_edit(s.need_instance())
        if edit is None:
            raise InputError(_("{instance} does not document official pairings "
                               "(data/pairings.csv)").format(instance=s.instance.name))
        # the rules may not hold for the official pairings: they bend, and balance.csv (and
        # the compare view) shows by how much
        spec = s.spec({"soft": "all"}, edits=[edit])
        label = _("{edit} (balance rules may bend)").format(edit=edit.label)
        return self.start(s, "solve", spec, label, self._plan_done(s, label, spec))

    async def pareto(self, request: Request, s):
        body = await _body(request)
        points = _int(body.get("points", 7), _("points"))
        if not 2 <= points <= MAX_POINTS:
            raise InputError(_("points must be between 2 and {most}, not {points}").format(
                most=MAX_POINTS, points=points))
        spec = {**s.spec({}), "points": points}

        def done(job):
            s.front, s.front_changes = job.result["points"], spec["changes"]
        return self.start(s, "pareto", spec,
                          _("the front ({points} points)").format(points=points), done)

    async def cancel(self, request: Request, s):
        s.cancel()
        return self.state(s)

    async def job(self, request: Request, s):
        if s.job is None:
            return {"job": None}
        return {"job": {**s.job.as_dict(), "plan": getattr(s.job, "plan", None)}}

    # ---------------------------------------------------------------- steering
    async def edit(self, request: Request, s):
        s.add_edit(steering_edit(s, await _body(request)))
        return self.state(s)

    async def undo(self, request: Request, s):
        body = await _body(request)
        s.undo(_int(body.get("index", len(s.edits) - 1), "index"))
        return self.state(s)

    # ---------------------------------------------------------------- plans
    async def plan(self, request: Request, s):
        p = s.plans.get(request.path_params["pid"])
        if p is None:
            raise InputError(_("there is no plan {plan}").format(plan=request.path_params["pid"]))
        return {k: v for k, v in p.items() if k not in ("spec", "_charts")}

    async def chart(self, request: Request, s):
        """A picture of a plan (``p3``) or of a point of the front (``front-2``)."""
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import Response

        from .charts import CHARTS, chart_png

        pid, name = request.path_params["pid"], request.path_params["name"]
        plan = s.plans.get(pid)
        if pid.startswith("front-") and s.front and pid[6:].isdigit():
            plan = s.front[int(pid[6:])] if int(pid[6:]) < len(s.front) else None
        if plan is None or name not in CHARTS:
            return JSONResponse({"error": _("no picture {pid}/{name}").format(pid=pid, name=name)},
                                status_code=404)
        png = await run_in_threadpool(chart_png, plan, name, s.lang)
        return Response(png, media_type="image/png")

    async def front(self, request: Request, s):
        return {"points": [{k: v for k, v in p.items() if k != "_charts"}
                           for p in s.front or []]}

    async def keep(self, request: Request, s):
        body = await _body(request)
        if "point" in body:  # a point of the front becomes a plan to compare
            i = _int(body["point"], "point")
            if not s.front or not 0 <= i < len(s.front):
                raise InputError(_("there is no point {n} on the front").format(n=i + 1))
            point = {k: v for k, v in s.front[i].items() if k != "_charts"}
            pid = s.add_plan(point, _("front point {n}").format(n=i + 1), None)
        else:
            pid = str(body.get("plan", ""))
        s.keep(pid)
        return self.state(s)

    async def drop(self, request: Request, s):
        pid = str((await _body(request)).get("plan", ""))
        s.compare = [p for p in s.compare if p != pid]
        return self.state(s)

    async def compare(self, request: Request, s):
        return comparing.compare([s.plans[p] for p in s.compare])

    async def export(self, request: Request, s):
        pid = str((await _body(request)).get("plan", ""))
        p = s.plans.get(pid)
        if p is None:
            raise InputError(_("there is no plan {plan}").format(plan=pid))
        if p["spec"] is None:
            raise InputError(_("a point of the front is exported by solving it first: use the "
                               "weight or the reference point that reaches it"))
        name = f"{pid}-{len([e for e in s.exports if e.startswith(pid + '-')]) + 1}"
        out = s.folder / name
        spec = {**p["spec"], "out": str(out)}

        def done(job):  # (a new dict: the page may be reading the old one)
            s.exports = {**s.exports, name: out}
        return self.start(s, "export", spec, _("export of {plan}").format(plan=p["label"]), done)

    async def files(self, request: Request, s):
        name, file = request.path_params["name"], request.path_params["file"]
        folder = s.exports.get(name)
        if folder is None or file not in EXPORT_FILES or not (folder / file).is_file():
            return JSONResponse({"error": _("no file {name}/{file}").format(name=name, file=file)},
                                status_code=404)
        return FileResponse(folder / file)

    async def exported(self, request: Request, s):
        return {"exports": {n: {"folder": str(f), "files": [x for x in EXPORT_FILES
                                                           if (f / x).is_file()]}
                            for n, f in s.exports.items()}}


METHOD_WORDS = {"lexicographic": N_("lexicographic"), "epsilon": N_("epsilon")}
"""A plan's label when the page names only its method (the other methods' labels have their
settings)."""


def run_options(body: dict) -> tuple[dict, str]:
    """The run's keywords and a label from the page's method, weight and reference point."""
    from optimizer.methods import get_method

    method = str(body.get("method") or "weighted")
    get_method(method)  # an unknown method: the registry's message
    if method == "weighted":
        w = _number(body.get("weight", 0.5), _("weight"))
        return {"method": method, "weight": w}, _("weight {w}").format(w=f"{w:g}")
    if method == "reference":
        ref = body.get("reference") or []
        if len(ref) != 2:
            raise InputError(_("the reference point needs an efficiency and an equity level"))
        e, q = (_number(v, n) for v, n in zip(ref, (_("efficiency"), _("equity"))))
        return ({"method": method, "settings": {"objective.reference": [e, q]}},
                _("reference point ({e}, {q})").format(e=f"{e:g}", q=f"{q:g}"))
    return {"method": method}, _(METHOD_WORDS.get(method, method))


def steering_edit(s, body: dict) -> Edit:
    """One steering change as instance edits (docs/instance-format.md's pairs and
    settings)."""
    inst = s.need_instance()
    kind = body.get("kind")
    if kind in ("forbid", "fix"):
        d, r = str(body.get("partner") or ""), str(body.get("recipient") or "")
        if not d or not r:
            raise InputError(_("choose a partner and a recipient"))
        if d not in inst.partners.index or r not in inst.recipients.index:
            raise InputError(_("there is no pair {pair} in {instance}").format(
                pair=f"{d}-{r}", instance=inst.name))
        if kind == "forbid":
            return Edit(_("forbid {pair}").format(pair=f"{d}-{r}"),
                        {f"pairs[{d},{r}].allowed": False, f"pairs[{d},{r}].fixed": False})
        return Edit(_("fix {pair}").format(pair=f"{d}-{r}"),
                    {f"pairs[{d},{r}].allowed": True, f"pairs[{d},{r}].fixed": True})
    if kind in ("force_type", "forbid_type"):
        return type_edit(s, kind, str(body.get("partner") or ""),
                         str(body.get("recipient") or ""), str(body.get("type") or ""))
    if kind == "lock":
        return lock_edit(s, str(body.get("recipient", "")), str(body.get("plan", "")))
    if kind == "setting":
        path = str(body.get("name", ""))
        if path not in SETTINGS:
            raise InputError(_("'{name}' is not one of {names}").format(
                name=path, names=", ".join(SETTINGS)))
        value = body.get("value")
        value = None if value in (None, "") else _number(value, path)
        return Edit(f"{path.split('.')[-1]} = {_('off') if value is None else f'{value:g}'}",
                    {path: value})
    raise InputError(_("unknown change '{kind}'").format(kind=kind))


def type_edit(s, kind: str, d: str, r: str, t: str) -> Edit:
    """Force a type on a pairing (fixed, its pairs.csv types that one type) or forbid it
    (its types the ones it may take now, less that one): docs/instance-format.md, types."""
    from optimizer.instance.tables import MEMBER_SEPARATOR, type_list
    from optimizer.typology import type_name, type_names

    inst = s.need_instance()
    if not d or not r:
        raise InputError(_("choose a partner and a recipient"))
    if d not in inst.partners.index or r not in inst.recipients.index:
        raise InputError(_("there is no pair {pair} in {instance}").format(
            pair=f"{d}-{r}", instance=inst.name))
    if not t:
        raise InputError(_("choose a collaboration type"))
    problem = type_list(t, inst.types)[1] or (None if t in inst.types else
                                              _("'{type}' is one type, not a list").format(type=t))
    if problem:
        raise InputError(problem)
    if kind == "force_type":
        return Edit(_("force {type} on {pair}").format(type=type_name(t), pair=f"{d}-{r}"),
                    {f"pairs[{d},{r}].allowed": True, f"pairs[{d},{r}].fixed": True,
                     f"pairs[{d},{r}].types": t})
    edited = s.edited()  # the types the pair may take with the edits made so far
    key = (edited.partners.index.get_loc(d), edited.recipients.index.get_loc(r))
    now = edited.listed_types.get(key, edited.types)
    if t not in now:
        raise InputError(_("{pair} may not take {type} already (it may take {types})").format(
            pair=f"{d}-{r}", type=type_name(t), types=listing(type_names(now))))
    rest = [u for u in now if u != t]
    if not rest:
        raise InputError(_("{type} is the only type {pair} may take: forbid the pairing "
                           "instead").format(type=type_name(t), pair=f"{d}-{r}"))
    return Edit(_("forbid {type} on {pair}").format(type=type_name(t), pair=f"{d}-{r}"),
                {f"pairs[{d},{r}].types": MEMBER_SEPARATOR.join(rest)})


def lock_edit(s, r: str, pid: str) -> Edit:
    """Lock a recipient's partners as a plan has them: those pairs fixed, its other pairs
    forbidden."""
    inst = s.need_instance()
    if r not in inst.recipients.index:
        raise InputError(_("there is no recipient {recipient} in {instance}").format(
            recipient=r, instance=inst.name))
    plan = s.plans.get(pid) or (list(s.plans.values())[-1] if s.plans else None)
    if plan is None:
        raise InputError(_("solve first: a recipient's partners are locked as a plan has them"))
    mine = {p["partner"] for p in plan["pairings"] if p["recipient"] == r}
    changes = {}
    for d in inst.partners.index.astype(str):
        changes[f"pairs[{d},{r}].allowed"] = d in mine
        changes[f"pairs[{d},{r}].fixed"] = d in mine
    return Edit(_("lock {recipient}'s partners ({partners}) as in {plan}").format(
        recipient=r, partners=listing(sorted(mine)) or _("none"),
        plan=plan["label"].split(_("; "))[0]), changes)


async def _body(request: Request) -> dict:
    """The request's JSON object (anything else is refused in words)."""
    body = await request.json()
    if not isinstance(body, dict):
        raise InputError(_("the request is not understood: a JSON object was expected"))
    return body


def _number(v, what: str) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        raise InputError(_("{what} must be a number, not '{value}'").format(what=what, value=v)) \
            from None


def _int(v, what: str) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        raise InputError(_("{what} must be a whole number, not '{value}'").format(
            what=what, value=v)) from None


def _endpoint(bench: Workbench, fn):
    """A JSON endpoint: the session found, its errors answered in words."""
    async def handler(request: Request):
        if request.method == "POST" and request.headers.get(HEADER) != "1":
            # another site's page may post a form here (no preflight) but not set a header;
            # refused in the session's language, else the browser's (no session is made)
            known = bench.sessions.get(request.cookies.get(COOKIE))
            with use_language(known.lang if known else
                              language_from_accept(request.headers.get("accept-language"))):
                return JSONResponse({"error": _("a request without the {header} header is "
                                                "refused").format(header=HEADER)},
                                    status_code=403)
        s = bench.session(request)
        with use_language(s.lang):  # every word of the answer in the session's language
            try:
                out = await fn(request, s)
            except RegcollabError as exc:
                return bench.reply(request, {"error": str(exc)}, 400)
            except ValueError as exc:  # a body that is not JSON
                return bench.reply(request, {"error": _("the request is not understood: "
                                                        "{why}").format(why=exc)}, 400)
            except Exception as exc:  # noqa: BLE001 - a bug: said plainly, the server stays up
                return bench.reply(request, {"error": _("internal error: {error}").format(
                    error=f"{type(exc).__name__}: {exc}")}, 500)
        return out if not isinstance(out, dict) else bench.reply(request, out)
    return handler


def create_app(folder, instance: str | None = None, hosts=HOSTS) -> Starlette:
    """The workbench app. ``folder``: where sessions keep uploads and exports (created when
    needed); ``instance``: the one a new session starts with; ``hosts``: the host names a
    request may be addressed to (a page of another site that renames itself 127.0.0.1 by DNS
    gets no answer)."""
    bench = Workbench(Path(folder), instance)
    e = lambda fn: _endpoint(bench, fn)  # noqa: E731
    routes = [
        Route("/", bench.index),
        Route("/api/state", e(bench.get_state)),
        Route("/api/lang", e(bench.language), methods=["POST"]),
        Route("/api/load", e(bench.load), methods=["POST"]),
        Route("/api/upload", e(bench.upload), methods=["POST"]),
        Route("/api/solve", e(bench.solve), methods=["POST"]),
        Route("/api/official", e(bench.official), methods=["POST"]),
        Route("/api/pareto", e(bench.pareto), methods=["POST"]),
        Route("/api/cancel", e(bench.cancel), methods=["POST"]),
        Route("/api/job", e(bench.job)),
        Route("/api/edit", e(bench.edit), methods=["POST"]),
        Route("/api/undo", e(bench.undo), methods=["POST"]),
        Route("/api/plan/{pid}", e(bench.plan)),
        Route("/api/front", e(bench.front)),
        Route("/api/chart/{pid}/{name}.png", e(bench.chart)),
        Route("/api/keep", e(bench.keep), methods=["POST"]),
        Route("/api/drop", e(bench.drop), methods=["POST"]),
        Route("/api/compare", e(bench.compare)),
        Route("/api/export", e(bench.export), methods=["POST"]),
        Route("/api/exports", e(bench.exported)),
        Route("/files/{name}/{file}", e(bench.files)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        bench.sessions.close()  # no solve outlives the server

    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))])
    app.state.bench = bench
    return app
