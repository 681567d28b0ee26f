"""The reference-point method (``--method reference --reference E,Q``): Wierzbicki's augmented
achievement scalarising function on the payoff table's normalisation.

Its plans are checked by the checker, against the Pareto front of the demo (no front point
dominates them; attainable references are met), against brute force on tiny instances (the
achievement's optimum over every pairing choice), and for the ASF's own properties (a shift
along the diagonal of the normalised space changes nothing but the score)."""

from __future__ import annotations

import numpy as np
import pytest
from checker import check_solution
from click.testing import CliRunner
from conftest import ROOT
from scipy.optimize import linprog
from test_bruteforce import enumerate_choices, lp_for
from tiny import tiny_instance

from optimizer import InputError, cli, load_instance, solve
from optimizer.methods import AUGMENTATION, get_method
from optimizer.pareto import pareto

GUANGDONG = ROOT / "instances" / "guangdong"


def ref_solve(inst, reference, **kw):
    kw.setdefault("why", False)
    return solve(inst, method="reference", settings={"objective.reference": list(reference)},
                 **kw)


def normalised(sol, E, Q):
    t = sol.payoff
    return (E - sol.summary.reference[0]) / t.E_range, (Q - sol.summary.reference[1]) / t.Q_range


def asf(sol) -> float:
    """The plan's score, recomputed from the summary's numbers: its achievement, plus rho
    times its normalised gains over the nadir, less the penalty."""
    t, s = sol.payoff, sol.summary
    dE, dQ = normalised(sol, s.efficiency, s.equity)
    return (min(dE, dQ) + AUGMENTATION * ((s.efficiency - t.E_nadir) / t.E_range
                                          + (s.equity - t.Q_nadir) / t.Q_range) - s.penalty)


@pytest.fixture(scope="module")
def front(demo):
    """The demo's front (efficiency, equity), exact (gap 0)."""
    pts = pareto(demo, points=8, gap=0).points
    return pts[["efficiency", "equity"]].to_numpy()


def dominated_by(front, E, Q, tol=1e-5):
    """The front points that dominate (E, Q) beyond ``tol`` (relative to the front's ranges:
    the front's own points hold an objective within the solver's tolerances)."""
    tE = tol * max(1.0, np.ptp(front[:, 0]))
    tQ = tol * max(1.0, np.ptp(front[:, 1]))
    ge = (front[:, 0] >= E - tE) & (front[:, 1] >= Q - tQ)
    gt = (front[:, 0] > E + tE) | (front[:, 1] > Q + tQ)
    return front[ge & gt]


# ============================================================================ plans and settings
def test_demo_plan_passes_the_checker_and_scores_its_achievement(demo):
    sol = ref_solve(demo, (400, 0.5))
    assert sol.status == "optimal"
    assert check_solution(sol) == []
    assert sol.summary.method == "reference" and sol.summary.reference == [400, 0.5]
    assert sol.summary.objective == pytest.approx(asf(sol), abs=1e-7)
    # the stage the method solves last is named by its reference
    assert sol.summary.stages[-1]["stage"].startswith("reference point (efficiency 400")


def test_guangdong_plan_passes_the_checker():
    sol = ref_solve(load_instance(GUANGDONG), (400, 0.3))
    assert sol.status == "optimal" and check_solution(sol) == []
    assert sol.summary.objective == pytest.approx(asf(sol), abs=1e-7)


@pytest.mark.parametrize("kw", [dict(equity="maxmin"), dict(soft="all"), dict(rounds=2)],
                         ids=["maxmin", "soft", "rounds"])
def test_other_measures_soft_rules_and_rounds(demo, kw):
    sol = ref_solve(demo, (400, 0.5), **kw)
    assert sol.status == "optimal" and check_solution(sol) == []
    assert sol.summary.objective == pytest.approx(asf(sol), abs=1e-6)


def test_the_reference_is_given_like_other_settings(demo):
    a = solve(demo, method="reference", reference=(400, 0.5), why=False)
    b = ref_solve(demo, (400, 0.5))
    assert a.summary.efficiency == pytest.approx(b.summary.efficiency)
    inst = demo.with_params({"objective.method": "reference",
                             "objective.reference": "400; 0.5"})  # a workbook cell's form
    assert inst.params["objective"]["reference"] == [400.0, 0.5]


@pytest.mark.parametrize("value, words", [
    ([400], "must be two numbers"), ("abc", "must be two numbers"),
    ([400, float("nan")], "(equity) must be a finite number"),
    ([400, "x"], "(equity) must be a number"), (None, "cannot be switched off")])
def test_bad_references_are_one_clear_message(demo, value, words):
    with pytest.raises(InputError) as exc:
        demo.with_params({"objective.reference": value})
    assert words in str(exc.value) and "objective.reference" in str(exc.value)


