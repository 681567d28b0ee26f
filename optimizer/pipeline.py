"""The solve pipeline, as named steps that analysis code can call one by one:

1. :func:`effective_instance`: the instance with the run's overrides applied;
2. :func:`prepare`: the method checked, the model built and handed to the solver, the time
   budget started, the summary's head (a :class:`Run` the later steps share);
3. :func:`start_plans`: constructed plans to start from (large instances, HiGHS);
4. :func:`payoff`: the payoff table (both lexicographic optima);
5. :func:`final_problem` and :func:`final_solve`: what the method solves last, and its solve;
6. :func:`polish_and_verify`: binaries fixed and the LP solved again, the plan cleaned and
   checked against every rule (:mod:`optimizer.verify`);
7. :func:`plan_solution`: the tables and the summary of the plan;
8. :func:`add_reasons`: why each pairing has its type (:mod:`optimizer.typology`).

:func:`solve` runs them in order, and the whole run once more with tight tolerances when the
solver's default ones let a rule slip.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from . import rounds, sharing, verify
from .i18n import N_, _, with_lang
from .heuristic import construct_plan
from .instance import Instance
from .methods import Clock, Method, PayoffTable, Problem, StageLog, get_method, hold_tolerance
from .methods import objective_vectors, payoff_table
from .model import AllocationModel, build_model
from .errors import InputError
from .options import RunOptions
from .solution import Solution, extract_tables
from .solve import HighsBackend, StageResult, make_backend
from .solver.options import MIN_START_BINARIES
from .summary import Summary
from .typology import add_type_reasons, should_explain


@with_lang
def solve(inst: Instance, options: RunOptions | None = None, **kwargs) -> Solution:
    """Solve ``inst`` and return a :class:`~optimizer.solution.Solution`.

    The keywords are the fields of :class:`~optimizer.options.RunOptions` (or pass one as
    ``options``; keywords then change it). Options left at None take the instance's settings
    (``[objective]``, ``[balance]``). ``weight`` is lambda of the weighted method. ``soft``
    names balance rules to make soft (a list, or a dict rule -> penalty; ``"all"`` for every
    rule). ``why`` re-solves each pairing with its other eligible types forced ("auto": on
    small instances only). ``write_model`` writes the final stage's model (its objective and
    rows: what the method solves last) as MPS or LP; ``record_stages`` (a folder, HiGHS only)
    writes the exact model of every solve there (MIP stages, and the LPs of start plans and
    polishing), numbered in solve order (for benchmarks). ``time_limit`` (seconds) is shared by
    all the stages of the run. ``progress`` is called with a
    :class:`~optimizer.solve.SolveProgress` as MIP solves advance (HiGHS only). ``lang``
    (``en``, ``zh``; default: the current language) is the language of the words the run
    produces (the pairings' reasons); summary.json is the same in both.
    """
    return _run(inst, RunOptions.of(options, **kwargs))


def _run(inst: Instance, options: RunOptions) -> Solution:
    t_start = time.perf_counter()
    run = prepare(inst, options, t_start)
    if run.stages is run.backend:
        return _stages(run, inst, options, t_start)
    try:  # a decomposed run: its pool of processes ends with it
        sol = _stages(run, inst, options, t_start)
    except BaseException:
        run.stages.close(kill=True)
        raise
    run.stages.close()
    return sol


def _stages(run: Run, inst: Instance, options: RunOptions, t_start: float) -> Solution:
    starts = start_plans(run)
    table, status = payoff(run, starts)
    if table is None:
        return run.solution(status, _failure_message(status, PAYOFF_WHAT))
    problem = run.method.final_problem(run.am, table, run.settings)
    final = final_solve(run, problem, table, starts)
    if not final.ok:
        message = (run.method.failure_message(run.settings, table, final.status)
                   or _failure_message(final.status, problem.label))
        return run.solution(final.status, message, table=table, problem=problem)
    x, broken, pol = polish_and_verify(run, problem, final.x, final.objective)
    status = _overall([s.result.status for s in run.log])
    beaten = (status == "optimal" and run.method.payoff_row(run.settings) is None
              and beats_ideal(table, float(run.am.lm.objectives["efficiency"] @ x),
                              run.am.equity(x)))
    if (broken or beaten) and not options.tight and isinstance(run.backend, HighsBackend):
        # the solver's default tolerances let something slip (a broken rule, or payoff rows
        # that a later plan beats): the whole run once more with tighter ones
        left = (None if options.time_limit is None
                else options.time_limit - (time.perf_counter() - t_start))
        if left is None or left > 0:
            return _run(inst, options.replace(time_limit=left, tight=True))
    if broken:
        run.summary.verification = [b.__dict__ for b in broken]
        return run.solution("error", unreliable_message(run.am, broken), table=table,
                            problem=problem)
    sol = plan_solution(run, x, pol, final, table, problem, starts,
                        "time_limit" if beaten else status, beaten)
    add_reasons(sol, run)
    participation_price(sol, run)
    return sol


# ------------------------------------------------------------------------------ the steps
def effective_instance(inst: Instance, options: RunOptions | None = None, **kwargs) -> Instance:
    """``inst`` with the run's overrides applied (None keeps the instance's own setting); the
    keywords are those of :class:`~optimizer.options.RunOptions`."""
    changes = RunOptions.of(options, **kwargs).instance_changes()
    return inst.with_params(changes) if changes else inst


@dataclass
class Run:
    """One run in progress: what the steps share. ``seconds`` holds the timed parts outside
    the logged solve stages."""

    inst: Instance  # as given (its loading time counts against the limit)
    options: RunOptions
    inst_eff: Instance  # with the run's overrides
    method: Method
    settings: dict  # inst_eff's [objective]
    am: AllocationModel
    backend: object
    clock: Clock
    summary: Summary
    t_start: float
    log: list[StageLog] = field(default_factory=list)
    seconds: dict = field(default_factory=dict)
    stages: object = None  # the backend of the payoff table and the final stage

    def __post_init__(self):
        if self.stages is None:
            self.stages = self.backend

    def solution(self, status: str, message: str, *, x=None, tables=None, table=None,
                 problem=None, t_extract: float = 0.0) -> Solution:
        """The run's :class:`Solution` with ``status``; the summary's status, times and
        stages set."""
        s, sec = self.summary, self.seconds
        s.status, s.proven_optimal, s.message = status, status == "optimal", message
        s.timings = {"load": round(self.inst.load_seconds, 4), "build": round(sec["build"], 4),
                     "transfer": round(sec["transfer"], 4),
                     "heuristics": round(sec["heuristics"], 4),
                     "solve": round(sum(g.result.seconds for g in self.log), 4),
                     "polish": round(sec["polish"], 4), "extract": round(t_extract, 4),
                     "highs_own": (round(self.backend.highs_seconds, 4)
                                   if isinstance(self.backend, HighsBackend) else None)}
        _total_time(s.timings, self.t_start, self.inst.load_seconds)
        s.stages = [g.as_dict() for g in self.log]
        if s.decomposition is not None:
            s.decomposition.update(stages=self.stages.stages, whole=self.stages.notes)
        return Solution(status=status, summary=s, instance=self.inst_eff, model=self.am, x=x,
                        backend=self.backend, final_problem=problem, payoff=table,
                        options=self.options, **(tables or {}))


def prepare(inst: Instance, options: RunOptions, t_start: float | None = None) -> Run:
    """Check the options and the method's settings, build the model, hand it to the solver
    and start the time budget (``t_start``: when the run began, default now)."""
    t_start = time.perf_counter() if t_start is None else t_start
    inst_eff = effective_instance(inst, options)
    solver = options.solver_options()
    settings = inst_eff.params["objective"]
    method = get_method(settings["method"])
    method.check(settings)
    t0 = time.perf_counter()
    am = build_model(inst_eff)
    t1 = time.perf_counter()
    backend = make_backend(am.lm, solver)
    seconds = {"build": t1 - t0, "transfer": time.perf_counter() - t1, "heuristics": 0.0,
               "polish": 0.0}
    if options.record_stages:
        backend.record(options.record_stages)
    clock = Clock(options.time_limit, spent=inst.load_seconds + time.perf_counter() - t_start)
    run = Run(inst, options, inst_eff, method, settings, am, backend, clock,
              new_summary(inst_eff, am, method, solver.solver), t_start, seconds=seconds)
    run.stages = decomposed_stages(run) or backend
    return run


def decomposed_stages(run: Run):
    """The backend that solves the run's stages part by part (None: the model is solved
    whole), by ``options.decompose``: "auto" decomposes a large one-round model of several
    parts on HiGHS; True asks for it (an InputError where it cannot apply)."""
    from . import decompose as dc
    from .decomposed_run import DecomposedBackend

    want = run.options.decompose
    if want not in (True, False, "auto"):
        raise InputError(_("decompose must be True, False or 'auto', not {value}").format(
            value=repr(want)))
    if want is False:
        return None
    why_not = None
    if not isinstance(run.backend, HighsBackend):
        why_not = N_("it runs on HiGHS only")
    elif run.am.rounds > 1:
        why_not = N_("a plan of several rounds is solved whole")
    elif want == "auto" and run.am.lm.integer.sum() < MIN_START_BINARIES:
        return None
    if why_not is None:
        dec = dc.components(run.am)
        if len(dec.parts) < 2:
            why_not = N_("the model is one connected part")
    if why_not is not None:
        if want is True:
            raise InputError(_("cannot decompose this run: {reason}").format(reason=_(why_not)))
        return None
    run.summary.decomposition = {"parts": [p.size() for p in dec.parts],
                                 "lone_recipients": int(len(dec.lone_recipients))}
    return DecomposedBackend(run.backend, run.am, dec, gap=run.options.gap,
                                workers=run.options.workers, executor=run.options.executor)


def new_summary(inst_eff: Instance, am: AllocationModel, method: Method, solver: str) -> Summary:
    """The summary's head: what is solved, and how."""
    p, lm = inst_eff.params, am.lm
    s = p["objective"]
    return Summary(
        instance=inst_eff.name, instance_path=inst_eff.path,
        description=p.get("description", ""), sources=p.get("sources"), units=p.get("units"),
        resources={k: dict(v) for k, v in p["resources"].items()},
        types_used=list(inst_eff.types), method=s["method"], equity_measure=s["equity"],
        lambda_=s["lambda"], beta=s["beta"] if s["equity"] == "tail" else None,
        first=s["first"] if "first" in method.settings else None,
        eps=s["eps"] if "eps" in method.settings else None,
        reference=(list(s["reference"]) if "reference" in method.settings
                   and s.get("reference") is not None else None),
        soft_rules=dict(am.soft), solver=solver,
        rounds=({**rounds.settings(p), "labels": rounds.labels(p)} if am.rounds > 1 else None),
        model_size={"columns": lm.n_cols, "rows": lm.n_rows, "nonzeros": int(lm.A.nnz),
                    "binaries": int(lm.integer.sum()), "candidate_pairs": int(len(am.pair_d))},
        warnings=list(inst_eff.warnings))


