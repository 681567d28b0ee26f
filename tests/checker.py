"""An independent checker: recompute every rule of MODEL.md from the solution tables alone.

It reads only the instance's tables and parameters (not the model's arrays or index maps) and
the solution's ``pairings``, ``allocations``, ``recipients``, ``balance`` and ``summary``.
Every test that solves something calls :func:`check_solution`; a plan of several rounds
(MODEL-v2 section A) is checked by :func:`check_rounds` from its roadmap.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

TOL = 1e-6


def close(a: float, b: float, tol: float = TOL) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def tail_mean(u: np.ndarray, beta: float) -> float:
    """Ogryczak's tail beta-mean as CVaR's dual (Rockafellar-Uryasev): the maximum over eta of
    eta - sum(max(0, eta - u_i)) / (beta n). The function of eta is concave and piecewise
    linear with its kinks at the u_i, so the maximum is at one of them. A formula of its own,
    independent of the package's (sorting and weights)."""
    u = np.asarray(u, float)
    k = beta * len(u)
    return float(max(eta - np.maximum(0.0, eta - u).sum() / k for eta in u))


def _approx(v, abs_tol, rel_tol=0.0):
    import pytest

    return pytest.approx(v, abs=abs_tol, rel=rel_tol)


def check_rounds(sol, tol=1e-6):
    """Every rule of MODEL-v2 section A, from the solution's tables and instance alone."""
    inst, road = sol.instance, sol.roadmap
    a, st = inst.arrays, inst.params["rounds"]
    T, D, R = list(inst.types), list(inst.partners.index), list(inst.recipients.index)
    N = st["count"]
    keep = 1 - st["trust_decay"]
    gain_t = dict(zip(T, a["trust_gain"]))
    min_t = dict(zip(T, a["trust_min"]))
    listed = {}  # pairs.csv types: the only types a pair may take in any round
    if "types" in inst.pairs:
        listed = {k: v.split(";") for k, v in inst.pairs["types"].items()
                  if isinstance(v, str) and v}
    for (d, r), g in road.groupby(["partner", "recipient"]):
        g = g.sort_values("round")
        assert list(g["round"]) == list(range(1, N + 1))
        trust = a["trust0"][D.index(d), R.index(r)]
        for _, row in g.iterrows():
            assert row["trust"] == _approx(trust, tol)
            if row["type"]:
                assert trust >= min_t[row["type"]] - tol, (d, r, row["round"])
                assert (d, r) not in listed or row["type"] in listed[(d, r)], (d, r, row["type"])
            trust = keep * trust + (gain_t[row["type"]] if row["type"] else 0.0)
    # fixed pairings are paired in the first round
    first = road[(road["round"] == 1) & (road["type"] != "")]
    held = set(zip(first["partner"], first["recipient"]))
    for d, r in zip(*np.nonzero(a["fixed"])):
        assert (D[d], R[r]) in held
    # outcomes after the last round: every round's gain counts (MODEL-v2 B, C: with the
    # synergy, checked by check_mechanism_rounds, and less the credited shares)
    mech = mechanisms_on(sol)
    if mech:
        check_mechanism_rounds(sol)
    G = road.groupby("recipient")["gain"].sum()
    rec = sol.recipients.set_index("recipient")
    if mech:
        if getattr(sol, "partners", None) is not None and "credited" in rec.columns:
            assert rec["credited"].sum() == _approx(sol.partners["credited"].sum(), 1e-6, 1e-7)
        for col, sign in (("synergy", 1.0), ("credited", -1.0)):
            if col in rec.columns:
                G = G.add(sign * rec[col], fill_value=0.0)
    for r in R:
        y = a["y0"][R.index(r)] + G.get(r, 0.0) / a["pop"][R.index(r)]
        assert rec.loc[r, "u"] == _approx(y / a["target"][R.index(r)], 1e-9, 1e-7)
    # efficiency: discounted gains less setup costs less the cost of dropped pairings
    disc = st["discount"] ** (road["round"] - 1)
    setup = road["type"].map(lambda t: a["setup"][T.index(t)] if t else 0.0)
    E = float((disc * (road["gain"] - setup)).sum())
    dropped = 0.0
    for _, g in road.groupby(["partner", "recipient"]):
        on = (g.sort_values("round")["type"] != "").to_numpy()
        dropped += sum(st["discount"] ** n for n in range(N - 1) if on[n] and not on[n + 1])
    E -= st["switch_cost"] * dropped
    if getattr(sol, "clusters", None) is not None:  # MODEL-v2 C: synergy less cluster setups
        ct = sol.clusters
        E += float((st["discount"] ** (ct["round"] - 1)
                    * (ct["synergy_gain"] - ct["setup"] * ct["formed"])).sum())
    assert sol.efficiency == _approx(E, 1e-6, 1e-7)
    # every version 1 rule of the flows in every round, with that round's grown data
    K = list(inst.resources)
    for n in range(N):
        g = road[(road["round"] == n + 1) & (road["type"] != "")]
        gs, gn = (1 + st["supply_growth"]) ** n, (1 + st["need_growth"]) ** n
        for k, name in enumerate(K):
            sent = g.groupby("partner")[name].sum()
            got = g.groupby("recipient")[name].sum()
            for d in D:
                assert sent.get(d, 0.0) <= a["supply"][D.index(d), k] * gs * (1 + tol) + tol
            for r in R:
                i = R.index(r)
                assert got.get(r, 0.0) <= a["absorb"][i, k] * gn * (1 + tol) + tol
                if "access_floor" not in inst.params["balance"]["soft"]:
                    floor = inst.params["balance"]["alpha"] * a["need"][i, k] * gn
                    assert got.get(r, 0.0) >= floor * (1 - tol) - tol, (n, r, name)
        for side, ids, span in (("partner", D, a["max_partners_d"]),
                                ("recipient", R, a["max_partners_r"])):
            counts = g[side].value_counts()
            for x in ids:
                assert counts.get(x, 0) <= span[ids.index(x)], (n, x)
    # equity on the outcomes after the last round (or their mean over the rounds)
    if st["equity_at"] == "final":
        obj = inst.params["objective"]
        u = rec.loc[R, "u"].to_numpy(float)
        Q = tail_mean(u, obj["beta"]) if obj["equity"] == "tail" else float(u.min())
        assert sol.equity == _approx(Q, 1e-9, 1e-7)


