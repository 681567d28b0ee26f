"""Synthetic instances with the structure of the real ones, up to the national county level.

The East–West collaboration pairs provinces (blocks) first and then counties inside each pair
of blocks; the generator copies that shape:

- partners and recipients sit in blocks (eastern and western provinces) with coordinates:
  eastern blocks along the coast, western blocks inland, regions scattered around their block;
- every western block is mandated to one eastern block (round robin, so some eastern blocks
  take two, as Jiangsu and Guangdong do in the 2021 round);
- sizes and incomes are skewed (log-normal), richer in the east;
- inside each mandated pair of provinces every western county gets a mandated eastern county
  (the nearest one with room, a balanced assignment; pot 1); its other candidates are the
  nearest counties of the same eastern province (pot 0.5), ``candidates`` in all; mutual
  benefit falls with distance and rises with a complementarity of industrial structure;
  complementarity is that difference.

The defaults give the national county level of the 2021 round: 343 eastern counties and 573
western counties (CGTN 2021-03-12, see /work/shared/data/NOTES.md), 6 resource kinds. The
same seed gives the same files. All numbers are synthetic.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from .errors import InputError
from .files import atomic_dir
from .i18n import _
from .limits import MAX_CANDIDATES, MAX_GENERATED_RESOURCES, MAX_REGIONS, MAX_SEED

RESOURCE_NAMES = ("funds", "talent", "industry", "technology", "market", "training")
RESOURCE_UNITS = {"funds": "10m yuan", "talent": "professionals", "industry": "10m yuan invested",
                  "technology": "projects", "market": "10m yuan of purchases",
                  "training": "100 trainees"}
EAST_PER_BLOCK = 43  # ~343 counties / 8 provinces
WEST_PER_BLOCK = 57  # ~573 counties / 10 provinces


def _block_sizes(n: int, blocks: int, rng) -> np.ndarray:
    """Split n regions into skewed blocks, each of at least one region."""
    w = rng.lognormal(0.0, 0.4, blocks)
    sizes = np.maximum(1, np.floor(w / w.sum() * n)).astype(int)
    while sizes.sum() > n:
        sizes[np.argmax(sizes)] -= 1
    while sizes.sum() < n:
        sizes[np.argmin(sizes)] += 1
    return sizes


def _haversine_km(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(np.minimum(1.0, a)))


def _check_sizes(**sizes) -> None:
    for name, (v, lo, hi) in sizes.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
            raise InputError(_("--{name} must be a whole number from {lo} to {hi}, not "
                               "{value}").format(name=name, lo=lo, hi=hi, value=repr(v)))


def _places(rng, nD: int, nR: int) -> SimpleNamespace:
    """Blocks (provinces) and coordinates: eastern blocks along the coast (south to north),
    western blocks inland; every western block mandated to an eastern one."""
    bE = max(1, round(nD / EAST_PER_BLOCK))
    bW = max(1, round(nR / WEST_PER_BLOCK))
    east_sizes = _block_sizes(nD, bE, rng)
    west_sizes = _block_sizes(nR, bW, rng)
    e_lat = np.linspace(22.5, 40.0, bE) + rng.normal(0, 0.5, bE)
    e_lon = 113.0 + 0.35 * (e_lat - 22.5) + rng.normal(0, 0.8, bE)
    w_lat = rng.uniform(22.0, 42.0, bW)
    w_lon = rng.uniform(88.0, 110.0, bW)
    d_block = np.repeat(np.arange(bE), east_sizes)
    r_block = np.repeat(np.arange(bW), west_sizes)
    return SimpleNamespace(
        bE=bE, bW=bW, d_block=d_block, r_block=r_block,
        d_lat=e_lat[d_block] + rng.normal(0, 1.0, nD),
        d_lon=e_lon[d_block] + rng.normal(0, 1.0, nD),
        r_lat=w_lat[r_block] + rng.normal(0, 1.5, nR),
        r_lon=w_lon[r_block] + rng.normal(0, 1.5, nR),
        mandate=np.arange(bW) % bE)  # western block -> eastern block


def _people(rng, nD: int, nR: int, nK: int) -> SimpleNamespace:
    """Sizes and incomes (population in 10k people, outcome in 10k yuan per person), industrial
    structure, and the recipients' needs, absorptive capacities and productivities."""
    d_pop = np.round(rng.lognormal(math.log(80), 0.6, nD), 2)
    d_inc = np.round(rng.lognormal(math.log(11), 0.35, nD), 3)
    r_pop = np.round(rng.lognormal(math.log(30), 0.7, nR), 2)
    r_inc = np.round(rng.lognormal(math.log(4), 0.35, nR), 3)
    target = round(float(np.average(np.r_[d_inc, r_inc], weights=np.r_[d_pop, r_pop])), 3)
    r_inc = np.minimum(r_inc, 0.95 * target)
    d_ind = rng.uniform(0, 1, nD)  # share of industry in the economy (structure)
    r_ind = rng.uniform(0, 1, nR)
    kind_scale = rng.uniform(0.5, 2.0, nK)
    gap = np.maximum(target - r_inc, 0.05 * target) * r_pop  # income gap in 10k yuan * 10k people
    need = np.round(gap[:, None] * kind_scale[None, :] * rng.uniform(0.05, 0.15, (nR, nK)), 2)
    absorb = np.round(need * rng.uniform(1.0, 1.5, (nR, nK)), 2)
    prod = np.round(rng.uniform(0.5, 2.0, (nR, nK)) / kind_scale[None, :], 3)
    return SimpleNamespace(d_pop=d_pop, d_inc=d_inc, r_pop=r_pop, r_inc=r_inc, target=target,
                           d_ind=d_ind, r_ind=r_ind, kind_scale=kind_scale, need=need,
                           absorb=absorb, prod=prod)


