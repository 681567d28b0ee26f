"""The planner's words and pictures for income sharing and virtual industrial clusters
(MODEL-v2 sections B and C, issue 15): explain (why this share; why a cluster was or was not
formed), the participation rule's shadow price, the diagnosis of a participation conflict, the
report's sections and the results workbook's sheets.

The demo instance with sharing levels 0 / 0.25 / 0.5 and a return of 1 required per unit of
value of funds (``shared``): participation binds for both partners (their credited shares just
cover what they require), and with two candidate clusters G1 (A, B with X, Y; setup 1) and G2
(B with W; setup 500, more than any synergy it could bring), G1 is formed and G2 is not. The
clusters are given as a table (reading clusters.csv from a folder is another change)."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT
from sensitivity_checks import check_rhs_prices

import optimizer
from optimizer import cli, solve
from optimizer.diagnose import diagnose
from optimizer.explain import explain_pair, share_sentence
from optimizer.explain_cluster import explain_cluster, find_cluster
from optimizer.instance.bundled import load_instance
from optimizer.sensitivity import held_problem, held_value

TOL = 1e-6
SHARING = {"sharing.levels": [0.25, 0.5], "resources.funds.return_min": 1.0}


def with_clusters(inst, setup2=500.0, min_links1=1):
    cl = pd.DataFrame({"name": ["C1", "C2"], "partners": [("A", "B"), ("B",)],
                       "recipients": [("X", "Y"), ("W",)], "setup": [1.0, setup2],
                       "synergy": [0.2, 0.1], "min_links": [min_links1, 1]},
                      index=pd.Index(["G1", "G2"], name="id"))
    return dataclasses.replace(inst, clusters=cl)


@pytest.fixture(scope="module")
def shared_inst():
    return with_clusters(load_instance("demo")).with_params(SHARING)


@pytest.fixture(scope="module")
def shared(shared_inst):
    sol = solve(shared_inst)
    assert sol.status == "optimal"
    return sol


# ------------------------------------------------------------------------------ explain: shares
def test_why_this_share_when_participation_binds(shared):
    """Harbour City requires 1 x the value it sends (43.2) and its only sharing pairing, with
    Hill County (gain 86.4), is credited 0.5 of it: exactly what it requires, so 0.5 is the least
    share, and neither 0 nor 0.25 would keep it taking part."""
    ex = explain_pair(shared, "A", "X")
    sh = ex.sharing
    assert sh["level"] == 0.5 and sh["least_level"] == 0.5
    assert sh["credited"] == pytest.approx(43.2) and sh["required"] == pytest.approx(43.2)
    assert sh["gain"] == pytest.approx(86.4) and sh["needed_here"] == pytest.approx(43.2)
    assert [lo["level"] for lo in sh["lower"]] == [0.0, 0.25]
    assert not any(lo["keeps_participation"] for lo in sh["lower"])
    # a lower share gives the recipient back (level - lower) x the gain
    assert sh["lower"][1]["recipient_gain"] == pytest.approx(0.25 * 86.4)
    words = share_sentence(ex)
    assert "least share that keeps it taking part" in words
    assert "would not take part" in words and "Hill County would keep 21.6 more" in words
    assert sh["least_alternative"] is None  # nothing lower to re-solve
    d = ex.as_dict()
    assert d["sharing"]["least_level"] == 0.5
    json.dumps(d, default=str)


def test_share_facts_agree_with_the_plan(shared):
    """For every pairing of a sharing type: the least level is at most the chosen one and is
    the least level whose credit covers what the pairing must credit; a pairing not of a
    sharing type (a project) has no share words."""
    P = shared.pairings
    seen = 0
    for d, r, share in zip(P["partner"], P["recipient"], P["share"]):
        ex = explain_pair(shared, d, r, resolve=False)
        if not np.isfinite(share):
            assert ex.sharing == {} and share_sentence(ex) == ""
            continue
        seen += 1
        sh = ex.sharing
        assert sh["least_level"] is not None and sh["least_level"] <= sh["level"] + TOL
        need = sh["needed_here"]
        assert sh["least_level"] * sh["gain"] >= need - TOL
        for lo in sh["lower"]:
            assert lo["keeps_participation"] == (lo["level"] * sh["gain"] >= need - TOL)
    assert seen >= 2


def test_a_share_above_the_least_is_re_solved():
    """With a small return_min (0.05) the least share that keeps a partner taking part can be
    below the one chosen: explain re-solves at the least one, and the plan, being optimal, is
    at least as good."""
    inst = load_instance("demo").with_params({"sharing.levels": [0.25, 0.5],
                                              "resources.funds.return_min": 0.05})
    sol = solve(inst)
    found = 0
    for d, r in zip(sol.pairings["partner"], sol.pairings["recipient"]):
        sh = explain_pair(sol, d, r).sharing
        if sh and sh["least_level"] is not None and sh["least_level"] < sh["level"] - TOL:
            alt = sh["least_alternative"]
            assert alt is not None and alt.status == "optimal" and alt.loss >= -1e-6
            found += 1
    if not found:
        pytest.skip("every share chosen is already the least")


# ---------------------------------------------------------------------------- explain: clusters
def test_a_formed_cluster(shared):
    ex = explain_cluster(shared, find_cluster(shared.instance, "G1"))
    assert ex.formed and ex.links >= ex.min_links == 1
    assert ex.synergy_gain > ex.setup == 1.0
    assert ex.potential_gain == pytest.approx(ex.synergy_gain)
    assert ex.alternative.kind == "forbid" and ex.alternative.status == "optimal"
    assert ex.alternative.loss >= -1e-6 and ex.alternative.d_efficiency < 0
    assert "is formed" in ex.verdict and "Without it" in ex.verdict
    assert "stop paying for itself at a setup above" in ex.verdict


def test_a_cluster_whose_setup_exceeds_its_synergy_is_not_formed(shared):
    """G2's setup (500) is more than its members' flows could gain: not formed; forcing it
    costs efficiency about setup - synergy."""
    g = find_cluster(shared.instance, "c2")  # by name, any case
    ex = explain_cluster(shared, g)
    assert not ex.formed and ex.synergy_gain == 0
    assert 0 < ex.potential_gain < ex.setup
    assert "not formed although" in ex.verdict and "setup below" in ex.verdict
    alt = ex.alternative
    assert alt.kind == "force" and alt.loss > 0 and alt.d_efficiency < 0
    json.dumps(ex.as_dict(), default=str)


def test_a_cluster_that_lacks_links():
    """G1 needing 5 links among 2 partners and 2 recipients (at most 4 pairs) is never formed:
    explain says how many links it lacks, and forcing it leaves no plan."""
    inst = with_clusters(load_instance("demo"), min_links1=5).with_params(SHARING)
    sol = solve(inst)
    ex = explain_cluster(sol, 0)
    assert not ex.formed
    assert "lacks" in ex.verdict and f"{ex.min_links - ex.links} link" in ex.verdict
    assert ex.alternative.status == "infeasible"
    assert "no plan would satisfy the rules" in ex.verdict


def test_find_cluster_errors(shared):
    with pytest.raises(optimizer.InputError, match="no cluster 'G9'"):
        find_cluster(shared.instance, "G9")
    with pytest.raises(optimizer.InputError, match="has no clusters"):
        find_cluster(load_instance("demo"), "G1")


@pytest.fixture
def patched_load(monkeypatch, shared_inst):
    monkeypatch.setattr(optimizer, "load_instance", lambda path=None: shared_inst)


def test_cli_explain_cluster_and_share(patched_load):
    r = CliRunner().invoke(cli.main, ["explain", "demo", "--pair", "A:X", "--cluster", "G2"])
    assert r.exit_code == 0, r.output
    assert "Why this share" in r.output and "least share" in r.output
    assert "Cluster C2 (G2): not formed" in r.output
    assert "with the cluster formed: the objective would drop by" in r.output
    r = CliRunner().invoke(cli.main, ["explain", "demo", "--cluster", "G1", "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["pairs"] == [] and out["clusters"][0]["id"] == "G1"
    assert out["clusters"][0]["formed"] is True
    r = CliRunner().invoke(cli.main, ["explain", "demo", "--cluster", "nope"])
    assert r.exit_code == 2 and "no cluster 'nope'" in r.output


# ------------------------------------------------------------------------------- sensitivity
def test_participation_shadow_price(shared, shared_inst):
    """Both partners' participation binds: each has a row with a negative price (one unit
    more of return required costs), in the rule's words, and the sum of price x value sent is
    the slope of the held objective in return_min (a finite difference)."""
    rep = shared.sensitivity()
    c = rep.constraints[rep.constraints["rule"] == "participation"].set_index("entity")
    assert set(c.index) == {"A", "B"}
    assert (c["shadow_price"] < 0).all() and c["binding"].all()
    assert c.loc["A", "meaning"].startswith("one unit more of return required by Harbour City "
                                            "lowers the objective by")
    parts = shared.partners.set_index("partner")
    slope = sum(c.loc[d, "shadow_price"] * parts.loc[d, "required"] / 1.0 for d in "AB")
    h = 1e-3
    up = held_value(shared, shared_inst.with_params({"resources.funds.return_min": 1.0 + h}))
    dn = held_value(shared, shared_inst.with_params({"resources.funds.return_min": 1.0 - h}))
    assert (up - dn) / (2 * h) == pytest.approx(slope, rel=1e-5)
    assert check_rhs_prices(rep) >= 2


def test_share_and_cluster_binaries_are_held(shared):
    """The held LP fixes every binary of the plan, the w and c columns as the z columns."""
    held = held_problem(shared)
    lo, hi = np.asarray(held.lp.col_lower_), np.asarray(held.lp.col_upper_)
    am = shared.model
    cols = am.binary_columns
    assert np.array_equal(lo[cols], hi[cols])
    assert np.array_equal(lo[cols], np.round(shared.x[cols]))
    assert len(cols) > am.z.stop - am.z.start  # w and c are among them


# --------------------------------------------------------------------------------- diagnosis
def test_diagnosis_of_a_return_no_share_can_pay():
    """A return of 5 per unit of funds: a unit of funds brings at most 1.2 even at the highest
    share (0.5 of a gain of 2.4 per unit), and the access floors need funds: no plan. The
    diagnosis says so, and suggests the largest return_min with a plan and --soft
    participation; both leave a plan."""
    inst = load_instance("demo").with_params({"sharing.levels": [0.25, 0.5],
                                              "resources.funds.return_min": 5.0})
    assert solve(inst).status == "infeasible"
    d = diagnose(inst)
    assert d.status == "infeasible"
    head = d.conflicts[0].headline
    assert "require a return of 5 per unit of value of funds" in head
    assert "highest share level (0.5)" in head
    settings = {f.setting for f in d.suggestions if f.setting}
    best = [s for s in settings if s.startswith("resources.funds.return_min = ")]
    assert best and any("--soft participation" in s for s in settings)
    value = float(best[0].split("=")[1])
    assert 0 < value < 5
    assert solve(inst.with_params({"resources.funds.return_min": value})).status == "optimal"
    assert diagnose(inst, soft=["participation"]).feasible
    assert solve(inst, soft="participation", why=False).has_plan
    fixes = [f for c in d.conflicts for f in c.fixes]
    assert any(f.setting == "--soft participation" or "--soft participation" in f.text
               for f in fixes)


def test_cli_diagnose_participation(tmp_path):
    inst = tmp_path / "inst"
    shutil.copytree(ROOT / "instances" / "demo", inst)
    toml = inst / "instance.toml"
    text = toml.read_text(encoding="utf-8").replace("[resources.funds]\n",
                                                     "[resources.funds]\nreturn_min = 5.0\n")
    toml.write_text(text + "\n[sharing]\nlevels = [0.25, 0.5]\n", encoding="utf-8")
    r = CliRunner().invoke(cli.main, ["diagnose", str(inst)])
    assert r.exit_code == 3, r.output
    assert "require a return of 5 per unit of value of funds" in r.output
    assert "lower resources.funds.return_min from 5 to" in r.output
    assert "--soft participation" in r.output


# ------------------------------------------------------------------------ report and workbook
@pytest.fixture(scope="module")
def folder(shared, tmp_path_factory):
    out = tmp_path_factory.mktemp("mech") / "out"
    shared.write(out)
    return out


def test_report_from_a_folder_shows_sharing_and_clusters(folder):
    pytest.importorskip("matplotlib")
    pytest.importorskip("jinja2")
    r = CliRunner().invoke(cli.main, ["report", str(folder), "--no-xlsx"])
    assert r.exit_code == 0, r.output
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert '<h2 id="sharing">' in html and '<h2 id="clusters">' in html
    assert '<a href="#sharing">Income sharing</a><a href="#clusters">Clusters</a>' in html
    sharing = html[html.index('id="sharing"'):html.index('id="clusters"')]
    assert "Harbour City" in sharing and "return required" in sharing
    assert sharing.count("data:image/png;base64,") == 1  # the partners' figure
    assert "The shares of the pairings" in sharing and "0.5" in sharing
    clusters = html[html.index('id="clusters"'):html.index('id="outcomes"')]
    assert clusters.count("data:image/png;base64,") == 1
    assert "The plan forms 1 of 2 candidate clusters" in clusters
    assert "A;B" in clusters and "X;Y" in clusters


def test_report_without_them_has_no_such_section(demo, tmp_path):
    pytest.importorskip("matplotlib")
    from optimizer.report import Results, build_html

    sol = solve(load_instance("demo"))
    res = Results.from_files(tmp_path, sol.result_files(False))
    assert res.partners is None and res.clusters is None
    html = build_html(res)
    assert 'id="sharing"' not in html and 'id="clusters"' not in html


def test_workbook_has_partners_and_clusters_sheets(folder):
    openpyxl = pytest.importorskip("openpyxl")
    from optimizer.workbook import write_results_workbook

    path = write_results_workbook(folder)
    wb = openpyxl.load_workbook(path)
    names = wb.sheetnames
    assert names.index("partners") < names.index("clusters") < names.index("Answer Report")
    heads = [c.value for c in wb["partners"][1]]
    assert heads[:4] == ["partner", "name", "sent_value", "required"]
    rows = list(wb["clusters"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["G1", "G2"] and rows[0][2] is True
    sens = [r for r in wb["Sensitivity Report"].iter_rows(values_only=True)
            if r and str(r[0]).startswith("participation[")]
    assert {r[1] for r in sens} == {"Harbour City participation (return)",
                                    "Delta City participation (return)"}


# --------------------------------------------------------------------- price of participation
def test_price_of_participation(shared, shared_inst, folder):
    """With the why re-solves (auto on the demo) the summary has the same problem's
    efficiency and equity without sharing and without any return required (one more solve),
    and the report's trade-off section says how participation moves them; without the
    re-solves it is not computed, and the report says how to get it."""
    w = shared.summary.sharing["without"]
    plain = solve(with_clusters(load_instance("demo")))  # the clusters stay
    assert w["status"] == "optimal"
    assert w["efficiency"] == pytest.approx(plain.efficiency)
    assert w["equity"] == pytest.approx(plain.equity)
    assert "without" not in solve(shared_inst, why=False).summary.sharing
    assert "without" not in (plain.summary.sharing or {})
    pytest.importorskip("jinja2")
    from optimizer.report import load_results
    from optimizer.report.mechanisms import participation

    text = participation(load_results(folder))["text"]
    assert "Participation moves efficiency by" in text
    from optimizer.report import build_html

    html = build_html(load_results(folder))
    assert '<h3 id="participation">The price of participation</h3>' in html
    res = load_results(folder)
    res.summary = {**res.summary, "sharing": {k: v for k, v in res.summary["sharing"].items()
                                              if k != "without"}}
    assert participation(res) == {"text": None}
