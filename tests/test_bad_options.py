"""Bad command-line values, for every option of every command: exit status 2 and one line
``error: ...`` that names the option, never a traceback, an internal error, a hang or a message
that blames instance.toml for what the command line said (issue 12).

The table lists bad values per option; a test checks that every option of every command that
takes a value is in it, so a new option cannot go unchecked. Each run stops before a solve
(options are checked first), so the whole file takes seconds.
"""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from conftest import DEMO, ROOT

from optimizer import cli

NUMERIC = ["-1", "nan", "inf", "-inf", "text", ""]
"""Bad for every number an option takes."""

# option: (extra arguments the command needs, bad values beyond NUMERIC, or a full list)
BAD = {
    ("solve", "--weight"): ["1.5", "1e30"],
    ("solve", "--beta"): ["0", "1.01", "-1e-9"],
    ("solve", "--eps"): ["1e30"],
    ("solve", "--reference"): {"values": ["400", "abc,0.3", "nan,0.3", "400,inf", "1,2,3", "",
                                          ",", "1e30,0.3", "400;0.3"]},
    ("solve", "--gap"): ["1", "1.5", "1e30"],
    ("solve", "--time-limit"): ["0"],
    ("solve", "--threads"): ["0", "1.5"],
    ("solve", "--rounds"): ["0", "1.5", "51", "1e30"],
    ("solve", "--soft"): {"values": ["fairness", "coverage=-1", "coverage=abc", "coverage=nan",
                                     "coverage=1e30", "=5", ""]},
    ("solve", "--method"): {"values": ["best", ""]},
    ("solve", "--equity"): {"values": ["gini"]},
    ("solve", "--first"): {"values": ["fairness"]},
    ("solve", "--format"): {"values": ["xml"]},
    ("solve", "--write-model"): {"values": ["model.txt", "model"]},
    ("solve", "--out"): {"values": [""]},
    ("solve", "--solver"): {"values": ["nosuch"]},
    ("solve", "--lang"): {"values": ["fr", ""]},
    ("pareto", "--points"): ["0", "1", "1000001"],
    ("robustness", "--samples"): ["0", "100000000"],
    ("robustness", "--spread"): ["0", "1", "2"],
    ("robustness", "--seed"): ["4294967296", "1e3"],
    ("robustness", "--gsa-samples"): ["0", "1", "100000000"],
    ("robustness", "--vary"): {"values": ["prodd", "", ",", "prod,nothing"]},
    ("robustness", "--workers"): ["0"],
    ("robustness", "--gsa"): {"values": ["fast"]},
    ("sweep", "--param"): {"values": ["balance.alpah", "alpha", "partners[A].suply.funds",
                                      "partners[A]", ""],
                           "args": ["--values", "0.1"]},
    ("sweep", "--values"): {"values": ["0.1:0.9:100000000", "a:b:c", "0.1:0.9:0", "1:2:3:4",
                                       "0.1:0.9:x", "nan", "inf:1:3", "", ",", "1,,2"],
                            "args": ["--param", "balance.alpha"]},
    ("sweep", "--scheduler"): {"values": ["nonsense"],
                               "args": ["--param", "balance.alpha", "--values", "0.1"]},
    ("explain", "--pair"): {"values": ["", ":", "A-X", "A:Nowhere", "Nowhere:X", "A:X:Y"]},
    ("explain", "--partner"): {"values": ["A", "Nowhere"]},
    ("explain", "--recipient"): {"values": ["X", "Nowhere"]},
    ("explain", "--cluster"): {"values": ["", "Nowhere"]},  # the demo has no clusters
    ("sensitivity", "--objective"): {"values": ["cost"]},
    ("diagnose", "--max-conflicts"): ["0", "1000000"],
    ("diagnose", "--time-limit"): ["0"],
    ("generate", "--partners"): {"values": NUMERIC + ["0", "1000000", "1.5"],
                                 "args": ["--out", "OUT"]},
    ("generate", "--recipients"): {"values": NUMERIC + ["0", "1000000"], "args": ["--out", "OUT"]},
    ("generate", "--resources"): {"values": NUMERIC + ["0", "1000"], "args": ["--out", "OUT"]},
    ("generate", "--candidates"): {"values": NUMERIC + ["0", "100000"], "args": ["--out", "OUT"]},
    ("generate", "--seed"): {"values": NUMERIC + ["4294967296"], "args": ["--out", "OUT"]},
    ("generate", "--out"): {"values": [""]},
    # each is refused before the server starts (a value that passed would serve until stopped)
    ("app", "--port"): ["65536", "1.5"],
    ("app", "--results"): {"values": ["", str(ROOT / "pyproject.toml")],  # a file
                           "args": ["--no-open"]},
}

# options shared by several commands: the same bad values for each of them
SHARED = ("--weight", "--beta", "--eps", "--reference", "--rounds", "--gap", "--time-limit",
          "--threads", "--soft", "--method", "--equity", "--first", "--solver", "--workers",
          "--seed", "--spread")
NEEDS = {"sweep": ["--param", "balance.alpha", "--values", "0.1"], "explain": ["--pair", "A:X"]}
ARGUMENTS = {"generate": [], "report": None, "convert": None}  # None: no instance argument


