"""regcollab explain: why a pairing got its type, on pairings of each type and unpaired pairs."""

from __future__ import annotations

import copy
import json
import math

import pytest
from checker import check_solution
from click.testing import CliRunner
from conftest import ROOT

from optimizer import cli
from optimizer import InputError, load_instance, solve
from optimizer.commands.common import color_enabled, paint, render_table, type_style
from optimizer.explain import explain_pair, find_region, parse_pair, planned_resolves
from optimizer.typology import add_type_reasons, eligibility_words

GUANGDONG = ROOT / "instances" / "guangdong"
TOL = 1e-6


def invoke(*args, env=None):
    return CliRunner().invoke(cli.main, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def gd():
    """The Guangdong plan (all three types and unpaired candidates), with typology's reasons."""
    sol = solve(load_instance(GUANGDONG), gap=0, why=False)
    check_solution(sol)
    # typology's re-solves on one pairing of each type (all of them take a few seconds)
    sample = copy.copy(sol)
    sample.pairings = sol.pairings.groupby("type", sort=False).head(1).copy()
    add_type_reasons(sample, resolve=True)
    sol.typology = sample.pairings
    return sol


def first_of_type(sol, t):
    P = sol.typology
    row = P[P["type"] == t].iloc[0]
    return row["partner"], row["recipient"], row


@pytest.mark.parametrize("t", ["project", "platform", "institutional"])
def test_pairing_of_each_type(gd, t):
    d, r, row = first_of_type(gd, t)
    calls = []
    ex = explain_pair(gd, d, r, progress=lambda: calls.append(1))
    assert ex.chosen == t and ex.candidate and t in ex.eligible
    assert len(calls) == planned_resolves(gd, d, r) == len(ex.alternatives)
    # eligibility agrees with typology's words
    ok, _ = eligibility_words(gd.instance, gd.instance.partners.index.get_loc(d),
                              gd.instance.recipients.index.get_loc(r))
    assert ex.eligible == ok
    # the contribution is the pairing's row
    assert ex.contribution["gain"] == pytest.approx(row["gain"])
    assert ex.contribution["value"] == pytest.approx(row["value"])
    # each other eligible type is re-solved; the plan is optimal, so none is better, and the
    # loss is typology's loss_if_<type>
    others = [a for a in ex.alternatives if a.kind == "type"]
    assert sorted(a.type for a in others) == sorted(x for x in ex.eligible if x != t)
    for a in others:
        assert a.loss >= -TOL
        assert a.loss == pytest.approx(row[f"loss_if_{a.type}"], abs=1e-6)
        assert any(f"{t} -> {a.type}" in c for c in a.changes)
    forbid = [a for a in ex.alternatives if a.kind == "forbid"]
    assert len(forbid) == 1 and (forbid[0].loss >= -TOL or forbid[0].status == "infeasible")
    if forbid[0].status != "infeasible":
        assert any(c.startswith("- ") and f"({t})" in c for c in forbid[0].changes)
    assert f"is recommended as {t}" in ex.verdict
    if len(ex.eligible) == 1:
        assert "only eligible type" in ex.verdict
    else:
        assert "the plan is best with it" in ex.verdict


def test_unpaired_candidate(gd):
    P = gd.pairings
    paired = set(zip(P["partner"], P["recipient"]))
    inst = gd.instance
    d, r = next((d, r) for d in inst.partners.index for r in inst.recipients.index
                if (d, r) not in paired)
    ex = explain_pair(gd, d, r)
    assert ex.chosen is None and ex.candidate
    assert [a.kind for a in ex.alternatives] == ["force"] * len(ex.eligible)
    for a in ex.alternatives:
        assert a.status == "infeasible" or a.loss >= -TOL
        if a.status != "infeasible":
            assert any(c.startswith("+ ") and inst.partners.loc[d, "name"] in c
                       for c in a.changes)
    assert "is a candidate" in ex.verdict and "not in the plan" in ex.verdict
    assert ex.contribution == {}


def test_pairs_that_cannot_be_paired(demo):
    inst = demo.with_params({"pairs[A,W].allowed": False,
                             "types.project.pot_min": 0.6})  # B-X: pot 0.2 -> no type
    sol = solve(inst, why=False)
    check_solution(sol)
    ex = explain_pair(sol, "A", "W")
    assert not ex.allowed and not ex.candidate and ex.alternatives == []
    assert "does not allow it" in ex.verdict
    ex = explain_pair(sol, "B", "X")
    assert ex.allowed and not ex.candidate and ex.eligible == []
    assert "meets no type's thresholds" in ex.verdict
    assert all(th["fails"] for th in ex.thresholds)


def test_find_region_by_id_name_or_word(gd):
    inst = gd.instance
    assert find_region(inst.partners, "GZ", "partner") == "GZ"
    assert find_region(inst.partners, "guangzhou", "partner") == "GZ"
    assert find_region(inst.partners, "广州 Guangzhou", "partner") == "GZ"
    assert parse_pair(inst, "Shenzhen:Shanwei") == ("SZ", "SW")
    with pytest.raises(InputError, match="no partner 'Atlantis'"):
        find_region(inst.partners, "Atlantis", "partner")
    with pytest.raises(InputError, match="PARTNER:RECIPIENT"):
        parse_pair(inst, "GZ-QY")


# ------------------------------------------------------------------------------- the command
def test_cli_explain_text(gd):
    d, r, _ = first_of_type(gd, "institutional")
    P = gd.pairings
    paired = set(zip(P["partner"], P["recipient"]))
    inst = gd.instance
    ud, ur = next((d_, r_) for d_ in inst.partners.index for r_ in inst.recipients.index
                  if (d_, r_) not in paired)
    res = invoke("explain", "guangdong", "--pair", f"{d}:{r}", "--pair", f"{ud}:{ur}")
    assert res.exit_code == 0, res.output
    out = res.output
    assert "\x1b[" not in out  # no colour when the output is not a terminal
    for part in ("Eligibility", "needs pot", "What the pairing contributes", "What binds it",
                 "What the alternatives would cost", "without this pairing",
                 "is recommended as institutional", "not paired", "paired as project"):
        assert part in out, part


def test_cli_explain_json():
    res = invoke("explain", "demo", "--pair", "B:Y", "--pair", "A:W", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    by = {(p["partner"], p["recipient"]): p for p in data["pairs"]}
    assert by[("B", "Y")]["chosen"] == "institutional"
    assert by[("A", "W")]["chosen"] is None and by[("A", "W")]["candidate"]
    for p in data["pairs"]:
        for a in p["alternatives"]:
            assert a["loss"] is None or a["loss"] >= -TOL or not math.isfinite(a["loss"])
            assert a["sentence"]


def test_cli_explain_bad_pair():
    res = invoke("explain", "demo", "--pair", "A:Nowhere")
    assert res.exit_code == 2
    assert "there is no recipient 'Nowhere'" in res.output
    res = invoke("explain", "demo")
    assert res.exit_code == 2 and "--pair" in res.output


# ------------------------------------------------------------------------------- colours
class FakeTTY:
    def isatty(self):
        return True


def test_colour_only_on_a_terminal_and_without_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    tty = FakeTTY()
    assert color_enabled(tty)
    assert paint("x", tty, fg="red") != "x" and "\x1b[" in paint("x", tty, fg="red")
    monkeypatch.setenv("NO_COLOR", "1")
    assert not color_enabled(tty) and paint("x", tty, fg="red") == "x"
    monkeypatch.delenv("NO_COLOR")
    import io

    assert not color_enabled(io.StringIO())


def test_table_colours_keep_columns_aligned(monkeypatch):
    from optimizer.commands import terminal

    monkeypatch.setattr(terminal, "color_enabled", lambda stream=None: True)
    text = render_table([["a", "institutional", "1"], ["bb", "project", "22"]],
                        ["x", "type", "n"], right={2}, styles={1: type_style})
    assert "\x1b[" in text
    import re

    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in text.splitlines()]
    assert len({len(line) for line in plain[2:]}) == 1  # rows as wide as each other
    assert plain[2].endswith(" 1") and plain[3].endswith("22")


def test_no_share_words_without_sharing(demo):
    """A plan without [sharing] has no 'why this share' (explain's output as before issue 15),
    and explain needs a pair or a cluster."""
    sol = solve(demo, why=False)
    d, r = sol.pairings["partner"].iat[0], sol.pairings["recipient"].iat[0]
    ex = explain_pair(sol, d, r, resolve=False)
    assert ex.sharing == {} and "sharing" not in ex.as_dict()
    res = invoke("explain", "demo")
    assert res.exit_code == 2 and "--cluster ID" in res.output
    res = invoke("explain", "demo", "--cluster", "G1")
    assert res.exit_code == 2 and "has no clusters" in res.output
