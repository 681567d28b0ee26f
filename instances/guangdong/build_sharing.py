"""Build the income-sharing and clusters variant of the Guangdong instance (MODEL-v2 B, C).

    python instances/guangdong/build_sharing.py            # rewrite instances/guangdong-sharing
    python instances/guangdong/build_sharing.py --readme   # also re-solve both instances and
                                                           # rewrite its README's results

The variant is the Guangdong instance with two additions, each justified in the variant's
README.md and provenance.csv: ``[sharing]`` (income shares 0 / 0.25 / 0.5 for platform and
institutional pairings, after the co-built parks 深汕 and 广清) with a return required on
guided enterprise investment, and ``clusters.csv`` (two candidate virtual industrial clusters
drawn from real Guangdong plans). Its partners, recipients and pairs are byte copies of
``instances/guangdong`` (a test keeps them equal), so that the two plans differ only by the
mechanisms.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DST = HERE.parent / "guangdong-sharing"
sys.path.insert(0, str(HERE.parent / "_build"))  # the shared builder, not shipped
import _build_common as C  # noqa: E402

COPIED = ("partners.csv", "recipients.csv", "pairs.csv")
LEVELS = [0.25, 0.5]            # assumption (0 is always a level): no published split
RETURN_MIN = {"investment": 0.05}  # assumption: a return on guided investment, no rate found
CLUSTER_SETUP, CLUSTER_SYNERGY, CLUSTER_MIN_LINKS = 1.0, 0.1, 2  # assumptions (see README)
CLUSTERS = [  # id, name, partners, recipients, source of the membership
    ("TEX_EAST", "纺织服装两极三区 Textiles and garments: GZ/SZ poles + Shantou-Chaozhou-Jieyang",
     "GZ;SZ;DG;FS", "ST;CZ;JY",
     "广东省《关于进一步推动纺织服装产业高质量发展的实施意见》: '两极' 广州、深圳; '三区' 汕头潮州揭阳, "
     "深圳东莞惠州, 广州佛山中山 (report: http://www.ycsk.com.cn/info/c-001004-d-3729498.html); "
     "惠州 and 中山 are not in the instance"),
    ("GZ_METRO", "广州都市圈 Guangzhou metropolitan area: Guangzhou, Foshan + Qingyuan, Yunfu, "
     "Shaoguan", "GZ;FS", "QY;YF;SG",
     "《广州都市圈发展规划》 粤府〔2023〕92号: 广州、佛山全域, 清远部分地区, 云浮、韶关部分地区 (report: "
     "https://www.163.com/dy/article/IME3L6CJ05149GFF.html)"),
]
SHARING_TOML = f"""
# Income sharing (MODEL-v2 B): the partner of a platform or institutional pairing may be
# credited part of the pairing's gain (管理权+收益权 as in 深汕 and 广清); see README.md.
[sharing]
levels = {LEVELS}
types = ["platform", "institutional"]
spillover = 0.0
"""
MECH_BEGIN, MECH_END = "<!-- mechanisms:begin -->", "<!-- mechanisms:end -->"


def instance_toml() -> str:
    """guangdong's instance.toml with the name, the description and the two additions."""
    text = (HERE / "instance.toml").read_text(encoding="utf-8")
    text = text.replace('name = "guangdong"', 'name = "guangdong-sharing"', 1)
    text = text.replace('description = """', 'description = """The Guangdong instance with income '
                        'sharing in co-built parks and two candidate virtual industrial '
                        'clusters (MODEL-v2 B, C; see README.md). ', 1)
    for k, v in RETURN_MIN.items():
        head = f"[resources.{k}]\n"
        assert head in text, head
        pre, post = text.split(head, 1)
        first, rest = post.split("\n", 1)
        text = pre + head + first + "\n" + f"return_min = {v}  # assumption, see README.md\n" + rest
    return text.rstrip("\n") + "\n" + SHARING_TOML


