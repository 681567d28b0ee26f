"""Stage 5b: why one pairing got its type (or none), in plain words.

:func:`explain_pair` takes a solved plan and one partner-recipient pair and says:

- the political potential (pot) and mutual benefit (ben) of the pair against every type's
  thresholds, hence the eligible types (MODEL.md, eligibility);
- what the pairing contributes: resources, gain, lasting capacity, its share of the
  recipient's gain and of the partner's supply;
- what binds it: the rules that hold at their bound around it (supply used up, absorptive
  capacity full, span of partners reached, access floor or capacity rule just met, smallest
  scale of the type);
- with income sharing (MODEL-v2 B), why this share: the partner's required return against
  its credited shares and spillover, the least level that keeps it taking part, what a lower
  share would give the recipient (and a re-solve at the least level);
- what the alternatives would cost, by re-solving the plan's own problem with each other
  eligible type forced on the pair, and with the pair forbidden (when it is paired) or forced
  (when it is not); each with the change in efficiency and equity and the pairings that change.

``typology.py`` gives the short reason of every pairing in ``pairings.csv``; this module is the
long answer for one pair, used by ``regcollab explain``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .display import fmt_number
from .errors import InputError
from .roadmap import pair_rounds
from .rules import BY_NAME
from .rules.base import BINDING
from .rules.pairing import scale_source
from .solution import extract_tables
from .typology import pair_alternatives, pair_columns, type_thresholds, what_if



@dataclass
class Alternative:
    """One re-solve: the pair forced to a type, or forbidden."""

    label: str  # "as project", "without this pairing"
    kind: str  # "type" (another type forced) | "forbid" | "force" (an unpaired pair forced)
    type: str | None
    status: str  # "optimal", "infeasible", "time_limit", ...
    loss: float | None = None  # drop of the method's objective (inf: no plan)
    d_efficiency: float | None = None
    d_equity: float | None = None
    changes: list = field(default_factory=list)  # pairings that change, in words
    # the sizes the changes are differences of (objective, efficiency, equity): the words
    # round each change to the solver's tolerance at that size (optimizer.display)
    scales: dict = field(default_factory=dict, repr=False)

    def words(self, what: str, v: float, sign: bool = False) -> str:
        return fmt_number(v, 4, self.scales.get(what), sign=sign)

    def sentence(self, units: str = "") -> str:
        if self.status == "infeasible":
            return f"{self.label}: no plan would satisfy the rules (and the method's holds)"
        if self.loss is None:
            return f"{self.label}: not evaluated ({self.status})"
        u = f" {units}" if units else ""
        what = ("the objective would drop by" if self.loss > 0 else
                "the objective would not change" if self.loss == 0 else
                "the objective would rise by")
        s = (f"{self.label}: {what} {self.words('objective', abs(self.loss))}"
             if self.loss != 0 else f"{self.label}: {what}")
        s += (f" (efficiency {self.words('efficiency', self.d_efficiency, True)}{u}, "
              f"equity {self.words('equity', self.d_equity, True)})")
        if self.status != "optimal":
            s += " [not proven optimal]"
        return s


@dataclass
class PairExplanation:
    partner: str
    recipient: str
    partner_name: str
    recipient_name: str
    allowed: bool
    fixed: bool
    pot: float
    ben: float
    comp: float
    thresholds: list  # per type: {type, pot_min, ben_min, eligible, fails}
    eligible: list
    chosen: str | None  # the recommended type, None when not paired
    candidate: bool  # allowed with at least one eligible type
    contribution: dict = field(default_factory=dict)
    binding: list = field(default_factory=list)  # sentences
    alternatives: list = field(default_factory=list)  # Alternative
    rounds: list = field(default_factory=list)  # per round: type, trust, types it lacks trust for
    sharing: dict = field(default_factory=dict)  # why this share (MODEL-v2 B), see _sharing
    verdict: str = ""
    units: dict = field(default_factory=dict)

    @property
    def pair(self) -> str:
        return f"{self.partner_name} - {self.recipient_name}"

    def as_dict(self) -> dict:
        d = asdict(self)
        d["alternatives"] = [{k: v for k, v in asdict(a).items() if k != "scales"}
                             | {"sentence": a.sentence(self.units.get("gain", ""))}
                             for a in self.alternatives]
        if not d["sharing"]:
            del d["sharing"]
        elif self.sharing.get("least_alternative") is not None:
            alt = self.sharing["least_alternative"]
            d["sharing"]["least_alternative"] = (
                {k: v for k, v in asdict(alt).items() if k != "scales"}
                | {"sentence": alt.sentence(self.units.get("gain", ""))})
        if not d["rounds"]:  # one round: as before rounds existed
            del d["rounds"]
        return d


# --------------------------------------------------------------------------- finding regions
def find_region(table, token: str, what: str) -> str:
    """The id of the partner/recipient that ``token`` names: its id, its name, or a word of
    its name (``Guangzhou`` for ``广州 Guangzhou``), case-insensitive."""
    token = token.strip()
    ids = [str(i) for i in table.index]
    if token in ids:
        return token
    low = token.lower()
    for how in (lambda i, n: i.lower() == low, lambda i, n: n.lower() == low,
                lambda i, n: low in n.lower().split()):
        hits = [i for i, n in zip(ids, table["name"].astype(str)) if how(i, n)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise InputError(f"'{token}' names more than one {what}: {', '.join(hits)}; use "
                             f"the id")
    some = ", ".join(f"{i} ({n})" for i, n in list(zip(ids, table["name"]))[:12])
    raise InputError(f"there is no {what} '{token}'; the {what}s are {some}"
                     + (" ..." if len(ids) > 12 else ""))


def parse_pair(inst, text: str) -> tuple[str, str]:
    """``"PARTNER:RECIPIENT"`` (ids or names; ``PARTNER,RECIPIENT`` too) -> (partner id,
    recipient id). An id or name may itself hold ``:``: every place the text can be split is
    tried, and the one reading that names a partner and a recipient is taken (two readings:
    an error saying to use ``--partner`` and ``--recipient``)."""
    cuts = [i for i, ch in enumerate(text) if ch in ":,"]
    if not cuts:
        raise InputError(f"--pair {text}: give it as PARTNER:RECIPIENT, e.g. GZ:QY (or use "
                         "--partner and --recipient)")
    readings, first_error = [], None
    for i in cuts:
        try:
            readings.append((find_region(inst.partners, text[:i], "partner"),
                             find_region(inst.recipients, text[i + 1:], "recipient")))
        except InputError as exc:
            first_error = first_error or exc
    readings = list(dict.fromkeys(readings))
    if len(readings) == 1:
        return readings[0]
    if readings:
        ways = " or ".join(f"partner {d} with recipient {r}" for d, r in readings)
        raise InputError(f"--pair {text} can be read as {ways}; name them with --partner and "
                         "--recipient")
    raise InputError(f"--pair {text}: {first_error.message}") from None


# --------------------------------------------------------------------------- explaining
def _at(value: float, bound: float) -> bool:
    return abs(value - bound) <= BINDING * max(1.0, abs(bound))


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _changes(base: dict, alt: dict, names, limit: int = 8) -> list[str]:
    out = []
    for key in sorted(set(base) | set(alt), key=lambda k: (k not in alt, k)):
        a, b = base.get(key), alt.get(key)
        if a == b:
            continue
        label = f"{names.get(key[0], key[0])} - {names.get(key[1], key[1])}"
        if a is None:
            out.append(f"+ {label} ({b})")
        elif b is None:
            out.append(f"- {label} ({a})")
        else:
            out.append(f"~ {label}: {a} -> {b}")
    if len(out) > limit:
        out = out[:limit] + [f"... and {len(out) - limit} more"]
    return out


def planned_resolves(sol, partner: str, recipient: str) -> int:
    """How many re-solves :func:`explain_pair` runs for this pair (for progress bars)."""
    inst = sol.instance
    a = inst.arrays
    d, r = inst.partners.index.get_loc(partner), inst.recipients.index.get_loc(recipient)
    n_elig = int(a["eligible"][d, r].sum())
    P = sol.pairings
    paired = bool(((P["partner"] == partner) & (P["recipient"] == recipient)).any())
    if not paired:
        return n_elig
    return n_elig - 1 + (0 if a["fixed"][d, r] else 1)


def explain_pair(sol, partner: str, recipient: str, clock=None, progress=None,
                 resolve: bool = True) -> PairExplanation:
    """Explain the pair (partner id, recipient id) of the solved plan ``sol``.

    ``progress()`` is called after each re-solve; ``resolve=False`` skips the re-solves.
    """
    if not sol.has_plan:
        raise InputError("there is no plan to explain: " + str(sol.summary.get("message")))
    inst = sol.instance
    d, r = inst.partners.index.get_loc(partner), inst.recipients.index.get_loc(recipient)
    ex = _facts(sol, partner, recipient, d, r)
    names = _names(inst)
    binding = []
    if ex.chosen is not None:
        ex.contribution, binding = _contribution(sol, ex, d, r)
    ex.binding = binding + _rules_at_bound(sol, ex, d, r)
    if resolve and ex.candidate:
        ex.alternatives = _alternatives(sol, ex, d, r, names, clock, progress)
    ex.rounds = pair_rounds(sol, partner, recipient, ex.eligible)
    if ex.chosen is not None:
        ex.sharing = _sharing(sol, ex, r, clock if resolve else False)
    ex.verdict = _verdict(ex, inst.listed_types.get((d, r)))
    return ex


def _names(inst) -> dict:
    """id -> name of every partner and recipient."""
    return {**dict(zip(inst.partners.index.astype(str), inst.partners["name"].astype(str))),
            **dict(zip(inst.recipients.index.astype(str), inst.recipients["name"].astype(str)))}


def _facts(sol, partner: str, recipient: str, d: int, r: int) -> PairExplanation:
    """The pair's data, its eligibility per type, and its type in the plan."""
    inst = sol.instance
    a = inst.arrays
    thresholds = type_thresholds(inst, d, r)
    eligible = [th["type"] for th in thresholds if th["eligible"]]
    P = sol.pairings
    row = P[(P["partner"] == partner) & (P["recipient"] == recipient)]
    names = _names(inst)
    return PairExplanation(
        partner=partner, recipient=recipient, partner_name=names[partner],
        recipient_name=names[recipient], allowed=bool(a["allowed"][d, r]),
        fixed=bool(a["fixed"][d, r]), pot=float(a["pot"][d, r]), ben=float(a["ben"][d, r]),
        comp=float(a["comp"][d, r]), thresholds=thresholds, eligible=eligible,
        chosen=str(row["type"].iat[0]) if len(row) else None, candidate=bool(eligible),
        units=dict(inst.params.get("units") or {}))


