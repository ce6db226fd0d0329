"""Batched simulation of fiber cases: resting state, stimulation, AP detection.

``simulate`` advances n_cases independent fibers of one geometry in parallel with NEURON's
fixed-step scheme (backward Euler, ``secondorder = 0``; gates by ``cnexp`` with the new voltage;
see ``_kernel.py``). Why backward Euler: it is what the reference (NEURON + PyFibers) runs, and
thresholds and CV depend on the scheme at the 1-9 % level at dt = 5 us (PROTOCOL.md sections 8,
10); it is also L-stable, so the stiff periaxonal/myelin layer needs no small step. Accuracy is
first order in dt; pass a smaller ``dt_ms`` for a more accurate answer (tests/fibers/
test_convergence.py fits the order).

Initialisation [PROTOCOL.md section 4]: every compartment at v_rest, U = 0, gates at their
v_rest steady state, then 40 steps of 5 ms with no stimulus; computed once per geometry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.fibers import _kernel, _lanes
from neurostim.fibers._backends import BACKENDS, run_backend
from neurostim.fibers.cable import NodeReduction, reduce_to_nodes
from neurostim.fibers.geometry import CableGeometry
from neurostim.units import UM_TO_CM

INIT_DT_MS = 5.0
INIT_STEPS = 40

_REST_CACHE: dict[tuple, tuple] = {}
_REDUCTION_CACHE: dict[tuple, NodeReduction] = {}


@dataclass(frozen=True)
class SimulationResult:
    """Outcome of ``simulate`` for n_cases cases.

    Attributes
    ----------
    ap_count : ndarray of int, shape (n_cases, n_nodes)
        APs counted by the -30 mV detector at each node.
    first_ap_time_ms, last_ap_time_ms : ndarray of shape (n_cases, n_nodes)
        Step-end time of the first/last AP (NaN where none).
    first_crossing_ms : ndarray of shape (n_cases, n_nodes)
        First upward -30 mV crossing, linearly interpolated within its step (NaN where none).
    steps_done : ndarray of int, shape (n_cases,)
    unstable : ndarray of bool, shape (n_cases,)
        A non-finite voltage appeared; the case stopped.
    detected : ndarray of bool, shape (n_cases,)
        At least one AP at the detection node.
    v_trace_mv : ndarray of shape (n_cases, n_recorded, n_steps) or None
        Membrane potential of the recorded sections after every step.
    recorded_uv : ndarray of shape (n_cases, n_leads, n_steps) or None
        Potential (uV) at each recording lead after every step, sum_m recording_phi[lead, m]
        I_m over the sections (``simulate``'s ``recording_phi``); 0 after a case's last step.
    membrane_current_na : ndarray of shape (n_cases, n_sections, n_steps) or None
        Total current (nA, outward positive) each section sends into the extracellular medium
        during every step (``record_membrane_current``); 0 after a case's last step.
    """

    ap_count: NDArray[np.int64]
    first_ap_time_ms: NDArray[np.float64]
    last_ap_time_ms: NDArray[np.float64]
    first_crossing_ms: NDArray[np.float64]
    steps_done: NDArray[np.int64]
    unstable: NDArray[np.bool_]
    detected: NDArray[np.bool_]
    v_trace_mv: NDArray[np.float64] | None
    recorded_uv: NDArray[np.float64] | None = None
    membrane_current_na: NDArray[np.float64] | None = None


def _key(g: CableGeometry) -> tuple:
    """Cache key from every array and number the solver uses (two geometries built the same
    way share it; any difference in coefficients gives a new key)."""
    h = hashlib.sha1(g.model.encode())
    for a in (g.capacitance_nf, g.g_leak_us, g.e_leak_mv, g.g_axial_us, g.g_periaxonal_us,
              g.g_myelin_us, g.c_myelin_nf, g.u_fixed, g.active_sections, g.active_area_cm2,
              g.node_sections, g.channel_params, g.parents, g.channel_scales):  # fmt: skip
        h.update(np.ascontiguousarray(a).tobytes())
    return (g.model, g.n_sections, g.v_rest_mv, h.hexdigest())


def _reduction(g: CableGeometry, dt_ms: float) -> NodeReduction:
    key = (*_key(g), float(dt_ms))
    red = _REDUCTION_CACHE.get(key)
    if red is None:
        red = _REDUCTION_CACHE[key] = reduce_to_nodes(g, dt_ms)
    return red


def _kernel_args(g: CableGeometry, dt_ms: float) -> tuple:
    red = _reduction(g, dt_ms)
    return (
        g.channel_params, g.g_leak_us, g.e_leak_mv, g.g_axial_us,
        g.g_periaxonal_us, g.active_g_us, g.channel_scales, active_diameter_um(g), red.fixed,
        red.active_fixed, red.parent, red.dinv,
        red.w, red.zeta_l, red.zeta_r, red.diag0, red.node_parent, red.lower, red.upper,
        red.span_start, red.span_end, red.span_left, red.span_right, red.link_node,
        red.link_index, red.link_other, red.link_other_free, red.c, red.m, red.cmy,
        red.eta0, red.sa, g.node_sections, g.detection_node,
    )  # fmt: skip


def active_diameter_um(g: CableGeometry) -> NDArray[np.float64]:
    """Diameter (um) of each active section from its membrane area and length, (n_active,)."""
    length_cm = g.length_um[g.active_sections] * UM_TO_CM
    return g.active_area_cm2 / (np.pi * length_cm) / UM_TO_CM


def resting_state(
    g: CableGeometry,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """State after initialisation: v_mv, u_mv of shape (n_sections,), the model's state
    variables (n_active, n_states) (``channels.Kinetics``)."""
    key = _key(g)
    if key not in _REST_CACHE:
        n = g.n_sections
        v = np.full((1, n), g.v_rest_mv)
        u = np.zeros((1, n))
        gates = _kernel.init_gates(g.channel_params, g.v_rest_mv, g.active_sections.size)[
            None
        ].copy()
        _run(g, v, u, gates, np.zeros((1, n)), np.zeros(1), np.zeros((1, INIT_STEPS)),
             np.zeros(1, np.int64), INIT_DT_MS, INIT_STEPS, False, -1, None, None)  # fmt: skip
        _REST_CACHE[key] = (v[0].copy(), u[0].copy(), gates[0].copy())
    v0, u0, g0 = _REST_CACHE[key]
    return v0.copy(), u0.copy(), g0.copy()


def _run(g, v, u, gates, phi, amp, wave, wave_idx, dt, n_steps, stop, istim_sec, istim_na, rec,
         quiet_mv=0.0, v_rest_nodes=None, rec_phi=None, keep_current=False):  # fmt: skip
    n_cases = v.shape[0]
    n_nodes = g.n_nodes
    ap_count = np.zeros((n_cases, n_nodes), np.int64)
    ap_time = np.full((n_cases, n_nodes), np.nan)
    ap_interp = np.full((n_cases, n_nodes), np.nan)
    last = np.full((n_cases, n_nodes), np.nan)
    steps = np.zeros(n_cases, np.int64)
    status = np.zeros(n_cases, np.int64)
    rec = np.zeros(0, np.int64) if rec is None else np.asarray(rec, np.int64)
    trace = np.zeros((n_cases if rec.size else 0, rec.size, n_steps))
    if trace.shape[0] == 0:
        trace = np.zeros((n_cases, 0, 0))
    istim = np.zeros(n_steps) if istim_na is None else np.asarray(istim_na, np.float64)
    rest = np.zeros(n_nodes) if v_rest_nodes is None else np.asarray(v_rest_nodes, np.float64)
    n = g.n_sections
    if rec_phi is None:
        rec_phi = np.zeros((1, 0, n))
    recorded = np.zeros((n_cases, rec_phi.shape[1], n_steps))
    current = np.zeros((n_cases, n, n_steps) if keep_current else (n_cases, 0, 0))
    (_lanes.run_lanes if n_cases > 1 else _kernel.run_cases)(
        *_kernel_args(g, dt),
        phi, amp, wave, wave_idx, int(istim_sec), istim, float(dt), int(n_steps), bool(stop),
        float(quiet_mv), _wave_end(wave), rest, v, u, gates, ap_count, ap_time, ap_interp, last,
        steps, status, rec, trace, _reduction(g, dt).gp_bath, rec_phi, recorded, current,
    )  # fmt: skip
    return (ap_count, ap_time, ap_interp, last, steps, status, (trace if rec.size else None),
            recorded, current)  # fmt: skip


def _wave_end(wave: NDArray[np.float64]) -> NDArray[np.int64]:
    """Per wave, the first step after which the waveform stays 0 (n_waves,)."""
    nz = wave != 0
    last = wave.shape[1] - 1 - np.argmax(nz[:, ::-1], axis=1)
    return np.where(nz.any(axis=1), last + 1, 0).astype(np.int64)


def _writable(a: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.require(a, dtype=np.float64, requirements=["C", "W"])


def simulate(
    geometry: CableGeometry,
    phi_mv_per_ma: NDArray[np.float64],
    amplitude_ma: NDArray[np.float64],
    waveform: NDArray[np.float64],
    *,
    wave_index: NDArray[np.int64] | None = None,
    dt_ms: float = 0.005,
    n_steps: int | None = None,
    tstop_ms: float = 5.0,
    stop_on_detect: bool = False,
    intracellular_section: int = -1,
    intracellular_na: NDArray[np.float64] | None = None,
    record_sections: NDArray[np.int64] | None = None,
    quiet_mv: float = 0.0,
    backend: str = "numba",
    recording_phi: NDArray[np.float64] | None = None,
    record_membrane_current: bool = False,
) -> SimulationResult:
    """Simulate n_cases fiber cases of one geometry from the resting state.

    Parameters
    ----------
    geometry : CableGeometry
    phi_mv_per_ma : ndarray of shape (n_cases, n_sections) or (n_sections,)
        Extracellular potential per unit source current at every section centre.
    amplitude_ma : ndarray of shape (n_cases,)
        Signed source current scaling the waveform.
    waveform : ndarray of shape (n_waves, n_steps) or (n_steps,)
        Unit waveform on the step grid: entry n is used for the step from n dt to (n + 1) dt.
    wave_index : ndarray of int, shape (n_cases,), optional
        Row of ``waveform`` for each case (default 0).
    dt_ms, n_steps, tstop_ms : time step and length (n_steps defaults to round(tstop/dt)).
    stop_on_detect : bool
        Stop a case as soon as the detection node has fired.
    intracellular_section, intracellular_na : section index and current per step (n_steps,),
        nA, depolarising positive (an IClamp; -1 for none).
    record_sections : ndarray of int, optional
        Sections whose membrane potential is returned after every step.
    quiet_mv : float
        If > 0 (and no intracellular stimulus), also stop a case once its waveform is over and
        every node has stayed within ``quiet_mv`` of rest for 20 steps: the outcome "no AP" is
        then decided (see ``threshold.QUIET_MV``). 0 runs the whole window.
    backend : {"numba", "numpy", "jax"}
        ``"numba"``: compiled kernels with early exit. ``"numpy"`` (reference, slow) and
        ``"jax"`` (the ``gpu`` extra) run every case over the whole window and mask the steps
        after its stop, giving the same result fields (``_backends.py``).
    recording_phi : ndarray of shape (n_leads, n_sections) or (n_cases, n_leads, n_sections)
        Transfer resistance of each recording lead to each section centre in mV/mA (= V/A =
        ohm): the potential at the lead per unit current leaving the section, equal by
        reciprocity to the lead's own unit-current potential at the section centre (a bipolar
        lead: the difference of two contacts'). Given, ``recorded_uv`` holds after every step
        V_rec = NV_TO_UV sum_m recording_phi[lead, m] I_m (uV), streamed: the currents are not
        stored. The 2-D form is shared by all cases.
    record_membrane_current : bool
        Also return ``membrane_current_na`` (n_cases, n_sections, n_steps): 8 bytes per
        section-step, for small runs and checks.

    Notes
    -----
    I_m is the total current section m sends into the extracellular medium in a step (ionic +
    capacitive, outward positive, nA), taken from the step's own backward-Euler solution as
    the net longitudinal current into the section (``cable.link_current``):
    I_i = sum_j G_a ((V'_j + U'_j) - (V'_i + U'_i)) + G_p (U'_j - U'_i) + I_stim,i. At an MRG
    node this is the nodal membrane current plus the periaxonal current reaching the bath
    there from the neighbouring MYSA; at internodal sections the current crossing the myelin;
    in Sundt (all tied to the bath) the membrane current. Over a sealed fiber the I_m sum to
    the intracellular stimulus current (0 without one) at every step, to rounding. An MRG
    fiber at rest carries a small steady current loop (nodes rest about 0.04 mV above the
    internodes' leak reversal): about 6e-5 nA at a 10 um fiber's nodes, so a lead records a
    constant offset of that order even without a stimulus. Recorded entries of a case after
    it stops early (``stop_on_detect``, ``quiet_mv``, unstable) are 0.
    """
    if backend not in BACKENDS:
        raise InputError("backend", backend, f"must be one of {', '.join(BACKENDS)}")
    amp = np.atleast_1d(np.asarray(amplitude_ma, dtype=np.float64))
    n_cases = amp.size
    n_sec = geometry.n_sections
    phi = np.asarray(phi_mv_per_ma, dtype=np.float64)
    if phi.ndim == 1:
        phi = np.broadcast_to(phi, (n_cases, n_sec))
    if phi.shape != (n_cases, n_sec):
        raise InputError("phi_mv_per_ma", phi.shape, f"must have shape ({n_cases}, {n_sec})")
    if not dt_ms > 0:
        raise InputError("dt_ms", dt_ms, "must be > 0")
    if n_steps is None:
        n_steps = round(tstop_ms / dt_ms)
    wave = np.atleast_2d(np.asarray(waveform, dtype=np.float64))
    if wave.shape[1] < n_steps:
        wave = np.pad(wave, ((0, 0), (0, n_steps - wave.shape[1])))
    widx = np.zeros(n_cases, np.int64) if wave_index is None else np.asarray(wave_index, np.int64)
    if widx.shape != (n_cases,) or (widx.size and (widx.min() < 0 or widx.max() >= wave.shape[0])):
        raise InputError("wave_index", widx.shape, f"must be (n_cases,) indices < {wave.shape[0]}")
    if intracellular_section >= 0 and intracellular_section not in set(
        np.asarray(geometry.node_sections).tolist()
    ):
        raise InputError(
            "intracellular_section",
            intracellular_section,
            "the intracellular stimulus is applied at nodes only; choose one of the geometry's "
            "node_sections (or -1 for none)",
        )
    rec_phi = _recording_phi(recording_phi, n_cases, n_sec)
    v0, u0, g0 = resting_state(geometry)
    v = np.array(np.broadcast_to(v0, (n_cases, n_sec)))
    u = np.array(np.broadcast_to(u0, (n_cases, n_sec)))
    gates = np.array(np.broadcast_to(g0, (n_cases, *g0.shape)))
    quiet_mv = quiet_mv if intracellular_section < 0 else 0.0
    keep_current = bool(record_membrane_current)
    if backend != "numba":
        cnt, t1, ti, tl, steps, status, trace, recorded, current = run_backend(
            backend, geometry, (v0, u0, g0), phi, amp, wave, widx, _wave_end(wave), dt_ms,
            n_steps, stop_on_detect=stop_on_detect, quiet_mv=quiet_mv,
            istim_sec=intracellular_section, istim_na=intracellular_na, rec=record_sections,
            rec_phi=rec_phi, keep_current=keep_current,
        )  # fmt: skip
    else:
        cnt, t1, ti, tl, steps, status, trace, recorded, current = _run(
            geometry, v, u, gates, _writable(phi), amp, _writable(wave),
            widx, dt_ms, n_steps, stop_on_detect, intracellular_section, intracellular_na,
            record_sections, quiet_mv, v0[geometry.node_sections], rec_phi, keep_current,
        )  # fmt: skip
    return SimulationResult(
        ap_count=cnt,
        first_ap_time_ms=t1,
        last_ap_time_ms=tl,
        first_crossing_ms=ti,
        steps_done=steps,
        unstable=status != 0,
        detected=cnt[:, geometry.detection_node] > 0,
        v_trace_mv=trace,
        recorded_uv=recorded if rec_phi is not None else None,
        membrane_current_na=current if keep_current else None,
    )


def _recording_phi(
    recording_phi: NDArray[np.float64] | None, n_cases: int, n_sections: int
) -> NDArray[np.float64] | None:
    """``recording_phi`` checked and shaped (1 or n_cases, n_leads, n_sections), or None."""
    if recording_phi is None:
        return None
    allowed = f"must have shape (n_leads, {n_sections}) or ({n_cases}, n_leads, {n_sections})"
    try:
        r = np.asarray(recording_phi, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("recording_phi", type(recording_phi).__name__, allowed) from None
    if r.ndim == 2:
        r = r[None]
    if r.ndim != 3 or r.shape[0] not in (1, n_cases) or r.shape[2] != n_sections:
        raise InputError("recording_phi", r.shape, allowed)
    if not np.all(np.isfinite(r)):
        raise InputError("recording_phi", "non-finite entries", "must be finite (mV/mA)")
    return np.ascontiguousarray(r)


__all__ = ["SimulationResult", "resting_state", "simulate"]
