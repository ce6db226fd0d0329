"""Worked cases P1-P3 of the reference (intrathecal.md §5) and the planning arithmetic.

Expected numbers are typed from the reference or computed here by hand; tolerance ±0.5 % on
arithmetic (the reference's), dates exact.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from neurostim.errors import InputError
from neurostim.intrathecal import (
    battery_plan,
    bolus_rate_ml_per_day,
    catheter_volume_ml,
    check_program,
    daily_volume_ml,
    days_to_empty,
    days_to_low_reservoir_alarm,
    drug_front_delay_days,
    implanted_catheter_length_cm,
    priming_volume_ml,
    reconciliation_flagged,
    reconciliation_ratio,
    refill_date,
    refill_date_after_change,
    worst_case_daily_volume_ml,
)
from neurostim.testing import assert_close

from ._programs import build, p1, p2

RTOL = 0.005  # the reference's tolerance on arithmetic


def test_p1_days_to_alarm_and_empty() -> None:
    rate = daily_volume_ml(2.0, 10.0)
    assert_close(rate, 0.200, rtol=RTOL, what="P1 daily volume", unit="mL/day")
    assert_close(days_to_low_reservoir_alarm(20.0, 2.0, rate), 90.0, rtol=RTOL, what="P1 LRA day")
    assert_close(days_to_empty(20.0, rate), 100.0, rtol=RTOL, what="P1 empty day")


def test_p1_through_check_program() -> None:
    report = check_program(build(p1()))
    assert report.valid, report.errors
    s = report.summary
    assert_close(s["daily_volume_ml"], 0.200, rtol=RTOL, what="P1 daily volume", unit="mL/day")
    assert_close(s["days_to_low_reservoir_alarm"], 90.0, rtol=RTOL, what="P1 LRA day", unit="d")
    assert_close(s["days_to_empty"], 100.0, rtol=RTOL, what="P1 empty day", unit="d")
    # SynchroMed II: refill planned at the LRA volume, floor(90.0) days after the fill
    assert s["refill_date"] == (dt.date(2025, 1, 1) + dt.timedelta(days=90)).isoformat()


def test_p2_prometra_refill_date() -> None:
    v_worst = worst_case_daily_volume_ml(3.0, 0.25, 4, 25.0)
    assert_close(v_worst, 0.160, rtol=RTOL, what="P2 worst-case volume", unit="mL/day")
    assert refill_date(dt.date(2025, 1, 1), 20.0, 3.0, v_worst) == dt.date(2025, 4, 17)
    v_basal = daily_volume_ml(3.0, 25.0)
    assert_close(v_basal, 0.120, rtol=RTOL, what="P2 basal volume", unit="mL/day")
    assert refill_date(dt.date(2025, 1, 1), 20.0, 3.0, v_basal) == dt.date(2025, 5, 22)


def test_p2_through_check_program() -> None:
    report = check_program(build(p2()))
    s = report.summary
    # P2's reservoir arithmetic: 3.0 mL reached 106 whole days after the fill
    assert s["reservoir_refill_date"] == "2025-04-17"
    # morphine is stable 90 days in the pump (R30): the planned refill is 2025-04-01, the earlier
    assert s["stability_refill_date"] == "2025-04-01"
    assert s["refill_date"] == (dt.date(2025, 1, 1) + dt.timedelta(days=90)).isoformat()
    assert s["refill_reason"] == "stability"
    assert "REFILL_BEYOND_STABILITY" in {w.code for w in report.warnings}
    assert_close(s["worst_case_daily_volume_ml"], 0.160, rtol=RTOL, what="P2 v_worst")
    assert_close(s["max_daily_dose"], 3.0 + 4 * 0.25, rtol=RTOL, what="P2 max dose", unit="mg/d")
    without = p2()
    del without["patient_bolus"]
    assert check_program(build(without)).summary["reservoir_refill_date"] == "2025-05-22"


def test_p3_catheter_and_drug_front() -> None:
    implanted = implanted_catheter_length_cm(110.0, 45.0)
    assert implanted == 65.0
    cath = catheter_volume_ml(implanted, 0.0026)
    assert_close(cath, 0.169, rtol=RTOL, what="P3 catheter volume", unit="mL")
    delay = drug_front_delay_days(cath, 0.120)
    assert_close(delay, 1.408, rtol=RTOL, what="P3 drug front delay", unit="d")
    assert_close(delay * 24, 33.8, rtol=RTOL, what="P3 drug front delay", unit="h")
    assert_close(priming_volume_ml(cath, 0.0), 0.169, rtol=RTOL, what="P3 catheter part")


def test_p3_through_check_program() -> None:
    s = check_program(build(p2(priming={"catheter_trimmed_cm": 45.0}))).summary
    assert_close(s["catheter_volume_ml"], 0.169, rtol=RTOL, what="P3 catheter volume", unit="mL")
    assert_close(s["drug_front_delay_days_without_priming"], 1.408, rtol=RTOL, what="P3 delay")
    # priming volume = pump dead volume (profile) + catheter
    assert_close(s["priming_volume_ml"], 0.169 + 0.2, rtol=RTOL, what="priming volume", unit="mL")


def test_flex_daily_volume_is_hours_times_rate() -> None:
    # 06:00-22:00 at 0.10 mg/h (16 h) + 22:00-06:00 at 0.05 mg/h (8 h) = 2.0 mg/day; at 5 mg/mL
    data = p1(
        mode="flex",
        concentration=5.0,
        flex=[{"start": "06:00", "dose_per_hour": 0.10}, {"start": "22:00", "dose_per_hour": 0.05}],
    )
    del data["dose_per_day"]
    s = check_program(build(data)).summary
    assert_close(s["daily_dose"], 16 * 0.10 + 8 * 0.05, rtol=1e-12, what="flex dose", unit="mg/d")
    assert_close(s["daily_volume_ml"], 2.0 / 5.0, rtol=1e-12, what="flex volume", unit="mL/day")


def test_program_change_moves_the_refill_date() -> None:
    # P1 pump, changed on day 30 from 2.0 to 3.0 mg/day: 20 - 30 x 0.2 = 14 mL left;
    # (14 - 2) / 0.3 = 40 days more -> day 70
    new = refill_date_after_change(dt.date(2025, 1, 1), 20.0, 2.0, 30.0, 0.2, 0.3)
    assert new == dt.date(2025, 1, 1) + dt.timedelta(days=70)
    # with a measured reservoir of 15 mL instead: (15 - 2) / 0.3 = 43.33 -> day 73
    measured = refill_date_after_change(dt.date(2025, 1, 1), 20.0, 2.0, 30.0, 0.2, 0.3, 15.0)
    assert measured == dt.date(2025, 1, 1) + dt.timedelta(days=73)
    assert refill_date_after_change(dt.date(2025, 1, 1), 20.0, 2.0, 30.0, 0.2, 0.0) is None
    with pytest.raises(InputError):
        refill_date_after_change(dt.date(2025, 1, 1), 20.0, 2.0, -1.0, 0.2, 0.3)


def test_battery_plan_synchromed() -> None:
    # hard stop 7 years after implant; ERI 90 days before (R21)
    plan = battery_plan(dt.date(2020, 3, 15), 7.0, 90)
    assert plan.eos_date == dt.date(2027, 3, 15)
    assert plan.eri_date == dt.date(2026, 12, 15)
    assert plan.days_to_eri(dt.date(2026, 12, 1)) == 14
    assert plan.days_to_eos(dt.date(2027, 3, 1)) == 14
    assert plan.replacement_due_by() == dt.date(2027, 3, 14)
    leap = battery_plan(dt.date(2020, 2, 29), 7.0, 90)
    assert leap.eos_date == dt.date(2027, 2, 28)
    fractional = battery_plan(dt.date(2020, 1, 1), 0.5, 0)
    assert fractional.eos_date == dt.date(2020, 1, 1) + dt.timedelta(days=round(0.5 * 365.25))
    with pytest.raises(InputError):
        battery_plan(dt.date(2020, 1, 1), 0.0, 90)


def test_battery_in_check_program() -> None:
    s = check_program(build(p1(implant_date="2018-01-10"))).summary
    assert s["eos_date"] == "2025-01-10"
    report = check_program(build(p1(implant_date="2017-12-01")))
    assert not report.valid and report.errors[0].code == "END_OF_SERVICE"
    eri = check_program(build(p1(implant_date="2018-03-01")))
    assert [w.code for w in eri.warnings if w.code in {"ERI_REACHED", "REFILL_AFTER_EOS"}] == [
        "ERI_REACHED",
        "REFILL_AFTER_EOS",
    ]


def test_reconciliation_window() -> None:
    # 20 mL fill, 4 mL withdrawn, 16 mL expected -> 1.0; 11 mL expected -> 16/11 = 1.4545
    assert reconciliation_ratio(20.0, 4.0, 16.0) == 1.0
    assert not reconciliation_flagged(1.0)
    assert reconciliation_flagged(16.0 / 11.0)
    assert not reconciliation_flagged(0.85) and not reconciliation_flagged(1.15)
    assert reconciliation_flagged(0.8499)
    with pytest.raises(InputError):
        reconciliation_ratio(20.0, 4.0, 0.0)


def test_edges() -> None:
    assert days_to_empty(20.0, 0.0) == math.inf
    assert days_to_low_reservoir_alarm(1.0, 2.0, 0.2) == 0.0
    assert refill_date(dt.date(2025, 1, 1), 20.0, 3.0, 0.0) is None
    assert refill_date(dt.date(2025, 1, 1), 20.0, 3.0, 1e-200) is None  # beyond 100 years
    assert drug_front_delay_days(0.169, 0.0) == math.inf
    # 0.1 mg at 5 mg/mL = 0.02 mL over 10 min -> 0.02 x 144 = 2.88 mL/day
    assert_close(bolus_rate_ml_per_day(0.1, 10.0, 5.0), 2.88, rtol=1e-12, what="bolus rate")
    with pytest.raises(InputError):
        daily_volume_ml(1.0, 0.0)
    with pytest.raises(InputError):
        implanted_catheter_length_cm(110.0, 110.0)
