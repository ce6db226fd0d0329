"""Point-source potentials: the protocol's anchor, anisotropy, shapes and the guard at r = 0."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.field import Medium, point_source_potential_mv
from neurostim.testing import assert_close


def test_protocol_anchor_1ma_at_1mm() -> None:
    # PROTOCOL.md §2: 1 mA at 1 mm with sigma 0.2 S/m gives 397.887 mV
    v = point_source_potential_mv(1.0, [0.0, 0.0, 0.0], [[0.0, 1.0, 0.0]], 0.2)
    assert_close(v, [397.887], rtol=1e-6, what="point-source potential at 1 mm", unit="mV")


def test_inverse_distance_and_sign() -> None:
    r_mm = np.array([0.5, 1.0, 2.0, 3.0])
    pts = np.stack([np.zeros(4), r_mm, np.zeros(4)], axis=1)
    v = point_source_potential_mv(-0.3, [0, 0, 0], pts, 0.2)
    desired = -0.3 * 1e-3 / (4 * np.pi * 0.2 * r_mm * 1e-3) * 1e3  # SI units, then V -> mV
    assert_close(v, desired, rtol=1e-12, what="V = I/(4 pi sigma r)", unit="mV")


def test_anisotropic_reduces_to_isotropic() -> None:
    rng = np.random.default_rng(1)
    pts = rng.normal(size=(20, 3)) + 3.0
    v_iso = point_source_potential_mv(1.0, [0, 0, 0], pts, 0.3)
    v_aniso = point_source_potential_mv(1.0, [0, 0, 0], pts, (0.3, 0.3, 0.3))
    assert_close(v_aniso, v_iso, rtol=1e-12, what="anisotropic with equal sigmas", unit="mV")


def test_anisotropic_along_axes() -> None:
    # along x only: V = I / (4 pi sqrt(sy sz) |x|)
    sx, sy, sz = 0.6, 0.083, 0.083
    v = point_source_potential_mv(1.0, [0, 0, 0], [[2.0, 0, 0], [0, 2.0, 0]], (sx, sy, sz))
    desired = 1e3 / (4 * np.pi * np.array([np.sqrt(sy * sz) * 2.0, np.sqrt(sx * sz) * 2.0]))
    assert_close(v, desired, rtol=1e-12, what="anisotropic potential on the axes", unit="mV")


def test_anisotropic_satisfies_conduction_equation() -> None:
    # div(sigma grad V) = 0 away from the source, by central differences (independent of the form)
    sigma = np.array([0.6, 0.1, 0.25])
    x0 = np.array([1.3, 0.7, -0.9])
    h = 1e-3
    terms = []
    for i in range(3):
        e = np.zeros(3)
        e[i] = h
        vp, v0, vm = point_source_potential_mv(1.0, [0, 0, 0], [x0 + e, x0, x0 - e], sigma)
        terms.append(sigma[i] * (vp - 2 * v0 + vm) / h**2)
    scale = max(abs(t) for t in terms)
    assert abs(sum(terms)) < 1e-4 * scale


def test_shapes_several_sources() -> None:
    src = np.array([[0.0, 0, 0], [0, 0, 1.0], [1.0, 1.0, 1.0]])
    pts = np.array([[0.0, 2, 0], [3.0, 0, 0]])
    v = point_source_potential_mv([1.0, 2.0, -1.0], src, pts)
    assert v.shape == (3, 2)
    for k in range(3):
        vk = point_source_potential_mv([1.0, 2.0, -1.0][k], src[k], pts)
        assert_close(v[k], vk, rtol=1e-14, what=f"source {k} row", unit="mV")


def test_guard_at_source_raises() -> None:
    with pytest.raises(InputError, match="min_distance_mm"):
        point_source_potential_mv(1.0, [0, 0, 0], [[0, 0, 1e-5]])
    # just outside the guard is fine
    v = point_source_potential_mv(1.0, [0, 0, 0], [[0, 0, 2e-3]])
    assert np.isfinite(v).all()


@pytest.mark.parametrize("sigma", [0.0, -0.2, np.nan, (0.2, 0.2), (0.2, -1.0, 0.2)])
def test_bad_sigma(sigma: object) -> None:
    with pytest.raises(InputError, match="sigma_s_per_m"):
        point_source_potential_mv(1.0, [0, 0, 0], [[1, 0, 0]], sigma)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        Medium(sigma)  # type: ignore[arg-type]


def test_bad_shapes() -> None:
    with pytest.raises(InputError, match="points_xyz_mm"):
        point_source_potential_mv(1.0, [0, 0, 0], [[1, 0]])
    with pytest.raises(InputError, match="current_ma"):
        point_source_potential_mv([1.0, 2.0], [0, 0, 0], [[1, 0, 0]])
