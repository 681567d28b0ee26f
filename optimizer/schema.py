"""The instance schema as data: every column and every parameter, once.

Validation (``instance/settings.py``, ``instance/tables.py``), defaults and the user docs
(``docs/instance-format.md``, checked by a test) all read these tables, so a new column is
added here and nowhere else.
A column whose name ends in ``.<resource>`` is written with a ``{k}`` placeholder and exists
once per resource kind.
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from dataclasses import dataclass

from .i18n import _
from .rules import BALANCE_NAMES

INF = math.inf

TYPES = ("project", "platform", "institutional")
"""The collaboration types of the paper, weakest to strongest integration."""

BALANCE_RULES = BALANCE_NAMES
"""Balance rules that may be made soft (``[balance.soft]``): the rule registry's."""

# Sensible limits: a value beyond them is almost surely a unit mistake (people instead of 10k
# people, yuan instead of 100m yuan) and would also break the solver's numerics, whose
# tolerances (1e-7 to 1e-9) are relative to magnitudes of at most about 1e9.
MAX_QUANTITY = 1e12
"""Most units of a resource (supply, need, absorptive capacity), and setup and scale costs."""
MAX_POPULATION = 1e10
"""Largest population (more than the world's, in any unit)."""
MAX_PER_PERSON = 1e9
"""Largest outcome per person (baseline, target) and outcome per resource unit (prod)."""
MAX_COUNT = 100_000
"""Largest number of partners a region may be asked to take (min_partners, max_partners)."""
MAX_MULT = 100.0
"""Largest efficiency multiplier of a type."""
MAX_VALUE = 1e9
"""Largest common value of one unit of a resource."""
MIN_VALUE = 1e-6
"""Smallest common value of one unit of a resource (the solver drops coefficients below
1e-9, so a minimum scale would then count nothing)."""
MAX_PENALTY = 1e9
"""Largest penalty per unit of slack of a soft rule."""
MAX_THETA = 100.0
"""Largest outcome floor, as a multiple of the target."""
MIN_POPULATION = 1e-6
"""Smallest population (a smaller one is a unit mistake: gains are divided by it)."""
MIN_TARGET = 1e-6
"""Smallest target outcome per person (outcomes are divided by it)."""
MAX_COEFFICIENT = 1e9
"""Largest rise of a normalised outcome per unit of a resource, prod * (1 + comp) * mult /
(population * target), and largest normalised outcome (outcome / target) a recipient could
reach: the model's largest coefficients. HiGHS rejects a model with a coefficient above 1e15
and loses itself in round-off well before (it called one with 5e9 unbounded); each value
within its own range can still combine into more (1e-6 people, a target of 1e-6, prod 1e9),
so the combination is checked too. No choice of units comes near it: a county of 5,000 people
(0.5 x 10k) with a target of 5 (10k yuan) gains about 2 target-units per 100m yuan."""
MAX_TOTAL_GAIN = 1e15
"""Largest sum of the gains a plan could reach (prod x (1 + comp) x mult times what the
recipients can absorb): beyond it the solver's round-off swallows single gains."""
MIN_COEFFICIENT = 1e-9
"""HiGHS treats matrix coefficients below this as zero (its ``small_matrix_value``): an
outcome coefficient below it is warned about (outcomes would not move)."""
MAX_COEFFICIENT_SPREAD = 1e9
"""Widest ratio of the largest to the smallest outcome coefficient before a warning: beyond it
the solver's relative tolerances (1e-7 to 1e-9) lose the small ones."""
OTHER_TYPE_DEFAULTS = {"trust_gain": 0.3, "trust_min": 0.0}
"""Type settings a type other than the paper's three may leave out (rounds only: a new type
earns trust as a project does and needs none)."""
MAX_TRUST = 1e6
"""Largest trust capital (trust0, trust_gain, trust_min): trust is a count of earned rounds
weighted by type, so anything near this is a unit mistake."""
MAX_ROUNDS = 50
"""Most rounds of a plan (a round is a whole copy of the model)."""
MIN_YEAR, MAX_YEAR = 1000, 9999
"""The year of the data: four digits."""

ID_FORBIDDEN = ",[]"
"""Characters an id (or a resource or type name) may not contain: they separate the parts of
row names (``access_floor[MZ,talent]``) and of cells (``pairs[SZ,MZ].ben``). Invisible
characters (control and format characters, line separators) are not allowed either."""

