"""The README's and the tutorial's commands run as written, and print what the docs show.

Every `regcollab ...` line of the README's tour is run in order in a fresh folder (beside a
link to `instances/`, as in a checkout) and must exit as a planner would expect: 0, or 2 for
the placeholder `my-instance`. Every `$ command` of docs/tutorial.md is run in order too, and
each output line the tutorial shows (apart from `...` and the times, which vary) must appear
in what the command printed, in the same order. The minimal example of
docs/instance-format.md is written out and must validate and solve.
"""

from __future__ import annotations

import re
import shlex

import pytest
from click.testing import CliRunner
from conftest import ROOT

from optimizer import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
TUTORIAL = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
TUTORIAL_ZH = (ROOT / "docs" / "zh" / "tutorial.md").read_text(encoding="utf-8")
FORMAT = (ROOT / "docs" / "instance-format.md").read_text(encoding="utf-8")
PLACEHOLDERS = {"my-instance"}  # names the README uses for "your own instance"
# the long commands of the tour: run with fewer samples and sweep values by default (same
# options otherwise); `pytest -m slow` runs them as written
SHORTENED = {"--samples 50": "--samples 3 --workers 1", "--values 0.1:0.9:9": "--values 0.1:0.9:3",
             # east-west's why re-solves take 4 of its 5 s; the long form runs with -m slow
             "regcollab solve east-west": "regcollab solve east-west --no-why"}


def tour_commands() -> list[str]:
    block = README.split("## A short tour", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines()
            if line.startswith("regcollab ")]


def tutorial_steps(text: str = TUTORIAL) -> list[tuple[str, list[str]]]:
    """(command, the output lines the tutorial shows for it), in the tutorial's order."""
    steps, inside, current = [], False, None
    for line in text.splitlines():
        if line.startswith("```"):
            inside, current = not inside, None
        elif inside and line.startswith("$ "):
            current = (line[2:].strip(), [])
            steps.append(current)
        elif inside and current is not None:
            current[1].append(line)
    return steps


def run(args: list[str], cwd) -> tuple[int, str]:
    if args[0] == "ls":  # the tutorial lists a folder
        return 0, "\n".join(sorted(p.name for p in (cwd / args[-1]).iterdir()
                                   if not p.name.startswith("."))) + "\n"
    assert args[0] == "regcollab", args
    result = CliRunner().invoke(cli.main, args[1:], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    (tmp_path / "instances").symlink_to(ROOT / "instances")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


HEAVY = ("solve", "pareto", "report", "sweep", "robustness")
"""The tour's commands that solve a real instance (or rebuild its report) several times over:
each is run by other tests of the default run (test_cli, test_pareto, test_report,
test_sweep, ...); here they run with -m slow (test_readme_tour_heavy_commands_as_written),
the others (demo, validate, explain, convert, generate, diagnose) by default."""


def _heavy(command: str) -> bool:
    words = command.split()
    return words[1] in HEAVY and "demo" not in words


def test_readme_tour_runs_as_written(workdir):
    _tour(workdir, heavy=False)


@pytest.mark.slow
def test_readme_tour_heavy_commands_as_written(workdir):
    _tour(workdir, heavy=True)


def _tour(workdir, heavy: bool):
    commands = tour_commands()
    assert len(commands) >= 15
    commands = [c for c in commands if _heavy(c) == heavy]
    assert len(commands) >= 5
    for command in commands:
        for long, short in SHORTENED.items():
            command = command.replace(long, short)
        args = shlex.split(command)
        code, out = run(args, workdir)
        if PLACEHOLDERS & set(args):
            assert code == 2 and "does not exist" in out, (command, out)
        else:
            assert code == 0, (command, out[-2000:])
            assert "Traceback" not in out and "internal error" not in out, command


@pytest.mark.slow
def test_readme_tour_long_command_as_written(workdir):
    for command in tour_commands():
        if any(long in command for long in SHORTENED):
            code, out = run(shlex.split(command), workdir)
            assert code == 0, out


TIME = re.compile(r"^\s*(time|用时)\s+[\d.]+ (s \(|秒（)")  # English and Chinese


def _shown(lines: list[str]) -> list[str]:
    return [ln.rstrip() for ln in lines if ln.strip() not in ("", "...") and not TIME.match(ln)]


@pytest.mark.parametrize("text", [TUTORIAL, TUTORIAL_ZH], ids=["en", "zh"])
def test_tutorial_prints_what_it_shows(workdir, text):
    """docs/tutorial.md and its Chinese twin docs/zh/tutorial.md (the same commands with
    --lang zh) print what they show."""
    steps = tutorial_steps(text)
    assert len(steps) >= 8
    for command, shown in steps:
        code, out = run(shlex.split(command), workdir)
        assert code == 0, (command, out[-2000:])
        got = [ln.rstrip() for ln in out.splitlines()]
        pos = 0
        for line in _shown(shown):  # in order, each line the tutorial shows
            try:
                pos = got.index(line, pos) + 1
            except ValueError:
                pytest.fail(f"`{command}`: the tutorial shows\n  {line}\nwhich the command "
                            f"does not print (in that order); it printed:\n{out}")


def test_instance_format_minimal_example_validates_and_solves(workdir):
    section = FORMAT.split("## A minimal example", 1)[1].split("\n## ", 1)[0]
    files = re.findall(r"`([a-z_.]+)`:\s*\n\s*```[a-z]*\n(.*?)```", section, re.S)
    assert {name for name, _ in files} >= {"instance.toml", "partners.csv", "recipients.csv"}
    folder = workdir / "example"
    folder.mkdir()
    for name, text in files:
        (folder / name).write_text(text, encoding="utf-8")
    code, out = run(["regcollab", "validate", str(folder)], workdir)
    assert code == 0 and "valid" in out, out
    description = re.search(r'description = "(.*)"', files[0][1]).group(1)
    counts = re.search(r"(\w+) cities help (\w+) counties", description.lower())
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
    assert counts, description
    assert f"{words[counts.group(1)]} partners, {words[counts.group(2)]} recipients" in out, out
    code, out = run(["regcollab", "solve", str(folder), "--quiet"], workdir)
    assert code == 0, out


def test_readme_python_example_runs(workdir):
    """The README's Python block, as a planner would paste it into a script."""
    block = README.split("From Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)  # noqa: S102 - our own docs
    assert scope["sol"].has_plan and len(scope["sol"].pairings) > 0
    assert scope["inst2"].params["balance"]["alpha"] == 0.5
