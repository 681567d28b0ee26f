"""report.html: built from a results folder, self-contained, and rendered by a real browser."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from checker import check_solution
from click.testing import CliRunner
from conftest import DEMO, ROOT

from optimizer import cli, load_instance, solve
from optimizer.commands.report import write_extras
from optimizer.report import REPORT_FILE, chart_label, gini, lorenz, num, write_report

GUANGDONG = ROOT / "instances" / "guangdong"
SCREENSHOT_DIR = os.environ.get("REGCOLLAB_SCREENSHOT_DIR")  # keep the screenshot to look at


def invoke(*args):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def write_front(inst, folder: Path, lambdas=(0.2, 0.5, 0.8)) -> pd.DataFrame:
    """A small pareto.csv (the weighted method's supported points), as analyses write it."""
    rows = []
    for lam in lambdas:
        s = solve(inst, weight=lam, why=False)
        check_solution(s)
        rows.append({"lambda": lam, "efficiency": s.efficiency, "equity": s.equity})
    F = pd.DataFrame(rows)
    e_ideal = F["efficiency"].max()
    F["price_of_fairness"] = (e_ideal - F["efficiency"]) / e_ideal
    F["knee"] = F["lambda"] == 0.5
    F.to_csv(folder / "pareto.csv", index=False)
    return F


def write_sensitivity(folder: Path) -> pd.DataFrame:
    """A sensitivity_constraints.csv carrying the balance rows' ``row`` index (the contract)."""
    bal = pd.read_csv(folder / "balance.csv")
    sc = pd.DataFrame({
        "name": [f"{r}[{c}]" for r, c in zip(bal["rule"], bal["recipient"])],
        "rule": bal["rule"], "row": bal["row"], "final_value": bal["value"],
        "shadow_price": np.where(bal["slack"].abs() < 1e-9, -0.125 - np.arange(len(bal)), 0.0),
        "rhs": bal["bound"], "allowable_increase": np.inf, "allowable_decrease": 1.5,
        "meaning": "test row",
    })
    sc.to_csv(folder / "sensitivity_constraints.csv", index=False)
    return sc


@pytest.fixture(scope="module")
def demo_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "demo"
    sol = solve(load_instance(DEMO), gap=0)
    check_solution(sol)
    sol.write(out, extra=lambda tmp, files: write_extras(tmp, quiet=True, files=files))
    return sol, out


# ------------------------------------------------------------------------------- measures
def test_lorenz_and_gini_by_hand():
    assert gini([3, 3, 3]) == pytest.approx(0.0)
    # one of four holds everything: Gini (n - 1) / n
    assert gini([0, 0, 0, 8]) == pytest.approx(0.75)
    # weights count people: 1 person with 1, 3 people with 3 -> shares 0.1 and 0.9
    x, y = lorenz([3, 1], [3, 1])
    assert x.tolist() == pytest.approx([0, 0.25, 1])
    assert y.tolist() == pytest.approx([0, 0.1, 1])
    assert gini([3, 1], [3, 1]) == pytest.approx(1 - (0.25 * 0.1 + 0.75 * 1.1))


def test_chart_labels_only_keep_drawable_characters():
    assert chart_label("Hill County") == "Hill County"
    label = chart_label("广州 Guangzhou")
    assert "Guangzhou" in label  # with a CJK font the whole name, without one the Latin part


# ------------------------------------------------------------------------------- the file
def test_solve_out_writes_report_and_workbook(demo_results):
    _, out = demo_results
    names = {p.name for p in out.iterdir()}
    assert {"report.html", "results.xlsx", "summary.json", "pairings.csv"} <= names
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".regcollab")]


