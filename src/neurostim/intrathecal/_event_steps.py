"""Steps of the pump simulation: refill with the nurse's residual check, MRI hazards, the
fluid-path FIFO, refill intervals and patient-request times (see :mod:`.events`)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.intrathecal import calculations as calc
from neurostim.intrathecal.program import PumpProgram
from neurostim.units import HOURS_PER_DAY


@dataclass(frozen=True)
class PumpEvent:
    """Something that happened at ``time_h`` after the start: a ``kind`` and its details."""

    time_h: float
    kind: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SimulationOptions:
    """How to run a simulation; every hazard and random element is explicit and seeded."""

    days: float
    dt_h: float = 0.25
    bolus_requests_per_day: float = 0.0
    seed: int = 0
    accuracy_factor: float = 1.0
    residual_sd_ml: float = 0.1
    primed: bool = True
    catheter_length_cm: float | None = None
    catheter_port_error_at_refill: int | None = None
    start_date: dt.date | None = None
    refill_every_days: float | None = None
    """None: on the worst-case refill date after each fill; ``math.inf``: never (missed refills)."""
    mri_at_day: float | None = None
    """An MRI scan at this day: the pump's ``mri_hazard`` happens if drug is in the reservoir."""
    mri_duration_h: float = 1.0
    tolerance_max_shift: float = 0.0
    """Opioid tolerance: EC50 rises by up to this factor (0 = none; 1.9 fits R37 with 30 d)."""
    tolerance_tau_days: float = 30.0
    refill_concentration: float | None = None
    """From the first refill on, the reservoir holds this concentration and the pump is
    reprogrammed to the same doses (rate = dose / new concentration); the old concentration in
    the fluid path reaches the patient first."""
    catheter_fault: Literal["occlusion", "disconnection"] | None = None
    """From ``catheter_fault_at_day``: occlusion (nothing flows, the reservoir stays full, the
    next refill's reconciliation flags it) or disconnection (the reservoir drains, nothing
    reaches the CSF: withdrawal). Neither sounds an alarm."""
    catheter_fault_at_day: float = 0.0
    program_changes: tuple[tuple[float, PumpProgram], ...] = ()
    """``(day, program)`` reprogramming events (same pump, drug and concentration): doses change,
    the lockout restarts and the next refill moves (:func:`refill_date_after_change` logic with
    the pump's own reservoir estimate)."""
    valve_reset_after_h: float = 24.0
    """Prometra II: hours until a clinician resets the closed Flow Activated Valve."""


MAX_DAYS = 3650.0
"""Longest simulation (10 years)."""
MAX_DT_H = 1.0
"""Largest time step (h): boluses and lockouts are resolved within it."""
MAX_STEPS = 400_000
"""Work budget: at most this many time steps (10 years at the default 0.25 h is 350,400). A
step costs about 350 B of memory and 18 us of CPU (10 years: 123 MB more resident memory and
6.3 s on the 2-core build machine), so the budget holds a run under about 140 MB and 10 s."""
MAX_BOLUS_REQUESTS_PER_DAY = 100.0
"""Largest mean rate of patient bolus requests (one every ~15 min, day and night)."""
MAX_EXPECTED_REQUESTS = 100_000
"""Work budget: expected bolus requests over the run (each one an event)."""
MAX_SEED = 2**63 - 1


ACCURACY_RANGE = (0.5, 1.5)
"""Delivered / programmed volume a simulation accepts: more than three times the published
accuracy of either pump family (SynchroMed over-infusion alert at 14.5 %, Prometra trial window
85-115 %; R18, R15) each way, so hazard studies fit and nonsense (negative, zero) does not."""


def _number(
    field: str, value: float, lo: float, hi: float, lo_open: bool = False, hi_open: bool = False
) -> None:
    """Refuse a non-finite ``value`` or one outside ``[lo, hi]`` (open ends as flagged)."""
    ok = (
        math.isfinite(value)
        and (value > lo if lo_open else value >= lo)
        and (value < hi if hi_open else value <= hi)
    )
    if not ok:
        left, right = "(" if lo_open else "[", ")" if hi_open else "]"
        raise InputError(field, value, f"must be a finite number in {left}{lo:g}, {hi:g}{right}")


def outside_published_accuracy(accuracy_factor: float, accuracy_fraction: float) -> bool:
    """True when ``accuracy_factor`` lies outside the pump's published ``1 +/- fraction``."""
    return abs(accuracy_factor - 1.0) > accuracy_fraction + 1e-12


