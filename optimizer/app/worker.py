"""The work of the workbench, run in a child process (:mod:`.jobs` starts it): a solve, a
Pareto front, an export. Each job gets a *spec* (the instance's source, the instance edits as
``Instance.with_params`` changes, the run's keywords) and sends messages back on a pipe:
``("progress", text, done, total)`` while it runs, then one ``("done", payload)`` or
``("failed", message, diagnosis)``. A child process because a solve in a thread cannot be
stopped (HiGHS is stopped by Ctrl-C only in the main thread, see
``optimizer.solver.highs.run_highs``); a process is stopped at once by the cancel button.

Everything sent back is plain data (numbers, lists, text): a
:class:`~optimizer.solution.Solution` holds the model and does not pickle. An export solves
again with the same spec (the same settings give the same plan) and writes the results folder
with the writers of ``regcollab solve --out``.
"""

from __future__ import annotations

import math

PAIRING_COLUMNS = ["partner", "partner_name", "recipient", "recipient_name", "type", "value",
                   "gain"]
RECIPIENT_COLUMNS = ["recipient", "name", "u_before", "u", "partners"]


def load(spec: dict):
    """The instance of ``spec`` with its edits made (the same call the server checks them
    with)."""
    from optimizer import load_instance

    inst = load_instance(spec["source"])
    return inst.with_params(spec["changes"]) if spec.get("changes") else inst


def _num(v):
    """A number for JSON (NaN and infinities as None)."""
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _records(df, columns) -> list[dict]:
    cols = [c for c in columns if c in df.columns]
    out = []
    for row in df[cols].to_dict(orient="records"):
        out.append({k: (_num(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                        else str(v)) for k, v in row.items()})
    return out


def plan_tables(inst, pairings, recipients) -> dict:
    """A plan as the page shows it: pairings (with each resource), recipients' outcomes
    before and after, and the total of each resource."""
    res = list(inst.resources)
    return {"pairings": _records(pairings, PAIRING_COLUMNS[:5] + res + PAIRING_COLUMNS[5:]),
            "recipients": _records(recipients, RECIPIENT_COLUMNS),
            "resources": {k: _num(pairings[k].sum()) if k in pairings else 0.0 for k in res}}


def solution_view(sol) -> dict:
    """A solved plan as data for the page: headline numbers and tables (from which the
    server draws the report's pictures, :mod:`.charts`)."""
    from optimizer.i18n import _
    from optimizer.methods.base import message_words
    from optimizer.typology import type_name

    s = sol.summary
    view = {"status": sol.status, "message": message_words(s.message),
            "method": sol.method.label(s),
            # the status and the types in the page's language (the codes stay as above)
            "status_words": _("optimal") if sol.status == "optimal" else _("stopped by a limit"),
            "type_names": {t: type_name(t) for t in sol.instance.types},
            "efficiency": _num(s.efficiency), "equity": _num(s.equity),
            "price_of_fairness": _num(s.price_of_fairness),
            "efficiency_loss": _num(s.efficiency_loss_vs_ideal),
            "types": {t: int(n) for t, n in (s.types or {}).items()},
            "violations": int(s.violations or 0)}
    view.update(plan_tables(sol.instance, sol.pairings, sol.recipients))
    return view


def _diagnosis(sol) -> str:
    """Why an infeasible solve has no plan, in the planner's words: the lines
    ``regcollab solve`` prints after its error (the same diagnosis and time budget)."""
    from optimizer.commands.diagnose import SOLVE_BUDGET
    from optimizer.i18n import _
    from optimizer.diagnose import diagnose

    try:
        return diagnose(sol.instance, time_limit=SOLVE_BUDGET, max_conflicts=3).short() or ""
    except Exception as exc:  # noqa: BLE001 - the solve's message stands; say so
        return _("(the diagnosis failed: {error}; try regcollab diagnose)").format(
            error=f"{type(exc).__name__}: {exc}")


def run_solve(spec: dict, send) -> None:
    from optimizer import solve

    inst = load(spec)

    from optimizer.display import stage_words
    from optimizer.i18n import _, get_language, use_language

    lang = get_language()

    def progress(p):  # (called in HiGHS's thread, which does not have the job's language)
        with use_language(lang):
            send(("progress", _("{stage}: gap {gap}").format(
                stage=stage_words(p.stage) or _("solving"), gap=f"{p.gap:.3g}"), None, None))

    sol = solve(inst, why=False, progress=progress, **spec.get("options", {}))
    if not sol.has_plan:
        why = _diagnosis(sol) if sol.status == "infeasible" else ""
        # (summary.json keeps the message in English; the page says it as the terminal does)
        send(("failed", _(str(sol.summary.message or sol.status)), why))
        return
    send(("done", solution_view(sol)))


def run_pareto(spec: dict, send) -> None:
    from optimizer.i18n import _
    from optimizer.pareto import pareto
    from optimizer.solution import extract_tables

    inst = load(spec)
    front = pareto(inst, points=int(spec.get("points", 7)),
                   progress=lambda done, total: send(("progress", _("front"), done, total)),
                   **spec.get("options", {}))
    df = front.points
    points = []
    for i, x in enumerate(front.solutions):
        tabs = extract_tables(front.model, x)
        points.append({"efficiency": _num(df["efficiency"].iloc[i]),
                       "equity": _num(df["equity"].iloc[i]),
                       # (E_ideal - E) / E_ideal of the point: what a solve calls its loss
                       "efficiency_loss": _num(df["price_of_fairness"].iloc[i]),
                       "knee": bool(df["knee"].iloc[i]),
                       "types": {t: int(df[t].iloc[i]) for t in inst.types},
                       **plan_tables(inst, tabs["pairings"], tabs["recipients"])})
    send(("done", {"points": points}))


def run_export(spec: dict, send) -> None:
    from optimizer import solve
    from optimizer.commands.report import write_extras
    from optimizer.i18n import _

    inst = load(spec)
    sol = solve(inst, why="auto", **spec.get("options", {}))
    if not sol.has_plan:
        send(("failed", _(str(sol.summary.message or sol.status)), ""))
        return
    notes: list = []
    sol.write(spec["out"], extra=lambda tmp, files: write_extras(tmp, quiet=True, notes=notes,
                                                                 files=files))
    send(("done", {"folder": spec["out"], "notes": notes}))


JOBS = {"solve": run_solve, "pareto": run_pareto, "export": run_export}


def main(kind: str, spec: dict, conn) -> None:
    """The child process: run one job and send its messages on ``conn``. A planner's error
    (bad setting, bad data) is sent as its message; anything else as an internal error, never
    a traceback. The words are in ``spec["lang"]`` (the session's language)."""
    from optimizer.errors import RegcollabError

    def send(msg):
        conn.send(msg)

    from optimizer.i18n import _, use_language

    with use_language(spec.get("lang")):  # the words sent back in the page's language
        try:
            JOBS[kind](spec, send)
        except RegcollabError as exc:
            send(("failed", str(exc), ""))
        except Exception as exc:  # noqa: BLE001 - a bug: say so plainly, the page keeps working
            send(("failed", _("internal error: {error}").format(
                error=f"{type(exc).__name__}: {exc}"), ""))
        finally:
            conn.close()