def test_missing_reference_is_bad_input(demo):
    with pytest.raises(InputError, match="reference method needs .*--reference E,Q"):
        solve(demo, method="reference")


def test_words_and_sensitivity(demo):
    from optimizer.cli import render_solution
    from optimizer.report import method_words

    sol = ref_solve(demo, (400, 0.5))
    assert "method             reference, E 400, Q 0.5" in render_solution(sol)
    assert method_words(sol.summary).startswith("reference point, the efficient plan nearest "
                                                "to efficiency 400 and equity 0.5")
    rep = sol.sensitivity()
    assert rep.objective_value == pytest.approx(sol.summary.objective, rel=1e-7)
    assert rep.objective_label.startswith("the achievement of the reference point")
    held = rep.constraints[rep.constraints["rule"] == "hold"]
    assert list(held["entity"]) == ["efficiency", "equity"]
    assert held["meaning"].str.contains("the reference level of").any()


def test_prices_are_derivatives_of_the_score(demo):
    """Every price matches a finite difference of the report's LP, and the price of a hold
    row is the change of the summary's objective per unit of that reference level."""
    from sensitivity_checks import check_rhs_prices

    from optimizer.sensitivity import held_value

    sol = ref_solve(demo, (400, 0.5), gap=0)
    rep = sol.sensitivity()
    check_rhs_prices(rep, min_checked=10)
    price = rep.constraints.set_index("name")["shadow_price"]
    base = held_value(sol)
    assert base == pytest.approx(sol.summary.objective, abs=1e-9)
    for i, row, step in ((0, "hold[efficiency]", 0.5), (1, "hold[equity]", 1e-3)):
        ref = [400.0, 0.5]
        ref[i] += step
        moved = held_value(sol, sol.instance.with_params({"objective.reference": ref}))
        assert price[row] != 0
        assert (moved - base) / step == pytest.approx(price[row], rel=1e-6)


# ============================================================================ efficiency
REFERENCES = [(400, 0.5), (410, 0.52), (380, 0.4), (500, 0.6), (390, 0.6), (419, 0.3)]


@pytest.mark.parametrize("ref", REFERENCES)
def test_no_front_point_dominates_the_plan(demo, front, ref):
    sol = ref_solve(demo, ref, gap=0)
    E, Q = sol.summary.efficiency, sol.summary.equity
    assert len(dominated_by(front, E, Q)) == 0, (E, Q)


def test_an_attainable_reference_is_met_in_both_objectives(demo, front):
    # each front point, and a point it dominates, as the reference
    for E_ref, Q_ref in front[1:-1:2]:
        for ref in ((E_ref, Q_ref), (E_ref - 5, Q_ref - 0.01)):
            sol = ref_solve(demo, ref, gap=0)
            assert sol.summary.efficiency >= ref[0] - 1e-6 * abs(ref[0])
            assert sol.summary.equity >= ref[1] - 1e-7
            assert sol.summary.objective >= -1e-7  # the achievement of a met reference


def test_the_ideal_and_unattainable_references_give_front_points(demo, front):
    ideal = front.max(axis=0)
    for ref in (ideal, ideal + [10, 0.02]):
        sol = ref_solve(demo, ref, gap=0)
        E, Q = sol.summary.efficiency, sol.summary.equity
        assert sol.summary.objective < 0  # not attainable: a negative achievement
        assert len(dominated_by(front, E, Q)) == 0
        # on the front: as good as the front's best point with at least its equity
        best = front[front[:, 1] >= Q - 1e-7, 0].max()
        assert E >= best - 1e-6 * best


def test_a_diagonal_shift_of_the_reference_changes_the_score_not_the_plan(demo):
    """min((E - E_ref)/r_E, (Q - Q_ref)/r_Q) moves by -s when the reference moves by s along
    the diagonal (r_E, r_Q): same plan, score lower by s. Moving only E_ref by the same amount
    is no diagonal shift: the plan moves toward efficiency."""
    base = ref_solve(demo, (400, 0.5), gap=0)
    t = base.payoff
    s = 0.3
    shifted = ref_solve(demo, (400 + s * t.E_range, 0.5 + s * t.Q_range), gap=0)
    assert shifted.summary.efficiency == pytest.approx(base.summary.efficiency, rel=1e-7)
    assert shifted.summary.equity == pytest.approx(base.summary.equity, abs=1e-7)
    assert shifted.summary.objective == pytest.approx(base.summary.objective - s, abs=1e-7)
    e_only = ref_solve(demo, (400 + s * t.E_range, 0.5), gap=0)
    assert e_only.summary.efficiency > base.summary.efficiency + 1e-3
    # the plan balances the two normalised gains as far as the plans allow
    dE, dQ = normalised(base, base.summary.efficiency, base.summary.equity)
    assert abs(dE - dQ) < 0.05


