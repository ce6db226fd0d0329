"""The pump screens and the refill workflow (clinic-web §3, scenario 8): Finish review, a
second person's sign-off, reconciliation with a required note, reservoir port only, overfill
refused, concentration change and its drug front."""

from __future__ import annotations

import html
import re

from neurostim.web.pump_screens import example_pump_text
from tests.web.conftest import audit_rows

PUMP = "/patients/ITDD-01/pump"


def _finish_form(text: str) -> tuple[str, list[str]]:
    found = re.search(r'name="program_json" value="([^"]*)"', text)
    assert found is not None, "no Finish form on the page"
    return html.unescape(found.group(1)), re.findall(r'name="acknowledged" value="([^"]+)"', text)


def _write_p2(signed_in):  # type: ignore[no-untyped-def]
    """clin1 proposes intrathecal.md P2 through the pages, clin2 signs it off."""
    clin1, t1 = signed_in("clin1")
    clin2, t2 = signed_in("clin2")
    r = clin1.post(f"{PUMP}/review", data={"csrf_token": t1, "program_toml": example_pump_text()})
    assert r.status_code == 200
    assert "2025-04-01" in r.text and "2025-04-17" in r.text  # refill dates of worked case P2
    program_json, keys = _finish_form(r.text)
    assert "PRIMING_BOLUS@priming" in keys
    r = clin1.post(
        f"{PUMP}/propose",
        data={"csrf_token": t1, "program_json": program_json, "version": "0"},
        follow_redirects=False,
    )
    assert r.status_code == 422 and "acknowledge each warning" in r.text  # none ticked
    data = {"csrf_token": t1, "program_json": program_json, "version": "0", "acknowledged": keys}
    assert clin1.post(f"{PUMP}/propose", data=data, follow_redirects=False).status_code == 303
    own = clin1.get(PUMP).text
    assert "Another clinician signs off your proposal" in own and "/sign" not in own
    change = re.findall(r"/changes/(\d+)/sign", clin2.get(PUMP).text)
    assert change == ["1"]
    assert clin1.post(f"{PUMP}/changes/1/sign", data={"csrf_token": t1}).status_code == 403
    r = clin2.post(f"{PUMP}/changes/1/sign", data={"csrf_token": t2}, follow_redirects=False)
    assert r.status_code == 303
    return clin1, t1, clin2, t2


def test_pump_program_needs_finish_review_and_a_second_clinician(signed_in, db_path) -> None:
    clin1, _, _, _ = _write_p2(signed_in)
    page = clin1.get(PUMP).text
    assert "version 1" in page and "signed off by clin2" in page
    actions = [(r["action"], r["outcome"], r["username"]) for r in audit_rows(db_path)]
    assert ("pump.propose", "ok", "clin1") in actions
    assert ("pump.signoff", "refused", "clin1") in actions
    assert ("pump.signoff", "ok", "clin2") in actions


def _refill(client, token: str, **fields: str):  # type: ignore[no-untyped-def]
    form = {
        "csrf_token": token,
        "refill_date": "2025-04-01",
        "withdrawn_ml": "9.20",
        "port": "reservoir",
        "reservoir_confirmed": "on",
        "drug": "morphine",
        "concentration": "25.0",
        "fill_ml": "20.0",
    }
    form.update(fields)
    return client.post(f"{PUMP}/refill", data=form)


def test_refill_reconciliation_port_and_overfill(signed_in, db_path) -> None:
    clin1, t1, _, _ = _write_p2(signed_in)
    page = clin1.get(f"{PUMP}/refill").text
    # 3.0 mg/day at 25 mg/mL = 0.12 mL/day for 90 days: 10.8 mL delivered, 9.2 mL left
    assert "10.80 mL delivered" in page and "9.20 mL</strong> left" in page
    r = _refill(clin1, t1, port="access")
    assert r.status_code == 422 and "intrathecal dose" in r.text and "<code>port</code>" in r.text
    assert audit_rows(db_path)[-1]["outcome"] == "refused"
    # ratio (20 - 11.36) / 10.8 = 0.80: outside 0.85-1.15, a note is required
    r = _refill(clin1, t1, withdrawn_ml="11.36")
    assert r.status_code == 422 and "<code>note</code>" in r.text and "0.80" in r.text
    r = _refill(clin1, t1, withdrawn_ml="11.36", note="residual larger than expected")
    assert r.status_code == 200 and "ratio 0.80" in r.text and "outside 0.85" in r.text
    row = audit_rows(db_path)[-1]
    assert (
        row["action"] == "pump.refill" and abs(row["detail"]["reconciliation_ratio"] - 0.8) < 1e-9
    )
    r = _refill(clin1, t1, fill_ml="25.0")
    assert r.status_code == 422 and "fill_ml" in r.text  # over the 20 mL reservoir
    assert 'name="program_json"' not in r.text


def test_refill_numbers_must_be_finite_and_given(signed_in, db_path) -> None:
    clin1, t1, _, _ = _write_p2(signed_in)
    for field, value, allowed in (
        ("withdrawn_ml", "nan", "a finite number in mL"),
        ("fill_ml", "inf", "a finite number in mL"),
        ("concentration", "", "a number in mg/mL"),
        ("withdrawn_ml", "abc", "a number in mL"),
    ):
        r = _refill(clin1, t1, **{field: value, "note": "x"})
        assert r.status_code == 422, (field, value)
        assert f"<code>{field}</code>" in r.text and allowed in r.text
        row = audit_rows(db_path)[-1]
        assert (row["action"], row["outcome"]) == ("pump.refill", "refused")
        assert 'name="program_json"' not in r.text


def test_concentration_change_shows_the_drug_front(signed_in) -> None:
    clin1, t1, _, _ = _write_p2(signed_in)
    r = _refill(clin1, t1, concentration="20.0")
    assert r.status_code == 200
    assert "still holds the old concentration" in r.text and "bridge" in r.text


def test_refill_dates_with_and_without_the_patient_bolus(signed_in) -> None:
    """Scenario 8: reservoir at the refill volume on 2025-04-17 with every bolus taken, on
    2025-05-22 with the PTC off (intrathecal.md P2); morphine's 90-day stability sets the refill
    date 2025-04-01 either way."""
    clin1, t1 = signed_in("clin1")
    text = example_pump_text()
    with_ptc = clin1.post(f"{PUMP}/review", data={"csrf_token": t1, "program_toml": text}).text
    assert "2025-04-17" in with_ptc and "2025-04-01" in with_ptc
    head, _, rest = text.partition("[patient_bolus]")
    without = head + "[priming]" + rest.partition("[priming]")[2]
    page = clin1.post(f"{PUMP}/review", data={"csrf_token": t1, "program_toml": without}).text
    assert "2025-05-22" in page and "2025-04-01" in page


def test_report_has_the_pump_dates_and_the_reconciliation(signed_in) -> None:
    clin1, t1, _, _ = _write_p2(signed_in)
    assert _refill(clin1, t1, withdrawn_ml="11.36", note="larger residual").status_code == 200
    page = clin1.get("/patients/ITDD-01/report").text
    assert "2025-04-01" in page and "2025-04-17" in page  # refill dates
    assert "0.80 (outside 0.85–1.15)" in page and "larger residual" in page
    data = clin1.get("/api/patients/ITDD-01/report").json()
    assert data["pump"]["check"]["refill_date"] == "2025-04-01"
    assert abs(data["pump"]["refills"][0]["reconciliation_ratio"] - 0.8) < 1e-9
