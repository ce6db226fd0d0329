"""Protocol cases: tissue conductivity, allowed ranges, and the memory estimate of a batch."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.fibers import mrg_geometry, sundt_geometry
from neurostim.fibers.batch import protocol_thresholds, simulation_bytes, thresholds_memory_bytes
from neurostim.fibers.cases import ProtocolCase, n_sections
from neurostim.testing import assert_close


@pytest.mark.parametrize("sigma", [0.05, 0.2, 1.7])
def test_point_source_potential_scales_as_one_over_sigma(sigma: float) -> None:
    case = ProtocolCase("mrg", 10.0, 1.5, "monophasic-cathodic", 0.1, conductivity_s_per_m=sigma)
    g = case.geometry()
    phi = case.phi_mv_per_ma(g)
    # independent: phi = I / (4 pi sigma r); 1 mA / (S/m * mm) = 1e-3 A / (1e-3 S) = 1 V = 1000 mV
    z_mm = g.arc_um * 1e-3
    zc = z_mm[g.node_sections[g.center_node]]
    r_mm = np.sqrt(1.5**2 + (z_mm - zc) ** 2)
    expected_mv = 1000.0 * 1.0 / (4.0 * math.pi * sigma * r_mm)
    assert_close(phi, expected_mv, rtol=1e-12, what="point-source potential", unit="mV")
    # 1 mA at 1.5 mm in 0.2 S/m: 1000 / (4 pi 0.2 1.5) = 265.258 mV at the centre node
    if sigma == 0.2:
        assert_close(phi.max(), 265.258, rtol=1e-5, what="peak potential", unit="mV")


def test_default_conductivity_gives_identical_thresholds() -> None:
    kw = dict(model="mrg", diameter_um=16.0, distance_mm=0.5, waveform="monophasic-cathodic")
    old = ProtocolCase(**kw, pulse_width_ms=0.1)  # type: ignore[arg-type]
    new = ProtocolCase(**kw, pulse_width_ms=0.1, conductivity_s_per_m=0.2)  # type: ignore[arg-type]
    assert np.array_equal(old.phi_mv_per_ma(), new.phi_mv_per_ma())
    a = protocol_thresholds([old], tolerance_rel=0.05)
    b = protocol_thresholds([new], tolerance_rel=0.05)
    assert a.threshold_ma[0] == b.threshold_ma[0]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"dt_ms": 0.0}, "dt_ms"),
        ({"dt_ms": float("nan")}, "dt_ms"),
        ({"n_nodes": 0}, "n_nodes"),
        ({"tstop_ms": 0.0}, "tstop_ms"),
        ({"tstop_ms": float("inf")}, "tstop_ms"),
        ({"conductivity_s_per_m": 0.0}, "conductivity_s_per_m"),
        ({"conductivity_s_per_m": float("nan")}, "conductivity_s_per_m"),
        ({"temperature_c": float("nan")}, "temperature_c"),
        ({"pulse_width_ms": 1e6}, "pulse_width_ms"),
        ({"pulse_width_ms": 4.95}, "pulse_width_ms"),  # ends after tstop_ms = 5
    ],
)
def test_zero_is_never_a_default(kwargs: dict[str, float], field: str) -> None:
    base = {"pulse_width_ms": 0.1, **kwargs}
    with pytest.raises(InputError) as info:
        ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", **base)  # type: ignore[arg-type]
    assert info.value.field == field


@pytest.mark.parametrize(("model", "diameter_um"), [("mrg", 10.0), ("sundt", 1.0)])
@pytest.mark.parametrize("n_nodes", [5, 8, 41, 101])
def test_section_count_without_building(model: str, diameter_um: float, n_nodes: int) -> None:
    build = mrg_geometry if model == "mrg" else sundt_geometry
    assert n_sections(model, diameter_um, n_nodes) == build(diameter_um, n_nodes).n_sections


def test_memory_estimate_bounds_the_measured_peak() -> None:
    # waveform-dominated: 4 trains of 4 pulses at 100 Hz, 40 ms / 5 us = 8000 steps each
    cases = [
        ProtocolCase("mrg", 10.0, d, "train", 0.1, n_pulses=4, rate_hz=100.0)
        for d in np.linspace(1.0, 2.0, 4)
    ]
    protocol_thresholds(cases, tolerance_rel=0.5)  # the same call first: compiles outside the count
    tracemalloc.start()
    try:
        protocol_thresholds(cases, tolerance_rel=0.5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimate, worst = thresholds_memory_bytes(cases, chunk_size=64, workers=1)
    assert worst == 0
    assert estimate == simulation_bytes(441, 8_000, 4)
    # the estimate bounds the peak (NumPy allocations) without being wildly pessimistic
    assert peak <= estimate <= 4 * peak, (peak, estimate)
