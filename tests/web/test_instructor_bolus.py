"""The instructor's page (audit log, chain check, simulated clocks) and the patient bolus on
the simulated clock (clinic-web §2, scenario 9: intrathecal.md worked case P4)."""

from __future__ import annotations

import re

from tests.web.conftest import audit_rows
from tests.web.test_pump_screens import _write_p2


def test_instructor_sees_the_chain_and_the_log(signed_in) -> None:
    instr, token = signed_in("instr1")
    page = instr.get("/audit")
    assert page.status_code == 200 and "Hash chain: intact" in page.text
    assert f'name="csrf_token" value="{token}"' in page.text
    assert "demo.seed" in page.text
    clin, _ = signed_in("clin1")
    assert clin.get("/audit").status_code == 403


def test_clock_advance_is_audited_and_bad_input_refused(signed_in, db_path) -> None:
    instr, token = signed_in("instr1")
    r = instr.post(
        "/audit/clock",
        data={"csrf_token": token, "patient_id": "ITDD-01", "advance_h": "2"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    row = audit_rows(db_path)[-1]
    assert (row["action"], row["outcome"]) == ("clock.advance", "ok")
    assert row["sim_time"] == "2026-01-05T11:00:00+00:00"  # the fake clock's 09:00 + 2 h
    for bad in ("abc", "-1", "0"):
        r = instr.post(
            "/audit/clock", data={"csrf_token": token, "patient_id": "ITDD-01", "advance_h": bad}
        )
        assert r.status_code == 422 and "advance_h" in r.text
        assert audit_rows(db_path)[-1]["outcome"] == "refused"


def test_p4_bolus_lockout_and_maximum_per_24h(signed_in, db_path) -> None:
    """Lockout 2 h, at most 4 per 24 h; requests at 0, 1.5, 2, 5, 9, 12, 23.9, 24, 26 h after
    the first: G, D(lockout), G, G, G, D(max), D(max), G, G (intrathecal.md P4)."""
    _write_p2(signed_in)  # P2 with PTC: lockout 2 h, 4 per 24 h
    instr, itoken = signed_in("instr1")
    pat, ptoken = signed_in("pat2")

    def advance(hours: float) -> None:
        r = instr.post(
            "/audit/clock",
            data={"csrf_token": itoken, "patient_id": "ITDD-01", "advance_h": str(hours)},
            follow_redirects=False,
        )
        assert r.status_code == 303

    advance(3.0)  # past the lockout after programming
    times = [0, 1.5, 2, 5, 9, 12, 23.9, 24, 26]
    expected = ["granted", "lockout", "granted", "granted", "granted", "max_per_24h",
                "max_per_24h", "granted", "granted"]  # fmt: skip
    answers = []
    previous = 0.0
    for t in times:
        if t > previous:
            advance(round(t - previous, 6))
        previous = t
        r = pat.post("/api/patients/ITDD-01/pump/bolus", headers={"X-CSRF-Token": ptoken})
        assert r.status_code == 200, r.text
        answers.append(r.json())
    assert [a["decision"] for a in answers] == expected
    # each denial says why and when: lockout until 0 + 2 h; the maximum until 2 h + 24 h
    assert answers[1]["next_allowed_sim_utc"].startswith("2026-01-05T14:00")  # 09:00+3 h+2 h
    assert answers[5]["next_allowed_sim_utc"].startswith("2026-01-06T12:00")  # first grant + 24 h
    assert "lockout" in answers[1]["reason"] and "maximum" in answers[5]["reason"]
    rows = [r for r in audit_rows(db_path) if r["action"] == "bolus.request"]
    assert [r["outcome"] for r in rows] == ["ok" if d == "granted" else "refused" for d in expected]
    page = pat.post("/controller/bolus", data={"csrf_token": ptoken}).text
    assert re.search(r"Bolus (granted|denied)", page)


def test_bolus_is_the_patients_own(signed_in) -> None:
    pat, token = signed_in("pat1")
    r = pat.post("/api/patients/ITDD-01/pump/bolus", headers={"X-CSRF-Token": token})
    assert r.status_code == 403
