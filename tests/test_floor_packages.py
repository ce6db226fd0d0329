"""Floor packages (``neurostim.anatomy``, ``neurostim.nerve``): every stage may import them,
they import no stage — only their own modules, the shared helpers and a few third-party
libraries."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

SHARED = {"neurostim.errors", "neurostim.units", "neurostim._data"}
FLOORS = {"neurostim.anatomy": {"numpy", "pydantic"}, "neurostim.nerve": {"numpy"}}


def _imports(path: Path) -> list[str]:
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names]
    return out


@pytest.mark.parametrize("package", sorted(FLOORS))
def test_imports_only_the_floor(package: str) -> None:
    root = Path(importlib.import_module(package).__file__ or "").parent
    paths = sorted(root.glob("*.py"))
    assert paths, root
    for path in paths:
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "neurostim":
                assert name.startswith(package) or name in SHARED, (path, name)
            else:
                assert top in FLOORS[package] or top in sys.stdlib_module_names, (path, name)
