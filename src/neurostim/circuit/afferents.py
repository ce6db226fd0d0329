"""Afferent spike trains: ongoing activity (pain states) and stimulation-evoked Abeta spikes.

A condition's input is a set of spike arrival times at the dorsal-horn synapses, one train per
fibre, in the global fibre numbering of :class:`~neurostim.circuit.network.Network` (15 Abeta,
15 Adelta, 30 C, 15 surround Abeta; ``circuit/data/afferents.toml``).

Ongoing activity (pain-circuit.md s1.2): gamma-renewal trains with rate r and ISI coefficient of
variation CV after an absolute refractory period t_ref: ISI = t_ref + Gamma(k = 1/CV'^2,
mean = 1/r - t_ref), CV' chosen so that the whole ISI has the requested CV.

Stimulation-evoked spikes (s2): each pulse of a :mod:`~neurostim.circuit.programs` program may
evoke one spike in each recruited Abeta fibre (local and surround), arriving after a latency
drawn uniformly in [min, max] (s3 row 1: +1 ms, 0-0.5 ms jitter). Two ways to decide whether a
fibre fires at a pulse:

- ``recovery_cycle=False``: every pulse recruits every recruited fibre (the published protocol of
  s3 row 1, "every pulse recruits all local and surround Abeta").
- ``recovery_cycle=True``: the axon's recovery cycle [ours]. Fibre i has a margin M_i (pulse
  amplitude over its resting threshold); after a spike the threshold is infinite for t_abs and
  then T(dt) = 1/(1 - exp(-(dt - t_abs)/tau)) times the resting one. The fibre fires when
  M_i * s_p >= T(dt) (s_p: the pulse's amplitude scale, for multiplexed programs). Natural spikes
  passing the stimulation site also reset the cycle. Bursts at 500 Hz therefore give 1-5 spikes
  per burst depending on the margin, not 1:1 following.

Collision (s1.2, s3): a natural spike arriving within [t_e, t_e + collision_window) of an evoked
spike on the same fibre is cancelled (the antidromic volley annihilates the orthodromic spike in
flight); a natural spike within ``refractory_block_ms`` before a pulse leaves the fibre
refractory so that pulse evokes nothing there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.special import ndtri

from neurostim.circuit.network import FIBER_GROUPS, load_parameters
from neurostim.errors import InputError


@dataclass(frozen=True)
class SpikeTrains:
    """Afferent spikes of one condition.

    Attributes
    ----------
    times_ms : ndarray (n_spikes,), arrival times at the synapses, sorted.
    fiber : ndarray (n_spikes,) of int64, global fibre index.
    evoked : ndarray (n_spikes,) of bool, True for stimulation-evoked spikes.
    pulse_times_ms : ndarray (n_pulses,), the stimulation pulses (for locking analysis).
    """

    times_ms: NDArray[np.float64]
    fiber: NDArray[np.int64]
    evoked: NDArray[np.bool_]
    pulse_times_ms: NDArray[np.float64]


def pain_state(name: str) -> dict[str, dict[str, float]]:
    """Ongoing rates (Hz) and CVs per fibre group of a named pain state in afferents.toml."""
    states = load_parameters("afferents")["pain_states"]
    if name not in states:
        raise InputError("pain_state", name, f"choose one of {', '.join(sorted(states))}")
    return {"rate_hz": states[name]["rate_hz"], "cv": states[name]["cv"]}


def renewal_train(
    rng: np.random.Generator,
    rate_hz: float,
    cv: float,
    duration_ms: float,
    refractory_ms: float,
) -> NDArray[np.float64]:
    """One gamma-renewal train on [0, duration_ms), stationary from t = 0 (random phase).

    Returns spike times (n,) in ms. ``cv`` is the CV of the whole ISI (refractory included).
    """
    if rate_hz <= 0.0 or duration_ms <= 0.0:
        return np.empty(0)
    mean_ms = 1000.0 / rate_hz
    if refractory_ms >= mean_ms:
        raise InputError(
            "rate_hz", rate_hz, f"must be below 1/refractory = {1e3 / refractory_ms} Hz"
        )
    free_ms = mean_ms - refractory_ms
    cv_free = max(cv * mean_ms / free_ms, 1e-3)
    shape = 1.0 / cv_free**2
    n = int(duration_ms / mean_ms * 1.3 + 10 * (1 + cv) + 10)
    isi = refractory_ms + rng.gamma(shape, free_ms / shape, size=n)
    times = np.cumsum(isi) - rng.uniform(0.0, 1.0) * isi[0]
    while times[-1] < duration_ms:
        more = refractory_ms + rng.gamma(shape, free_ms / shape, size=n)
        times = np.concatenate([times, times[-1] + np.cumsum(more)])
    return times[(times >= 0.0) & (times < duration_ms)]


def ongoing_trains(
    rng: np.random.Generator,
    rates_hz: dict[str, float],
    cvs: dict[str, float],
    duration_ms: float,
    n_fibers: dict[str, int] | None = None,
    scale: float = 1.0,
) -> list[NDArray[np.float64]]:
    """Ongoing trains for every fibre, in the global order; ``scale`` multiplies C and Adelta."""
    aff = load_parameters("afferents")
    n_fibers = n_fibers or aff["groups"]["n_fibers"]
    refr = aff["refractory"]["absolute_ms"]
    trains = []
    for group in FIBER_GROUPS:
        rate = rates_hz.get(group, 0.0) * (scale if group in ("c", "adelta") else 1.0)
        for _ in range(n_fibers[group]):
            trains.append(renewal_train(rng, rate, cvs.get(group, 1.0), duration_ms, refr))
    return trains


def fiber_margins(
    rng: np.random.Generator, n: int, fraction: float, log_sd: float
) -> NDArray[np.float64]:
    """Pulse amplitude over each fibre's threshold (n,), so that ``fraction`` of them are >= 1.

    Thresholds are lognormal (log SD ``log_sd``); fraction 1 gives every fibre a margin of at
    least exp(3 log_sd) over the most excitable-to-least spread.
    """
    if not 0.0 <= fraction <= 1.0:
        raise InputError("recruitment", fraction, "must be a fraction between 0 and 1")
    z = ndtri((rng.permutation(n) + 0.5) / n)
    z_f = ndtri(min(max(fraction, 1e-9), 1.0 - 1e-9)) if fraction < 1.0 else np.inf
    if np.isinf(z_f):
        return np.exp(log_sd * (3.0 + np.abs(z).max() - z)) * 1.5
    margins = np.exp(log_sd * (z_f - z))
    margins[z > z_f] = np.minimum(margins[z > z_f], 0.999)
    return margins


@njit(cache=True)
def _evoke_one_fiber(
    pulse_ms, pulse_scale, margin, natural_ms, latency_ms, recovery, t_abs, tau, block_ms
):
    """Evoked arrival times of one fibre, and a mask of the natural spikes that survive."""
    out = np.empty(pulse_ms.size)
    n_out = 0
    keep = np.ones(natural_ms.size, dtype=np.bool_)
    last = -1e12
    j = 0
    for p in range(pulse_ms.size):
        tp = pulse_ms[p]
        # natural spikes that passed the stimulation site before this pulse
        while j < natural_ms.size and natural_ms[j] < tp:
            if keep[j]:
                last = max(last, natural_ms[j])
            j += 1
        if margin * pulse_scale[p] < 1.0:
            continue
        if tp - last < block_ms:
            continue
        if recovery:
            dt = tp - last
            if dt <= t_abs:
                continue
            factor = 1.0 / (1.0 - np.exp(-(dt - t_abs) / tau))
            if margin * pulse_scale[p] < factor:
                continue
        out[n_out] = tp + latency_ms[p]
        n_out += 1
        last = tp
    return out[:n_out], keep


def evoked_spikes(
    rng: np.random.Generator,
    pulse_ms: NDArray[np.float64],
    pulse_scale: NDArray[np.float64],
    margins: NDArray[np.float64],
    natural: list[NDArray[np.float64]],
    latency_range_ms: tuple[float, float],
    *,
    recovery_cycle: bool,
) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]]:
    """Evoked trains per fibre and natural trains after collision.

    Parameters
    ----------
    pulse_ms, pulse_scale : ndarray (n_pulses,), pulse times and relative amplitude (1 = nominal).
    margins : ndarray (n_fibers,), amplitude over threshold per fibre.
    natural : list of n_fibers ndarrays, the ongoing trains of those fibres.
    """
    aff = load_parameters("afferents")
    rc, col = aff["recovery_cycle"], aff["collision"]
    evoked_out, natural_out = [], []
    lo, hi = latency_range_ms
    for i, nat in enumerate(natural):
        lat = rng.uniform(lo, hi, size=pulse_ms.size)
        ev, keep = _evoke_one_fiber(
            pulse_ms,
            pulse_scale,
            float(margins[i]),
            nat,
            lat,
            recovery_cycle,
            rc["absolute_ms"],
            rc["relative_tau_ms"],
            col["refractory_block_ms"],
        )
        nat = nat[keep]
        if ev.size and nat.size:
            k = np.searchsorted(ev, nat, side="right") - 1
            hit = (k >= 0) & (nat - ev[np.maximum(k, 0)] < col["collision_window_ms"])
            nat = nat[~hit]
        evoked_out.append(ev)
        natural_out.append(nat)
    return evoked_out, natural_out


def explicit_evoked_spikes(
    pulse_ms: NDArray[np.float64],
    times_ms: NDArray[np.float64],
    fiber: NDArray[np.int64],
    pulse: NDArray[np.int64],
    natural: list[NDArray[np.float64]],
) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]]:
    """Explicit evoked spikes per fibre, and the natural trains after collision.

    The same rules as :func:`evoked_spikes` without its per-pulse decision (the caller's cell
    model made it): a pulse's spikes on a fibre are dropped when a natural spike of that fibre
    passed within ``refractory_block_ms`` before the pulse; a natural spike within
    [t_e, t_e + ``collision_window_ms``) of an evoked spike on the same fibre is cancelled.

    Parameters
    ----------
    pulse_ms : ndarray (n_pulses,), the condition's pulse times.
    times_ms, fiber, pulse : ndarray (n_spikes,), arrival time, global fibre index and the
        index into ``pulse_ms`` of the pulse that evoked each spike.
    natural : list of n_fibers ndarrays, every fibre's ongoing train (global order).

    Returns
    -------
    evoked, natural : lists of n_fibers sorted ndarrays.
    """
    col = load_parameters("afferents")["collision"]
    block = float(col["refractory_block_ms"])
    evoked_out, natural_out = [], []
    for i, nat in enumerate(natural):
        mine = fiber == i
        ev, tp = times_ms[mine], pulse_ms[pulse[mine]]
        if ev.size and nat.size and block > 0.0:
            k = np.searchsorted(nat, tp, side="left") - 1  # last natural spike before the pulse
            blocked = (k >= 0) & (tp - nat[np.maximum(k, 0)] < block)
            ev = ev[~blocked]
        ev = np.sort(ev)
        if ev.size and nat.size:
            k = np.searchsorted(ev, nat, side="right") - 1
            hit = (k >= 0) & (nat - ev[np.maximum(k, 0)] < col["collision_window_ms"])
            nat = nat[~hit]
        evoked_out.append(ev)
        natural_out.append(nat)
    return evoked_out, natural_out


def merge_trains(
    natural: list[NDArray[np.float64]],
    evoked: list[NDArray[np.float64]],
    pulse_times_ms: NDArray[np.float64],
) -> SpikeTrains:
    """Flatten per-fibre trains (global fibre order) into one sorted :class:`SpikeTrains`."""
    times, fibers, flags = [], [], []
    for i, (nat, ev) in enumerate(zip(natural, evoked, strict=True)):
        times += [nat, ev]
        fibers += [np.full(nat.size, i, dtype=np.int64), np.full(ev.size, i, dtype=np.int64)]
        flags += [np.zeros(nat.size, bool), np.ones(ev.size, bool)]
    t = np.concatenate(times) if times else np.empty(0)
    order = np.argsort(t, kind="stable")
    return SpikeTrains(
        times_ms=t[order],
        fiber=np.concatenate(fibers)[order],
        evoked=np.concatenate(flags)[order],
        pulse_times_ms=np.asarray(pulse_times_ms, dtype=np.float64),
    )


def windup_volleys(
    fiber_offsets: dict[str, int],
    n_fibers: dict[str, int],
    seed: int = 0,
    first_ms: float = 1000.0,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The wind-up protocol's electrical volleys (s3 row 5): (times_ms (n,), fiber (n,)).

    Every Abeta, Adelta and C fibre fires once per stimulus, ``n_stimuli`` stimuli ``period_ms``
    apart from ``first_ms``; each fibre keeps one latency, drawn once (seeded) in the group's
    range, as in a fixed recorded input file.
    """
    w = load_parameters("afferents")["windup"]
    rng = np.random.default_rng([seed, 5])
    times, fibers = [], []
    for group, (lo, hi) in w["latency_ms"].items():
        lat = rng.uniform(lo, hi, size=n_fibers[group])
        idx = fiber_offsets[group] + np.arange(n_fibers[group])
        for k in range(w["n_stimuli"]):
            times.append(first_ms + k * w["period_ms"] + lat)
            fibers.append(idx)
    return np.concatenate(times), np.concatenate(fibers).astype(np.int64)
