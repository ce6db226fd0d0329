"""The C neuron's slow mechanisms (``sundt_slow``): rest state, placement, backends.

Independent checks: the resting state is a fixed point of the step at its voltage (gates, Ca
pool, SK gate), except the pump's Na pool, whose drift is the resting Na current converted to a
concentration rate here (4e4/(F d) mM/ms per mA/cm2, written out); E_Ca is the Nernst value
computed here; the mechanism sets place each mechanism in the sections drg.md section 3.1 names
(SU15 Figs. 5d, 8c); every backend gives the same traces.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.fibers import resting_state, simulate
from neurostim.fibers.cells import MECHANISM_SETS, c_neuron_geometry
from neurostim.fibers.channels import ARRAY, SCALAR
from neurostim.fibers.slow_channels import SUNDT_SLOW_CHANNELS, SUNDT_SLOW_STATES
from neurostim.testing import assert_close


def _prm():
    return c_neuron_geometry(axon_length_um=100.0, mechanisms="m-ca-sk-pump").channel_params


def test_calcium_reversal_is_the_nernst_value() -> None:
    # RT/(2F) ln(Ca_o/Ca_i) at 25 C with Ca_o 2 mM, Ca_i 7e-5 mM (SU15 cal.mod)
    e_ca = 8.314462618 * 298.15 / (2 * 96485.33212) * math.log(2.0 / 7e-5) * 1e3
    assert _prm().e_ca_mv == pytest.approx(e_ca, rel=1e-12)
    assert 125.0 < e_ca < 140.0


@pytest.mark.parametrize("v_mv", [-80.0, -62.5, -40.0])
def test_rest_is_a_fixed_point_of_the_step(v_mv: float) -> None:
    p = _prm()
    kin = SCALAR.sundt_slow
    x = np.array(kin.rest(v_mv, p))
    assert x.size == len(SUNDT_SLOW_STATES) == kin.n_states
    s = np.ones(len(SUNDT_SLOW_CHANNELS))
    new = np.array(kin.advance(x, v_mv, v_mv, 0.01, s, 1.4, p))
    assert_close(new[:6], x[:6], rtol=1e-12, what="resting gates", unit="")
    # the Ca pool relaxes toward ca0 - B f I_Ca tau (the resting CaL window current, tiny)
    i_ca = p.g_cal_s_per_cm2 * x[5] ** 2 * (v_mv - p.e_ca_mv)
    ca_inf = 7e-5 - 0.26 * 0.1 * i_ca * 500.0
    ca = ca_inf + (x[6] - ca_inf) * math.exp(-0.01 / 500.0)
    assert_close(new[6], ca, rtol=1e-12, what="Ca pool", unit="mM")
    assert_close(new[7], x[7], rtol=1e-9, what="resting SK gate", unit="")
    # the pump's Na pool moves with the resting Na current (the pump holds its own start at 0)
    m, h = x[0], x[1]
    i_na = p.g_na_s_per_cm2 * m**3 * h * (v_mv - p.e_na_mv)  # mA/cm2, inward < 0
    rate = -4e4 / 96485.33212 * i_na / 1.4  # mM/ms in a 1.4 um section
    ulp = 4 * np.spacing(x[8])  # the difference of two numbers near 15 mM
    assert_close(new[8] - x[8], 0.01 * rate, rtol=1e-9, atol=ulp, what="Na pool drift", unit="mM")
    assert rate > 0.0  # Na enters at rest
    s[5] = 0.0  # no pump here: no Na pool dynamics
    assert kin.advance(x, v_mv, v_mv, 0.01, s, 1.4, p)[8] == x[8]


def test_scalar_and_array_equations_agree() -> None:
    p = _prm()
    v = np.linspace(-120.0, 60.0, 7)
    x = np.array([SCALAR.sundt_slow.rest(float(u), p) for u in v])
    x[:, 6] = np.linspace(5e-5, 2e-3, 7)  # Ca pool off rest
    x[:, 8] = np.linspace(10.0, 30.0, 7)
    s = np.linspace(0.2, 1.0, 6)
    d = 0.8
    sca = np.array([SCALAR.sundt_slow.advance(x[k], v[k] - 3, v[k], 0.005, s, d, p)
                    for k in range(v.size)])  # fmt: skip
    arr = np.stack(ARRAY.sundt_slow.advance(list(x.T), v - 3, v, 0.005, list(s), d, p), axis=1)
    assert_close(arr, sca, rtol=1e-12, what="sundt_slow advance, NumPy vs Numba", unit="")
    cur_s = np.array([SCALAR.sundt_slow.current(x[k], s, p) for k in range(v.size)])
    cur_a = np.stack(ARRAY.sundt_slow.current(list(x.T), list(s), p), axis=1)
    assert_close(cur_a, cur_s, rtol=1e-12, what="sundt_slow current, NumPy vs Numba", unit="")


def test_sets_place_each_mechanism_where_the_source_has_it() -> None:
    col = {name: k for k, name in enumerate(SUNDT_SLOW_CHANNELS)}
    places = {"kcnq": {"soma", "stem", "t_peripheral", "t_central"}, "cal": {"soma"},
              "sk": {"soma"}, "pump": {"stem", "t_peripheral", "t_central"}}  # fmt: skip
    present = {"m": {"kcnq"}, "m-ca-sk": {"kcnq", "cal", "sk"},
               "m-ca-sk-pump": {"kcnq", "cal", "sk", "pump"}}  # fmt: skip
    assert MECHANISM_SETS == ("na-k", "m", "m-ca-sk", "m-ca-sk-pump")
    assert c_neuron_geometry(axon_length_um=100.0).model == "sundt"
    for name, mechs in present.items():
        g = c_neuron_geometry(axon_length_um=100.0, mechanisms=name)
        assert g.model == "sundt_slow"
        kind = np.array(g.kind)[g.active_sections]
        for mech, where in places.items():
            want = np.isin(kind, list(where)) if mech in mechs else np.zeros(kind.size, bool)
            np.testing.assert_array_equal(g.channel_scales[:, col[mech]], want.astype(float))
        assert g.channel_scales[0, col["na"]] == 0.5  # the soma's Na 0.02 of 0.04 S/cm2
    with pytest.raises(InputError, match="mechanisms"):
        c_neuron_geometry(mechanisms="m-ca")


def test_resting_cell_moves_little_after_initialisation() -> None:
    # 200 ms of settling, then 20 ms more without a stimulus: every compartment within 1 mV
    # (the K inactivation gate l relaxes over hundreds of ms, as in NEURON's initialisation)
    g = c_neuron_geometry(axon_length_um=100.0, mechanisms="m-ca-sk-pump")
    v0, _, _ = resting_state(g)
    n = 4000
    res = simulate(g, np.zeros(g.n_sections), np.zeros(1), np.zeros(n), dt_ms=0.005, n_steps=n,
                   record_sections=np.arange(g.n_sections))  # fmt: skip
    assert np.abs(res.v_trace_mv[0] - v0[:, None]).max() < 1.0
    assert res.ap_count.sum() == 0


@pytest.mark.parametrize("mechanisms", ["m", "m-ca-sk-pump"])
def test_backends_agree(mechanisms: str) -> None:
    g = c_neuron_geometry(axon_length_um=100.0, mechanisms=mechanisms)
    x = g.arc_um * 1e-3
    phi = 10.0 / np.sqrt(x**2 + 0.05**2)  # 50 um from the soma, along the stem's path
    n = 600
    wave = np.zeros(n)
    wave[:200] = 1.0  # 1 ms
    amps = np.array([-1.5, -0.05])
    kw = {"n_steps": n, "record_sections": g.node_sections}
    lanes = simulate(g, phi, amps, wave, **kw)
    single = simulate(g, phi, amps[:1], wave, **kw)
    numpy_ = simulate(g, phi, amps, wave, backend="numpy", **kw)
    assert lanes.ap_count[0, g.node_index("soma")] > 0
    assert_close(single.v_trace_mv, lanes.v_trace_mv[:1], atol=1e-9, what="V, single vs lanes",
                 unit="mV")  # fmt: skip
    assert_close(numpy_.v_trace_mv, lanes.v_trace_mv, atol=1e-8, what="V, numpy vs lanes",
                 unit="mV")  # fmt: skip
    pytest.importorskip("jax")
    jax_ = simulate(g, phi, amps, wave, backend="jax", **kw)
    assert_close(jax_.v_trace_mv, lanes.v_trace_mv, atol=1e-8, what="V, jax vs lanes", unit="mV")
    np.testing.assert_array_equal(jax_.ap_count, lanes.ap_count)
