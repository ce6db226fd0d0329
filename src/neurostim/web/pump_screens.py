"""The intrathecal pump screens (clinic-web §3): the pump in effect with its computed dates, a
program edit ending on the Finish review (old against new, every warning acknowledged), the
second person's sign-off, and the refill workflow.

Every number comes from :mod:`neurostim.intrathecal` (the check report of
:func:`neurostim.web.checks.check_pump_data`, the reconciliation ratio and its window); proposals
and sign-offs go through the JSON API's functions in :mod:`neurostim.web.pump`, so the pages
and the API refuse the same things and write the same audit rows.

Refill workflow (§3): interrogate (the pump's expected reservoir volume on the refill date);
withdraw and enter the residual (expected against withdrawn, the reconciliation ratio; outside
0.85-1.15 a note is required); reservoir port only (the access port is refused: it is a direct
intrathecal dose); new drug, concentration and fill; the check (overfill, concentration change
and its drug front, refill and alarm dates); proposal; a second clinician signs off.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tomllib
from importlib import resources
from typing import Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from neurostim.errors import InputError
from neurostim.intrathecal import (
    daily_volume_ml,
    reconciliation_flagged,
    reconciliation_ratio,
)
from neurostim.web.api import PROGRAMMERS, STAFF
from neurostim.web.auth import Principal
from neurostim.web.checks import FieldError, Refused, check_pump_data
from neurostim.web.deps import allow, get_conn, now, patient_for, record_action
from neurostim.web.forms import parse_number
from neurostim.web.pages import MAX_PROGRAM_TEXT, render
from neurostim.web.pump import PumpChange, finding_key, get_pump, propose_pump_change
from neurostim.web.pump import sign_off_pump_change as sign_off
from neurostim.web.store import Patient, diff

router = APIRouter()

PORTS = ("reservoir", "access")


def example_pump_text() -> str:
    """The pump program shown in an empty form (intrathecal.md P2)."""
    return (
        resources.files("neurostim.web")
        .joinpath("data", "example_pump.toml")
        .read_text(encoding="utf-8")
    )


def _state(request: Request, conn: sqlite3.Connection, principal: Principal, p: Patient) -> Any:
    return get_pump(request, p.id, principal, conn)


def _report(program: dict[str, Any] | None) -> dict[str, Any] | None:
    if program is None:
        return None
    try:
        _, report = check_pump_data(program)
    except Refused:
        return None
    return report.to_dict()


def _page(
    request: Request,
    conn: sqlite3.Connection,
    principal: Principal,
    p: Patient,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    from neurostim.web.alarms import pump_alarms
    from neurostim.web.clock import sim_now

    state = _state(request, conn, principal, p)
    report = _report(state["program"])
    sim = sim_now(conn, p.id, now(request))
    return render(
        request,
        "pump.html",
        principal,
        status_code,
        patient=p,
        state=state,
        report=report,
        sim_utc=sim,
        alarms=pump_alarms(conn, p.id, p.record, state["program"], report, sim),
        can_program=principal.role in PROGRAMMERS,
        text=values.pop("text", example_pump_text()),
        **values,
    )


@router.get("/patients/{patient_id}/pump", response_class=HTMLResponse)
def pump_page(
    request: Request,
    patient_id: str = Path(max_length=64),
    principal: Principal = allow(*STAFF),
    conn: sqlite3.Connection = Depends(get_conn),
) -> HTMLResponse:
    """The pump in effect, its computed dates, changes awaiting sign-off, the edit form."""
    p = patient_for(conn, request, principal, patient_id, action="pump.read")
    return _page(request, conn, principal, p)


def _finish(
    request: Request,
    conn: sqlite3.Connection,
    principal: Principal,
    p: Patient,
    program: dict[str, Any],
    *,
    extra: dict[str, Any] | None = None,
    acknowledged: list[str] | None = None,
    write_errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The Finish review: old against new, the check, each warning to acknowledge."""
    state = _state(request, conn, principal, p)
    errors: list[FieldError] = []
    report = None
    warnings: list[dict[str, Any]] = []
    try:
        _, checked = check_pump_data(program, state["program"])
        report = checked.to_dict()
        errors = [FieldError(f.field, f.code, f.message) for f in checked.errors]
        warnings = [
            {"code": f.code, "field": f.field, "message": f.message, "key": finding_key(f)}
            for f in checked.warnings
        ]
    except Refused as exc:
        errors = exc.errors
    return render(
        request,
        "pump_finish.html",
        principal,
        422 if errors or write_errors else status_code,
        patient=p,
        state=state,
        program=program,
        program_json=json.dumps(program, sort_keys=True),
        changes=diff(state["program"] or {}, program),
        report=report,
        errors=[e.to_dict() for e in errors],
        write_errors=[e.to_dict() for e in write_errors or []],
        warnings=warnings,
        acknowledged=acknowledged or [],
        extra=extra or {},
    )