def check_solution(sol, tol: float = TOL) -> list[str]:
    """Return nothing, or raise AssertionError listing every violated rule (a plan of several
    rounds: :func:`check_rounds`)."""
    if getattr(sol, "roadmap", None) is not None:
        check_rounds(sol)
        return []
    inst = sol.instance
    params = inst.params
    types = params["types"]
    K = list(inst.resources)
    P, R = inst.partners, inst.recipients
    problems: list[str] = []

    def bad(msg):
        problems.append(msg)

    def leq(a, b, what):  # a <= b within a relative tolerance
        if a > b + tol * max(1.0, abs(b)):
            bad(f"{what}: {a} > {b}")

    pairings, alloc = sol.pairings, sol.allocations
    # MODEL-v2 B and C (income sharing, clusters): checked on their own; what they change in
    # the version 1 rules (outcomes, efficiency, the platform's ben_min) comes back
    mech = check_mechanisms(sol, tol) if mechanisms_on(sol) else None
    # ---- one type per pair, each pairing eligible
    keys = list(zip(pairings["partner"], pairings["recipient"]))
    if len(set(keys)) != len(keys):
        bad("a pair has more than one type")
    ptype = dict(zip(keys, pairings["type"]))
    pr = params["pairs"]
    explicit = {}
    if len(inst.pairs):
        for (d, r), row in inst.pairs.iterrows():
            explicit[(str(d), str(r))] = row
    for (d, r), t in ptype.items():
        row = explicit.get((d, r))
        pot = row["pot"] if row is not None else pr["pot"]
        ben = row["ben"] if row is not None else pr["ben"]
        allowed = bool(row["allowed"]) if row is not None else bool(pr["allowed"])
        if not allowed:
            bad(f"pairing {d}-{r} is not allowed")
        listed = row.get("types") if row is not None else None  # pairs.csv types: "a;b"
        if isinstance(listed, str) and listed.strip() and t not in [
                v.strip() for v in listed.split(";")]:
            bad(f"pairing {d}-{r} takes {t}, which its types ({listed}) do not allow")
        waived = mech is not None and t == "platform" and (d, r) in mech["waived"]
        if pot < types[t]["pot_min"] - 1e-12 or (ben < types[t]["ben_min"] - 1e-12
                                                 and not waived):
            bad(f"pairing {d}-{r} takes {t} without pot {pot} >= {types[t]['pot_min']} "
                f"and ben {ben} >= {types[t]['ben_min']}")
    for (d, r), row in explicit.items():
        if bool(row["fixed"]) and (d, r) not in ptype:
            bad(f"fixed pair {d}-{r} is not in the plan")

    # ---- flows only on pairings, with the pairing's type, non-negative
    for row in alloc.itertuples(index=False):
        key = (row.partner, row.recipient)
        if key not in ptype:
            bad(f"flow {row.amount} on {key}, which is not a pairing")
        elif ptype[key] != row.type:
            bad(f"flow on {key} has type {row.type} but the pairing is {ptype[key]}")
        if row.amount < -tol:
            bad(f"negative flow {row.amount} on {key}")

    # ---- supply and absorb
    sent = alloc.groupby(["partner", "resource"])["amount"].sum()
    for (d, k), v in sent.items():
        leq(v, P.loc[d, f"supply.{k}"], f"supply[{d},{k}]")
    got = alloc.groupby(["recipient", "resource"])["amount"].sum()
    for (r, k), v in got.items():
        leq(v, R.loc[r, f"absorb.{k}"], f"absorb[{r},{k}]")

    # ---- gains recomputed from the data
    comp = {key: (row["comp"] if key in explicit else pr["comp"])
            for key, row in ((k_, explicit.get(k_)) for k_ in ptype)}
    gain = np.zeros(len(R))
    capacity = np.zeros(len(R))
    value = {k: params["resources"][k]["value"] for k in K}
    pair_value = {key: 0.0 for key in ptype}
    for row in alloc.itertuples(index=False):
        r = R.index.get_loc(row.recipient)
        a = R.loc[row.recipient, f"prod.{row.resource}"] * (1 + comp[(row.partner, row.recipient)]) \
            * types[row.type]["mult"]
        gain[r] += a * row.amount
        capacity[r] += types[row.type]["kappa"] * a * row.amount
        pair_value[(row.partner, row.recipient)] += value[row.resource] * row.amount

    # ---- scale and spans
    # MODEL.md 1.1: the floor is min_scale or pair_floor x the recipient's total need in value
    pair_floor = params["balance"].get("pair_floor", 0.0)
    for key, t in ptype.items():
        need_value = sum(value[k] * float(R.loc[key[1], f"need.{k}"]) for k in K)
        floor = max(types[t]["min_scale"], pair_floor * need_value)
        if pair_value[key] < floor - tol * max(1.0, floor):
            bad(f"scale of {key}: {pair_value[key]} < {floor}")
    n_d = pairings.groupby("partner").size()
    for d, n in n_d.items():
        leq(n, P.loc[d, "max_partners"], f"max_partners[{d}]")
    n_r = pairings.groupby("recipient").size().reindex(R.index.astype(str), fill_value=0)
    for r, n in n_r.items():
        leq(n, R.loc[r, "max_partners"], f"max_partners_r[{r}]")

    # ---- balance rules (a soft rule may be broken only by its reported violation)
    bal = params["balance"]
    soft = bal["soft"]
    violations = {}
    if len(sol.balance):
        for row in sol.balance.itertuples(index=False):
            violations[(row.rule, row.recipient, row.resource or "")] = row.violation

    def rule(name, r, res, lhs, rhs):
        short = max(0.0, rhs - lhs)
        if name in soft:
            rep = violations.get((name, r, res), 0.0)
            if not close(rep, short, tol) and abs(rep - short) > tol:
                bad(f"{name}[{r},{res}] violation reported {rep}, actual {short}")
        elif short > tol * max(1.0, abs(rhs)):
            bad(f"{name}[{r},{res}]: {lhs} < {rhs}")

    own = gain if mech is None else gain + mech["synergy"] - mech["credited"]
    y = R["baseline"].to_numpy(float) + own / R["population"].to_numpy(float)
    u = y / R["target"].to_numpy(float)
    for i, r in enumerate(R.index):
        rule("coverage", r, "", n_r[r], R.loc[r, "min_partners"])
        for k in K:
            rule("access_floor", r, k, got.get((r, k), 0.0), bal["alpha"] * R.loc[r, f"need.{k}"])
        if bal["gamma"] > 0:
            rule("capacity", r, "", capacity[i], bal["gamma"] * gain[i])
        if bal["theta"] is not None:
            rule("outcome_floor", r, "", u[i], bal["theta"])
        if bal["rho"] is not None:
            rule("outcome_spread", r, "", u[i], bal["rho"] * u.mean())

    # ---- objectives and the recipients table agree with the recomputation
    setup = sum(types[t]["setup"] for t in ptype.values())
    E = gain.sum() - setup
    if mech is not None:
        E += mech["synergy"].sum() - mech["cluster_setup"]
    obj = params["objective"]
    Q = tail_mean(u, obj["beta"]) if obj["equity"] == "tail" else float(u.min())
    s = sol.summary
    if not close(E, s["efficiency"], tol):
        bad(f"efficiency recomputed {E} != reported {s['efficiency']}")
    if not close(Q, s["equity"], tol):
        bad(f"equity recomputed {Q} != reported {s['equity']}")
    rec = sol.recipients.set_index("recipient")
    for i, r in enumerate(R.index):
        if not close(rec.loc[r, "u"], u[i], tol):
            bad(f"u[{r}] reported {rec.loc[r, 'u']} != {u[i]}")
        if not close(rec.loc[r, "gain"], gain[i], tol):
            bad(f"gain[{r}] reported {rec.loc[r, 'gain']} != {gain[i]}")
    pt = s.get("payoff_table")
    if pt:
        ide, nad = pt["ideal"], pt["nadir"]
        if E > ide["efficiency"] + tol * max(1, abs(ide["efficiency"])) and not soft:
            bad(f"efficiency {E} above the ideal {ide['efficiency']}")
        if Q > ide["equity"] + tol * max(1, abs(ide["equity"])) and not soft:
            bad(f"equity {Q} above the ideal {ide['equity']}")
        pof = s.get("price_of_fairness")
        if pof is not None and ide["efficiency"]:
            if not close(pof, (ide["efficiency"] - nad["efficiency"]) / ide["efficiency"], tol):
                bad("price of fairness does not match the payoff table")
    if problems:
        raise AssertionError("solution violates the model:\n  " + "\n  ".join(problems))
    return problems


