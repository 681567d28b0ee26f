"""The ``types`` column of pairs.csv (issue 17): the collaboration types a pair may take.

A listed type must be a type of the instance; a pair takes only a type its cell lists (or
none), ``fixed`` with one type forces it; the checker verifies the restriction from the
tables alone, and the why/explain texts name it. An instance without the column is as before
(``test_golden.py``).
"""

from __future__ import annotations

import dataclasses
import shutil

import pandas as pd
import pytest
from checker import check_rounds, check_solution
from conftest import DEMO, convert_round_trip

from optimizer import load_instance, solve
from optimizer.errors import InstanceError
from optimizer.explain import explain_pair


@pytest.fixture(scope="module")
def demo():
    return load_instance(DEMO)


@pytest.fixture(scope="module")
def base(demo):
    return solve(demo, why=False)


def plan_types(sol) -> dict:
    P = sol.pairings
    return dict(zip(zip(P["partner"], P["recipient"]), P["type"]))


def eligible(inst, d, r) -> list[str]:
    a = inst.arrays
    i, j = inst.partners.index.get_loc(d), inst.recipients.index.get_loc(r)
    return [t for t, ok in zip(inst.types, a["eligible"][i, j]) if ok]


def test_an_instance_without_the_column_reads_as_before(demo):
    assert "types" not in demo.pairs and demo.listed_types == {}


def test_a_pair_restricted_to_one_type_takes_it_or_none(demo, base):
    """Every paired pair of the demo plan, restricted to each of its eligible types in turn:
    the new plan gives it that type or leaves it out, and passes the checker."""
    switched = 0
    for (d, r), chosen in plan_types(base).items():
        for t in eligible(demo, d, r):
            sol = solve(demo.with_params({f"pairs[{d},{r}].types": t}), why=False)
            if not sol.has_plan:  # the demo is tight: some types leave no plan at all
                assert sol.summary["status"] == "infeasible"
                continue
            check_solution(sol)
            assert plan_types(sol).get((d, r), t) == t, (d, r, t)
            assert eligible(sol.instance, d, r) == [t]
            switched += plan_types(sol).get((d, r)) == t != chosen
    assert switched  # the restriction changed some plan, not only kept the chosen type


def test_forcing_a_type_with_fixed_gives_exactly_it(demo):
    for t in eligible(demo, "B", "Y"):
        sol = solve(demo.with_params({"pairs[B,Y].fixed": True, "pairs[B,Y].types": t}),
                    why=False)
        check_solution(sol)
        assert plan_types(sol)[("B", "Y")] == t


def test_forbidding_a_type_by_listing_the_others(demo, base):
    d, r = "A", "X"
    used = plan_types(base)[(d, r)]
    others = [t for t in demo.types if t != used]
    sol = solve(demo.with_params({f"pairs[{d},{r}].types": ";".join(others)}), why=False)
    check_solution(sol)
    assert plan_types(sol).get((d, r)) != used
    assert used not in eligible(sol.instance, d, r)


def test_the_checker_catches_a_plan_breaking_the_restriction(demo, base):
    (d, r), used = next(iter(plan_types(base).items()))
    other = next(t for t in demo.types if t != used)
    restricted = demo.with_params({f"pairs[{d},{r}].types": other})
    with pytest.raises(AssertionError, match=f"{d}-{r} takes {used}, which its types"):
        check_solution(dataclasses.replace(base, instance=restricted))


def test_rounds_keep_the_restriction(demo):
    sol = solve(demo.with_params({"rounds.count": 2, "pairs[A,X].types": "platform"}),
                why=False)
    check_rounds(sol)
    road = sol.roadmap
    held = road[(road["partner"] == "A") & (road["recipient"] == "X")]["type"]
    assert set(held) <= {"platform", ""} and "platform" in set(held)


