"""Intrathecal pump writes with a second person's sign-off (clinic-web spec §3, refill step 7).

A clinician proposes a pump program; it is checked by :func:`neurostim.intrathecal.check_program`
against the pump's current program (titration) and refused if the check finds any error (dose
over the drug maximum, overfill, a patient bolus without lockout or with a drug the bolus device
excludes, ...) or a warning that was not acknowledged. A *different* user then signs it off; the
check runs again at sign-off, and the program is written only if the pump is still at the
version the proposal started from. Every proposal, sign-off and refusal is an audit row.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from neurostim.intrathecal import CheckReport, Finding
from neurostim.web.auth import ROLES, Principal
from neurostim.web.checks import FieldError, Refused, check_pump_data
from neurostim.web.clock import sim_now
from neurostim.web.db import transaction
from neurostim.web.deps import Denied, allow, get_conn, now, patient_for, record_action
from neurostim.web.writes import errors_response

router = APIRouter(prefix="/api")

PROGRAMMERS = ("clinician", "student")


class PumpChange(BaseModel):
    """A proposed pump program (the pump TOML's schema as JSON), the pump version it starts
    from (0: no program yet), the acknowledged warnings (``CODE@field``) and the fill date of the
    refill arithmetic (default: the program's ``fill_date``, else today)."""

    model_config = ConfigDict(extra="forbid")
    program: dict[str, Any]
    version: int = Field(ge=0)
    acknowledged: list[str] = Field(default_factory=list)
    start_date: dt.date | None = None


def finding_key(f: Finding) -> str:
    """The text a clinician acknowledges a pump warning by: ``CODE@field``."""
    return f"{f.code}@{f.field}"


def _current(conn: sqlite3.Connection, patient_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM pumps WHERE patient_id = ?", (patient_id,)).fetchone()


def _check(
    conn: sqlite3.Connection, patient_id: str, change: PumpChange | dict[str, Any]
) -> CheckReport:
    """Check a proposal against the current pump program; :class:`Refused` for an error or an
    unacknowledged warning."""
    data = change if isinstance(change, dict) else change.model_dump(mode="json")
    row = _current(conn, patient_id)
    previous = None if row is None else json.loads(row["program_json"])
    start = None if data.get("start_date") is None else dt.date.fromisoformat(data["start_date"])
    _, report = check_pump_data(data["program"], previous, start)
    errors = [FieldError(f.field, f.code, f.message) for f in report.errors]
    missing = sorted({finding_key(w) for w in report.warnings} - set(data["acknowledged"]))
    if missing:
        errors.append(
            FieldError("acknowledged", missing, "acknowledge each warning before proposing")
        )
    if errors:
        raise Refused(errors)
    return report


@router.get("/patients/{patient_id}/pump")
def get_pump(
    request: Request,
    patient_id: str = Path(max_length=64),
    principal: Principal = allow(*ROLES),
    conn: sqlite3.Connection = Depends(get_conn),
) -> dict[str, Any]:
    """The pump program in effect (``version`` 0 and ``program`` null when none) and the
    changes awaiting sign-off."""
    p = patient_for(conn, request, principal, patient_id, action="pump.read")
    row = _current(conn, p.id)
    pending = conn.execute(
        "SELECT id, base_version, program_json, proposed_by, proposed_utc FROM pump_changes "
        "WHERE patient_id = ? AND status = 'pending' ORDER BY id",
        (p.id,),
    ).fetchall()
    return {
        "version": 0 if row is None else int(row["version"]),
        "program": None if row is None else json.loads(row["program_json"]),
        "proposed_by": None if row is None else row["proposed_by"],
        "signed_off_by": None if row is None else row["signed_off_by"],
        "pending": [
            {
                "change_id": int(c["id"]),
                "base_version": int(c["base_version"]),
                "program": json.loads(c["program_json"]),
                "proposed_by": c["proposed_by"],
                "proposed_utc": c["proposed_utc"],
            }
            for c in pending
        ],
    }


@router.post("/patients/{patient_id}/pump/changes")
def propose_pump_change(
    body: PumpChange,
    request: Request,
    patient_id: str = Path(max_length=64),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> JSONResponse:
    """Propose a pump program: 202 ``{"change_id", "status": "pending", "check"}`` awaiting a
    second person's sign-off; 422 refused; 409 when ``version`` is not the pump's."""
    p = patient_for(conn, request, principal, patient_id, action="pump.propose")
    detail: dict[str, Any] = {"version": body.version, "acknowledged": body.acknowledged}
    try:
        implanted = p.record.get("pump")
        if body.program.get("pump") != implanted:
            allowed = (
                "a patient with an implanted pump (this one has none)"
                if implanted is None
                else f"the patient's pump {implanted}"
            )
            raise Refused([FieldError("pump", body.program.get("pump"), allowed)])
        report = _check(conn, p.id, body)
    except Refused as exc:
        errors = [e.to_dict() for e in exc.errors]
        record_action(
            conn,
            request,
            principal,
            p.id,
            "pump.propose",
            "refused",
            {**detail, "status": 422, "errors": errors},
        )
        return errors_response(exc.errors)
    with transaction(conn):
        row = _current(conn, p.id)
        have = 0 if row is None else int(row["version"])
        if have != body.version:
            reason = f"version {body.version} is stale: the pump is at version {have}"
            record_action(
                conn,
                request,
                principal,
                p.id,
                "pump.propose",
                "refused",
                {**detail, "status": 409, "reason": reason},
            )
            return JSONResponse({"detail": reason, "current_version": have}, status_code=409)
        cursor = conn.execute(
            "INSERT INTO pump_changes (patient_id, base_version, program_json, "
            "acknowledged_json, start_date, proposed_by, proposed_utc, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
            (
                p.id,
                body.version,
                json.dumps(body.program, sort_keys=True),
                json.dumps(body.acknowledged),
                None if body.start_date is None else body.start_date.isoformat(),
                principal.username,
                now(request).isoformat(),
            ),
        )
        change_id = int(cursor.lastrowid or 0)
        record_action(
            conn,
            request,
            principal,
            p.id,
            "pump.propose",
            "ok",
            {
                **detail,
                "change_id": change_id,
                "program": body.program,
                "warnings": [finding_key(w) for w in report.warnings],
            },
        )
    return JSONResponse(
        {"change_id": change_id, "status": "pending", "check": report.to_dict()}, status_code=202
    )


@router.post("/patients/{patient_id}/pump/changes/{change_id}/signoff")
def sign_off_pump_change(
    request: Request,
    patient_id: str = Path(max_length=64),
    change_id: int = Path(ge=1),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> JSONResponse:
    """Sign off a proposed change (another user than its author) and write it to the pump:
    200 ``{"version", "program"}``; 403 own proposal; 404 no such pending change; 409 the pump
    changed since the proposal; 422 the check now refuses it."""
    p = patient_for(conn, request, principal, patient_id, action="pump.signoff")
    with transaction(conn):
        change = conn.execute(
            "SELECT * FROM pump_changes WHERE id = ? AND patient_id = ? AND status = 'pending'",
            (change_id, p.id),
        ).fetchone()
        outcome: tuple[int, dict[str, Any]] | None = None
        if change is None:
            outcome = (404, {"detail": "no such change awaiting sign-off"})
        elif change["proposed_by"] == principal.username:
            outcome = (403, {"detail": "a second person signs off a pump change"})
        else:
            row = _current(conn, p.id)
            have = 0 if row is None else int(row["version"])
            if have != int(change["base_version"]):
                conn.execute("UPDATE pump_changes SET status = 'stale' WHERE id = ?", (change_id,))
                reason = f"the pump moved to version {have} since the proposal; propose again"
                outcome = (409, {"detail": reason, "current_version": have})
        if outcome is None:
            data = {
                "program": json.loads(change["program_json"]),
                "acknowledged": json.loads(change["acknowledged_json"]),
                "start_date": change["start_date"],
            }
            try:
                _check(conn, p.id, data)
            except Refused as exc:
                outcome = (422, {"errors": [e.to_dict() for e in exc.errors]})
        if outcome is not None:
            status, answer = outcome
            record_action(
                conn,
                request,
                principal,
                p.id,
                "pump.signoff",
                "refused",
                {"change_id": change_id, "status": status, **answer},
            )
        else:
            version = int(change["base_version"]) + 1
            conn.execute(
                "INSERT INTO pumps (patient_id, version, program_json, updated_utc, proposed_by, "
                "signed_off_by, programmed_sim_utc) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (patient_id) DO UPDATE SET "
                "version = excluded.version, program_json = excluded.program_json, "
                "updated_utc = excluded.updated_utc, proposed_by = excluded.proposed_by, "
                "signed_off_by = excluded.signed_off_by, "
                "programmed_sim_utc = excluded.programmed_sim_utc",
                (
                    p.id,
                    version,
                    change["program_json"],
                    now(request).isoformat(),
                    change["proposed_by"],
                    principal.username,
                    sim_now(conn, p.id, now(request)).isoformat(),
                ),
            )
            conn.execute(
                "UPDATE pump_changes SET status = 'written', signed_off_by = ? WHERE id = ?",
                (principal.username, change_id),
            )
            record_action(
                conn,
                request,
                principal,
                p.id,
                "pump.signoff",
                "ok",
                {
                    "change_id": change_id,
                    "version_after": version,
                    "proposed_by": change["proposed_by"],
                    "program": data["program"],
                },
            )
    if outcome is not None:
        status, answer = outcome
        if status in (403, 404):
            raise Denied(status, str(answer["detail"]))  # audited above
        return JSONResponse(answer, status_code=status)
    return JSONResponse({"version": version, "program": data["program"]})


__all__ = ["PumpChange", "finding_key", "router"]
