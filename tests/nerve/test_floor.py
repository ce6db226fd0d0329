"""neurostim.nerve is a floor package: every stage may import it, it imports no stage."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import neurostim.nerve

ALLOWED = {"neurostim.errors", "neurostim.units", "neurostim._data"}
THIRD_PARTY = {"numpy"}


def test_imports_only_the_floor() -> None:
    root = Path(neurostim.nerve.__file__).parent
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top == "neurostim":
                    assert name.startswith("neurostim.nerve") or name in ALLOWED, (path, name)
                else:
                    assert top in THIRD_PARTY or top in sys.stdlib_module_names, (path, name)
