"""The documented limits on sizes: what regcollab refuses up front, with a message, instead of
running out of memory or time (issue 12). See docs/performance.md and docs/cli.md.

Limits of the instance files themselves (TOML size, nesting) and the ranges of every value
are in ``schema.py``; these are the limits of a run.
"""

from __future__ import annotations

import os

MAX_REGIONS = 100_000
"""Most rows of ``partners.csv`` and of ``recipients.csv``."""
MAX_PAIR_CELLS = 20_000_000
"""Most partners x recipients: the pair data (comp, pot, ben, allowed, fixed, eligibility)
are held as dense partners x recipients arrays, about 60 bytes a cell at their peak."""
MAX_PAIR_ROWS = 2_000_000
"""Most rows of ``pairs.csv``."""
MAX_CLUSTERS = 10_000
"""Most rows of ``clusters.csv``."""
MAX_CLUSTER_CELLS = 100_000_000
"""Most clusters x partners x recipients: the model reads the clusters' membership as a dense
partners x recipients x clusters array of booleans (one byte a cell: 100 MB at the limit)."""
MAX_FLOW_COLUMNS = 2_000_000
"""Most flow columns of the model: candidate pairs x their eligible types x the resources
that can flow. Measured: about 5 kB of memory each while HiGHS solves (a generated 1000 x
3000 instance, 354,132 flow columns, peaked at 2.0 GB; the county level, 48,531 columns, at
0.7 GB), so the limit is about 10 GB."""
MAX_SCENARIOS = 10_000
"""Most solves of one analysis: sweep scenarios, robustness samples, global sensitivity
solves. Split a larger study into several runs (``--out`` each)."""
MAX_PARETO_POINTS = 1_000
"""Most grid points of a Pareto front (each is a MIP solve)."""
MAX_SEED = 2**32 - 1
"""Largest random seed (SALib's samplers take 32-bit seeds)."""
MAX_GENERATED_RESOURCES = 100
"""Most resource kinds ``regcollab generate`` writes."""
MAX_CANDIDATES = 1_000
"""Most candidate partners per recipient ``regcollab generate`` writes."""

BYTES_PER_CELL = 60
BYTES_PER_FLOW_COLUMN = 5_000


def cores() -> int:
    """CPU cores this process may use (its affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def memory_estimate(cells: int, flow_columns: int) -> int:
    """Bytes a solve is expected to take at its peak (pair arrays and the model in HiGHS)."""
    return 200_000_000 + BYTES_PER_CELL * cells + BYTES_PER_FLOW_COLUMN * flow_columns


def gigabytes(n: float) -> str:
    return f"{n / 1e9:.1f} GB"
