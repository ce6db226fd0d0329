"""Properties of the share-centre mapping from a fibre population onto circuit afferents."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neurostim.pipeline import RecruitmentResult, afferent_input

positive = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False)


def _result(thr, weight, amplitude):
    n = thr.size
    return RecruitmentResult(
        threshold_ma=thr, status=np.full(n, "ok", dtype="<U16"), lower_ma=0.99 * thr,
        upper_ma=1.01 * thr, n_sims=np.ones(n, np.int64), initiation_node=np.zeros(n, np.int64),
        weight=weight / weight.sum(), amplitude_ma=amplitude, drive=None,  # type: ignore[arg-type]
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    n_fibers=st.integers(1, 40),
    n_afferents=st.integers(1, 60),
    amplitude=positive,
)
def test_recruited_afferents_follow_the_weighted_fraction(data, n_fibers, n_afferents, amplitude):
    thr = data.draw(arrays(np.float64, n_fibers, elements=positive))
    weight = data.draw(arrays(np.float64, n_fibers, elements=st.floats(0.01, 1.0)))
    r = _result(thr, weight, amplitude)
    a = afferent_input(r, n_afferents, n_afferents)
    frac = r.recruited_fraction
    for group in (slice(0, n_afferents), slice(n_afferents, None)):
        share = float(np.mean(a.recruited_lower[group]))
        # each afferent is the centre of a 1/n share: the counts differ by at most one share
        assert abs(share - frac) <= 1.0 / n_afferents + 1e-12
    # margins are amplitude over the fibre's own threshold, and recruitment is margin >= 1
    np.testing.assert_allclose(a.margin_lower, amplitude / thr[a.fiber_index], rtol=1e-15)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), n_fibers=st.integers(1, 30), amplitude=positive)
def test_more_amplitude_never_recruits_fewer_afferents(data, n_fibers, amplitude):
    thr = data.draw(arrays(np.float64, n_fibers, elements=positive))
    weight = np.ones(n_fibers)
    low = afferent_input(_result(thr, weight, amplitude), 15, 15)
    high = afferent_input(_result(thr, weight, 1.5 * amplitude), 15, 15)
    assert np.array_equal(low.fiber_index, high.fiber_index)
    assert np.all(high.recruited_lower >= low.recruited_lower)
