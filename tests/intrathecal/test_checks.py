"""Refusals and warnings of check_program: each message names the field, value and limit."""

from __future__ import annotations

import datetime as dt

import pytest

from neurostim.errors import InputError
from neurostim.intrathecal import check_program, load_drug_library, parse_program

from ._programs import build, p1, p2


def codes(report, severity="error"):
    return [f.code for f in report.findings if f.severity == severity]


def test_worst_case_dose_above_drug_max_refused() -> None:
    # ziconotide 25 ug/mL, 18 ug/day basal + 4 x 0.5 ug boluses = 20 > 19.2 (US)
    data = p1(
        drug="ziconotide",
        concentration=25.0,
        dose_per_day=18.0,
        patient_bolus={"dose": 0.5, "duration_min": 10, "lockout_h": 4, "max_per_24h": 4},
    )
    report = check_program(build(data))
    assert codes(report) == ["DOSE_ABOVE_MAX"]
    err = report.errors[0]
    assert err.field == "patient_bolus.max_per_24h"
    assert "20" in err.message and "19.2" in err.message
    # the EU label allows 21.6
    assert check_program(build({**data, "label_region": "eu"})).valid
    basal = check_program(build(p1(drug="ziconotide", concentration=25.0, dose_per_day=20.0)))
    assert basal.errors[0].field == "dose_per_day"


def test_flow_outside_pump_range_refused() -> None:
    # 0.1 mg/day at 25 mg/mL = 0.004 mL/day < 0.048 mL/day minimum (SynchroMed II)
    low = check_program(build(p1(concentration=25.0, dose_per_day=0.1)))
    assert codes(low) == ["FLOW_BELOW_MIN"]
    assert "0.004" in low.errors[0].message and "0.048" in low.errors[0].message
    high = check_program(build(p1(concentration=1.0, dose_per_day=30.0)))
    assert "FLOW_ABOVE_MAX" in codes(high)
    flex = p1(mode="flex", flex=[{"start": "00:00", "dose_per_hour": 0.0001}])
    del flex["dose_per_day"]
    report = check_program(build(flex))
    assert report.errors[0].field == "flex[0].dose_per_hour"
    bolus = p2(patient_bolus={"dose": 5.0, "duration_min": 1, "lockout_h": 2, "max_per_24h": 1})
    assert "patient_bolus.duration_min" in [e.field for e in check_program(build(bolus)).errors]


def test_bolus_without_lockout_refused() -> None:
    for lockout in (None, 0):
        pb = {"dose": 0.25, "duration_min": 10, "max_per_24h": 4}
        if lockout is not None:
            pb["lockout_h"] = lockout
        report = check_program(build(p2(patient_bolus=pb)))
        assert codes(report) == ["BOLUS_WITHOUT_LOCKOUT"]
        assert report.errors[0].field == "patient_bolus.lockout_h"


def test_bolus_rules_per_patient_and_pump() -> None:
    assert "BOLUS_OPIOID_NAIVE" in codes(check_program(build(p2(opioid_naive=True))))
    baclofen = p2(drug="baclofen", concentration=500.0, dose_per_day=300.0, indication="spinal")
    assert "BOLUS_DRUG_NOT_ALLOWED" in codes(check_program(build(baclofen)))
    pb = {"dose": 0.25, "duration_min": 10, "lockout_h": 8, "max_per_24h": 4}
    assert "BOLUS_MAX_UNREACHABLE" in codes(check_program(build(p2(patient_bolus=pb))), "warning")


def test_volumes_concentration_and_collects_all_errors() -> None:
    data = p1(
        drug="ziconotide",
        concentration=150.0,
        fill_ml=25.0,
        low_reservoir_alarm_ml=30.0,
        dose_per_day=25.0,
        patient_bolus={"dose": 1.0, "duration_min": 10, "max_per_24h": 2},
    )
    report = check_program(build(data))
    assert set(codes(report)) == {
        "FILL_ABOVE_RESERVOIR",
        "ALARM_ABOVE_FILL",
        "CONCENTRATION_ABOVE_MAX",
        "BOLUS_WITHOUT_LOCKOUT",
        "DOSE_ABOVE_MAX",
    }
    with pytest.raises(InputError, match="also"):
        report.raise_if_invalid()
    d = report.to_dict()
    assert d["valid"] is False and all({"field", "message"} <= set(e) for e in d["errors"])


