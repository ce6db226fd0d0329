"""Effect model: Emax shape, effect-compartment delay, and the baclofen peak-time anchor."""

from __future__ import annotations

import numpy as np

from neurostim.intrathecal import (
    concentration_from_rate_steps,
    effect_over_time,
    effect_site_ng_per_ml,
    emax_fraction,
    get_pk,
)
from neurostim.intrathecal.effect import tolerant_ec50
from neurostim.testing import assert_close


def test_emax_half_at_ec50_and_monotone() -> None:
    c = np.array([0.0, 12.61, 1e6])
    e = emax_fraction(c, 12.61, 2.4)
    assert_close(e, [0.0, 0.5, 1.0], atol=1e-6, what="Emax fraction")
    grid = np.linspace(0, 100, 101)
    assert np.all(np.diff(emax_fraction(grid, 10.0, 1.0)) > 0)


def test_ziconotide_ec50s_are_css_at_reference_doses() -> None:
    # EC50 analgesia = Css at 6.9 ug/day; neurological AE EC50 = Css at 19.2 ug/day (reference)
    pk = get_pk("ziconotide")
    assert pk is not None
    cl_ml_per_day = 0.38 * 1440
    assert_close(
        pk.effect["analgesia"].ec50_ng_per_ml, 6900 / cl_ml_per_day, rtol=0.005, what="EC50"
    )
    adverse = pk.effect["neurological_adverse_effect"].ec50_ng_per_ml
    assert_close(adverse, 19200 / cl_ml_per_day, rtol=0.005, what="AE EC50")


def test_effect_site_lags_and_converges() -> None:
    c = np.full(400, 10.0)
    ce = effect_site_ng_per_ml(c, 0.25, 4.4)
    assert ce[0] < 1.0 and np.all(np.diff(ce) > 0)
    assert_close(ce[-1], 10.0, rtol=1e-3, what="Ce converges")
    assert np.array_equal(effect_site_ng_per_ml(c, 0.25, 0.0), c)


def test_baclofen_bolus_effect_peaks_near_4_h() -> None:
    # reference: bolus peak 4 h (R39); t1/2 1.5 h with t1/2ke0 6 h gives ~4 h [C]
    pk = get_pk("baclofen")
    assert pk is not None
    dt_h = 0.01
    t = np.arange(1, 2401) * dt_h
    c = concentration_from_rate_steps(t - dt_h / 2, np.array([0.0, 0.05]), np.array([1e6, 0.0]), pk)
    e = effect_over_time(c, dt_h, pk.effect["antispasticity"])
    assert 3.5 <= t[np.argmax(e)] <= 4.5


def test_tolerance_shift() -> None:
    ec = tolerant_ec50(10.0, np.array([0.0, 1e9]), max_shift=2.0, tau_h=100.0)
    assert_close(ec, [10.0, 30.0], rtol=1e-9, what="EC50 with tolerance")


def test_tolerance_anchor_and_simulation() -> None:
    # R37: 2.69 -> 7.82 mg/day over ~95 days; T 1.9, tau 30 d gives ~2.8x of EC50 at 95 days
    shift = tolerant_ec50(1.0, np.array([95 * 24.0]), 1.9, 30 * 24.0)[0]
    assert_close(shift, 7.82 / 2.69, rtol=0.05, what="EC50 shift at 95 days (5 %)")
    from neurostim.intrathecal import SimulationOptions, parse_program, simulate_pump

    program = parse_program(
        {
            "pump": "synchromed-ii-20",
            "drug": "morphine",
            "concentration": 10.0,
            "fill_ml": 20.0,
            "mode": "simple-continuous",
            "dose_per_day": 1.0,
        }
    )
    plain = simulate_pump(program, SimulationOptions(days=60, dt_h=1.0))
    tolerant = simulate_pump(program, SimulationOptions(days=60, dt_h=1.0, tolerance_max_shift=1.9))
    assert tolerant.effects["analgesia"][-1] < 0.5 * plain.effects["analgesia"][-1]
    # in the first 5 h the EC50 has risen by 1.9 (1 - exp(-5 / 720)) = 1.3 %: effects within 5 %
    early_t, early_p = tolerant.effects["analgesia"][:5], plain.effects["analgesia"][:5]
    assert_close(early_t, early_p, rtol=0.05, what="early effect")