def test_report_is_self_contained_and_complete(demo_results):
    sol, out = demo_results
    text = (out / REPORT_FILE).read_text(encoding="utf-8")
    # no network: every src/href is a data: URL or a link inside the page
    for attr, url in re.findall(r'\b(src|href)="([^"]*)"', text):
        assert url.startswith(("data:", "#")), f"{attr}={url[:60]} would need the network"
    assert "<script" not in text and "@import" not in text and "url(" not in text
    imgs = re.findall(r'<img src="data:image/png;base64,([^"]+)"', text)
    assert len(imgs) >= 4  # pairings picture, outcomes, Lorenz, efficiency vs equity
    for b64 in imgs:
        assert base64.b64decode(b64)[:8] == b"\x89PNG\r\n\x1a\n"
    for heading in ("Recommended pairings and their types", "A picture of the pairings",
                    "Outcomes before and after", "Equality among the recipients",
                    "Balance rules: slack and shadow price", "Efficiency against equity",
                    "Data and sources", "Lorenz curves"):
        assert heading in text, heading
    # every pairing, with its type, is in the table
    for r in sol.pairings.itertuples():
        assert r.partner_name in text and r.recipient_name in text
    # the Gini coefficients shown are those of the outcome per person, population weighted
    rec = sol.recipients
    g0, g1 = gini(rec["baseline"], rec["population"]), gini(rec["outcome"], rec["population"])
    assert f"{g0:.4f}" in text and f"{g1:.4f}" in text
    assert "price of fairness" in text.lower() and f"{100 * sol.price_of_fairness:.3g}" in text
    assert "not computed for this run" in text  # no pareto.csv, no sensitivity yet


def test_report_command_adds_front_and_shadow_prices(demo_results, tmp_path):
    _, src = demo_results
    out = tmp_path / "res"
    shutil.copytree(src, out)
    F = write_front(load_instance(DEMO), out)
    sc = write_sensitivity(out)
    r = invoke("report", out)
    assert r.exit_code == 0, r.output
    assert "report.html" in r.output and "results.xlsx" in r.output
    text = (out / REPORT_FILE).read_text(encoding="utf-8")
    assert f"The {len(F)} points of the Pareto front" in text
    assert "knee" in text
    # shadow prices joined to the balance rows by the model row index
    binding = sc[sc["shadow_price"] != 0]
    assert len(binding)
    assert "shadow price" in text and "Constraints with a shadow price" in text
    for v in binding["shadow_price"].head(3):
        assert f"{v:.4g}" in text or f"{v:.4f}".rstrip("0") in text


def test_report_footer_names_its_folder_only_when_written_elsewhere(demo_results, tmp_path):
    _, src = demo_results
    beside = (src / REPORT_FILE).read_text(encoding="utf-8")
    assert "the folder that holds this file" in beside and src.name not in beside.split("<footer>")[1]
    write_report(src, tmp_path / "elsewhere.html")
    footer = (tmp_path / "elsewhere.html").read_text(encoding="utf-8").split("<footer>")[1]
    assert f"regcollab report {src}" in footer


def test_report_command_rejects_a_folder_without_results(tmp_path):
    r = invoke("report", tmp_path)
    assert r.exit_code == 2
    assert "summary.json is missing" in r.output


def test_no_report_option(tmp_path):
    out = tmp_path / "res"
    r = invoke("solve", DEMO, "--out", out, "--no-report", "--quiet")
    assert r.exit_code == 0, r.output
    assert not (out / "report.html").exists() and not (out / "results.xlsx").exists()


# ------------------------------------------------------------------------------- the browser
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                  "--window-size=1280,1000", "--hide-scrollbars"]


def _browser() -> tuple[str, str]:
    chromium = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
    if chromium is None:
        pytest.skip("no Chromium browser is installed (apt-get install chromium "
                    "chromium-driver); CI installs it, so this test runs there")
    driver = shutil.which("chromedriver") or "/usr/lib/chromium/chromedriver"
    assert Path(driver).exists(), ("Chromium is installed but its driver is not: apt-get "
                                   "install chromium-driver")
    return chromium, driver


