"""The solve pipeline: instance -> model -> payoff table -> method -> polish -> tables -> reasons.

Each step is a public function so analysis code reuses it instead of copying it:
:func:`effective_instance`, :func:`optimizer.model.build_model`,
:func:`optimizer.solve.make_backend`, :func:`optimizer.methods.payoff_table`,
:func:`final_problem`, :func:`polish`, :func:`optimizer.solution.extract_tables`.
"""

from __future__ import annotations

import time

import numpy as np

from . import methods, verify
from .errors import InputError
from .instance import Instance
from .methods import Clock, Problem, StageLog
from .model import AllocationModel, build_model
from .schema import BALANCE_RULES, DEFAULT_SOFT_PENALTY
from .solution import Solution, extract_tables
from .heuristic import construct_plan
from .solve import HighsBackend, SolverOptions, StageResult, make_backend


def effective_instance(inst: Instance, method=None, weight=None, equity=None, beta=None,
                       first=None, eps=None, soft=None, alpha=None, gamma=None, theta=None,
                       rho=None) -> Instance:
    """``inst`` with the run's overrides applied (None keeps the instance's own setting)."""
    changes = {}
    for path, value in (("objective.method", method), ("objective.lambda", weight),
                        ("objective.equity", equity), ("objective.beta", beta),
                        ("objective.first", first), ("objective.eps", eps),
                        ("balance.alpha", alpha), ("balance.gamma", gamma),
                        ("balance.theta", theta), ("balance.rho", rho)):
        if value is not None:
            changes[path] = value
    if soft:
        if isinstance(soft, str):
            soft = [soft]
        if not isinstance(soft, dict):
            soft = {s: DEFAULT_SOFT_PENALTY for s in soft}
        if "all" in soft:
            pen = soft.pop("all")
            soft = {**{r: pen for r in BALANCE_RULES}, **soft}
        for rule, pen in soft.items():
            if rule not in BALANCE_RULES:
                raise InputError(f"'{rule}' is not a balance rule; the rules are "
                                 f"{', '.join(BALANCE_RULES)} (or all)")
            changes[f"balance.soft.{rule}"] = DEFAULT_SOFT_PENALTY if pen is None else pen
    return inst.with_params(changes) if changes else inst


def final_problem(am: AllocationModel, table: methods.PayoffTable) -> Problem:
    """The problem the chosen method solves last (its optimum is the recommended plan)."""
    p = am.inst.params["objective"]
    lm = am.lm
    cE, cQ, cP = lm.objectives["efficiency"], lm.objectives["equity"], lm.objectives["penalty"]
    if p["method"] == "weighted":
        lam = p["lambda"]
        return Problem(methods.weighted_objective(cE, cQ, cP, table, lam), [],
                       f"weighted (lambda = {lam:g})")
    if p["method"] == "epsilon":
        if p["eps"] is None:
            raise InputError("the epsilon method needs a lower bound on equity: give --eps "
                             f"(equity ranges from {table.Q_nadir:.4g} to {table.Q_ideal:.4g} "
                             "on this instance) or objective.eps in instance.toml")
        return methods.epsilon_problem(cE, cQ, cP, table, p["eps"])
    if p["method"] == "lexicographic":
        return table.prob_eff if p["first"] == "efficiency" else table.prob_eq
    raise InputError(f"unknown method {p['method']!r}")


TIE_BREAK = 1e-4  # efficiency's weight in the equity start's LP, relative to equity


def equity_tie_break(cE, start) -> float:
    """Efficiency's weight in the objective the equity-first row's start plan is built for
    (equity + weight * efficiency): about 1e-4 of equity. The pure equity LP is very
    degenerate (only the worst recipients count, every other flow is free to move); the
    tie-break settles those flows and measured 2-3x faster at county level
    (docs/performance.md). Only the start uses it: the MIP stage maximises equity itself."""
    scale = max(1.0, abs(float(cE @ start))) if start is not None else max(1.0, float(np.abs(cE).sum()))
    return TIE_BREAK / scale


