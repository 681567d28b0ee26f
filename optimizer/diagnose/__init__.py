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

The search itself is generic (:mod:`optimizer.conflicts`: constraints of a linear model that
cannot hold together); this package gives it the allocation model's rules and turns what it
finds into the planner's words, which come from the rule registry (:mod:`optimizer.rules`:
each rule's sentence, fix, headline and setting). Modules: ``results`` (what a diagnosis
finds, and its report), ``words`` (rows and columns to rules, entities and sentences; the
search over the allocation model), ``find`` (:func:`diagnose`, conflicts and headlines),
``fixes`` (how far each rule must give; settings that resolve the whole instance).
"""

from __future__ import annotations

from .find import diagnose
from .results import Conflict, Diagnosis, Fix, Rule
from .words import AllocationSearch, Words

__all__ = ["AllocationSearch", "Conflict", "Diagnosis", "Fix", "Rule", "Words", "diagnose"]


