"""The method registry, the pipeline's steps, RunOptions, the typed summary and plans as data."""

import dataclasses
import importlib
import json
import pkgutil
import shutil

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import DEMO

import optimizer.methods as methods_pkg
from optimizer import InputError, load_instance, pipeline, solve
from optimizer.methods import METHODS, Method, Problem, get_method, method_names
from optimizer.methods.base import objective_vectors
from optimizer.options import RunOptions
from optimizer.plan import Plan
from optimizer.summary import SUMMARY_KEYS, Summary


# =================================================================================== registry
def test_every_module_with_a_method_is_registered_in_order():
    found = set()
    for info in pkgutil.iter_modules(methods_pkg.__path__):
        mod = importlib.import_module(f"optimizer.methods.{info.name}")
        if isinstance(getattr(mod, "METHOD", None), Method):
            found.add(mod.METHOD.name)
    assert set(METHODS) == found
    assert method_names()[:3] == ("weighted", "epsilon", "lexicographic")


def test_schema_choices_are_the_registered_methods():
    from optimizer.schema import PARAM_BY_PATH

    assert set(PARAM_BY_PATH["objective.method"].choices) == set(method_names())


@pytest.mark.parametrize("command", ["solve", "sensitivity", "sweep", "robustness", "explain",
                                     "diagnose"])
def test_method_choices_of_the_commands_come_from_the_registry(command):
    from optimizer import cli

    cmd = cli.main.commands[command]
    opt = next(p for p in cmd.params if p.name == "method")
    assert tuple(opt.type.choices) == method_names()


def test_unknown_method_is_one_line_with_a_suggestion():
    with pytest.raises(InputError, match="unknown method 'weigted'.*did you mean 'weighted'"):
        get_method("weigted")


def test_the_methods_settings():
    w, e, lex = (get_method(n) for n in ("weighted", "epsilon", "lexicographic"))
    assert w.payoff_row({"lambda": 1.0}) == "efficiency"
    assert w.payoff_row({"lambda": 0.0}) == "equity"
    assert w.payoff_row({"lambda": 0.5}) is None and w.stages_after_payoff({"lambda": 0.5}) == 1
    assert lex.payoff_row({"first": "equity"}) == "equity"
    assert lex.stages_after_payoff({"first": "equity"}) == 0
    with pytest.raises(InputError, match="needs a lower bound on equity"):
        e.check({"eps": None})
    assert w.label({"lambda": 0.7}) == "weighted, lambda 0.7"
    assert e.label({"eps": 0.5}) == "epsilon, eps 0.5"
    assert lex.label({"first": "equity"}) == "lexicographic, first equity"


def test_epsilon_bound_row_is_the_rule_it_adds(demo):
    am = solve(demo, method="epsilon", eps=0.5, why=False).model
    (coef, lo, hi), = get_method("epsilon").bound_rows(am, {"eps": 0.5})
    assert np.array_equal(coef, objective_vectors(am)[1]) and lo == 0.5 and hi == np.inf
    assert get_method("weighted").bound_rows(am, {"lambda": 0.5}) == []


class Toy(Method):
    """A method written as a new module would be: the sum of both normalised objectives."""

    name = "toy"
    order = 50

    def final_problem(self, am, table, settings):
        cE, cQ, cP = objective_vectors(am)
        return Problem(cE / table.E_range + cQ / table.Q_range - cP, [], "toy sum")

    def plan_objective(self, am, settings, table, final):
        return dataclasses.replace(self.final_problem(am, table, settings), label="the toy sum")

    def label(self, settings):
        return "toy"

    def words(self, settings, num):
        return "the toy sum of both objectives"


@pytest.fixture
def toy(monkeypatch):
    """The toy method registered, and allowed as objective.method (its schema setting)."""
    from optimizer.schema import PARAM_BY_PATH

    p = PARAM_BY_PATH["objective.method"]  # a frozen Param, shared by every reader
    choices = p.choices
    object.__setattr__(p, "choices", choices + ("toy",))
    monkeypatch.setitem(METHODS, "toy", Toy())
    yield
    object.__setattr__(p, "choices", choices)