@pytest.fixture(scope="module")
def guangdong_results(tmp_path_factory):
    """Guangdong solved, with a small Pareto front: the report the browser tests read."""
    inst = load_instance(GUANGDONG)
    sol = solve(inst)
    check_solution(sol)
    out = tmp_path_factory.mktemp("browser") / "guangdong"
    sol.write(out)
    write_front(inst, out)
    write_report(out)
    return sol, out


def chrome_driver(tmp_path_factory, logs: dict):
    """Headless Chromium through Selenium (Debian's chromium and chromium-driver), with the
    logs asked for (``goog:loggingPrefs``), quit at the end (a generator for fixtures)."""
    chromium, driver_path = _browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not look for downloads
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp_path_factory.mktemp("prof"))
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", logs)
    driver = webdriver.Chrome(options=opts, service=Service(driver_path))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium with its console log."""
    yield from chrome_driver(tmp_path_factory, {"browser": "ALL"})


def test_report_renders_in_a_real_browser(guangdong_results, browser, tmp_path):
    from PIL import Image

    _, out = guangdong_results
    browser.set_window_size(1280, 1000)
    browser.get((out / REPORT_FILE).resolve().as_uri())
    assert browser.title.startswith("Collaboration plan: guangdong")
    images = browser.execute_script(
        "return Array.from(document.images).map(i => "
        "[i.alt, i.complete, i.naturalWidth, i.naturalHeight])")
    assert len(images) >= 4, images
    for alt, complete, w, h in images:
        assert complete and w > 100 and h > 100, f"image '{alt}' did not render: {w}x{h}"
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.startsWith('data:'))")
    assert fetched == [], f"the report fetched {fetched}"
    assert browser.execute_script("return document.querySelectorAll('h2').length") >= 8
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert errors == [], errors
    height = browser.execute_script("return document.documentElement.scrollHeight")
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1}})
    png = tmp_path / "report.png"
    png.write_bytes(base64.b64decode(shot["data"]))
    if SCREENSHOT_DIR:
        shutil.copy(png, Path(SCREENSHOT_DIR) / "report.png")
    with Image.open(png) as im:
        w, h = im.size
        assert w >= 1200 and h >= 3000, (w, h)
        colours = im.convert("RGB").resize((w // 4, h // 4)).getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 200  # text, tables and charts, not blank
    assert png.stat().st_size > 100_000
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal"


def test_chinese_report_renders_its_cjk_labels(guangdong_results, browser, tmp_path):
    """The report in Chinese (--lang zh): its headings, table headers and type badges are
    drawn as CJK glyphs, not boxes (two different characters draw differently only when a
    font has them), the page is not blank where the names are, and the charts drew their
    Chinese titles and legends with no missing-glyph warning (warnings are errors here)."""
    from PIL import Image

    _, out = guangdong_results
    page = tmp_path / "report-zh.html"
    write_report(out, out=page, lang="zh")
    browser.set_window_size(1280, 1000)
    browser.get(page.resolve().as_uri())
    assert browser.title.startswith("协作方案：guangdong")
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
    heads = browser.execute_script(
        "return Array.from(document.querySelectorAll('h2')).map(h => h.textContent)")
    assert len(heads) >= 8 and all(re.search(r"[\u4e00-\u9fff]", h) for h in heads), heads
    drawn = browser.execute_script("""
        const c = document.createElement('canvas'); c.width = 40; c.height = 40;
        const g = c.getContext('2d');
        const font = getComputedStyle(document.querySelector('th')).fontFamily;
        function bits(ch) { g.clearRect(0, 0, 40, 40); g.font = '32px ' + font;
                            g.fillText(ch, 2, 32); return g.getImageData(0, 0, 40, 40).data.join(); }
        return [bits('推') !== bits('荐'), bits('型') !== bits('平')];""")
    assert drawn == [True, True], "the page's font draws no CJK glyphs (boxes)"
    table = browser.find_element("css selector", "#pairings + p + div table")
    shot = tmp_path / "pairings-zh.png"
    shot.write_bytes(table.screenshot_as_png)
    if SCREENSHOT_DIR:
        shutil.copy(shot, Path(SCREENSHOT_DIR) / "pairings-zh.png")
    with Image.open(shot) as im:
        dark = int((np.asarray(im.convert("L")) < 128).sum())
        assert im.size[0] > 600 and dark > 2000, (im.size, dark)  # text, not a blank box
    headers = [th.text for th in table.find_elements("css selector", "th")]
    assert headers[:3] == ["帮扶方", "受援方", "协作类型"], headers
    badges = {b.text for b in table.find_elements("css selector", ".badge")}
    assert badges and badges <= {"项目型", "平台型", "制度型"}, badges


def test_report_fits_a_1024_pixel_window(guangdong_results, browser):
    """At 1024 px no table scrolls sideways (the reasons column wraps) and the page does not
    either."""
    _, out = guangdong_results
    browser.set_window_size(1024, 900)
    browser.get((out / REPORT_FILE).resolve().as_uri())
    assert browser.execute_script("return window.innerWidth") == 1024
    wide = browser.execute_script(
        "return Array.from(document.querySelectorAll('.scroll')).filter(e => "
        "e.scrollWidth > e.clientWidth + 1).map(e => [e.scrollWidth, e.clientWidth, "
        "e.querySelector('th') ? e.querySelector('th').textContent : ''])")
    assert wide == [], f"tables that scroll sideways at 1024 px: {wide}"
    page = browser.execute_script("return [document.documentElement.scrollWidth, "
                                  "document.documentElement.clientWidth]")
    assert page[0] <= page[1], page


def _pdf_runs(pdf: bytes):
    """(page, x, text) of every text run of a PDF, and each page's width."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    runs, widths = [], []
    for i, page in enumerate(reader.pages):
        widths.append(float(page.mediabox.width))

        def visit(text, cm, tm, font, size, i=i):
            if text.strip():
                runs.append((i, cm[0] * tm[4] + cm[2] * tm[5] + cm[4], text))

        page.extract_text(visitor_text=visit)
    return runs, widths


