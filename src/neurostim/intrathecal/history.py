"""CSF concentration over a program history (analytic, no time stepping).

A history is a list of ``(start_h, PumpProgram)``: each program runs from its start until the
next one (the last until the horizon). Basal delivery is expanded into constant-rate steps
(simple continuous: one step; flex: one step per time-of-day step per day, days starting at
hour 0 = midnight; single bolus: ``dose / duration`` then nothing; stopped: nothing). Patient
boluses are not part of a history (use :func:`~neurostim.intrathecal.simulate_pump`). The
concentration is the analytic superposition of
:func:`~neurostim.intrathecal.concentration_from_rate_steps`; the catheter transit delay is not
included (a primed catheter).
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.intrathecal.pharmacokinetics import (
    UNIT_TO_NG,
    PKParameters,
    concentration_from_rate_steps,
)
from neurostim.intrathecal.program import PumpProgram
from neurostim.units import HOURS_PER_DAY, MIN_PER_HOUR


def history_rate_steps(
    history: list[tuple[float, PumpProgram]], horizon_h: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Constant-rate steps of a program history, in the drug unit per hour.

    Returns
    -------
    step_start_h, dose_per_h : ndarray of shape (n_steps,)
    """
    if not history:
        raise InputError("history", history, "needs at least one (start_h, program)")
    starts = [t for t, _ in history]
    if any(b <= a for a, b in itertools.pairwise(starts)) or starts[0] < 0:
        raise InputError("history", starts, "start times must be >= 0 and increasing")
    times: list[float] = []
    rates: list[float] = []
    ends = [*starts[1:], horizon_h]
    for (t0, program), t1 in zip(history, ends, strict=True):
        times.append(t0)
        rates.append(program.dose_per_hour_at(t0 % HOURS_PER_DAY))
        if program.mode == "flex":
            day = np.floor(t0 / HOURS_PER_DAY)
            while day * HOURS_PER_DAY < t1:
                for step in program.flex:
                    t = day * HOURS_PER_DAY + step.start_h
                    if t0 < t < t1:
                        times.append(t)
                        rates.append(step.dose_per_hour)
                day += 1
        elif program.mode == "single-bolus" and program.single_bolus is not None:
            duration_h = program.single_bolus.duration_min / MIN_PER_HOUR
            rates[-1] = program.single_bolus.dose / duration_h
            if t0 + duration_h < t1:
                times.append(t0 + duration_h)
                rates.append(0.0)
    return np.asarray(times, dtype=np.float64), np.asarray(rates, dtype=np.float64)


def concentration_for_history(
    history: list[tuple[float, PumpProgram]],
    time_h: NDArray[np.float64],
    unit: str,
    pk: PKParameters,
) -> NDArray[np.float64]:
    """CSF concentration (ng/mL) at ``time_h`` (shape (n_times,)) for a program history."""
    t = np.asarray(time_h, dtype=np.float64)
    horizon = float(t.max()) + 1.0 if t.size else 0.0
    starts, dose_per_h = history_rate_steps(history, horizon)
    return concentration_from_rate_steps(t, starts, dose_per_h * UNIT_TO_NG[unit], pk)
