"""The settings of an instance (``instance.toml``, or a workbook's parameters sheet): which
keys exist, each value checked against the schema (``schema.py``), defaults filled in.

Messages are located by the :class:`~.origin.Origin` they are given: the file (or sheet) and,
where the reader knows it, the row of the setting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import InstanceError
from ..i18n import _
from ..schema import (
    BALANCE_RULES,
    DEFAULT_SOFT_PENALTY,
    NAMED_SECTIONS,
    PARAM_BY_PATH,
    PARAMS,
    RESOURCE_PARAMS,
    RESOURCE_VALUE,
    SECTIONS,
    SOFT_PENALTY,
    TOP_LEVEL,
    OTHER_TYPE_DEFAULTS,
    TYPE_DEFAULTS,
    TYPE_PARAMS,
    TYPE_TEXT_PARAMS,
    all_setting_paths,
    suggest,
)
from .origin import FOLDER, SETTINGS_FILE, Origin
from .values import TEXT_BREAKS, check_name, check_number, check_text, shown, what


def get_path(d: Mapping, path: str, default=None):
    """The value at the dotted ``path`` of nested dicts, or ``default``."""
    cur: Any = d
    for part in path.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return default
        cur = cur[part]
    return cur


def set_path(d: dict, path: str, value) -> None:
    """Set the dotted ``path`` of nested dicts (making the dicts on the way)."""
    parts = path.split(".")
    cur = d
    for part in parts[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[part] = nxt
        cur = nxt
    cur[parts[-1]] = value


def validate_param(p, value, where: str | None = None, **loc):
    """``value`` checked against the schema parameter ``p`` (and returned, as stored)."""
    where = where or f"'{p.path}'"
    if p.kind == "text":
        return check_text(value, where, TEXT_BREAKS, **loc)
    if p.kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise InstanceError(_("{where} must be true or false, not {what}").format(
                where=where, what=what(value)), **loc)
        return bool(value)
    if p.kind == "choice":
        if not isinstance(value, str) or value not in p.choices:
            near = suggest(value, p.choices) if isinstance(value, str) else None
            raise InstanceError(
                (_("{where} is {value}; it must be one of {choices} (did you mean '{near}'?)")
                 if near else _("{where} is {value}; it must be one of {choices}")).format(
                    where=where, value=shown(value), choices=", ".join(p.choices), near=near),
                **loc)
        return value
    if p.kind == "labels":
        items = value.split(";") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not items:
            raise InstanceError(_("{where} must be a list of names (or names separated by "
                                  "';'), not {what}").format(where=where, what=what(value)),
                                **loc)
        return [check_text(str(v).strip() if isinstance(v, str) else v,
                           _item(where, i), TEXT_BREAKS, **loc)
                for i, v in enumerate(items)]
    if p.kind == "levels":
        return share_levels(value, where, **loc)
    if p.kind == "point":
        return number_pair(value, where, p.lo, p.hi, **loc)
    if p.kind == "types":
        items = value.split(";") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise InstanceError(_("{where} must be a list of types, not {what}").format(
                where=where, what=what(value)), **loc)
        return [check_text(str(v).strip() if isinstance(v, str) else v, _item(where, i),
                           **loc) for i, v in enumerate(items)]
    if p.kind == "number-or-off":
        if value is None or value is False or value == "off":
            return None
    if p.kind == "integer":
        return int(check_number(value, where, p.lo, p.hi, p.lo_open, integer=True, **loc))
    return check_number(value, where, p.lo, p.hi, p.lo_open, **loc)


def _item(where: str, i: int) -> str:
    """Item ``i`` (0-based) of a listed setting, as messages name it."""
    return _("{where} item {n}").format(where=where, n=i + 1)


def number_pair(value, where: str, lo: float, hi: float, **loc) -> list[float]:
    """Two finite numbers in [lo, hi] (``objective.reference``: efficiency then equity), from
    a list or from text with the two separated by ',' or ';' (a workbook cell)."""
    items = value
    bad = InstanceError(_("{where} must be two numbers, efficiency then equity (e.g. [400, "
                          "0.3]), not {what}").format(where=where, what=what(value)), **loc)
    if isinstance(value, str):
        items = [v.strip() for v in value.replace(";", ",").split(",")]
        try:
            items = [float(v) for v in items]
        except ValueError:
            raise bad from None
    if not isinstance(items, (list, tuple)) or len(items) != 2:
        raise bad
    return [check_number(v, _("{where} ({objective})").format(where=where, objective=name),
                         lo, hi, **loc)
            for v, name in zip(items, (_("efficiency"), _("equity")))]


def share_levels(value, where: str, **loc) -> list[float]:
    """``[sharing] levels``: distinct shares in [0, 1), sorted, with 0 added (a pairing may
    always share nothing); empty: no sharing."""
    if value is None:
        return []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, str):  # a workbook cell: shares separated by ';'
        items = [v.strip() for v in value.split(";") if v.strip()]
        try:
            value = [float(v) for v in items]
        except ValueError:
            raise InstanceError(_("{where} must be shares in [0, 1) separated by ';' (e.g. "
                                  "0.25;0.5), not {what}").format(where=where, what=what(value)),
                                **loc) from None
    if not isinstance(value, (list, tuple)):
        raise InstanceError(_("{where} must be a list of shares in [0, 1) (e.g. [0.25, 0.5]), "
                              "not {what}").format(where=where, what=what(value)), **loc)
    levels = [check_number(v, _item(where, i), 0.0, 1.0, **loc)
              for i, v in enumerate(value)]
    for i, v in enumerate(levels):
        if v >= 1.0:
            raise InstanceError(_("{item} is {value}; a share must be less than 1 (the recipient "
                                  "keeps part of the gain)").format(item=_item(where, i),
                                                                    value=shown(v)), **loc)
        if v in levels[:i]:
            raise InstanceError(_("{where} lists the share {value} twice").format(
                where=where, value=shown(v)), **loc)
    return sorted({0.0, *levels}) if levels else []


def sharing_types(params: dict, types: tuple, origin: Origin) -> None:
    """``[sharing] types`` must name types of the instance (checked once the types are)."""
    for t in params["sharing"]["types"]:
        if t not in types:
            near = suggest(t, types)
            raise InstanceError(
                (_("'sharing.types' names the type {type}, which the instance does not have; its "
                   "types are {types} (did you mean '{near}'?)") if near else
                 _("'sharing.types' names the type {type}, which the instance does not have; its "
                   "types are {types}")).format(type=shown(t), types=", ".join(types), near=near),
                **origin.setting("sharing.types"))


def setting_param(path: str):
    """The schema parameter of a dotted setting (``balance.alpha``, ``types.platform.mult``,
    ``resources.funds.value``, ``balance.soft.coverage``), or None when there is none."""
    if path in PARAM_BY_PATH:
        return PARAM_BY_PATH[path]
    parts = path.split(".")
    if len(parts) == 3 and parts[:2] == ["balance", "soft"] and parts[2] in BALANCE_RULES:
        return SOFT_PENALTY
    if len(parts) == 3 and parts[0] == "types":
        return next((p for p in TYPE_PARAMS + TYPE_TEXT_PARAMS if p.path == parts[2]), None)
    if len(parts) == 3 and parts[0] == "resources":
        return next((p for p in RESOURCE_PARAMS if p.path == parts[2]), None)
    return None


def check_setting(path: str, value, where: str | None = None,
                  file: str | None = SETTINGS_FILE, row: str | None = None):
    """``value`` checked as the setting ``path`` of instance.toml (see :func:`setting_param`);
    ``where`` names it in messages (default: the quoted path), ``file`` and ``row`` locate
    it."""
    p = setting_param(path)
    if p is None:
        raise InstanceError(_("'{path}' is not a setting of the instance").format(path=path),
                            file=file, row=row)
    return validate_param(p, value, where or f"'{path}'", file=file, row=row)


def _checked(origin: Origin, path: str, value):
    """``value`` checked as the setting ``path``, located by ``origin``."""
    return check_setting(path, value, **origin.setting(path))


# ------------------------------------------------------------------ which keys instance.toml has
def _unknown_key(path: str, value, siblings, origin: Origin) -> InstanceError:
    """The message for a key the schema does not know, with the likeliest meant one.

    ``siblings`` are the keys allowed where ``path`` stands (its last part is compared with
    them); a setting in the wrong place (``alpha`` at the top, ``lambda`` under [balance]) is
    found by its last part among every setting."""
    parent, _dot, leaf = path.rpartition(".")
    prefix = parent + "." if parent else ""
    near = suggest(leaf, siblings)
    guess = prefix + near if near else None
    if guess is None:
        by_leaf = {}
        for q in all_setting_paths():
            by_leaf.setdefault(q.rsplit(".", 1)[-1], q)
        hit = suggest(leaf, by_leaf) if len(leaf) > 2 else None
        guess = by_leaf[hit] if hit else None
        if guess is not None and guess.startswith("types.") and prefix.startswith("types."):
            guess = None
    table = isinstance(value, Mapping)
    kind = (_("unknown section '{path}' ([{path}])") if table else
            _("unknown setting '{path}'")).format(path=path)
    if guess is not None:
        hint = (_("did you mean [{guess}]?") if table and "." not in guess.replace(prefix, "", 1)
                else _("did you mean '{guess}'?")).format(guess=guess)
        if guess.lower() == path.lower():
            hint += _(" (names are case-sensitive)")
    else:
        hint = (_("[{section}] may hold {keys}") if parent else
                _("the top level of instance.toml may hold {keys}")).format(
            section=parent, keys=", ".join(siblings))
    return InstanceError(_("{problem}; {hint}").format(problem=kind, hint=hint),
                         **origin.setting(path))


def _check_named_section(key: str, value: Mapping, origin: Origin) -> None:
    allowed = NAMED_SECTIONS[key]
    for name, spec in value.items():
        if not isinstance(spec, Mapping):
            raise InstanceError(_("'{path}' must be a table ([{path}]), not {what}").format(
                path=f"{key}.{name}", what=what(spec)), **origin.setting(f"{key}.{name}"))
        for sub, v in spec.items():
            if sub not in allowed:
                raise _unknown_key(f"{key}.{name}.{sub}", v, allowed, origin)


def check_setting_keys(raw: Mapping, origin: Origin = FOLDER) -> None:
    """Every key of ``raw`` (instance.toml as parsed) is one the schema knows, and every
    section is a table; otherwise an InstanceError naming the key, with a suggestion.

    Looks only as deep as the schema goes, so no shape of input can make it recurse."""
    if not isinstance(raw, Mapping):
        raise InstanceError(_("the settings must be a table of keys, not {what}").format(
            what=what(raw)), file=origin.file("settings"))
    for key, value in raw.items():
        key = str(key)
        if key in SECTIONS or key in NAMED_SECTIONS:
            if not isinstance(value, Mapping):
                raise InstanceError(_("'{path}' must be a table ([{path}]), not {what}").format(
                    path=key, what=what(value)), **origin.setting(key))
            if key in NAMED_SECTIONS:
                _check_named_section(key, value, origin)
                continue
            allowed = [p.path.split(".", 1)[1] for p in PARAMS if p.path.startswith(key + ".")]
            if key == "balance":
                allowed.append("soft")
            for sub, v in value.items():
                if str(sub) not in allowed:
                    raise _unknown_key(f"{key}.{sub}", v, allowed, origin)
        elif key not in PARAM_BY_PATH:
            raise _unknown_key(key, value, TOP_LEVEL, origin)


# --------------------------------------------------------------------------- values
def soft_rules(soft, origin: Origin = FOLDER) -> dict:
    """``[balance] soft``: a table rule = penalty, or a list of rule names."""
    loc = origin.setting("balance.soft")
    if isinstance(soft, (list, tuple)):  # soft = ["access_floor", ...]: the default penalty
        for rule in soft:
            if not isinstance(rule, str):
                raise InstanceError(_("'balance.soft' lists {what}; give rule names "
                                      "({rules})").format(what=what(rule),
                                                          rules=", ".join(BALANCE_RULES)), **loc)
        soft = {name: DEFAULT_SOFT_PENALTY for name in soft}
    if not isinstance(soft, Mapping):
        raise InstanceError(_("'balance.soft' must be a table of rule = penalty, or a list of "
                              "rules, not {what}").format(what=what(soft)), **loc)
    out = {}
    for rule, pen in soft.items():
        if rule not in BALANCE_RULES:
            near = suggest(str(rule), BALANCE_RULES)
            raise InstanceError(
                (_("'balance.soft.{rule}' names no balance rule; the rules are {rules} (did you "
                   "mean '{near}'?)") if near else
                 _("'balance.soft.{rule}' names no balance rule; the rules are {rules}")).format(
                    rule=rule, rules=", ".join(BALANCE_RULES), near=near),
                **origin.setting(f"balance.soft.{rule}"))
        out[rule] = _checked(origin, f"balance.soft.{rule}", pen)
    return out


def plain_setting(raw: Mapping, p, origin: Origin = FOLDER):
    """The value of the schema setting ``p`` (a key of :data:`PARAMS`): as given in ``raw``,
    else its default."""
    given = get_path(raw, p.path, None)
    value = given if given is not None else (None if p.kind == "number-or-off" else p.default)
    return validate_param(p, value, **origin.setting(p.path)) if value is not None else None


def resource_settings(raw: Mapping, resource_columns: list[str],
                      origin: Origin = FOLDER) -> tuple[tuple, dict]:
    """The resources (declared in [resources.<name>], else the supply.<name> columns) and
    their settings."""
    res_section = raw.get("resources", {})
    resources = tuple(str(k) for k in res_section) if res_section else tuple(resource_columns)
    if not resources:
        raise InstanceError(_("no resources: give [resources.<name>] sections or supply.<name> "
                              "columns"), file=origin.file("settings"))
    out = {}
    for k in resources:
        loc = (origin.setting(f"resources.{k}") if res_section else
               {"file": origin.file("partners"), "row": origin.header("partners")})
        check_name(k, _("the resource name"), **loc)
        vals = {"unit": "", "value": RESOURCE_VALUE.default}
        vals.update({key: _checked(origin, f"resources.{k}.{key}", v)
                     for key, v in res_section.get(k, {}).items()})
        out[k] = vals
    return resources, out


def type_settings(raw: Mapping, origin: Origin = FOLDER) -> tuple[tuple, dict]:
    """The collaboration types (the three of the paper with their defaults, overridable, then
    any other type [types.<name>] declares) and their settings."""
    type_section = raw.get("types", {})
    types = list(TYPE_DEFAULTS) + [str(t) for t in type_section if t not in TYPE_DEFAULTS]
    out = {}
    for t in types:
        check_name(t, _("the type name"), **origin.setting(f"types.{t}"))
        spec = type_section.get(t, {})
        vals = {}
        for tp in TYPE_PARAMS:
            v = spec.get(tp.path, TYPE_DEFAULTS.get(t, OTHER_TYPE_DEFAULTS).get(tp.path))
            if v is None:
                near = suggest(t, TYPE_DEFAULTS)
                raise InstanceError(
                    (_("type '{type}' is not one of {types}, so '{path}' must be given (or did "
                       "you mean [types.{near}]?)") if near else
                     _("type '{type}' is not one of {types}, so '{path}' must be given")).format(
                        type=t, types=", ".join(TYPE_DEFAULTS), path=f"types.{t}.{tp.path}",
                        near=near),
                    **origin.setting(f"types.{t}"))
            vals[tp.path] = _checked(origin, f"types.{t}.{tp.path}", v)
        if "description" in spec:
            vals["description"] = _checked(origin, f"types.{t}.description",
                                           spec["description"])
        if "source" in spec:
            _checked(origin, f"types.{t}.source", spec["source"])
        out[t] = vals
    return tuple(types), out


def normalise_params(raw: Mapping, resource_columns: list[str],
                     origin: Origin = FOLDER) -> tuple[dict, tuple, tuple]:
    """Check the settings and return (params with defaults, resources, types).

    Every key must be one the schema knows (:func:`check_setting_keys`) and every value of
    the kind and range the schema gives. ``raw`` is not modified."""
    check_setting_keys(raw, origin)
    params: dict = {}
    for p in PARAMS:
        if get_path(raw, p.path, None) is None and p.default is None \
                and p.kind != "number-or-off":
            continue  # an optional description (sources, year, units): left out
        set_path(params, p.path, plain_setting(raw, p, origin))
    params["balance"]["soft"] = soft_rules(get_path(raw, "balance.soft", {}), origin)
    resources, params["resources"] = resource_settings(raw, resource_columns, origin)
    types, params["types"] = type_settings(raw, origin)
    sharing_types(params, types, origin)
    return params, resources, types