def _commands():
    return {name: cmd for name, cmd in cli.main.commands.items()}


def _value_options(cmd):
    for p in cmd.params:
        if isinstance(p, click.Option) and not p.is_flag and not p.count:
            yield max(p.opts, key=len), p


def _cases():
    out = []
    for name, cmd in _commands().items():
        for opt, p in _value_options(cmd):
            key = (name, opt)
            spec = BAD.get(key)
            if spec is None and opt in SHARED:
                spec = next((v for (c, o), v in BAD.items() if o == opt), None)
            if spec is None:
                continue
            numeric = isinstance(p.type, (click.types.IntParamType, click.types.FloatParamType))
            if isinstance(spec, dict):
                values, extra = spec["values"], spec.get("args", NEEDS.get(name, []))
            else:
                values, extra = (NUMERIC if numeric else []) + spec, NEEDS.get(name, [])
            for v in values:
                out.append((name, opt, v, tuple(extra)))
    return out


CASES = _cases()


@pytest.mark.parametrize("command,option,value,extra", CASES,
                         ids=[f"{c} {o} {v!r}" for c, o, v, _ in CASES])
def test_bad_option_value_exit_2(tmp_path, command, option, value, extra):
    extra = [str(tmp_path / "out") if a == "OUT" else a for a in extra]
    args = [command] + ([] if command in ARGUMENTS else [str(DEMO)]) + list(extra)
    args += [option, value]
    result = CliRunner().invoke(cli.main, args)
    out = result.output
    assert result.exit_code == 2, (args, result.exit_code, out)
    assert "Traceback" not in out and "internal error" not in out, out
    assert out.startswith("error: ") and out.count("\n") == 1, out  # one line
    assert option in out, out
    assert "instance.toml" not in out, out  # the command line is blamed, not the file


REUSED = {"--lang", "--format", "--out", "--objective", "--recipient", "--scheduler", "--gsa",
          "--write-model"}
"""Options declared once and shared, or click choices: tested for one command (above)."""


def test_every_option_that_takes_a_value_is_tested():
    tested = {(c, o) for c, o, _, _ in CASES}
    tested_names = {o for _, o in tested}
    missing = [(name, opt) for name, cmd in _commands().items()
               for opt, _ in _value_options(cmd)
               if (name, opt) not in tested and not (opt in REUSED and opt in tested_names)]
    assert not missing, f"options without bad-value cases: {missing}"


def test_threads_above_the_cores_are_capped_with_a_note(tmp_path):
    from optimizer.limits import cores

    result = CliRunner().invoke(cli.main, ["solve", str(DEMO), "--threads", "100000", "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"--threads 100000 is more than the {cores()} cores" in result.output


def test_library_caps_threads_and_checks_solver_options():
    from optimizer.errors import InputError
    from optimizer.limits import cores
    from optimizer.solve import SolverOptions

    assert SolverOptions(threads=100_000).validate().threads == cores()
    for bad in (dict(gap=1.0), dict(gap=float("nan")), dict(time_limit=float("inf")),
                dict(threads=0), dict(threads=2.5)):
        with pytest.raises(InputError):
            SolverOptions(**bad).validate()
    with pytest.raises(InputError, match="0 <= gap < 1"):
        SolverOptions(gap=1.0).validate()


def test_api_override_is_named_not_blamed_on_the_file(demo):
    from optimizer import solve
    from optimizer.errors import InputError

    with pytest.raises(InputError) as info:
        solve(demo, weight=-1)
    assert "instance.toml" not in str(info.value) and "objective.lambda" in str(info.value)


def test_sweep_and_robustness_sizes_are_refused_before_work(demo):
    from optimizer.errors import InputError
    from optimizer.robustness import global_sensitivity, robustness
    from optimizer.sweep import sweep

    with pytest.raises(InputError, match="more than 10,000"):
        sweep(demo, {"balance.alpha": [0.1] * 200, "balance.gamma": [0.1] * 200})
    with pytest.raises(InputError, match="--samples"):
        robustness(demo, samples=10**8)
    with pytest.raises(InputError, match="solves"):
        global_sensitivity(demo, design="sobol", n=10**6)


def test_explain_pair_with_a_colon_in_an_id(tmp_path):
    """An id may hold ':' (only , [ ] are reserved): --pair finds the one reading that names a
    partner and a recipient; --partner/--recipient name it without any separator."""
    import shutil

    inst = tmp_path / "inst"
    shutil.copytree(DEMO, inst)
    for f in ("partners.csv", "pairs.csv"):
        text = (inst / f).read_text().replace("A,", "A:1,")
        (inst / f).write_text(text)
    from optimizer import load_instance
    from optimizer.explain import parse_pair

    loaded = load_instance(inst)
    assert parse_pair(loaded, "A:1:X") == ("A:1", "X")
    assert parse_pair(loaded, "A:1,X") == ("A:1", "X")
    for args in (["--pair", "A:1:X"], ["--partner", "A:1", "--recipient", "X"]):
        result = CliRunner().invoke(cli.main, ["explain", str(inst), *args, "--format", "json"])
        assert result.exit_code == 0, result.output
        assert '"partner": "A:1"' in result.output
