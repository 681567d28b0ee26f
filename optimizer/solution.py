"""Stage 4: read a solver's column values back into the planner's tables.

Tables (pandas DataFrames):

- ``pairings``: one row per pairing chosen: partner, recipient, type, resources per kind, its
  gain and lasting capacity, pot/ben and the eligible types (``typology.py`` adds the reasons);
- ``allocations``: one row per (partner, recipient, resource) that flows;
- ``recipients``: baseline, outcome, normalised outcome, gain, capacity, partners;
- ``balance``: every balance rule row: value, bound, slack, whether soft and its violation;
- ``summary``: the headline numbers (efficiency, equity, payoff table, ...), a
  :class:`~optimizer.summary.Summary`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import clusters, sharing
from .files import atomic_dir
from .methods import Method, get_method
from .model import AllocationModel
from .results import ResultFiles
from .roadmap import add_rounds, quantities
from .rules import BY_NAME
from .summary import Summary
from .i18n import N_, _

ZERO = 1e-9  # flows below this are reported as 0


def best_known(summary: dict, what: str, fmt) -> str:
    """How a summary states the best ``what`` ("efficiency" or "equity") any plan reaches:
    "best possible X" when every stage was proven, else "best found, not proven X" and the
    proven bound when there is one. ``fmt`` formats a number (terminal and report differ)."""
    ideal = ((summary.get("payoff_table") or {}).get("ideal") or {}).get(what)
    if summary.get("status", "optimal") == "optimal":
        return _("best possible {value}").format(value=fmt(ideal))
    bound = (summary.get("bounds") or {}).get(what)
    return _("best found, not proven {value}").format(value=fmt(ideal)) + (
        "" if bound is None else _("; no plan exceeds {value}").format(value=fmt(bound)))


UNPROVEN = N_("unknown (not proven)")
"""(translated where it is said: ``_(UNPROVEN)``)"""


def price_of_fairness_words(summary: dict, pct) -> str:
    """The price of fairness as a planner should read it: ``pct(value)`` when the payoff table
    was proven, else "unknown (not proven)" (it rests on both lexicographic optima, and a limit
    stopped at least one of them). ``pct`` formats a fraction as a percentage."""
    v = summary.get("price_of_fairness")
    if v is None:
        return "-"
    return pct(v) if summary.get("status", "optimal") == "optimal" else _(UNPROVEN)


def efficiency_loss_words(summary: dict, pct) -> str:
    """How much of the best efficiency this plan gives up: ``pct(loss)`` when the payoff table
    was proven; else the range that is proven, from the best plan found (the least loss) to
    the solver's bound on the best efficiency (``bounds``: the most), or "unknown (not
    proven)" without a bound."""
    if summary.get("status", "optimal") == "optimal":
        v = summary.get("efficiency_loss_vs_ideal")
        return "-" if v is None else pct(v)
    E = summary.get("efficiency")
    best = ((summary.get("payoff_table") or {}).get("ideal") or {}).get("efficiency")
    bound = (summary.get("bounds") or {}).get("efficiency")
    if E is None or best is None or bound is None or best <= 0 or bound <= 0:
        return _(UNPROVEN)
    lo, hi = pct(max(0.0, (best - E) / best)), pct(max(0.0, (bound - E) / bound))
    return (_("{value}, proven").format(value=lo) if lo == hi else
            _("between {lo} and {hi} (not proven)").format(lo=lo, hi=hi))


def time_parts(timings: dict) -> list[tuple[str, float]]:
    """The parts of a run's time that add up to its total, as (label, seconds): loading,
    building, passing the model to the solver, start heuristics, the solves, polishing,
    extracting the tables, the why re-solves, and the rest ("other": checks, the summary).
    ``highs_own`` (HiGHS's own clock, inside the solves) is not a part. A summary written
    before the parts were all timed gets its unaccounted time as "other". The labels are in
    the current language."""
    labels = (("load", N_("load")), ("build", N_("build")), ("transfer", N_("transfer")),
              ("heuristics", N_("start heuristics")), ("solve", N_("solve")),
              ("polish", N_("polish")), ("extract", N_("extract")),
              ("explain", N_("why this type")))
    parts = [(_(label), float(timings[k])) for k, label in labels
             if timings.get(k) is not None]
    total = timings.get("total")
    if total is not None:
        other = timings.get("other")
        if other is None:
            other = max(0.0, float(total) - sum(v for _k, v in parts))
        parts.append((_("other"), float(other)))
    return parts


def _clean(v: np.ndarray) -> np.ndarray:
    v = np.where(np.abs(v) < ZERO, 0.0, v)
    return v


