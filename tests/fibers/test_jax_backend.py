"""The JAX backend against the NumPy reference and the compiled kernel, computed in each test.

Equality: membrane potentials to 1e-6 relative with an absolute floor of 1e-6 mV (potentials
cross 0 mV during an AP, where a relative bound alone means nothing); AP detection identical
(counts, step-end times, steps done), interpolated crossing times to 1e-9 ms.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.fibers import ProtocolCase, find_thresholds, simulate
from neurostim.fibers._numpy_reference import simulate_numpy
from neurostim.testing import assert_close

RTOL = 1e-6
ATOL_MV = 1e-6
N_STEPS = 160  # 0.8 ms at 5 us: the MRG APs below reach the detection node


@pytest.fixture(scope="module")
def jax():
    return pytest.importorskip("jax")


def _cases(model: str):
    """Geometry, phi (n_cases, n_sections), amplitudes and two waveforms (cathodic, biphasic)."""
    if model == "mrg":
        case = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.1, n_nodes=11)
        amps = np.array([-0.3, -0.12, -0.05, 1.5])  # two fire, one stays quiet, anodic fires
    else:
        case = ProtocolCase("sundt", 0.8, 0.3, "monophasic-cathodic", 0.1, n_nodes=41)
        amps = np.array([-2.0, -0.1, 3.0, -0.5])
    g = case.geometry()
    phi = np.tile(case.phi_mv_per_ma(g), (amps.size, 1))
    phi[1::2] *= 0.8  # per-case fields
    biphasic = ProtocolCase(case.model, case.diameter_um, case.distance_mm,
                            "biphasic-cathodic-first", 0.1).unit_waveform()  # fmt: skip
    wave = np.stack([case.unit_waveform()[:N_STEPS], biphasic[:N_STEPS]])
    return g, phi, amps, wave, np.array([0, 1, 0, 1])


def _assert_same_detection(res, ref, what: str) -> None:
    for field in ("ap_count", "steps_done", "unstable", "detected"):
        np.testing.assert_array_equal(getattr(res, field), getattr(ref, field), err_msg=what)
    for field in ("first_ap_time_ms", "last_ap_time_ms"):
        np.testing.assert_array_equal(getattr(res, field), getattr(ref, field), err_msg=what)
    none = np.isnan(ref.first_crossing_ms)  # nodes without an AP
    np.testing.assert_array_equal(np.isnan(res.first_crossing_ms), none, err_msg=what)
    assert_close(res.first_crossing_ms[~none], ref.first_crossing_ms[~none], atol=1e-9,
                 what=f"first crossing, {what}", unit="ms")  # fmt: skip


@pytest.mark.parametrize("model", ["mrg", "sundt"])
def test_jax_equals_numpy_reference(jax, model: str) -> None:
    g, phi, amps, wave, widx = _cases(model)
    res = simulate(g, phi, amps, wave, wave_index=widx, n_steps=N_STEPS,
                   record_sections=np.arange(g.n_sections), backend="jax")  # fmt: skip
    # NumPy reference (block Thomas over all sections), each case with its own waveform
    ref = simulate_numpy(g, phi, amps, wave[widx].T, 0.005, N_STEPS)
    assert_close(res.v_trace_mv.transpose(0, 2, 1), ref, rtol=RTOL, atol=ATOL_MV,
                 what=f"V trace {model}, JAX vs NumPy", unit="mV")  # fmt: skip
    fired = res.ap_count.sum(axis=1) > 0
    assert fired.any() and not fired.all()  # sub- and supra-threshold cases
    numba = simulate(g, phi, amps, wave, wave_index=widx, n_steps=N_STEPS,
                     record_sections=np.arange(g.n_sections))  # fmt: skip
    _assert_same_detection(res, numba, f"{model}, JAX vs Numba")


@pytest.mark.parametrize("model", ["mrg", "sundt"])
def test_stop_rules_give_the_kernels_result(jax, model: str) -> None:
    """Early exit is a mask in JAX and NumPy; outputs equal the kernel's, which really stops."""
    g, phi, amps, wave, widx = _cases(model)
    kw = dict(wave_index=widx, n_steps=N_STEPS, stop_on_detect=True, quiet_mv=1.0,
              record_sections=g.node_sections)  # fmt: skip
    numba = simulate(g, phi, amps, wave, **kw)
    assert (numba.steps_done < N_STEPS).any()
    for backend in ("jax", "numpy"):
        res = simulate(g, phi, amps, wave, backend=backend, **kw)
        _assert_same_detection(res, numba, f"{model}, {backend} vs Numba with stops")
        assert_close(res.v_trace_mv, numba.v_trace_mv, rtol=RTOL, atol=ATOL_MV,
                     what=f"nodal V {model}, {backend} vs Numba", unit="mV")  # fmt: skip


