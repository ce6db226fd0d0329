"""Membrane currents and their recorded potential (``simulate(recording_phi=...)``).

Checks independent of the kernels' arithmetic: Kirchhoff (a sealed fiber's outward currents sum
to the injected current at every step), the recorded potential as an explicit sum over the
stored currents, the point-source potential of those currents computed here from
1/(4 pi sigma r) in SI units, the resting state, and the triphasic (P1-N1-P2) shape of a
travelling AP seen from a point contact.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.fibers import (
    MRGFiber,
    ProtocolCase,
    point_source_phi_mv_per_ma,
    resting_state,
    simulate,
    solver,
    sundt_geometry,
)
from neurostim.fibers.cases import iclamp_na
from neurostim.testing import assert_close

SIGMA_S_PER_M = 0.2
DT_MS = 0.005


def _mrg_case(n_steps: int = 160):
    """MRG 10 um, 11 nodes, point source 1 mm from the middle node: geometry, phi, waveform."""
    case = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.1, n_nodes=11)
    g = case.geometry()
    return g, case.phi_mv_per_ma(g), case.unit_waveform()[:n_steps]


def _leads(g, n_leads: int = 3) -> np.ndarray:
    """Point contacts beside a straight fiber along z: (n_leads, n_sections) in mV/mA."""
    z_mm = g.arc_um * 1e-3
    pts = np.column_stack([np.zeros_like(z_mm), np.zeros_like(z_mm), z_mm])
    zc = z_mm[g.node_sections[g.center_node]]
    contacts = [(0.5 + 0.5 * k, 0.2 * k, zc + 0.3 * k) for k in range(n_leads)]
    return np.stack([point_source_phi_mv_per_ma(pts, np.array(c), SIGMA_S_PER_M)
                     for c in contacts])  # fmt: skip


def _assert_kirchhoff(current_na: np.ndarray, injected_na: np.ndarray | float, what: str) -> None:
    """Sum over sections of (n_cases, n_sections, n_steps) equals the injected current to
    rounding: 1e-9 of the largest section current."""
    total = current_na.sum(axis=1)
    scale = np.abs(current_na).max()
    assert scale > 0.1  # nA: an AP, not a quiet fiber
    assert np.abs(total - injected_na).max() < 1e-9 * scale, what


@pytest.mark.parametrize("model", ["mrg", "sundt"])
def test_outward_currents_of_a_sealed_fiber_sum_to_zero(model: str) -> None:
    if model == "mrg":
        g, phi, wave = _mrg_case(200)
        amps = np.array([-0.3, -0.05, 1.5])  # fires, quiet, anodic fires
    else:
        case = ProtocolCase("sundt", 0.8, 0.3, "monophasic-cathodic", 0.1, n_nodes=41)
        g = case.geometry()
        phi, wave, amps = case.phi_mv_per_ma(g), case.unit_waveform()[:600], np.array([-2.0])
    res = simulate(g, phi, amps, wave, dt_ms=0.005 if model == "mrg" else 0.001,
                   n_steps=wave.size, record_membrane_current=True)  # fmt: skip
    assert res.ap_count[0, -2] > 0  # the AP propagated to the end of the fiber
    _assert_kirchhoff(res.membrane_current_na, 0.0, f"{model}: sum of outward currents")


def test_internode_current_is_the_current_through_the_myelin() -> None:
    """The link currents equal the myelin branch of the backward-Euler step at internodal
    sections, G_my (U' - E') + (C_my/dt)((U' - E') - (U - E)), from the states before and
    after the step (taken from the kernel's in-place state)."""
    g, phi, wave = _mrg_case(200)
    amp = -0.3
    res = simulate(g, phi, np.array([amp]), wave, n_steps=200, record_membrane_current=True)
    current = res.membrane_current_na[0]

    def u_after(n_steps: int) -> np.ndarray:
        v0, u0, gates0 = resting_state(g)
        v, u = v0[None].copy(), u0[None].copy()
        solver._run(g, v, u, gates0[None].copy(), phi[None].copy(), np.array([amp]),
                    wave[None].copy(), np.zeros(1, np.int64), DT_MS, n_steps, False, -1, None,
                    None)  # fmt: skip
        return u[0]

    internode = ~g.u_fixed
    for step in (20, 40, 90):  # during the pulse, the AP passing, repolarisation
        u_old, u_new = u_after(step), u_after(step + 1)
        e_old, e_new = amp * wave[step - 1] * phi, amp * wave[step] * phi
        myelin = g.g_myelin_us * (u_new - e_new) + g.c_myelin_nf / DT_MS * (
            (u_new - e_new) - (u_old - e_old)
        )
        assert_close(current[internode, step], myelin[internode],
                     atol=1e-9 * np.abs(current[:, step]).max(),
                     what=f"myelin current at step {step}", unit="nA")  # fmt: skip


def test_intracellular_stimulus_leaves_through_the_membrane() -> None:
    g, _, _ = _mrg_case()
    n = 160
    istim = iclamp_na(5.0, 0.02, 0.1, DT_MS, n)
    res = simulate(g, np.zeros(g.n_sections), np.zeros(1), np.zeros(n), n_steps=n,
                   intracellular_section=int(g.node_sections[1]), intracellular_na=istim,
                   record_membrane_current=True)  # fmt: skip
    assert res.detected[0]
    _assert_kirchhoff(res.membrane_current_na, istim, "sum of outward currents = IClamp")


@pytest.mark.parametrize("per_case", [False, True])
def test_recorded_potential_is_the_weighted_sum_of_the_currents(per_case: bool) -> None:
    g, phi, wave = _mrg_case()
    amps = np.array([-0.3, -0.05, -0.2])
    leads = _leads(g)
    rec = np.stack([leads, 0.5 * leads[::-1], leads + 1.0]) if per_case else leads
    res = simulate(g, phi, amps, wave, n_steps=wave.size, recording_phi=rec,
                   record_membrane_current=True)  # fmt: skip
    assert res.recorded_uv.shape == (3, 3, wave.size)
    weights = rec if per_case else np.broadcast_to(rec, (3, *rec.shape))
    # ohm x nA = nV; 1e-3 uV per nV
    expected_uv = np.einsum("clm,cmt->clt", weights, res.membrane_current_na) * 1e-3
    assert_close(res.recorded_uv, expected_uv, atol=1e-9 * np.abs(expected_uv).max(),
                 what="recorded potential vs explicit sum", unit="uV")  # fmt: skip
    plain = simulate(g, phi, amps, wave, n_steps=wave.size)
    assert plain.recorded_uv is None and plain.membrane_current_na is None
    only_rec = simulate(g, phi, amps, wave, n_steps=wave.size, recording_phi=rec)
    assert only_rec.membrane_current_na is None
    np.testing.assert_array_equal(only_rec.recorded_uv, res.recorded_uv)
    np.testing.assert_array_equal(only_rec.ap_count, plain.ap_count)


def test_single_case_kernel_equals_lanes() -> None:
    g, phi, wave = _mrg_case()
    amps = np.array([-0.3, -0.05, -0.2, -0.4, -0.1, -0.25, -0.3, -0.35, -0.15])  # 9: two rounds
    leads = _leads(g)
    kw = dict(n_steps=wave.size, recording_phi=leads, record_membrane_current=True)
    lanes = simulate(g, phi, amps, wave, **kw)
    for k in (0, 1, 8):
        one = simulate(g, phi, amps[k : k + 1], wave, **kw)
        scale = np.abs(one.recorded_uv).max()
        assert_close(lanes.recorded_uv[k], one.recorded_uv[0], atol=1e-9 * scale,
                     what=f"recorded, lanes vs single case {k}", unit="uV")  # fmt: skip


def test_stopped_case_records_zeros_after_its_stop() -> None:
    g, phi, wave = _mrg_case()
    amps = np.array([-0.3, -0.05])
    res = simulate(g, phi, amps, wave, n_steps=wave.size, recording_phi=_leads(g),
                   record_membrane_current=True, stop_on_detect=True)  # fmt: skip
    stop = int(res.steps_done[0])
    assert stop < wave.size and res.steps_done[1] == wave.size
    assert np.all(res.recorded_uv[0, :, stop:] == 0.0)
    assert np.all(res.membrane_current_na[0, :, stop:] == 0.0)
    assert np.all(res.recorded_uv[0, :, stop - 1] != 0.0)


def test_point_contact_sees_the_currents_as_point_sources() -> None:
    """Reciprocity in an infinite homogeneous medium: recording with 1/(4 pi sigma r) equals
    the potential of the stored currents as point sources, computed here in SI units."""
    fiber = MRGFiber(10.0, 11)
    g = fiber.geometry
    pts_mm = fiber.section_points_mm()
    contact_mm = pts_mm[g.node_sections[g.center_node]] + np.array([1.0, 0.0, 0.2])
    rec = point_source_phi_mv_per_ma(pts_mm, contact_mm, SIGMA_S_PER_M)[None]
    stim_phi = point_source_phi_mv_per_ma(pts_mm, contact_mm * [1, 1, 0.5], SIGMA_S_PER_M)
    wave = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.1).unit_waveform()[:200]
    res = simulate(g, stim_phi, np.array([-0.5]), wave, n_steps=200, recording_phi=rec,
                   record_membrane_current=True)  # fmt: skip
    assert res.detected[0]
    r_m = np.linalg.norm(pts_mm - contact_mm, axis=1) * 1e-3
    current_a = res.membrane_current_na[0] * 1e-9
    v_uv = (current_a / (4 * np.pi * SIGMA_S_PER_M * r_m[:, None])).sum(axis=0) * 1e6
    assert_close(res.recorded_uv[0, 0], v_uv, atol=1e-9 * np.abs(v_uv).max(),
                 what="point-contact potential", unit="uV")  # fmt: skip


