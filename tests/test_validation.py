"""Bad instances get exit status 2 and one message naming the file, row and column."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import DEMO, ROOT

import cli


def make(tmp_path, edit=None, name="inst"):
    dst = tmp_path / name
    shutil.copytree(DEMO, dst)
    if edit:
        edit(dst)
    return dst


def replace(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def run_cli(*args):
    result = CliRunner().invoke(cli.main, list(map(str, args)))
    return result.exit_code, result.output


CASES = {
    # name: (edit, expected fragments: file, row, column, what)
    "missing partners file": (lambda d: (d / "partners.csv").unlink(),
                              ["partners.csv", "missing"]),
    "missing instance.toml": (lambda d: (d / "instance.toml").unlink(),
                              ["instance.toml", "missing"]),
    "missing column": (lambda d: replace(d / "recipients.csv", ",population,", ",pop,"),
                       ["recipients.csv", "line 1", "population", "missing"]),
    "missing resource column": (lambda d: replace(d / "recipients.csv", ",prod.talent", ",prod.skills"),
                                ["recipients.csv", "prod.talent", "missing"]),
    "non-numeric": (lambda d: replace(d / "partners.csv", "B,Delta City,2,60,20", "B,Delta City,2,sixty,20"),
                    ["partners.csv", "line 3", "id B", "supply.funds", "'sixty' is not a number"]),
    "negative supply": (lambda d: replace(d / "partners.csv", "A,Harbour City,2,100,10", "A,Harbour City,2,-100,10"),
                        ["partners.csv", "line 2", "id A", "supply.funds", "at least 0"]),
    "NaN value": (lambda d: replace(d / "recipients.csv", "100,3.0,6.0", "100,NaN,6.0"),
                  ["recipients.csv", "line 2", "id X", "baseline", "NaN"]),
    "infinite value": (lambda d: replace(d / "recipients.csv", "100,3.0,6.0", "100,inf,6.0"),
                       ["recipients.csv", "line 2", "id X", "baseline", "finite"]),
    "zero population": (lambda d: replace(d / "recipients.csv", "Y,Lake County,50,", "Y,Lake County,0,"),
                        ["recipients.csv", "line 3", "id Y", "population", "greater than 0"]),
    "duplicate id": (lambda d: replace(d / "recipients.csv", "W,Forest County", "X,Forest County"),
                     ["recipients.csv", "line 4", "column 'id'", "'X' is used twice", "line 2"]),
    "unknown recipient in pairs": (lambda d: replace(d / "pairs.csv", "A,W,", "A,Z,"),
                                   ["pairs.csv", "line 4", "recipient", "'Z' is not in recipients.csv"]),
    "unknown partner in pairs": (lambda d: replace(d / "pairs.csv", "B,X,", "C,X,"),
                                 ["pairs.csv", "line 5", "partner", "'C' is not in partners.csv"]),
    "pot above 1": (lambda d: replace(d / "pairs.csv", "A,X,0.0,1.0,0.7", "A,X,0.0,1.5,0.7"),
                    ["pairs.csv", "line 2", "column 'pot'", "between 0 and 1"]),
    "ben below 0": (lambda d: replace(d / "pairs.csv", "A,X,0.0,1.0,0.7", "A,X,0.0,1.0,-0.1"),
                    ["pairs.csv", "line 2", "column 'ben'", "between 0 and 1"]),
    "type threshold outside [0,1]": (
        lambda d: (d / "instance.toml").write_text(
            (d / "instance.toml").read_text() + "\n[types.platform]\nben_min = 1.4\n"),
        ["instance.toml", "types.platform.ben_min", "between 0 and 1"]),
    "alpha outside [0,1]": (lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpha = 3"),
                            ["instance.toml", "balance.alpha", "between 0 and 1"]),
    "resource only in recipients": (
        lambda d: (replace(d / "recipients.csv", ",prod.funds,", ",prod.funds,prod.water,"),
                   replace(d / "recipients.csv", ",0.8,4.0", ",0.8,1,4.0"),
                   replace(d / "recipients.csv", ",1.5,2.0", ",1.5,1,2.0"),
                   replace(d / "recipients.csv", ",1.0,3.0", ",1.0,1,3.0")),
        ["recipients.csv", "prod.water", "resource 'water'", "not a resource"]),
    "resource declared but no supply column": (
        lambda d: (d / "instance.toml").write_text(
            (d / "instance.toml").read_text() + "\n[resources.land]\nvalue = 1\n"),
        ["partners.csv", "supply.land", "missing"]),
    "malformed TOML": (lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpha = = 0.3"),
                       ["instance.toml", "not valid TOML", "line"]),
    "unknown setting": (lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpah = 0.3"),
                        ["instance.toml", "balance.alpah", "unknown"]),
    "min above max partners": (
        lambda d: replace(d / "recipients.csv", "X,Hill County,100,3.0,6.0,1,,", "X,Hill County,100,3.0,6.0,3,2,"),
        ["recipients.csv", "line 2", "id X", "min_partners", "larger than max_partners"]),
    "fractional max_partners": (lambda d: replace(d / "partners.csv", "A,Harbour City,2,", "A,Harbour City,1.5,"),
                                ["partners.csv", "line 2", "max_partners", "whole number"]),
    "empty required cell": (lambda d: replace(d / "recipients.csv", "100,3.0,6.0", "100,,6.0"),
                            ["recipients.csv", "line 2", "id X", "baseline", "empty"]),
    "wrong number of fields": (lambda d: replace(d / "partners.csv", "B,Delta City,2,60,20", "B,Delta City,2,60"),
                               ["partners.csv", "line 3", "fields"]),
    "not utf-8": (lambda d: (d / "partners.csv").write_bytes(
        (d / "partners.csv").read_bytes().replace(b"Harbour", b"Harb\xe9our")),
        ["partners.csv", "line 2", "UTF-8"]),
    "bad boolean": (lambda d: replace(d / "pairs.csv", "partner,recipient,comp,pot,ben",
                                      "partner,recipient,comp,pot,ben,allowed", 1) or
                    [replace(d / "pairs.csv", line, line + ",sometimes") for line in
                     ["A,X,0.0,1.0,0.7"]] and
                    [replace(d / "pairs.csv", line, line + ",") for line in
                     ["A,Y,0.0,0.3,0.5", "A,W,0.0,0.5,0.2", "B,X,0.0,0.2,0.3", "B,Y,0.0,0.8,0.8",
                      "B,W,0.0,0.7,0.5"]],
                    ["pairs.csv", "line 2", "allowed", "'sometimes' is not true or false"]),
    "fixed but not allowed": (
        lambda d: (d / "pairs.csv").write_text("partner,recipient,pot,ben,allowed,fixed\nA,X,1,0.7,false,true\n"),
        ["pairs.csv", "line 2", "fixed", "not allowed"]),
    "fixed pair that can take no type": (
        lambda d: (replace(d / "instance.toml", "[balance]", "[balance]"),
                   (d / "instance.toml").write_text((d / "instance.toml").read_text()
                                                    + "\n[types.project]\npot_min = 0.1\n"),
                   (d / "pairs.csv").write_text("partner,recipient,pot,ben,fixed\nA,X,0.0,0.1,true\n")),
        ["pairs.csv", "line 2", "fixed", "can take no collaboration type"]),
    "empty partners table": (lambda d: (d / "partners.csv").write_text("id,name,max_partners,supply.funds,supply.talent\n"),
                             ["partners.csv", "no partners"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_instance_exit_2(tmp_path, case):
    edit, fragments = CASES[case]
    inst = make(tmp_path, edit)
    for command in ("validate", "solve"):
        code, out = run_cli(command, inst)
        assert code == 2, (case, code, out)
        assert "Traceback" not in out
        assert out.startswith("error: "), out
        assert out.count("\n") == 1, out  # one message
        for frag in fragments:
            assert frag in out, (case, frag, out)


def test_missing_folder(tmp_path):
    code, out = run_cli("solve", tmp_path / "nowhere")
    assert code == 2 and "does not exist" in out


def test_subprocess_shows_no_traceback(tmp_path):
    """Through the installed entry point, as a planner runs it."""
    inst = make(tmp_path, CASES["non-numeric"][0])
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "solve", str(inst)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "partners.csv, line 3 (id B), column 'supply.funds'" in proc.stderr


def test_warning_for_unreachable_recipient(tmp_path):
    def edit(d):
        (d / "pairs.csv").write_text((d / "pairs.csv").read_text()
                                     + "")
        replace(d / "pairs.csv", "partner,recipient,comp,pot,ben",
                "partner,recipient,comp,pot,ben,allowed")
        for line, flag in [("A,X,0.0,1.0,0.7", "true"), ("A,Y,0.0,0.3,0.5", "true"),
                           ("A,W,0.0,0.5,0.2", "false"), ("B,X,0.0,0.2,0.3", "true"),
                           ("B,Y,0.0,0.8,0.8", "true"), ("B,W,0.0,0.7,0.5", "false")]:
            replace(d / "pairs.csv", line, f"{line},{flag}")
    inst = make(tmp_path, edit)
    result = CliRunner().invoke(cli.main, ["validate", str(inst)])
    assert result.exit_code == 0
    assert "warning: recipient W (Forest County) has no partner" in result.output
