"""Golden results of the bundled instances: what the code produced when they were recorded.

Each case solves a bundled instance with given options and writes the result tables and
``summary.json`` (without timings) under ``tests/golden/<case>/``; ``tests/test_golden.py``
solves them again and compares, numbers within a relative 1e-6, everything else exactly.
A change of results is then never silent: regenerate with ``python tests/golden.py`` only in
the commit that means to change them, and say in its message what changed and why.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"

CASES = {
    "guangdong": ("guangdong", {}),
    "guangdong-maxmin": ("guangdong", {"equity": "maxmin", "weight": 0.3}),
    "east-west": ("east-west", {}),
    "demo": ("demo", {}),
    "demo-equity-first": ("demo", {"method": "lexicographic", "first": "equity"}),
    "demo-epsilon": ("demo", {"method": "epsilon", "eps": 0.5}),
    "demo-soft": ("demo", {"soft": {"access_floor": 100}, "alpha": 0.9}),
}

# infeasible variants of the bundled instances: the diagnosis (conflicts, rules, words, fixes)
DIAGNOSES = {
    "demo-alpha1": ("demo", {"balance.alpha": 1.0}, {}),
    "demo-coverage": ("demo", {"recipients[X].min_partners": 3}, {}),
    "demo-gamma": ("demo", {"balance.gamma": 0.9}, {}),
    "demo-theta": ("demo", {"balance.theta": 1.5}, {}),
    "demo-epsilon": ("demo", {}, {"method": "epsilon", "eps": 0.9}),
    "guangdong-meizhou": ("guangdong", {**{f"pairs[{d},MZ].allowed": False
                                           for d in ("GZ", "SZ", "FS", "DG")},
                                        "balance.alpha": 0.5}, {}),
    "guangdong-coverage2": ("guangdong", {"recipients[*].min_partners": 2}, {}),
}
# pairs explained on the bundled instances (the words and numbers of `regcollab explain`)
EXPLAINS = {
    "demo": ("demo", [("A", "X"), ("A", "W"), ("B", "Y"), ("B", "X")]),
    "guangdong": ("guangdong", [("GZ", "QY"), ("GZ", "ST"), ("SZ", "JY")]),
}

# summary keys that measure the run rather than its result
VOLATILE = ("timings", "stages", "instance_path", "start_heuristic")


def produce(case: str, folder: Path) -> Path:
    """Solve one case and write its tables and summary into ``folder`` (replaced)."""
    sys.path.insert(0, str(ROOT))
    from optimizer import load_instance, solve

    name, kwargs = CASES[case]
    sol = solve(load_instance(ROOT / "instances" / name), **kwargs)
    if folder.exists():
        shutil.rmtree(folder)
    from optimizer.commands.report import write_extras

    # the report of a solve is built from its tables in memory (test_report_layer.py checks
    # that a rebuild from the folder, 'regcollab report DIR', gives the same report)
    sol.write(folder, extra=lambda tmp, files: write_extras(tmp, workbook=False, quiet=True,
                                                             files=files))
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    for key in VOLATILE:
        summary.pop(key, None)
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    # not results: the report files, and the manifest (who wrote the folder, and when)
    for extra in ("results.xlsx", ".regcollab.json"):
        (folder / extra).unlink(missing_ok=True)
    report = folder / "report.html"
    if report.exists():  # its text, without the pictures' bytes and the run's times
        report.write_text(report_text(report.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


IMAGE = re.compile(r'src="data:image/png;base64,[^"]*"')
TIMING = re.compile(r"\b(load|build|transfer|heuristics|solve|polish|extract|highs_own|total|"
                    r"explain|why this type|other|clock) [0-9][0-9.e+-]*( s)?")


def report_text(html: str) -> str:
    """report.html as compared: the pictures' bytes and the timings taken out (they depend on
    the machine and its matplotlib), every word, number and tag kept."""
    html = html.replace(str(ROOT), "<root>")  # where the checkout is
    return TIMING.sub(r"\1 <t>", IMAGE.sub('src="<png>"', html))


def produce_diagnosis(case: str, folder: Path) -> Path:
    """The diagnosis of one infeasible variant, as JSON (without its time)."""
    sys.path.insert(0, str(ROOT))
    from optimizer import load_instance
    from optimizer.diagnose import diagnose

    name, changes, kwargs = DIAGNOSES[case]
    d = diagnose(load_instance(ROOT / "instances" / name).with_params(changes), **kwargs)
    data = d.as_dict()
    data.pop("seconds", None)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "diagnosis.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    return folder


def produce_explanations(case: str, folder: Path) -> Path:
    """The explanations of a few pairs, as JSON."""
    sys.path.insert(0, str(ROOT))
    from optimizer import load_instance, solve
    from optimizer.explain import explain_pair
    from optimizer.solution import _jsonable

    name, pairs = EXPLAINS[case]
    sol = solve(load_instance(ROOT / "instances" / name), why=False)
    data = [_jsonable(explain_pair(sol, d, r).as_dict()) for d, r in pairs]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "explain.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    return folder


def _close(a, b, rtol=1e-6, atol=1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


def diff_json(a, b, path="") -> list[str]:
    """Differences between two JSON values, numbers within tolerance."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'new' if k in b else 'golden'}")
            else:
                out += diff_json(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items vs {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in diff_json(x, y, f"{path}[{i}]")]
    if (isinstance(a, (int, float)) and isinstance(b, (int, float))
            and not isinstance(a, bool) and not isinstance(b, bool)):
        return [] if _close(float(a), float(b)) else [f"{path}: {a} vs {b}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def diff_csv(gold: Path, new: Path) -> list[str]:
    """Differences between two CSV tables: same columns and rows, numbers within tolerance."""
    a = pd.read_csv(gold, dtype=str, keep_default_na=False)
    b = pd.read_csv(new, dtype=str, keep_default_na=False)
    if list(a.columns) != list(b.columns):
        return [f"{gold.name}: columns {list(a.columns)} vs {list(b.columns)}"]
    if len(a) != len(b):
        return [f"{gold.name}: {len(a)} rows vs {len(b)}"]
    out = []
    for c in a.columns:
        for i, (x, y) in enumerate(zip(a[c], b[c])):
            if x == y:
                continue
            try:
                if _close(float(x), float(y)):
                    continue
            except ValueError:
                pass
            if x.startswith(("{", "[")) and y.startswith(("{", "[")):  # a JSON cell (explain's alternatives)
                try:
                    if not diff_json(json.loads(x), json.loads(y)):
                        continue
                except ValueError:
                    pass
            out.append(f"{gold.name} row {i + 1} column {c}: {x!r} vs {y!r}")
    return out


def compare(case: str, new: Path, gold: Path | None = None) -> list[str]:
    gold = gold or GOLDEN / case
    names = sorted(p.name for p in gold.iterdir())
    got = sorted(p.name for p in new.iterdir())
    out = [] if names == got else [f"files {names} vs {got}"]
    for n in set(names) & set(got):
        if n.endswith(".csv"):
            out += diff_csv(gold / n, new / n)
        elif n.endswith(".html"):
            a = (gold / n).read_text(encoding="utf-8").splitlines()
            b = (new / n).read_text(encoding="utf-8").splitlines()
            if a != b:
                import difflib

                out += list(difflib.unified_diff(a, b, "golden", "new", n=0, lineterm=""))[:40]
        elif n.endswith(".json"):
            out += diff_json(json.loads((gold / n).read_text(encoding="utf-8")),
                             json.loads((new / n).read_text(encoding="utf-8")))
    return out


if __name__ == "__main__":
    for case in (sys.argv[1:] or CASES):
        produce(case, GOLDEN / case)
        print(f"recorded {case}")
    if not sys.argv[1:]:
        for case in DIAGNOSES:
            produce_diagnosis(case, GOLDEN / "diagnose" / case)
            print(f"recorded diagnosis {case}")
        for case in EXPLAINS:
            produce_explanations(case, GOLDEN / "explain" / case)
            print(f"recorded explanations {case}")
