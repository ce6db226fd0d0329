"""Channel kernels against independent closed forms."""

from __future__ import annotations

import math

import pytest

from neurostim.circuit import channels


def test_vtrap_is_continuous_through_zero() -> None:
    # x/(exp(x/y)-1) -> y as x -> 0 (L'Hopital); both branches must agree near the switch.
    assert channels.vtrap(0.0, 4.0) == pytest.approx(4.0)
    assert channels.vtrap(1e-5, 4.0) == pytest.approx(1e-5 / math.expm1(1e-5 / 4.0), rel=1e-9)


def test_mg_block_closed_form() -> None:
    # Jahr-Stevens form with [Mg]o = 1 mM: at 0 mV, 1/(1 + 1/3.57).
    assert channels.mg_block(0.0, 1.0) == pytest.approx(1.0 / (1.0 + 1.0 / 3.57))
    assert channels.mg_block(-80.0, 1.0) < 0.05 < channels.mg_block(0.0, 1.0)


def test_ghk_reverses_near_nernst() -> None:
    # GHK current is zero where ci exp(w) = co, i.e. at the Nernst potential of Ca2+.
    ci, co = 50e-6, 2.0
    rt_over_zf = 8.31441 * (36 + 273.16) / (2 * 96485.309) * 1e3
    e_ca = rt_over_zf * math.log(co / ci)
    assert abs(channels.ghk_mc_per_cm3(e_ca, ci, co)) < 1e-9
    assert channels.ghk_mc_per_cm3(0.0, ci, co) < 0  # inward at rest-like potentials


def test_hh_gates_are_probabilities() -> None:
    for v in (-90.0, -60.0, -30.0, 0.0, 30.0):
        m, tm, h, th, n, tn = channels.hh_rates(v)
        assert 0 <= m <= 1 and 0 <= h <= 1 and 0 <= n <= 1
        assert tm > 0 and th > 0 and tn > 0


def test_kca_activation_half_at_one_micromolar() -> None:
    m_inf, tau = channels.kca_rates(0.001)
    assert m_inf == pytest.approx(0.5)
    assert tau == pytest.approx(max(0.1, 1 / 0.03 / 2 / 3**1.4))
