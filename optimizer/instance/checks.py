"""Checks that need the whole validated instance: the size of the model it makes, fixed
pairings that no plan can keep, and numbers that combine into a model no solver takes.

They run after :func:`.tables.validate_tables` on a load, and after every
:meth:`Instance.with_params` (:func:`settle` runs them and collects the data warnings).
Messages are located by the instance's origin and the lines its rows came from.
"""

from __future__ import annotations

import time

import numpy as np

from .. import limits
from ..errors import InstanceError
from ..schema import MAX_COEFFICIENT, MAX_TOTAL_GAIN, fmt_limit
from ..i18n import _, use_language
from .data_warnings import collect_warnings, threshold_words
from .reach import Reach, candidates, reach


def line_of(inst, table: str, i: int) -> str:
    """Row ``i`` of the partners or recipients table as its file (or sheet) numbers it."""
    rows = inst.lines.get(table)
    line = rows[i] if rows and i < len(rows) else None
    df = inst.partners if table == "partners" else inst.recipients
    return inst.origin.row(line, i, _("id {id}").format(id=df.index[i]))


def flow_columns(inst) -> int:
    """Flow columns of the model: eligible (pair, type) x resources that can flow (the
    partner supplies it and the recipient can absorb it), as ``model.py`` makes them."""
    a = inst.arrays
    eligible = a["eligible"]
    n_types = sum(eligible[:, :, t].astype(float) for t in range(eligible.shape[2]))
    supplies, absorbs = (a["supply"] > 0).astype(float), (a["absorb"] > 0).astype(float)
    # over resources k: the eligible types of the pairs whose partner supplies k and whose
    # recipient absorbs it (whole numbers, exact in floats; einsum's own loop, as a threaded
    # BLAS call on such thin matrices is slower on a busy machine)
    return int(round(float(np.einsum("dr,rk,dk->", n_types, absorbs, supplies))))


def check_size(inst) -> None:
    n = flow_columns(inst)
    if n > limits.MAX_FLOW_COLUMNS:
        cells = len(inst.partners) * len(inst.recipients)
        raise InstanceError(
            _("the model would have {n} flow columns (candidate pairs x eligible types x "
              "resources), more than the {limit} regcollab solves (about {memory} of memory); "
              "list only the candidate pairs in {where} with [pairs] allowed = false, or split "
              "the instance").format(
                n=f"{n:,}", limit=f"{limits.MAX_FLOW_COLUMNS:,}",
                memory=limits.gigabytes(limits.memory_estimate(cells, n)),
                where=inst.origin.ref("pairs")), file=inst.origin.file("pairs"))


def _pair_line(inst, key) -> str | None:
    rows = inst.lines.get("pairs")
    if key not in inst.pairs.index:
        return None
    i = inst.pairs.index.get_loc(key)
    return inst.origin.row(rows[i] if i < len(rows) else None, i,
                           _("pair {pair}").format(pair=f"{key[0]}-{key[1]}"))


def check_fixed(inst) -> None:
    """Fixed pairs must be able to take a type, and fit the spans of their regions."""
    a = inst.arrays
    fixed_no_type = a["fixed"] & ~candidates(inst)
    if fixed_no_type.any():
        d, r = (int(v[0]) for v in np.nonzero(fixed_no_type))
        key = (inst.partners.index[d], inst.recipients.index[r])
        listed = inst.listed_types.get((d, r))
        pot, ben = f"{a['pot'][d, r]:g}", f"{a['ben'][d, r]:g}"
        if listed is None:
            why = _("pot {pot} and ben {ben} are below every type's thresholds "
                    "({thresholds})").format(pot=pot, ben=ben, thresholds=threshold_words(inst))
        else:
            why = (_("its types column allows only {types}, and pot {pot} and ben {ben} are "
                     "below its thresholds ({thresholds})") if len(listed) == 1 else
                   _("its types column allows only {types}, and pot {pot} and ben {ben} are "
                     "below their thresholds ({thresholds})")).format(
                types=", ".join(listed), pot=pot, ben=ben,
                thresholds=threshold_words(inst, listed))
        raise InstanceError(
            _("the pair {pair} is fixed but can take no collaboration type: {why}").format(
                pair=f"{key[0]}-{key[1]}", why=why),
            file=inst.origin.file("pairs"), row=_pair_line(inst, key),
            column="fixed")
    # fixed pairings must fit the spans: no plan can keep more than max_partners of them
    for axis, table, col, who in ((1, "partners", "max_partners_d", "partner"),
                                  (0, "recipients", "max_partners_r", "recipient")):
        n_fixed = a["fixed"].sum(axis=axis)
        over = np.flatnonzero(n_fixed > a[col])
        if len(over):
            i = int(over[0])
            ids = getattr(inst, table).index
            keys = [k for k, f in zip(inst.pairs.index, inst.pairs["fixed"])
                    if f and k[0 if who == "partner" else 1] == ids[i]]
            raise InstanceError(
                (_("the partner {id} has {n} fixed pairings ({pairs}) but max_partners is "
                   "{max}: no plan can keep them all") if who == "partner" else
                 _("the recipient {id} has {n} fixed pairings ({pairs}) but max_partners is "
                   "{max}: no plan can keep them all")).format(
                    id=ids[i], n=int(n_fixed[i]), pairs=", ".join(f"{d}-{r}" for d, r in keys),
                    max=f"{a[col][i]:g}"), file=inst.origin.file(table),
                row=line_of(inst, table, i), column="max_partners")