@dataclass
class StartPlans:
    """Constructed plans to start the payoff rows from (None: none), the bounds their LP
    relaxations prove, and the tie-break of the equity start."""

    efficiency: np.ndarray | None = None
    equity: np.ndarray | None = None
    lp_bounds: dict = field(default_factory=dict)
    tie: float = 0.0
    used: bool = False  # large instances on HiGHS: starts pay only there


def start_plans(run: Run) -> StartPlans:
    """Plans for the efficiency-first and equity-first rows, on large instances (HiGHS)."""
    backend, am = run.backend, run.am
    if not (isinstance(backend, HighsBackend) and backend.use_starts) or am.rounds > 1:
        return StartPlans()  # the start heuristic plans one round
    cE, cQ, cP = objective_vectors(am)
    t0 = time.perf_counter()
    e_info, q_info = {}, {}
    start = construct_plan(am, backend, cE - cP, time_limit=run.clock.share(3), info=e_info)
    t1 = time.perf_counter()
    tie = equity_tie_break(cE, start)
    # half the time left at most: at the county level its LP alone takes 9-12 s, and
    # without this start the equity row stays at the efficiency row's plan
    eq_start = construct_plan(am, backend, cQ - cP + tie * cE, time_limit=run.clock.share(2),
                              info=q_info)
    run.seconds["heuristics"] += time.perf_counter() - t0
    run.summary.start_heuristic = {
        "seconds": round(t1 - t0, 4),
        "efficiency": None if start is None else float(cE @ start),
        "equity_seconds": round(time.perf_counter() - t1, 4),
        "equity": None if eq_start is None else am.equity(eq_start)}
    return StartPlans(start, eq_start, {"efficiency": e_info.get("lp_bound"),
                                        "equity": q_info.get("lp_bound")}, tie, True)


