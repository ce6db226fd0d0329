"""Clinic-web §5 acceptance scenarios 8 (pump refill, intrathecal.md P2) and 9 (patient bolus
lockout, P4) end to end in a headless Chromium, on one demo server shared by the module. The
same scenarios through the TestClient: ``test_pump_screens.py``, ``test_instructor_bolus.py``.
"""

from __future__ import annotations

import re
from typing import Any

from neurostim.web.pump_screens import example_pump_text
from tests.web._browser import api, axe_violations, signed_in
from tests.web.conftest import BROWSER_MARKS, LiveServer, audit_rows

pytestmark = BROWSER_MARKS

PATIENT = "ITDD-01"
PUMP = f"/patients/{PATIENT}/pump"


def _check(page: Any, url: str, text: str) -> None:
    """Put a pump program into the editor and open its Finish review."""
    page.goto(f"{url}{PUMP}")
    page.fill("#program_toml", text)
    page.click("text=Check and review (Finish)")
    page.wait_for_url(f"**{PUMP}/review")


def _acknowledge_and_propose(page: Any) -> None:
    from playwright.sync_api import expect

    boxes = page.locator("input.ack").all()
    if boxes:
        expect(page.locator("#write-button")).to_be_disabled()
    for box in boxes:
        box.check()
    expect(page.locator("#write-button")).to_be_enabled()
    page.click("#write-button")
    page.wait_for_url(re.compile(rf".*{PUMP}(#.*)?$"))
    assert "Another clinician signs off your proposal" in page.inner_text("#pending")


def _sign_off(browser: Any, server: LiveServer) -> str:
    """clin2 signs off the pending change; the pump page's text afterwards."""
    with signed_in(browser, server, "clin2") as page:
        page.goto(f"{server.url}{PUMP}")
        button = page.locator("#pending button[type=submit]")
        assert button.count() == 1
        button.click()
        page.wait_for_url(re.compile(rf".*{PUMP}(#.*)?$"))
        return str(page.inner_text("main"))


def _write_p2(browser: Any, server: LiveServer) -> None:
    """clin1 proposes intrathecal.md P2 through the pump screen, clin2 signs it off."""
    with signed_in(browser, server, "clin1") as page:
        _check(page, server.url, example_pump_text())
        _acknowledge_and_propose(page)
    assert "signed off by clin2" in _sign_off(browser, server)


def test_scenario_8_pump_refill(browser, live_server) -> None:
    url = live_server.url
    text = example_pump_text()
    with signed_in(browser, live_server, "clin1") as page:
        # refill date with the patient bolus off: 2025-05-22 (intrathecal.md P2)
        head, _, rest = text.partition("[patient_bolus]")
        _check(page, url, head + "[priming]" + rest.partition("[priming]")[2])
        assert "2025-05-22" in page.inner_text("main")
        # with PTC 0.25 mg x 4/24 h: 2025-04-17; morphine's 90-day stability: 2025-04-01
        _check(page, url, text)
        main = page.inner_text("main")
        assert "2025-04-17" in main and "2025-04-01" in main
        assert axe_violations(page) == []
        _acknowledge_and_propose(page)
        assert page.locator("#pending button[type=submit]").count() == 0  # not by the proposer
    assert "signed off by clin2" in _sign_off(browser, live_server)
    with signed_in(browser, live_server, "clin1") as page:
        page.goto(f"{url}{PUMP}")
        page.click("text=Refill")
        # 3.0 mg/day at 25 mg/mL = 0.12 mL/day for 90 days: 10.8 mL delivered, 9.2 mL left
        main = page.inner_text("main")
        assert "10.80 mL delivered" in main and "9.20 mL left" in main
        assert axe_violations(page) == []

        def refill(port: str, note: str = "", concentration: str = "25.0") -> None:
            page.goto(f"{url}{PUMP}/refill")
            page.fill("#refill_date", "2025-04-01")
            page.fill("#withdrawn_ml", "11.36")  # ratio (20 - 11.36) / 10.8 = 0.80
            page.fill("#note", note)
            page.check(f"#port-{port}")
            page.check("#reservoir_confirmed")
            page.fill("#concentration", concentration)
            page.click("text=6. Check the new fill and review (Finish)")
            page.wait_for_load_state()

        rows = len(audit_rows(live_server.db_path))
        refill("access", note="residual larger than expected")
        errors = page.inner_text("#errors")
        assert "port" in errors and "intrathecal dose" in errors  # the access port: refused
        assert audit_rows(live_server.db_path)[rows]["outcome"] == "refused"
        refill("reservoir")
        assert "note" in page.inner_text("#errors") and "0.80" in page.inner_text("#errors")
        assert page.locator("#write-button").count() == 0
        # a note and a new concentration: reconciliation warning, drug front, bridging bolus
        refill("reservoir", note="residual larger than expected", concentration="20.0")
        main = page.inner_text("main")
        assert "ratio 0.80" in main and "outside 0.85" in main
        assert "still holds the old concentration" in main and "bridge" in main
        assert axe_violations(page) == []
        _acknowledge_and_propose(page)
    after = _sign_off(browser, live_server)
    assert "version 2" in after and "signed off by clin2" in after
    with signed_in(browser, live_server, "clin1") as page:
        page.goto(f"{url}/patients/{PATIENT}/report")
        report = page.inner_text("main")
        assert "0.80 (outside 0.85–1.15)" in report and "residual larger than expected" in report
        data = api(page, live_server, "GET", f"/api/patients/{PATIENT}/report").json()
        assert data["pump"]["check"]["refill_date"] in report  # the dates of the new fill
        assert data["pump"]["refills"][-1]["note"] == "residual larger than expected"


