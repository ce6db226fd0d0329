"""The Tigerholm C fiber (``tigerholm``): rest, balance, concentrations, backends, registry.

Independent checks: the Nernst potentials are computed here from R, F, T and the published
concentrations; the concentration steps from the published flux equations written out
(4e4/(F d) inside, a 0.029 um shell outside); the balance leaves zero Na and K current at
-55 mV; every backend gives the same trace.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.fibers import (
    fiber_model,
    fiber_model_names,
    point_source_phi_mv_per_ma,
    pulse_waveform,
    resting_state,
    simulate,
)
from neurostim.fibers.channels import ARRAY, SCALAR
from neurostim.fibers.tigerholm import tigerholm_geometry
from neurostim.fibers.tigerholm_channels import (
    TIGERHOLM_CHANNELS,
    TIGERHOLM_STATES,
    tigerholm_kinetics,
)
from neurostim.testing import assert_close

F, R = 96485.33212, 8.314462618


def tigerholm_kinetics_numpy():
    return tigerholm_kinetics(np.exp, np.where, np.log, lambda f: f,
                              lambda x, xi, tau, dt: xi + (x - xi) * np.exp(-dt / tau))  # fmt: skip


def _prm(t_c: float = 37.0):
    return tigerholm_geometry(0.8, 5, temperature_c=t_c).channel_params


def test_nernst_factor_and_resting_reversals() -> None:
    p = _prm(32.0)
    rt_f = R * (273.15 + 32.0) / F * 1e3
    assert p.rt_f_mv == pytest.approx(rt_f, rel=1e-12)
    e_na = rt_f * math.log(154.0 / 11.4)
    e_k = rt_f * math.log(5.6 / 121.7)
    assert 65.0 < e_na < 72.0 and -85.0 < e_k < -78.0
    # the balance leaves zero Na and zero K current at -55 mV (leak or constant current)
    kin = SCALAR.tigerholm
    x = np.array(kin.rest(-55.0, p))
    g, ge = kin.current(x, np.ones(len(TIGERHOLM_CHANNELS)), p)
    assert abs(g * -55.0 - ge) < 1e-15
    assert p.g_na_leak_s_per_cm2 + p.i_na_balance_ma_per_cm2 != 0.0


@pytest.mark.parametrize("t_c", [32.0, 37.0])
def test_rest_is_a_fixed_point_of_the_step(t_c: float) -> None:
    p = _prm(t_c)
    kin = SCALAR.tigerholm
    x = np.array(kin.rest(-55.0, p))
    assert x.size == len(TIGERHOLM_STATES) == kin.n_states
    new = np.array(kin.advance(x, -55.0, -55.0, 0.01, np.ones(9), 0.8, p))
    assert_close(new, x, rtol=1e-12, atol=1e-15, what="Tigerholm rest state", unit="")


def test_concentrations_follow_the_published_fluxes() -> None:
    p = _prm()
    kin = SCALAR.tigerholm
    x = np.array(kin.rest(-55.0, p))
    v, dt, d_um = -20.0, 0.01, 0.8
    ina, ik = (float(c) for c in tigerholm_kinetics_numpy().ion_currents(x, v, np.ones(9), p))
    # the total current is the sum of the ion currents (the same linearisation)
    g, ge = kin.current(x, np.ones(9), p)
    assert_close(g * v - ge, ina + ik, rtol=1e-12, what="I_Na + I_K", unit="mA/cm2")
    new = np.array(kin.advance(x, v, v, dt, np.ones(9), d_um, p))
    assert_close(new[17] - x[17], -dt * 4e4 * ina / (F * d_um), rtol=1e-9, what="Na_i", unit="mM")
    assert_close(new[19] - x[19], -dt * 4e4 * ik / (F * d_um), rtol=1e-9, what="K_i", unit="mM")
    k = 1e4 / 0.029 * 1e-7 * 0.1  # clearance (1/ms)
    ko_inf = 5.6 + 1e4 / 0.029 * ik / (F * k)
    ko = ko_inf + (5.6 - ko_inf) * math.exp(-dt * k)
    assert_close(new[20], ko, rtol=1e-12, what="K_o", unit="mM")
    assert ik > 0.0  # K leaves at -20 mV


def test_scalar_and_array_equations_agree() -> None:
    p = _prm()
    v = np.linspace(-120.0, 60.0, 7)
    x = np.array([SCALAR.tigerholm.rest(float(u), p) for u in v])
    x[:, 17] = np.linspace(8.0, 30.0, 7)
    x[:, 20] = np.linspace(3.0, 20.0, 7)
    s = np.linspace(0.2, 1.0, 9)
    sca = np.array([SCALAR.tigerholm.advance(x[k], v[k] - 3, v[k], 0.005, s, 0.8, p)
                    for k in range(v.size)])  # fmt: skip
    arr = np.stack(ARRAY.tigerholm.advance(list(x.T), v - 3, v, 0.005, list(s), 0.8, p), axis=1)
    assert_close(arr, sca, rtol=1e-12, what="tigerholm advance, NumPy vs Numba", unit="")
    cur_s = np.array([SCALAR.tigerholm.current(x[k], s, p) for k in range(v.size)])
    cur_a = np.stack(ARRAY.tigerholm.current(list(x.T), list(s), p), axis=1)
    assert_close(cur_a, cur_s, rtol=1e-12, what="tigerholm current, NumPy vs Numba", unit="")


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_backends_agree_on_an_ap(backend: str) -> None:
    if backend == "jax":
        pytest.importorskip("jax")
    g = tigerholm_geometry(0.8, 41)
    v, _, _ = resting_state(g)
    assert_close(v, -55.0, atol=1e-9, what="Tigerholm rest", unit="mV")
    pts = np.zeros((g.n_sections, 3))
    pts[:, 2] = g.arc_um * 1e-3
    phi = point_source_phi_mv_per_ma(pts, np.array([0.0, 0.1, g.arc_um[20] * 1e-3]))
    dt, n = 0.005, 600
    w = pulse_waveform("monophasic-cathodic", 0.1, dt, n)
    kw = {"dt_ms": dt, "n_steps": n, "record_sections": np.array([20, 37])}
    ref = simulate(g, phi, np.array([-0.15]), w, **kw)
    assert ref.ap_count[0, 37] == 1
    other = simulate(g, phi, np.array([-0.15]), w, backend=backend, **kw)
    assert_close(other.v_trace_mv, ref.v_trace_mv, atol=1e-8, what=f"{backend} vs Numba", unit="mV")


def test_registered_with_length_and_section_count() -> None:
    assert "tigerholm" in fiber_model_names()
    m = fiber_model("tigerholm")
    assert m.node_spacing_um(1.0) == 8.333
    assert m.geometry(1.0, 31).n_sections == 31
    # floor(1 mm / 8.333 um) + 1 = 121 sections (odd)
    assert tigerholm_geometry(0.8, length_um=1000.0).n_sections == 121
    assert tigerholm_geometry(0.8, length_um=1010.0).n_sections == 121  # 122 made odd
    with pytest.raises(InputError, match="diameter_um"):
        m.geometry(10.0, 31)


def test_case_takes_length_mm_for_its_section_count(tmp_path) -> None:
    from neurostim.fibers.cases import ProtocolCase
    from neurostim.fibers.table import read_cases_csv

    kw = {"model": "tigerholm", "diameter_um": 0.8, "distance_mm": 0.1,
          "waveform": "monophasic-cathodic", "pulse_width_ms": 0.1}  # fmt: skip
    # floor(1 mm / 8.333 um) + 1 = 121 sections
    case = ProtocolCase(length_mm=1.0, **kw)
    assert case.resolved()[0] == 121
    assert case.geometry().n_sections == case.n_sections() == 121
    with pytest.raises(InputError, match="length_mm"):
        ProtocolCase(length_mm=1.0, n_nodes=31, **kw)
    with pytest.raises(InputError, match="length_mm"):
        ProtocolCase(length_mm=0.02, **kw)  # 3 sections
    csv = tmp_path / "cases.csv"
    csv.write_text(
        "model,diameter_um,distance_mm,waveform,pulse_width_ms,length_mm\n"
        "tigerholm,0.8,0.1,monophasic-cathodic,0.1,0.5\n"
    )
    (read,), _ = read_cases_csv(csv)
    assert read.length_mm == 0.5 and read.geometry().n_sections == 61  # floor(60.002) + 1


def test_population_places_tigerholm_fibers() -> None:
    from neurostim.fibers import straight_fibers

    pop = straight_fibers([0.0, 0.1], 0.5, [0.8, 1.5], n_nodes=21, model="tigerholm")
    pts = pop.section_points_mm(1)
    assert pop.fiber(1).geometry.model == "tigerholm" and pts.shape == (21, 3)
    assert_close(np.diff(pts[:, 2]), 8.333e-3, rtol=1e-12, what="section spacing", unit="mm")
