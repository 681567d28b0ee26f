"""Plans side by side: headline numbers, pairings and types, resources, and which recipients
gain or lose, each cell marked where it differs from the first plan."""

from __future__ import annotations

from optimizer.i18n import N_, _

ROWS = ((N_("efficiency"), "efficiency"), (N_("equity"), "equity"),
        (N_("price of fairness"), "price_of_fairness"),
        (N_("efficiency lost vs the ideal"), "efficiency_loss"),
        (N_("balance rules broken"), "violations"))
"""The headline rows: their words (in the page's language where shown) and plan keys."""
TOL = 1e-6  # relative: numbers closer than this are the same (the solver's tolerance)


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))
    return a == b


def _row(name: str, values: list) -> dict:
    return {"name": name, "values": values,
            "differs": [not _same(v, values[0]) for v in values]}


def compare(plans: list[dict]) -> dict:
    """The comparison of ``plans`` (the page's plan dicts, at most four)."""
    if not plans:
        return {"plans": [], "numbers": [], "pairs": [], "recipients": []}
    from optimizer.typology import type_name

    numbers = [_row(_(what), [p.get(key) for p in plans]) for what, key in ROWS]
    types = sorted({t for p in plans for t in p.get("types", {})})
    numbers += [_row(_("{type} pairings").format(type=type_name(t)),
                     [p.get("types", {}).get(t, 0) for p in plans]) for t in types]
    resources = list(dict.fromkeys(k for p in plans for k in p.get("resources", {})))
    numbers += [_row(_("{resource} sent").format(resource=k),
                     [p.get("resources", {}).get(k) for p in plans]) for k in resources]
    by_plan = [{(q["partner"], q["recipient"]): q for q in p["pairings"]} for p in plans]
    keys = sorted(set().union(*by_plan))
    pairs = []
    for key in keys:
        first = next(b[key] for b in by_plan if key in b)
        cells = [b[key]["type"] if key in b else None for b in by_plan]
        pairs.append({"partner": key[0], "recipient": key[1],
                      "names": f"{first['partner_name']} - {first['recipient_name']}",
                      **_row("", cells)})
    outcome = [{q["recipient"]: q for q in p["recipients"]} for p in plans]
    recipients = []
    for r, q in outcome[0].items():
        u = [o.get(r, {}).get("u") for o in outcome]
        base = u[0]
        change = [None if v is None or base is None else v - base for v in u]
        recipients.append({"recipient": r, "name": q["name"], "u_before": q.get("u_before"),
                           **_row("", u), "change": change,
                           "gains": [c is not None and c > TOL for c in change],
                           "loses": [c is not None and c < -TOL for c in change]})
    return {"plans": [{"id": p["id"], "label": p["label"]} for p in plans],
            "numbers": numbers, "pairs": pairs, "recipients": recipients}
