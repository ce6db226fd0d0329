"""The review and the write of a program (clinic-web §1.2, 7-8): name and patient limits, old
against new, every warning with a box to tick, and the write through
:func:`neurostim.web.writes.save_program` (the API's path). After a write the session's test
program ends: the device runs the saved program.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from neurostim.web.api import MAX_SLOT, PROGRAMMERS
from neurostim.web.auth import Principal
from neurostim.web.checks import FieldError, Refused, check_program_data, warning_key
from neurostim.web.db import transaction
from neurostim.web.deps import allow, get_conn, now, patient_for
from neurostim.web.editor import draft_program
from neurostim.web.forms import parse_number
from neurostim.web.pages import render
from neurostim.web.store import Patient, diff, get_program
from neurostim.web.titration import end_test, get_test, session_key
from neurostim.web.writes import implant_errors, save_program

router = APIRouter()


def _limits(form_min: str, form_max: str, errors: list[FieldError]) -> dict[str, float] | None:
    low = parse_number({"amplitude_min_ma": form_min}, "amplitude_min_ma", errors, "mA")
    high = parse_number({"amplitude_max_ma": form_max}, "amplitude_max_ma", errors, "mA")
    if high is None:
        return None
    return {"amplitude_min_ma": 0.0 if low is None else low, "amplitude_max_ma": high}


def _review(
    request: Request,
    conn: sqlite3.Connection,
    principal: Principal,
    patient: Patient,
    slot: int,
    program: dict[str, Any],
    errors: list[FieldError],
    *,
    acknowledged: list[str] | None = None,
    status_code: int = 200,
    stale: dict[str, Any] | None = None,
    write_errors: list[FieldError] | None = None,
) -> HTMLResponse:
    saved = get_program(conn, patient.id, slot)
    check = None
    if not errors:
        try:
            result = check_program_data(program)
            check = result.to_dict()
            errors = [FieldError(e.field, e.value, e.message) for e in result.errors]
            errors += implant_errors(patient, slot, result.program)
            warnings = [{**w.to_dict(), "key": warning_key(w)} for w in result.warnings]
        except Refused as exc:
            errors = exc.errors
    if check is None:
        warnings = []
    if errors and status_code == 200:
        status_code = 422  # the device refuses it: the page shows why and offers no write
    old = {} if saved is None else saved.program
    return render(
        request,
        "review.html",
        principal,
        status_code,
        patient=patient,
        slot=slot,
        program=program,
        program_json=json.dumps(program, sort_keys=True),
        old=old,
        changes=diff(old, program),
        version=0 if saved is None else saved.version,
        check=check,
        warnings=warnings,
        acknowledged=acknowledged or [],
        errors=[e.to_dict() for e in errors],
        write_errors=[e.to_dict() for e in write_errors or []],
        stale=stale,
    )


@router.post("/patients/{patient_id}/programs/{slot}/review", response_class=HTMLResponse)
def review(
    request: Request,
    patient_id: str = Path(max_length=64),
    slot: int = Path(ge=1, le=MAX_SLOT),
    name: str = Form("", max_length=64),
    amplitude_min_ma: str = Form("", max_length=32),
    amplitude_max_ma: str = Form("", max_length=32),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> HTMLResponse:
    """Name and limits, then old against new with every warning to acknowledge."""
    p = patient_for(conn, request, principal, patient_id, action="program.review")
    program, _ = draft_program(conn, p, slot, principal)
    errors: list[FieldError] = []
    candidate = {k: v for k, v in program.items() if k != "patient"}
    if name.strip():
        candidate["name"] = name.strip()
    else:
        errors.append(FieldError("name", name, "a name for the program, e.g. Leg tonic"))
    limits = _limits(amplitude_min_ma, amplitude_max_ma, errors)
    if limits is not None:
        candidate["patient"] = limits
    status = 422 if errors else 200
    return _review(request, conn, principal, p, slot, candidate, errors, status_code=status)


@router.post("/patients/{patient_id}/programs/{slot}/write", response_class=HTMLResponse)
def write(
    request: Request,
    patient_id: str = Path(max_length=64),
    slot: int = Path(ge=1, le=MAX_SLOT),
    program_json: str = Form(..., max_length=100_000),
    version: int = Form(..., ge=0),
    acknowledged: list[str] = Form([]),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> Response:
    """Write the reviewed program (the API's write path); the test program ends."""
    p = patient_for(conn, request, principal, patient_id, action="program.write")
    try:
        program = json.loads(program_json)
    except json.JSONDecodeError:
        program = None
    if not isinstance(program, dict):
        errors = [FieldError("program_json", "(text)", "the reviewed program as JSON")]
        return _review(request, conn, principal, p, slot, {}, errors, status_code=422)
    answer = save_program(
        conn, request, principal, p, slot, program, version, acknowledged, "program.write"
    )
    body = json.loads(bytes(answer.body))
    if answer.status_code == 200:
        test = get_test(conn, p.id)
        if test is not None and test.session_key == session_key(principal):
            with transaction(conn):
                end_test(conn, test, reason="written", principal=principal, now=now(request))
        return RedirectResponse(f"/patients/{p.id}/report#slot-{slot}", status_code=303)
    if answer.status_code == 409:
        return _review(
            request, conn, principal, p, slot, program, [], acknowledged=acknowledged,
            status_code=409, stale=body,
        )  # fmt: skip
    refused = [FieldError(e["field"], e["value"], e["allowed"]) for e in body.get("errors", [])]
    return _review(
        request, conn, principal, p, slot, program, [], acknowledged=acknowledged,
        status_code=422, write_errors=refused,
    )  # fmt: skip


__all__ = ["router"]