# Unicode categories no id or name may hold: control characters (Cc: tabs, line breaks,
# escape sequences that would repaint a terminal), line and paragraph separators (Zl, Zp),
# surrogates (Cs) and unassigned code points (Cn). Ids also refuse format characters (Cf:
# zero-width spaces, byte-order marks, bidirectional overrides): they make two ids that look
# the same differ.
NAME_FORBIDDEN_CATEGORIES = ("Cc", "Zl", "Zp", "Cs", "Cn")
ID_FORBIDDEN_CATEGORIES = NAME_FORBIDDEN_CATEGORIES + ("Cf",)


def bad_name_char(name: str) -> str | None:
    """The first character that an id, resource or type name may not contain, or None."""
    for ch in name:
        if ch in ID_FORBIDDEN or unicodedata.category(ch) in ID_FORBIDDEN_CATEGORIES:
            return ch
    return None


def bad_text_char(text: str, allow: str = "") -> str | None:
    """The first character that a name (free text shown in tables and reports) may not
    contain, or None. ``allow`` lists control characters allowed anyway (line breaks and tabs
    in a description)."""
    for ch in text:
        if ch not in allow and unicodedata.category(ch) in NAME_FORBIDDEN_CATEGORIES:
            return ch
    return None


def char_words(ch: str) -> str:
    """A character as a message shows it: ``','`` or ``U+001B (ESCAPE)``."""
    if ch in ID_FORBIDDEN:
        return f"'{ch}'"
    name = unicodedata.name(ch, "")
    if not name and unicodedata.category(ch) == "Cc":
        name = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\x00": "NUL",
                "\x1b": "ESCAPE"}.get(ch, _("control character"))
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


def suggest(word: str, candidates) -> str | None:
    """The known name a misspelt ``word`` most likely means: the same name in other case
    first, else the closest by :mod:`difflib` (None when nothing is close)."""
    candidates = list(dict.fromkeys(candidates))
    low = word.lower()
    same = [c for c in candidates if c.lower() == low]
    if same:
        return same[0]
    close = difflib.get_close_matches(low, [c.lower() for c in candidates], n=1, cutoff=0.6)
    if close:
        return next(c for c in candidates if c.lower() == close[0])
    return None


@dataclass(frozen=True)
class Column:
    name: str  # may contain "{k}" for one column per resource kind
    kind: str  # "id" | "text" | "number" | "integer" | "bool"
    required: bool
    default: object = None  # None: no default (required) or "derived" (see description)
    lo: float = -INF
    hi: float = INF
    lo_open: bool = False  # lo is exclusive (value must be > lo)
    unit: str = ""
    description: str = ""


@dataclass(frozen=True)
class Param:
    path: str
    kind: str  # "number" | "text" | "choice" | "number-or-off" | "bool" | "point" | ...
    default: object
    lo: float = -INF
    hi: float = INF
    lo_open: bool = False
    choices: tuple = ()
    description: str = ""


PARTNER_COLUMNS = (
    Column("id", "id", True, description="Short unique identifier of the partner (developed region)."),
    Column("name", "text", False, "", description="Name shown in reports (defaults to the id)."),
    Column("max_partners", "integer", False, INF, lo=0, hi=MAX_COUNT,
           description="Most recipients this partner may pair with (empty: unlimited)."),
    Column("supply.{k}", "number", True, lo=0, hi=MAX_QUANTITY, unit="resource units",
           description="Units of resource k the partner can commit in the plan period."),
)