def validate_options(options: SimulationOptions) -> int:
    """Check every option (finite, in range, within the work budget); return the step count.

    Raises ``InputError`` naming the option and its allowed range, before any array is
    allocated.
    """
    _number("days", options.days, 0.0, MAX_DAYS, lo_open=True)
    _number("dt_h", options.dt_h, 0.0, MAX_DT_H, lo_open=True)
    n_steps = math.ceil(options.days * HOURS_PER_DAY / options.dt_h - 1e-9)
    if n_steps < 1:
        raise InputError(
            "days",
            options.days,
            f"must cover at least one time step of dt_h = {options.dt_h:g} h "
            f"(days >= {options.dt_h / HOURS_PER_DAY:.3g})",
        )
    if n_steps > MAX_STEPS:
        raise InputError(
            "dt_h",
            options.dt_h,
            f"{options.days:g} days at dt_h = {options.dt_h:g} h is {n_steps:,} steps, above the "
            f"budget of {MAX_STEPS:,} steps (~140 MB, ~10 s); use dt_h >= "
            f"{options.days * HOURS_PER_DAY / MAX_STEPS:.3g} h or fewer days",
        )
    _number("accuracy_factor", options.accuracy_factor, *ACCURACY_RANGE)
    _number(
        "bolus_requests_per_day", options.bolus_requests_per_day, 0.0, MAX_BOLUS_REQUESTS_PER_DAY
    )
    expected = options.bolus_requests_per_day * options.days
    if expected > MAX_EXPECTED_REQUESTS:
        raise InputError(
            "bolus_requests_per_day",
            options.bolus_requests_per_day,
            f"{expected:,.0f} expected requests over {options.days:g} days is above the budget "
            f"of {MAX_EXPECTED_REQUESTS:,}; lower the rate or the days",
        )
    if not 0 <= options.seed <= MAX_SEED:
        raise InputError("seed", options.seed, f"must be an integer in [0, {MAX_SEED}]")
    _number("residual_sd_ml", options.residual_sd_ml, 0.0, 10.0)
    if options.mri_at_day is not None:
        _number("mri_at_day", options.mri_at_day, 0.0, options.days, hi_open=True)
    _number("mri_duration_h", options.mri_duration_h, 0.0, MAX_DAYS * HOURS_PER_DAY)
    _number("catheter_fault_at_day", options.catheter_fault_at_day, 0.0, options.days, hi_open=True)
    if (
        options.catheter_port_error_at_refill is not None
        and options.catheter_port_error_at_refill < 0
    ):
        raise InputError(
            "catheter_port_error_at_refill",
            options.catheter_port_error_at_refill,
            "must be an integer >= 0 (0 = the first refill)",
        )
    if options.catheter_length_cm is not None:
        _number("catheter_length_cm", options.catheter_length_cm, 0.0, 1000.0, lo_open=True)
    if options.refill_every_days is not None and not math.isinf(options.refill_every_days):
        _number("refill_every_days", options.refill_every_days, 0.0, MAX_DAYS, lo_open=True)
    if options.refill_concentration is not None:
        _number("refill_concentration", options.refill_concentration, 1e-6, 1e6)
    _number("tolerance_max_shift", options.tolerance_max_shift, 0.0, 100.0)
    _number("tolerance_tau_days", options.tolerance_tau_days, 0.0, MAX_DAYS, lo_open=True)
    _number("valve_reset_after_h", options.valve_reset_after_h, 0.0, MAX_DAYS * HOURS_PER_DAY)
    for k, (day, _program) in enumerate(options.program_changes):
        _number(f"program_changes[{k}].day", day, 0.0, options.days, lo_open=True, hi_open=True)
    return n_steps