def assert_plan(sol):
    """A solution with a plan that passes the checker."""
    assert sol.has_plan, sol.summary.get("message")
    check_solution(sol)
    return sol


def frame_of(sol) -> pd.DataFrame:
    return sol.pairings


# ---------------------------------------------------------------- MODEL-v2 sections B and C
CLUSTER_TYPES = ("platform", "institutional")
"""The types whose pairings link a cluster and whose flows gain its synergy (MODEL-v2 C)."""


def _pair_value(inst, d: str, r: str, field: str):
    """A pair's ``field`` (comp, pot, ben, allowed, fixed) from the pairs table or the default."""
    if len(inst.pairs) and (d, r) in inst.pairs.index:
        return inst.pairs.loc[(d, r), field]
    return inst.params["pairs"][field]


def _flow_gain(inst, partner: str, recipient: str, resource: str, typ: str, amount: float):
    """a[d,r,k,t] x recomputed from the data (MODEL.md)."""
    comp = float(_pair_value(inst, partner, recipient, "comp"))
    return float(inst.recipients.loc[recipient, f"prod.{resource}"]) * (1 + comp) \
        * inst.params["types"][typ]["mult"] * amount


def _members(inst) -> dict:
    """cluster id -> (set of partners, set of recipients, setup, synergy, min_links)."""
    cl = inst.clusters
    if cl is None or not len(cl):
        return {}
    return {str(g): ({str(v) for v in row["partners"]}, {str(v) for v in row["recipients"]},
                     float(row["setup"]), float(row["synergy"]), float(row["min_links"]))
            for g, row in cl.iterrows()}


