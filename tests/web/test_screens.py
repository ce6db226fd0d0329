"""The programming screens (clinic-web §1.2, §4 rule 6, scenarios 2-5 and 10): HTML forms that
work without JavaScript, htmx partials, refusals with field/value/allowed, audit rows."""

from __future__ import annotations

import re

from neurostim.web import connect
from tests.web.conftest import PATIENT, SANDBOX, audit_rows

EDIT = f"/patients/{PATIENT}/programs/1"
SHIPPED_TONIC = {"pol_L1.E4": "-", "pol_L2.E4": "-", "pol_L1.E5": "+", "pol_L2.E5": "+"}
"""The trial programs' tonic configuration (its coverage table is shipped)."""
UNMAPPED = {"pol_L1.E3": "-", "pol_L1.E6": "+"}
"""A bipole without a coverage table: no prediction, so the patient never stops a titration
(for tests of something else than the patient's answers)."""


def _configure(client, token: str, slot: int = 1, **fields: str):  # type: ignore[no-untyped-def]
    form = {"csrf_token": token, "waveform": "tonic", "pulse_width_us": "300", "rate_hz": "50"}
    form.update(fields)
    return client.post(
        f"/patients/{PATIENT}/programs/{slot}/configure", data=form, follow_redirects=False
    )


def _titrate(client, token: str, htmx: bool = False, **form: str):  # type: ignore[no-untyped-def]
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        f"{EDIT}/titrate", data={"csrf_token": token, **form}, headers=headers,
        follow_redirects=False,
    )  # fmt: skip


def _amplitude(html: str) -> float:
    m = re.search(r'id="amplitude">([0-9.]+) mA<', html)
    assert m is not None
    return float(m.group(1))


def _tests(db_path) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    conn = connect(db_path)
    try:
        return [tuple(r) for r in conn.execute("SELECT patient_id, slot FROM test_stimulation")]
    finally:
        conn.close()


