"""Every message of the bad-input catalogues is said in Chinese when asked (issue 18): the
bad option values of every command (tests/test_bad_options.py) and the bad instances
(tests/test_bad_inputs.py), run with ``--lang zh``, give messages with no English sentence
left in them, and English stays English. click's own words (usage, help, its parse errors)
included: optimizer.commands.clickwords."""

from __future__ import annotations

import io
import re
from importlib.metadata import version

import pytest
from click.testing import CliRunner
from conftest import DEMO

import test_bad_inputs
import test_bad_options
from optimizer.cli import main

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,;]+[a-z]{2,}){2,}\b")
"""Three English words in a row: a sentence left untranslated."""


LIBRARY_WORDS = ("missing port number in address",)
"""Another library's own words quoted as the detail of a message (Dask's about an address)."""


def english_left(message: str) -> str | None:
    """The first English phrase of ``message`` once identifiers are set aside: quoted text
    (ids, values the planner typed), option and setting names, file names, lists of names
    (``coverage, access_floor, capacity``, which are identifiers) and other libraries' words
    quoted as a detail (:data:`LIBRARY_WORDS`)."""
    for words in LIBRARY_WORDS:
        message = message.replace(words, " ")
    text = re.sub(r"'[^']*'|\"[^\"]*\"|“[^”]*”", " ", message)
    text = re.sub(r"--?[\w-]+|\b\w+\.(csv|toml|xlsx|mps|lp|json|html)\b", " ", text)
    text = re.sub(r"\b[\w.\[\]]+(?:, [\w.\[\]]+){2,}", " ", text)  # a list of names
    found = ENGLISH.search(text)
    return found.group(0) if found else None


def test_the_detector_finds_english_and_passes_identifiers():
    assert english_left("错误：partners.csv，line 3：has 4 fields but the header has 5")
    assert english_left("错误：--gap must be a relative gap with 0 <= gap < 1") == (
        "relative gap with")
    assert english_left("错误：--soft bogus：'bogus' 不是平衡规则；规则有 coverage, access_floor, "
                        "capacity, outcome_floor（或 all）") is None
    assert english_left("错误：没有选项 '--foo'。（是否想用：'--force', '--format'？）") is None


def _run(args):
    res = CliRunner().invoke(main, args)
    return res.exit_code, res.output.strip()


def test_every_bad_option_is_refused_in_chinese(tmp_path):
    """One run per bad value of every option (the options are checked before any solve)."""
    left = []
    for command, option, value, extra in test_bad_options.CASES:
        extra = [str(tmp_path / "out") if a == "OUT" else a for a in extra]
        args = (["--lang", "zh", command]
                + ([] if command in test_bad_options.ARGUMENTS else [str(DEMO)])
                + list(extra) + [option, value])
        code, out = _run(args)
        assert code == 2, (args, out)
        assert out.startswith("错误：") and out.count("\n") == 0, (args, out)
        assert option in out, (args, out)
        phrase = english_left(out)
        if phrase or not CJK.search(out.removeprefix("错误：")):
            left.append(f"{command} {option} {value!r}: {out}")
    assert not left, "English left in Chinese messages:\n" + "\n".join(left)


def test_every_bad_instance_is_refused_in_chinese(tmp_path):
    left = []
    for i, (case, (edit, fragments)) in enumerate(test_bad_inputs.CASES.items()):
        folder = tmp_path / f"case{i}"
        folder.mkdir()
        inst = test_bad_inputs.make(folder, edit)
        code, out = _run(["validate", str(inst), "--lang", "zh"])
        assert code == 2, (case, out)
        assert out.startswith("错误：") and out.count("\n") == 0, (case, out)
        assert fragments[0] in out, (case, out)  # the file is named first, as in English
        phrase = english_left(out)
        if phrase:
            left.append(f"{case}: {phrase!r} in {out}")
    assert not left, "English left in Chinese messages:\n" + "\n".join(left)


@pytest.mark.parametrize("args,english,chinese", [
    (["solve", "--help"], "Usage:", "用法："),
    (["solve", "--help"], "Show this message and exit.", "显示本帮助并退出。"),
    (["--help"], "Commands:", "命令："),
    (["solve", str(DEMO), "--foo"], "No such option '--foo'.", "没有选项 '--foo'。"),
    (["solve", str(DEMO), "--method", "best"], "Invalid value for '--method'",
     "'--method' 的值无效"),
    (["bogus"], "No such command 'bogus'. (see 'regcollab --help')",
     "没有命令 'bogus'。（参见 'regcollab --help'）"),
])
def test_clicks_own_words_follow_the_language(args, english, chinese):
    assert english in CliRunner().invoke(main, ["--lang", "en", *args]).output
    zh = CliRunner().invoke(main, ["--lang", "zh", *args]).output
    assert chinese in zh and english not in zh


