"""Mesh levels and the dorsal refinement band (no NGSolve needed).

Reference: docs/fem.md, sections "Mesh" and "Mesh convergence" (the band's definition: lines
along z at most ``dorsal_maxh_mm`` apart, in the outer ``DORSAL_BAND_MM`` below the cord's
dorsal surface, over the contacts' z range and ``DORSAL_MARGIN_MM`` beyond it, clipped to the
model). Checked by independent geometry (the ellipse equation), exact to 1e-9 mm.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.field import RingContact
from neurostim.field.fem import MESH_LEVELS, LayeredCord
from neurostim.field.fem.leads import leads_from_contacts
from neurostim.field.fem.mesh import (
    DORSAL_BAND_MM,
    DORSAL_MARGIN_MM,
    contact_z_range_mm,
    dorsal_lines_mm,
)


def _model() -> tuple[LayeredCord, list]:
    cord = LayeredCord(
        cord_ap_mm=6.0, cord_transverse_mm=8.0, dcsf_mm=3.0, vcsf_mm=2.0,
        dura_thickness_mm=0.3, epidural_thickness_mm=2.5, length_mm=60.0,
    )  # fmt: skip
    y = -(cord.dura_outer_radius_mm + 0.05 + 0.65)
    rings = [RingContact((0.0, y, z), diameter_mm=1.3) for z in (-20.0, -10.0, 0.0, 10.0)]
    return cord, leads_from_contacts(rings, cord)


def test_every_level_has_the_same_required_sizes() -> None:
    required = {"contact_maxh_mm", "cord_maxh_mm", "maxh_mm", "grading", "curvaturesafety"}
    for level, sizes in MESH_LEVELS.items():
        assert required <= set(sizes), level
        assert all(isinstance(v, float) and v > 0 for v in sizes.values()), level
    # finer levels are finer in the cord and at the contacts
    assert (MESH_LEVELS["coarse"]["cord_maxh_mm"] > MESH_LEVELS["medium"]["cord_maxh_mm"]
            > MESH_LEVELS["fine"]["cord_maxh_mm"])  # fmt: skip


def test_dorsal_lines_fill_the_dorsal_band_over_the_contacts() -> None:
    cord, leads = _model()
    h = 0.6
    z0, z1 = contact_z_range_mm(leads)
    assert (z0, z1) == pytest.approx((-21.5, 11.5))  # 3 mm rings at -20 ... 10
    lines = np.array(dorsal_lines_mm(cord, leads, h))  # (n, 2, 3)
    assert np.allclose(lines[:, :, :2][:, 0], lines[:, :, :2][:, 1])  # parallel to z
    assert np.allclose(lines[:, 0, 2], max(z0 - DORSAL_MARGIN_MM, -30.0))
    assert np.allclose(lines[:, 1, 2], min(z1 + DORSAL_MARGIN_MM, 30.0))
    x, y = lines[:, 0, 0], lines[:, 0, 1]
    cx, cy = cord.cord_center_xy_mm
    a, b = 4.0, 3.0
    # inside or on the cord's ellipse, and within the band below its dorsal surface
    assert np.all(((x - cx) / a) ** 2 + ((y - cy) / b) ** 2 <= 1.0 + 1e-9)
    surface = cy - b * np.sqrt(1.0 - ((x - cx) / a) ** 2)
    depth = y - surface
    assert depth.min() == pytest.approx(0.0, abs=1e-9)
    assert depth.max() == pytest.approx(DORSAL_BAND_MM)
    # at most h apart across and in depth
    xs, ds = np.unique(np.round(x, 9)), np.unique(np.round(depth[x == x[0]], 9))
    assert np.diff(xs).max() <= h + 1e-9 and np.diff(ds).max() <= h + 1e-9


BIPOLE = (
    'name = "bipole"\nstimulator = "generic-rechargeable-16"\nleads = ["{lead}"]\n'
    '[[trains]]\nwaveform = "tonic"\namplitude_ma = 4.0\npulse_width_us = 210\nrate_hz = 50\n'
    'contacts = {{ "L1.E1" = -100, "L1.E2" = 100 }}\n'
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("level", "program", "overrides"),
    [
        ("T8", "tonic", {}),  # the dorsal band without the dura limit failed here
        ("T10", "tonic", {"length_mm": 60.0}),  # and here
        ("T10", "percutaneous-8", {"length_mm": 60.0, "dcsf_mm": 6.0}),
        ("T12", "paddle-16", {}),
    ],
)
def test_coarse_level_meshes_the_shipped_levels(
    level: str, program: str, overrides: dict[str, float]
) -> None:
    # regression: Netgen stopped with "boundary mesh is overlapping" in the dura (docs/fem.md,
    # "Mesh"); the check is that meshing succeeds and every contact face survives
    pytest.importorskip("ngsolve")
    from pathlib import Path

    from neurostim.anatomy import load_anatomy
    from neurostim.device import parse_program_text
    from neurostim.field.fem.mesh import build_mesh
    from neurostim.pipeline.anatomy import anatomy_placements, layered_cord
    from neurostim.pipeline.placement import program_contacts

    anatomy = load_anatomy(level, **overrides)
    if program == "tonic":
        root = Path(__file__).resolve().parents[3]
        text = (root / "examples" / "programs" / "tonic.toml").read_text(encoding="utf-8")
    else:
        text = BIPOLE.format(lead=program)
    prog = parse_program_text(text)
    _, contacts = program_contacts(prog, anatomy_placements(prog, anatomy))
    cord = layered_cord(anatomy)
    mesh = build_mesh(cord, leads_from_contacts(contacts, cord), "coarse")
    names = set(mesh.GetRegionNames(dim=2))
    assert {f"contact{k}" for k in range(len(contacts))} <= names
