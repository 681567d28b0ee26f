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
from .i18n import N_, _, listing, ngettext, with_lang
from .typology import pair_alternatives, pair_columns, type_name, type_names, type_thresholds
from .typology import what_if



ALTERNATIVE_LABELS = (N_("with the cluster formed"), N_("without the cluster"))
"""Labels of alternatives said as they are (explain_cluster's), translated where shown."""


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

    def said(self) -> str:
        """The label in the current language (``label`` stays as it is in JSON)."""
        if self.label in ALTERNATIVE_LABELS:  # a cluster's
            return _(self.label)
        if self.kind == "forbid":
            return _("without this pairing")
        if self.kind == "type" and self.type is not None:
            return _("as {type}").format(type=type_name(self.type))
        if self.kind == "force" and self.type is not None:
            return _("paired as {type}").format(type=type_name(self.type))
        if self.kind == "share" and self.label.startswith("at a share of "):
            return _("at a share of {level}").format(level=self.label[len("at a share of "):])
        return self.label

    def sentence(self, units: str = "") -> str:
        label = self.said()
        if self.status == "infeasible":
            return _("{label}: no plan would satisfy the rules (and the method's holds)").format(
                label=label)
        if self.loss is None:
            return _("{label}: not evaluated ({status})").format(label=label, status=self.status)
        u = f" {units}" if units else ""
        amount = self.words("objective", abs(self.loss))
        s = (_("{label}: the objective would drop by {amount}") if self.loss > 0 else
             _("{label}: the objective would not change") if self.loss == 0 else
             _("{label}: the objective would rise by {amount}")).format(label=label,
                                                                        amount=amount)
        s += _(" (efficiency {d_efficiency}, equity {d_equity})").format(
            d_efficiency=self.words("efficiency", self.d_efficiency, True) + u,
            d_equity=self.words("equity", self.d_equity, True))
        if self.status != "optimal":
            s += _(" [not proven optimal]")
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


def no_plan(sol) -> str:
    """The error for explaining a solution without a plan, in the current language."""
    msg = sol.summary.get("message")
    return _("there is no plan to explain: {message}").format(
        message=_(msg) if msg else str(msg))


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
            raise InputError(_(_MORE_THAN_ONE[what]).format(token=token, ids=", ".join(hits)))
    some = ", ".join(f"{i} ({n})" for i, n in list(zip(ids, table["name"]))[:12])
    raise InputError(_(_NO_SUCH[what]).format(token=token, some=some)
                     + (" ..." if len(ids) > 12 else ""))


_MORE_THAN_ONE = {"partner": N_("'{token}' names more than one partner: {ids}; use the id"),
                  "recipient": N_("'{token}' names more than one recipient: {ids}; use the id")}
_NO_SUCH = {"partner": N_("there is no partner '{token}'; the partners are {some}"),
            "recipient": N_("there is no recipient '{token}'; the recipients are {some}")}


def parse_pair(inst, text: str) -> tuple[str, str]:
    """``"PARTNER:RECIPIENT"`` (ids or names; ``PARTNER,RECIPIENT`` too) -> (partner id,
    recipient id). An id or name may itself hold ``:``: every place the text can be split is
    tried, and the one reading that names a partner and a recipient is taken (two readings:
    an error saying to use ``--partner`` and ``--recipient``)."""
    cuts = [i for i, ch in enumerate(text) if ch in ":,"]
    if not cuts:
        raise InputError(_("--pair {text}: give it as PARTNER:RECIPIENT, e.g. GZ:QY (or use "
                           "--partner and --recipient)").format(text=text))
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
        ways = _(" or ").join(_("partner {partner} with recipient {recipient}").format(
            partner=d, recipient=r) for d, r in readings)
        raise InputError(_("--pair {text} can be read as {ways}; name them with --partner and "
                           "--recipient").format(text=text, ways=ways))
    raise InputError(_("--pair {text}: {error}").format(text=text, error=first_error.message)) \
        from None


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
            out.append(f"+ {label} ({type_name(b)})")
        elif b is None:
            out.append(f"- {label} ({type_name(a)})")
        else:
            out.append(f"~ {label}: {type_name(a)} -> {type_name(b)}")
    if len(out) > limit:
        out = out[:limit] + [_("... and {n} more").format(n=len(out) - limit)]
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