def test_advisory_warnings() -> None:
    report = check_program(build(p1(concentration=25.0, dose_per_day=22.0)))
    assert report.valid
    assert {"ABOVE_LABEL_CAUTION", "ABOVE_PACC_MAX", "ABOVE_PACC_MAX_CONCENTRATION"} <= set(
        codes(report, "warning")
    )
    baclofen = p1(drug="baclofen", concentration=2000.0, dose_per_day=1200.0, indication="spinal")
    w = codes(check_program(build(baclofen)), "warning")
    assert "LOW_ALARM_WITHDRAWAL_RISK" in w and "ABOVE_LABEL_EXPERIENCE" in w
    prometra = p2(drug="hydromorphone", concentration=10.0, dose_per_day=1.0)
    assert "OFF_LABEL_DRUG" in codes(check_program(build(prometra)), "warning")


def test_stability_and_priming() -> None:
    # ziconotide 25 ug/mL undiluted at 2.4 ug/day: refill in (20-2)/0.096 = 187 d > 84 d
    zico = p1(drug="ziconotide", concentration=25.0, dose_per_day=2.4)
    report = check_program(build(zico))
    stable = [f for f in report.warnings if f.code == "REFILL_BEYOND_STABILITY"]
    assert stable and "84" in stable[0].message
    diluted = check_program(build({**zico, "concentration": 10.0}))  # 75 d > 40 d
    assert "40" in next(f for f in diluted.warnings if f.code == "REFILL_BEYOND_STABILITY").message
    first = check_program(build({**zico, "first_fill": True}))
    assert "14" in next(f for f in first.warnings if f.code == "REFILL_BEYOND_STABILITY").message
    missing = check_program(build(p2(priming={})))
    assert codes(missing) == ["PRIMING_CATHETER_LENGTH_MISSING"]
    trimmed = check_program(build(p2(priming={"catheter_trimmed_cm": 120.0})))
    assert codes(trimmed) == ["CATHETER_TRIM"]
    by_length = check_program(build(p2(priming={"catheter_length_cm": 65.0})))
    assert "PRIMING_BOLUS" in codes(by_length, "warning")


def test_modes_stopped_and_single_bolus() -> None:
    stopped = p1(mode="stopped")
    del stopped["dose_per_day"]
    s = check_program(build(stopped)).summary
    assert s["reservoir_refill_date"] is None and s["days_to_empty"] is None
    assert s["daily_volume_ml"] == 0
    # nothing flows, but morphine in a stopped pump still expires after its 90 days (R30)
    assert s["refill_date"] == (dt.date(2025, 1, 1) + dt.timedelta(days=90)).isoformat()
    assert s["refill_reason"] == "stability"
    single = {**stopped, "mode": "single-bolus", "single_bolus": {"dose": 1.0, "duration_min": 60}}
    report = check_program(build(single))
    assert report.valid and report.summary["max_daily_dose"] == 1.0
    # a single ziconotide bolus of 25 ug exceeds the 19.2 ug/day maximum: refused
    zico = {**single, "drug": "ziconotide", "concentration": 100.0}
    zico["single_bolus"] = {"dose": 25.0, "duration_min": 60}
    refused = check_program(build(zico))
    assert [(e.code, e.field) for e in refused.errors] == [("DOSE_ABOVE_MAX", "single_bolus.dose")]


def test_user_library_can_add_a_hard_limit(tmp_path) -> None:
    user = tmp_path / "drugs.toml"
    user.write_text("[drugs.morphine]\nmax_dose_per_day = 10.0\n")
    lib = load_drug_library(user)
    report = check_program(parse_program(p1(dose_per_day=12.0), lib), library=lib)
    assert codes(report) == ["DOSE_ABOVE_MAX"]