def test_patient_page_connect_leads_and_impedance(signed_in, db_path) -> None:
    clin, token = signed_in("clin1")
    page = clin.get(f"/patients/{PATIENT}")
    assert page.status_code == 200
    html = page.text
    assert "multiwave-rechargeable-16" in html and "DEMO-0001" in html and "T8–T10" in html
    assert f'name="csrf_token" value="{token}"' in html
    assert re.search(r"L1\.E7</th>\s*<td>-</td>\s*<td>open</td>", html)
    r = clin.post(
        f"/patients/{PATIENT}/impedance", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    row = audit_rows(db_path)[-1]
    assert (row["action"], row["outcome"]) == ("impedance.check", "ok")
    assert row["detail"]["status"]["L1.E7"] == "open"
    assert row["detail"]["impedance_ohm"]["L1.E4"] == 525.0  # the profile's default impedance
    assert "L1.E7" not in row["detail"]["impedance_ohm"]
    assert re.search(
        r"L1\.E4</th>\s*<td>525</td>\s*<td>ok</td>", clin.get(f"/patients/{PATIENT}").text
    )


def test_students_reach_sandbox_pages_only(signed_in) -> None:
    stud, _ = signed_in("stud1")
    assert stud.get(f"/patients/{PATIENT}").status_code == 403
    assert stud.get(f"/patients/{SANDBOX}").status_code == 200
    assert stud.get(f"/patients/{PATIENT}/programs/1/edit").status_code == 403
    pat, _ = signed_in("pat1")
    assert pat.get(f"/patients/{PATIENT}").status_code == 403


def test_open_contact_is_not_selectable_and_refused(signed_in, db_path) -> None:
    clin, token = signed_in("clin1")
    html = clin.get(f"{EDIT}/edit").text
    assert re.search(r'<select id="pol_L1\.E7" disabled', html)
    assert 'name="pol_L1.E7"' not in html
    r = _configure(clin, token, **{"pol_L1.E7": "-", "pol_L1.E5": "+"})
    assert r.status_code == 422
    assert "trains[0].contacts.L1.E7" in r.text and "open circuit" in r.text
    assert _tests(db_path) == []
    row = audit_rows(db_path)[-1]
    assert (row["action"], row["outcome"]) == ("test.configure", "refused")


def test_amplitude_locked_until_anode_and_cathode(signed_in) -> None:
    clin, token = signed_in("clin1")
    assert _configure(clin, token, **{"pol_L1.E4": "-"}).status_code == 303
    html = clin.get(f"{EDIT}/edit").text
    assert "Amplitude locked at 0" in html
    assert re.search(r'value="up" disabled', html)
    r = _titrate(clin, token, step="up")
    assert r.status_code == 422 and "0 until the configuration has an anode" in r.text
    assert _configure(clin, token, **{"pol_L1.E4": "-", "pol_L1.E5": "+"}).status_code == 303
    r = _titrate(clin, token, step="up")
    assert r.status_code == 303
    page = clin.get(f"{EDIT}/edit").text
    assert _amplitude(page) == 0.1  # the profile's 0.1 mA step
    assert re.search(r"Paradigm: <strong>tonic</strong> \(paresthesia", page)


def test_titration_partial_and_discomfort_stop(signed_in, db_path) -> None:
    from neurostim.device import parse_program
    from neurostim.patient.coverage import coverage_table

    clin, token = signed_in("clin1")
    assert _configure(clin, token, **SHIPPED_TONIC).status_code == 303
    # independent: the shipped table's PT at the demo anatomy (dCSF 3.0 mm, on the midline)
    program = parse_program(
        {
            "stimulator": "multiwave-rechargeable-16",
            "leads": ["percutaneous-8", "percutaneous-8"],
            "trains": [
                {
                    "waveform": "tonic",
                    "amplitude_ma": 1.0,
                    "pulse_width_us": 300,
                    "rate_hz": 50,
                    "contacts": {"L1.E4": -50, "L2.E4": -50, "L1.E5": 50, "L2.E5": 50},
                }
            ],
        },
        validate=False,
    )
    pt_ma = float(coverage_table(program, build=False, progress=False).pt_ma(3.0, 0.0)[0])
    discomfort_ma = 1.5 * pt_ma  # the demo record's discomfort ratio
    r = _titrate(clin, token, htmx=True, amplitude_ma=f"{round(pt_ma - 0.05, 1):.1f}")
    assert r.status_code == 200 and "<html" not in r.text and 'id="titration"' in r.text
    assert "I feel nothing" in r.text and "stimulating" in r.text
    stopped = False
    for _ in range(30):
        r = _titrate(clin, token, htmx=True, step="up")
        assert r.status_code == 200
        if "stimulation stopped" in r.text:
            stopped = True
            break
        amplitude = _amplitude(r.text)
        assert amplitude < discomfort_ma
        if amplitude >= pt_ma:
            assert "I feel nothing" not in r.text
    assert stopped and _amplitude(r.text) == 0.0
    row = audit_rows(db_path)[-1]
    assert row["action"] == "test.stop"
    assert row["detail"]["amplitude_ma"] >= discomfort_ma - 1e-9
    assert row["detail"]["amplitude_ma"] < discomfort_ma + 0.1 + 1e-9


def test_bad_amplitudes_and_train_fields_are_refused_inline(signed_in, db_path) -> None:
    clin, token = signed_in("clin1")
    _configure(clin, token, **{"pol_L1.E4": "-", "pol_L1.E5": "+"})
    for value, allowed in (
        ("abc", "a number in mA"),
        ("-1", "must be a finite number &gt;= 0 mA"),
        ("99", "above the range"),
        ("4.333", "step grid"),
    ):
        n_rows = len(audit_rows(db_path))
        r = _titrate(clin, token, amplitude_ma=value)
        assert r.status_code == 422, value
        assert 'role="alert"' in r.text and "amplitude_ma" in r.text and allowed in r.text
        assert f"<code>{value}</code>" in r.text or f"<code>{float(value)}</code>" in r.text
        assert len(audit_rows(db_path)) == n_rows + 1
    assert _amplitude(clin.get(f"{EDIT}/edit").text) == 0.0  # nothing changed
    r = _configure(clin, token, pulse_width_us="5", **{"pol_L1.E4": "-", "pol_L1.E5": "+"})
    assert r.status_code == 422 and "pulse_width_us" in r.text and "is below the range" in r.text
    r = _configure(clin, token, rate_hz="0", **{"pol_L1.E4": "-", "pol_L1.E5": "+"})
    assert r.status_code == 422 and "rate_hz" in r.text


def _charge_density_program(clin, token: str) -> str:  # type: ignore[no-untyped-def]
    assert (
        _configure(
            clin, token, pulse_width_us="500", case_anode="on", **{"pol_L1.E4": "-"}
        ).status_code
        == 303
    )
    assert _titrate(clin, token, amplitude_ma="8.5").status_code == 303
    return clin.post(
        f"{EDIT}/review",
        data={"csrf_token": token, "name": "Leg tonic", "amplitude_min_ma": "2.0",
              "amplitude_max_ma": "8.5"},
    ).text  # fmt: skip


def test_review_requires_each_warning_acknowledged(signed_in, db_path) -> None:
    clin, token = signed_in("clin1")
    html = _charge_density_program(clin, token)
    # 8.5 mA x 500 us on one 12.25 mm2 contact: 4.25 uC / 0.1225 cm2 = 34.69 uC/cm2
    assert f"{8.5e-3 * 500e-6 * 1e6 / 0.1225:.2f}" == "34.69"
    assert 'value="charge-density@L1.E4"' in html and "34.69 uC/cm^2" in html
    program_json = re.search(r'name="program_json" value="([^"]*)"', html).group(1)  # type: ignore[union-attr]
    import html as html_lib

    form = {"csrf_token": token, "program_json": html_lib.unescape(program_json), "version": "0"}
    r = clin.post(f"{EDIT}/write", data=form, follow_redirects=False)
    assert r.status_code == 422 and "acknowledged" in r.text
    assert clin.get(f"/api/patients/{PATIENT}/programs/1").status_code == 404
    keys = re.findall(r'name="acknowledged" value="([^"]+)"', html)
    r = clin.post(f"{EDIT}/write", data={**form, "acknowledged": keys}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/report#slot-1")
    saved = clin.get(f"/api/patients/{PATIENT}/programs/1").json()
    assert saved["program"]["trains"][0]["amplitude_ma"] == 8.5
    assert _tests(db_path) == []  # the device runs the saved program now
    report = clin.get(f"/patients/{PATIENT}/report").text
    assert "charge-density@L1.E4" in report and "Leg tonic" in report
    writes = [r for r in audit_rows(db_path) if r["action"] == "program.write"]
    assert (
        writes[-1]["outcome"] == "ok"
        and "charge-density@L1.E4" in writes[-1]["detail"]["acknowledged"]
    )


def test_stale_write_shows_the_difference(signed_in) -> None:
    clin, token = signed_in("clin1")
    html = _charge_density_program(clin, token)
    import html as html_lib

    program_json = html_lib.unescape(
        re.search(r'name="program_json" value="([^"]*)"', html).group(1)  # type: ignore[union-attr]
    )
    keys = re.findall(r'name="acknowledged" value="([^"]+)"', html)
    form = {"csrf_token": token, "program_json": program_json, "version": "0", "acknowledged": keys}
    assert clin.post(f"{EDIT}/write", data=form, follow_redirects=False).status_code == 303
    r = clin.post(f"{EDIT}/write", data=form, follow_redirects=False)
    assert r.status_code == 409 and "someone else saved this slot first" in r.text


def test_logout_reverts_unsaved_test_stimulation(signed_in, db_path) -> None:
    clin, token = signed_in("clin1")
    _configure(clin, token, **UNMAPPED)
    _titrate(clin, token, amplitude_ma="3.0")
    assert _tests(db_path) == [(PATIENT, 1)]
    r = clin.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert _tests(db_path) == []
    revert = [r for r in audit_rows(db_path) if r["action"] == "test.revert"]
    assert revert[-1]["detail"]["reason"] == "logout"
    assert revert[-1]["detail"]["reverted"]["trains"][0]["amplitude_ma"] == 3.0


def test_idle_timeout_reverts_unsaved_test_stimulation(signed_in, db_path, clock) -> None:
    clin, token = signed_in("clin1")
    _configure(clin, token, **UNMAPPED)
    _titrate(clin, token, amplitude_ma="3.0")
    clock.advance(minutes=16)
    assert clin.get(f"{EDIT}/edit", follow_redirects=False).status_code == 303
    assert _tests(db_path) == []
    # out of touch for 16 min: the link timeout (120 s) ended the test before the idle timeout
    revert = [r for r in audit_rows(db_path) if r["action"] == "test.revert"]
    assert revert[-1]["detail"]["reason"] == "lost link"
    assert "session.expired" in [r["action"] for r in audit_rows(db_path)]


def test_another_session_cannot_titrate_a_running_test(signed_in) -> None:
    clin1, t1 = signed_in("clin1")
    clin2, t2 = signed_in("clin2")
    _configure(clin1, t1, **{"pol_L1.E4": "-", "pol_L1.E5": "+"})
    r = _titrate(clin2, t2, step="up")
    assert r.status_code == 422 and "unsaved test program of clin1" in r.text


def test_a_configuration_change_sets_the_amplitude_to_zero(signed_in, db_path) -> None:
    clin, token = signed_in("clin1")
    _configure(clin, token, **UNMAPPED)
    assert _titrate(clin, token, amplitude_ma="3.0").status_code == 303
    assert _amplitude(clin.get(f"{EDIT}/edit").text) == 3.0
    _configure(clin, token, **{"pol_L1.E3": "-", "pol_L1.E5": "+"})
    assert _amplitude(clin.get(f"{EDIT}/edit").text) == 0.0
    row = audit_rows(db_path)[-1]
    assert row["action"] == "test.configure" and row["detail"]["amplitude_ma"] == 0.0


def test_burst_shows_the_battery(signed_in) -> None:
    clin, token = signed_in("clin1")
    r = _configure(
        clin,
        token,
        waveform="burst",
        recharge="passive",
        pulse_width_us="1000",
        rate_hz="40",
        pulses_per_burst="5",
        intraburst_rate_hz="500",
        **{"pol_L1.E4": "-", "pol_L1.E5": "+"},
    )
    assert r.status_code == 303, r.text
    assert _titrate(clin, token, amplitude_ma="0.6").status_code == 303
    page = clin.get(f"{EDIT}/edit").text
    continuous = re.search(r"Battery: average current ([0-9.]+) µA", page)
    assert continuous is not None
    # 30 s on / 90 s off (scenario 6): the device's battery figures with the duty cycle
    r = _configure(
        clin, token, waveform="burst", recharge="passive", pulse_width_us="1000", rate_hz="40",
        pulses_per_burst="5", intraburst_rate_hz="500", cycle_on_s="30", cycle_off_s="90",
        **{"pol_L1.E4": "-", "pol_L1.E5": "+"},
    )  # fmt: skip
    assert r.status_code == 303, r.text
    assert _titrate(clin, token, amplitude_ma="0.6").status_code == 303
    cycled = re.search(r"Battery: average current ([0-9.]+) µA", clin.get(f"{EDIT}/edit").text)
    assert cycled is not None and float(cycled.group(1)) < float(continuous.group(1))


def test_patient_maximum_above_the_charge_limit_warns_again(signed_in) -> None:
    """Scenario 4: 500 us, patient max 7.5 mA on one 12.25 mm2 contact: 7.5 mA x 500 us =
    3.75 uC / 0.1225 cm2 = 30.6 uC/cm2 > 30 (30 uC/cm2 is reached at 7.35 mA)."""
    assert round(30.0 * 0.1225 / 500e-6 / 1e3, 2) == 7.35
    clin, token = signed_in("clin1")
    _configure(clin, token, pulse_width_us="500", case_anode="on", **{"pol_L1.E4": "-"})
    assert _titrate(clin, token, amplitude_ma="6.0").status_code == 303
    html = clin.post(
        f"{EDIT}/review",
        data={"csrf_token": token, "name": "Leg tonic", "amplitude_min_ma": "2.0",
              "amplitude_max_ma": "7.5"},
    ).text  # fmt: skip
    keys = re.findall(r'name="acknowledged" value="([^"]+)"', html)
    assert "charge-density-patient-max@L1.E4" in keys
    assert "charge-density@L1.E4" not in keys  # 6.0 mA itself is below the limit


def test_patient_minimum_above_maximum_is_refused_inline(signed_in) -> None:
    clin, token = signed_in("clin1")
    _configure(clin, token, **{"pol_L1.E4": "-", "pol_L1.E5": "+"})
    _titrate(clin, token, amplitude_ma="3.0")
    r = clin.post(
        f"{EDIT}/review",
        data={"csrf_token": token, "name": "Leg tonic", "amplitude_min_ma": "5.0",
              "amplitude_max_ma": "4.0"},
    )  # fmt: skip
    assert r.status_code == 422 and 'role="alert"' in r.text and "patient" in r.text
    assert 'name="program_json"' not in r.text  # no write form: nothing can be saved


def test_report_notes_pain_score_and_next_visit(signed_in, db_path) -> None:
    clin, token = signed_in("clin1")
    url = f"/patients/{PATIENT}/report/notes"
    r = clin.post(url, data={"csrf_token": token, "nrs_now": "11"})
    assert r.status_code == 422 and "nrs_now" in r.text
    assert audit_rows(db_path)[-1]["outcome"] == "refused"
    r = clin.post(
        url,
        data={"csrf_token": token, "nrs_now": "4", "note": "tingling in the sacral area",
              "next_visit": "2026-02-02"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    report = clin.get(f"/api/patients/{PATIENT}/report").json()
    assert report["notes"][-1]["nrs_now"] == 4.0
    assert report["notes"][-1]["next_visit"] == "2026-02-02"
    assert "tingling in the sacral area" in clin.get(f"/patients/{PATIENT}/report").text
    instr, itoken = signed_in("instr1")
    assert instr.post(url, data={"csrf_token": itoken, "note": "x"}).status_code == 403


def test_second_clinician_saving_first_gets_the_first_a_409_with_the_diff(signed_in) -> None:
    """Scenario 10: clin1 reviews; clin2 saves the slot through the API; clin1's write is
    stale and shows the differences."""
    import html as html_lib

    from tests.web.conftest import tonic_program

    clin1, t1 = signed_in("clin1")
    page = _charge_density_program(clin1, t1)
    program_json = html_lib.unescape(
        re.search(r'name="program_json" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
    )
    keys = re.findall(r'name="acknowledged" value="([^"]+)"', page)
    clin2, t2 = signed_in("clin2")
    r = clin2.put(
        f"/api/patients/{PATIENT}/programs/1",
        json={"program": tonic_program(), "version": 0},
        headers={"X-CSRF-Token": t2},
    )
    assert r.status_code == 200
    form = {"csrf_token": t1, "program_json": program_json, "version": "0", "acknowledged": keys}
    r = clin1.post(f"{EDIT}/write", data=form, follow_redirects=False)
    assert r.status_code == 409 and "someone else saved this slot first" in r.text
    assert "trains[0].amplitude_ma" in r.text  # 3.0 stored, 8.5 in clin1's program
    saved = clin1.get(f"/api/patients/{PATIENT}/programs/1").json()
    assert saved["updated_by"] == "clin2" and saved["version"] == 1


def test_multiplexed_two_trains_with_their_own_rates(signed_in) -> None:
    """Scenario 6: two trains, own rates and contacts, charge density per contact and train."""
    clin, token = signed_in("clin1")
    r = _configure(
        clin, token, **{"pol_L1.E4": "-", "pol_L1.E5": "+"},
        t2_enabled="on", t2_waveform="tonic", t2_pulse_width_us="200", t2_rate_hz="40",
        **{"t2_pol_L2.E4": "-", "t2_pol_L2.E5": "+"},
    )  # fmt: skip
    assert r.status_code == 303, r.text
    assert _titrate(clin, token, amplitude_ma="2.0").status_code == 303
    page = clin.get(f"{EDIT}/edit").text
    assert re.search(r"Paradigm: <strong>dtm</strong> \(sub-perception", page)  # two rates
    rows = re.findall(r"<tr><td>(\d)</td><th scope=\"row\">(L\d\.E\d)</th>", page)
    assert ("1", "L1.E4") in rows and ("2", "L2.E4") in rows
    # independent: 2.0 mA x 200 us = 0.4 uC on a 12.25 mm2 contact = 3.27 uC/cm2
    assert f"{2.0e-3 * 200e-6 * 1e6 / 0.1225:.2f}" in page
    r = clin.post(
        f"{EDIT}/review",
        data={"csrf_token": token, "name": "Two trains", "amplitude_max_ma": ""},
    )
    assert r.status_code == 200
    assert "trains" in r.text and "40" in r.text


def test_connect_banner_shows_the_device_alerts(signed_in, db_path) -> None:
    from neurostim.web.store import get_patient, update_record

    conn = connect(db_path)
    try:
        patient = get_patient(conn, PATIENT)
        assert patient is not None
        update_record(conn, PATIENT, {**patient.record, "device_alerts": ["ERI", "clock"]})
        conn.commit()
    finally:
        conn.close()
    clin, _ = signed_in("clin1")
    page = clin.get(f"/patients/{PATIENT}").text
    assert "elective replacement indicator" in page and "clock is out of sync" in page
    assert page.count('role="alert" class="warn"') >= 3  # two alerts and the open contact
