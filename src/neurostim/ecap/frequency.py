"""Steady-state ECAP against stimulation rate (ecap.md §1.3; the CLI's ``ecap frequency``).

For each rate the program's train is driven for ``n_pulses`` pulses at that rate (the same
amplitude, pulse width and contacts) and every candidate fiber (an ``ok`` DC threshold up to
``candidate_factor`` x the amplitude [ours]: refractoriness lowers recruitment, facilitation
may raise it a little) is run with the primary recording. The steady-state ECAP is the
noise- and artifact-free P2 − N1 of the last pulse's response (its window, blanking as for one
pulse); the first pulse's is reported beside it. Currents and features as in
:mod:`neurostim.ecap.growth`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.anatomy import SpinalCordAnatomy
from neurostim.device import Program
from neurostim.device.program import program_profile
from neurostim.ecap._params import ecap_parameters
from neurostim.ecap._sfap import EcapSetup, build_setup, stimulus_end_ms
from neurostim.ecap.features import ecap_features
from neurostim.ecap.signal import recorded_mask, sample_times_ms, sample_trace
from neurostim.errors import InputError
from neurostim.fibers.cases import PULSE_START_MS
from neurostim.fibers.spinal import SpinalFibers
from neurostim.field import VolumeConductor
from neurostim.pipeline.drive import MAX_WINDOW_MS, program_drive
from neurostim.units import S_TO_MS

MAX_RATES = 20


@dataclass(frozen=True)
class FrequencyResponse:
    """ECAP per rate, arrays of shape (n_rates,): ``ecap_uv`` the last pulse's (steady state),
    ``first_pulse_uv`` the first pulse's, ``recruited`` the candidate fibers that fired on
    the last pulse."""

    rate_hz: NDArray[np.float64]
    ecap_uv: NDArray[np.float64]
    first_pulse_uv: NDArray[np.float64]
    recruited: NDArray[np.int64]
    amplitude_ma: float
    n_pulses: int
    primary: str
    program: str

    def to_dict(self) -> dict[str, Any]:
        """The keys of ``neurostim ecap frequency --json``."""
        return {
            "program": self.program,
            "amplitude_ma": self.amplitude_ma,
            "n_pulses": self.n_pulses,
            "primary_recording": self.primary,
            "rates": [
                {
                    "rate_hz": float(r),
                    "ecap_uv": float(e),
                    "first_pulse_uv": float(f),
                    "recruited": int(n),
                }
                for r, e, f, n in zip(
                    self.rate_hz, self.ecap_uv, self.first_pulse_uv, self.recruited, strict=True
                )
            ],
        }


def _rates(rates_hz: ArrayLike, program: Program, n_pulses: int) -> NDArray[np.float64]:
    profile = program_profile(program)
    top = max(profile.rate_hz.maximum, (profile.high_frequency_rate_hz.maximum
              if profile.high_frequency_rate_hz is not None else 0.0))  # fmt: skip
    low = n_pulses * S_TO_MS / MAX_WINDOW_MS
    r = np.atleast_1d(np.asarray(rates_hz, np.float64))
    if r.ndim != 1 or not 1 <= r.size <= MAX_RATES:
        raise InputError("rates_hz", r.size, f"1 to {MAX_RATES} rates")
    bad = ~(np.isfinite(r) & (r >= low) & (r <= top))
    if bad.any():
        raise InputError("rates_hz", float(r[bad][0]),
                         f"rates in [{low:g}, {top:g}] Hz ({n_pulses} pulses within "
                         f"{MAX_WINDOW_MS:g} ms; the stimulator's range)")  # fmt: skip
    return r


def ecap_frequency(
    program: Program,
    rates_hz: ArrayLike,
    *,
    anatomy: SpinalCordAnatomy | str | Path | None = None,
    level: str = "T10",
    dcsf_mm: float | None = None,
    record: str | list[str] | None = None,
    seed: int = 0,
    conductor: VolumeConductor | str | dict[str, Any] | None = None,
    fibers: SpinalFibers | None = None,
    train_index: int | None = None,
    mesh_level: str = "coarse",
    n_pulses: int = 4,
    candidate_factor: float = 1.2,
    params: dict[str, Any] | None = None,
    setup: EcapSetup | None = None,
) -> FrequencyResponse:
    """Steady-state ECAP of ``program`` at each rate of ``rates_hz`` (module docstring)."""
    prm = ecap_parameters(params)
    if isinstance(n_pulses, bool) or not isinstance(n_pulses, int) or not 2 <= n_pulses <= 50:
        raise InputError("n_pulses", n_pulses, "a whole number in [2, 50]")
    if not (isinstance(candidate_factor, int | float) and 1.0 <= candidate_factor <= 3.0):
        raise InputError("candidate_factor", candidate_factor, "a number in [1, 3]")
    rates = _rates(rates_hz, program, n_pulses)
    if setup is None:
        setup = build_setup(program, anatomy=anatomy, level=level, dcsf_mm=dcsf_mm, record=record,
                            conductor=conductor, fibers=fibers, train_index=train_index,
                            mesh_level=mesh_level, params=prm, seed=seed)  # fmt: skip
    pending = np.isin(setup.recruitment.status, ("pending", "bracketed", "above-grid"))
    if pending.any():
        raise InputError(
            "setup", "thresholds bracketed on a growth curve's currents",
            "a setup whose thresholds were all searched (build_setup(..., thresholds='all'))",
        )  # fmt: skip
    t = setup.train_index
    train = program.trains[t]
    amp = float(train.amplitude_ma)
    cand = np.flatnonzero(setup.ok & (setup.threshold_ma <= candidate_factor * amp))
    p = setup.montage.primary
    t_ms = sample_times_ms(prm["recording"])
    window_ms = float(prm["recording"]["window_ms"])
    out_last, out_first, fired = [], [], []
    for rate in rates:
        trains = list(program.trains)
        trains[t] = train.model_copy(update={"rate_hz": float(rate)})
        copy = program.model_copy(update={"trains": trains})
        period_ms = S_TO_MS / float(rate)
        drive = program_drive(copy, train_index=t, window_ms=n_pulses * period_ms)
        one = program_drive(copy, train_index=t, window_ms=None)
        pulse_end_ms = stimulus_end_ms(one)
        mask = recorded_mask(t_ms, pulse_end_ms, prm["recording"])
        last_onset = (n_pulses - 1) * period_ms
        tstop = PULSE_START_MS + last_onset + min(window_ms, period_ms) + drive.dt_ms
        if cand.size:
            rec = setup.record(cand, np.full(cand.size, amp), drive=drive, tstop_ms=tstop,
                               leads=[p])[:, 0]  # fmt: skip
        else:
            rec = np.zeros((0, round(tstop / drive.dt_ms)))
        total = setup.n_real[cand] @ rec if cand.size else rec.sum(axis=0)
        engine_t = (np.arange(total.size) + 1) * drive.dt_ms - PULSE_START_MS
        spans = []
        for onset in (0.0, last_onset):
            width = min(window_ms, period_ms)
            seg = sample_trace(engine_t - onset, total, t_ms[t_ms <= width])
            spans.append(float(ecap_features(seg, t_ms[t_ms <= width], mask[t_ms <= width])
                               .amplitude_uv))  # fmt: skip
        out_first.append(spans[0])
        out_last.append(spans[1])
        fired.append(_fired_last(rec, engine_t, last_onset))
    return FrequencyResponse(
        rate_hz=rates, ecap_uv=np.array(out_last), first_pulse_uv=np.array(out_first),
        recruited=np.array(fired, np.int64), amplitude_ma=amp, n_pulses=n_pulses,
        primary=setup.montage.labels[p], program=program.name or "",
    )  # fmt: skip


def _fired_last(rec: NDArray[np.float64], engine_t: NDArray[np.float64], onset: float) -> int:
    """Candidate fibers whose recorded signal after the last onset exceeds 10 % of their
    largest single-pulse swing (a propagated action potential) [ours]."""
    if rec.shape[0] == 0:
        return 0
    after = engine_t >= onset
    first = engine_t < min(onset, engine_t[-1]) if onset > 0 else after
    swing_last = np.ptp(rec[:, after], axis=1)
    swing_first = np.ptp(rec[:, first], axis=1)
    return int(np.sum(swing_last > 0.5 * np.maximum(swing_first, 1e-30)))


__all__ = ["FrequencyResponse", "ecap_frequency"]
