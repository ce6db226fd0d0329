"""Battery drain, primary-cell longevity and recharge burden of a program.

Model (device reference §5; parameters are profile data, ``[battery]``)
-----------------------------------------------------------------------
Per train t, with cathodic charge per pulse Q_t = A_t · PW_t (µC) and P_t pulses per second
while ON (rate, × pulses per burst for burst), and the program's duty d (ON fraction):

    I_stim = supply_factor · sum_t Q_t · P_t · d · (1 + c_t)      µA   (µC/s)
    I_avg  = I_stim + quiescent_ua + overhead_ua                    µA

with c_t = ``active_recharge_cost`` for active recharge and 0 for passive recharge (the coupling
capacitor returns the charge, the battery does not). The drain does not depend on impedance
below compliance (a current-mode model).

- primary cell: years = C / I_avg / 8760 h = 114.2 × C(Ah) / I_avg(µA);
- rechargeable: minutes of charging per day = I_avg · 24 h / charge_current · 60;
  days between charges = usable_fraction · C / (I_avg · 24 h); a warning
  (``more-than-one-charge-per-day``, elective-replacement style, as Eterna shows) when the
  program would need more than one full charge a day.

``hf-rechargeable-16`` is fitted by hand (two parameters: ``supply_factor`` and
``overhead_ua``) to the published 43.8 min/day at 100 % ON and 8.3 min/day at duty 0.03 for a
10 kHz, 30 µs, 2.5 mA program (Ochsner c9960278); the arithmetic is in the profile file and in
docs/device.md, the test in tests/device/test_battery.py (both within 10 %, in fact to 0.01 %).
The other profiles' battery parameters are representative, chosen a priori; their results
against held-back anchors (Eterna, Proclaim XR) are reported in docs/device.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from neurostim.device.profiles import BatteryParameters
from neurostim.device.program import Program, program_profile
from neurostim.device.safety import ProgramWarning, charge_per_phase_uc
from neurostim.device.timing import train_timing
from neurostim.units import (
    HOURS_PER_DAY,
    HOURS_PER_YEAR,
    MAH_TO_AH,
    MIN_PER_HOUR,
    UA_TO_A,
    UA_TO_MA,
)


def stimulation_current_ua(
    charge_per_pulse_uc: float,
    pulses_per_s: float,
    duty: float,
    recharge_cost: float,
    supply_factor: float,
) -> float:
    """Battery current of one train, µA: supply · Q · P · d · (1 + c)."""
    return supply_factor * charge_per_pulse_uc * pulses_per_s * duty * (1.0 + recharge_cost)


def primary_longevity_years(capacity_mah: float, average_current_ua: float) -> float:
    """Years a primary cell of ``capacity_mah`` lasts at ``average_current_ua``."""
    hours = (capacity_mah * MAH_TO_AH) / (average_current_ua * UA_TO_A)
    return hours / HOURS_PER_YEAR


def recharge_minutes_per_day(average_current_ua: float, charge_current_ma: float) -> float:
    """Minutes of charging per day that replace one day's drain."""
    daily_mah = average_current_ua * UA_TO_MA * HOURS_PER_DAY
    return daily_mah / charge_current_ma * MIN_PER_HOUR


def days_between_charges(usable_capacity_mah: float, average_current_ua: float) -> float:
    """Days a full charge lasts."""
    return usable_capacity_mah / (average_current_ua * UA_TO_MA * HOURS_PER_DAY)


@dataclass(frozen=True)
class BatteryReport:
    """Drain and battery figures of a program (None where the battery kind does not apply)."""

    kind: str
    duty: float
    stimulation_current_ua: float
    quiescent_ua: float
    overhead_ua: float
    average_current_ua: float
    longevity_years: float | None
    recharge_minutes_per_day: float | None
    days_between_charges: float | None
    warnings: list[ProgramWarning] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "duty": self.duty,
            "stimulation_current_ua": self.stimulation_current_ua,
            "average_current_ua": self.average_current_ua,
            "longevity_years": self.longevity_years,
            "recharge_minutes_per_day": self.recharge_minutes_per_day,
            "days_between_charges": self.days_between_charges,
        }


def battery_report(program: Program, *, battery: BatteryParameters | None = None) -> BatteryReport:
    """Average drain and longevity / recharge burden of ``program``.

    Parameters
    ----------
    program : Program
    battery : BatteryParameters, optional
        Overrides the profile's ``[battery]`` (e.g. to test another cell).
    """
    profile = program_profile(program)
    b = battery if battery is not None else profile.battery
    duty = program.duty_fraction
    stim_ua = 0.0
    for train in program.trains:
        tm = train_timing(train, profile)
        q = charge_per_phase_uc(float(train.amplitude_ma), float(train.pulse_width_us))
        cost = b.active_recharge_cost if tm.active else 0.0
        stim_ua += stimulation_current_ua(q, tm.pulses_per_s, duty, cost, b.supply_factor)
    avg_ua = stim_ua + b.quiescent_ua + b.overhead_ua
    warnings: list[ProgramWarning] = []
    if b.kind == "primary":
        years = primary_longevity_years(b.capacity_mah, avg_ua) if avg_ua > 0 else None
        return BatteryReport(
            b.kind, duty, stim_ua, b.quiescent_ua, b.overhead_ua, avg_ua, years, None, None
        )
    assert b.charge_current_ma is not None  # checked when the profile loads
    minutes = recharge_minutes_per_day(avg_ua, b.charge_current_ma)
    days = days_between_charges(b.usable_fraction * b.capacity_mah, avg_ua) if avg_ua > 0 else None
    if days is not None and days < 1.0:
        warnings.append(
            ProgramWarning(
                "more-than-one-charge-per-day",
                None,
                f"the program needs a full charge every {days * HOURS_PER_DAY:.1f} h "
                f"({avg_ua:.0f} uA average); lower rate, amplitude or pulse width, or use dosing",
            )
        )
    return BatteryReport(
        b.kind, duty, stim_ua, b.quiescent_ua, b.overhead_ua, avg_ua, None, minutes, days, warnings
    )
