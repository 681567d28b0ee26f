"""The workbench's JSON endpoints (regcollab app), through Starlette's TestClient: loading,
solving off the request thread, steering edits and undo, compare, export, cancel, bad input
in the CLI's words with the server still answering, and two sessions kept apart. The numbers
must be those of optimizer.solve with the same settings."""

from __future__ import annotations

import time

import pytest
from checker import check_solution
from click.testing import CliRunner
from conftest import DEMO, ROOT

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from optimizer import cli, load_instance, solve  # noqa: E402
from optimizer.app import create_app  # noqa: E402
from optimizer.errors import InputError  # noqa: E402

GUANGDONG = ROOT / "instances" / "guangdong"


def wait(client, timeout: float = 120) -> dict:
    """The session's job, once it has finished."""
    end = time.monotonic() + timeout
    while True:
        job = client.get("/api/job").json()["job"]
        if job["status"] != "running" or time.monotonic() > end:
            return job
        time.sleep(0.05)


def run(client, path: str, body: dict, status: str = "done") -> dict:
    r = client.post(path, json=body)
    assert r.status_code == 200, r.json()
    job = wait(client)
    assert job["status"] == status, job
    return job


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = create_app(tmp_path_factory.mktemp("workbench"),
                     hosts=("127.0.0.1", "testserver"))  # TestClient's host
    with TestClient(app) as _:  # the lifespan: every job is stopped at the end
        yield app


def browser_client(app) -> TestClient:
    """A client that posts as the page does (with its header)."""
    return TestClient(app, headers={"x-regcollab": "1"})


@pytest.fixture
def client(app):
    with browser_client(app) as c:
        yield c


def load(client, path=DEMO) -> dict:
    r = client.post("/api/load", json={"path": str(path)})
    assert r.status_code == 200, r.json()
    return r.json()


def test_page_and_state_need_no_instance(client):
    page = client.get("/")
    assert page.status_code == 200 and "/static/app.js" in page.text
    assert "regcollab_session" in client.cookies
    for asset in ("/static/app.js", "/static/app.css"):
        assert client.get(asset).status_code == 200
    state = client.get("/api/state").json()
    assert state["instance"] is None and "guangdong" in state["bundled"]
    r = client.post("/api/solve", json={"weight": 0.5})
    assert r.status_code == 400 and r.json()["error"] == "load an instance first"


def test_a_solve_gives_the_numbers_and_plan_of_optimizer_solve(client):
    state = load(client)
    assert state["instance"]["name"] == "demo"
    job = run(client, "/api/solve", {"method": "weighted", "weight": 0.7})
    assert job["status"] == "done", job
    plan = client.get(f"/api/plan/{job['plan']}").json()
    sol = solve(load_instance(DEMO), weight=0.7, why=False)
    check_solution(sol)
    assert plan["efficiency"] == pytest.approx(sol.summary.efficiency, rel=1e-9)
    assert plan["equity"] == pytest.approx(sol.summary.equity, rel=1e-9)
    assert sorted((p["partner"], p["recipient"], p["type"]) for p in plan["pairings"]) == \
        sorted(map(tuple, sol.pairings[["partner", "recipient", "type"]].values.tolist()))
    for name in ("pairings", "outcomes"):  # the report's pictures, drawn from the plan
        png = client.get(f"/api/chart/{job['plan']}/{name}.png")
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
        assert len(png.content) > 5000
    assert client.get(f"/api/chart/{job['plan']}/lorenz.png").status_code == 404


