"""The wheel a user installs (``pip install .``): what it contains and that it runs.

An editable install hides packaging mistakes (a missing subpackage ran fine here and failed
for every real user), so this builds the wheel and looks inside; ``.ci/run`` also installs it
in a fresh virtual environment and runs ``regcollab solve`` from another folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    # from a copy of the sources: setuptools keeps build/ between builds, and a stale build/
    # would hide a file that is no longer packaged
    src = out / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis",
        "dist"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(out), str(src)], capture_output=True, text=True, cwd=out)
    assert proc.returncode == 0, proc.stderr
    # setuptools' warnings (e.g. data folders missing from `packages`) are build defects too
    assert "Warning" not in proc.stderr, proc.stderr
    (whl,) = out.glob("regcollab-*.whl")
    with zipfile.ZipFile(whl) as z:
        return {"names": set(z.namelist()),
                "metadata": z.read(next(n for n in z.namelist()
                                        if n.endswith("METADATA"))).decode()}


def test_every_module_of_the_package_is_in_the_wheel(wheel):
    for path in (ROOT / "optimizer").rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        assert rel in wheel["names"], rel


def test_the_report_templates_are_in_the_wheel(wheel):
    """report.html is rendered from jinja2 templates: package data, not modules."""
    templates = ROOT / "optimizer" / "report" / "templates"
    found = sorted(p.name for p in templates.iterdir() if p.suffix in (".j2", ".css"))
    assert "report.html.j2" in found and "report.css" in found
    for name in found:
        rel = f"optimizer/report/templates/{name}"
        assert rel in wheel["names"], f"template missing from the wheel: {rel}"


def test_no_top_level_cli_module_is_installed(wheel):
    tops = {n.split("/")[0] for n in wheel["names"] if not n.startswith("regcollab-")}
    assert tops == {"optimizer"}, tops


def test_bundled_instances_ship_their_data_but_not_their_build_scripts(wheel):
    inst = ROOT / "instances"
    for path in inst.rglob("*"):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        rel = "optimizer/bundled/" + path.relative_to(inst).as_posix()
        if path.suffix == ".py":
            assert rel not in wheel["names"], f"build script shipped: {rel}"
        else:
            assert rel in wheel["names"], f"instance file missing from the wheel: {rel}"


def test_metadata_has_an_spdx_licence_and_the_entry_point_is_inside_the_package(wheel):
    assert "License-Expression: MIT" in wheel["metadata"]
    assert "Classifier: Programming Language :: Python :: 3.11" in wheel["metadata"]
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["scripts"]["regcollab"] == "optimizer.cli:main"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_the_workbench_page_script_and_style_are_in_the_wheel(wheel):
    """regcollab app serves its page from the package (no CDN): template, script, style."""
    for rel in ("optimizer/app/templates/index.html.j2", "optimizer/app/static/app.js",
                "optimizer/app/static/app.css"):
        assert (ROOT / rel).is_file(), rel
        assert rel in wheel["names"], f"workbench file missing from the wheel: {rel}"


def test_the_chinese_catalog_is_in_the_wheel(wheel):
    """--lang zh reads the compiled catalog (package data, like the templates)."""
    for suffix in ("mo", "po"):
        rel = f"optimizer/locale/zh/LC_MESSAGES/regcollab.{suffix}"
        assert (ROOT / rel).is_file() and rel in wheel["names"], rel
