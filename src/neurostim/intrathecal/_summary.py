"""Calculations summary of a checked program (volumes, dates, priming, battery) and its
volume/stability helpers; used by :mod:`neurostim.intrathecal.checks` and the simulation."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

from neurostim.intrathecal import calculations as calc
from neurostim.intrathecal.drugs import Drug
from neurostim.intrathecal.program import PumpProgram
from neurostim.intrathecal.pumps import PumpProfile
from neurostim.intrathecal.report import CheckReport


def _iso(date: dt.date | None) -> str | None:
    return None if date is None else date.isoformat()


def _finite(x: float) -> float | None:
    return None if math.isinf(x) or math.isnan(x) else round(x, 6)


def refill_residual_ml(program: PumpProgram, pump: PumpProfile) -> float:
    """Residual volume the refill date aims at: the pump's (Prometra 3.0 mL) or the alarm volume."""
    if pump.refill_residual_ml is not None:
        return pump.refill_residual_ml
    return alarm_ml(program, pump)


def alarm_ml(program: PumpProgram, pump: PumpProfile) -> float:
    """Low-reservoir alarm volume: the program's, else the pump's default."""
    if program.low_reservoir_alarm_ml is not None:
        return program.low_reservoir_alarm_ml
    return pump.default_low_reservoir_alarm_ml


@dataclass(frozen=True)
class StabilityLimit:
    """The drug's stability limit for one fill: days, which fill, diluted or not, and source."""

    days: float
    fill: Literal["initial", "later"]
    diluted: bool
    source: str


def is_diluted(program: PumpProgram, drug: Drug) -> bool:
    """True when the concentration is none of the drug's products (False with no products)."""
    return bool(drug.products) and all(
        not math.isclose(program.concentration, p) for p in drug.products
    )


def stability_limit(program: PumpProgram, drug: Drug) -> StabilityLimit | None:
    """The stability that applies to this fill: the drug's first-fill value for an initial fill
    (``first_fill = true``), else its diluted value for a diluted concentration, else its
    undiluted value; None when the library gives none."""
    fill: Literal["initial", "later"] = "initial" if program.first_fill else "later"
    diluted = is_diluted(program, drug)
    source = drug.stability_source or "drug library (no stability_source given)"
    if program.first_fill and drug.first_fill_stability_days is not None:
        return StabilityLimit(drug.first_fill_stability_days, fill, diluted, source)
    if diluted and drug.stability_days_diluted is not None:
        return StabilityLimit(drug.stability_days_diluted, fill, diluted, source)
    if drug.stability_days is None:
        return None
    return StabilityLimit(drug.stability_days, fill, diluted, source)


def stability_days(program: PumpProgram, drug: Drug) -> float | None:
    """Days the drug stays stable in the pump for this fill (see :func:`stability_limit`)."""
    limit = stability_limit(program, drug)
    return None if limit is None else limit.days


def transition_message(
    previous: PumpProgram, program: PumpProgram, pump: PumpProfile, drug: Drug
) -> str:
    """Message for a concentration change: the old drug in the fluid path is delivered first.

    While the path (pump dead volume + catheter, full length unless ``[priming]`` gives it)
    empties at the new basal rate, the patient receives ``old C x new rate`` instead of the new
    daily dose, for ``path_ml / v_basal_new`` days.
    """
    length = pump.catheter_length_cm
    if program.priming is not None and program.priming.catheter_length_cm is not None:
        length = program.priming.catheter_length_cm
    elif program.priming is not None and program.priming.catheter_trimmed_cm is not None:
        length = max(pump.catheter_length_cm - program.priming.catheter_trimmed_cm, 0.0)
    path_ml = calc.priming_volume_ml(
        calc.catheter_volume_ml(length, pump.catheter_ml_per_cm), pump.pump_dead_volume_ml
    )
    new_ml = calc.daily_volume_ml(program.basal_dose_per_day(), program.concentration)
    days = calc.drug_front_delay_days(path_ml, new_ml)
    unit = drug.unit
    head = (
        f"concentration changes from {previous.concentration:g} to {program.concentration:g} "
        f"{unit}/mL: the fluid path ({path_ml:.3g} mL) still holds the old concentration"
    )
    if math.isinf(days):
        return head + "; no basal flow flushes it"
    interim = new_ml * previous.concentration
    return (
        f"{head}; for {days:.3g} days the patient receives {interim:.3g} {unit}/day instead of "
        f"{program.basal_dose_per_day():.3g} (bridge with a priming bolus or adjust the rate)"
    )


