"""The rule registry: every rule of the model, each one object in one place.

``RULES`` lists the rules whose rows the model builds, in that order (the order of the model's
row blocks); ``BALANCE`` are the balance rules, which may be made soft; ``BY_NAME`` finds a
rule by its name, including the two that are bounds rather than rows of their own (the
capacity of one pairing, ``pair_cap``; a fixed pairing, ``fixed``). Adding a balance rule is
one class here (see docs/architecture.md) plus its setting in ``optimizer/schema.py``.
"""

from __future__ import annotations

from .balance import AccessFloor, Capacity, Coverage, OutcomeFloor, OutcomeSpread
from .base import BINDING, Rows, Rule, Sets, join_words, num, plural
from .pairing import FIXED, Absorb, Link, OneType, PairCap, Scale, SpanPartner, SpanRecipient, Supply
from .clusters import ClusterLinks, ClusterSynergy, ClusterWaiver
from .rounds import Switching, TrustGate
from .sharing import Participation, ShareCap, ShareLevel, ShareSplit

RULES: tuple[Rule, ...] = (
    Supply(), Absorb(), Link(), OneType(), Scale(), SpanPartner(), SpanRecipient(),
    Coverage(), AccessFloor(), Capacity(), OutcomeFloor(), OutcomeSpread(),
    ShareLevel(), ShareSplit(), ShareCap(), Participation(),
    ClusterLinks(), ClusterSynergy(), ClusterWaiver(),
)
"""(The rules of income sharing and clusters, MODEL-v2 sections B and C, build no row when
the instance has neither.)"""
ROUND_RULES: tuple[Rule, ...] = (TrustGate(), Switching())
"""Rules built once over all rounds of a plan (MODEL-v2 section A), after ``RULES``."""
BALANCE_GROUPS = ("opportunity", "capacity", "outcome")
"""The groups of the paper's balance rules: their rows make the balance table (per recipient)."""
BALANCE: tuple[Rule, ...] = tuple(r for r in RULES if r.soft_ok)
"""The rules that may be made soft: the balance rules and participation."""
BALANCE_NAMES: tuple[str, ...] = tuple(r.name for r in BALANCE)
BY_NAME: dict[str, Rule] = {r.name: r for r in (*RULES, *ROUND_RULES, PairCap(), FIXED)}

# the order in which the diagnosis lists a conflict's rules, tries its headlines, ranks its
# fixes and suggests settings (what a planner should look at first)
SENTENCE_ORDER = ("access_floor", "coverage", "capacity", "outcome_floor", "outcome_spread",
                  "fixed", "scale", "supply", "pair_cap", "absorb", "span_partner",
                  "span_recipient", "participation")
HEADLINE_ORDER = ("access_floor", "coverage", "capacity", "outcome_floor", "fixed",
                  "participation")
FIX_ORDER = (*BALANCE_NAMES, "supply", "absorb", "span_partner", "span_recipient", "fixed",
             "scale")
SETTING_ORDER = ("access_floor", "outcome_floor", "capacity", "outcome_spread", "participation")

__all__ = ["BALANCE", "BALANCE_GROUPS", "BALANCE_NAMES", "BINDING", "BY_NAME", "FIX_ORDER", "HEADLINE_ORDER",
           "ROUND_RULES", "RULES",
           "Rows", "Rule", "SENTENCE_ORDER", "SETTING_ORDER", "Sets", "join_words", "num",
           "plural"]
