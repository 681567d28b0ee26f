"""What a planner reads is in the language asked for, what a program reads is the same in
both (issue 18): the terminal summary, the result files, and the reasons."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import DEMO

from optimizer.i18n import _, use_language

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    """The demo solved in two rounds with its results written, once in each language."""
    from optimizer.cli import main

    out = {}
    for lang in ("en", "zh"):
        folder = tmp_path_factory.mktemp(lang) / "res"
        res = CliRunner().invoke(main, ["solve", str(DEMO), "--rounds", "2", "--why",
                                        "--out", str(folder), "--no-report", "--lang", lang])
        assert res.exit_code == 0, res.output
        out[lang] = (res.output, folder)
    return out


def _untimed(obj):
    """``obj`` without its clock readings (``timings``, a stage's ``seconds``)."""
    if isinstance(obj, dict):
        return {k: _untimed(v) for k, v in obj.items() if k not in ("timings", "seconds")}
    if isinstance(obj, list):
        return [_untimed(v) for v in obj]
    return obj


def _headings(lang):
    with use_language(lang):
        return [_("Summary"), _("Why these types"), _("price of fairness"), _("efficiency"),
                _("Roadmap (rounds {rounds})").split("{")[0]]


def test_the_terminal_summary_speaks_the_language_asked_for(demo_runs, lang):
    text = demo_runs[lang][0]
    for heading in _headings(lang):
        assert heading in text, heading
    from optimizer.typology import type_name

    # each pairing's type is named in the language (项目型 / 平台型 / 制度型)
    names = {type_name(t) for t in ("project", "platform", "institutional")}
    assert any(n in text for n in names)
    if lang == "zh":
        assert names == {"项目型", "平台型", "制度型"}
        for english in ("Summary", "Pairings", "Why these types", "institutional",
                        "platform", "eligible for", "the objective would drop"):
            assert english not in text, english
    else:
        assert not CJK.search(text)


def test_what_programs_read_is_the_same_in_both_languages(demo_runs):
    en, zh = demo_runs["en"][1], demo_runs["zh"][1]
    assert sorted(p.name for p in en.iterdir()) == sorted(p.name for p in zh.iterdir())
    for csv in en.glob("*.csv"):
        a, b = pd.read_csv(csv), pd.read_csv(zh / csv.name)
        assert list(a.columns) == list(b.columns), csv.name
        # sentences for people follow the language (docs/cli.md): the reasons, the meanings
        same = [c for c in a.columns if c not in ("reason", "meaning")]
        pd.testing.assert_frame_equal(a[same], b[same], check_exact=False, rtol=1e-9)
    s_en, s_zh = (_untimed(json.loads((f / "summary.json").read_text())) for f in (en, zh))
    assert s_en == s_zh
    reasons = pd.read_csv(zh / "pairings.csv")["reason"]
    assert all(CJK.search(r) for r in reasons)
    types = set(pd.read_csv(zh / "pairings.csv")["type"])
    assert types <= {"project", "platform", "institutional"}


def test_json_output_is_the_same_in_both_languages():
    from optimizer.cli import main

    runs = [_untimed(json.loads(CliRunner().invoke(main, ["solve", str(DEMO), "--format", "json",
                                                "--no-why", "--lang", lang]).output))
            for lang in ("en", "zh")]
    assert all(CJK.search(p["reason"]) for p in runs[1]["pairings"])
    for r in runs:  # the reasons are words for people, in the language
        for p in r["pairings"]:
            p.pop("reason")
    assert runs[0] == runs[1]


def test_explain_speaks_the_language_asked_for(lang):
    from optimizer.cli import main

    res = CliRunner().invoke(main, ["explain", str(DEMO), "--rounds", "2", "--pair", "A:Y",
                                    "--lang", lang])
    assert res.exit_code == 0, res.output
    text = res.output
    with use_language(lang):
        for heading in (_("Eligibility"), _("What binds it"), _("Round by round"),
                        _("What the alternatives would cost"), _("without this pairing")):
            assert heading in text, heading
    if lang == "zh":
        assert "推荐采用平台型" in text and "项目型" in text
        for english in ("recommended as", "the objective would drop", "Eligibility",
                        "platform", "round 1"):
            assert english not in text, english
    else:
        assert not CJK.search(text)
    # JSON keeps its coded values in both languages
    js = json.loads(CliRunner().invoke(main, ["explain", str(DEMO), "--pair", "A:Y", "--format",
                                              "json", "--lang", lang]).output)
    (pair,) = js["pairs"]
    assert pair["chosen"] == "platform"
    assert {a["label"] for a in pair["alternatives"]} <= {"as project", "without this pairing"}


def test_the_diagnosis_speaks_the_language_asked_for(tmp_path, lang):
    import shutil

    from optimizer.cli import main

    inst = tmp_path / "alpha1"
    shutil.copytree(DEMO, inst)
    toml = inst / "instance.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("alpha = 0.3", "alpha = 1.0"),
                    encoding="utf-8")
    res = CliRunner().invoke(main, ["diagnose", str(inst), "--lang", lang])
    assert res.exit_code == 3, res.output
    with use_language(lang):
        for words in (_("These rules cannot all hold together:"), _("For the whole instance:"),
                      _("lower {path} from {current} to {value} (the largest value that leaves "
                        "a plan)").format(path="balance.alpha", current="1", value="0.8421")):
            assert words in res.output, words
    assert "[access_floor[X,funds]]" in res.output  # the model's names stay as they are
    if lang == "zh":
        assert "获取下限" in res.output and "These rules" not in res.output