RECIPIENT_COLUMNS = (
    Column("id", "id", True, description="Short unique identifier of the recipient (less-developed region)."),
    Column("name", "text", False, "", description="Name shown in reports (defaults to the id)."),
    Column("population", "number", True, lo=MIN_POPULATION, hi=MAX_POPULATION,
           unit="people (instance unit)",
           description="Population; gains are divided by it to give outcomes per person."),
    Column("baseline", "number", True, lo=0, hi=MAX_PER_PERSON, unit="outcome per person",
           description="Baseline outcome per person (y0), e.g. GDP per capita."),
    Column("target", "number", True, lo=MIN_TARGET, hi=MAX_PER_PERSON,
           unit="outcome per person",
           description="Reference outcome (e.g. the provincial average); u = outcome / target."),
    Column("min_partners", "integer", False, 1, lo=0, hi=MAX_COUNT,
           description="Fewest partners the recipient must get (coverage rule; default 1)."),
    Column("max_partners", "integer", False, INF, lo=0, hi=MAX_COUNT,
           description="Most partners the recipient may get (empty: unlimited)."),
    Column("need.{k}", "number", True, lo=0, hi=MAX_QUANTITY, unit="resource units",
           description="What the recipient needs of resource k (the access floor is alpha times it)."),
    Column("absorb.{k}", "number", False, "need.{k}", lo=0, hi=MAX_QUANTITY,
           unit="resource units",
           description="Absorptive capacity: the most of k the recipient can use (default: its need)."),
    Column("prod.{k}", "number", True, lo=0, hi=MAX_PER_PERSON, unit="outcome per resource unit",
           description="Total outcome gained per unit of k used in the recipient."),
)

PAIR_COLUMNS = (
    Column("partner", "id", True, description="Partner id (must be in partners.csv)."),
    Column("recipient", "id", True, description="Recipient id (must be in recipients.csv)."),
    Column("comp", "number", False, "[pairs] comp", lo=0, hi=1,
           description="Complementarity in [0, 1]; gains are multiplied by (1 + comp)."),
    Column("pot", "number", False, "[pairs] pot", lo=0, hi=1,
           description="Top-down political potential energy in [0, 1] (1 = mandated pairing)."),
    Column("ben", "number", False, "[pairs] ben", lo=0, hi=1,
           description="Horizontal mutual benefit in [0, 1]."),
    Column("allowed", "bool", False, True, description="false forbids the pairing."),
    Column("fixed", "bool", False, False,
           description="true: policy already set this pairing; it must be kept (type still chosen; "
                       "with rounds, in the first round)."),
    Column("trust0", "number", False, 0.0, lo=0, hi=MAX_TRUST,
           description="Trust capital of the pair at the start of the first round (rounds only; "
                       "earned in earlier real rounds)."),
    Column("types", "text", False, "",
           description="The collaboration types the pair may take, separated by ';' (types of "
                       "[types]); empty: every type its pot and ben reach. With fixed = true and "
                       "one type it forces that type."),
)

CLUSTER_COLUMNS = (
    Column("id", "id", True, description="Short unique identifier of the cluster."),
    Column("name", "text", False, "", description="Name shown in reports (defaults to the id)."),
    Column("partners", "text", True,
           description="The partner ids of its members, separated by ';' (at least one)."),
    Column("recipients", "text", True,
           description="The recipient ids of its members, separated by ';' (at least one)."),
    Column("setup", "number", False, 0.0, lo=0, hi=MAX_QUANTITY, unit="outcome units",
           description="Cost of forming the cluster (subtracted from efficiency)."),
    Column("synergy", "number", False, 0.0, lo=0, hi=MAX_MULT,
           description="Gain bonus: platform and institutional flows between members of a formed "
                       "cluster gain this share more per unit."),
    Column("min_links", "integer", False, 1, lo=1, hi=MAX_COUNT,
           description="Fewest platform or institutional pairings among its members for the "
                       "cluster to be formed."),
)
"""The optional ``clusters.csv`` (virtual industrial clusters, MODEL-v2 section C)."""

TABLES = {
    "partners": PARTNER_COLUMNS,
    "recipients": RECIPIENT_COLUMNS,
    "pairs": PAIR_COLUMNS,
    "clusters": CLUSTER_COLUMNS,
}

TYPE_DEFAULTS = {
    "project": dict(mult=1.0, kappa=0.2, setup=0.0, min_scale=0.0, pot_min=0.0, ben_min=0.0,
                    trust_gain=0.3, trust_min=0.0),
    "platform": dict(mult=1.3, kappa=0.5, setup=0.0, min_scale=0.0, pot_min=0.0, ben_min=0.4,
                     trust_gain=0.5, trust_min=0.0),
    "institutional": dict(mult=1.6, kappa=0.8, setup=0.0, min_scale=0.0, pot_min=0.6, ben_min=0.6,
                          trust_gain=0.7, trust_min=0.0),
}