def extract_tables(am: AllocationModel, x: np.ndarray) -> dict:
    """The solution tables of a column vector ``x`` of ``am``."""
    inst, a = am.inst, am.inst.arrays
    D, R, K, T = inst.partners.index, inst.recipients.index, list(inst.resources), list(inst.types)
    nR, nK = len(R), len(K)
    xv = _clean(x[am.x.start:am.x.stop])
    zv = x[am.z.start:am.z.stop] > 0.5
    xd, xr, xt, xk = am.x_d, am.x_r, am.x_type, am.x_k
    gain_x = am.gain * xv
    cap_x = a["kappa"][xt] * gain_x

    # pairings: one per chosen z
    zc = np.flatnonzero(zv)
    nZ = len(am.z_pair)
    amt = np.zeros((nZ, nK))
    np.add.at(amt, (am.x_z, xk), xv)
    zg = np.bincount(am.x_z, weights=gain_x, minlength=nZ)
    zcap = np.bincount(am.x_z, weights=cap_x, minlength=nZ)
    pd_, pr_ = am.pair_d[am.z_pair[zc]], am.pair_r[am.z_pair[zc]]
    elig = a["eligible"]
    pairings = pd.DataFrame({
        "partner": D[pd_].astype(str), "partner_name": inst.partners["name"].to_numpy()[pd_],
        "recipient": R[pr_].astype(str), "recipient_name": inst.recipients["name"].to_numpy()[pr_],
        "type": [T[t] for t in am.z_type[zc]],
    })
    for k in range(nK):
        pairings[K[k]] = amt[zc, k]
    pairings["value"] = amt[zc] @ a["value"]
    pairings["gain"] = zg[zc]
    pairings["capacity"] = zcap[zc]
    pairings["setup"] = a["setup"][am.z_type[zc]]
    pairings["pot"] = a["pot"][pd_, pr_]
    pairings["ben"] = a["ben"][pd_, pr_]
    pairings["comp"] = a["comp"][pd_, pr_]
    pairings["fixed"] = a["fixed"][pd_, pr_]
    pairings["eligible_types"] = ["|".join(T[t] for t in np.flatnonzero(elig[d, r]))
                                  for d, r in zip(pd_, pr_)]

    # allocations: long form
    flow = np.flatnonzero(xv > 0)
    allocations = pd.DataFrame({
        "partner": D[xd[flow]].astype(str), "recipient": R[xr[flow]].astype(str),
        "type": [T[t] for t in xt[flow]], "resource": [K[k] for k in xk[flow]],
        "amount": xv[flow], "gain": gain_x[flow],
    })

    # recipients: what the first round gives them (the balance rules measure the same)
    q = quantities(am, x, 0)
    G, C, recv, n_part = q.G, q.C, q.recv, q.n_part
    y = a["y0"] + (G + q.syn - q.S) / a["pop"]
    u = q.u = y / a["target"]
    partner_lists = [[] for _ in range(nR)]
    for d, r in zip(pd_, pr_):
        partner_lists[r].append(str(D[d]))
    recipients = pd.DataFrame({
        "recipient": R.astype(str), "name": inst.recipients["name"].to_numpy(),
        "population": a["pop"], "baseline": a["y0"], "outcome": y, "target": a["target"],
        "u_before": am.u0, "u": u, "share_of_mean": u / u.mean() if u.mean() != 0 else np.nan,
        "gain": G, "capacity": C, "partners": n_part,
        "partner_ids": [";".join(sorted(p)) for p in partner_lists],
    })
    if am.cluster_columns:  # MODEL-v2 C: the clusters' synergy is part of the outcome
        recipients["synergy"] = q.syn
    if am.share_columns:  # MODEL-v2 B: the income credited to partners is not
        recipients["credited"] = q.S
    for k in range(nK):
        recipients[f"received.{K[k]}"] = recv[:, k]
    for k in range(nK):
        recipients[f"need.{K[k]}"] = a["need"][:, k]

    # balance rules: each rule's value and bound in the plan, row by row (the rule registry)
    tables = {"pairings": pairings, "allocations": allocations, "recipients": recipients,
              **mechanism_tables(am, x, pairings, zc)}
    qs = [q]
    if am.rounds > 1:  # MODEL-v2 section A: the roadmap, outcomes after the last round
        tables = add_rounds(tables, am, x)
        qs = tables.pop("quantities")
    tables["balance"] = balance_table(am, x, qs)
    return tables


