"""Sundt C-fiber against NEURON + PyFibers (fiber-models.md section 10).

- rest after initialisation: V = -59.93112 mV and gates m, h, n, l within 1e-5 mV / 2e-6;
- point-source threshold (265 sections, r0 = 100 um, 0.1 ms cathodic, dt 1 us, tstop 10 ms):
  the 0.01 %-tolerance reference values are bracketed, i.e. 0.99x is sub-threshold and 1.01x
  supra-threshold (threshold within 1 %);
- conduction velocity (601 compartments, dt 1 us, detector times): within 0.5 % (slow).
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.fibers import ProtocolCase, conduction_velocity, resting_state, simulate
from neurostim.fibers.sundt import sundt_geometry
from neurostim.testing import assert_close


def test_sundt_rest() -> None:
    g = sundt_geometry(1.0, 101)
    v, _, gates = resting_state(g)
    assert_close(v[50], -59.93112, atol=1e-5, what="Sundt rest", unit="mV")
    assert_close(gates[49], [0.0119246, 0.935642, 0.00535404, 0.480604], atol=2e-6, what="gates")


@pytest.mark.parametrize(("d", "thr_ma"), [(1.0, -0.056609)])
def test_sundt_threshold_bracketed(d: float, thr_ma: float) -> None:
    case = ProtocolCase("sundt", d, 0.1, "monophasic-cathodic", 0.1, n_nodes=265)
    g = case.geometry()
    n_steps = 10000
    wave = np.zeros(n_steps)
    wave[:100] = 1.0  # fiber-models.md 10.3: w = 1 for steps 0-99
    res = simulate(g, case.phi_mv_per_ma(g), np.array([0.99, 1.01]) * thr_ma, wave,
                   dt_ms=0.001, n_steps=n_steps, stop_on_detect=True)  # fmt: skip
    assert not res.detected[0], "0.99x the NEURON threshold must be sub-threshold"
    assert res.detected[1], "1.01x the NEURON threshold must be supra-threshold"


@pytest.mark.slow
@pytest.mark.parametrize(("d", "cv_ref"), [(0.5, 0.3495), (1.0, 0.4948), (2.0, 0.7003)])
def test_sundt_cv(d: float, cv_ref: float) -> None:
    g = sundt_geometry(d, 601)
    cv = conduction_velocity(g, dt_ms=0.001, tstop_ms=30.0, stim_node=1, stim_na=2.0,
                             interpolate=False)  # fmt: skip
    assert_close(cv, cv_ref, rtol=0.005, what=f"Sundt CV {d} um", unit="m/s")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("d", "thr_ma", "rtol"),
    [(0.8, -0.062767, 0.005), (1.0, -0.056609, 0.005), (0.5, -0.080313, 0.015),
     (2.0, -0.043047, 0.015)],
)  # fmt: skip
def test_sundt_threshold_search(d: float, thr_ma: float, rtol: float) -> None:
    """Full search against fiber-models.md 10.3: the 0.01 % values within 0.5 %, the 1 %
    values (PyFibers' upper bracket) within 1.5 %. First trial from 0.1 mA, the top bound of
    the reference search."""
    from neurostim.fibers import find_thresholds

    case = ProtocolCase("sundt", d, 0.1, "monophasic-cathodic", 0.1, n_nodes=265)
    g = case.geometry()
    wave = np.zeros(10000)
    wave[:100] = 1.0
    r = find_thresholds(g, case.phi_mv_per_ma(g), wave, -1.0, pulse_width_ms=0.1,
                        estimate_ma=np.array([0.1]), dt_ms=0.001,
                        tstop_ms=10.0, tolerance_rel=1e-3)  # fmt: skip
    assert r.status[0] == "ok"
    assert_close(r.threshold_ma[0], thr_ma, rtol=rtol, what=f"Sundt {d} um threshold", unit="mA")