def _flows(sol, partner: str, recipient: str):
    """What the partner sends and the recipient gets in the whole plan, per resource."""
    alloc = sol.allocations
    return (alloc[alloc["partner"] == partner].groupby("resource")["amount"].sum(),
            alloc[alloc["recipient"] == recipient].groupby("resource")["amount"].sum())


def _contribution(sol, ex: PairExplanation, d: int, r: int) -> tuple[dict, list]:
    """What the pairing contributes, and the capacities it uses up."""
    inst = sol.instance
    a, K = inst.arrays, list(inst.resources)
    P = sol.pairings
    rw = P[(P["partner"] == ex.partner) & (P["recipient"] == ex.recipient)].iloc[0]
    rec = sol.recipients.set_index("recipient").loc[ex.recipient]
    t = list(inst.types).index(ex.chosen)
    amounts = {k: float(rw[k]) for k in K}
    contrib = {
        "type": ex.chosen, "resources": amounts, "value": float(rw["value"]),
        "gain": float(rw["gain"]), "capacity": float(rw["capacity"]),
        "setup": float(rw["setup"]),
        "share_of_recipient_gain": float(rw["gain"] / rec["gain"]) if rec["gain"] else None,
        "u_added": float(rw["gain"] / (a["pop"][r] * a["target"][r])),
        "share_of_partner_supply": {k: (amounts[k] / a["supply"][d, i]
                                        if a["supply"][d, i] > 0 else None)
                                    for i, k in enumerate(K)},
    }
    sent, got = _flows(sol, ex.partner, ex.recipient)
    pn, rn = ex.partner_name, ex.recipient_name
    binding = []
    for i, k in enumerate(K):
        if amounts[k] <= 0:
            continue
        if a["supply"][d, i] > 0 and _at(float(sent.get(k, 0.0)), a["supply"][d, i]):
            binding.append(f"{pn}'s supply of {k} is used up ({_fmt(a['supply'][d, i])}, "
                           f"{_fmt(amounts[k])} of it here)")
        if _at(float(got.get(k, 0.0)), a["absorb"][r, i]):
            binding.append(f"{rn} can absorb no more {k} (it gets all of its "
                           f"{_fmt(a['absorb'][r, i])})")
    ms = float(a["scale_floor"][r, t])
    if ms > 0 and _at(contrib["value"], ms):
        binding.append(f"the pairing is at the smallest scale of a {ex.chosen} pairing "
                       f"(value {_fmt(ms)}: {scale_source(inst, r, t)})")
    return contrib, binding


