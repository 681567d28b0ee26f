"""Benchmark: a Pareto front with AUGMECON2 (one model, one HiGHS instance, bypass) against the
same number of independent solves (a fresh model and solver per sub-problem).

    python bench/pareto_vs_independent.py [INSTANCE] [--points N]

Prints both times and their ratio, measured in the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer import build_model, load_instance  # noqa: E402
from optimizer.pareto import DELTA, pareto  # noqa: E402
from optimizer.solve import SolverOptions, make_backend  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("instance", nargs="?", default="instances/guangdong")
    ap.add_argument("--points", type=int, default=11)
    args = ap.parse_args()
    inst = load_instance(args.instance)

    t0 = time.perf_counter()
    front = pareto(inst, points=args.points)
    t_front = time.perf_counter() - t0

    # the same number of solves, each from scratch: build, transfer, solve one epsilon problem
    E_ide = front.payoff.loc["efficiency first", "efficiency"]
    Q_lo = front.payoff["equity"].min()
    Q_hi = front.payoff.loc["equity first", "equity"]
    levels = np.linspace(Q_lo, Q_hi, front.solves)
    t0 = time.perf_counter()
    for q in levels:
        am = build_model(inst)
        be = make_backend(am.lm, SolverOptions())
        cE = am.lm.objectives["efficiency"] - am.lm.objectives["penalty"]
        cQ = am.lm.objectives["equity"]
        be.solve(cE + DELTA * cQ / max(Q_hi - Q_lo, 1e-12), extra_rows=[(cQ, q - 1e-9, np.inf)])
    t_indep = time.perf_counter() - t0
    print(f"instance            {inst.name}")
    print(f"front points        {len(front.points)} (grid {args.points}, {front.solves} solves)")
    print(f"pareto front        {t_front:.3f} s")
    print(f"independent solves  {t_indep:.3f} s ({front.solves} x build + solve)")
    print(f"ratio front/indep   {t_front / t_indep:.3f}")
    print(f"best efficiency     {E_ide:.6g}")


if __name__ == "__main__":
    main()
