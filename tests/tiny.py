"""Random tiny instances (2-3 partners, 3-4 recipients) for brute force and property tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer import Instance


def tiny_instance(seed: int, max_pairs: int = 6, equity=None, soft=None, theta=None, rho=None,
                  setup=True) -> Instance:
    rng = np.random.default_rng(seed)
    nD = int(rng.integers(2, 4))
    nR = int(rng.integers(3, 5))
    K = ["funds", "talent"][: int(rng.integers(1, 3))]
    partners = pd.DataFrame({"id": [f"D{i}" for i in range(nD)]})
    partners["max_partners"] = [int(rng.integers(1, 4)) if rng.random() < 0.5 else None
                                for _ in range(nD)]
    for k in K:
        partners[f"supply.{k}"] = rng.integers(5, 40, nD).astype(float)
    recipients = pd.DataFrame({"id": [f"R{i}" for i in range(nR)]})
    recipients["population"] = rng.integers(10, 100, nR).astype(float)
    recipients["baseline"] = rng.uniform(1, 5, nR).round(2)
    recipients["target"] = 6.0
    recipients["min_partners"] = 1
    for k in K:
        recipients[f"need.{k}"] = rng.integers(5, 30, nR).astype(float)
    for k in K:
        recipients[f"prod.{k}"] = rng.uniform(0.5, 3, nR).round(2)
    # candidate pairs: every recipient gets 1-2 pairs, at most max_pairs in all
    rows = [(int(rng.integers(nD)), r) for r in range(nR)]  # everyone can be reached
    others = [(d, r) for d in range(nD) for r in range(nR) if (d, r) not in rows]
    for i in rng.permutation(len(others))[: max(0, max_pairs - nR)]:
        rows.append(others[i])
    pairs = []
    for d in range(nD):
        for r in range(nR):
            allowed = (d, r) in rows
            pot = float(rng.choice([0.2, 0.5, 0.7, 1.0]))
            ben = float(rng.choice([0.3, 0.5, 0.5, 0.8]))
            # at most two eligible types per pair keeps the enumeration small
            if pot >= 0.6 and ben >= 0.6:
                ben = 0.5
            pairs.append({"partner": f"D{d}", "recipient": f"R{r}", "pot": pot, "ben": ben,
                          "comp": float(rng.choice([0.0, 0.2])), "allowed": allowed})
    pairs = pd.DataFrame(pairs)
    params = {
        "name": f"tiny-{seed}",
        "objective": {"equity": equity or str(rng.choice(["tail", "maxmin"])),
                      "beta": float(rng.choice([0.3, 0.5, 1.0]))},
        "balance": {"alpha": float(rng.choice([0.0, 0.2, 0.3])),
                    "gamma": float(rng.choice([0.0, 0.15, 0.25]))},
        "types": {"platform": {"setup": 1.0 if setup else 0.0, "min_scale": 2.0 if setup else 0.0}},
    }
    if theta is not None:
        params["balance"]["theta"] = theta
    if rho is not None:
        params["balance"]["rho"] = rho
    if soft:
        params["balance"]["soft"] = soft
    # drawn last, so that the instances of earlier seeds keep their other values
    params["balance"]["pair_floor"] = float(rng.choice([0.0, 0.05, 0.05, 0.2]))
    return Instance.from_tables(params, partners, recipients, pairs)


def tiny_mechanism_instance(seed: int, max_pairs: int = 4, clusters: int | None = None,
                            levels=None, **kw) -> Instance:
    """A tiny instance with MODEL-v2 B and C on: share levels, return_min (and spillover),
    and 1-2 clusters drawn from the seed (the base instance is :func:`tiny_instance`'s)."""
    import dataclasses

    inst = tiny_instance(seed, max_pairs=max_pairs, **kw)
    rng = np.random.default_rng(10_000 + seed)
    D, R = list(inst.partners.index), list(inst.recipients.index)
    rows = []
    for g in range(clusters if clusters is not None else int(rng.integers(1, 3))):
        ds = sorted(rng.choice(D, size=int(rng.integers(1, min(2, len(D)) + 1)), replace=False))
        rs = sorted(rng.choice(R, size=int(rng.integers(1, 4)), replace=False))
        rows.append({"id": f"G{g}", "name": f"cluster {g}", "partners": tuple(ds),
                     "recipients": tuple(rs), "setup": float(rng.choice([0.5, 3.0, 8.0, 30.0])),
                     "synergy": float(rng.choice([0.1, 0.3, 0.5])),
                     "min_links": int(rng.choice([1, 1, 2]))})
    cl = pd.DataFrame(rows).set_index("id")
    params = {"sharing.levels": levels if levels is not None
              else [[0.2], [0.3], [0.25, 0.5]][int(rng.integers(3))],
              "sharing.spillover": float(rng.choice([0.0, 0.0, 0.2]))}
    for k in inst.resources:
        params[f"resources.{k}.return_min"] = float(rng.choice([0.0, 0.05, 0.2]))
    return dataclasses.replace(inst, clusters=cl).with_params(params)