def test_edits_are_listed_undone_and_solved_as_instance_edits(client):
    load(client, GUANGDONG)  # (the demo has no slack: forbidding any pair leaves no plan)
    base = load_instance(GUANGDONG)
    d, r = solve(base, weight=0.7, why=False).pairings[["partner", "recipient"]].values[0]
    state = client.post("/api/edit", json={"kind": "forbid", "partner": d,
                                            "recipient": r}).json()
    state = client.post("/api/edit", json={"kind": "setting", "name": "balance.alpha",
                                           "value": "0.2"}).json()
    assert state["edits"] == [f"forbid {d}-{r}", "alpha = 0.2"]
    assert state["instance"]["settings"]["balance.alpha"] == 0.2
    job = run(client, "/api/solve", {"weight": 0.7})
    plan = client.get(f"/api/plan/{job['plan']}").json()
    assert (d, r) not in {(p["partner"], p["recipient"]) for p in plan["pairings"]}
    inst = base.with_params({f"pairs[{d},{r}].allowed": False,
                                            f"pairs[{d},{r}].fixed": False,
                                            "balance.alpha": 0.2})
    sol = solve(inst, weight=0.7, why=False)
    check_solution(sol)
    assert plan["efficiency"] == pytest.approx(sol.summary.efficiency, rel=1e-9)
    state = client.post("/api/undo", json={"index": 0}).json()
    assert state["edits"] == ["alpha = 0.2"]
    state = client.post("/api/undo", json={}).json()
    assert state["edits"] == []
    # lock a recipient's partners as the plan has them: those kept, its other pairs forbidden
    mine = sorted(p["partner"] for p in plan["pairings"] if p["recipient"] == r)
    state = client.post("/api/edit", json={"kind": "lock", "recipient": r,
                                           "plan": job["plan"]}).json()
    assert state["edits"] == [f"lock {r}'s partners ({', '.join(mine)}) as in weight 0.7"]
    locked = client.app.state.bench.sessions.get(client.cookies["regcollab_session"]).changes()
    assert {k for k, v in locked.items() if k.endswith(".fixed") and v} == \
        {f"pairs[{p},{r}].fixed" for p in mine}


def test_force_and_forbid_a_type_on_a_pairing(client):
    """A type forced on a Guangdong pairing is its type in the re-solved plan, a type the plan
    uses forbidden is gone; the numbers are optimizer.solve's on the same edited instance."""
    load(client, GUANGDONG)
    base = load_instance(GUANGDONG)
    job = run(client, "/api/solve", {"weight": 0.7})
    plan = client.get(f"/api/plan/{job['plan']}").json()
    a, T = base.arrays, list(base.types)

    def others(p):  # the eligible types of a pairing of the plan other than its own
        d, r = base.partners.index.get_loc(p["partner"]), base.recipients.index.get_loc(
            p["recipient"])
        return [t for t, ok in zip(T, a["eligible"][d, r]) if ok and t != p["type"]]

    p = next(p for p in plan["pairings"] if others(p))
    d, r, used, other = p["partner"], p["recipient"], p["type"], others(p)[0]

    def solved(changes):
        job = run(client, "/api/solve", {"weight": 0.7})
        shown = client.get(f"/api/plan/{job['plan']}").json()
        sol = solve(base.with_params(changes), weight=0.7, why=False)
        check_solution(sol)
        assert shown["efficiency"] == pytest.approx(sol.summary.efficiency, rel=1e-9)
        assert shown["equity"] == pytest.approx(sol.summary.equity, rel=1e-9, abs=1e-12)
        return {(q["partner"], q["recipient"]): q["type"] for q in shown["pairings"]}

    bench = client.app.state.bench.sessions.get(client.cookies["regcollab_session"])
    state = client.post("/api/edit", json={"kind": "forbid_type", "partner": d, "recipient": r,
                                           "type": used}).json()
    assert state["edits"] == [f"forbid {used} on {d}-{r}"]
    assert bench.changes() == {f"pairs[{d},{r}].types": ";".join(t for t in T if t != used)}
    assert solved(bench.changes()).get((d, r)) != used
    state = client.post("/api/undo", json={}).json()
    assert state["edits"] == []
    state = client.post("/api/edit", json={"kind": "force_type", "partner": d, "recipient": r,
                                           "type": other}).json()
    assert state["edits"] == [f"force {other} on {d}-{r}"]
    assert solved(bench.changes())[(d, r)] == other
    # a misspelt type, and forbidding a type a forced pairing may no longer take
    e = client.post("/api/edit", json={"kind": "force_type", "partner": d, "recipient": r,
                                       "type": "plattform"})
    assert e.status_code == 400 and "did you mean 'platform'?" in e.json()["error"]
    e = client.post("/api/edit", json={"kind": "forbid_type", "partner": d, "recipient": r,
                                       "type": used})
    assert e.status_code == 400 and f"may not take {used} already" in e.json()["error"]
    e = client.post("/api/edit", json={"kind": "forbid_type", "partner": d, "recipient": r,
                                       "type": other})
    assert e.status_code == 400 and "forbid the pairing instead" in e.json()["error"]
    assert client.post("/api/undo", json={}).json()["edits"] == []