def test_scenario_9_bolus_lockout(browser, live_server) -> None:
    """Lockout 2 h, at most 4 per 24 h; requests at 0, 1.5, 2, 5, 9, 12, 23.9, 24, 26 h:
    G, D(lockout), G, G, G, D(max), D(max), G, G (intrathecal.md P4), each with its reason and
    the next allowed time."""
    url = live_server.url
    with signed_in(browser, live_server, "clin1") as page:
        page.goto(f"{url}{PUMP}")
        has_program = "No program written" not in page.inner_text("main")
    if not has_program:
        _write_p2(browser, live_server)
    times = [0, 1.5, 2, 5, 9, 12, 23.9, 24, 26]
    expected = ["granted", "lockout", "granted", "granted", "granted", "maximum", "maximum",
                "granted", "granted"]  # fmt: skip
    with (
        signed_in(browser, live_server, "instr1") as instr,
        signed_in(browser, live_server, "pat2") as pat,
    ):
        instr.goto(f"{url}/audit")
        pat.goto(f"{url}/controller")

        def advance(hours: float) -> None:  # the clock form answers with the same page
            row = instr.locator("tr", has=instr.locator("th", has_text=re.compile(r"^ITDD-01$")))
            row.locator("input[name=advance_h]").fill(f"{hours:g}")
            row.locator("button[type=submit]").click()
            instr.wait_for_url(f"**/audit?patient_id={PATIENT}")

        advance(3.0)  # past the lockout after programming
        answers = []
        previous = 0.0
        for t in times:
            if t > previous:
                advance(round(t - previous, 6))
            previous = t
            pat.click("text=Request a bolus")  # answered on the controller page
            pat.wait_for_load_state()
            answers.append(pat.inner_text("#bolus p.card, #bolus p.warn"))
        assert axe_violations(pat) == []
    decisions = [
        "granted"
        if a.startswith("Bolus granted")
        else "lockout"
        if "lockout" in a
        else "maximum"
        if "maximum" in a
        else a
        for a in answers
    ]
    assert decisions == expected, answers
    for answer, decision in zip(answers, decisions, strict=True):
        if decision != "granted":
            assert "next allowed" in answer, answer  # each denial says when
    # the server's fake clock starts at 2026-01-05 09:00, the first request 3 h later: lockout
    # until the first grant + 2 h, the maximum until the first grant + 24 h
    assert "(at 2026-01-05T12:00)" in answers[0]
    assert "next allowed 2026-01-05T14:00" in answers[1]
    assert "next allowed 2026-01-06T12:00" in answers[5]
    rows = [r for r in audit_rows(live_server.db_path) if r["action"] == "bolus.request"]
    assert [r["outcome"] for r in rows[-9:]] == [
        "ok" if d == "granted" else "refused" for d in expected
    ]
