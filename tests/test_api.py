"""The Python API: immutable instances, with_params, solution tables."""

import numpy as np
import pytest
from checker import assert_plan

from optimizer import InstanceError, load_instance, solve


def test_with_params_returns_changed_copy(demo):
    before = demo.param("balance.alpha")
    inst2 = demo.with_params({"balance.alpha": 0.5, "objective.lambda": 0.8})
    assert inst2.param("balance.alpha") == 0.5
    assert inst2.param("objective.lambda") == 0.8
    assert demo.param("balance.alpha") == before  # the original is untouched
    assert inst2 is not demo


def test_with_params_cells(demo):
    inst2 = demo.with_params({"partners[A].supply.funds": 50, "recipients[W].need.talent": 2,
                              "pairs[A,W].ben": 0.9, "types.platform.mult": 1.5})
    a2, a = inst2.arrays, demo.arrays
    assert a2["supply"][0, 0] == 50 and a["supply"][0, 0] == 100
    assert a2["need"][2, 1] == 2
    assert a2["ben"][0, 2] == 0.9
    assert a2["mult"][1] == 1.5
    star = demo.with_params({"partners[*].supply.talent": 7})
    assert (star.arrays["supply"][:, 1] == 7).all()


def test_with_params_validates(demo):
    with pytest.raises(InstanceError, match="between 0 and 1"):
        demo.with_params({"balance.alpha": 2})
    with pytest.raises(InstanceError, match="not a parameter"):
        demo.with_params({"balance.nosuch": 1})
    with pytest.raises(InstanceError, match="no partner with id"):
        demo.with_params({"partners[Q].supply.funds": 1})


def test_theta_on_and_off(demo):
    on = demo.with_params({"balance.theta": 0.5})
    assert on.param("balance.theta") == 0.5
    off = on.with_params({"balance.theta": None})
    assert off.param("balance.theta") is None
    sol = assert_plan(solve(on, gap=0))
    assert (sol.recipients["u"] >= 0.5 - 1e-9).all()
    assert "outcome_floor" in set(sol.balance["rule"])


def test_arrays_are_read_only(demo):
    with pytest.raises(ValueError):
        demo.arrays["supply"][0, 0] = 1


def test_more_supply_never_lowers_best_efficiency(demo):
    base = solve(demo, gap=0, why=False).summary["payoff_table"]["ideal"]["efficiency"]
    more = solve(demo.with_params({"partners[B].supply.funds": 90}), gap=0, why=False)
    assert_plan(more)
    assert more.summary["payoff_table"]["ideal"]["efficiency"] >= base - 1e-6


def test_solution_tables_and_summary(demo):
    sol = assert_plan(solve(demo, gap=0))
    assert {"partner", "recipient", "type", "funds", "talent", "gain", "reason"} <= set(sol.pairings)
    assert {"baseline", "outcome", "u", "gain", "capacity", "partners"} <= set(sol.recipients)
    assert {"rule", "value", "bound", "slack"} <= set(sol.balance)
    assert list(sol.payoff_table.columns) == ["efficiency", "equity"]
    assert sol.proven_optimal and sol.mip_gap == pytest.approx(0, abs=1e-9)
    assert set(sol.timings) >= {"load", "build", "solve", "extract"}


def test_spread_rule_holds(demo):
    sol = assert_plan(solve(demo.with_params({"balance.rho": 0.8}), gap=0))
    u = sol.recipients["u"].to_numpy()
    assert (u >= 0.8 * u.mean() - 1e-7).all()


def test_scale_and_setup_rules(demo):
    inst = demo.with_params({"types.institutional.min_scale": 70, "types.platform.setup": 5})
    sol = assert_plan(solve(inst, gap=0))
    inst_rows = sol.pairings[sol.pairings["type"] == "institutional"]
    assert (inst_rows["value"] >= 70 - 1e-6).all()


def test_fixed_pair_is_kept(demo):
    inst = demo.with_params({"pairs[B,X].fixed": True})
    sol = assert_plan(solve(inst, gap=0))
    keys = set(zip(sol.pairings["partner"], sol.pairings["recipient"]))
    assert ("B", "X") in keys