def test_bad_settings_and_uploads_get_the_clis_words_and_the_server_keeps_answering(client):
    load(client)
    r = client.post("/api/edit", json={"kind": "setting", "name": "balance.alpha",
                                       "value": "7"})
    with pytest.raises(InputError) as exc:
        load_instance(DEMO).with_params({"balance.alpha": 7.0})
    assert r.status_code == 400 and r.json() == {"error": str(exc.value)}
    r = client.post("/api/upload", files={"file": ("plan.xlsx", b"not a workbook")})
    assert r.status_code == 400
    assert r.json()["error"].startswith("plan.xlsx: ")
    assert "Traceback" not in r.text
    r = client.post("/api/load", json={"path": "no/such/instance"})
    assert r.status_code == 400
    out = CliRunner().invoke(cli.main, ["validate", "no/such/instance"])
    assert out.exit_code == 2 and r.json()["error"] in out.output
    r = client.post("/api/solve", content=b"{not json", headers={"content-type":
                                                                 "application/json"})
    assert r.status_code == 400
    r = client.post("/api/solve", json=[1, 2])
    assert r.status_code == 400 and "JSON object" in r.json()["error"]
    r = client.post("/api/solve", json={"weight": 2})  # refused at once, not in the job
    with pytest.raises(InputError) as exc:
        load_instance(DEMO).with_params({"objective.lambda": 2.0})
    assert r.status_code == 400 and r.json() == {"error": str(exc.value)}
    assert client.get("/api/state").json()["job"] is None
    assert client.get("/api/state").json()["instance"]["name"] == "demo"  # still there


def test_a_good_workbook_upload_loads(client, tmp_path):
    pytest.importorskip("openpyxl")
    from optimizer.workbook.instance_book import folder_to_workbook

    book = folder_to_workbook(DEMO, tmp_path / "demo.xlsx")
    r = client.post("/api/upload", files={"file": ("demo.xlsx", book.read_bytes())})
    assert r.status_code == 200, r.json()
    assert r.json()["instance"]["name"] == "demo"
    # a bad value: the message `regcollab validate` gives for the same workbook
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(DEMO, bad)
    rec = bad / "recipients.csv"
    rec.write_text(rec.read_text().replace("X,Hill County,100,", "X,Hill County,-100,"))
    book = folder_to_workbook(bad, tmp_path / "bad.xlsx")
    r = client.post("/api/upload", files={"file": ("bad.xlsx", book.read_bytes())})
    out = CliRunner().invoke(cli.main, ["validate", str(book)])
    assert r.status_code == 400 and out.exit_code == 2
    assert out.output.strip() == f"error: {r.json()['error']}"
    assert "recipients" in r.json()["error"] and "population" in r.json()["error"]
    assert client.get("/api/state").json()["instance"]["name"] == "demo"  # the last one kept


def test_an_infeasible_solve_says_why_and_the_page_keeps_working(client):
    state = load(client)
    partners = [row[0] for row in state["instance"]["partners"]["rows"]]
    for d in partners:  # X must get a partner (min_partners 1) and none may pair with it
        client.post("/api/edit", json={"kind": "forbid", "partner": d, "recipient": "X"})
    job = run(client, "/api/solve", {"weight": 0.5}, status="failed")
    assert job["message"].startswith("no plan satisfies")
    assert job["diagnosis"].startswith("why: ") and "Traceback" not in job["diagnosis"]
    client.post("/api/undo", json={"index": 0})
    assert run(client, "/api/solve", {"weight": 0.5})["status"] == "done"


