"""Check a pump program: every refusal and warning at once, plus the calculations.

Refused (errors, reference ``intrathecal.md`` §4): fill above the reservoir; low-reservoir
alarm at or above the fill; concentration above the drug's maximum; a flow (basal step or bolus)
outside the pump's range; worst-case daily dose (basal + every allowed patient bolus) above the
drug's maximum for the label region; patient bolus without lockout, in an opioid-naive patient,
or with a drug the pump's bolus device excludes (Prometra PTC: baclofen); priming without a
catheter length; titration faster than the drug's rule compared with a previous program; a
pump past its end of service.

Warned: advisory dose/concentration limits (label caution, PACC), off-label drug for the pump,
low-reservoir alarm below 4 mL for a high-withdrawal-risk drug, refill date beyond drug
stability or after battery end of service, ERI reached, priming bolus (mixing), concentration
or drug change (old drug in the fluid path), stop without taper, opioid rise (inflammatory mass).
Each message names the field, the value and the limit.
"""

from __future__ import annotations

import datetime as dt
import math

from neurostim.errors import InputError
from neurostim.intrathecal import calculations as calc
from neurostim.intrathecal.drugs import Drug, DrugLibrary, shipped_drug_library
from neurostim.intrathecal.program import PumpProgram
from neurostim.intrathecal.pumps import PumpProfile, get_pump
from neurostim.intrathecal.report import CheckReport
from neurostim.intrathecal.titration import increase_findings
from neurostim.units import S_PER_HOUR

WITHDRAWAL_SAFE_ALARM_ML = 4.0
"""Low-reservoir alarm volume below which a high-withdrawal-risk drug warns (R27, R41)."""


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


def stability_days(program: PumpProgram, drug: Drug) -> float | None:
    """Days the drug stays stable in the pump (first fill / diluted / product)."""
    if program.first_fill and drug.first_fill_stability_days is not None:
        return drug.first_fill_stability_days
    diluted = bool(drug.products) and all(
        not math.isclose(program.concentration, p) for p in drug.products
    )
    if diluted and drug.stability_days_diluted is not None:
        return drug.stability_days_diluted
    return drug.stability_days


def check_program(
    program: PumpProgram,
    previous: PumpProgram | None = None,
    library: DrugLibrary | None = None,
    start_date: dt.date | None = None,
) -> CheckReport:
    """Check ``program`` (and its titration from ``previous``); compute its calculations.

    ``start_date`` is the fill date for the refill arithmetic; default the program's
    ``fill_date``, else today.
    """
    lib = shipped_drug_library() if library is None else library
    pump = get_pump(program.pump)
    if program.drug not in lib:
        raise InputError("drug", program.drug, f"unknown drug; choose one of {sorted(lib)}")
    drug = lib[program.drug]
    report = CheckReport()
    _check_volumes(program, pump, drug, report)
    _check_concentration(program, drug, report)
    _check_flows(program, pump, report)
    _check_bolus(program, pump, drug, report)
    _check_doses(program, drug, report)
    if previous is not None:
        _check_titration(program, previous, drug, report, pump)
    if drug.id not in pump.labelled_drugs:
        report.add(
            "warning",
            "OFF_LABEL_DRUG",
            "drug",
            f"drug = {drug.id!r} is not labelled for {pump.name} (labelled: "
            f"{', '.join(pump.labelled_drugs) or 'none'}); confirm off-label use",
        )
    start = start_date or program.fill_date or dt.date.today()
    _calculations(program, pump, drug, report, start)
    return report


def _check_volumes(program: PumpProgram, pump: PumpProfile, drug: Drug, r: CheckReport) -> None:
    if program.fill_ml > pump.reservoir_ml:
        r.add(
            "error",
            "FILL_ABOVE_RESERVOIR",
            "fill_ml",
            f"fill_ml = {program.fill_ml:g} mL is above the reservoir of {pump.id} "
            f"({pump.reservoir_ml:g} mL)",
        )
    lra = alarm_ml(program, pump)
    if lra >= program.fill_ml:
        r.add(
            "error",
            "ALARM_ABOVE_FILL",
            "low_reservoir_alarm_ml",
            f"low_reservoir_alarm_ml = {lra:g} mL must be below fill_ml = {program.fill_ml:g} mL",
        )
    if drug.withdrawal_risk == "high" and lra < WITHDRAWAL_SAFE_ALARM_ML:
        r.add(
            "warning",
            "LOW_ALARM_WITHDRAWAL_RISK",
            "low_reservoir_alarm_ml",
            f"low_reservoir_alarm_ml = {lra:g} mL is below {WITHDRAWAL_SAFE_ALARM_ML:g} mL for "
            f"{drug.id} (withdrawal risk high): refill earlier or raise the alarm volume",
        )


