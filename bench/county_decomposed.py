"""Benchmark: the county level solved whole and decomposed (``decompose=True``), in one run.

    python bench/county_decomposed.py [--partners 343 --recipients 573 --resources 6
                                       --seed 0] [--gap 0.01] [--time-limit 60] [--workers 2]
    python bench/county_decomposed.py --scaling [--partners 60 --recipients 100 ...]

Generates the county-level instance (optimizer.generate's defaults), then runs
``solve(inst, why=False, gap=..., time_limit=...)`` whole and decomposed, one after the
other, and prints each stage's value and gap side by side, the end-to-end times and their
ratio, and how the decomposed run solved each stage (docs/performance.md, "Decomposition in
the pipeline"). Both plans are checked against every row of the model.

``--scaling``: the decomposed run on one worker and on ``--workers``, one after the other,
with their seconds, the ratio and whether the two plans and stage values are the same (the
issue's parallel-scaling target; meaningful where both runs finish within the time limit).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizer import load_instance, solve  # noqa: E402
from optimizer.generate import generate, write_instance  # noqa: E402
from optimizer.verify import clean, violations  # noqa: E402


def gap_text(g):
    return "no bound" if g is None or g != g or g == float("inf") else f"{g:.2%}"


def main() -> None:
    ap = argparse.ArgumentParser()
    for size, default in (("partners", 343), ("recipients", 573), ("resources", 6),
                          ("seed", 0)):
        ap.add_argument(f"--{size}", type=int, default=default)
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scaling", action="store_true")
    a = ap.parse_args()
    folder = Path(tempfile.mkdtemp()) / "county"
    write_instance(generate(a.partners, a.recipients, a.resources, a.seed), folder)
    inst = load_instance(folder)
    if a.scaling:
        return scaling(inst, a)
    runs = {}
    for name, dec in (("whole", False), ("parts", True)):
        t0 = time.perf_counter()
        sol = solve(inst, why=False, gap=a.gap, time_limit=a.time_limit, decompose=dec,
                    workers=a.workers)
        secs = time.perf_counter() - t0
        broken = violations(sol.model, clean(sol.model, sol.x)) if sol.x is not None else []
        runs[name] = (sol, secs, broken)
        print(f"{name}: {sol.status} in {secs:.1f} s, E {sol.summary.efficiency}, "
              f"Q {sol.summary.equity}, rules broken: {len(broken)}", flush=True)
    (w, tw, _), (p, tp, _) = runs["whole"], runs["parts"]
    print(f"\n{'stage':<36} {'whole: value (gap)':>28} {'parts: value (gap)':>28}")
    for sw, sp in zip(w.summary.stages, p.summary.stages):
        print(f"{sw['stage']:<36} {sw['objective']:>16.6g} ({gap_text(sw['mip_gap']):>9}) "
              f"{sp['objective']:>16.6g} ({gap_text(sp['mip_gap']):>9})")
    print(f"\nend to end: whole {tw:.1f} s, parts {tp:.1f} s (ratio whole/parts {tw / tp:.2f})")
    for st in p.summary.decomposition["stages"]:
        print("  parts:", st)
    for note in p.summary.decomposition["whole"]:
        print("  whole:", note)


def scaling(inst, a) -> None:
    runs = {}
    for w in (1, a.workers):
        t0 = time.perf_counter()
        sol = solve(inst, why=False, gap=a.gap, time_limit=a.time_limit, decompose=True,
                    workers=w)
        runs[w] = (sol, time.perf_counter() - t0)
        print(f"{w} worker(s): {sol.status} in {runs[w][1]:.1f} s, E {sol.summary.efficiency}, "
              f"Q {sol.summary.equity}, parts {len(sol.summary.decomposition['parts'])}",
              flush=True)
    (s1, t1), (s2, t2) = runs[1], runs[a.workers]
    same_values = [x["objective"] for x in s1.summary.stages] == \
        [x["objective"] for x in s2.summary.stages]
    cols = ["partner", "recipient", "type"]
    same_plan = s1.pairings[cols].reset_index(drop=True).equals(
        s2.pairings[cols].reset_index(drop=True))
    print(f"\n1 worker {t1:.1f} s, {a.workers} workers {t2:.1f} s: ratio {t1 / t2:.2f} "
          f"(target >= 1.6); same stage values {same_values}, same plan {same_plan}")


if __name__ == "__main__":
    main()
