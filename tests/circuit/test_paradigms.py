"""Paradigm inputs (pain-circuit.md s2): kilohertz regimes, recruitment, burst, cycling."""

from __future__ import annotations

import numpy as np

from neurostim.circuit import (
    BurstTrain,
    Condition,
    CycledProgram,
    KilohertzTrain,
    TonicTrain,
    build_network,
)
from neurostim.circuit.simulate import build_inputs

NET = build_network()
ABETA = slice(NET.fiber_offset("abeta"), NET.fiber_offset("abeta") + 15)
COMMON = {"duration_ms": 3000.0, "stim_start_ms": 1000.0, "seed": 4}


def _abeta(tr, evoked: bool, start: float = 1000.0) -> np.ndarray:
    sel = (tr.fiber >= ABETA.start) & (tr.fiber < ABETA.stop) & (tr.evoked == evoked)
    return tr.times_ms[sel & (tr.times_ms >= start)]


def test_khz_regimes() -> None:
    none, _ = build_inputs(NET, Condition(program=KilohertzTrain(regime="none"), **COMMON))
    block, _ = build_inputs(NET, Condition(program=KilohertzTrain(regime="block"), **COMMON))
    asyn, _ = build_inputs(NET, Condition(program=KilohertzTrain(regime="async"), **COMMON))
    ctrl, _ = build_inputs(NET, Condition(program=None, **COMMON))
    assert _abeta(none, True).size == 0
    assert _abeta(none, False).size == _abeta(ctrl, False).size  # nothing happens below threshold
    assert (
        _abeta(block, False).size == 0 and _abeta(ctrl, False).size > 200
    )  # natural Abeta blocked
    ev = _abeta(asyn, True)
    rate_per_fiber = ev.size / 15 / 2.0
    assert 30.0 < rate_per_fiber < 90.0  # asynchronous firing around 57 Hz per fibre
    # each evoked spike is locked to a 10 kHz pulse (0.1 ms grid) plus the 1-1.5 ms latency
    lat = (ev - 1000.0) % 0.1
    assert lat.size and np.all((lat >= -1e-9) & (lat <= 0.1))


def test_interneuron_drive_only_on_inhibitory_cells() -> None:
    prog = KilohertzTrain(regime="none", interneuron_drive_na=0.02)
    _, bias = build_inputs(NET, Condition(program=prog, **COMMON))
    names = NET.cell_names
    assert bias[names.index("in")] == 0.02 and bias[names.index("in_s")] == 0.02
    assert bias[names.index("wdr")] == 0.0 and bias[names.index("ex")] == 0.0


def test_recruitment_fraction_and_burst_cycle() -> None:
    half, _ = build_inputs(NET, Condition(program=TonicTrain(50.0), recruitment=0.4, **COMMON))
    fibers = np.unique(half.fiber[half.evoked & (half.fiber < ABETA.stop)])
    assert fibers.size == 6  # 40 % of 15 local Abeta fibres
    burst, _ = build_inputs(NET, Condition(program=BurstTrain(), recovery_cycle=True, **COMMON))
    n = _abeta(burst, True).size / 15 / 80  # 40 Hz for 2 s = 80 bursts
    assert 1.0 <= n <= 5.0
    cyc, _ = build_inputs(
        NET, Condition(program=CycledProgram(TonicTrain(50.0), 0.5, 0.5), **COMMON)
    )
    assert cyc.pulse_times_ms.size == 50  # 2 s at 50 Hz, on half the time


def test_collateral_failure_rises_with_rate() -> None:
    def evoked_per_pulse(rate: float) -> float:
        cond = Condition(program=TonicTrain(rate), collateral_failure_per_khz=0.5, **COMMON)
        tr, _ = build_inputs(NET, cond)
        return _abeta(tr, True).size / 15 / tr.pulse_times_ms.size

    # expected survival 1 - 0.5 x rate_khz: 0.95 at 100 Hz, 0.5 at 1 kHz (binomial noise < 0.03)
    assert abs(evoked_per_pulse(100.0) - 0.95) < 0.03
    assert abs(evoked_per_pulse(1000.0) - 0.5) < 0.03
