"""A lost link reverts unsaved test stimulation to the saved program (clinic-web §2 [S NSPC],
§4 rule 6): a session out of touch for longer than the link timeout loses its test program at
the next request of anyone; a session that keeps in touch keeps it."""

from __future__ import annotations

import re

from neurostim.web.auth import security_settings
from tests.web.conftest import PATIENT, audit_rows
from tests.web.test_screens import EDIT, UNMAPPED, _configure, _tests, _titrate


def _start_test(signed_in):  # type: ignore[no-untyped-def]
    clin, token = signed_in("clin1")
    assert _configure(clin, token, **UNMAPPED).status_code == 303
    assert _titrate(clin, token, amplitude_ma="3.0").status_code == 303
    return clin, token


def test_the_shipped_link_timeout_is_two_minutes() -> None:
    assert security_settings().link_timeout_s == 120.0


def test_a_lost_link_reverts_at_the_next_request_of_anyone(signed_in, db_path, clock) -> None:
    _start_test(signed_in)
    assert _tests(db_path) == [(PATIENT, 1)]
    clin2, _ = signed_in("clin2")
    clock.advance(seconds=119)
    assert clin2.get("/patients").status_code == 200
    assert _tests(db_path) == [(PATIENT, 1)]  # in touch 119 s ago: still running
    clock.advance(seconds=2)
    assert clin2.get("/patients").status_code == 200
    assert _tests(db_path) == []
    revert = [r for r in audit_rows(db_path) if r["action"] == "test.revert"][-1]
    assert revert["detail"]["reason"] == "lost link" and revert["username"] == "clin1"
    assert revert["detail"]["reverted"]["trains"][0]["amplitude_ma"] == 3.0
    assert revert["detail"]["was_stimulating"] is True


def test_the_clinician_coming_back_finds_the_saved_program(signed_in, db_path, clock) -> None:
    clin, _ = _start_test(signed_in)
    clock.advance(seconds=300)
    page = clin.get(f"{EDIT}/edit").text  # the session is alive (idle timeout 15 min)
    assert _tests(db_path) == []
    assert re.search(r'id="amplitude">0\.00 mA<', page) and "not stimulating" in page


def test_a_session_that_keeps_in_touch_keeps_its_test(signed_in, db_path, clock) -> None:
    clin, _ = _start_test(signed_in)
    page = clin.get(f"{EDIT}/edit").text
    assert 'hx-get="/api/link" hx-trigger="every 30s"' in page and "120 s" in page
    for _ in range(10):  # 10 minutes, in touch every 60 s
        clock.advance(seconds=60)
        r = clin.get("/api/link")
        assert r.status_code == 200 and r.json() == {"status": "ok", "link_timeout_s": 120.0}
    assert _tests(db_path) == [(PATIENT, 1)]
    assert not [r for r in audit_rows(db_path) if r["action"] == "test.revert"]


def test_the_link_route_needs_a_session(client) -> None:
    assert client.get("/api/link").status_code == 401
