"""Warnings about the data of a valid instance: what the planner should look at before
solving (regions that can never be paired, pairs that can never be chosen, rules that the
data alone already break, coefficients the solver cannot resolve)."""

from __future__ import annotations

import numpy as np

from ..i18n import N_, _, get_language, listing
from ..schema import INF, MAX_COEFFICIENT_SPREAD, MIN_COEFFICIENT, fmt_limit
from .reach import Reach, reach


def grouped(names: list[str], one: str, many: str, show: int = 5, **words) -> list[str]:
    """One warning for one name (``one`` with ``{name}``), one summarising warning for many
    (``many`` with ``{n}`` and ``{names}``); both msgids, ``words`` their other fields."""
    if not names:
        return []
    if len(names) == 1:
        return [_(one).format(name=names[0], **words)]
    listed = listing(names[:show]) + (_(" and {n} more").format(n=len(names) - show)
                                      if len(names) > show else "")
    return [_(many).format(n=len(names), names=listed, **words)]


def _who(table, i) -> str:
    """A region by its id, and its name when it has another one."""
    name = str(table["name"].iat[i]) if "name" in table else ""
    return f"{table.index[i]} ({name})" if name and name != str(table.index[i]) \
        else str(table.index[i])


def threshold_words(inst, types=None) -> str:
    """The thresholds of pot and ben each type (of ``types``, default all) needs, in words."""
    from ..typology import type_name

    return _("; ").join(_("{type} needs pot >= {pot_min} and ben >= {ben_min}").format(
        type=type_name(t), pot_min=f"{p['pot_min']:g}", ben_min=f"{p['ben_min']:g}")
        for t, p in inst.params["types"].items() if types is None or t in types)


def _unreachable(inst, cand: np.ndarray) -> list[str]:
    """Regions and pairs that can take no part in any plan."""
    a, R, D = inst.arrays, inst.recipients, inst.partners
    has_partner = cand.any(axis=0)
    out = grouped([_who(R, r) for r in np.flatnonzero(~has_partner)],
                  *((N_("recipient {name} has no partner that may pair with it (every pair "
                        "is not allowed or below the thresholds of every type its types "
                        "column allows)"),
                     N_("{n} recipients have no partner that may pair with it (every pair is "
                        "not allowed or below the thresholds of every type its types column "
                        "allows): {names}")) if inst.listed_types else
                    (N_("recipient {name} has no partner that may pair with it (every pair is "
                        "not allowed or below every type's thresholds)"),
                     N_("{n} recipients have no partner that may pair with it (every pair is "
                        "not allowed or below every type's thresholds): {names}"))))
    out += grouped([_who(D, d) for d in np.flatnonzero(a["supply"].sum(axis=1) == 0)],
                   N_("partner {name} has no supply of any resource"),
                   N_("{n} partners have no supply of any resource: {names}"))
    out += grouped([_who(R, r) for r in np.flatnonzero((a["prod"] == 0).all(axis=1))],
                   N_("recipient {name} gains nothing from any resource (every prod.* is 0)"),
                   N_("{n} recipients gain nothing from any resource (every prod.* is 0): "
                      "{names}"))
    # pairs listed as allowed that can take no type: they silently drop out of the plan
    if len(inst.pairs):
        di = D.index.get_indexer(inst.pairs.index.get_level_values(0))
        ri = R.index.get_indexer(inst.pairs.index.get_level_values(1))
        dead = a["allowed"][di, ri] & ~cand[di, ri]
        listed = inst.listed_types
        out += grouped([f"{D.index[d]}-{R.index[r]}" for d, r in zip(di[dead], ri[dead])
                        if (d, r) not in listed],
                       N_("the pair {name} is allowed in {where} but below every type's "
                          "thresholds, so it can never be chosen ({thresholds})"),
                       N_("{n} pairs are allowed in {where} but below every type's thresholds, "
                          "so it can never be chosen ({thresholds}): {names}"),
                       where=inst.origin.ref("pairs"), thresholds=threshold_words(inst))
        out += grouped([f"{D.index[d]}-{R.index[r]}" for d, r in zip(di[dead], ri[dead])
                        if (d, r) in listed],
                       N_("the pair {name} is allowed in {where} but below the thresholds of "
                          "every type its types column allows, so it can never be chosen"),
                       N_("{n} pairs are allowed in {where} but below the thresholds of every "
                          "type their types column allows, so they can never be chosen: "
                          "{names}"),
                       where=inst.origin.ref("pairs"))
    # pairs whose partner cannot send the recipient enough to reach the scale rule's floor
    # (the pair floor or min_scale) in any type they may take: never chosen
    cd, cr = np.nonzero(cand)
    carry = np.einsum("pk,k->p", np.minimum(a["supply"][cd], a["absorb"][cr]), a["value"])
    floor = np.where(a["eligible"][cd, cr], a["scale_floor"][cr], np.inf).min(axis=1)
    short = np.flatnonzero((floor > 0) & (carry < floor * (1 - 1e-9)))
    out += grouped([_("{pair} (can carry {carry}, floor {floor})").format(
        pair=f"{D.index[cd[i]]}-{R.index[cr[i]]}", carry=f"{carry[i]:.4g}",
        floor=f"{floor[i]:.4g}") for i in short],
                   N_("the pair {name} is below the scale rule's floor: the partner cannot send "
                      "the recipient resources worth the floor (balance.pair_floor of the "
                      "recipient's total need, or the type's min_scale), so the pair can never "
                      "be chosen"),
                   N_("{n} pairs are below the scale rule's floor: the partner cannot send the "
                      "recipient resources worth the floor (balance.pair_floor of the "
                      "recipient's total need, or the type's min_scale), so the pair can never "
                      "be chosen: {names}"))
    return out


