"""Pump alarms with their tones (clinic-web §3; intrathecal.md §1.4): critical alarms two-tone,
non-critical single tone; low and empty reservoir from the pump's bookkeeping at the simulated
time; faults set on the case; shown on the pump screen and the patient's controller."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from importlib import resources

from neurostim.web import connect
from neurostim.web.alarms import alarm_catalog, pump_alarms
from neurostim.web.checks import check_pump_data
from neurostim.web.pump_screens import example_pump_text
from neurostim.web.store import get_patient, update_record
from tests.web.test_pump_screens import PUMP, _write_p2

PUMP_CATALOG = tomllib.loads(
    (resources.files("neurostim.intrathecal") / "data" / "pumps.toml").read_text("utf-8")
)["pumps"]
"""The pump profiles as shipped (battery life and ERI-to-EOS days are inputs)."""


def test_critical_alarms_are_two_tone_and_the_others_single_tone() -> None:
    catalog = alarm_catalog()
    # intrathecal.md §1.4: critical two-tone, non-critical single tone about hourly
    critical = {"EMPTY_RESERVOIR", "END_OF_SERVICE", "MOTOR_STALL", "CRITICAL_MEMORY"}
    non_critical = {"LOW_RESERVOIR", "ERI", "MEMORY"}
    assert set(catalog) == critical | non_critical
    for code in critical:
        assert catalog[code]["critical"] is True and catalog[code]["tone"] == "two-tone"
    for code in non_critical:
        assert catalog[code]["critical"] is False and catalog[code]["tone"].startswith("single")


def _p2() -> tuple[dict[str, object], dict[str, object]]:
    program = tomllib.loads(example_pump_text())
    program["fill_date"] = program["fill_date"].isoformat()
    return program, check_pump_data(program)[1].to_dict()


def test_reservoir_alarms_follow_the_basal_delivery_and_the_boluses(db_path) -> None:
    program, report = _p2()
    # independent: P2 delivers 3.0 mg/day of 25 mg/mL = 0.12 mL/day from 20 mL filled 2025-01-01
    alarm_ml = float(report["low_reservoir_alarm_ml"])  # type: ignore[arg-type]
    rate_ml_per_day = 3.0 / 25.0
    first_low = math.ceil((20.0 - alarm_ml) / rate_ml_per_day)
    first_empty = math.ceil(20.0 / rate_ml_per_day)
    fill = dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC)
    conn = connect(db_path)
    try:

        def codes(days: int) -> list[str]:
            at = fill + dt.timedelta(days=days)
            return [a["code"] for a in pump_alarms(conn, "ITDD-01", {}, program, report, at)]

        assert codes(first_low - 1) == []
        assert codes(first_low) == ["LOW_RESERVOIR"]
        assert codes(first_empty - 1) == ["LOW_RESERVOIR"]
        assert codes(first_empty) == ["EMPTY_RESERVOIR"]
        # granted boluses (0.25 mg = 0.01 mL each) bring the alarm forward: 10 x 0.01 mL = 0.1 mL
        before = first_low - 1
        left = 20.0 - rate_ml_per_day * before
        n = math.ceil((left - alarm_ml) / 0.01) + 1
        for k in range(n):
            conn.execute(
                "INSERT INTO bolus_requests (patient_id, sim_utc, decision, utc, username) "
                "VALUES ('ITDD-01', ?, 'granted', 'x', 'pat2')",
                ((fill + dt.timedelta(days=1, hours=k)).isoformat(),),
            )
        assert codes(before) == ["LOW_RESERVOIR"]
    finally:
        conn.close()


def test_pump_page_and_controller_sound_the_alarms(signed_in, db_path) -> None:
    clin1, _, _, _ = _write_p2(signed_in)
    # the fake clock reads 2026-01-05: a year after the 2025-01-01 fill the reservoir is empty
    page = clin1.get(PUMP).text
    assert "CRITICAL: EMPTY_RESERVOIR</strong> — sounds a two-tone alarm" in page
    conn = connect(db_path)
    try:
        patient = get_patient(conn, "ITDD-01")
        assert patient is not None
        update_record(conn, "ITDD-01", {**patient.record, "pump_alarms": ["ERI"]})
        conn.commit()
    finally:
        conn.close()
    page = clin1.get(PUMP).text
    assert page.index("EMPTY_RESERVOIR") < page.index("non-critical: ERI")  # critical first
    assert "sounds a single tone, about hourly alarm" in page
    pat, _ = signed_in("pat2")
    html = pat.get("/controller").text
    assert "Critical alarm (two-tone): EMPTY_RESERVOIR" in html
    assert "Alarm (single tone, about hourly): ERI" in html


def test_no_program_no_alarm(signed_in) -> None:
    clin, _ = signed_in("clin1")
    page = clin.get(PUMP).text
    assert "No alarm sounding." in page


def test_battery_alarms_follow_the_implant_date(db_path) -> None:
    """ERI from the elective replacement date, END_OF_SERVICE from the end-of-service date of
    the program's implant date (intrathecal.md §1.4: the pump's battery life, then a stop 90
    days after ERI): the dates are computed here from the catalog's life and ERI-to-EOS days,
    not taken from the report; an ERI also set on the case sounds once."""
    program, _ = _p2()
    implant = dt.date(2019, 3, 1)
    program["implant_date"] = implant.isoformat()
    report = check_pump_data(program)[1].to_dict()
    pump = PUMP_CATALOG[str(program["pump"])]
    eos = implant.replace(year=implant.year + int(pump["battery_life_years"]))
    eri = eos - dt.timedelta(days=int(pump["eri_to_eos_days"]))
    conn = connect(db_path)
    try:

        def codes(day: dt.date, preset: tuple[str, ...] = ()) -> list[str]:
            at = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
            record = {"pump_alarms": list(preset)}
            alarms = pump_alarms(conn, "ITDD-01", record, program, report, at)
            return [a["code"] for a in alarms if "RESERVOIR" not in a["code"]]

        day = dt.timedelta(days=1)
        assert codes(eri - day) == []
        assert codes(eri) == ["ERI"]
        assert codes(eri, ("ERI",)) == ["ERI"]  # the case's ERI does not sound twice
        assert codes(eos - day) == ["ERI"]
        assert codes(eos) == ["END_OF_SERVICE"]
        assert codes(eos, ("MEMORY",)) == ["END_OF_SERVICE", "MEMORY"]  # critical first
    finally:
        conn.close()
