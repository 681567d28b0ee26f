"""Stage 3b: combine efficiency and equity (MODEL.md, "Methods").

- :mod:`.payoff`: the payoff table (both lexicographic optima: ideal and nadir values) and
  :func:`lexicographic`, plain functions over a backend and objective vectors that analysis
  code (Pareto fronts, re-solves with a type forced) reuses;
- one module per method (:mod:`.weighted`, :mod:`.epsilon`, :mod:`.lexicographic`), each a
  :class:`Method` found by :mod:`.registry`: ask :func:`get_method` for the one an instance
  names, never compare names;
- :mod:`.base`: the interface, the problem handed to the solver, the stage log and the run's
  time budget (the equity measure itself lives in :mod:`optimizer.equity`).

Soft balance rules subtract their penalty from every objective that is maximised.
"""

from .base import CliSetting, Clock, Method, Problem, StageLog, hold_tolerance
from .base import objective_vectors
from .epsilon import AUGMENTATION, epsilon_problem
from .payoff import MOVED_ROW, PayoffTable, lexicographic, payoff_table
from .registry import METHODS, cli_settings, get_method, method_names
from .weighted import weighted_objective

__all__ = [
    "AUGMENTATION", "CliSetting", "Clock", "METHODS", "MOVED_ROW", "Method", "PayoffTable", "Problem",
    "StageLog", "cli_settings", "epsilon_problem", "get_method", "hold_tolerance",
    "lexicographic", "method_names", "objective_vectors", "payoff_table", "weighted_objective",
]
