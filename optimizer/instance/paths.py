"""The language of parameters and cells, and the copies of an instance made with it.

A parameter is named by a dotted setting of instance.toml (``balance.alpha``,
``types.platform.mult``, ``resources.funds.value``, ``balance.soft.access_floor``) or by a
table cell: ``partners[SZ].supply.funds``, ``recipients[MZ].need.talent``,
``pairs[SZ,MZ].ben``, ``clusters[G1].synergy``, ``[*]`` for every row. :func:`with_params`
applies such changes to copies of a valid instance's typed tables and settings, checks only
the changed values (each message names its path) and then the rules of the whole instance
(:func:`.checks.settle`).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InstanceError
from ..i18n import N_, _
from ..schema import (
    DEFAULT_SOFT_PENALTY,
    INF,
    PARAM_BY_PATH,
    RESOURCE_VALUE,
    TABLES,
    TYPE_DEFAULTS,
    all_setting_paths,
    column_for,
    suggest,
)
from .checks import settle
from .clusters import empty_clusters
from .origin import CHANGES
from .settings import (
    check_setting,
    get_path,
    set_path,
    setting_param,
    sharing_types,
    type_settings,
)
from .tables import (
    CLUSTER_DEFAULTS,
    OPTIONAL_PAIR_VALUES,
    PAIR_VALUES,
    links_problem,
    span_problem,
    type_list,
)
from .values import as_bool, check_number, is_blank, name_problem, shown

CELL_PATH = r"(partners|recipients|pairs|clusters)\[([^\]]+)\]\.(.+)"
"""A table cell as :meth:`Instance.with_params` names it: ``partners[SZ].supply.funds``."""
_CELL = re.compile(CELL_PATH)
MEMBER_COLUMNS = ("partners", "recipients")
"""The columns of a cluster that list its members (not cells :func:`with_params` changes)."""


class UnknownParameter(InstanceError):
    """A change names a parameter, a column or a row the instance does not have (not a bad
    value): ``sweep`` fails early on it, whatever the language of the message."""


NO_ROW = {"partners": N_("'{key}': there is no partner with id '{id}'"),
          "recipients": N_("'{key}': there is no recipient with id '{id}'"),
          "clusters": N_("'{key}': there is no cluster with id '{id}'")}
"""The message about a cell of a row that does not exist, for each table."""
BLANK = object()
"""An emptied cell: it takes its column's default (or is refused where there is none)."""


def check_param_syntax(key, resources=()) -> str:
    """``key`` if it has the form of a parameter :meth:`Instance.with_params` takes (a setting
    of instance.toml the schema knows, or a table cell ``partners[ID].COLUMN``), else an
    InstanceError saying what is likely meant. Which ids and resources exist is the
    instance's to check."""
    if not isinstance(key, str):
        raise UnknownParameter(_("{key} is not a parameter of the instance; name it by its path, "
                                 "e.g. 'balance.alpha'").format(key=shown(key)))
    m = _CELL.fullmatch(key)
    if m:
        table, _row, column = m.groups()
        if table != "pairs" and column != "name" and column_for(table, column) is None:
            known = [c.name.replace("{k}", "RESOURCE") for c in TABLES[table]
                     if c.name not in ("id", *MEMBER_COLUMNS)]
            raise UnknownParameter(_("'{key}': {table} have no column '{column}' (columns: "
                                     "{columns})").format(key=key, table=table, column=column,
                                                          columns=", ".join(known)))
        if table == "clusters" and column in MEMBER_COLUMNS:
            raise InstanceError(_("'{key}': the members of a cluster are not a value to "
                                  "change; give a new clusters table (Instance.with_tables) "
                                  "instead").format(key=key))
        return key
    if setting_param(key) is not None:
        return key
    near = suggest(key, [p for p in all_setting_paths() if "<" not in p]
                   + [f"resources.{k}.value" for k in resources])
    if near is None and re.match(r"(partners|recipients|pairs|clusters)\b", key):
        near = {"partners": "partners[ID].supply.RESOURCE",
                "recipients": "recipients[ID].need.RESOURCE",
                "pairs": "pairs[PARTNER,RECIPIENT].ben",
                "clusters": "clusters[ID].synergy"}[re.match(r"[a-z]+", key).group()]
    if near:
        raise UnknownParameter(_("'{key}' is not a parameter of the instance; did you mean "
                                 "'{near}'? use a setting such as 'balance.alpha' or a cell such "
                                 "as 'partners[ID].supply.RESOURCE' or "
                                 "'pairs[PARTNER,RECIPIENT].ben'").format(key=key, near=near))
    raise UnknownParameter(_("'{key}' is not a parameter of the instance; use a setting such as "
                             "'balance.alpha' or a cell such as 'partners[ID].supply.RESOURCE' "
                             "or 'pairs[PARTNER,RECIPIENT].ben'").format(key=key))


