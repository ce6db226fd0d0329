"""Unsaved test stimulation: the program a clinician titrates, live on the virtual device.

One patient's device runs at most one test program, bound to the session that started it. The
device runs the test program while it exists and the saved program otherwise; a logout, an idle
timeout, a lost link (no request from its session within the link timeout) or a stop reverts it
to the saved program, with an audit row (clinic-web §4 rule 6). A
configuration change sets the amplitude to 0 (Axium: a changed configuration disables the lead
and zeroes the amplitude); the amplitude moves on the stimulator's step grid, and every value is
checked by the device before the device runs it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from neurostim.device import load_profile
from neurostim.web import audit
from neurostim.web.auth import Principal


@dataclass(frozen=True)
class Titration:
    """The test program on a patient's device: slot it is meant for, program (JSON), who runs
    it from which session, and whether stimulation is on."""

    patient_id: str
    slot: int
    program: dict[str, Any]
    username: str
    session_key: str
    stimulating: bool


def session_key(principal: Principal) -> str:
    """A stable key of the principal's session (a hash of its CSRF token, unique per session)."""
    return hashlib.sha256(principal.csrf_token.encode()).hexdigest()


def get_test(conn: sqlite3.Connection, patient_id: str) -> Titration | None:
    row = conn.execute(
        "SELECT * FROM test_stimulation WHERE patient_id = ?", (patient_id,)
    ).fetchone()
    if row is None:
        return None
    return Titration(
        str(row["patient_id"]),
        int(row["slot"]),
        json.loads(row["program_json"]),
        str(row["username"]),
        str(row["session_key"]),
        bool(row["stimulating"]),
    )


def put_test(
    conn: sqlite3.Connection,
    patient_id: str,
    slot: int,
    program: dict[str, Any],
    principal: Principal,
    now: dt.datetime,
    *,
    stimulating: bool,
) -> None:
    """Run ``program`` as the patient's test program (replacing any). Call in a transaction."""
    conn.execute(
        "INSERT INTO test_stimulation (patient_id, slot, program_json, session_key, username, "
        "started_utc, stimulating) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (patient_id) DO "
        "UPDATE SET slot = excluded.slot, program_json = excluded.program_json, "
        "session_key = excluded.session_key, username = excluded.username, "
        "stimulating = excluded.stimulating",
        (
            patient_id,
            slot,
            json.dumps(program, sort_keys=True),
            session_key(principal),
            principal.username,
            now.isoformat(),
            int(stimulating),
        ),
    )


def end_test(
    conn: sqlite3.Connection,
    test: Titration,
    *,
    reason: str,
    principal: Principal | None,
    now: dt.datetime,
) -> None:
    """Remove the test program (the device runs the saved one again) with its audit row.
    Call inside a transaction."""
    conn.execute("DELETE FROM test_stimulation WHERE patient_id = ?", (test.patient_id,))
    audit.append(
        conn,
        action="test.revert",
        outcome="ok",
        username=test.username if principal is None else principal.username,
        role=None if principal is None else principal.role,
        patient_id=test.patient_id,
        detail={
            "reason": reason,
            "slot": test.slot,
            "reverted": test.program,
            "was_stimulating": test.stimulating,
        },
        utc=now,
    )


def revert_session(
    conn: sqlite3.Connection, principal: Principal, reason: str, now: dt.datetime
) -> int:
    """End every test program of the principal's session (logout, timeout); returns how many.
    Call inside a transaction."""
    rows = conn.execute(
        "SELECT patient_id FROM test_stimulation WHERE session_key = ?", (session_key(principal),)
    ).fetchall()
    for row in rows:
        test = get_test(conn, str(row["patient_id"]))
        if test is not None:
            end_test(conn, test, reason=reason, principal=principal, now=now)
    return len(rows)


def revert_lost_links(conn: sqlite3.Connection, now: dt.datetime) -> int:
    """End every test program whose session lost touch: no request for longer than the link
    timeout (``data/security.toml``), or no session at all; the device runs the saved program
    again, with a ``test.revert`` row (reason ``lost link``). Returns how many. Call inside a
    transaction, before the request's own session is marked seen."""
    from neurostim.web.auth import security_settings

    rows = conn.execute("SELECT patient_id, session_key FROM test_stimulation").fetchall()
    if not rows:
        return 0
    timeout = dt.timedelta(seconds=security_settings().link_timeout_s)
    seen = {
        hashlib.sha256(str(r["csrf_token"]).encode()).hexdigest(): dt.datetime.fromisoformat(
            str(r["last_seen_utc"])
        )
        for r in conn.execute("SELECT csrf_token, last_seen_utc FROM sessions")
    }
    ended = 0
    for row in rows:
        last = seen.get(str(row["session_key"]))
        if last is not None and now - last <= timeout:
            continue
        test = get_test(conn, str(row["patient_id"]))
        if test is not None:
            end_test(conn, test, reason="lost link", principal=None, now=now)
            ended += 1
    return ended


def amplitude_step(stimulator: str, amplitude_ma: float, direction: int) -> float | None:
    """The next amplitude on the stimulator's grid above (``direction`` +1) or below (-1) the
    given one; None past the end of the range."""
    grid = load_profile(stimulator).amplitude_ma
    tolerance = 1e-6
    if direction > 0:
        probe = max(amplitude_ma, grid.minimum) + tolerance
        above = [v for v in grid.nearest(probe) if v > amplitude_ma + tolerance]
        if amplitude_ma < grid.minimum - tolerance:
            return grid.minimum
        return min(above) if above else None
    probe = min(amplitude_ma, grid.maximum) - tolerance
    below = [v for v in grid.nearest(probe) if v < amplitude_ma - tolerance]
    return max(below) if below else None


__all__ = [
    "Titration",
    "amplitude_step",
    "end_test",
    "get_test",
    "put_test",
    "revert_lost_links",
    "revert_session",
    "session_key",
]
