"""Population thresholds -> one fibre per circuit afferent, and the bounds of unknown states."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.pipeline import MARGIN_ALWAYS, RecruitmentResult, afferent_input


def _result(threshold, status=None, weight=None, amplitude=2.0, lower=None, upper=None):
    thr = np.asarray(threshold, float)
    n = thr.size
    return RecruitmentResult(
        threshold_ma=thr,
        status=np.array(status or ["ok"] * n, dtype="<U16"),
        lower_ma=np.asarray(lower if lower is not None else thr * 0.99, float),
        upper_ma=np.asarray(upper if upper is not None else thr * 1.01, float),
        n_sims=np.ones(n, np.int64),
        initiation_node=np.zeros(n, np.int64),
        weight=np.asarray(weight if weight is not None else np.full(n, 1 / n), float),
        amplitude_ma=amplitude,
        drive=None,  # type: ignore[arg-type]
    )


def test_equal_weights_use_every_fibre_once_per_group() -> None:
    thr = np.array([3.0, 1.0, 4.0, 0.5, 2.5])
    a = afferent_input(_result(thr), 5, 5)
    assert sorted(a.fiber_index[:5].tolist()) == [0, 1, 2, 3, 4]
    assert a.fiber_index[:5].tolist() == a.fiber_index[5:].tolist()
    # margins: amplitude over each fibre's own threshold (independent: 2 / thr)
    np.testing.assert_allclose(a.margin_lower, 2.0 / thr[a.fiber_index], rtol=1e-15)
    assert not a.bounded
    assert a.recruited_lower.sum() == 2 * 2  # thresholds 1.0 and 0.5 are <= 2 mA, per group


def test_weights_set_how_many_afferents_a_fibre_stands_for() -> None:
    # fibre 0 carries 70 % of the weight: 7 of 10 afferents; fibres 1, 2: 2 and 1
    a = afferent_input(_result([1.0, 2.0, 3.0], weight=[0.7, 0.2, 0.1]), 10, 0)
    assert np.bincount(a.fiber_index, minlength=3).tolist() == [7, 2, 1]


def test_unknown_states_give_two_bounds() -> None:
    r = _result(
        [1.0, np.nan, 1.5, np.nan],
        status=["ok", "block-suspected", "ok", "not-bracketed"],
        lower=[0.99, 0.5, 1.49, 5.0],
        upper=[1.01, 0.6, 1.51, np.nan],
        amplitude=3.0,
    )
    a = afferent_input(r, 4, 0)
    assert a.bounded
    by_fibre = {
        int(f): (lo, hi)
        for f, lo, hi in zip(a.fiber_index, a.margin_lower, a.margin_upper, strict=True)
    }
    assert by_fibre[0] == pytest.approx((3.0, 3.0))
    assert by_fibre[2] == pytest.approx((2.0, 2.0))
    assert by_fibre[1] == (0.0, MARGIN_ALWAYS)  # block suspected: unknown at any amplitude
    assert by_fibre[3] == (0.0, 0.0)  # quiet up to 5 mA > 3 mA: known not to fire


def test_bad_counts_are_refused() -> None:
    with pytest.raises(InputError, match="n_local"):
        afferent_input(_result([1.0]), -1, 0)
    with pytest.raises(InputError, match="population"):
        afferent_input(_result([1.0], weight=[0.0]), 1, 1)