def check_param_path(inst, key) -> str:
    """``key`` if it names a setting or a table cell of ``inst`` (as :func:`with_params`
    takes them), else an InstanceError that says what is meant."""
    check_param_syntax(key, inst.resources)
    parts = key.split(".")
    if parts[0] == "resources" and parts[1] not in inst.resources:
        raise UnknownParameter(_("'{key}': there is no resource '{resource}' (resources: "
                                 "{resources})").format(key=key, resource=parts[1],
                                                        resources=", ".join(inst.resources)))
    return key


# --------------------------------------------------------------------------- one change
def cell_value(table: str, row: str, column: str, value):
    """A new cell value, typed and checked against its column, named as the change; BLANK
    for an empty cell (its column's default applies)."""
    where = f"'{table}[{row}].{column}'"
    if column == "name":
        problem = name_problem(value) if isinstance(value, str) else None
        if problem:
            raise InstanceError(_("{where}: {problem}").format(where=where, problem=problem))
        return value if isinstance(value, str) and value else BLANK
    spec = column_for(table, column)
    if spec.kind == "bool":
        if is_blank(value):
            return BLANK
        b = as_bool(value)
        if b is None:
            raise InstanceError(_("{where}: {value} is not true or false").format(
                where=where, value=repr(value)))
        return b
    if value is None or (isinstance(value, str) and not value.strip()):
        return BLANK
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise InstanceError(_("{where}: {value} is not a number").format(
                where=where, value=shown(value))) from None
    return check_number(value, where, spec.lo, spec.hi, spec.lo_open,
                        integer=spec.kind == "integer")


def _cell_change(inst, table: str, row: str, column: str, value) -> tuple:
    """(table, row key, column, typed value) of a change to a cell, its target checked."""
    if table == "pairs":
        if column not in PAIR_VALUES and column not in OPTIONAL_PAIR_VALUES:
            raise UnknownParameter(_("'{key}': {table} have no column '{column}'").format(
                key=f"pairs[{row}].{column}", table="pairs", column=column))
        if row == "*":
            raise InstanceError(_("'pairs[*]' is not supported; set '{setting}' for the "
                                  "default").format(setting=f"pairs.{column}"))
        if column == "types":  # the types the pair may take, as the file's cell says them
            typed, problem = type_list(value, inst.types)
            if problem:
                raise InstanceError(_("{where}: {problem}").format(
                    where=f"'pairs[{row}].types'", problem=problem))
        else:
            typed = cell_value(table, row, column, value)
        parts = [s.strip() for s in row.split(",")]
        if len(parts) != 2:
            raise InstanceError(_("'{key}' must name a pair as pairs[PARTNER,RECIPIENT]")
                                .format(key=f"pairs[{row}]"))
        if parts[0] not in inst.partners.index or parts[1] not in inst.recipients.index:
            raise UnknownParameter(_("'{key}': no such partner or recipient").format(
                key=f"pairs[{row}]"))
        return table, tuple(parts), column, typed
    df = getattr(inst, table)
    if df is None:  # an instance made without validation has no clusters table
        df = empty_clusters()
    if column not in df.columns:
        raise UnknownParameter(_("'{key}': {table} have no column '{column}'").format(
            key=f"{table}[{row}].{column}", table=table, column=column))
    typed = cell_value(table, row, column, value)
    if row != "*" and row not in df.index:
        raise UnknownParameter(_(NO_ROW[table]).format(key=f"{table}[{row}].{column}", id=row))
    return table, row, column, typed


