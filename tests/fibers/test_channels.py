"""Channel kinetics: Q10 factors and closed-form rates (fiber-models.md sections 4 and 5)."""

from __future__ import annotations

import math

import pytest

from neurostim.fibers.channels import mrg_node_gates, sundt_gates
from neurostim.fibers.mrg import mrg_geometry
from neurostim.fibers.sundt import sundt_geometry
from neurostim.testing import assert_close


def test_q10_factors_at_37c() -> None:
    prm = mrg_geometry(10.0, 41).channel_params
    # fiber-models.md section 4: q1 = 3.820486, q2 = 6.110498, q3 = 1.116123
    assert_close(prm[5:8], [3.820486, 6.110498, 1.116123], rtol=1e-6, what="MRG Q10 factors")
    sp = sundt_geometry(1.0, 11).channel_params
    # section 5: q = 2.157669, kT = 0.03741013 /mV
    assert_close(sp[4:6], [2.157669, 0.03741013], rtol=1e-6, what="Sundt q and kT")


@pytest.mark.parametrize("v", [-80.0, -30.0, 10.0])
def test_mrg_fast_na_activation_closed_form(v: float) -> None:
    q1 = 2.2**1.7
    a = q1 * 1.86 * (v + 21.4) / (1 - math.exp(-(v + 21.4) / 10.3))
    b = q1 * 0.086 * (-(v + 25.7)) / (1 - math.exp((v + 25.7) / 9.16))
    m_inf, tau_m, *_ = mrg_node_gates(v, q1, 2.9**1.7, 3.0**0.1)
    assert_close([m_inf, tau_m], [a / (a + b), 1 / (a + b)], rtol=1e-12, what="m gate")


def test_mrg_singular_point_and_extreme_substitutes() -> None:
    # at V = -21.4 the Lin form is replaced by A*C (no 0/0)
    m_inf, tau_m, *_ = mrg_node_gates(-21.4, 1.0, 1.0, 1.0)
    a = 1.86 * 10.3
    b = 0.086 * (-(-21.4 + 25.7)) / (1 - math.exp((-21.4 + 25.7) / 9.16))
    assert_close(m_inf, a / (a + b), rtol=1e-12, what="m_inf at the singular point")
    # below -150 mV PyFibers substitutes alpha_m = 0.15733 /ms
    m_inf, tau_m, *_ = mrg_node_gates(-200.0, 1.0, 1.0, 1.0)
    b = 0.086 * 174.3 / (1 - math.exp(-174.3 / 9.16))
    assert_close(1 / tau_m, 0.15733 + b, rtol=1e-12, what="alpha_m + beta_m at -200 mV")


def test_sundt_rest_gates() -> None:
    q = 3.0**0.7
    kt = 1e-3 * 9.648e4 / (8.315 * (273.16 + 37))
    r = sundt_gates(-59.93112, q, kt)
    # fiber-models.md 10.1: m = 0.0119246, h = 0.935642, n = 0.00535404 at rest (the slow l gate
    # is still settling at t = 0; it is checked through the initialisation in tests/reference)
    assert_close(r[0:6:2], [0.0119246, 0.935642, 0.00535404], rtol=2e-5, what="Sundt gates")