def mechanism_tables(am: AllocationModel, x: np.ndarray, pairings: pd.DataFrame,
                     zc: np.ndarray) -> dict:
    """MODEL-v2 B and C in the first round's pairings (its share and credited return, its
    synergy gain and formed clusters), and the partners and clusters tables (every round)."""
    out = {}
    pair = am.z_pair[zc]
    if sharing.shown(am):
        level, S = sharing.credited(am, x, 0)
        pairings["share"] = level[pair]
        pairings["credited"] = S[pair]
        out["partners"] = sharing.partner_table(am, x)
    if am.cluster_columns:
        syn = np.bincount(am.x_pair, weights=clusters.flow_synergy(am, x, 0),
                          minlength=len(am.pair_d))
        f = clusters.formed(am, x, 0)
        ids = am.inst.clusters.index
        member = am.inst.arrays["cluster_pair"][am.pair_d[pair], am.pair_r[pair], :] & f
        pairings["synergy"] = syn[pair]
        pairings["clusters"] = [";".join(ids[np.flatnonzero(m)]) for m in member]
        out["clusters"] = clusters.cluster_table(am, x)
    return out


BALANCE_COLUMNS = ["rule", "recipient", "resource", "value", "bound", "slack", "violation",
                   "soft", "penalty", "slack_variable", "row"]


def balance_table(am: AllocationModel, x: np.ndarray, qs: list) -> pd.DataFrame:
    """One row per balance-rule row of the model: its value and bound in the plan ``x`` (from
    the rule's own :meth:`~optimizer.rules.Rule.measure`, with ``qs[n]`` what round ``n``
    measures), slack and, if soft, violation; with rounds, the round of each row."""
    R, lm = am.inst.recipients.index, am.lm
    columns = BALANCE_COLUMNS + (["round"] if am.rounds > 1 else [])
    parts = []
    for name in am.balance_rows:
        blk = lm.row_blocks[name]
        which = blk.data.get("round", np.zeros(len(blk), int))
        soft = name in am.soft
        sl = lm.col_blocks.get(f"slack_{name}")
        for n in np.unique(which):
            sel = np.flatnonzero(which == n)
            rr, res, value, bound = BY_NAME[name].measure(qs[n], blk.data["entity"][sel])
            value, bound = np.asarray(value, float), np.asarray(bound, float)
            parts.append(pd.DataFrame({
                "rule": name, "recipient": np.asarray(R[rr]).astype(str), "resource": res,
                "value": value, "bound": bound, "slack": value - bound,
                "violation": np.maximum(0.0, bound - value) if soft else np.zeros(len(value)),
                "soft": soft, "penalty": am.soft.get(name, np.nan),
                "slack_variable": x[sl.start + sel] if soft else np.zeros(len(value)),
                "row": blk.start + sel, "round": n + 1,
            }))
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def _jsonable(obj):
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


TABLE_FILES = {"pairings": "pairings.csv", "allocations": "allocations.csv",
               "recipients": "recipients.csv", "balance": "balance.csv"}
OPTIONAL_TABLES = ("roadmap", "partners", "clusters")
"""Tables a plan has only with rounds (roadmap), income sharing (partners) or clusters."""

def _from_summary(name: str, doc: str) -> property:
    """A read-only attribute of Solution that is the summary's field ``name``."""
    return property(lambda self: getattr(self.summary, name), doc=doc)


