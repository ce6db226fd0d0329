"""Sagalajev et al. 2024 synchrony network: is a dorsal-column volley felt, does it inhibit?

pain-circuit.md s1.6 (facts from the published NetPyNE model, lauramedlock/SCS-network):
10 excitatory (E) and 10 inhibitory (I) leaky integrate-and-fire cells, Cm = 50 pF, leak
reversal = reset = -85 mV, threshold -51 mV, refractory 0.1 ms, V(0) = -65 mV, per-cell
membrane time constants (``data/sagalajev2024.toml``). The synaptic current decays with
tau_syn = 3 ms; each event adds w pA. Inputs: 10 DC-axon fibres all-to-all onto E and I
(+120 pA, no delay); feed-forward inhibition I -> E all-to-all (-80 pA, 2 ms); each cell gets
100 independent Poisson sources at 100 Hz (+1 pA).

The published cell (``LeakyIntFire.mod``) is updated only when an event arrives: with dt the
time since the last update, ``i <- i - i dt/tau_syn + w`` and then
``V <- V + ((E_L - V)/tau_m + i/Cm) dt``; a cell above threshold spikes, ignores all events for
the refractory period, then restarts from the reset potential. This module implements exactly
that scheme (it *is* the model; with ~10 kHz of noise events per cell it approximates the
continuous equations). As the network is feed-forward, the I cells are simulated first and their
spikes (+2 ms) are added to the E cells' events.

Reproduces (tests/reference/test_circuit_sagalajev.py): E and I rates for synchronous 50 Hz and
asynchronous 1 kHz input (s3 row 3). The published input trains are not redistributed here
(GPL); :func:`sync_input` and :func:`async_input` synthesise trains with their stated statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from neurostim.circuit.afferents import renewal_train
from neurostim.circuit.network import load_parameters
from neurostim.errors import InputError


@njit(cache=True)
def lif_event_driven(
    times_ms, weights_pa, tau_m_ms, cm_pf, tau_syn_ms, tau_ref_ms, v_rest_mv, v_theta_mv, v0_mv
):
    """Spike times (n,) of one event-driven LIF cell given sorted input events."""
    out = np.empty(times_ms.size + 1)
    n_out = 0
    m = v0_mv
    i = 0.0
    t0 = 0.0
    ref_until = -1.0
    for k in range(times_ms.size):
        t = times_ms[k]
        if t < ref_until:
            continue
        if ref_until >= 0.0:  # leaving the refractory period: restart from reset
            t0 = ref_until
            m = v_rest_mv
            ref_until = -1.0
        dt = t - t0
        i = i + (-i / tau_syn_ms) * dt
        i = i + weights_pa[k]
        m = m + ((v_rest_mv - m) / tau_m_ms + i / cm_pf) * dt
        t0 = t
        if m > v_theta_mv:
            out[n_out] = t
            n_out += 1
            ref_until = t + tau_ref_ms
    return out[:n_out]


@dataclass(frozen=True)
class SynchronyResult:
    """Spike trains of the Sagalajev network (lists of arrays, one per cell) and mean rates."""

    e_spikes_ms: list[NDArray[np.float64]]
    i_spikes_ms: list[NDArray[np.float64]]
    duration_ms: float

    @property
    def e_rate_hz(self) -> float:
        return (
            sum(s.size for s in self.e_spikes_ms) / len(self.e_spikes_ms) / self.duration_ms * 1e3
        )

    @property
    def i_rate_hz(self) -> float:
        return (
            sum(s.size for s in self.i_spikes_ms) / len(self.i_spikes_ms) / self.duration_ms * 1e3
        )


def simulate_synchrony(
    inputs_ms: list[NDArray[np.float64]],
    *,
    duration_ms: float = 5000.0,
    seed: int = 1,
    inhibition: bool = True,
) -> SynchronyResult:
    """Run the network on DC-axon input trains (a list of spike-time arrays, one per fibre)."""
    if not np.isfinite(duration_ms) or duration_ms <= 0:
        raise InputError("duration_ms", duration_ms, "must be positive")
    p = load_parameters("sagalajev2024")
    cell, syn = p["cell"], p["synapses"]
    rng = np.random.default_rng([seed, 2])
    inp = (
        np.sort(np.concatenate([np.asarray(x, float) for x in inputs_ms]))
        if inputs_ms
        else np.empty(0)
    )
    inp = inp[inp < duration_ms]

    def noise() -> NDArray[np.float64]:
        n = rng.poisson(p["noise"]["n_sources"] * p["noise"]["rate_hz"] * duration_ms / 1e3)
        return rng.uniform(0.0, duration_ms, size=n)

    def run(taus: list[float], extra_t: NDArray, extra_w: float) -> list[NDArray]:
        out = []
        for tau in taus:
            nz = noise()
            t = np.concatenate([inp, nz, extra_t])
            w = np.concatenate(
                [
                    np.full(inp.size, syn["input_weight_pa"]),
                    np.full(nz.size, p["noise"]["weight_pa"]),
                    np.full(extra_t.size, extra_w),
                ]
            )
            order = np.argsort(t, kind="stable")
            out.append(
                lif_event_driven(
                    t[order],
                    w[order],
                    tau,
                    cell["cm_pf"],
                    cell["tau_syn_ms"],
                    cell["tau_ref_ms"],
                    cell["v_rest_mv"],
                    cell["v_threshold_mv"],
                    cell["v_init_mv"],
                )
            )
        return out

    i_spikes = run(p["cell"]["tau_m_i_ms"], np.empty(0), 0.0)
    inh = np.concatenate(i_spikes) + syn["i_to_e_delay_ms"] if inhibition else np.empty(0)
    e_spikes = run(p["cell"]["tau_m_e_ms"], inh[inh < duration_ms], syn["i_to_e_weight_pa"])
    return SynchronyResult(e_spikes, i_spikes, float(duration_ms))


def sync_input(
    rate_hz: float = 50.0,
    n_fibers: int = 10,
    duration_ms: float = 5000.0,
    jitter_ms: float = 0.1,
    seed: int = 1,
    first_ms: float = 3.05,
) -> list[NDArray[np.float64]]:
    """Phase-locked trains: every fibre fires at every pulse, jitter SD ``jitter_ms``."""
    rng = np.random.default_rng([seed, 3])
    pulses = np.arange(first_ms, duration_ms, 1000.0 / rate_hz)
    return [np.sort(pulses + rng.normal(0.0, jitter_ms, pulses.size)) for _ in range(n_fibers)]


def async_input(
    pulse_rate_hz: float = 1000.0,
    mean_rate_hz: float = 57.2,
    cv: float = 2.5,
    n_fibers: int = 10,
    duration_ms: float = 5000.0,
    seed: int = 1,
) -> list[NDArray[np.float64]]:
    """Irregular pulse-locked trains: each fibre skips pulses at random (s1.6 statistics).

    Fibre rates are spread around ``mean_rate_hz`` (gamma, CV 0.7; the published data span
    0-147 Hz), rescaled so their mean is ``mean_rate_hz``; each fibre fires a gamma-renewal
    train with ISI CV ``cv`` snapped to the next pulse.
    """
    rng = np.random.default_rng([seed, 4])
    period = 1000.0 / pulse_rate_hz
    rates = rng.gamma(1 / 0.7**2, mean_rate_hz * 0.7**2, size=n_fibers)
    rates *= mean_rate_hz / rates.mean()
    out = []
    for r in rates:
        t = renewal_train(rng, float(min(r, 400.0)), cv, duration_ms, 1.0)
        out.append(np.unique(np.ceil(t / period) * period))
    return out