@with_lang
def explain_pair(sol, partner: str, recipient: str, clock=None, progress=None,
                 resolve: bool = True) -> PairExplanation:
    """Explain the pair (partner id, recipient id) of the solved plan ``sol``.

    ``progress()`` is called after each re-solve; ``resolve=False`` skips the re-solves.
    ``lang`` (``en``, ``zh``; default: the current language): the language of its words.
    """
    if not sol.has_plan:
        raise InputError(no_plan(sol))
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
            binding.append(_("{partner}'s supply of {resource} is used up ({supply}, {here} of "
                             "it here)").format(partner=pn, resource=k,
                                                supply=_fmt(a["supply"][d, i]),
                                                here=_fmt(amounts[k])))
        if _at(float(got.get(k, 0.0)), a["absorb"][r, i]):
            binding.append(_("{recipient} can absorb no more {resource} (it gets all of its "
                             "{absorb})").format(recipient=rn, resource=k,
                                                 absorb=_fmt(a["absorb"][r, i])))
    ms = float(a["scale_floor"][r, t])
    if ms > 0 and _at(contrib["value"], ms):
        binding.append(_("the pairing is at the smallest scale of a {type} pairing (value "
                         "{value}: {source})").format(type=type_name(ex.chosen), value=_fmt(ms),
                                                      source=scale_source(inst, r, t)))
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
                binding.append(_("{partner}'s supply of {resource} is used up by its other "
                                 "pairings").format(partner=pn, resource=k))
            if a["absorb"][r, i] > 0 and _at(float(got.get(k, 0.0)), a["absorb"][r, i]):
                binding.append(_("{recipient}'s absorptive capacity for {resource} is filled "
                                 "by its other partners").format(recipient=rn, resource=k))
    n_d, n_r = int((P["partner"] == ex.partner).sum()), int((P["recipient"] == ex.recipient).sum())
    md, mr = a["max_partners_d"][d], a["max_partners_r"][r]
    if np.isfinite(md) and n_d >= md:
        binding.append(ngettext("{partner} pairs with its maximum of {n} recipient",
                                "{partner} pairs with its maximum of {n} recipients",
                                int(md)).format(partner=pn, n=int(md)))
    if np.isfinite(mr) and n_r >= mr:
        binding.append(ngettext("{recipient} has its maximum of {n} partner",
                                "{recipient} has its maximum of {n} partners",
                                int(mr)).format(recipient=rn, n=int(mr)))
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
            binding[-1] += _("; the soft rule is broken by {amount}").format(
                amount=_fmt(b.violation))
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
    s = _("{partner} is credited a share of {level} of this pairing's gain ({credited} of "
          "{gain}). It requires a return of {required} on what it sends and gets {got} in all "
          "({other} from its other shares and spillover)").format(
        partner=pn, level=f"{sh['level']:g}", credited=_fmt(sh["credited"]),
        gain=_fmt(sh["gain"]), required=_fmt(sh["required"]), got=_fmt(sh["return"]),
        other=_fmt(sh["other_return"]))
    least = sh["least_level"]
    must = _fmt(max(sh["needed_here"], 0.0))
    if sh["required"] <= 0:
        s += _("; it requires no return, so any share would keep it taking part.")
    elif least is None:
        s += _("; no share level of this pairing alone covers what it requires.")
    elif least >= sh["level"] - 1e-12:
        s += _("; {level} is the least share that keeps it taking part (this pairing must "
               "credit it {must}).").format(level=f"{sh['level']:g}", must=must)
    else:
        s += _("; a share of {least} would already keep it taking part (this pairing must "
               "credit it {must}).").format(least=f"{least:g}", must=must)
    for lo in sh["lower"]:
        s += _(" At {level} {recipient} would keep {amount} more of the gain (its outcome "
               "+{pct} of its target)").format(
            level=f"{lo['level']:g}", recipient=rn, amount=_fmt(lo["recipient_gain"]),
            pct=f"{100 * lo['u_added']:.3g}%") + (
            "" if lo["keeps_participation"] else
            _(", but {partner} would not take part").format(partner=pn)) + _(".")
    alt = sh.get("least_alternative")
    if alt is not None:
        s += _(" Re-solved with the share at {least}, {cost}.").format(
            least=f"{least:g}", cost=_cost_words(alt))
    return s


