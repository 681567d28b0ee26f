"""Plans of several rounds with trust capital (MODEL-v2 section A, issue 14).

The checks recompute section A from the result tables alone (the roadmap's types, resources
and gains): trust from trust0, trust_gain and trust_decay, the trust gate, fixed pairings in
the first round, the outcomes after the last round, the discounted efficiency. The property
tests: one round is the plan of version 1; with nothing tying the rounds the best efficiency
is N times one round's; more trust never lowers the best efficiency.
"""

from __future__ import annotations

import pandas as pd
import pytest
from checker import check_rounds
from conftest import DEMO, convert_round_trip
from tiny import tiny_instance

from optimizer import load_instance, solve
from optimizer.errors import InstanceError


def ideal_efficiency(sol) -> float:
    return sol.summary.payoff_table["ideal"]["efficiency"]


def test_one_round_is_the_plan_of_version_1():
    inst = load_instance(DEMO)
    base = solve(inst)
    for one in (solve(inst, rounds=1), solve(inst.with_params({"rounds.count": 1}))):
        assert one.roadmap is None
        assert one.efficiency == base.efficiency and one.equity == base.equity
        pd.testing.assert_frame_equal(one.pairings, base.pairings)
        pd.testing.assert_frame_equal(one.balance, base.balance)


@pytest.mark.parametrize("N", [2, 3])
def test_untied_rounds_give_n_times_the_best_efficiency(N):
    """trust_min 0, no switching cost, no growth, no discount, no outcome floor or spread:
    the rounds are independent copies, so the best efficiency is N times one round's."""
    inst = load_instance(DEMO)
    one = solve(inst)
    many = solve(inst, rounds=N)
    assert ideal_efficiency(many) == pytest.approx(N * ideal_efficiency(one), rel=1e-7)
    check_rounds(many)


def gated(inst, **more):
    return inst.with_params({"rounds.count": 3, "types.institutional.trust_min": 0.5,
                             **more})


def test_the_ladder_a_pair_climbs_as_trust_builds():
    sol = solve(gated(load_instance(DEMO)))
    assert sol.has_plan
    check_rounds(sol)
    road = sol.roadmap
    first = road[road["round"] == 1]
    assert "institutional" not in set(first["type"])  # no pair has the trust in round 1
    assert "institutional" in set(road[road["round"] == 2]["type"])  # earned in round 1
    assert list(sol.pairings.columns).count("type.round2") == 1
    assert sol.efficiency < 3 * solve(load_instance(DEMO)).efficiency + 1e-6


def test_more_trust_never_lowers_the_best_efficiency():
    inst = gated(load_instance(DEMO))
    low = ideal_efficiency(solve(inst))
    keys = [f"pairs[{d},{r}].trust0" for d, r in inst.pairs.index]
    high = solve(inst.with_params({k: 1.0 for k in keys}))
    check_rounds(high)
    assert ideal_efficiency(high) >= low - 1e-6


@pytest.mark.parametrize("settings", [
    {"rounds.switch_cost": 50.0, "rounds.discount": 0.9},
    {"rounds.supply_growth": 0.1, "rounds.need_growth": 0.05, "rounds.equity_at": "every"},
    {"rounds.trust_decay": 0.0, "types.platform.trust_min": 0.2},
])
def test_settings_of_the_rounds_hold_in_the_plan(settings):
    sol = solve(gated(load_instance(DEMO), **settings))
    if sol.has_plan:
        check_rounds(sol)
    else:
        assert sol.status == "infeasible"


@pytest.mark.parametrize("seed", range(6))
def test_tiny_instances_over_rounds(seed):
    inst = tiny_instance(seed).with_params({"rounds.count": 2, "rounds.switch_cost": 1.0,
                                             "types.platform.trust_min": 0.3})
    sol = solve(inst)
    if sol.has_plan:
        check_rounds(sol)


@pytest.mark.parametrize("change, words", [
    ({"rounds.count": 0}, "rounds.count"),
    ({"rounds.count": 2.5}, "rounds.count"),
    ({"rounds.discount": 0}, "rounds.discount"),
    ({"rounds.trust_decay": 1.5}, "rounds.trust_decay"),
    ({"rounds.equity_at": "last"}, "rounds.equity_at"),
    ({"types.platform.trust_min": -1}, "trust_min"),
    ({"rounds.labels": 3}, "rounds.labels"),
])
def test_bad_round_settings_are_refused_with_their_name(change, words):
    with pytest.raises(InstanceError, match=words.replace(".", r"\.")):
        load_instance(DEMO).with_params(change)


def test_round_labels_name_the_rounds(tmp_path):
    from optimizer.rounds import labels

    inst = load_instance(DEMO).with_params({"rounds.count": 3,
                                             "rounds.labels": "2023;2026;2029"})
    assert labels(inst.params) == ["2023", "2026", "2029"]
    sol = solve(inst)
    assert list(sol.roadmap["round_label"].unique()) == ["2023", "2026", "2029"]
    out = sol.write(tmp_path / "out", sensitivity=False)
    road = pd.read_csv(out / "roadmap.csv")
    assert list(road.columns[:5]) == ["partner", "recipient", "round", "round_label", "type"]