def mechanisms_on(sol) -> bool:
    """Whether the solution's tables carry MODEL-v2 B or C (share or synergy columns)."""
    cols = set(sol.pairings.columns)
    return bool({"share", "credited", "synergy"} & cols) or \
        getattr(sol, "partners", None) is not None or getattr(sol, "clusters", None) is not None


def check_mechanisms(sol, tol: float = TOL) -> dict:
    """Every rule of MODEL-v2 sections B (income sharing) and C (virtual clusters) of a plan of
    one round, recomputed from the instance and the solution's ``pairings``, ``allocations``,
    ``partners``, ``clusters``, ``recipients`` and ``summary``. Raises AssertionError listing
    every violated rule; returns what the version 1 checks need to add: per recipient its
    credited shares and synergy, the formed clusters' setup, and the pairs a formed cluster
    makes eligible for the platform type."""
    inst, params = sol.instance, sol.instance.params
    if getattr(sol, "roadmap", None) is not None:
        return check_mechanism_rounds(sol, tol)
    types, K = params["types"], list(inst.resources)
    R = inst.recipients
    problems: list[str] = []
    bad = problems.append
    pairings, alloc = sol.pairings, sol.allocations
    sharing = params["sharing"]
    levels = list(sharing["levels"])
    stypes = set(sharing["types"])
    rmin = {k: params["resources"][k].get("return_min", 0.0) for k in K}
    value = {k: params["resources"][k]["value"] for k in K}
    members = _members(inst)
    soft = params["balance"]["soft"]

    # ---- nothing new without the settings
    shown = bool(levels) or any(v > 0 for v in rmin.values())
    if shown != (getattr(sol, "partners", None) is not None):
        bad(f"partners table {'missing' if shown else 'present'} with levels {levels}, "
            f"return_min {rmin}")
    if bool(members) != (getattr(sol, "clusters", None) is not None):
        bad("clusters table does not match whether the instance has clusters")
    if not shown:
        for c in ("share", "credited"):
            if c in pairings.columns:
                bad(f"pairings has {c} without sharing")
    if not members:
        for c in ("synergy", "clusters"):
            if c in pairings.columns:
                bad(f"pairings has {c} without clusters")

    # ---- the gains of each pairing recomputed from its flows (without synergy)
    ptype = {(d, r): t for d, r, t in zip(pairings["partner"], pairings["recipient"],
                                          pairings["type"])}
    pgain = {key: 0.0 for key in ptype}
    required = {}
    spill = {}
    for row in alloc.itertuples(index=False):
        g = _flow_gain(inst, row.partner, row.recipient, row.resource, row.type, row.amount)
        if not close(row.gain, g, tol):
            bad(f"allocation gain {row.partner}-{row.recipient} {row.resource}: {row.gain} "
                f"!= {g}")
        pgain[(row.partner, row.recipient)] = pgain.get((row.partner, row.recipient), 0.0) + g
        required[row.partner] = required.get(row.partner, 0.0) \
            + rmin[row.resource] * value[row.resource] * row.amount
        ben = float(_pair_value(inst, row.partner, row.recipient, "ben"))
        spill[row.partner] = spill.get(row.partner, 0.0) + sharing["spillover"] * ben * g

    # ---- B: one level per sharing pairing, from the levels; credited = level x gain
    credited_d, credited_r = {}, np.zeros(len(R))
    by_pair = pairings.set_index(["partner", "recipient"])
    for (d, r), t in ptype.items():
        cred = float(by_pair.loc[(d, r), "credited"]) if "credited" in pairings else 0.0
        if levels and t in stypes:
            share = by_pair.loc[(d, r), "share"]
            if pd.isna(share) or not any(abs(share - lv) <= 1e-9 for lv in levels):
                bad(f"{d}-{r} ({t}) has share {share}, not one of the levels {levels}")
            elif not close(cred, share * pgain[(d, r)], tol):
                bad(f"{d}-{r} credited {cred} != share {share} x gain {pgain[(d, r)]}")
        elif abs(cred) > tol:
            bad(f"{d}-{r} ({t}) is credited {cred} outside the sharing types {sorted(stypes)}")
        credited_d[d] = credited_d.get(d, 0.0) + cred
        credited_r[R.index.get_loc(r)] += cred

    # ---- B: participation of every partner (recomputed), and the partners table agrees
    if shown:
        part = sol.partners.set_index("partner")
        for d in inst.partners.index.astype(str):
            req, spl, cred = required.get(d, 0.0), spill.get(d, 0.0), credited_d.get(d, 0.0)
            for col, v in (("required", req), ("spillover", spl), ("credited", cred),
                           ("return", cred + spl), ("slack", cred + spl - req)):
                if not close(float(part.loc[d, col]), v, tol) and \
                        abs(float(part.loc[d, col]) - v) > tol:
                    bad(f"partners[{d}].{col} reported {part.loc[d, col]}, recomputed {v}")
            if "participation" not in soft and cred + spl < req - tol * max(1.0, req):
                bad(f"participation of {d}: return {cred + spl} < required {req}")

    # ---- C: formed clusters, their links, synergy, and the ben_min waiver
    formed, syn_r, setup_c = set(), np.zeros(len(R)), 0.0
    waived_ok = set()
    if members:
        ct = sol.clusters.set_index("id")
        if sorted(ct.index.astype(str)) != sorted(members):
            bad(f"clusters table ids {list(ct.index)} != {sorted(members)}")
        syn_pair = {key: 0.0 for key in ptype}
        for g, (ds, rs, setup, syn, min_links) in members.items():
            links = sum(1 for (d, r), t in ptype.items()
                        if d in ds and r in rs and t in CLUSTER_TYPES)
            f = bool(ct.loc[g, "formed"])
            if f:
                formed.add(g)
                setup_c += setup
                if links < min_links:
                    bad(f"cluster {g} formed with {links} links < min_links {min_links}")
            if int(ct.loc[g, "links"]) != links:
                bad(f"cluster {g} links reported {ct.loc[g, 'links']}, counted {links}")
            gain_g = 0.0
            for (d, r), t in ptype.items():
                if f and d in ds and r in rs:
                    waived_ok.add((d, r))
                    if t in CLUSTER_TYPES:
                        syn_pair[(d, r)] += syn * pgain[(d, r)]
                        gain_g += syn * pgain[(d, r)]
            for col, v in (("synergy_gain", gain_g), ("setup", setup),
                           ("net", gain_g - (setup if f else 0.0))):
                if not close(float(ct.loc[g, col]), v, tol):
                    bad(f"cluster {g} {col} reported {ct.loc[g, col]}, recomputed {v}")
        for (d, r), t in ptype.items():
            rep = float(by_pair.loc[(d, r), "synergy"])
            if not close(rep, syn_pair[(d, r)], tol):
                bad(f"{d}-{r} ({t}) synergy reported {rep}, recomputed {syn_pair[(d, r)]}")
            syn_r[R.index.get_loc(r)] += syn_pair[(d, r)]
            listed = {g for g in str(by_pair.loc[(d, r), "clusters"] or "").split(";") if g}
            inside = {g for g in formed if d in members[g][0] and r in members[g][1]}
            if listed != inside:
                bad(f"{d}-{r} lists clusters {sorted(listed)}, formed around it {sorted(inside)}")
    # the platform's ben_min is waived only inside a formed cluster
    for (d, r), t in ptype.items():
        ben = float(_pair_value(inst, d, r, "ben"))
        if t == "platform" and ben < types[t]["ben_min"] - 1e-12 and (d, r) not in waived_ok:
            bad(f"{d}-{r} takes platform with ben {ben} < {types[t]['ben_min']} outside a "
                f"formed cluster")

    # ---- recipients' outcomes: baseline + (gain + synergy - credited) / population
    rec = sol.recipients.set_index("recipient")
    gain_r = np.zeros(len(R))
    for (d, r), g in pgain.items():
        gain_r[R.index.get_loc(r)] += g
    for i, r in enumerate(R.index.astype(str)):
        y = R["baseline"].iloc[i] + (gain_r[i] + syn_r[i] - credited_r[i]) / R["population"].iloc[i]
        if not close(float(rec.loc[r, "outcome"]), y, tol):
            bad(f"outcome[{r}] reported {rec.loc[r, 'outcome']}, recomputed {y}")
        for col, v in (("credited", credited_r[i]), ("synergy", syn_r[i])):
            if col in rec.columns and not close(float(rec.loc[r, col]), v, tol):
                bad(f"recipients[{r}].{col} reported {rec.loc[r, col]}, recomputed {v}")
    # ---- efficiency: the whole gain, synergy, less type and cluster setups
    E = sum(pgain.values()) + syn_r.sum() - sum(types[t]["setup"] for t in ptype.values()) \
        - setup_c
    if not close(E, sol.summary["efficiency"], tol):
        bad(f"efficiency recomputed {E} != reported {sol.summary['efficiency']}")
    if problems:
        raise AssertionError("solution violates MODEL-v2 B/C:\n  " + "\n  ".join(problems))
    return {"credited": credited_r, "synergy": syn_r, "cluster_setup": setup_c,
            "waived": waived_ok}


