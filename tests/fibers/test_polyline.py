"""Fibers along 3-D paths: sections placed by arc length, V_e sampled at section centres."""

from __future__ import annotations

import numpy as np

from neurostim.fibers import MRGFiber, ProtocolCase, find_thresholds, protocol_thresholds
from neurostim.field import point_source_potential_mv


def _threshold_on_path(fiber: MRGFiber, vertices_mm, source_mm) -> float:
    g = fiber.geometry
    pts = fiber.section_points_mm(vertices_mm)
    phi = point_source_potential_mv(1.0, source_mm, pts, 0.2)
    case = ProtocolCase("mrg", fiber.diameter_um, 1.0, "monophasic-cathodic", 0.1)
    r = find_thresholds(g, phi, case.unit_waveform(), -1.0, tolerance_rel=0.005)
    assert r.status[0] == "ok"
    return float(r.threshold_ma[0])


def test_rigid_motion_of_fiber_and_source_leaves_threshold_unchanged() -> None:
    fiber = MRGFiber(16.0, n_nodes=41)
    g = fiber.geometry
    zc = g.arc_um[g.node_sections[20]] * 1e-3
    # the protocol's straight fiber along z, and the same fiber along the diagonal (1, 1, 1)
    straight = _threshold_on_path(fiber, None, np.array([0.0, 1.0, zc]))
    u = np.ones(3) / np.sqrt(3.0)
    n = np.array([1.0, -1.0, 0.0]) / np.sqrt(2.0)  # perpendicular to u
    start = np.array([2.0, -3.0, 5.0])
    path = np.array([start, start + 80.0 * u])
    diagonal = _threshold_on_path(fiber, path, start + zc * u + 1.0 * n)
    assert abs(diagonal / straight - 1) < 0.006  # both searched to 0.5 %
    ref = protocol_thresholds([ProtocolCase("mrg", 16.0, 1.0, "monophasic-cathodic", 0.1)],
                              tolerance_rel=0.005).threshold_ma[0]  # fmt: skip
    assert abs(straight / ref - 1) < 0.006


def test_bent_fiber_differs_from_straight() -> None:
    # a fiber bent by 90 degrees at the node under the electrode, source 1 mm away on the
    # bisector outside the bend: the neighbouring nodes are farther from the source than on a
    # straight fiber (r^2 = 1 + sqrt(2) s + s^2 > 1 + s^2), so the potential curves more
    # sharply along the fiber (larger activating function): a lower cathodic threshold
    fiber = MRGFiber(16.0, n_nodes=41)
    g = fiber.geometry
    zc = g.arc_um[g.node_sections[20]] * 1e-3
    corner = np.array([0.0, 0.0, zc])
    path = np.array([[0.0, 0.0, 0.0], corner, corner + np.array([0.0, 50.0, 0.0])])
    src = corner + np.array([0.0, -1.0, 1.0]) / np.sqrt(2.0)
    straight = _threshold_on_path(fiber, None, np.array([0.0, 1.0, zc]))
    bent = _threshold_on_path(fiber, path, src)
    assert abs(bent) < 0.95 * abs(straight)
