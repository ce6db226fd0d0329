"""Worked case P6 (ziconotide PK) and the reference's published PK figures (intrathecal.md §3).

Tolerance ±0.5 % on arithmetic (the reference's) unless stated.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.intrathecal import (
    concentration_from_rate_steps,
    csf_concentration_ng_per_ml,
    get_pk,
    steady_state_ng_per_ml,
    time_to_fraction_h,
)
from neurostim.intrathecal.pharmacokinetics import dose_per_day_to_ng_per_h
from neurostim.testing import assert_close

RTOL = 0.005


def test_p6_ziconotide() -> None:
    pk = get_pk("ziconotide")
    assert pk is not None
    assert_close(steady_state_ng_per_ml(2.4, "ug", pk), 4.39, rtol=RTOL, what="Css 2.4 ug/d")
    assert_close(pk.elimination_half_life_h, 4.71, rtol=RTOL, what="t1/2", unit="h")
    assert_close(time_to_fraction_h(0.9, pk), 15.65, rtol=RTOL, what="90 % of Css", unit="h")
    assert_close(steady_state_ng_per_ml(19.2, "ug", pk), 35.1, rtol=RTOL, what="Css 19.2 ug/d")
    # the published t1/2 4.6 +/- 0.9 h (R3): the derived 4.71 h lies within 3 %
    assert_close(pk.elimination_half_life_h, 4.6, rtol=0.03, what="t1/2 vs label", unit="h")


def test_ziconotide_one_hour_infusion_matches_reference_model_values() -> None:
    # reference: 1 h infusion of 1-10 ug -> model 6-60 ng/mL (measured 16.4-132, near-tip)
    pk = get_pk("ziconotide")
    assert pk is not None
    for dose_ug, expected in ((1.0, 6.0), (10.0, 60.0)):
        c = concentration_from_rate_steps(
            np.array([1.0]), np.array([0.0, 1.0]), np.array([dose_ug * 1e3, 0.0]), pk
        )
        assert_close(c[0], expected, rtol=0.01, what=f"Cmax after {dose_ug} ug over 1 h")


def test_morphine_and_baclofen_figures() -> None:
    morphine = get_pk("morphine")
    assert morphine is not None
    # V = CL t1/2 / ln 2 = 0.197 mL/min x 175 min / ln 2 = 49.7 mL (reference)
    assert_close(morphine.distribution_volume_ml, 49.7, rtol=RTOL, what="morphine V", unit="mL")
    assert 175 <= morphine.elimination_half_life_h * 60 <= 196  # published t1/2 range (R6)
    baclofen = get_pk("baclofen")
    assert baclofen is not None
    # 600 ug/day -> 0.83 ug/mL (reference's model value)
    assert_close(steady_state_ng_per_ml(600.0, "ug", baclofen), 830.0, rtol=RTOL, what="baclofen")
    assert 13.0 <= baclofen.clearance_ml_per_h <= 80.0  # Kroin's range (R9)
    assert 0.9 <= baclofen.elimination_half_life_h <= 5.0
    assert get_pk("hydromorphone") is None and get_pk("clonidine") is None


def test_filter_equals_analytic_history() -> None:
    # program history: 2.4 ug/day for 30 h, then 4.8 ug/day, then stop at 60 h
    pk = get_pk("ziconotide")
    assert pk is not None
    dt_h = 0.25
    t = np.arange(1, 401) * dt_h
    rates = np.where(t <= 30, 100.0, np.where(t <= 60, 200.0, 0.0))
    via_filter = csf_concentration_ng_per_ml(rates, dt_h, pk)
    analytic = concentration_from_rate_steps(
        t, np.array([0.0, 30.0, 60.0]), np.array([100.0, 200.0, 0.0]), pk
    )
    assert_close(
        via_filter, analytic, rtol=1e-9, atol=1e-12, what="filter vs analytic", unit="ng/mL"
    )
    # approaches steady state: 10 half-lives -> within 0.1 %
    long = csf_concentration_ng_per_ml(np.full(800, 100.0), dt_h, pk)
    css = 100.0 / pk.clearance_ml_per_h
    assert_close(long[-1], css, rtol=1e-3, what="steady state reached", unit="ng/mL")
    assert np.all(np.diff(long) > 0)


def test_initial_amount_decays() -> None:
    pk = get_pk("baclofen")
    assert pk is not None
    c = csf_concentration_ng_per_ml(np.zeros(6), 0.25, pk, initial_ng=1000.0)
    # after 1.5 h (one half-life) half remains
    assert_close(c[5] * pk.distribution_volume_ml, 500.0, rtol=1e-9, what="one half-life")


def test_bad_inputs() -> None:
    pk = get_pk("ziconotide")
    assert pk is not None
    with pytest.raises(InputError):
        time_to_fraction_h(1.0, pk)
    with pytest.raises(InputError):
        dose_per_day_to_ng_per_h(1.0, "g")
    assert_close(dose_per_day_to_ng_per_h(2.4, "mg"), 2.4e6 / 24, rtol=1e-12, what="mg/day->ng/h")
    assert math.isclose(time_to_fraction_h(0.0, pk), 0.0)
