"""The allocation model as the conflict search and the planner see it.

:class:`Words` maps each row and column of the model to its rule (the row block), its entity
(partner, recipient, resource, type: the rule's own :meth:`~optimizer.rules.Rule.entity`) and
its sentence (the rule's :meth:`~optimizer.rules.Rule.sentence`); :class:`AllocationSearch`
is the generic :class:`~optimizer.conflicts.ConflictSearch` given the rules a planner may
bend (every rule of the registry with a ``side``), what dropping each does, and how the
capacity of the pairings moves with supply and absorptive capacity.
"""

from __future__ import annotations

import math

import numpy as np

from ..budget import Budget
from ..i18n import _
from ..conflicts import ConflictSearch, Constraint, Lab
from ..model import AllocationModel, build_model
from ..rounds import labels as rounds_labels
from ..rules import BY_NAME, RULES
from .results import Rule, rule_words


class Words:
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
        """(block, {d, r, k, t, pair, x} indices) of a row: the rule's own entity."""
        block, loc = str(self.row_block[i]), int(self.row_local[i])
        rule = BY_NAME.get(block)
        if rule is not None:
            b = self.am.lm.row_blocks[block]
            return block, rule.entity(self.am, int(b.data["entity"][loc]))
        if block == "equity":
            return block, {"r": loc}
        return block, {}

    def x_entity(self, loc: int) -> dict:
        return BY_NAME["pair_cap"].entity(self.am, loc)

    def ids(self, e: dict) -> dict:
        out = {}
        for key, name, names in (("d", "partner", self.D), ("r", "recipient", self.R),
                                 ("k", "resource", self.K), ("t", "type", self.T)):
            if key in e:
                out[name] = names[e[key]]
        return out

    # ------------------------------------------------------------------ sentences
    def row_rule(self, i: int, side: str) -> Rule:
        block, e = self.row_entity(i)
        name = self.row_name(i)
        rule = BY_NAME.get(block)
        if rule is None:
            return Rule(block, name, f"{rule_words(block)} ({name})", self.ids(e), None,
                        context=True)
        kind, text, bound, context = rule.sentence(self, e, side)
        when = self.am.lm.row_blocks[block].data.get("round")
        ids = self.ids(e)
        if when is not None and self.am.rounds > 1:  # a plan of several rounds
            n = int(when[int(self.row_local[i])])
            text += _(" (in round {label})").format(label=self.round_labels[n])
            ids["round"] = self.round_labels[n]
        return Rule(kind, name, text, ids, bound, context=context)

    @property
    def round_labels(self) -> list[str]:
        return rounds_labels(self.am.inst.params)

    def col_rule(self, j: int, side: str) -> Rule | None:
        """A column bound in a conflict: only the capacity of one pairing is a rule."""
        if self.col_block[j] != "x" or side != "hi":
            return None
        e = self.x_entity(int(self.col_local[j]))
        kind, text, bound, context = BY_NAME["pair_cap"].sentence(self, e, side)
        return Rule(kind, self.col_name(j), text, self.ids(e), bound, context=context)


class AllocationSearch(ConflictSearch):
    """The conflict search over the allocation model: the rules a planner may bend are the
    row blocks of the rules with a ``side`` (a fixed pairing is the lower side of its one-type
    row), and the capacity of one pairing (the flows' upper bounds)."""

    def __init__(self, am: AllocationModel, deadline: Budget, threads=None):
        lm = am.lm
        self.am = am
        self.words = Words(am)
        self.link_row = {}
        link, xb = lm.row_blocks.get("link"), lm.col_blocks["x"]
        if link is not None:
            self.link_row = dict(zip(range(xb.start, xb.stop), range(link.start, link.stop)))
        self.fixed_rows = set()
        ot = lm.row_blocks.get("one_type")
        if ot is not None:
            lo = lm.row_lower[ot.start:ot.stop]
            self.fixed_rows = set((ot.start + np.flatnonzero(lo > 0.5)).tolist())
        super().__init__(lm, deadline, self._candidates(lm), range(xb.start, xb.stop),
                         group=lambda c: str(self.words.row_block[c.index]),
                         relax=self._relax, lift=self._lifted_caps, threads=threads)

    def _candidates(self, lm) -> list[Constraint]:
        """Every constraint a planner may bend, rule by rule, in the registry's order of
        the sides that hold (what a diagnosis drops and measures)."""
        out = []
        for rule in _DROP_ORDER:
            b = lm.row_blocks.get(rule.name)
            if b is None:
                continue
            for i in range(b.start, b.stop):
                if rule.name == "one_type" and i not in self.fixed_rows:
                    continue
                if rule.side == "hi" and not math.isfinite(lm.row_upper[i]):
                    continue
                out.append(Constraint("row", i, rule.side))
        return out

    def largest_by_bisection(self, path: str, current: float, steps: int = 12):
        """The largest value <= current of the setting ``path`` (gamma, rho: they multiply
        flows, so they cannot be a variable of one MILP) with a plan, to 1/4096 of the range;
        None when even 0 leaves no plan, "limit" when the time ran short."""
        inst = self.am.inst

        class _Limit(Exception):
            pass

        def ok(v: float) -> bool:
            am = build_model(inst.with_params({path: v}))
            lab = Lab(am.lm, self.lab.deadline, self.lab.threads)
            st, _, _ = lab.solve(mip=True, share=0.1)
            self.lab.solves += lab.solves
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

    def droppable(self, i: int) -> bool:
        """Whether row ``i`` belongs to a rule the search may bend."""
        return str(self.words.row_block[i]) in _DROPPABLE

    def _relax(self, c, rlo, rhi, clo, chi) -> None:
        if c.kind == "row":
            if c.side == "lo":  # a fixed pairing dropped: it may still be paired (>= 0)
                rlo[c.index] = -math.inf if self.words.row_block[c.index] != "one_type" else 0.0
            else:
                rhi[c.index] = math.inf
        else:  # the capacity of a pairing's flow: its bound and its link to the pairing
            chi[c.index] = math.inf
            rhi[self.link_row[c.index]] = math.inf

    def _lifted_caps(self, bend: list, chi: np.ndarray):
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


# the rules a diagnosis may bend (those with a side that holds them), in the registry's order
_DROP_ORDER = tuple(r for r in RULES if r.side is not None)
_DROPPABLE = {r.name for r in _DROP_ORDER}
