"""Every number an instance can hold, at the ends of its documented range: ``validate`` exits
0 or 2 (with one message), and ``solve`` never fails with an internal error (exit 1), whatever
the solver makes of it (issue 12: a population of 1e-20 or a target of 5e-324 made HiGHS
reject the model).

The cases come from the schema (``optimizer/schema.py``), so a new column or setting is tested
here without being listed."""

from __future__ import annotations

import math

import pytest
from test_validation import make, run_cli

from optimizer.schema import (
    PARAMS,
    RESOURCE_VALUE,
    SOFT_PENALTY,
    TABLES,
    TYPE_PARAMS,
    fmt_limit,
)

RESOURCES = ("funds", "talent")


def _ends(lo, hi, lo_open, integer=False):
    """The documented ends of a range, as values a file can hold."""
    out = []
    if math.isfinite(lo):
        out.append(("min", math.nextafter(lo, math.inf) if lo_open else lo))
    if math.isfinite(hi):
        out.append(("max", hi))
    if integer:
        out = [(w, float(math.ceil(v))) for w, v in out]
    return out


def _csv_cases():
    for table, cols in TABLES.items():
        for col in cols:
            if col.kind not in ("number", "integer"):
                continue
            names = [col.name.format(k=k) for k in RESOURCES] if "{k}" in col.name \
                else [col.name]
            for which, v in _ends(col.lo, col.hi, col.lo_open, col.kind == "integer"):
                for name in names[:1]:
                    yield f"{table}.{name}={which}", (table, name, v)


def _setting_cases():
    for p in PARAMS:
        if p.kind in ("number", "number-or-off", "integer"):
            for which, v in _ends(p.lo, p.hi, p.lo_open, p.kind == "integer"):
                yield f"{p.path}={which}", ("setting", p.path, v)
    for tp in TYPE_PARAMS:
        for which, v in _ends(tp.lo, tp.hi, tp.lo_open):
            yield f"types.platform.{tp.path}={which}", ("setting", f"types.platform.{tp.path}", v)
    for which, v in _ends(RESOURCE_VALUE.lo, RESOURCE_VALUE.hi, RESOURCE_VALUE.lo_open):
        yield f"resources.funds.value={which}", ("setting", "resources.funds.value", v)
    for which, v in _ends(SOFT_PENALTY.lo, SOFT_PENALTY.hi, SOFT_PENALTY.lo_open):
        yield f"balance.soft.access_floor={which}", ("setting", "balance.soft.access_floor", v)


CASES = dict([*_csv_cases(), *_setting_cases()])


def _all_at(which):
    """Every number of the three tables at the same end of its range at once."""
    out = []
    for table, cols in TABLES.items():
        for col in cols:
            # counts of pairings asked for: at their max no plan exists (min_links above a
            # cluster's member pairs is refused on loading)
            if col.kind not in ("number", "integer") or col.name in ("min_partners",
                                                                     "min_links"):
                continue
            ends = dict(_ends(col.lo, col.hi, col.lo_open, col.kind == "integer"))
            if which in ends:
                names = [col.name.format(k=k) for k in RESOURCES] if "{k}" in col.name \
                    else [col.name]
                out += [(table, name, ends[which]) for name in names]
    return out


for _which in ("min", "max"):
    CASES[f"every column at its {_which}"] = ("tables", _all_at(_which), None)


CLUSTERS_CSV = "id,partners,recipients\nG1,A;B,X;Y\nG2,B,W\n"
"""The demo has no clusters.csv: the clusters' columns are set in this one."""


def _set_column(path, column, value, all_rows=True):
    if path.name == "clusters.csv" and not path.exists():
        path.write_text(CLUSTERS_CSV, encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    if column not in header:
        header.append(column)
        lines = [",".join(header)] + [line + "," for line in lines[1:]]
    j = header.index(column)
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        cells = line.split(",")
        if all_rows or i == 0:
            cells[j] = repr(value)
        out.append(",".join(cells))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _set_setting(folder, path, value):
    import tomllib

    toml = folder / "instance.toml"
    raw = tomllib.loads(toml.read_text(encoding="utf-8"))
    section, _, key = path.rpartition(".")
    cur = raw  # set in the parsed settings, and the whole file written again
    for part in section.split(".") if section else []:
        cur = cur.setdefault(part, {})
    cur[key] = value
    toml.write_text(_dump(raw), encoding="utf-8")


def _dump(d, prefix=""):
    """A small TOML writer for the demo's settings (strings, numbers, booleans, tables)."""
    flat, tables = [], []
    for k, v in d.items():
        if isinstance(v, dict):
            tables.append((k, v))
        else:
            flat.append(f"{k} = {_toml_value(v)}")
    out = ([f"[{prefix[:-1]}]"] if prefix and flat else []) + flat
    for k, v in tables:
        out.append(_dump(v, f"{prefix}{k}."))
    return "\n".join(out) + "\n"


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, float):
        return repr(v)
    return str(v)