TYPE_PARAMS = (
    Param("mult", "number", None, lo=0, lo_open=True, hi=MAX_MULT,
          description="Efficiency multiplier of the type."),
    Param("kappa", "number", None, lo=0, hi=1,
          description="Share of the gain that becomes lasting capacity of the recipient."),
    Param("setup", "number", None, lo=0, hi=MAX_QUANTITY,
          description="Fixed cost of one pairing of the type, in outcome units."),
    Param("min_scale", "number", None, lo=0, hi=MAX_QUANTITY,
          description="Smallest total value of resources for a pairing of the type."),
    Param("pot_min", "number", None, lo=0, hi=1, description="Political potential needed for the type."),
    Param("ben_min", "number", None, lo=0, hi=1, description="Mutual benefit needed for the type."),
    Param("trust_gain", "number", None, lo=0, hi=MAX_TRUST,
          description="Trust capital a pairing of the type earns in a round (rounds only; "
                      "defaults 0.3, 0.5, 0.7)."),
    Param("trust_min", "number", None, lo=0, hi=MAX_TRUST,
          description="Trust capital a pair needs at the start of a round to take the type "
                      "(rounds only; default 0)."),
)

PARAMS = (
    Param("name", "text", "", description="Name of the instance."),
    Param("description", "text", "", description="What the instance represents."),
    Param("sources", "text", None, description="Where the data come from (shown in the report)."),
    Param("year", "integer", None, lo=MIN_YEAR, hi=MAX_YEAR,
          description="The year the data describe."),
    Param("illustrative", "bool", None,
          description="true: the numbers are illustrative, not statistics."),
    Param("synthetic", "bool", None,
          description="true: the instance was generated (regcollab generate), not collected."),
    *(Param(f"generator.{key}", "integer", None, lo=0, hi=2**32 - 1,
            description=f"How regcollab generate made the instance: its --{key}.")
      for key in ("partners", "recipients", "resources", "seed", "candidates")),
    Param("units.population", "text", None,
          description="Unit of the population column, e.g. \"10k people\"."),
    Param("units.outcome", "text", None,
          description="Unit of outcomes per person (baseline, target), e.g. \"10k yuan per person\"."),
    Param("units.gain", "text", None,
          description="Unit of gains (efficiency), e.g. \"100m yuan\"."),
    Param("objective.method", "choice", "weighted",
          choices=("weighted", "epsilon", "lexicographic", "reference"),
          description="How efficiency and equity are combined."),
    Param("objective.lambda", "number", 0.5, lo=0, hi=1,
          description="Weight of efficiency in the weighted method (1 - lambda goes to equity)."),
    Param("objective.equity", "choice", "tail", choices=("tail", "maxmin"),
          description="Equity measure: tail beta-mean of normalised outcomes, or their minimum."),
    Param("objective.beta", "number", 0.25, lo=0, hi=1, lo_open=True,
          description="Share of worst-off recipients averaged by the tail measure (any "
                      "beta <= 1/recipients gives the minimum, as maxmin does)."),
    Param("objective.first", "choice", "efficiency", choices=("efficiency", "equity"),
          description="Objective optimised first by the lexicographic method."),
    Param("objective.eps", "number-or-off", None, lo=0, hi=MAX_COEFFICIENT,
          description="Lower bound on equity for the epsilon method."),
    Param("objective.reference", "point", None, lo=-MAX_COEFFICIENT, hi=MAX_COEFFICIENT,
          description="Aspiration levels of the reference method: two numbers, efficiency "
                      "then equity (e.g. [400, 0.3]); the plan is the efficient one nearest "
                      "to them."),
    Param("balance.alpha", "number", 0.3, lo=0, hi=1,
          description="Access floor: every recipient gets at least alpha times its need of each resource."),
    Param("balance.gamma", "number", 0.2, lo=0, hi=1,
          description="Capacity balance: lasting capacity is at least gamma times the gain "
                      "(0.2 lets a recipient served only by projects, kappa 0.2, be planned)."),
    Param("balance.pair_floor", "number", 0.05, lo=0, hi=1,
          description="Every pairing carries resources worth at least this share of the "
                      "recipient's total need (in value; with the type's min_scale, the larger "
                      "counts); 0: a pairing may carry nothing (model version 1, see docs/model.md)."),
    Param("balance.theta", "number-or-off", None, lo=0, hi=MAX_THETA,
          description="Outcome floor: every normalised outcome u is at least theta (off by default)."),
    Param("balance.rho", "number-or-off", None, lo=0, hi=1,
          description="Outcome spread: every u is at least rho times the mean u (off by default)."),
    Param("rounds.count", "integer", 1, lo=1, hi=MAX_ROUNDS,
          description="Rounds the plan covers (1: one round, model version 1); trust capital "
                      "carries from round to round (MODEL-v2 section A)."),
    Param("rounds.labels", "labels", None,
          description="Names of the rounds, one per round (a list, or text separated by ';'), "
                      "e.g. [\"2023\", \"2026\", \"2029\"]; default 1, 2, ..."),
    Param("rounds.supply_growth", "number", 0.0, lo=-1, lo_open=True, hi=10,
          description="Growth of every supply from one round to the next (0.1: 10 % more)."),
    Param("rounds.need_growth", "number", 0.0, lo=-1, lo_open=True, hi=10,
          description="Growth of every need and absorptive capacity from one round to the next."),
    Param("rounds.discount", "number", 1.0, lo=0, lo_open=True, hi=1,
          description="Weight of round n's efficiency is discount^(n-1)."),
    Param("rounds.trust_decay", "number", 0.5, lo=0, hi=1,
          description="Share of a pair's trust capital lost from one round to the next."),
    Param("rounds.switch_cost", "number", 0.0, lo=0, hi=MAX_QUANTITY,
          description="Cost (outcome units) of dropping a pairing held in the round before."),
    Param("rounds.equity_at", "choice", "final", choices=("final", "every"),
          description="Equity of the outcomes after the last round (final), or the mean over "
                      "the rounds of each round's equity (every)."),
    Param("sharing.levels", "levels", (),
          description="Income shares credited to the partner a sharing pairing may choose from "
                      "(a list in [0, 1), e.g. [0.25, 0.5]; 0 is always one of them); empty: no "
                      "sharing (MODEL-v2 section B)."),
    Param("sharing.types", "types", ("platform", "institutional"),
          description="The collaboration types whose pairings share income (a list of types)."),
    Param("sharing.spillover", "number", 0.0, lo=0, hi=MAX_MULT,
          description="What a partner counts as its return per unit of mutual benefit x gain "
                      "of a pairing, beside its credited share (participation rule)."),
    Param("pairs.comp", "number", 0.0, lo=0, hi=1, description="Default complementarity of a pair."),
    Param("pairs.pot", "number", 0.0, lo=0, hi=1, description="Default political potential of a pair."),
    Param("pairs.ben", "number", 0.0, lo=0, hi=1, description="Default mutual benefit of a pair."),
    Param("pairs.allowed", "bool", True,
          description="Whether pairs not listed in pairs.csv are allowed (false: only listed pairs)."),
)

