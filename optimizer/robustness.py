"""Analysis: how stable is each recommendation when the uncertain data move?

:func:`robustness` perturbs the uncertain coefficients — productivity (``prod``), supply
(``supply``) and mutual benefit (``ben``) by default; also ``need``, ``absorb``, ``pot``,
``comp`` — each cell independently by a factor uniform in [1 - spread, 1 + spread] (pot, ben
and comp are clipped to [0, 1], so a pair may gain or lose eligibility for a type), solves
every sample (in parallel, same executors as sweeps) and reports for each pair how often it
is chosen and with which type: the *stability* of a recommendation is the share of samples
that make the same decision (same type, or unpaired).

:func:`global_sensitivity` gives Morris or Sobol indices (SALib) of efficiency and equity with
respect to groups of parameters, each group scaled by one common factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError, require
from .i18n import _
from .limits import MAX_SCENARIOS, MAX_SEED
from .parallel import run_tasks
from .options import RunOptions
from .plan import Plan, pair_label
from .sweep import scenario_row, solved

GROUPS = {
    "prod": ("recipients", "prod."),
    "need": ("recipients", "need."),
    "absorb": ("recipients", "absorb."),
    "supply": ("partners", "supply."),
    "ben": ("pairs", "ben"),
    "pot": ("pairs", "pot"),
    "comp": ("pairs", "comp"),
}
DEFAULT_VARY = ("prod", "supply", "ben")


def _check_groups(vary) -> tuple:
    vary = tuple(vary)
    for g in vary:
        if g not in GROUPS:
            from .schema import suggest

            near = suggest(str(g), GROUPS)
            if near:
                raise InputError(_("cannot vary '{group}'; choose from {groups} (did you mean "
                                   "'{near}'?)").format(group=g, groups=", ".join(GROUPS),
                                                        near=near))
            raise InputError(_("cannot vary '{group}'; choose from {groups}").format(
                group=g, groups=", ".join(GROUPS)))
    if not vary:
        raise InputError(_("nothing to vary"))
    return vary


def _check_spread(spread) -> None:
    if not (isinstance(spread, (int, float)) and 0 < spread < 1):
        raise InputError(_("--spread must satisfy 0 < spread < 1 (a share), not {value}").format(
            value=repr(spread)))


def _check_seed(seed) -> None:
    if not (isinstance(seed, (int, np.integer)) and 0 <= seed <= MAX_SEED):
        raise InputError(_("--seed must be a whole number from 0 to {limit}, not {value}").format(
            limit=MAX_SEED, value=repr(seed)))


def perturbed(inst, factors: dict):
    """``inst`` with each group's columns multiplied by ``factors[group]`` (a scalar or an
    array shaped like the cells); pair values clipped to [0, 1]."""
    P, R = inst.partners.copy(), inst.recipients.copy()
    pairs = None
    for g, f in factors.items():
        table, prefix = GROUPS[g]
        if table == "pairs":
            if pairs is None:
                pairs = inst.all_pairs()
            vals = pairs[prefix].to_numpy(float) * (np.asarray(f) if np.ndim(f) else f)
            pairs[prefix] = np.clip(vals, 0.0, 1.0)
            continue
        df = P if table == "partners" else R
        cols = [c for c in df.columns if c.startswith(prefix)]
        block = df[cols].to_numpy(float) * (np.asarray(f) if np.ndim(f) else f)
        df[cols] = block
        if g == "need":  # keep absorb >= 0; absorb is its own group
            pass
    return inst.with_tables(partners=P, recipients=R, pairs=pairs)


def _sample_factors(inst, vary, spread, rng) -> dict:
    out = {}
    for g in vary:
        table, prefix = GROUPS[g]
        if table == "pairs":
            n = int(inst.arrays["allowed"].sum())
            if inst.params["pairs"]["allowed"]:
                n = inst.arrays["allowed"].size
            shape = (n,)
        else:
            df = inst.partners if table == "partners" else inst.recipients
            shape = (len(df), sum(c.startswith(prefix) for c in df.columns))
        out[g] = rng.uniform(1 - spread, 1 + spread, shape)
    return out


def _sample_task(args):
    inst, factors, options = args
    try:
        inst2 = perturbed(inst, factors)
    except InputError as exc:
        return {"status": "bad input", "message": str(exc)}
    return scenario_row(inst2, {}, options)


@dataclass
class Robustness:
    pairs: pd.DataFrame  # one row per pair ever chosen (or recommended)
    samples: pd.DataFrame  # one row per sample
    baseline: dict


def robustness(inst, samples: int = 50, spread: float = 0.2, vary=DEFAULT_VARY, seed: int = 0,
               executor=None, workers: int | None = None, progress=None,
               options: RunOptions | None = None, **solve_kwargs) -> Robustness:
    """Stability of each recommended pairing and type under random data perturbations.

    ``options`` and other keyword arguments are those of :func:`optimizer.solve` (as for
    :func:`optimizer.sweep.sweep`)."""
    vary = _check_groups(vary)
    if not (isinstance(samples, (int, np.integer)) and 1 <= samples <= MAX_SCENARIOS):
        raise InputError(_("--samples must be a whole number from 1 to {limit}, not "
                           "{value}").format(limit=MAX_SCENARIOS, value=repr(samples)))
    _check_spread(spread)
    _check_seed(seed)
    opts = RunOptions.of(options, **solve_kwargs).for_scenarios()
    rng = np.random.default_rng(seed)
    tasks = [(inst, {}, opts)]
    tasks += [(inst, _sample_factors(inst, vary, spread, rng), opts) for _i in range(samples)]
    rows = run_tasks(_sample_task, tasks, executor=executor, workers=workers, progress=progress)
    base, rows = rows[0], rows[1:]
    base_plan = (base.get("plan") or Plan()).types()
    plans = [r["plan"].types() for r in rows if solved(r)]
    table = _stability(inst, base_plan, plans)
    samp = pd.DataFrame([{"sample": i, **{k: v for k, v in r.items() if k != "plan"}}
                         for i, r in enumerate(rows)])
    baseline = {**base, "plan": base["plan"].text()} if "plan" in base else base
    return Robustness(pairs=table, samples=samp, baseline=baseline)


def _stability(inst, base_plan: dict, plans: list[dict]) -> pd.DataFrame:
    """One row per pair recommended or ever chosen: how often, with which type, and the share
    of samples that make the recommendation's decision; least stable recommendations first."""
    n = len(plans)
    counts: dict = {}
    for plan in plans:
        for pair, t in plan.items():
            counts.setdefault(pair, {}).setdefault(t, 0)
            counts[pair][t] += 1
    recs = []
    for pair in sorted(set(counts) | set(base_plan), key=lambda p: (pair_label(*p), p)):
        c = counts.get(pair, {})
        chosen = sum(c.values())
        rec = {"partner": pair[0], "recipient": pair[1],
               "recommended_type": base_plan.get(pair, ""),
               "chosen_share": chosen / n if n else np.nan}
        for t in inst.types:
            rec[f"share_{t}"] = c.get(t, 0) / n if n else np.nan
        same = c.get(base_plan[pair], 0) if pair in base_plan else n - chosen
        rec["stability"] = same / n if n else np.nan
        recs.append(rec)
    table = pd.DataFrame(recs)
    if len(table):  # recommendations first, least stable first (what to look at)
        table["_rec"] = table["recommended_type"] == ""
        table = table.sort_values(["_rec", "stability", "partner", "recipient"],
                                  kind="stable").drop(columns="_rec").reset_index(drop=True)
    return table


