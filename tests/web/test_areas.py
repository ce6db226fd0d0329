"""Per-area restore and per-area level on the patient controller (clinic-web §2 [S AXPP16,
BSC-RC]): "all off" turns every area (train) of the program in use off; the patient restores
them one at a time; MRI mode refuses a restore; the patient sets the level of one area within
the program's patient limits, checked by the device with every train at the level it runs;
every change and refusal is an audit row."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import PATIENT, audit_rows, tonic_program

API = f"/api/patients/{PATIENT}/controller"

# The program of these tests: two tonic areas at 3.0 mA, 300 us, 50 Hz and 40 Hz; the patient
# range 2.0-6.0 mA (tonic_program); the stimulator's amplitude grid 0.1 mA
# (multiwave-rechargeable-16).
PROGRAMMED_MA = 3.0
PW_US = 300.0
RATE_2_HZ = 40.0
MIN_MA, MAX_MA = 2.0, 6.0


def _program(second_ma: float = PROGRAMMED_MA) -> dict[str, Any]:
    program: dict[str, Any] = tonic_program(amplitude_ma=PROGRAMMED_MA)
    second = {
        **program["trains"][0],
        "amplitude_ma": second_ma,
        "rate_hz": RATE_2_HZ,
        "contacts": {"L2.E4": -100, "L2.E5": 100},
    }
    program["trains"] = [*program["trains"], second]
    return program


def _write(signed_in, version: int = 0, second_ma: float = PROGRAMMED_MA) -> None:  # type: ignore[no-untyped-def]
    clin, token = signed_in("clin1")
    r = clin.put(
        f"/api/patients/{PATIENT}/programs/1",
        json={"program": _program(second_ma), "version": version},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200, r.text


def _two_areas(signed_in):  # type: ignore[no-untyped-def]
    _write(signed_in)
    pat, ptoken = signed_in("pat1")
    return pat, ptoken


def _put(pat, token: str, **change: object):  # type: ignore[no-untyped-def]
    version = pat.get(API).json()["version"]
    return pat.put(API, json={"version": version, **change}, headers={"X-CSRF-Token": token})


def _states(pat) -> list[bool]:  # type: ignore[no-untyped-def]
    return [a["on"] for a in pat.get(API).json()["areas"]]


def test_all_off_then_restore_one_area_at_a_time(signed_in, db_path) -> None:
    pat, token = _two_areas(signed_in)
    assert _put(pat, token, active_slot=1, stimulation_on=True).status_code == 200
    assert _states(pat) == [True, True]
    assert _put(pat, token, stimulation_on=False).status_code == 200  # all off
    assert _states(pat) == [False, False]
    r = _put(pat, token, restore_area=2)
    assert r.status_code == 200 and r.json()["stimulation_on"] is True
    assert _states(pat) == [False, True]
    row = audit_rows(db_path)[-1]
    assert (row["action"], row["outcome"], row["role"]) == ("controller.change", "ok", "patient")
    assert row["detail"]["before"]["areas_off"] == [1, 2]
    assert row["detail"]["after"]["areas_off"] == [1]
    assert _put(pat, token, restore_area=1).status_code == 200
    assert _states(pat) == [True, True]


def test_a_restore_outside_the_program_or_in_mri_mode_is_refused(signed_in, db_path) -> None:
    pat, token = _two_areas(signed_in)
    _put(pat, token, active_slot=1, stimulation_on=True)
    _put(pat, token, stimulation_on=False)
    r = _put(pat, token, restore_area=3)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "restore_area" and "1..2" in r.text
    assert _states(pat) == [False, False]
    assert _put(pat, token, mri_mode=True).status_code == 200
    r = _put(pat, token, restore_area=1)
    assert r.status_code == 422 and "MRI mode" in r.text
    assert _states(pat) == [False, False] and pat.get(API).json()["stimulation_on"] is False
    assert audit_rows(db_path)[-1]["outcome"] == "refused"


def _presser(pat, token: str):  # type: ignore[no-untyped-def]
    """A button of the controller page: ``press(action, **form)`` at the state's version."""

    def press(action: str, **form: str):  # type: ignore[no-untyped-def]
        version = str(pat.get(API).json()["version"])
        data = {"csrf_token": token, "version": version, "action": action, **form}
        return pat.post("/controller", data=data, follow_redirects=False)

    return press