def test_validation_messages_name_file_row_and_column_in_the_language(tmp_path, lang):
    import shutil

    from optimizer.cli import main

    inst = tmp_path / "bad"
    shutil.copytree(DEMO, inst)
    rec = inst / "recipients.csv"
    lines = rec.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[2] = "-5"  # Lake County's population
    lines[2] = ",".join(cells)
    rec.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(inst), "--lang", lang])
    assert res.exit_code == 2
    out = res.output.strip()
    assert out.count("\n") == 0 and "recipients.csv" in out and "population" in out
    if lang == "zh":
        assert out.startswith("错误：") and "第 3 行（id Y）" in out and "列“population”" in out
        assert "超出范围" in out
    else:
        assert out == ("error: recipients.csv, line 3 (id Y), column 'population': -5 is out of "
                       "range: it must be at least 1e-6 (a smaller value is almost surely a "
                       "unit mistake)")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """report.html of the demo in two rounds, in each language (in-process: a glyph a chart
    font lacks would be a matplotlib warning, and warnings are errors in this suite)."""
    from optimizer.cli import main

    out = {}
    for lang in ("en", "zh"):
        folder = tmp_path_factory.mktemp(f"report-{lang}") / "res"
        res = CliRunner().invoke(main, ["solve", str(DEMO), "--rounds", "2", "--out",
                                        str(folder), "--quiet", "--lang", lang])
        assert res.exit_code == 0, res.output
        out[lang] = (folder / "report.html").read_text(encoding="utf-8")
        out[f"{lang}-folder"] = folder
    return out


def _headings(html: str) -> list[str]:
    return re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html)


def test_the_report_declares_and_speaks_its_language(reports, lang):
    html = reports[lang]
    assert f'<html lang="{ {"en": "en", "zh": "zh-CN"}[lang] }">' in html
    heads = _headings(html)
    assert len(heads) > 8
    nav = re.search(r"<nav>(.*?)</nav>", html).group(1)
    if lang == "zh":
        assert all(CJK.search(h) for h in heads), [h for h in heads if not CJK.search(h)]
        assert all(CJK.search(a) for a in re.findall(r">([^<]+)</a>", nav))
        assert "推荐的结对及其协作类型" in heads
        assert "平台型" in html and "制度型" in html  # the types' badges
        for english in ("Recommended pairings", "proven optimal", "Made by regcollab",
                        "why this type", "shadow price"):
            assert english not in html, english
    else:
        assert not CJK.search(" ".join(heads) + nav)


def test_the_reports_differ_only_in_words(reports):
    """Both languages draw the same charts (as many) and tables (as many rows)."""
    en, zh = reports["en"], reports["zh"]
    assert en.count("data:image/png;base64,") == zh.count("data:image/png;base64,") >= 4
    assert en.count("<tr") == zh.count("<tr")
    assert [a for a in re.findall(r'id="([a-z]+)"', en)] == re.findall(r'id="([a-z]+)"', zh)