DEFAULT_SOFT_PENALTY = 1000.0
"""Penalty per unit of slack when a rule is made soft without naming a penalty."""

RESOURCE_VALUE = Param("value", "number", 1.0, lo=MIN_VALUE, hi=MAX_VALUE,
                       description="Common value of one unit of the resource (for scale rules).")
"""``[resources.<name>] value``."""
RESOURCE_PARAMS = (
    Param("unit", "text", "", description="Unit of the resource, e.g. \"100m yuan\"."),
    RESOURCE_VALUE,
    Param("return_min", "number", 0.0, lo=0, hi=MAX_VALUE,
          description="Return a partner requires per unit of value of the resource it sends "
                      "(participation rule, with sharing; e.g. guided investment needs one, "
                      "fiscal funds do not)."),
    Param("description", "text", None, description="What the resource is."),
    Param("source", "text", None, description="Where its numbers come from."),
)
"""The keys of a ``[resources.<name>]`` section."""
TYPE_TEXT_PARAMS = (
    Param("description", "text", None, description="What the type means."),
    Param("source", "text", None, description="Where its parameters come from."),
)
"""The text keys of a ``[types.<name>]`` section, beside :data:`TYPE_PARAMS`."""
SOFT_PENALTY = Param("penalty", "number", DEFAULT_SOFT_PENALTY, lo=0, hi=MAX_PENALTY,
                     description="Penalty per unit of slack of a soft rule.")
