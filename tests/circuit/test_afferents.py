"""Afferent trains: renewal statistics, recovery cycle, collision, programs."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.circuit.afferents import evoked_spikes, fiber_margins, renewal_train
from neurostim.circuit.programs import BurstTrain, CycledProgram, MultiplexedProgram, TonicTrain
from neurostim.errors import InputError


@pytest.mark.parametrize(("rate", "cv"), [(9.0, 0.34), (3.2, 0.48), (9.0, 1.0)])
def test_renewal_rate_and_cv(rate: float, cv: float) -> None:
    rng = np.random.default_rng(0)
    t = renewal_train(rng, rate, cv, 2_000_000.0, 1.0)
    isi = np.diff(t)
    # 18000+ intervals: rate within 2 %, CV within 0.03 (sampling SD of a CV ~ cv/sqrt(2n)).
    assert t.size / 2000.0 == pytest.approx(rate, rel=0.02)
    assert isi.std() / isi.mean() == pytest.approx(cv, abs=0.03)
    assert isi.min() >= 1.0  # absolute refractory period


def test_tonic_one_to_one_and_collision() -> None:
    rng = np.random.default_rng(1)
    pulses, scale = TonicTrain(50.0).pulses(0.0, 1000.0)
    natural = [np.array([100.2, 300.0, 500.9])]  # pulses every 20 ms from 0
    ev, nat = evoked_spikes(
        rng, pulses, scale, np.array([5.0]), natural, (1.0, 1.5), recovery_cycle=False
    )
    assert ev[0].size == pulses.size  # 1:1 following without the recovery cycle
    # evoked spikes arrive at pulse + [1, 1.5] ms: a natural spike in [t_e, t_e + 1 ms) dies
    assert 101.4 > ev[0][5] >= 101.0
    assert 100.2 in nat[0]  # arrives before the evoked spike: survives
    assert 500.9 in nat[0]  # before 501.0: survives
    t_e = ev[0][np.searchsorted(ev[0], 300.0)]
    assert not np.any((nat[0] >= t_e) & (nat[0] < t_e + 1.0))


def test_burst_recovery_cycle_depends_on_margin() -> None:
    rng = np.random.default_rng(2)
    pulses, scale = BurstTrain(40.0, 5, 500.0).pulses(0.0, 1000.0)
    margins = np.array([1.05, 1.6, 20.0])
    ev, _ = evoked_spikes(
        rng, pulses, scale, margins, [np.empty(0)] * 3, (1.0, 1.0), recovery_cycle=True
    )
    per_burst = [e.size / 40 for e in ev]
    # Threshold 2 ms after a spike: 1/(1 - exp(-(2 - 0.7)/1.2)) = 1.51; 4 ms after: 1.07.
    # margin 1.05 fires every 3rd pulse (6 ms): 2 per burst; 1.6 follows 500 Hz: 5 per burst.
    assert per_burst[0] == pytest.approx(2.0)
    assert per_burst[1] == pytest.approx(5.0)
    assert per_burst[2] == pytest.approx(5.0)
    ev_fixed, _ = evoked_spikes(
        rng, pulses, scale, margins, [np.empty(0)] * 3, (1.0, 1.0), recovery_cycle=False
    )
    assert all(e.size == pulses.size for e in ev_fixed)


def test_fiber_margins_fraction() -> None:
    rng = np.random.default_rng(3)
    for f in (0.0, 0.2, 0.5, 1.0):
        m = fiber_margins(rng, 15, f, 0.15)
        assert (m >= 1.0).sum() == pytest.approx(15 * f, abs=1)


def test_programs_pulses_and_errors() -> None:
    t, _ = CycledProgram(TonicTrain(100.0), on_s=0.1, off_s=0.1).pulses(0.0, 400.0)
    assert t.size == 20  # two 100 ms on-windows at 100 Hz
    t2, _ = MultiplexedProgram((TonicTrain(50.0), TonicTrain(1200.0))).pulses(0.0, 100.0)
    assert t2.size == 5 + 120 and np.all(np.diff(t2) >= 0)
    with pytest.raises(InputError, match="rate_hz"):
        TonicTrain(-1.0)
    with pytest.raises(InputError, match="pulses_per_burst"):
        BurstTrain(400.0, 5, 500.0)
