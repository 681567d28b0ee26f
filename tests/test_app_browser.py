"""The workbench in headless Chromium (issue 17): load Guangdong, compute the front, click a
point, move the weight, forbid one pairing and re-solve, compare two plans, export, set a
reference point, switch to Chinese; the numbers shown are those of optimizer.solve with the
same settings, the page asks nothing of any host but 127.0.0.1 and logs no error. Screenshots go to
$REGCOLLAB_SCREENSHOT_DIR when it is set (docs/images holds the ones docs/workbench.md shows).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest
from checker import check_solution
from conftest import ROOT
from test_report import chrome_driver

from optimizer import load_instance, solve

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")

GUANGDONG = ROOT / "instances" / "guangdong"
SCREENSHOT_DIR = os.environ.get("REGCOLLAB_SCREENSHOT_DIR")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The workbench served by uvicorn on a free port of 127.0.0.1, in a thread."""
    from optimizer.app import create_app

    app = create_app(tmp_path_factory.mktemp("workbench"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    end = time.monotonic() + 20
    while not server.started and time.monotonic() < end:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    """Headless Chromium with its console and network (performance) logs."""
    yield from chrome_driver(tmp_path_factory, {"browser": "ALL", "performance": "ALL"})


def until(driver, condition, timeout: float = 90):
    """Wait for ``condition``; an element the page replaced while polling counts as not yet."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1,
                         ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def text(driver, id_: str) -> str:
    return driver.find_element("id", id_).text


def shown_number(driver, id_: str) -> float:
    return float(driver.find_element("id", id_).get_attribute("data-value"))


def click(driver, id_: str) -> None:
    driver.find_element("id", id_).click()


def plan_shown(driver, label: str):
    """Wait until the plan titled ``label...`` is shown and the status is idle."""
    until(driver, lambda d: text(d, "plan-label").startswith(label)
          and "running" not in text(d, "status"))


def shot(driver, tmp_path: Path, name: str, section: str) -> None:
    driver.execute_script("document.getElementById(arguments[0]).scrollIntoView()", section)
    png = tmp_path / f"{name}.png"
    driver.save_screenshot(str(png))
    assert png.stat().st_size > 10_000
    if SCREENSHOT_DIR:
        from PIL import Image

        with Image.open(png) as im:  # small files for the docs: a palette of 128 colours
            im.convert("RGB").quantize(128).save(Path(SCREENSHOT_DIR) / f"{name}.png",
                                                 optimize=True)


def test_the_workbench_in_a_browser(server, chrome, tmp_path):
    from selenium.webdriver.support.ui import Select

    d = chrome
    d.set_window_size(1280, 1000)
    d.get(server + "/")
    until(d, lambda d: len(d.find_elements("css selector", "#bundled option")) > 0)
    Select(d.find_element("id", "bundled")).select_by_value("guangdong")
    click(d, "load-bundled")
    until(d, lambda d: text(d, "instance-name") == "guangdong")
    inst = load_instance(GUANGDONG)

    # the front, computed in the background; a point clicked shows its plan
    d.find_element("id", "points").clear()
    d.find_element("id", "points").send_keys("5")
    click(d, "compute-front")
    until(d, lambda d: len(d.find_elements("css selector", "#front circle.point")) >= 2)
    click(d, "point-1")
    plan_shown(d, "front point 2")
    front = json.loads(d.execute_script(
        "return JSON.stringify(await (await fetch('/api/front')).json())"))["points"]
    assert shown_number(d, "plan-efficiency") == pytest.approx(front[1]["efficiency"])
    assert len(d.find_elements("css selector", "#plan-table tr")) == len(front[1]["pairings"]) + 1

    # the weight slider: the plan is solve's at that weight
    d.execute_script("const w = document.getElementById('weight'); w.value = '0.7';"
                     "w.dispatchEvent(new Event('input')); w.dispatchEvent(new Event('change'));")
    plan_shown(d, "weight 0.7")
    sol = solve(inst, weight=0.7, why=False)
    check_solution(sol)
    assert shown_number(d, "plan-efficiency") == pytest.approx(sol.summary.efficiency, rel=1e-9)
    assert shown_number(d, "plan-equity") == pytest.approx(sol.summary.equity, rel=1e-9)
    assert len(d.find_elements("css selector", "#charts img")) == 2
    until(d, lambda d: d.execute_script(  # the report's two pictures, drawn by the server
        "return Array.from(document.querySelectorAll('#charts img'))"
        ".every(i => i.complete && i.naturalWidth > 300)"))
    shot(d, tmp_path, "workbench-plan", "plan-box")
    click(d, "keep")
    until(d, lambda d: len(d.find_elements("css selector", "#compare-numbers th button")) == 1)

    # forbid the plan's first pairing and re-solve
    pair = d.find_element("css selector", "#plan-table tr[data-pair]").get_attribute("data-pair")
    partner, recipient = pair.split("-")
    Select(d.find_element("id", "partner")).select_by_value(partner)
    Select(d.find_element("id", "recipient")).select_by_value(recipient)
    click(d, "forbid")
    until(d, lambda d: len(d.find_elements("css selector", "#edits li")) == 1)
    click(d, "resolve")
    plan_shown(d, "weight 0.7; forbid")
    forbidden = inst.with_params({f"pairs[{partner},{recipient}].allowed": False,
                                  f"pairs[{partner},{recipient}].fixed": False})
    sol2 = solve(forbidden, weight=0.7, why=False)
    check_solution(sol2)
    assert shown_number(d, "plan-efficiency") == pytest.approx(sol2.summary.efficiency,
                                                              rel=1e-9)
    assert not d.find_elements("css selector", f"#plan-table tr[data-pair='{pair}']")

    # two plans side by side, the differences marked
    click(d, "keep")
    until(d, lambda d: len(d.find_elements("css selector", "#compare-numbers th button")) == 2)
    assert d.find_elements("css selector", "#compare-pairs td.differs")
    shot(d, tmp_path, "workbench-compare", "compare-box")
    # the session's plans: the first one shown again
    Select(d.find_element("id", "plan-list")).select_by_index(1)
    until(d, lambda d: text(d, "plan-label") == "weight 0.7 (weighted, lambda 0.7)")
    assert shown_number(d, "plan-efficiency") == pytest.approx(sol.summary.efficiency, rel=1e-9)

    # export: the results folder, its report linked
    click(d, "export")
    until(d, lambda d: d.find_elements("css selector", "a.export-link"))
    links = [a.get_attribute("href") for a in d.find_elements("css selector", "a.export-link")]
    report = next(h for h in links if h.endswith("/report.html"))
    status = d.execute_script(f"return (await fetch({json.dumps(report)})).status")
    assert status == 200

    shot(d, tmp_path, "workbench-front", "tradeoff")
    _check_requests_and_console(d, server)

    # another instance: the last one's front, plan and edits are gone
    Select(d.find_element("id", "bundled")).select_by_value("demo")
    click(d, "load-bundled")
    until(d, lambda d: text(d, "instance-name") == "demo")
    assert not d.find_elements("css selector", "#front circle")
    assert text(d, "plan-label") == "" and not d.find_elements("css selector", "#edits li")

    # the reference point (the method comes from the registry)
    Select(d.find_element("id", "bundled")).select_by_value("guangdong")
    click(d, "load-bundled")
    until(d, lambda d: text(d, "instance-name") == "guangdong")
    e_ref, q_ref = sol.summary.efficiency, sol.summary.equity
    d.find_element("id", "ref-e").send_keys(f"{e_ref:.6g}")
    d.find_element("id", "ref-q").send_keys(f"{q_ref:.6g}")
    click(d, "solve-reference")
    plan_shown(d, "reference point")
    ref = solve(inst, method="reference",
                settings={"objective.reference": [float(f"{e_ref:.6g}"), float(f"{q_ref:.6g}")]},
                why=False)
    assert shown_number(d, "plan-efficiency") == pytest.approx(ref.summary.efficiency, rel=1e-9)
    _check_requests_and_console(d, server)

    # the page in Chinese: the switch reloads it, the session's plans stay, the words change
    from optimizer.i18n import _, use_language

    with use_language("zh"):
        words = {w: _(w) for w in ("Steering", "idle", "partner", "done")}
    click(d, "lang-zh")
    until(d, lambda d: d.execute_script("return document.documentElement.lang") == "zh-CN"
          and text(d, "instance-name") == "guangdong")
    assert words["Steering"] in [h.text for h in d.find_elements("css selector", "h2")]
    assert text(d, "status").endswith(words["done"])  # the script's words too
    Select(d.find_element("id", "plan-list")).select_by_index(1)
    until(d, lambda d: d.find_elements("css selector", "#plan-table th"))
    assert d.find_element("css selector", "#plan-table th").text == words["partner"]
    assert shown_number(d, "plan-efficiency") == pytest.approx(ref.summary.efficiency, rel=1e-9)
    until(d, lambda d: d.execute_script(  # the pictures, with their words in Chinese
        "return Array.from(document.querySelectorAll('#charts img'))"
        ".every(i => i.complete && i.naturalWidth > 300)"))
    shot(d, tmp_path, "workbench-zh", "plan-box")
    _check_requests_and_console(d, server)


def _check_requests_and_console(d, server: str) -> None:
    urls = []
    for entry in d.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    assert urls, "the performance log recorded no request"
    # the browser's own pages (its new tab: chrome://...) are not the workbench's requests
    own = ("chrome://", "chrome-untrusted://", "data:", "about:", "blob:")
    outside = [u for u in urls if not (u.startswith(server + "/") or u.startswith(own))]
    assert outside == [], f"the page asked other hosts: {outside}"
    errors = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]
    assert errors == [], errors