# --------------------------------------------------------------------------- SALib
def check_gsa(design: str, n, groups) -> tuple:
    """The groups, after checking that ``design`` is known and ``n`` gives at least 2 and at
    most MAX_SCENARIOS solves (n (k + 1) for Morris, n (2k + 2) for Sobol)."""
    groups = _check_groups(groups)
    if design not in ("morris", "sobol"):
        raise InputError(_("unknown design {design}: use morris or sobol").format(
            design=repr(design)))
    if not (isinstance(n, (int, np.integer)) and n >= 2):
        raise InputError(_("--gsa-samples must be a whole number of at least 2, not "
                           "{value}").format(value=repr(n)))
    solves = n * (len(groups) + 1) if design == "morris" else n * (2 * len(groups) + 2)
    if solves > MAX_SCENARIOS:
        raise InputError(_("--gsa-samples {n} makes {solves} solves with {design} and "
                           "{groups} groups, more than {limit}").format(
            n=n, solves=f"{solves:,}", design=design, groups=len(groups),
            limit=f"{MAX_SCENARIOS:,}"))
    return groups


def _gsa_task(args):
    inst, groups, values, options = args
    try:
        inst2 = perturbed(inst, dict(zip(groups, values)))
    except InputError as exc:
        return {"status": "bad input", "message": str(exc)}
    return scenario_row(inst2, {}, options)


def global_sensitivity(inst, groups=DEFAULT_VARY, spread: float = 0.2, design: str = "morris",
                       n: int = 8, seed: int = 0, executor=None, workers=None, progress=None,
                       options: RunOptions | None = None, **solve_kwargs) -> pd.DataFrame:
    """Morris (mu*, sigma) or Sobol (S1, ST) indices of efficiency and equity (``design``).

    Each group is one factor: a common multiplier in [1 - spread, 1 + spread] of all its
    coefficients. ``n`` is the number of Morris trajectories or the Sobol base sample (a power
    of two); the number of solves is n (k + 1) for Morris and n (2k + 2) for Sobol.
    """
    groups = check_gsa(design, n, groups)
    _check_spread(spread)
    _check_seed(seed)
    require("SALib", _("global sensitivity (--gsa)"))
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": len(groups), "names": list(groups),
               "bounds": [[1 - spread, 1 + spread]] * len(groups)}
    if design == "morris":
        X = morris_sample.sample(problem, n, num_levels=4, seed=seed)
    elif design == "sobol":
        X = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    else:
        raise InputError(_("unknown design {design}: use morris or sobol").format(
            design=repr(design)))
    opts = RunOptions.of(options, **solve_kwargs).for_scenarios()
    rows = run_tasks(_gsa_task, [(inst, groups, x, opts) for x in X], executor=executor,
                     workers=workers, progress=progress)
    bad = [r for r in rows if not solved(r)]
    if bad:
        raise InputError(_("{n} of {total} perturbed instances have no plan (first: {status}: "
                           "{message}); use a smaller spread").format(
            n=len(bad), total=len(rows), status=bad[0].get("status"),
            message=_(bad[0]["message"]) if bad[0].get("message") else ""))
    out = []
    for output in ("efficiency", "equity"):
        Y = np.array([r[output] for r in rows], float)
        if design == "morris":
            res = morris_analyze.analyze(problem, X, Y, num_levels=4, seed=seed)
            for i, g in enumerate(groups):
                out.append({"output": output, "group": g, "mu_star": res["mu_star"][i],
                            "sigma": res["sigma"][i], "mu": res["mu"][i]})
        else:
            res = sobol_analyze.analyze(problem, Y, calc_second_order=False, seed=seed)
            for i, g in enumerate(groups):
                out.append({"output": output, "group": g, "S1": res["S1"][i],
                            "ST": res["ST"][i]})
    df = pd.DataFrame(out)
    df.attrs["solves"] = len(rows)
    return df
