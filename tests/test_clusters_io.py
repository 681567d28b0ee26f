"""The optional ``clusters.csv`` (virtual industrial clusters, MODEL-v2 section C) through the
instance layer: read from a folder or a workbook sheet, validated into ``Instance.clusters``,
the model's arrays (membership, the pairs whose platform ben_min a cluster waives), cells
changed with ``with_params``, and carried by ``regcollab convert`` both ways.

The bad files are in the catalogues (``test_bad_inputs.py``, ``test_bad_workbooks.py``).
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import DEMO
from test_validation import run_cli

from optimizer import InstanceError, load_instance
from optimizer.instance import Instance
from optimizer.instance.clusters import empty_clusters
from optimizer.workbook import folder_to_workbook, workbook_to_folder

# the demo's pairs (pot, ben): A-W (0.5, 0.2), B-X (0.2, 0.3); with platform pot_min 0.4 and
# ben_min 0.4, A-W has the pot but not the ben of a platform pairing (waived inside G1), B-X
# has neither (stays ineligible), A-X and B-W are eligible anyway
CLUSTERS_CSV = ("id,name,partners,recipients,setup,synergy,min_links,province\n"
                "G1,West hub,A; B,W;X,1.5,0.2,2,Guangdong\n"
                "G2,,A,Y,,,,\n")
POT_MIN = "\n[types.platform]\npot_min = 0.4\n"


def with_clusters(tmp_path, text=CLUSTERS_CSV, name="clustered"):
    """The demo with platform pot_min 0.4 and ``clusters.csv`` (none when ``text`` is None)."""
    folder = tmp_path / name
    shutil.copytree(DEMO, folder)
    toml = folder / "instance.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + POT_MIN, encoding="utf-8")
    if text is not None:
        (folder / "clusters.csv").write_text(text, encoding="utf-8")
    return folder


def pos(inst, d, r):
    return inst.partners.index.get_loc(d), inst.recipients.index.get_loc(r)


def test_typed_clusters_table(tmp_path):
    C = load_instance(with_clusters(tmp_path)).clusters
    assert C.index.name == "id" and list(C.index) == ["G1", "G2"]
    assert list(C.columns[:6]) == ["name", "partners", "recipients", "setup", "synergy",
                                   "min_links"]
    assert list(C["name"]) == ["West hub", "G2"]  # an empty name is the id
    assert C.at["G1", "partners"] == ("A", "B")  # tuples, in the order given, spaces ignored
    assert C.at["G1", "recipients"] == ("W", "X")
    assert C.at["G2", "partners"] == ("A",) and C.at["G2", "recipients"] == ("Y",)
    assert list(C["setup"]) == [1.5, 0.0] and list(C["synergy"]) == [0.2, 0.0]
    assert list(C["min_links"]) == [2, 1] and C["min_links"].dtype.kind == "i"
    assert C["setup"].dtype == float and C["synergy"].dtype == float
    assert list(C["province"]) == ["Guangdong", ""]  # a column the schema does not know: kept


def test_cluster_arrays_and_waived_ben_min(tmp_path):
    inst = load_instance(with_clusters(tmp_path))
    a = inst.arrays
    assert a["cluster_d"].tolist() == [[True, True], [True, False]]  # clusters x partners A, B
    assert list(inst.recipients.index) == ["X", "Y", "W"]
    assert a["cluster_r"].tolist() == [[True, False, True], [False, True, False]]
    assert a["cluster_pair"].shape == (2, 3, 2)
    assert a["cluster_setup"].tolist() == [1.5, 0.0] and a["cluster_min_links"].tolist() == [2, 1]
    t = inst.types.index("platform")
    assert a["pot_min"][t] == 0.4 and a["ben_min"][t] == 0.4
    aw, bx, ax, ay, bw = (pos(inst, *p) for p in (("A", "W"), ("B", "X"), ("A", "X"),
                                                  ("A", "Y"), ("B", "W")))
    assert a["cluster_pair"][aw].tolist() == [True, False]
    assert a["cluster_pair"][ay].tolist() == [False, True]
    # A-W: pot 0.5 >= pot_min, ben 0.2 < ben_min, both in G1: waived, so platform eligible
    assert a["waived"][aw] and a["eligible"][aw][t]
    # B-X: in G1 but pot 0.2 < pot_min: not waived, not eligible
    assert not a["waived"][bx] and not a["eligible"][bx][t]
    # A-X, B-W: eligible without the waiver
    assert not a["waived"][ax] and a["eligible"][ax][t]
    assert not a["waived"][bw] and a["eligible"][bw][t]
    assert int(a["waived"].sum()) == 1
    # the same pair outside any cluster is not eligible
    plain = load_instance(with_clusters(tmp_path, None, "plain"))
    assert not plain.arrays["eligible"][aw][t]


def test_without_the_file_nothing_changes(tmp_path):
    plain = load_instance(with_clusters(tmp_path, None, "plain"))
    header = load_instance(with_clusters(tmp_path, CLUSTERS_CSV.splitlines()[0] + "\n",
                                         "header-only"))
    for inst in (plain, header):
        assert inst.clusters is not None and len(inst.clusters) == 0
        pd.testing.assert_frame_equal(inst.clusters, empty_clusters())
        assert inst.arrays["cluster_d"].shape == (0, 2)
        assert inst.arrays["cluster_r"].shape == (0, 3)
        assert inst.arrays["cluster_pair"].shape == (2, 3, 0)
        assert not inst.arrays["waived"].any()
    assert plain.arrays.keys() == header.arrays.keys()
    for key, v in plain.arrays.items():
        assert np.array_equal(v, header.arrays[key]), key
    # the eligibility rule of model version 1, exactly
    a = plain.arrays
    expected = (a["allowed"][:, :, None] & (a["pot"][:, :, None] >= a["pot_min"] - 1e-12)
                & (a["ben"][:, :, None] >= a["ben_min"] - 1e-12))
    assert np.array_equal(a["eligible"], expected)
    # the clusters change only the membership arrays and the waived pairs' eligibility
    clustered = load_instance(with_clusters(tmp_path))
    for key, v in plain.arrays.items():
        if not key.startswith("cluster_") and key not in ("waived", "eligible"):
            assert np.array_equal(v, clustered.arrays[key]), key
    diff = plain.arrays["eligible"] != clustered.arrays["eligible"]
    assert diff.sum() == 1 and diff[..., plain.types.index("platform")].sum() == 1


def test_bundled_instances_have_no_clusters():
    inst = load_instance(DEMO)
    assert len(inst.clusters) == 0 and not inst.arrays["waived"].any()


def test_from_tables_takes_clusters_as_text():
    base = load_instance(DEMO)
    raw = base.raw["params"]
    P, R = (df.reset_index().astype(object) for df in (base.partners, base.recipients))
    P["max_partners"] = [2, 2]
    R["max_partners"] = [None] * 3
    C = pd.DataFrame({"id": ["G1"], "partners": ["B ;A"], "recipients": ["Y"],
                      "min_links": ["2"]})
    inst = Instance.from_tables(raw, P, R, None, clusters=C)
    assert inst.clusters.at["G1", "partners"] == ("B", "A")
    assert inst.clusters.at["G1", "setup"] == 0.0 and inst.clusters.at["G1", "min_links"] == 2
    C.loc[0, "recipients"] = "Y;Q"
    with pytest.raises(InstanceError, match=r"clusters\.csv, row 1 \(id G1\), column "
                                            r"'recipients': the recipient 'Q' is not in "
                                            r"recipients\.csv"):
        Instance.from_tables(raw, P, R, None, clusters=C)


def test_with_params_changes_cluster_cells(tmp_path):
    inst = load_instance(with_clusters(tmp_path))
    new = inst.with_params({"clusters[G1].synergy": 0.5, "clusters[G2].setup": "3",
                            "clusters[G1].min_links": 4, "clusters[G2].name": "North"})
    assert new.clusters.at["G1", "synergy"] == 0.5 and new.clusters.at["G2", "setup"] == 3.0
    assert new.clusters.at["G1", "min_links"] == 4 and new.clusters.at["G2", "name"] == "North"
    assert new.arrays["cluster_synergy"].tolist() == [0.5, 0.0]
    assert new.arrays["cluster_min_links"].tolist() == [4, 1]
    assert new.clusters.at["G1", "partners"] == ("A", "B")
    # the original is never changed
    assert inst.clusters.at["G1", "synergy"] == 0.2 and inst.clusters.at["G1", "min_links"] == 2
    # every row, and an emptied cell takes its default
    every = inst.with_params({"clusters[*].synergy": 1.0, "clusters[G1].setup": None,
                              "clusters[G1].min_links": None})
    assert list(every.clusters["synergy"]) == [1.0, 1.0]
    assert every.clusters.at["G1", "setup"] == 0.0 and every.clusters.at["G1", "min_links"] == 1
    assert inst.check_param_path("clusters[G1].synergy") == "clusters[G1].synergy"


@pytest.mark.parametrize("change, message", [
    ({"clusters[G1].min_links": 5}, "'clusters[G1].min_links': min_links is 5 but the cluster "
                                    "has only 4 member pairs"),
    ({"clusters[G1].min_links": 0}, "'clusters[G1].min_links' is 0; it must be at least 1"),
    ({"clusters[G1].min_links": 1.5}, "'clusters[G1].min_links'"),
    ({"clusters[G1].synergy": -1}, "'clusters[G1].synergy' is -1"),
    ({"clusters[G9].setup": 1}, "there is no cluster with id 'G9'"),
    ({"clusters[G1].partners": "A"}, "the members of a cluster are not a value to change"),
    ({"clusters[G1].synergi": 1}, "clusters have no column 'synergi'"),
])
def test_with_params_refuses_bad_cluster_cells(tmp_path, change, message):
    inst = load_instance(with_clusters(tmp_path))
    with pytest.raises(InstanceError) as info:
        inst.with_params(change)
    assert message in str(info.value)


def test_with_params_on_an_instance_without_clusters():
    with pytest.raises(InstanceError, match="there is no cluster with id 'G1'"):
        load_instance(DEMO).with_params({"clusters[G1].synergy": 0.1})


def test_with_tables_replaces_the_clusters(tmp_path):
    inst = load_instance(with_clusters(tmp_path))
    C = inst.clusters.copy()
    C.at["G2", "recipients"] = ("Y", "W")
    new = inst.with_tables(clusters=C)
    assert new.clusters.at["G2", "recipients"] == ("Y", "W")
    assert new.arrays["cluster_r"][1].tolist() == [False, True, True]
    assert len(inst.with_tables(clusters=C.iloc[:0]).clusters) == 0  # none left
    assert len(inst.with_tables().clusters) == 2  # kept when not given
    C.at["G2", "partners"] = ("Z",)
    with pytest.raises(InstanceError, match="the partner 'Z' is not in partners.csv"):
        inst.with_tables(clusters=C)


def test_workbook_round_trip(tmp_path):
    folder = with_clusters(tmp_path)
    book, back = tmp_path / "clustered.xlsx", tmp_path / "back"
    code, out = run_cli("convert", folder, book)
    assert code == 0, out
    import openpyxl

    assert openpyxl.load_workbook(book).sheetnames[:5] == ["partners", "recipients", "pairs",
                                                           "clusters", "parameters"]
    code, out = run_cli("convert", book, back)
    assert code == 0, out
    original, from_book, from_back = (load_instance(p) for p in (folder, book, back))
    for inst in (from_book, from_back):
        pd.testing.assert_frame_equal(inst.clusters, original.clusters)
        for key, v in original.arrays.items():
            assert np.array_equal(v, inst.arrays[key]), key
    assert from_book.origin.file("clusters") == "clustered.xlsx, sheet clusters"
    # and through the Python functions, the folder's file as it was (cells as text)
    again = tmp_path / "again"
    workbook_to_folder(folder_to_workbook(back, tmp_path / "again.xlsx"), again)
    assert (again / "clusters.csv").read_text(encoding="utf-8") == \
        (back / "clusters.csv").read_text(encoding="utf-8")
    assert "G1,West hub,A; B,W;X,1.5,0.2,2,Guangdong" in \
        (back / "clusters.csv").read_text(encoding="utf-8")


def test_workbook_without_clusters_has_no_sheet(tmp_path):
    import openpyxl

    book = folder_to_workbook(DEMO, tmp_path / "demo.xlsx")
    assert "clusters" not in openpyxl.load_workbook(book).sheetnames
    workbook_to_folder(book, tmp_path / "back")
    assert not (tmp_path / "back" / "clusters.csv").exists()
    assert len(load_instance(book).clusters) == 0


def test_cluster_sizes_are_limited(tmp_path, monkeypatch):
    import optimizer.limits as limits

    folder = with_clusters(tmp_path)
    monkeypatch.setattr(limits, "MAX_CLUSTER_CELLS", 11)  # 2 clusters x 2 x 3 = 12
    with pytest.raises(InstanceError, match=r"clusters\.csv: 2 clusters x 2 partners x 3 "
                                            r"recipients make 12 cells of membership"):
        load_instance(folder)
    monkeypatch.setattr(limits, "MAX_CLUSTERS", 1)
    with pytest.raises(InstanceError, match=r"clusters\.csv: the file has 2 lines of data, "
                                            r"more than the 1"):
        load_instance(folder)
    book = folder_to_workbook(folder, tmp_path / "c.xlsx")  # a workbook: counted once read
    with pytest.raises(InstanceError, match=r"sheet clusters: has 2 clusters, more than the 1"):
        load_instance(book)
