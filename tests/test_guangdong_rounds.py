"""The Guangdong instance's rounds and trust capital (issue 14, MODEL-v2 section A).

trust0 in pairs.csv is recomputed here from data/pairings.csv with the formula the README and
provenance.csv state, and with the instance's own trust_decay and project trust_gain; the
default instance keeps the one-round plan (trust_min 0; tests/test_golden.py holds the plan);
the rounds variant (rounds.toml, as the README's snippet gives it) solves and its roadmap
passes every rule of section A; the backtest hides the real pairings from the model.
"""

from __future__ import annotations

import ast
import csv
import importlib.util
import tomllib

import numpy as np
import pytest
from conftest import ROOT
from test_rounds import check_rounds

from optimizer import load_instance, solve
from optimizer.rounds import settings

GD = ROOT / "instances" / "guangdong"
EARLIER = ["2013", "2017", "2021"]


def backtest_module():
    spec = importlib.util.spec_from_file_location("backtest_rounds",
                                                  ROOT / "bench" / "backtest_rounds.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_trust0_is_the_documented_formula_over_the_earlier_rounds():
    inst = load_instance(GD)
    decay = settings(inst.params)["trust_decay"]
    gain = inst.arrays["trust_gain"][list(inst.types).index("project")]
    with open(GD / "data" / "pairings.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    paired = {(r["partner"], r["recipient"], r["round"]) for r in rows}
    D, R = list(inst.partners.index), list(inst.recipients.index)
    expected = np.zeros((len(D), len(R)))
    for i, d in enumerate(D):
        for j, r in enumerate(R):
            trust = 0.0
            for label in EARLIER:
                trust = (1 - decay) * trust + (gain if (d, r, label) in paired else 0.0)
            expected[i, j] = trust
    np.testing.assert_allclose(inst.arrays["trust0"], expected, atol=5e-5)
    assert int((expected > 0).sum()) == 9
    assert inst.arrays["trust0"][D.index("GZ"), R.index("MZ")] == pytest.approx(0.375)


def test_the_default_instance_gates_nothing():
    """trust_min stays 0 and one round is planned: trust0 cannot change the default plan."""
    inst = load_instance(GD)
    assert not np.any(inst.arrays["trust_min"])
    assert settings(inst.params)["count"] == 1


def readme_changes() -> dict:
    text = (GD / "README.md").read_text(encoding="utf-8")
    literal = text.split("changes = ", 1)[1].split("  # rounds.toml", 1)[0]
    return ast.literal_eval(literal)


def test_the_readme_snippet_applies_rounds_toml():
    with open(GD / "rounds.toml", "rb") as f:
        variant = tomllib.load(f)
    assert readme_changes() == backtest_module().flat(variant)
    assert readme_changes() == backtest_module().variant_changes()


def test_the_backtest_hides_the_real_pairings():
    bt = backtest_module()
    base = load_instance(GD)
    inst = base.with_params(bt.backtest_changes(base))
    a = inst.arrays
    assert np.all(a["trust0"] == 0)
    assert np.all(a["pot"][a["allowed"]] == 1.0)
    assert settings(inst.params)["labels"] == ["2013", "2017", "2021"]
    real = bt.real_pairs(set(base.partners.index))
    assert real["2013"] == {("GZ", "MZ"), ("GZ", "QY"), ("SZ", "HY"), ("SZ", "SW"),
                            ("ZH", "YJ"), ("FS", "YF"), ("DG", "SG")}


@pytest.mark.slow
def test_the_rounds_variant_climbs_the_ladder_as_the_readme_shows():
    sol = solve(load_instance(GD).with_params(readme_changes()), why=False)
    assert sol.status == "optimal"
    check_rounds(sol)
    road = sol.roadmap
    assert list(road["round_label"].unique()) == ["2023", "2026", "2029"]
    # no institutional pairing in 2023: no pair has earned 0.6 before it
    assert "institutional" not in set(road[road["round"] == 1]["type"])
    # the README's roadmap table is this plan's
    text = (GD / "README.md").read_text(encoding="utf-8")
    body = text.split("<!-- roadmap:begin -->", 1)[1].split("<!-- roadmap:end -->", 1)[0]
    listed = {tuple(c.strip() for c in line.strip("|").split("|")[:5])
              for line in body.splitlines() if line.startswith("| ") and "partner" not in line}
    fresh = {(d, r, *[t or "-" for t in g.sort_values("round")["type"]])
             for (d, r), g in road.groupby(["partner", "recipient"])}
    assert listed == fresh
