"""Device programs (examples/programs/*.toml) become circuit pulse programs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurostim.circuit import (
    BurstTrain,
    CycledProgram,
    KilohertzTrain,
    MultiplexedProgram,
    TonicTrain,
)
from neurostim.device import load_program
from neurostim.pipeline import circuit_program


def test_examples_map_to_circuit_programs(examples_dir: Path) -> None:
    d = examples_dir / "programs"
    tonic = circuit_program(load_program(d / "tonic.toml"))
    assert isinstance(tonic, TonicTrain)
    burst = circuit_program(load_program(d / "burst.toml"))  # cycled (dosing on_s/off_s)
    assert isinstance(burst, CycledProgram) and isinstance(burst.train, BurstTrain)
    assert burst.train.pulses_per_burst == 5 and burst.train.intraburst_rate_hz == 500.0
    multi = circuit_program(load_program(d / "multiplexed.toml"))
    assert isinstance(multi, MultiplexedProgram) and len(multi.trains) == 2
    t, s = multi.pulses(0.0, 1000.0)
    assert t.size == 50 + 1200 and set(np.round(s, 3)) == {1.0, 0.75}  # 3 mA / 4 mA
    khz = circuit_program(load_program(d / "high-frequency-10khz.toml"), khz_regime="none")
    assert isinstance(khz, KilohertzTrain) and khz.regime == "none"
    dosed = circuit_program(load_program(d / "high-frequency-10khz-dosed.toml"))
    assert isinstance(dosed, CycledProgram) and isinstance(dosed.train, KilohertzTrain)
    assert dosed.on_s == 0.03 and abs(dosed.on_s + dosed.off_s - 1.0) < 1e-12  # 3 % of 1 s
