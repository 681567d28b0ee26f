"""The rule registry (optimizer/rules/): one object per rule, asked by every consumer.

The registry's own invariants, the words it gives a table's Name column, and the claim of
docs/architecture.md that a rule is added by one object: a toy rule put in the registry is
built into the model, changes the optimum as its row says, and is named in the words of the
results workbook, with no other file edited.
"""

from __future__ import annotations

import numpy as np
import pytest

import optimizer.model
from optimizer import load_instance, schema, solve
from optimizer.rules import (BALANCE, BALANCE_GROUPS, BALANCE_NAMES, BY_NAME, FIX_ORDER, HEADLINE_ORDER, ROUND_RULES, RULES,
                             SENTENCE_ORDER, Rows)
from optimizer.rules.base import INF, Rule
from optimizer.workbook.results_book import constraint_label

from conftest import DEMO


def test_names_are_unique_and_the_orders_name_known_rules():
    names = [r.name for r in (*RULES, *ROUND_RULES)]
    assert len(names) == len(set(names))
    assert set(BY_NAME) == set(names) | {"pair_cap", "fixed"}  # the two bounds, not rows
    assert all(r.across_rounds for r in ROUND_RULES)
    assert not any(r.across_rounds for r in RULES)
    for order in (SENTENCE_ORDER, HEADLINE_ORDER, FIX_ORDER):
        unknown = [n for n in order if n not in BY_NAME]
        assert not unknown, f"{order} names rules the registry lacks: {unknown}"


def test_the_balance_rules_are_the_schema_soft_rules_with_their_words():
    assert BALANCE_NAMES == tuple(schema.BALANCE_RULES)
    # the paper's balance rules, and the participation rule of income sharing (MODEL-v2 B)
    assert BALANCE_NAMES == ("coverage", "access_floor", "capacity", "outcome_floor",
                             "outcome_spread", "participation")
    for rule in BALANCE:
        assert rule.soft_ok and rule.statement and rule.short and rule.label
        assert rule.group in (*BALANCE_GROUPS, "participation")


NAMES = {"SZ": "Shenzhen", "SW": "Shanwei"}.get


@pytest.mark.parametrize("rule, entity, label", [
    ("supply", "SZ,funds", "Shenzhen funds supply"),
    ("access_floor", "SW,talent", "Shanwei talent access floor"),
    ("coverage", "SW", "Shanwei coverage (fewest partners)"),
    ("scale", "SZ,SW,funds", "Shenzhen - Shanwei funds smallest scale"),
    ("span_partner", "SZ", "Shenzhen most recipients"),
    ("supply", "SZ", "supply Shenzhen"),  # too few ids for the words: the plain fallback
    ("hold", "efficiency", "first objective held (efficiency)"),
    ("unknown_rule", "SZ,x", "unknown_rule Shenzhen, x"),
])
def test_a_row_in_the_workbook_name_column(rule, entity, label):
    assert constraint_label(rule, entity, lambda i: NAMES(i, i)) == label


def test_a_rows_name_in_chinese():
    """Every rule's Name-column words are in the catalog (the same fields); the ids stay."""
    import string

    from optimizer.i18n import _, use_language

    with use_language("zh"):
        assert constraint_label("supply", "SZ,funds", lambda i: NAMES(i, i)) == \
            _("{A} {b} supply").format(A="Shenzhen", b="funds") != "Shenzhen funds supply"
        for rule in RULES:
            if rule.label:
                fields = {f for _t, f, _s, _c in string.Formatter().parse(rule.label) if f}
                words = _(rule.label)
                assert words != rule.label, rule.name
                assert {f for _t, f, _s, _c in string.Formatter().parse(words) if f} == fields


class TotalFlowCap(Rule):
    """A toy rule: all flows together at most ``limit``."""

    name = "toy_total_cap"
    short = "total flow cap"
    label = "all flows at most the cap"
    side = "hi"

    def __init__(self, limit: float):
        self.limit = limit

    def build(self, s):
        n = len(s.X)
        return Rows(np.array([0]), np.zeros(n, dtype=int), s.X, np.ones(n), np.array([-INF]),
                    np.array([self.limit]), lambda loc: ["all"] * len(loc))


def test_a_rule_added_to_the_registry_is_built_and_binds(monkeypatch):
    inst = load_instance(DEMO)
    base = solve(inst)
    assert base.has_plan
    limit = 0.5 * float(base.allocations["amount"].sum())
    monkeypatch.setattr(optimizer.model, "RULES", (*RULES, TotalFlowCap(limit)))
    am = optimizer.model.build_model(inst)
    assert "toy_total_cap" in am.lm.row_blocks
    capped = solve(inst)
    assert capped.has_plan
    assert float(capped.allocations["amount"].sum()) <= limit * (1 + 1e-7) + 1e-7
    assert capped.efficiency < base.efficiency - 1e-6
    assert constraint_label("toy_total_cap", "all", str) == "toy_total_cap all"