def test_no_stimulus_records_only_the_resting_offset() -> None:
    """At rest an MRG fiber carries a steady current loop (its nodes rest ~0.04 mV above the
    internodes' leak reversal, 6e-5 nA at the nodes): a lead 0.5-1.5 mm away records a constant
    offset of order 1e-5 uV (2.3e-5 uV measured at 0.5 mm), with no stimulus. Sundt (uniform)
    has none."""
    g, _, _ = _mrg_case()
    res = simulate(g, np.zeros(g.n_sections), np.zeros(1), np.zeros(400), n_steps=400,
                   recording_phi=_leads(g), record_membrane_current=True)  # fmt: skip
    rec = res.recorded_uv[0]
    assert np.abs(res.membrane_current_na).max() < 1e-4  # nA
    assert np.abs(rec).max() < 1e-4  # uV
    # nearly stationary: the initialisation's residual settling (test_solver.py) moves it by
    # 1e-9 uV in 2 ms
    assert np.abs(rec - rec[:, :1]).max() < 1e-8  # uV
    sg = sundt_geometry(0.8, 41)
    z = sg.arc_um * 1e-3
    pts = np.column_stack([np.zeros_like(z), np.zeros_like(z), z])
    lead = point_source_phi_mv_per_ma(pts, np.array([1.0, 0.0, z.mean()]), SIGMA_S_PER_M)
    res = simulate(sg, np.zeros(sg.n_sections), np.zeros(1), np.zeros(400), dt_ms=0.001,
                   n_steps=400, recording_phi=lead[None])  # fmt: skip
    assert np.abs(res.recorded_uv).max() < 1e-12  # uV


