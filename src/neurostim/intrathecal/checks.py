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
from neurostim.intrathecal._summary import add_calculations, alarm_ml, transition_message
from neurostim.intrathecal.drugs import Drug, DrugLibrary, shipped_drug_library
from neurostim.intrathecal.program import PumpProgram, in_date_range
from neurostim.intrathecal.pumps import PumpProfile, get_pump
from neurostim.intrathecal.report import CheckReport
from neurostim.intrathecal.titration import increase_findings
from neurostim.units import S_PER_HOUR

WITHDRAWAL_SAFE_ALARM_ML = 4.0
"""Low-reservoir alarm volume below which a high-withdrawal-risk drug warns (R27, R41)."""


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
    start = in_date_range("start_date", start_date or program.fill_date or dt.date.today())
    add_calculations(program, pump, drug, report, start)
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
            "patient_bolus.lockout_h is "
            + ("missing" if pb.lockout_h is None else f"{pb.lockout_h:g} h")
            + ": a patient bolus needs a lockout > 0 h",
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
    worst = program.max_dose_in_24h()
    basal_field = {"flex": "flex", "single-bolus": "single_bolus.dose"}.get(
        program.mode, "dose_per_day"
    )
    limit = drug.max_dose_for(program.label_region)
    if limit is not None and worst > limit * (1 + 1e-9):
        programmed = worst - program.bolus_dose_per_day()
        field = basal_field if programmed > limit * (1 + 1e-9) else "patient_bolus.max_per_24h"
        what = "single bolus" if program.mode == "single-bolus" else "basal"
        r.add(
            "error",
            "DOSE_ABOVE_MAX",
            field,
            f"worst-case daily dose {worst:g} {unit} ({what} {programmed:g} + "
            f"{program.bolus_dose_per_day():g} in patient boluses) is above {drug.id}'s maximum "
            f"{limit:g} {unit} ({program.label_region.upper()})",
        )
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
            transition_message(previous, program, pump, drug),
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