def _rules_broken_by_data(inst, reached: Reach) -> list[str]:
    """Rules that cannot hold, seen from the data alone (the solve would be infeasible)."""
    a, R = inst.arrays, inst.recipients
    cand, reachable = reached.cand, reached.supply
    soft = inst.params["balance"]["soft"]
    has_partner = cand.any(axis=0)
    n_cand = cand.sum(axis=0)
    out = []
    if "coverage" not in soft:
        short = np.flatnonzero(has_partner & (a["min_partners_r"] > n_cand))
        out += [_("recipient {name} must get at least {n} partners but only {k} may pair with "
                  "it (min_partners); no plan can meet that unless the coverage rule is "
                  "soft").format(name=_who(R, r), n=f"{a['min_partners_r'][r]:g}",
                                 k=int(n_cand[r])) for r in short[:5]]
    if "access_floor" not in soft:
        floor = inst.params["balance"]["alpha"] * a["need"]
        can = np.minimum(a["absorb"], reachable)
        tol = 1e-9 * np.maximum(1.0, floor)
        rr, kk = np.nonzero(has_partner[:, None] & (floor > can + tol))
        for r, k in list(zip(rr, kk))[:5]:
            why = (_("it can absorb only {amount}").format(amount=f"{a['absorb'][r, k]:g}")
                   if a["absorb"][r, k] < floor[r, k] else
                   _("the partners that may pair with it can send only {amount}").format(
                       amount=f"{reachable[r, k]:g}"))
            out.append(_("recipient {name}'s access floor for {resource} is {floor} (alpha x "
                         "need) but {why}; no plan can meet it unless the access_floor rule is "
                         "soft (regcollab diagnose explains)").format(
                name=_who(R, r), resource=inst.resources[k], floor=f"{floor[r, k]:g}", why=why))
    return out


def numeric_warnings(inst, coefficients) -> list[str]:
    """Coefficients the solver drops as zero, or spread wider than its tolerances
    (``coefficients``: the least and largest, from :func:`.reach.outcome_coefficients`)."""
    lo, hi = coefficients
    ok = np.isfinite(lo)
    if not ok.any():
        return []
    out = []
    R = inst.recipients
    small = np.where(ok, lo, INF)
    r, k = np.unravel_index(int(np.argmin(small)), small.shape)
    if small[r, k] < MIN_COEFFICIENT:
        out.append(_(
            "one unit of {resource} raises the outcome of {recipient} by only {times} times its "
            "target; the solver treats coefficients below {limit} as zero, so such outcomes (and "
            "equity) would not move: express population or target in larger units (e.g. 10k "
            "people)").format(resource=inst.resources[k], recipient=R.index[r],
                              times=f"{small[r, k]:.3g}", limit=fmt_limit(MIN_COEFFICIENT)))
    with np.errstate(over="ignore", divide="ignore"):
        spread = float(np.max(hi[ok]) / np.min(lo[ok]))  # lo > 0 where ok (prod > 0)
    if spread > MAX_COEFFICIENT_SPREAD:
        out.append(_(
            "the rises of outcomes per unit of resource span a factor of {factor} (prod x (1 + "
            "comp) x mult / (population x target) over recipients and resources), more than the "
            "solver's tolerances allow ({limit}): results may be inaccurate; check the units of "
            "population, target and prod").format(factor=f"{spread:.3g}",
                                                   limit=fmt_limit(MAX_COEFFICIENT_SPREAD)))
    return out


def said_warnings(inst) -> tuple[str, ...]:
    """The warnings of ``inst`` in the current language: ``inst.warnings`` are kept in
    English (they go into summary.json, the same in both languages), and said again in
    another language when asked."""
    if get_language() == "en":
        return tuple(inst.warnings)
    return tuple(collect_warnings(inst))


def collect_warnings(inst, reached: Reach | None = None) -> list[str]:
    """Every warning about the data of ``inst``, in the order a planner reads them
    (``reached``: its :class:`~.reach.Reach`, computed when not given)."""
    reached = reached or reach(inst)
    return (_unreachable(inst, reached.cand) + _rules_broken_by_data(inst, reached)
            + numeric_warnings(inst, reached.coefficients))
