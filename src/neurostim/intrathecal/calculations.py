"""The arithmetic a pump programmer does, on plain numbers (reference ``intrathecal.md`` §1.5).

Doses are in the drug's unit (mg or ug), concentrations in that unit per mL, volumes in mL,
rates in mL per day. Every function is checked against the reference's worked cases P1-P3 in
``tests/intrathecal/test_calculations.py`` (±0.5 % on arithmetic, dates exact)::

    basal volume          v_basal = dose_per_day / C   (flex: sum of dose_per_hour x hours / C)
    worst-case volume     v_worst = v_basal + max_per_24h x bolus_dose / C
    days to alarm         (V_now - lra_ml) / v_worst
    days to empty         V_now / v_basal
    refill date           fill_date + floor((V_fill - residual_ml) / v_worst) days
    planned refill        the earliest of: drug stability (fill_date + floor(stability_days)),
                          the refill residual / low-reservoir alarm, and empty (V_fill / v_worst);
                          ties go to stability, then empty, then the alarm
    catheter volume       implanted_cm x ml_per_cm, implanted_cm = catheter_length_cm - trimmed_cm
    priming volume        pump_dead_volume_ml + catheter_volume_ml
    drug front at tip     catheter_volume_ml / v_basal  (days, without a priming bolus)
    battery               eos = implant + life; eri = eos - eri_to_eos_days
    reconciliation        ratio = (V_fill - V_withdrawn) / expected_delivered;
                          flag outside 0.85-1.15

Day counts are floored to whole days [CHOICE of the reference] after adding 1e-9 so that a
quotient such as 18 / 0.2 that should be 90 is not floored to 89 by rounding.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from neurostim.errors import InputError
from neurostim.units import DAYS_PER_YEAR, MIN_PER_DAY

_FLOOR_EPS = 1e-9
MAX_PLANNING_DAYS = 36525.0
"""Dates further than 100 years ahead are reported as None (nothing meaningful flows)."""
RECONCILIATION_WINDOW = (0.85, 1.15)
"""Accepted measured/expected delivered volume at a refill (Prometra trial window, R15)."""


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise InputError(name, value, "must be > 0")


def daily_volume_ml(dose_per_day: float, concentration: float) -> float:
    """Volume per day (mL/day) that delivers ``dose_per_day`` at ``concentration`` (unit/mL)."""
    _positive("concentration", concentration)
    return dose_per_day / concentration


def worst_case_daily_volume_ml(
    basal_dose_per_day: float, bolus_dose: float, max_boluses_per_24h: int, concentration: float
) -> float:
    """Basal volume plus every allowed patient bolus (mL/day)."""
    return daily_volume_ml(basal_dose_per_day + max_boluses_per_24h * bolus_dose, concentration)


def days_until_volume(volume_ml: float, target_ml: float, rate_ml_per_day: float) -> float:
    """Days for the reservoir to fall from ``volume_ml`` to ``target_ml`` at a constant rate.

    ``inf`` when the rate is 0; 0 when the reservoir is already at or below the target.
    """
    if volume_ml <= target_ml:
        return 0.0
    if rate_ml_per_day <= 0:
        return math.inf
    return (volume_ml - target_ml) / rate_ml_per_day


def days_to_low_reservoir_alarm(volume_ml: float, alarm_ml: float, rate_ml_per_day: float) -> float:
    """Days until the low-reservoir alarm sounds (pass the worst-case rate to plan refills)."""
    return days_until_volume(volume_ml, alarm_ml, rate_ml_per_day)


def days_to_empty(volume_ml: float, rate_ml_per_day: float) -> float:
    """Days until the reservoir is empty at ``rate_ml_per_day`` (the basal rate)."""
    return days_until_volume(volume_ml, 0.0, rate_ml_per_day)


def whole_days(days: float) -> int:
    """``floor(days)`` robust to float rounding (see the module docstring)."""
    return math.floor(days + _FLOOR_EPS)


def date_after(start: dt.date, days: float, field: str = "fill_date") -> dt.date:
    """``start`` plus ``floor(days)`` whole days; a date past year 9999 is an ``InputError``."""
    try:
        return start + dt.timedelta(days=whole_days(days))
    except OverflowError:
        raise InputError(
            field,
            start.isoformat(),
            f"{start} + {whole_days(days)} days is past the last date Python can hold "
            "(9999-12-31); use a date from 1900-01-01 to 2199-12-31",
        ) from None


def refill_date(
    fill_date: dt.date, fill_ml: float, residual_ml: float, worst_case_ml_per_day: float
) -> dt.date | None:
    """Date the reservoir reaches ``residual_ml`` with every allowed bolus taken.

    ``fill_date + floor((fill_ml - residual_ml) / v_worst)`` days; None when nothing flows (or
    the date lies beyond ``MAX_PLANNING_DAYS``).
    """
    days = days_until_volume(fill_ml, residual_ml, worst_case_ml_per_day)
    if days > MAX_PLANNING_DAYS:
        return None
    return date_after(fill_date, days)


REFILL_REASONS = ("stability", "empty", "low-reservoir-alarm")
"""What sets a planned refill date, in the order that breaks ties."""


def earliest_refill_days(
    stability_days: float | None, days_to_residual: float, days_to_empty: float
) -> tuple[float, str | None]:
    """The earliest of the three limits on a fill, in (fractional) days, and which one it is.

    ``stability_days`` None means no stability limit; ``inf`` days mean never. Returns
    ``(inf, None)`` when none of the three ever comes. Ties go to ``REFILL_REASONS`` order.
    """
    candidates = (
        (math.inf if stability_days is None else stability_days, "stability"),
        (days_to_empty, "empty"),
        (days_to_residual, "low-reservoir-alarm"),
    )
    days, reason = min(candidates, key=lambda c: c[0])  # min keeps the first of equal days
    return (days, reason) if not math.isinf(days) else (math.inf, None)


@dataclass(frozen=True)
class RefillPlan:
    """Refill dates of one fill: each limit's date and the planned (earliest) one.

    ``reservoir_date``: the reservoir at the refill residual (low-reservoir alarm volume, or the
    pump's own refill level) with every allowed bolus taken; ``empty_date``: empty at that same
    worst-case rate; ``stability_date``: the drug's stability for this fill runs out. ``date`` is
    the earliest and ``reason`` names it (``REFILL_REASONS``); dates are None when they never
    come (no flow, no stability limit) or lie beyond ``MAX_PLANNING_DAYS``.
    """

    reservoir_date: dt.date | None
    empty_date: dt.date | None
    stability_date: dt.date | None
    date: dt.date | None
    reason: str | None


def refill_plan(
    fill_date: dt.date,
    fill_ml: float,
    residual_ml: float,
    worst_case_ml_per_day: float,
    stability_days: float | None,
) -> RefillPlan:
    """Planned refill of a fill: the earliest of stability, empty and the refill residual."""
    to_residual = days_until_volume(fill_ml, residual_ml, worst_case_ml_per_day)
    to_empty = days_until_volume(fill_ml, 0.0, worst_case_ml_per_day)
    days, reason = earliest_refill_days(stability_days, to_residual, to_empty)

    def on(d: float | None) -> dt.date | None:
        return None if d is None or d > MAX_PLANNING_DAYS else date_after(fill_date, d)

    return RefillPlan(
        on(to_residual),
        on(to_empty),
        on(stability_days),
        on(days),
        reason if on(days) is not None else None,
    )


def refill_date_after_change(
    fill_date: dt.date,
    fill_ml: float,
    residual_ml: float,
    change_after_days: float,
    old_worst_case_ml_per_day: float,
    new_worst_case_ml_per_day: float,
    reservoir_ml_at_change: float | None = None,
) -> dt.date | None:
    """Refill date after a program change ``change_after_days`` after the fill.

    The reservoir at the change is the measured ``reservoir_ml_at_change`` when given, else the
    worst-case estimate ``fill_ml - v_worst_old x change_after_days``; the new program then
    drains it at ``v_worst_new``. Date = ``fill_date + floor(change_after_days + remaining)``.
    """
    if change_after_days < 0:
        raise InputError("change_after_days", change_after_days, "must be >= 0")
    if reservoir_ml_at_change is None:
        reservoir_ml_at_change = max(fill_ml - old_worst_case_ml_per_day * change_after_days, 0.0)
    remaining = days_until_volume(reservoir_ml_at_change, residual_ml, new_worst_case_ml_per_day)
    if change_after_days + remaining > MAX_PLANNING_DAYS:
        return None
    return date_after(fill_date, change_after_days + remaining)


def implanted_catheter_length_cm(catheter_length_cm: float, trimmed_cm: float) -> float:
    """Implanted length = supplied length - trimmed length (cm)."""
    if not 0 <= trimmed_cm < catheter_length_cm:
        raise InputError(
            "priming.catheter_trimmed_cm",
            trimmed_cm,
            f"must be from 0 to below the catheter length {catheter_length_cm} cm",
        )
    return catheter_length_cm - trimmed_cm


def catheter_volume_ml(implanted_length_cm: float, catheter_ml_per_cm: float) -> float:
    """Volume of the implanted catheter (mL)."""
    return implanted_length_cm * catheter_ml_per_cm


def priming_volume_ml(catheter_ml: float, pump_dead_volume_ml: float) -> float:
    """Priming-bolus volume: the fluid path ahead of the drug (mL)."""
    return catheter_ml + pump_dead_volume_ml


def drug_front_delay_days(fluid_path_ml: float, basal_ml_per_day: float) -> float:
    """Days before drug reaches the catheter tip without a priming bolus (``inf`` at rate 0)."""
    if basal_ml_per_day <= 0:
        return math.inf
    return fluid_path_ml / basal_ml_per_day


def add_years(date: dt.date, years: float) -> dt.date:
    """``date`` plus ``years``: calendar years when whole (29 Feb -> 28 Feb), else 365.25 d each."""
    if float(years).is_integer():
        target = date.year + int(years)
        if target > dt.MAXYEAR:
            raise InputError(
                "implant_date",
                date.isoformat(),
                f"{date} + {years:g} years is past year {dt.MAXYEAR}; use a date from "
                "1900-01-01 to 2199-12-31",
            )
        try:
            return date.replace(year=target)
        except ValueError:
            return date.replace(year=target, day=28)
    return date_after(date, round(years * DAYS_PER_YEAR), "implant_date")


@dataclass(frozen=True)
class BatteryPlan:
    """Battery milestones: elective replacement indicator (ERI) and end of service (EOS)."""

    implant_date: dt.date
    eri_date: dt.date
    eos_date: dt.date

    def days_to_eri(self, on: dt.date) -> int:
        """Whole days from ``on`` to ERI (negative once passed)."""
        return (self.eri_date - on).days

    def days_to_eos(self, on: dt.date) -> int:
        """Whole days from ``on`` to EOS, when the pump stops (negative once passed)."""
        return (self.eos_date - on).days

    def replacement_due_by(self) -> dt.date:
        """Latest date to replace the pump: the day before it stops."""
        return self.eos_date - dt.timedelta(days=1)


def battery_plan(implant_date: dt.date, life_years: float, eri_to_eos_days: int) -> BatteryPlan:
    """ERI and EOS from the implant date: ``eos = implant + life``, ``eri = eos - eri_to_eos``.

    SynchroMed II: hard stop at 7 years, ERI then stop 90 days later (R21); the ERI date is the
    reference's [CHOICE] ``implant + 7 y - 90 d`` when no battery model is available.
    """
    _positive("battery_life_years", life_years)
    eos = add_years(implant_date, life_years)
    return BatteryPlan(implant_date, eos - dt.timedelta(days=eri_to_eos_days), eos)


def reconciliation_ratio(
    fill_ml: float, withdrawn_ml: float, expected_delivered_ml: float
) -> float:
    """``(V_fill - V_withdrawn) / expected_delivered``: measured over expected delivery."""
    _positive("expected_delivered_ml", expected_delivered_ml)
    return (fill_ml - withdrawn_ml) / expected_delivered_ml


def reconciliation_flagged(
    ratio: float, window: tuple[float, float] = RECONCILIATION_WINDOW
) -> bool:
    """True when a refill's reconciliation ratio lies outside ``window`` (default 0.85-1.15)."""
    return not window[0] <= ratio <= window[1]


def bolus_rate_ml_per_day(bolus_dose: float, duration_min: float, concentration: float) -> float:
    """Flow rate during a bolus delivered over ``duration_min`` (mL/day)."""
    _positive("duration_min", duration_min)
    return daily_volume_ml(bolus_dose, concentration) * MIN_PER_DAY / duration_min
