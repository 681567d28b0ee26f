"""Why no plan satisfies the rules: a minimal set of conflicting rules, in the planner's words.

:func:`diagnose` takes an instance (with the run's overrides, as :func:`optimizer.solve` takes
them) and returns a :class:`Diagnosis`: whether a plan exists, and if not, one or more
*conflicts*, each a minimal set of rules that cannot hold together, with a headline such as
"Meizhou's access floor for talent needs 6 units, but the partners that may pair with Meizhou
can send at most 4" and the changes that would resolve it ("lower balance.alpha to 0.2",
"raise Shenzhen's supply of talent by 2", "or solve with --soft access_floor").

How the conflicts are found:

1. The LP relaxation is solved (fast). If it has a plan, the MILP is tested (zero objective);
   a plan exists: nothing to explain (except an epsilon bound above the most equity any plan
   can reach).
2. While the LP relaxation has no plan, an infeasible subset of it is found: HiGHS's
   irreducible infeasible subset (IIS; HiGHS's IIS is for LPs) on models of moderate size,
   the support of HiGHS's dual ray (a Farkas proof) on large ones, where the IIS can take
   minutes and cannot be stopped. A deletion filter then drops the members the model's own
   definitions make redundant (flows are never negative, a pairing is 0 or 1), so that the
   conflict is minimal as the planner sees the model. An LP conflict is a conflict of the
   MILP too (the LP has more plans). Its rules are set aside and the next one is looked for.
3. When the LP has a plan but the MILP has none (a conflict that needs whole pairings:
   minimum scales, spans, fixed pairs), a deletion search over the rules (QuickXplain, Junker
   2004: first whole rules, then their rows) finds a minimal conflict with MILP solves.
4. For each conflict, an elastic version of the model in which only one kind of its rules may
   bend (a slack per row, their sum minimised, every other rule hard) says how far that kind
   must give; parameters that scale a whole rule get their largest value with a plan (alpha
   and theta exactly, as a variable of one MILP; gamma and rho by bisection); balance rules
   that ``--soft`` would let bend are named.

Every solve respects ``time_limit``; what was found by then is returned, marked incomplete.

Rows of the model are named after their rule and entity (``access_floor[MZ,talent]``, the row
blocks of :mod:`optimizer.model`); this module maps each row back to the regions, resources
and data behind it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError
from .instance import Instance, scale_source
from .model import AllocationModel, build_model

INF = math.inf
FEAS_TOL = 1e-6  # slack below this (relative) counts as zero
IIS_MAX = 4_000  # rows + columns up to which HiGHS's own IIS is used (it cannot be stopped,
# and takes seconds to minutes on larger models); above, a dual ray and a deletion filter
MEASURE_SECONDS = 20.0  # at most this per solve that measures a fix, without a time limit

# rules a planner can relax, and the side of the row that holds the rule
BALANCE = ("coverage", "access_floor", "capacity", "outcome_floor", "outcome_spread")
DROPPABLE = {
    "supply": "hi", "absorb": "hi", "one_type": "lo", "scale": "lo", "span_partner": "hi",
    "span_recipient": "hi", "coverage": "lo", "access_floor": "lo", "capacity": "lo",
    "outcome_floor": "lo", "outcome_spread": "lo",
}
RULE_WORDS = {
    "supply": "supply", "absorb": "absorptive capacity", "pair_cap": "capacity of one pairing",
    "fixed": "fixed pairing", "one_type": "one type per pairing", "scale": "minimum scale",
    "span_partner": "partner span (max_partners)", "span_recipient": "recipient span "
    "(max_partners)", "coverage": "coverage (min_partners)", "access_floor": "access floor "
    "(alpha)", "capacity": "capacity balance (gamma)", "outcome_floor": "outcome floor (theta)",
    "outcome_spread": "outcome spread (rho)", "link": "flows need a pairing",
    "equity": "equity measure", "mean_outcome": "mean outcome", "epsilon": "equity bound (eps)",
}


# =========================================================================== results
@dataclass
class Rule:
    """One member of a conflict: a row (or a column bound) of the model, in words."""

    rule: str  # access_floor, supply, absorb, pair_cap, fixed, one_type, coverage, ...
    row: str  # the model's name for it, e.g. "access_floor[MZ,talent]"
    text: str  # the planner's words
    entity: dict = field(default_factory=dict)  # ids: partner, recipient, resource, type
    bound: float | None = None  # the right-hand side (in the rule's own units)
    context: bool = False  # a definition (flows need a pairing), not a rule one would relax

    def as_dict(self) -> dict:
        return {"rule": self.rule, "row": self.row, "text": self.text, "entity": self.entity,
                "bound": self.bound, "context": self.context}


@dataclass
class Fix:
    """A change that resolves a conflict (alone, the other rules kept)."""

    rule: str
    text: str
    amount: float | None = None  # how far the rule must give in all (its own units)
    setting: str | None = None  # e.g. "balance.alpha = 0.21" or "--soft access_floor"

    def as_dict(self) -> dict:
        return {"rule": self.rule, "text": self.text, "amount": self.amount,
                "setting": self.setting}


@dataclass
class Conflict:
    """A minimal set of rules that no plan satisfies together."""

    headline: str
    rules: list[Rule]
    fixes: list[Fix] = field(default_factory=list)
    method: str = "iis"  # "iis" (LP relaxation), "deletion" (MILP), "deletion-lp", "epsilon"
    members: list = field(default_factory=list, repr=False)  # the model's constraints
    note: str = ""

    @property
    def rule_kinds(self) -> list[str]:
        seen = []
        for m in self.rules:
            if not m.context and m.rule not in seen:
                seen.append(m.rule)
        return seen

    def as_dict(self) -> dict:
        return {"headline": self.headline, "method": self.method, "note": self.note,
                "rules": [m.as_dict() for m in self.rules],
                "fixes": [f.as_dict() for f in self.fixes]}


@dataclass
class Diagnosis:
    """The result of :func:`diagnose`."""

    status: str  # "feasible" | "infeasible" | "unknown"
    instance: str
    conflicts: list[Conflict] = field(default_factory=list)
    suggestions: list[Fix] = field(default_factory=list)  # for the whole instance
    complete: bool = True  # every conflict was found (setting them aside leaves a plan)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    solves: int = 0
    _search: object = field(default=None, repr=False, compare=False)

    def verify(self, conflict: Conflict) -> dict:
        """Check a conflict against the model: its rules alone admit no plan (``conflict``),
        and without any one of them there is one (``minimal``). The LP relaxation for an IIS,
        the MILP otherwise. Used by the tests; costs one solve per rule."""
        s = self._search
        if s is None or not conflict.members:
            return {"conflict": None, "minimal": None}
        mip = conflict.method == "deletion"
        rest = s.rest(conflict.members, "iis" if conflict.method == "iis" else "deletion")
        alone = s.feasible(rest, mip=mip) == "infeasible"
        minimal = all(s.feasible(rest + [c], mip=mip) == "feasible" for c in conflict.members)
        return {"conflict": alone, "minimal": minimal}

    @property
    def feasible(self) -> bool:
        return self.status == "feasible"

    @property
    def message(self) -> str:
        if self.status == "feasible":
            return "a plan satisfies every rule"
        if self.status == "unknown":
            return ("the solver could not tell within the time limit whether any plan "
                    "satisfies the rules")
        n = len(self.conflicts)
        more = "" if self.complete else " (there may be more)"
        return (f"no plan satisfies every rule: {n} conflict{'s' if n != 1 else ''} "
                f"found{more}")

    # ------------------------------------------------------------------ text
    def short(self, instance_arg: str | None = None) -> str:
        """A few lines for ``regcollab solve``: the first conflict and how to resolve it."""
        if self.status != "infeasible" or not self.conflicts:
            return self.message if self.status == "unknown" else ""
        c = self.conflicts[0]
        lines = [f"why: {c.headline}"]
        main = [m for m in c.rules if not m.context]
        for m in main[:5]:
            lines.append(f"  - {m.text}")
        if len(main) > 5:
            lines.append(f"  - ... and {len(main) - 5} more rules")
        fixes = c.fixes + [s for s in self.suggestions if s.text not in {f.text for f in c.fixes}]
        if fixes:
            lines.append("to resolve it, any one of:")
            for f in fixes[:4]:
                lines.append(f"  * {f.text}")
        more = len(self.conflicts) - 1
        tail = f"{more} more conflict{'s' if more != 1 else ''} and " if more > 0 else ""
        target = f" {instance_arg}" if instance_arg else ""
        lines.append(f"({tail}the full report: regcollab diagnose{target})")
        return "\n".join(lines)

    def report(self) -> str:
        """The full report of ``regcollab diagnose``."""
        lines = [f"{self.instance}: {self.message}"]
        if self.status != "infeasible":
            lines += [f"note: {n}" for n in self.notes]
            return "\n".join(lines)
        for i, c in enumerate(self.conflicts, 1):
            lines.append("")
            lines.append(f"Conflict {i}: {c.headline}")
            if c.note:
                lines.append(f"  ({c.note})")
            lines.append("  These rules cannot all hold together:")
            for m in c.rules:
                if not m.context:
                    lines.append(f"    - {m.text}  [{m.row}]")
            ctx = [m for m in c.rules if m.context]
            if ctx:
                lines.append("  (together with how the model is defined: "
                             + "; ".join(sorted({RULE_WORDS.get(m.rule, m.rule) for m in ctx}))
                             + ")")
            if c.fixes:
                lines.append("  Any one of these resolves it"
                             + (" (the other conflicts set aside):" if len(self.conflicts) > 1
                                else ":"))
                for f in c.fixes:
                    lines.append(f"    * {f.text}")
        if self.suggestions:
            lines.append("")
            lines.append("For the whole instance:")
            for f in self.suggestions:
                lines.append(f"  * {f.text}")
        if self.notes:
            lines.append("")
            lines += [f"note: {n}" for n in self.notes]
        lines.append("")
        lines.append(f"({self.solves} solver runs, {self.seconds:.2f} s)")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {"status": self.status, "instance": self.instance, "message": self.message,
                "complete": self.complete,
                "conflicts": [c.as_dict() for c in self.conflicts],
                "suggestions": [f.as_dict() for f in self.suggestions],
                "notes": list(self.notes), "seconds": round(self.seconds, 4),
                "solves": self.solves}

    def __str__(self) -> str:
        return self.report()


# =========================================================================== the solver lab
class _Deadline:
    def __init__(self, limit: float | None):
        self.limit = limit
        self.t0 = time.perf_counter()

    def left(self) -> float | None:
        if self.limit is None:
            return None
        return max(self.limit - (time.perf_counter() - self.t0), 0.0)

    @property
    def over(self) -> bool:
        left = self.left()
        return left is not None and left <= 0.0


class _OutOfTime(Exception):
    pass


class _Lab:
    """Solve variants of one model: rows dropped or bent, integrality on or off."""

    def __init__(self, lm, deadline: _Deadline, threads: int | None = None):
        self.lm = lm
        self.A = lm.A.tocsc()
        self.rlo0, self.rhi0 = lm.row_lower, lm.row_upper
        self.clo0, self.chi0 = lm.col_lower, lm.col_upper
        self.integer = lm.integer
        self.deadline = deadline
        self.threads = threads
        self.solves = 0

    def solve(self, rlo=None, rhi=None, clo=None, chi=None, mip=True, cost=None, extra=None,
              iis=False, A=None, share=None):
        """Solve one variant. ``extra`` = list of (column entries {row: coef}, lo, hi, cost).

        Returns (status, x, h): status "feasible" | "infeasible" | "limit".
        """
        import highspy

        from .solve import new_highs, run_highs

        left = self.deadline.left()
        if left is not None and left <= 0:
            raise _OutOfTime
        rlo = self.rlo0 if rlo is None else rlo
        rhi = self.rhi0 if rhi is None else rhi
        clo = self.clo0 if clo is None else clo
        chi = self.chi0 if chi is None else chi
        n = self.lm.n_cols
        A = self.A if A is None else A
        c = np.zeros(n) if cost is None else np.asarray(cost, float)
        integer = self.integer if mip else np.zeros(n, bool)
        if extra:
            cols = [A]
            import scipy.sparse as sp

            for entries, lo_, hi_, cst in extra:
                rows = np.fromiter(entries.keys(), np.int64, len(entries))
                vals = np.fromiter(entries.values(), float, len(entries))
                cols.append(sp.csc_array((vals, (rows, np.zeros(len(rows), np.int64))),
                                         shape=(self.lm.n_rows, 1)))
                clo = np.r_[clo, lo_]
                chi = np.r_[chi, hi_]
                c = np.r_[c, cst]
                integer = np.r_[integer, False]
            A = sp.hstack(cols, format="csc")
        h = new_highs()
        if self.threads:
            h.setOptionValue("threads", int(self.threads))
        lp = highspy.HighsLp()
        lp.num_col_ = A.shape[1]
        lp.num_row_ = A.shape[0]
        lp.sense_ = highspy.ObjSense.kMinimize
        lp.col_cost_ = c
        lp.col_lower_ = np.asarray(clo, float)
        lp.col_upper_ = np.asarray(chi, float)
        lp.row_lower_ = np.asarray(rlo, float)
        lp.row_upper_ = np.asarray(rhi, float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = A.indices.astype(np.int32)
        lp.a_matrix_.value_ = A.data
        if integer.any():
            lp.integrality_ = [highspy.HighsVarType.kInteger if i else
                               highspy.HighsVarType.kContinuous for i in integer]
        h.passModel(lp)
        if left is not None:
            h.setOptionValue("time_limit", max(left * (share or 1.0), 0.01))
        elif share is not None:
            h.setOptionValue("time_limit", MEASURE_SECONDS)
        h.setOptionValue("mip_rel_gap", 1e-6)
        if iis:
            h.setOptionValue("iis_strategy", 6)  # from the LP, irreducible (HIGHSPY.md §4)
        self.solves += 1
        run_highs(h)
        S = highspy.HighsModelStatus
        ms = h.getModelStatus()
        has = int(h.getInfo().primal_solution_status) == 2
        if ms == S.kOptimal or (ms == S.kModelEmpty):
            return "feasible", np.asarray(h.getSolution().col_value, float), h
        if ms in (S.kInfeasible, S.kUnboundedOrInfeasible):
            return "infeasible", None, h
        if ms == S.kUnbounded:
            return "feasible", None, h
        if has and cost is None and not extra:
            return "feasible", np.asarray(h.getSolution().col_value, float), h
        if self.deadline.over and share is None:
            raise _OutOfTime
        return "limit", (np.asarray(h.getSolution().col_value, float) if has else None), h


# =========================================================================== words
def _n(v: float) -> str:
    """A number for a sentence: 4 significant digits, no noise."""
    if v is None:
        return "-"
    v = float(v)
    if abs(v) < 1e-9:
        return "0"
    if abs(v - round(v)) < 1e-9 * max(1.0, abs(v)):
        return f"{round(v):d}" if abs(v) < 1e15 else f"{v:.4g}"
    return f"{v:.4g}"


def _join(names: list[str], limit: int = 6) -> str:
    names = list(dict.fromkeys(names))
    if len(names) > limit:
        names = names[:limit] + [f"{len(names) - limit} more"]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


class _Words:
    """Maps rows and columns of the model to entities and sentences."""

    def __init__(self, am: AllocationModel):
        self.am = am
        inst = am.inst
        self.inst = inst
        self.a = inst.arrays
        self.D = [str(i) for i in inst.partners.index]
        self.R = [str(i) for i in inst.recipients.index]
        self.K = list(inst.resources)
        self.T = list(inst.types)
        self.nK = len(self.K)
        self.dname = self._names(inst.partners)
        self.rname = self._names(inst.recipients)
        p = inst.params
        self.alpha = p["balance"]["alpha"]
        self.gamma = p["balance"]["gamma"]
        self.theta = p["balance"]["theta"]
        self.rho = p["balance"]["rho"]
        a = self.a
        scale = am.lm.row_blocks.get("scale")
        self.ent = {
            "scale": scale.data["entity"] if scale is not None else np.zeros(0, np.int64),
            "span_partner": np.flatnonzero(np.isfinite(a["max_partners_d"])),
            "span_recipient": np.flatnonzero(np.isfinite(a["max_partners_r"])),
        }
        lm = am.lm
        self.row_block = np.empty(lm.n_rows, object)
        self.row_local = np.empty(lm.n_rows, np.int64)
        for name, b in lm.row_blocks.items():
            self.row_block[b.start:b.stop] = name
            self.row_local[b.start:b.stop] = np.arange(len(b))
        self.col_block = np.empty(lm.n_cols, object)
        self.col_local = np.empty(lm.n_cols, np.int64)
        for name, b in lm.col_blocks.items():
            self.col_block[b.start:b.stop] = name
            self.col_local[b.start:b.stop] = np.arange(len(b))
        # partners with a flow column into (r, k): those that may pair with r and have k
        self.reach = np.zeros((len(self.D), len(self.R), self.nK), bool)
        self.reach[am.x_d, am.x_r, am.x_k] = True

    @staticmethod
    def _names(df) -> list[str]:
        names = [str(n) if isinstance(n, str) and n else str(i)
                 for i, n in zip(df.index, df["name"])]
        dup = {n for n in names if names.count(n) > 1}
        return [f"{n} ({i})" if n in dup else n for n, i in zip(names, df.index)]

    def unit(self, k: int) -> str:
        u = self.inst.params["resources"][self.K[k]].get("unit", "")
        return f" ({u})" if u else ""

    def row_name(self, i: int) -> str:
        b, loc = self.am.lm.block_of_row(int(i))
        return b.names(np.array([loc]))[0]

    def col_name(self, j: int) -> str:
        b, loc = self.am.lm.block_of_col(int(j))
        return b.names(np.array([loc]))[0]

    # ------------------------------------------------------------------ entities
    def row_entity(self, i: int) -> tuple[str, dict]:
        """(block, {d, r, k, t, pair, x} indices) of a row."""
        am, nK = self.am, self.nK
        block, loc = self.row_block[i], int(self.row_local[i])
        lm = am.lm
        if block in ("supply",):
            return block, {"d": loc // nK, "k": loc % nK}
        if block == "absorb":
            return block, {"r": loc // nK, "k": loc % nK}
        if block == "link":
            return block, self._x_entity(loc)
        if block == "one_type":
            return block, {"d": int(am.pair_d[loc]), "r": int(am.pair_r[loc]), "pair": loc}
        if block == "scale":
            zl = int(self.ent["scale"][loc])
            p = int(am.z_pair[zl])
            return block, {"d": int(am.pair_d[p]), "r": int(am.pair_r[p]),
                           "t": int(am.z_type[zl]), "z": zl}
        if block == "span_partner":
            return block, {"d": int(self.ent["span_partner"][loc])}
        if block == "span_recipient":
            return block, {"r": int(self.ent["span_recipient"][loc])}
        if block == "access_floor":
            e = int(lm.row_blocks[block].data["entity"][loc])
            return block, {"r": e // nK, "k": e % nK}
        if block in ("coverage", "capacity", "outcome_floor", "outcome_spread"):
            return block, {"r": int(lm.row_blocks[block].data["entity"][loc])}
        if block == "equity":
            return block, {"r": loc}
        return str(block), {}

    def _x_entity(self, loc: int) -> dict:
        am = self.am
        return {"d": int(am.x_d[loc]), "r": int(am.x_r[loc]), "k": int(am.x_k[loc]),
                "t": int(am.x_type[loc]), "x": loc}

    def ids(self, e: dict) -> dict:
        out = {}
        if "d" in e:
            out["partner"] = self.D[e["d"]]
        if "r" in e:
            out["recipient"] = self.R[e["r"]]
        if "k" in e:
            out["resource"] = self.K[e["k"]]
        if "t" in e:
            out["type"] = self.T[e["t"]]
        return out

    # ------------------------------------------------------------------ sentences
    def row_rule(self, i: int, side: str) -> Rule:
        a = self.a
        block, e = self.row_entity(i)
        name = self.row_name(i)
        ids = self.ids(e)
        d, r, k, t = e.get("d"), e.get("r"), e.get("k"), e.get("t")
        if block == "supply":
            v = a["supply"][d, k]
            return Rule("supply", name, f"{self.dname[d]} can send at most {_n(v)} of "
                        f"{self.K[k]}{self.unit(k)} in all (its supply)", ids, v)
        if block == "absorb":
            v = a["absorb"][r, k]
            return Rule("absorb", name, f"{self.rname[r]} can use at most {_n(v)} of "
                        f"{self.K[k]} (its absorptive capacity)", ids, v)
        if block == "access_floor":
            v = self.alpha * a["need"][r, k]
            return Rule("access_floor", name, f"{self.rname[r]} must receive at least {_n(v)} "
                        f"of {self.K[k]}{self.unit(k)} (access floor: alpha {_n(self.alpha)} x "
                        f"need {_n(a['need'][r, k])})", ids, v)
        if block == "coverage":
            v = a["min_partners_r"][r]
            return Rule("coverage", name, f"{self.rname[r]} must get at least {_n(v)} "
                        f"partner{'s' if v != 1 else ''} (coverage: min_partners)", ids, v)
        if block == "span_partner":
            v = a["max_partners_d"][d]
            return Rule("span_partner", name, f"{self.dname[d]} may pair with at most {_n(v)} "
                        f"recipient{'s' if v != 1 else ''} (max_partners)", ids, v)
        if block == "span_recipient":
            v = a["max_partners_r"][r]
            return Rule("span_recipient", name, f"{self.rname[r]} may get at most {_n(v)} "
                        f"partner{'s' if v != 1 else ''} (max_partners)", ids, v)
        if block == "one_type":
            if side == "lo":
                return Rule("fixed", name, f"the pairing {self.dname[d]} - {self.rname[r]} is "
                            f"fixed: it must be kept (pairs.csv)", ids, 1.0)
            return Rule("one_type", name, f"{self.dname[d]} and {self.rname[r]} pair at most "
                        f"once", ids, 1.0, context=True)
        if block == "scale":
            v = a["scale_floor"][r, t]
            return Rule("scale", name, f"a {self.T[t]} pairing of {self.dname[d]} and "
                        f"{self.rname[r]} needs resources worth at least {_n(v)} "
                        f"({scale_source(self.inst, r, t)})", ids, v)
        if block == "capacity":
            return Rule("capacity", name, f"at least {_n(self.gamma)} of {self.rname[r]}'s gain "
                        f"must become lasting capacity (capacity balance: gamma)", ids,
                        self.gamma)
        if block == "outcome_floor":
            tgt = a["target"][r]
            return Rule("outcome_floor", name, f"{self.rname[r]}'s outcome must reach "
                        f"{_n(self.theta)} of its target, {_n(self.theta * tgt)} per person, "
                        f"from a baseline of {_n(a['y0'][r])} (outcome floor: theta)", ids,
                        self.theta)
        if block == "outcome_spread":
            return Rule("outcome_spread", name, f"{self.rname[r]}'s normalised outcome must be "
                        f"at least {_n(self.rho)} times the mean (outcome spread: rho)", ids,
                        self.rho)
        if block == "link":
            return Rule("link", name, f"{self.dname[d]} sends {self.K[k]} to {self.rname[r]} "
                        f"only in a pairing", ids, None, context=True)
        return Rule(str(block), name, f"{RULE_WORDS.get(str(block), block)} ({name})", ids, None,
                    context=True)

    def col_rule(self, j: int, side: str) -> Rule | None:
        """A column bound in a conflict: only the capacity of one pairing is a rule."""
        block, loc = self.col_block[j], int(self.col_local[j])
        if block != "x" or side != "hi":
            return None
        e = self._x_entity(loc)
        a = self.a
        d, r, k = e["d"], e["r"], e["k"]
        v = min(a["supply"][d, k], a["absorb"][r, k])
        return Rule("pair_cap", self.col_name(j), f"{self.dname[d]} can send "
                    f"{self.rname[r]} at most {_n(v)} of {self.K[k]} (the smaller of its supply, "
                    f"{_n(a['supply'][d, k])}, and what {self.rname[r]} can use, "
                    f"{_n(a['absorb'][r, k])})", self.ids(e), v)


# =========================================================================== the search
@dataclass
class _Cons:
    """A droppable constraint: one side of a row, or the upper bound of a flow column."""

    kind: str  # "row" | "col"
    index: int
    side: str  # "lo" | "hi"

    def key(self):
        return (self.kind, self.index, self.side)


class _Search:
    def __init__(self, am: AllocationModel, deadline: _Deadline, threads=None):
        self.am = am
        self.lm = am.lm
        self.lab = _Lab(am.lm, deadline, threads)
        self.words = _Words(am)
        lm = am.lm
        self.link_row = {}
        link, xb = lm.row_blocks.get("link"), lm.col_blocks["x"]
        if link is not None:
            self.link_row = dict(zip(range(xb.start, xb.stop), range(link.start, link.stop)))
        self.fixed_rows = set()
        ot = lm.row_blocks.get("one_type")
        if ot is not None:
            lo = lm.row_lower[ot.start:ot.stop]
            self.fixed_rows = set((ot.start + np.flatnonzero(lo > 0.5)).tolist())

    # ------------------------------------------------------------------ bounds with drops
    def bounds(self, dropped=()):
        rlo, rhi = self.lab.rlo0.copy(), self.lab.rhi0.copy()
        clo, chi = self.lab.clo0.copy(), self.lab.chi0.copy()
        for c in dropped:
            if c.kind == "row":
                if c.side == "lo":
                    rlo[c.index] = -INF if self.words.row_block[c.index] != "one_type" else 0.0
                else:
                    rhi[c.index] = INF
            else:  # the capacity of a pairing's flow: its bound and its link to the pairing
                chi[c.index] = INF
                rhi[self.link_row[c.index]] = INF
        return rlo, rhi, clo, chi

    def feasible(self, dropped=(), mip=True, share=None) -> str:
        rlo, rhi, clo, chi = self.bounds(dropped)
        status, _, _ = self.lab.solve(rlo, rhi, clo, chi, mip=mip, share=share)
        return status

    def candidates(self) -> list[_Cons]:
        """Every droppable constraint of the model, grouped by rule."""
        if getattr(self, "_cands", None) is not None:
            return self._cands
        out = []
        for name, side in DROPPABLE.items():
            b = self.lm.row_blocks.get(name)
            if b is None:
                continue
            for i in range(b.start, b.stop):
                if name == "one_type" and i not in self.fixed_rows:
                    continue
                if side == "hi" and not math.isfinite(self.lab.rhi0[i]):
                    continue
                out.append(_Cons("row", i, side))
        self._cands = out
        return out

    def rest(self, members: list[_Cons], method: str) -> list[_Cons]:
        """Every other rule, to set aside when a conflict's rules are looked at alone. For an
        IIS the capacities of single flows count as rules (HiGHS lists those it needs); the
        deletion search keeps them as part of the model."""
        keys = {c.key() for c in members}
        out = [c for c in self.candidates() if c.key() not in keys]
        if method == "iis":
            xb = self.lm.col_blocks["x"]
            out += [_Cons("col", j, "hi") for j in range(xb.start, xb.stop)
                    if ("col", j, "hi") not in keys]
        return out

    # ------------------------------------------------------------------ LP: the IIS
    def lp_iis(self, dropped) -> list[_Cons] | None:
        """An infeasible subset of the LP relaxation (rows and flow-column bounds), or None
        if the LP has a plan. HiGHS's IIS on models of moderate size; on large ones (where it
        can take minutes and cannot be stopped) the support of the duals of an elastic LP."""
        big = self.lm.n_rows + self.lm.n_cols > IIS_MAX
        rlo, rhi, clo, chi = self.bounds(dropped)
        status, _, h = self.lab.solve(rlo, rhi, clo, chi, mip=False, iis=not big)
        if status != "infeasible":
            return None
        if big:
            return self.ray_support(h, chi) or self.elastic_support(dropped)
        _, iis = h.getIis()
        if not iis.valid_:
            return self.ray_support(h, chi) or self.elastic_support(dropped)
        out = []
        for i, bs in zip(iis.row_index_, iis.row_bound_):
            bs = int(bs)
            if bs in (2, 4):  # lower (or boxed)
                out.append(_Cons("row", int(i), "lo"))
            if bs in (3, 4):
                out.append(_Cons("row", int(i), "hi"))
        xb = self.lm.col_blocks["x"]
        for j, bs in zip(iis.col_index_, iis.col_bound_):
            # a flow's upper bound is the capacity of a pairing (data); other column bounds
            # (a pairing is 0 or 1, flows are not negative) are definitions
            if int(bs) in (3, 4) and xb.start <= int(j) < xb.stop:
                out.append(_Cons("col", int(j), "hi"))
        return out

    def ray_support(self, h, chi) -> list[_Cons]:
        """An infeasible subset from HiGHS's dual ray (a Farkas proof of the LP's
        infeasibility): the droppable rows it combines, and the flow bounds it uses."""
        try:
            _, has_ray, ray = h.getDualRay()
        except Exception:  # noqa: BLE001 - an older highspy: use the elastic LP instead
            return []
        if not has_ray:
            return []
        y = np.asarray(ray, float)
        tol = 1e-9 * max(1.0, float(np.abs(y).max()) if len(y) else 1.0)
        rows = set(np.flatnonzero(np.abs(y) > tol).tolist())
        out = [c for c in self.candidates() if c.index in rows]
        d = self.lab.A.T @ y  # how the proof weighs each column: its bounds are used
        xb = self.lm.col_blocks["x"]
        for j in range(xb.start, xb.stop):
            if abs(d[j]) > tol and math.isfinite(chi[j]):
                out.append(_Cons("col", j, "hi"))
        return out

    def elastic_support(self, dropped) -> list[_Cons]:
        """An infeasible subset from an elastic LP: every droppable row gets a slack, their sum
        is minimised, and the rows (and flow bounds) with non-zero duals at the optimum carry
        the proof that the rules clash (Farkas). Empty if that fails."""
        rlo, rhi, clo, chi = self.bounds(dropped)
        keys = {c.key() for c in dropped}
        rows = [c for c in self.candidates() if c.key() not in keys]
        extra = [({c.index: 1.0 if c.side == "lo" else -1.0}, 0.0, INF, 1.0) for c in rows]
        status, x, h = self.lab.solve(rlo, rhi, clo, chi, mip=False,
                                      cost=np.zeros(self.lm.n_cols), extra=extra)
        if status != "feasible" or x is None:
            return []
        sol = h.getSolution()
        if not sol.dual_valid:
            return []
        ydual = np.asarray(sol.row_dual, float)
        cdual = np.asarray(sol.col_dual, float)
        tol = 1e-9
        out = [c for c in rows if abs(ydual[c.index]) > tol]
        xb = self.lm.col_blocks["x"]
        for j in range(xb.start, xb.stop):
            if abs(cdual[j]) > tol and math.isfinite(chi[j]) and x[j] >= chi[j] - 1e-9:
                out.append(_Cons("col", j, "hi"))
        return out

    def shrink(self, dropped: list[_Cons], members: list[_Cons],
               mip: bool) -> tuple[list[_Cons], bool] | None:
        """Deletion filter: drop each member that is not needed with the model's own
        definitions kept (HiGHS's IIS frees the bounds it does not list, e.g. x >= 0, so a
        member may be redundant once they hold). Flow bounds are tried first. Returns (members
        kept, whether they were made minimal before the time ran out), or None when the
        members are no conflict on their own."""
        base = list(dropped) + self.rest(members, "iis")
        if self.feasible(base, mip=mip) != "infeasible":
            return None  # not a conflict on its own (numerics): the caller searches anew
        keep = list(members)
        if len(members) > 40:  # divide and conquer: O(k log n) solves instead of n
            try:
                found = self._qx(base, [[c] for c in members], mip)
            except _OutOfTime:
                return keep, False
            return ([u[0] for u in found], True) if found else (keep, False)
        for c in sorted(members, key=lambda c: c.kind != "col"):
            trial = [m for m in keep if m is not c]
            if not trial:
                break
            try:
                st = self.feasible(base + [c] + [m for m in members if m not in keep], mip=mip)
            except _OutOfTime:
                return keep, False  # an infeasible set, perhaps not minimal
            if st == "infeasible":
                keep = trial
            elif st == "limit":
                return keep, False
        return keep, True

    # ------------------------------------------------------------------ MILP: QuickXplain
    def quickxplain(self, dropped_base: list[_Cons], cands: list[_Cons],
                    mip: bool = True) -> list[_Cons]:
        """A minimal subset of ``cands`` that is infeasible (with every non-candidate kept).

        ``dropped_base``: constraints set aside before (other conflicts)."""
        base_keys = {c.key() for c in dropped_base}
        cands = [c for c in cands if c.key() not in base_keys]
        # first by rule (a few solves), then by row within the rules that matter
        groups: dict[str, list[_Cons]] = {}
        for c in cands:
            groups.setdefault(str(self.words.row_block[c.index]), []).append(c)
        units = list(groups.values())
        keep_units = self._qx(dropped_base, units, mip)
        kept = [c for u in keep_units for c in u]
        others = [c for u in units if u not in keep_units for c in u]
        rows = self._qx(dropped_base + others, [[c] for c in kept], mip)
        return [u[0] for u in rows]

    def _qx(self, dropped_base, units: list[list[_Cons]], mip: bool = True
            ) -> list[list[_Cons]]:
        """QuickXplain over units: the units not in ``active`` are dropped."""
        all_units = units

        def infeasible(active: list[list[_Cons]]) -> bool:
            act = {id(u) for u in active}
            drop = list(dropped_base) + [c for u in all_units if id(u) not in act for c in u]
            st = self.feasible(drop, mip=mip)
            if st == "limit":
                raise _OutOfTime
            return st == "infeasible"

        def qx(background, delta_nonempty, cs):
            if delta_nonempty and infeasible(background):
                return []
            if len(cs) == 1:
                return list(cs)
            mid = len(cs) // 2
            c1, c2 = cs[:mid], cs[mid:]
            d2 = qx(background + c1, True, c2)
            d1 = qx(background + d2, bool(d2), c1)
            return d1 + d2

        if not units:
            return []
        if not infeasible(units):
            return []
        return qx([], False, units)

    # ------------------------------------------------------------------ elastic
    def elastic(self, bend: list[_Cons], dropped=(), mip=True):
        """Minimise the total bending of ``bend`` (slack per constraint), others hard.

        Returns {key: slack} or None when bending them is not enough."""
        rlo, rhi, clo, chi = self.bounds(dropped)
        extra = []
        for c in bend:
            if c.kind == "row":
                extra.append(({c.index: 1.0 if c.side == "lo" else -1.0}, 0.0, INF, 1.0))
        cols = [c for c in bend if c.kind == "col"]
        A = self._lifted_caps(bend, chi)
        cost = np.zeros(self.lm.n_cols)
        status, x, _ = self.lab.solve(rlo, rhi, clo, chi, mip=mip, cost=cost, extra=extra or None,
                                      A=A, share=0.25)
        if status == "infeasible":
            return None
        if x is None:
            return "limit"
        n = self.lm.n_cols
        out = {"proven": status == "feasible"}  # else: enough, perhaps more than the least
        rows_bent = [c for c in bend if c.kind == "row"]
        for i, c in enumerate(rows_bent):
            out[c.key()] = float(x[n + i])
        for c in cols:
            out[c.key()] = max(0.0, float(x[c.index] - self.lab.chi0[c.index]))
        return out

    def _lifted_caps(self, bend: list[_Cons], chi: np.ndarray):
        """When supply (absorptive capacity) may rise, so may the capacity of every pairing
        that carries it: the flows' upper bounds and their links to the pairing are lifted
        (``chi`` in place); returns the changed matrix, or None."""
        w, am = self.words, self.am
        sup, ab = set(), set()
        for c in bend:
            if c.kind != "row":
                continue
            block, e = w.row_entity(c.index)
            if block == "supply":
                sup.add((e["d"], e["k"]))
            elif block == "absorb":
                ab.add((e["r"], e["k"]))
        if not sup and not ab:
            return None
        a = w.a
        xd, xr, xk = am.x_d, am.x_r, am.x_k
        big = float(a["supply"].sum() + a["absorb"].sum() + 1.0)
        s_cap = a["supply"][xd, xk].copy()
        a_cap = a["absorb"][xr, xk].copy()
        lift_s = np.array([(d, k) in sup for d, k in zip(xd, xk)], bool)
        lift_a = np.array([(r, k) in ab for r, k in zip(xr, xk)], bool)
        s_cap[lift_s] = big
        a_cap[lift_a] = big
        lifted = np.flatnonzero(lift_s | lift_a)
        new_cap = np.minimum(s_cap, a_cap)[lifted]
        chi[am.x.start + lifted] = new_cap
        A = self.lm.A.tocsr(copy=True)
        link = self.lm.row_blocks["link"]
        zcol = am.z.start + am.x_z[lifted]
        for row, zc, cap in zip(link.start + lifted, zcol, new_cap):
            lo, hi = A.indptr[row], A.indptr[row + 1]
            hit = lo + np.flatnonzero(A.indices[lo:hi] == zc)
            A.data[hit] = -cap
        return A.tocsc()

    def max_under(self, members: list[_Cons], target_rows: list[_Cons], objective: np.ndarray,
                  mip: bool, method: str = "iis") -> float | None:
        """The most of ``objective`` under the conflict's own rules (all other rules dropped,
        and the ``target_rows`` too): the number a headline compares with the target."""
        tkeys = {c.key() for c in target_rows}
        # first under every other rule of the instance (the tightest true number), else under
        # the conflict's own rules (when other conflicts leave no plan at all)
        blocks = {str(self.words.row_block[c.index]) for c in target_rows}
        same_rule = [c for c in self.candidates() if str(self.words.row_block[c.index]) in blocks]
        for drop in (same_rule,
                     self.rest([c for c in members if c.key() not in tkeys], method)
                     + list(target_rows)):
            rlo, rhi, clo, chi = self.bounds(drop)
            status, x, _ = self.lab.solve(rlo, rhi, clo, chi, mip=mip, cost=-objective)
            if status == "feasible" and x is not None:
                return float(objective @ x)
        return None

    def largest_param(self, block: str, coef: np.ndarray, base_lo: np.ndarray, current: float,
                      dropped=()) -> float | None:
        """max p <= current such that rows of ``block``: A_i x >= base_lo_i + coef_i * p.

        Used for alpha (coef = need) and theta (coef = 1): the parameter becomes a column."""
        b = self.lm.row_blocks[block]
        rlo, rhi, clo, chi = self.bounds(dropped)
        rlo[b.start:b.stop] = base_lo
        entries = {b.start + i: -float(coef[i]) for i in range(len(b))}
        cost = np.zeros(self.lm.n_cols)
        status, x, _ = self.lab.solve(rlo, rhi, clo, chi, mip=True, cost=cost,
                                      extra=[(entries, 0.0, current, -1.0)], share=0.25)
        if status == "infeasible":
            return None
        if status != "feasible" or x is None:
            return "limit"
        return float(x[self.lm.n_cols])


# =========================================================================== diagnose
def diagnose(inst: Instance, *, soft=None, time_limit: float | None = None,
             max_conflicts: int = 5, threads: int | None = None, fixes: bool = True,
             **overrides) -> Diagnosis:
    """Explain why no plan satisfies the rules of ``inst`` (or say that one does).

    ``soft`` and ``overrides`` (``alpha``, ``gamma``, ``theta``, ``rho``, ``method``, ``eps``
    ...) are those of :func:`optimizer.solve`, so the rules diagnosed are the rules solved.
    ``time_limit`` bounds the whole diagnosis; what was found by then is returned.
    ``max_conflicts`` bounds how many conflicts are looked for; ``fixes`` computes by how
    much each rule would have to give.
    """
    from .pipeline import effective_instance

    t0 = time.perf_counter()
    if max_conflicts < 1:
        raise InputError(f"max_conflicts must be at least 1, not {max_conflicts}")
    if time_limit is not None and not time_limit > 0:
        raise InputError(f"the time limit must be a positive number of seconds, not {time_limit}")
    inst_eff = effective_instance(inst, soft=soft, **overrides)
    am = build_model(inst_eff)
    deadline = _Deadline(time_limit)
    s = _Search(am, deadline, threads)
    diag = Diagnosis(status="unknown", instance=inst_eff.name)

    try:
        _find(s, diag, max_conflicts, fixes)
    except _OutOfTime:
        diag.complete = False
        diag.notes.append("the time limit ran out: the diagnosis is not complete")
        if diag.conflicts:
            diag.status = "infeasible"
    diag.solves = s.lab.solves
    diag.seconds = time.perf_counter() - t0
    diag._search = s
    return diag


def _find(s: _Search, diag: Diagnosis, max_conflicts: int, with_fixes: bool) -> None:
    # the LP relaxation first: it is fast, and when it has no plan neither has the MILP
    first = s.lp_iis([])
    if first is None:
        status = s.feasible([], mip=True)
        if status == "feasible":
            diag.status = "feasible"
            _check_epsilon(s, diag)
            return
        if status == "limit":
            raise _OutOfTime
    dropped: list[_Cons] = []
    conflicts: list[tuple[Conflict, list[_Cons]]] = []
    cands = s.candidates()
    diag.complete = False
    pending, mip_known_infeasible = True, first is None
    while True:
        if pending:  # the IIS (or None) computed above
            members, pending = first, False
        else:
            members = s.lp_iis(dropped)
        method = "iis"
        if members == []:  # HiGHS gave no IIS: search with the LP relaxation itself
            members = s.quickxplain(dropped, cands, mip=False)
            method = "deletion-lp"
        if members is None:  # the LP relaxation has a plan
            if len(conflicts) >= max_conflicts:
                break
            st = "infeasible" if mip_known_infeasible else \
                s.feasible(dropped, mip=True, share=0.5 if conflicts else None)
            mip_known_infeasible = False
            if st == "feasible":
                diag.complete = True
                break
            if st == "limit":
                if conflicts:
                    break  # report what was found
                raise _OutOfTime
            members = s.quickxplain(dropped, cands)
            method = "deletion"
        elif len(conflicts) >= max_conflicts:
            break
        relaxable = [c for c in members if c.kind == "col" or
                     (c.kind == "row" and s.words.row_block[c.index] in DROPPABLE
                      and (s.words.row_block[c.index] != "one_type" or c.side == "lo"))]
        minimal = True
        if method == "iis" and len(relaxable) > 1:
            shrunk = s.shrink(dropped, relaxable, mip=False)
            if shrunk is None:
                relaxable = list(s.quickxplain(dropped, cands, mip=False))
                method = "deletion-lp"
            else:
                relaxable, minimal = shrunk
            keys = {c.key() for c in relaxable}
            members = relaxable + [c for c in members if c.key() not in keys
                                   and c.kind == "row"
                                   and s.words.row_block[c.index] not in DROPPABLE]
        if not relaxable:
            diag.notes.append("the solver reported a conflict among the model's definitions "
                              "alone; this is a bug, please report it")
            break
        conflict = _describe(s, members, method)
        conflict.members = relaxable
        if not minimal:
            conflict.note = "the time ran out before this set was made minimal"
        conflicts.append((conflict, relaxable))
        diag.conflicts.append(conflict)
        diag.status = "infeasible"
        known = {d.key() for d in dropped}
        dropped = dropped + [c for c in relaxable if c.key() not in known]
    if not conflicts:
        diag.status = "infeasible"
        diag.notes.append("the solver says no plan exists but found no conflict to show")
        return
    if not with_fixes:
        return
    skipped = 0
    for conflict, members in conflicts:
        others = [c for cf, ms in conflicts if cf is not conflict for c in ms
                  if c.key() not in {m.key() for m in members}]
        conflict.fixes, n = _fixes(s, members, others, partial=not diag.complete)
        skipped += n
    diag.suggestions, n = _suggestions(s, diag, conflicts)
    skipped += n
    if skipped:
        diag.notes.append(f"{skipped} change{'s' if skipped > 1 else ''} could not be measured "
                          f"within the time limit")


def _check_epsilon(s: _Search, diag: Diagnosis) -> None:
    inst = s.am.inst
    p = inst.params["objective"]
    if p["method"] != "epsilon" or p["eps"] is None:
        return
    cQ = s.lm.objectives["equity"] - s.lm.objectives["penalty"]
    status, x, _ = s.lab.solve(mip=True, cost=-cQ)
    if status != "feasible" or x is None:
        return
    qmax = float(s.lm.objectives["equity"] @ x)
    eps = p["eps"]
    if eps > qmax + 1e-7 * max(1.0, abs(qmax)):
        diag.status = "infeasible"
        rule = Rule("epsilon", "equity >= eps", f"the plan must reach equity {_n(eps)} "
                    f"(--eps / objective.eps)", {}, eps)
        diag.conflicts.append(Conflict(
            headline=(f"the epsilon method asks for equity of at least {_n(eps)}, but the most "
                      f"equity any plan can reach under the rules is {qmax:.6g}"),
            rules=[rule], method="epsilon",
            fixes=[Fix("epsilon", f"lower --eps (objective.eps) to at most {qmax:.6g}",
                       eps - qmax, f"objective.eps = {qmax:.6g}")]))


# --------------------------------------------------------------------------- description
def _describe(s: _Search, members: list[_Cons], method: str) -> Conflict:
    w = s.words
    rules = []
    caps: dict[tuple[int, int], dict[int, list]] = {}  # (d, r) -> k -> [cap, col names]
    for c in members:
        if c.kind == "row":
            side = c.side
            if w.row_block[c.index] == "one_type" and c.index not in s.fixed_rows:
                side = "hi"  # "at most one type" (x >= 0 sides are definitions too)
            rules.append(w.row_rule(c.index, side))
        else:
            r = w.col_rule(c.index, c.side)
            if r is not None:
                e = w._x_entity(int(w.col_local[c.index]))
                caps.setdefault((e["d"], e["r"]), {}).setdefault(e["k"], [r.bound, []])[1].append(
                    r.row)
    # one sentence per pairing for the capacity of its flows (the same for every type)
    for (d, r), per_k in caps.items():
        amounts = _join([f"{_n(v)} of {w.K[k]}" for k, (v, _) in per_k.items()])
        names = [n for _, ns in per_k.values() for n in ns]
        rules.append(Rule("pair_cap", names[0] + (f" (and {len(names) - 1} more)"
                                                  if len(names) > 1 else ""),
                          f"{w.dname[d]} can send {w.rname[r]} at most {amounts} (its supply, "
                          f"or what {w.rname[r]} can use if that is less)",
                          {"partner": w.D[d], "recipient": w.R[r],
                           "resources": [w.K[k] for k in per_k]},
                          float(sum(v for v, _ in per_k.values()))))
    order = {k: i for i, k in enumerate(("access_floor", "coverage", "capacity", "outcome_floor",
                                         "outcome_spread", "fixed", "scale", "supply", "pair_cap",
                                         "absorb", "span_partner", "span_recipient"))}
    rules.sort(key=lambda m: (m.context, order.get(m.rule, 99)))
    try:
        headline = _headline(s, rules, members, method)
    except _OutOfTime:
        raise
    except Exception:  # noqa: BLE001 - a headline is a courtesy; the rules explain

        headline = None
    if not headline:
        main = [m for m in rules if not m.context]
        headline = (f"{main[0].text}, and no plan can do that under the other rules"
                    if len(main) == 1 else
                    f"these {len(main)} rules cannot all hold together")
    return Conflict(headline=headline, rules=rules, method=method)


def _headline(s: _Search, rules: list[Rule], members: list[_Cons], method: str) -> str | None:
    """One sentence for the conflict, with the numbers that make it plain."""
    w = s.words
    a = w.a
    main = [m for m in rules if not m.context]
    kinds = {m.rule for m in main}
    D, K = w.D, w.K
    ri = {r: i for i, r in enumerate(w.R)}
    di = {d: i for i, d in enumerate(D)}
    mip = True  # the bound a headline states is the plan's own (whole pairings), not the LP's
    am = s.am

    def rows_of(kind):
        return [c for c in members if c.kind == "row" and w.row_block[c.index] == kind]

    floors = [m for m in main if m.rule == "access_floor"]
    if floors and kinds <= {"access_floor", "supply", "pair_cap", "absorb"}:
        res = {m.entity["resource"] for m in floors}
        if len(res) == 1:
            k = K.index(res.pop())
            rs = [ri[m.entity["recipient"]] for m in floors]
            need = sum(m.bound for m in floors)
            ds = sorted({d for d in range(len(D)) for r in rs if w.reach[d, r, k]})
            who = w.rname[rs[0]] if len(rs) == 1 else "them"
            if not ds:
                return (f"{w.rname[rs[0]]}'s access floor for {K[k]} needs {_n(need)} units, but "
                        f"no partner that may pair with {w.rname[rs[0]]} has any {K[k]}")
            sel = np.isin(am.x_r, rs) & (am.x_k == k)
            obj = np.zeros(s.lm.n_cols)
            obj[am.x.start + np.flatnonzero(sel)] = 1.0
            most = s.max_under(members, rows_of("access_floor"), obj, mip, "deletion")
            if most is None or most >= need - 1e-9 * max(1.0, need):
                return None
            subject = (f"{w.rname[rs[0]]}'s access floor for {K[k]} needs {_n(need)} units"
                       if len(rs) == 1 else
                       f"the access floors for {K[k]} of {_join([w.rname[r] for r in rs])} need "
                       f"{_n(need)} units together")
            if "absorb" in kinds and len(rs) == 1 and a["absorb"][rs[0], k] < need:
                return f"{subject}, but {who} can use at most {_n(a['absorb'][rs[0], k])}"
            return (f"{subject}, but the partners that may pair with {who} "
                    f"({_join([w.dname[d] for d in ds])}) can send at most {_n(most)}")
    cover = [m for m in main if m.rule == "coverage"]
    if cover and kinds <= {"coverage", "span_partner", "fixed"}:
        rs = [ri[m.entity["recipient"]] for m in cover]
        cand = a["eligible"].any(axis=2)
        ds = sorted({d for d in range(len(D)) for r in rs if cand[d, r]})
        mins = sum(a["min_partners_r"][r] for r in rs)
        spans = [m for m in main if m.rule == "span_partner"]
        if not spans and len(rs) == 1:
            r = rs[0]
            if not ds:
                return (f"{w.rname[r]} must get at least {_n(mins)} partner"
                        f"{'s' if mins != 1 else ''}, but no partner may pair with it (no "
                        f"allowed pair reaches a type's pot and ben thresholds)")
            return (f"{w.rname[r]} must get at least {_n(mins)} partners, but only {len(ds)} "
                    f"may pair with it ({_join([w.dname[d] for d in ds])})")
        if spans:
            cap = sum(m.bound for m in spans)
            sp_ds = [di[m.entity["partner"]] for m in spans]
            fixed = [m for m in main if m.rule == "fixed"]
            taken = (f", and {len(fixed)} of those places go to fixed pairings "
                     f"({_join([w.dname[di[m.entity['partner']]] + ' - ' + w.rname[ri[m.entity['recipient']]] for m in fixed])})"
                     if fixed else "")
            return (f"{_join([w.rname[r] for r in rs])} must get at least {_n(mins)} partner"
                    f"{'s' if mins != 1 else ''} in all, but the partners that may pair with "
                    f"{'it' if len(rs) == 1 else 'them'} ({_join([w.dname[d] for d in sp_ds])}) "
                    f"may take at most {_n(cap)} recipient{'s' if cap != 1 else ''} in all "
                    f"(max_partners){taken}")
    caps = [m for m in main if m.rule == "capacity"]
    if len(caps) == 1 and floors and kinds <= {"capacity", "access_floor", "pair_cap", "supply",
                                                "absorb"}:
        r = ri[caps[0].entity["recipient"]]
        types = sorted({int(t) for d in range(len(D)) for t in np.flatnonzero(a["eligible"][d, r])})
        if types:
            kmax = max(a["kappa"][t] for t in types)
            if kmax < w.gamma:
                kept = _join([w.T[t] + " " + _n(a["kappa"][t]) for t in types])
                asks = _join([_n(m.bound) + " of " + m.entity["resource"] for m in floors])
                return (f"at least {_n(w.gamma)} of {w.rname[r]}'s gain must become lasting "
                        f"capacity, but the types its partners may take keep at most "
                        f"{_n(kmax)} ({kept}), so {w.rname[r]} could receive nothing; yet its "
                        f"access floor asks for {asks}")
    ofl = [m for m in main if m.rule == "outcome_floor"]
    if len(ofl) == 1 and kinds <= {"outcome_floor", "pair_cap", "supply", "absorb"}:
        r = ri[ofl[0].entity["recipient"]]
        sel = am.x_r == r
        obj = np.zeros(s.lm.n_cols)
        obj[am.x.start + np.flatnonzero(sel)] = am.ucoef[sel]
        most = s.max_under(members, rows_of("outcome_floor"), obj, mip, "deletion")
        if most is not None:
            u = am.u0[r] + most
            if u < w.theta - 1e-9:
                return (f"{w.rname[r]}'s outcome must reach {_n(w.theta)} of its target "
                        f"({_n(w.theta * a['target'][r])} per person, from "
                        f"{_n(a['y0'][r])}), but everything the partners that may pair with it "
                        f"can send raises it to at most {u:.4g} of its target")
    fixed = [m for m in main if m.rule == "fixed"]
    scales = [m for m in main if m.rule == "scale"]
    if len(fixed) == 1 and scales and kinds <= {"fixed", "scale", "supply", "pair_cap", "absorb"}:
        m = fixed[0]
        d, r = di[m.entity["partner"]], ri[m.entity["recipient"]]
        least = min(sc.bound for sc in scales)
        most = float(a["value"] @ np.minimum(a["supply"][d], a["absorb"][r]))
        if most < least:
            return (f"the fixed pairing {w.dname[d]} - {w.rname[r]} needs resources worth at "
                    f"least {_n(least)} for any type it may take, but {w.dname[d]} can send "
                    f"{w.rname[r]} at most {_n(most)}")
    return None


# --------------------------------------------------------------------------- fixes
def _fixes(s: _Search, members: list[_Cons], others: list[_Cons],
           partial: bool) -> tuple[list[Fix], int]:
    """For each kind of rule in the conflict: how far it must give (alone) to resolve it.
    Returns the fixes and how many could not be measured in time."""
    w = s.words
    a = w.a
    groups: dict[str, list[_Cons]] = {}
    for c in members:
        if c.kind == "row":
            kind = str(w.row_block[c.index])
            if kind == "one_type":
                kind = "fixed" if c.side == "lo" else "one_type"
        else:
            e = w._x_entity(int(w.col_local[c.index]))
            kind = "supply" if a["supply"][e["d"], e["k"]] <= a["absorb"][e["r"], e["k"]] \
                else "absorb"
        groups.setdefault(kind, []).append(c)
    # flow-column bounds bend together with the supply / absorb rows they stand for
    for kind in ("supply", "absorb"):
        if kind in groups:
            groups[kind] = _with_partner_rows(s, groups[kind], kind)
    out: list[Fix] = []
    skipped = 0
    alone = None  # every rule outside the conflict set aside
    for kind, bend in groups.items():
        if kind == "one_type":  # a definition; more candidate partners is the fix
            continue
        res = s.elastic(bend, dropped=others)
        note = ""
        if res is None and partial:
            # other conflicts (not all found) stand in the way: measure this conflict alone
            if alone is None:
                keys = {c.key() for c in members}
                alone = [c for c in s.candidates() if c.key() not in keys]
            res = s.elastic(bend, dropped=alone)
            note = " (this conflict only)"
        if res == "limit":
            skipped += 1
            continue
        if res is None:
            continue
        for f in _fix_words(s, kind, bend, res):
            f.text += note
            out.append(f)
    rank = {k: i for i, k in enumerate(BALANCE + ("supply", "absorb", "span_partner",
                                                   "span_recipient", "fixed", "scale"))}
    out.sort(key=lambda f: rank.get(f.rule, 99))
    kinds = set(groups)
    if kinds & {"coverage", "one_type"}:
        rs = sorted({w.row_entity(c.index)[1]["r"] for c in members
                     if c.kind == "row" and w.row_block[c.index] in ("coverage",)})
        if rs:
            out.append(Fix("pairs", f"let more partners pair with {_join([w.rname[r] for r in rs])}"
                           f" (pairs.csv: allowed, with pot and ben reaching a type's "
                           f"thresholds)"))
    if kinds & {"access_floor"} and kinds <= {"access_floor", "supply"}:
        rs = sorted({w.row_entity(c.index)[1]["r"] for c in members
                     if c.kind == "row" and w.row_block[c.index] == "access_floor"})
        out.append(Fix("pairs", f"let more partners with supply pair with "
                       f"{_join([w.rname[r] for r in rs])} (pairs.csv)"))
    return out, skipped


def _with_partner_rows(s: _Search, cons: list[_Cons], kind: str) -> list[_Cons]:
    """Flow-column bounds plus the supply (absorb) rows of the same partner (recipient)."""
    w = s.words
    lm = s.lm
    out, seen = [], set()
    for c in cons:
        if c.kind == "row":
            if c.key() not in seen:
                out.append(c)
                seen.add(c.key())
            continue
        e = w._x_entity(int(w.col_local[c.index]))
        b = lm.row_blocks[kind]
        i = b.start + (e["d"] if kind == "supply" else e["r"]) * w.nK + e["k"]
        for cc in (_Cons("row", i, "hi"), c):
            if cc.key() not in seen:
                out.append(cc)
                seen.add(cc.key())
    return out


def _fix_words(s: _Search, kind: str, bend: list[_Cons], res: dict) -> list[Fix]:
    w = s.words
    a = w.a
    proven = res.get("proven", True)
    bent = [(c, res.get(c.key(), 0.0)) for c in bend if c.kind == "row"]
    bent = [(c, v) for c, v in bent if v > FEAS_TOL * max(1.0, abs(_bound_of(s, c)))]
    if not bent:
        return []
    total = sum(v for _, v in bent)
    parts = []
    scale_to: dict[int, float] = {}
    for c, v in bent:
        _, e = w.row_entity(c.index)
        d, r, k, t = e.get("d"), e.get("r"), e.get("k"), e.get("t")
        if kind == "access_floor":
            floor = w.alpha * a["need"][r, k]
            parts.append(f"{w.rname[r]}'s access floor for {w.K[k]} by {_n(v)} (from {_n(floor)} "
                         f"to {_n(floor - v)})")
        elif kind == "supply":
            parts.append(f"{w.dname[d]}'s supply of {w.K[k]} by {_n(v)} (to "
                         f"{_n(a['supply'][d, k] + v)})")
        elif kind == "absorb":
            parts.append(f"{w.rname[r]}'s absorptive capacity for {w.K[k]} by {_n(v)} (to "
                         f"{_n(a['absorb'][r, k] + v)})")
        elif kind == "coverage":
            m = a["min_partners_r"][r]
            parts.append(f"{w.rname[r]}'s min_partners from {_n(m)} to {_n(m - round(v))}")
        elif kind == "span_partner":
            m = a["max_partners_d"][d]
            parts.append(f"{w.dname[d]}'s max_partners from {_n(m)} to {_n(m + round(v))}")
        elif kind == "span_recipient":
            m = a["max_partners_r"][r]
            parts.append(f"{w.rname[r]}'s max_partners from {_n(m)} to {_n(m + round(v))}")
        elif kind == "fixed":
            parts.append(f"the pairing {w.dname[d]} - {w.rname[r]} (fixed = false)")
        elif kind == "scale":  # a setting: low enough for every pairing bent
            new = max(a["scale_floor"][r, t] - v, 0.0)
            if a["min_scale"][t] >= a["pair_floor_value"][r]:  # the type's min_scale binds
                scale_to[t] = min(scale_to.get(t, new), new)
            else:  # the pair floor binds: its share of this recipient's need
                share = new / a["need_value"][r]
                scale_to[-1] = min(scale_to.get(-1, share), share)
        elif kind == "capacity":
            parts.append(f"the lasting capacity {w.rname[r]} must build by {_n(v)} (outcome units)")
        elif kind == "outcome_floor":
            parts.append(f"{w.rname[r]}'s outcome floor by {_n(v)} (from {_n(w.theta)} to "
                         f"{_n(w.theta - v)} of its target)")
        elif kind == "outcome_spread":
            parts.append(f"{w.rname[r]}'s outcome spread by {_n(v)} (normalised outcome)")
    for t, new in scale_to.items():
        shown = math.floor(new * 1e4 + 1e-6) / 1e4
        if t < 0:
            parts.append(f"balance.pair_floor from {_n(w.inst.params['balance']['pair_floor'])} "
                         f"to {shown:g}")
        else:
            parts.append(f"types.{w.T[t]}.min_scale from {_n(a['min_scale'][t])} to {shown:g}")
    verb = {"access_floor": "lower", "supply": "raise", "absorb": "raise", "coverage": "lower",
            "span_partner": "raise", "span_recipient": "raise", "fixed": "unfix",
            "scale": "lower", "capacity": "lower",
            "outcome_floor": "lower", "outcome_spread": "lower"}[kind]
    n_rows = sum(1 for c in bend if c.kind == "row")
    if n_rows > 1 and len(bent) < n_rows and kind in ("access_floor", "supply", "absorb",
                                                     "coverage", "span_partner",
                                                     "span_recipient", "outcome_floor"):
        what = {"access_floor": "the access floors above", "supply": "the supplies above",
                "absorb": "the absorptive capacities above", "coverage": "min_partners above",
                "span_partner": "max_partners above", "span_recipient": "max_partners above",
                "outcome_floor": "the outcome floors above"}[kind]
        text = f"{verb} {what} by {_n(total)} in all, for example {_join(parts, limit=6)}"
    else:
        text = f"{verb} " + _join(parts, limit=6)
    if not proven:
        text += " (enough, perhaps more than needed: the time ran out)"
    if kind in BALANCE:
        text += f", or solve with --soft {kind}"
    return [Fix(kind, text, total, f"--soft {kind}" if kind in BALANCE else None)]


def _bound_of(s: _Search, c: _Cons) -> float:
    v = s.lab.rlo0[c.index] if c.side == "lo" else s.lab.rhi0[c.index]
    return float(v) if math.isfinite(v) else 1.0


# --------------------------------------------------------------------------- whole instance
def _suggestions(s: _Search, diag: Diagnosis, conflicts) -> tuple[list[Fix], int]:
    """Parameters with their largest value that leaves a plan, and --soft. Returns the
    suggestions and how many could not be measured in time."""
    w = s.words
    a = w.a
    kinds = {k for c, _ in conflicts for k in c.rule_kinds}
    out: list[Fix | None] = []
    skipped = 0
    lm = s.lm

    def param(rule, path, current, best):
        nonlocal skipped
        if best == "limit":
            skipped += 1
            return
        out.append(_param_fix(rule, path, current, best))

    if "access_floor" in kinds and w.alpha > 0:
        b = lm.row_blocks["access_floor"]
        need = a["need"].ravel()[b.data["entity"]]
        param("access_floor", "balance.alpha", w.alpha,
              s.largest_param("access_floor", need, np.zeros(len(b)), w.alpha))
    if "outcome_floor" in kinds and w.theta is not None:
        b = lm.row_blocks["outcome_floor"]
        param("outcome_floor", "balance.theta", w.theta,
              s.largest_param("outcome_floor", np.ones(len(b)), -s.am.u0[b.data["entity"]],
                              w.theta))
    if "capacity" in kinds and w.gamma > 0:
        param("capacity", "balance.gamma", w.gamma, _bisect(s, "gamma", w.gamma))
    if "outcome_spread" in kinds and w.rho is not None:
        param("outcome_spread", "balance.rho", w.rho, _bisect(s, "rho", w.rho))
    balance = sorted(kinds & set(BALANCE), key=BALANCE.index)
    if balance:
        drop = [c for c in s.candidates() if w.row_block[c.index] in balance]
        st = s.feasible(drop, mip=True, share=0.25)
        flags = " ".join(f"--soft {k}" for k in balance)
        if st == "feasible":
            out.append(Fix("soft", f"solve with {flags}: the rule{'s' if len(balance) > 1 else ''}"
                           f" may then give, at a penalty per unit short (balance.csv shows by "
                           f"how much)", None, flags))
        elif st == "limit":
            skipped += 1
        else:
            drop_all = [c for c in s.candidates() if w.row_block[c.index] in BALANCE]
            st_all = s.feasible(drop_all, mip=True, share=0.25)
            if st_all == "feasible":
                out.append(Fix("soft", "solve with --soft all: every balance rule may then give, "
                               "at a penalty per unit short", None, "--soft all"))
            elif st_all == "limit":
                skipped += 1
            else:
                diag.notes.append("even with every balance rule soft (--soft all) no plan "
                                  "exists: fixed pairings, spans or minimum scales conflict")
    return [f for f in out if f is not None], skipped


def _param_fix(rule: str, path: str, current: float, best: float | None) -> Fix | None:
    if best is None:
        return Fix(rule, f"lowering {path} alone (now {_n(current)}) is not enough: even at 0 "
                   f"no plan exists", None, None)
    if best >= current - 1e-9:
        return None
    shown = math.floor(best * 1e4 + 1e-6) / 1e4  # round down: the value shown works
    return Fix(rule, f"lower {path} from {_n(current)} to {shown:g} (the largest value that "
               f"leaves a plan)", current - best, f"{path} = {shown:g}")


def _bisect(s: _Search, which: str, current: float, steps: int = 12):
    """The largest gamma (rho) <= current with a plan, to 1/4096 of the range; None when even
    0 leaves no plan, "limit" when the time ran short."""
    inst = s.am.inst

    class _Limit(Exception):
        pass

    def ok(v: float) -> bool:
        am = build_model(inst.with_params({f"balance.{which}": v}))
        lab = _Lab(am.lm, s.lab.deadline, s.lab.threads)
        st, _, _ = lab.solve(mip=True, share=0.1)
        s.lab.solves += lab.solves
        if st == "limit":
            raise _Limit
        return st == "feasible"

    try:
        if not ok(0.0):
            return None
        lo, hi = 0.0, current
        for _ in range(steps):
            mid = (lo + hi) / 2
            if ok(mid):
                lo = mid
            else:
                hi = mid
    except _Limit:
        return "limit"
    return lo
