"""Infeasibility diagnosis: minimal conflicts in the planner's words, and fixes that work.

Every conflict is checked against the model (its rules alone admit no plan; without any one
of them there is a plan), and every fix the diagnosis proposes is applied to the instance and
solved: it must then have a plan that passes the independent checker.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from checker import check_solution
from click.testing import CliRunner
from conftest import DEMO, ROOT
from tiny import tiny_instance

from optimizer import cli
from optimizer import load_instance, solve
from optimizer.diagnose import Diagnosis, Words, diagnose
from optimizer.model import build_model

GUANGDONG = ROOT / "instances" / "guangdong"


def invoke(*args):
    r = CliRunner().invoke(cli.main, [str(a) for a in args])
    return r.exit_code, r.output


def assert_sound(d: Diagnosis):
    """Each conflict is a real, minimal conflict of the model."""
    assert d.status == "infeasible" and d.conflicts
    for c in d.conflicts:
        assert c.headline and c.rules
        assert all(m.text for m in c.rules)
        if c.method != "epsilon":
            v = d.verify(c)
            assert v == {"conflict": True, "minimal": True}, (c.headline, v)


def plan(inst, **kw):
    sol = solve(inst, gap=0, why=False, **kw)
    assert sol.has_plan, sol.summary.get("message")
    check_solution(sol)
    return sol


def infeasible(inst, **kw):
    return solve(inst, gap=0, why=False, **kw).status == "infeasible"


@pytest.fixture(scope="module")
def meizhou():
    """Guangdong with Meizhou left to Zhuhai alone and alpha 0.5."""
    inst = load_instance(GUANGDONG)
    ch = {f"pairs[{d},MZ].allowed": False for d in ("GZ", "SZ", "FS", "DG")}
    ch["balance.alpha"] = 0.5
    return inst.with_params(ch)


def test_feasible_instance_has_nothing_to_explain(demo):
    d = diagnose(demo)
    assert d.feasible and d.status == "feasible" and not d.conflicts
    assert d.short() == ""
    assert "a plan satisfies every rule" in d.report()


def test_access_floors_against_supply(demo):
    inst = demo.with_params({"balance.alpha": 1.0})
    assert infeasible(inst)
    d = diagnose(inst)
    assert_sound(d)
    assert d.complete and len(d.conflicts) == 1
    c = d.conflicts[0]
    assert c.headline == ("the access floors for funds of Hill County, Lake County and Forest "
                          "County need 190 units together, but the partners that may pair with "
                          "them (Harbour City and Delta City) can send at most 160")
    assert {m.row for m in c.rules} == {"access_floor[X,funds]", "access_floor[Y,funds]",
                                        "access_floor[W,funds]", "supply[A,funds]",
                                        "supply[B,funds]"}
    texts = [f.text for f in c.fixes]
    assert any("lower the access floors above by 30 in all" in t and "--soft access_floor" in t
               for t in texts)
    assert any("raise the supplies above by 30 in all" in t for t in texts)
    # the fixes work: more supply, or a lower alpha, or the rule soft
    plan(inst.with_params({"partners[A].supply.funds": 130}))
    assert infeasible(inst.with_params({"partners[A].supply.funds": 129}))
    alpha = next(s for s in d.suggestions if s.rule == "access_floor")
    assert alpha.setting == "balance.alpha = 0.8421"
    plan(inst.with_params({"balance.alpha": 0.8421}))
    assert infeasible(inst.with_params({"balance.alpha": 0.843}))
    assert any(s.setting == "--soft access_floor" for s in d.suggestions)
    sol = plan(inst, soft="access_floor")
    assert (sol.balance["violation"] > 0).any()


def test_meizhou_example(meizhou):
    """The example of the issue, on the real Guangdong instance."""
    d = diagnose(meizhou)
    assert_sound(d)
    heads = [c.headline for c in d.conflicts]
    assert ("梅州 Meizhou's access floor for talent needs 0.758 units, but the partners that may "
            "pair with 梅州 Meizhou (珠海 Zhuhai) can send at most 0.54") in heads
    c = d.conflicts[heads.index(next(h for h in heads if "for talent" in h))]
    fixes = " | ".join(f.text for f in c.fixes)
    assert "raise 珠海 Zhuhai's supply of talent by 0.218 (to 0.758)" in fixes
    assert "let more partners with supply pair with 梅州 Meizhou" in fixes
    best = next(s for s in d.suggestions if s.rule == "access_floor")
    value = float(best.setting.split("=")[1])
    plan(meizhou.with_params({"balance.alpha": value}))
    assert infeasible(meizhou.with_params({"balance.alpha": value + 0.002}))


def test_coverage_against_candidate_partners(demo):
    inst = demo.with_params({"recipients[X].min_partners": 3})
    d = diagnose(inst)
    assert_sound(d)
    c = d.conflicts[0]
    assert c.headline == ("Hill County must get at least 3 partners, but only 2 may pair with it "
                          "(Harbour City and Delta City)")
    assert any("lower Hill County's min_partners from 3 to 2" in f.text for f in c.fixes)
    assert any("let more partners pair with Hill County" in f.text for f in c.fixes)
    plan(inst.with_params({"recipients[X].min_partners": 2}))


def test_coverage_against_spans():
    inst = load_instance(GUANGDONG).with_params({"recipients[*].min_partners": 2})
    d = diagnose(inst)
    assert_sound(d)
    c = d.conflicts[0]
    assert "may take at most 14 recipients in all (max_partners)" in c.headline
    fix = next(f for f in c.fixes if f.rule == "span_partner")
    changes = {}
    for name, old, new in re.findall(r"(\w+)'s max_partners from (\d+) to (\d+)", fix.text):
        changes[name] = (int(old), int(new))
    ids = {"Guangzhou": "GZ", "Shenzhen": "SZ", "Foshan": "FS", "Dongguan": "DG",
           "Zhuhai": "ZH"}
    assert fix.amount == 10  # 12 recipients x 2 partners - 14 places
    assert sum(new - old for old, new in changes.values()) == 10
    plan(inst.with_params({f"partners[{ids[n]}].max_partners": new
                           for n, (_, new) in changes.items()}))


def test_capacity_balance_against_types(demo):
    inst = demo.with_params({"balance.gamma": 0.9})
    d = diagnose(inst)
    assert_sound(d)
    assert any("the types its partners may take keep at most 0.5 (project 0.2 and platform "
               "0.5), so Forest County could receive nothing" in c.headline for c in d.conflicts)
    g = next(s for s in d.suggestions if s.rule == "capacity")
    value = float(g.setting.split("=")[1])
    assert 0.49 < value <= 0.5
    plan(inst.with_params({"balance.gamma": value}))
    assert infeasible(inst.with_params({"balance.gamma": 0.51}))


def test_outcome_floor(demo):
    inst = demo.with_params({"balance.theta": 1.5})
    d = diagnose(inst)
    assert_sound(d)
    assert len(d.conflicts) == 3 and d.complete
    head = {c.rules[0].entity["recipient"]: c.headline for c in d.conflicts}
    assert head["W"].endswith("raises it to at most 0.55 of its target")
    t = next(s for s in d.suggestions if s.rule == "outcome_floor")
    assert t.setting == "balance.theta = 0.55"
    plan(inst.with_params({"balance.theta": 0.55}))
    assert infeasible(inst.with_params({"balance.theta": 0.56}))


def test_conflict_that_needs_whole_pairings():
    """Feasible as an LP, infeasible as a MILP: minimum scales. The deletion search finds it."""
    inst = tiny_instance(22).with_params({"types.project.min_scale": 20.0,
                                          "types.platform.min_scale": 20.0,
                                          "types.institutional.min_scale": 20.0})
    assert infeasible(inst)
    d = diagnose(inst)
    assert_sound(d)
    c = d.conflicts[0]
    assert c.method == "deletion"
    assert {"coverage", "scale", "span_partner"} <= set(c.rule_kinds)
    plan(inst.with_params({"types.platform.min_scale": 19.0}))  # the fix it proposes
    assert any("types.platform.min_scale from 20 to 19" in f.text for f in c.fixes)


def test_epsilon_bound(demo):
    d = diagnose(demo, method="epsilon", eps=0.9)
    assert d.status == "infeasible" and d.conflicts[0].method == "epsilon"
    assert "the most equity any plan can reach under the rules is 0.55" in d.conflicts[0].headline


def test_soft_rules_are_diagnosed_as_solved(demo):
    inst = demo.with_params({"balance.alpha": 1.0})
    assert diagnose(inst, soft=["access_floor"]).feasible
    assert diagnose(inst, soft="all").feasible


def test_time_limit_gives_unknown(demo):
    d = diagnose(demo.with_params({"balance.alpha": 1.0}), time_limit=1e-6)
    assert d.status in ("unknown", "infeasible")
    assert not d.complete and d.notes


def test_json_is_plain_data(demo):
    d = diagnose(demo.with_params({"balance.alpha": 1.0}))
    data = json.loads(json.dumps(d.as_dict()))
    assert data["status"] == "infeasible" and data["conflicts"][0]["rules"]


def test_row_names_map_back_to_entities():
    """The diagnosis reads rules and entities back from row positions; the model's own names
    must say the same (guards against a change of the row blocks in model.py)."""
    for seed in range(6):
        inst = tiny_instance(seed, theta=0.3, rho=0.5).with_params(
            {"types.project.min_scale": 1.0, "partners[*].max_partners": 2,
             "recipients[*].max_partners": 2, "recipients[R0].min_partners": 1})
        am = build_model(inst)
        w = Words(am)
        names = am.lm.row_names()
        for i, name in enumerate(names):
            block, e = w.row_entity(i)
            ids = w.ids(e)
            if block in ("mean_outcome", "equity"):
                continue
            if block == "link":
                expect = f"link[{ids['partner']},{ids['recipient']},{ids['resource']},{ids['type']}]"
            elif block in ("supply",):
                expect = f"supply[{ids['partner']},{ids['resource']}]"
            elif block in ("absorb", "access_floor"):
                expect = f"{block}[{ids['recipient']},{ids['resource']}]"
            elif block in ("one_type",):
                expect = f"one_type[{ids['partner']},{ids['recipient']}]"
            elif block == "scale":
                expect = f"scale[{ids['partner']},{ids['recipient']},{ids['type']}]"
            elif block == "span_partner":
                expect = f"span_partner[{ids['partner']}]"
            else:
                expect = f"{block}[{ids['recipient']}]"
            assert name == expect, (name, expect)


# ------------------------------------------------------------------------------ CLI
@pytest.fixture()
def alpha1(tmp_path):
    from test_validation import make, replace

    return make(tmp_path, lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpha = 1.0"))


def test_solve_infeasible_prints_the_short_diagnosis(alpha1, tmp_path):
    code, out = invoke("solve", alpha1, "--out", tmp_path / "res")
    assert code == 3
    assert "no plan satisfies" in out
    assert "why: the access floors for funds of Hill County" in out
    assert "to resolve it, any one of:" in out
    assert "lower balance.alpha from 1 to 0.8421" in out
    assert f"regcollab diagnose {alpha1}" in out
    assert "nothing was written" in out and not (tmp_path / "res").exists()
    assert "Traceback" not in out


def test_solve_infeasible_json_keeps_stdout_parseable(alpha1):
    r = CliRunner().invoke(cli.main, ["solve", str(alpha1), "--format", "json", "--quiet"])
    assert r.exit_code == 3
    data = json.loads(r.stdout)
    assert data["summary"]["status"] == "infeasible"
    assert "why:" in r.stderr


def test_diagnose_command(alpha1):
    code, out = invoke("diagnose", alpha1)
    assert code == 3
    assert "Conflict 1: the access floors for funds" in out
    assert "[access_floor[X,funds]]" in out
    assert "For the whole instance:" in out
    code, out = invoke("diagnose", alpha1, "--soft", "access_floor")
    assert code == 0 and "a plan satisfies every rule" in out
    code, out = invoke("diagnose", alpha1, "--format", "json")
    assert code == 3 and json.loads(out)["conflicts"][0]["rules"]
    code, out = invoke("diagnose", DEMO)
    assert code == 0


def test_diagnose_command_time_limit_exit_4(alpha1):
    code, out = invoke("diagnose", alpha1, "--time-limit", "0.000001")
    assert code in (3, 4), out
    assert "time limit" in out


def test_diagnose_epsilon_on_the_command_line():
    code, out = invoke("diagnose", DEMO, "--method", "epsilon", "--eps", "0.9")
    assert code == 3 and "lower --eps (objective.eps) to at most 0.55" in out


def test_fix_amounts_are_consistent_with_a_soft_solve(demo):
    """With the floors soft at a high penalty, the shortfall the plan accepts is the least
    total bending the diagnosis measured."""
    inst = demo.with_params({"balance.alpha": 1.0})
    d = diagnose(inst)
    fix = next(f for f in d.conflicts[0].fixes if f.rule == "access_floor")
    sol = plan(inst, soft={"access_floor": 1e4}, method="lexicographic", first="efficiency")
    short = sol.balance.loc[sol.balance.rule == "access_floor", "violation"].sum()
    assert np.isclose(short, fix.amount, rtol=1e-6)


@pytest.mark.parametrize("route", ["dual ray", "elastic LP"])
def test_large_model_routes_find_the_same_kind_of_conflict(demo, monkeypatch, route):
    """Above IIS_MAX the IIS comes from HiGHS's dual ray (or, failing that, an elastic LP)
    and a deletion filter; the conflicts must be as sound as HiGHS's own IIS."""
    import importlib

    C = importlib.import_module("optimizer.conflicts")
    monkeypatch.setattr(C, "IIS_MAX", 0)
    if route == "elastic LP":
        monkeypatch.setattr(C.ConflictSearch, "ray_support", lambda self, h, chi: [])
    for changes in ({"balance.alpha": 1.0}, {"balance.theta": 1.5},
                    {"recipients[X].min_partners": 3}):
        d = diagnose(demo.with_params(changes))
        assert_sound(d)
        assert all(c.method == "iis" for c in d.conflicts)
    d = diagnose(demo.with_params({"balance.alpha": 1.0}))
    assert d.conflicts[0].headline.startswith("the access floors for funds of Hill County")


