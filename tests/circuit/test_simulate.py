"""Batched simulation: determinism, independence of conditions in a batch, convergence in dt."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.circuit import Condition, TonicTrain, simulate, window_rate_hz
from neurostim.errors import InputError

SHORT = {"duration_ms": 2000.0, "stim_start_ms": 500.0}


def test_same_seed_same_result_and_batch_independence() -> None:
    a = Condition(program=TonicTrain(50.0), seed=7, **SHORT)
    b = Condition(program=None, seed=8, **SHORT)
    both = simulate([a, b])
    alone = simulate([a])
    again = simulate([a, b])
    np.testing.assert_array_equal(both.spikes(0, "wdr"), alone.spikes(0, "wdr"))
    np.testing.assert_array_equal(both.spike_times_ms, again.spike_times_ms)
    assert both.status == ("ok", "ok")
    assert both.spike_times_ms.dtype == np.float64
    # the unstimulated twin sees the same natural input
    twin = simulate([a.unstimulated()])
    nat_a = both.inputs[0].times_ms[~both.inputs[0].evoked]
    nat_t = twin.inputs[0].times_ms
    assert set(nat_a.tolist()) <= set(nat_t.tolist())


def test_rates_converge_in_dt() -> None:
    """Rates at dt = 0.025 ms and dt/2 agree within 10 % (same input, 2 s, 0 and 50 Hz).

    The default step is justified by this check (tests/circuit, fast); the slow set repeats it
    over 5 s windows (5 %).
    """
    conds = [Condition(program=p, seed=3, **SHORT) for p in (None, TonicTrain(50.0))]
    coarse = simulate(conds, dt_ms=0.025)
    fine = simulate(conds, dt_ms=0.0125)
    for cell in ("wdr", "ex", "in"):
        r1 = window_rate_hz(coarse, cell, (500.0, 2000.0))
        r2 = window_rate_hz(fine, cell, (500.0, 2000.0))
        np.testing.assert_allclose(r1, r2, rtol=0.10, atol=2.0, err_msg=cell)


def test_bad_input_names_field() -> None:
    with pytest.raises(InputError, match="dt_ms"):
        simulate([Condition(**SHORT)], dt_ms=1.0)
    with pytest.raises(InputError, match="duration_ms"):
        simulate([Condition(duration_ms=1000.0), Condition(duration_ms=2000.0)])
    with pytest.raises(InputError, match="block"):
        simulate([Condition(block="strychnine", **SHORT)])
    with pytest.raises(InputError, match="pain_state"):
        simulate([Condition(pain_state="agony", **SHORT)])
