"""Validation of legal but suspicious data (warnings), and what is deliberately accepted.

Bad input (exit status 2) is catalogued in ``test_bad_inputs.py``; the helpers that copy and
edit the demo instance live here (other test modules import them).
"""

from __future__ import annotations

import shutil

from click.testing import CliRunner
from conftest import DEMO

from optimizer import cli


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


def validate_warnings(inst):
    result = CliRunner().invoke(cli.main, ["validate", str(inst)])
    assert result.exit_code == 0, result.output
    return result.output


def test_warning_for_unreachable_recipient(tmp_path):
    def edit(d):
        replace(d / "pairs.csv", "partner,recipient,comp,pot,ben",
                "partner,recipient,comp,pot,ben,allowed")
        for line, flag in [("A,X,0.0,1.0,0.7", "true"), ("A,Y,0.0,0.3,0.5", "true"),
                           ("A,W,0.0,0.5,0.2", "false"), ("B,X,0.0,0.2,0.3", "true"),
                           ("B,Y,0.0,0.8,0.8", "true"), ("B,W,0.0,0.7,0.5", "false")]:
            replace(d / "pairs.csv", line, f"{line},{flag}")
    out = validate_warnings(make(tmp_path, edit))
    assert "warning: recipient W (Forest County) has no partner" in out


def test_warning_for_more_partners_than_can_pair(tmp_path):
    inst = make(tmp_path, lambda d: replace(d / "recipients.csv", "X,Hill County,100,3.0,6.0,1,",
                                            "X,Hill County,100,3.0,6.0,3,"))
    out = validate_warnings(inst)
    assert "recipient X (Hill County) must get at least 3 partners but only 2 may pair with it" in out


def test_warning_for_access_floor_above_absorptive_capacity(tmp_path):
    def edit(d):
        replace(d / "recipients.csv", ",prod.funds,", ",absorb.funds,prod.funds,")
        replace(d / "recipients.csv", "80,10,1.0,3.0", "80,10,20,1.0,3.0")
        replace(d / "recipients.csv", "60,10,1.5,2.0", "60,10,60,1.5,2.0")
        replace(d / "recipients.csv", "50,10,0.8,4.0", "50,10,50,0.8,4.0")
    out = validate_warnings(make(tmp_path, edit))
    assert "recipient X (Hill County)'s access floor for funds is 24 (alpha x need) but it can absorb only 20" in out


def test_warning_for_access_floor_above_reachable_supply(tmp_path):
    inst = make(tmp_path, lambda d: replace(d / "partners.csv", "B,Delta City,2,60,20",
                                            "B,Delta City,2,60,0.5"))
    inst2 = make(tmp_path, lambda d: (replace(d / "partners.csv", "B,Delta City,2,60,20",
                                              "B,Delta City,2,60,0.5"),
                                      replace(d / "partners.csv", "A,Harbour City,2,100,10",
                                              "A,Harbour City,2,100,1")), name="inst2")
    assert "access floor" not in validate_warnings(inst)
    out = validate_warnings(inst2)
    assert "recipient X (Hill County)'s access floor for talent is 3 (alpha x need) but the partners that " \
           "may pair with it can send only 1.5" in out


def test_warning_for_listed_pair_that_can_take_no_type(tmp_path):
    def edit(d):
        (d / "instance.toml").write_text((d / "instance.toml").read_text()
                                         + "\n[types.project]\npot_min = 0.25\n")
    out = validate_warnings(make(tmp_path, edit))
    assert "the pair B-X is allowed in pairs.csv but below every type's thresholds" in out


def test_soft_rules_silence_the_warnings_they_make_harmless(tmp_path):
    inst = make(tmp_path, lambda d: (replace(d / "recipients.csv", "X,Hill County,100,3.0,6.0,1,",
                                             "X,Hill County,100,3.0,6.0,3,"),
                                     (d / "instance.toml").write_text(
                                         (d / "instance.toml").read_text()
                                         + "\n[balance.soft]\ncoverage = 100\n")))
    assert "must get at least 3 partners" not in validate_warnings(inst)


def test_bundled_instances_have_no_warnings():
    from optimizer import load_instance

    for name in ("demo", "guangdong", "east-west"):
        assert load_instance(DEMO.parent / name).warnings == ()


def test_byte_order_mark_is_accepted(tmp_path):
    """Excel's 'CSV UTF-8' starts the file with a byte-order mark: that is fine."""
    from optimizer import load_instance

    def edit(d):
        for name in ("partners.csv", "recipients.csv", "pairs.csv", "instance.toml"):
            p = d / name
            p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    plain = load_instance(DEMO)
    bom = load_instance(make(tmp_path, edit))
    assert list(bom.partners.index) == list(plain.partners.index)
    for key in ("supply", "need", "pot", "ben"):
        assert (bom.arrays[key] == plain.arrays[key]).all()


def test_windows_line_endings_are_accepted(tmp_path):
    from optimizer import load_instance

    def edit(d):
        for name in ("partners.csv", "recipients.csv", "pairs.csv"):
            p = d / name
            p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    inst = load_instance(make(tmp_path, edit))
    assert list(inst.recipients.index) == ["X", "Y", "W"]


def test_the_text_nan_is_an_id_not_a_missing_value(tmp_path):
    """'Nan' is a place name (e.g. Nan'an); only an empty cell is a missing id."""
    from optimizer import load_instance

    inst = make(tmp_path, lambda d: (replace(d / "recipients.csv", "W,Forest County", "Nan,Forest County"),
                                     replace(d / "pairs.csv", "A,W,", "A,Nan,"),
                                     replace(d / "pairs.csv", "B,W,", "B,Nan,")))
    assert "Nan" in load_instance(inst).recipients.index