def payoff(run: Run, starts: StartPlans) -> tuple[PayoffTable | None, str]:
    """The payoff table (None when no plan exists) and its status; the summary gets the
    table and the price of fairness."""
    cE, cQ, cP = objective_vectors(run.am)
    table, status = payoff_table(run.stages, cE, cQ, cP, run.clock,
                                 stages_after=run.method.stages_after_payoff(run.settings),
                                 log=run.log, equity=run.am.equity, start=starts.efficiency,
                                 equity_start=starts.equity)
    if table is not None:
        run.summary.payoff_table = table.as_dict()
        run.summary.price_of_fairness = table.price_of_fairness
    return table, status


def final_problem(am: AllocationModel, table: PayoffTable) -> Problem:
    """The problem the instance's method solves last (its optimum is the recommended plan)."""
    settings = am.inst.params["objective"]
    return get_method(settings["method"]).final_problem(am, table, settings)


def final_solve(run: Run, problem: Problem, table: PayoffTable,
                starts: StartPlans) -> StageResult:
    """Solve the final problem from the best start that satisfies its rows (the payoff rows'
    plans, and on large instances one constructed for it); a method whose plan is a payoff
    row takes that row's plan and stage result. With ``write_model`` the problem is written
    first."""
    if run.options.write_model:
        run.backend.write_model(run.options.write_model, problem.objective, problem.rows)
    row = run.method.payoff_row(run.settings)
    if row is not None:
        x = table.x_eff if row == "efficiency" else table.x_eq
        stage = run.log[1 if row == "efficiency" else 3].result
        return StageResult(stage.status, x, float(problem.objective @ x), stage.mip_gap,
                           stage.seconds)
    rows_start = [run.method.start(run.am, table, run.settings, s)
                  for s in (table.x_eff, table.x_eq)]
    candidates = [s for s in rows_start if _satisfies(problem.rows, s)]
    if starts.used:  # a start made for the final objective too
        t0 = time.perf_counter()
        own = construct_plan(run.am, run.backend, problem.objective, rows=problem.rows,
                             time_limit=run.clock.share(2))
        run.seconds["heuristics"] += time.perf_counter() - t0
        if own is not None:
            candidates.append(own)
    start = max(candidates, key=lambda s: problem.objective @ s) if candidates else None
    final = run.stages.solve(problem.objective, extra_rows=problem.rows,
                              time_limit=run.clock.share(1), start=start, label=problem.label)
    run.log.append(StageLog(problem.label, final))
    return final


