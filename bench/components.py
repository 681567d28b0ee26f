"""Benchmark: the connected components of the candidate graph, and the decomposed stages.

    python bench/components.py [--partners 343 --recipients 573 --resources 6 --seed 0]
                               [--gap 0.01] [--time-limit 60] [--workers 2] [--structure-only]

1. The structure: for the generated county-level instance (optimizer.generate's defaults)
   and the bundled guangdong and east-west, the components of the candidate graph (partners
   and recipients as nodes, a candidate pair of any eligible type as an edge): how many,
   their partners, recipients and binaries (optimizer/decompose.py, ``components``).
2. On the county level, in one run: the efficiency stage (max efficiency less penalties)
   solved whole and part by part (``max_separable``), then the maximin equity stage
   (``objective.equity = "maxmin"``) whole and part by part (``max_min_equity``); each with
   its time, value, proven bound and gap, the ratios, and the combined plan checked against
   every row of the full model (optimizer/verify.py).

The whole model is solved by the same path as one part (a fresh HiGHS, one thread), so that
the comparison is of the decomposition alone; both start from the same constructed plan (the
pipeline's, optimizer/heuristic.py; ``--no-start`` for none), each part from its columns.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizer import decompose as dc  # noqa: E402
from optimizer import load_instance  # noqa: E402
from optimizer.model import build_model  # noqa: E402
from optimizer.verify import clean, violations  # noqa: E402


def structure(name: str, am) -> dc.Decomposition:
    inst = am.inst
    nD, nR = len(inst.partners), len(inst.recipients)
    t0 = time.perf_counter()
    d = dc.components(am)
    secs = time.perf_counter() - t0
    nodes, _ = dc.candidate_labels(am)
    paired_d = len(np.unique(am.pair_d))
    print(f"\n{name}: {nD} partners x {nR} recipients, {len(am.pair_d)} candidate pairs "
          f"({len(am.pair_d) / (nD * nR):.1%} of all), {int(am.lm.integer.sum())} binaries")
    print(f"  candidate graph: {nodes} components in all, {d.graph_components} with a pair "
          f"({nD - paired_d} partners and {len(d.lone_recipients)} recipients without any "
          f"pair); the model splits into {len(d.parts)} parts ({secs:.3f} s)")
    for i, p in enumerate(d.parts):
        s = p.size()
        print(f"    part {i + 1:>2}: {s['partners']:>4} partners {s['recipients']:>4} recipients "
              f"{s['binaries']:>5} binaries {s['columns']:>6} columns {s['rows']:>6} rows")
    if len(d.parts) == 1:
        print("  one giant component: decomposition by component cannot help here")
    return d


def whole(am, objective, gap, time_limit, start=None):
    lm = am.lm
    task = (dc.sub_model(am, np.arange(lm.n_cols), np.arange(lm.n_rows), objective),
            dc._settings(gap, time_limit), start)
    return dc.solve_part(task)


def start_plan(am, objective):
    """The pipeline's constructive first plan (optimizer/heuristic.py) for ``objective``."""
    from optimizer.heuristic import construct_plan
    from optimizer.solve import make_backend
    from optimizer.solver.options import SolverOptions

    t0 = time.perf_counter()
    x = construct_plan(am, make_backend(am.lm, SolverOptions()), objective)
    what = "none constructed" if x is None else f"value {float(objective @ x):.6g}"
    print(f"  start plan (optimizer/heuristic.py, given to both): {what} "
          f"({time.perf_counter() - t0:.2f} s)")
    return x


def checked(am, x) -> str:
    if x is None:
        return "no plan"
    bad = violations(am, clean(am, x))
    return "every row of the full model holds" if not bad else f"VIOLATED: {bad[0].words()}"


def gap_of(obj, bound):
    if obj is None or bound is None:
        return None
    return max(0.0, bound - obj) / max(abs(obj), 1e-10)


def line(label, secs, obj, bound, status):
    g = gap_of(obj, bound)
    print(f"  {label:<28} {secs:8.2f} s  {status:<11} value {obj!s:<22} bound {bound!s:<22} "
          f"gap {'-' if g is None else f'{g:.2e}'}")


def compare(title, am, solve_whole, solve_parts, value_of=None):
    print(f"\n{title}")
    w = solve_whole()
    wv = w.objective if value_of is None else value_of(w.x)
    line("whole model", w.seconds, wv, w.bound, w.status)
    d = solve_parts()
    line(f"decomposed ({len(d.parts)} solves)", d.seconds, d.objective, d.bound, d.status)
    for i, r in enumerate(d.parts):
        line(f"  part {i + 1}", r.seconds, r.objective, r.bound, r.status)
    print(f"    slowest part {max(r.seconds for r in d.parts):.2f} s, parts' sum "
          f"{sum(r.seconds for r in d.parts):.2f} s; combined plan: {checked(am, d.x)}")
    ratio = w.seconds / d.seconds if d.seconds else float("nan")
    print(f"  time whole / decomposed      {ratio:.2f}")
    gw, gd = gap_of(wv, w.bound), d.gap
    if gw is not None and gd is not None:
        print(f"  proven gap whole / decomposed {gw / max(gd, 1e-12):.2f}  ({gw:.2e} vs {gd:.2e})")
    if wv is not None and d.objective is not None:
        print(f"  value decomposed / whole     {d.objective / wv:.6f}")


def main():
    ap = argparse.ArgumentParser()
    for size, default in (("partners", 343), ("recipients", 573), ("resources", 6), ("seed", 0)):
        ap.add_argument(f"--{size}", type=int, default=default)  # optimizer.generate's defaults
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--time-limit", type=float, default=60.0,
                    help="seconds for each stage, whole or decomposed (default 60)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--structure-only", action="store_true")
    ap.add_argument("--no-start", dest="start", action="store_false",
                    help="no constructed start plan (HiGHS alone finds the first plan)")
    a = ap.parse_args()

    from optimizer.generate import generate, write_instance

    folder = Path(tempfile.mkdtemp(prefix="regcollab-components-")) / "county"
    write_instance(generate(a.partners, a.recipients, a.resources, a.seed), folder)
    county = build_model(load_instance(folder))
    dec = structure(f"generated county level (seed {a.seed})", county)
    for name in ("guangdong", "east-west"):
        structure(name, build_model(load_instance(name)))
    if a.structure_only:
        return
    print(f"\nsettings: gap {a.gap}, time limit {a.time_limit} s per stage, "
          f"{a.workers} workers for the parts, one HiGHS thread per solve")
    obj = county.lm.objectives
    cEP = obj["efficiency"] - obj["penalty"]
    x0 = start_plan(county, cEP) if a.start else None
    compare("efficiency stage (max efficiency - penalty)", county,
            lambda: whole(county, cEP, a.gap, a.time_limit, x0),
            lambda: dc.max_separable(county, cEP, a.gap, a.time_limit, a.workers, dec=dec,
                                     start=x0))
    mm = build_model(load_instance(folder).with_params({"objective.equity": "maxmin"}))
    cQ = mm.lm.objectives["equity"]
    q0 = start_plan(mm, cQ + 1e-4 * mm.lm.objectives["efficiency"]) if a.start else None
    compare("maximin equity stage (objective.equity = maxmin)", mm,
            lambda: whole(mm, cQ, a.gap, a.time_limit, q0),
            lambda: dc.max_min_equity(mm, a.gap, a.time_limit, a.workers, start=q0),
            value_of=lambda x: None if x is None else float(np.min(mm.outcomes(x))))


if __name__ == "__main__":
    main()
