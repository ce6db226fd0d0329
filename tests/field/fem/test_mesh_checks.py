"""A defective mesh is refused before it is solved (neurostim.field.fem.checks).

Reference: Netgen can report "NOT ALL FACES HAVE BEEN MESHED" and go on; a solve on such a mesh
converged with status "ok" and contact impedances half the right ones (docs/fem.md). The checks
below are tested on meshes damaged on purpose and on the geometric areas by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurostim.errors import SolverError
from neurostim.field import RectangleContact, RingContact
from neurostim.field.fem import LayeredCord
from neurostim.field.fem.checks import (
    check_contact_areas,
    check_surfaces,
    contact_areas_from_geometry_mm2,
)
from neurostim.field.fem.leads import leads_from_contacts

pytest.importorskip(
    "ngsolve", reason="the finite-element tests need NGSolve: neurostim[fem]", exc_type=ImportError
)


def _box_mesh():
    from netgen import occ

    box = occ.Box(occ.Pnt(0, 0, 0), occ.Pnt(1, 1, 1))
    box.faces[0].name = "contact0"
    return occ.OCCGeometry(box).GenerateMesh(maxh=0.5)


def test_a_complete_mesh_passes() -> None:
    check_surfaces(_box_mesh())  # raises on failure


def test_a_surface_without_elements_is_refused_by_name() -> None:
    mesh = _box_mesh()
    for i, el in enumerate(mesh.Elements2D()):
        if el.index == 1:  # the face named contact0
            mesh.DeleteSurfaceElement(i)
    mesh.Compress()
    with pytest.raises(SolverError, match=r"1 of 6 surfaces were not meshed.*contact0"):
        check_surfaces(mesh)


def test_contact_areas_follow_the_geometry() -> None:
    # by hand: a 1.3 mm ring 3 mm long has 2 pi 0.65 3 = 12.25 mm^2 (device.md's ring area);
    # a 4 x 1 mm paddle rectangle 4 mm^2
    cord = LayeredCord()
    y = -(cord.dura_outer_radius_mm + 0.05 + 0.65)
    rings = [RingContact((0.0, y, z), diameter_mm=1.3, length_mm=3.0) for z in (0.0, 4.0)]
    areas = contact_areas_from_geometry_mm2(leads_from_contacts(rings, cord), 2)
    assert areas == pytest.approx([2 * math.pi * 0.65 * 3.0] * 2, rel=1e-12)
    assert areas[0] == pytest.approx(12.25, abs=0.01)
    yp = -(cord.dura_outer_radius_mm + 0.05)
    pads = [RectangleContact((x, yp, 0.0), width_mm=1.0, length_mm=4.0) for x in (-1.5, 1.5)]
    areas = contact_areas_from_geometry_mm2(leads_from_contacts(pads, cord), 2)
    assert areas == pytest.approx([4.0, 4.0], rel=1e-12)


def test_a_contact_with_missing_area_is_refused() -> None:
    check_contact_areas([12.2, 12.25], [12.25, 12.25])  # 0.4 % off: accepted
    with pytest.raises(SolverError, match="contact 1 has a meshed area of 9"):
        check_contact_areas([12.25, 9.0], [12.25, 12.25])
    with pytest.raises(SolverError, match="contact 0"):
        check_contact_areas([np.nan, 12.25], [12.25, 12.25])
