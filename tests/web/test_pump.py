"""Pump writes (clinic-web spec §3 and §4 rule 4): checked by the intrathecal module, proposed by
one person and signed off by another, never written with a hard error."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurostim.intrathecal import check_program, parse_program
from tests.web.conftest import PATIENT, audit_rows

PUMP_PATIENT = "ITDD-01"
URL = f"/api/patients/{PUMP_PATIENT}/pump"

# intrathecal.md worked case P2 (examples/pumps/morphine-prometra-ptc.toml): morphine 25 mg/mL,
# 20 mL, 3.0 mg/day, PTC 0.25 mg x 4/24 h with a 2 h lockout, filled 2025-01-01
P2: dict[str, Any] = {
    "pump": "prometra-20",
    "drug": "morphine",
    "concentration": 25.0,
    "fill_ml": 20.0,
    "indication": "pain",
    "mode": "simple-continuous",
    "dose_per_day": 3.0,
    "fill_date": "2025-01-01",
    "patient_bolus": {"dose": 0.25, "duration_min": 10, "lockout_h": 2, "max_per_24h": 4},
    "priming": {"catheter_trimmed_cm": 45.0},
}


def _propose(client, token: str, program: dict[str, Any], version: int = 0, acks=None):  # type: ignore[no-untyped-def]
    body = {"program": program, "version": version, "acknowledged": acks or []}
    return client.post(f"{URL}/changes", json=body, headers={"X-CSRF-Token": token})


def _propose_acknowledged(client, token: str, program: dict[str, Any], version: int = 0):  # type: ignore[no-untyped-def]
    r = _propose(client, token, program, version)
    if r.status_code == 422 and r.json()["errors"][-1]["field"] == "acknowledged":
        r = _propose(client, token, program, version, r.json()["errors"][-1]["value"])
    return r


def _sign_off(client, token: str, change_id: int):  # type: ignore[no-untyped-def]
    return client.post(
        f"{URL}/changes/{change_id}/signoff", json={}, headers={"X-CSRF-Token": token}
    )


def test_p2_is_proposed_signed_off_by_a_second_clinician_and_written(signed_in, db_path) -> None:
    c1, t1 = signed_in("clin1")
    c2, t2 = signed_in("clin2")
    r = _propose(c1, t1, P2)
    assert r.status_code == 422  # its warnings (priming bolus, ...) need acknowledging
    assert r.json()["errors"][-1]["field"] == "acknowledged"
    r = _propose_acknowledged(c1, t1, P2)
    assert r.status_code == 202, r.text
    check = r.json()["check"]
    assert check["reservoir_refill_date"] == "2025-04-17"  # clinic-web.md §5 scenario 8 (P2)
    change_id = r.json()["change_id"]
    assert c1.get(URL).json()["version"] == 0  # nothing written before the sign-off
    r = _sign_off(c1, t1, change_id)
    assert r.status_code == 403
    assert audit_rows(db_path)[-1]["action"] == "pump.signoff"
    r = _sign_off(c2, t2, change_id)
    assert r.status_code == 200 and r.json()["version"] == 1
    pump = c1.get(URL).json()
    assert (pump["proposed_by"], pump["signed_off_by"]) == ("clin1", "clin2")
    assert pump["program"] == P2 and pump["pending"] == []
    assert _sign_off(c2, t2, change_id).status_code == 404  # signed off once


def _with(**changes: Any) -> dict[str, Any]:
    program = copy.deepcopy(P2)
    for key, value in changes.items():
        if key.startswith("bolus_"):
            program["patient_bolus"][key.removeprefix("bolus_")] = value
        else:
            program[key] = value
    return program


def test_hard_errors_are_refused_and_nothing_is_pending(signed_in) -> None:
    """Rule 4: dose over the drug maximum, overfill, PTC with baclofen, lockout 0."""
    c, t = signed_in("clin1")
    cases = [
        # ziconotide's maximum is a hard limit (19.2 ug/day, US label)
        (
            "dose_per_day",
            {
                **_with(drug="ziconotide", concentration=25.0, dose_per_day=30.0),
                "patient_bolus": None,
            },
        ),
        ("fill_ml", _with(fill_ml=25.0)),
        (
            "patient_bolus",
            _with(
                drug="baclofen",
                concentration=2.0,
                dose_per_day=0.2,
                indication="spinal",
                bolus_dose=0.05,
            ),
        ),
        ("patient_bolus", _with(bolus_lockout_h=0)),
    ]
    for field, program in cases:
        r = _propose_acknowledged(c, t, program)
        assert r.status_code == 422, (field, r.text)
        fields = [e["field"] for e in r.json()["errors"]]
        assert any(f.startswith(field) for f in fields), (field, fields)
    assert c.get(URL).json()["pending"] == []


def test_a_change_that_lost_the_race_is_stale(signed_in) -> None:
    c1, t1 = signed_in("clin1")
    c2, t2 = signed_in("clin2")
    first = _propose_acknowledged(c1, t1, P2).json()["change_id"]
    second = _propose_acknowledged(c2, t2, _with(dose_per_day=2.5)).json()["change_id"]
    assert _sign_off(c2, t2, first).status_code == 200
    r = _sign_off(c1, t1, second)
    assert r.status_code == 409 and r.json()["current_version"] == 1
    assert c1.get(URL).json()["program"]["dose_per_day"] == 3.0
    r = _propose_acknowledged(c1, t1, _with(dose_per_day=2.5), version=0)
    assert r.status_code == 409


def test_a_patient_without_a_pump_has_no_pump_program(signed_in) -> None:
    c, t = signed_in("clin1")
    body = {"program": P2, "version": 0}
    r = c.post(f"/api/patients/{PATIENT}/pump/changes", json=body, headers={"X-CSRF-Token": t})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "pump"


def test_students_propose_on_sandbox_copies_and_a_clinician_signs_off(signed_in) -> None:
    s, ts = signed_in("stud1")
    assert _propose_acknowledged(s, ts, P2).status_code == 403  # the real patient
    url = "/api/patients/ITDD-01-SANDBOX/pump"
    body = {"program": P2, "version": 0}
    r = s.post(f"{url}/changes", json=body, headers={"X-CSRF-Token": ts})
    r = s.post(
        f"{url}/changes",
        json={**body, "acknowledged": r.json()["errors"][-1]["value"]},
        headers={"X-CSRF-Token": ts},
    )
    assert r.status_code == 202
    c, tc = signed_in("clin1")
    r = c.post(
        f"{url}/changes/{r.json()['change_id']}/signoff", json={}, headers={"X-CSRF-Token": tc}
    )
    assert r.status_code == 200


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    dose=st.sampled_from([0.5, 3.0, 10.0, 15.0, 30.0, 100.0]),
    concentration=st.sampled_from([1.0, 10.0, 25.0, 50.0]),
    fill=st.sampled_from([5.0, 20.0, 20.5, 40.0]),
    lockout=st.sampled_from([0, 0.5, 2, 24]),
    bolus_count=st.sampled_from([1, 4, 24]),
)
def test_no_written_pump_program_breaks_a_hard_limit(
    signed_in, dose, concentration, fill, lockout, bolus_count
) -> None:
    c1, t1 = signed_in("clin1")
    c2, t2 = signed_in("clin2")
    version = c1.get(URL).json()["version"]
    program = _with(
        dose_per_day=dose,
        concentration=concentration,
        fill_ml=fill,
        bolus_lockout_h=lockout,
        bolus_max_per_24h=bolus_count,
    )
    r = _propose_acknowledged(c1, t1, program, version)
    assert r.status_code in (202, 422), r.text
    if r.status_code == 202:
        assert _sign_off(c2, t2, r.json()["change_id"]).status_code in (200, 422)
    written = c1.get(URL).json()
    if written["program"] is not None:
        report = check_program(parse_program(written["program"]))
        assert report.valid, [e.message for e in report.errors]
