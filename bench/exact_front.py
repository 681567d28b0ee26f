"""Benchmark: exact Pareto fronts of the bi-objective knapsacks 2kp50, 2kp100 and 2kp250.

    python bench/exact_front.py                      # every case: old, plain and new, ratios
    python bench/exact_front.py --levers             # also each lever of the new method, 2kp100
    python bench/exact_front.py --cases 2kp50,2kp100 --workers 2
    python bench/exact_front.py --baselines none     # the new method only (2kp250's old one
                                                     # takes many minutes)

The data are the pyaugmecon benchmark cases (``../shared/data/benchmarks/<case>/``, or the
folder given by ``--data`` or ``$REGCOLLAB_BENCHMARKS``): ``a.csv``, ``b.csv``, ``c.csv`` and the
reference front ``pareto_sols.csv``. Every front is checked against the reference point by
point. In one run it prints, per case, the wall-clock seconds of

- ``old``: :func:`optimizer.pareto.augmecon2` with ``engine="classic"`` (every grid point a
  solve of the HiGHS backend, its epsilon rows added and removed; the code before the sweep
  engine);
- ``plain``: a plain lexicographic epsilon sweep with HiGHS (max f1 s.t. f2 >= e; then max f2
  with f1 held; e = f2 + 1), two solves a point;
- ``new``: ``augmecon2`` with the sweep engine on ``--workers`` processes,

their ratios, and pyaugmecon's published 13.7 s (Gurobi, 2 processes) for 2kp100. The
machine's load average is printed too: other processes on a 2-core machine change every
wall-clock number here.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pulp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer.linear import LinearModel  # noqa: E402
from optimizer.pareto import augmecon2  # noqa: E402
from optimizer.solver.factory import make_backend  # noqa: E402
from optimizer.solver.options import SolverOptions  # noqa: E402

PYAUGMECON_2KP100 = 13.7  # seconds, pyaugmecon + Gurobi on 2 processes (issue 16)

LEVERS = [  # label, augmecon2 keywords (2kp100, with --levers)
    ("old: classic engine (backend, rows added per solve)", dict(engine="classic")),
    ("one model, row bounds changed", dict(warm_start=False, exact_weights=False,
                                           highs_options={})),
    ("+ exact integer weights", dict(warm_start=False, highs_options={})),
    ("+ HiGHS restarts off", dict(warm_start=False)),
    ("+ warm starts from the pool", dict()),
    ("+ bound rows on f1 (neighbours)", dict(bound_rows=True)),
    ("+ 2 workers, 8 chunks (the default)", dict(workers=2)),
    ("+ 2 workers, 2 chunks", dict(workers=2, chunks=2)),
    ("+ 2 workers, 16 chunks", dict(workers=2, chunks=16)),
]


def data_folder(given: str | None) -> Path:
    if given or os.environ.get("REGCOLLAB_BENCHMARKS"):
        return Path(given or os.environ["REGCOLLAB_BENCHMARKS"])
    here = Path(__file__).resolve()
    for up in here.parents:
        cand = up / "shared" / "data" / "benchmarks"
        if cand.is_dir():
            return cand
    raise SystemExit("benchmark data not found: pass --data or set REGCOLLAB_BENCHMARKS")


def knapsack(folder: Path):
    """The case as a PuLP problem (constraints) and its objectives, and the reference front."""
    a = pd.read_csv(folder / "a.csv", index_col=0).to_numpy(float)
    b = pd.read_csv(folder / "b.csv", index_col=0).to_numpy(float).ravel()
    c = pd.read_csv(folder / "c.csv", index_col=0).to_numpy(float)
    prob = pulp.LpProblem("kp", pulp.LpMaximize)
    x = [prob.add_variable(f"x{i}", 0, 1, cat="Integer") for i in range(a.shape[1])]
    for r in range(a.shape[0]):
        prob += pulp.lpSum(a[r, i] * x[i] for i in range(a.shape[1])) <= b[r], f"cap{r}"
    objs = [pulp.lpSum(c[k, i] * x[i] for i in range(a.shape[1])) for k in range(c.shape[0])]
    ref = pd.read_csv(folder / "pareto_sols.csv", index_col=0).to_numpy(float)
    return prob, objs, sorted(map(tuple, ref))


def plain_sweep(prob, objs) -> list:
    """The plain lexicographic epsilon sweep (two objectives), through the HiGHS backend."""
    lm, (c1, c2) = LinearModel.from_pulp(prob, objs)
    be = make_backend(lm, SolverOptions(solver="highs", gap=0))
    top = be.solve(c2).objective
    e, points = -np.inf, []
    while e <= top:
        r1 = be.solve(c1, extra_rows=[(c2, e, np.inf)])
        if not r1.ok:
            break
        f1 = round(float(c1 @ r1.x))
        r2 = be.solve(c2, extra_rows=[(c2, e, np.inf), (c1, f1 - 1e-6, np.inf)], start=r1.x)
        f2 = round(float(c2 @ r2.x))
        points.append((float(f1), float(f2)))
        e = f2 + 1
    return sorted(points)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def run_case(case: str, folder: Path, baselines: list, workers: int) -> dict:
    prob, objs, ref = knapsack(folder / case)
    row = {"case": case, "points": len(ref)}
    front, row["new"] = timed(lambda: augmecon2(prob, objs, step=1, gap=0, workers=workers))
    row["new_ok"] = sorted(map(tuple, front.points.to_numpy(float).round(6))) == ref
    row["new_solves"] = front.solves
    if "old" in baselines:
        old, row["old"] = timed(lambda: augmecon2(prob, objs, step=1, gap=0, engine="classic"))
        row["old_ok"] = sorted(map(tuple, old.points.to_numpy(float).round(6))) == ref
        row["old_solves"] = old.solves
    if "plain" in baselines and len(objs) == 2:
        pts, row["plain"] = timed(lambda: plain_sweep(prob, objs))
        row["plain_ok"] = pts == ref
    return row


def print_cases(rows: list, workers: int) -> None:
    print(f"\n| case | points | old (classic) | plain lexicographic sweep | new ({workers} "
          f"workers) | old / new | plain / new | fronts equal the reference |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        def sec(k):
            return f"{r[k]:.2f} s" if k in r else "-"

        def ratio(k):
            return f"{r[k] / r['new']:.2f}x" if k in r else "-"

        oks = [r[k] for k in ("new_ok", "old_ok", "plain_ok") if k in r]
        print(f"| {r['case']} | {r['points']} | {sec('old')} | {sec('plain')} | {sec('new')} "
              f"| {ratio('old')} | {ratio('plain')} | {all(oks)} |")
    for r in rows:
        if r["case"] == "2kp100":
            print(f"\n2kp100: new {r['new']:.2f} s against pyaugmecon + Gurobi on 2 processes "
                  f"{PYAUGMECON_2KP100} s (ratio {PYAUGMECON_2KP100 / r['new']:.2f}); target: "
                  f"under {PYAUGMECON_2KP100} s")


def levers(folder: Path) -> None:
    prob, objs, ref = knapsack(folder / "2kp100")
    print("\nlevers on 2kp100, one run, each side by side (seconds wall clock; solves):")
    print("| configuration | seconds | solves | HiGHS solves by status | equal |")
    print("|---|---|---|---|---|")
    for label, kw in LEVERS:
        f, t = timed(lambda: augmecon2(prob, objs, step=1, gap=0, **kw))
        ok = sorted(map(tuple, f.points.to_numpy(float).round(6))) == ref
        print(f"| {label} | {t:.2f} | {f.solves} | {f.statuses} | {ok} |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", default="2kp50,2kp100,2kp250")
    ap.add_argument("--baselines", default="old,plain",
                    help="comma-separated: old, plain, or none")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--levers", action="store_true", help="also each lever on 2kp100")
    ap.add_argument("--data", default=None, help="folder of the benchmark cases")
    args = ap.parse_args()
    folder = data_folder(args.data)
    baselines = [b for b in args.baselines.split(",") if b and b != "none"]
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    rows = []
    for case in args.cases.split(","):
        rows.append(run_case(case, folder, baselines, args.workers))
        print(f"  {case} done: {rows[-1]}", flush=True)
    print_cases(rows, args.workers)
    if args.levers:
        levers(folder)
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
