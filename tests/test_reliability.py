"""Reliability: limits, interruptions, determinism, and inputs that are data only.

- A plan stopped by a limit is returned, marked not proven optimal, with its gap; with no plan
  the run exits 4 and says so.
- Ctrl-C (SIGINT) or a kill (SIGKILL) during a solve leaves no half-written output folder: the
  previous complete one, or none (results go to a temporary folder renamed at the end).
- Two runs of the same input give byte-identical result files apart from timings.
- Nothing in an instance is evaluated as code, and result files stay inside --out.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from checker import check_solution
from click.testing import CliRunner
from conftest import DEMO, ROOT

from optimizer import cli
from optimizer import load_instance, solve
from optimizer.files import TMP_PREFIX, atomic_dir, safe_name

pipeline = importlib.import_module("optimizer.pipeline")  # (optimizer.solve is the function)
GUANGDONG = ROOT / "instances" / "guangdong"
CLI = [sys.executable, str(ROOT / "cli.py")]


def invoke(*args):
    r = CliRunner().invoke(cli.main, [str(a) for a in args])
    return r.exit_code, r.output


@pytest.fixture(scope="module")
def hard(tmp_path_factory):
    """The synthetic 30 x 60 instance of the issue: it takes far longer than a test to solve."""
    from optimizer.generate import generate, write_instance

    path = tmp_path_factory.mktemp("gen") / "g30"
    write_instance(generate(30, 60, 6, 1, 6), path)
    return path


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list:
    return [p.name for p in parent.iterdir() if p.name.startswith(".regcollab-")]


# ================================================================================= limits
def stop_after_first_plan(monkeypatch, stages):
    """Make HiGHS stop the given solve stages (1 = first) at their first plan, as a time
    limit would, but deterministically (HiGHS's solution limit maps to the same status)."""
    make = pipeline.make_backend

    def patched(lm, opts):
        backend = make(lm, opts)
        count = {"n": 0}
        inner = backend.solve

        def one(*args, **kwargs):
            count["n"] += 1
            limited = count["n"] in stages
            if limited:
                backend.h.setOptionValue("mip_max_improving_sols", 1)
            try:
                return inner(*args, **kwargs)
            finally:
                if limited:
                    backend.h.setOptionValue("mip_max_improving_sols", 2147483647)

        backend.solve = one
        return backend

    monkeypatch.setattr(pipeline, "make_backend", patched)


def test_plan_stopped_by_a_limit_is_returned_not_proven(monkeypatch):
    stop_after_first_plan(monkeypatch, {5})  # the weighted stage, after the payoff table
    sol = solve(load_instance(GUANGDONG), why=False)
    assert sol.status == "time_limit" and sol.has_plan and not sol.proven_optimal
    assert "before it was proven optimal" in sol.summary["message"]
    assert sol.summary["proven_optimal"] is False
    assert sol.mip_gap is not None and sol.mip_gap > 0
    check_solution(sol)


def test_cli_marks_a_limited_plan(monkeypatch, tmp_path):
    stop_after_first_plan(monkeypatch, {5})
    code, out = invoke("solve", GUANGDONG, "--out", tmp_path / "res", "--no-why")
    assert code == 0, out
    assert "NOT PROVEN OPTIMAL (stopped by a limit), MIP gap" in out
    summary = json.loads((tmp_path / "res" / "summary.json").read_text())
    assert summary["status"] == "time_limit" and summary["proven_optimal"] is False
    assert summary["mip_gap"] > 0


def test_limited_payoff_table_is_not_below_the_plan(monkeypatch):
    """When a limit stops the first payoff stage, a later plan may be more efficient than that
    stage's: the table then holds the best plan known, never less than the final plan."""
    stop_after_first_plan(monkeypatch, {1})
    sol = solve(load_instance(GUANGDONG), why=False)
    assert sol.status == "time_limit"
    check_solution(sol)
    ideal = sol.summary["payoff_table"]["ideal"]
    assert sol.efficiency <= ideal["efficiency"] + 1e-9 and sol.equity <= ideal["equity"] + 1e-9
    assert sol.summary["efficiency_loss_vs_ideal"] >= 0
    # the row moved exactly when the stopped stage's plan was beaten by a later one
    stage1 = sol.summary["stages"][0]
    moved = "payoff_table_note" in sol.summary
    assert moved == (ideal["efficiency"] > stage1["objective"] + 1e-9 or
                     ideal["equity"] > sol.summary["stages"][2]["objective"] + 1e-9), \
        (stage1, ideal)


def test_limited_run_reports_a_gap_above_zero(monkeypatch):
    """A run whose payoff stage was stopped reports that stage's gap, not the last stage's 0."""
    stop_after_first_plan(monkeypatch, {1})
    sol = solve(load_instance(GUANGDONG), why=False)
    assert sol.status == "time_limit"
    assert sol.mip_gap is None or sol.mip_gap > 0


def test_no_plan_within_the_limit_exits_4(hard, tmp_path):
    sol = solve(load_instance(hard), time_limit=0.05, why=False)
    assert sol.status == "no_solution" and not sol.has_plan
    code, out = invoke("solve", hard, "--time-limit", "0.05", "--out", tmp_path / "res")
    assert code == 4, out
    assert "found no plan" in out and "within the limits" in out
    assert "nothing was written" in out and not (tmp_path / "res").exists()
    assert "Traceback" not in out


# ================================================================================= interruptions
@pytest.fixture()
def previous(tmp_path):
    """An output folder holding a complete earlier result."""
    out = tmp_path / "res"
    code, text = invoke("solve", DEMO, "--out", out, "--no-why")
    assert code == 0, text
    return out, snapshot(out)


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def startup_cpu(hard):
    """CPU seconds to start regcollab and load the instance: a solve has begun once a run has
    used clearly more than that (CPU time, so a busy machine does not fool the test)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(CLI + ["validate", str(hard)], capture_output=True, check=True, timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def start_and_wait_for_solve(args, cwd: Path, startup: float) -> subprocess.Popen:
    """Start ``regcollab solve`` and return once it is solving."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs Linux /proc to see when the solve has started")
    proc = subprocess.Popen(CLI + ["solve", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd)
    t0 = time.monotonic()
    while cpu_seconds(proc.pid) < startup + 0.5:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < 120, "the solve did not start"
        time.sleep(0.05)
    assert proc.poll() is None, "the solve ended before it could be interrupted"
    return proc


def test_ctrl_c_mid_solve_keeps_the_previous_results(hard, previous, tmp_path, startup_cpu):
    out, before = previous
    proc = start_and_wait_for_solve([hard, "--out", out], tmp_path, startup_cpu)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (stdout, stderr)
    assert "interrupted: nothing was written" in stderr
    assert "Traceback" not in stdout + stderr
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


def test_kill_mid_solve_keeps_the_previous_results(hard, previous, tmp_path, startup_cpu):
    out, before = previous
    proc = start_and_wait_for_solve([hard, "--out", out], tmp_path, startup_cpu)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


def test_kill_mid_solve_without_previous_results_leaves_nothing(hard, tmp_path, startup_cpu):
    out = tmp_path / "fresh"
    proc = start_and_wait_for_solve([hard, "--out", out], tmp_path, startup_cpu)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert not out.exists() and leftovers(tmp_path) == []


def test_ctrl_c_stops_a_long_solve_promptly(hard, tmp_path, startup_cpu):
    proc = start_and_wait_for_solve([hard, "--out", tmp_path / "res"], tmp_path, startup_cpu)
    proc.send_signal(signal.SIGINT)
    try:
        proc.communicate(timeout=2)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("regcollab solve ignored Ctrl-C for more than 2 s")
    assert proc.returncode == 130


def children(pid: int) -> list[int]:
    """The child processes of a process (Linux /proc)."""
    kids = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            kids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return kids


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_ctrl_c_stops_a_parallel_sweep_and_its_workers(hard, tmp_path, startup_cpu):
    """A sweep in a pool of worker processes: Ctrl-C stops the workers mid-solve at once
    (nobody waits for their results), writes nothing and leaves no worker behind."""
    if not Path("/proc/self/task").exists():
        pytest.skip("needs Linux /proc to see the worker processes")
    out = tmp_path / "sweep"
    proc = subprocess.Popen(CLI + ["sweep", str(hard), "--param", "balance.alpha", "--values",
                                   "0.1,0.2,0.3", "--workers", "2", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path)
    t0 = time.monotonic()
    workers = []
    while True:  # until a worker is solving
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < 120, "the sweep did not start"
        workers = [c for c in children(proc.pid) if alive(c)]
        busy = [c for c in workers if alive(c) and cpu_seconds(c) > startup_cpu + 0.5]
        if busy:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    try:
        stdout, stderr = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        for pid in [proc.pid] + [w for w in workers if alive(w)]:
            os.kill(pid, signal.SIGKILL)  # the workers hold the pipes open too
        proc.communicate()
        pytest.fail("regcollab sweep kept running more than 15 s after Ctrl-C")
    assert proc.returncode == 130, (stdout, stderr)
    assert "interrupted: nothing was written" in stderr
    assert "Traceback" not in stdout + stderr
    assert not out.exists() and leftovers(tmp_path) == []
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    stray = [w for w in workers if alive(w)]
    for w in stray:
        os.kill(w, signal.SIGKILL)
    assert not stray, "worker processes outlived the interrupted sweep"


KILL_WHILE_WRITING = """
import os, signal, sys
sys.path.insert(0, {root!r})
from optimizer.files import atomic_dir
with atomic_dir(sys.argv[1]) as tmp:
    (tmp / "pairings.csv").write_text("half of a result")
    os.kill(os.getpid(), signal.{sig})
"""


@pytest.mark.parametrize("sig", ["SIGKILL", "SIGINT"])
def test_interrupted_while_writing_results(previous, tmp_path, sig):
    out, before = previous
    script = tmp_path / "kill.py"
    script.write_text(KILL_WHILE_WRITING.format(root=str(ROOT), sig=sig))
    proc = subprocess.run([sys.executable, str(script), str(out)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode != 0
    assert snapshot(out) == before  # the old folder is untouched
    if sig == "SIGINT":
        assert leftovers(out.parent) == []  # cleaned up on the way out
    else:
        assert leftovers(out.parent)  # a dead process cannot clean up ...
    code, text = invoke("solve", DEMO, "--out", out, "--no-why")
    assert code == 0, text
    assert leftovers(out.parent) == []  # ... the next run removes the stale folder


def test_keyboard_interrupt_inside_atomic_dir(tmp_path):
    out = tmp_path / "res"
    with atomic_dir(out) as tmp:  # a folder regcollab wrote (a user's is never replaced)
        (tmp / "old.txt").write_text("old")
    before = snapshot(out)
    with pytest.raises(KeyboardInterrupt), atomic_dir(out) as tmp:
        (tmp / "new.txt").write_text("new")
        raise KeyboardInterrupt
    assert snapshot(out) == before and before["old.txt"] == b"old"
    assert leftovers(tmp_path) == []


# ================================================================================= determinism
TIMING = re.compile(r"\b(load|build|transfer|heuristics|solve|polish|extract|highs_own|total|"
                    r"explain|why this type|other|clock) [0-9][0-9.e+-]*")


def comparable(path: Path):
    """A file's content with timings taken out."""
    if path.name == "summary.json":
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("timings", None)
        for stage in data.get("stages", []):
            stage.pop("seconds", None)
        return data
    if path.name == ".regcollab.json":  # the manifest: who wrote the folder, and when
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("time", None)
        return data
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        sheets = {}
        for ws in wb.worksheets:
            rows = []
            for row in ws.iter_rows(values_only=True):
                if row and isinstance(row[0], str) and (
                        row[0].startswith(("timings.", "Solver engine:"))
                        or re.fullmatch(r"stages\[\d+\]\.seconds", row[0])):
                    continue  # how long it took (summary rows, the Answer Report's header)
                rows.append(row)
            sheets[ws.title] = rows
        with zipfile.ZipFile(path) as z:
            return sheets, sorted(z.namelist())
    if path.suffix in (".html", ".txt", ".md"):
        return TIMING.sub(r"\1 <t>", path.read_text(encoding="utf-8"))
    return path.read_bytes()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The default instance solved twice, in two processes with different hash seeds (the
    'why' re-solves are left out to keep the test short; they re-use the same solver)."""
    base = tmp_path_factory.mktemp("det")
    procs = []
    for i, seed in enumerate(("1", "2")):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        procs.append(subprocess.Popen(CLI + ["solve", "--out", str(base / f"run{i}"), "-q", "--no-why"],
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True))
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    return base / "run0", base / "run1"


def test_two_runs_give_identical_results(two_runs):
    a, b = two_runs
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert {"pairings.csv", "allocations.csv", "recipients.csv", "balance.csv",
            "summary.json"} <= set(names)
    for name in names:
        assert comparable(a / name) == comparable(b / name), f"{name} differs between runs"


def test_two_runs_give_identical_reports(two_runs):
    """The report beside its results never names the (temporary, then renamed) folder."""
    a, b = two_runs
    if not (a / "report.html").exists():
        pytest.skip("no report.html in this build")
    text = (a / "report.html").read_text(encoding="utf-8")
    assert TMP_PREFIX not in text
    assert comparable(a / "report.html") == comparable(b / "report.html")


# ================================================================================= data only
EVIL = {
    "code": "__import__('os').system('touch PWNED')",
    "shell": "$(touch PWNED2)",
    "format": "{0.__class__}%s%n{__import__}",
    "formula": "=HYPERLINK(\"http://example.com\")",
    "path": "../../escape",
    "html": "<script>alert(1)</script>",
}


def test_instance_text_is_data_and_results_stay_in_out(tmp_path):
    inst = tmp_path / "inst"
    inst.mkdir()
    d_ids = [EVIL["code"], EVIL["path"]]
    r_ids = [EVIL["shell"], EVIL["format"], EVIL["html"]]
    (inst / "instance.toml").write_text(
        'name = "$(touch PWNED3)"\ndescription = "{__import__(\'os\')}"\n'
        '[objective]\nmethod = "weighted"\n[balance]\ngamma = 0.1\n', encoding="utf-8")
    (inst / "partners.csv").write_text(
        "id,name,supply.funds,note\n"
        + "".join(f'"{i.replace(chr(34), chr(34) * 2)}","{EVIL["formula"].replace(chr(34), chr(34) * 2)}",15,'
                  f'"{EVIL["code"]}"\n' for i in d_ids), encoding="utf-8")
    (inst / "recipients.csv").write_text(
        "id,name,population,baseline,target,need.funds,prod.funds\n"
        + "".join(f'"{i}","{EVIL["html"]}",10,1,5,10,1\n' for i in r_ids), encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    out = work / "out"
    before = {p for p in tmp_path.rglob("*")}
    # supply 2 x 15 for a need of 3 x 10: both partners (both evil ids) must pair
    proc = subprocess.run(CLI + ["solve", str(inst), "--out", "out", "--no-why"], cwd=work,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    created = {p for p in tmp_path.rglob("*")} - before
    assert created, "nothing written"
    for p in created:  # every new file is inside --out
        assert p.resolve() == out.resolve() or out.resolve() in p.resolve().parents, p
    assert not list(tmp_path.rglob("PWNED*")) and not list(Path("/tmp").glob("PWNED*"))
    assert not (tmp_path.parent / "escape").exists()
    for p in out.iterdir():  # file names are the program's, never taken from the data
        assert not any(s in p.name for s in list(EVIL.values()) + ["escape", "PWNED"]), p.name
    pairings = (out / "pairings.csv").read_text(encoding="utf-8")
    assert EVIL["code"].replace('"', '""') in pairings or EVIL["code"] in pairings
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["instance"] == "$(touch PWNED3)"


def test_safe_name_keeps_files_in_their_folder():
    from optimizer.errors import InputError

    assert safe_name("report.html") == "report.html"
    for bad in ("../x.csv", "a/b.csv", "..", ".", "", "/etc/passwd", "..\\x.csv", "a\\b"):
        with pytest.raises(InputError):
            safe_name(bad)


def test_numbers_are_parsed_not_evaluated(demo):
    from optimizer import InstanceError

    for expr in ("__import__('os').getpid()", "2**10", "1e3 + 1", "0x10"):
        with pytest.raises(InstanceError, match="not a number"):
            demo.with_params({"partners[A].supply.funds": expr})
    with pytest.raises(InstanceError, match="must be a number"):
        demo.with_params({"balance.alpha": "0.1 + 0.2"})