def test_travelling_ap_is_triphasic_at_a_point_contact() -> None:
    """An AP started at one end, seen 1 mm from the middle of a 41-node fiber: P1 (positive,
    the approaching outward capacitive currents), N1 (negative, the inward sodium current
    passing the contact, at the middle node's AP), P2 (positive, repolarisation)."""
    fiber = MRGFiber(10.0, 41)
    g = fiber.geometry
    pts = fiber.section_points_mm()
    middle = g.node_sections[g.center_node]
    lead = point_source_phi_mv_per_ma(pts, pts[middle] + [1.0, 0.0, 0.0], SIGMA_S_PER_M)
    n = 300
    start = 25  # after the IClamp (0.02-0.12 ms), whose own current is a source too
    istim = iclamp_na(5.0, 0.02, 0.1, DT_MS, n)
    res = simulate(g, np.zeros(g.n_sections), np.zeros(1), np.zeros(n), n_steps=n,
                   intracellular_section=int(g.node_sections[1]), intracellular_na=istim,
                   recording_phi=lead[None])  # fmt: skip
    x = res.recorded_uv[0, 0, start:]
    i_n1 = int(np.argmin(x))
    n1, p1, p2 = x[i_n1], x[:i_n1].max(), x[i_n1:].max()
    assert n1 < 0 < p1 and p2 > 0
    assert p1 > 0.1 * -n1 and p2 > 0.02 * -n1 and max(p1, p2) < -n1
    assert int(np.argmax(x[:i_n1])) < i_n1 < i_n1 + int(np.argmax(x[i_n1:]))
    t_n1_ms = (start + i_n1 + 1) * DT_MS
    assert abs(t_n1_ms - res.first_crossing_ms[0, g.center_node]) < 0.1