def _setting_change(key: str, value) -> tuple:
    """(key, given value, typed value) of a change to a setting, the value checked."""
    if value is None:
        if key in PARAM_BY_PATH and PARAM_BY_PATH[key].kind != "number-or-off":
            raise InstanceError(_("'{key}' cannot be switched off (None); give a value")
                                .format(key=key))
        return key, None, None
    # a bad value is named as the change, not as instance.toml
    return key, value, check_setting(key, value, file=None)


# --------------------------------------------------------------------------- settings
def _del(d: dict, path: str) -> None:
    parts = path.split(".")
    cur = d
    for part in parts[:-1]:
        cur = cur.get(part, {})
    if isinstance(cur, dict):
        cur.pop(parts[-1], None)


def _type_setting(types: dict, key: str, typed) -> None:
    t, name = key.split(".")[1:]
    if name == "source":
        return  # checked, not kept
    if typed is not None:
        types[t][name] = typed
    elif name == "description":
        types[t].pop(name, None)
    elif name in TYPE_DEFAULTS.get(t, {}):
        types[t][name] = TYPE_DEFAULTS[t][name]
    else:
        raise InstanceError(_("type '{type}' is not one of {types}, so '{key}' must be given")
                            .format(type=t, types=", ".join(TYPE_DEFAULTS), key=key))


def _resource_setting(resources: dict, key: str, typed) -> None:
    k, name = key.split(".")[1:]
    if typed is not None:
        resources[k][name] = typed
    elif name in ("unit", "value", "return_min"):
        resources[k][name] = {"unit": "", "value": RESOURCE_VALUE.default, "return_min": 0.0}[name]
    else:
        resources[k].pop(name, None)


def apply_settings(inst, changes: list[tuple]) -> tuple[dict, dict, tuple]:
    """The raw settings, the settings and the types of ``inst`` with ``changes`` (from
    :func:`_setting_change`) made; a type that is new is checked whole."""
    raw = copy.deepcopy(inst.raw.get("params", {}))
    soft = get_path(raw, "balance.soft")
    if isinstance(soft, list):
        raw["balance"]["soft"] = {rule: DEFAULT_SOFT_PENALTY for rule in soft}
    params = copy.deepcopy(inst.params)
    new_type = False
    for key, given, typed in changes:
        if key.startswith("resources.") and "resources" not in raw:
            raw["resources"] = {k: dict(v) for k, v in inst.params["resources"].items()}
        if given is None:
            _del(raw, key)
        else:
            set_path(raw, key, given)
        parts = key.split(".")
        if key in PARAM_BY_PATH:
            set_path(params, key, typed)
        elif parts[:2] == ["balance", "soft"] and typed is None:
            params["balance"]["soft"].pop(parts[2], None)  # the rule is hard again
        elif parts[:2] == ["balance", "soft"]:
            params["balance"]["soft"][parts[2]] = typed
        elif parts[0] == "resources":
            _resource_setting(params["resources"], key, typed)
        elif parts[1] in inst.types:
            _type_setting(params["types"], key, typed)
        else:
            new_type = True
    types = inst.types
    if new_type:  # a new type needs every setting of a type: the section is checked whole
        types, params["types"] = type_settings(raw, CHANGES)
    sharing_types(params, types, CHANGES)
    return raw, params, types


