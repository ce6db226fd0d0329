"""Public targets of drg.md §4 that concern the neuron models: P3, P4, P5, P6, P9, P10, P11.

Each test states its protocol and tolerance beside the assert. The held-back studies (HB-1:
Sundt 2015 following values; HB-2, HB-3) are not used: only the directions stated in §4.
The whole-protocol runs take tens of seconds each and are marked slow.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from neurostim.drg import (
    ap_outcome,
    neuron_geometry,
    section_points_mm,
    section_sites,
    train_following,
)
from neurostim.drg.follow import default_diameters_um
from neurostim.fibers import find_thresholds, simulate
from neurostim.fibers.cases import point_source_phi_mv_per_ma, pulse_waveform
from neurostim.fibers.geometry import CableGeometry

DT_MS = 0.005
SLOW_SETS = ("m", "m-ca-sk")


def _cell(kind: str, **kw: float) -> CableGeometry:
    p, s, c = default_diameters_um(kind)
    return neuron_geometry(kind, peripheral_um=p, stem_um=s, central_um=c, **kw)


def _points(g: CableGeometry) -> np.ndarray:
    """The stem along +y from the soma to the T at the origin, the root axis along x."""
    return section_points_mm(g, t_junction_mm=np.zeros(3), stem_direction=np.array([0, 1.0, 0]),
                             root_axis=np.array([1.0, 0, 0]))  # fmt: skip


def _without_na(g: CableGeometry, sites: tuple[str, ...]) -> CableGeometry:
    """The cell with fast and persistent Na removed from the sections of ``sites``."""
    where = np.array(section_sites(g))[g.active_sections]
    scale = np.array(g.channel_scales, copy=True)
    scale[np.isin(where, sites), :2] = 0.0  # MRG columns naf, nap, ks
    return replace(g, channel_scale=scale)


# --- P3: the soma is not needed for through-conduction ---------------------------------------


def test_p3_soma_not_needed_for_through_conduction() -> None:
    # Abeta; 2 nA, 0.1 ms intracellular at the third node from the peripheral end; then the
    # same with soma and initial-segment Na set to 0. Check [S AD03]: the AP reaches the
    # central end in both cases; the soma is invaded only with its Na present.
    g = _cell("abeta", branch_length_mm=6.0)
    stim = int(g.node_sections[g.node_index("peripheral_end") - 2])
    n = round(4.0 / DT_MS)
    t_mid = (np.arange(n) + 0.5) * DT_MS
    ist = np.where((t_mid > 0.1) & (t_mid < 0.2), 2.0, 0.0)
    out = {}
    for label, cell in (("intact", g), ("no soma Na", _without_na(g, ("soma", "initial_segment")))):
        res = simulate(cell, np.zeros(cell.n_sections), np.zeros(1), np.zeros(n), n_steps=n,
                       intracellular_section=stim, intracellular_na=ist)  # fmt: skip
        out[label] = ap_outcome(cell, res)
    assert out["intact"].reached_central[0] and out["no soma Na"].reached_central[0]
    assert out["intact"].soma_invaded[0]
    assert not out["no soma Na"].soma_invaded[0]


# --- P4, P5, P6: train following at the T junction -------------------------------------------

P4_RATES_HZ = [10.0, 20.0, 50.0, 100.0, 150.0, 200.0]


@pytest.mark.slow
def test_p4_orthodromic_following_exceeds_antidromic_in_the_c_neuron() -> None:
    # C neuron (SU15 geometry, Na/K only); 20-pulse trains at 10-200 Hz, intracellular on the
    # peripheral (orthodromic) or central (antidromic) branch, 2 x threshold. Check [S GR22]:
    # the highest rate with all 20 APs crossing the T is higher orthodromically (no rate at
    # all counts as 0 Hz).
    ortho = train_following("c", rates_hz=P4_RATES_HZ, direction="orthodromic")
    anti = train_following("c", rates_hz=P4_RATES_HZ, direction="antidromic")
    assert ortho.following_rate_hz is not None
    assert ortho.following_rate_hz > (anti.following_rate_hz or 0.0)
    assert all(r.initiated >= r.pulses for r in anti.rates[:1])  # the failure is at the T


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="P5 missed at its second step: following rate (all 20 of 20 crossing the T, 10-200 "
    "Hz) Na/K 50 Hz, with KCNQ (m) 20 Hz (19 of 20 at 50 Hz, 6 at 100 Hz), with CaL + SK "
    "(m-ca-sk) 20 Hz with the same counts at every rate: CaL and SK do not lower it further",
)
def test_p5_slow_outward_currents_lower_following() -> None:
    # P4 orthodromic protocol with KCNQ added, then CaL + SK. Check [S SU15, GR22]: the
    # following rate falls at each step (direction only; the values are HB-1); no rate = 0 Hz.
    rate = {m: train_following("c", rates_hz=P4_RATES_HZ, mechanisms=m).following_rate_hz or 0.0
            for m in (*SLOW_SETS, "na-k")}  # fmt: skip
    assert rate["na-k"] > rate["m"] > rate["m-ca-sk"]


@pytest.mark.slow
def test_p6_c_neuron_filters_more_than_abeta() -> None:
    # P4 orthodromic protocol for Abeta (GRc) and C (SU15), 10-500 Hz. Check [S Ge13]:
    # following rate C < Abeta.
    rates = [10.0, 20.0, 50.0, 100.0, 150.0, 200.0, 300.0, 500.0]
    c = train_following("c", rates_hz=rates)
    abeta = train_following("abeta", rates_hz=rates)
    assert abeta.following_rate_hz is not None
    assert (c.following_rate_hz or 0.0) < abeta.following_rate_hz


# --- P9: strength-duration -------------------------------------------------------------------

P9_PW_MS = np.array([0.04, 0.06, 0.12, 0.24, 0.48, 0.72])


def _strength_duration(kind: str) -> np.ndarray:
    """Cathodic thresholds (mA) of a point source 0.5 mm from the T junction, across the
    stem and root plane (z), at ``P9_PW_MS``; APs counted at the central end. Branches of
    15 mm (C: 2 mm, for cost) keep the sealed ends far from the source: with 5 mm MRG branches
    the hyperpolarised far ends rebound and fire first near threshold (``end-excitation``)."""
    g = _cell(kind, branch_length_mm=2.0 if kind == "c" else 15.0)
    phi = point_source_phi_mv_per_ma(_points(g), np.array([0.0, 0.0, 0.5]))
    tstop = {"abeta": 4.0, "adelta": 6.0, "c": 14.0}[kind]
    n = round(tstop / DT_MS)
    waves = np.array([pulse_waveform("monophasic-cathodic", pw, DT_MS, n) for pw in P9_PW_MS])
    k = P9_PW_MS.size
    th = find_thresholds(g, np.broadcast_to(phi, (k, g.n_sections)), waves, -np.ones(k),
                         wave_index=np.arange(k), pulse_width_ms=P9_PW_MS, dt_ms=DT_MS,
                         tstop_ms=tstop, tolerance_rel=1e-3)  # fmt: skip
    # C: just below threshold the AP starts on the peripheral side and fails at the T junction
    # (the thin central branch), which the search flags as block-suspected; the threshold is
    # still the lowest current whose AP reaches the central end
    allowed = {"ok", "block-suspected"} if kind == "c" else {"ok"}
    assert set(th.status.tolist()) <= allowed, th.status
    return np.abs(th.threshold_ma)


def _chronaxie_ms(current_ma: np.ndarray) -> float:
    """Weiss: charge Q = I_rh (PW + chronaxie), a straight line in PW (least squares)."""
    slope, intercept = np.polyfit(P9_PW_MS, current_ma * P9_PW_MS, 1)
    return float(intercept / slope)


@pytest.mark.slow
def test_p9_strength_duration() -> None:
    # Abeta, Adelta, C; point source 0.5 mm from the T junction; PW 40-720 us (Axium range).
    # Check [R]: charge threshold rises and current threshold falls with PW (strictly, at
    # every step); chronaxie (Weiss fit) C > Abeta.
    current = {kind: _strength_duration(kind) for kind in ("abeta", "adelta", "c")}
    for kind, i_ma in current.items():
        assert np.all(np.diff(i_ma) < 0), (kind, i_ma)
        assert np.all(np.diff(i_ma * P9_PW_MS) > 0), (kind, i_ma)
    assert _chronaxie_ms(current["c"]) > _chronaxie_ms(current["abeta"])


# --- P10: 4-100 Hz trains do not move the single-pulse threshold -----------------------------


@pytest.mark.slow
@pytest.mark.parametrize("rate_hz", [4.0, 20.0, 60.0, 100.0])
def test_p10_train_rate_does_not_move_the_single_pulse_threshold(rate_hz: float) -> None:
    # Abeta; point source 0.3 mm above the soma; cathodic 0.12 ms pulses. Single-pulse
    # threshold to 0.05 %; then 10-pulse trains at 0.99 and 1.01 x that threshold. Check
    # [ours]: the first-pulse threshold lies within 1 % of the single-pulse value (below: no
    # AP during the whole train, so subthreshold pulses do not add up; above: the first pulse
    # fires); later pulses differ only by recovery (each fires at most once).
    g = _cell("abeta", branch_length_mm=5.0)
    pts = _points(g)
    phi = point_source_phi_mv_per_ma(pts, pts[g.named_sections["soma"]] + [0.0, 0.0, 0.3])
    pw = 0.12
    n1 = round(4.0 / DT_MS)
    single = find_thresholds(g, phi, pulse_waveform("monophasic-cathodic", pw, DT_MS, n1),
                             np.array([-1.0]), pulse_width_ms=pw, tstop_ms=4.0,
                             tolerance_rel=5e-4)  # fmt: skip
    assert single.status[0] == "ok"
    period_ms = 1000.0 / rate_hz
    n = round((9 * period_ms + 4.0) / DT_MS)
    one = pulse_waveform("monophasic-cathodic", pw, DT_MS, round(period_ms / DT_MS))
    train = np.tile(one, 10)[:n]
    train = np.pad(train, (0, n - train.size))
    res = simulate(g, phi, np.array([0.99, 1.01]) * single.threshold_ma[0], train, n_steps=n)
    out = ap_outcome(g, res)
    assert out.central_ap_count[0] == 0
    assert out.reached_central[1] and out.initiation_time_ms[1] < period_ms
    assert 1 <= out.central_ap_count[1] <= 10


# --- P11: use-dependent C block at 20 Hz (record only) ---------------------------------------


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="P11 record only (drg.md 4: expected gap): with the slow set m-ca-sk-pump the C "
    "neuron conducts every pulse of 20 s at 20 Hz (400 of 400, Abeta 400 of 400): no use-"
    "dependent block; the cell keeps E_Na and E_K fixed (no ion accumulation)",
)
def test_p11_c_blocks_within_20_s_at_20_hz_abeta_spared() -> None:
    # 20 s of 20 Hz (intracellular, the P4 stimulus, not the field at 1.2 x Abeta threshold of
    # the spec). Check [S Ch20]: the C neuron conducts the first pulse, then stops crossing the
    # T within 20 s, while Abeta follows every pulse.
    first = train_following("c", rates_hz=[20.0], n_pulses=1, mechanisms="m-ca-sk-pump")
    assert first.rates[0].crossed == 1
    c = train_following("c", rates_hz=[20.0], n_pulses=400, mechanisms="m-ca-sk-pump")
    abeta = train_following("abeta", rates_hz=[20.0], n_pulses=400)
    assert c.rates[0].crossed < c.rates[0].pulses
    assert abeta.rates[0].crossed == abeta.rates[0].pulses