def _rules_at_bound(sol, ex: PairExplanation, d: int, r: int) -> list[str]:
    """The rules around the pair that hold at their bound (for a pair not paired, the
    capacities its neighbours use up too)."""
    inst = sol.instance
    a, K, P = inst.arrays, list(inst.resources), sol.pairings
    pn, rn, chosen = ex.partner_name, ex.recipient_name, ex.chosen
    binding = []
    if chosen is None:
        sent, got = _flows(sol, ex.partner, ex.recipient)
        for i, k in enumerate(K):
            if a["supply"][d, i] > 0 and _at(float(sent.get(k, 0.0)), a["supply"][d, i]):
                binding.append(f"{pn}'s supply of {k} is used up by its other pairings")
            if a["absorb"][r, i] > 0 and _at(float(got.get(k, 0.0)), a["absorb"][r, i]):
                binding.append(f"{rn}'s absorptive capacity for {k} is filled by its other "
                               f"partners")
    n_d, n_r = int((P["partner"] == ex.partner).sum()), int((P["recipient"] == ex.recipient).sum())
    md, mr = a["max_partners_d"][d], a["max_partners_r"][r]
    if np.isfinite(md) and n_d >= md:
        binding.append(f"{pn} pairs with its maximum of {int(md)} recipient"
                       f"{'s' if md != 1 else ''}")
    if np.isfinite(mr) and n_r >= mr:
        binding.append(f"{rn} has its maximum of {int(mr)} partner{'s' if mr != 1 else ''}")
    return binding + _balance_at_bound(sol, ex)


