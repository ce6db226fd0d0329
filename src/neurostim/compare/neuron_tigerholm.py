"""The Tigerholm C-nociceptor fiber in NEURON, from mechanisms written from its equations.

Model: Tigerholm et al., *J Neurophysiol* 111:1721-1735, 2014 (ModelDB 189112), as the straight
uniform axon of ``neurostim.fibers.tigerholm``: compartments of 8.333 um and diameter D
(nseg = 1), Ra 35.4 ohm cm, cm 1 uF/cm2, no passive ends; mechanisms ``mod/nstignav17.mod``,
``nstignav18``, ``nstignav19``, ``nstigkdr``, ``nstigkm``, ``nstigka``, ``nstigh``,
``nstigkna``, ``nstigpump``, ``nstigleak`` and ``nstigconc`` (Na and K concentrations, so NEURON's
own ion mechanism computes E_Na and E_K by Nernst every step); ``extracellular`` with xg = 1e10,
xc = 0. After ``finitialize(-55)`` at the fiber's temperature the leak is balanced from NEURON's
own currents as PyFibers' ``TigerholmFiber.balance`` does (a Na or K conductance where the
cancelling conductance is positive, a constant current otherwise). Densities are read from
data/tigerholm.toml, so both simulators run the same numbers.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.compare._common import (
    check_odd_count,
    check_positive,
    phi_mv,
    timed_threshold_search,
)
from neurostim.compare._mechanisms import load_mechanisms
from neurostim.compare._nrn_run import NrnFiber
from neurostim.compare._protocol import protocol_waveform
from neurostim.fibers.tigerholm_channels import tigerholm_parameters

MECHANISMS = {
    "nstignav17": "nav17",
    "nstignav18": "nav18",
    "nstignav19": "nav19",
    "nstigkdr": "kdr",
    "nstigkm": "km",
    "nstigka": "ka",
    "nstigh": "h",
    "nstigkna": "kna",
}
"""NEURON suffix of each density key of data/tigerholm.toml [densities]."""


def build_tigerholm_fiber(
    diameter_um: float, n_sections: int = 265, temperature_c: float = 37.0
) -> NrnFiber:
    """Build and balance the Tigerholm fiber: ``n_sections`` compartments, all detectors."""
    check_positive(diameter_um, "diameter_um", "um")
    check_odd_count(n_sections, "n_sections")
    p = tigerholm_parameters()
    c, d, conc = p["constants"], p["densities"], p["concentrations"]
    h = load_mechanisms()
    h.nai0_na_ion, h.nao0_na_ion = conc["na_i_mm"], conc["na_o_mm"]
    h.ki0_k_ion, h.ko0_k_ion = conc["k_i_mm"], conc["k_o_mm"]
    sections: list[Any] = []
    for k in range(n_sections):
        sec = h.Section(name=f"tigerholm{k}")
        sec.nseg = 1
        sec.L = c["compartment_length_um"]
        sec.diam = diameter_um
        sec.Ra = c["ra_ohm_cm"]
        sec.cm = c["cm_uf_per_cm2"]
        sec.insert("extracellular")
        sec.xg[0] = 1e10
        sec.xc[0] = 0.0
        for suffix, key in MECHANISMS.items():
            sec.insert(suffix)
            setattr(sec(0.5), f"gbar_{suffix}", d[f"{key}_s_per_cm2"])
        for suffix in ("nstigpump", "nstigleak", "nstigconc"):
            sec.insert(suffix)
        sec(0.5).a_nstigpump = p["pump"]["a_ma_per_cm2"]
        if sections:
            sec.connect(sections[-1](1), 0)
        sections.append(sec)
    v_rest = float(c["v_rest_mv"])
    _balance(h, sections, v_rest, temperature_c)
    z_um = (np.arange(n_sections, dtype=np.float64) + 0.5) * c["compartment_length_um"]
    return NrnFiber(h, sections, list(range(n_sections)), z_um, v_rest, temperature_c)


def _balance(h: Any, sections: list[Any], v_rest_mv: float, temperature_c: float) -> None:
    """Set each section's leak so that its Na and K currents vanish at ``v_rest_mv``."""
    h.celsius = temperature_c
    h.finitialize(v_rest_mv)
    for sec in sections:
        seg = sec(0.5)
        g_na = -seg.ina / (v_rest_mv - seg.ena)
        g_k = -seg.ik / (v_rest_mv - seg.ek)
        i_na, i_k = seg.ina, seg.ik
        seg.gna_nstigleak, seg.ina0_nstigleak = (g_na, 0.0) if g_na >= 0 else (0.0, -i_na)
        seg.gk_nstigleak, seg.ik0_nstigleak = (g_k, 0.0) if g_k >= 0 else (0.0, -i_k)