def proven_bounds(am: AllocationModel, table: methods.PayoffTable, lp_bounds: dict,
                  tie: float) -> dict:
    """Upper bounds on the best efficiency and the best equity any plan can reach, from the
    payoff stages' dual bounds and the start plans' LP relaxations (None when unknown, and
    always None with soft rules: the stages then bound objective minus penalty).

    The equity start's LP maximises Q + tie * E, so Q <= its optimum - tie * E for every plan,
    and E is at least the sum of the negative efficiency terms (setup costs) at their bounds."""
    lm = am.lm
    cE = lm.objectives["efficiency"]
    if np.any(lm.objectives["penalty"] != 0):
        return {"efficiency": None, "equity": None}
    nz = np.flatnonzero(cE)
    E_min = float(np.minimum(cE[nz] * lm.col_lower[nz], cE[nz] * lm.col_upper[nz]).sum())
    e = [b for b in (table.E_bound, lp_bounds.get("efficiency")) if b is not None]
    q = [table.Q_bound] if table.Q_bound is not None else []
    if lp_bounds.get("equity") is not None and np.isfinite(E_min):
        q.append(lp_bounds["equity"] - tie * E_min)
    # a bound is never below a plan that exists (the solvers' tolerances aside)
    return {"efficiency": max(min(e), table.E_ideal) if e else None,
            "equity": max(min(q), table.Q_ideal) if q else None}


def polish(backend, problem: Problem, am: AllocationModel, x: np.ndarray, duals=True,
           tight=False) -> StageResult:
    """Fix every binary at its value in ``x`` and solve the LP: clean flows (and duals)."""
    z = am.lm.col_blocks["z"]
    cols = np.arange(z.start, z.stop)
    vals = np.round(x[z.start:z.stop])
    return backend.solve(problem.objective, extra_rows=problem.rows, fix=(cols, vals),
                         relax_integers=True, duals=duals, label="polish: binaries fixed",
                         tight=tight)


def verified_plan(backend, problem: Problem, am: AllocationModel, x: np.ndarray,
                  pol: StageResult) -> tuple[np.ndarray, list, StageResult]:
    """``x`` cleaned to the model's bounds, the rules it still breaks (none for a good plan),
    and the polish result that goes with it. A plan that breaks a rule is polished again with
    tighter solver tolerances; what still breaks a rule after that is returned as broken."""
    x = verify.clean(am, x)
    broken = verify.violations(am, x)
    if broken:
        again = polish(backend, problem, am, x, tight=True)
        if again.ok:
            x2 = verify.clean(am, again.x)
            broken2 = verify.violations(am, x2)
            if len(broken2) <= len(broken):
                x, broken, pol = x2, broken2, again
    return x, broken, pol


def beats_ideal(table: methods.PayoffTable, E: float, Q: float) -> bool:
    """Whether a plan is better than a proven payoff row in either objective (beyond the
    tolerance a held objective may lose): then the rows were not optimal after all."""
    return (E > table.E_ideal + methods.hold_tolerance(table.E_ideal) * 10
            or Q > table.Q_ideal + methods.hold_tolerance(table.Q_ideal) * 10)


def unreliable_message(am: AllocationModel, broken: list) -> str:
    """Why a plan is not reported: the rule the solver's answer breaks, and what to do."""
    a = am.inst.arrays
    nums = np.concatenate([v[(v > 0) & np.isfinite(v)].ravel() for v in
                           (a["supply"], a["need"], a["absorb"], a["prod"], a["pop"],
                            a["target"], a["y0"])])
    span = (f"; the instance's numbers range from {nums.min():.3g} to {nums.max():.3g}"
            if len(nums) else "")
    return (f"the solver's plan breaks a rule beyond its tolerances ({broken[0].words()}), even "
            f"with tighter tolerances, so it is not reported{span}: numbers that far apart "
            f"defeat the solver's precision; change the units (e.g. people to 10k people) so "
            f"that the values are nearer to 1")


def _overall(statuses: list[str]) -> str:
    if any(s == "time_limit" for s in statuses):
        return "time_limit"
    return "optimal"