def test_the_why_and_explain_texts_name_the_restriction(demo):
    sol = solve(demo.with_params({"pairs[A,X].types": "project;platform"}), why=True)
    row = sol.pairings[(sol.pairings["partner"] == "A") & (sol.pairings["recipient"] == "X")]
    assert "institutional not eligible (not allowed by pairs.csv types)" in row["reason"].iat[0]
    assert '"institutional": "not eligible"' in row["alternatives"].iat[0]
    sol = solve(demo.with_params({"pairs[A,W].types": "institutional"}), why=False)
    ex = explain_pair(sol, "A", "W", resolve=False)
    assert not ex.candidate
    assert "not allowed by its pairs.csv types" in ex.verdict
    assert "institutional needs pot >= 0.60" in ex.verdict and "project needs" not in ex.verdict


@pytest.mark.parametrize("value, words", [
    ("plattform", ["'pairs[A,X].types'", "'plattform' is not a collaboration type",
                   "did you mean 'platform'?"]),
    ("project;regional", ["'regional'", "types: project, platform, institutional"]),
])
def test_a_bad_types_change_is_named_as_the_change(demo, value, words):
    with pytest.raises(InstanceError) as err:
        demo.with_params({"pairs[A,X].types": value})
    for w in words:
        assert w in str(err.value)


def test_a_types_cell_is_kept_in_the_order_of_types_and_through_with_tables(demo):
    inst = demo.with_params({"pairs[A,X].types": " institutional ; project;project"})
    assert inst.pairs.loc[("A", "X"), "types"] == "project;institutional"
    again = inst.with_tables(pairs=inst.pairs)
    pd.testing.assert_series_equal(again.pairs["types"], inst.pairs["types"])
    pairs = inst.pairs.copy()
    pairs["types"] = pairs["types"].astype(object)
    pairs.loc[("B", "X"), "types"] = "platfrom"
    with pytest.raises(InstanceError, match="did you mean 'platform'") as err:
        inst.with_tables(pairs=pairs)
    assert err.value.column == "types"


def test_a_fixed_pair_whose_types_leave_no_type_is_refused(demo):
    with pytest.raises(InstanceError, match="types column allows only institutional"):
        demo.with_params({"pairs[A,W].fixed": True, "pairs[A,W].types": "institutional"})


def test_the_workbook_keeps_the_column(tmp_path):
    folder = tmp_path / "rt"
    shutil.copytree(DEMO, folder)
    pairs = pd.read_csv(folder / "pairs.csv")
    pairs["types"] = ["platform", "", "project", "", "project;institutional", ""]
    pairs.to_csv(folder / "pairs.csv", index=False)
    insts = [load_instance(p) for p in convert_round_trip(folder, tmp_path)]
    assert insts[0].listed_types == {(0, 0): ("platform",), (0, 2): ("project",),
                                     (1, 1): ("project", "institutional")}
    for inst in insts[1:]:
        assert inst.listed_types == insts[0].listed_types
    plans = [plan_types(solve(inst, why=False)) for inst in insts]
    assert plans[0][("A", "X")] == "platform"
    assert plans[1] == plans[0] and plans[2] == plans[0]


def test_robustness_draws_keep_the_restriction(demo):
    """The robustness analysis rebuilds the pairs table (``all_pairs``) for each draw of
    pot, ben or comp: the types cells go with it."""
    from optimizer.robustness import perturbed

    inst = demo.with_params({"pairs[A,X].types": "platform"})
    drawn = perturbed(inst, {"ben": 0.9})
    assert drawn.listed_types == inst.listed_types
    assert drawn.arrays["ben"][0, 0] == pytest.approx(0.63)


def test_a_recipient_left_without_a_type_is_warned_about(demo):
    """W's pairs restricted to types they do not reach: W can get no partner (a warning;
    the plan is then infeasible, as its coverage rule asks for one)."""
    inst = demo.with_params({"pairs[A,W].types": "institutional",
                             "pairs[B,W].types": "institutional"})
    words = " ".join(inst.warnings)
    assert "has no partner that may pair with it" in words
    assert "every type its types column allows" in words
    assert ("2 pairs are allowed in pairs.csv but below the thresholds of every type their "
            "types column allows, so they can never be chosen: A-W, B-W") in words