def add_calculations(
    program: PumpProgram, pump: PumpProfile, drug: Drug, r: CheckReport, start: dt.date
) -> None:
    c = program.concentration
    basal_ml = calc.daily_volume_ml(program.basal_dose_per_day(), c)
    worst_ml = calc.daily_volume_ml(program.worst_case_dose_per_day(), c)
    lra = alarm_ml(program, pump)
    residual = refill_residual_ml(program, pump)
    volume = program.fill_ml
    if program.mode == "single-bolus" and program.single_bolus is not None:
        volume = max(volume - program.single_bolus.dose / c, 0.0)
    days_alarm = calc.days_to_low_reservoir_alarm(volume, lra, worst_ml)
    days_refill = calc.days_until_volume(volume, residual, worst_ml)
    stable = stability_limit(program, drug)
    plan = calc.refill_plan(
        start, volume, residual, worst_ml, None if stable is None else stable.days
    )
    refill = plan.date
    limit = drug.max_dose_for(program.label_region)
    s = {
        "pump": pump.id,
        "drug": drug.id,
        "unit": drug.unit,
        "mode": program.mode,
        "daily_dose": round(program.basal_dose_per_day(), 9),
        "max_daily_dose": round(program.max_dose_in_24h(), 9),
        "drug_max_daily_dose": limit,
        "daily_volume_ml": round(basal_ml, 9),
        "worst_case_daily_volume_ml": round(worst_ml, 9),
        "low_reservoir_alarm_ml": lra,
        "refill_residual_ml": residual,
        "days_to_low_reservoir_alarm": _finite(days_alarm),
        "days_to_empty": _finite(calc.days_to_empty(volume, basal_ml)),
        "start_date": start.isoformat(),
        "refill_date": _iso(refill),
        "refill_reason": plan.reason,
        "reservoir_refill_date": _iso(plan.reservoir_date),
        "empty_date": _iso(plan.empty_date),
        "stability_days": None if stable is None else stable.days,
        "stability_fill": "initial" if program.first_fill else "later",
        "stability_diluted": is_diluted(program, drug),
        "stability_source": None if stable is None else stable.source,
        "drug_name": drug.name,
        "drug_confidence": drug.confidence,
        "drug_source": drug.source,
        "pump_name": pump.name,
        "pump_family": pump.family,
        "pump_source": pump.source,
        "mri_rule": pump.mri_rule,
        "mri_requires_empty_reservoir": pump.mri_requires_empty_reservoir,
        "representative_pump_fields": list(pump.representative),
    }
    if stable is None:
        r.add(
            "warning",
            "STABILITY_UNKNOWN",
            "drug",
            f"drug = {drug.id!r} has no stability_days in the drug library: the refill date "
            "ignores drug stability; add stability_days (and stability_source) to the library",
        )
    else:
        s["stability_refill_date"] = _iso(plan.stability_date)
        if days_refill > stable.days:
            lasts = (
                "no flow empties the reservoir"
                if math.isinf(days_refill)
                else f"the reservoir lasts {_finite(days_refill)} days to {residual:g} mL"
            )
            r.add(
                "warning",
                "REFILL_BEYOND_STABILITY",
                "fill_ml",
                f"{lasts}, beyond {drug.id}'s stability of {stable.days:g} days "
                f"({stable.fill} fill, {'diluted' if stable.diluted else 'undiluted'}): refill by "
                f"{_iso(plan.stability_date)} and discard the rest, or fill less",
            )
    if program.priming is not None:
        _priming(program, pump, basal_ml, r, s)
    if program.implant_date is not None:
        battery = calc.battery_plan(
            program.implant_date, pump.battery_life_years, pump.eri_to_eos_days
        )
        s["eri_date"] = battery.eri_date.isoformat()
        s["eos_date"] = battery.eos_date.isoformat()
        if start >= battery.eos_date:
            r.add(
                "error",
                "END_OF_SERVICE",
                "implant_date",
                f"the pump reached end of service on {battery.eos_date}: {_renew(pump)}",
            )
        elif start >= battery.eri_date:
            r.add(
                "warning",
                "ERI_REACHED",
                "implant_date",
                f"elective replacement indicator since {battery.eri_date}; the pump stops on "
                f"{battery.eos_date}: {_renew(pump)}",
            )
        if refill is not None and refill > battery.eos_date:
            r.add(
                "warning",
                "REFILL_AFTER_EOS",
                "implant_date",
                f"refill date {refill} is after battery end of service {battery.eos_date}",
            )
    r.summary.update(s)


def _renew(pump: PumpProfile) -> str:
    """What to do at the end of the battery: replace the pump, or service it."""
    if pump.replacement_at_end_of_battery:
        return "schedule the pump's replacement"
    return "schedule the battery service the pump's IFU describes"


def _priming(
    program: PumpProgram, pump: PumpProfile, basal_ml: float, r: CheckReport, s: dict
) -> None:
    pr = program.priming
    assert pr is not None
    if pr.catheter_length_cm is not None:
        length = pr.catheter_length_cm
    elif pr.catheter_trimmed_cm is not None:
        if pr.catheter_trimmed_cm >= pump.catheter_length_cm:
            r.add(
                "error",
                "CATHETER_TRIM",
                "priming.catheter_trimmed_cm",
                f"priming.catheter_trimmed_cm = {pr.catheter_trimmed_cm:g} cm must be below the "
                f"catheter length {pump.catheter_length_cm:g} cm",
            )
            return
        length = calc.implanted_catheter_length_cm(pump.catheter_length_cm, pr.catheter_trimmed_cm)
    else:
        r.add(
            "error",
            "PRIMING_CATHETER_LENGTH_MISSING",
            "priming",
            "priming needs catheter_trimmed_cm or catheter_length_cm to compute its volume",
        )
        return
    cath = calc.catheter_volume_ml(length, pump.catheter_ml_per_cm)
    dead = pump.pump_dead_volume_ml if pr.include_pump_dead_volume else 0.0
    s["catheter_length_cm"] = round(length, 6)
    s["catheter_volume_ml"] = round(cath, 6)
    s["priming_volume_ml"] = round(calc.priming_volume_ml(cath, dead), 6)
    s["drug_front_delay_days_without_priming"] = _finite(calc.drug_front_delay_days(cath, basal_ml))
    r.add(
        "warning",
        "PRIMING_BOLUS",
        "priming",
        f"priming bolus of {s['priming_volume_ml']:g} mL: give it under supervision; drug and "
        "fluid mix at high rate and can over- or under-dose (R25)",
    )
