"""Fuzzing with hypothesis: random small instances, degenerate ones included.

- Every instance either solves, and then passes the independent checker, or fails cleanly:
  an ``InstanceError`` on loading, or the status ``infeasible``, which the diagnosis then
  explains with conflicts that really are minimal conflicts of the model.
- The loader never fails with anything but an ``InstanceError``, whatever the bytes.
- Properties of the optimum (``gap=0``): more supply never lowers the best efficiency; a
  looser balance rule never lowers the ideal efficiency nor the ideal equity; relabelling
  regions (permuting rows, renaming ids) changes no optimal value.

The default run is bounded (a fixed, derandomised set of examples; about 20 s). For a long
local run set ``REGCOLLAB_FUZZ`` to a multiplier of the example counts, e.g.
``REGCOLLAB_FUZZ=50 python -m pytest tests/test_fuzz.py --hypothesis-show-statistics``
(random examples, failures saved in ``.hypothesis/`` and replayed first next time); see
docs/testing.md.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import pandas as pd
from checker import check_solution
from conftest import DEMO
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from optimizer import Instance, InstanceError, load_instance, solve
from optimizer.diagnose import diagnose

FUZZ = int(os.environ.get("REGCOLLAB_FUZZ", "0") or 0)


def fuzz(examples: int):
    """Settings for one property: ``examples`` in the default run, more with REGCOLLAB_FUZZ."""
    common = {"deadline": None,
              "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.filter_too_much]}
    if FUZZ:
        return settings(max_examples=examples * FUZZ, **common)
    return settings(max_examples=examples, derandomize=True, database=None, **common)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


def ideal(sol) -> tuple[float, float]:
    pt = sol.summary["payoff_table"]["ideal"]
    return pt["efficiency"], pt["equity"]


# ------------------------------------------------------------------------------ strategies
@st.composite
def raw_instances(draw, soft=True):
    """(params, partners, recipients, pairs) of a small random instance, possibly degenerate."""
    shape = draw(st.sampled_from(["plain"] * 6 + ["zero supply", "one recipient",
                                                  "no pair allowed", "no need"]))
    nD = draw(st.integers(1, 3))
    nR = 1 if shape == "one recipient" else draw(st.integers(1, 4))
    K = ["funds", "talent"][: draw(st.integers(1, 2))]

    def pick(xs):
        return draw(st.sampled_from(xs))

    partners = pd.DataFrame({"id": [f"D{i}" for i in range(nD)],
                             "max_partners": [pick([None, None, 1, 2, 3]) for _ in range(nD)]})
    for k in K:
        partners[f"supply.{k}"] = [0.0 if shape == "zero supply" else
                                   pick([0.0, 2.0, 5.0, 10.0, 25.0, 40.0]) for _ in range(nD)]
    recipients = pd.DataFrame({"id": [f"R{i}" for i in range(nR)]})
    recipients["population"] = [pick([5.0, 20.0, 80.0]) for _ in range(nR)]
    recipients["baseline"] = [pick([0.0, 1.0, 2.5]) for _ in range(nR)]
    recipients["target"] = [pick([3.0, 6.0]) for _ in range(nR)]
    recipients["min_partners"] = [pick([0, 1, 1, 1, 2]) for _ in range(nR)]
    recipients["max_partners"] = [pick([None, None, 1, 2]) for _ in range(nR)]
    for k in K:
        recipients[f"need.{k}"] = [0.0 if shape == "no need" else pick([0.0, 3.0, 8.0, 20.0])
                                   for _ in range(nR)]
        factor = pick([None, 0.5, 1.0, 2.0])
        if factor is not None:
            recipients[f"absorb.{k}"] = recipients[f"need.{k}"] * factor
        recipients[f"prod.{k}"] = [pick([0.0, 0.5, 1.5, 3.0]) for _ in range(nR)]
    pairs = []
    for d in range(nD):
        for r in range(nR):
            pairs.append({"partner": f"D{d}", "recipient": f"R{r}",
                          "allowed": False if shape == "no pair allowed" else
                          pick([True, True, True, True, False]),
                          "pot": pick([0.0, 0.3, 0.6, 1.0]), "ben": pick([0.0, 0.4, 0.6, 0.9]),
                          "comp": pick([0.0, 0.2]), "fixed": pick([False] * 10 + [True])})
    params = {
        "objective": {"equity": pick(["tail", "maxmin"]), "beta": pick([0.25, 0.5, 1.0]),
                      "lambda": pick([0.0, 0.5, 0.8, 1.0])},
        "balance": {"alpha": pick([0.0, 0.1, 0.3, 0.6]), "gamma": pick([0.0, 0.2, 0.3, 0.5])},
        "types": {"platform": {"setup": pick([0.0, 1.0]), "min_scale": pick([0.0, 2.0, 6.0])},
                  "institutional": {"min_scale": pick([0.0, 5.0])}},
    }
    theta, rho = pick([None, None, None, 0.3, 0.7]), pick([None, None, None, 0.5, 0.9])
    if theta is not None:
        params["balance"]["theta"] = theta
    if rho is not None:
        params["balance"]["rho"] = rho
    if soft:
        rules = draw(st.lists(st.sampled_from(["coverage", "access_floor", "capacity",
                                               "outcome_floor", "outcome_spread"]),
                              max_size=2, unique=True))
        if rules:
            params["balance"]["soft"] = {r: pick([10.0, 1000.0]) for r in rules}
    return params, partners, recipients, pd.DataFrame(pairs)


def build(raw):
    params, partners, recipients, pairs = raw
    return Instance.from_tables(params, partners.copy(), recipients.copy(), pairs.copy())


@st.composite
def valid_instances(draw, soft=False):
    try:
        inst = build(draw(raw_instances(soft=soft)))
    except InstanceError:
        assume(False)
    return inst


def exact(inst, **kw):
    sol = solve(inst, gap=0, why=False, **kw)
    assert sol.status in ("optimal", "infeasible"), (sol.status, sol.summary.get("message"))
    if sol.has_plan:
        check_solution(sol)
    return sol


# ------------------------------------------------------------------------------ clean outcomes
@fuzz(50)  # (80 before issue 15's tests; REGCOLLAB_FUZZ=k runs k times as many)
@given(raw_instances())
def test_random_instances_solve_or_fail_cleanly(raw):
    try:
        inst = build(raw)
    except InstanceError as exc:
        assert str(exc)  # a message in words
        event("outcome: input error")
        return
    sol = exact(inst)
    d = diagnose(inst, max_conflicts=2)
    if sol.has_plan:
        event("outcome: solved and checked")
        assert d.feasible, d.report()
        return
    event("outcome: infeasible, diagnosed")
    event(f"conflict found by: {d.conflicts[0].method if d.conflicts else '-'}")
    assert d.status == "infeasible" and d.conflicts, d.report()
    assert d.short()
    for c in d.conflicts:
        assert d.verify(c) == {"conflict": True, "minimal": True}, d.report()


def load_or_one_error(folder):
    """The instance in ``folder``, or None after checking its InstanceError is one line."""
    try:
        inst = load_instance(folder)
    except InstanceError as exc:
        assert str(exc) and "\n" not in str(exc).strip()
        event("outcome: input error")
        return None
    event("outcome: loaded")
    return inst


@fuzz(200)
@given(st.sampled_from(["partners.csv", "recipients.csv", "pairs.csv", "instance.toml"]),
       st.integers(0, 40), st.integers(0, 12),
       st.one_of(st.text(max_size=12),
                 st.sampled_from(["nan", "-inf", "1e400", "", " ", '"', "1,5", "0x1F", "true",
                                  "-0", "1e-320", "\x00", "\ufeff1", "１０", "[", "]", "=1+1"])),
       st.booleans())
def test_loader_fails_only_with_instance_errors(fname, line, col, value, whole):
    """Any value in any cell (or any bytes in a whole file): loaded, or an InstanceError."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "inst"
        folder.mkdir()
        for p in DEMO.iterdir():
            (folder / p.name).write_bytes(p.read_bytes())
        path = folder / fname
        if whole:
            path.write_bytes(value.encode("utf-8", "surrogatepass"))
        else:
            lines = path.read_text(encoding="utf-8").splitlines()
            i = line % len(lines)
            if fname.endswith(".csv"):
                cells = lines[i].split(",")
                cells[col % len(cells)] = value
                lines[i] = ",".join(cells)
            else:
                lines[i] = lines[i] + value
            path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
        inst = load_or_one_error(folder)
        if inst is not None:
            assert len(inst.partners) and len(inst.recipients)


