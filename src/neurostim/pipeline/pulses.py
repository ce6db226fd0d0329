"""Program -> circuit pulses: the timing of a device program as a circuit pulse program.

Maps the *timing* of each train (the circuit sees pulses, pain-circuit.md s2):

- ``tonic`` -> :class:`TonicTrain` at the train's rate;
- ``burst`` -> :class:`BurstTrain` (``rate_hz`` is the burst rate; ``pulses_per_burst`` and
  ``intraburst_rate_hz`` as programmed);
- ``high-frequency`` -> :class:`KilohertzTrain` with the requested regime (the amplitude regime
  needs fibre thresholds, which the fibre layer gives; it is an argument here);
- several trains -> :class:`MultiplexedProgram` (pulses superposed);
- ``dosing`` (on/off or duty) -> :class:`CycledProgram` around the whole program.

Each train's amplitude enters as a relative ``amplitude_scale`` (its amplitude over the largest
train's), which the recovery cycle uses; *which fibres* a pulse recruits (the recruitment
fraction) is not derivable from the program alone: it comes from the fiber thresholds
(:mod:`neurostim.pipeline.afferents`). A kilohertz train inside a multiplexed program is
treated as pulses through the recovery cycle, not with the regime model.
"""

from __future__ import annotations

from typing import Any

from neurostim.circuit.programs import (
    BurstTrain,
    CycledProgram,
    KilohertzTrain,
    MultiplexedProgram,
    TonicTrain,
)
from neurostim.device import Program


def circuit_program(device_program: Program, *, khz_regime: str = "async") -> Any:
    """Circuit program of a :class:`neurostim.device.Program` (see the module docstring)."""
    trains = list(device_program.trains)
    top = max(float(t.amplitude_ma) for t in trains) or 1.0
    parts: list[Any] = []
    for t in trains:
        scale = float(t.amplitude_ma) / top
        if t.waveform == "tonic":
            parts.append(TonicTrain(float(t.rate_hz), amplitude_scale=scale))
        elif t.waveform == "burst":
            parts.append(
                BurstTrain(
                    burst_rate_hz=float(t.rate_hz),
                    pulses_per_burst=int(t.pulses_per_burst or 5),
                    intraburst_rate_hz=float(t.intraburst_rate_hz or 500.0),
                    amplitude_scale=scale,
                )
            )
        else:
            parts.append(KilohertzTrain(rate_hz=float(t.rate_hz), regime=khz_regime))
    program: Any = parts[0] if len(parts) == 1 else MultiplexedProgram(tuple(parts))
    dosing = device_program.dosing
    if dosing is not None and dosing.duty_fraction < 1.0:
        on_s, cycle_s = dosing.cycle()
        program = CycledProgram(program, on_s=on_s, off_s=cycle_s - on_s)
    return program


__all__ = ["circuit_program"]
