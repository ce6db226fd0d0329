"""Finite contacts against exact integrals computed independently in the tests."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special

from neurostim.errors import InputError
from neurostim.field import Medium, RectangleContact, RingContact, unit_potentials_mv
from neurostim.testing import assert_close

SIGMA = 0.2
K_MV = 1e3 / (4 * np.pi * SIGMA)  # mV per (mA / mm)


def ring_on_axis_exact_mv(z_mm: np.ndarray, radius_mm: float, length_mm: float) -> np.ndarray:
    """Uniform cylindrical surface current of 1 mA on its axis: integral of 1/sqrt(a²+(z-z')²)."""
    a, half = radius_mm, length_mm / 2
    return K_MV / length_mm * (np.arcsinh((z_mm + half) / a) - np.arcsinh((z_mm - half) / a))


def thin_ring_exact_mv(rho_mm: np.ndarray, z_mm: np.ndarray, radius_mm: float) -> np.ndarray:
    """Circular line source of 1 mA: (2/pi) K(m) / sqrt((rho+a)^2 + z^2), m = 4 a rho / (...)."""
    q = (rho_mm + radius_mm) ** 2 + z_mm**2
    m = 4 * radius_mm * rho_mm / q
    return K_MV * (2 / np.pi) * special.ellipk(m) / np.sqrt(q)


def test_ring_on_axis_matches_exact_integral() -> None:
    ring = RingContact((0.0, 0.0, 0.0), diameter_mm=1.3, length_mm=3.0)
    z = np.array([0.0, 1.0, 2.5, 4.0, 8.0])
    pts = np.stack([np.zeros_like(z), np.zeros_like(z), z], axis=1)
    v = unit_potentials_mv([ring], pts)[0]
    exact = ring_on_axis_exact_mv(z, 0.65, 3.0)
    assert_close(v, exact, rtol=1e-4, what="ring contact on its axis", unit="mV")


def test_ring_axial_convergence_is_second_order() -> None:
    z = np.array([[0.0, 0.0, 2.0]])
    exact = ring_on_axis_exact_mv(np.array([2.0]), 0.65, 3.0)[0]
    errs = []
    ns = [4, 8, 16, 32]
    for n in ns:
        ring = RingContact((0, 0, 0), diameter_mm=1.3, length_mm=3.0, n_axial=n, n_around=4)
        errs.append(abs(unit_potentials_mv([ring], z)[0, 0] - exact))
    order = -np.polyfit(np.log(ns), np.log(errs), 1)[0]
    assert 1.8 < order < 2.2, f"observed order {order:.2f}, errors {errs}"


def test_ring_around_discretisation_matches_elliptic_integral() -> None:
    # a short ring (one axial point) against the exact circular line source, off axis
    ring = RingContact((0, 0, 0), diameter_mm=1.3, length_mm=1e-6, n_axial=1, n_around=64)
    rho = np.array([1.0, 1.5, 3.0])
    z = np.array([0.3, 0.0, -1.0])
    pts = np.stack([rho, np.zeros(3), z], axis=1)
    v = unit_potentials_mv([ring], pts)[0]
    assert_close(v, thin_ring_exact_mv(rho, z, 0.65), rtol=1e-6, what="thin ring", unit="mV")


@pytest.mark.parametrize(
    "contact",
    [
        RingContact((0.2, -0.1, 0.5), axis_xyz=(0.3, 0.1, 1.0)),
        RectangleContact((0.0, 0.5, 0.0), width_axis=(1, 0, 0), length_axis=(0, 0.2, 1)),
    ],
)
def test_far_field_is_point_source(contact: RingContact | RectangleContact) -> None:
    centre = np.asarray(contact.center_xyz_mm)
    directions = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [0.6, 0.0, 0.8]])
    r = 200.0  # 50x the largest contact dimension
    pts = centre + r * directions
    v = unit_potentials_mv([contact], pts, Medium(SIGMA))[0]
    assert_close(v, np.full(4, K_MV / r), rtol=1e-4, what="far field", unit="mV")


def test_rectangle_on_normal_matches_dblquad() -> None:
    rect = RectangleContact((0, 0, 0), (1, 0, 0), (0, 1, 0), width_mm=1.0, length_mm=4.0)
    for h in (0.5, 1.0, 3.0):
        val, _ = integrate.dblquad(
            lambda y, x, h=h: 1.0 / np.sqrt(x * x + y * y + h * h), -0.5, 0.5, -2.0, 2.0
        )
        exact = K_MV * val / 4.0
        v = unit_potentials_mv([rect], [[0.0, 0.0, h]])[0, 0]
        assert_close(v, exact, rtol=5e-4, what=f"rectangle at {h} mm", unit="mV")


def test_weights_sum_to_one_and_points_on_surface() -> None:
    ring = RingContact((1.0, 2.0, 3.0), axis_xyz=(0, 1, 1), diameter_mm=1.3, length_mm=3.0)
    xyz, w = ring.source_points()
    assert_close(w.sum(), 1.0, rtol=1e-14, what="ring weights")
    axis = np.array([0, 1, 1]) / np.sqrt(2)
    d = xyz - np.array([1.0, 2.0, 3.0])
    radial = d - np.outer(d @ axis, axis)
    assert_close(np.linalg.norm(radial, axis=1), 0.65, rtol=1e-12, what="ring radius", unit="mm")
    assert np.all(np.abs(d @ axis) < 1.5)


def test_contact_input_errors() -> None:
    with pytest.raises(InputError, match="diameter_mm"):
        RingContact((0, 0, 0), diameter_mm=-1.0)
    with pytest.raises(InputError, match="axis_xyz"):
        RingContact((0, 0, 0), axis_xyz=(0, 0, 0))
    with pytest.raises(InputError, match="length_axis"):
        RectangleContact((0, 0, 0), width_axis=(1, 0, 0), length_axis=(2, 0, 0))
    with pytest.raises(InputError, match="points_xyz_mm"):
        unit_potentials_mv([RingContact((0, 0, 0))], [0, 0, 1])
    with pytest.raises(InputError, match="n_axial"):
        RingContact((0, 0, 0), n_axial=0)


def test_far_field_anisotropic_is_anisotropic_point_source() -> None:
    # white-matter-like anisotropy (longitudinal 0.6, transverse 0.083 S/m)
    sigma = (0.083, 0.083, 0.6)
    ring = RingContact((0.0, 0.0, 0.0))
    directions = np.array([[1.0, 0, 0], [0, 0, 1.0], [0.6, 0.0, 0.8]])
    pts = 200.0 * directions
    v = unit_potentials_mv([ring], pts, Medium(sigma))[0]
    sx, sy, sz = sigma
    x, y, z = pts.T
    exact = 1e3 / (4 * np.pi * np.sqrt(sy * sz * x**2 + sx * sz * y**2 + sx * sy * z**2))
    assert_close(v, exact, rtol=1e-4, what="anisotropic far field of a ring", unit="mV")