def build(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        shutil.copyfile(HERE / name, out / name)
    (out / "instance.toml").write_text(instance_toml(), encoding="utf-8")
    C.write_csv(out / "clusters.csv", ["id", "name", "partners", "recipients", "setup", "synergy",
                                       "min_links"],
                [[g, n, d, r, C.fmt(CLUSTER_SETUP), C.fmt(CLUSTER_SYNERGY), CLUSTER_MIN_LINKS]
                 for g, n, d, r, _ in CLUSTERS])
    rows = C.read_csv(HERE / "provenance.csv")
    prov = [[r[h] for h in C.PROV_HEADER] for r in rows]
    T = "instance.toml"
    prov += [
        [T, "", "sharing.levels", "assumption", "", "0 / 0.25 / 0.5: no published fractional "
         "split of revenue or GDP statistics was found for 深汕 (2011 framework: shares not found; "
         "after 2018 both cities count the zone's GDP and neither takes its tax) or 广清; 0.5 is "
         "an even split, 0.25 half of it", "", "low"],
        [T, "", "sharing.types", "source", "粤府办〔2010〕61号 (com.gd.gov.cn/zwgk/zcwj/content/"
         "post_719369.html): the PRD partner develops and manages a zone in a transfer park '并享受"
         "相关收益'; 深汕 and 广清 are special cooperation zones", "co-built parks (platform) and "
         "special cooperation zones (institutional)", "", "medium"],
        [T, "", "sharing.spillover", "assumption", "", "0 (default): no source quantifies what "
         "a donor gains from the recipient's growth beyond a credited share", "", "low"],
        [T, "", "resources.investment.return_min", "assumption",
         "policy wording only: 企业主体、市场运作 (2023 provincial measures, drc.gd.gov.cn/qtwj/"
         "content/post_4139954.html); 市场化原则, PPP (发改地区〔2017〕922号)",
         "0.05 per unit of value invested over the plan: guided investment is market-led and "
         "expects a return; no rate is published. Fiscal funds and talent: 0 (grants and "
         "assignments)", "", "low"],
    ]
    for g, _, _, _, src in CLUSTERS:
        prov.append(["clusters.csv", g, "partners;recipients", "source", src, "", "", "medium"])
        prov.append(["clusters.csv", g, "setup;synergy;min_links", "assumption", "",
                     f"setup {CLUSTER_SETUP} (100m yuan: about two platforms' coordination), "
                     f"synergy {CLUSTER_SYNERGY} (10 % more gain on members' platform and "
                     f"institutional flows), min_links {CLUSTER_MIN_LINKS} (the most member "
                     "pairs with pot >= the platform's pot_min allow)", "", "low"])
    C.write_csv(out / "provenance.csv", C.PROV_HEADER, prov)


def mechanisms_section() -> str:
    """Markdown of the variant's plan: shares, partners' returns, clusters, and what the
    mechanisms cost or bring against the Guangdong instance."""
    from optimizer import load_instance, solve

    base = solve(load_instance(HERE), why=False)
    sol = solve(load_instance(DST), why=False)
    s, b = sol.summary, base.summary
    lines = [f"Solver status: **{s['status']}**. Generated by `python instances/guangdong/"
             "build_sharing.py --readme`; do not edit by hand.", "",
             "| partner | recipient | type | share | credited | synergy | clusters |",
             "|---|---|---|---|---|---|---|"]
    for _, r in sol.pairings.iterrows():
        share = "-" if r["share"] != r["share"] else C.fmt(r["share"], 2)
        lines.append(f"| {r['partner']} | {r['recipient']} | {r['type']} | {share} | "
                     f"{C.fmt(r['credited'], 2)} | {C.fmt(r['synergy'], 2)} | "
                     f"{r['clusters'] or '-'} |")
    lines += ["", "| partner | required | credited | slack |", "|---|---|---|---|"]
    for _, r in sol.partners.iterrows():
        lines.append(f"| {r['partner']} | {C.fmt(r['required'], 2)} | {C.fmt(r['credited'], 2)} "
                     f"| {C.fmt(r['slack'], 2)} |")
    lines += ["", "| cluster | formed | links (min) | synergy gain | setup |", "|---|---|---|---|---|"]
    for _, r in sol.clusters.iterrows():
        lines.append(f"| {r['id']} | {'yes' if r['formed'] else 'no'} | {int(r['links'])} "
                     f"({int(r['min_links'])}) | {C.fmt(r['synergy_gain'], 2)} | "
                     f"{C.fmt(r['setup'], 2)} |")
    lines += ["", f"- efficiency E = {C.fmt(s['efficiency'], 3)} (Guangdong without the "
              f"mechanisms: {C.fmt(b['efficiency'], 3)})",
              f"- equity Q ({s['equity_measure']}) = {C.fmt(s['equity'], 5)} (without: "
              f"{C.fmt(b['equity'], 5)})",
              f"- price of fairness {C.fmt(100 * s['price_of_fairness'], 2)} % (without: "
              f"{C.fmt(100 * b['price_of_fairness'], 2)} %)"]
    return "\n".join(lines)


if __name__ == "__main__":
    build(DST)
    if "--readme" in sys.argv[1:]:
        sys.path.insert(0, str(HERE.parents[1]))  # the checkout, for the optimizer package
        C.update_readme(DST / "README.md", mechanisms_section(), MECH_BEGIN, MECH_END)
