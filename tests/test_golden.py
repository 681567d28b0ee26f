"""The bundled instances give the recorded results (tests/golden.py says how to re-record)."""

import pytest

from golden import (CASES, DIAGNOSES, EXPLAINS, GOLDEN, compare, produce, produce_diagnosis,
                    produce_explanations)


@pytest.mark.parametrize("case", sorted(CASES))
def test_results_match_golden(case, tmp_path):
    diffs = compare(case, produce(case, tmp_path / case))
    assert not diffs, "\n".join(diffs[:30])


@pytest.mark.parametrize("case", sorted(DIAGNOSES))
def test_diagnosis_matches_golden(case, tmp_path):
    diffs = compare(case, produce_diagnosis(case, tmp_path / case), GOLDEN / "diagnose" / case)
    assert not diffs, "\n".join(diffs[:30])


@pytest.mark.parametrize("case", sorted(EXPLAINS))
def test_explanations_match_golden(case, tmp_path):
    diffs = compare(case, produce_explanations(case, tmp_path / case), GOLDEN / "explain" / case)
    assert not diffs, "\n".join(diffs[:30])
