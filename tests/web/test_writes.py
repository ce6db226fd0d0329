"""Program and patient-limit writes: device check first, acknowledgements, versions, audit."""

from __future__ import annotations

import pytest

from tests.web.conftest import PATIENT, SANDBOX, audit_rows, tonic_program

URL = f"/api/patients/{PATIENT}/programs/1"


def _put(client, csrf: str, url: str = URL, **body: object):  # type: ignore[no-untyped-def]
    return client.put(url, json=body, headers={"X-CSRF-Token": csrf})


def test_write_then_read_back_with_its_version_and_audit_row(signed_in, db_path) -> None:
    c, csrf = signed_in("clin1")
    r = _put(c, csrf, program=tonic_program(), version=0)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1
    saved = c.get(URL).json()
    assert saved["version"] == 1 and saved["updated_by"] == "clin1"
    assert saved["program"]["trains"][0]["amplitude_ma"] == 3.0
    row = audit_rows(db_path)[-1]
    assert (row["action"], row["outcome"], row["username"]) == ("program.write", "ok", "clin1")
    assert row["detail"]["program"] == saved["program"]
    assert row["detail"]["version_after"] == 1


def test_second_editor_with_a_stale_version_gets_409_with_a_diff(signed_in, db_path) -> None:
    c1, t1 = signed_in("clin1")
    c2, t2 = signed_in("clin2")
    assert _put(c1, t1, program=tonic_program(), version=0).status_code == 200
    # both loaded version 1; clin1 saves first
    assert _put(c1, t1, program=tonic_program(amplitude_ma=3.5), version=1).status_code == 200
    r = _put(c2, t2, program=tonic_program(amplitude_ma=4.0), version=1)
    assert r.status_code == 409
    out = r.json()
    assert out["current_version"] == 2
    assert out["diff"] == [{"field": "trains[0].amplitude_ma", "before": 3.5, "after": 4.0}]
    assert c1.get(URL).json()["program"]["trains"][0]["amplitude_ma"] == 3.5
    row = audit_rows(db_path)[-1]
    assert (row["username"], row["outcome"], row["detail"]["status"]) == ("clin2", "refused", 409)


def test_open_contact_is_refused_naming_contacts_and_nothing_is_written(signed_in, db_path):
    c, csrf = signed_in("clin1")
    program = tonic_program(contacts={"L1.E7": -100, "L1.E8": 100})
    r = _put(c, csrf, program=program, version=0)
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert "contacts" in error["field"] and error["value"] == "L1.E7"
    assert "open circuit" in error["allowed"]
    assert c.get(URL).status_code == 404
    row = audit_rows(db_path)[-1]
    assert (row["action"], row["outcome"]) == ("program.write", "refused")


def test_a_program_for_another_device_is_refused(signed_in) -> None:
    c, csrf = signed_in("clin1")
    program = {**tonic_program(), "stimulator": "burst-primary-16"}
    r = _put(c, csrf, program=program, version=0)
    assert r.status_code == 422
    assert "stimulator" in [e["field"] for e in r.json()["errors"]]


# clinic-web spec §5 scenario 5: each bad value → 422 naming the field, nothing saved
@pytest.mark.parametrize(
    ("train", "field"),
    [
        ({"amplitude_ma": "abc"}, "trains[0].amplitude_ma"),
        ({"amplitude_ma": -1.0}, "trains[0].amplitude_ma"),
        ({"amplitude_ma": 99.0}, "trains[0].amplitude_ma"),
        ({"amplitude_ma": 4.333}, "trains[0].amplitude_ma"),
        ({"pulse_width_us": 5}, "trains[0].pulse_width_us"),
        ({"rate_hz": 0}, "trains[0].rate_hz"),
    ],
)
def test_bad_values_are_422_with_field_value_range(signed_in, db_path, train, field) -> None:
    c, csrf = signed_in("clin1")
    n_before = len(audit_rows(db_path))
    r = _put(c, csrf, program=tonic_program(**train), version=0)
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert errors[0]["field"] == field and errors[0]["allowed"]
    assert c.get(URL).status_code == 404
    rows = audit_rows(db_path)
    assert len(rows) == n_before + 1 and rows[-1]["outcome"] == "refused"


