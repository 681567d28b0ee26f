"""Build the Guangdong 2023 instance (PRD donors -> 12 east/west/north Guangdong cities).

    python instances/guangdong/build.py              # rewrite the CSVs of this folder
    python instances/guangdong/build.py --out DIR    # write them to DIR instead
    python instances/guangdong/build.py --readme     # also re-solve and rewrite README results
                                                     # (the default plan and the roadmap of
                                                     # the rounds variant, rounds.toml)

Inputs: data/stats.csv (GDP, population, calibration facts, each with its source),
data/coords.csv (city coordinates), data/pairings.csv (official pairings by round).
Every number written is covered by a row of provenance.csv (see README.md for the formulas).
"""

from __future__ import annotations

import math
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "_build"))  # the shared builder, not shipped
import _build_common as C  # noqa: E402

PARTNERS = [("GZ", "广州", "Guangzhou"), ("SZ", "深圳", "Shenzhen"), ("FS", "佛山", "Foshan"),
            ("DG", "东莞", "Dongguan"), ("ZH", "珠海", "Zhuhai")]
RECIPIENTS = [("ST", "汕头", "Shantou", "east"), ("SW", "汕尾", "Shanwei", "east"),
              ("CZ", "潮州", "Chaozhou", "east"), ("JY", "揭阳", "Jieyang", "east"),
              ("ZJ", "湛江", "Zhanjiang", "west"), ("MM", "茂名", "Maoming", "west"),
              ("YJ", "阳江", "Yangjiang", "west"), ("SG", "韶关", "Shaoguan", "north"),
              ("HY", "河源", "Heyuan", "north"), ("MZ", "梅州", "Meizhou", "north"),
              ("QY", "清远", "Qingyuan", "north"), ("YF", "云浮", "Yunfu", "north")]
RES = ["funds", "investment", "talent"]

# ---- modelling constants (all documented in README.md and provenance.csv)
PLAN_YEARS = 3            # the 2023-2025 implementation plan
NEED_OVER_SUPPLY = 1.2    # recipients together need 20 % more than the donors can give
ABSORB_OVER_SUPPLY = 1.5  # ... and could absorb 50 % more, spread by economic size
PROD_BASE = {"funds": 1.0, "investment": 0.3, "talent": 2.0}
PROD_EXP = {"funds": 0.5, "investment": 0.5, "talent": -0.5}
D0_KM = 400.0             # distance decay of mutual benefit (about the radius of the province)
BEN_W_DIST, BEN_W_SIZE = 0.7, 0.3
COMP_SCALE = 0.5
POT_2023, POT_EARLIER, POT_EARLIER_LOW, POT_NONE = 1.0, 0.5, 0.3, 0.1
GZ_RECIPIENTS_2023 = 3    # Guangzhou pairs Meizhou, Zhanjiang, Qingyuan in 2023
# trust capital at the start of the 2023 round (MODEL-v2 A), from the real earlier rounds
EARLIER_ROUNDS = ("2013", "2017", "2021")
TRUST_DECAY = 0.5         # the model's default rounds.trust_decay (instance.toml keeps it)
TRUST_GAIN_EARLIER = 0.3  # assumption: every earlier pairing counts as a project (its trust_gain)

VARIANT = "rounds.toml"   # the rounds variant: changes applied with Instance.with_params
ROADMAP_BEGIN, ROADMAP_END = "<!-- roadmap:begin -->", "<!-- roadmap:end -->"

STATS = "data/stats.csv"
COORDS = "data/coords.csv"
PAIRINGS = "data/pairings.csv"


def trust_before_2023(rounds_paired) -> float:
    """Trust at the start of the 2023 round of a pair paired in ``rounds_paired`` (labels):
    MODEL-v2 A's trust[n + 1] = (1 - trust_decay) trust[n] + trust_gain over the earlier
    rounds, from 0 before the first, every earlier pairing counted as a project."""
    trust = 0.0
    for label in EARLIER_ROUNDS:
        trust = (1 - TRUST_DECAY) * trust + (TRUST_GAIN_EARLIER if label in rounds_paired else 0.0)
    return trust


