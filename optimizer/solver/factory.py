"""Choose the backend for a solve's options."""

from __future__ import annotations

from .backend import Backend
from .highs import HighsBackend
from .options import SolverOptions
from .pulp_backend import PulpBackend


def make_backend(lm, opts: SolverOptions) -> Backend:
    """The backend for ``opts.solver``: ``highs`` (direct) or any PuLP solver by name."""
    opts.validate()
    if opts.solver.lower() in ("highs", "highspy"):
        return HighsBackend(lm, opts)
    return PulpBackend(lm, opts)
