"""The Sundt unmyelinated C-fiber in NEURON (docs/reference/fiber-models.md §5).

Model: Sundt, Gamper & Jaffe, *J Neurophysiol* 114:3140-3153, 2015, as the straight uniform
cable of PyFibers 0.13 ``SUNDT``: compartments of 8.333 µm and diameter D (nseg = 1), Ra 100 Ω·cm,
cm 1 µF/cm², Na 0.04 S/cm² (``mod/nssundtna.mod``), K delayed rectifier 0.04 S/cm²
(``mod/nssundtkdr.mod``), leak 1e-4 S/cm² at −60 mV, E_Na +50, E_K −90 mV; ``extracellular`` with
xg = 1e10, xc = 0 (the applied potential acts directly); one passive end compartment per side
(g 1e-4, e −60 mV, cm 1, Ra 1e10); 37 °C; initialisation at −60 mV then 200 ms of settling.

What it reproduces (tests/compare/test_neuron_sundt.py, ``-m neuron``): the rest state and the
conduction velocities of fiber-models.md §10.1-10.2 and the 0.01 % thresholds of §10.3 (see
docs/compare.md for the numbers).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.compare._common import check_odd_count, check_positive, timed_threshold_search
from neurostim.compare._mechanisms import load_mechanisms
from neurostim.compare._nrn_run import NrnFiber
from neurostim.compare._protocol import protocol_waveform

V_REST_MV = -60.0
SEGMENT_LENGTH_UM = 8.333
RA_OHM_CM = 100.0


def build_sundt_fiber(
    diameter_um: float,
    n_sections: int = 265,
    temperature_c: float = 37.0,
    segment_length_um: float = SEGMENT_LENGTH_UM,
) -> NrnFiber:
    """Build the Sundt C-fiber: ``n_sections`` compartments, all of them detectors ("nodes")."""
    check_positive(diameter_um, "diameter_um", "µm")
    check_positive(segment_length_um, "segment_length_um", "µm")
    check_odd_count(n_sections, "n_sections")
    h = load_mechanisms()
    sections: list[Any] = []
    for k in range(n_sections):
        sec = h.Section(name=f"sundt{k}")
        sec.nseg = 1
        sec.L = segment_length_um
        sec.diam = diameter_um
        sec.insert("extracellular")
        sec.xg[0] = 1e10
        sec.xc[0] = 0.0
        sec.insert("pas")
        if k in (0, n_sections - 1):
            sec.Ra = 1e10
            sec.cm = 1.0
            sec.g_pas = 1e-4
            sec.e_pas = V_REST_MV
        else:
            sec.Ra = RA_OHM_CM
            sec.cm = 1.0
            sec.g_pas = 1e-4
            sec.e_pas = V_REST_MV
            sec.insert("nssundtna")
            sec.insert("nssundtkdr")
        if sections:
            sec.connect(sections[-1](1), 0)
        sections.append(sec)
    z_um = (np.arange(n_sections, dtype=np.float64) + 0.5) * segment_length_um
    return NrnFiber(h, sections, list(range(n_sections)), z_um, V_REST_MV, temperature_c)


def _rough_guess_ma(diameter_um: float, distance_mm: float, waveform: str, pw_ms: float) -> float:
    """First guess (magnitude), anchored on fiber-models.md §10.3 (1 µm, 0.1 mm, 0.1 ms:
    0.057 mA) with a 0.5 ms chronaxie, distance^1.6 and 1/sqrt(diameter); only the cost of the
    search depends on it."""
    base = 0.057 / 6.0 * (1.0 + 0.5 / pw_ms) * (distance_mm / 0.1) ** 1.6 / np.sqrt(diameter_um)
    factor = {"monophasic-anodic": 5.0, "biphasic-cathodic-first": 1.15}.get(waveform, 1.0)
    return float(base * factor)


def neuron_sundt_threshold(
    diameter_um: float,
    distance_mm: float,
    waveform: str,
    pulse_width_ms: float,
    n_pulses: int = 1,
    rate_hz: float = 0.0,
    n_sections: int = 265,
    dt_ms: float = 0.005,
    tstop_ms: float = 10.0,
    temperature_c: float = 37.0,
    tolerance_rel: float = 0.001,
    *,
    pulse_start_ms: float = 0.1,
    guess_ma: float | None = None,
    verify: bool = True,
) -> dict:
    """Threshold of a Sundt C-fiber in NEURON; point source over the middle compartment.

    Same search, statuses and return dict as :func:`neurostim.compare.neuron_threshold`; the
    detection compartment is ⌊0.9·(n_sections − 1)⌋. The 0.99× verification checks the
    detection compartment only: at 0.99× threshold the local, non-propagating response under
    the electrode crosses −30 mV (1 µm at 0.1 mm: compartments 130-134 at 0.092 ms), so "no AP
    anywhere" does not apply; the protection against a block window is the approach from below.
    """
    t0 = time.perf_counter()
    check_positive(distance_mm, "distance_mm", "mm")
    check_positive(tolerance_rel, "tolerance_rel", "relative")
    w, sign = protocol_waveform(
        waveform, pulse_width_ms, n_pulses, rate_hz, dt_ms, tstop_ms, pulse_start_ms
    )
    fiber = build_sundt_fiber(diameter_um, n_sections, temperature_c)
    if guess_ma is None:
        guess_ma = _rough_guess_ma(diameter_um, distance_mm, waveform, pulse_width_ms)
    return timed_threshold_search(
        fiber,
        distance_mm,
        w,
        sign,
        dt_ms,
        tstop_ms,
        tolerance_rel,
        guess_ma,
        t0,
        verify=verify,
        no_ap_anywhere_below=False,
    )


def neuron_sundt_cv(
    diameter_um: float,
    n_sections: int = 601,
    dt_ms: float = 0.001,
    temperature_c: float = 37.0,
) -> float:
    """Conduction velocity (m/s) by fiber-models.md §10.2.

    IClamp 2 nA × 0.1 ms from 0.1 ms at compartment 1; AP times by the APCount rule (first step
    end with v ≥ −30 mV, not interpolated) at compartments ⌊0.25(N−1)⌋ and ⌊0.75(N−1)⌋;
    tstop 30 ms.
    """
    check_positive(dt_ms, "dt_ms", "ms")
    fiber = build_sundt_fiber(diameter_um, n_sections, temperature_c)
    h = fiber.h
    stim = h.IClamp(fiber.segments[1])
    stim.delay = 0.1
    stim.dur = 0.1
    stim.amp = 2.0
    a, b = int(0.25 * (n_sections - 1)), int(0.75 * (n_sections - 1))
    fiber.initialise(dt_ms)
    apc_b = fiber.detectors[b]
    for n in range(round(30.0 / dt_ms)):
        h.fadvance()
        if n % 100 == 0 and apc_b.n > 0:
            break
    first = fiber.first_ap_ms()
    return float((fiber.z_um[b] - fiber.z_um[a]) * 1e-6 / ((first[b] - first[a]) * 1e-3))


def neuron_sundt_resting_state(diameter_um: float = 1.0) -> NDArray[np.float64]:
    """Membrane potential of every compartment of a 265-compartment fiber after initialisation.

    Returns
    -------
    ndarray of shape (265,)
    """
    fiber = build_sundt_fiber(diameter_um)
    fiber.initialise(0.001)
    return np.array([seg.v for seg in fiber.segments])