def test_a_new_method_needs_nothing_but_its_object_and_schema_setting(demo, toy, tmp_path):
    """Pipeline, summary, reasons, sensitivity, terminal and report ask the method: a method
    registered with the schema's choice works everywhere without another change."""
    from optimizer.cli import render_solution
    from optimizer.report import method_words as _method_words

    sol = solve(demo, method="toy", why=True)
    assert sol.status == "optimal" and sol.summary.method == "toy"
    assert [s["stage"] for s in sol.summary.stages][-1] == "toy sum"
    cE, cQ, _ = objective_vectors(sol.model)
    t = sol.payoff
    assert sol.objective == pytest.approx(float((cE / t.E_range + cQ / t.Q_range) @ sol.x))
    assert sol.pairings["reason"].str.len().min() > 0
    rep = sol.sensitivity()
    assert rep.objective_label == "the toy sum"
    assert rep.objective_value == pytest.approx(sol.objective, rel=1e-7)
    assert "method             toy" in render_solution(sol)
    assert _method_words(sol.summary) == "the toy sum of both objectives"


def test_a_new_methods_command_line_setting_reaches_its_instance_setting(demo, toy,
                                                                        monkeypatch):
    """A method declares the options of its settings; every command with the method options
    then has them, checked against the schema, and the run gets the setting."""
    import click

    from optimizer.commands.common import method_options, solver_options
    from optimizer.methods import CliSetting

    monkeypatch.setattr(Toy, "cli_settings", (
        CliSetting("--toy-lambda", "objective.lambda", "The toy's lambda."),), raising=False)
    seen = []

    @click.command()
    @method_options
    @solver_options
    def cmd(options, quiet):
        seen.append(options)

    r = CliRunner().invoke(cmd, ["--method", "toy", "--toy-lambda", "0.3"])
    assert r.exit_code == 0, r.output
    assert seen[0].method == "toy" and seen[0].settings == {"objective.lambda": 0.3}
    assert solve(demo, seen[0], why=False).summary.lambda_ == 0.3
    bad = CliRunner().invoke(cmd, ["--toy-lambda", "2"])
    assert bad.exit_code == 2 and "--toy-lambda" in bad.output and "objective.lambda" in bad.output
    CliRunner().invoke(cmd, [])
    assert seen[-1].settings is None


# =================================================================================== steps
def test_the_steps_one_by_one_make_the_plan_solve_makes(demo):
    options = RunOptions(weight=0.7, why=False)
    run = pipeline.prepare(demo, options)
    starts = pipeline.start_plans(run)
    table, status = pipeline.payoff(run, starts)
    assert status == "optimal"
    problem = pipeline.final_problem(run.am, table)
    final = pipeline.final_solve(run, problem, table, starts)
    x, broken, pol = pipeline.polish_and_verify(run, problem, final.x, final.objective)
    assert broken == []
    sol = pipeline.plan_solution(run, x, pol, final, table, problem, starts, status, False)
    ref = solve(demo, options)
    assert sol.summary.to_dict().keys() == ref.summary.to_dict().keys() - {"why_resolves"}
    assert sol.efficiency == pytest.approx(ref.efficiency)
    assert sol.objective == pytest.approx(ref.objective)
    pd.testing.assert_frame_equal(sol.pairings, ref.pairings[sol.pairings.columns])


def test_lambda_one_is_the_efficiency_row_and_solves_nothing_more(demo):
    sol = solve(demo, weight=1.0, why=False)
    labels = [s["stage"] for s in sol.summary.stages]
    assert len(labels) == 4 and all(lab.startswith("payoff") for lab in labels)
    assert sol.efficiency == pytest.approx(sol.summary.payoff_table["ideal"]["efficiency"])


# =================================================================================== options
def test_options_object_and_keywords_give_the_same_run(demo):
    a = solve(demo, RunOptions(method="epsilon", eps=0.5, why=False))
    b = solve(demo, method="epsilon", eps=0.5, why=False)
    c = solve(demo, RunOptions(method="epsilon", eps=0.9), eps=0.5, why=False)  # keywords win
    for s in (b, c):
        assert s.efficiency == a.efficiency and s.summary.eps == 0.5
        assert s.options == a.options


