"""The two real instances (instances/guangdong, instances/east-west).

Each is solved once with default settings; the tests check the status, the independent checker,
a few facts that follow from the data, the traceability of every number (provenance.csv), that
build.py reproduces the committed CSVs byte for byte, and that the README results section lists
the pairings of a fresh default solve.
"""

from __future__ import annotations

import csv
import math
import subprocess
import sys
import time
import tomllib

import pytest
from checker import check_solution
from conftest import ROOT

from optimizer import load_instance, solve

INSTANCES = ROOT / "instances"
sys.path.insert(0, str(INSTANCES / "_build"))
import _build_common as BC  # noqa: E402

NAMES = ["guangdong", "east-west"]
OFFICIAL_ROUND = {"guangdong": "2023", "east-west": "2021"}
GENERATED = ["partners.csv", "recipients.csv", "pairs.csv", "provenance.csv"]


@pytest.fixture(scope="module")
def solved():
    out = {}
    for name in NAMES:
        inst = load_instance(INSTANCES / name)
        t0 = time.perf_counter()
        sol = solve(inst, why=False)  # (no test here reads the reasons' re-solves)
        out[name] = (inst, sol, time.perf_counter() - t0)
    return out


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def is_number(cell: str) -> bool:
    if cell is None or cell.strip() == "":
        return False
    try:
        float(cell)
    except ValueError:
        return False
    return True


# ----------------------------------------------------------------------------- solving

@pytest.mark.parametrize("name", NAMES)
def test_default_solve_is_optimal_and_checked(solved, name):
    inst, sol, secs = solved[name]
    assert sol.summary["status"] == "optimal", sol.summary.get("message")
    check_solution(sol)
    # (its time is measured in bench/real_instances.py, against the demo's in one run)
    covered = set(sol.pairings["recipient"].astype(str))
    assert covered == set(inst.recipients.index.astype(str)), "every recipient has a partner"


@pytest.mark.parametrize("name", NAMES)
def test_types_follow_political_potential(solved, name):
    """Platform needs pot >= 0.3 in both instances: undocumented pairs are projects only."""
    inst, sol, _ = solved[name]
    assert inst.params["types"]["platform"]["pot_min"] == pytest.approx(0.3)
    for r in sol.pairings.itertuples(index=False):
        if r.pot < 0.3:
            assert r.type == "project", (r.partner, r.recipient)


def test_guangdong_facts(solved):
    inst, sol, _ = solved["guangdong"]
    pairs = read_rows(INSTANCES / "guangdong" / "pairs.csv")
    mandated = {(p["partner"], p["recipient"]) for p in pairs if float(p["pot"]) == 1.0}
    assert mandated == BC.official_pairs(INSTANCES / "guangdong" / "data" / "pairings.csv", "2023")
    assert len(mandated) == 11 and not any(r == "JY" for _, r in mandated)
    rec = {r["id"]: r for r in read_rows(INSTANCES / "guangdong" / "recipients.csv")}
    # target = provincial GDP / population = 135673.16 / 12706
    assert float(rec["MZ"]["target"]) == pytest.approx(135673.16 / 12706, abs=1e-4)
    # Guangzhou-Qingyuan: mandated (pot 1), nearest pair, highest ben -> institutional
    plan = {(r.partner, r.recipient): r.type for r in sol.pairings.itertuples(index=False)}
    assert plan.get(("GZ", "QY")) == "institutional"
    # Jieyang has no documented 2023 donor, so it can only be served by projects
    assert all(t == "project" for (d, r), t in plan.items() if r == "JY")


def test_east_west_facts(solved):
    inst, sol, _ = solved["east-west"]
    part = {r["id"]: r for r in read_rows(INSTANCES / "east-west" / "partners.csv")}
    assert sum(float(p["supply.funds"]) for p in part.values()) == pytest.approx(228.9, abs=0.01)
    assert sum(float(p["supply.investment"]) for p in part.values()) == pytest.approx(1409, abs=0.01)
    rec = {r["id"]: r for r in read_rows(INSTANCES / "east-west" / "recipients.csv")}
    assert float(rec["NM"]["need.funds"]) == 0  # Inner Mongolia is above the national average
    plan = {(r.partner, r.recipient): r.type for r in sol.pairings.itertuples(index=False)}
    # Beijing-Inner Mongolia: mandated, closest pair, ben 0.69 -> institutional
    assert plan.get(("BJ", "NM")) == "institutional"


# ----------------------------------------------------------------------------- traceability

def toml_numbers(d, prefix=""):
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            yield from toml_numbers(v, key + ".")
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            yield key


@pytest.mark.parametrize("name", NAMES)
def test_every_number_is_traceable(name):
    folder = INSTANCES / name
    with open(folder / "provenance.csv", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == BC.PROV_HEADER
        prov = [dict(zip(BC.PROV_HEADER, r)) for r in reader]
    keys = set()
    for p in prov:
        assert p["file"] in {"partners.csv", "recipients.csv", "pairs.csv", "instance.toml"}, p
        assert p["kind"] in BC.KINDS, p
        assert p["confidence"] in ("high", "medium", "low"), p
        if p["kind"] in ("source", "estimate"):
            assert p["source"].strip(), p
        if p["kind"] == "derivation":
            assert p["formula"].strip() and p["inputs"].strip(), p
        if p["kind"] == "assumption":
            assert (p["formula"] + p["source"]).strip(), p
        keys.add((p["file"], p["row"], p["column"]))
    missing = []
    for fname in ("partners.csv", "recipients.csv", "pairs.csv"):
        for row in read_rows(folder / fname):
            rid = row["id"] if "id" in row else f"{row['partner']},{row['recipient']}"
            for col, cell in row.items():
                if col in ("id", "partner", "recipient") or not is_number(cell):
                    continue
                if (fname, rid, col) not in keys and (fname, "*", col) not in keys:
                    missing.append((fname, rid, col))
    with open(folder / "instance.toml", "rb") as f:
        for key in toml_numbers(tomllib.load(f)):
            if ("instance.toml", "", key) not in keys and ("instance.toml", "*", key) not in keys:
                missing.append(("instance.toml", "", key))
    assert not missing, f"numbers without provenance: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_estimates_are_marked(name):
    """Values marked estimate carry a low or medium confidence and say how they were made."""
    prov = read_rows(INSTANCES / name / "provenance.csv")
    for p in prov:
        if p["kind"] == "estimate":
            assert p["confidence"] in ("low", "medium"), p
            assert p["formula"].strip(), p


# ----------------------------------------------------------------------------- reproducibility

@pytest.mark.parametrize("name", NAMES)
def test_build_reproduces_committed_csvs(name, tmp_path):
    folder = INSTANCES / name
    subprocess.run([sys.executable, str(folder / "build.py"), "--out", str(tmp_path)],
                   check=True, cwd=ROOT)
    for fname in GENERATED:
        assert (tmp_path / fname).read_bytes() == (folder / fname).read_bytes(), fname


@pytest.mark.parametrize("name", NAMES)
def test_readme_lists_the_default_pairings(solved, name):
    _, sol, _ = solved[name]
    text = (INSTANCES / name / "README.md").read_text(encoding="utf-8")
    listed = BC.pairings_in_readme(text)
    fresh = {(str(r.partner), str(r.recipient), r.type)
             for r in sol.pairings.itertuples(index=False)}
    assert listed == fresh
    pof = sol.summary["price_of_fairness"]
    assert pof is not None and math.isfinite(pof)
    assert f"{BC.fmt(100 * pof, 3)} %" in text