def build(out: Path) -> None:
    prov = C.Provenance()
    stats = C.Stats(HERE / STATS, STATS)
    val, cite, conf = stats.val, stats.cite, stats.conf
    coords = {r["id"]: r for r in C.read_csv(HERE / COORDS)}
    pairings = C.read_csv(HERE / PAIRINGS)

    # ------------------------------------------------------------------ GDP and population
    gdp, pop = {}, {}
    gdp_prov, pop_prov = {}, {}
    for i, *_ in PARTNERS + RECIPIENTS:
        if (i, "gdp") in stats:
            gdp[i] = val(i, "gdp")
            gdp_prov[i] = ("source", cite(i, "gdp"), "", "", conf(i, "gdp"))
        if (i, "population") in stats:
            pop[i] = val(i, "population")
            pop_prov[i] = ("source", cite(i, "population"), "", "", conf(i, "population"))
    # estimates of GDP 2023 where no 2023 figure was found
    gdp["MZ"] = gdp_2022_mz = val("MZ", "gdp_2022") * (1 + val("MZ", "real_growth"))
    gdp_prov["MZ"] = ("estimate", cite("MZ", "gdp_2022") + " | " + cite("MZ", "real_growth"),
                      "GDP2022 * (1 + real growth 2023); ignores the price change",
                      "MZ gdp_2022, MZ real_growth (data/stats.csv)", "low")
    for i in ("CZ", "HY"):
        gdp[i] = val(i, "gdp_2022")
        gdp_prov[i] = ("estimate", cite(i, "gdp_2022"),
                       "2022 GDP carried forward (no 2023 figure found; 2023 growth was below the "
                       "provincial 4.8 %)", f"{i} gdp_2022 (data/stats.csv)", "low")
    gdp["JY"] = val("JY", "gdp_lower_bound")
    gdp_prov["JY"] = ("estimate", cite("JY", "gdp_lower_bound"),
                      "the published lower bound ('突破2400亿元')", "JY gdp_lower_bound", "low")
    # population estimates
    for i, var, how in (("ST", "population_2022", "2022 year-end value carried forward"),
                        ("SW", "population_2020_approx", "approximate 2020 census value"),
                        ("MZ", "population_2022", "2022 year-end value carried forward"),
                        ("SG", "population_2024", "2024 year-end value used for 2023")):
        pop[i] = val(i, var)
        pop_prov[i] = ("estimate", cite(i, var), how, f"{i} {var} (data/stats.csv)",
                       "low" if conf(i, var) == "low" else "medium")
    pop["SZ"] = val("SZ", "population_avg_implied")
    pop_prov["SZ"] = ("source", cite("SZ", "population_avg_implied"), "", "", "medium")
    # Shaoguan and Qingyuan GDP: the 12 non-PRD cities together = province - PRD; the residual
    # left after the other ten is split between SG and QY in proportion to population.
    non_prd = val("GD", "gdp") - val("PRD", "gdp")
    known = sum(gdp[i] for i, *_ in RECIPIENTS if i not in ("SG", "QY"))
    resid = non_prd - known
    for i in ("SG", "QY"):
        gdp[i] = resid * pop[i] / (pop["SG"] + pop["QY"])
        gdp_prov[i] = ("estimate", cite("GD", "gdp") + " | " + cite("PRD", "gdp"),
                       "(GD GDP - PRD GDP - GDP of the other 10 recipients) * pop[i] / "
                       "(pop[SG] + pop[QY])",
                       "GD gdp, PRD gdp (data/stats.csv); gdp_2023 of the other recipients "
                       "(this file); population of SG, QY (this file)", "low")
    for d in gdp:
        gdp[d] = C.rnd(gdp[d], 2)
    for d in pop:
        pop[d] = C.rnd(pop[d], 2)

    # ------------------------------------------------------------------ derived quantities
    target = C.rnd(val("GD", "gdp") / val("GD", "population"), 4)
    y0 = {i: C.rnd(gdp[i] / pop[i], 4) for i in gdp}
    R = [r[0] for r in RECIPIENTS]
    D = [p[0] for p in PARTNERS]
    mean_y0 = sum(y0[r] for r in R) / len(R)
    gap = {r: max(0.0, target - y0[r]) * pop[r] for r in R}
    gdp_D = sum(gdp[d] for d in D)
    funds_rate = PLAN_YEARS * val("GD", "aid_to_guizhou_2022") / val("GD", "gdp_2022")
    inv_ratio = val("EW", "investment_total") / val("EW", "fiscal_aid_total")
    talent_rate = GZ_RECIPIENTS_2023 * val("GZ", "cadres_to_zhanjiang") / 100 / gdp["GZ"]
    supply = {}
    for d in D:
        f = C.rnd(funds_rate * gdp[d], 3)
        supply[d] = {"funds": f, "investment": C.rnd(inv_ratio * f, 3),
                     "talent": C.rnd(talent_rate * gdp[d], 3)}
    tot = {k: sum(supply[d][k] for d in D) for k in RES}
    gap_sum = sum(gap.values())
    gdp_R = sum(gdp[r] for r in R)
    need = {r: {k: C.rnd(NEED_OVER_SUPPLY * tot[k] * gap[r] / gap_sum, 3) for k in RES} for r in R}
    absorb = {r: {k: C.rnd(ABSORB_OVER_SUPPLY * tot[k] * gdp[r] / gdp_R, 3) for k in RES}
              for r in R}
    prod = {r: {k: C.rnd(PROD_BASE[k] * (y0[r] / mean_y0) ** PROD_EXP[k], 4) for k in RES}
            for r in R}
    share = {d: gdp[d] / gdp_D for d in D}
    max_p = {d: max(1, math.ceil(len(R) * share[d])) for d in D}

    # ------------------------------------------------------------------ partners.csv
    head = ["id", "name", "name_zh", "lat", "lon", "gdp_2023", "population", "gdp_per_capita",
            "max_partners", *[f"supply.{k}" for k in RES]]
    rows = []
    for d, zh, en in PARTNERS:
        c = coords[d]
        rows.append([d, f"{zh} {en}", f"{zh}市", c["lat"], c["lon"], C.fmt(gdp[d], 2),
                     C.fmt(pop[d], 2), C.fmt(y0[d], 4), str(max_p[d]),
                     *[C.fmt(supply[d][k], 3) for k in RES]])
    C.write_csv(out / "partners.csv", head, rows)
    F = "partners.csv"
    for col in ("lat", "lon"):
        prov.add(F, "*", col, "source", f"{COORDS}: " + coords["GZ"]["source"], "", "", "medium")
    for d in D:
        prov.add(F, d, "gdp_2023", *gdp_prov[d])
        prov.add(F, d, "population", *pop_prov[d])
    prov.add(F, "*", "gdp_per_capita", "derivation", "", "gdp_2023 / population",
             "gdp_2023, population (this file)", "low")
    prov.add(F, "*", "max_partners", "derivation", "",
             f"ceil({len(R)} * gdp_2023[d] / sum of partner gdp_2023), at least 1 (capacity to run "
             "pairings grows with economic size)", "gdp_2023 (this file)", "medium")
    prov.add(F, "*", "supply.funds", "derivation", cite("GD", "aid_to_guizhou_2022") + " | " +
             cite("GD", "gdp_2022"),
             f"{PLAN_YEARS} years * (GD East-West fiscal aid 2022 / GD GDP 2022) * gdp_2023[d]: every "
             "donor is assumed to give its own province the same share of GDP per year that "
             "Guangdong gave Guizhou in 2022",
             "GD aid_to_guizhou_2022, GD gdp_2022 (data/stats.csv); gdp_2023 (this file)", "low")
    prov.add(F, "*", "supply.investment", "derivation", cite("EW", "investment_total") + " | " +
             cite("EW", "fiscal_aid_total"),
             "supply.funds[d] * (guided investment / fiscal aid of the national East-West "
             "collaboration 2021-2024): the national ratio of investment to funds is borrowed",
             "EW investment_total, EW fiscal_aid_total (data/stats.csv); supply.funds (this file)",
             "low")
    prov.add(F, "*", "supply.talent", "derivation", cite("GZ", "cadres_to_zhanjiang"),
             f"{GZ_RECIPIENTS_2023} * 129 cadres / 100 * gdp_2023[d] / gdp_2023[GZ]: Guangzhou is "
             "assumed to send as many cadres to each of its 3 recipients as it sent to Zhanjiang; "
             "other donors in proportion to GDP",
             "GZ cadres_to_zhanjiang (data/stats.csv); gdp_2023 (this file)", "low")

    # ------------------------------------------------------------------ recipients.csv
    head = ["id", "name", "name_zh", "zone", "lat", "lon", "gdp_2023", "population", "baseline",
            "target", "min_partners", "max_partners",
            *[f"need.{k}" for k in RES], *[f"absorb.{k}" for k in RES],
            *[f"prod.{k}" for k in RES]]
    rows = []
    for r, zh, en, zone in RECIPIENTS:
        c = coords[r]
        rows.append([r, f"{zh} {en}", f"{zh}市", zone, c["lat"], c["lon"], C.fmt(gdp[r], 2),
                     C.fmt(pop[r], 2), C.fmt(y0[r], 4), C.fmt(target, 4), "1", "2",
                     *[C.fmt(need[r][k], 3) for k in RES], *[C.fmt(absorb[r][k], 3) for k in RES],
                     *[C.fmt(prod[r][k], 4) for k in RES]])
    C.write_csv(out / "recipients.csv", head, rows)
    F = "recipients.csv"
    for col in ("lat", "lon"):
        prov.add(F, "*", col, "source", f"{COORDS}: " + coords["ST"]["source"], "", "", "medium")
    for r in R:
        prov.add(F, r, "gdp_2023", *gdp_prov[r])
        prov.add(F, r, "population", *pop_prov[r])
    prov.add(F, "*", "baseline", "derivation", "",
             "gdp_2023 / population (10k yuan GDP per resident)",
             "gdp_2023, population (this file)", "medium")
    prov.add(F, "*", "target", "derivation", cite("GD", "gdp") + " | " + cite("GD", "population"),
             "Guangdong GDP 2023 / Guangdong year-end population 2023 (provincial average GDP "
             "per person)", "GD gdp, GD population (data/stats.csv)", "medium")
    prov.add(F, "*", "min_partners", "assumption", "",
             "1: every recipient gets at least one partner (opportunity balance)", "", "high")
    prov.add(F, "*", "max_partners", "assumption", "",
             "2: at most two donors per city (the 2023 plan gives each city one lead donor; a "
             "second is allowed so that the optimizer can split large needs)", "", "medium")
    for k in RES:
        prov.add(F, "*", f"need.{k}", "derivation", "",
                 f"{NEED_OVER_SUPPLY} * (sum of partners' supply.{k}) * gap[r] / sum of gaps, "
                 "gap[r] = max(0, target - baseline) * population (GDP needed to reach the "
                 "provincial average)", f"target, baseline, population (this file); supply.{k} "
                 "(partners.csv)", "low")
        prov.add(F, "*", f"absorb.{k}", "derivation", "",
                 f"{ABSORB_OVER_SUPPLY} * (sum of partners' supply.{k}) * gdp_2023[r] / sum of "
                 "recipients' gdp_2023 (absorptive capacity grows with the local economy)",
                 f"gdp_2023 (this file); supply.{k} (partners.csv)", "low")
        e = PROD_EXP[k]
        prov.add(F, "*", f"prod.{k}", "derivation", "",
                 f"{PROD_BASE[k]} * (baseline[r] / mean baseline of the recipients) ^ {e}; base "
                 f"{PROD_BASE[k]} is an assumption (funds: fiscal multiplier 1; investment: value "
                 "added 0.3 per yuan invested over the plan; talent: 100 professionals add 2 "
                 "(100m yuan) of GDP); the exponent makes money more productive in richer cities "
                 "and skilled people more productive in poorer ones",
                 "baseline (this file)", "low")

    # ------------------------------------------------------------------ pairs.csv
    rounds = {}
    for p in pairings:
        rounds.setdefault((p["partner"], p["recipient"]), []).append(p)
    max_gdp_r = max(gdp[r] for r in R)
    head = ["partner", "recipient", "dist_km", "comp", "pot", "ben", "allowed", "rounds", "trust0"]
    rows = []
    F = "pairs.csv"
    for d in D:
        for r in R:
            cd, cr = coords[d], coords[r]
            dist = C.rnd(C.haversine_km(float(cd["lat"]), float(cd["lon"]),
                                        float(cr["lat"]), float(cr["lon"])), 1)
            comp = C.rnd(COMP_SCALE * max(0.0, 1 - y0[r] / y0[d]), 4)
            ben = C.rnd(BEN_W_DIST * math.exp(-dist / D0_KM) + BEN_W_SIZE * gdp[r] / max_gdp_r, 4)
            hist = rounds.get((d, r), [])
            rs = sorted({h["round"] for h in hist})
            now = [h for h in hist if h["round"] == "2023"]
            if now:
                pot = POT_2023
                prov.add(F, f"{d},{r}", "pot", "derivation",
                         " | ".join(h["source"] for h in now),
                         f"{POT_2023}: documented pairing of the 2023 round",
                         "data/pairings.csv rows of round 2023",
                         min((h["confidence"] for h in now), key=["low", "medium", "high"].index))
            elif hist:
                good = [h for h in hist if h["confidence"] != "low"]
                pot = POT_EARLIER if good else POT_EARLIER_LOW
                prov.add(F, f"{d},{r}", "pot", "derivation",
                         " | ".join(h["source"] for h in hist),
                         f"{POT_EARLIER} (or {POT_EARLIER_LOW} if only low-confidence rows): "
                         "pairing of an earlier round (" + ", ".join(rs) + "), not documented "
                         "for 2023", "data/pairings.csv", "medium" if good else "low")
            else:
                pot = POT_NONE
            trust0 = C.rnd(trust_before_2023(rs), 4)
            if trust0 > 0:
                used = [h for h in hist if h["round"] in EARLIER_ROUNDS]
                prov.add(F, f"{d},{r}", "trust0", "derivation",
                         " | ".join(h["source"] for h in used),
                         "paired (as a project, assumed) in " +
                         ", ".join(x for x in EARLIER_ROUNDS if x in rs) + " of the rounds "
                         + ", ".join(EARLIER_ROUNDS) + "; see the column's formula",
                         "data/pairings.csv rows of the earlier rounds", "low")
            rows.append([d, r, C.fmt(dist, 1), C.fmt(comp, 4), C.fmt(pot, 2), C.fmt(ben, 4),
                         "true", ";".join(rs), C.fmt(trust0, 4)])
    C.write_csv(out / "pairs.csv", head, rows)
    prov.add(F, "*", "rounds", "source", "data/pairings.csv (copied from /work/shared/data/pairings_guangdong.csv); each row there has its own citation", "", "", "medium")
    prov.add(F, "*", "trust0", "derivation", "",
             "trust capital at the start of the 2023 round, by the model's own trust dynamics "
             "(MODEL-v2 A) over the real rounds " + ", ".join(EARLIER_ROUNDS) + ": trust = 0 "
             f"before 2013; after each round trust = (1 - {TRUST_DECAY}) * trust + "
             f"{TRUST_GAIN_EARLIER} if the pair is listed in that round of data/pairings.csv "
             "(any level or confidence), else (1 - {0}) * trust. Assumptions: trust_decay "
             "{0} and the project's trust_gain {1} are the model's defaults; every earlier "
             "pairing counts as a project (pairings.csv does not record the type, so this is "
             "the weakest step); a pair not listed in a round counts as not paired, although "
             "the 2017 and 2021 lists are partial: trust0 is a lower bound"
             .format(TRUST_DECAY, TRUST_GAIN_EARLIER),
             "data/pairings.csv rows of rounds " + ", ".join(EARLIER_ROUNDS), "low")
    prov.add(F, "*", "dist_km", "derivation", f"{COORDS}: " + coords["GZ"]["source"],
             "great-circle (haversine) distance between the city coordinates, Earth radius "
             f"{C.EARTH_RADIUS_KM} km", "lat, lon of partner and recipient (partners.csv, "
             "recipients.csv)", "medium")
    prov.add(F, "*", "comp", "derivation", "",
             f"{COMP_SCALE} * max(0, 1 - baseline[r] / gdp_per_capita[d]): complementarity grows "
             "with the gap in income level between donor and recipient",
             "baseline (recipients.csv), gdp_per_capita (partners.csv)", "low")
    prov.add(F, "*", "pot", "derivation", "",
             f"{POT_2023} for a documented 2023 pairing, {POT_EARLIER} for a pairing of an earlier "
             f"round (2013/2017/2021) only, {POT_EARLIER_LOW} if that earlier pairing has only "
             f"low-confidence sources, {POT_NONE} for every other pair (no documented mandate)",
             "data/pairings.csv (copied from /work/shared/data/pairings_guangdong.csv)", "medium")
    prov.add(F, "*", "ben", "derivation", "",
             f"{BEN_W_DIST} * exp(-dist_km / {D0_KM:g}) + {BEN_W_SIZE} * gdp_2023[r] / max "
             "recipient gdp_2023: proximity (cheap relocation, commuting, shared markets) plus the "
             "size of the recipient's market",
             "dist_km (this file), gdp_2023 (recipients.csv)", "low")

    # ------------------------------------------------------------------ instance.toml numbers
    T = "instance.toml"
    prov.add(T, "", "year", "source", "pairings_guangdong.csv round 2023: 《珠三角地区与粤东粤西粤北地区"
             "对口帮扶协作工作实施方案(2023—2025年)》 as described in /work/shared/data/NOTES.md §2",
             "", "", "high")
    prov.add(T, "", "objective.lambda", "assumption", "", "MODEL.md default 0.5: efficiency and "
             "equity weigh the same", "", "medium")
    prov.add(T, "", "objective.beta", "assumption", "", "MODEL.md default 0.25: mean of the 3 "
             "worst-off of 12 cities", "", "medium")
    prov.add(T, "", "balance.alpha", "assumption", "", "MODEL.md default 0.3: every city gets at "
             "least 30 % of its need of each resource", "", "medium")
    prov.add(T, "", "balance.gamma", "assumption", "", "0.2 (MODEL.md default 0.3): at least 20 "
             "% of each city's gain must be lasting capacity. With 0.3 a city could not be served by "
             "project-type pairings (kappa 0.2) alone, and Jieyang, which has no documented 2023 "
             "donor, could then get no plan at all", "", "medium")
    prov.add(T, "", "types.platform.pot_min", "assumption", "",
             "0.3 (MODEL.md default 0): a co-built park needs at least some top-down backing - a "
             "pairing documented in some round; our reading of the paper's typology (weak "
             "political potential -> project type), see NOTES.md §4", "", "low")
    for t, s_, m_ in (("project", 0.05, 0), ("platform", 0.5, 5), ("institutional", 2.0, 20)):
        prov.add(T, "", f"types.{t}.setup", "assumption", "",
                 f"{s_} (100m yuan of GDP-equivalent effort over the plan): small for projects, "
                 "a co-built park needs a management company, a special cooperation zone a "
                 "whole administration", "", "low")
        prov.add(T, "", f"types.{t}.min_scale", "assumption", "",
                 f"{m_} (100m yuan of resources): a platform is a park worth at least 0.5 bn "
                 "yuan, an institutional zone at least 2 bn yuan over the plan", "", "low")
    prov.add(T, "", "resources.funds.value", "assumption", "", "1: the unit is 100m yuan", "",
             "high")
    prov.add(T, "", "resources.investment.value", "assumption", "", "1: the unit is 100m yuan",
             "", "high")
    prov.add(T, "", "resources.talent.value", "assumption", "",
             "0.3 (100m yuan per 100 professionals): 100 people * 3 years * about 0.1m yuan of "
             "cost per person-year", "", "low")
    prov.write(out / "provenance.csv")


