"""regcollab: plan regional collaboration that is efficient and fair.

Typical use from a script::

    from optimizer import load_instance, solve
    inst = load_instance("guangdong")      # a bundled instance by name, or any folder
    sol = solve(inst, method="weighted", weight=0.7)
    sol.pairings            # one row per pairing, with its type and the reasons
    inst2 = inst.with_params({"balance.alpha": 0.5})   # a changed copy; inst is untouched
"""

from ._version import __version__  # noqa: F401 (re-exported: optimizer.__version__)
from .errors import InputError, InstanceError, RegcollabError
from .instance import DEFAULT_INSTANCE, Instance, bundled_instances_dir, load_instance
from .model import AllocationModel, LinearModel, build_model
from .pipeline import solve
from .solution import Solution

__all__ = [
    "DEFAULT_INSTANCE", "bundled_instances_dir",
    "AllocationModel", "InputError", "Instance", "InstanceError", "LinearModel",
    "RegcollabError", "Solution", "build_model", "load_instance", "solve",
]