def _balance_at_bound(sol, ex: PairExplanation) -> list[str]:
    """The recipient's balance rules that hold at their bound (or are broken, when soft)."""
    bal = sol.balance
    mine = bal[bal["recipient"] == ex.recipient] if len(bal) else bal
    alpha = sol.instance.params["balance"]["alpha"]
    rn, binding = ex.recipient_name, []
    for b in mine.itertuples(index=False):
        if not _at(b.value, b.bound) and not b.violation > 0:
            continue
        rule = BY_NAME.get(b.rule)
        words = rule.binding(rn, b, alpha, _fmt, ex.chosen is not None) if rule else None
        if words is None:
            continue
        binding.append(words)
        if b.violation > 0:
            binding[-1] += f"; the soft rule is broken by {_fmt(b.violation)}"
    return binding


def _alternatives(sol, ex: PairExplanation, d: int, r: int, names: dict, clock,
                  progress) -> list[Alternative]:
    """Each other eligible type forced on the pair, and the pair forbidden (when paired and
    not fixed): a re-solve of the plan's own problem each."""
    columns = pair_columns(sol.model).get((d, r))
    if not columns:
        return []
    types = [t for t in ex.eligible if t != ex.chosen]
    forbid = ex.chosen is not None and not ex.fixed
    P = sol.pairings
    base_set = dict(zip(zip(P["partner"], P["recipient"]), P["type"]))
    scales = {"objective": float(sol.final_problem.objective @ sol.x),
              "efficiency": sol.efficiency, "equity": sol.equity}
    out = []
    for t, w in pair_alternatives(sol, columns, types, forbid, clock, progress=progress):
        label, kind = (("without this pairing", "forbid") if t is None else
                       (f"as {t}", "type") if ex.chosen else (f"paired as {t}", "force"))
        alt = Alternative(label=label, kind=kind, type=t, status=w.status, loss=w.loss,
                          d_efficiency=w.d_efficiency, d_equity=w.d_equity, scales=scales)
        if w.x is not None:
            P2 = extract_tables(sol.model, w.x)["pairings"]
            alt.changes = _changes(base_set, dict(zip(zip(P2["partner"], P2["recipient"]),
                                                      P2["type"])), names)
        out.append(alt)
    return out