@dataclass
class Solution:
    """The result of :func:`optimizer.solve`: tables, a summary, and what produced them.

    ``summary`` is a :class:`~optimizer.summary.Summary`: typed fields
    (``sol.summary.efficiency``) that also read as the mapping of ``summary.json``
    (``sol.summary["price_of_fairness"]``)."""

    status: str
    summary: Summary
    pairings: pd.DataFrame = field(default_factory=pd.DataFrame)
    allocations: pd.DataFrame = field(default_factory=pd.DataFrame)
    recipients: pd.DataFrame = field(default_factory=pd.DataFrame)
    balance: pd.DataFrame = field(default_factory=pd.DataFrame)
    roadmap: pd.DataFrame | None = None  # plans of several rounds (MODEL-v2 section A)
    partners: pd.DataFrame | None = None  # returns against what partners require (MODEL-v2 B)
    clusters: pd.DataFrame | None = None  # virtual industrial clusters (MODEL-v2 C)
    instance: object = None
    model: AllocationModel | None = None
    x: np.ndarray | None = None
    backend: object = None
    final_problem: object = None
    payoff: object = None
    polish: object = None  # the fixed-binaries LP (duals for sensitivity)
    options: object = None  # the optimizer.options.RunOptions of the run

    def __post_init__(self):
        if not isinstance(self.summary, Summary):  # a plain mapping (e.g. read from a file)
            self.summary = Summary.from_dict(self.summary)

    # ------------------------------------------------------------- headline numbers
    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "time_limit")

    @property
    def proven_optimal(self) -> bool:
        return self.status == "optimal"

    @property
    def method(self) -> Method:
        """The method that made the plan (:mod:`optimizer.methods`)."""
        return get_method(self.instance.params["objective"]["method"])

    efficiency = _from_summary("efficiency", "E of the plan (None without one).")
    equity = _from_summary("equity", "Q of the plan, from its outcomes (None without one).")
    objective = _from_summary("objective", "The method's objective at the plan.")
    mip_gap = _from_summary("mip_gap", "The gap a planner should read (summary.json's).")
    price_of_fairness = _from_summary("price_of_fairness", "From the payoff table.")
    timings = _from_summary("timings", "Seconds per part of the run.")

    @property
    def payoff_table(self) -> pd.DataFrame:
        """The lexicographic payoff table: rows = objective maximised first."""
        pt = self.summary.payoff_table
        if not pt:
            return pd.DataFrame(columns=["efficiency", "equity"])
        return pd.DataFrame([pt["max_efficiency_first"], pt["max_equity_first"]],
                            index=["max efficiency first", "max equity first"])

    def __repr__(self) -> str:
        if not self.has_plan:
            return f"Solution(status={self.status!r})"
        return (f"Solution(status={self.status!r}, efficiency={self.efficiency:.6g}, "
                f"equity={self.equity:.6g}, pairings={len(self.pairings)})")

    # ------------------------------------------------------------- output
    def summary_json(self) -> str:
        return json.dumps(_jsonable(self.summary), indent=2, ensure_ascii=False, sort_keys=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {name: getattr(self, name) for name in TABLE_FILES}
        for name in OPTIONAL_TABLES:
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    def result_tables(self, sensitivity: bool = True) -> dict[str, pd.DataFrame]:
        """The tables of the results folder, by file stem, as :meth:`write` writes them.

        With ``sensitivity`` (and a HiGHS-solvable plan) the Sensitivity Report is among them
        (``sensitivity_constraints``, ``sensitivity_variables``) and ``balance`` gets each
        rule's shadow price; when it cannot be computed the summary says why."""
        tables = self.tables()
        sens = None
        if sensitivity and self.has_plan:
            from .errors import InputError

            try:
                sens = self.sensitivity()
            except InputError as exc:  # e.g. ranging unavailable: the plan is still written
                self.summary.sensitivity = f"not computed: {exc}"
        if sens is not None:
            bal = tables["balance"].copy()
            price = dict(zip(sens.constraints["row"], sens.constraints["shadow_price"]))
            bal["shadow_price"] = [price.get(r, float("nan")) for r in bal["row"]]
            tables["balance"] = bal
            tables.update(sens.tables())
        return tables

    def result_files(self, sensitivity: bool = True) -> ResultFiles:
        """The results folder as data: the summary as ``summary.json`` holds it and
        :meth:`result_tables`. The report and the workbook are built from it, in memory."""
        tables = self.result_tables(sensitivity)
        return ResultFiles(summary=json.loads(self.summary_json()), tables=tables)

    def write(self, out: str | Path, extra=None, sensitivity: bool = True, force: bool = False,
              command: str = "solve") -> Path:
        """Write every table as CSV plus ``summary.json`` into ``out``, atomically.

        ``out`` is checked first (:func:`optimizer.files.check_output`): it may replace only a
        folder regcollab wrote (another command's with ``force``) or an empty one, and never
        the instance or a folder containing it.

        The files are :meth:`result_files` (with ``sensitivity``, the Sensitivity Report
        too). ``extra`` is an optional callable ``f(folder, files)`` that writes more files
        (e.g. a report) into the temporary folder before it is renamed into place; ``files``
        is the :class:`~optimizer.results.ResultFiles` written, so it need not read them back.
        """
        files = self.result_files(sensitivity)
        inst = self.instance
        with atomic_dir(out, command=command, force=force,
                        inputs=[getattr(inst, "path", None)],
                        instance=getattr(inst, "name", None)) as tmp:
            for name, df in files.tables.items():
                df.to_csv(tmp / f"{name}.csv", index=False, float_format="%.10g")
            (tmp / "summary.json").write_text(self.summary_json() + "\n", encoding="utf-8")
            if extra is not None:
                extra(tmp, files)
        return Path(out)


def _sensitivity(self, objective: str = "plan", all_rows: bool = False):
    """Shadow prices and ranging with the pairings fixed (see :mod:`optimizer.sensitivity`)."""
    from .sensitivity import sensitivity

    return sensitivity(self, objective=objective, all_rows=all_rows)


Solution.sensitivity = _sensitivity