@pytest.mark.parametrize("case", list(CASES))
def test_documented_ends_never_crash(tmp_path, case):
    where, column, value = CASES[case]

    def edit(d):
        if where == "setting":
            _set_setting(d, column, value)
        elif where == "tables":
            for table, name, v in column:
                _set_column(d / f"{table}.csv", name, v)
        else:
            _set_column(d / f"{where}.csv", column, value)

    inst = make(tmp_path, edit)
    code, out = run_cli("validate", inst)
    assert code in (0, 2), (case, code, out)
    assert "Traceback" not in out and "internal error" not in out, out
    if code == 2:
        assert out.startswith("error: ") and out.count("\n") == 1, out
    # tail (the measure that divides by beta) always; max-min too where it can differ
    both = where == "tables" or (where == "setting" and column.startswith("objective."))
    for equity in ("tail", "maxmin") if both else ("tail",):
        code, out = run_cli("solve", inst, "--quiet", "--no-why", "--time-limit", "20",
                            "--equity", equity)
        assert code in (0, 2, 3, 4), (case, equity, code, out)
        assert "internal error" not in out, out


# Values each within its range that combine into a model the solver cannot take (found by
# an adversarial test and a random search over the ends of the ranges): refused on loading
# with one message, never a RuntimeError from HiGHS or a plan called "unbounded".
COMBINATIONS = {
    "tiny population and target, huge prod (HiGHS rejected the model)": (
        {"population": 1e-6, "target": 1e-6, "prod.funds": 1e9}, {},
        ["recipients.csv", "line 2 (id X)", "prod.funds", "one unit of funds would raise"]),
    "coefficient of 5e9 (HiGHS called the model unbounded)": (
        {"population": 1.0, "target": 0.5, "prod.talent": 1e9}, {},
        ["recipients.csv", "line 2 (id X)", "prod.talent", "above 1e9"]),
    "baseline a billion times the target": (
        {"baseline": 1e9, "target": 1e-6}, {},
        ["recipients.csv", "line 2 (id X)", "could reach", "times its target"]),
    "gains that add up beyond round-off": (
        {"population": 1e10, "target": 1e9, "prod.funds": 1e9, "absorb.funds": 1e12},
        {"supply.funds": 1e12}, ["recipients.csv", "gains of a plan could add up"]),
}


@pytest.mark.parametrize("case", list(COMBINATIONS))
def test_combinations_the_solver_cannot_take_are_refused(tmp_path, case):
    rec, par, fragments = COMBINATIONS[case]

    def edit(d):
        for column, v in rec.items():
            _set_column(d / "recipients.csv", column, v, all_rows=False)
        for column, v in par.items():
            _set_column(d / "partners.csv", column, v)

    inst = make(tmp_path, edit)
    for command in ("validate", "solve"):
        code, out = run_cli(command, inst)
        assert code == 2, (case, out)
        assert out.startswith(f"error: {fragments[0]}") and out.count("\n") == 1, out
        for frag in fragments:
            assert frag in out, (frag, out)


def test_tiny_outcome_coefficients_are_warned_about(tmp_path):
    """People and yuan as units: the solver would drop the outcome coefficients as zero."""
    inst = make(tmp_path, lambda d: (_set_column(d / "recipients.csv", "population", 1e6),
                                     _set_column(d / "recipients.csv", "target", 6e4)))
    code, out = run_cli("validate", inst)
    assert code == 0, out
    assert "as zero" in out and "larger units" in out


def test_the_cases_cover_every_number():
    assert any(c.startswith("recipients.population=min") for c in CASES)
    assert any(c.startswith("recipients.target=min") for c in CASES)
    assert any(c.startswith("balance.theta=max") for c in CASES)
    assert len(CASES) >= 40, len(CASES)
    assert fmt_limit(1e-6) == "1e-6"
