"""The bundled instances give the recorded results (tests/golden.py says how to re-record)."""

import pytest

from golden import CASES, compare, produce


@pytest.mark.parametrize("case", sorted(CASES))
def test_results_match_golden(case, tmp_path):
    diffs = compare(case, produce(case, tmp_path / case))
    assert not diffs, "\n".join(diffs[:30])
