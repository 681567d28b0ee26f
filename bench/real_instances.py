"""Benchmark: the default solve of every bundled instance, measured against the demo's in the
same run.

    python bench/real_instances.py [--repeat 3]

The time limits of the bundled instances live here, not in the tests (an absolute time in a
test fails on a loaded machine: tests/test_real_instances.py once failed at 22.4 s against a
20 s limit). For each bundled instance it prints the best of ``--repeat`` default solves (the
"why" re-solves included, as `regcollab solve` runs them) and its ratio to the demo's, and the
budget of 20 s a real instance is meant to stay under on this machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizer import load_instance, solve  # noqa: E402
from optimizer.instance.bundled import bundled_instances_dir  # noqa: E402

BUDGET = 20.0  # seconds a bundled real instance should take on this machine


def best(name: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        sol = solve(load_instance(name))
        times.append(time.perf_counter() - t0)
        assert sol.status == "optimal", (name, sol.status)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    names = sorted(p.name for p in bundled_instances_dir().iterdir()
                   if (p / "instance.toml").is_file())
    base = best("demo", args.repeat)
    print(f"{'instance':<20} {'seconds':>8} {'x demo':>8}  budget {BUDGET:g} s")
    for name in names:
        secs = base if name == "demo" else best(name, args.repeat)
        flag = "" if secs < BUDGET else "  OVER BUDGET"
        print(f"{name:<20} {secs:8.2f} {secs / base:8.1f}{flag}")


if __name__ == "__main__":
    main()