def _verdict(ex: PairExplanation, listed: tuple | None = None) -> str:
    """The explanation in one paragraph (``listed``: the types the pair's pairs.csv types
    cell allows, None when it allows every type)."""
    pair, sep = ex.pair, _("; ")
    if not ex.allowed:
        return _("{pair} cannot be paired: the instance does not allow it (pairs.csv, "
                 "allowed).").format(pair=pair)
    if not ex.eligible:
        ths = [th for th in ex.thresholds if listed is None or th["type"] in listed]
        reqs = sep.join(_("{type} needs pot >= {pot_min} and ben >= {ben_min}").format(
            type=type_name(th["type"]), pot_min=f"{th['pot_min']:.2f}",
            ben_min=f"{th['ben_min']:.2f}") for th in ths)
        if listed is not None:  # the pair's types cell left the other types out
            return _("{pair} cannot be paired: the other types are not allowed by its "
                     "pairs.csv types, and with pot {pot} and ben {ben} it meets the thresholds "
                     "of none it allows ({requirements}).").format(
                pair=pair, pot=f"{ex.pot:.2f}", ben=f"{ex.ben:.2f}", requirements=reqs)
        return _("{pair} cannot be paired: with pot {pot} and ben {ben} it meets no type's "
                 "thresholds ({requirements}).").format(
            pair=pair, pot=f"{ex.pot:.2f}", ben=f"{ex.ben:.2f}", requirements=reqs)
    alts = [a for a in ex.alternatives if a.kind in ("type", "force")]
    forbid = [a for a in ex.alternatives if a.kind == "forbid"]
    if ex.chosen is not None:
        th = next(th for th in ex.thresholds if th["type"] == ex.chosen)
        s = _("{pair} is recommended as {type}: pot {pot} >= {pot_min} and ben {ben} >= "
              "{ben_min} make it eligible").format(
            pair=pair, type=type_name(ex.chosen), pot=f"{ex.pot:.2f}",
            pot_min=f"{th['pot_min']:.2f}", ben=f"{ex.ben:.2f}", ben_min=f"{th['ben_min']:.2f}")
        others = [t for t in ex.eligible if t != ex.chosen]
        if not others:
            s += _(", and it is the only eligible type ({types}).").format(
                types=listing(type_names(ex.eligible)))
        elif alts:
            costs = [_("as {type} {cost}").format(type=type_name(a.type), cost=_cost_words(a))
                     for a in alts]
            s += _(", and the plan is best with it: {costs}.").format(costs=sep.join(costs))
        else:
            s += _("; the other eligible types ({types}) were not re-solved.").format(
                types=listing(type_names(others)))
        if forbid:
            s += _(" Without the pairing {cost}.").format(cost=_cost_words(forbid[0]))
        elif ex.fixed:
            s += _(" Policy fixed the pairing (it must be kept); only its type was chosen.")
        return s
    s = _("{pair} is a candidate (eligible for {types}) but is not in the plan").format(
        pair=pair, types=listing(type_names(ex.eligible)))
    if alts:
        s += _(": {costs}.").format(costs=sep.join(
            _("paired as {type} {cost}").format(type=type_name(a.type), cost=_cost_words(a))
            for a in alts))
    else:
        s += _(".")
    return s


def _cost_words(a: Alternative) -> str:
    if a.status == "infeasible":
        return _("no plan would satisfy the rules")
    if a.loss is None:
        return _("it was not evaluated ({status})").format(status=a.status)
    if a.loss > 0:
        return _("the objective would drop by {amount} (efficiency {d_efficiency}, equity "
                 "{d_equity})").format(amount=a.words("objective", a.loss),
                                       d_efficiency=a.words("efficiency", a.d_efficiency, True),
                                       d_equity=a.words("equity", a.d_equity, True))
    if a.loss == 0:
        return _("the objective would be the same (an equally good plan)")
    return _("the objective would rise by {amount} (the plan was not proven optimal)").format(
        amount=a.words("objective", -a.loss))