def check_numerics(inst, reached: Reach | None = None) -> None:
    """Values each within its range can still combine into a model no solver takes: one
    unit of a resource raising an outcome by more than MAX_COEFFICIENT times its target,
    an outcome that could reach more than MAX_COEFFICIENT times the target, or gains
    that could add up to more than MAX_TOTAL_GAIN (HiGHS then rejects the model or
    loses itself in round-off, e.g. calls it unbounded)."""
    _cand, r_supply, (_lo, hi) = reached or reach(inst)
    if not np.isfinite(hi).any():
        return
    R, file = inst.recipients, inst.origin.file("recipients")
    hi0 = np.where(np.isfinite(hi), hi, 0.0)
    r, k = np.unravel_index(int(np.argmax(hi0)), hi0.shape)
    K = inst.resources[k]
    units = (f"(prod.{K} {R[f'prod.{K}'].iat[r]:g} x (1 + comp) x mult / (population "
             f"{R['population'].iat[r]:g} x target {R['target'].iat[r]:g}))")
    if hi0[r, k] > MAX_COEFFICIENT:
        raise InstanceError(
            _("one unit of {resource} would raise the outcome of {recipient} by {times} times "
              "its target {formula}; the solver cannot work with coefficients above {limit}: "
              "express population, target or prod.{resource} in other units").format(
                resource=K, recipient=R.index[r], times=f"{hi0[r, k]:.3g}", formula=units,
                limit=fmt_limit(MAX_COEFFICIENT)),
            file=file, row=line_of(inst, "recipients", int(r)), column=f"prod.{K}")
    a = inst.arrays
    reachable = np.minimum(a["absorb"], r_supply)  # (r, k)
    with np.errstate(over="ignore", invalid="ignore"):
        u_max = a["y0"] / a["target"] + (hi0 * reachable).sum(axis=1)
        gain = (hi0 * (a["pop"] * a["target"])[:, None] * reachable).sum()
    r = int(np.argmax(u_max))
    if not u_max[r] <= MAX_COEFFICIENT:
        raise InstanceError(
            _("the outcome of {recipient} could reach {times} times its target (baseline / "
              "target plus what it can absorb times its prod x (1 + comp) x mult / (population "
              "x target)); the solver cannot work with numbers above {limit}: check the units "
              "of population, baseline, target, absorb and prod").format(
                recipient=R.index[r], times=f"{u_max[r]:.3g}", limit=fmt_limit(MAX_COEFFICIENT)),
            file=file, row=line_of(inst, "recipients", r))
    if not gain <= MAX_TOTAL_GAIN:
        raise InstanceError(
            _("the gains of a plan could add up to {gain} (prod x (1 + comp) x mult times what "
              "the recipients can absorb); the solver cannot work with numbers above {limit}: "
              "express prod, supply or absorb in larger units").format(
                gain=f"{gain:.3g}", limit=fmt_limit(MAX_TOTAL_GAIN)), file=file)


def settle(inst, t0: float):
    """``inst`` checked as a whole (size, fixed pairs, numerics), with its data warnings and
    the seconds since ``t0``. Returns it."""
    check_size(inst)
    check_fixed(inst)
    reached = reach(inst)
    check_numerics(inst, reached)
    with use_language("en"):  # summary.json's words: the same in both languages
        object.__setattr__(inst, "warnings", tuple(collect_warnings(inst, reached)))
    object.__setattr__(inst, "load_seconds", time.perf_counter() - t0)
    return inst
