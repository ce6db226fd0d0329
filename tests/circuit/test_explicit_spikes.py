"""Explicit evoked spike times (``Condition.evoked_spikes``) against the per-pulse margin path.

Independent check: the margin path's own evoked Abeta spikes, handed back as explicit spikes
(each tagged with the pulse it followed), give the same afferent input and the same circuit
output, spike for spike; explicit spikes on C fibres cancel natural C spikes by the collision
rule worked out here by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.circuit import Condition, TonicTrain, build_network, simulate
from neurostim.circuit.network import load_parameters
from neurostim.circuit.simulate import build_inputs
from neurostim.errors import InputError

NET = build_network("foreman")
N_ABETA = 30
COMMON = {"duration_ms": 600.0, "stim_start_ms": 100.0, "seed": 3}


def _margins() -> np.ndarray:
    return np.linspace(0.5, 2.0, N_ABETA)  # a third of the fibres below threshold


def test_explicit_spikes_reproduce_the_margin_path() -> None:
    scs = Condition(program=TonicTrain(40.0), abeta_margins=_margins(), **COMMON)
    trains, _ = build_inputs(NET, scs)
    pulse_ms = trains.pulse_times_ms
    ev = trains.evoked
    t, f = trains.times_ms[ev], trains.fiber[ev]
    # the pulse each evoked spike followed: the last pulse at or before it
    p = np.searchsorted(pulse_ms, t, side="right") - 1
    assert t.size > 0 and np.all(t - pulse_ms[p] < 2.0)
    explicit = Condition(program=TonicTrain(40.0), evoked_spikes=(t, f, p), **COMMON)
    again, _ = build_inputs(NET, explicit)
    np.testing.assert_array_equal(again.times_ms, trains.times_ms)
    np.testing.assert_array_equal(again.fiber, trains.fiber)
    np.testing.assert_array_equal(again.evoked, trains.evoked)
    res = simulate([scs, explicit])
    np.testing.assert_array_equal(res.n_spikes[0], res.n_spikes[1])
    np.testing.assert_array_equal(res.spikes(0, "wdr"), res.spikes(1, "wdr"))


def test_explicit_c_spikes_collide_with_natural_ones() -> None:
    c0 = NET.fiber_offset("c")
    base = Condition(program=None, **COMMON)
    natural, _ = build_inputs(NET, base)
    nat_c = natural.times_ms[natural.fiber == c0]
    window = float(load_parameters("afferents")["collision"]["collision_window_ms"])
    # one evoked spike just before a natural C spike after the first pulse: that one goes
    j = int(np.flatnonzero(nat_c > COMMON["stim_start_ms"] + window)[0])
    t_e = nat_c[j] - 0.5 * window
    prog = TonicTrain(2.0)
    pulses, _ = prog.pulses(COMMON["stim_start_ms"], COMMON["duration_ms"])
    k = int(np.searchsorted(pulses, t_e, side="right") - 1)
    cond = Condition(program=prog, evoked_spikes=(np.array([t_e]), np.array([c0]), np.array([k])),
                     **COMMON)  # fmt: skip
    trains, _ = build_inputs(NET, cond)
    mine = trains.fiber == c0
    np.testing.assert_array_equal(trains.times_ms[mine & trains.evoked], [t_e])
    np.testing.assert_array_equal(trains.times_ms[mine & ~trains.evoked], np.delete(nat_c, j))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"evoked_spikes": (np.array([-5.0]), np.array([0]), np.array([0]))}, "times_ms"),
        ({"evoked_spikes": (np.array([150.0]), np.array([999]), np.array([0]))}, "fiber"),
        ({"evoked_spikes": (np.array([150.0]), np.array([0]), np.array([10_000]))}, "pulse"),
        ({"evoked_spikes": (np.array([150.0]), np.array([0]), np.array([0])),
          "recovery_cycle": True}, "recovery_cycle"),
        ({"evoked_spikes": (np.array([150.0]), np.array([0]), np.array([0])),
          "abeta_margins": np.ones(N_ABETA)}, "abeta_margins"),
    ],
)  # fmt: skip
def test_refusals(kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    cond = Condition(program=TonicTrain(20.0), **{**COMMON, **kwargs})
    with pytest.raises(InputError) as e:
        build_inputs(NET, cond)
    assert field in str(e.value)