# ------------------------------------------------------------------------------ properties
@fuzz(12)
@given(valid_instances(), st.data())
def test_more_supply_never_lowers_the_best_efficiency(inst, data):
    sol = exact(inst)
    assume(sol.has_plan)
    d = data.draw(st.sampled_from(list(inst.partners.index)))
    k = data.draw(st.sampled_from(list(inst.resources)))
    more = data.draw(st.sampled_from([1.0, 5.0, 30.0]))
    now = float(inst.partners.at[d, f"supply.{k}"])
    sol2 = exact(inst.with_params({f"partners[{d}].supply.{k}": now + more}))
    assert sol2.has_plan  # more supply keeps every plan possible
    assert ideal(sol2)[0] >= ideal(sol)[0] - 1e-6 * max(1.0, abs(ideal(sol)[0]))


LOOSER = {
    "balance.alpha": lambda v: [0.0, v / 2],
    "balance.gamma": lambda v: [0.0, v / 2],
    "balance.theta": lambda v: [None, v / 2],
    "balance.rho": lambda v: [None, v / 2],
}


@fuzz(15)
@given(valid_instances(), st.data())
def test_a_looser_rule_never_lowers_the_ideals(inst, data):
    sol = exact(inst)
    assume(sol.has_plan)
    on = [p for p in LOOSER if inst.param(p) not in (None, 0.0)]
    assume(on)
    path = data.draw(st.sampled_from(on))
    value = data.draw(st.sampled_from(LOOSER[path](inst.param(path))))
    event(f"loosened: {path}")
    sol2 = exact(inst.with_params({path: value}))
    assert sol2.has_plan
    (e1, q1), (e2, q2) = ideal(sol), ideal(sol2)
    assert e2 >= e1 - 1e-6 * max(1.0, abs(e1)), (path, value, e1, e2)
    assert q2 >= q1 - 1e-6 * max(1.0, abs(q1)), (path, value, q1, q2)


