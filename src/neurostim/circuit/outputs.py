"""Outputs of a simulated batch: rates, percent inhibition, pulse-locked vs not, pain proxy.

pain-circuit.md s1.5:

- ``r_total``: all WDR spikes in a window (Hz).
- ``r_noci``: WDR spikes *not* time-locked to a stimulation pulse, i.e. with no pulse 1-6 ms
  before them. When the lock windows of the pulses cover more than 90 % of the time (pulse
  intervals under ~5.5 ms, e.g. tonic above ~180 Hz), locking cannot be told apart and r_noci
  is NaN (undefined) rather than a misleading number. In the published model the WDR at 20 Hz
  fires exactly one spike per pulse and nothing else, so r_total (20 Hz) misreads a complete
  block of the nociceptive signal as 30 % of baseline; r_noci reads 0.
- percent inhibition: 100 (1 - r / r_0) with r_0 the unstimulated run with the same seed.
- pain proxy (a *proxy*, no published transfer function exists; s4):
  NRS = clip(NRS_0 (r_noci / r_noci,0)^gamma, 0, 10), gamma = 1 by default.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from neurostim.circuit.simulate import BatchResult
from neurostim.errors import InputError

LOCK_WINDOW_MS = (1.0, 6.0)
MAX_LOCK_COVERAGE = 0.9


def window_rate_hz(
    result: BatchResult, cell: str, window_ms: tuple[float, float]
) -> NDArray[np.float64]:
    """Mean rate (n_cond,) of ``cell`` over ``window_ms = (start, stop)``."""
    start, stop = window_ms
    if not stop > start:
        raise InputError("window_ms", window_ms, "stop must be after start")
    k = result.cell_names.index(cell)
    t = result.spike_times_ms[:, k, :]
    inside = (t >= start) & (t < stop)
    return inside.sum(axis=1) / ((stop - start) / 1000.0)


def locked_to_pulses(
    spikes_ms: NDArray[np.float64],
    pulses_ms: NDArray[np.float64],
    lag_ms: tuple[float, float] = LOCK_WINDOW_MS,
) -> NDArray[np.bool_]:
    """Mask (n_spikes,): True where some pulse precedes the spike by a lag within ``lag_ms``."""
    if pulses_ms.size == 0 or spikes_ms.size == 0:
        return np.zeros(spikes_ms.size, dtype=bool)
    # the latest pulse at least lag_ms[0] before the spike; locked if it is within lag_ms[1]
    k = np.searchsorted(pulses_ms, spikes_ms - lag_ms[0], side="right") - 1
    lag = spikes_ms - pulses_ms[np.maximum(k, 0)]
    return (k >= 0) & (lag <= lag_ms[1])


def lock_coverage(
    pulses_ms: NDArray[np.float64],
    window_ms: tuple[float, float],
    lag_ms: tuple[float, float] = LOCK_WINDOW_MS,
) -> float:
    """Fraction of ``window_ms`` that lies 1-6 ms after some pulse (0 without pulses)."""
    start, stop = window_ms
    if pulses_ms.size == 0:
        return 0.0
    lo = np.clip(pulses_ms + lag_ms[0], start, stop)
    hi = np.clip(pulses_ms + lag_ms[1], start, stop)
    # union of the sorted intervals [lo, hi): clip each start to the previous running end
    ends = np.maximum.accumulate(hi)
    starts = np.maximum(lo, np.concatenate([[start], ends[:-1]]))
    return float(np.clip(hi - starts, 0.0, None).sum() / (stop - start))


def noci_rate_hz(
    result: BatchResult, window_ms: tuple[float, float], cell: str = "wdr"
) -> NDArray[np.float64]:
    """Rate (n_cond,) of spikes not locked to a stimulation pulse (r_noci of s1.5).

    NaN for a condition whose pulses leave less than 10 % of the window outside the lock
    windows (see the module docstring).
    """
    start, stop = window_ms
    out = np.empty(len(result.conditions))
    for i, tr in enumerate(result.inputs):
        if lock_coverage(tr.pulse_times_ms, window_ms) > MAX_LOCK_COVERAGE:
            out[i] = np.nan
            continue
        s = result.spikes(i, cell)
        s = s[(s >= start) & (s < stop)]
        out[i] = (~locked_to_pulses(s, tr.pulse_times_ms)).sum() / ((stop - start) / 1000.0)
    return out


def rate_over_time_hz(
    result: BatchResult, cell: str, bin_ms: float = 1000.0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Binned rate of ``cell``: (bin centres (n_bins,) in ms, rates (n_cond, n_bins) in Hz)."""
    duration = result.conditions[0].duration_ms
    edges = np.arange(0.0, duration + 1e-9, bin_ms)
    k = result.cell_names.index(cell)
    rates = np.stack(
        [
            np.histogram(result.spike_times_ms[i, k, : result.n_spikes[i, k]], edges)[0]
            for i in range(len(result.conditions))
        ]
    ) / (bin_ms / 1000.0)
    return 0.5 * (edges[1:] + edges[:-1]), rates.astype(np.float64)


def percent_inhibition(
    rate_hz: NDArray[np.float64] | float, control_hz: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """100 (1 - rate / control), NaN where the control is 0 (shapes broadcast)."""
    rate_hz, control_hz = np.asarray(rate_hz, float), np.asarray(control_hz, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(control_hz > 0, 100.0 * (1.0 - rate_hz / control_hz), np.nan)


def pain_proxy_nrs(
    r_noci_hz: NDArray[np.float64],
    r_noci_baseline_hz: NDArray[np.float64],
    baseline_nrs: float = 7.5,
    gamma: float = 1.0,
) -> NDArray[np.float64]:
    """Pain *proxy* on the 0-10 NRS scale (s1.5): NRS_0 (r_noci / r_noci,0)^gamma, clipped.

    Not a validated map (none is published): use it to rank programs, not to predict a score.
    """
    if not 0.0 <= baseline_nrs <= 10.0:
        raise InputError("baseline_nrs", baseline_nrs, "must be on the 0-10 NRS scale")
    if not gamma > 0:
        raise InputError("gamma", gamma, "must be positive")
    r = np.asarray(r_noci_hz, float)
    r0 = np.asarray(r_noci_baseline_hz, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(r0 > 0, r / r0, np.nan)
    return np.clip(baseline_nrs * ratio**gamma, 0.0, 10.0)
