"""The instructor's page: the audit log with its chain check, and each patient's simulated
clock (clinic-web §4: "instructor: cases, simulated time, all audit").

Advancing a clock is a change like any other: an audit row with the simulated time before and
after.
"""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from neurostim.errors import InputError
from neurostim.web import audit
from neurostim.web.auth import Principal
from neurostim.web.clock import MAX_ADVANCE_H, advance, sim_now
from neurostim.web.db import transaction
from neurostim.web.deps import allow, get_conn, now, patient_for
from neurostim.web.pages import render
from neurostim.web.store import list_patients

router = APIRouter()


def _page(
    request: Request,
    conn: sqlite3.Connection,
    principal: Principal,
    patient_id: str | None,
    limit: int,
    status_code: int = 200,
    errors: list[dict[str, object]] | None = None,
) -> HTMLResponse:
    utc = now(request)
    clocks = [
        {"id": p.id, "sim_utc": sim_now(conn, p.id, utc).isoformat(timespec="minutes")}
        for p in list_patients(conn)
    ]
    rows = audit.read_rows(conn, patient_id=patient_id or None, limit=limit)
    return render(
        request,
        "instructor.html",
        principal,
        status_code,
        chain=audit.verify_chain(conn).to_dict(),
        rows=list(reversed(rows)),
        clocks=clocks,
        patient_id=patient_id or "",
        limit=limit,
        utc=utc.isoformat(timespec="seconds"),
        max_advance_h=MAX_ADVANCE_H,
        errors=errors or [],
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    patient_id: str = Query("", max_length=64),
    limit: int = Query(200, ge=1, le=10_000),
    principal: Principal = allow("instructor"),
    conn: sqlite3.Connection = Depends(get_conn),
) -> HTMLResponse:
    """The audit log (newest first, optionally one patient's), the chain check, the clocks."""
    return _page(request, conn, principal, patient_id, limit)


@router.post("/audit/clock", response_class=HTMLResponse)
def advance_clock(
    request: Request,
    patient_id: str = Form(..., max_length=64),
    advance_h: str = Form(..., max_length=32),
    principal: Principal = allow("instructor"),
    conn: sqlite3.Connection = Depends(get_conn),
) -> Response:
    """Move one patient's simulated clock forward (hours)."""
    p = patient_for(conn, request, principal, patient_id, action="clock.advance")
    utc = now(request)
    before = sim_now(conn, p.id, utc)
    try:
        hours = float(advance_h)
        with transaction(conn):
            advance(conn, p.id, hours)
            after = sim_now(conn, p.id, utc)
            audit.append(
                conn,
                action="clock.advance",
                outcome="ok",
                username=principal.username,
                role=principal.role,
                patient_id=p.id,
                detail={"advance_h": hours, "sim_before": before.isoformat()},
                utc=utc,
                sim_time=after.isoformat(),
            )
    except (ValueError, InputError) as exc:
        allowed = exc.message if isinstance(exc, InputError) else "a number of hours"
        error: dict[str, object] = {"field": "advance_h", "value": advance_h, "allowed": allowed}
        audit.append(
            conn,
            action="clock.advance",
            outcome="refused",
            username=principal.username,
            role=principal.role,
            patient_id=p.id,
            detail={"errors": [error]},
            utc=utc,
        )
        return _page(request, conn, principal, p.id, 200, 422, [error])
    return RedirectResponse(f"/audit?patient_id={p.id}", status_code=303)


__all__ = ["router"]
