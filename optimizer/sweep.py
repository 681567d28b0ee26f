"""Analysis: parameter sweeps — one solve per scenario, in parallel.

A scenario is a dict of changes for :meth:`Instance.with_params` (``{"balance.alpha": 0.5}``);
a grid is every combination of the values given per parameter. The table has one row per
scenario: the parameter values, status, efficiency, equity, price of fairness, the pairings
and types, and what changed against the unchanged instance (the baseline).
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pandas as pd

from .errors import InputError, RegcollabError
from .instance.paths import UnknownParameter
from .i18n import _
from .limits import MAX_SCENARIOS
from .options import RunOptions
from .parallel import run_tasks
from .pipeline import solve
from .plan import Plan
from .solution import _jsonable


def _range_spec(spec: str) -> tuple[float, float, int]:
    """start, stop and count of ``"start:stop:count"`` (``"start:stop"``: 5 values)."""
    parts = spec.split(":")
    try:
        if len(parts) == 3:
            a, b, n = float(parts[0]), float(parts[1]), int(parts[2])
        elif len(parts) == 2:
            a, b, n = float(parts[0]), float(parts[1]), 5
        else:
            raise ValueError
    except ValueError:
        raise InputError(_("--values {spec}: write start:stop:count, e.g. 0.1:0.9:9").format(
            spec=spec)) from None
    if not (math.isfinite(a) and math.isfinite(b)):
        raise InputError(_("--values {spec}: start and stop must be finite numbers").format(
            spec=spec))
    if n < 1:
        raise InputError(_("--values {spec}: the count must be at least 1").format(spec=spec))
    if n > MAX_SCENARIOS:
        raise InputError(_("--values {spec}: {n} values are more than the {limit} scenarios a "
                           "sweep may have; split it into several runs").format(
            spec=spec, n=f"{n:,}", limit=f"{MAX_SCENARIOS:,}"))
    return a, b, n


def count_values(spec: str) -> int:
    """How many values ``spec`` gives, without making them."""
    spec = str(spec).strip()
    return _range_spec(spec)[2] if ":" in spec else len(spec.split(","))


def parse_values(spec: str) -> list:
    """``"0.1:0.9:9"`` (start:stop:count, inclusive), ``"0.1,0.5,0.9"``, or one value."""
    spec = str(spec).strip()
    if ":" in spec:
        a, b, n = _range_spec(spec)
        return [round(float(v), 12) for v in np.linspace(a, b, n)]
    out = []
    for item in spec.split(","):
        item = item.strip()
        if item.lower() in ("none", "off"):
            out.append(None)
            continue
        if item.lower() in ("true", "false"):
            out.append(item.lower() == "true")
            continue
        try:
            v = float(item)
        except ValueError:
            out.append(item)
            continue
        if not math.isfinite(v):
            raise InputError(_("--values {spec}: {item} is not a finite number").format(
                spec=spec, item=item))
        out.append(int(v) if v.is_integer() and "." not in item and "e" not in item.lower()
                   else v)
    if not out or "" in out:
        raise InputError(_("--values {spec}: give values such as 0.1:0.9:9 or 0.1,0.5 "
                           "(no empty item)").format(spec=repr(spec)))
    return out


def grid(params: dict) -> list[dict]:
    """Every combination of the values of each parameter."""
    keys = list(params)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(params[k] for k in keys))]


def scenario_row(inst, changes: dict, options: RunOptions | None = None) -> dict:
    """Solve one scenario (runs in a worker); never raises for bad data or no plan. The
    row's ``plan`` is a :class:`~optimizer.plan.Plan` (data: the sweep makes its text)."""
    t0 = time.perf_counter()
    row = {"status": None, "message": ""}
    try:
        sol = solve(inst.with_params(changes) if changes else inst, options)
    except RegcollabError as exc:
        row.update(status="bad input", message=str(exc))
        row["seconds"] = time.perf_counter() - t0
        return row
    s = sol.summary
    row.update(status=sol.status, message="" if sol.has_plan else s.message,
               efficiency=s.efficiency, equity=s.equity, objective=s.objective,
               price_of_fairness=s.price_of_fairness, mip_gap=s.mip_gap,
               pairings=s.pairings, plan=Plan.of(sol))
    for t, n in (s.types or {}).items():
        row[f"n_{t}"] = n
    row["seconds"] = time.perf_counter() - t0
    return row


def _task(args):
    inst, changes, options = args
    return scenario_row(inst, changes, options)


def solved(row: dict) -> bool:
    """Whether a scenario's row has a plan."""
    return row.get("status") in ("optimal", "time_limit")


def _check_paths(inst, scenarios: list[dict]) -> None:
    """Fail early, in the caller, on a parameter that does not exist (a bad *value* only
    fails its own scenario, which is reported as "bad input")."""
    first = {}
    for changes in scenarios:
        for path, value in changes.items():
            first.setdefault(path, value)
    for path, value in first.items():
        try:
            inst.with_params({path: value})
        except UnknownParameter:
            raise
        except InputError:
            pass  # a bad value: its scenarios report it


def sweep(inst, params: dict | list, executor=None, workers: int | None = None, progress=None,
          options: RunOptions | None = None, **solve_kwargs) -> pd.DataFrame:
    """Solve every scenario of ``params`` and return one row per scenario.

    ``params``: ``{path: [values]}`` (a grid) or a list of change dicts. ``executor``: any
    ``concurrent.futures.Executor`` or a ``dask.distributed.Client``; without one, a local
    process pool of ``workers`` processes (default: all cores). ``options`` (a
    :class:`~optimizer.options.RunOptions`) and other keyword arguments are those of
    :func:`optimizer.solve`; each scenario is solved without the why re-solves and, unless
    ``threads`` is given, with one thread.
    """
    if isinstance(params, dict):
        n = math.prod(len(v) for v in params.values())
    else:
        params = list(params)
        n = len(params)
    if n > MAX_SCENARIOS:
        raise InputError(_("the sweep has {n} scenarios, more than {limit}; split it into "
                           "several runs").format(n=f"{n:,}", limit=f"{MAX_SCENARIOS:,}"))
    scenarios = grid(params) if isinstance(params, dict) else [dict(c) for c in params]
    if not scenarios:
        raise InputError(_("the sweep has no scenarios"))
    _check_paths(inst, scenarios)
    opts = RunOptions.of(options, **solve_kwargs).for_scenarios()
    tasks = [(inst, {}, opts)] + [(inst, c, opts) for c in scenarios]
    rows = run_tasks(_task, tasks, executor=executor, workers=workers, progress=progress)
    base, rows = rows[0], rows[1:]
    base_plan = base.get("plan") or Plan()
    keys = sorted({k for c in scenarios for k in c})
    out = []
    for i, (changes, row) in enumerate(zip(scenarios, rows)):
        rec = {"scenario": i, **{k: changes.get(k) for k in keys}, **_as_text(row)}
        if solved(row):
            change = row["plan"].changes(base_plan)
            rec.update({what: ";".join(items) for what, items in change.items()},
                       n_changes=sum(len(items) for items in change.values()))
        out.append(rec)
    df = pd.DataFrame(out)
    # DataFrame.attrs travel through pandas operations and are compared by pd.concat: plain
    # values only (a numpy array there made concatenating two results raise)
    df.attrs["baseline"] = _jsonable(_as_text(base))
    return df


def _as_text(row: dict) -> dict:
    """A scenario's row for the table: its plan as text."""
    plan = row.get("plan")
    return {**row, "plan": plan.text()} if isinstance(plan, Plan) else row