"""``[balance.soft] <rule> = penalty``."""

PARAM_BY_PATH = {p.path: p for p in PARAMS}

SECTIONS = tuple(dict.fromkeys(p.path.split(".")[0] for p in PARAMS if "." in p.path))
"""Sections of ``instance.toml`` whose keys are in :data:`PARAMS` (objective, balance, ...)."""
NAMED_SECTIONS = {
    "types": tuple(p.path for p in TYPE_PARAMS) + tuple(p.path for p in TYPE_TEXT_PARAMS),
    "resources": tuple(p.path for p in RESOURCE_PARAMS),
}
"""Sections with one table per name (``[types.<name>]``, ``[resources.<name>]``) and the keys
each of those tables may hold."""
TOP_LEVEL = tuple(p.path for p in PARAMS if "." not in p.path) + SECTIONS + tuple(NAMED_SECTIONS)
"""Every key allowed at the top of ``instance.toml``."""

MAX_TOML_BYTES = 1_000_000
"""Largest ``instance.toml`` (settings only: a real one is a few kilobytes)."""
MAX_TOML_DEPTH = 16
"""Deepest nesting of arrays and inline tables in ``instance.toml``."""
MAX_KEY_PARTS = 16
"""Most parts of one dotted key (``balance.soft.coverage`` has 3)."""
MAX_TOML_KEYS = 10_000
"""Most keys (``=`` signs) in ``instance.toml``."""


def all_setting_paths() -> list[str]:
    """Every dotted key of ``instance.toml`` the schema knows (named sections with the
    built-in types and ``<name>`` for resources), for suggestions."""
    out = [p.path for p in PARAMS]
    out += [f"balance.soft.{rule}" for rule in BALANCE_RULES]
    for t in TYPE_DEFAULTS:
        out += [f"types.{t}.{key}" for key in NAMED_SECTIONS["types"]]
    out += [f"resources.<name>.{key}" for key in NAMED_SECTIONS["resources"]]
    return out


def column_for(table: str, name: str) -> Column | None:
    """The schema column that ``name`` is in ``table`` (resource columns by prefix)."""
    for col in TABLES[table]:
        if "{k}" in col.name:
            prefix = col.name.split("{k}")[0]
            if name.startswith(prefix) and len(name) > len(prefix):
                return col
        elif col.name == name:
            return col
    return None


def fmt_limit(v: float) -> str:
    """A limit as a person writes it: 0.3, 100000, 1e12, 1e-6."""
    text = f"{v:g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}e{int(exp)}"
    return text


def describe_range(lo: float, hi: float, lo_open: bool = False) -> str:
    """Human words for an allowed range, used in messages and docs."""
    a, b = fmt_limit(lo), fmt_limit(hi)
    if lo > -INF and hi < INF:
        return (_("between {a} and {b}") if not lo_open else
                _("above {a} and at most {b}")).format(a=a, b=b)
    if lo > -INF:
        return (_("greater than {a}") if lo_open else _("at least {a}")).format(a=a)
    if hi < INF:
        return _("at most {b}").format(b=b)
    return _("any number")


def range_problem(v: float, lo: float, hi: float, lo_open: bool = False) -> str | None:
    """What is wrong with ``v`` against the range, in words, or None when it is inside."""
    sanity = 1e4 <= hi < INF  # the upper limit is a sanity limit, not a bound of the model
    if v < lo or (lo_open and v <= lo):
        if not sanity:
            return _("it must be {range}").format(range=describe_range(lo, hi, lo_open))
        if 0 < lo < 1 and not lo_open:  # a sanity limit too: values are divided by it
            return _("it must be at least {lo} (a smaller value is almost surely a unit "
                     "mistake)").format(lo=fmt_limit(lo))
        return (_("it must be greater than {lo}") if lo_open
                else _("it must be at least {lo}")).format(lo=fmt_limit(lo))
    if v > hi:
        if sanity:
            return _("it must be at most {hi} (a larger value is almost surely a unit "
                     "mistake)").format(hi=fmt_limit(hi))
        return _("it must be {range}").format(range=describe_range(lo, hi, lo_open))
    return None


