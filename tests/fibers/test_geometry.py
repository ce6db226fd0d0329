"""MRG and Sundt geometry against the tables of fiber-models.md and PROTOCOL.md section 1."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.fibers import MRGFiber, mrg_diameters_um, mrg_geometry, points_along_polyline
from neurostim.fibers.sundt import sundt_geometry
from neurostim.testing import assert_close

# fiber-models.md Table 3.1: xraxial node & MYSA, FLUT & STIN (MOhm/cm)
TABLE_3_1 = {
    5.7: (585744, 163643),
    7.3: (463815, 120991),
    8.7: (397603, 95975.6),
    10.0: (337397, 80684.0),
    11.5: (300941, 68736.7),
    12.8: (265132, 60521.8),
    14.0: (236938, 53541.2),
    15.0: (222728, 48421.6),
    16.0: (202487, 43847.8),
}
# PROTOCOL.md section 1: 41-node length (mm)
LENGTH_41_MM = {5.7: 20.001, 7.3: 30.001, 10.0: 46.001, 16.0: 60.001}


def test_nine_diameters() -> None:
    assert mrg_diameters_um() == tuple(TABLE_3_1)


@pytest.mark.parametrize("d", list(TABLE_3_1))
def test_periaxonal_resistance_matches_table(d: float) -> None:
    g = mrg_geometry(d, 41)
    node, internode = TABLE_3_1[d]
    assert_close(
        g.extra["xraxial_node"], node, rtol=2e-5, what=f"xraxial node {d} um", unit="MOhm/cm"
    )
    assert_close(
        g.extra["xraxial_internode"], internode, rtol=2e-5, what="xraxial STIN", unit="MOhm/cm"
    )


@pytest.mark.parametrize("d", list(LENGTH_41_MM))
def test_section_count_length_and_node_positions(d: float) -> None:
    g = mrg_geometry(d, 41)
    assert g.n_sections == 11 * 40 + 1
    assert g.n_nodes == 41
    assert_close(
        g.length_um.sum() * 1e-3, LENGTH_41_MM[d], rtol=1e-9, what="fiber length", unit="mm"
    )
    spacing = g.extra["node_spacing_um"]
    assert_close(g.node_arc_um, 0.5 + spacing * np.arange(41), atol=1e-6, what="node z", unit="um")
    assert g.kind[0] == g.kind[-1] == "end"
    assert g.kind[1:12] == ("mysa", "flut", *("stin",) * 6, "flut", "mysa", "node")
    assert g.detection_node == 36 and g.center_node == 20


def test_myelin_and_end_node_coupling() -> None:
    g = mrg_geometry(10.0, 41)
    # xg = 0.001/(2 nl) S/cm2 on the MYSA outer area pi D L (nl = 120)
    area_cm2 = np.pi * 10.0 * 3.0 * 1e-8
    assert_close(g.g_myelin_us[1], 0.001 / 240 * area_cm2 * 1e6, rtol=1e-12, what="G_my", unit="uS")
    # Ra = 1e10 ohm cm at the end node cuts the intracellular path (fiber-models.md section 7)
    # (G_a ~ 1.7e-13 S = 1.7e-7 uS for 10 um)
    assert_close(g.g_axial_us[0], 1.7e-7, rtol=0.01, what="end-node coupling", unit="uS")
    assert g.g_axial_us[1] > 1e-3
    assert g.u_fixed[g.node_sections].all() and not g.u_fixed[1:11].any()


def test_even_node_count_made_odd_and_bad_diameter() -> None:
    assert mrg_geometry(10.0, 42).n_nodes == 41
    with pytest.raises(InputError, match="diameter_um"):
        mrg_geometry(9.0, 41)


def test_sundt_geometry() -> None:
    g = sundt_geometry(1.0, 265)
    assert g.n_sections == g.n_nodes == 265
    assert_close(g.arc_um[:2], [8.333 / 2, 1.5 * 8.333], rtol=1e-12, what="Sundt z", unit="um")
    assert g.u_fixed.all()


def test_polyline_placement_by_arc_length() -> None:
    fiber = MRGFiber(5.7, n_nodes=11)
    straight = fiber.section_points_mm()
    # an L-shaped path: 3 mm along x, then along y
    path = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 0.0], [3.0, 10.0, 0.0]])
    pts = fiber.section_points_mm(path)
    arc = straight[:, 2]
    expect = np.where(
        arc[:, None] <= 3.0, np.c_[arc, 0 * arc, 0 * arc], np.c_[3 + 0 * arc, arc - 3, 0 * arc]
    )
    assert_close(pts, expect, atol=1e-12, what="section centres on the polyline", unit="mm")
    with pytest.raises(InputError):
        points_along_polyline(path, np.array([20.0]))