def _sharing(sol, ex: PairExplanation, r: int, clock) -> dict:
    """Why this share (MODEL-v2 B, first round): the level chosen, the partner's required
    return against its credited shares and spillover, the least level that would keep it
    taking part (the rest of the plan as it is), what each lower level would give back to
    the recipient, and (``clock`` not False) a re-solve with the least level forced."""
    P = sol.pairings
    if "share" not in P.columns or sol.partners is None:
        return {}
    row = P[(P["partner"] == ex.partner) & (P["recipient"] == ex.recipient)]
    if not len(row) or not np.isfinite(row["share"].iat[0]):
        return {}
    a = sol.instance.arrays
    level, S = float(row["share"].iat[0]), float(row["credited"].iat[0])
    G = float(row["gain"].iat[0])
    parts = sol.partners
    parts = parts[parts["round"] == 1] if "round" in parts.columns else parts
    me = parts.set_index("partner").loc[ex.partner]
    need = float(me["required"]) - (float(me["return"]) - S)  # what this pairing must credit
    levels = sorted(float(v) for v in a["share_levels"])
    tol = 1e-9 * max(1.0, abs(need))
    least = next((v for v in levels if v * G >= need - tol), None)
    per_u = 1.0 / (a["pop"][r] * a["target"][r])
    lower = [{"level": v, "recipient_gain": (level - v) * G, "u_added": (level - v) * G * per_u,
              "keeps_participation": least is not None and v >= least - 1e-12}
             for v in levels if v < level - 1e-12]
    out = {"level": level, "credited": S, "gain": G, "required": float(me["required"]),
           "return": float(me["return"]), "spillover": float(me["spillover"]),
           "other_return": float(me["return"]) - S, "needed_here": need, "least_level": least,
           "lower": lower, "least_alternative": None}
    if clock is not False and least is not None and least < level - 1e-12:
        out["least_alternative"] = _share_forced(sol, ex, least, clock)
    return out


def _share_forced(sol, ex: PairExplanation, level: float, clock) -> Alternative | None:
    """Re-solve the plan's own problem with the pair's first-round share forced to ``level``."""
    am = sol.model
    cols = am.share_columns[0] if am.share_columns else None
    if cols is None:
        return None
    d = sol.instance.partners.index.get_loc(ex.partner)
    r = sol.instance.recipients.index.get_loc(ex.recipient)
    p = np.flatnonzero((am.pair_d[cols.pairs] == d) & (am.pair_r[cols.pairs] == r))
    if not len(p):
        return None
    j = int(np.flatnonzero(np.isclose(cols.levels, level))[0])
    w = what_if(sol, ([int(cols.W[p[0], j])], [1.0]),
                clock.share(1) if clock is not None else None)
    scales = {"objective": float(sol.final_problem.objective @ sol.x),
              "efficiency": sol.efficiency, "equity": sol.equity}
    return Alternative(label=f"at a share of {level:g}", kind="share", type=None,
                       status=w.status, loss=w.loss, d_efficiency=w.d_efficiency,
                       d_equity=w.d_equity, scales=scales)