# --------------------------------------------------------------------------- cells
class _Edit:
    """Changes to one typed table: a column is copied when it first changes; an emptied
    cell is marked and takes its default once every change is made."""

    def __init__(self, df: pd.DataFrame):
        self.df = df
        self.cols: dict[str, np.ndarray] = {}
        self.blank: dict[str, np.ndarray] = {}
        self.rows: set = set()  # positions changed (None: every row)

    def set(self, column: str, i, value) -> None:
        if column not in self.cols:
            self.cols[column] = self.df[column].to_numpy(copy=True)
            self.blank[column] = np.zeros(len(self.df), bool)
        if value is BLANK:
            self.blank[column][i] = True
        else:
            self.cols[column][i] = value
            self.blank[column][i] = False
        self.rows.add(None if isinstance(i, slice) else i)

    def fill(self, column: str, default) -> None:
        """The emptied cells of ``column`` take ``default`` (a value, or an array a row)."""
        if column in self.cols and self.blank[column].any():
            b = self.blank[column]
            self.cols[column][b] = default[b] if isinstance(default, np.ndarray) else default

    def table(self) -> pd.DataFrame:
        out = self.df.copy()
        for column, values in self.cols.items():
            out[column] = values
        return out

    def changed(self) -> np.ndarray:
        return (np.arange(len(self.df)) if None in self.rows
                else np.array(sorted(self.rows), int))


REGION_DEFAULTS = {"max_partners": INF, "min_partners": 1.0}


def _region_table(inst, table: str, changes: list[tuple]) -> pd.DataFrame:
    """The partners, recipients or clusters table with ``changes`` made and checked row by
    row."""
    df = getattr(inst, table)
    edit = _Edit(df)
    defaults = CLUSTER_DEFAULTS if table == "clusters" else REGION_DEFAULTS
    for _table, row, column, typed in changes:
        edit.set(column, slice(None) if row == "*" else df.index.get_loc(row), typed)
    for column in list(edit.cols):
        spec = column_for(table, column)
        if column == "name":
            edit.fill(column, np.asarray(df.index, dtype=object))
        elif column in defaults:
            edit.fill(column, defaults[column])
        elif column.startswith("absorb."):
            need = f"need.{column[7:]}"
            edit.fill(column, edit.cols[need] if need in edit.cols else df[need].to_numpy())
        elif spec is not None and edit.blank[column].any():
            i = int(np.flatnonzero(edit.blank[column])[0])
            raise InstanceError(_("'{key}': the value is empty but is required").format(
                key=f"{table}[{df.index[i]}].{column}"))
    out = edit.table()
    if table == "recipients" and {"min_partners", "max_partners"} & set(edit.cols):
        bad = span_problem(out, edit.changed())
        if bad is not None:
            raise InstanceError(_("{where}: {problem}").format(
                where=f"'recipients[{out.index[bad[0]]}]'", problem=bad[1]))
    if table == "clusters" and "min_links" in edit.cols:
        bad = links_problem(out, edit.changed())
        if bad is not None:
            raise InstanceError(_("{where}: {problem}").format(
                where=f"'clusters[{out.index[bad[0]]}].min_links'", problem=bad[1]))
    return out


def _add_pairs(PP: pd.DataFrame, keys: list) -> pd.DataFrame:
    """``PP`` with the pairs ``keys`` added as a listed pair is by default (allowed, not
    fixed; comp, pot and ben to be filled, other columns empty)."""
    n = len(keys)
    fill = {"allowed": np.ones(n, bool), "fixed": np.zeros(n, bool),
            **{c: np.full(n, np.nan) for c in ("comp", "pot", "ben")}}
    cols = {c: np.concatenate([PP[c].to_numpy(), fill.get(c, np.full(n, None))])
            for c in PP.columns}
    idx = PP.index.append(pd.MultiIndex.from_tuples(keys, names=["partner", "recipient"]))
    return pd.DataFrame(cols, index=idx)


