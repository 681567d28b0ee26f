"""The one validation of an instance as read: settings and raw tables to typed tables.

:func:`validate_tables` checks every value of the tables against its column in the schema
(``schema.py``), the ids, the names and which columns a table must have, and locates each
message by the :class:`~.origin.Origin` the reader gave (file or sheet, line or row, column).
The checks that need the whole instance (sizes, fixed pairs, numerics) are in ``checks.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import N_, _, ngettext
from .. import limits
from ..errors import InstanceError
from ..schema import INF, TABLES, Column, column_for, range_problem, suggest
from .clusters import empty_clusters
from .origin import FOLDER, LINE, Origin
from .settings import normalise_params
from .values import as_bool, check_name, is_blank, name_problem, shown

PAIR_VALUES = ("comp", "pot", "ben", "allowed", "fixed")
OPTIONAL_PAIR_VALUES = {"trust0": 0.0, "types": ""}
"""Pair columns that exist in the typed table only when the file has them (trust0 with
rounds, types to restrict a pair's collaboration types), so that an instance without them
reads exactly as before; an empty cell takes the default."""


def _blank(series: pd.Series) -> np.ndarray:
    return series.map(is_blank).to_numpy(bool)


def _bools(series, blank, default, fail) -> np.ndarray:
    out = np.empty(len(series), bool)
    for i, v in enumerate(series):
        b = bool(default) if blank[i] else as_bool(v)
        if b is None:
            fail(i, _("{value} is not true or false").format(value=repr(v)))
        out[i] = b
    return out


def parse_column(df, name: str, col: Column, table: str, origin: Origin, id_col,
                 default=None) -> np.ndarray:
    """One column of a raw table as floats (or bools), empty cells given ``default`` (an
    array: one a row); a message naming the first bad row otherwise."""
    series = df[name] if name in df else pd.Series([None] * len(df), dtype=object)
    blank = _blank(series) if name in df else np.ones(len(df), bool)

    def fail(i: int, message: str):
        raise InstanceError(message, file=origin.file(table), row=origin.row_of(df, i, id_col),
                            column=name)

    if col.kind == "bool":
        return _bools(series, blank, default, fail)
    if blank.any() and default is None:
        fail(int(np.flatnonzero(blank)[0]), _("the value is empty but is required"))
    vals = pd.to_numeric(series.where(~blank, None), errors="coerce").to_numpy(float)
    bad = ~blank & np.isnan(vals)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raw = series.iat[i]
        fail(i, _("{value} is not a number (a missing value must be left empty, and only in "
                  "an optional column)").format(value=repr(raw))
             if str(raw).strip().lower() in ("nan", "na", "n/a", "null")
             else _("{value} is not a number").format(value=repr(raw)))
    if blank.any():
        vals = np.where(blank, default if isinstance(default, np.ndarray) else float(default),
                        vals)
    finite = np.isfinite(vals) | (blank & np.isinf(vals))
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        fail(i, _("{value} is not a finite number").format(value=repr(series.iat[i])))
    out_lo = (vals <= col.lo) if col.lo_open else (vals < col.lo)
    out_range = (out_lo | (vals > col.hi)) & ~blank
    if out_range.any():
        i = int(np.flatnonzero(out_range)[0])
        fail(i, _("{value} is out of range: {problem}").format(
            value=series.iat[i], problem=range_problem(vals[i], col.lo, col.hi, col.lo_open)))
    if col.kind == "integer":
        frac = np.isfinite(vals) & (vals != np.round(vals))
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            fail(i, _("{value} must be a whole number").format(value=series.iat[i]))
    return vals


def check_ids(df: pd.DataFrame, table: str, origin: Origin) -> list[str]:
    """The ids of a table: present, valid names, each once."""
    file = origin.file(table)
    if "id" not in df:
        raise InstanceError(_("the required column '{column}' is missing").format(column="id"),
                            file=file,
                            row=origin.header(table))
    # an empty cell is None, "" or (from a pandas table) a float NaN; the text "NaN" is an id
    ids = ["" if is_blank(v) and not isinstance(v, str) else str(v).strip() for v in df["id"]]
    seen: dict[str, int] = {}
    for i, ident in enumerate(ids):
        loc = {"file": file, "row": origin.row_of(df, i, None), "column": "id"}
        if ident == "":
            raise InstanceError(_("the id is empty"), **loc)
        check_name(ident, "the id", **loc)
        if ident in seen:
            raise InstanceError(_("the id '{id}' is used twice (also on {row})").format(
                id=ident, row=origin.row_of(df, seen[ident], None)), **loc)
        seen[ident] = i
    return ids


def region_names(df: pd.DataFrame, ids: list[str], table: str, origin: Origin) -> list[str]:
    """The ``name`` column (the id where it is empty); free text, but no control characters
    (a tab, a line break or an escape sequence would garble tables and terminals)."""
    if "name" not in df:
        return list(ids)
    out = []
    for i, (n, ident) in enumerate(zip(df["name"], ids)):
        if not isinstance(n, str):  # empty (None, NaN) or not text: the id
            out.append(ident)
            continue
        problem = name_problem(n)
        if problem:
            raise InstanceError(problem, file=origin.file(table),
                                row=origin.row_of(df, i, "id"), column="name")
        out.append(n or ident)
    return out


def check_columns(df: pd.DataFrame, table: str, origin: Origin, resources: tuple) -> None:
    """The required columns are there (one per resource where the schema says so), and no
    column names a resource the instance does not have."""
    loc = {"file": origin.file(table), "row": origin.header(table)}
    cols = [c for c in df.columns if c != LINE]
    for col in TABLES[table]:
        if not col.required:
            continue
        names = [col.name.format(k=k) for k in resources] if "{k}" in col.name else [col.name]
        for n in names:
            if n not in cols:
                if "{k}" in col.name:
                    raise InstanceError(
                        _("the column '{column}' is missing: every resource needs it, and "
                          "'{resource}' is a resource of this instance").format(
                              column=n, resource=n.split(".", 1)[1]), **loc)
                raise InstanceError(_("the required column '{column}' is missing").format(
                    column=n), **loc)
    for c in cols:
        spec = column_for(table, c)
        if spec is not None and "{k}" in spec.name:
            k = c[len(spec.name.split("{k}")[0]):]
            if k not in resources:
                raise InstanceError(
                    _("the column '{column}' names resource '{resource}', which is not a "
                      "resource of this instance (resources: {resources})").format(
                          column=c, resource=k, resources=", ".join(resources)),
                    column=c, **loc)


def resource_columns(df: pd.DataFrame) -> list[str]:
    """The resources a partners table has supply columns for."""
    return [c.split(".", 1)[1] for c in df.columns if c.startswith("supply.") and len(c) > 7]


def check_counts(partners, recipients, origin: Origin) -> None:
    """Rows of each table, and partners x recipients, within the limits of docs/performance.md."""
    none = {"partners": N_("has no partners (no rows below the header)"),
            "recipients": N_("has no recipients (no rows below the header)")}
    many = {"partners": N_("has {n} partners, more than the {limit} regcollab takes "
                           "(docs/performance.md)"),
            "recipients": N_("has {n} recipients, more than the {limit} regcollab takes "
                             "(docs/performance.md)")}
    for table, df in (("partners", partners), ("recipients", recipients)):
        if len(df) == 0:
            raise InstanceError(_(none[table]), file=origin.file(table))
    for table, df in (("partners", partners), ("recipients", recipients)):
        if len(df) > limits.MAX_REGIONS:
            raise InstanceError(_(many[table]).format(n=f"{len(df):,}",
                                                      limit=f"{limits.MAX_REGIONS:,}"),
                                file=origin.file(table))
    cells = len(partners) * len(recipients)
    if cells > limits.MAX_PAIR_CELLS:
        raise InstanceError(
            _("{nd} partners x {nr} recipients make {cells} possible pairs, more than the "
              "{limit} regcollab holds in memory (about {memory}); split the instance (for "
              "example by mandated provinces)").format(
                nd=f"{len(partners):,}", nr=f"{len(recipients):,}", cells=f"{cells:,}",
                limit=f"{limits.MAX_PAIR_CELLS:,}",
                memory=limits.gigabytes(limits.BYTES_PER_CELL * limits.MAX_PAIR_CELLS)),
            file=origin.file("recipients"))


def _extra_columns(src: pd.DataFrame, dst: pd.DataFrame, table: str) -> None:
    """Columns the schema does not know (province, coordinates, sources...), kept as given."""
    for c in src.columns:
        if c not in dst.columns and c not in ("id", LINE) and column_for(table, c) is None:
            dst[c] = list(src[c])


def partner_table(df: pd.DataFrame, ids: list, resources: tuple, origin: Origin
                  ) -> pd.DataFrame:
    """The typed partners table, indexed by its ``ids`` (see :func:`check_ids`)."""
    spec = {c.name: c for c in TABLES["partners"]}
    P = pd.DataFrame(index=pd.Index(ids, name="id"))
    P["name"] = region_names(df, ids, "partners", origin)
    P["max_partners"] = parse_column(df, "max_partners", spec["max_partners"], "partners",
                                     origin, "id", default=INF)
    for k in resources:
        P[f"supply.{k}"] = parse_column(df, f"supply.{k}", spec["supply.{k}"], "partners",
                                        origin, "id")
    _extra_columns(df, P, "partners")
    return P


def recipient_table(df: pd.DataFrame, ids: list, resources: tuple, origin: Origin
                    ) -> pd.DataFrame:
    """The typed recipients table, indexed by its ``ids`` (absorb defaults to need)."""
    spec = {c.name: c for c in TABLES["recipients"]}

    def column(name, key=None, default=None):
        return parse_column(df, name, spec[key or name], "recipients", origin, "id", default)

    R = pd.DataFrame(index=pd.Index(ids, name="id"))
    R["name"] = region_names(df, ids, "recipients", origin)
    for c in ("population", "baseline", "target"):
        R[c] = column(c)
    R["min_partners"] = column("min_partners", default=1)
    R["max_partners"] = column("max_partners", default=INF)
    bad = span_problem(R)
    if bad is not None:
        raise InstanceError(bad[1], file=origin.file("recipients"),
                            row=origin.row_of(df, bad[0], "id"), column="min_partners")
    for k in resources:
        R[f"need.{k}"] = column(f"need.{k}", "need.{k}")
    for k in resources:
        R[f"absorb.{k}"] = column(f"absorb.{k}", "absorb.{k}", R[f"need.{k}"].to_numpy())
    for k in resources:
        R[f"prod.{k}"] = column(f"prod.{k}", "prod.{k}")
    _extra_columns(df, R, "recipients")
    return R


def span_problem(R: pd.DataFrame, rows=None) -> tuple[int, str] | None:
    """The first recipient (of ``rows``, default all) whose min_partners is above its
    max_partners, with the message, or None."""
    lo, hi = R["min_partners"].to_numpy(), R["max_partners"].to_numpy()
    idx = np.arange(len(R)) if rows is None else np.asarray(rows, int)
    bad = idx[lo[idx] > hi[idx]]
    if not len(bad):
        return None
    i = int(bad[0])
    return i, _("min_partners ({lo}) is larger than max_partners ({hi})").format(
        lo=f"{lo[i]:g}", hi=f"{hi[i]:g}")


def _pair_keys(pairs, p_ids, r_ids, origin: Origin) -> tuple[list, list]:
    for c in ("partner", "recipient"):
        if c not in pairs:
            raise InstanceError(_("the required column '{column}' is missing").format(column=c),
                                file=origin.file("pairs"), row=origin.header("pairs"))
    partner = [str(v).strip() for v in pairs["partner"]]
    recipient = [str(v).strip() for v in pairs["recipient"]]
    seen: dict = {}
    for i, (d, r) in enumerate(zip(partner, recipient)):
        loc = {"file": origin.file("pairs"), "row": origin.row_of(pairs, i, None)}
        if d not in p_ids:
            raise InstanceError(_("the partner '{id}' is not in {where}").format(
                id=d, where=origin.ref("partners")),
                                column="partner", **loc)
        if r not in r_ids:
            raise InstanceError(_("the recipient '{id}' is not in {where}").format(
                id=r, where=origin.ref("recipients")),
                                column="recipient", **loc)
        if (d, r) in seen:
            raise InstanceError(_("the pair {pair} is listed twice (also on {row})").format(
                pair=f"{d}-{r}", row=origin.row_of(pairs, seen[(d, r)], None)), **loc)
        seen[(d, r)] = i
    return partner, recipient


def empty_pairs() -> pd.DataFrame:
    """A pairs table with no pair."""
    idx = pd.MultiIndex.from_tuples([], names=["partner", "recipient"])
    return pd.DataFrame({c: pd.Series(dtype=bool if c in ("allowed", "fixed") else float)
                         for c in PAIR_VALUES}, index=idx)


def type_list(value, types) -> tuple[str, str | None]:
    """One ``types`` cell of pairs.csv (``platform;institutional``, or a list of names) as
    its typed text: the types named, in the order of ``types``, joined by ';' ("": every
    type); and the problem with it (a name that is not a type of the instance) or None."""
    names = member_ids(value)
    for n in names:
        if n not in types:
            hint = suggest(n, types)
            if hint:
                return "", _("'{name}' is not a collaboration type of this instance (types: "
                             "{types}); did you mean '{hint}'?").format(
                                 name=n, types=", ".join(types), hint=hint)
            return "", _("'{name}' is not a collaboration type of this instance (types: "
                         "{types})").format(name=n, types=", ".join(types))
    return MEMBER_SEPARATOR.join(t for t in types if t in names), None


def pair_table(pairs, params: dict, p_ids: set, r_ids: set, origin: Origin,
               types: tuple = ()) -> pd.DataFrame:
    """The typed pairs table, indexed by (partner, recipient); empty cells take the [pairs]
    defaults, and a listed pair is allowed unless it says otherwise. ``types``: the
    instance's collaboration types, which a ``types`` cell may name."""
    if pairs is None or len(pairs) == 0:
        return empty_pairs()
    partner, recipient = _pair_keys(pairs, p_ids, r_ids, origin)
    spec = {c.name: c for c in TABLES["pairs"]}
    out = pd.DataFrame(index=pd.MultiIndex.from_arrays([partner, recipient],
                                                       names=["partner", "recipient"]))
    defaults = {**params["pairs"], "allowed": True, "fixed": False}
    for c in PAIR_VALUES:
        out[c] = parse_column(pairs, c, spec[c], "pairs", origin, None, default=defaults[c])
    for c, default in OPTIONAL_PAIR_VALUES.items():
        if c == "types" and c in pairs.columns:
            out[c] = _type_lists(pairs, types, origin)
        elif c in pairs.columns:
            out[c] = parse_column(pairs, c, spec[c], "pairs", origin, None, default=default)
    bad = np.flatnonzero(out["fixed"].to_numpy() & ~out["allowed"].to_numpy())
    if len(bad):
        raise InstanceError(_("the pair is fixed (must be kept) but not allowed"),
                            file=origin.file("pairs"), row=origin.row_of(pairs, int(bad[0]), None),
                            column="fixed")
    for c in pairs.columns:
        if c not in out.columns and c not in ("partner", "recipient", LINE):
            out[c] = list(pairs[c])
    return out


def _type_lists(pairs: pd.DataFrame, types: tuple, origin: Origin) -> np.ndarray:
    """The ``types`` column of pairs.csv as typed text (see :func:`type_list`)."""
    out = np.empty(len(pairs), object)
    for i, value in enumerate(pairs["types"]):
        out[i], problem = type_list(value, types)
        if problem:
            raise InstanceError(problem, file=origin.file("pairs"),
                                row=origin.row_of(pairs, i, None), column="types")
    return out


MEMBER_SEPARATOR = ";"
"""Separates the member ids of a cluster, or the types of a pair, in one cell (``A;B``)."""
CLUSTER_DEFAULTS = {"setup": 0.0, "synergy": 0.0, "min_links": 1}
"""The defaults of the cluster columns a file may leave out (or leave empty)."""


def member_ids(value) -> list[str]:
    """The ids of one members cell: ``A; B`` (spaces around ids and empty items ignored),
    or a list or tuple of ids (a typed table given back to :meth:`Instance.with_tables`)."""
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
    elif is_blank(value):
        items = []
    else:
        items = str(value).split(MEMBER_SEPARATOR)
    return [v.strip() for v in items if v.strip()]


MEMBER_WORDS = {
    "partners": {
        "none": N_("the cluster has no partner: list the ids of its partners, separated by "
                   "'{sep}'"),
        "twice": N_("the partner {id} is listed twice"),
        "unknown": N_("the partner {id} is not in {where}"),
        "other": N_("the partner {id} is not in {where} ('{ident}' is a recipient: list it "
                    "under recipients)"),
        "near": N_("the partner {id} is not in {where} (did you mean '{near}'?)")},
    "recipients": {
        "none": N_("the cluster has no recipient: list the ids of its recipients, separated "
                   "by '{sep}'"),
        "twice": N_("the recipient {id} is listed twice"),
        "unknown": N_("the recipient {id} is not in {where}"),
        "other": N_("the recipient {id} is not in {where} ('{ident}' is a partner: list it "
                    "under partners)"),
        "near": N_("the recipient {id} is not in {where} (did you mean '{near}'?)")}}
"""The messages about the members of a cluster, for each member column."""


def _members(df, column: str, known: list, other: list, origin: Origin) -> list[tuple]:
    """The members of each cluster in ``column`` (partners or recipients): known ids, each
    once, at least one."""
    words = MEMBER_WORDS[column]
    out, known_set, other = [], set(known), set(other)
    for i, value in enumerate(df[column]):
        loc = {"file": origin.file("clusters"), "row": origin.row_of(df, i, "id"),
               "column": column}
        ids = member_ids(value)
        if not ids:
            raise InstanceError(_(words["none"]).format(sep=MEMBER_SEPARATOR), **loc)
        seen = set()
        for ident in ids:
            if ident in seen:
                raise InstanceError(_(words["twice"]).format(id=shown(ident)), **loc)
            seen.add(ident)
            if ident in known_set:
                continue
            near = suggest(ident, known)
            kind = "other" if ident in other else "near" if near else "unknown"
            raise InstanceError(_(words[kind]).format(id=shown(ident), where=origin.ref(column),
                                                      ident=ident, near=near), **loc)
        out.append(tuple(ids))
    return out


def links_problem(C: pd.DataFrame, rows=None) -> tuple[int, str] | None:
    """The first cluster (of ``rows``, default all) whose min_links is more than its member
    pairs (partners x recipients), with the message, or None."""
    idx = range(len(C)) if rows is None else rows
    for i in idx:
        i = int(i)
        nd, nr = len(C["partners"].iat[i]), len(C["recipients"].iat[i])
        need = C["min_links"].iat[i]
        if need > nd * nr:
            n = nd * nr
            return i, _("min_links is {need} but the cluster has only {pairs} ({partners} x "
                        "{recipients}): it could never be formed").format(
                need=f"{need:g}",
                pairs=ngettext("{n} member pair", "{n} member pairs", n).format(n=n),
                partners=ngettext("{n} partner", "{n} partners", nd).format(n=nd),
                recipients=ngettext("{n} recipient", "{n} recipients", nr).format(n=nr))
    return None


def _check_cluster_count(n: int, nd: int, nr: int, origin: Origin) -> None:
    """Clusters, and clusters x partners x recipients, within the limits of
    docs/performance.md."""
    file = origin.file("clusters")
    if n > limits.MAX_CLUSTERS:
        raise InstanceError(_("has {n} clusters, more than the {limit} regcollab takes "
                              "(docs/performance.md)").format(
                                  n=f"{n:,}", limit=f"{limits.MAX_CLUSTERS:,}"), file=file)
    if n * nd * nr > limits.MAX_CLUSTER_CELLS:
        raise InstanceError(_("{n} clusters x {nd} partners x {nr} recipients make {cells} "
                              "cells of membership, more than the {limit} regcollab holds "
                              "(docs/performance.md)").format(
                                  n=f"{n:,}", nd=f"{nd:,}", nr=f"{nr:,}",
                                  cells=f"{n * nd * nr:,}",
                                  limit=f"{limits.MAX_CLUSTER_CELLS:,}"), file=file)


def cluster_table(df: pd.DataFrame | None, p_ids: list, r_ids: list, resources: tuple,
                  origin: Origin) -> pd.DataFrame:
    """The typed clusters table, indexed by id: name, partners and recipients (tuples of ids,
    in the order given), setup, synergy, min_links; empty without ``clusters.csv``."""
    if df is None:
        return empty_clusters()
    check_columns(df, "clusters", origin, resources)
    if len(df) == 0:
        return empty_clusters()
    _check_cluster_count(len(df), len(p_ids), len(r_ids), origin)
    spec = {c.name: c for c in TABLES["clusters"]}
    ids = check_ids(df, "clusters", origin)
    C = pd.DataFrame(index=pd.Index(ids, name="id", dtype=object))
    C["name"] = region_names(df, ids, "clusters", origin)
    C["partners"] = _members(df, "partners", p_ids, r_ids, origin)
    C["recipients"] = _members(df, "recipients", r_ids, p_ids, origin)
    for c, default in CLUSTER_DEFAULTS.items():
        C[c] = parse_column(df, c, spec[c], "clusters", origin, "id", default=default)
    C["min_links"] = C["min_links"].astype(int)
    bad = links_problem(C)
    if bad is not None:
        raise InstanceError(bad[1], file=origin.file("clusters"),
                            row=origin.row_of(df, bad[0], "id"), column="min_links")
    _extra_columns(df, C, "clusters")
    return C


def _lines(df) -> list:
    return [int(v) for v in df[LINE]] if df is not None and LINE in df else []


def validate_tables(settings, partners: pd.DataFrame, recipients: pd.DataFrame,
                    pairs: pd.DataFrame | None = None, origin: Origin = FOLDER,
                    clusters: pd.DataFrame | None = None) -> dict:
    """Validate raw settings and tables (cells as text or numbers) into typed ones: the
    fields of an :class:`Instance` (params, partners, recipients, pairs, clusters, resources,
    types and the lines the rows came from).

    Every message is located by ``origin`` (see :class:`~.origin.Origin`)."""
    check_counts(partners, recipients, origin)
    params, resources, types = normalise_params(settings, resource_columns(partners), origin)
    check_columns(partners, "partners", origin, resources)
    check_columns(recipients, "recipients", origin, resources)
    p_ids = check_ids(partners, "partners", origin)
    r_ids = check_ids(recipients, "recipients", origin)
    P = partner_table(partners, p_ids, resources, origin)
    R = recipient_table(recipients, r_ids, resources, origin)
    PP = pair_table(pairs, params, set(P.index), set(R.index), origin, types)
    C = cluster_table(clusters, p_ids, r_ids, resources, origin)
    # where each row came from, for messages about whole rows
    lines = {"partners": _lines(partners), "recipients": _lines(recipients),
             "pairs": _lines(pairs), "clusters": _lines(clusters)}
    return {"params": params, "partners": P, "recipients": R, "pairs": PP, "clusters": C,
            "resources": resources, "types": types, "lines": lines}
