"""The DRG package sits above the stages: no stage imports it; the example geometry loads."""

from __future__ import annotations

import ast
from pathlib import Path

import neurostim
from neurostim.drg import drg_geometry_from_toml, place_lead

STAGES = ("anatomy", "device", "field", "fibers", "circuit", "intrathecal", "pipeline")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "drg" / "l4-caudal-lead.toml"


def test_no_stage_imports_drg() -> None:
    root = Path(neurostim.__file__).parent
    for stage in STAGES:
        for path in (root / stage).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    assert not node.module.startswith("neurostim.drg"), path
                elif isinstance(node, ast.Import):
                    assert not any(a.name.startswith("neurostim.drg") for a in node.names), path


def test_example_geometry_file() -> None:
    g = drg_geometry_from_toml(EXAMPLE)
    assert (g.level, g.capsule_thickness_mm, g.lead_gap_mm) == ("L4", 0.3, 1.0)
    assert g.drg_length_mm == 8.0 and g.conductivity.fat == 0.033
    p = place_lead(g)
    assert p.centers_mm[:, 0].mean() == 1.0
