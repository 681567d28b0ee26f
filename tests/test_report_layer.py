"""The report layer: a solve builds report.html and results.xlsx from its tables in memory,
``regcollab report DIR`` rebuilds them from the folder, and both give the same report."""

from __future__ import annotations

import pytest
from conftest import ROOT
from golden import report_text

import optimizer.results
from optimizer import load_instance, solve
from optimizer.commands.report import write_extras
from optimizer.report import REPORT_FILE, build_html, load_results


def write_solve(sol, out):
    """Write a solve's folder with its report and workbook, as ``solve --out`` does (from
    memory); returns the results it was written from (a ResultFiles)."""
    kept = {}

    def extra(tmp, files):
        kept["files"] = files
        write_extras(tmp, quiet=True, files=files)

    sol.write(out, extra=extra)
    return kept["files"]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A solve of the bundled Guangdong instance written with its report, and the results
    it was written from."""
    sol = solve(load_instance(ROOT / "instances" / "guangdong"))
    out = tmp_path_factory.mktemp("gd") / "res"
    return out, write_solve(sol, out)


def test_the_report_of_a_solve_is_the_report_rebuilt_from_its_folder(written):
    out, _ = written
    from_memory = report_text((out / REPORT_FILE).read_text(encoding="utf-8"))
    from_folder = report_text(build_html(load_results(out)))
    assert from_memory == from_folder


def test_a_solve_reads_nothing_back_for_its_report_and_workbook(written, tmp_path,
                                                                  monkeypatch):
    out, files = written

    def no_reading(*a, **k):
        raise AssertionError("a results file was read back")

    monkeypatch.setattr(optimizer.results, "read_folder", no_reading)
    monkeypatch.setattr("optimizer.report.results.read_folder", no_reading)
    monkeypatch.setattr(optimizer.results, "read_result_csv", no_reading)
    monkeypatch.setattr("optimizer.workbook.results_book._read_result", no_reading)
    folder = tmp_path / "empty"  # nothing to read there: what is written comes from memory
    folder.mkdir()
    assert write_extras(folder, quiet=True, files=files) == ["report.html", "results.xlsx"]
    assert report_text((folder / REPORT_FILE).read_text(encoding="utf-8")) == report_text(
        (out / REPORT_FILE).read_text(encoding="utf-8"))


def test_the_workbook_of_a_solve_holds_the_tables_of_its_folder(written):
    openpyxl = pytest.importorskip("openpyxl")
    out, _ = written
    from optimizer.workbook import write_results_workbook

    again = write_results_workbook(out, out.parent / "again.xlsx")
    a, b = openpyxl.load_workbook(out / "results.xlsx"), openpyxl.load_workbook(again)
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        rows_a = list(a[name].iter_rows(values_only=True))
        rows_b = list(b[name].iter_rows(values_only=True))
        assert len(rows_a) == len(rows_b), name
        for ra, rb in zip(rows_a, rows_b):
            for x, y in zip(ra, rb):
                if isinstance(x, float) and isinstance(y, (int, float)):
                    assert x == pytest.approx(y, rel=1e-9, abs=1e-12), (name, ra, rb)
                else:
                    assert x == y, (name, ra, rb)


def test_a_hand_edited_result_in_memory_is_checked_as_a_file_would_be(written, tmp_path):
    _, files = written
    broken = optimizer.results.ResultFiles(
        summary=files.summary,
        tables={**files.tables, "recipients": files.tables["recipients"].drop(columns="u")})
    notes = []
    assert write_extras(tmp_path, notes=notes, files=broken) == []
    assert notes == ["report.html and results.xlsx were not rebuilt: recipients.csv: the "
                     "column 'u' is missing (the report needs it)"]


def test_balance_rules_are_named_by_the_rule_registry():
    from optimizer.report import rule_words
    from optimizer.rules import BALANCE

    for rule in BALANCE:
        assert rule_words(rule.name) == rule.statement
    assert rule_words("a_rule_of_an_older_version") == "a_rule_of_an_older_version"


def test_the_templates_escape_every_value_they_print():
    from optimizer.report.html import environment

    env = environment()
    assert env.autoescape is True
    text = env.from_string("<p title=\"{{ v }}\">{{ v }}</p>").render(
        v="<script>'a' & \"b\"\x07</script>")
    assert text == ('<p title="&lt;script&gt;&#x27;a&#x27; &amp; &quot;b&quot; &lt;/script&gt;">'
                    "&lt;script&gt;&#x27;a&#x27; &amp; &quot;b&quot; &lt;/script&gt;</p>")
    assert env.from_string("{{ missing }}|{{ half }}").render(missing=None, half=0.5) == "|0.5"
