"""Stimulation programs as pulse times: tonic, burst, kilohertz, multiplexed, cycled.

Each program gives ``pulses(start_ms, stop_ms) -> (pulse_ms, scale)``: pulse times (n,) and a
relative amplitude per pulse (n,) (1 = the program's nominal amplitude; used by the recovery
cycle in :mod:`~neurostim.circuit.afferents`). pain-circuit.md s2 describes how each paradigm
enters the circuit:

- :class:`TonicTrain` - one pulse every 1/rate (any rate).
- :class:`BurstTrain` - bursts of ``pulses_per_burst`` pulses at ``intraburst_rate_hz``,
  repeated at ``burst_rate_hz`` (default 40 Hz x 5 pulses at 500 Hz).
- :class:`KilohertzTrain` - e.g. 10 kHz, with one of three amplitude regimes: ``"none"`` (below
  DC activation threshold: no evoked spikes), ``"async"`` (near threshold: independent irregular
  firing, each spike locked to a pulse, rate ``async_rate_hz`` and CV ``async_cv`` per fibre),
  ``"block"`` (above block threshold: natural Abeta spikes do not pass the electrode).
- :class:`MultiplexedProgram` - superposition of trains (e.g. 50 Hz + 1200 Hz, DTM-like).
- :class:`CycledProgram` - any train gated on for ``on_s`` and off for ``off_s`` (cycling,
  pulse dosing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError

KHZ_REGIMES = ("none", "async", "block")


class _PulseTrain(Protocol):
    """Anything with ``pulses(start_ms, stop_ms) -> (pulse_ms, scale)``: every program here."""

    def pulses(self, start_ms: float, stop_ms: float) -> tuple[NDArray, NDArray]: ...


def _positive(name: str, value: float, upper: float | None = None) -> None:
    if not np.isfinite(value) or value <= 0 or (upper is not None and value > upper):
        bound = f" and at most {upper}" if upper is not None else ""
        raise InputError(name, value, f"must be a positive number{bound}")


@dataclass(frozen=True)
class TonicTrain:
    """Tonic stimulation at ``rate_hz`` (0 means no stimulation)."""

    rate_hz: float
    amplitude_scale: float = 1.0

    def __post_init__(self) -> None:
        if not np.isfinite(self.rate_hz) or not 0.0 <= self.rate_hz <= 20000.0:
            raise InputError("rate_hz", self.rate_hz, "must be between 0 and 20000 Hz")

    def pulses(self, start_ms: float, stop_ms: float) -> tuple[NDArray, NDArray]:
        if self.rate_hz == 0.0 or stop_ms <= start_ms:
            return np.empty(0), np.empty(0)
        t = np.arange(start_ms, stop_ms, 1000.0 / self.rate_hz)
        return t, np.full(t.size, self.amplitude_scale)


@dataclass(frozen=True)
class BurstTrain:
    """Bursts of ``pulses_per_burst`` pulses at ``intraburst_rate_hz``, ``burst_rate_hz`` apart."""

    burst_rate_hz: float = 40.0
    pulses_per_burst: int = 5
    intraburst_rate_hz: float = 500.0
    amplitude_scale: float = 1.0

    def __post_init__(self) -> None:
        _positive("burst_rate_hz", self.burst_rate_hz, 1000.0)
        _positive("intraburst_rate_hz", self.intraburst_rate_hz, 20000.0)
        if not 1 <= self.pulses_per_burst <= 100:
            raise InputError("pulses_per_burst", self.pulses_per_burst, "must be 1-100")
        if (self.pulses_per_burst - 1) / self.intraburst_rate_hz >= 1.0 / self.burst_rate_hz:
            raise InputError(
                "pulses_per_burst",
                self.pulses_per_burst,
                "a burst lasts longer than the burst period; lower it or the burst rate",
            )

    def pulses(self, start_ms: float, stop_ms: float) -> tuple[NDArray, NDArray]:
        if stop_ms <= start_ms:
            return np.empty(0), np.empty(0)
        onsets = np.arange(start_ms, stop_ms, 1000.0 / self.burst_rate_hz)
        within = np.arange(self.pulses_per_burst) * 1000.0 / self.intraburst_rate_hz
        t = (onsets[:, None] + within[None, :]).ravel()
        t = t[t < stop_ms]
        return t, np.full(t.size, self.amplitude_scale)


def khz_default(key: str) -> float:
    """Default of a kilohertz-regime parameter, from afferents.toml ``[khz]`` (with its source)."""
    from neurostim.circuit import network

    return float(network.load_parameters("afferents")["khz"][key])


@dataclass(frozen=True)
class KilohertzTrain:
    """Kilohertz stimulation with an amplitude regime ("none", "async" or "block")."""

    rate_hz: float = 10000.0
    regime: str = "async"
    async_rate_hz: float = field(default_factory=lambda: khz_default("async_rate_hz"))
    async_cv: float = field(default_factory=lambda: khz_default("async_cv"))
    interneuron_drive_na: float = field(default_factory=lambda: khz_default("interneuron_drive_na"))

    def __post_init__(self) -> None:
        _positive("khz_rate_hz", self.rate_hz, 100000.0)
        if self.regime not in KHZ_REGIMES:
            raise InputError("khz_regime", self.regime, f"choose one of {', '.join(KHZ_REGIMES)}")
        if not 0.0 <= self.async_rate_hz < 500.0:
            raise InputError("async_rate_hz", self.async_rate_hz, "must be in [0, 500) Hz")
        _positive("async_cv", self.async_cv, 10.0)

    def pulses(self, start_ms: float, stop_ms: float) -> tuple[NDArray, NDArray]:
        if stop_ms <= start_ms:
            return np.empty(0), np.empty(0)
        t = np.arange(start_ms, stop_ms, 1000.0 / self.rate_hz)
        return t, np.ones(t.size)


@dataclass(frozen=True)
class MultiplexedProgram:
    """Superposition of several trains (pulses merged in time)."""

    trains: tuple = field(default_factory=tuple)

    def pulses(self, start_ms: float, stop_ms: float) -> tuple[NDArray, NDArray]:
        parts = [tr.pulses(start_ms, stop_ms) for tr in self.trains]
        if not parts:
            return np.empty(0), np.empty(0)
        t = np.concatenate([p[0] for p in parts])
        s = np.concatenate([p[1] for p in parts])
        order = np.argsort(t, kind="stable")
        return t[order], s[order]


@dataclass(frozen=True)
class CycledProgram:
    """A train gated on for ``on_s`` then off for ``off_s``, repeating from the start."""

    train: _PulseTrain
    on_s: float = 1.0
    off_s: float = 1.0

    def __post_init__(self) -> None:
        _positive("on_s", self.on_s)
        if not np.isfinite(self.off_s) or self.off_s < 0:
            raise InputError("off_s", self.off_s, "must be zero or positive")

    def pulses(self, start_ms: float, stop_ms: float) -> tuple[NDArray, NDArray]:
        t, s = self.train.pulses(start_ms, stop_ms)
        period = (self.on_s + self.off_s) * 1000.0
        on = ((t - start_ms) % period) < self.on_s * 1000.0
        return t[on], s[on]
