"""Simulator-independent parts of the reference protocol (docs/reference/PROTOCOL.md §3, §5, §6).

- ``protocol_waveform``: the unit waveform w(t_n) per step and the sign of the source current.
- ``bracket_and_bisect``: the threshold search that approaches threshold from below in small
  steps (so the first supra-threshold amplitude lies in the first excitation window, below any
  block window), then bisects arithmetically until (hi − lo)/hi < tolerance_rel.
- ``initiation_nodes``: local minima of the first AP time over the nodes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError

WAVEFORMS = ("monophasic-cathodic", "monophasic-anodic", "biphasic-cathodic-first", "train")
TRAIN_N_PULSES = 10
TRAIN_RATE_HZ = 50.0
PULSE_START_MS = 0.1
MIN_AMPLITUDE_MA = 1e-6
MAX_AMPLITUDE_MA = 200.0


def _whole_steps(value_ms: float, dt_ms: float, field: str) -> int:
    n = value_ms / dt_ms
    if not np.isfinite(n) or n < 0.5 or abs(n - round(n)) > 1e-6 * max(1.0, n):
        raise InputError(
            field,
            value_ms,
            f"must be a positive whole number of time steps of dt_ms = {dt_ms:g} ms",
        )
    return round(n)


def protocol_waveform(
    waveform: str,
    pulse_width_ms: float,
    n_pulses: int,
    rate_hz: float,
    dt_ms: float,
    tstop_ms: float,
    pulse_start_ms: float = PULSE_START_MS,
) -> tuple[NDArray[np.float64], float]:
    """Unit waveform on the step grid, and the sign of the source current.

    ``waveform`` is one of WAVEFORMS; "train" is a train of "biphasic-cathodic-first" pulses
    (``n_pulses`` at ``rate_hz``, or the protocol's 10 pulses at 50 Hz when those are left at
    1 and 0).

    Returns
    -------
    w : ndarray of shape (n_steps,)
        w[n] is held during step n (t_n = n·dt to t_{n+1}); n_steps = round(tstop/dt). The
        first pulse starts at step round(pulse_start_ms/dt) (the protocol: 0.1 ms).
    sign : float
        −1 for cathodic-first waveforms, +1 for anodic.
    """
    if waveform not in WAVEFORMS:
        raise InputError("waveform", waveform, f"choose one of {', '.join(WAVEFORMS)}")
    if waveform == "train":  # PROTOCOL.md §3(d): biphasic pulses, 10 at 50 Hz unless given
        waveform = "biphasic-cathodic-first"
        if n_pulses == 1 and rate_hz == 0:
            n_pulses, rate_hz = TRAIN_N_PULSES, TRAIN_RATE_HZ
    if not (np.isfinite(dt_ms) and dt_ms > 0):
        raise InputError("dt_ms", dt_ms, "must be a positive time step (ms)")
    n_steps = _whole_steps(tstop_ms, dt_ms, "tstop_ms")
    k = _whole_steps(pulse_width_ms, dt_ms, "pulse_width_ms")
    start = 0 if pulse_start_ms == 0 else _whole_steps(pulse_start_ms, dt_ms, "pulse_start_ms")
    if int(n_pulses) != n_pulses or n_pulses < 1:
        raise InputError("n_pulses", n_pulses, "must be an integer >= 1")
    period = 0
    if n_pulses > 1:
        if not (np.isfinite(rate_hz) and rate_hz > 0):
            raise InputError("rate_hz", rate_hz, "a train (n_pulses > 1) needs rate_hz > 0")
        period = _whole_steps(1000.0 / rate_hz, dt_ms, "1000 / rate_hz")
    n_phases = 2 if waveform == "biphasic-cathodic-first" else 1
    if n_pulses > 1 and period < n_phases * k:
        raise InputError("rate_hz", rate_hz, "pulses overlap: lower the rate or the pulse width")
    last_end = start + (int(n_pulses) - 1) * period + n_phases * k
    if last_end > n_steps:
        raise InputError(
            "tstop_ms",
            tstop_ms,
            f"the waveform ends at {last_end * dt_ms:g} ms; tstop_ms must be at least that",
        )
    w = np.zeros(n_steps, dtype=np.float64)
    for j in range(int(n_pulses)):
        s0 = start + j * period
        w[s0 : s0 + k] = 1.0
        if n_phases == 2:
            w[s0 + k : s0 + 2 * k] = -1.0
    sign = 1.0 if waveform == "monophasic-anodic" else -1.0
    return w, sign


def bracket_and_bisect(
    is_supra: Callable[[float], bool],
    guess_ma: float,
    tolerance_rel: float,
    *,
    step_down: float = 1.25,
    step_up: float = 1.12,
) -> tuple[float, float, int, str]:
    """PROTOCOL.md §6 steps 1-2 on magnitudes.

    First trial guess/step_down; if supra-threshold divide by step_down until not, else
    multiply by step_up until supra-threshold; then bisect (arithmetic mean) until
    (hi − lo)/hi < tolerance_rel.

    Returns
    -------
    lo_ma, hi_ma : float
        Final bracket (magnitudes), lo sub-threshold and hi supra-threshold.
    n_sims : int
    status : str
        ``"ok"`` or ``"not-bracketed"`` (no supra-threshold amplitude up to MAX_AMPLITUDE_MA, or
        supra-threshold down to MIN_AMPLITUDE_MA).
    """
    n = 0
    x = guess_ma / step_down
    n += 1
    if is_supra(x):
        hi = x
        while True:
            x = hi / step_down
            if x < MIN_AMPLITUDE_MA:
                return x, hi, n, "not-bracketed"
            n += 1
            if not is_supra(x):
                lo = x
                break
            hi = x
    else:
        lo = x
        while True:
            x = lo * step_up
            if x > MAX_AMPLITUDE_MA:
                return lo, x, n, "not-bracketed"
            n += 1
            if is_supra(x):
                hi = x
                break
            lo = x
    while (hi - lo) / hi >= tolerance_rel:
        mid = 0.5 * (lo + hi)
        n += 1
        if is_supra(mid):
            hi = mid
        else:
            lo = mid
    return lo, hi, n, "ok"


def initiation_nodes(first_ap_ms: NDArray[np.float64]) -> list[int]:
    """Local minima of the first AP time over the nodes (NaN = no AP).

    Parameters
    ----------
    first_ap_ms : ndarray of shape (n_nodes,)
    """
    t = np.where(np.isnan(first_ap_ms), np.inf, first_ap_ms)
    padded = np.concatenate([[np.inf], t, [np.inf]])
    is_min = (t <= padded[:-2]) & (t <= padded[2:]) & np.isfinite(t)
    return [int(i) for i in np.flatnonzero(is_min)]
