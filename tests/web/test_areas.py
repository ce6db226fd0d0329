"""Per-area restore on the patient controller (clinic-web §2 [S AXPP16, BSC-RC]): "all off"
turns every area (train) of the program in use off; the patient restores them one at a time;
MRI mode refuses a restore; every change and refusal is an audit row."""

from __future__ import annotations

import re

from tests.web.conftest import PATIENT, audit_rows, tonic_program

API = f"/api/patients/{PATIENT}/controller"


def _two_areas(signed_in):  # type: ignore[no-untyped-def]
    clin, token = signed_in("clin1")
    program = tonic_program(amplitude_ma=3.0)
    second = {**program["trains"][0], "rate_hz": 40, "contacts": {"L2.E4": -100, "L2.E5": 100}}  # type: ignore[index]
    program["trains"] = [*program["trains"], second]  # type: ignore[misc]
    r = clin.put(
        f"/api/patients/{PATIENT}/programs/1",
        json={"program": program, "version": 0},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200, r.text
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


def test_the_page_offers_a_restore_per_area_after_all_off(signed_in) -> None:
    pat, token = _two_areas(signed_in)
    _put(pat, token, active_slot=1, stimulation_on=True)

    def press(action: str, **form: str):  # type: ignore[no-untyped-def]
        version = str(pat.get(API).json()["version"])
        data = {"csrf_token": token, "version": version, "action": action, **form}
        return pat.post("/controller", data=data, follow_redirects=False)

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
