"""Why the county level is not solved to HiGHS's default gap: one province block alone.

    python bench/mip_hardness.py [--time-limit 30] [--partners 43 --recipients 57 --resources 6]

Generates one block of the county instance (one eastern province with its western province:
43 x 57 counties, 6 resources, as `regcollab generate` makes them) and solves its first
stage (maximum efficiency) with HiGHS, one thread each, two at a time, with the same time
limit, as built and with one group of rules lifted at a time. It prints each variant's gap at
the limit (or its time when proven), and the LP relaxation's value, so that one sees which
rules make the MIP hard. Nothing here is used by the tool; docs/performance.md quotes it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VARIANTS = {
    "as built": [],
    "no partner spans": ["span_partner"],
    "no recipient spans": ["span_recipient"],
    "no spans at all": ["span_partner", "span_recipient"],
    "no setup costs or min scale": ["setup", "scale"],
    "no capacity rule": ["capacity"],
    "no access floors": ["access_floor"],
}


def child(folder: str, lifted: list, time_limit: float) -> dict:
    import numpy as np

    from optimizer import load_instance
    from optimizer.model import build_model
    from optimizer.solve import SolverOptions, make_backend

    am = build_model(load_instance(folder))
    lm = am.lm
    names = list(lm.row_blocks)
    c = lm.objectives["efficiency"].copy()
    for what in lifted:
        if what == "setup":
            c[am.z.start:am.z.stop] = 0.0
        elif what in names:
            i = names.index(what)
            lm._rlo[i] = np.full_like(lm._rlo[i], -np.inf)
            lm._rhi[i] = np.full_like(lm._rhi[i], np.inf)
    lm._A = None
    be = make_backend(lm, SolverOptions(threads=1, time_limit=time_limit).validate())
    t0 = time.perf_counter()
    r = be.solve(c, time_limit=time_limit)
    seconds = time.perf_counter() - t0
    lp = be.solve(c, relax_integers=True)
    return {"status": r.status, "objective": r.objective, "gap": r.mip_gap, "seconds": seconds,
            "lp": lp.objective, "binaries": int(lm.integer.sum())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--partners", type=int, default=43)
    ap.add_argument("--recipients", type=int, default=57)
    ap.add_argument("--resources", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--child", nargs=3)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child[0], json.loads(a.child[1]), float(a.child[2]))))
        return
    from optimizer.generate import generate, write_instance

    folder = Path(tempfile.mkdtemp(prefix="regcollab-hard-")) / "block"
    write_instance(generate(a.partners, a.recipients, a.resources, a.seed), folder)

    def run(item):
        name, lifted = item
        out = subprocess.run([sys.executable, __file__, "--child", str(folder),
                              json.dumps(lifted), str(a.time_limit)],
                             capture_output=True, text=True, check=True)
        return name, json.loads(out.stdout.strip().splitlines()[-1])

    print(f"one block: {a.partners} x {a.recipients}, {a.resources} resources, seed {a.seed}; "
          f"maximum efficiency, HiGHS with one thread, time limit {a.time_limit:g} s")
    with ThreadPoolExecutor(2) as pool:
        for name, r in pool.map(run, VARIANTS.items()):
            gap = "n/a" if r["gap"] is None else f"{100 * r['gap']:.3f}%"
            print(f"  {name:<30} {r['status']:<11} {r['seconds']:6.1f} s  gap {gap:>8}  "
                  f"plan {r['objective']:.2f}  LP bound {r['lp']:.2f}  ({r['binaries']} binaries)")


if __name__ == "__main__":
    main()
