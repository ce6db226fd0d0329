"""Alternative backends of ``simulate``: the NumPy reference and JAX (``backend=`` keyword).

``"numba"`` (the default) runs the compiled kernels in ``_kernel.py``/``_lanes.py`` with early
exit per case. The two others run every case over the whole window and derive the same
detector outputs by masking the steps after a case's stop:

- ``"numpy"``: ``_numpy_reference.simulate_numpy`` (plain block elimination over all
  sections, a Python loop over sections: slow, for cross-checks), then ``detect_from_trace``
  on the nodal voltages. No intracellular stimulus.
- ``"jax"``: ``_jax_backend.simulate_jax`` (the ``gpu`` extra; imported only when asked for).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.fibers._kernel import AP_THRESHOLD_MV, QUIET_STEPS, crossing_time_ms
from neurostim.fibers.geometry import CableGeometry

BACKENDS = ("numba", "numpy", "jax")


def detect_from_trace(
    v_nodes_mv: NDArray[np.float64],
    v_start_mv: NDArray[np.float64],
    detection_node: int,
    dt_ms: float,
    *,
    stop_on_detect: bool,
    quiet_mv: float,
    wave_end: NDArray[np.int64],
    v_rest_nodes: NDArray[np.float64],
) -> tuple:
    """-30 mV detectors and stop rules of ``_kernel.run_cases`` applied to a finished run.

    ``v_nodes_mv`` (n_cases, n_steps, n_nodes) nodal voltage after every step, ``v_start_mv``
    (n_cases, n_nodes) before the first, ``wave_end`` (n_cases,), ``v_rest_nodes`` (n_nodes,).
    Returns (ap_count, first_ap_time_ms, first_crossing_ms, last_ap_time_ms (n_cases, n_nodes),
    steps_done, status (n_cases,), running (n_cases, n_steps): the steps each case executes).
    """
    n_cases, n_steps, n_nodes = v_nodes_mv.shape
    count = np.zeros((n_cases, n_nodes), np.int64)
    t_first = np.full((n_cases, n_nodes), np.nan)
    t_interp = np.full((n_cases, n_nodes), np.nan)
    t_last = np.full((n_cases, n_nodes), np.nan)
    done = np.zeros(n_cases, np.int64)
    status = np.zeros(n_cases, np.int64)
    quiet_run = np.zeros(n_cases, np.int64)
    running = np.ones(n_cases, bool)
    ran = np.zeros((n_cases, n_steps), bool)
    firing = v_start_mv >= AP_THRESHOLD_MV
    v_old = v_start_mv
    for step in range(n_steps):
        v = v_nodes_mv[:, step]
        ran[:, step] = running
        above = v >= AP_THRESHOLD_MV
        onset = above & ~firing & running[:, None]
        first = onset & (count == 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing = crossing_time_ms(step, dt_ms, v_old, v)
        t_first[first] = (step + 1) * dt_ms
        t_interp[first] = crossing[first]
        t_last[onset] = (step + 1) * dt_ms
        count += onset
        firing = np.where(running[:, None], above, firing)
        done[running] = step + 1
        unstable = ~np.isfinite(v[:, detection_node])
        status[running & unstable] = 1
        stop = unstable.copy()
        if stop_on_detect:
            stop |= count[:, detection_node] > 0
        if quiet_mv > 0:
            late = running & (step >= wave_end)
            calm = ~np.any(firing | (np.abs(v - v_rest_nodes) > quiet_mv), axis=1)
            quiet_run[late] = np.where(calm, quiet_run + 1, 0)[late]
            stop |= (step >= wave_end) & (quiet_run >= QUIET_STEPS)
        running &= ~stop
        v_old = v
    return count, t_first, t_interp, t_last, done, status, ran


def run_backend(
    backend: str,
    g: CableGeometry,
    rest: tuple,
    phi: NDArray[np.float64],
    amp: NDArray[np.float64],
    wave: NDArray[np.float64],
    wave_idx: NDArray[np.int64],
    wave_end: NDArray[np.int64],
    dt_ms: float,
    n_steps: int,
    *,
    stop_on_detect: bool,
    quiet_mv: float,
    istim_sec: int,
    istim_na: NDArray[np.float64] | None,
    rec: NDArray[np.int64] | None,
    rec_phi: NDArray[np.float64] | None = None,
    keep_current: bool = False,
) -> tuple:
    """Run ``simulate``'s cases on ``backend`` ("numpy" or "jax"); ``rest`` = (v0, u0, gates0).

    ``rec_phi`` (1 or n_cases, n_leads, n_sections) or None and ``keep_current`` as in
    ``solver._run``. Returns (ap_count, first_ap_time_ms, first_crossing_ms, last_ap_time_ms,
    steps_done, status, trace (n_cases, n_recorded, n_steps) or None, recorded_uv (n_cases,
    n_leads, n_steps) or None, current_na (n_cases, n_sections, n_steps) or None) as
    ``solver._run`` does, zero after each case's stop.
    """
    v0, u0, g0 = rest
    rec_idx = np.zeros(0, np.int64) if rec is None else np.asarray(rec, np.int64)
    v_rest_nodes = v0[g.node_sections]
    if backend == "jax":
        try:
            from neurostim.fibers._jax_backend import simulate_jax
        except ImportError as err:
            raise InputError(
                "backend", backend, f"needs JAX ({err}); install neurostim[gpu]"
            ) from None
        *out, trace, recorded, current = simulate_jax(
            g, dt_ms, n_steps, v0, u0, g0, phi, amp, wave, wave_idx, wave_end,
            stop_on_detect=stop_on_detect, quiet_mv=quiet_mv, istim_sec=istim_sec,
            istim_na=istim_na, rec=rec_idx, v_rest_nodes=v_rest_nodes, rec_phi=rec_phi,
            keep_current=keep_current,
        )  # fmt: skip
        return (*out, trace if rec_idx.size else None, recorded, current)
    if istim_sec >= 0:
        raise InputError("backend", backend, "has no intracellular stimulus; use numba or jax")
    from neurostim.fibers._numpy_reference import run_numpy

    nc = amp.size
    drive = wave[wave_idx, :n_steps].T  # (n_steps, n_cases): each case's own unit waveform
    run = run_numpy(g, phi, amp, drive, dt_ms, n_steps, rest=rest, recording_phi=rec_phi,
                    keep_current=keep_current)  # fmt: skip
    v = run.v_mv  # (cases, steps, sections)
    *out, ran = detect_from_trace(
        v[:, :, g.node_sections], np.broadcast_to(v_rest_nodes, (nc, g.n_nodes)),
        g.detection_node, dt_ms, stop_on_detect=stop_on_detect, quiet_mv=quiet_mv,
        wave_end=wave_end[wave_idx], v_rest_nodes=v_rest_nodes,
    )  # fmt: skip
    trace = None
    if rec_idx.size:
        trace = np.where(ran[:, None, :], v[:, :, rec_idx].transpose(0, 2, 1), 0.0)
    recorded, current = run.recorded_uv, run.current_na
    if recorded is not None:
        recorded = np.where(ran[:, None, :], recorded, 0.0)
    if current is not None:
        current = np.where(ran[:, None, :], current, 0.0)
    return (*out, trace, recorded, current)


__all__ = ["BACKENDS", "detect_from_trace", "run_backend"]
