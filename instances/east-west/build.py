"""Build the East-West collaboration 2021 instance (8 eastern -> 10 western provinces).

    python instances/east-west/build.py              # rewrite the CSVs of this folder
    python instances/east-west/build.py --out DIR    # write them to DIR instead
    python instances/east-west/build.py --readme     # also re-solve and rewrite README results

Inputs: data/stats.csv (2023 provincial statistics and the national East-West totals, each with
its source), data/coords.csv (coordinates of the provincial capitals), data/pairings.csv (the
2021 provincial pairs and earlier-round ties). See README.md for the formulas.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "_build"))  # the shared builder, not shipped
import _build_common as C  # noqa: E402

PARTNERS = [("BJ", "北京", "Beijing"), ("TJ", "天津", "Tianjin"), ("SH", "上海", "Shanghai"),
            ("JS", "江苏", "Jiangsu"), ("ZJ", "浙江", "Zhejiang"), ("FJ", "福建", "Fujian"),
            ("SD", "山东", "Shandong"), ("GD", "广东", "Guangdong")]
RECIPIENTS = [("NM", "内蒙古", "Inner Mongolia"), ("GX", "广西", "Guangxi"),
              ("CQ", "重庆", "Chongqing"), ("SC", "四川", "Sichuan"), ("GZ", "贵州", "Guizhou"),
              ("YN", "云南", "Yunnan"), ("SX", "陕西", "Shaanxi"), ("GS", "甘肃", "Gansu"),
              ("QH", "青海", "Qinghai"), ("NX", "宁夏", "Ningxia")]
RES = ["funds", "investment", "labour"]

NEED_OVER_SUPPLY = 1.2
ABSORB_OVER_SUPPLY = 1.5
PROD_BASE = {"funds": 1.0, "investment": 0.3, "labour": 5.0}
PROD_EXP = {"funds": 0.5, "investment": 0.5, "labour": 0.0}
D0_KM = 2000.0            # distance decay of mutual benefit (typical east-west distance)
BEN_W_DIST, BEN_W_SIZE = 0.7, 0.3
COMP_SCALE = 0.5
POT_2021, POT_2021_LOW, POT_EARLIER, POT_NONE = 1.0, 0.5, 0.5, 0.1

STATS = "data/stats.csv"
COORDS = "data/coords.csv"
PAIRINGS = "data/pairings.csv"


def build(out: Path) -> None:
    prov = C.Provenance()
    stats = C.Stats(HERE / STATS, STATS)
    val, cite, conf = stats.val, stats.cite, stats.conf
    coords = {r["id"]: r for r in C.read_csv(HERE / COORDS)}
    pairings = C.read_csv(HERE / PAIRINGS)

    D = [p[0] for p in PARTNERS]
    R = [r[0] for r in RECIPIENTS]
    gdp = {i: val(i, "gdp") for i in D + R}
    rev = {d: val(d, "budget_revenue") for d in D}
    # recipients: population = GDP / GDP per capita (average population of 2023)
    pop = {r: C.rnd(val(r, "gdp") * 1e4 / val(r, "gdp_per_capita"), 2) for r in R}
    y0 = {r: C.rnd(val(r, "gdp_per_capita") / 1e4, 4) for r in R}
    target = C.rnd(val("CN", "gdp_per_capita") / 1e4, 4)
    gap = {r: max(0.0, target - y0[r]) * pop[r] for r in R}
    gdp_D = sum(gdp[d] for d in D)
    rev_D = sum(rev.values())
    supply = {d: {"funds": C.rnd(val("EW", "fiscal_aid_total") * rev[d] / rev_D, 3),
                  "investment": C.rnd(val("EW", "investment_total") * gdp[d] / gdp_D, 3),
                  "labour": C.rnd(val("EW", "rural_workers_employed") * gdp[d] / gdp_D, 3)}
              for d in D}
    tot = {k: sum(supply[d][k] for d in D) for k in RES}
    gap_sum = sum(gap.values())
    gdp_R = sum(gdp[r] for r in R)
    mean_y0 = sum(y0[r] for r in R) / len(R)
    need = {r: {k: C.rnd(NEED_OVER_SUPPLY * tot[k] * gap[r] / gap_sum, 3) for k in RES} for r in R}
    absorb = {r: {k: C.rnd(ABSORB_OVER_SUPPLY * tot[k] * gdp[r] / gdp_R, 3) for k in RES}
              for r in R}
    prod = {r: {k: C.rnd(PROD_BASE[k] * (y0[r] / mean_y0) ** PROD_EXP[k], 4) for k in RES}
            for r in R}
    max_p = {d: max(1, math.ceil(len(R) * gdp[d] / gdp_D)) for d in D}

    # ------------------------------------------------------------------ partners.csv
    head = ["id", "name", "name_zh", "capital", "lat", "lon", "gdp_2023", "budget_revenue_2023",
            "max_partners", *[f"supply.{k}" for k in RES]]
    rows = []
    for d, zh, en in PARTNERS:
        c = coords[d]
        rows.append([d, f"{zh} {en}", zh, c["capital"], c["lat"], c["lon"], C.fmt(gdp[d], 2),
                     C.fmt(rev[d], 2), str(max_p[d]), *[C.fmt(supply[d][k], 3) for k in RES]])
    C.write_csv(out / "partners.csv", head, rows)
    F = "partners.csv"
    for col in ("lat", "lon"):
        prov.add(F, "*", col, "source", f"{COORDS}: " + coords["BJ"]["source"], "", "", "medium")
    for d in D:
        prov.add(F, d, "gdp_2023", "source", cite(d, "gdp"), "", "", conf(d, "gdp"))
        prov.add(F, d, "budget_revenue_2023", "source", cite(d, "budget_revenue"), "", "",
                 conf(d, "budget_revenue"))
    prov.add(F, "*", "max_partners", "derivation", "",
             f"ceil({len(R)} * gdp_2023[d] / sum of partner gdp_2023), at least 1",
             "gdp_2023 (this file)", "medium")
    prov.add(F, "*", "supply.funds", "derivation", cite("EW", "fiscal_aid_total"),
             "EW fiscal aid 2021-2024 (228.9) * budget_revenue_2023[d] / sum of partners' "
             "budget_revenue_2023 (the national total split by fiscal capacity)",
             "EW fiscal_aid_total (data/stats.csv); budget_revenue_2023 (this file)", "medium")
    prov.add(F, "*", "supply.investment", "derivation", cite("EW", "investment_total"),
             "EW guided investment 2021-2024 (1409) * gdp_2023[d] / sum of partners' gdp_2023",
             "EW investment_total (data/stats.csv); gdp_2023 (this file)", "medium")
    prov.add(F, "*", "supply.labour", "derivation", cite("EW", "rural_workers_employed"),
             "EW rural workers employed 2021-2024 (81.5 x 10k) * gdp_2023[d] / sum of partners' "
             "gdp_2023 (jobs follow the size of the economy)",
             "EW rural_workers_employed (data/stats.csv); gdp_2023 (this file)", "medium")

    # ------------------------------------------------------------------ recipients.csv
    head = ["id", "name", "name_zh", "capital", "lat", "lon", "gdp_2023", "population", "baseline",
            "target", "min_partners", "max_partners",
            *[f"need.{k}" for k in RES], *[f"absorb.{k}" for k in RES],
            *[f"prod.{k}" for k in RES]]
    rows = []
    for r, zh, en in RECIPIENTS:
        c = coords[r]
        rows.append([r, f"{zh} {en}", zh, c["capital"], c["lat"], c["lon"], C.fmt(gdp[r], 2),
                     C.fmt(pop[r], 2), C.fmt(y0[r], 4), C.fmt(target, 4), "1", "2",
                     *[C.fmt(need[r][k], 3) for k in RES], *[C.fmt(absorb[r][k], 3) for k in RES],
                     *[C.fmt(prod[r][k], 4) for k in RES]])
    C.write_csv(out / "recipients.csv", head, rows)
    F = "recipients.csv"
    for col in ("lat", "lon"):
        prov.add(F, "*", col, "source", f"{COORDS}: " + coords["NM"]["source"], "", "", "medium")
    for r in R:
        prov.add(F, r, "gdp_2023", "source", cite(r, "gdp"), "", "", conf(r, "gdp"))
        prov.add(F, r, "baseline", "derivation", cite(r, "gdp_per_capita"),
                 "GDP per capita 2023 (yuan) / 10000", f"{r} gdp_per_capita (data/stats.csv)",
                 conf(r, "gdp_per_capita"))
        prov.add(F, r, "population", "derivation", cite(r, "gdp") + " | " +
                 cite(r, "gdp_per_capita"),
                 "GDP / GDP per capita (average 2023 population; no sourced year-end value)",
                 f"{r} gdp, gdp_per_capita (data/stats.csv)", conf(r, "gdp_per_capita"))
    prov.add(F, "*", "target", "derivation", cite("CN", "gdp_per_capita"),
             "national GDP per capita 2023 / 10000", "CN gdp_per_capita (data/stats.csv)",
             "medium-high")
    prov.add(F, "*", "min_partners", "assumption", "",
             "1: every western province gets at least one partner", "", "high")
    prov.add(F, "*", "max_partners", "assumption", "",
             "2: Gansu has two donors in 2021 (Tianjin, Shandong); no province more", "", "medium")
    for k in RES:
        prov.add(F, "*", f"need.{k}", "derivation", "",
                 f"{NEED_OVER_SUPPLY} * (sum of partners' supply.{k}) * gap[r] / sum of gaps, "
                 "gap[r] = max(0, target - baseline) * population (GDP needed to reach the "
                 "national average; 0 for Inner Mongolia, which is above it)",
                 f"target, baseline, population (this file); supply.{k} (partners.csv)", "low")
        prov.add(F, "*", f"absorb.{k}", "derivation", "",
                 f"{ABSORB_OVER_SUPPLY} * (sum of partners' supply.{k}) * gdp_2023[r] / sum of "
                 "recipients' gdp_2023", f"gdp_2023 (this file); supply.{k} (partners.csv)", "low")
        prov.add(F, "*", f"prod.{k}", "derivation", "",
                 f"{PROD_BASE[k]} * (baseline[r] / mean baseline of the recipients) ^ "
                 f"{PROD_EXP[k]}; the base is an assumption (funds: fiscal multiplier 1; "
                 "investment: value added 0.3 per yuan invested; labour: 10k workers employed "
                 "in the east earn about 5 (100m yuan) for their home province, i.e. 50k yuan "
                 "each; money yields more in richer provinces, a job pays the same anywhere)",
                 "baseline (this file)", "low")

    # ------------------------------------------------------------------ pairs.csv
    hist = {}
    for p in pairings:
        hist.setdefault((p["partner"], p["recipient"]), []).append(p)
    max_gdp_r = max(gdp[r] for r in R)
    head = ["partner", "recipient", "dist_km", "comp", "pot", "ben", "allowed", "rounds"]
    rows = []
    F = "pairs.csv"
    for d in D:
        for r in R:
            cd, cr = coords[d], coords[r]
            dist = C.rnd(C.haversine_km(float(cd["lat"]), float(cd["lon"]),
                                        float(cr["lat"]), float(cr["lon"])), 1)
            comp = C.rnd(COMP_SCALE * max(0.0, 1 - gdp[r] / gdp[d]), 4)
            ben = C.rnd(BEN_W_DIST * math.exp(-dist / D0_KM) + BEN_W_SIZE * gdp[r] / max_gdp_r, 4)
            h = hist.get((d, r), [])
            now = [x for x in h if x["round"] == "2021"]
            if now:
                low = all(x["confidence"] == "low" for x in now)
                pot = POT_2021_LOW if low else POT_2021
                prov.add(F, f"{d},{r}", "pot", "derivation", " | ".join(x["source"] for x in now),
                         f"{POT_2021} for a documented 2021 provincial pair ({POT_2021_LOW} when "
                         "only low-confidence sources confirm it)", "data/pairings.csv round 2021",
                         "low" if low else now[0]["confidence"])
            elif h:
                pot = POT_EARLIER
                prov.add(F, f"{d},{r}", "pot", "derivation", " | ".join(x["source"] for x in h),
                         f"{POT_EARLIER}: city-level tie of the 2016-2020 round, dropped in 2021",
                         "data/pairings.csv", h[0]["confidence"])
            else:
                pot = POT_NONE
            rows.append([d, r, C.fmt(dist, 1), C.fmt(comp, 4), C.fmt(pot, 2), C.fmt(ben, 4),
                         "true", ";".join(sorted({x["round"] for x in h}))])
    C.write_csv(out / "pairs.csv", head, rows)
    prov.add(F, "*", "rounds", "source", "data/pairings.csv (copied from /work/shared/data/pairings_east_west.csv); each row there has its own citation", "", "", "medium")
    prov.add(F, "*", "dist_km", "derivation", f"{COORDS}: " + coords["BJ"]["source"],
             "great-circle (haversine) distance between the provincial capitals, Earth radius "
             f"{C.EARTH_RADIUS_KM} km", "lat, lon (partners.csv, recipients.csv)", "medium")
    prov.add(F, "*", "comp", "derivation", "",
             f"{COMP_SCALE} * max(0, 1 - gdp_2023[r] / gdp_2023[d]): complementarity grows with "
             "the donor's economic mass relative to the recipient (GDP per capita of Shanghai and "
             "Shandong is missing from the data, so mass is used instead of income level)",
             "gdp_2023 (partners.csv, recipients.csv)", "low")
    prov.add(F, "*", "pot", "derivation", "",
             f"{POT_2021} for a documented 2021 pair, {POT_2021_LOW} if only low-confidence "
             f"sources confirm it (Shandong-Chongqing), {POT_EARLIER} for a 2016-2020 tie dropped "
             f"in 2021, {POT_NONE} for every other pair",
             "data/pairings.csv (from /work/shared/data/pairings_east_west.csv)", "medium")
    prov.add(F, "*", "ben", "derivation", "",
             f"{BEN_W_DIST} * exp(-dist_km / {D0_KM:g}) + {BEN_W_SIZE} * gdp_2023[r] / max "
             "recipient gdp_2023: proximity plus the size of the recipient's market",
             "dist_km (this file), gdp_2023 (recipients.csv)", "low")

    # ------------------------------------------------------------------ instance.toml numbers
    T = "instance.toml"
    prov.add(T, "", "year", "source", "pairings_east_west.csv: the 2021 national adjustment of "
             "East-West collaboration (NOTES.md §1)", "", "", "high")
    prov.add(T, "", "objective.lambda", "assumption", "", "MODEL.md default 0.5", "", "medium")
    prov.add(T, "", "objective.beta", "assumption", "", "0.3 (MODEL.md default 0.25): mean of "
             "the 3 worst-off of 10 provinces", "", "medium")
    prov.add(T, "", "balance.alpha", "assumption", "", "MODEL.md default 0.3", "", "medium")
    prov.add(T, "", "balance.gamma", "assumption", "", "0.2 (MODEL.md default 0.3): a province "
             "served only by project-type pairings (kappa 0.2) stays feasible; distant 2021 pairs "
             "have too little mutual benefit for a platform in this model", "", "medium")
    prov.add(T, "", "types.platform.pot_min", "assumption", "",
             "0.3 (MODEL.md default 0): a co-built platform needs a documented pairing; our "
             "reading of the paper's typology (NOTES.md §4)", "", "low")
    for t, s_, m_ in (("project", 0.1, 0), ("platform", 1.0, 20), ("institutional", 5.0, 100)):
        prov.add(T, "", f"types.{t}.setup", "assumption", "",
                 f"{s_} (100m yuan GDP-equivalent over the plan): running costs grow from "
                 "single projects to co-built parks to integrated institutions", "", "low")
        prov.add(T, "", f"types.{t}.min_scale", "assumption", "",
                 f"{m_} (100m yuan of resources over 2021-2024): the smallest programme worth a "
                 "platform (2 bn yuan) or an institutional arrangement (10 bn yuan) between two "
                 "provinces", "", "low")
    prov.add(T, "", "resources.funds.value", "assumption", "", "1: the unit is 100m yuan", "",
             "high")
    prov.add(T, "", "resources.investment.value", "assumption", "", "1: the unit is 100m yuan",
             "", "high")
    prov.add(T, "", "resources.labour.value", "assumption", "",
             "0.5 (100m yuan per 10k workers): about 5000 yuan of training, placement and "
             "travel support per worker", "", "low")
    prov.write(out / "provenance.csv")


if __name__ == "__main__":
    C.main(build, HERE, "2021", "2021")
