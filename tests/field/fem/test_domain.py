"""Domain size and ground placement of the finite-element cord (spinal-cord.md §5, §7 test 5), slow.

Protocol [ours where the spec leaves it open]: T10 anatomy (dCSF 3 mm, the level's other means,
default conductivities), coarse mesh, P3, equipotential contacts. P3 rather than the default P2
because two models differ in their meshes as well as in their size: re-meshing a model 1 mm
longer moved the bipole's profile by 0.4 % at P2 and 0.1 % at P3 (docs/fem.md; 1.5 % and 0.3 %
before the elliptical sac and the dorsal band), so P3 resolves a 1 % tolerance with margin. Two
rings of the percutaneous lead (1.3 mm, 3 mm long, centres at z = -2 and +2 mm) on the dura (gap
0.05 mm) over the midline; 1 mA into ring 0 with the far ground as return (monopole) and +1/-1
mA (bipole). The potential is sampled on the midline dorsal-column line 0.2 mm below the cord
surface every 0.5 mm. What a fiber responds to is the potential's profile, not its level, so the
compared quantity is ΔV(z) = V(z) - V(0) over |z| <= 10 mm (the 13 central nodes of a 16 um
fiber); the deviation is max |ΔV_big - ΔV_small| / max |ΔV_small|.

Tolerance 1 % (spinal-cord.md §7: insensitivity to domain size and ground placement).
Measured (docs/fem.md, "Domain size and ground"): the far ground on the outer cylinder moved
from 40 to 80 mm passes; the grounded end faces moved from 50 to 100 mm from the lead do not
(CSF column in insulating bone carries the current far along the canal), kept as a strict
xfail with the numbers. Cost from an empty cache: four P3 models, about 6 min on the 2-core
development machine (cached afterwards in NEUROSTIM_CACHE_DIR).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from neurostim.anatomy import load_anatomy

pytestmark = pytest.mark.slow

ngs = pytest.importorskip(
    "ngsolve", reason="the finite-element tests need NGSolve: neurostim[fem]", exc_type=ImportError
)

Z_MM = np.linspace(-10.0, 10.0, 41)
TOLERANCE = 0.01


@cache
def _profiles(length_mm: float, outer_radius_mm: float) -> dict[str, np.ndarray]:
    """ΔV(z) of the monopole and the bipole (mV per mA) on the midline DC line."""
    from neurostim.field import RingContact
    from neurostim.field.fem import SpinalCordFEM
    from neurostim.pipeline.anatomy import layered_cord

    a = load_anatomy("T10", length_mm=length_mm, outer_radius_mm=outer_radius_mm, dcsf_mm=3.0)
    cord = layered_cord(a)
    y = -(cord.dura_outer_radius_mm + a.lead_gap_to_dura_mm + 0.65)
    rings = [RingContact((0.0, y, z), diameter_mm=1.3, length_mm=3.0) for z in (-2.0, 2.0)]
    y_dc = cord.dorsal_cord_surface_y_mm + 0.2
    points = np.column_stack([np.zeros_like(Z_MM), np.full_like(Z_MM, y_dc), Z_MM])
    v = SpinalCordFEM(cord, order=3).unit_potentials_mv(rings, points)
    centre = int(np.argmin(np.abs(Z_MM)))
    out = {"monopole": v[0], "bipole": v[0] - v[1]}
    return {k: p - p[centre] for k, p in out.items()}


def _deviation(small: tuple[float, float], big: tuple[float, float]) -> dict[str, float]:
    a, b = _profiles(*small), _profiles(*big)
    return {k: float(np.max(np.abs(b[k] - a[k])) / np.max(np.abs(a[k]))) for k in a}


def test_lateral_ground_twice_as_far_changes_the_profile_less_than_1_percent() -> None:
    # outer radius (the lateral far ground) 40 -> 80 mm at length 120 mm (the shortest model
    # that allows an 80 mm radius: length >= 1.5 x outer radius)
    dev = _deviation((120.0, 40.0), (120.0, 80.0))
    assert max(dev.values()) < TOLERANCE, dev


@pytest.mark.xfail(
    strict=True,
    reason="deviation: end faces 50 -> 100 mm from the lead change the profile by 1.7 % "
    "(monopole) and 2.3 % (bipole), see docs/fem.md",
)
def test_end_faces_twice_as_far_change_the_profile_less_than_1_percent() -> None:
    # the default model length 100 mm against 200 mm (grounded end faces 50 -> 100 mm from
    # the lead), outer radius 40 mm
    dev = _deviation((100.0, 40.0), (200.0, 40.0))
    assert max(dev.values()) < TOLERANCE, dev