def test_patient_min_above_max_is_refused(signed_in) -> None:
    c, csrf = signed_in("clin1")
    assert _put(c, csrf, program=tonic_program(), version=0).status_code == 200
    r = _put(
        c,
        csrf,
        f"{URL}/limits",
        limits={"amplitude_min_ma": 5.0, "amplitude_max_ma": 4.0},
        version=1,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"].startswith("patient.")
    assert c.get(URL).json()["version"] == 1


def test_patient_max_above_the_profile_max_is_refused(signed_in) -> None:
    c, csrf = signed_in("clin1")
    assert _put(c, csrf, program=tonic_program(), version=0).status_code == 200
    r = _put(c, csrf, f"{URL}/limits", limits={"amplitude_max_ma": 30.0}, version=1)
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert error["field"] == "patient.amplitude_max_ma" and "25.5" in error["allowed"]


def test_limits_write_a_new_version_of_the_program(signed_in, db_path) -> None:
    c, csrf = signed_in("clin1")
    assert _put(c, csrf, program=tonic_program(), version=0).status_code == 200
    limits = {"amplitude_min_ma": 2.5, "amplitude_max_ma": 5.0}
    r = _put(c, csrf, f"{URL}/limits", limits=limits, version=1)
    assert r.status_code == 200, r.text
    saved = c.get(URL).json()
    assert saved["version"] == 2 and saved["program"]["patient"] == limits
    assert audit_rows(db_path)[-1]["action"] == "limits.write"
    r = _put(c, csrf, f"{URL}/limits", limits=limits, version=1)
    assert r.status_code == 409


def test_charge_density_warning_must_be_acknowledged(signed_in, db_path) -> None:
    """clinic-web spec §5 scenario 4: one cathode, 500 µs, 8.5 mA on a 12.25 mm² contact."""
    density = 8.5e-3 * 500e-6 / 12.25e-2 * 1e6  # µC/cm²: I·PW / area, computed here
    assert density == pytest.approx(34.69, abs=0.005)
    c, csrf = signed_in("clin1")
    program = tonic_program(amplitude_ma=8.5, pulse_width_us=500)
    program["patient"] = {"amplitude_min_ma": 2.0, "amplitude_max_ma": 8.5}
    r = _put(c, csrf, program=program, version=0)
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert error["field"] == "acknowledged"
    missing = error["value"]
    assert missing and all("@L1.E4" in k or "@L1.E5" in k or "@" not in k for k in missing)
    assert c.get(URL).status_code == 404
    r = _put(c, csrf, program=program, version=0, acknowledged=missing)
    assert r.status_code == 200
    row = audit_rows(db_path)[-1]
    assert row["outcome"] == "ok" and row["detail"]["acknowledged"] == missing
    densities = [w["message"] for w in row["detail"]["warnings"]]
    assert any("34.69 uC/cm^2" in m for m in densities), densities


def test_patient_max_above_the_density_limit_warns_again(signed_in) -> None:
    """Scenario 4: patient max 7.5 mA at 500 µs (> 7.35 mA, 30 µC/cm² on 12.25 mm²)."""
    threshold_ma = 30.0 * 12.25e-2 / 500e-6 / 1e6 * 1e3
    assert threshold_ma == pytest.approx(7.35)
    c, csrf = signed_in("clin1")
    program = tonic_program(amplitude_ma=4.0, pulse_width_us=500)
    program["patient"] = {"amplitude_min_ma": 2.0, "amplitude_max_ma": 5.0}  # no warning yet
    assert _put(c, csrf, program=program, version=0).status_code == 200
    r = _put(
        c,
        csrf,
        f"{URL}/limits",
        limits={"amplitude_min_ma": 2.0, "amplitude_max_ma": 7.5},
        version=1,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "acknowledged"
    assert any("patient-max" in k for k in r.json()["errors"][0]["value"])


def test_students_write_sandbox_copies_only(signed_in, db_path) -> None:
    c, csrf = signed_in("stud1")
    r = _put(c, csrf, program=tonic_program(), version=0)
    assert r.status_code == 403
    row = audit_rows(db_path)[-1]
    assert (row["role"], row["outcome"], row["patient_id"]) == ("student", "refused", PATIENT)
    r = _put(c, csrf, f"/api/patients/{SANDBOX}/programs/1", program=tonic_program(), version=0)
    assert r.status_code == 200


def test_unknown_patient_and_slot_beyond_the_stimulator(signed_in) -> None:
    c, csrf = signed_in("clin1")
    assert (
        _put(
            c, csrf, "/api/patients/NOPE/programs/1", program=tonic_program(), version=0
        ).status_code
        == 404
    )
    r = _put(c, csrf, f"/api/patients/{PATIENT}/programs/17", program=tonic_program(), version=0)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "slot"
    r = _put(c, csrf, f"/api/patients/{PATIENT}/programs/0", program=tonic_program(), version=0)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "slot"