def share_sentence(ex: PairExplanation) -> str:
    """The words for why this share (empty when the pairing does not share)."""
    sh = ex.sharing
    if not sh:
        return ""
    pn, rn = ex.partner_name, ex.recipient_name
    s = (f"{pn} is credited a share of {sh['level']:g} of this pairing's gain "
         f"({_fmt(sh['credited'])} of {_fmt(sh['gain'])}). It requires a return of "
         f"{_fmt(sh['required'])} on what it sends and gets {_fmt(sh['return'])} in all "
         f"({_fmt(sh['other_return'])} from its other shares and spillover)")
    least = sh["least_level"]
    if sh["required"] <= 0:
        s += "; it requires no return, so any share would keep it taking part."
    elif least is None:
        s += "; no share level of this pairing alone covers what it requires."
    elif least >= sh["level"] - 1e-12:
        s += (f"; {sh['level']:g} is the least share that keeps it taking part (this pairing "
              f"must credit it {_fmt(max(sh['needed_here'], 0.0))}).")
    else:
        s += (f"; a share of {least:g} would already keep it taking part (this pairing must "
              f"credit it {_fmt(max(sh['needed_here'], 0.0))}).")
    for lo in sh["lower"]:
        s += (f" At {lo['level']:g} {rn} would keep {_fmt(lo['recipient_gain'])} more of the "
              f"gain (its outcome +{100 * lo['u_added']:.3g}% of its target)"
              + ("" if lo["keeps_participation"] else f", but {pn} would not take part") + ".")
    alt = sh.get("least_alternative")
    if alt is not None:
        s += f" Re-solved with the share at {least:g}, {_cost_words(alt)}."
    return s


def _verdict(ex: PairExplanation, listed: tuple | None = None) -> str:
    """The explanation in one paragraph (``listed``: the types the pair's pairs.csv types
    cell allows, None when it allows every type)."""
    pair = ex.pair
    if not ex.allowed:
        return f"{pair} cannot be paired: the instance does not allow it (pairs.csv, allowed)."
    if not ex.eligible:
        ths = [th for th in ex.thresholds if listed is None or th["type"] in listed]
        reqs = "; ".join(f"{th['type']} needs pot >= {th['pot_min']:.2f} and ben >= "
                         f"{th['ben_min']:.2f}" for th in ths)
        if listed is not None:  # the pair's types cell left the other types out
            return (f"{pair} cannot be paired: the other types are not allowed by its pairs.csv "
                    f"types, and with pot {ex.pot:.2f} and ben {ex.ben:.2f} it meets the "
                    f"thresholds of none it allows ({reqs}).")
        return (f"{pair} cannot be paired: with pot {ex.pot:.2f} and ben {ex.ben:.2f} it meets "
                f"no type's thresholds ({reqs}).")
    alts = [a for a in ex.alternatives if a.kind in ("type", "force")]
    forbid = [a for a in ex.alternatives if a.kind == "forbid"]
    if ex.chosen is not None:
        th = next(th for th in ex.thresholds if th["type"] == ex.chosen)
        s = (f"{pair} is recommended as {ex.chosen}: pot {ex.pot:.2f} >= {th['pot_min']:.2f} and "
             f"ben {ex.ben:.2f} >= {th['ben_min']:.2f} make it eligible")
        others = [t for t in ex.eligible if t != ex.chosen]
        if not others:
            s += f", and it is the only eligible type ({', '.join(ex.eligible)})."
        elif alts:
            costs = [f"as {a.type} {_cost_words(a)}" for a in alts]
            s += ", and the plan is best with it: " + "; ".join(costs) + "."
        else:
            s += f"; the other eligible types ({', '.join(others)}) were not re-solved."
        if forbid:
            s += f" Without the pairing {_cost_words(forbid[0])}."
        elif ex.fixed:
            s += " Policy fixed the pairing (it must be kept); only its type was chosen."
        return s
    s = (f"{pair} is a candidate (eligible for {', '.join(ex.eligible)}) but is not in the "
         f"plan")
    if alts:
        s += ": " + "; ".join(f"paired as {a.type} {_cost_words(a)}" for a in alts) + "."
    else:
        s += "."
    return s


def _cost_words(a: Alternative) -> str:
    if a.status == "infeasible":
        return "no plan would satisfy the rules"
    if a.loss is None:
        return f"it was not evaluated ({a.status})"
    if a.loss > 0:
        return (f"the objective would drop by {a.words('objective', a.loss)} (efficiency "
                f"{a.words('efficiency', a.d_efficiency, True)}, equity "
                f"{a.words('equity', a.d_equity, True)})")
    if a.loss == 0:
        return "the objective would be the same (an equally good plan)"
    return (f"the objective would rise by {a.words('objective', -a.loss)} (the plan was not "
            "proven optimal)")
