"""Each subpackage's ``__all__`` lists exactly the public names it exports."""

from __future__ import annotations

import importlib
import types

import pytest

SUBPACKAGES = [
    "neurostim",
    "neurostim.device",
    "neurostim.field",
    "neurostim.fibers",
    "neurostim.circuit",
    "neurostim.intrathecal",
    "neurostim.compare",
    "neurostim.pipeline",
    "neurostim.anatomy",
    "neurostim.nerve",
    "neurostim.patient",
    "neurostim.clinic",
    "neurostim.ecap",
    "neurostim.web",
    "neurostim.drg",
]


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_all_matches_exports(name: str) -> None:
    mod = importlib.import_module(name)
    declared = set(mod.__all__)
    public = {
        n
        for n, v in vars(mod).items()
        if not n.startswith("_") and not isinstance(v, types.ModuleType)
    }
    public -= {"annotations"}
    declared -= {"__version__"}
    assert declared == public, (
        f"{name}.__all__ differs from its public names: missing {sorted(public - declared)}, "
        f"extra {sorted(declared - public)}"
    )
    for n in declared:
        assert hasattr(mod, n), f"{name}.__all__ names {n!r}, which it does not define"
