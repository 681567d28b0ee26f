"""Benchmark: the speed-up of a parameter sweep with 2 worker processes against 1.

    python bench/sweep_speedup.py [INSTANCE] [--scenarios N]

Both sweeps run the same scenarios in the same run; prints times and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer import load_instance  # noqa: E402
from optimizer.sweep import sweep  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("instance", nargs="?", default="instances/guangdong")
    ap.add_argument("--scenarios", type=int, default=16)
    args = ap.parse_args()
    inst = load_instance(args.instance)
    grid = {"objective.lambda": [round(v, 6) for v in np.linspace(0.05, 0.95, args.scenarios)]}
    times = {}
    tables = {}
    for w in (1, 2):
        t0 = time.perf_counter()
        tables[w] = sweep(inst, grid, workers=w)
        times[w] = time.perf_counter() - t0
    same = tables[1]["efficiency"].round(9).equals(tables[2]["efficiency"].round(9))
    print(f"instance          {inst.name}, {args.scenarios} scenarios (objective.lambda)")
    print(f"1 worker          {times[1]:.2f} s")
    print(f"2 workers         {times[2]:.2f} s")
    print(f"speed-up 2 vs 1   {times[1] / times[2]:.2f}x")
    print(f"same results      {same}")


if __name__ == "__main__":
    main()