def test_the_page_offers_a_restore_per_area_after_all_off(signed_in) -> None:
    pat, token = _two_areas(signed_in)
    _put(pat, token, active_slot=1, stimulation_on=True)

    press = _presser(pat, token)

    assert "Turn all stimulation off?" in press("all_off").text
    assert press("all_off_confirm").status_code == 303
    html = pat.get("/controller").text
    assert "all off; restore them one at a time" in html
    assert re.search(r'id="area-1">off<', html) and re.search(r'id="area-2">off<', html)
    assert 'aria-label="restore area 1"' in html and "L2.E4- L2.E5+ (tonic, 40 Hz)" in html
    assert press("restore_area", area="1").status_code == 303
    html = pat.get("/controller").text
    assert re.search(r'id="area-1">on<', html) and re.search(r'id="area-2">off<', html)
    assert 'aria-label="restore area 1"' not in html


def _levels(pat) -> list[float]:  # type: ignore[no-untyped-def]
    return [a["amplitude_ma"] for a in pat.get(API).json()["areas"]]


def _stored_area_levels(db_path: Path) -> str:
    conn = sqlite3.connect(db_path)
    try:
        row = conn.execute(
            "SELECT area_amplitude_ma_json FROM controller WHERE patient_id = ?", (PATIENT,)
        ).fetchone()
    finally:
        conn.close()
    return str(row[0])


def _average_current_ua(db_path: Path) -> float:
    from neurostim.web import connect
    from neurostim.web.controller import battery_status
    from neurostim.web.store import get_patient

    conn = connect(db_path)
    try:
        patient = get_patient(conn, PATIENT)
        assert patient is not None
        return float(battery_status(conn, PATIENT, patient.record)["program"]["average_current_ua"])
    finally:
        conn.close()


def test_an_area_level_changes_that_area_only_and_the_device_runs_it(signed_in, db_path) -> None:
    from neurostim.device import check_program, parse_program

    pat, token = _two_areas(signed_in)
    assert _put(pat, token, active_slot=1, stimulation_on=True).status_code == 200
    assert _levels(pat) == [PROGRAMMED_MA, PROGRAMMED_MA]
    before_ua = _average_current_ua(db_path)
    r = _put(pat, token, area=2, amplitude_ma=4.0)
    assert r.status_code == 200, r.text
    assert [a["amplitude_ma"] for a in r.json()["areas"]] == [PROGRAMMED_MA, 4.0]
    assert r.json()["programs"][0]["amplitude_ma"] == PROGRAMMED_MA  # the program's level
    after_ua = _average_current_ua(db_path)
    # area 2 only: 1 mA more for 300 us at 40 Hz, and the active recharge phase draws the same
    # charge again (profile active_recharge_cost = 1.0): 2 * 1 mA * 300 us * 40 Hz = 24 uA
    assert after_ua - before_ua == pytest.approx(2 * 1000.0 * PW_US * 1e-6 * RATE_2_HZ)
    program = _program()
    program["trains"][1]["amplitude_ma"] = 4.0
    reference = check_program(parse_program(program, validate=False)).battery
    assert reference is not None
    assert after_ua == pytest.approx(reference.to_dict()["average_current_ua"])
    row = audit_rows(db_path)[-1]
    assert (row["action"], row["outcome"]) == ("controller.change", "ok")
    assert {k: row["detail"]["change"][k] for k in ("area", "amplitude_ma")} == {
        "area": 2,
        "amplitude_ma": 4.0,
    }
    assert row["detail"]["before"]["area_amplitude_ma"] == {}
    assert row["detail"]["after"]["area_amplitude_ma"] == {"1": {"2": 4.0}}


def test_an_area_level_beyond_the_patient_range_is_refused_and_nothing_changes(
    signed_in, db_path
) -> None:
    pat, token = _two_areas(signed_in)
    _put(pat, token, active_slot=1, stimulation_on=True)
    assert _put(pat, token, area=1, amplitude_ma=MAX_MA).status_code == 200
    version = pat.get(API).json()["version"]
    for amplitude in (MAX_MA + 0.5, MIN_MA - 0.5, 4.05):  # above, below, off the 0.1 mA grid
        r = _put(pat, token, area=2, amplitude_ma=amplitude)
        assert r.status_code == 422, r.text
        errors = r.json()["errors"]
        assert len(errors) == 1
        assert errors[0]["field"] == "amplitude_ma" and errors[0]["value"] == amplitude
        row = audit_rows(db_path)[-1]
        assert (row["action"], row["outcome"]) == ("controller.change", "refused")
        assert row["detail"]["errors"] == errors
    assert "outside the patient limits" in _put(pat, token, area=2, amplitude_ma=6.5).text
    state = pat.get(API).json()
    assert state["version"] == version
    assert _levels(pat) == [MAX_MA, PROGRAMMED_MA]
    assert _stored_area_levels(db_path) == '{"1": {"1": 6.0}}'