def test_compare_marks_differences_and_export_writes_the_results_folder(client):
    load(client)
    a = run(client, "/api/solve", {"weight": 0.9})["plan"]
    b = run(client, "/api/solve", {"weight": 0.1})["plan"]
    for pid in (a, b):
        client.post("/api/keep", json={"plan": pid})
    c = client.get("/api/compare").json()
    assert [p["id"] for p in c["plans"]] == [a, b]
    eff = next(r for r in c["numbers"] if r["name"] == "efficiency")
    pa, pb = (client.get(f"/api/plan/{p}").json() for p in (a, b))
    assert eff["values"] == [pa["efficiency"], pb["efficiency"]]
    assert eff["differs"] == [False, abs(pa["efficiency"] - pb["efficiency"]) > 1e-6]
    for row in c["pairs"]:
        assert row["differs"][1] == (row["values"][0] != row["values"][1])
    job = run(client, "/api/export", {"plan": a})
    assert job["status"] == "done", job
    ex = client.get("/api/exports").json()["exports"]
    (name,) = ex
    assert {"report.html", "results.xlsx", "pairings.csv"} <= set(ex[name]["files"])
    html = client.get(f"/files/{name}/report.html")
    assert html.status_code == 200 and "<html" in html.text.lower()
    assert client.get(f"/files/{name}/../../secret").status_code == 404


