"""Public targets P2, P9 and P11 of the spinal-cord model (docs/reference/spinal-cord.md §4), slow.

Protocol shared by every check [ours where the spec leaves it open]: 60 mm model, coarse mesh,
one 8-contact percutaneous lead (``percutaneous-8``) on the dura, bipole E4-/E5+ (the pair
centred at z = 0), 210 us, the default dorsal-column grid and dorsal-root fibers of
`neurostim scs map`; PT = the first DC fiber's threshold. The finite-element solutions are
cached (``NEUROSTIM_CACHE_DIR``); P9 reuses the C5 midline solve of P2.

Measured on the development machine (coarse mesh, 2 cores shared with other FEM jobs, load
3-4): P2 PT at lead offsets 0 / 1.5 / 3 mm: T10 3.20 / 3.13 / 2.87 mA (dPT/dx -0.108 mA/mm), C5
1.051 / 1.049 / 1.019 mA (-0.010 mA/mm, the published sign is +: strict xfail). P9 (C5, |E| at
0.25 mm depth, 17.4 V/m per mA peak): half-widths 5.56 mm rostrocaudally, 2.67 mm
mediolaterally (|E_z|: 2.15 and 5.12 mm); the rostrocaudal half-width is 30.5 % short of 8 mm,
just outside its tolerance (strict xfail; 5.68 mm, -29 %, before the elliptical sac and the
dorsal band of the coarse mesh). P11 (T10): epidural PT 3.20 mA, bipole 598 ohm, 6.11 mW;
intradural PT 2.73 mA, 48 ohm, 0.359 mW: 94 % less power. Deviations and their likely causes:
docs/scs.md, "Public targets".
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from neurostim.anatomy import load_anatomy
from neurostim.device import parse_program_text

pytestmark = pytest.mark.slow

PROGRAM = (
    'name = "bipole"\nstimulator = "generic-rechargeable-16"\nleads = ["percutaneous-8"]\n'
    '[[trains]]\nwaveform = "tonic"\namplitude_ma = 4.0\npulse_width_us = 210\nrate_hz = 50\n'
    'contacts = { "L1.E4" = -100, "L1.E5" = 100 }\n'
)
OFFSETS_MM = (0.0, 1.5, 3.0)
"""Lead mediolateral offsets of the P2 sweep (spec §1.3: midline or lateral 0-3 mm)."""


def _anatomy(level: str, **changes: float):
    return load_anatomy(level, length_mm=60.0, **changes)


@cache
def _map(level: str, lead_ml_offset_mm: float = 0.0, lead_space: str = "epidural"):
    pytest.importorskip("ngsolve")
    from neurostim.pipeline.scs import scs_map

    a = _anatomy(level, lead_ml_offset_mm=lead_ml_offset_mm)
    result, ids = scs_map(parse_program_text(PROGRAM), a, lead_space=lead_space)
    return result, ids


@cache
def pt_slope(level: str) -> tuple[tuple[float, ...], float]:
    """PT (mA) at each offset of OFFSETS_MM and the least-squares slope dPT/dx (mA/mm)."""
    pts = tuple(float(_map(level, x)[0].perception_threshold_ma) for x in OFFSETS_MM)
    slope = float(np.polyfit(OFFSETS_MM, pts, 1)[0])
    return pts, slope


def test_p2_lateral_lead_at_t10_lowers_perception_threshold() -> None:
    # He 1994 (spinal-cord.md §4 P2): caudal to the mid-cervical cord a lateral contact reaches
    # PT at less current than a medial one: dPT/dx < 0 over a 0-3 mm sweep at T10 (sign only)
    _, slope = pt_slope("T10")
    assert slope < 0.0


@pytest.mark.xfail(
    strict=True,
    reason="deviation: PT 1.051 / 1.049 / 1.019 mA at 0 / 1.5 / 3 mm, dPT/dx -0.010 mA/mm "
    "(He 1994: > 0 at C5), see docs/scs.md",
)
def test_p2_lateral_lead_at_c5_raises_perception_threshold() -> None:
    # He 1994 (spinal-cord.md §4 P2): at high and mid-cervical levels the other way round:
    # dPT/dx > 0 over a 0-3 mm sweep at C5 (sign only). Our C5 cord is 13.3 mm wide, its
    # dorsal columns (and their fibers) reach 3.3 mm from the midline: a lateral lead still lies
    # over DC fibers, and PT taken as the first DC fiber falls slightly
    _, slope = pt_slope("C5")
    assert slope > 0.0


# --- P9: E-field spread in the dorsal columns (cervical model, bipole) -----------------------

DC_DEPTH_MM = 0.25
"""Depth of the lines below the cord's dorsal surface: the superficial DC where the largest
fibers are activated (spec §4 P4: no deeper than about 0.25 mm) [ours]."""
STEP_MM = 0.02
"""Central-difference step for E = -grad V [ours; well below the 1 mm cord elements]."""


def _contacts(level: str, lead_space: str = "epidural"):
    from neurostim.pipeline import anatomy_placements, program_contacts

    a = _anatomy(level)
    program = parse_program_text(PROGRAM)
    ids, contacts = program_contacts(program, anatomy_placements(program, a, space=lead_space))
    currents = np.zeros(len(ids))
    currents[ids.index("L1.E4")], currents[ids.index("L1.E5")] = -1.0, 1.0  # mA
    return a, contacts, currents


def _e_field(level: str, points: np.ndarray) -> np.ndarray:
    """E (V/m = mV/mm) at points (n, 3) mm for the bipole at 1 mA, by central differences of
    the FEM potential (point evaluation, spec §5)."""
    from neurostim.pipeline import fem_conductor

    a, contacts, currents = _contacts(level)
    conductor = fem_conductor(a)
    e = np.empty_like(points)
    for axis in range(3):
        shift = np.zeros(3)
        shift[axis] = STEP_MM
        v = conductor.unit_potentials_mv(contacts, np.vstack([points + shift, points - shift]))
        v = currents @ v
        n = points.shape[0]
        e[:, axis] = -(v[:n] - v[n:]) / (2.0 * STEP_MM)
    return e


def _half_width(s: np.ndarray, value: np.ndarray) -> float:
    """Half the extent of the set where value >= 50 % of its peak (outermost crossings,
    linearly interpolated between samples)."""
    half = 0.5 * value.max()
    above = np.flatnonzero(value >= half)
    lo, hi = above[0], above[-1]
    if lo == 0 or hi == value.size - 1:
        raise AssertionError("the 50 % level is not reached inside the sampled line")
    s_lo = np.interp(half, [value[lo - 1], value[lo]], [s[lo - 1], s[lo]])
    s_hi = np.interp(half, [value[hi + 1], value[hi]], [s[hi + 1], s[hi]])
    return float((s_hi - s_lo) / 2.0)


@cache
def e_spread_c5() -> dict[str, float]:
    """Half-widths (mm) of |E| and of |E_z| at 50 % of peak along the midline DC (z) and across
    the DC at the peak's z (x), DC_DEPTH_MM below the dorsal surface of the C5 cord."""
    pytest.importorskip("ngsolve")
    a = _anatomy("C5")
    cx, cy, semi_x, semi_y = a.boundaries()["cord"]

    def depth_y(x: np.ndarray) -> np.ndarray:
        return cy - semi_y * np.sqrt(1.0 - ((x - cx) / semi_x) ** 2) + DC_DEPTH_MM

    z = np.arange(-25.0, 25.0 + 1e-9, 0.25)
    line_z = np.column_stack([np.full_like(z, cx), np.full_like(z, depth_y(np.array(cx))), z])
    e_z = _e_field("C5", line_z)
    mag_z = np.linalg.norm(e_z, axis=1)
    z_peak = float(z[np.argmax(mag_z)])
    x = cx + np.arange(-(semi_x - 0.5), semi_x - 0.5 + 1e-9, 0.1)
    line_x = np.column_stack([x, depth_y(x), np.full_like(x, z_peak)])
    e_x = _e_field("C5", line_x)
    mag_x = np.linalg.norm(e_x, axis=1)
    return {
        "rc_abs_mm": _half_width(z, mag_z),
        "ml_abs_mm": _half_width(x - cx, mag_x),
        "rc_ez_mm": _half_width(z, np.abs(e_z[:, 2])),
        "ml_ez_mm": _half_width(x - cx, np.abs(e_x[:, 2])),
        "peak_v_per_m_per_ma": float(mag_z.max()),
        "z_peak_mm": z_peak,
    }