def _pairs_table(inst, params: dict, changes: list[tuple]) -> tuple[pd.DataFrame, int]:
    """The pairs table with ``changes`` made (a pair not listed is added with the defaults of
    a listed pair) and checked; and how many pairs were added."""
    new = list(dict.fromkeys(key for _t, key, _c, _v in changes if key not in inst.pairs.index))
    PP = _add_pairs(inst.pairs, new) if new else inst.pairs
    for c, default in OPTIONAL_PAIR_VALUES.items():  # a column the file did not have
        if c not in PP.columns and any(column == c for _t, _k, column, _v in changes):
            PP = PP.assign(**{c: np.full(len(PP), default,
                                         dtype=object if isinstance(default, str) else float)})
    edit = _Edit(PP)
    for c in ("comp", "pot", "ben"):  # the added pairs' values not given: the defaults
        for key in new:
            edit.set(c, PP.index.get_loc(key), BLANK)
    for _table, key, column, typed in changes:
        edit.set(column, PP.index.get_loc(key), typed)
    defaults = {**params["pairs"], "allowed": True, "fixed": False, **OPTIONAL_PAIR_VALUES}
    for column in list(edit.cols):
        edit.fill(column, defaults[column])
    out = edit.table()
    rows = edit.changed()
    bad = rows[out["fixed"].to_numpy()[rows] & ~out["allowed"].to_numpy()[rows]]
    if len(bad):
        d, r = out.index[int(bad[0])]
        raise InstanceError(_("'{key}': the pair is fixed (must be kept) but not allowed")
                            .format(key=f"pairs[{d},{r}]"))
    return out, len(new)


# --------------------------------------------------------------------------- the copies
def with_params(inst, changes: Mapping[str, Any]):
    """A validated copy of ``inst`` with some values changed (see
    :meth:`Instance.with_params`). Only the changed values are checked, then the rules of
    the whole instance; ``inst`` is never modified."""
    t0 = time.perf_counter()
    settings, cells = [], {"partners": [], "recipients": [], "pairs": [], "clusters": []}
    for key, value in changes.items():
        key = check_param_path(inst, key)
        m = _CELL.fullmatch(key)
        if m:
            change = _cell_change(inst, *m.groups(), value)
            cells[change[0]].append(change)
        else:
            settings.append(_setting_change(key, value))
    raw, params, types = (apply_settings(inst, settings) if settings
                          else (copy.deepcopy(inst.raw.get("params", {})),
                                copy.deepcopy(inst.params), inst.types))
    parts = {t: _region_table(inst, t, cells[t]) for t in ("partners", "recipients", "clusters")
             if cells[t]}
    lines = inst.lines
    if cells["pairs"]:
        parts["pairs"], added = _pairs_table(inst, params, cells["pairs"])
        if added and lines.get("pairs"):
            lines = {**lines, "pairs": list(lines["pairs"]) + [None] * added}
    new = dataclasses.replace(inst, params=params, types=types, raw={"params": raw},
                              lines=lines, warnings=(), **parts)
    return settle(new, t0)


def _raw_table(df: pd.DataFrame) -> pd.DataFrame:
    out = df.reset_index().astype(object)
    for c in ("max_partners",):  # unlimited is written as an empty cell
        out[c] = [None if isinstance(v, float) and math.isinf(v) else v for v in out[c]]
    return out


def _raw_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    if len(pairs) == 0:
        return pd.DataFrame(columns=["partner", "recipient"])
    return pairs.reset_index().astype(object)


def _raw_clusters(clusters: pd.DataFrame | None) -> pd.DataFrame | None:
    """A typed clusters table as raw cells (members stay tuples of ids); None when empty."""
    if clusters is None or len(clusters) == 0:
        return None
    return clusters.reset_index().astype(object)


def with_tables(inst, partners: pd.DataFrame | None = None,
                recipients: pd.DataFrame | None = None, pairs: pd.DataFrame | None = None,
                clusters: pd.DataFrame | None = None):
    """A validated copy of ``inst`` with whole tables replaced (see
    :meth:`Instance.with_tables`): every value of the new tables is checked."""
    P = _raw_table(inst.partners if partners is None else partners)
    R = _raw_table(inst.recipients if recipients is None else recipients)
    PP = _raw_pairs(inst.pairs if pairs is None else pairs)
    C = _raw_clusters(inst.clusters if clusters is None else clusters)
    return type(inst).from_tables(copy.deepcopy(inst.raw.get("params", {})), P, R, PP,
                                  path=inst.path, clusters=C)