def _satisfies(rows, x: np.ndarray, tol: float = 1e-9) -> bool:
    """Whether ``x`` meets every row ``(coefficients, lower, upper)`` (within ``tol``)."""
    return all(lo - tol <= c @ x <= hi + tol for c, lo, hi in rows)


def polish_and_verify(run: Run, problem: Problem, x: np.ndarray, objective: float
                      ) -> tuple[np.ndarray, list, StageResult]:
    """The final plan ``x`` (of value ``objective``) polished (binaries fixed, the LP solved
    again: exact flows and duals), cleaned to the model's bounds and checked against every
    rule: (plan, the rules it still breaks, the polish result)."""
    t0 = time.perf_counter()
    x = sharing.least_shares(run.am, x)  # (a tie: the least share that keeps the partner)
    pol = polish(run.backend, problem, run.am, x)
    run.seconds["polish"] = time.perf_counter() - t0
    if pol.ok and pol.objective >= objective - hold_tolerance(objective):
        x = pol.x
    # every plan is cleaned to the model's bounds and checked against every rule before it
    # is reported; one the solver's tolerances let slip is polished with tighter ones
    return verified_plan(run.backend, problem, run.am, x, pol)


def plan_solution(run: Run, x: np.ndarray, pol: StageResult, final: StageResult,
                  table: PayoffTable, problem: Problem, starts: StartPlans, status: str,
                  beaten: bool) -> Solution:
    """The solution of plan ``x``: its tables and the summary's numbers."""
    t0 = time.perf_counter()
    am, s = run.am, run.summary
    cE, _cQ, cP = objective_vectors(am)
    E, Q, pen = float(cE @ x), am.equity(x), float(cP @ x)
    tables = extract_tables(am, x)
    if beaten:  # still, with tighter tolerances: the plan is good, its optimality unproven
        s.numerical_note = (
            "the payoff table's optima were beaten by the final plan: the solver's tolerances "
            "could not prove the ideals on this data (numbers far apart), so the plan is not "
            "proven optimal; change the units so that values are nearer to 1")
    if status != "optimal":  # a payoff stage stopped by a limit: the ideals are the best known
        table = table.with_plan(E, Q, x)
        s.payoff_table, s.price_of_fairness = table.as_dict(), table.price_of_fairness
    if table.note:
        s.payoff_table_note = table.note
    s.bounds = proven_bounds(am, table, starts.lp_bounds, starts.tie)
    s.efficiency, s.equity, s.penalty = E, Q, pen
    s.objective = run.method.score(run.settings, table, E, Q, pen, problem, x)
    s.mip_gap = _run_gap(final, run.log, status)
    s.efficiency_loss_vs_ideal = (table.E_ideal - E) / table.E_ideal if table.E_ideal else None
    s.pairings = int(len(tables["pairings"]))
    s.types = {t: int((tables["pairings"]["type"] == t).sum()) for t in run.inst_eff.types}
    s.violations = int((tables["balance"]["violation"] > 1e-9).sum())
    s.sharing, s.clusters = mechanism_summary(tables, run.inst_eff.params)
    if pol.ok:
        s.duals_available = pol.row_dual is not None
    t_extract = time.perf_counter() - t0
    # summary.json keeps the English message; the terminal and report say it with _()
    message = (N_("optimal plan found") if status == "optimal" else
               N_("a plan was found but the solver's tolerances could not prove it optimal on "
                  "this data (numbers far apart; see numerical_note)") if beaten else
               N_("a plan was found but a time or iteration limit stopped the solver before it "
                  "was proven optimal"))
    if run.options.tight:
        s.tolerances = "tight (repeated: the default tolerances let a rule slip)"
    sol = run.solution(status, message, x=x, table=table, problem=problem, tables=tables,
                       t_extract=t_extract)
    sol.polish = pol
    return sol


