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
# the interface's language follows the locale (optimizer.i18n.language_from_env): tests that
# compare English output must not turn Chinese on a machine set up in Chinese; the tests in
# Chinese ask for it (--lang zh, use_language, the `lang` fixture)
for _var in ("LC_ALL", "LC_MESSAGES", "LANG"):
    if os.environ.get(_var, "").lower().startswith("zh"):
        os.environ[_var] = "C.UTF-8"


@pytest.fixture(params=["en", "zh"])
def lang(request):
    """Run a test in both languages of the interface (the language is current within it)."""
    from optimizer.i18n import use_language

    with use_language(request.param):
        yield request.param


def convert_round_trip(folder: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """``regcollab convert`` the folder to a workbook and back: (folder, workbook, folder
    again), each command checked to exit 0."""
    from click.testing import CliRunner

    from optimizer import cli

    book, back = tmp_path / "rt.xlsx", tmp_path / "back"
    for args in (["convert", str(folder), str(book)], ["convert", str(book), str(back)]):
        result = CliRunner().invoke(cli.main, args)
        assert result.exit_code == 0, result.output
    return folder, book, back