def test_unknown_option_is_a_type_error(demo):
    with pytest.raises(TypeError, match="nonsense"):
        solve(demo, nonsense=1)
    with pytest.raises(TypeError):
        solve(demo, options={"weight": 0.5})


def test_soft_rules_given_as_a_dict_are_not_changed(demo):
    """solve(..., soft={"all": 50}) used to empty the caller's dict, so that solving again
    with it made no rule soft (and this instance infeasible)."""
    soft = {"all": 50.0}
    first = solve(demo, soft=soft, alpha=0.9, why=False)
    assert soft == {"all": 50.0}
    again = solve(demo, soft=soft, alpha=0.9, why=False)
    assert again.status == first.status == "optimal"
    assert again.summary.soft_rules == first.summary.soft_rules != {}


def test_instance_changes():
    opts = RunOptions(method="epsilon", eps=0.4, alpha=0.2, soft=["coverage"])
    assert opts.instance_changes() == {"objective.method": "epsilon", "objective.eps": 0.4,
                                       "balance.alpha": 0.2,
                                       "balance.soft.coverage": 1000.0}
    assert RunOptions().instance_changes() == {}
    with pytest.raises(InputError, match="'nope' is not a balance rule"):
        RunOptions(soft="nope").instance_changes()
    assert RunOptions(threads=3).for_scenarios() == RunOptions(threads=3, why=False)
    assert RunOptions().for_scenarios().threads == 1


def test_cli_options_reach_the_run(monkeypatch):
    """The command line's method and solver options arrive as one RunOptions."""
    from optimizer import cli

    seen = []
    real = pipeline._run

    def spy(inst, options):
        seen.append(options)
        return real(inst, options)

    monkeypatch.setattr(pipeline, "_run", spy)
    r = CliRunner().invoke(cli.main, ["solve", "demo", "--method", "epsilon", "--eps", "0.5",
                                      "--soft", "coverage=7", "--gap", "0.001", "--threads", "1",
                                      "--no-why", "-q"])
    assert r.exit_code == 0, r.output
    o = seen[0]
    assert (o.method, o.eps, o.soft, o.gap, o.threads, o.why) == (
        "epsilon", 0.5, {"coverage": 7.0}, 0.001, 1, False)


def test_diagnosis_after_an_infeasible_solve_repeats_the_options():
    from optimizer import cli

    r = CliRunner().invoke(cli.main, ["solve", "demo", "--method", "epsilon", "--eps", "9",
                                      "--soft", "coverage=5", "--soft", "capacity",
                                      "--format", "json"])
    assert r.exit_code == 3
    d = json.loads(r.stdout)["diagnosis"]
    assert d["full_report"] == ("regcollab diagnose demo --soft coverage=5 --soft capacity "
                                "--method epsilon --eps 9")


# =================================================================================== summary
def test_summary_is_typed_and_reads_as_summary_json(demo, tmp_path):
    sol = solve(demo, why=False)
    s = sol.summary
    assert isinstance(s, Summary)
    assert s["price_of_fairness"] == s.price_of_fairness == sol.price_of_fairness
    assert s["lambda"] == s.lambda_ == 0.5 and s.get("nothing", 7) == 7
    assert "efficiency" in s and "verification" not in s
    with pytest.raises(KeyError):
        s["verification"]
    sol.write(tmp_path / "out")
    written = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert list(written) == list(s) == list(s.to_dict())
    assert [k for k in SUMMARY_KEYS if k in written] == [k for k in written if k in SUMMARY_KEYS]
    back = Summary.from_dict(written)
    assert back.efficiency == s.efficiency and back.to_dict().keys() == written.keys()


def test_summary_items_can_be_set_and_unknown_keys_are_kept_last(demo):
    s = solve(demo, why=False).summary
    s["status"] = "time_limit"
    assert s.status == "time_limit"
    s["my_note"] = "checked by hand"
    assert list(s)[-1] == "my_note" and s.to_dict()["my_note"] == "checked by hand"
    s["bounds"] = None  # a plan's key stays, with its value
    assert "bounds" in s and s["bounds"] is None
    del s["my_note"]
    assert "my_note" not in s


