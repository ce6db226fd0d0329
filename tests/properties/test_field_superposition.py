"""Property tests of the analytic field: linearity, symmetries, far-field limits."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neurostim.field import point_source_potential_mv, superpose_mv
from neurostim.testing import assert_close

finite = st.floats(-5.0, 5.0, allow_nan=False)
coord = arrays(np.float64, 3, elements=st.floats(-10.0, 10.0, allow_nan=False))
sigmas = st.tuples(*[st.floats(0.01, 2.0)] * 3)


def _far_enough(a: np.ndarray, b: np.ndarray) -> bool:
    return float(np.linalg.norm(a - b)) > 0.05


@settings(max_examples=60, deadline=None)
@given(src=coord, pt=coord, sigma=sigmas, current=finite)
def test_reciprocity_and_inversion(src, pt, sigma, current) -> None:
    if not _far_enough(src, pt):
        return
    v1 = point_source_potential_mv(current, src, pt[None], sigma)
    v2 = point_source_potential_mv(current, pt, src[None], sigma)
    assert_close(v1, v2, rtol=1e-12, atol=1e-12, what="source/point exchange", unit="mV")
    # translation invariance and 1/r scaling
    shift = np.array([3.0, -2.0, 1.0])
    v3 = point_source_potential_mv(current, src + shift, (pt + shift)[None], sigma)
    assert_close(v3, v1, rtol=1e-9, atol=1e-12, what="translation", unit="mV")
    v4 = point_source_potential_mv(current, 2 * src, (2 * pt)[None], sigma)
    assert_close(v4, v1 / 2, rtol=1e-12, atol=1e-12, what="scaling 1/r", unit="mV")


@settings(max_examples=40, deadline=None)
@given(
    v=arrays(np.float64, (3, 5), elements=st.floats(-100, 100)),
    f1=arrays(np.float64, 3, elements=finite),
    f2=arrays(np.float64, 3, elements=finite),
    w=arrays(np.float64, 6, elements=finite),
    a=finite,
    b=finite,
)
def test_linearity(v, f1, f2, w, a, b) -> None:
    lhs = superpose_mv(v, a * f1 + b * f2, w)
    rhs = a * superpose_mv(v, f1, w) + b * superpose_mv(v, f2, w)
    assert_close(lhs, rhs, rtol=1e-9, atol=1e-9, what="linearity in shares", unit="mV")
    # amplitude and waveform scale the same way
    assert_close(
        superpose_mv(v, f1, w, amplitude_ma=a),
        superpose_mv(v, f1, a * w),
        rtol=1e-12,
        atol=1e-12,
        what="amplitude vs waveform scaling",
        unit="mV",
    )


@settings(max_examples=25, deadline=None)
@given(
    v=arrays(np.float64, (2, 3, 4), elements=st.floats(-100, 100)),
    f=arrays(np.float64, (2, 3), elements=finite),
    w=arrays(np.float64, (2, 3, 5), elements=finite),
    a=arrays(np.float64, 2, elements=finite),
)
def test_batch_equals_loop(v, f, w, a) -> None:
    out = superpose_mv(v, f, w, amplitude_ma=a)
    for i in range(2):
        assert_close(
            out[i],
            superpose_mv(v[i], f[i], w[i], a[i]),
            rtol=1e-12,
            atol=1e-12,
            what=f"batch item {i}",
            unit="mV",
        )


@settings(max_examples=40, deadline=None)
@given(
    theta=st.floats(0.0, np.pi),
    phi=st.floats(0.0, 2 * np.pi),
    sep=st.floats(0.5, 4.0),
    r=st.floats(500.0, 2000.0),
)
def test_far_field_dipole_limit(theta, phi, sep, r) -> None:
    # bipolar pair +1/-1 mA at z = +-sep/2; far field p cos(theta) / (4 pi sigma r^2), p = I sep
    sources = np.array([[0, 0, sep / 2], [0, 0, -sep / 2]])
    st_, ct = np.sin(theta), np.cos(theta)
    point = r * np.array([st_ * np.cos(phi), st_ * np.sin(phi), ct])
    unit = point_source_potential_mv(np.ones(2), sources, point[None])
    v = superpose_mv(unit, [1.0, -1.0])
    dipole = 1e3 * sep * np.cos(theta) / (4 * np.pi * 0.2 * r**2)
    # error of the dipole term is O((sep/r)^2) relative to the monopole scale 1/r
    assert abs(v[0] - dipole) <= 2.0 * (sep / r) ** 2 * 1e3 / (4 * np.pi * 0.2 * r)
