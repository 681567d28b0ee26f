"""Decomposition by connected component (optimizer/decompose.py, issue 16).

Two deliberately independent blocks (an instance and a changed copy with renamed ids and no
pair across) check the combination exactly: the decomposed optimum is the sum (efficiency)
or the minimum (maximin equity) of the blocks' own optima, and equals the whole model's.
Generated instances compare the decomposed stage with the whole model within the gap.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer import decompose as dc
from optimizer import load_instance
from optimizer.generate import generate, write_instance
from optimizer.instance.bundled import bundled_instances_dir
from optimizer.model import build_model
from optimizer.verify import clean, violations

EXACT = 1e-6


def _copy_tables(folder: Path) -> dict:
    return {name: pd.read_csv(folder / name) for name in ("partners.csv", "recipients.csv",
                                                           "pairs.csv")}


def _renamed(tables: dict, suffix: str, scale: float = 1.0) -> dict:
    """The tables with every id and name suffixed; the recipients' populations scaled (so
    that the second block is not the first one again)."""
    p, r, q = (tables[n].copy() for n in ("partners.csv", "recipients.csv", "pairs.csv"))
    for t in (p, r):
        t["id"] = t["id"].astype(str) + suffix
        t["name"] = t["name"].astype(str) + suffix
    r["population"] = r["population"] * scale
    q["partner"] = q["partner"].astype(str) + suffix
    q["recipient"] = q["recipient"].astype(str) + suffix
    return {"partners.csv": p, "recipients.csv": r, "pairs.csv": q}


def two_blocks(src: Path, out: Path, scale: float = 1.3) -> tuple[Path, Path, Path]:
    """Folders of block 1, block 2 (a changed, renamed copy) and both as one instance in
    which only the listed (in-block) pairs are allowed."""
    toml = (src / "instance.toml").read_text(encoding="utf-8")
    if not re.search(r"^\[pairs\]", toml, re.M):
        toml += "\n[pairs]\nallowed = false\n"
    a, b = _renamed(_copy_tables(src), "a"), _renamed(_copy_tables(src), "b", scale)
    both = {n: pd.concat([a[n], b[n]], ignore_index=True) for n in a}
    folders = []
    for name, tables in (("a", a), ("b", b), ("both", both)):
        f = out / name
        f.mkdir()
        (f / "instance.toml").write_text(toml, encoding="utf-8")
        for n, t in tables.items():
            t.to_csv(f / n, index=False)
        folders.append(f)
    return tuple(folders)


def whole(am, objective, gap=1e-9):
    lm = am.lm
    return dc.solve_part((dc.sub_model(am, np.arange(lm.n_cols), np.arange(lm.n_rows),
                                       objective), dc._settings(gap, None)))


def eff(am):
    o = am.lm.objectives
    return o["efficiency"] - o["penalty"]


def holds(am, x):
    assert violations(am, clean(am, x)) == []


@pytest.fixture(scope="module")
def demo_blocks(tmp_path_factory):
    return two_blocks(bundled_instances_dir() / "demo", tmp_path_factory.mktemp("demo2"))


def test_two_blocks_are_two_parts(demo_blocks):
    am = build_model(load_instance(demo_blocks[2]))
    d = dc.components(am)
    assert len(d.parts) == 2 and d.graph_components == 2
    assert sorted(len(p.partners) for p in d.parts) == [2, 2]
    assert sorted(len(p.recipients) for p in d.parts) == [3, 3]
    assert sum(p.binaries for p in d.parts) == int(am.lm.integer.sum())
    # every column and row is in exactly one part, the rest, or the coupling
    cols = np.concatenate([p.cols for p in d.parts] + [d.rest_cols, d.coupling_cols])
    rows = np.concatenate([p.rows for p in d.parts] + [d.rest_rows, d.coupling_rows])
    assert sorted(cols) == list(range(am.lm.n_cols))
    assert sorted(rows) == list(range(am.lm.n_rows))


def test_efficiency_of_two_blocks_is_the_sum(demo_blocks):
    a, b, both = (build_model(load_instance(f)) for f in demo_blocks)
    ea, eb = whole(a, eff(a)), whole(b, eff(b))
    full = whole(both, eff(both))
    d = dc.max_separable(both, eff(both), gap=1e-9)
    assert d.status == "optimal"
    assert d.objective == pytest.approx(ea.objective + eb.objective, rel=EXACT)
    assert d.objective == pytest.approx(full.objective, rel=EXACT)
    assert d.bound >= d.objective - EXACT
    holds(both, d.x)


def test_maxmin_of_two_blocks_is_the_least(demo_blocks):
    a, b, both = (build_model(load_instance(f)) for f in demo_blocks)
    assert both.inst.params["objective"]["equity"] == "maxmin"
    qa, qb = (whole(m, m.lm.objectives["equity"]) for m in (a, b))
    assert abs(qa.objective - qb.objective) > 1e-3  # the blocks differ
    full = whole(both, both.lm.objectives["equity"])
    d = dc.max_min_equity(both, gap=1e-9)
    assert d.status == "optimal"
    assert d.objective == pytest.approx(min(qa.objective, qb.objective), rel=EXACT)
    assert d.objective == pytest.approx(full.objective, rel=EXACT)
    assert float(np.min(both.outcomes(d.x))) == pytest.approx(d.objective, rel=EXACT)
    holds(both, d.x)


def test_the_tail_mean_and_soft_rules_are_refused(demo_blocks):
    inst = load_instance(demo_blocks[2])
    tail = build_model(inst.with_params({"objective.equity": "tail", "objective.beta": 0.5}))
    with pytest.raises(dc.NotSeparable):
        dc.max_min_equity(tail)
    soft = build_model(inst.with_params({"balance.soft.access_floor": 10.0}))
    with pytest.raises(dc.NotSeparable):
        dc.max_min_equity(soft)
    with pytest.raises(dc.NotSeparable):  # an objective on the equity level
        dc.max_separable(tail, tail.lm.objectives["equity"])
    d = dc.max_separable(soft, eff(soft), gap=1e-9)  # penalties separate from a sum
    assert d.objective == pytest.approx(whole(soft, eff(soft)).objective, rel=EXACT)


@pytest.fixture(scope="module")
def generated_blocks(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gen2")
    write_instance(generate(4, 8, 2, seed=3), tmp / "g")
    return two_blocks(tmp / "g", tmp, scale=0.8)


@pytest.mark.slow  # 12 s on 2 workers; the two demo blocks check the combination by default
def test_generated_blocks_within_the_gap(generated_blocks, workers=2):
    gap = 1e-6
    both = build_model(load_instance(generated_blocks[2]))
    assert len(dc.components(both).parts) == 2
    full = whole(both, eff(both), gap)
    d = dc.max_separable(both, eff(both), gap=gap, workers=workers)
    assert d.gap <= gap + 1e-12
    assert abs(d.objective - full.objective) <= 2 * gap * abs(full.objective)
    holds(both, d.x)
    mm = build_model(load_instance(generated_blocks[2]).with_params(
        {"objective.equity": "maxmin"}))
    fq = whole(mm, mm.lm.objectives["equity"], gap)
    dq = dc.max_min_equity(mm, gap=gap, workers=workers)
    assert abs(dq.objective - fq.objective) <= 2 * gap * abs(fq.objective)
    holds(mm, dq.x)


@pytest.mark.slow  # 5 s; the two demo blocks and the pipeline tests run by default
def test_generated_20_by_40_within_the_gap(tmp_path):
    """One eastern province: one part (and the equity measure's columns as the rest)."""
    gap = 0.01
    write_instance(generate(20, 40, 2, seed=1), tmp_path / "g")
    am = build_model(load_instance(tmp_path / "g"))
    assert len(dc.components(am).parts) == 1
    full = whole(am, eff(am), gap)
    d = dc.max_separable(am, eff(am), gap=gap)
    assert d.gap <= gap and full.bound >= d.objective - EXACT
    assert d.bound >= full.objective - EXACT
    holds(am, d.x)
    mm = build_model(load_instance(tmp_path / "g").with_params({"objective.equity": "maxmin"}))
    fq = whole(mm, mm.lm.objectives["equity"], gap)
    dq = dc.max_min_equity(mm, gap=gap)
    assert dq.gap <= gap and fq.bound >= dq.objective - EXACT
    assert dq.bound >= fq.objective - EXACT
    holds(mm, dq.x)


def test_maximin_row_second_stage_of_two_blocks(demo_blocks):
    """Efficiency with every outcome held at the maximin level, part by part, equals the
    whole model's (eta's lower bound at the level) and the sum of the blocks' own."""
    a, b, both = (build_model(load_instance(f)) for f in demo_blocks)
    level = dc.max_min_equity(both, gap=1e-9).objective - 1e-7
    lm = both.lm
    eta = lm.col_blocks["eta"].start
    lo = lm.col_lower.copy()
    lo[eta] = level
    full = dc.solve_part((dc.sub_model(both, np.arange(lm.n_cols), np.arange(lm.n_rows),
                                       eff(both), col_lower=lo), dc._settings(1e-9, None)))
    d = dc.max_at_level(both, eff(both), level, gap=1e-9)
    assert d.status == "optimal"
    assert d.objective == pytest.approx(full.objective, rel=EXACT)
    assert float(np.min(both.outcomes(d.x))) >= level - 1e-9
    holds(both, d.x)
    blocks = []
    for m in (a, b):
        e = m.lm.col_blocks["eta"].start
        lo_m = m.lm.col_lower.copy()
        lo_m[e] = level
        blocks.append(dc.solve_part((dc.sub_model(m, np.arange(m.lm.n_cols),
                                                  np.arange(m.lm.n_rows), eff(m),
                                                  col_lower=lo_m), dc._settings(1e-9, None))))
    assert d.objective == pytest.approx(sum(r.objective for r in blocks), rel=EXACT)
    with pytest.raises(dc.NotSeparable):
        dc.max_at_level(both, lm.objectives["equity"], level)


# --------------------------------------------------------------------------- the pipeline
def _close(a, b, rel=1e-6):
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


@pytest.mark.parametrize("kw", [
    {},  # the demo's weighted maximin: the level search over eta with the efficiency term
    {"weight": 0.3},
    {"method": "lexicographic", "first": "equity"},
    {"method": "lexicographic", "first": "efficiency"},
], ids=["weighted", "weighted-0.3", "equity-first", "efficiency-first"])
def test_a_decomposed_run_equals_the_whole_model(demo_blocks, kw):
    """solve(decompose=True) on two independent blocks: the payoff table, E, Q and the
    method's objective equal the whole model's, the plan passes the checker, and the summary
    says how each stage was solved."""
    from checker import check_solution

    from optimizer import solve

    inst = load_instance(demo_blocks[2])
    whole_run = solve(inst, why=False, **kw)
    parts_run = solve(inst, why=False, decompose=True, workers=1, **kw)
    a, b = whole_run.summary, parts_run.summary
    assert b.decomposition is not None and len(b.decomposition["parts"]) == 2
    assert a.decomposition is None
    for row in ("ideal", "nadir"):
        for k in ("efficiency", "equity"):
            assert _close(a.payoff_table[row][k], b.payoff_table[row][k]), (row, k)
    assert _close(a.efficiency, b.efficiency) and _close(a.equity, b.equity)
    assert _close(a.objective, b.objective)
    check_solution(parts_run)
    how = {s["stage"]: s["method"] for s in b.decomposition["stages"]}
    assert how["payoff, efficiency first: first"] == "parts"
    assert how["payoff, equity first: first"] == "level search"
    assert how["payoff, equity first: second"] == "parts at the level held"
    assert b.decomposition["whole"] == []


def test_the_tail_mean_by_the_level_search(demo_blocks):
    """The tail mean (beta |R| = 3 of 6): every stage with eta by the level search, within
    its gap of the whole model."""
    from checker import check_solution

    from optimizer import solve

    inst = load_instance(demo_blocks[2]).with_params({"objective.equity": "tail",
                                                       "objective.beta": 0.5})
    a = solve(inst, why=False).summary
    run = solve(inst, why=False, decompose=True, workers=1)
    b = run.summary
    assert _close(a.payoff_table["ideal"]["equity"], b.payoff_table["ideal"]["equity"], 1e-4)
    assert _close(a.objective, b.objective, 1e-4)
    check_solution(run)


def test_a_row_that_joins_the_parts_is_solved_whole(demo_blocks):
    """epsilon's equity bound sums over every recipient: its stage goes to the whole model,
    and the summary says so."""
    from optimizer import solve

    inst = load_instance(demo_blocks[2])
    a = solve(inst, why=False, method="epsilon", eps=0.3).summary
    b = solve(inst, why=False, method="epsilon", eps=0.3, decompose=True, workers=1).summary
    assert _close(a.objective, b.objective, 1e-5)  # its ranges come from level searches
    assert any("epsilon" in w and "joins the parts" in w for w in b.decomposition["whole"])


def test_decompose_is_refused_where_it_cannot_apply(demo, demo_blocks):
    from optimizer import InputError, solve

    with pytest.raises(InputError, match="one connected part"):
        solve(demo, why=False, decompose=True)
    with pytest.raises(InputError, match="several rounds"):
        solve(load_instance(demo_blocks[2]), why=False, decompose=True, rounds=2)
    with pytest.raises(InputError, match="decompose must be"):
        solve(demo, why=False, decompose="maybe")
    # the default and "auto" on a small model: solved whole, no word about parts
    assert solve(load_instance(demo_blocks[2]), why=False,
                 decompose="auto").summary.decomposition is None


def test_the_command_line_decomposes(demo_blocks):
    import json

    from click.testing import CliRunner

    from optimizer import cli

    r = CliRunner().invoke(cli.main, ["solve", str(demo_blocks[2]), "--decompose", "--no-why",
                                      "--format", "json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)["summary"]
    assert len(summary["decomposition"]["parts"]) == 2
    r = CliRunner().invoke(cli.main, ["solve", "demo", "--decompose", "--quiet"])
    assert r.exit_code == 2 and "one connected part" in r.output


@pytest.mark.slow  # 8 s: a Dask cluster and a pool start (the sweep's Dask test runs by default)
def test_a_dask_cluster_gives_the_local_pools_plan(demo_blocks):
    """The parts solved on a Dask LocalCluster (``executor=client``) and on the local pool
    of two processes: the same plan, the same stage values (issue 16)."""
    distributed = pytest.importorskip("distributed")
    from optimizer import solve

    inst = load_instance(demo_blocks[2])
    local = solve(inst, why=False, decompose=True, workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = solve(inst, why=False, decompose=True, executor=client)
    a, b = local.summary, remote.summary
    assert [s["objective"] for s in a.stages] == [s["objective"] for s in b.stages]
    assert (a.efficiency, a.equity) == (b.efficiency, b.equity)
    cols = ["partner", "recipient", "type"]
    pd.testing.assert_frame_equal(local.pairings[cols].reset_index(drop=True),
                                  remote.pairings[cols].reset_index(drop=True))
    untimed = [[{k: v for k, v in s.items() if k != "seconds"} for s in d["stages"]]
               for d in (a.decomposition, b.decomposition)]
    assert untimed[0] == untimed[1] and len(untimed[0]) >= 4