def test_participation_has_a_headline_and_a_setting():
    """The participation rule (MODEL-v2 B) is tried for a headline and its return_min is
    suggested, as the balance rules' settings are (tests/test_mechanisms_words.py has the
    conflict itself)."""
    from optimizer.rules import HEADLINE_ORDER, SENTENCE_ORDER, SETTING_ORDER

    assert {"participation"} <= set(HEADLINE_ORDER) & set(SETTING_ORDER) & set(SENTENCE_ORDER)


def test_headlines_and_fixes_in_chinese(demo):
    """The participation headline, the headline of a conflict no rule recognises and the
    scale rule's words (its pair floor, its fix) in Chinese, from the catalog; English as
    before."""
    from optimizer.i18n import _, use_language

    english = re.compile(r"[A-Za-z]{3,}(?:[ ,]+[a-z]{2,}){2,}")  # a phrase, not a name or setting
    inst = demo.with_params({"sharing.levels": [0.25, 0.5], "resources.funds.return_min": 5.0})
    d = diagnose(inst, lang="zh")
    head = d.conflicts[0].headline
    assert "5" in head and "funds" in head and "0.5" in head
    assert not english.search(head.replace("Harbour City", "").replace("Delta City", "")), head
    inst = demo.with_params({"balance.pair_floor": 0.9})
    d, en = diagnose(inst, lang="zh"), diagnose(inst)
    assert en.conflicts[0].headline == "these 17 rules cannot all hold together"
    with use_language("zh"):
        assert d.conflicts[0].headline == _("these {n} rules cannot all hold together").format(
            n=17) != en.conflicts[0].headline
    texts = [m.text for m in d.conflicts[0].rules] + [f.text for f in d.conflicts[0].fixes]
    assert any("balance.pair_floor" in t for t in texts)
    for t in texts:
        assert not english.search(re.sub(r"\b(?:[A-Z]\w+ )?(?:County|City)\b|\([^)]*yuan\)",
                                         "", t)), t
    assert any("balance.pair_floor from 0.9 to 0.5222" in f.text for f in en.conflicts[0].fixes)
