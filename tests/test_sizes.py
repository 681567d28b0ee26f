"""No module of the package over 600 lines and no function over 80 (issue 13): a unit a reader
can hold in mind. Data tables and templates are not code and are not counted (templates are not
``.py`` files; ``schema.py`` is the schema as data and is held to the same limit anyway)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "optimizer"
MODULE_LINES = 600
FUNCTION_LINES = 80

SOURCES = sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


@pytest.mark.parametrize("path", SOURCES, ids=_name)
def test_module_and_function_sizes(path):
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n")
    assert lines <= MODULE_LINES, f"{_name(path)} has {lines} lines (at most {MODULE_LINES})"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines, line {node.lineno})"
            for node in ast.walk(ast.parse(text))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > FUNCTION_LINES]
    assert not long, f"{_name(path)}: functions over {FUNCTION_LINES} lines: {', '.join(long)}"


def test_the_package_is_found():
    assert len(SOURCES) > 50
