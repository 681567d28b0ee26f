"""Benchmark: ``Instance.with_params`` (checks only the changed values) against validating the
whole changed instance again (what it did before), in a sweep-like loop.

    python bench/with_params.py [--scenarios N] [--instances guangdong,county]

Each instance gets N changes, alternately a setting (``balance.alpha``) and a cell (the first
partner's supply of the first resource), each made both ways in turn in the same run; the two
results are checked equal and the times printed with their ratio. ``county`` is a generated
343 x 573 instance (``regcollab generate``'s defaults, seed 0).
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer import Instance, load_instance  # noqa: E402
from optimizer.generate import generate, write_instance  # noqa: E402
from optimizer.instance.paths import _raw_pairs, _raw_table  # noqa: E402


def revalidated(inst: Instance, key: str, value) -> Instance:
    """The change made to the raw form of ``inst`` and the whole instance validated again
    (the former with_params: settings as given, typed tables as cells, then from_tables)."""
    raw = copy.deepcopy(inst.raw["params"])
    P, R, PP = _raw_table(inst.partners), _raw_table(inst.recipients), _raw_pairs(inst.pairs)
    if key.startswith("partners["):
        column = key.split("].", 1)[1]
        P[column] = P[column].astype(object)
        P.loc[P["id"] == key[len("partners["):key.index("]")], column] = value
    else:
        section, name = key.split(".")
        raw.setdefault(section, {})[name] = value
    return Instance.from_tables(raw, P, R, PP, path=inst.path)


def changes(inst: Instance, n: int) -> list[tuple[str, float]]:
    """``n`` sweep-like changes: balance.alpha and one supply cell, alternately."""
    cell = f"partners[{inst.partners.index[0]}].supply.{inst.resources[0]}"
    base = float(inst.partners[f"supply.{inst.resources[0]}"].iat[0])
    return [("balance.alpha", round(0.05 + 0.25 * i / n, 6)) if i % 2 == 0
            else (cell, round(base * (0.5 + i / n), 6)) for i in range(n)]


def same(a: Instance, b: Instance) -> bool:
    return (a.params == b.params and a.warnings == b.warnings
            and all(np.array_equal(a.arrays[k], b.arrays[k]) for k in a.arrays))


def measure(inst: Instance, n: int) -> dict:
    """Seconds of each way over ``n`` changes (made alternately, so that both see the same
    load of the machine), and whether they gave the same instances."""
    times = {"new": 0.0, "full": 0.0}
    agree = True
    inst.with_params(dict([changes(inst, 1)[0]]))  # warm up
    for key, value in changes(inst, n):
        t0 = time.perf_counter()
        a = inst.with_params({key: value})
        t1 = time.perf_counter()
        b = revalidated(inst, key, value)
        t2 = time.perf_counter()
        times["new"] += t1 - t0
        times["full"] += t2 - t1
        agree = agree and same(a, b)
    return {**times, "same": agree}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenarios", type=int, default=200)
    ap.add_argument("--instances", default="guangdong,county")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.instances.split(","):
            path = name
            if name == "county":
                path = write_instance(generate(), Path(tmp) / "county")
            t0 = time.perf_counter()
            inst = load_instance(path)
            load = time.perf_counter() - t0
            r = measure(inst, args.scenarios)
            new, full = r["new"], r["full"]
            print(f"{name}: {len(inst.partners)} x {len(inst.recipients)}, "
                  f"{len(inst.pairs)} listed pairs; load {load:.3f} s")
            print(f"  {args.scenarios} x with_params            {new:.2f} s "
                  f"({1000 * new / args.scenarios:.1f} ms each)")
            print(f"  {args.scenarios} x full validation again  {full:.2f} s "
                  f"({1000 * full / args.scenarios:.1f} ms each)")
            print(f"  ratio full / with_params    {full / new:.1f}x; same instances: "
                  f"{r['same']}")


if __name__ == "__main__":
    main()