def test_printed_report_has_every_column_and_reason(guangdong_results, browser):
    """Printed to PDF (Chromium's print-to-PDF, as a planner's browser prints), the pairings
    table keeps every column: each header and each pairing's whole reason is in the text,
    and no text starts beyond the right edge of its page (clipped)."""
    sol, out = guangdong_results
    browser.set_window_size(1280, 1000)
    browser.get((out / REPORT_FILE).resolve().as_uri())
    pdf = base64.b64decode(browser.print_page())
    if SCREENSHOT_DIR:
        (Path(SCREENSHOT_DIR) / "report.pdf").write_bytes(pdf)
    runs, widths = _pdf_runs(pdf)
    # NFKC: the PDF sets "ffi" as a ligature
    squeeze = re.sub(r"\s+", "", unicodedata.normalize("NFKC", "".join(t for _, _, t in runs)))
    headers = ["partner", "recipient", "type", *sol.instance.resources, "value", "gain",
               "capacity", "pot", "ben", "why this type"]
    table_runs = [t.strip() for _, _, t in runs]
    for h in headers:
        assert h in table_runs, f"column header '{h}' is not in the printed report"
    for reason in sol.pairings["reason"]:
        assert re.sub(r"\s+", "", reason) in squeeze, f"reason cut in print: {reason[:60]}"
    for page, x, text in runs:
        assert x < widths[page] - 5, f"'{text[:40]}' starts at {x:.0f} pt, beyond the page"
    # the last column's text of every row is on the page: the reasons are the last column
    ends = [t for _, x, t in runs if "eligible for" in t]
    assert len(ends) >= len(sol.pairings)