# ============================================================================ brute force
def asf_lp(m, ref, rE, rQ):
    """max t + rho ((E - E_ref)/rE + (Q - Q_ref)/rQ) over one pairing choice's LP (t the
    last column), or None."""
    n = len(m["E"])
    c = np.r_[AUGMENTATION * (m["E"] / rE + m["Q"] / rQ), 1.0]
    A = np.hstack([m["A"], np.zeros((len(m["A"]), 1))])
    rows = np.vstack([np.r_[-m["E"], rE], np.r_[-m["Q"], rQ]])  # r t - E x <= E0 - E_ref
    b = np.r_[m["b"], m["E0"] - ref[0], -ref[1]]
    res = linprog(-c, A_ub=np.vstack([A, rows]), b_ub=b, bounds=m["bounds"] + [(None, None)],
                  method="highs")
    if res.status != 0:
        return None
    x = res.x[:n]
    return (-res.fun + AUGMENTATION * (m["E0"] - ref[0]) / rE - AUGMENTATION * ref[1] / rQ,
            m["E"] @ x + m["E0"], m["Q"] @ x)


def better_elsewhere(m, E, Q, tol):
    """Whether this pairing choice has a plan with equity >= Q and efficiency > E + tol, or
    efficiency >= E and equity > Q + tol."""
    for c, other, level, mine in ((m["E"], m["Q"], Q, E - m["E0"]), (m["Q"], m["E"],
                                                                     E - m["E0"], Q)):
        A = np.vstack([m["A"], -other])
        b = np.r_[m["b"], -(level - tol)]
        res = linprog(-c, A_ub=A, b_ub=b, bounds=m["bounds"], method="highs")
        if res.status == 0 and -res.fun > mine + tol * max(1.0, abs(mine)) * 10:
            return True
    return False


@pytest.mark.parametrize("seed", [1, 4, 9, 11])  # instances with a trade-off
def test_brute_force_achievement_and_efficiency(seed):
    inst = tiny_instance(seed, max_pairs=4)
    t = solve(inst, gap=0, why=False).payoff
    ref = (t.E_nadir + 0.6 * t.E_range, t.Q_nadir + 0.7 * t.Q_range)
    sol = ref_solve(inst, ref, gap=0)
    assert sol.status == "optimal" and check_solution(sol) == []
    models = [m for pairs, combo in enumerate_choices(inst)
              if (m := lp_for(inst, pairs, combo)) is not None]
    best = max(v[0] for m in models if (v := asf_lp(m, ref, t.E_range, t.Q_range)))
    # the score measures the augmentation from the nadir, the LP above from the reference
    shift = AUGMENTATION * ((t.E_nadir - ref[0]) / t.E_range + (t.Q_nadir - ref[1]) / t.Q_range)
    assert sol.summary.objective == pytest.approx(best - shift, abs=1e-6)
    E, Q = sol.summary.efficiency, sol.summary.equity
    assert not any(better_elsewhere(m, E, Q, 1e-7) for m in models)


# ============================================================================ command line
def invoke(*args):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def test_cli_guangdong_prints_the_method():
    r = invoke("solve", "guangdong", "--method", "reference", "--reference", "400,0.3",
               "--no-why")
    assert r.exit_code == 0, r.output
    assert "method             reference, E 400, Q 0.3" in r.output


@pytest.mark.parametrize("value", ["400", "abc,0.3", "nan,0.3", "400,0.3,1", "400,inf"])
def test_cli_bad_reference_is_one_line(value):
    r = invoke("solve", "demo", "--method", "reference", "--reference", value)
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "--reference" in lines[0] and "Traceback" not in r.output


def test_cli_missing_reference_is_bad_input():
    r = invoke("solve", "demo", "--method", "reference")
    assert r.exit_code == 2 and "--reference E,Q" in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_only_the_reference_method_has_the_column_and_its_starts_meet_its_rows(demo):
    from optimizer.model import build_model
    from optimizer.options import RunOptions
    from optimizer.pipeline import StartPlans, _satisfies, payoff, prepare

    assert "achievement" not in build_model(demo).lm.col_blocks
    run = prepare(demo, RunOptions(method="reference", reference=(400, 0.5)))
    assert len(run.am.lm.col_blocks["achievement"]) == 1
    table, _ = payoff(run, StartPlans())
    prob = run.method.final_problem(run.am, table, run.settings)
    for x in (table.x_eff, table.x_eq):
        start = run.method.start(run.am, table, run.settings, x)
        assert _satisfies(prob.rows, start)
        assert np.array_equal(np.delete(start, run.am.lm.col_blocks["achievement"].start),
                              np.delete(x, run.am.lm.col_blocks["achievement"].start))


def test_the_method_is_registered_with_its_option():
    m = get_method("reference")
    assert m.cli_settings[0].flag == "--reference" and m.columns == ("achievement",)