def apply_mri(
    events: list[PumpEvent],
    t_h: float,
    v: float,
    conc: float,
    pump: Any,
    program: PumpProgram,
    options: SimulationOptions,
    direct_dose: NDArray[np.float64],
    i: int,
) -> float:
    """Apply the pump's MRI hazard at ``t_h``; returns the time until which delivery pauses."""
    if v <= 0 or pump.mri_hazard == "none":
        events.append(PumpEvent(t_h, "MRI", {"hazard": "none"}))
        return -math.inf
    if pump.mri_hazard == "dump":
        dose = v * conc
        basal = program.basal_dose_per_day()
        events.append(
            PumpEvent(
                t_h,
                "MRI_RESERVOIR_DUMP",
                {
                    "dose": dose,
                    "times_daily_dose": round(dose / basal, 1) if basal > 0 else math.inf,
                },
            )
        )
        direct_dose[i] += dose
        return -math.inf
    if pump.mri_hazard == "valve-closes":
        until = t_h + options.valve_reset_after_h
        events.append(PumpEvent(t_h, "FLOW_VALVE_CLOSED", {"reset_at_h": until}))
        return until
    until = t_h + options.mri_duration_h
    events.append(PumpEvent(t_h, "MOTOR_STALL", {"resumes_at_h": until}))
    return until


def interval_h(days: float) -> float:
    """Refill interval in hours: whole days, at least one; inf for never."""
    return math.inf if math.isinf(days) else max(calc.whole_days(days), 1) * HOURS_PER_DAY


def poisson_times(rng: np.random.Generator, per_day: float, horizon_h: float) -> list[float]:
    if per_day <= 0:
        return []
    count = rng.poisson(per_day * horizon_h / HOURS_PER_DAY)
    return sorted(rng.uniform(0.0, horizon_h, size=count).tolist())


def refill(
    events: list[PumpEvent],
    t_h: float,
    v: float,
    last_fill_ml: float,
    logged_ml: float,
    program: PumpProgram,
    options: SimulationOptions,
    rng: np.random.Generator,
    port_error: bool,
    conc: float,
    reason: str | None = None,
) -> tuple[float, float, float]:
    """Withdraw the residual, reconcile, refill; returns (reservoir, fill, logged delivery).

    ``reason`` (what set this refill's date) goes into the event's detail."""
    withdrawn = max(v + rng.normal(0.0, options.residual_sd_ml), 0.0)
    expected_residual = last_fill_ml - logged_ml
    detail: dict[str, Any] = {
        "reason": reason,
        "withdrawn_ml": round(withdrawn, 4),
        "expected_residual_ml": round(expected_residual, 4),
    }
    if logged_ml > 0:
        ratio = calc.reconciliation_ratio(last_fill_ml, withdrawn, logged_ml)
        detail["ratio"] = round(ratio, 4)
        detail["flagged"] = calc.reconciliation_flagged(ratio)
    events.append(PumpEvent(t_h, "REFILL", detail))
    if port_error:
        dose = program.fill_ml * conc
        basal = program.basal_dose_per_day()
        events.append(
            PumpEvent(
                t_h,
                "CATHETER_PORT_INJECTION",
                {
                    "dose": dose,
                    "times_daily_dose": round(dose / basal, 1) if basal > 0 else math.inf,
                },
            )
        )
        return 0.0, program.fill_ml, 0.0
    return program.fill_ml, program.fill_ml, 0.0


def fluid_path_output(
    delivered_ml: NDArray[np.float64],
    conc_in: NDArray[np.float64],
    initial_path_conc: float,
    pump: Any,
    options: SimulationOptions,
) -> NDArray[np.float64]:
    """Drug (unit per step) leaving the catheter tip: FIFO of the fluid path.

    Fluid entering the path at cumulative volume ``u`` leaves the tip once ``u + V_path`` has
    been pushed. The path holds ``initial_path_conc`` at the start (the drug when primed, saline
    otherwise), i.e. fluid "entered" at ``u`` in ``[-V_path, 0]``. With ``A(u)`` the drug that has
    entered up to ``u`` (piecewise linear), the tip has released ``A(U - V_path)`` after a
    cumulative output ``U``.

    Parameters
    ----------
    delivered_ml, conc_in : ndarray of shape (n_steps,)
        Volume leaving the reservoir per step and its concentration.
    """
    length = options.catheter_length_cm or pump.catheter_length_cm
    path_ml = calc.priming_volume_ml(
        calc.catheter_volume_ml(length, pump.catheter_ml_per_cm), pump.pump_dead_volume_ml
    )
    out_cum = np.concatenate([[0.0], np.cumsum(delivered_ml)])
    knots_u = np.concatenate([[-path_ml], out_cum])
    knots_a = np.concatenate(
        [
            [0.0],
            initial_path_conc * path_ml
            + np.concatenate([[0.0], np.cumsum(delivered_ml * conc_in)]),
        ]
    )
    released = np.interp(out_cum - path_ml, knots_u, knots_a)
    return np.diff(released)