def mechanism_summary(tables: dict, p: dict) -> tuple[dict | None, dict | None]:
    """summary.json's ``sharing`` (the settings, the first round's shares and the partners'
    returns) and ``clusters`` (those formed in the first round), None when off."""
    sharing = clusters = None
    if "partners" in tables:
        P, parts = tables["pairings"], tables["partners"]
        first = parts[parts["round"] == 1] if "round" in parts else parts
        shares = P["share"].dropna()
        sharing = {**p["sharing"], "pairings_sharing": int((shares > 0).sum()),
                   "levels_chosen": {f"{v:g}": int((shares == v).sum())
                                     for v in sorted(shares.unique())},
                   "credited": float(P["credited"].sum()),
                   "required": float(first["required"].sum())}
    if "clusters" in tables:
        C = tables["clusters"]
        first = C[C["round"] == 1] if "round" in C else C
        clusters = {"formed": [str(i) for i in first.loc[first["formed"], "id"]],
                    "not_formed": [str(i) for i in first.loc[~first["formed"], "id"]],
                    "synergy_gain": float(first["synergy_gain"].sum()),
                    "setup": float(first.loc[first["formed"], "setup"].sum())}
    return sharing, clusters


def add_reasons(sol: Solution, run: Run) -> None:
    """Why each pairing has its type (:func:`optimizer.typology.add_type_reasons`), with the
    re-solves when asked ("auto": on small instances without a time limit)."""
    t0 = time.perf_counter()
    why = run.options.why
    resolve = should_explain(sol, why if not (run.options.time_limit and why == "auto")
                             else False)
    add_type_reasons(sol, clock=run.clock, resolve=resolve)
    # summary.json keeps the English; the report says it with _()
    sol.summary.why_resolves = N_("done") if resolve else N_(
        "skipped (a time limit is set, or the instance is large; ask with why=True / --why)")
    sol.summary.timings["explain"] = round(time.perf_counter() - t0, 4)
    _total_time(sol.summary.timings, run.t_start, run.inst.load_seconds)