def test_time_limited_run_is_never_called_optimal(tmp_path):
    """A large generated instance with a very short limit: a plan may exist, not proven."""
    import pandas as pd
    from optimizer import Instance

    rng = np.random.default_rng(0)
    nD, nR = 25, 60
    partners = pd.DataFrame({"id": [f"D{i}" for i in range(nD)],
                             "max_partners": rng.integers(2, 5, nD),
                             "supply.funds": rng.uniform(20, 80, nD).round(1),
                             "supply.talent": rng.uniform(5, 20, nD).round(1)})
    recipients = pd.DataFrame({"id": [f"R{i}" for i in range(nR)],
                               "population": rng.uniform(10, 100, nR).round(1),
                               "baseline": rng.uniform(1, 4, nR).round(2), "target": 6.0,
                               "need.funds": rng.uniform(10, 40, nR).round(1),
                               "need.talent": rng.uniform(2, 10, nR).round(1),
                               "prod.funds": rng.uniform(0.5, 2, nR).round(2),
                               "prod.talent": rng.uniform(1, 4, nR).round(2)})
    pairs = pd.DataFrame([{"partner": f"D{d}", "recipient": f"R{r}",
                           "pot": rng.choice([0.3, 0.7, 1.0]), "ben": rng.choice([0.3, 0.5, 0.8]),
                           "comp": rng.uniform(0, 0.3)} for d in range(nD) for r in range(nR)])
    inst = Instance.from_tables({"balance": {"alpha": 0.1, "gamma": 0.2},
                                 "types": {"platform": {"setup": 3.0},
                                           "institutional": {"setup": 8.0}}},
                                partners, recipients, pairs)
    sol = solve(inst, time_limit=0.05, why=False)
    assert sol.status in ("time_limit", "no_solution", "optimal")
    if sol.status == "optimal":  # only if every stage was proven within the limit
        assert all(s["status"] == "optimal" for s in sol.summary["stages"])
    else:
        assert not sol.proven_optimal
        assert any(s["status"] != "optimal" for s in sol.summary["stages"])
    if sol.has_plan:
        assert_plan(sol)


def test_changing_thread_count_between_solves(demo):
    """HiGHS's scheduler is global: a different thread count must not make a solve fail."""
    for threads in (None, 1, 2, None):
        assert solve(demo, threads=threads, why=False).status == "optimal"


@pytest.mark.parametrize("lam,first", [(1.0, "efficiency"), (0.0, "equity")])
def test_weight_at_the_ends_is_lexicographic(lam, first):
    """lambda 1 (or 0) gives no weight to equity (or efficiency): the plan must then be the
    lexicographic optimum, not a dominated one, and report its true equity."""
    from conftest import ROOT

    inst = load_instance(ROOT / "instances" / "guangdong")
    w = assert_plan(solve(inst, weight=lam, why=False))
    lex = assert_plan(solve(inst, method="lexicographic", first=first, why=False))
    assert w.efficiency == pytest.approx(lex.efficiency, rel=1e-6)
    assert w.equity == pytest.approx(lex.equity, rel=1e-6)


def test_load_instance_accepts_bundled_names_from_any_folder(tmp_path, monkeypatch):
    """Issue 11.7: the API takes a bundled instance by name, as the CLI does."""
    from optimizer import InstanceError, bundled_instances_dir, load_instance

    monkeypatch.chdir(tmp_path)
    inst = load_instance("guangdong")
    assert len(inst.recipients) == 12
    assert load_instance().name == inst.name  # None: the bundled default
    assert load_instance("demo").path == str(bundled_instances_dir() / "demo")
    (tmp_path / "demo").mkdir()  # a folder of that name here wins over the bundled one
    with pytest.raises(InstanceError, match="instance.toml"):
        load_instance("demo")
    with pytest.raises(InstanceError, match="bundled instances: .*guangdong"):
        load_instance("guangdongg")


def test_result_tables_of_different_solves_concatenate(demo):
    """Issue 11.5: pd.concat of the same table from two solves (attrs are plain values)."""
    import json

    import pandas as pd

    from optimizer.pareto import pareto
    from optimizer.robustness import robustness
    from optimizer.sweep import sweep

    a = solve(demo, why=True)
    b = solve(demo, weight=0.9, why=True)
    tables = []
    for name in a.tables():
        tables.append((name, getattr(a, name), getattr(b, name)))
    for name, df in a.sensitivity().tables().items():
        tables.append((name, df, b.sensitivity().tables()[name]))
    fa, fb = pareto(demo, points=3), pareto(demo, points=4)
    tables += [("pareto", fa.points, fb.points), ("pareto payoff", fa.payoff, fb.payoff)]
    tables.append(("sweep", sweep(demo, {"balance.alpha": [0.1, 0.2]}, workers=1),
                   sweep(demo, {"balance.alpha": [0.3]}, workers=1)))
    ra, rb = robustness(demo, samples=2, workers=1), robustness(demo, samples=2, seed=1, workers=1)
    tables += [("robustness pairs", ra.pairs, rb.pairs),
               ("robustness samples", ra.samples, rb.samples)]
    for name, x, y in tables:
        both = pd.concat([x, y], ignore_index=True)
        assert len(both) == len(x) + len(y), name
        json.dumps(x.attrs)  # plain values only