@fuzz(20)
@given(raw_instances(soft=True), st.randoms(use_true_random=False))
def test_relabelling_regions_changes_no_optimal_value(raw, rnd):
    try:
        inst = build(raw)
    except InstanceError:
        assume(False)
    params, partners, recipients, pairs = raw
    # new ids in a shuffled order, and the rows of every table shuffled
    d_new = {f"D{i}": f"p{j}" for i, j in enumerate(rnd.sample(range(len(partners)),
                                                               len(partners)))}
    r_new = {f"R{i}": f"q{j}" for i, j in enumerate(rnd.sample(range(len(recipients)),
                                                               len(recipients)))}
    P = partners.assign(id=partners["id"].map(d_new)).sample(frac=1, random_state=rnd.randint(0, 99))
    R = recipients.assign(id=recipients["id"].map(r_new)).sample(frac=1,
                                                                 random_state=rnd.randint(0, 99))
    PP = pairs.assign(partner=pairs["partner"].map(d_new),
                      recipient=pairs["recipient"].map(r_new)).sample(frac=1, random_state=1)
    other = Instance.from_tables(params, P.reset_index(drop=True), R.reset_index(drop=True),
                                 PP.reset_index(drop=True))
    a, b = exact(inst), exact(other)
    assert a.status == b.status
    if not a.has_plan:
        return
    for x, y in zip(ideal(a), ideal(b)):
        assert close(x, y), (ideal(a), ideal(b))
    pa, pb = a.summary["payoff_table"]["nadir"], b.summary["payoff_table"]["nadir"]
    assert close(pa["efficiency"], pb["efficiency"]) and close(pa["equity"], pb["equity"])
    assert close(a.objective, b.objective), (a.objective, b.objective)
    event("relabelled: solved")


# ------------------------------------------------------------------------------ instance.toml
SETTING_WORDS = ["name", "description", "sources", "year", "illustrative", "synthetic", "units",
                 "population", "gain", "objective", "method", "lambda", "equity", "beta",
                 "first", "eps", "balance", "alpha", "gamma", "theta", "rho", "soft", "coverage",
                 "access_floor", "pairs", "comp", "pot", "ben", "allowed", "types", "platform",
                 "project", "mult", "kappa", "setup", "min_scale", "resources", "funds", "talent",
                 "value", "unit", "Balance", "balanse", "objectives", "type", "generator", "seed"]

toml_keys = st.lists(st.one_of(st.sampled_from(SETTING_WORDS),
                               st.text(st.characters(codec="utf-8"), min_size=1, max_size=6)),
                     min_size=1, max_size=4)
