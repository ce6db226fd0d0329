"""The JSON API (``/api/...``): sessions, checks, patients, program and limit writes, audit.

Status codes: 200 done; 401 not signed in (login: one generic message); 403 wrong role, wrong
patient or missing CSRF token; 404 unknown patient or empty slot; 409 stale version (with the
stored version and a diff); 422 refused input, ``{"errors": [{"field", "value", "allowed"}]}``.
Every change and every refusal is an audit row.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from neurostim.device import PatientLimits, load_profile
from neurostim.web import audit
from neurostim.web.auth import ROLES, Principal, authenticate, create_session, end_session
from neurostim.web.checks import (
    FieldError,
    Refused,
    check_program_data,
    check_pump_data,
    require_valid,
    unacknowledged,
)
from neurostim.web.controller import reset_slot_amplitude
from neurostim.web.db import transaction
from neurostim.web.deps import (
    SESSION_COOKIE,
    Denied,
    allow,
    context,
    get_conn,
    now,
    patient_for,
    refuse,
    visible_patients,
)
from neurostim.web.store import (
    Patient,
    StaleVersion,
    diff,
    get_program,
    list_patients,
    list_programs,
    write_program,
)

router = APIRouter(prefix="/api")

LOGIN_FAILED = "unknown user or wrong password"
"""The one message of every failed login (never says which part was wrong)."""
STAFF = ("clinician", "student", "instructor")
PROGRAMMERS = ("clinician", "student")
MAX_SLOT = 64
"""Schema bound on a program slot; the patient's stimulator profile sets the real number."""
OPEN_STATUSES = ("open", "short")
"""Impedance statuses whose contact a program may not use (clinic-web spec §1.3)."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(_Body):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


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


def _errors(errors: list[FieldError]) -> JSONResponse:
    return JSONResponse({"errors": [e.to_dict() for e in errors]}, status_code=422)


# ---- sessions ------------------------------------------------------------------------------


@router.post("/session")
def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    conn: sqlite3.Connection = Depends(get_conn),
) -> dict[str, str]:
    """Sign in: 200 ``{"role", "csrf_token"}`` and the session cookie, or 401."""
    ctx = context(request)
    user = authenticate(conn, body.username, body.password)
    if user is None:
        audit.append(
            conn,
            action="login",
            outcome="refused",
            username=body.username,
            detail={"reason": LOGIN_FAILED},
            utc=ctx.clock(),
        )
        return JSONResponse({"detail": LOGIN_FAILED}, status_code=401)  # type: ignore[return-value]
    token, csrf = start_session(conn, request, user)
    set_session_cookie(response, request, token)
    return {"role": str(user["role"]), "csrf_token": csrf}


def start_session(conn: sqlite3.Connection, request: Request, user: sqlite3.Row) -> tuple[str, str]:
    """Create a session for ``user`` with its audit row; return (token, csrf token)."""
    ctx = context(request)
    with transaction(conn):
        token, csrf = create_session(conn, ctx.secret, int(user["id"]), ctx.clock())
        audit.append(
            conn,
            action="login",
            outcome="ok",
            username=str(user["username"]),
            role=str(user["role"]),
            utc=ctx.clock(),
        )
    return token, csrf


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def close_session(conn: sqlite3.Connection, request: Request, principal: Principal) -> None:
    """End the request's session with its audit row."""
    ctx = context(request)
    with transaction(conn):
        end_session(conn, ctx.secret, request.cookies.get(SESSION_COOKIE, ""))
        audit.append(
            conn,
            action="logout",
            outcome="ok",
            username=principal.username,
            role=principal.role,
            utc=ctx.clock(),
        )


@router.delete("/session")
def logout(
    request: Request,
    response: Response,
    principal: Principal = allow(*ROLES),
    conn: sqlite3.Connection = Depends(get_conn),
) -> dict[str, str]:
    """Sign out (CSRF token required)."""
    close_session(conn, request, principal)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"status": "signed out"}


@router.get("/me")
def me(principal: Principal = allow(*ROLES)) -> dict[str, Any]:
    """The signed-in user: name, role, own patient (patients) and the CSRF token."""
    return {
        "username": principal.username,
        "role": principal.role,
        "patient_id": principal.patient_id,
        "csrf_token": principal.csrf_token,
    }


# ---- checks (no state changes) -------------------------------------------------------------


@router.post("/programs/check")
def programs_check(
    body: ProgramCheckRequest, principal: Principal = allow(*STAFF)
) -> dict[str, Any]:
    """The object of ``neurostim program check --json`` (valid or refused by the device), or 422
    for malformed input (the command's exit code 2)."""
    try:
        result = check_program_data(body.program)
    except Refused as exc:
        return _errors(exc.errors)  # type: ignore[return-value]
    return result.to_dict()