def test_another_click_program_keeps_clicks_words():
    """The words are ours only while a regcollab command runs."""
    import click

    from optimizer.i18n import use_language

    CliRunner().invoke(main, ["--lang", "zh", "solve", "--help"])  # installs the words

    @click.command()
    @click.option("--n", type=int)
    def other(n):
        pass

    with use_language("zh"):
        out = CliRunner().invoke(other, ["--help"]).output
        bad = CliRunner().invoke(other, ["--n", "x"]).output
    assert "Usage:" in out and "Show this message and exit." in out
    assert "is not a valid integer" in bad


def test_the_list_of_clicks_words_is_complete():
    """Every message of the click modules a command line shows is in clickwords (or named
    below as one a regcollab command never shows): a click release with new words fails here
    rather than speaking English in a Chinese run."""
    from pathlib import Path

    import click
    from babel.messages.extract import extract_python

    from optimizer.commands import clickwords

    never_shown = {  # programmers' errors and prompts: regcollab declares no such option
        "Name '{name}' defined twice", "Boolean option {decl!r} cannot use the same flag for "
        "true/false.", "Could not determine name for option with declarations {decls!r}",
        "Arguments take exactly one parameter declaration, got {length}: {decls}.",
        "Do you want to continue?", "Confirm the action without prompting.",
        "%(prog)s, version %(version)s", "Choose from:\n\t{choices}", "Choice({choices})",
        "{value!r} is not a valid UUID.", "Invalid start character for option ({option})"}
    ours = set(clickwords.WORDS)
    source = Path(clickwords.__file__).read_bytes()
    for _line, _f, message, _c in extract_python(io.BytesIO(source), {"ngettext": (1, 2)}, [],
                                                 {}):
        ours.add(message[0])
    theirs = set()
    for name in clickwords.MODULES:
        path = Path(click.__file__).parent / f"{name}.py"
        with open(path, "rb") as fh:
            for _line, _f, message, _c in extract_python(fh, {"_": None, "ngettext": (1, 2)},
                                                         [], {}):
                if message is None or (isinstance(message, tuple) and message[0] is None):
                    continue
                key = message[0] if isinstance(message, tuple) else message
                if not key.startswith("No options defined but a name was passed"):
                    theirs.add(key)
    missing = sorted(theirs - ours - never_shown)
    assert not missing, f"click {version('click')} says these; add them to clickwords: {missing}"


def _data_words():
    """The demo's own names and resource names: data, not words to translate."""
    from optimizer import load_instance

    inst = load_instance(DEMO)
    names = [*inst.partners["name"], *inst.recipients["name"], *inst.resources]
    return sorted({str(n) for n in names}, key=len, reverse=True)


@pytest.mark.parametrize("args", [
    ["validate"], ["sensitivity"], ["pareto", "--points", "3"],
    ["sweep", "--param", "balance.alpha", "--values", "0.2,0.6", "--workers", "1"],
    ["robustness", "--samples", "3", "--workers", "1"], ["explain", "--pair", "A:X"],
    ["explain", "--partner", "A", "--recipient", "W"], ["diagnose"],
    ["solve", "--method", "lexicographic"], ["solve", "--method", "epsilon", "--eps", "0.3"],
    ["solve", "--rounds", "2"],
], ids=lambda a: " ".join(a))
def test_every_command_speaks_chinese_on_the_demo(args):
    """What each command prints for the demo, in Chinese, has no English sentence in it (the
    demo's names and resources set aside)."""
    res = CliRunner().invoke(main, ["--lang", "zh", args[0], str(DEMO), *args[1:]])
    assert res.exit_code == 0, res.output
    text = res.output
    for word in _data_words():
        text = text.replace(word, " ")
    left = [line for line in text.splitlines() if english_left(line)]
    assert not left, "English left:\n" + "\n".join(left)


def test_output_folder_refusals_are_said_in_chinese(tmp_path):
    """The output safety rules (a folder that holds the planner's own files is never
    replaced) refuse in the planner's language."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "budget.xlsx").write_text("the planner's own file")
    for args in (["solve", str(DEMO), "--out", str(mine)],
                 ["solve", str(DEMO), "--out", str(mine), "--force"],
                 ["solve", str(DEMO), "--out", str(DEMO)]):
        code, out = _run(["--lang", "zh", *args])
        assert code == 2 and out.startswith("错误："), (args, out)
        assert not english_left(out), out
    assert (mine / "budget.xlsx").read_text() == "the planner's own file"


def test_chinese_short_help_is_cut_by_sentence():
    """click cuts a short help at spaces, which Chinese has none of (it showed "..." for
    app): every command in the group's Chinese help has its words, cut at a sentence or "…"."""
    out = CliRunner().invoke(main, ["--lang", "zh", "--help"]).output
    rows = out.split("命令：", 1)[1].strip("\n").splitlines()
    names = [r.split()[0] for r in rows if r.startswith("  ") and not r.startswith("   ")]
    assert set(names) == set(main.commands)
    for row in rows:
        if row.startswith("  ") and not row.startswith("   "):
            assert CJK.search(row) and not row.rstrip().endswith("..."), row
