"""Outputs: pulse locking, percent inhibition, pain proxy (hand-computed expectations)."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.circuit.outputs import (
    lock_coverage,
    locked_to_pulses,
    pain_proxy_nrs,
    percent_inhibition,
)
from neurostim.errors import InputError


def test_locked_to_pulses_window() -> None:
    pulses = np.array([0.0, 50.0])
    spikes = np.array([0.5, 1.0, 6.0, 6.5, 30.0, 53.0])
    # lags 0.5, 1, 6, 6.5, 30, 3 (and 53 to the first pulse) -> locked when 1 <= lag <= 6
    assert locked_to_pulses(spikes, pulses).tolist() == [False, True, True, False, False, True]
    # a spike 0.5 ms after one pulse but 3 ms after the one before is locked to the earlier one
    assert locked_to_pulses(np.array([2.5]), np.array([0.0, 2.0])).tolist() == [True]


def test_lock_coverage() -> None:
    # 20 Hz: each 50 ms period has 5 ms locked -> 10 %; 200 Hz: 5 of 5 ms -> 100 %
    p20 = np.arange(0.0, 1000.0, 50.0)
    assert lock_coverage(p20, (0.0, 1000.0)) == pytest.approx(0.10)
    p200 = np.arange(0.0, 1000.0, 5.0)
    assert lock_coverage(p200, (10.0, 990.0)) == pytest.approx(1.0)
    assert lock_coverage(np.empty(0), (0.0, 1.0)) == 0.0


def test_percent_inhibition_and_proxy() -> None:
    assert percent_inhibition(np.array([20.0]), np.array([80.0]))[0] == pytest.approx(75.0)
    assert np.isnan(percent_inhibition(np.array([1.0]), np.array([0.0]))[0])
    nrs = pain_proxy_nrs(np.array([10.0, 40.0, 400.0]), np.array([40.0]), baseline_nrs=8.0)
    assert nrs.tolist() == pytest.approx([2.0, 8.0, 10.0])
    with pytest.raises(InputError, match="baseline_nrs"):
        pain_proxy_nrs(np.array([1.0]), np.array([1.0]), baseline_nrs=11.0)