toml_leaves = st.one_of(
    st.integers(-10**500, 10**500), st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(codec="utf-8"), max_size=12), st.booleans(),
    st.sampled_from(["weighted", "tail", "maxmin", "coverage", "access_floor"]),
    st.sampled_from([0, 1, 0.3, 2024, -1, 1e-320]))


def _nested(inner):
    return st.one_of(inner, st.lists(inner, max_size=3),
                     st.dictionaries(st.sampled_from(SETTING_WORDS), inner, max_size=3))


toml_values = _nested(_nested(toml_leaves))  # values, lists and tables two levels deep


def toml_value(v) -> str:
    """A value as TOML text (inline tables and arrays, keys quoted)."""
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) \
            else repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + "}"


@st.composite
def toml_texts(draw):
    """instance.toml of the demo with random settings appended (known keys, misspelt ones,
    values of every kind and size), or with a random line spliced in."""
    base = (DEMO / "instance.toml").read_text(encoding="utf-8")
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        keys = draw(toml_keys)
        value = draw(toml_values)
        lines.append(".".join(f'"{k}"' if not k.isidentifier() else k for k in
                              [k.replace('"', "'").replace("\\", "/") for k in keys])
                     + " = " + toml_value(value))
    where = draw(st.sampled_from(["top", "end", "section"]))
    if where == "top":
        return "\n".join(lines) + "\n" + base
    if where == "section":
        section = draw(st.sampled_from(["objective", "balance", "balance.soft", "types.platform",
                                        "resources.funds", "units", "pairs", "Balance",
                                        "balanse", "type.platform"]))
        return base + f"\n[{section}]\n" + "\n".join(lines) + "\n"
    return base + "\n" + "\n".join(lines) + "\n"


@fuzz(150)
@given(toml_texts())
def test_settings_load_or_fail_with_an_instance_error(text):
    """Whatever instance.toml holds: a valid instance, or one InstanceError (CLI exit 2) naming
    instance.toml; never another exception (TypeError, OverflowError, RecursionError...)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "inst"
        folder.mkdir()
        for p in DEMO.iterdir():
            (folder / p.name).write_bytes(p.read_bytes())
        (folder / "instance.toml").write_text(text, encoding="utf-8", errors="surrogatepass")
        inst = load_or_one_error(folder)
        if inst is not None:
            assert inst.params["balance"]["alpha"] is not None


ADVERSARIAL_TOML = {
    "nesting 100,000 deep": "x = " + "[" * 100_000 + "]" * 100_000 + "\n",
    "inline tables 5,000 deep": "x = " + "{a = " * 5_000 + "1" + "}" * 5_000 + "\n",
    "a 100,000-part dotted key": ".".join(["a"] * 100_000) + " = 1\n",
    "a 100,000-part table header": "[" + ".".join(["a"] * 100_000) + "]\nx = 1\n",
    "a 100,000-digit integer": "alpha = " + "9" * 100_000 + "\n",
    "200,000 keys": "".join(f"k{i} = 1\n" for i in range(200_000)),
}


def test_adversarial_settings_use_bounded_memory_and_time(tmp_path):
    """Shapes of TOML that made tomllib recurse without end or take memory quadratic in a key's
    length: refused with exit 2 in a process limited to 3 GB of address space (Python with numpy
    and pandas loaded takes about 1 GB of it) and 60 s."""
    import subprocess
    import sys

    from conftest import ROOT

    limit = ("import resource, runpy, sys; "
             "resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30)); "
             f"sys.argv = ['regcollab', 'validate', sys.argv[1]]; sys.path.insert(0, {str(ROOT)!r}); "
             "from optimizer.cli import main; main()")
    for name, text in ADVERSARIAL_TOML.items():
        folder = tmp_path / name.replace(" ", "_").replace(",", "")
        folder.mkdir()
        for p in DEMO.iterdir():
            (folder / p.name).write_bytes(p.read_bytes())
        (folder / "instance.toml").write_text(text + (DEMO / "instance.toml").read_text(),
                                              encoding="utf-8")
        proc = subprocess.run([sys.executable, "-c", limit, str(folder)], capture_output=True,
                              text=True, timeout=60, check=False)
        assert proc.returncode == 2, (name, proc.returncode, proc.stderr[-500:])
        assert proc.stderr.startswith("error: instance.toml") and "Traceback" not in proc.stderr
