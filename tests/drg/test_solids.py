"""The solids a mesher builds: precedence, nesting, and a stable cache key."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.drg import load_drg_geometry, place_lead, region_index


def material(g, points, placement=None) -> list[str]:  # type: ignore[no-untyped-def]
    solids = g.solids(placement)
    names = [s.material for s in solids]
    return [names[i] if i >= 0 else "outside" for i in region_index(solids, np.array(points))]


def test_regions_along_the_dorsal_ray() -> None:
    g = load_drg_geometry()  # L5: b = 2.9, capsule 0.2, foramen semi-axis 4.5, bone to 20
    points = [[0, 0, 0], [0, 2.5, 0], [0, 3.0, 0], [0, 4.2, 0], [0, 10, 0], [0, 25, 0]]
    assert material(g, points) == ["fiber", "drg_cells", "capsule", "fat", "bone", "muscle"]
    assert material(g, [[0, 0, 35]]) == ["outside"]


def test_roots_and_sleeve() -> None:
    g = load_drg_geometry(sleeve_csf_mm=0.3)
    # dorsal root (r 1.5), its CSF (to 1.8), the dural sleeve (to 2.0), then fat
    points = [[-10, 1.0, 0], [-10, 1.65, 0], [-10, 1.9, 0], [-10, 2.1, 0], [15, 2.4, 0]]
    assert material(g, points) == ["fiber", "csf", "dura", "fat", "fiber"]


def test_lead_and_encapsulation() -> None:
    g = load_drg_geometry()
    p = place_lead(g)
    y = float(p.axis_yz_mm[0])
    points = [[0, y, 0], [0, y, 0.5 + 0.15], [0, y - 0.5 - 0.15, 0]]
    # body, scar beside it; scar between lead and capsule (gap 0.3 = encapsulation 0.3)
    assert material(g, points, p) == ["insulator", "encapsulation", "encapsulation"]


def test_layers_nest() -> None:
    g = load_drg_geometry()
    _, b, c = g.capsule_semi_axes_mm
    t = np.linspace(0, 2 * np.pi, 721)
    ring = np.column_stack([np.zeros_like(t), 0.999 * b * np.cos(t), 0.999 * c * np.sin(t)])
    assert set(material(g, ring)) <= {"capsule", "fiber"}  # the ventral root is outside
    fy, fz = g.foramen_width_mm / 2, g.foramen_height_mm / 2
    assert np.all((ring[:, 1] / fy) ** 2 + (ring[:, 2] / fz) ** 2 < 1)  # capsule in foramen
    vr = g.ventral_root_path_mm()
    assert material(g, [vr[0] + [1, 0, 0], 0.5 * (vr[0] + vr[1])]) == ["fiber", "fiber"]


def test_cache_key() -> None:
    g = load_drg_geometry()
    assert g.cache_key() == load_drg_geometry().cache_key()
    assert g.cache_key() != g.replace(capsule_thickness_mm=0.25).cache_key()
    assert g.cache_key() != g.replace(conductivity={"fat": 0.033}).cache_key()
    assert g.cache_key() == g.replace(ranges="physical").cache_key()


def test_encapsulation_never_replaces_bone() -> None:
    g = load_drg_geometry()  # the lead's top is 0.1 mm below the bone, its scar 0.3 mm thick
    p = place_lead(g)
    top = float(p.axis_yz_mm[0]) + p.radius_mm
    points = [[0, top + 0.05, 0], [0, top + 0.2, 0], [-25, top - 0.2, 0.6]]
    # in the foramen, in the bone over it, and beside the lead outside the bone block
    assert material(g, points, p) == ["encapsulation", "bone", "encapsulation"]


def test_no_tangent_contacts() -> None:
    # CAD booleans and the mesher fail where two surfaces touch tangentially (found meshing the
    # L5 and L1 defaults with Netgen): each rule keeps surfaces apart or crossing
    for level in ("L1", "L5"):
        g = load_drg_geometry(level)
        a, cb, cc = g.core_semi_axes_mm
        for branch in ("central", "peripheral"):
            assert g.fiber_channel_radius_mm(branch) < min(cb, cc)  # crosses the core
        assert 0 < g.root_start_x_mm < a  # root end faces inside the ganglion, not at a pole
        vr = g.ventral_root_path_mm()
        reach = np.hypot(*vr[2, 1:]) + g.vr_diameter_mm / 2
        assert reach < g.spinal_nerve_diameter_mm / 2  # the join ends inside the nerve
    g = load_drg_geometry()  # encapsulation 0.3 = gap 0.3: widened to cross the capsule
    scar = g.solids(place_lead(g))[-4]
    assert scar.name == "encapsulation"
    assert scar.radius_mm == pytest.approx(0.5 + 0.3 + 0.01)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("gap_mm", "scar_mm"),
    [
        (0.3, 0.3 + 0.01),  # reaches the capsule's outer surface: crosses it by 0.01
        (0.2, 0.3),  # ends inside the 0.2 mm capsule: kept
        (0.1, 0.3 + 0.01),  # would touch the ganglion (0.1 + 0.2 = 0.3): crosses it by 0.01
        (0.05, 0.3),  # ends inside the ganglion, clear of its surface: kept
    ],
)
def test_scar_sheath_never_ends_on_a_capsule_surface(gap_mm: float, scar_mm: float) -> None:
    """The 0.3 mm sheath at each gap: 0.01 mm (``min_layer_mm``) past any capsule surface it
    would end on (the outer one at the gap, the ganglion's 0.2 mm further in), otherwise as
    given; the capsule and the ganglion come first, so the tissue there stays theirs."""
    g = load_drg_geometry(lead_gap_mm=gap_mm)
    p = place_lead(g)
    scar = g.solids(p)[-4]
    assert scar.name == "encapsulation"
    assert scar.radius_mm == pytest.approx(p.radius_mm + scar_mm)  # type: ignore[union-attr]
    y = float(p.axis_yz_mm[0])
    inside = y - p.radius_mm - gap_mm - 0.1  # in the capsule, inside the sheath's cylinder
    assert material(g, [[0, inside, 0]], p) == ["capsule"]