def check_mechanism_rounds(sol, tol: float = TOL) -> dict:
    """MODEL-v2 B and C in a plan of several rounds, from the roadmap: the partners and
    clusters tables have one block per round; participation holds in every round (what a
    partner requires and its spillover recomputed from the round's flows); a cluster is formed
    in a round only with enough links in that round, and its synergy that round is synergy x
    the gain of its members' platform/institutional flows; the platform's ben_min is waived
    only inside a cluster formed that round."""
    inst, params, road = sol.instance, sol.instance.params, sol.roadmap
    N = params["rounds"]["count"]
    K = list(inst.resources)
    sharing = params["sharing"]
    levels = list(sharing["levels"])
    rmin = {k: params["resources"][k].get("return_min", 0.0) for k in K}
    value = {k: params["resources"][k]["value"] for k in K}
    members = _members(inst)
    problems: list[str] = []
    bad = problems.append
    held = road[road["type"] != ""]
    syn_total = {}
    if levels or any(v > 0 for v in rmin.values()):
        part = sol.partners
        D = list(inst.partners.index.astype(str))
        if sorted(part["round"]) != sorted(n for n in range(1, N + 1) for _ in D):
            bad(f"partners table rounds {list(part['round'])}: not one block per round")
        for n in range(1, N + 1):
            g = held[held["round"] == n]
            p_n = part[part["round"] == n].set_index("partner")
            for d in D:
                gd = g[g["partner"] == d]
                req = sum(rmin[k] * value[k] * gd[k].sum() for k in K)
                ben = [float(_pair_value(inst, d, r, "ben")) for r in gd["recipient"]]
                spl = sharing["spillover"] * float(np.dot(ben, gd["gain"])) if len(gd) else 0.0
                sgain = gd.loc[gd["type"].isin(sharing["types"]), "gain"].sum()
                cred = float(p_n.loc[d, "credited"])
                for col, v in (("required", req), ("spillover", spl)):
                    if not close(float(p_n.loc[d, col]), v, tol):
                        bad(f"round {n} partners[{d}].{col} {p_n.loc[d, col]} != {v}")
                if cred > max(levels, default=0.0) * sgain + tol * max(1.0, sgain):
                    bad(f"round {n}: {d} credited {cred} above the top level x {sgain}")
                if "participation" not in params["balance"]["soft"] and \
                        cred + spl < req - tol * max(1.0, req):
                    bad(f"round {n}: participation of {d}: {cred + spl} < {req}")
    if members:
        ct = sol.clusters
        if sorted(ct["round"]) != sorted(n for n in range(1, N + 1) for _ in members):
            bad(f"clusters table rounds {list(ct['round'])}: not one block per round")
        for n in range(1, N + 1):
            g_n = held[held["round"] == n]
            c_n = ct[ct["round"] == n].set_index("id")
            inside = set()
            for gid, (ds, rs, setup, syn, min_links) in members.items():
                m = g_n[g_n["partner"].isin(ds) & g_n["recipient"].isin(rs)]
                typed = m[m["type"].isin(CLUSTER_TYPES)]
                f = bool(c_n.loc[gid, "formed"])
                if f and len(typed) < min_links:
                    bad(f"round {n}: cluster {gid} formed with {len(typed)} < {min_links} links")
                sg = syn * typed["gain"].sum() if f else 0.0
                if not close(float(c_n.loc[gid, "synergy_gain"]), sg, tol):
                    bad(f"round {n}: cluster {gid} synergy {c_n.loc[gid, 'synergy_gain']} "
                        f"!= {sg}")
                if f:
                    inside |= set(zip(m["partner"], m["recipient"]))
                for r, v in zip(typed["recipient"], typed["gain"]):
                    syn_total[r] = syn_total.get(r, 0.0) + (syn * v if f else 0.0)
            bmin = params["types"]["platform"]["ben_min"]
            for d, r in zip(g_n.loc[g_n["type"] == "platform", "partner"],
                            g_n.loc[g_n["type"] == "platform", "recipient"]):
                if float(_pair_value(inst, d, r, "ben")) < bmin - 1e-12 and (d, r) not in inside:
                    bad(f"round {n}: {d}-{r} platform below ben_min outside a formed cluster")
        rec = sol.recipients.set_index("recipient")
        for r in inst.recipients.index.astype(str):
            if not close(float(rec.loc[r, "synergy"]), syn_total.get(r, 0.0), tol):
                bad(f"recipients[{r}].synergy {rec.loc[r, 'synergy']} != {syn_total.get(r, 0.0)}")
    if problems:
        raise AssertionError("plan of rounds violates MODEL-v2 B/C:\n  " + "\n  ".join(problems))
    return {}
