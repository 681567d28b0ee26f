"""The Guangdong variant with income sharing and clusters (issue 15, MODEL-v2 B and C).

Its tables are byte copies of Guangdong's (only the mechanisms differ), its settings are
Guangdong's with the two additions, its plan passes every rule (tests/checker.py) and is the
one its README shows, and each mechanism changes something: the investment return binds a
share level, and both candidate clusters are formed with their min_links.
"""

from __future__ import annotations

import importlib.util
import tomllib

import pytest
from checker import check_solution
from conftest import ROOT

from optimizer import load_instance, solve

GD, GS = ROOT / "instances" / "guangdong", ROOT / "instances" / "guangdong-sharing"


@pytest.mark.parametrize("name", ["partners.csv", "recipients.csv", "pairs.csv"])
def test_the_tables_are_guangdongs(name):
    assert (GS / name).read_bytes() == (GD / name).read_bytes()


def test_the_settings_are_guangdongs_plus_the_mechanisms():
    base = tomllib.loads((GD / "instance.toml").read_text(encoding="utf-8"))
    var = tomllib.loads((GS / "instance.toml").read_text(encoding="utf-8"))
    assert var.pop("sharing")["levels"] == [0.25, 0.5]
    assert var["resources"]["investment"].pop("return_min") == 0.05
    for key in ("name", "description"):
        var.pop(key), base.pop(key)
    assert var == base


def build_module():
    spec = importlib.util.spec_from_file_location("build_sharing",
                                                  GD / "build_sharing.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_plan_keeps_every_rule_and_is_the_readmes():
    sol = solve(load_instance(GS), why=False)
    assert sol.status == "optimal"
    check_solution(sol)
    # participation binds the share levels: some partner needs a positive share
    P = sol.pairings
    assert (P["share"] > 0).any() and (sol.partners["slack"] >= -1e-6).all()
    assert (sol.partners["required"] > 0).all()
    formed = sol.clusters[sol.clusters["formed"]]
    assert set(formed["id"]) == {"TEX_EAST", "GZ_METRO"}
    assert (formed["links"] >= formed["min_links"]).all()
    text = (GS / "README.md").read_text(encoding="utf-8")
    body = text.split("<!-- mechanisms:begin -->\n", 1)[1].split("\n<!-- mechanisms:end -->")[0]
    assert body == build_module().mechanisms_section()
