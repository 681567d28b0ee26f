"""The instance layer: readers return raw tables (no validation), one validation per load
whose messages are located by the reader's origin (never rewritten afterwards), and
``with_params`` that checks only what changed, with the same results as a full validation."""

from __future__ import annotations

import copy
import math
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import DEMO
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz import fuzz

from optimizer import Instance, InstanceError, load_instance
from optimizer.instance import CELL_PATH, core, read_instance, tables
from optimizer.instance.paths import _raw_pairs, _raw_table
from optimizer.schema import PARAM_BY_PATH, column_for
from optimizer.workbook import folder_to_workbook

SCHEMA_COLUMNS = re.compile(r"name|max_partners|min_partners|population|baseline|target|"
                            r"(supply|need|absorb|prod)\..+|comp|pot|ben|allowed|fixed")


@pytest.fixture(scope="module")
def sparse(demo):
    """The demo with only four pairs listed (B-Y and B-W take the [pairs] defaults)."""
    return demo.with_tables(pairs=demo.pairs.iloc[:4])


# ------------------------------------------------------------------ the full validation
def fully_validated(inst: Instance, changes: dict) -> Instance:
    """``changes`` made to the raw form of ``inst`` (its typed tables as cells, its settings
    as given) and everything validated again: what with_params did before it checked only
    the changes, kept here as the reference. As then, a number cell refuses true/false and
    NaN (None empties a cell), and None switches off only an optional rule."""
    raw = copy.deepcopy(inst.raw["params"])
    soft = raw.get("balance", {}).get("soft")
    if isinstance(soft, list):
        raw["balance"]["soft"] = {rule: 1000.0 for rule in soft}
    P, R, PP = _raw_table(inst.partners), _raw_table(inst.recipients), _raw_pairs(inst.pairs)
    for key, value in changes.items():
        key = inst.check_param_path(key)
        m = re.fullmatch(CELL_PATH, key)
        if m is None:
            if key.startswith("resources.") and "resources" not in raw:
                raw["resources"] = {k: dict(v) for k, v in inst.params["resources"].items()}
            *parents, leaf = key.split(".")
            cur = raw
            for part in parents:  # None takes away only what is there
                cur = cur.setdefault(part, {}) if value is not None else cur.get(part, {})
            if value is None:
                if key in PARAM_BY_PATH and PARAM_BY_PATH[key].kind != "number-or-off":
                    raise InstanceError("only an optional rule can be switched off")
                cur.pop(leaf, None)
            else:
                cur[leaf] = value
            continue
        table, row, column = m.groups()
        spec = column_for(table, column)
        if spec is not None and spec.kind in ("number", "integer") and (
                isinstance(value, bool) or (isinstance(value, float) and math.isnan(value))):
            # a change must be a number: pandas would read true as 1 and NaN as empty
            raise InstanceError("not a number")
        if table == "pairs":
            d, r = (s.strip() for s in row.split(","))
            hit = (PP["partner"] == d) & (PP["recipient"] == r) if len(PP) else []
            if column not in PP:
                PP[column] = None
            if not np.any(hit):
                PP = pd.concat([PP, pd.DataFrame([{"partner": d, "recipient": r}],
                                                 dtype=object)], ignore_index=True)
                hit = (PP["partner"] == d) & (PP["recipient"] == r)
            PP.loc[hit, column] = value
        else:
            df = P if table == "partners" else R
            df[column] = df[column].astype(object)
            df.loc[slice(None) if row == "*" else df["id"] == row, column] = value
    return Instance.from_tables(raw, P, R, PP, path=inst.path)


def assert_same_instance(a: Instance, b: Instance) -> None:
    assert a.params == b.params
    assert (a.resources, a.types) == (b.resources, b.types)
    for t in ("partners", "recipients", "pairs"):
        x, y = getattr(a, t), getattr(b, t)
        cols = [c for c in x.columns if SCHEMA_COLUMNS.fullmatch(c)]
        assert list(x.index) == list(y.index), t
        pd.testing.assert_frame_equal(x[cols], y[cols], check_dtype=False)
    assert a.arrays.keys() == b.arrays.keys()
    for k in a.arrays:
        np.testing.assert_array_equal(a.arrays[k], b.arrays[k], err_msg=k)
    assert a.warnings == b.warnings


CELLS = [f"partners[{d}].{c}" for d in ("A", "B", "*")
         for c in ("supply.funds", "supply.talent", "max_partners", "name")] + \
        [f"recipients[{r}].{c}" for r in ("X", "Y", "W", "*")
         for c in ("population", "target", "min_partners", "max_partners", "need.funds",
                   "absorb.talent", "prod.funds", "name")] + \
        [f"pairs[{d},{r}].{c}" for d in ("A", "B") for r in ("X", "Y", "W")
         for c in ("comp", "pot", "ben", "allowed", "fixed")]
SETTINGS = ["balance.alpha", "balance.gamma", "balance.theta", "balance.rho",
            "balance.pair_floor", "objective.lambda", "objective.equity", "pairs.ben",
            "pairs.pot", "pairs.allowed", "types.platform.ben_min", "types.institutional.mult",
            "types.project.setup", "types.road.mult", "resources.funds.value",
            "balance.soft.access_floor", "balance.soft.coverage", "name", "year"]