# ----------------------------------------------------------------------------- README roadmap

def variant_changes() -> dict:
    """rounds.toml's settings as the dotted paths ``Instance.with_params`` takes."""
    def flat(d, prefix=""):
        out = {}
        for k, v in d.items():
            out.update(flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
        return out
    with open(HERE / VARIANT, "rb") as f:
        return flat(tomllib.load(f))


def roadmap_section() -> str:
    """Markdown of the rounds variant's plan: the ladder of every pair, with its trust."""
    from optimizer import load_instance, solve

    changes = variant_changes()
    sol = solve(load_instance(HERE).with_params(changes), why=False)
    s, road = sol.summary, sol.roadmap
    labels = list(dict.fromkeys(road["round_label"]))
    official = C.official_pairs(HERE / PAIRINGS, "2023")
    one = solve(load_instance(HERE), why=False)
    first_default = {(str(d), str(r)): t for d, r, t in
                     zip(one.pairings["partner"], one.pairings["recipient"], one.pairings["type"])}
    lines = [f"Solver status: **{s['status']}** (the default instance with the changes of "
             f"`{VARIANT}`: " + ", ".join(f"`{k} = {v}`" for k, v in changes.items()) +
             f"). Generated by `python instances/{HERE.name}/build.py --readme`; do not edit by "
             "hand.", ""]
    head = ["partner", "recipient", *labels, "trust at the start of each round", "gain",
            "official 2023", "default plan"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    firsts = {}
    for (d, r), g in road.groupby(["partner", "recipient"], sort=True):
        g = g.sort_values("round")
        steps = [t if t else "-" for t in g["type"]]
        firsts[(str(d), str(r))] = steps[0]
        cells = [str(d), str(r), *steps, " → ".join(C.fmt(t, 3) for t in g["trust"]),
                 C.fmt(g["gain"].sum(), 2), "yes" if (d, r) in official else "no",
                 first_default.get((str(d), str(r)), "-")]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("A type per round (`-`: not paired that round); gain = the pairing's gain over "
                 "all rounds (100m yuan of GDP, undiscounted); default plan = the type in the "
                 "one-round plan above.")
    lines.append("")
    lines.append(f"- efficiency E = {C.fmt(s['efficiency'], 3)} over {len(labels)} rounds "
                 f"(the one-round plan: {C.fmt(one.summary['efficiency'], 3)})")
    lines.append(f"- equity Q ({s['equity_measure']}, after the last round) = "
                 f"{C.fmt(s['equity'], 5)}")
    for n, lab in enumerate(labels, start=1):
        on = road[(road["round"] == n) & (road["type"] != "")]
        lines.append(f"- {lab}: " + ", ".join(f"{t} {int((on['type'] == t).sum())}"
                                              for t in ("project", "platform", "institutional")))
    now = {k for k, t in firsts.items() if t != "-"}
    same = {k for k in now if first_default.get(k) == firsts[k]}
    lines.append("")
    lines.append(f"**The first round ({labels[0]}) against the one-round plan:** "
                 f"{len(now)} pairings ({len(first_default)} in the one-round plan), "
                 f"{len(now & set(first_default))} of them in both, {len(same)} with the same "
                 "type. "
                 f"The trust gate allows a platform in {labels[0]} only where trust0 ≥ "
                 f"{C.fmt(changes.get('types.platform.trust_min', 0), 3)} and an institutional "
                 "pairing only where it is ≥ "
                 f"{C.fmt(changes.get('types.institutional.trust_min', 0), 3)}.")
    return "\n".join(lines)


if __name__ == "__main__":
    C.main(build, HERE, "2023", "2023")
    if "--readme" in sys.argv[1:]:  # C.main has put the checkout on sys.path
        C.update_readme(HERE / "README.md", roadmap_section(), ROADMAP_BEGIN, ROADMAP_END)
