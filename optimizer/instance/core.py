"""The instance: a validated, immutable planning instance and the arrays the model reads.

An :class:`Instance` is made by :meth:`Instance.from_tables` (the one validation of
``tables.py``, then the whole-instance checks of ``checks.py``) or as a changed copy
(:meth:`Instance.with_params`, ``paths.py``); it is never modified.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import paths
from .checks import flow_columns, settle
from .clusters import WAIVED_TYPE, cluster_arrays, waived
from .origin import FOLDER, Origin
from .reach import outcome_coefficients
from .readers import RawInstance
from .settings import get_path
from .tables import MEMBER_SEPARATOR, OPTIONAL_PAIR_VALUES, validate_tables


@dataclass(frozen=True)
class Instance:
    """A validated planning instance. Immutable: use :meth:`with_params` for a changed copy.

    ``partners``, ``recipients`` and ``pairs`` are typed tables indexed by id (pairs by
    ``(partner, recipient)``; only the explicitly listed pairs). ``clusters`` (virtual
    industrial clusters, ``clusters.csv``) is indexed by cluster id, its members as tuples of
    ids (see :mod:`.clusters`); empty when the instance has none. ``params`` holds the
    settings of ``instance.toml`` with defaults filled in.
    """

    params: dict
    partners: pd.DataFrame
    recipients: pd.DataFrame
    pairs: pd.DataFrame
    resources: tuple
    types: tuple
    clusters: pd.DataFrame | None = None  # virtual industrial clusters (empty: none)
    path: str | None = None
    warnings: tuple = ()
    load_seconds: float = 0.0
    raw: dict = field(default_factory=dict, repr=False, compare=False)
    lines: dict = field(default_factory=dict, repr=False, compare=False)
    origin: Origin = field(default=FOLDER, repr=False, compare=False)

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_tables(cls, raw_params: Mapping, partners: pd.DataFrame, recipients: pd.DataFrame,
                    pairs: pd.DataFrame | None = None, path: str | None = None,
                    origin: Origin = FOLDER, clusters: pd.DataFrame | None = None) -> Instance:
        """Validate raw tables (strings or numbers) and parameters into an instance;
        ``origin`` says where they were read from (default: the files of a folder);
        ``clusters``: the optional clusters table (members as ``A;B`` text)."""
        t0 = time.perf_counter()
        fields = validate_tables(raw_params, partners, recipients, pairs, origin, clusters)
        inst = cls(**fields, path=path, raw={"params": copy.deepcopy(dict(raw_params))},
                   origin=origin)
        return settle(inst, t0)

    @classmethod
    def from_raw(cls, raw: RawInstance) -> Instance:
        """The instance of what a reader returned (``readers.py``, ``xlsx_reader.py``)."""
        return cls.from_tables(raw.settings, raw.partners, raw.recipients, raw.pairs,
                               path=raw.path, origin=raw.origin, clusters=raw.clusters)

    def flow_columns(self) -> int:
        """Flow columns of the model: eligible (pair, type) x resources that can flow (the
        partner supplies it and the recipient can absorb it), as ``model.py`` makes them."""
        return flow_columns(self)

    def outcome_coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        """The least and the largest rise of each recipient's normalised outcome per unit of
        each resource (see :func:`.reach.outcome_coefficients`)."""
        return outcome_coefficients(self)

    # ----------------------------------------------------------------- arrays for the model
    @cached_property
    def arrays(self) -> dict:
        """Dense numpy arrays of the data, in the order of the tables (read-only)."""
        P, R, K = self.partners, self.recipients, self.resources
        tp = self.params["types"]
        out = {
            "supply": P[[f"supply.{k}" for k in K]].to_numpy(float),
            "max_partners_d": P["max_partners"].to_numpy(float),
            "pop": R["population"].to_numpy(float),
            "y0": R["baseline"].to_numpy(float),
            "target": R["target"].to_numpy(float),
            "need": R[[f"need.{k}" for k in K]].to_numpy(float),
            "absorb": R[[f"absorb.{k}" for k in K]].to_numpy(float),
            "prod": R[[f"prod.{k}" for k in K]].to_numpy(float),
            "min_partners_r": R["min_partners"].to_numpy(float),
            "max_partners_r": R["max_partners"].to_numpy(float),
            "value": np.array([self.params["resources"][k]["value"] for k in K], float),
            "return_min": np.array([self.params["resources"][k].get("return_min", 0.0)
                                    for k in K], float),
            "share_levels": np.array(self.params["sharing"]["levels"], float),
            "share_type": np.array([t in self.params["sharing"]["types"] for t in self.types],
                                   bool),
        }
        for name in ("mult", "kappa", "setup", "min_scale", "pot_min", "ben_min", "trust_gain",
                     "trust_min"):
            out[name] = np.array([tp[t][name] for t in self.types], float)
        # the scale rule's floor of a pairing of type t with recipient r: the type's min_scale
        # or pair_floor of the recipient's total need in value, the larger (MODEL.md 1.1)
        out["need_value"] = out["need"] @ out["value"]
        out["pair_floor_value"] = self.params["balance"]["pair_floor"] * out["need_value"]
        out["scale_floor"] = np.maximum(out["min_scale"][None, :],
                                        out["pair_floor_value"][:, None])
        out.update(self._pair_arrays())
        out.update(cluster_arrays(self.clusters, P.index, R.index))
        out["eligible"] = (out["allowed"][:, :, None]
                           & (out["pot"][:, :, None] >= out["pot_min"][None, None, :] - 1e-12)
                           & (out["ben"][:, :, None] >= out["ben_min"][None, None, :] - 1e-12))
        out["waived"] = waived(out, self.types)  # platform only inside a formed cluster
        if out["waived"].any():
            out["eligible"][:, :, self.types.index(WAIVED_TYPE)] |= out["waived"]
        # a pair's types cell (pairs.csv) leaves only the types it lists (waived ones too)
        for (d, r), listed in self.listed_types.items():
            out["eligible"][d, r, :] &= [t in listed for t in self.types]
            if WAIVED_TYPE not in listed:
                out["waived"][d, r] = False
        for v in out.values():
            v.setflags(write=False)
        return out

    @cached_property
    def listed_types(self) -> dict:
        """(partner position, recipient position) -> the types the pair's ``types`` cell of
        pairs.csv allows, for the pairs whose cell is not empty (the others may take every
        type their pot and ben reach)."""
        if "types" not in self.pairs or not len(self.pairs):
            return {}
        cells = self.pairs["types"].to_numpy(object)
        rows = [i for i, v in enumerate(cells) if isinstance(v, str) and v]
        if not rows:
            return {}
        keys = self.pairs.index[rows]
        di = self.partners.index.get_indexer(keys.get_level_values(0))
        ri = self.recipients.index.get_indexer(keys.get_level_values(1))
        return {(int(d), int(r)): tuple(cells[i].split(MEMBER_SEPARATOR))
                for d, r, i in zip(di, ri, rows)}

    def _pair_arrays(self) -> dict:
        """comp, pot, ben, allowed and fixed of every pair (listed or not), dense."""
        P, R, pr = self.partners, self.recipients, self.params["pairs"]
        shape = (len(P), len(R))
        out = {"comp": np.full(shape, pr["comp"]), "pot": np.full(shape, pr["pot"]),
               "ben": np.full(shape, pr["ben"]), "allowed": np.full(shape, bool(pr["allowed"])),
               "fixed": np.zeros(shape, bool)}
        if len(self.pairs):
            di = P.index.get_indexer(self.pairs.index.get_level_values(0))
            ri = R.index.get_indexer(self.pairs.index.get_level_values(1))
            for c in ("comp", "pot", "ben"):
                out[c][di, ri] = self.pairs[c].to_numpy(float)
            for c in ("allowed", "fixed"):
                out[c][di, ri] = self.pairs[c].to_numpy(bool)
        out["trust0"] = np.zeros(shape)
        if "trust0" in self.pairs:
            out["trust0"][di, ri] = self.pairs["trust0"].to_numpy(float)
        return out

    # ----------------------------------------------------------------- convenience
    @property
    def name(self) -> str:
        return self.params.get("name") or (Path(self.path).name if self.path else "instance")

    def param(self, path: str, default=None):
        """A parameter by its dotted path, e.g. ``inst.param("balance.alpha")``."""
        return get_path(self.params, path, default)

    def __repr__(self) -> str:
        return (f"Instance({self.name!r}: {len(self.partners)} partners, "
                f"{len(self.recipients)} recipients, resources {list(self.resources)})")

    # ----------------------------------------------------------------- copies with changes
    def with_params(self, changes: Mapping[str, Any]) -> Instance:
        """A validated copy with some values changed; ``self`` is never modified.

        Keys are dotted paths: settings of ``instance.toml`` (``"balance.alpha"``,
        ``"objective.lambda"``, ``"types.platform.mult"``, ``"resources.funds.value"``,
        ``"balance.soft.access_floor"``) or table cells: ``"partners[SZ].supply.talent"``,
        ``"recipients[MZ].need.funds"``, ``"pairs[SZ,MZ].ben"``, ``"clusters[G1].synergy"``
        (and setup, min_links, name); ``[*]`` sets the column for every row. A value of ``None`` switches an optional rule off (``"balance.theta"``),
        or empties a cell (its column's default applies).

        Only the changed values are checked (a bad one is named by its path, e.g.
        ``'partners[SZ].supply.funds' is -1; ...``), then the rules of the whole instance.
        """
        return paths.with_params(self, changes)

    def check_param_path(self, key) -> str:
        """``key`` if it names a setting or a table cell of this instance (as
        :meth:`with_params` takes them), else an InstanceError that says what is meant."""
        return paths.check_param_path(self, key)

    def with_tables(self, partners: pd.DataFrame | None = None,
                    recipients: pd.DataFrame | None = None,
                    pairs: pd.DataFrame | None = None,
                    clusters: pd.DataFrame | None = None) -> Instance:
        """A validated copy with whole tables replaced (same columns as ``self.partners``,
        ``self.recipients``, ``self.pairs``, ``self.clusters``, indexed the same way)."""
        return paths.with_tables(self, partners, recipients, pairs, clusters)

    def all_pairs(self) -> pd.DataFrame:
        """Every allowed pair (listed or not) with its comp, pot, ben and fixed values (and
        its trust0 and types where the pairs table has them), as a pairs table (indexed by
        partner, recipient)."""
        a = self.arrays
        d, r = np.nonzero(a["allowed"])
        idx = pd.MultiIndex.from_arrays([self.partners.index[d], self.recipients.index[r]],
                                        names=["partner", "recipient"])
        out = pd.DataFrame({"comp": a["comp"][d, r], "pot": a["pot"][d, r],
                            "ben": a["ben"][d, r], "allowed": True,
                            "fixed": a["fixed"][d, r]}, index=idx)
        if self.params["pairs"]["allowed"]:
            # pairs not allowed must stay listed when the default allows the rest
            nd, nr = np.nonzero(~a["allowed"])
            if len(nd):
                idx2 = pd.MultiIndex.from_arrays(
                    [self.partners.index[nd], self.recipients.index[nr]],
                    names=["partner", "recipient"])
                out = pd.concat([out, pd.DataFrame(
                    {"comp": a["comp"][nd, nr], "pot": a["pot"][nd, nr], "ben": a["ben"][nd, nr],
                     "allowed": False, "fixed": False}, index=idx2)])
        # the optional columns (trust0, types) as listed, their default for the other pairs
        for c, default in OPTIONAL_PAIR_VALUES.items():
            if c in self.pairs:
                col = self.pairs[c].reindex(out.index).astype(object)
                out[c] = col.where(col.notna(), default).to_numpy(
                    object if isinstance(default, str) else float)
        return out