@pytest.mark.parametrize("command", ["report", "convert", "explain"])
def test_cli_doc_lists_every_option(command):
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"## `regcollab {command}" in doc
    out = CliRunner().invoke(cli.main, [command, "--help"]).output
    for opt in set(re.findall(r"(--[a-z][a-z-]+)", out)) - {"--help"}:
        assert opt in doc, f"{opt} of 'regcollab {command}' is not in docs/cli.md"


def test_report_of_a_front_only_folder(tmp_path):
    """A folder with a Pareto front and no plan (as 'regcollab pareto --out' writes it)."""
    out = tmp_path / "front"
    out.mkdir()
    (out / "summary.json").write_text(json.dumps({
        "instance": "demo", "points": 3, "price_of_fairness": 0.0821,
        "payoff_table": {"efficiency first": {"efficiency": 420.0, "equity": 0.475},
                         "equity first": {"efficiency": 385.5, "equity": 0.55}}}))
    pd.DataFrame({"efficiency": [420.0, 411.7, 385.5], "equity": [0.475, 0.494, 0.55],
                  "price_of_fairness": [0, 0.0197, 0.0821], "knee": [False, True, False]}
                 ).to_csv(out / "pareto.csv", index=False)
    r = invoke("report", out, "--no-xlsx")
    assert r.exit_code == 0, r.output
    text = (out / REPORT_FILE).read_text(encoding="utf-8")
    assert "Efficiency against equity: demo" in text and "holds a Pareto front, not a plan" in text
    assert "The 3 points of the Pareto front" in text and "8.21%" in text
    assert "Recommended pairings" not in text
    assert len(re.findall(r'<img src="data:image/png;base64,', text)) == 1


# ------------------------------------------------------------------------------- hostile names
HOSTILE_PARTNERS = ["$\\frac{a}$", "<script>alert(1)</script> &amp; $x$"]
HOSTILE_RECIPIENTS = ["Hill {County} %s \\n", "מחוז האגם 🚀🌾 county", "Forest " * 30 + "广州"]


def hostile_instance(tmp_path) -> Path:
    """The demo with names that once broke the report: mathtext, HTML, control characters,
    right-to-left text, emoji, a very long name; and a unit with dollar signs."""
    dst = tmp_path / "hostile"
    shutil.copytree(DEMO, dst)
    p = pd.read_csv(dst / "partners.csv")
    p["name"] = HOSTILE_PARTNERS
    p.to_csv(dst / "partners.csv", index=False)
    r = pd.read_csv(dst / "recipients.csv")
    r["name"] = HOSTILE_RECIPIENTS
    r.to_csv(dst / "recipients.csv", index=False)
    toml = (dst / "instance.toml").read_text(encoding="utf-8")
    (dst / "instance.toml").write_text(toml.replace('gain = "100m yuan"', 'gain = "$y$ yuan"'),
                                       encoding="utf-8")
    return dst


def test_hostile_names_render_escaped(tmp_path):
    inst = hostile_instance(tmp_path)
    out = tmp_path / "res"
    r = invoke("solve", inst, "--out", out)
    assert r.exit_code == 0, r.output
    assert (out / REPORT_FILE).exists(), r.output
    # control characters in a name are refused on loading, with the row and column
    bad = pd.read_csv(inst / "recipients.csv")
    bad.loc[0, "name"] = "Hill\x0bCounty"
    bad.to_csv(inst / "recipients.csv", index=False)
    r2 = invoke("solve", inst, "--out", tmp_path / "res2")
    assert r2.exit_code == 2 and "recipients.csv" in r2.output and "'name'" in r2.output, \
        r2.output
    assert not (tmp_path / "res2").exists()
    # drawn again here, outside the CLI's safety net: no exception, no warning (warnings are
    # errors in the tests: a missing glyph or a mathtext problem fails)
    write_report(out, tmp_path / "again.html")
    for path in (out / REPORT_FILE, tmp_path / "again.html"):
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; $x$" in text
        assert "$\\frac{a}$" in text and "Hill {County} %s \\n" in text
        assert "מחוז האגם 🚀🌾 county" in text and ("Forest " * 29) in text
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
        imgs = re.findall(r'<img src="data:image/png;base64,([^"]+)"', text)
        assert len(imgs) >= 4
        for b64 in imgs:
            assert base64.b64decode(b64)[:8] == b"\x89PNG\r\n\x1a\n"
    # the emoji cannot be drawn by the chart fonts: said in the report and at the end of the run
    assert "cannot draw the characters 🚀 🌾" in r.output
    tail = r.output.strip().splitlines()[-2:]
    assert any(line.startswith("note: report.html: the chart fonts") for line in tail)


