"""Pulse timing of a train: phases, pulses, bursts and the passive-recharge window.

One *unit* is what is charge-balanced on its own: a pulse (tonic, high-frequency, and any train
with active recharge balances each pulse) or a burst with passive recharge.

Active recharge (per pulse)::

    cathodic phase PW | interphase gap | recharge phase PW at the same amplitude, opposite sign

Passive recharge (per unit: a pulse, or a whole burst)::

    cathodic phase(s) | gap | exponential recharge I0·exp(-t/tau) over a window

The window is ``min(passive_recharge_window_us, period - unit - gap)`` and must be at least
``passive_recharge_min_us`` (profile data); I0 is chosen so that the sampled recharge charge
equals the sampled cathodic charge exactly (see :mod:`neurostim.device.waveforms`).
"""

from __future__ import annotations

from dataclasses import dataclass

from neurostim.device.profiles import StimulatorProfile
from neurostim.device.program import Train
from neurostim.units import S_TO_US


@dataclass(frozen=True)
class TrainTiming:
    """Timing of one train, in microseconds.

    Attributes
    ----------
    period_us : float
        Unit period: 1/rate_hz (for burst, 1/burst rate).
    n_pulses : int
        Pulses per unit (1, or pulses_per_burst).
    pulse_spacing_us : float
        Start-to-start time of pulses inside a unit (1/intraburst rate; period for one pulse).
    phase_us : float
        Cathodic phase (the pulse width).
    gap_us : float
        Interphase gap, and the gap before a passive recharge.
    active : bool
        Active recharge (a symmetric second phase per pulse).
    pulse_len_us : float
        One pulse: 2·PW + gap (active) or PW (passive).
    unit_len_us : float
        (n_pulses - 1)·spacing + pulse_len.
    passive_window_us : float
        Length of the passive recharge phase (0 for active recharge).
    tau_us : float
        Time constant of the passive recharge.
    pulses_per_s : float
        Cathodic phases per second while ON.
    """

    period_us: float
    n_pulses: int
    pulse_spacing_us: float
    phase_us: float
    gap_us: float
    active: bool
    pulse_len_us: float
    unit_len_us: float
    passive_window_us: float
    tau_us: float
    pulses_per_s: float


def train_timing(train: Train, profile: StimulatorProfile) -> TrainTiming:
    """Timing of ``train`` on ``profile`` (no validation: call validate_program first)."""
    rate_hz = float(train.rate_hz)
    period_us = S_TO_US / rate_hz
    if train.waveform == "burst":
        n_pulses = int(train.pulses_per_burst or 1)
        spacing_us = S_TO_US / float(train.intraburst_rate_hz or rate_hz)
    else:
        n_pulses = 1
        spacing_us = period_us
    phase_us = float(train.pulse_width_us)
    gap_us = profile.interphase_gap_us
    active = train.recharge == "active"
    pulse_len_us = 2.0 * phase_us + gap_us if active else phase_us
    unit_len_us = (n_pulses - 1) * spacing_us + pulse_len_us
    window_us = 0.0
    if not active:
        window_us = min(profile.passive_recharge_window_us, period_us - unit_len_us - gap_us)
    return TrainTiming(
        period_us=period_us,
        n_pulses=n_pulses,
        pulse_spacing_us=spacing_us,
        phase_us=phase_us,
        gap_us=gap_us,
        active=active,
        pulse_len_us=pulse_len_us,
        unit_len_us=unit_len_us,
        passive_window_us=window_us,
        tau_us=profile.passive_recharge_tau_us,
        pulses_per_s=rate_hz * n_pulses,
    )