VALUES = [0, 1, 2, 0.3, 0.75, -1, 1.5, 1e13, None, "", "0.6", "many", True, False, "yes",
          float("nan"), "maxmin", "Hill\tCounty", "Hill County"]


@fuzz(150)
@given(st.dictionaries(st.sampled_from(CELLS + SETTINGS), st.sampled_from(VALUES),
                       min_size=1, max_size=3), st.booleans())
def test_with_params_gives_what_a_full_validation_gives(demo, sparse, changes, use_sparse):
    """Checking only the changes accepts and refuses the same changes as validating the
    whole changed instance again, and gives the same instance (tables, settings, arrays,
    warnings)."""
    inst = sparse if use_sparse else demo
    try:
        expected = fully_validated(inst, changes)
    except InstanceError:
        with pytest.raises(InstanceError):
            inst.with_params(changes)
        return
    assert_same_instance(inst.with_params(changes), expected)


# ------------------------------------------------------------------ only what changed
def test_with_params_does_not_validate_the_tables_again(demo, monkeypatch):
    """A change is checked alone: no column of the tables is parsed again."""
    calls = []
    parse = tables.parse_column
    monkeypatch.setattr(tables, "parse_column", lambda *a, **k: calls.append(a[1]) or
                        parse(*a, **k))
    fresh = Instance.from_tables(demo.raw["params"], _raw_table(demo.partners),
                                 _raw_table(demo.recipients), _raw_pairs(demo.pairs))
    assert calls  # the full validation parses every column
    calls.clear()
    for changes in ({"balance.alpha": 0.5}, {"partners[A].supply.funds": 90},
                    {"recipients[*].min_partners": 2}, {"pairs[A,X].ben": 0.9},
                    {"types.road.mult": 1.1, "types.road.kappa": 0.3, "types.road.setup": 0,
                     "types.road.min_scale": 0, "types.road.pot_min": 0,
                     "types.road.ben_min": 0}):
        assert fresh.with_params(changes) is not fresh
    assert calls == []


@pytest.mark.parametrize("changes,message", [
    ({"partners[A].supply.funds": -1},
     "'partners[A].supply.funds' is -1; it must be at least 0"),
    ({"recipients[X].population": "many"}, "'recipients[X].population': 'many' is not a number"),
    ({"recipients[*].min_partners": 1.5}, "'recipients[*].min_partners' must be a whole number"),
    ({"partners[B].supply.talent": float("nan")}, "'partners[B].supply.talent' must be a finite"),
    ({"partners[A].supply.funds": None},
     "'partners[A].supply.funds': the value is empty but is required"),
    ({"pairs[A,W].allowed": "maybe"}, "'pairs[A,W].allowed': 'maybe' is not true or false"),
    ({"partners[A].name": "Harbour\tCity"}, "'partners[A].name': the name 'Harbour\\tCity' "
                                            "contains U+0009 (TAB)"),
    ({"recipients[X].max_partners": 0},
     "'recipients[X]': min_partners (1) is larger than max_partners (0)"),
    ({"pairs[A,W].allowed": False, "pairs[A,W].fixed": True},
     "'pairs[A,W]': the pair is fixed (must be kept) but not allowed"),
    ({"balance.alpha": 2}, "'balance.alpha' is 2; it must be between 0 and 1"),
    ({"objective.lambda": None}, "'objective.lambda' cannot be switched off (None)"),
    ({"types.road.mult": 1.2},
     "type 'road' is not one of project, platform, institutional, so 'types.road.kappa' "
     "must be given"),
    ({"partners[Q].supply.funds": 1}, "'partners[Q].supply.funds': there is no partner with "
                                      "id 'Q'"),
    ({"pairs[A,Q].ben": 0.5}, "'pairs[A,Q]': no such partner or recipient"),
])
def test_a_bad_change_is_refused_by_its_path(demo, changes, message):
    """The message names the change (no file: the change is not in one), and the instance
    is untouched."""
    before = demo.partners.copy(), demo.recipients.copy(), copy.deepcopy(demo.params)
    with pytest.raises(InstanceError) as err:
        demo.with_params(changes)
    assert str(err.value) == message or str(err.value).startswith(message), str(err.value)
    assert err.value.file is None
    pd.testing.assert_frame_equal(demo.partners, before[0])
    pd.testing.assert_frame_equal(demo.recipients, before[1])
    assert demo.params == before[2]


def test_a_change_that_breaks_the_whole_instance_is_refused(demo):
    """The whole-instance rules run after the changes: a fixed pair that can take no type."""
    with pytest.raises(InstanceError, match="the pair B-X is fixed but can take no "
                                            "collaboration type"):
        demo.with_params({"pairs[B,X].fixed": True, "pairs[B,X].pot": 0.0,
                          "types.project.ben_min": 0.5})