def test_intracellular_stimulus(jax) -> None:
    case = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.1, n_nodes=11)
    g = case.geometry()
    istim = np.zeros(N_STEPS)
    istim[:20] = 2.0  # nA into node 2 for 0.1 ms
    kw = dict(n_steps=N_STEPS, intracellular_section=int(g.node_sections[2]),
              intracellular_na=istim, record_sections=g.node_sections)  # fmt: skip
    zero = np.zeros((3, g.n_sections))  # 3 cases: JAX pads the batch to 4
    res = simulate(g, zero, np.zeros(3), np.zeros(N_STEPS), backend="jax", **kw)
    ref = simulate(g, zero, np.zeros(3), np.zeros(N_STEPS), **kw)
    assert ref.detected.all()
    _assert_same_detection(res, ref, "intracellular, JAX vs Numba")
    assert_close(res.v_trace_mv, ref.v_trace_mv, rtol=RTOL, atol=ATOL_MV,
                 what="nodal V, intracellular", unit="mV")  # fmt: skip


def test_non_finite_voltage_stops_the_case(jax) -> None:
    case = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.1, n_nodes=11)
    g = case.geometry()
    kw = dict(n_steps=N_STEPS, record_sections=g.node_sections)
    amps = np.array([np.inf, -0.2, np.nan])
    res = simulate(g, case.phi_mv_per_ma(g), amps, case.unit_waveform(), backend="jax", **kw)
    ref = simulate(g, case.phi_mv_per_ma(g), amps, case.unit_waveform(), **kw)
    np.testing.assert_array_equal(ref.unstable, [True, False, True])
    _assert_same_detection(res, ref, "non-finite input, JAX vs Numba")


def test_threshold_through_jax_equals_default(jax) -> None:
    case = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.1, n_nodes=11)
    g = case.geometry()
    phi = np.stack([case.phi_mv_per_ma(g), 0.7 * case.phi_mv_per_ma(g)])
    kw = dict(tstop_ms=1.5, tolerance_rel=1e-2)
    ref = find_thresholds(g, phi, case.unit_waveform(), -1.0, **kw)
    res = find_thresholds(g, phi, case.unit_waveform(), -1.0, backend="jax", **kw)
    assert list(ref.status) == ["ok", "ok"]
    np.testing.assert_array_equal(res.status, ref.status)
    # both are midpoints of a bracket narrower than tolerance_rel
    assert_close(res.threshold_ma, ref.threshold_ma, rtol=1e-2,
                 what="threshold, JAX vs Numba", unit="mA")  # fmt: skip


def test_unknown_backend_and_missing_jax(monkeypatch: pytest.MonkeyPatch) -> None:
    case = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.1, n_nodes=11)
    g = case.geometry()
    args = (g, case.phi_mv_per_ma(g), np.array([-0.1]), case.unit_waveform())
    with pytest.raises(InputError, match="backend"):
        simulate(*args, n_steps=10, backend="cuda")
    monkeypatch.setitem(sys.modules, "neurostim.fibers._jax_backend", None)
    with pytest.raises(InputError, match=r"neurostim\[gpu\]"):
        simulate(*args, n_steps=10, backend="jax")


def test_importing_neurostim_does_not_import_jax() -> None:
    code = "import sys, neurostim, neurostim.fibers; sys.exit('jax' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.gpu
def test_jax_equals_numpy_reference_on_the_accelerator(jax) -> None:
    if jax.default_backend() == "cpu":
        pytest.skip("no accelerator visible to JAX")
    test_jax_equals_numpy_reference(jax, "mrg")
    test_jax_equals_numpy_reference(jax, "sundt")
