"""What every rule of the model shares: the sets it is built from, the rows it returns, and the
interface each rule implements.

A rule knows everything about itself in one place: how to build its rows from the instance's
arrays (:meth:`Rule.build`), which entity each row belongs to (:meth:`Rule.entity`), its value
and bound in a plan (:meth:`Rule.measure`, balance rules), and its words for the planner: a
short name and a statement (reports), a sentence for the diagnosis and its part of a fix, the
change one unit of it means (sensitivity), and what it says when it binds around a pairing
(explain). ``optimizer.rules.RULES`` lists them in the order their rows are built.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

INF = np.inf

BINDING = 1e-7
"""A balance row binds when its slack is at most this times max(1, |bound|): the one tolerance
the report, the workbook's Answer Report and explain use to call a rule binding."""


class FlowIndex:
    """What each x column (a flow) belongs to, for an object with the index maps ``z_pair``,
    ``z_type``, ``x_z``, ``pair_d`` and ``pair_r`` (the model being built, and the model
    built): its candidate pair, type, partner and recipient."""

    x_pair = property(lambda self: self.z_pair[self.x_z], doc="each flow's candidate pair")
    x_type = property(lambda self: self.z_type[self.x_z], doc="each flow's type")
    x_d = property(lambda self: self.pair_d[self.x_pair], doc="each flow's partner")
    x_r = property(lambda self: self.pair_r[self.x_pair], doc="each flow's recipient")

    xp, xt, xd, xr = x_pair, x_type, x_d, x_r  # the short names the rules use


