"""Small modules and short functions: every module under 400 lines, every function under 60."""

import ast
from pathlib import Path

import semviewer

PACKAGE = Path(semviewer.__file__).parent


def _sources():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def test_every_module_is_under_400_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in _sources() if (n := len(p.read_text().splitlines())) >= 400}
    assert not long, long


def test_every_function_is_under_60_lines():
    long = {}
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 60:
                long[f"{path.relative_to(PACKAGE)}:{node.name}"] = node.end_lineno - node.lineno + 1
    assert not long, long