def test_explain_says_per_round_when_a_pair_would_qualify():
    from optimizer.explain import explain_pair
    from optimizer.roadmap import round_sentence

    sol = solve(load_instance(DEMO).with_params({"rounds.count": 3,
                                                 "types.institutional.trust_min": 0.6}))
    ex = explain_pair(sol, "A", "X", resolve=False)
    assert [s["round"] for s in ex.rounds] == [1, 2, 3]
    road = sol.roadmap[(sol.roadmap["partner"] == "A") & (sol.roadmap["recipient"] == "X")]
    assert [s["trust"] for s in ex.rounds] == pytest.approx(list(road["trust"]))
    first = ex.rounds[0]
    assert first["lacking"] and first["lacking"][0]["type"] == "institutional"
    # it qualifies in the first round whose trust at the start reaches 0.6, as planned
    when = next(s["label"] for s in ex.rounds if s["trust"] >= 0.6 - 1e-9)
    assert first["lacking"][0]["when"] == when
    assert f"would qualify in round {when}" in round_sentence(first)
    assert "rounds" in ex.as_dict()
    assert "rounds" not in explain_pair(solve(load_instance(DEMO)), "A", "X",
                                        resolve=False).as_dict()


def test_the_diagnosis_names_the_round_and_the_trust_gate():
    from optimizer.diagnose import diagnose

    inst = load_instance(DEMO).with_params({"rounds.count": 2,
                                             "types.institutional.trust_min": 0.6,
                                             "types.platform.trust_min": 0.6})
    diag = diagnose(inst, time_limit=60, max_conflicts=2)
    assert diag.status == "infeasible"
    rules = [m for c in diag.conflicts for m in c.rules]
    assert any(m.rule == "trust_gate" and "trust_min" in m.text for m in rules)
    assert all("(in round " in m.text for m in rules if not m.context)


def test_the_tutorials_ladder():
    """docs/tutorial.md, section 7: with trust_min 0.6 for institutions, a pair without
    history starts as a platform and becomes an institution in round 3."""
    from optimizer.roadmap import ladder

    sol = solve(load_instance(DEMO).with_params({"rounds.count": 3,
                                                 "types.institutional.trust_min": 0.6}))
    check_rounds(sol)
    assert "A–X  platform → platform → institutional" in ladder(sol.roadmap)


def test_rounds_settings_and_trust0_survive_the_workbook(tmp_path):
    """[rounds], trust_min and the trust0 column go into the .xlsx workbook and back."""
    import shutil

    folder = tmp_path / "rt"
    shutil.copytree(DEMO, folder)
    with open(folder / "instance.toml", "a", encoding="utf-8") as f:
        f.write('\n[rounds]\ncount = 3\nlabels = ["2023", "2026", "2029"]\n'
                "\n[types.institutional]\ntrust_min = 0.6\n")
    pairs = pd.read_csv(folder / "pairs.csv")
    pairs["trust0"] = [0.4] + [None] * (len(pairs) - 1)
    pairs.to_csv(folder / "pairs.csv", index=False)
    plans = [solve(load_instance(p)) for p in convert_round_trip(folder, tmp_path)]
    for sol in plans:
        assert sol.instance.params["rounds"]["labels"] == ["2023", "2026", "2029"]
        assert sol.instance.arrays["trust0"].max() == 0.4
        pd.testing.assert_frame_equal(sol.roadmap, plans[0].roadmap)


@pytest.mark.parametrize("method, extra", [
    ("weighted", {}), ("lexicographic", {"first": "equity"}),
    ("lexicographic", {"first": "efficiency"}), ("epsilon", {}),
])
@pytest.mark.parametrize("equity", ["tail", "maxmin"])
def test_every_method_and_equity_measure_over_rounds(method, extra, equity):
    """MODEL-v2 section A under every method and both equity measures, with a soft rule:
    the plan keeps every rule of section A, and its efficiency and equity lie within the
    payoff table."""
    inst = gated(load_instance(DEMO), **{"rounds.count": 2})
    kw = dict(method=method, equity=equity, soft={"access_floor": 50.0}, why=False, **extra)
    if method == "epsilon":
        table = solve(inst, method="weighted", equity=equity, why=False).summary.payoff_table
        kw["eps"] = 0.5 * (table["ideal"]["equity"] + table["nadir"]["equity"])
    sol = solve(inst, **kw)
    assert sol.status == "optimal", sol.summary.message
    check_rounds(sol)
    pt = sol.summary.payoff_table
    assert sol.efficiency <= pt["ideal"]["efficiency"] + 1e-6
    assert sol.equity <= pt["ideal"]["equity"] + 1e-9
    if method == "epsilon":
        assert sol.equity >= kw["eps"] - 1e-7
    assert sol.summary.price_of_fairness is not None


def test_auto_why_counts_a_re_solve_of_n_rounds_n_times(monkeypatch):
    import optimizer.typology as typology

    one = solve(load_instance(DEMO), why=False)
    three = solve(load_instance(DEMO), rounds=3, why=False)
    monkeypatch.setattr(typology, "AUTO_RESOLVES", typology.count_resolves(one))
    assert typology.should_explain(one, "auto")
    assert typology.count_resolves(three) == typology.count_resolves(one)
    assert not typology.should_explain(three, "auto")


def test_a_round_after_the_plan_is_said_in_chinese():
    """``when`` stays data ("5 (after the plan)"); the sentence says it in the language."""
    from optimizer.explain import explain_pair
    from optimizer.i18n import _, use_language
    from optimizer.roadmap import round_sentence

    sol = solve(load_instance(DEMO).with_params({"rounds.count": 2,
                                                 "types.institutional.trust_min": 0.9}))
    first = explain_pair(sol, "A", "X", resolve=False).rounds[0]
    assert first["lacking"][0]["when"] == "5 (after the plan)"
    assert round_sentence(first).endswith("it would qualify in round 5 (after the plan)")
    with use_language("zh"):
        text = round_sentence(first)
        assert text.endswith(_("it would qualify in round {round} (after the plan)").format(
            round=5)) and "after the plan" not in text
