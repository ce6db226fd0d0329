"""The JSON API (``/api/...``): checks, patients, program and limit writes, audit (sessions:
:mod:`neurostim.web.sessions`; the controller: :mod:`neurostim.web.controller`).

Status codes: 200 done; 401 not signed in (login: one generic message); 403 wrong role, wrong
patient or missing CSRF token; 404 unknown patient or empty slot; 409 stale version (with the
stored version and a diff); 422 refused input, ``{"errors": [{"field", "value", "allowed"}]}``.
Every change and every refusal is an audit row.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from neurostim.device import PatientLimits
from neurostim.web import audit
from neurostim.web.auth import ROLES, Principal
from neurostim.web.checks import (
    Refused,
    check_program_data,
    check_pump_data,
)
from neurostim.web.deps import (
    Denied,
    allow,
    get_conn,
    patient_for,
    refuse,
    visible_patients,
)
from neurostim.web.store import (
    get_program,
    list_patients,
    list_programs,
)
from neurostim.web.writes import errors_response, save_program

router = APIRouter(prefix="/api")

STAFF = ("clinician", "student", "instructor")
PROGRAMMERS = ("clinician", "student")
MAX_SLOT = 64
"""Schema bound on a program slot; the patient's stimulator profile sets the real number."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProgramCheckRequest(_Body):
    """A stimulation program as JSON: the program file's schema (docs/programs.md)."""

    program: dict[str, Any]


class PumpCheckRequest(_Body):
    """A pump program as JSON (the pump TOML's schema), optionally the one it replaces."""

    program: dict[str, Any]
    previous: dict[str, Any] | None = None
    start_date: dt.date | None = None


class ProgramWrite(_Body):
    """Write ``program`` into a slot: the version the editor loaded (0 for an empty slot) and
    the keys of the warnings the clinician acknowledged (``code`` or ``code@contact``)."""

    program: dict[str, Any]
    version: int = Field(ge=0)
    acknowledged: list[str] = Field(default_factory=list)


class LimitsWrite(_Body):
    """New patient limits for the program in a slot (the device's ``PatientLimits`` model)."""

    limits: PatientLimits
    version: int = Field(ge=1)
    acknowledged: list[str] = Field(default_factory=list)


# ---- checks (no state changes) -------------------------------------------------------------


@router.post("/programs/check")
async def programs_check(body: ProgramCheckRequest, principal: Principal = allow(*STAFF)) -> Any:
    """The object of ``neurostim program check --json`` (valid or refused by the device), or 422
    for malformed input (the command's exit code 2). Runs on the event loop: a check takes about
    half a millisecond, less than a worker-thread hop."""
    try:
        result = check_program_data(body.program)
    except Refused as exc:
        return errors_response(exc.errors)
    return result.to_dict()


@router.post("/pumps/check")
def pumps_check(body: PumpCheckRequest, principal: Principal = allow(*STAFF)) -> Any:
    """The object of ``neurostim pump check --json``, or 422 for malformed input."""
    try:
        _, report = check_pump_data(body.program, body.previous, body.start_date)
    except Refused as exc:
        return errors_response(exc.errors)
    return report.to_dict()


# ---- patients and programs -----------------------------------------------------------------


@router.get("/patients")
def patients(
    principal: Principal = allow(*STAFF), conn: sqlite3.Connection = Depends(get_conn)
) -> list[dict[str, Any]]:
    """The patient records the role may open (students: sandbox copies only)."""
    return [p.to_dict() for p in visible_patients(principal, list_patients(conn))]


@router.get("/patients/{patient_id}")
def patient(
    request: Request,
    patient_id: str = Path(max_length=64),
    principal: Principal = allow(*ROLES),
    conn: sqlite3.Connection = Depends(get_conn),
) -> dict[str, Any]:
    """One patient record and its saved programs (patients: their own record only)."""
    p = patient_for(conn, request, principal, patient_id, action="patient.read")
    return {**p.to_dict(), "programs": [s.to_dict() for s in list_programs(conn, p.id)]}


@router.get("/patients/{patient_id}/programs/{slot}")
def program_in_slot(
    request: Request,
    patient_id: str = Path(max_length=64),
    slot: int = Path(ge=1, le=MAX_SLOT),
    principal: Principal = allow(*ROLES),
    conn: sqlite3.Connection = Depends(get_conn),
) -> dict[str, Any]:
    """The program in a slot with its version (404 when the slot is empty)."""
    p = patient_for(conn, request, principal, patient_id, action="program.read")
    saved = get_program(conn, p.id, slot)
    if saved is None:
        raise Denied(404, "no program in this slot")  # a read: nothing refused, nothing audited
    return saved.to_dict()


@router.put("/patients/{patient_id}/programs/{slot}")
def put_program(
    body: ProgramWrite,
    request: Request,
    patient_id: str = Path(max_length=64),
    slot: int = Path(ge=1, le=MAX_SLOT),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> JSONResponse:
    """Write a program into a slot (students: sandbox copies only)."""
    p = patient_for(conn, request, principal, patient_id, action="program.write")
    return save_program(
        conn,
        request,
        principal,
        p,
        slot,
        body.program,
        body.version,
        body.acknowledged,
        "program.write",
    )


@router.put("/patients/{patient_id}/programs/{slot}/limits")
def put_limits(
    body: LimitsWrite,
    request: Request,
    patient_id: str = Path(max_length=64),
    slot: int = Path(ge=1, le=MAX_SLOT),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> JSONResponse:
    """Set the patient's amplitude range of the program in a slot (a new program version,
    checked by the device like any program: within the stimulator's range, the program's
    amplitude inside it, charge density warned again at the patient maximum)."""
    p = patient_for(conn, request, principal, patient_id, action="limits.write")
    saved = get_program(conn, p.id, slot)
    if saved is None:
        raise refuse(
            conn,
            request,
            principal,
            404,
            "no program in this slot",
            action="limits.write",
            patient_id=p.id,
        )
    data = {**saved.program, "patient": body.limits.model_dump(mode="json", exclude_none=True)}
    return save_program(
        conn, request, principal, p, slot, data, body.version, body.acknowledged, "limits.write"
    )


# ---- audit ---------------------------------------------------------------------------------


@router.get("/audit")
def audit_log(
    patient_id: str | None = Query(None, max_length=64),
    limit: int = Query(500, ge=1, le=100_000),
    principal: Principal = allow("instructor"),
    conn: sqlite3.Connection = Depends(get_conn),
) -> dict[str, Any]:
    """The audit rows (newest last, at most ``limit``) and the chain's verification."""
    return {
        "chain": audit.verify_chain(conn).to_dict(),
        "rows": audit.read_rows(conn, patient_id=patient_id, limit=limit),
    }


__all__ = ["MAX_SLOT", "PROGRAMMERS", "STAFF", "router"]
