"""Benchmark: plans of several rounds (issue 14), measured side by side with one round.

    python bench/rounds_scale.py [--rounds 3] [--county] [--repeat 3]

For the Guangdong instance it builds the model and solves it (no "why" re-solves) with one
round and with ``--rounds`` rounds, and prints each time and the ratio; with ``--county`` it
generates the national county level (343 x 573, 6 resources) and times building its model
with one round and with ``--rounds`` rounds (building only: the county-level MIP is the
subject of bench/county_scale.py). The best of ``--repeat`` runs is taken, all in this one
process, so that the ratios compare like with like on a noisy machine.
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
from optimizer.model import build_model  # noqa: E402


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--county", action="store_true")
    args = ap.parse_args()
    N = args.rounds
    g1 = load_instance("guangdong")
    gN = g1.with_params({"rounds.count": N})
    for what, fn1, fnN in (
            ("guangdong build", lambda: build_model(g1), lambda: build_model(gN)),
            ("guangdong solve (no why)", lambda: solve(g1, why=False),
             lambda: solve(gN, why=False))):
        t1, tN = best(fn1, args.repeat), best(fnN, args.repeat)
        print(f"{what:28s} 1 round {t1:8.3f} s   {N} rounds {tN:8.3f} s   ratio {tN / t1:6.2f}")
    if args.county:
        from optimizer.generate import generate, write_instance

        with tempfile.TemporaryDirectory() as tmp:
            write_instance(generate(), Path(tmp) / "county")
            c1 = load_instance(Path(tmp) / "county")
            cN = c1.with_params({"rounds.count": N})
            t1 = best(lambda: build_model(c1), args.repeat)
            tN = best(lambda: build_model(cN), args.repeat)
            am = build_model(cN)
            print(f"{'county build':28s} 1 round {t1:8.3f} s   {N} rounds {tN:8.3f} s   ratio "
                  f"{tN / t1:6.2f}   ({am.lm.n_cols} columns, {am.lm.n_rows} rows)")


if __name__ == "__main__":
    main()
