"""Planned refill date: the earliest of drug stability, the low-reservoir alarm and empty.

Expected dates are computed here from the fill date and day counts typed from the reference
(intrathecal.md §2: ziconotide first fill <= 14 d, then <= 40 d diluted or <= 84 d undiluted; 90 d
opioids) or from volume / rate by hand; dates exact.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from neurostim.errors import InputError
from neurostim.intrathecal import (
    SimulationOptions,
    check_program,
    parse_program,
    shipped_drug_library,
    simulate_pump,
)
from neurostim.intrathecal import calculations as calc
from neurostim.intrathecal.program import in_date_range

from ._programs import build, p1

FILL = dt.date(2025, 2, 3)


def ziconotide(**over: object) -> dict:
    """Prialt 25 ug/mL (a product: undiluted), 2.4 ug/day, 20 mL in a SynchroMed II, alarm 2 mL."""
    base = {
        "pump": "synchromed-ii-40",
        "drug": "ziconotide",
        "concentration": 25.0,
        "fill_ml": 20.0,
        "low_reservoir_alarm_ml": 2.0,
        "mode": "simple-continuous",
        "dose_per_day": 2.4,
        "fill_date": FILL.isoformat(),
    }
    base.update(over)
    return base


def days_after(n: int) -> str:
    return (FILL + dt.timedelta(days=n)).isoformat()


def test_ziconotide_first_fill_refilled_within_14_days() -> None:
    s = check_program(build(ziconotide(first_fill=True))).summary
    # the reservoir would last (20 - 2) / (2.4 / 25) = 187.5 days; first-fill stability 14 days
    assert math.floor((20.0 - 2.0) / (2.4 / 25.0)) == 187
    assert s["reservoir_refill_date"] == days_after(187)
    assert s["refill_date"] == days_after(14) == "2025-02-17"
    assert s["refill_reason"] == "stability"
    assert (s["stability_days"], s["stability_fill"], s["stability_diluted"]) == (
        14,
        "initial",
        False,
    )
    assert "R2" in s["stability_source"]


def test_ziconotide_later_fills_undiluted_84_and_diluted_40_days() -> None:
    undiluted = check_program(build(ziconotide())).summary
    assert undiluted["refill_date"] == days_after(84) and undiluted["refill_reason"] == "stability"
    assert undiluted["stability_fill"] == "later"
    # 10 ug/mL is not a product (25, 100): diluted; reservoir (20 - 2) / (2.4 / 10) = 75 days
    diluted = check_program(build(ziconotide(concentration=10.0))).summary
    assert diluted["stability_diluted"] is True
    assert diluted["reservoir_refill_date"] == days_after(75)
    assert diluted["refill_date"] == days_after(40) and diluted["refill_reason"] == "stability"


def test_alarm_limited_diluted_ziconotide() -> None:
    # 5 ug/mL: (20 - 2) / (2.4 / 5) = 37.5 days, before the 40-day diluted stability
    s = check_program(build(ziconotide(concentration=5.0))).summary
    assert s["refill_date"] == days_after(37) and s["refill_reason"] == "low-reservoir-alarm"
    assert s["stability_refill_date"] == days_after(40)
    # empty at the same worst-case rate: 20 / 0.48 = 41.67 days
    assert s["empty_date"] == days_after(41)


def test_low_dose_baclofen_is_refilled_by_its_stability_with_a_warning() -> None:
    # 100 ug/day of 2000 ug/mL = 0.05 mL/day: (40 - 4) / 0.05 = 720 days to the alarm
    data = {
        "pump": "synchromed-ii-40",
        "drug": "baclofen",
        "indication": "spinal",
        "concentration": 2000.0,
        "fill_ml": 40.0,
        "low_reservoir_alarm_ml": 4.0,
        "mode": "simple-continuous",
        "dose_per_day": 100.0,
        "fill_date": FILL.isoformat(),
    }
    report = check_program(build(data))
    s = report.summary
    assert s["reservoir_refill_date"] == days_after(720)
    assert s["refill_date"] == days_after(90) and s["refill_reason"] == "stability"
    assert "[ours]" in s["stability_source"]
    codes = {w.code for w in report.warnings}
    assert "REFILL_BEYOND_STABILITY" in codes
    message = next(w.message for w in report.warnings if w.code == "REFILL_BEYOND_STABILITY")
    assert days_after(90) in message and "720" in message


def test_alarm_limited_morphine_and_empty_when_the_alarm_is_zero() -> None:
    # 4 mg/day of 10 mg/mL = 0.4 mL/day: (20 - 2) / 0.4 = 45 days, before morphine's 90 days
    s = check_program(build(p1(dose_per_day=4.0))).summary
    start = dt.date(2025, 1, 1)
    assert s["refill_date"] == (start + dt.timedelta(days=45)).isoformat()
    assert s["refill_reason"] == "low-reservoir-alarm"
    # alarm at 0 mL: the reservoir runs empty at 20 / 0.4 = 50 days
    s = check_program(build(p1(dose_per_day=4.0, low_reservoir_alarm_ml=0.0))).summary
    assert s["refill_date"] == (start + dt.timedelta(days=50)).isoformat()
    assert s["refill_reason"] == "empty"
    # P1 (2 mg/day): 18 / 0.2 = 90 days ties with the 90-day stability; ties name stability
    s = check_program(build(p1())).summary
    assert s["refill_date"] == (start + dt.timedelta(days=90)).isoformat()
    assert s["refill_reason"] == "stability"


def test_initial_fill_of_a_drug_without_a_first_fill_limit_uses_its_stability() -> None:
    s = check_program(build(p1(dose_per_day=1.0, first_fill=True))).summary
    assert s["stability_fill"] == "initial" and s["stability_days"] == 90
    assert s["refill_date"] == (dt.date(2025, 1, 1) + dt.timedelta(days=90)).isoformat()


def test_every_shipped_drug_has_its_stability_with_a_source() -> None:
    for drug in shipped_drug_library().values():
        assert drug.stability_days is not None and 0 < drug.stability_days <= 90, drug.id
        assert drug.stability_source, drug.id
        assert (
            drug.stability_source.startswith("[ours]")
            or "R2" in drug.stability_source
            or "R30" in drug.stability_source
        ), drug.id


def test_a_user_drug_without_stability_warns(tmp_path) -> None:
    from neurostim.intrathecal import load_drug_library

    user = tmp_path / "drugs.toml"
    user.write_text(
        '[drugs.mydrug]\nname = "mine"\nunit = "mg"\nopioid = false\n'
        'start_dose_per_day = [0.1, 1.0]\nwithdrawal_risk = "none"\ntaper_on_stop = false\n'
        'source = "test"\nconfidence = "low"\n[drugs.mydrug.titration.pain]\nsource = "test"\n'
    )
    lib = load_drug_library(user)
    report = check_program(parse_program(p1(drug="mydrug"), lib), library=lib)
    assert "STABILITY_UNKNOWN" in {w.code for w in report.warnings}
    assert report.summary["refill_reason"] == "low-reservoir-alarm"
    assert report.summary["stability_source"] is None


def test_simulation_refills_on_the_planned_dates_with_their_reasons() -> None:
    sim = simulate_pump(build(ziconotide(first_fill=True)), SimulationOptions(days=120, dt_h=1.0))
    refills = [(e.time_h / 24.0, e.detail["reason"]) for e in sim.events_of("REFILL")]
    # first fill 14 days, then the undiluted 84 days
    assert refills == [(14.0, "stability"), (14.0 + 84.0, "stability")]
    sim = simulate_pump(build(p1(dose_per_day=4.0)), SimulationOptions(days=100, dt_h=1.0))
    refills = [(e.time_h / 24.0, e.detail["reason"]) for e in sim.events_of("REFILL")]
    assert refills == [(45.0, "low-reservoir-alarm"), (90.0, "low-reservoir-alarm")]


def test_earliest_refill_days_and_its_ties() -> None:
    assert calc.earliest_refill_days(None, math.inf, math.inf) == (math.inf, None)
    assert calc.earliest_refill_days(14.0, 187.5, 208.3) == (14.0, "stability")
    assert calc.earliest_refill_days(90.0, 90.0, 100.0) == (90.0, "stability")
    assert calc.earliest_refill_days(None, 50.0, 50.0) == (50.0, "empty")
    assert calc.earliest_refill_days(None, 45.0, 50.0) == (45.0, "low-reservoir-alarm")


def test_refill_plan_beyond_the_planning_horizon_and_overflow() -> None:
    # 1 uL/day for 20 mL: 20,000 days to empty (inside 100 years), no stability
    plan = calc.refill_plan(FILL, 20.0, 2.0, 0.001, None)
    assert plan.reason == "low-reservoir-alarm"
    assert plan.date == FILL + dt.timedelta(days=math.floor(18.0 / 0.001 + 1e-9))
    never = calc.refill_plan(FILL, 20.0, 2.0, 0.0, None)
    assert never.date is None and never.reason is None and never.stability_date is None
    far = calc.refill_plan(FILL, 40.0, 0.0, 1e-6, None)  # 40 million days: beyond 100 years
    assert far.date is None and far.reason is None
    with pytest.raises(InputError, match="fill_date"):
        calc.refill_plan(dt.date(9999, 12, 1), 20.0, 2.0, 0.2, 90.0)
    with pytest.raises(InputError, match="implant_date"):
        calc.add_years(dt.date(9998, 1, 1), 7.0)
    with pytest.raises(InputError, match="implant_date"):
        calc.add_years(dt.date(9999, 1, 1), 7.5)
    with pytest.raises(InputError, match="1900-01-01 to 2199-12-31"):
        in_date_range("start_date", dt.date(9999, 12, 31))
    with pytest.raises(InputError, match="start_date"):
        check_program(build(p1()), start_date=dt.date(1800, 1, 1))


def test_program_dates_out_of_range_and_offsets() -> None:
    with pytest.raises(InputError, match="fill_date"):
        build(p1(fill_date="9999-12-31"))
    with pytest.raises(InputError, match="programmed_at"):
        build(p1(programmed_at=dt.datetime(1899, 12, 31, 23, 0)))
    with pytest.raises(InputError, match="not a number"):  # no epoch-seconds dates
        build(p1(fill_date=0.0))
    with pytest.raises(InputError, match="not a number"):
        build(p1(programmed_at=-1.0))
    aware = build(
        p1(programmed_at=dt.datetime(2025, 1, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    )
    assert aware.programmed_at == dt.datetime(2025, 1, 1, 9, 0)