@dataclass
class Sets(FlowIndex):
    """The instance's arrays and the model's index maps every rule builds from.

    Candidate pairs ``p`` (``pair_d``, ``pair_r``), their eligible types (one ``z`` column
    each: ``z_pair``, ``z_type``) and the resources that can flow in them (one ``x`` column
    each: ``x_z``, ``x_k``); ``X`` and ``Z`` are the global column numbers of the x and z
    columns, ``lm`` the LinearModel being built."""

    inst: object
    a: dict
    p: dict
    D: list
    R: list
    K: list
    T: list
    pair_d: np.ndarray
    pair_r: np.ndarray
    z_pair: np.ndarray
    z_type: np.ndarray
    cap: np.ndarray  # (pairs, resources): the most a pair can carry of each resource
    x_z: np.ndarray
    x_k: np.ndarray
    gain: np.ndarray  # x columns: gain coefficient a[d,r,k,t]
    u0: np.ndarray
    ucoef: np.ndarray  # x columns: contribution to u[r] per unit
    lm: object = None
    X: np.ndarray = None
    Z: np.ndarray = None
    blocks: dict = field(default_factory=dict)  # column blocks by name (x, z, ubar, ...)
    suffix: str = ""  # the round's suffix of block names ("" in the first round, "@2" ...)
    share: object = None  # the round's income-sharing columns (optimizer.sharing), or None
    cluster: object = None  # the round's cluster columns (optimizer.clusters), or None
    ext: tuple = ()  # outcome terms beyond the flows: (recipient, column, per unit) arrays

    def add_outcome_terms(self, r: np.ndarray, cols: np.ndarray, per_unit: np.ndarray) -> None:
        """Terms of the normalised outcomes u[r] beyond the flows' (a credited income share,
        a cluster's synergy)."""
        self.ext = (*self.ext, (np.asarray(r), np.asarray(cols), np.asarray(per_unit, float)))

    def outcome_terms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(recipient, column, coefficient) of every term of u[r] - u0[r]: the flows', then
        any other (MODEL-v2 sections B and C)."""
        if not self.ext:
            return self.xr, self.X, self.ucoef
        return (np.concatenate([self.xr, *(e[0] for e in self.ext)]),
                np.concatenate([self.X, *(e[1] for e in self.ext)]),
                np.concatenate([self.ucoef, *(e[2] for e in self.ext)]))

    nD = property(lambda self: len(self.D), doc="how many partners")
    nR = property(lambda self: len(self.R), doc="how many recipients")
    nK = property(lambda self: len(self.K), doc="how many resources")


@dataclass
class Rows:
    """A block of rows in COO form with local row numbers, as ``LinearModel.add_rows`` takes
    it; ``entity`` holds each row's entity (its index in the rule's own numbering)."""

    entity: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    labels: Callable
    data: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.entity)


def greater_equal(entity, rows, cols, vals, rhs, labels, **data) -> Rows:
    """Rows ``coefficients . x >= rhs`` (the form of every balance rule)."""
    n = len(entity)
    return Rows(np.asarray(entity), rows, cols, vals, np.asarray(rhs, float), np.full(n, INF),
                labels, data)


def select(keys: np.ndarray, wanted: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """For the terms with entity ``keys``: which of them belong to an entity in ``wanted``,
    and the local row number of that entity (its position in ``wanted``)."""
    pos = np.full(size, -1)
    pos[wanted] = np.arange(len(wanted))
    sel = np.flatnonzero(pos[keys] >= 0)
    return sel, pos[keys[sel]]


def num(v) -> str:
    """A number for a sentence: 4 significant digits, no noise."""
    if v is None:
        return "-"
    v = float(v)
    if abs(v) < 1e-9:
        return "0"
    if abs(v - round(v)) < 1e-9 * max(1.0, abs(v)):
        return f"{round(v):d}" if abs(v) < 1e15 else f"{v:.4g}"
    return f"{v:.4g}"


def join_words(names: list[str], limit: int = 6) -> str:
    """"a, b and c" (at most ``limit`` names, then "n more"; repeated names once)."""
    from ..i18n import _, listing

    names = list(dict.fromkeys(names))
    if len(names) > limit:
        names = names[:limit] + [_("{n} more").format(n=len(names) - limit)]
    if len(names) <= 1:
        return "".join(names)
    return _("{items} and {last}").format(items=listing(names[:-1]), last=names[-1])


def plural(v: float, word: str) -> str:
    """``word`` with an s unless ``v`` is 1."""
    return word + ("s" if v != 1 else "")


class Rule:
    """One rule of the model. Subclasses set the class attributes and override what applies.

    ``side``: which side of its rows holds the rule (``"lo"`` for ``>=``, ``"hi"`` for
    ``<=``): the side the diagnosis may bend; ``None`` for rows that are definitions rather
    than rules a planner sets. ``soft_ok``: it may be made soft (``[balance.soft]``).
    ``reported``: listed in the sensitivity report. ``fix_verb``/``fix_many``: how a fix that
    bends it starts, and what several of its rows are called in a fix."""

    name = ""
    short = ""  # a few words: "access floor (alpha)"
    statement = ""  # one sentence: what the rule asks of every plan
    group = "pairing"  # pairing | opportunity | capacity | outcome
    parameter: str | None = None
    soft_ok = False
    side: str | None = None
    reported = True
    implied_when_held = False  # implied by other rows once the pairings are held
    per_pairing = False  # one row per pairing and type
    cumulative = False  # rows on the outcomes so far (every round's flows up to this one)
    across_rounds = False  # built once over all rounds (build_rounds), not once per round
    fix_verb = ""
    fix_many = ""
    label = ""  # a row in a table's Name column (Excel Solver's): "{A} {b} supply"; a, b, c
    # are the row's ids (partner, resource ...), A, B, C their names


    # ------------------------------------------------------------------ the rows
    def build(self, s: Sets) -> Rows | None:
        """This rule's rows for the model (None: the rule does not apply)."""
        return None

    def build_rounds(self, ss: list) -> Rows | None:
        """Rules across rounds: the rows over the sets of every round (None: none)."""
        return None

    def entity(self, am, ent: int) -> dict:
        """The row's entity as indices: ``d`` partner, ``r`` recipient, ``k`` resource,
        ``t`` type, ``pair`` candidate pair, ``z``/``x`` column (local)."""
        return {}

    def recipients(self, am, ents: np.ndarray) -> np.ndarray:
        """Balance rules: the recipient of each row (by entity)."""
        return np.asarray(ents)

    # ------------------------------------------------------------------ a plan
    def measure(self, q, ents: np.ndarray):
        """Balance rules: (recipient indices, resource names, value, bound) of each row."""
        raise NotImplementedError

    # ------------------------------------------------------------------ words
    def row_label(self, ids: list[str], names: Callable) -> str | None:
        """The row with ids ``ids`` (``"SZ,funds"`` split) in the words of :attr:`label`,
        ``names`` giving an id's name (None: no label, or too few ids for it)."""
        fields = [f for _, f, _, _ in string.Formatter().parse(self.label) if f]
        if not fields or any(ord(f.lower()) - ord("a") >= len(ids) for f in fields):
            return None
        values = {}
        for f in fields:
            i = ord(f.lower()) - ord("a")
            values[f] = names(ids[i]) if f.isupper() else ids[i]
        from ..i18n import _

        return _(self.label).format(**values)

    def sentence(self, w, e: dict, side: str) -> tuple[str, str, float | None, bool]:
        """The diagnosis's sentence for a row: (kind, text, bound, context)."""
        return self.name, f"{self.short or self.name}", None, True

    def fix_parts(self, w, bent: list) -> list[str]:
        """The diagnosis's fix for the rows ``bent`` [(entity, amount)] of this rule."""
        return []

    def change(self, name: Callable, who: Callable) -> tuple[str, str] | None:
        """Sensitivity: what one unit more and one unit less of the row's right-hand side
        mean, in words (None: the generic "the right-hand side")."""
        return None

    def binding(self, rn: str, row, alpha: float, fmt: Callable, paired: bool) -> str | None:
        """explain: the sentence for this balance rule when it binds at a recipient."""
        return None

    def headline(self, h) -> str | None:
        """The diagnosis's one sentence for a conflict this rule leads, with the numbers that
        make it plain (``h``: the conflict, see optimizer.diagnose); None: not this rule's
        kind of conflict; "": it is, but the numbers do not make it plain (no headline)."""
        return None

    def largest_setting(self, s, w):
        """The diagnosis's suggestion for the rule's setting: (path, current value, largest
        value that leaves a plan, None if none does, or "limit"), or None (no setting)."""
        return None