def solve(inst: Instance, method=None, weight=None, equity=None, beta=None, first=None, eps=None,
          soft=None, solver="highs", time_limit=None, gap=None, threads=None, why="auto",
          msg=False, progress=None, write_model=None, record_stages=None,
          **overrides) -> Solution:
    """Solve ``inst`` and return a :class:`~optimizer.solution.Solution`.

    Options left at None take the instance's settings (``[objective]``, ``[balance]``).
    ``weight`` is lambda of the weighted method. ``soft`` names balance rules to make soft
    (a list, or a dict rule -> penalty; ``"all"`` for every rule). ``why`` re-solves each
    pairing with its other eligible types forced ("auto": on small instances only).
    ``write_model`` writes the final stage's model (its objective and rows: what the method
    solves last) as MPS or LP; ``record_stages`` (a folder, HiGHS only) writes the exact
    model of every solve there (MIP stages, and the LPs of start plans and polishing),
    numbered in solve order (for benchmarks).
    ``time_limit`` (seconds) is shared by all the stages of the run. ``progress`` is called
    with a :class:`~optimizer.solve.SolveProgress` as MIP solves advance (HiGHS only).
    """
    t_start = time.perf_counter()
    tight = overrides.pop("tight", False)  # internal: the repeat with tighter tolerances
    again = dict(method=method, weight=weight, equity=equity, beta=beta, first=first, eps=eps,
                 soft=soft, solver=solver, time_limit=time_limit, gap=gap, threads=threads,
                 why=why, msg=msg, progress=progress, write_model=write_model,
                 record_stages=record_stages, **overrides)
    inst_eff = effective_instance(inst, method, weight, equity, beta, first, eps, soft, **overrides)
    opts = SolverOptions(solver=solver, time_limit=time_limit, gap=gap, threads=threads, msg=msg,
                         progress=progress, tight=tight).validate()
    pobj = inst_eff.params["objective"]
    if pobj["method"] == "epsilon" and pobj["eps"] is None:
        raise InputError("the epsilon method needs a lower bound on equity: give --eps or "
                         "objective.eps in instance.toml")
    t0 = time.perf_counter()
    am = build_model(inst_eff)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    backend = make_backend(am.lm, opts)
    t_transfer = time.perf_counter() - t0
    if record_stages:
        backend.record(record_stages)
    clock = Clock(time_limit, spent=inst.load_seconds + time.perf_counter() - t_start)
    lm = am.lm
    cE, cQ, cP = lm.objectives["efficiency"], lm.objectives["equity"], lm.objectives["penalty"]
    log: list[StageLog] = []
    extra = {"heuristics": 0.0, "polish": 0.0}  # seconds outside the logged stages

    summary = {
        "instance": inst_eff.name,
        "instance_path": inst_eff.path,
        "description": inst_eff.params.get("description", ""),
        "sources": inst_eff.params.get("sources"),
        "units": inst_eff.params.get("units"),
        "resources": {k: dict(v) for k, v in inst_eff.params["resources"].items()},
        "types_used": list(inst_eff.types),
        "method": pobj["method"], "equity_measure": pobj["equity"], "lambda": pobj["lambda"],
        "beta": pobj["beta"] if pobj["equity"] == "tail" else None,
        "first": pobj["first"] if pobj["method"] == "lexicographic" else None,
        "eps": pobj["eps"] if pobj["method"] == "epsilon" else None,
        "soft_rules": dict(am.soft), "solver": opts.solver,
        "model_size": {"columns": lm.n_cols, "rows": lm.n_rows, "nonzeros": int(lm.A.nnz),
                       "binaries": int(lm.integer.sum()), "candidate_pairs": int(len(am.pair_d))},
        "warnings": list(inst_eff.warnings),
    }

    def done(status, message, x=None, result=None, tables=None, table=None, problem=None,
             gap_=None, t_extract=0.0):
        t_solve = sum(s.result.seconds for s in log)
        summary.update(status=status, proven_optimal=status == "optimal", message=message)
        summary.setdefault("mip_gap", gap_)
        summary["timings"] = {"load": round(inst.load_seconds, 4), "build": round(t_build, 4),
                              "transfer": round(t_transfer, 4),
                              "heuristics": round(extra["heuristics"], 4),
                              "solve": round(t_solve, 4), "polish": round(extra["polish"], 4),
                              "extract": round(t_extract, 4),
                              "highs_own": (round(backend.highs_seconds, 4)
                                            if isinstance(backend, HighsBackend) else None)}
        _total_time(summary["timings"], t_start, inst.load_seconds)
        summary["stages"] = [s.as_dict() for s in log]
        sol = Solution(status=status, summary=summary, instance=inst_eff, model=am, x=x,
                       backend=backend, final_problem=problem, payoff=table, **(tables or {}))
        return sol

    # lambda 0 or 1 leaves one objective without weight: a weighted optimum could then be
    # dominated, so those two are the lexicographic optima of the payoff table
    lexical = pobj["method"] == "lexicographic" or (
        pobj["method"] == "weighted" and pobj["lambda"] in (0.0, 1.0))
    first = pobj["first"] if pobj["method"] == "lexicographic" else (
        "efficiency" if pobj["lambda"] == 1.0 else "equity")
    start = eq_start = None
    lp_bounds, tie = {}, 0.0
    large = isinstance(backend, HighsBackend) and backend.use_starts  # starts pay only there
    if large:
        t0 = time.perf_counter()
        e_info, q_info = {}, {}
        start = construct_plan(am, backend, cE - cP, time_limit=clock.share(3), info=e_info)
        t1 = time.perf_counter()
        tie = equity_tie_break(cE, start)
        # half the time left at most: at the county level its LP alone takes 9-12 s, and
        # without this start the equity row stays at the efficiency row's plan
        eq_start = construct_plan(am, backend, cQ - cP + tie * cE, time_limit=clock.share(2),
                                  info=q_info)
        lp_bounds = {"efficiency": e_info.get("lp_bound"), "equity": q_info.get("lp_bound")}
        extra["heuristics"] += time.perf_counter() - t0
        summary["start_heuristic"] = {
            "seconds": round(t1 - t0, 4),
            "efficiency": None if start is None else float(cE @ start),
            "equity_seconds": round(time.perf_counter() - t1, 4),
            "equity": None if eq_start is None else am.equity(eq_start)}
    table, status = methods.payoff_table(backend, cE, cQ, cP, clock,
                                         stages_after=0 if lexical else 1, log=log,
                                         equity=am.equity, start=start, equity_start=eq_start)
    if table is None:
        return done(status, _failure_message(status, "the payoff table (maximum efficiency)"))
    summary["payoff_table"] = table.as_dict()
    summary["price_of_fairness"] = table.price_of_fairness

    problem = final_problem(am, table) if not lexical else (
        table.prob_eff if first == "efficiency" else table.prob_eq)
    if write_model:
        backend.write_model(write_model, problem.objective, problem.rows)
    if lexical:
        x = table.x_eff if first == "efficiency" else table.x_eq
        final = log[1].result if first == "efficiency" else log[3].result
        final = StageResult(final.status, x, float(problem.objective @ x), final.mip_gap,
                            final.seconds)
    else:
        starts = [table.x_eff, table.x_eq]
        if pobj["method"] == "epsilon":
            starts = [s for s in starts if cQ @ s >= pobj["eps"] - 1e-9]
        if large:  # a start made for the final objective too
            t0 = time.perf_counter()
            own = construct_plan(am, backend, problem.objective, rows=problem.rows,
                                 time_limit=clock.share(2))
            extra["heuristics"] += time.perf_counter() - t0
            if own is not None:
                starts.append(own)
        start = max(starts, key=lambda s: problem.objective @ s) if starts else None
        final = backend.solve(problem.objective, extra_rows=problem.rows,
                              time_limit=clock.share(1), start=start, label=problem.label)
        log.append(StageLog(problem.label, final))
        if not final.ok:
            what = problem.label
            msg_ = _failure_message(final.status, what)
            if pobj["method"] == "epsilon" and final.status == "infeasible":
                msg_ = (f"no plan reaches equity {pobj['eps']:g}: the most equity any plan can "
                        f"reach is {table.Q_ideal:.6g}")
            return done(final.status, msg_, table=table, problem=problem)

    # polish: binaries fixed, LP re-solved; exact flows and duals of the fixed LP
    t0 = time.perf_counter()
    pol = polish(backend, problem, am, final.x)
    extra["polish"] = time.perf_counter() - t0
    x = pol.x if pol.ok and pol.objective >= final.objective - methods.hold_tolerance(
        final.objective) else final.x
    # every plan is cleaned to the model's bounds and checked against every rule before it
    # is reported; one the solver's tolerances let slip is re-solved with tighter ones
    x, broken, pol = verified_plan(backend, problem, am, x, pol)
    E, Q, pen = float(cE @ x), am.equity(x), float(cP @ x)
    statuses = [s.result.status for s in log]
    status = _overall(statuses)
    beaten = status == "optimal" and not lexical and beats_ideal(table, E, Q)
    if (broken or beaten) and not tight and isinstance(backend, HighsBackend):
        # the solver's default tolerances let something slip (a broken rule, or payoff rows
        # that a later plan beats): the whole run once more with tighter ones
        left = None if time_limit is None else time_limit - (time.perf_counter() - t_start)
        if left is None or left > 0:
            return solve(inst, **{**again, "time_limit": left}, tight=True)
    if broken:
        summary["verification"] = [b.__dict__ for b in broken]
        return done("error", unreliable_message(am, broken), table=table, problem=problem)
    t0 = time.perf_counter()
    tables = extract_tables(am, x)
    if beaten:  # still, with tighter tolerances: the plan is good, its optimality unproven
        status = "time_limit"
        summary["numerical_note"] = (
            "the payoff table's optima were beaten by the final plan: the solver's tolerances "
            "could not prove the ideals on this data (numbers far apart), so the plan is not "
            "proven optimal; change the units so that values are nearer to 1")
    if status != "optimal":  # a payoff stage stopped by a limit: the ideals are the best known
        table = table.with_plan(E, Q, x)
        summary["payoff_table"] = table.as_dict()
        summary["price_of_fairness"] = table.price_of_fairness
    if table.note:
        summary["payoff_table_note"] = table.note
    summary["bounds"] = proven_bounds(am, table, lp_bounds, tie)
    if pobj["method"] == "weighted":
        lam = pobj["lambda"]
        objective = (lam * (E - table.E_nadir) / table.E_range
                     + (1 - lam) * (Q - table.Q_nadir) / table.Q_range - pen)
    else:
        objective = float(problem.objective @ x)
    summary.update(
        efficiency=E, equity=Q, objective=objective, penalty=pen,
        mip_gap=_run_gap(final, log, status),
        efficiency_loss_vs_ideal=(table.E_ideal - E) / table.E_ideal if table.E_ideal else None,
        pairings=int(len(tables["pairings"])),
        types={t: int((tables["pairings"]["type"] == t).sum()) for t in inst_eff.types},
        violations=int((tables["balance"]["violation"] > 1e-9).sum()),
    )
    if pol.ok:
        summary["duals_available"] = pol.row_dual is not None
    t_extract = time.perf_counter() - t0
    message = ("optimal plan found" if status == "optimal" else
               "a plan was found but the solver's tolerances could not prove it optimal on "
               "this data (numbers far apart; see numerical_note)" if beaten else
               "a plan was found but a time or iteration limit stopped the solver before it "
               "was proven optimal")
    if tight:
        summary["tolerances"] = "tight (repeated: the default tolerances let a rule slip)"
    sol = done(status, message, x=x, table=table, problem=problem, tables=tables,
               t_extract=t_extract)
    sol.polish = pol

    # why this type
    from .typology import add_type_reasons, should_explain

    t0 = time.perf_counter()
    run = should_explain(sol, why if not (time_limit and why == "auto") else False)
    add_type_reasons(sol, clock=clock, resolve=run)
    sol.summary["why_resolves"] = "done" if run else (
        "skipped (a time limit is set, or the instance is large; ask with why=True / --why)")
    sol.summary["timings"]["explain"] = round(time.perf_counter() - t0, 4)
    _total_time(sol.summary["timings"], t_start, inst.load_seconds)
    return sol