def _mandated(rng, w: SimpleNamespace, nD: int, nR: int) -> tuple[np.ndarray, np.ndarray]:
    """Mandated county pairs: inside each mandated pair of provinces, every western county gets
    the nearest eastern county that still has room (a balanced assignment, so the mandated
    pairs alone satisfy coverage and the access floors). Returns (mandated partner of each
    recipient, mandated recipients of each partner)."""
    mandated = np.full(nR, -1)
    load = np.zeros(nD, int)
    for b in range(w.bE):
        east = np.flatnonzero(w.d_block == b)
        west = np.flatnonzero(np.isin(w.r_block, np.flatnonzero(w.mandate == b)))
        if not len(west):
            continue
        room = math.ceil(len(west) / len(east))
        for r in rng.permutation(west):
            dist = _haversine_km(w.r_lat[r], w.r_lon[r], w.d_lat[east], w.d_lon[east])
            for j in np.argsort(dist, kind="stable"):
                if load[east[j]] < room:
                    mandated[r] = east[j]
                    load[east[j]] += 1
                    break
    return mandated, load


def _supply(rng, people: SimpleNamespace, mandated: np.ndarray, nD: int, nK: int) -> np.ndarray:
    """What the mandated counties need (70-130% of 70% of it) plus a share by GDP."""
    gdp = people.d_pop * people.d_inc
    supply = np.zeros((nD, nK))
    np.add.at(supply, mandated, people.need)
    supply = 0.7 * supply * rng.uniform(0.8, 1.3, (nD, nK))
    extra = gdp[:, None] * rng.uniform(0.5, 1.5, (nD, nK))
    supply += 0.15 * extra * people.need.sum(axis=0) / extra.sum(axis=0)
    return np.round(supply, 2)


def _pair_rows(rng, w, people, mandated, ids_d, ids_r, candidates: int) -> pd.DataFrame:
    """Each western county's candidates: its mandated partner (pot 1) and the nearest
    counties of the mandated eastern province (pot 0.5); benefit falls with distance."""
    rows = []
    for r in range(len(ids_r)):
        pool = np.flatnonzero(w.d_block == w.mandate[w.r_block[r]])
        dist = _haversine_km(w.r_lat[r], w.r_lon[r], w.d_lat[pool], w.d_lon[pool])
        order = [j for j in np.argsort(dist, kind="stable") if pool[j] != mandated[r]]
        order = [int(np.flatnonzero(pool == mandated[r])[0])] + order[: candidates - 1]
        for j in order:
            d = pool[j]
            comp = abs(people.d_ind[d] - people.r_ind[r]) * 0.5
            ben = (0.3 + 0.45 * math.exp(-dist[j] / 1500.0) + 0.4 * comp
                   + rng.uniform(-0.05, 0.05))
            if d == mandated[r]:
                ben = max(ben, 0.45)  # a mandated pair can at least co-build a platform
            rows.append({"partner": ids_d[d], "recipient": ids_r[r],
                         "comp": round(comp, 3), "pot": 1.0 if d == mandated[r] else 0.5,
                         "ben": round(min(1.0, max(0.0, ben)), 3),
                         "distance_km": round(float(dist[j]), 1)})
    return pd.DataFrame(rows)