def _check_concentration(program: PumpProgram, drug: Drug, r: CheckReport) -> None:
    c = program.concentration
    unit = f"{drug.unit}/mL"
    if drug.max_concentration is not None and c > drug.max_concentration:
        r.add(
            "error",
            "CONCENTRATION_ABOVE_MAX",
            "concentration",
            f"concentration = {c:g} {unit} is above {drug.id}'s maximum "
            f"{drug.max_concentration:g} {unit}",
        )
    for adv in drug.advisory:
        if adv.quantity == "concentration" and c > adv.limit:
            r.add(
                "warning",
                adv.code,
                "concentration",
                f"concentration = {c:g} {unit} is above {adv.limit:g} {unit} ({adv.source})",
            )


def _flow_finding(r: CheckReport, field: str, what: str, rate: float, pump: PumpProfile) -> None:
    lo, hi = pump.min_rate_ml_per_day, pump.max_rate_ml_per_day
    if rate < lo or rate > hi:
        code = "FLOW_BELOW_MIN" if rate < lo else "FLOW_ABOVE_MAX"
        r.add(
            "error",
            code,
            field,
            f"{what} needs {rate:.4g} mL/day, outside {pump.id}'s range {lo:g}-{hi:g} mL/day; "
            "change the dose or the concentration",
        )


def _check_flows(program: PumpProgram, pump: PumpProfile, r: CheckReport) -> None:
    c = program.concentration
    if program.mode == "simple-continuous":
        rate = calc.daily_volume_ml(program.basal_dose_per_day(), c)
        _flow_finding(r, "dose_per_day", f"dose_per_day = {program.dose_per_day:g}", rate, pump)
    elif program.mode == "flex":
        for i, step in enumerate(program.flex):
            rate = calc.daily_volume_ml(step.dose_per_hour * 24.0, c)
            _flow_finding(
                r, f"flex[{i}].dose_per_hour", f"dose_per_hour = {step.dose_per_hour:g}", rate, pump
            )
    for name, bolus in (
        ("single_bolus", program.single_bolus),
        ("patient_bolus", program.patient_bolus),
    ):
        if bolus is None or (name == "single_bolus" and program.mode != "single-bolus"):
            continue
        rate = calc.bolus_rate_ml_per_day(bolus.dose, bolus.duration_min, c)
        _flow_finding(
            r,
            f"{name}.duration_min",
            f"{name} of {bolus.dose:g} over {bolus.duration_min:g} min",
            rate,
            pump,
        )


def _check_bolus(program: PumpProgram, pump: PumpProfile, drug: Drug, r: CheckReport) -> None:
    pb = program.patient_bolus
    if pb is None:
        return
    if pb.lockout_h is None or pb.lockout_h <= 0:
        r.add(
            "error",
            "BOLUS_WITHOUT_LOCKOUT",
            "patient_bolus.lockout_h",
            f"patient_bolus.lockout_h = {pb.lockout_h}: a patient bolus needs a lockout > 0 h",
        )
    elif pb.lockout_h * pb.max_per_24h > 24.0 + 1e-9:
        r.add(
            "warning",
            "BOLUS_MAX_UNREACHABLE",
            "patient_bolus.max_per_24h",
            f"max_per_24h = {pb.max_per_24h} cannot be reached with lockout_h = {pb.lockout_h:g}",
        )
    if program.opioid_naive and drug.opioid:
        r.add(
            "error",
            "BOLUS_OPIOID_NAIVE",
            "patient_bolus",
            "patient bolus is not for opioid-naive patients (opioid_naive = true)",
        )
    if drug.id in pump.bolus_forbidden_drugs:
        r.add(
            "error",
            "BOLUS_DRUG_NOT_ALLOWED",
            "patient_bolus",
            f"{pump.bolus_device} of {pump.id} must not be used with {drug.id}",
        )


def _check_doses(program: PumpProgram, drug: Drug, r: CheckReport) -> None:
    unit = f"{drug.unit}/day"
    basal = program.basal_dose_per_day()
    worst = program.worst_case_dose_per_day()
    basal_field = "flex" if program.mode == "flex" else "dose_per_day"
    limit = drug.max_dose_for(program.label_region)
    if limit is not None and worst > limit * (1 + 1e-9):
        field = basal_field if basal > limit * (1 + 1e-9) else "patient_bolus.max_per_24h"
        r.add(
            "error",
            "DOSE_ABOVE_MAX",
            field,
            f"worst-case daily dose {worst:g} {unit} (basal {basal:g} + "
            f"{program.bolus_dose_per_day():g} in patient boluses) is above {drug.id}'s maximum "
            f"{limit:g} {unit} ({program.label_region.upper()})",
        )
    if program.mode == "single-bolus" and program.single_bolus is not None:
        worst = max(worst, program.single_bolus.dose)
    for adv in drug.advisory:
        if adv.quantity == "dose_per_day" and worst > adv.limit:
            r.add(
                "warning",
                adv.code,
                basal_field,
                f"worst-case daily dose {worst:g} {unit} is above {adv.limit:g} {unit} "
                f"({adv.source})",
            )