def test_the_results_workbook_names_its_sheets_and_columns_in_the_language(reports):
    """zh: sheet names and headers in Chinese, the Solver reports' columns as Excel's Chinese
    edition names them (docs/glossary.md); the cells hold the same values in both."""
    import openpyxl

    books = {lang: openpyxl.load_workbook(reports[f"{lang}-folder"] / "results.xlsx")
             for lang in ("en", "zh")}
    en, zh = books["en"], books["zh"]
    assert en.sheetnames[:3] == ["summary", "pairings", "allocations"]
    assert "Sensitivity Report" in en.sheetnames and "Answer Report" in en.sheetnames
    assert zh.sheetnames[:3] == ["摘要", "结对", "资源分配"]
    assert "敏感性报告" in zh.sheetnames and "运算结果报告" in zh.sheetnames
    heads = [r[:7] for r in zh["敏感性报告"].iter_rows(values_only=True) if r[0] == "单元格"]
    assert heads == [("单元格", "名字", "终值", "递减成本", "目标式系数", "允许的增量", "允许的减量"),
                     ("单元格", "名字", "终值", "阴影价格", "约束限制值", "允许的增量", "允许的减量")]
    # the same cells below the headers: the values are the CSV files', not translated
    e_rows = list(en["pairings"].iter_rows(values_only=True))
    z_rows = list(zh["结对"].iter_rows(values_only=True))
    assert len(e_rows) == len(z_rows) and z_rows[0][:3] == ("帮扶方", "帮扶方名称", "受援方")
    import pandas as pd

    assert list(e_rows[0]) == list(pd.read_csv(reports["en-folder"] / "pairings.csv").columns)
    col = e_rows[0].index("type")
    assert [r[col] for r in e_rows[1:]] == [r[col] for r in z_rows[1:]]


def test_the_api_takes_lang_where_it_produces_words():
    """solve(lang=), explain_pair(lang=), diagnose(lang=) and Diagnosis.report(lang=): the
    words in that language, the numbers and coded values the same."""
    from optimizer import load_instance, solve
    from optimizer.diagnose import diagnose
    from optimizer.explain import explain_pair

    inst = load_instance(DEMO)
    en, zh = solve(inst, why=True, lang="en"), solve(inst, why=True, lang="zh")
    assert list(en.pairings["type"]) == list(zh.pairings["type"])
    assert not any(CJK.search(r) for r in en.pairings["reason"])
    assert all(CJK.search(r) for r in zh.pairings["reason"])
    assert CJK.search(explain_pair(en, "A", "X", lang="zh").verdict)
    assert not CJK.search(explain_pair(zh, "A", "X", lang="en").verdict)
    d = diagnose(inst.with_params({"balance.alpha": 1.0}), lang="zh")
    assert d.report(lang="zh").startswith("demo：没有方案满足全部规则")
    assert d.report(lang="en").startswith("demo: no plan satisfies every rule")


def test_data_warnings_are_said_in_the_language_and_kept_in_english(tmp_path):
    """A warning about the data is printed in the language asked for; summary.json keeps
    it in English (the same file in both languages)."""
    import shutil

    from optimizer.cli import main

    inst = tmp_path / "short"
    shutil.copytree(DEMO, inst)
    rec = inst / "recipients.csv"
    lines = rec.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[5] = "3"  # Hill County's min_partners: the demo has two partners
    lines[1] = ",".join(cells)
    rec.write_text("\n".join(lines) + "\n", encoding="utf-8")
    en = CliRunner().invoke(main, ["validate", str(inst), "--lang", "en"]).output
    zh = CliRunner().invoke(main, ["validate", str(inst), "--lang", "zh"]).output
    assert "warning: recipient X (Hill County) must get at least 3 partners but only 2" in en
    assert "警告：受援方 X (Hill County) 至少须有 3 个帮扶方，但只有 2 个" in zh
    res = CliRunner().invoke(main, ["solve", str(inst), "--format", "json", "--lang", "zh"])
    (w,) = json.loads(res.stdout)["summary"]["warnings"]
    assert w.startswith("recipient X (Hill County) must get at least 3 partners")
