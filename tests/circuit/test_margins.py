"""Per-fibre margins from a fibre model drive the circuit's Abeta afferents."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.circuit import Condition, TonicTrain, build_network, simulate
from neurostim.errors import InputError

N_ABETA = 30  # 15 local + 15 surround in the Zhang 2014 network (afferents.toml)


def _evoked_per_fiber(result, cond: int, net) -> np.ndarray:
    # global fibre order: abeta, adelta, c, abeta_surround; margins: local then surround
    trains = result.inputs[cond]
    local, surround = net.fiber_offset("abeta"), net.fiber_offset("abeta_surround")
    index = {local + i: i for i in range(15)} | {surround + i: 15 + i for i in range(15)}
    counts = np.zeros(N_ABETA, int)
    for f in trains.fiber[trains.evoked]:
        counts[index[int(f)]] += 1
    return counts


def test_margins_select_exactly_the_fibres_that_fire() -> None:
    net = build_network("foreman")
    margins = np.zeros(N_ABETA)
    fire = [0, 3, 14, 15, 29]
    margins[fire] = 1.2
    margins[[1, 2]] = 0.999  # just below threshold: never fires
    common = {"duration_ms": 600.0, "stim_start_ms": 100.0, "pain_state": "none"}
    res = simulate([Condition(program=TonicTrain(20.0), abeta_margins=margins, **common)])
    n_pulses = 10  # 100, 150, ..., 550 ms
    counts = _evoked_per_fiber(res, 0, net)
    expected = np.zeros(N_ABETA, int)
    expected[fire] = n_pulses
    assert counts.tolist() == expected.tolist()


def test_zero_margins_leave_the_natural_input_and_the_output_unchanged() -> None:
    common = {"duration_ms": 1500.0, "stim_start_ms": 500.0, "seed": 4}
    stim = Condition(program=TonicTrain(50.0), abeta_margins=np.zeros(N_ABETA), **common)
    res = simulate([stim, stim.unstimulated()])
    assert not res.inputs[0].evoked.any()
    assert np.array_equal(res.spikes(0, "wdr"), res.spikes(1, "wdr"))


@pytest.mark.parametrize(
    ("margins", "match"),
    [(np.ones(29), "abeta_margins"), (np.full(N_ABETA, np.nan), "abeta_margins"),
     (np.full(N_ABETA, -1.0), "abeta_margins")],
)  # fmt: skip
def test_bad_margins_are_refused(margins, match) -> None:
    with pytest.raises(InputError, match=match):
        simulate([Condition(program=TonicTrain(20.0), abeta_margins=margins, duration_ms=200.0)])