def test_bad_recording_phi_is_refused() -> None:
    g, phi, wave = _mrg_case(10)
    with pytest.raises(InputError, match=r"recording_phi.*\(n_leads, "):
        simulate(g, phi, np.array([-0.1]), wave, n_steps=10, recording_phi=np.ones((2, 5)))
    with pytest.raises(InputError, match="recording_phi"):
        simulate(g, phi, np.array([-0.1, -0.2]), wave, n_steps=10,
                 recording_phi=np.ones((3, 1, g.n_sections)))  # fmt: skip
    with pytest.raises(InputError, match="finite"):
        simulate(g, phi, np.array([-0.1]), wave, n_steps=10,
                 recording_phi=np.full((1, g.n_sections), np.nan))  # fmt: skip


def _backend_cases():
    """A short MRG run (5 nodes, 0.6 ms) with per-case leads and a stop: small enough for the
    NumPy backend."""
    case = ProtocolCase("mrg", 10.0, 0.5, "monophasic-cathodic", 0.1, n_nodes=5)
    g = case.geometry()
    phi = np.tile(case.phi_mv_per_ma(g), (3, 1))
    phi[1] *= 0.8
    leads = _leads(g, 2)
    rec = np.stack([leads, 2.0 * leads, leads[::-1]])
    return g, phi, np.array([-0.3, -0.05, -0.5]), case.unit_waveform()[:120], rec


def _assert_same_recording(res, ref, what: str) -> None:
    np.testing.assert_array_equal(res.steps_done, ref.steps_done, err_msg=what)
    scale = np.abs(ref.recorded_uv).max()
    assert_close(res.recorded_uv, ref.recorded_uv, atol=1e-9 * scale,
                 what=f"recorded, {what}", unit="uV")  # fmt: skip
    scale = np.abs(ref.membrane_current_na).max()
    assert_close(res.membrane_current_na, ref.membrane_current_na, atol=1e-9 * scale,
                 what=f"membrane current, {what}", unit="nA")  # fmt: skip


@pytest.mark.parametrize("stop_on_detect", [False, True])
def test_numpy_backend_records_the_same(stop_on_detect: bool) -> None:
    g, phi, amps, wave, rec = _backend_cases()
    kw = dict(n_steps=wave.size, recording_phi=rec, record_membrane_current=True,
              stop_on_detect=stop_on_detect)  # fmt: skip
    ref = simulate(g, phi, amps, wave, **kw)
    assert ref.detected[0] and not ref.detected[1]
    _assert_same_recording(simulate(g, phi, amps, wave, backend="numpy", **kw), ref, "numpy")
    shared = dict(kw, recording_phi=rec[0])
    res = simulate(g, phi, amps, wave, backend="numpy", **shared)
    _assert_same_recording(res, simulate(g, phi, amps, wave, **shared), "numpy, shared leads")


def test_jax_backend_records_the_same() -> None:
    pytest.importorskip("jax")
    g, phi, amps, wave, rec = _backend_cases()
    kw = dict(n_steps=wave.size, recording_phi=rec, record_membrane_current=True,
              stop_on_detect=True)  # fmt: skip
    ref = simulate(g, phi, amps, wave, **kw)
    _assert_same_recording(simulate(g, phi, amps, wave, backend="jax", **kw), ref, "jax")
    istim = iclamp_na(5.0, 0.02, 0.1, DT_MS, wave.size)
    kw = dict(kw, recording_phi=rec[0], intracellular_section=int(g.node_sections[1]),
              intracellular_na=istim)  # fmt: skip
    zero = np.zeros_like(phi)
    ref = simulate(g, zero, amps, wave, **kw)
    assert ref.detected.all()
    res = simulate(g, zero, amps, wave, backend="jax", **kw)
    _assert_same_recording(res, ref, "jax, intracellular stimulus")
