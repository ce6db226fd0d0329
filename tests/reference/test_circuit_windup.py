"""Wind-up of the WDR C-component (pain-circuit.md s3 row 5, table 3b) and its removal by SCS.

Protocol: WindUp realization (no surround inhibition), no ongoing activity, one volley in all
fibres every 1 s, 20 stimuli; count = WDR spikes from 100 ms after each stimulus to the next.
Reference (table 3b, [C]): control 13 (stimulus 1) -> 32 (stimulus 20), total 500; with 50 Hz
SCS the excess over the SCS-alone level no longer grows (13 -> 18) and the excess total falls by
about a third (row 6, Shechter 2013: -35 %).

Tolerances: the control is deterministic in the reference (one run), so the band is the +-20 %
re-implementation band of s1.4 on the total (here 523 vs 500) and on the ratio stimulus 20 /
stimulus 1 (here 36/13 vs 32/13). With SCS the criteria are the mechanism: the excess over the
SCS-alone level does not grow (here 5 -> 7, reference 13 -> 18) and the C-component is reduced
(here -71 %, reference -34 %; Shechter 2013 measured -35 % in rats, row 6).
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.circuit import Condition, TonicTrain, build_network, simulate
from neurostim.circuit.afferents import windup_volleys
from neurostim.testing import assert_close


def _counts(spikes: np.ndarray) -> np.ndarray:
    return np.array(
        [
            ((spikes >= 1000.0 * (k + 1) + 100.0) & (spikes < 1000.0 * (k + 2))).sum()
            for k in range(20)
        ]
    )


def _conditions() -> list[Condition]:
    net = build_network("windup")
    names = net.fiber_group_names
    offsets = {g: net.fiber_offset(g) for g in names}
    n = {g: int(net.n_fibers[names.index(g)]) for g in names}
    volleys = windup_volleys(offsets, n)
    common = {
        "realization": "windup",
        "pain_state": "none",
        "duration_ms": 21000.0,
        "stim_start_ms": 0.0,
        "extra_spikes": volleys,
    }
    return [Condition(program=None, seed=1, **common)] + [
        Condition(program=TonicTrain(50.0), seed=s, **common) for s in (1, 2, 3)
    ]


@pytest.mark.slow
def test_windup_and_its_removal_by_50hz() -> None:
    res = simulate(_conditions())
    control = _counts(res.spikes(0, "wdr"))
    assert control[-1] / control[0] >= 1.3, f"no wind-up: {control}"
    assert np.all(np.diff(control) >= -1), f"wind-up should rise steadily: {control}"
    for i in (1, 2, 3):
        s = res.spikes(i, "wdr")
        scs_alone = ((s >= 100.0) & (s < 1000.0)).sum()  # SCS alone, 900 ms before stimulus 1
        excess = _counts(s) - scs_alone
        assert excess[-1] <= excess[0] + 5, f"SCS should remove wind-up: {excess}"
        assert excess.sum() < 0.8 * control.sum(), "SCS should reduce the C-component"


@pytest.mark.slow
def test_windup_total_matches_reference() -> None:
    control = _counts(simulate([_conditions()[0]]).spikes(0, "wdr"))
    assert_close(control.sum(), 500, rtol=0.20, what="wind-up total, control", unit="spikes")
    assert_close(control[-1] / control[0], 32 / 13, rtol=0.20, what="wind-up ratio 20/1")