def test_a_report_that_fails_is_said_last_even_when_quiet(tmp_path, monkeypatch):
    import optimizer.report.charts

    def broken(*a, **k):
        raise ValueError("cannot draw this")

    monkeypatch.setattr(optimizer.report.charts, "fig_pairings", broken)
    out = tmp_path / "res"
    r = invoke("solve", DEMO, "--out", out, "-q")
    assert r.exit_code == 0
    assert r.output.strip().splitlines()[-1].startswith(
        "note: report.html was not written: ValueError: cannot draw this")
    assert (out / "pairings.csv").exists() and not (out / REPORT_FILE).exists()


def test_chart_label_draws_ids_rather_than_boxes():
    assert chart_label("🚀🌾", "R7") == "R7"
    assert chart_label("Hill\x0bCounty") == "Hill County"
    assert len(chart_label("x" * 100)) == 40


# ------------------------------------------------------------------------------- fonts
def test_packaged_cjk_font_draws_chinese_without_warning():
    """The report extra's Noto Sans CJK font is registered with matplotlib from its file: a
    Chinese label draws with no missing-glyph warning (warnings are errors here)."""
    from matplotlib.figure import Figure

    import optimizer.report.charts as rep

    path = rep._packaged_cjk_font()
    assert path is not None and Path(path).is_file(), "pip install 'regcollab[report]'"
    families, _faces, cjk = rep._fonts()
    assert cjk == "Noto Sans CJK SC" and cjk in families
    assert chart_label("广州 Guangzhou") == "广州 Guangzhou"
    assert rep.font_note(["广州 Guangzhou", "梅州 Meizhou"]) is None
    with rep._rc():
        fig = Figure()
        ax = fig.subplots()
        ax.set_title("广州 Guangzhou - 梅州 Meizhou")
        ax.set_yticks([0, 1], ["清远 Qingyuan", "湛江 Zhanjiang"])
        rep._png(fig)


def test_without_a_cjk_font_names_fall_back_and_the_report_says_so(tmp_path, monkeypatch):
    import optimizer.report.charts as rep

    monkeypatch.setattr(rep, "_packaged_cjk_font", lambda: None)
    monkeypatch.setattr(rep, "SYSTEM_CJK_FONTS", ())
    rep._fonts.cache_clear()
    try:
        assert rep._fonts()[2] is None
        assert chart_label("广州 Guangzhou") == "Guangzhou"
        assert chart_label("广州", "GZ") == "GZ"
        out = tmp_path / "gd"
        r = invoke("solve", GUANGDONG, "--out", out, "--no-why")
        assert r.exit_code == 0, r.output
        last = r.output.strip().splitlines()[-1]
        assert last.startswith("note: report.html: no font for Chinese names was found")
        assert "pip install 'regcollab[report]'" in last
        text = (out / REPORT_FILE).read_text(encoding="utf-8")
        assert "no font for Chinese names was found" in text
        write_report(out, tmp_path / "again.html")  # no missing-glyph warning either
    finally:
        rep._fonts.cache_clear()


# ------------------------------------------------------------------------------- equality, trade-off
GOLDEN_GD = ROOT / "tests" / "golden" / "guangdong"