@pytest.mark.xfail(
    strict=True,
    reason="deviation: rostrocaudal half-width 5.56 mm against 8 mm (-30.5 %, tolerance "
    "+-30 %), see docs/scs.md",
)
def test_p9_e_field_spread_rostrocaudally_in_the_cervical_dc() -> None:
    # Kh20 (spinal-cord.md §4 P9): in a C5-C6 human model the E-field falls to half its peak
    # about 8 mm rostrocaudally; |E| along the midline DC, half-width within +-30 % (coarse mesh
    # 5.56 mm, -30.5 %, just outside: docs/scs.md "Public targets")
    assert e_spread_c5()["rc_abs_mm"] == pytest.approx(8.0, rel=0.3)


def test_p9_e_field_spread_mediolaterally_in_the_cervical_dc() -> None:
    # Kh20 (spinal-cord.md §4 P9): about 3.1 mm mediolaterally; |E| across the DC at the
    # peak's z, half-width within +-30 %
    assert e_spread_c5()["ml_abs_mm"] == pytest.approx(3.1, rel=0.3)


# --- P11: intradural against epidural lead ----------------------------------------------------


@cache
def power_at_pt(level: str, lead_space: str) -> dict[str, float]:
    """PT (mA), the bipole's impedance (ohm, I^T R I / I^2 with R the contact-potential matrix of
    the same solve) and the power at PT (mW) for the lead on (epidural) or under the dura."""
    ngs = pytest.importorskip("ngsolve")
    from neurostim.pipeline import fem_conductor

    result, _ = _map(level, 0.0, lead_space)
    a, contacts, currents = _contacts(level, lead_space)
    conductor = fem_conductor(a)
    conductor.prepare(contacts)  # the map's solve, from the cache
    mesh, fes, vectors = conductor.solution
    gf = ngs.GridFunction(fes)
    active = np.flatnonzero(currents)
    r = np.empty((active.size, active.size))  # V per mA = kilo-ohm
    for j, kj in enumerate(active):
        gf.vec.FV().NumPy()[:] = vectors[kj]
        for i, ki in enumerate(active):
            on = mesh.Boundaries(f"contact{ki}")
            r[i, j] = ngs.Integrate(gf, mesh, definedon=on) / ngs.Integrate(1.0, mesh, definedon=on)
    i_hat = currents[active]
    z_ohm = 1e3 * float(i_hat @ r @ i_hat) / float(i_hat @ i_hat)
    pt = float(result.perception_threshold_ma)
    return {"pt_ma": pt, "impedance_ohm": z_ohm, "power_mw": pt**2 * z_ohm * 1e-3}


def test_p11_intradural_lead_needs_far_less_power() -> None:
    # Hw14 (spinal-cord.md §4 P11): a lead under the dura needs >= 90 % less power to activate
    # the DC than one on the dura; T10, lead just under the dura (its body 0.05 mm from the dura's
    # inner surface) against on it (0.05 mm dorsal of its outer surface); power = PT^2 x the
    # bipole's impedance from the same solve
    epi = power_at_pt("T10", "epidural")["power_mw"]
    intra = power_at_pt("T10", "intradural")["power_mw"]
    assert 1.0 - intra / epi >= 0.9