def test_an_area_beyond_the_program_or_without_an_amplitude_is_refused(signed_in, db_path) -> None:
    pat, token = _two_areas(signed_in)
    _put(pat, token, active_slot=1, stimulation_on=True)
    version = pat.get(API).json()["version"]
    r = _put(pat, token, area=3, amplitude_ma=4.0)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "area", "value": 3, "allowed": "an area of the program in use: 1..2"}
    ]
    assert audit_rows(db_path)[-1]["outcome"] == "refused"
    r = _put(pat, token, area=1)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "area", "value": 1, "allowed": "together with amplitude_ma"}
    ]
    assert audit_rows(db_path)[-1]["outcome"] == "refused"
    for bad in (0, 17, "1", 1.5):
        r = _put(pat, token, area=bad, amplitude_ma=4.0)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "area", r.text
    assert pat.get(API).json()["version"] == version
    assert _levels(pat) == [PROGRAMMED_MA, PROGRAMMED_MA]
    assert _stored_area_levels(db_path) == "{}"


def test_a_program_level_sets_every_area_and_forgets_the_area_levels(signed_in, db_path) -> None:
    pat, token = _two_areas(signed_in)
    _put(pat, token, active_slot=1, stimulation_on=True)
    assert _put(pat, token, area=2, amplitude_ma=4.0).status_code == 200
    assert _put(pat, token, amplitude_ma=5.0).status_code == 200
    assert _levels(pat) == [5.0, 5.0]
    assert _stored_area_levels(db_path) == "{}"
    # an area without its own level runs the program's patient level
    assert _put(pat, token, area=1, amplitude_ma=4.5).status_code == 200
    assert _levels(pat) == [4.5, 5.0]


def test_a_clinician_rewrite_resets_the_area_levels(signed_in, db_path) -> None:
    pat, token = _two_areas(signed_in)
    _put(pat, token, active_slot=1, stimulation_on=True)
    assert _put(pat, token, area=2, amplitude_ma=4.0).status_code == 200
    version = pat.get(API).json()["version"]
    _write(signed_in, version=1, second_ma=3.5)
    state = pat.get(API).json()
    assert state["version"] == version + 1
    assert _levels(pat) == [PROGRAMMED_MA, 3.5]  # each area at its programmed amplitude
    assert _stored_area_levels(db_path) == "{}"


def test_a_stale_area_level_is_a_conflict(signed_in, db_path) -> None:
    pat, token = _two_areas(signed_in)
    _put(pat, token, active_slot=1, stimulation_on=True)
    version = pat.get(API).json()["version"]
    body = {"version": version - 1, "area": 1, "amplitude_ma": 4.0}
    r = pat.put(API, json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 409 and r.json()["current_version"] == version
    assert audit_rows(db_path)[-1]["outcome"] == "refused"
    assert _levels(pat) == [PROGRAMMED_MA, PROGRAMMED_MA]


def test_the_page_steps_each_area_within_the_patient_range(signed_in, db_path) -> None:
    pat, token = _two_areas(signed_in)
    _put(pat, token, active_slot=1, stimulation_on=True)

    press = _presser(pat, token)

    html = pat.get("/controller").text
    assert '<th scope="col">Level (mA)</th>' in html
    assert 'id="area-level-1">3.00<' in html and 'id="area-level-2">3.00<' in html
    assert press("area_up", area="2").status_code == 303
    assert press("area_down", area="1").status_code == 303
    assert _levels(pat) == [pytest.approx(PROGRAMMED_MA - 0.1), pytest.approx(PROGRAMMED_MA + 0.1)]
    html = pat.get("/controller").text
    assert 'id="area-level-1">2.90<' in html and 'id="area-level-2">3.10<' in html
    assert "at 2.90 / 3.10 mA (areas 1 / 2)" in html  # the battery line runs both levels
    # at the patient maximum "+" is disabled, at the minimum "−"
    assert _put(pat, token, area=1, amplitude_ma=MAX_MA).status_code == 200
    assert _put(pat, token, area=2, amplitude_ma=MIN_MA).status_code == 200
    html = pat.get("/controller").text
    assert re.search(r'aria-label="level up area 1" disabled', html)
    assert not re.search(r'aria-label="level down area 1" disabled', html)
    assert re.search(r'aria-label="level down area 2" disabled', html)
    assert not re.search(r'aria-label="level up area 2" disabled', html)
    # the server refuses a step past the maximum all the same (a stale page, no JavaScript)
    r = press("area_up", area="1")
    assert r.status_code == 422 and "outside the patient limits" in r.text
    assert audit_rows(db_path)[-1]["outcome"] == "refused"
    assert _levels(pat) == [MAX_MA, MIN_MA]
    assert press("area_up", area="3").status_code == 422
