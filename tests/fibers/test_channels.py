"""Channel kinetics: Q10 factors and closed-form rates (fiber-models.md sections 4 and 5)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurostim.fibers.channels import (
    ARRAY,
    SCALAR,
    MRGNodeChannels,
    SundtChannels,
    model_gates,
)
from neurostim.fibers.mrg import mrg_geometry, mrg_parameters
from neurostim.fibers.sundt import sundt_geometry
from neurostim.testing import assert_close


def _mrg(q1: float = 1.0, q2: float = 1.0, q3: float = 1.0) -> MRGNodeChannels:
    return MRGNodeChannels(3.0, 0.01, 0.08, 50.0, -90.0, q1, q2, q3)


def test_q10_factors_at_37c() -> None:
    prm = mrg_geometry(10.0, 41).channel_params
    assert isinstance(prm, MRGNodeChannels)
    # fiber-models.md section 4: q1 = 3.820486, q2 = 6.110498, q3 = 1.116123
    assert_close([prm.rate_factor_m_p, prm.rate_factor_h, prm.rate_factor_s],
                 [3.820486, 6.110498, 1.116123], rtol=1e-6, what="MRG Q10 factors")  # fmt: skip
    sp = sundt_geometry(1.0, 11).channel_params
    assert isinstance(sp, SundtChannels)
    # section 5: q = 2.157669, kT = 0.03741013 /mV
    assert_close([sp.rate_factor, sp.kt_per_mv], [2.157669, 0.03741013], rtol=1e-6,
                 what="Sundt q and kT")  # fmt: skip


def test_named_parameters_come_from_the_data_file() -> None:
    # at the reference temperature of m, h, p (20 C) those factors are 1
    prm = MRGNodeChannels.from_data(mrg_parameters()["node_channels"], 20.0)
    assert (prm.g_naf_s_per_cm2, prm.g_nap_s_per_cm2, prm.g_ks_s_per_cm2) == (3.0, 0.01, 0.08)
    assert (prm.e_na_mv, prm.e_k_mv) == (50.0, -90.0)
    assert prm.rate_factor_m_p == prm.rate_factor_h == 1.0
    assert_close(prm.rate_factor_s, 3.0 ** (-1.6), rtol=1e-12, what="q3 at 20 C")


@pytest.mark.parametrize("v", [-80.0, -30.0, 10.0])
def test_mrg_fast_na_activation_closed_form(v: float) -> None:
    q1 = 2.2**1.7
    a = q1 * 1.86 * (v + 21.4) / (1 - math.exp(-(v + 21.4) / 10.3))
    b = q1 * 0.086 * (-(v + 25.7)) / (1 - math.exp((v + 25.7) / 9.16))
    m_inf, tau_m, *_ = SCALAR.mrg.gates(v, _mrg(q1, 2.9**1.7, 3.0**0.1))
    assert_close([m_inf, tau_m], [a / (a + b), 1 / (a + b)], rtol=1e-12, what="m gate")


def test_mrg_singular_point_and_extreme_substitutes() -> None:
    # at V = -21.4 the Lin form is replaced by A*C (no 0/0)
    m_inf, tau_m, *_ = SCALAR.mrg.gates(-21.4, _mrg())
    a = 1.86 * 10.3
    b = 0.086 * (-(-21.4 + 25.7)) / (1 - math.exp((-21.4 + 25.7) / 9.16))
    assert_close(m_inf, a / (a + b), rtol=1e-12, what="m_inf at the singular point")
    # below -150 mV PyFibers substitutes alpha_m = 0.15733 /ms
    m_inf, tau_m, *_ = SCALAR.mrg.gates(-200.0, _mrg())
    b = 0.086 * 174.3 / (1 - math.exp(-174.3 / 9.16))
    assert_close(1 / tau_m, 0.15733 + b, rtol=1e-12, what="alpha_m + beta_m at -200 mV")


def test_sundt_rest_gates() -> None:
    q = 3.0**0.7
    kt = 1e-3 * 9.648e4 / (8.315 * (273.16 + 37))
    r = SCALAR.sundt.gates(-59.93112, SundtChannels(0.04, 0.04, 50.0, -90.0, q, kt))
    # fiber-models.md 10.1: m = 0.0119246, h = 0.935642, n = 0.00535404 at rest (the slow l gate
    # is still settling at t = 0; it is checked through the initialisation in tests/reference)
    assert_close(r[0:6:2], [0.0119246, 0.935642, 0.00535404], rtol=2e-5, what="Sundt gates")


def test_conductance_closed_form() -> None:
    # I = g_Naf m^3 h (V - E_Na) + g_Nap p^3 (V - E_Na) + g_Ks s (V - E_K), as (g, sum g E)
    m, h, p, s = 0.2, 0.6, 0.3, 0.1
    g_na = 3.0 * m**3 * h + 0.01 * p**3
    g_k = 0.08 * s
    x = np.array([m, h, p, s])
    want = [g_na + g_k, 50 * g_na - 90 * g_k]
    assert_close(SCALAR.mrg.current(x, np.ones(3), _mrg()), want, rtol=1e-14, what="MRG current")
    sp = SundtChannels(0.04, 0.05, 50.0, -90.0, 1.0, 0.04)
    g_na, g_k = 0.04 * m**3 * h, 0.05 * p**3 * s
    want = [g_na + g_k, 50 * g_na - 90 * g_k]
    assert_close(SCALAR.sundt.current(x, np.ones(2), sp), want, rtol=1e-14, what="Sundt current")
    # each conductance scaled on its own (a soma with half the Na density)
    g_na = 0.02 * m**3 * h
    want = [g_na + g_k, 50 * g_na - 90 * g_k]
    got = SCALAR.sundt.current(x, np.array([0.5, 1.0]), sp)
    assert_close(got, want, rtol=1e-14, what="scaled Sundt current")


@pytest.mark.parametrize("model", ["mrg", "sundt"])
def test_scalar_and_array_backends_agree(model: str) -> None:
    """The compiled scalar copy and the NumPy copy of the one definition, branches included."""
    prm = mrg_geometry(10.0, 5).channel_params if model == "mrg" else _sundt_prm()
    v = np.concatenate([np.linspace(-300, 300, 601), [-21.4, -27.0, -34.0, -114.0, -25.7]])
    with np.errstate(over="ignore"):
        arr = np.array(ARRAY.of(model).gates(v, prm))
    sca = np.array([SCALAR.of(model).gates(float(x), prm) for x in v]).T
    assert_close(arr, sca, rtol=1e-13, atol=1e-300, what=f"{model} gates, NumPy vs Numba")
    # the model is found from the parameters' type (the kernels' dispatch)
    assert model_gates(-70.0, prm) == SCALAR.of(model).gates(-70.0, prm)


def _sundt_prm() -> SundtChannels:
    return sundt_geometry(1.0, 11).channel_params  # type: ignore[return-value]
