"""Stage 2: formulate MODEL.md as a mixed-integer linear program, in arrays.

The model is built in bulk with numpy (one vectorised block per rule, never a Python loop over
terms) into a :class:`LinearModel`: bounds, a sparse constraint matrix, integrality and named
objective vectors. ``solve.py`` hands it whole to HiGHS, or turns it into a PuLP problem for any
other solver (:meth:`LinearModel.to_pulp`). ``docs/model.md`` maps every rule to its block here.

Exactness of the reductions (same feasible plans, same optimum as MODEL.md):
- no column x[d,r,k,t] or z[d,r,t] for a type the pair is not eligible for (z = 0 there);
- no column x[d,r,k,t] where min(supply[d,k], absorb[r,k]) = 0 (the link forces x = 0);
- a balance row whose right-hand side can never bind (alpha*need = 0, gamma = 0, theta/rho off)
  is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp

from .instance import Instance
from .rules import RULES, Rows, Sets

INF = np.inf


@dataclass
class Block:
    """A contiguous group of columns or rows of one rule, with labels for its entities."""

    name: str
    start: int
    stop: int
    labels: Callable[[np.ndarray], list] | None = None  # local positions -> entity labels
    data: dict = field(default_factory=dict)  # per-position arrays (entity indices)

    def __len__(self) -> int:
        return self.stop - self.start

    def names(self, local: np.ndarray | None = None) -> list[str]:
        local = np.arange(len(self)) if local is None else np.asarray(local)
        if self.labels is None:
            return [f"{self.name}[{i}]" for i in local]
        return [f"{self.name}[{lab}]" for lab in self.labels(local)]


class LinearModel:
    """max/min c x subject to row_lower <= A x <= row_upper, col_lower <= x <= col_upper.

    A generic container: columns and rows come in named blocks; objectives are named dense
    vectors over the columns. Nothing here knows about partners or recipients.
    """

    def __init__(self):
        self.col_blocks: dict[str, Block] = {}
        self.row_blocks: dict[str, Block] = {}
        self._lo: list[np.ndarray] = []
        self._hi: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self._rows: list[tuple] = []  # (rows, cols, vals) in global indices
        self._rlo: list[np.ndarray] = []
        self._rhi: list[np.ndarray] = []
        self.n_cols = 0
        self.n_rows = 0
        self.objectives: dict[str, np.ndarray] = {}
        self.objective_constants: dict[str, float] = {}
        self.sense = "max"
        self._A = None

    # -------------------------------------------------------------- building
    def add_cols(self, name, lower, upper, integer=False, labels=None, **data) -> Block:
        lower = np.asarray(lower, float)
        n = len(lower)
        upper = np.broadcast_to(np.asarray(upper, float), (n,)).copy()
        block = Block(name, self.n_cols, self.n_cols + n, labels, data)
        self._lo.append(lower)
        self._hi.append(upper)
        self._int.append(np.broadcast_to(np.asarray(integer, bool), (n,)).copy())
        self.col_blocks[name] = block
        self.n_cols += n
        return block

    def add_rows(self, name, rows, cols, vals, lower, upper, labels=None, **data) -> Block:
        """Add a block of rows given in COO form with *local* row numbers."""
        lower = np.asarray(lower, float)
        n = len(lower)
        upper = np.broadcast_to(np.asarray(upper, float), (n,)).copy()
        block = Block(name, self.n_rows, self.n_rows + n, labels, data)
        rows = np.asarray(rows, np.int64) + self.n_rows
        self._rows.append((rows, np.asarray(cols, np.int64), np.asarray(vals, float)))
        self._rlo.append(lower)
        self._rhi.append(upper)
        self.row_blocks[name] = block
        self.n_rows += n
        self._A = None
        return block

    # -------------------------------------------------------------- arrays
    @property
    def col_lower(self) -> np.ndarray:
        return np.concatenate(self._lo) if self._lo else np.zeros(0)

    @property
    def col_upper(self) -> np.ndarray:
        return np.concatenate(self._hi) if self._hi else np.zeros(0)

    @property
    def integer(self) -> np.ndarray:
        return np.concatenate(self._int) if self._int else np.zeros(0, bool)

    @property
    def row_lower(self) -> np.ndarray:
        return np.concatenate(self._rlo) if self._rlo else np.zeros(0)

    @property
    def row_upper(self) -> np.ndarray:
        return np.concatenate(self._rhi) if self._rhi else np.zeros(0)

    @property
    def A(self) -> sp.csr_array:
        """The constraint matrix (CSR), duplicates summed."""
        if self._A is None:
            if self._rows:
                r = np.concatenate([t[0] for t in self._rows])
                c = np.concatenate([t[1] for t in self._rows])
                v = np.concatenate([t[2] for t in self._rows])
            else:
                r = c = np.zeros(0, np.int64)
                v = np.zeros(0)
            keep = v != 0
            A = sp.coo_array((v[keep], (r[keep], c[keep])), shape=(self.n_rows, self.n_cols))
            A = A.tocsr()
            A.sum_duplicates()
            self._A = A
        return self._A

    def objective(self, name: str) -> np.ndarray:
        return self.objectives[name]

    def set_objective(self, name: str, entries: dict[str, np.ndarray | float]) -> np.ndarray:
        """Define an objective from per-block coefficient arrays (or scalars)."""
        c = np.zeros(self.n_cols)
        for block, coef in entries.items():
            b = self.col_blocks[block]
            c[b.start:b.stop] += coef
        self.objectives[name] = c
        return c

    def col_names(self) -> list[str]:
        return [n for b in self.col_blocks.values() for n in b.names()]

    def row_names(self) -> list[str]:
        return [n for b in self.row_blocks.values() for n in b.names()]

    def block_of_row(self, i: int) -> tuple[Block, int]:
        for b in self.row_blocks.values():
            if b.start <= i < b.stop:
                return b, i - b.start
        raise IndexError(i)

    def block_of_col(self, j: int) -> tuple[Block, int]:
        for b in self.col_blocks.values():
            if b.start <= j < b.stop:
                return b, j - b.start
        raise IndexError(j)

    # -------------------------------------------------------------- PuLP
    @classmethod
    def from_pulp(cls, prob, objectives=()) -> tuple["LinearModel", list[np.ndarray]]:
        """Any ``pulp.LpProblem`` as a LinearModel, and ``objectives`` as vectors over it.

        Uses only PuLP's public API (variables, constraints and their coefficients), so the
        whole matrix can then be handed to HiGHS at once instead of row by row. The problem's
        own objective is stored as ``lm.objectives["objective"]`` (with its constant in
        ``lm.objective_constants``) in the problem's sense; ``objectives`` may be PuLP
        expressions, variables or numbers.
        """
        lm = cls()
        variables = prob.variables()
        index = {v.name: j for j, v in enumerate(variables)}
        lo = np.array([-INF if v.lowBound is None else float(v.lowBound) for v in variables])
        hi = np.array([INF if v.upBound is None else float(v.upBound) for v in variables])
        integer = np.array([v.cat in ("Integer", "Binary") for v in variables], bool)
        names = [v.name for v in variables]
        n = len(variables)
        lm.add_cols("var", lo, hi, integer=integer, labels=lambda loc: [names[i] for i in loc])
        rows, cols, vals, rlo, rhi, rnames = [], [], [], [], [], []
        # PuLP >= 3.3: prob.constraints() is the list (the dict form is deprecated)
        cons = (prob.constraints() if callable(prob.constraints)
                else list(prob.constraints.values()))
        for i, con in enumerate(cons):
            name = con.name or f"c{i}"
            for v, coef in con.items():
                rows.append(i)
                cols.append(index[v.name])
                vals.append(coef)
            rhs = -float(con.constant)
            sense = con.sense
            rlo.append(rhs if sense in (0, 1) else -INF)
            rhi.append(rhs if sense in (0, -1) else INF)
            rnames.append(name)
        lm.add_rows("con", rows, cols, vals, rlo, rhi, labels=lambda loc: [rnames[i] for i in loc])

        def vector(expr):
            c = np.zeros(n)
            if expr is None:
                return c, 0.0
            if hasattr(expr, "items"):
                for v, coef in expr.items():
                    c[index[v.name]] += coef
                return c, float(getattr(expr, "constant", 0.0) or 0.0)
            if hasattr(expr, "name") and expr.name in index:  # a single variable
                c[index[expr.name]] = 1.0
                return c, 0.0
            return c, float(expr)

        c, const = vector(prob.objective)
        lm.objectives["objective"] = c
        lm.objective_constants = {"objective": const}
        lm.sense = "max" if prob.sense == -1 else "min"
        out = []
        for k, expr in enumerate(objectives):
            v, const = vector(expr)
            lm.objectives[f"f{k + 1}"] = v
            lm.objective_constants[f"f{k + 1}"] = const
            out.append(v)
        lm.variables = variables
        return lm, out

    def to_pulp(self, objective: np.ndarray, sense: str = "max", extra_rows=(), name="regcollab"):
        """This model as a ``pulp.LpProblem`` (for any PuLP solver), and its variables in order.

        ``extra_rows`` are ``(coefficients, lower, upper, name)`` over all columns.
        """
        import pulp

        prob = pulp.LpProblem(name, pulp.LpMaximize if sense == "max" else pulp.LpMinimize)
        lo, hi, integer = self.col_lower, self.col_upper, self.integer
        add = getattr(prob, "add_variable", None)  # PuLP >= 3.3; LpVariable(...) before

        def var(j):
            kw = dict(lowBound=None if lo[j] == -INF else float(lo[j]),
                      upBound=None if hi[j] == INF else float(hi[j]),
                      cat=pulp.LpInteger if integer[j] else pulp.LpContinuous)
            return add(f"c{j}", **kw) if add else pulp.LpVariable(f"c{j}", **kw)

        xs = [var(j) for j in range(self.n_cols)]
        nz = np.flatnonzero(objective)
        prob += pulp.LpAffineExpression([(xs[j], float(objective[j])) for j in nz])
        A = self.A
        rlo, rhi = self.row_lower, self.row_upper
        rows = [(A.indices[A.indptr[i]:A.indptr[i + 1]], A.data[A.indptr[i]:A.indptr[i + 1]],
                 rlo[i], rhi[i], f"r{i}") for i in range(self.n_rows)]
        for coef, lo_, hi_, nm in extra_rows:
            coef = np.asarray(coef, float)
            idx = np.flatnonzero(coef)
            rows.append((idx, coef[idx], lo_, hi_, nm))
        for idx, vals, lo_, hi_, nm in rows:
            expr = pulp.LpAffineExpression([(xs[j], float(v)) for j, v in zip(idx, vals)])
            if lo_ == hi_:
                prob += pulp.LpConstraint(expr, pulp.LpConstraintEQ, nm + "_eq", float(lo_))
                continue
            if lo_ > -INF:
                prob += pulp.LpConstraint(expr, pulp.LpConstraintGE, nm + "_ge", float(lo_))
            if hi_ < INF:
                prob += pulp.LpConstraint(expr, pulp.LpConstraintLE, nm + "_le", float(hi_))
        return prob, xs


# =========================================================================== the allocation model
@dataclass
class AllocationModel:
    """The MILP of MODEL.md for one instance, with the index maps to read a solution back."""

    inst: Instance
    lm: LinearModel
    pair_d: np.ndarray  # candidate pairs: partner index
    pair_r: np.ndarray  # candidate pairs: recipient index
    z_pair: np.ndarray  # z columns: pair index
    z_type: np.ndarray  # z columns: type index
    x_z: np.ndarray  # x columns: z column (local) they belong to
    x_k: np.ndarray  # x columns: resource index
    gain: np.ndarray  # x columns: gain coefficient a[d,r,k,t]
    ucoef: np.ndarray  # x columns: contribution to u[r] per unit
    u0: np.ndarray  # recipients: baseline normalised outcome y0/target
    balance_rows: list  # names of the row blocks that are balance rules
    soft: dict  # rule -> penalty
    build_seconds: float = 0.0

    def outcomes(self, x: np.ndarray) -> np.ndarray:
        """Normalised outcomes u[r] = (y0 + G/pop) / target of a column vector."""
        xv = x[self.x.start:self.x.stop]
        return self.u0 + np.bincount(self.x_r, weights=self.ucoef * xv,
                                     minlength=len(self.u0))

    def equity(self, x: np.ndarray) -> float:
        """Q of a column vector, computed from the outcomes (see methods.equity_value)."""
        from .methods import equity_value

        p = self.inst.params["objective"]
        return equity_value(self.outcomes(x), p["equity"], p["beta"])

    def efficiency(self, x: np.ndarray) -> float:
        return float(self.lm.objectives["efficiency"] @ x)

    @property
    def x(self) -> Block:
        return self.lm.col_blocks["x"]

    @property
    def z(self) -> Block:
        return self.lm.col_blocks["z"]

    @property
    def x_pair(self) -> np.ndarray:
        return self.z_pair[self.x_z]

    @property
    def x_type(self) -> np.ndarray:
        return self.z_type[self.x_z]

    @property
    def x_d(self) -> np.ndarray:
        return self.pair_d[self.x_pair]

    @property
    def x_r(self) -> np.ndarray:
        return self.pair_r[self.x_pair]


BALANCE_BLOCKS = {
    "coverage": "coverage",
    "access_floor": "access_floor",
    "capacity": "capacity",
    "outcome_floor": "outcome_floor",
    "outcome_spread": "outcome_spread",
}


def add_rule_rows(lm: LinearModel, name: str, rows: Rows, penalty: float | None) -> None:
    """A rule's rows into the model; with a penalty (a soft rule) each row gets a slack
    column (>= 0) that lets it bend, at that price per unit in every objective."""
    r, c, v = rows.rows, rows.cols, rows.vals
    if penalty is not None:
        n = len(rows)
        sl = lm.add_cols(f"slack_{name}", np.zeros(n), INF, labels=rows.labels)
        r, c, v = np.r_[r, np.arange(n)], np.r_[c, sl.start + np.arange(n)], np.r_[v, np.ones(n)]
    lm.add_rows(name, r, c, v, rows.lower, rows.upper, labels=rows.labels,
                entity=rows.entity, **rows.data)


def build_model(inst: Instance, params: dict | None = None) -> AllocationModel:
    """Formulate MODEL.md for ``inst`` (settings from ``inst.params``)."""
    import time

    t0 = time.perf_counter()
    p = inst.params if params is None else params
    a = inst.arrays
    D, R, K, T = (list(inst.partners.index), list(inst.recipients.index), list(inst.resources),
                  list(inst.types))
    nR = len(R)
    soft = dict(p["balance"]["soft"])
    lm = LinearModel()

    # ---- sets: candidate pairs, their eligible types, and the resources that can flow
    cand = a["eligible"].any(axis=2)
    pair_d, pair_r = np.nonzero(cand)
    z_pair, z_type = np.nonzero(a["eligible"][pair_d, pair_r, :])
    cap = np.minimum(a["supply"][pair_d, :], a["absorb"][pair_r, :])  # (nP, nK)
    x_z, x_k = np.nonzero(cap[z_pair, :] > 0)
    xp = z_pair[x_z]
    xd, xr, xt = pair_d[xp], pair_r[xp], z_type[x_z]
    gain = a["prod"][xr, x_k] * (1.0 + a["comp"][xd, xr]) * a["mult"][xt]
    u0 = a["y0"] / a["target"]
    ucoef = gain / (a["pop"][xr] * a["target"][xr])

    # ---- columns
    xb = lm.add_cols("x", np.zeros(len(x_z)), cap[xp, x_k],
                     labels=lambda loc: [f"{D[xd[i]]},{R[xr[i]]},{K[x_k[i]]},{T[xt[i]]}" for i in loc])
    zb = lm.add_cols("z", np.zeros(len(z_pair)), np.ones(len(z_pair)), integer=True,
                     labels=lambda loc: [f"{D[pair_d[z_pair[i]]]},{R[pair_r[z_pair[i]]]},"
                                         f"{T[z_type[i]]}" for i in loc])
    eta = lm.add_cols("eta", [-INF], [INF], labels=lambda loc: ["" for _ in loc])
    # the tail mean of the worst beta·|R| <= 1 recipients is the minimum: formulated as
    # max-min, exactly equal, without the 1/(beta·|R|) coefficient that a tiny beta (legal
    # down to any positive value) would make too large for the solver's tolerances
    tail = p["objective"]["equity"] == "tail" and p["objective"]["beta"] * nR > 1.0
    sb = lm.add_cols("s", np.zeros(nR if tail else 0), INF,
                     labels=lambda loc: [R[i] for i in loc])
    rho = p["balance"]["rho"]
    ubar = lm.add_cols("ubar", [-INF] if rho is not None else [], INF,
                       labels=lambda loc: ["" for _ in loc])
    X = xb.start + np.arange(len(xb))
    Z = zb.start + np.arange(len(zb))

    # ---- the rules, from the registry, in its order (soft balance rules get a slack column)
    s = Sets(inst=inst, a=a, p=p, D=D, R=R, K=K, T=T, pair_d=pair_d, pair_r=pair_r,
             z_pair=z_pair, z_type=z_type, cap=cap, x_z=x_z, x_k=x_k, gain=gain, u0=u0,
             ucoef=ucoef, lm=lm, X=X, Z=Z, blocks=lm.col_blocks)
    balance_rows = []
    for rule in RULES:
        rows = rule.build(s)
        if rows is None or (rule.soft_ok and not len(rows)):
            continue
        add_rule_rows(lm, rule.name, rows, soft.get(rule.name) if rule.soft_ok else None)
        if rule.soft_ok:
            balance_rows.append(rule.name)

    # ---- equity: tail beta-mean (Ogryczak) or max-min, via eta (and s)
    if tail:
        rows = np.r_[xr, np.arange(nR), np.arange(nR)]
        cols = np.r_[X, sb.start + np.arange(nR), np.full(nR, eta.start)]
        vals = np.r_[ucoef, np.ones(nR), -np.ones(nR)]
    else:
        rows = np.r_[xr, np.arange(nR)]
        cols = np.r_[X, np.full(nR, eta.start)]
        vals = np.r_[ucoef, -np.ones(nR)]
    lm.add_rows("equity", rows, cols, vals, -u0, np.full(nR, INF),
                labels=lambda loc: [R[i] for i in loc])

    # ---- objectives
    lm.set_objective("efficiency", {"x": gain, "z": -a["setup"][z_type]})
    if tail:
        beta = p["objective"]["beta"]
        lm.set_objective("equity", {"eta": 1.0, "s": -1.0 / (beta * nR)})
    else:
        lm.set_objective("equity", {"eta": 1.0})
    pen = {f"slack_{rule}": pen for rule, pen in soft.items() if f"slack_{rule}" in lm.col_blocks}
    lm.set_objective("penalty", pen)

    am = AllocationModel(inst=inst, lm=lm, pair_d=pair_d, pair_r=pair_r, z_pair=z_pair,
                         z_type=z_type, x_z=x_z, x_k=x_k, gain=gain, ucoef=ucoef, u0=u0,
                         balance_rows=balance_rows, soft=soft)
    lm.A  # assemble once, inside the build timing
    am.build_seconds = time.perf_counter() - t0
    return am