def test_the_front_is_computed_with_progress_and_its_points_can_be_compared(client):
    load(client)
    job = run(client, "/api/pareto", {"points": 4})
    assert job["status"] == "done" and job["done"] == job["total"]
    points = client.get("/api/front").json()["points"]
    assert len(points) >= 2
    E = [p["efficiency"] for p in points]
    assert max(E) == pytest.approx(solve(load_instance(DEMO), method="lexicographic",
                                         first="efficiency", why=False).summary.efficiency,
                                   rel=1e-6)
    png = client.get("/api/chart/front-0/pairings.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    state = client.post("/api/keep", json={"point": 0}).json()
    assert len(state["compare"]) == 1 and not state["front_stale"]
    state = client.post("/api/edit", json={"kind": "setting", "name": "balance.alpha",
                                           "value": 0.1}).json()
    assert state["front_stale"]  # computed before this change
    client.post("/api/undo", json={})
    r = client.post("/api/export", json={"plan": state["compare"][0]})
    assert r.status_code == 400 and "solving it first" in r.json()["error"]


def test_the_official_pairings_are_a_plan(client):
    from optimizer.app.state import official_pairs

    load(client, GUANGDONG)
    year, pairs = official_pairs(load_instance(GUANGDONG))
    job = run(client, "/api/official", {})
    plan = client.get(f"/api/plan/{job['plan']}").json()
    assert plan["label"].startswith(f"the official {year} pairings")
    assert {(p["partner"], p["recipient"]) for p in plan["pairings"]} == set(pairs)
    load(client)  # the demo documents none
    r = client.post("/api/official", json={})
    assert r.status_code == 400 and "official pairings" in r.json()["error"]


def test_cancel_stops_a_running_solve(client):
    load(client, GUANGDONG)
    client.post("/api/pareto", json={"points": 25})
    r = client.post("/api/solve", json={"weight": 0.5})
    assert r.status_code == 400 and "running" in r.json()["error"]
    job = client.app.state.bench.sessions.get(client.cookies["regcollab_session"]).job
    state = client.post("/api/cancel", json={}).json()
    assert state["job"]["status"] == "cancelled", state["job"]
    job._proc.join(5)  # the process that computed the front is gone at once
    assert not job._proc.is_alive() and job._proc.exitcode == -15, job._proc  # (SIGTERM)
    assert run(client, "/api/solve", {"weight": 0.5})["status"] == "done"


def test_two_sessions_do_not_see_each_others_edits(app):
    with browser_client(app) as one, browser_client(app) as two:
        load(one)
        load(two)
        one.post("/api/edit", json={"kind": "setting", "name": "balance.alpha", "value": 0.1})
        run(one, "/api/solve", {"weight": 0.5})
        assert one.get("/api/state").json()["edits"] == ["alpha = 0.1"]
        s2 = two.get("/api/state").json()
        assert s2["edits"] == [] and s2["plans"] == [] and s2["job"] is None
        assert one.cookies["regcollab_session"] != two.cookies["regcollab_session"]


def test_the_reference_point_method(client):
    load(client)
    job = run(client, "/api/solve", {"method": "reference", "reference": [400, 0.3]})
    assert job["status"] == "done", job
    plan = client.get(f"/api/plan/{job['plan']}").json()
    sol = solve(load_instance(DEMO), method="reference",
                settings={"objective.reference": [400.0, 0.3]}, why=False)
    assert plan["efficiency"] == pytest.approx(sol.summary.efficiency, rel=1e-9)


def test_posts_without_the_pages_header_and_other_hosts_are_refused(app):
    with TestClient(app) as other_site:  # a form posted by another site's page
        r = other_site.post("/api/upload", files={"file": ("x.xlsx", b"x" * 1000)})
        assert r.status_code == 403
        assert other_site.get("/api/state").status_code == 200
    with TestClient(app, base_url="http://evil.example") as rebound:
        assert rebound.get("/api/state").status_code == 400
    assert not list(app.state.bench.sessions.folder.rglob("x.xlsx"))


def test_the_app_command_is_listed_and_refuses_a_bad_instance():
    out = CliRunner().invoke(cli.main, ["app", "--help"])
    assert out.exit_code == 0 and "127.0.0.1" in out.output
    out = CliRunner().invoke(cli.main, ["app", "no/such/instance", "--no-open"])
    assert out.exit_code == 2 and out.output.startswith("error: ")
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        out = CliRunner().invoke(cli.main, ["app", str(DEMO), "--port", port, "--no-open"])
    assert out.exit_code == 2 and f"port {port} on 127.0.0.1 is not free" in out.output


def test_the_command_serves_on_127_0_0_1_and_stops_on_ctrl_c(tmp_path):
    import os
    import re
    import signal
    import subprocess
    import sys
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "optimizer.cli", "app", str(DEMO), "--port",
                             "0", "--no-open", "--results", str(tmp_path / "r")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line
        with urllib.request.urlopen(url.group(0), timeout=20) as page:
            assert page.status == 200 and b"/static/app.js" in page.read()
        with urllib.request.urlopen(url.group(0) + "api/state", timeout=20) as state:
            assert b'"name":"demo"' in state.read()  # the instance given is loaded
    finally:
        proc.send_signal(signal.SIGINT)
        out = proc.communicate(timeout=20)[0]
    assert proc.returncode == 0, out
    assert "The workbench has stopped." in out and "Traceback" not in out


def test_without_the_app_extra_the_command_says_which_to_install(monkeypatch):
    import sys

    for name in list(sys.modules):
        if name.split(".")[0] in ("starlette", "uvicorn"):
            monkeypatch.setitem(sys.modules, name, None)
    for name in ("starlette", "uvicorn"):
        monkeypatch.setitem(sys.modules, name, None)
    out = CliRunner().invoke(cli.main, ["app", str(DEMO), "--no-open"])
    assert out.exit_code == 5, out.output
    assert out.output.strip() == ("error: the workbench (regcollab app) needs the app extra "
                                  "(uvicorn): pip install 'regcollab[app]'")


def test_a_session_keeps_its_latest_plans_and_those_compared(monkeypatch, tmp_path):
    from optimizer.app import state

    monkeypatch.setattr(state, "MAX_PLANS", 2)
    s = state.Session("x", tmp_path)
    view = {"pairings": [], "recipients": []}
    first = s.add_plan(view, "first", None)
    s.keep(first)
    for i in range(3):
        s.add_plan(view, f"plan {i}", None)
    assert [p["label"] for p in s.plans.values()] == ["first", "plan 1", "plan 2"]


# ----------------------------------------------------------------------------- the language
ZH_BROWSER = {"x-regcollab": "1", "accept-language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN_BROWSER = {"x-regcollab": "1", "accept-language": "en-GB,en;q=0.9,zh;q=0.5"}


def zh(message: str, **values) -> str:
    """``message`` as the Chinese catalog says it (not hard-coded here)."""
    from optimizer.i18n import _, use_language

    with use_language("zh"):
        text = _(message).format(**values)
    assert text != message.format(**values), f"no Chinese for {message!r}"
    return text


def page_words(page: str) -> dict:
    import json
    import re

    found = re.search(r'<script id="words" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_the_page_follows_the_browsers_language_and_the_switch_stays(app):
    with TestClient(app, headers=ZH_BROWSER) as c, TestClient(app, headers=EN_BROWSER) as e, \
            browser_client(app) as plain:
        page, english = c.get("/").text, e.get("/").text
        assert '<html lang="zh-CN">' in page and '<html lang="en">' in english
        for heading in ("Instance", "Trade-off", "Steering", "Compare"):
            assert f"<h2>{zh(heading)}</h2>" in page and f"<h2>{heading}</h2>" in english
        assert f"<title>{zh('regcollab workbench')}</title>" in page
        assert 'id="lang-zh"' in page and "中文" in page and "English" in page
        # the script's words: the same keys, the values from the catalog
        words, en_words = page_words(page), page_words(english)
        assert words.keys() == en_words.keys()
        assert words["idle"] == zh("idle") and en_words["idle"] == "idle"
        assert words["running"] == zh("running")
        assert '<html lang="en">' in plain.get("/").text  # no Accept-Language: English
        # the switch: the session keeps it, the other sessions keep theirs
        r = c.post("/api/lang", json={"lang": "en"})
        assert r.status_code == 200 and r.json() == {"lang": "en"}
        assert '<html lang="en">' in c.get("/").text and '<html lang="en">' in c.get("/").text
        assert e.post("/api/lang", json={"lang": "zh"}).json() == {"lang": "zh"}
        assert '<html lang="zh-CN">' in e.get("/").text
        assert '<html lang="en">' in c.get("/").text
        r = c.post("/api/lang", json={"lang": "fr"})
        assert r.status_code == 400 and "fr" in r.json()["error"]


def test_a_solve_and_a_bad_upload_in_chinese_keep_the_numbers_and_keys(app):
    from optimizer.typology import type_name

    with TestClient(app, headers=ZH_BROWSER) as c, TestClient(app, headers=EN_BROWSER) as e:
        state, en_state = load(c), load(e)
        assert state.keys() == en_state.keys()
        assert state["instance"].keys() == en_state["instance"].keys()
        types = state["instance"]["types"]
        assert types == en_state["instance"]["types"]  # the codes, as in the files
        assert state["instance"]["type_names"] == {t: zh(type_name(t)) for t in types}
        jobs = {}
        for client in (c, e):  # the two sessions' solves, one after the other
            jobs[client] = run(client, "/api/solve", {"weight": 0.7})
            # meanwhile the other session answers in its own language
            other = e if client is c else c
            r = other.post("/api/solve", json={"weight": 0.7, "method": "reference"})
            assert r.status_code == 400
            assert (r.json()["error"] ==
                    zh("the reference point needs an efficiency and an equity level")) \
                == (other is c)
        job, en_job = jobs[c], jobs[e]
        assert job["status"] == en_job["status"] == "done"  # the codes stay
        assert job["label"] == zh("weight {w}", w="0.7") and en_job["label"] == "weight 0.7"
        plan = c.get(f"/api/plan/{job['plan']}").json()
        en_plan = e.get(f"/api/plan/{en_job['plan']}").json()
        assert plan.keys() == en_plan.keys()
        sol = solve(load_instance(DEMO), weight=0.7, why=False)
        check_solution(sol)
        for key in ("efficiency", "equity", "price_of_fairness", "efficiency_loss",
                    "types", "violations", "resources", "status", "pairings", "recipients"):
            assert plan[key] == en_plan[key], key
        assert plan["efficiency"] == pytest.approx(sol.summary.efficiency, rel=1e-9)
        assert plan["status_words"] == zh("optimal") and en_plan["status_words"] == "optimal"
        assert plan["type_names"] == {t: zh(type_name(t)) for t in types}
        assert en_plan["type_names"] == {t: type_name(t) for t in types}
        # compare: the rows' words in the page's language, the numbers the same
        for client, p in ((c, job["plan"]), (e, en_job["plan"])):
            client.post("/api/keep", json={"plan": p})
        rows, en_rows = c.get("/api/compare").json(), e.get("/api/compare").json()
        assert [r["name"] for r in rows["numbers"]][:2] == [zh("efficiency"), zh("equity")]
        assert [r["values"] for r in rows["numbers"]] == [r["values"] for r in en_rows["numbers"]]
        # the server's pictures in the language (the outcomes chart has words)
        png = c.get(f"/api/chart/{job['plan']}/outcomes.png")
        en_png = e.get(f"/api/chart/{en_job['plan']}/outcomes.png")
        assert png.status_code == en_png.status_code == 200
        assert png.content.startswith(b"\x89PNG") and png.content != en_png.content
        # a bad upload, an edit: in Chinese, with the same status
        r = c.post("/api/upload", files={"file": ("plan.txt", b"x")})
        assert r.status_code == 400
        assert r.json() == {"error": zh("'{name}' is not an .xlsx workbook", name="plan.txt")}
        r, en_r = (x.post("/api/upload", files={"file": ("plan.xlsx", b"not a workbook")})
                   for x in (c, e))
        assert r.status_code == en_r.status_code == 400 and r.json().keys() == {"error"}
        assert r.json()["error"].startswith("plan.xlsx") and r.json() != en_r.json()
        load(c)
        d = state["instance"]["partner_names"][0][0]
        rec = state["instance"]["recipient_names"][0][0]
        s = c.post("/api/edit", json={"kind": "forbid", "partner": d, "recipient": rec}).json()
        assert s["edits"] == [zh("forbid {pair}", pair=f"{d}-{rec}")]


def test_a_solve_without_a_plan_says_why_in_the_sessions_language(app):
    from optimizer.pipeline import _failure_message

    with TestClient(app, headers=ZH_BROWSER) as c:
        state = load(c)
        for d in [row[0] for row in state["instance"]["partners"]["rows"]]:
            c.post("/api/edit", json={"kind": "forbid", "partner": d, "recipient": "X"})
        job = run(c, "/api/solve", {"weight": 0.5}, status="failed")  # (the code stays)
        assert job["message"] == zh(_failure_message("infeasible", ""))
        assert job["diagnosis"].startswith(zh("why: {headline}", headline=""))


def test_bad_settings_uploads_and_requests_are_refused_in_chinese(app):
    """The server's own refusals (a bad setting, a bad upload, a post without the page's
    header) in the page's language; the same refusals in English are unchanged."""
    from optimizer.app.state import SETTINGS

    with TestClient(app, headers=ZH_BROWSER) as c, TestClient(app, headers=EN_BROWSER) as e:
        load(c), load(e)
        bad = {"kind": "setting", "name": "balance.alpha", "value": "high"}
        r, en_r = c.post("/api/edit", json=bad), e.post("/api/edit", json=bad)
        assert r.status_code == en_r.status_code == 400
        assert r.json() == {"error": zh("{what} must be a number, not '{value}'",
                                        what="balance.alpha", value="high")}
        assert en_r.json() == {"error": "balance.alpha must be a number, not 'high'"}
        r = c.post("/api/edit", json={"kind": "setting", "name": "balance.beta", "value": 1})
        assert r.status_code == 400 and r.json() == {"error": zh(
            "'{name}' is not one of {names}", name="balance.beta", names=", ".join(SETTINGS))}
        r = c.post("/api/upload", files={"file": ("", b"")})
        assert r.json() == {"error": zh("choose an .xlsx workbook to upload")}
        r = c.post("/api/pareto", json={"points": 99})
        assert r.json() == {"error": zh("points must be between 2 and {most}, not {points}",
                                        most=25, points=99)}
        # a post without the page's header: refused in the session's (else browser's) words
        for client, lang in ((c, "zh"), (e, "en")):
            r = client.post("/api/solve", json={}, headers={"x-regcollab": "0"})
            words = "a request without the x-regcollab header is refused"
            assert r.status_code == 403
            assert r.json() == {"error": zh(words.replace("x-regcollab", "{header}"),
                                            header="x-regcollab") if lang == "zh" else words}
        with TestClient(app, headers={"accept-language": "zh-CN"}) as stranger:
            r = stranger.post("/api/solve", json={})
            assert r.status_code == 403 and "x-regcollab" in r.json()["error"]
            assert r.json()["error"] != "a request without the x-regcollab header is refused"
            assert "regcollab_session" not in stranger.cookies  # no session made for it
        # a method named alone: its name in the page's language
        r = c.post("/api/solve", json={"method": "lexicographic"})
        assert r.status_code == 200, r.json()
        job = wait(c)
        assert job["status"] == "done" and job["label"] == zh("lexicographic")
        assert not any(w in job["progress"] for w in ("payoff", "weighted", "gap")), job