def test_summary_without_a_plan_has_no_plan_keys(demo):
    s = solve(demo, alpha=1.0).summary
    assert s.status == "infeasible" and not s.has_plan
    for key in ("efficiency", "equity", "objective", "pairings", "types", "bounds"):
        assert key not in s
    keys = list(s)
    assert keys[keys.index("message") + 1] == "mip_gap" and s["mip_gap"] is None


# =================================================================================== plans
@pytest.fixture(scope="module")
def odd_ids(tmp_path_factory):
    """The demo with ids that hold '-', ':' and ';' (a plan's text uses them)."""
    folder = tmp_path_factory.mktemp("odd") / "demo"
    shutil.copytree(DEMO, folder)
    ren = {"A": "A-1", "B": "B:2", "X": "X-Y", "Y": "Y;Z"}
    for name, cols in (("partners.csv", ["id"]), ("recipients.csv", ["id"]),
                       ("pairs.csv", ["partner", "recipient"])):
        df = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        for c in cols:
            df[c] = df[c].map(lambda v: ren.get(v, v))
        df.to_csv(folder / name, index=False)
    return load_instance(folder)


def test_robustness_keeps_ids_with_separators(odd_ids):
    """Plans went from the workers to the robustness table as text, parsed back by splitting
    at ';', ':' and '-': such ids crashed it (or split into wrong partners)."""
    from optimizer.robustness import robustness

    sol = solve(odd_ids, why=False)
    res = robustness(odd_ids, samples=3, spread=0.1, workers=1)
    rec = res.pairs[res.pairs["recommended_type"] != ""]
    assert set(zip(rec["partner"], rec["recipient"], rec["recommended_type"])) == set(
        zip(sol.pairings["partner"], sol.pairings["recipient"], sol.pairings["type"]))
    assert set(res.pairs["partner"]) <= {"A-1", "B:2"}
    assert set(res.pairs["recipient"]) <= {"X-Y", "Y;Z", "W"}


def test_sweep_changes_with_ids_with_separators(odd_ids):
    from optimizer.sweep import sweep

    df = sweep(odd_ids, [{}, {"pairs[A-1,Y;Z].allowed": False}], workers=1)
    base = Plan.of(solve(odd_ids, why=False))
    assert df.loc[0, "n_changes"] == 0 and df.loc[0, "plan"] == base.text()
    changed = df.loc[1]
    assert changed["status"] == "optimal" and changed["n_changes"] > 0
    assert "A-1-Y;Z:" in changed["removed"] + changed["type_changes"]


def test_plan_text_and_changes():
    base = Plan((("A", "X", "project"), ("B", "Y", "platform")))
    now = Plan((("A", "X", "platform"), ("C", "Y", "project")))
    assert base.text() == "A-X:project;B-Y:platform"
    assert now.changes(base) == {"added": ["C-Y:project"], "removed": ["B-Y:platform"],
                                 "type_changes": ["A-X:project->platform"]}


# =================================================================================== re-solves
def test_reasons_and_explanations_come_from_the_same_re_solve(demo):
    """pairings.csv's loss_if_<type> and explain's alternatives are one computation."""
    from optimizer.explain import explain_pair

    for kw in ({}, {"method": "lexicographic", "first": "equity"}):
        sol = solve(demo, why=True, **kw)
        compared = 0
        for _, row in sol.pairings.iterrows():
            ex = explain_pair(sol, row["partner"], row["recipient"])
            for alt in ex.alternatives:
                if alt.kind == "type":
                    expected = row[f"loss_if_{alt.type}"]
                    assert (alt.loss == expected) or (np.isnan(expected) and alt.loss is None)
                    compared += 1
        assert compared > 0


def test_reference_refuses_a_method_it_does_not_solve(demo):
    """It solved any instance as weighted, whatever its method said."""
    from optimizer.reference import solve_reference

    with pytest.raises(InputError, match="weighted method only, not epsilon"):
        solve_reference(demo.with_params({"objective.method": "epsilon",
                                          "objective.eps": 0.5}))
