import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

DEMO = ROOT / "instances" / "demo"


@pytest.fixture(scope="session")
def demo():
    from optimizer import load_instance

    return load_instance(DEMO)


# two test workers share two cores: each solve takes one thread (HiGHS's idle threads would
# take a third of a core from the other worker); tests that set threads still do
os.environ.setdefault("REGCOLLAB_THREADS", "1")