def _fmt_default(v) -> str:
    if v is None:
        return "required"
    if isinstance(v, float) and math.isinf(v):
        return "unlimited"
    if isinstance(v, bool):
        return str(v).lower()
    return str(v)


def markdown_tables() -> str:
    """The column and parameter reference of ``docs/instance-format.md``, from this schema.

    The docs embed this text verbatim between markers; a test keeps the two equal
    (regenerate with ``python -m optimizer.schema``).
    """
    out = []
    for table, cols in TABLES.items():
        out.append(f"#### `{table}.csv`\n")
        out.append("| column | kind | default | allowed | description |")
        out.append("|---|---|---|---|---|")
        for c in cols:
            default = "required" if c.required else (
                f"`{c.default}`" if isinstance(c.default, str) and c.kind != "text"
                else _fmt_default(c.default) or '""')
            allowed = describe_range(c.lo, c.hi, c.lo_open) if c.kind in ("number", "integer") else (
                "true/false" if c.kind == "bool" else
                "text without " + " ".join(f"`{ch}`" for ch in ID_FORBIDDEN)
                + " or invisible characters" if c.kind == "id"
                else "names of `[types]` separated by `;`" if (table, c.name) == ("pairs", "types")
                else "text without control characters")
            if c.kind == "integer":
                allowed += ", whole"
            out.append(f"| `{c.name}` | {c.kind} | {default} | {allowed} | {c.description} |")
        out.append("")
    out.append("#### `instance.toml` settings\n")
    out.append("| key | default | allowed | description |")
    out.append("|---|---|---|---|")
    for p in PARAMS:
        if p.kind == "choice":
            allowed = " \\| ".join(p.choices)
        elif p.kind == "text":
            allowed = "text"
        elif p.kind == "labels":
            allowed = "a list of names, or names separated by `;`"
        elif p.kind == "levels":
            allowed = "a list of distinct numbers in [0, 1)"
        elif p.kind == "types":
            allowed = "a list of the instance's types"
        elif p.kind == "bool":
            allowed = "true/false"
        elif p.kind == "point":
            allowed = (f"two numbers, each {describe_range(p.lo, p.hi, p.lo_open)} (a list, or "
                       "separated by `,` or `;`)")
        else:
            allowed = describe_range(p.lo, p.hi, p.lo_open)
            if p.kind == "integer":
                allowed += ", whole"
            if p.kind == "number-or-off":
                allowed += ", or omitted (off)"
        default = ("off" if p.kind == "number-or-off" else "none") if p.default is None else (
            _fmt_default(p.default) or '""')
        out.append(f"| `{p.path}` | {default} | {allowed} | {p.description} |")
    out.append(f"| `balance.soft.<rule>` | none | "
               f"{describe_range(SOFT_PENALTY.lo, SOFT_PENALTY.hi, SOFT_PENALTY.lo_open)} | "
               f"Make a rule soft with this penalty per unit of slack; rules: "
               f"{', '.join(BALANCE_RULES)}. A list of rule names uses the penalty "
               f"{DEFAULT_SOFT_PENALTY:g}. |")
    for rp in RESOURCE_PARAMS:
        allowed = "text" if rp.kind == "text" else describe_range(rp.lo, rp.hi, rp.lo_open)
        default = "none" if rp.default is None else (
            f"{rp.default:g}" if isinstance(rp.default, float) else _fmt_default(rp.default)
            or '""')
        out.append(f"| `resources.<name>.{rp.path}` | {default} | {allowed} | "
                   f"{rp.description} |")
    for tp in TYPE_TEXT_PARAMS:
        out.append(f"| `types.<name>.{tp.path}` | none | text | {tp.description} |")
    out.append("")
    out.append("#### `[types.<name>]` defaults\n")
    out.append("| type | " + " | ".join(p.path for p in TYPE_PARAMS) + " |")
    out.append("|---|" + "---|" * len(TYPE_PARAMS))
    for t, vals in TYPE_DEFAULTS.items():
        out.append(f"| `{t}` | " + " | ".join(f"{vals[p.path]:g}" for p in TYPE_PARAMS) + " |")
    out.append("")
    for p in TYPE_PARAMS:
        out.append(f"- `{p.path}`: {p.description} ({describe_range(p.lo, p.hi, p.lo_open)})")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(markdown_tables(), end="")