def neuron_tigerholm_response(
    section: int,
    amplitude_na: float,
    record: NDArray[np.int64],
    *,
    diameter_um: float = 0.8,
    n_sections: int = 201,
    temperature_c: float = 37.0,
    dt_ms: float = 0.005,
    tstop_ms: float = 20.0,
    delay_ms: float = 0.1,
    duration_ms: float = 1.0,
) -> dict[str, Any]:
    """Membrane potential after every step at ``record`` for an IClamp into ``section``.

    Returns
    -------
    dict with ``v_mv`` (ndarray of shape (n_record, n_steps)), ``nai_mm`` and ``ko_mm``
    (same shape: intracellular Na and extracellular K) and ``fiber``.
    """
    fiber = build_tigerholm_fiber(diameter_um, n_sections, temperature_c)
    h = fiber.h
    stim = h.IClamp(fiber.segments[section])
    stim.delay, stim.dur, stim.amp = delay_ms, duration_ms, amplitude_na
    fiber.initialise(dt_ms)
    n = round(tstop_ms / dt_ms)
    segs = [fiber.segments[int(i)] for i in record]
    v = np.empty((len(segs), n))
    nai = np.empty_like(v)
    ko = np.empty_like(v)
    for k in range(n):
        h.fadvance()
        for j, seg in enumerate(segs):
            v[j, k], nai[j, k], ko[j, k] = seg.v, seg.nai, seg.ko
    return {"v_mv": v, "nai_mm": nai, "ko_mm": ko, "fiber": fiber}


def neuron_tigerholm_threshold(
    diameter_um: float,
    distance_mm: float,
    waveform: str,
    pulse_width_ms: float,
    n_sections: int = 101,
    dt_ms: float = 0.005,
    tstop_ms: float = 8.0,
    temperature_c: float = 37.0,
    tolerance_rel: float = 1e-3,
    *,
    guess_ma: float = 0.05,
) -> dict:
    """Threshold of a Tigerholm fiber in NEURON; point source (0.2 S/m) over the middle
    compartment, pulse from 0.1 ms, APs detected at compartment floor(0.9 (n_sections - 1)).

    Same search, statuses and return dict as :func:`neurostim.compare.neuron_threshold`. The
    0.99x check looks at the detection compartment only: just below threshold the local
    response under the electrode crosses -30 mV over about 15 compartments (0.8 um, 0.1 mm).
    The search's ``end-excitation`` check takes every local minimum of the first-AP times,
    ties included; at a sealed end without passive compartments the last two or three
    compartments fire within one step of each other, which ties them. An ``end-excitation``
    is therefore re-checked at 1.01x threshold with plateaus of equal times: a run of equal
    times is an initiation site only if both its neighbours fired later.
    """
    t0 = time.perf_counter()
    check_positive(distance_mm, "distance_mm", "mm")
    w, sign = protocol_waveform(waveform, pulse_width_ms, 1, 0.0, dt_ms, tstop_ms, 0.1)
    fiber = build_tigerholm_fiber(diameter_um, n_sections, temperature_c)
    result = timed_threshold_search(
        fiber, distance_mm, w, sign, dt_ms, tstop_ms, tolerance_rel, guess_ma, t0,
        verify=True, no_ap_anywhere_below=False,
    )  # fmt: skip
    if result["status"] == "end-excitation":
        above = fiber.run(phi_mv(fiber, distance_mm), 1.01 * result["threshold_ma"], w, dt_ms)
        ends = (0, 1, n_sections - 2, n_sections - 1)
        if not any(i in ends for i in plateau_minima(above)):
            result["status"] = "ok"
        result["n_sims"] += 1
        result["seconds"] = time.perf_counter() - t0
    return result


def plateau_minima(first_ap_ms: NDArray[np.float64]) -> list[int]:
    """Compartments of the runs of equal first-AP times whose two neighbours fired later (or
    are beyond the fiber's ends); NaN = no AP.

    Parameters
    ----------
    first_ap_ms : ndarray of shape (n_nodes,)
    """
    t = np.where(np.isnan(first_ap_ms), np.inf, np.asarray(first_ap_ms, dtype=np.float64))
    out: list[int] = []
    i = 0
    while i < t.size:
        j = i
        while j + 1 < t.size and t[j + 1] == t[i]:
            j += 1
        left = t[i - 1] if i > 0 else np.inf
        right = t[j + 1] if j + 1 < t.size else np.inf
        if np.isfinite(t[i]) and left > t[i] and right > t[i]:
            out.extend(range(i, j + 1))
        i = j + 1
    return out


def neuron_tigerholm_resting_state(
    diameter_um: float = 0.8, n_sections: int = 21, temperature_c: float = 37.0
) -> NDArray[np.float64]:
    """Membrane potential of every compartment after initialisation (200 ms settling).

    Returns
    -------
    ndarray of shape (n_sections,)
    """
    fiber = build_tigerholm_fiber(diameter_um, n_sections, temperature_c)
    fiber.initialise(0.005)
    return np.array([seg.v for seg in fiber.segments])


__all__ = [
    "build_tigerholm_fiber",
    "neuron_tigerholm_response",
    "neuron_tigerholm_resting_state",
]
