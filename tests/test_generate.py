"""regcollab generate: synthetic instances with the real structure."""

import filecmp

from checker import assert_plan
from click.testing import CliRunner

from optimizer import cli
from optimizer import load_instance, solve


def gen(tmp_path, name, *args):
    out = tmp_path / name
    r = CliRunner().invoke(cli.main, ["generate", "--out", str(out), "--quiet", *map(str, args)])
    assert r.exit_code == 0, r.output
    return out


def test_same_seed_same_files(tmp_path):
    a = gen(tmp_path, "a", "--partners", 12, "--recipients", 20, "--seed", 7)
    b = gen(tmp_path, "b", "--partners", 12, "--recipients", 20, "--seed", 7)
    c = gen(tmp_path, "c", "--partners", 12, "--recipients", 20, "--seed", 8)
    names = ["instance.toml", "partners.csv", "recipients.csv", "pairs.csv"]
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert match == names and not errors
    assert filecmp.cmpfiles(a, c, ["partners.csv"], shallow=False)[1] == ["partners.csv"]


def test_structure(tmp_path):
    inst = load_instance(gen(tmp_path, "g", "--partners", 30, "--recipients", 45,
                             "--resources", 4, "--seed", 1))
    assert len(inst.partners) == 30 and len(inst.recipients) == 45
    assert len(inst.resources) == 4
    assert {"province", "lat", "lon"} <= set(inst.recipients.columns)
    a = inst.arrays
    # every recipient has exactly one mandated partner (pot 1), in its mandated province
    mandated = (a["pot"] == 1.0) & a["allowed"]
    assert (mandated.sum(axis=0) == 1).all()
    # skewed sizes: the largest recipient is several times the smallest
    pop = inst.recipients["population"]
    assert pop.max() > 3 * pop.min()
    assert not inst.warnings


def test_generated_instance_solves(tmp_path):
    inst = load_instance(gen(tmp_path, "s", "--partners", 4, "--recipients", 6,
                             "--resources", 2, "--seed", 3, "--candidates", 2))
    sol = assert_plan(solve(inst, gap=0, why=False))
    assert sol.proven_optimal
    assert (sol.recipients["partners"] >= 1).all()


def test_bad_sizes_exit_2(tmp_path):
    r = CliRunner().invoke(cli.main, ["generate", "--partners", "0", "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and "--partners" in r.output
    assert not (tmp_path / "x").exists()