TIME_PARTS = ("load", "build", "transfer", "heuristics", "solve", "polish", "extract", "explain")
"""The timed parts of a run (``summary["timings"]``); with ``other`` they add up to ``total``.
``highs_own`` is HiGHS's own clock inside the solves, not a part."""


def _total_time(timings: dict, t_start: float, load_seconds: float) -> None:
    """Set ``total`` (the run so far, loading included) and ``other`` (what no part accounts
    for: option checks, the summary, ...), so that the parts add up to the total."""
    timings["total"] = round(time.perf_counter() - t_start + load_seconds, 4)
    parts = sum(timings[k] for k in TIME_PARTS if timings.get(k) is not None)
    timings["other"] = round(max(0.0, timings["total"] - parts), 4)


def _run_gap(final: StageResult, log: list, status: str) -> float | None:
    """The gap a planner should read: the final stage's when every stage was proven; when a
    stage was stopped by a limit, the largest stage gap (None if one is unknown), since the
    plan's normalisation rests on every stage."""
    if status == "optimal":
        return final.mip_gap
    gaps = [s.result.mip_gap for s in log if s.result.status == "time_limit"] + [final.mip_gap]
    if any(g is None for g in gaps):
        return None
    return max(gaps)


def _failure_message(status: str, what: str) -> str:
    return {
        "infeasible": "no plan satisfies all the rules (the instance's balance rules, spans "
                      "and fixed pairs contradict each other); make rules soft with --soft to "
                      "see which ones bend",
        "unbounded": f"{what} is unbounded (a modelling error; please report it)",
        "no_solution": f"the solver found no plan for {what} within the limits",
        "error": f"the solver failed on {what}",
    }.get(status, f"{what}: {status}")