@router.post("/pumps/check")
def pumps_check(body: PumpCheckRequest, principal: Principal = allow(*STAFF)) -> dict[str, Any]:
    """The object of ``neurostim pump check --json``, or 422 for malformed input."""
    try:
        _, report = check_pump_data(body.program, body.previous, body.start_date)
    except Refused as exc:
        return _errors(exc.errors)  # type: ignore[return-value]
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


def _device_errors(patient: Patient, slot: int, program: Any) -> list[FieldError]:
    """Ways the program does not fit the patient's implant: another stimulator or leads, a slot
    the stimulator lacks, a contact whose last impedance check found it open or shorted."""
    errors = []
    rec = patient.record
    stimulator = rec.get("stimulator")
    if program.stimulator != stimulator:
        errors.append(
            FieldError("stimulator", program.stimulator, f"the patient's stimulator {stimulator}")
        )
    implanted = [lead["lead"] for lead in rec.get("leads", [])]
    if list(program.leads) != implanted:
        errors.append(FieldError("leads", program.leads, f"the patient's leads {implanted}"))
    if stimulator is not None:
        n_programs = load_profile(stimulator).n_programs
        if slot > n_programs:
            errors.append(FieldError("slot", slot, f"a slot in 1..{n_programs} ({stimulator})"))
    status = rec.get("impedance_status", {})
    for t, train in enumerate(program.trains):
        for contact in train.contacts:
            if status.get(contact) in OPEN_STATUSES:
                errors.append(
                    FieldError(
                        f"trains[{t}].contacts.{contact}",
                        contact,
                        f"a contact that passed the impedance check ({contact} is "
                        f"{status[contact]} circuit); choose another contact or re-measure",
                    )
                )
    return errors


def save_program(
    conn: sqlite3.Connection,
    request: Request,
    principal: Principal,
    patient: Patient,
    slot: int,
    program_data: dict[str, Any],
    version: int,
    acknowledged: list[str],
    action: str,
) -> JSONResponse:
    """Check and write a program (the one path of every program write, API and HTML).

    Written only when the device check passes, the program fits the implant, every warning is
    acknowledged and ``version`` is the stored one; otherwise 422 or 409 and nothing written.
    Either way one audit row.
    """
    detail: dict[str, Any] = {"slot": slot, "version": version, "acknowledged": acknowledged}
    try:
        result = check_program_data(program_data)
        require_valid(result)
        misfit = _device_errors(patient, slot, result.program)
        if misfit:
            raise Refused(misfit)
        missing = unacknowledged(result, acknowledged)
        if missing:
            raise Refused(
                [FieldError("acknowledged", missing, "acknowledge each warning before saving")]
            )
    except Refused as exc:
        audit.append(
            conn,
            action=action,
            outcome="refused",
            username=principal.username,
            role=principal.role,
            patient_id=patient.id,
            detail={**detail, "status": 422, "errors": [e.to_dict() for e in exc.errors]},
            utc=now(request),
        )
        return _errors(exc.errors)
    program = result.program.model_dump(mode="json", exclude_none=True)
    warnings = [w.to_dict() for w in result.warnings]
    stale: StaleVersion | None = None
    with transaction(conn):
        try:
            before, after = write_program(
                conn,
                patient.id,
                slot,
                program,
                expected_version=version,
                username=principal.username,
                now=now(request),
            )
        except StaleVersion as exc:
            stale = exc
            audit.append(
                conn,
                action=action,
                outcome="refused",
                username=principal.username,
                role=principal.role,
                patient_id=patient.id,
                detail={**detail, "status": 409, "reason": str(exc)},
                utc=now(request),
            )
        else:
            reset_slot_amplitude(conn, patient.id, slot)
            old = None if before is None else before.program
            audit.append(
                conn,
                action=action,
                outcome="ok",
                username=principal.username,
                role=principal.role,
                patient_id=patient.id,
                detail={
                    **detail,
                    "version_after": after.version,
                    "changes": diff(old or {}, program),
                    "warnings": warnings,
                    "program": program,
                },
                utc=now(request),
            )
    if stale is not None:
        current = stale.current
        return JSONResponse(
            {
                "detail": str(stale),
                "current_version": 0 if current is None else current.version,
                "diff": diff({} if current is None else current.program, program),
            },
            status_code=409,
        )
    return JSONResponse(
        {
            "patient_id": patient.id,
            "slot": slot,
            "version": after.version,
            "warnings": warnings,
            "acknowledged": acknowledged,
            "program": program,
        }
    )


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
        conn, request, principal, p, slot, body.program, body.version, body.acknowledged,
        "program.write",
    )  # fmt: skip


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
            conn, request, principal, 404, "no program in this slot", action="limits.write",
            patient_id=p.id,
        )  # fmt: skip
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


__all__ = ["LOGIN_FAILED", "router", "save_program"]
