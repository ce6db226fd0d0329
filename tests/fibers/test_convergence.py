"""Backward Euler converges at first order in dt: fitted on log errors of the CV."""

from __future__ import annotations

import numpy as np

from neurostim.fibers import conduction_velocity, mrg_geometry


def test_cv_first_order_in_dt() -> None:
    g = mrg_geometry(10.0, 41)
    dts = np.array([0.008, 0.004, 0.002, 0.001, 0.0005])
    cv = np.array([conduction_velocity(g, dt_ms=dt, tstop_ms=1.5) for dt in dts])
    # Richardson differences of successive halvings: |CV(dt) - CV(dt/2)| ~ C dt^p
    diffs = np.abs(np.diff(cv))
    order = np.polyfit(np.log(dts[:-1]), np.log(diffs), 1)[0]
    assert 0.85 < order < 1.15, f"fitted order {order:.3f}"
    # the dt -> 0 limit (first-order extrapolation) is about 56.2 m/s (PROTOCOL.md section 10)
    limit = 2 * cv[-1] - cv[-2]
    assert abs(limit / 56.2 - 1) < 0.01
