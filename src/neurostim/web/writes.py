"""Program writes: the one path of every program and patient-limit write, API and pages.

A program is written only when the device check passes, it fits the patient's implant
(stimulator, leads, a slot the stimulator has, no contact that failed the impedance check),
every warning is acknowledged and the version is the stored one; otherwise 422 or 409 and
nothing is written. Either way one audit row, in the same transaction as the write.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from neurostim.device import load_profile
from neurostim.web import audit
from neurostim.web.auth import Principal
from neurostim.web.checks import (
    FieldError,
    Refused,
    check_program_data,
    require_valid,
    unacknowledged,
)
from neurostim.web.controller import reset_slot_amplitude
from neurostim.web.db import transaction
from neurostim.web.deps import now
from neurostim.web.store import Patient, StaleVersion, diff, write_program

OPEN_STATUSES = ("open", "short")
"""Impedance statuses whose contact a program may not use (clinic-web spec §1.3)."""


def errors_response(errors: list[FieldError]) -> JSONResponse:
    """422 ``{"errors": [{"field", "value", "allowed"}]}``."""
    return JSONResponse({"errors": [e.to_dict() for e in errors]}, status_code=422)


def implant_errors(patient: Patient, slot: int, program: Any) -> list[FieldError]:
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
        misfit = implant_errors(patient, slot, result.program)
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
        return errors_response(exc.errors)
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


__all__ = ["OPEN_STATUSES", "errors_response", "implant_errors", "save_program"]