def participation_price(sol: Solution, run: Run) -> None:
    """The price of participation (MODEL-v2 B): summary.json's ``sharing.without``, the
    efficiency and equity of the same problem with no income share and no return required,
    one more solve; made with the why re-solves (when they are done: ``--why``, or "auto" on
    small instances without a time limit)."""
    sh = sol.summary.sharing
    if not sh or sol.summary.why_resolves != "done":
        return
    t0 = time.perf_counter()
    inst = run.inst_eff.with_params({"sharing.levels": [], **{
        f"resources.{k}.return_min": 0.0 for k in run.inst_eff.resources}})
    plain = _run(inst, run.options.replace(why=False))
    sh["without"] = {"status": plain.status, "efficiency": plain.efficiency if plain.has_plan
                     else None, "equity": plain.equity if plain.has_plan else None}
    sol.summary.timings["explain"] = round(sol.summary.timings.get("explain", 0.0)
                                           + time.perf_counter() - t0, 4)
    _total_time(sol.summary.timings, run.t_start, run.inst.load_seconds)


# ------------------------------------------------------------------------------ helpers
TIE_BREAK = 1e-4  # efficiency's weight in the equity start's LP, relative to equity


def equity_tie_break(cE, start) -> float:
    """Efficiency's weight in the objective the equity-first row's start plan is built for
    (equity + weight * efficiency): about 1e-4 of equity. The pure equity LP is very
    degenerate (only the worst recipients count, every other flow is free to move); the
    tie-break settles those flows and measured 2-3x faster at county level
    (docs/performance.md). Only the start uses it: the MIP stage maximises equity itself."""
    scale = max(1.0, abs(float(cE @ start))) if start is not None else max(1.0, float(np.abs(cE).sum()))
    return TIE_BREAK / scale


def proven_bounds(am: AllocationModel, table: PayoffTable, lp_bounds: dict,
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
    cols = am.binary_columns
    vals = np.round(x[cols])
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


def beats_ideal(table: PayoffTable, E: float, Q: float) -> bool:
    """Whether a plan is better than a proven payoff row in either objective (beyond the
    tolerance a held objective may lose): then the rows were not optimal after all."""
    return (E > table.E_ideal + hold_tolerance(table.E_ideal) * 10
            or Q > table.Q_ideal + hold_tolerance(table.Q_ideal) * 10)


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


PAYOFF_WHAT = "the payoff table (maximum efficiency)"
# the messages of a payoff table that failed, whole, for the catalog: summary.json keeps the
# English message and the terminal says it with _() (a message naming another stage stays
# English there)
N_("the payoff table (maximum efficiency) is unbounded (a modelling error; please report it)")
N_("the solver found no plan for the payoff table (maximum efficiency) within the limits")
N_("the solver failed on the payoff table (maximum efficiency)")


def _failure_message(status: str, what: str) -> str:
    return {
        "infeasible": N_("no plan satisfies all the rules (the instance's balance rules, spans "
                      "and fixed pairs contradict each other); make rules soft with --soft to "
                      "see which ones bend"),
        "unbounded": f"{what} is unbounded (a modelling error; please report it)",
        "no_solution": f"the solver found no plan for {what} within the limits",
        "error": f"the solver failed on {what}",
    }.get(status, f"{what}: {status}")
