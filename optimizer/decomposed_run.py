"""A run's stages solved part by part (issue 16): :class:`DecomposedBackend` stands in for the
backend of the payoff table and the final stage (docs/performance.md, "Decomposition in the
pipeline")."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .decompose import (Decomposition, NotSeparable, _level_groups, at_level, max_min_equity,
                        max_separable)
from .level_search import level_range, search_level
from .model import AllocationModel


def _num(v) -> float | None:
    return None if v is None else float(v)


@dataclass
class _Stage:
    """What a stage solved part by part leaves for the next (its objective, the level it
    fixed or None, and each group's value), so that a row holding it splits by part."""

    objective: np.ndarray
    level: float | None
    values: list
    total: float


class DecomposedBackend:
    """A backend that solves each stage of a run part by part where it separates and hands
    the rest to the whole model's backend (``inner``), so the payoff table and the methods
    run unchanged on it (docs/performance.md, "Decomposition").

    A stage separates when its objective is zero on the equity columns (solved as one MIP per
    part, :func:`max_separable`) or weighs the level eta up and the tail's s columns down (the
    level search, :func:`search_level`), and each of its extra rows is the previous stage's
    objective held (a lexicographic stage's hold row): that row is split into one row per part,
    each part holding its own value of the previous stage less its share of the tolerance.
    When the previous stage searched the level, the next holds it at the level found. Any
    other stage (an LP, a fixed plan, duals, a row that joins the parts such as epsilon's
    equity bound) goes to ``inner``, and ``notes`` says which and why."""

    def __init__(self, inner, am: AllocationModel, dec: Decomposition, gap=None, workers=None,
                 executor=None):
        self.inner, self.am, self.dec = inner, am, dec
        self.gap, self.workers, self.executor = gap, workers, executor
        self._pool = None  # our own local pool, started at the first stage, kept for all
        self.notes: list[str] = []
        self.stages: list[dict] = []
        self._last: _Stage | None = None

    def __getattr__(self, name):  # everything else is the whole model's backend's
        return getattr(self.inner, name)

    def _executor(self):
        """Where the parts run: the caller's executor, else one local pool for the whole run
        (a pool per stage or per level would start its processes again each time)."""
        from .parallel import local_pool

        if self.executor is not None:
            return self.executor
        if self._pool is None and self.workers_used() > 1:
            self._pool = local_pool(self.workers_used())
        return self._pool

    def workers_used(self) -> int:
        """How many parts run side by side."""
        from .parallel import default_workers

        if self.executor is not None:
            return max(1, int(self.workers or default_workers()))
        return max(1, min(self.workers or default_workers(), default_workers(),
                          len(self.dec.parts)))

    def close(self, kill: bool = False) -> None:
        """Stop our pool (``kill``: at once, e.g. on an interrupt)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, kill_workers=kill)
            self._pool = None

    def solve(self, objective, sense="max", extra_rows=(), fix=None, start=None,
              time_limit=None, relax_integers=False, duals=False, label="", tight=False):
        from .solver.result import StageResult

        whole = (fix is not None or relax_integers or duals or tight or sense != "max")
        if not whole:
            t0 = time.perf_counter()
            try:
                res = self._parts(np.asarray(objective, float), list(extra_rows), start,
                                  time_limit)
            except NotSeparable as why:
                self.notes.append(f"{label}: solved whole ({why})")
            else:
                status, x, obj, bound, info = res
                gap = (None if obj is None or bound is None
                       else max(0.0, bound - obj) / max(abs(obj), 1e-10))
                self.stages.append({"stage": label, **info, "status": status,
                                    "seconds": round(time.perf_counter() - t0, 4)})
                return StageResult(status, x, obj, gap, time.perf_counter() - t0,
                                   bound=bound, info={"parts": info})
        self._last = None
        return self.inner.solve(objective, sense, extra_rows, fix, start, time_limit,
                                relax_integers, duals, label, tight)

    # ---------------------------------------------------------------- inside
    def _holds(self, rows) -> tuple[list | None, float | None]:
        """The extra rows as per-part holds of the previous stage (and its level), or
        NotSeparable."""
        if not rows:
            return None, None
        last = self._last
        if len(rows) > 1 or last is None:
            raise NotSeparable("a row of this stage joins the parts")
        coef, lower, upper = rows[0]
        if not (np.array_equal(np.asarray(coef, float), last.objective) and upper == math.inf
                and lower <= last.total):
            raise NotSeparable("a row of this stage joins the parts")
        share = (last.total - lower) / max(1, len(last.values))
        inner = last.objective.copy()
        if last.level is not None:
            inner[self.dec.coupling_cols] = 0.0
        return [(inner, v - share) for v in last.values], last.level

    def _parts(self, objective, rows, start, time_limit):
        am, dec, lm = self.am, self.dec, self.am.lm
        holds, level = self._holds(rows)
        sb = lm.col_blocks.get("s")
        s_cols = np.arange(sb.start, sb.stop) if sb is not None else np.zeros(0, int)
        eq_cols = np.r_[dec.coupling_cols, s_cols].astype(int)
        opts = dict(gap=self.gap, time_limit=time_limit, workers=self.workers_used(),
                    executor=self._executor(), dec=dec)
        if level is None and not np.any(objective[eq_cols]):
            d = max_separable(am, objective, start=start, holds=holds, **opts)
            info = {"method": "parts"}
            groups = [(p.cols, p.rows) for p in dec.parts]
            if len(dec.rest_cols):
                groups.append((dec.rest_cols, dec.rest_rows))
            found_level = None
        elif level is not None:
            opts.pop("dec")
            d = at_level(am, objective, level, dec, holds=holds, start=start, **opts)
            info = {"method": "parts at the level held", "level": level}
            groups, found_level = _level_groups(am, dec), level
        else:
            lo, hi = level_range(am, objective)
            opts.pop("dec")
            first = ()
            if len(s_cols) == 0:
                # maximin: the highest level any plan reaches is the least of the parts' own
                # highest levels (exact, part by part); the search ends there
                top = max_min_equity(am, holds=holds, start=start, dec=dec, **opts)
                if top.x is None:
                    self._last = None
                    return top.status, None, None, top.bound, {"method": "maximin by part"}
                hi, first = (top.bound if top.bound is not None else hi), (top.objective,)
            d = search_level(am, objective, lo, hi, dec=dec, holds=holds, start=start,
                             levels=first, gap=self.gap or 1e-4,
                             **{k: v for k, v in opts.items() if k != "gap"})
            info = {"method": "level search", "level": d.level,
                    "levels_tried": len(d.tried), "range": [lo, hi],
                    "levels": [[_num(t), _num(v), _num(b)] for t, v, b in d.tried]}
            groups, found_level = _level_groups(am, dec), d.level
        if d.x is None:
            self._last = None
            return d.status, None, None, d.bound, info
        inner = objective.copy()
        if found_level is not None:
            inner[dec.coupling_cols] = 0.0
        self._last = _Stage(objective, found_level,
                            [float(inner[c] @ d.x[c]) for c, _ in groups],
                            float(objective @ d.x))
        return d.status, d.x, float(objective @ d.x), d.bound, info
