"""The patient controller page (clinic-web §2, scenario 7): forms without JavaScript, "+"
disabled at the patient maximum, refusals shown and audited, "all off" confirmed, MRI mode."""

from __future__ import annotations

import re

from tests.web.conftest import PATIENT, audit_rows, tonic_program


def _setup(signed_in):  # type: ignore[no-untyped-def]
    clin, token = signed_in("clin1")
    r = clin.put(
        f"/api/patients/{PATIENT}/programs/1",
        json={"program": tonic_program(amplitude_ma=5.8), "version": 0},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200, r.text
    return signed_in("pat1")


def _press(client, token: str, action: str, **form: str):  # type: ignore[no-untyped-def]
    version = client.get(f"/api/patients/{PATIENT}/controller").json()["version"]
    data = {"csrf_token": token, "version": str(version), "action": action, **form}
    return client.post("/controller", data=data, follow_redirects=False)


def test_patient_steps_to_the_maximum_then_plus_is_disabled(signed_in, db_path) -> None:
    pat, token = _setup(signed_in)
    page = pat.get("/controller")
    assert page.status_code == 200 and f'name="csrf_token" value="{token}"' in page.text
    assert _press(pat, token, "select", slot="1").status_code == 303
    assert _press(pat, token, "on").status_code == 303
    assert _press(pat, token, "up").status_code == 303  # 5.8 -> 5.9
    assert _press(pat, token, "up").status_code == 303  # 5.9 -> 6.0
    html = pat.get("/controller").text
    assert re.search(r'id="level-1">6.00<', html)
    assert re.search(r'aria-label="level up" disabled', html)
    # the server refuses above the maximum all the same (a forged form), device unchanged
    n_rows = len(audit_rows(db_path))
    r = _press(pat, token, "up")
    assert r.status_code == 422 and "patient limits 2-6 mA" in r.text and 'role="alert"' in r.text
    assert (
        pat.get(f"/api/patients/{PATIENT}/controller").json()["programs"][0]["amplitude_ma"] == 6.0
    )
    row = audit_rows(db_path)[-1]
    assert len(audit_rows(db_path)) == n_rows + 1
    assert (row["role"], row["outcome"], row["action"]) == (
        "patient",
        "refused",
        "controller.change",
    )


def test_all_off_asks_to_confirm(signed_in) -> None:
    pat, token = _setup(signed_in)
    _press(pat, token, "select", slot="1")
    _press(pat, token, "on")
    r = _press(pat, token, "all_off")
    assert r.status_code == 200 and "Turn all stimulation off?" in r.text
    assert pat.get(f"/api/patients/{PATIENT}/controller").json()["stimulation_on"] is True
    assert _press(pat, token, "all_off_confirm").status_code == 303
    assert pat.get(f"/api/patients/{PATIENT}/controller").json()["stimulation_on"] is False


def test_mri_mode_stops_stimulation_and_keeps_it_off(signed_in) -> None:
    pat, token = _setup(signed_in)
    _press(pat, token, "select", slot="1")
    _press(pat, token, "on")
    assert _press(pat, token, "mri_on").status_code == 303
    state = pat.get(f"/api/patients/{PATIENT}/controller").json()
    assert state["mri_mode"] is True and state["stimulation_on"] is False
    r = _press(pat, token, "on")
    assert r.status_code == 422 and "MRI mode" in r.text
    assert _press(pat, token, "mri_off").status_code == 303
    assert _press(pat, token, "on").status_code == 303


def test_controller_page_is_the_patients_only(signed_in) -> None:
    clin, _ = signed_in("clin1")
    assert clin.get("/controller").status_code == 403


def test_report_summarises_the_patients_adjustments(signed_in) -> None:
    pat, token = _setup(signed_in)
    _press(pat, token, "select", slot="1")
    _press(pat, token, "up")  # 5.8 -> 5.9
    _press(pat, token, "up")  # 5.9 -> 6.0
    _press(pat, token, "up")  # refused above the maximum
    clin, _ = signed_in("clin1")
    summary = clin.get(f"/api/patients/{PATIENT}/report").json()["usage_summary"]
    assert summary["adjustments"] == 2 and summary["refused"] == 1
    assert summary["mean_level_ma"] == round((5.9 + 6.0) / 2, 3)


def test_controller_shows_both_batteries_and_when_to_charge(signed_in) -> None:
    from neurostim.device import load_profile

    pat, token = _setup(signed_in)
    html = pat.get("/controller").text
    assert re.search(r'id="controller-battery">90.0 %<', html)  # the demo record
    assert re.search(r'id="stimulator-battery">80.0 % \(rechargeable\)', html)
    assert "charge within" not in html  # no program in use yet
    _press(pat, token, "select", slot="1")
    _press(pat, token, "on")
    html = pat.get("/controller").text
    # independent: 5.8 mA x 300 us x 50 /s = 87 uA cathodic, doubled by the active recharge,
    # plus the demo stimulator's 10 + 20 uA constant drains = 204 uA on average; the charge left
    # (80 % of the usable 0.8 x 200 mAh = 128 mAh) lasts 128 / (0.204 mA x 24 h) = 26.1 days
    battery = load_profile("multiwave-rechargeable-16").battery
    assert (battery.capacity_mah, battery.usable_fraction) == (200.0, 0.8)
    average_ua = 5.8e-3 * 300e-6 * 50 * 1e6 * 2 + 30
    days = 0.8 * 0.8 * 200.0 / (average_ua * 1e-3 * 24)
    assert f"{average_ua:.0f} µA on average, charge within {days:.1f} days" in html
    assert "when stimulation is on" not in html
