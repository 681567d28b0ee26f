"""The docs say what the code does."""

import re

from click.testing import CliRunner
from conftest import ROOT

from optimizer import cli
from optimizer.schema import markdown_tables


def test_instance_format_reference_matches_schema():
    text = (ROOT / "docs" / "instance-format.md").read_text(encoding="utf-8")
    block = text.split("<!-- schema:begin -->\n")[1].split("<!-- schema:end -->")[0]
    assert block == markdown_tables(), "regenerate with: python -m optimizer.schema"


def test_cli_doc_lists_every_solve_option():
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    out = CliRunner().invoke(cli.main, ["solve", "--help"]).output
    for opt in set(re.findall(r"(--[a-z][a-z-]+)", out)) - {"--help"}:
        assert opt in doc, f"{opt} of 'regcollab solve' is not in docs/cli.md"


def test_readme_commands_match_ci():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    marker = "# --- the README's test command, verbatim:\n"
    test_cmd = ci.split(marker)[1].splitlines()[0]
    assert test_cmd.startswith("pip install") and test_cmd in readme, \
        "the README's test command must be what CI runs"
    first = re.search(r"```bash\n(.*?)\n```", readme, re.S).group(1)
    install = first.split("pip install ")[1].split(" && ")[0]  # e.g. '.[report]'
    assert "-e" not in install.split(), "the first command installs as a user would"
    assert "regcollab solve" in first and "regcollab solve" in ci