def test_gini_card_explains_a_rising_gini():
    """Guangdong: the Gini of outcome per person rises (0.0846 -> 0.0867). The card says so
    and why, from the numbers: the recipients above the mean gain more in proportion."""
    from optimizer.report import build_html, gini_words, load_results, share_change

    res = load_results(GOLDEN_GD)
    rec = res.recipients
    pop, y0, y1 = rec["population"], rec["baseline"], rec["outcome"]
    mean0 = (pop * y0).sum() / pop.sum()
    rel = y1 / y0 - 1
    below, above = y0 < mean0, y0 >= mean0
    gb = (pop[below] * rel[below]).sum() / pop[below].sum()
    ga = (pop[above] * rel[above]).sum() / pop[above].sum()
    assert ga > gb  # what makes the Gini rise here
    words = gini_words(rec, res.summary)
    assert words.startswith("The Gini coefficient rises by 0.0021 (0.0846 to 0.0867)")
    assert f"gain {100 * gb:.2g}% on average, those above it {100 * ga:.2g}%" in words
    assert "does not aim at the Gini" in words and "worst-off 25%" in words
    sc = share_change(rec)
    assert sc["change_pp"].sum() == pytest.approx(0, abs=1e-9)
    assert list(sc["baseline"]) == sorted(sc["baseline"])  # poorest first
    html = build_html(res)
    card = html.split("Gini (outcome per person)")[1].split('<div class="card">')[0]
    assert "rises by 0.0021" in card
    moved = sc["change_pp"].abs().max()
    assert f"moves by more than {num(moved, 3)} percentage points" in html
    assert 'alt="Lorenz curves before and after, and the change of each share"' in html


def test_tradeoff_chart_says_how_far_the_axes_zoom():
    from optimizer.report import build_html, load_results, tradeoff_spans

    res = load_results(GOLDEN_GD)
    pt = res.summary["payoff_table"]
    e = [pt["max_efficiency_first"]["efficiency"], pt["max_equity_first"]["efficiency"],
         res.summary["efficiency"]]
    q = [pt["max_efficiency_first"]["equity"], pt["max_equity_first"]["equity"],
         res.summary["equity"]]
    spans = tradeoff_spans(res)
    assert spans["efficiency"] == pytest.approx(100 * (max(e) - min(e)) / max(e))
    assert spans["equity"] == pytest.approx(100 * (max(q) - min(q)) / max(q))
    html = build_html(res)
    assert (f"differ only in efficiency by {num(spans['efficiency'], 2)}% and equity by "
            f"{num(spans['equity'], 2)}% of the best value") in html
    assert "percentage of the best" in html


def _colour_pixels(png_b64: str, rgb, tol=40) -> int:
    import io

    from PIL import Image

    im = Image.open(io.BytesIO(base64.b64decode(png_b64))).convert("RGB")
    px = np.asarray(im).reshape(-1, 3).astype(int)
    return int((np.abs(px - np.array(rgb)).sum(axis=1) < tol).sum())


def test_knee_and_this_plan_both_show_when_they_coincide(tmp_path):
    """The knee star is not hidden under the plan's marker, even when they are one point."""
    from optimizer.report import fig_tradeoff, load_results

    out = tmp_path / "res"
    shutil.copytree(GOLDEN_GD, out)
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    pt = s["payoff_table"]
    pd.DataFrame({"efficiency": [pt["max_equity_first"]["efficiency"], s["efficiency"],
                                 pt["max_efficiency_first"]["efficiency"]],
                  "equity": [pt["max_equity_first"]["equity"], s["equity"],
                             pt["max_efficiency_first"]["equity"]],
                  "knee": [False, True, False]}).to_csv(out / "pareto.csv", index=False)
    png = fig_tradeoff(load_results(out))
    orange, red = (0xE6, 0x9F, 0x00), (0xD6, 0x27, 0x28)
    # the legend holds one star and one diamond: the chart must show more of both
    assert _colour_pixels(png, orange) > 150, "the knee star is hidden"
    assert _colour_pixels(png, red) > 150, "this plan's marker is hidden"