def test_typed_changes_round_trip(demo, sparse):
    """Changing a value and changing it back gives the instance again; a number given as
    text is the number; an added pair takes the defaults of a listed pair; the tables keep
    their types."""
    there = demo.with_params({"partners[A].supply.funds": 55, "recipients[*].need.talent": 4,
                              "balance.theta": 0.4, "pairs[B,W].ben": 0.1})
    back = there.with_params({"partners[A].supply.funds": 100, "recipients[*].need.talent": 10,
                              "balance.theta": None, "pairs[B,W].ben": 0.5})
    assert_same_instance(back, demo)
    assert_same_instance(demo.with_params({"partners[A].supply.funds": "55"}),
                         demo.with_params({"partners[A].supply.funds": 55.0}))
    # a whole column of numbers took no text before (pandas refused "3" in a float column)
    assert demo.with_params({"partners[A].max_partners": "3"}).partners.at["A",
                                                                            "max_partners"] == 3
    added = sparse.with_params({"pairs[B,W].ben": 0.45})
    row = added.pairs.loc[("B", "W")]
    assert (row["comp"], row["pot"], row["ben"], row["allowed"], row["fixed"]) == \
        (0.0, 0.0, 0.45, True, False)
    assert len(added.pairs) == len(sparse.pairs) + 1
    assert added.arrays["eligible"][1, 2].tolist() == [True, True, False]
    for t in ("partners", "recipients", "pairs"):
        assert dict(getattr(added, t).dtypes) == dict(getattr(sparse, t).dtypes)
    emptied = demo.with_params({"recipients[Y].max_partners": 1}).with_params(
        {"recipients[Y].max_partners": None, "recipients[X].absorb.talent": None})
    assert math.isinf(emptied.recipients.at["Y", "max_partners"])
    assert emptied.recipients.at["X", "absorb.talent"] == emptied.recipients.at["X", "need.talent"]


# ------------------------------------------------------------------ readers and one validation
def test_readers_do_not_validate(tmp_path):
    """A reader returns what the files hold; the values are checked by the validation."""
    folder = tmp_path / "bad"
    folder.mkdir()
    for f in DEMO.iterdir():
        (folder / f.name).write_text(f.read_text().replace("A,Harbour City,2,100",
                                                           "A,Harbour City,2,-100"))
    raw = read_instance(folder)
    assert raw.partners["supply.funds"].tolist() == ["-100", "60"]
    assert raw.origin.file("partners") == "partners.csv"
    with pytest.raises(InstanceError, match=r"^partners.csv, line 2 \(id A\), column "
                                            r"'supply.funds': -100 is out of range"):
        Instance.from_raw(raw)


def count_validations(monkeypatch) -> list:
    """Calls of the one validation, with the error each raised (None when it passed)."""
    calls = []
    validate = core.validate_tables

    def counted(*args, **kwargs):
        try:
            out = validate(*args, **kwargs)
        except InstanceError as exc:
            calls.append(exc)
            raise
        calls.append(None)
        return out

    monkeypatch.setattr(core, "validate_tables", counted)
    return calls


def edited_book(tmp_path, change):
    book = folder_to_workbook(DEMO, tmp_path / "demo.xlsx")
    wb = openpyxl.load_workbook(book)
    change(wb)
    wb.save(tmp_path / "bad.xlsx")
    return tmp_path / "bad.xlsx"


def test_a_workbook_is_validated_once_and_its_messages_are_not_rewritten(tmp_path, monkeypatch):
    """load_instance of a workbook validates once, and the error a bad value gets is the one
    the validation raised, located by the workbook's sheets and rows from the start."""
    calls = count_validations(monkeypatch)
    good = folder_to_workbook(DEMO, tmp_path / "good.xlsx")
    load_instance(good)
    assert calls == [None]
    calls.clear()
    bad = edited_book(tmp_path, lambda wb: wb["recipients"].__setitem__("C3", -1))
    with pytest.raises(InstanceError) as err:
        load_instance(bad)
    assert len(calls) == 1 and calls[0] is err.value
    assert str(err.value).startswith("bad.xlsx, sheet recipients, row 3 (id Y), column "
                                     "'population': -1 is out of range")


def test_workbook_messages_name_the_rows_of_settings_and_headers(tmp_path):
    """A setting of a section is found at its row of the parameters sheet, and a table's
    header at its own row (not always row 1)."""
    def new_type(wb):
        ws = wb["parameters"]
        ws.append(["types.road.mult", 1.2, "number"])
    book = edited_book(tmp_path, new_type)
    row = openpyxl.load_workbook(book)["parameters"].max_row
    with pytest.raises(InstanceError) as err:
        load_instance(book)
    assert str(err.value).startswith(f"bad.xlsx, sheet parameters, row {row}: type 'road' is "
                                     "not one of"), str(err.value)

    def header_lower(wb):
        ws = wb["partners"]
        ws.insert_rows(1)
        ws.delete_cols(5)  # supply.talent
    with pytest.raises(InstanceError) as err:
        load_instance(edited_book(tmp_path, header_lower))
    assert str(err.value).startswith("bad.xlsx, sheet partners, row 2: the column "
                                     "'supply.talent' is missing"), str(err.value)