@router.post("/patients/{patient_id}/pump/review", response_class=HTMLResponse)
def pump_review(
    request: Request,
    patient_id: str = Path(max_length=64),
    program_toml: str = Form("", max_length=MAX_PROGRAM_TEXT),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> HTMLResponse:
    """Check an edited pump program (TOML) and show the Finish review."""
    p = patient_for(conn, request, principal, patient_id, action="pump.review")
    try:
        data = tomllib.loads(program_toml)
    except tomllib.TOMLDecodeError as exc:
        errors = [FieldError("program", "(text)", f"valid TOML: {exc}").to_dict()]
        return _page(request, conn, principal, p, 422, text=program_toml, errors=errors)
    program = json.loads(json.dumps(data, default=str))
    return _finish(request, conn, principal, p, program)


@router.post("/patients/{patient_id}/pump/propose", response_class=HTMLResponse)
def pump_propose(
    request: Request,
    patient_id: str = Path(max_length=64),
    program_json: str = Form(..., max_length=MAX_PROGRAM_TEXT),
    version: int = Form(..., ge=0),
    acknowledged: list[str] = Form([]),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> Response:
    """Propose the reviewed program (the API's path); it waits for a second person."""
    p = patient_for(conn, request, principal, patient_id, action="pump.propose")
    try:
        program = json.loads(program_json)
    except json.JSONDecodeError:
        program = None
    if not isinstance(program, dict):
        errors = [FieldError("program_json", "(text)", "the reviewed program as JSON")]
        return _finish(request, conn, principal, p, {}, write_errors=errors)
    body = PumpChange(program=program, version=version, acknowledged=acknowledged)
    answer = propose_pump_change(body, request, p.id, principal, conn)
    if answer.status_code == 202:
        return RedirectResponse(f"/patients/{p.id}/pump#pending", status_code=303)
    data = json.loads(bytes(answer.body))
    refused = [FieldError(e["field"], e["value"], e["allowed"]) for e in data.get("errors", [])]
    if not refused:
        refused = [FieldError("version", version, str(data.get("detail", "")))]
    return _finish(
        request, conn, principal, p, program, acknowledged=acknowledged, write_errors=refused
    )


@router.post("/patients/{patient_id}/pump/changes/{change_id}/sign", response_class=HTMLResponse)
def pump_sign(
    request: Request,
    patient_id: str = Path(max_length=64),
    change_id: int = Path(ge=1),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> Response:
    """A second clinician signs off a proposed change; the pump is written."""
    p = patient_for(conn, request, principal, patient_id, action="pump.signoff")
    answer = sign_off(request, p.id, change_id, principal, conn)
    if answer.status_code == 200:
        return RedirectResponse(f"/patients/{p.id}/pump", status_code=303)
    data = json.loads(bytes(answer.body))
    errors = data.get("errors") or [
        {"field": "change", "value": change_id, "allowed": str(data.get("detail", ""))}
    ]
    return _page(request, conn, principal, p, answer.status_code, errors=errors)


# ---- refill workflow -----------------------------------------------------------------------


def expected_reservoir_ml(
    program: dict[str, Any], report: dict[str, Any], on: dt.date
) -> tuple[float, float]:
    """The pump's own bookkeeping on date ``on``: ``(expected delivered mL, expected reservoir
    mL)`` at the programmed basal rate (:func:`neurostim.intrathecal.daily_volume_ml`, the
    rate the check reports) since the fill date."""
    start = dt.date.fromisoformat(str(report["start_date"]))
    days = max((on - start).days, 0)
    rate_ml_per_day = daily_volume_ml(float(report["daily_dose"]), float(program["concentration"]))
    delivered = min(rate_ml_per_day * days, float(program["fill_ml"]))
    return delivered, float(program["fill_ml"]) - delivered


def _refill_page(
    request: Request,
    conn: sqlite3.Connection,
    principal: Principal,
    p: Patient,
    form: dict[str, str],
    errors: list[dict[str, Any]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    state = _state(request, conn, principal, p)
    report = _report(state["program"])
    expected = None
    if report is not None and report.get("daily_dose") is not None:
        try:
            on = dt.date.fromisoformat(form.get("refill_date") or str(report["refill_date"]))
        except ValueError:
            on = dt.date.fromisoformat(str(report["refill_date"]))
        delivered, residual = expected_reservoir_ml(state["program"], report, on)
        expected = {"date": on.isoformat(), "delivered_ml": delivered, "residual_ml": residual}
    return render(
        request,
        "refill.html",
        principal,
        status_code,
        patient=p,
        state=state,
        report=report,
        expected=expected,
        form=form,
        errors=errors or [],
    )


@router.get("/patients/{patient_id}/pump/refill", response_class=HTMLResponse)
def refill_page(
    request: Request,
    patient_id: str = Path(max_length=64),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> HTMLResponse:
    """Step 1: interrogate the pump; the form of steps 2-6."""
    p = patient_for(conn, request, principal, patient_id, action="pump.refill")
    return _refill_page(request, conn, principal, p, {})


@router.post("/patients/{patient_id}/pump/refill", response_class=HTMLResponse)
async def refill_submit(
    request: Request,
    patient_id: str = Path(max_length=64),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> HTMLResponse:
    """Steps 2-6: reconciliation, port, new fill; then the Finish review of the new program."""
    p = patient_for(conn, request, principal, patient_id, action="pump.refill")
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    state = _state(request, conn, principal, p)
    errors: list[FieldError] = []
    if state["program"] is None:
        errors.append(FieldError("pump", None, "a pump with a program to refill"))
        return _refill_page(request, conn, principal, p, form, [e.to_dict() for e in errors], 422)
    report = _report(state["program"])
    assert report is not None
    port = form.get("port", "")
    if port == "access":
        errors.append(
            FieldError(
                "port",
                port,
                "the reservoir port: the access port leads straight to the catheter, so a "
                "refill there is an intrathecal dose",
            )
        )
    elif port != "reservoir":
        errors.append(FieldError("port", port, "the reservoir port"))
    if form.get("reservoir_confirmed") != "on":
        errors.append(
            FieldError(
                "reservoir_confirmed", "not ticked", "confirm the needle is in the reservoir"
            )
        )
    try:
        on = dt.date.fromisoformat(form.get("refill_date", ""))
    except ValueError:
        errors.append(FieldError("refill_date", form.get("refill_date"), "a date YYYY-MM-DD"))
        on = None
    withdrawn = parse_number(form, "withdrawn_ml", errors, "mL", required=True)
    fill = parse_number(form, "fill_ml", errors, "mL", required=True)
    concentration = parse_number(form, "concentration", errors, "mg/mL", required=True)
    ratio = flagged = None
    if report.get("daily_dose") is None:
        errors.append(FieldError("mode", state["program"].get("mode"), "a pump with a basal dose"))
    elif on is not None and withdrawn is not None:
        delivered, _ = expected_reservoir_ml(state["program"], report, on)
        try:
            ratio = reconciliation_ratio(float(state["program"]["fill_ml"]), withdrawn, delivered)
            flagged = reconciliation_flagged(ratio)
        except InputError as exc:  # nothing delivered yet
            errors.append(FieldError("refill_date", form.get("refill_date"), exc.message))
        if flagged and not form.get("note", "").strip():
            errors.append(
                FieldError(
                    "note",
                    "",
                    f"a note: the ratio {ratio:.2f} lies outside 0.85-1.15 (a discrepancy may "
                    "mean a pump or catheter fault)",
                )
            )
    if errors:
        record_action(
            conn,
            request,
            principal,
            p.id,
            "pump.refill",
            "refused",
            {
                "form": {k: v for k, v in form.items() if k != "csrf_token"},
                "errors": [e.to_dict() for e in errors],
            },
        )
        return _refill_page(request, conn, principal, p, form, [e.to_dict() for e in errors], 422)
    assert on is not None and fill is not None and concentration is not None
    program = {
        **state["program"],
        "drug": form.get("drug") or state["program"]["drug"],
        "concentration": concentration,
        "fill_ml": fill,
        "fill_date": on.isoformat(),
    }
    record_action(
        conn,
        request,
        principal,
        p.id,
        "pump.refill",
        "ok",
        {
            "refill_date": on.isoformat(),
            "withdrawn_ml": withdrawn,
            "reconciliation_ratio": ratio,
            "flagged": flagged,
            "note": form.get("note", ""),
            "port": port,
        },
    )
    extra = {
        "ratio": ratio,
        "flagged": flagged,
        "withdrawn_ml": withdrawn,
        "note": form.get("note"),
    }
    return _finish(request, conn, principal, p, program, extra=extra)


__all__ = ["expected_reservoir_ml", "router"]