def _region_tables(w, people, supply, load, K, ids_d, ids_r) -> tuple:
    """The partners and recipients tables."""
    nD, nR = len(ids_d), len(ids_r)
    partners = pd.DataFrame({
        "id": ids_d, "name": [f"East county {i + 1}" for i in range(nD)],
        "max_partners": load + 1,
        **{f"supply.{k}": supply[:, j] for j, k in enumerate(K)},
        "province": [f"East-{b + 1}" for b in w.d_block],
        "lat": np.round(w.d_lat, 4), "lon": np.round(w.d_lon, 4),
        "industry_share": np.round(people.d_ind, 3),
    })
    recipients = pd.DataFrame({
        "id": ids_r, "name": [f"West county {i + 1}" for i in range(nR)],
        "population": people.r_pop, "baseline": people.r_inc, "target": people.target,
        "min_partners": 1, "max_partners": 2,
        **{f"need.{k}": people.need[:, j] for j, k in enumerate(K)},
        **{f"absorb.{k}": people.absorb[:, j] for j, k in enumerate(K)},
        **{f"prod.{k}": people.prod[:, j] for j, k in enumerate(K)},
        "province": [f"West-{b + 1}" for b in w.r_block],
        "lat": np.round(w.r_lat, 4), "lon": np.round(w.r_lon, 4),
        "industry_share": np.round(people.r_ind, 3),
    })
    return partners, recipients


def _toml(nD, nR, nK, seed, candidates, w, K, kind_scale) -> str:
    resources_toml = "\n".join(
        f'[resources.{k}]\nunit = "{RESOURCE_UNITS.get(k, "units")}"\n'
        f'value = {round(float(1 / kind_scale[j]), 4)}\n'
        for j, k in enumerate(K))
    return f'''name = "synthetic-{nD}x{nR}-seed{seed}"
description = """Synthetic instance made by `regcollab generate` (seed {seed}): {nD} eastern \
partner counties in {w.bE} provinces, {nR} western recipient counties in {w.bW} provinces, {nK} \
resources. Each western province is mandated to one eastern province; each western county's \
candidates are the {candidates} nearest counties of that province. All numbers are synthetic."""
synthetic = true
generator = {{ partners = {nD}, recipients = {nR}, resources = {nK}, seed = {seed}, candidates = {candidates} }}

[objective]
method = "weighted"
lambda = 0.5
equity = "tail"
beta = 0.25

[balance]
alpha = 0.3
gamma = 0.3

[pairs]
allowed = false   # only the listed candidate pairs

[types.platform]
setup = 0.5

[types.institutional]
setup = 2.0
min_scale = 2.0

{resources_toml}'''


def generate(partners: int = 343, recipients: int = 573, resources: int = 6, seed: int = 0,
             candidates: int = 6) -> dict:
    """The tables of a synthetic instance: ``{"instance.toml": str, "partners.csv":
    DataFrame, ...}``. The same arguments give the same tables."""
    _check_sizes(partners=(partners, 1, MAX_REGIONS), recipients=(recipients, 1, MAX_REGIONS),
                 resources=(resources, 1, MAX_GENERATED_RESOURCES),
                 candidates=(candidates, 1, MAX_CANDIDATES), seed=(seed, 0, MAX_SEED))
    rng = np.random.default_rng(seed)
    nD, nR, nK = int(partners), int(recipients), int(resources)
    K = [RESOURCE_NAMES[k] if k < len(RESOURCE_NAMES) else f"resource{k + 1}" for k in range(nK)]
    w = _places(rng, nD, nR)
    people = _people(rng, nD, nR, nK)
    mandated, load = _mandated(rng, w, nD, nR)
    supply = _supply(rng, people, mandated, nD, nK)
    ids_d = [f"E{i + 1:03d}" for i in range(nD)]
    ids_r = [f"W{i + 1:03d}" for i in range(nR)]
    partners_df, recipients_df = _region_tables(w, people, supply, load, K, ids_d, ids_r)
    pairs_df = _pair_rows(rng, w, people, mandated, ids_d, ids_r, candidates)
    return {"instance.toml": _toml(nD, nR, nK, seed, candidates, w, K, people.kind_scale),
            "partners.csv": partners_df, "recipients.csv": recipients_df,
            "pairs.csv": pairs_df}


def write_instance(tables: dict, out: str | Path, force: bool = False) -> Path:
    """Write generated tables as an instance folder, atomically (the rules of
    :func:`optimizer.files.atomic_dir`: another command's folder only with ``force``)."""
    with atomic_dir(out, command="generate", force=force) as tmp:
        for name, content in tables.items():
            if isinstance(content, str):
                (tmp / name).write_text(content, encoding="utf-8")
            else:
                content.to_csv(tmp / name, index=False, float_format="%.6g", lineterminator="\n")
    return Path(out)
