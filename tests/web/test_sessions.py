"""Sessions and the HTML pages: idle timeout, login form with its CSRF token, logout, pages
that work without JavaScript."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from neurostim.web.auth import security_settings
from tests.web.conftest import PASSWORD, PATIENT, SANDBOX, audit_rows, sign_in


def _hidden_token(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m is not None, "no csrf_token field in the form"
    return m.group(1)


def test_idle_session_expires_and_the_expiry_is_audited(client, clock, db_path) -> None:
    sign_in(client, "clin1")
    idle_min = security_settings().idle_timeout_min
    clock.advance(minutes=idle_min - 1)
    assert client.get("/api/patients").status_code == 200  # activity renews the session
    clock.advance(minutes=idle_min - 1)
    assert client.get("/api/patients").status_code == 200
    clock.advance(minutes=idle_min + 1)
    assert client.get("/api/patients").status_code == 401
    actions = [(r["action"], r["username"]) for r in audit_rows(db_path)]
    assert ("session.expired", "clin1") in actions
    assert client.get("/api/patients").status_code == 401  # the session row is gone


def test_login_form_signs_in_with_its_csrf_token(app) -> None:
    c = TestClient(app)
    page = c.get("/login")
    assert page.status_code == 200 and 'type="password"' in page.text
    token = _hidden_token(page.text)
    r = c.post(
        "/login",
        data={"username": "clin1", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/patients"
    patients = c.get("/patients")
    assert patients.status_code == 200
    assert PATIENT in patients.text and SANDBOX in patients.text


def test_login_form_without_its_token_is_refused(app, db_path) -> None:
    c = TestClient(app)
    r = c.post("/login", data={"username": "clin1", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403 and 'role="alert"' in r.text
    assert "set-cookie" not in r.headers or "neurostim_session" not in r.headers["set-cookie"]
    assert audit_rows(db_path)[-1]["action"] == "login"
    assert audit_rows(db_path)[-1]["outcome"] == "refused"


def test_login_form_wrong_password_gives_the_generic_message(app) -> None:
    c = TestClient(app)
    token = _hidden_token(c.get("/login").text)
    r = c.post("/login", data={"username": "clin1", "password": "nope-nope", "csrf_token": token})
    assert r.status_code == 401 and "Unknown user or wrong password." in r.text


def test_student_sees_only_sandbox_patients_in_the_page(signed_in) -> None:
    c, _ = signed_in("stud1")
    html = c.get("/patients").text
    assert SANDBOX in html and f">{PATIENT}<" not in html


def test_patient_on_a_clinician_page_gets_403(signed_in) -> None:
    c, _ = signed_in("pat1")
    r = c.get("/patients")
    assert r.status_code == 403 and 'role="alert"' in r.text
    assert c.get("/", follow_redirects=False).headers["location"] == "/controller"


def test_program_check_page_shows_the_report_or_the_errors(signed_in) -> None:
    c, _ = signed_in("clin1")
    form = c.get("/programs/check")
    assert form.status_code == 200
    token = _hidden_token(form.text)
    text = re.search(r"<textarea[^>]*>(.*?)</textarea>", form.text, re.S)
    assert text is not None
    program = text.group(1).replace("&#34;", '"').replace("&quot;", '"')
    ok = c.post("/programs/check", data={"program_toml": program, "csrf_token": token})
    assert ok.status_code == 200
    assert "Safety per contact" in ok.text and "Charge density (µC/cm²)" in ok.text
    bad = program.replace("amplitude_ma = 3.0", 'amplitude_ma = "abc"')
    r = c.post("/programs/check", data={"program_toml": bad, "csrf_token": token})
    assert r.status_code == 422 and 'role="alert"' in r.text
    assert "trains[0].amplitude_ma" in r.text
    r = c.post("/programs/check", data={"program_toml": "x = ", "csrf_token": token})
    assert r.status_code == 422 and "valid TOML" in r.text


def test_logout_form_ends_the_session(signed_in) -> None:
    c, csrf = signed_in("clin1")
    r = c.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert c.get("/patients", follow_redirects=False).status_code == 303


def test_pages_load_htmx_from_this_server_only(signed_in) -> None:
    c, _ = signed_in("clin1")
    html = c.get("/patients").text
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts == ["/static/vendor/htmx-2.0.11.min.js", "/static/clinic.js"]
    assert all(c.get(s).status_code == 200 for s in scripts)
    assert "<style" not in html and " style=" not in html  # CSP: style-src 'self'


def _last_seen(db_path) -> list[str]:  # type: ignore[no-untyped-def]
    from neurostim.web import connect

    conn = connect(db_path)
    try:
        return [str(r[0]) for r in conn.execute("SELECT last_seen_utc FROM sessions")]
    finally:
        conn.close()


def test_last_seen_is_written_at_most_once_a_second(client, clock, db_path) -> None:
    """Requests closer than a second apart leave the session row as it is (no write per
    request); the next one after a second moves it on, so the idle timeout still counts from the
    last request to the second."""
    sign_in(client, "clin1")
    first = _last_seen(db_path)
    assert len(first) == 1
    clock.advance(seconds=0.4)
    assert client.get("/api/patients").status_code == 200
    assert _last_seen(db_path) == first
    clock.advance(seconds=0.7)  # 1.1 s after the sign-in
    assert client.get("/api/patients").status_code == 200
    assert _last_seen(db_path) == [clock.now.isoformat()]


def test_database_is_kept_in_write_ahead_log_mode(db_path) -> None:
    """The clinic's file uses the write-ahead log with a sync at every commit (a committed
    change survives a killed process: ``test_faults.py``)."""
    from neurostim.web import connect

    conn = connect(db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        conn.close()