def _check_titration(
    program: PumpProgram, previous: PumpProgram, drug: Drug, r: CheckReport, pump: PumpProfile
) -> None:
    if previous.drug != program.drug:
        r.add(
            "warning",
            "DRUG_CHANGED",
            "drug",
            f"drug changes from {previous.drug} to {program.drug}: no titration check; the old "
            f"drug fills the fluid path ({pump.pump_dead_volume_ml:g} mL + catheter)",
        )
        return
    if not math.isclose(previous.concentration, program.concentration):
        r.add(
            "warning",
            "CONCENTRATION_CHANGE",
            "concentration",
            _transition(previous, program, pump, drug),
        )
    hours = None
    if program.programmed_at is not None and previous.programmed_at is not None:
        hours = (program.programmed_at - previous.programmed_at).total_seconds() / S_PER_HOUR
        if hours < 0:
            r.add(
                "error",
                "PROGRAM_ORDER",
                "programmed_at",
                f"programmed_at = {program.programmed_at} is before the previous program's "
                f"{previous.programmed_at}",
            )
            return
    since_start = None
    if program.therapy_started_at is not None and program.programmed_at is not None:
        since_start = (
            program.programmed_at - program.therapy_started_at
        ).total_seconds() / S_PER_HOUR
    field = "flex" if program.mode == "flex" else "dose_per_day"
    old, new = previous.basal_dose_per_day(), program.basal_dose_per_day()
    for f in increase_findings(drug, program.indication, old, new, hours, 0, since_start, field):
        r.findings.append(f)
    if drug.opioid and (new > old or program.concentration > previous.concentration):
        r.add(
            "warning",
            "INFLAMMATORY_MASS_RISK",
            field,
            "opioid dose or concentration rises: inflammatory-mass risk grows with dose (r 0.82) "
            "and concentration (r 0.65) (R32)",
        )


def _transition(previous: PumpProgram, program: PumpProgram, pump: PumpProfile, drug: Drug) -> str:
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


def _calculations(
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
    refill = calc.refill_date(start, volume, residual, worst_ml)
    limit = drug.max_dose_for(program.label_region)
    s = {
        "pump": pump.id,
        "drug": drug.id,
        "unit": drug.unit,
        "mode": program.mode,
        "daily_dose": round(program.basal_dose_per_day(), 9),
        "max_daily_dose": round(program.worst_case_dose_per_day(), 9),
        "drug_max_daily_dose": limit,
        "daily_volume_ml": round(basal_ml, 9),
        "worst_case_daily_volume_ml": round(worst_ml, 9),
        "low_reservoir_alarm_ml": lra,
        "refill_residual_ml": residual,
        "days_to_low_reservoir_alarm": _finite(days_alarm),
        "days_to_empty": _finite(calc.days_to_empty(volume, basal_ml)),
        "start_date": start.isoformat(),
        "refill_date": refill.isoformat() if refill else None,
        "mri_rule": pump.mri_rule,
        "representative_pump_fields": list(pump.representative),
    }
    stable = stability_days(program, drug)
    if stable is not None and days_refill > stable:
        r.add(
            "warning",
            "REFILL_BEYOND_STABILITY",
            "fill_ml",
            f"refill due after {_finite(days_refill)} days, beyond {drug.id}'s stability of "
            f"{stable:g} days: refill by {(start + dt.timedelta(days=stable)).isoformat()}",
        )
    if program.priming is not None:
        _priming(program, pump, basal_ml, r, s)
    if program.implant_date is not None:
        plan = calc.battery_plan(
            program.implant_date, pump.battery_life_years, pump.eri_to_eos_days
        )
        s["eri_date"] = plan.eri_date.isoformat()
        s["eos_date"] = plan.eos_date.isoformat()
        if start >= plan.eos_date:
            r.add(
                "error",
                "END_OF_SERVICE",
                "implant_date",
                f"the pump reached end of service on {plan.eos_date}: replace it",
            )
        elif start >= plan.eri_date:
            r.add(
                "warning",
                "ERI_REACHED",
                "implant_date",
                f"elective replacement indicator since {plan.eri_date}; the pump stops on "
                f"{plan.eos_date}: schedule replacement",
            )
        if refill is not None and refill > plan.eos_date:
            r.add(
                "warning",
                "REFILL_AFTER_EOS",
                "implant_date",
                f"refill date {refill} is after battery end of service {plan.eos_date}",
            )
    r.summary.update(s)


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
