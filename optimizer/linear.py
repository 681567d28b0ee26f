"""A linear (mixed-integer) model in arrays: named blocks of columns and rows, a sparse
constraint matrix and named objective vectors. Generic: nothing here knows about partners or
recipients (``optimizer.model`` builds the allocation model with it; ``from_pulp`` reads any
PuLP problem; the solver layer hands it to HiGHS whole or to any PuLP solver).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp

INF = np.inf


def _joined(parts: list, dtype=float) -> np.ndarray:
    """The blocks' arrays end to end (an empty array of ``dtype`` when there are none)."""
    return np.concatenate(parts) if parts else np.zeros(0, dtype)


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
    col_lower = property(lambda self: _joined(self._lo), doc="columns' lower bounds")
    col_upper = property(lambda self: _joined(self._hi), doc="columns' upper bounds")
    integer = property(lambda self: _joined(self._int, bool), doc="which columns are integer")
    row_lower = property(lambda self: _joined(self._rlo), doc="rows' lower bounds")
    row_upper = property(lambda self: _joined(self._rhi), doc="rows' upper bounds")

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
