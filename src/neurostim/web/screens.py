"""The patient's screens (clinic-web §1.2, 1-4): patient record, connect banner, leads on a
schematic spine, impedance check; and the session report (§1.4), as HTML and as JSON.

Every route takes a role gate and reaches the record through :func:`deps.patient_for` (students:
sandbox copies only); the impedance check is an audited change of the record.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from typing import Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from neurostim.web.api import PROGRAMMERS, STAFF
from neurostim.web.auth import Principal
from neurostim.web.bodymap import body_map_svg, predict
from neurostim.web.checks import FieldError, Refused, check_program_data, check_pump_data
from neurostim.web.controller import controller_view
from neurostim.web.db import transaction
from neurostim.web.deps import allow, get_conn, now, patient_for, record_action
from neurostim.web.implant import impedance_rows, lead_schematic, measure_impedances
from neurostim.web.pages import render
from neurostim.web.store import Patient, list_programs, update_record
from neurostim.web.titration import get_test

router = APIRouter()

DEVICE_ALERTS = {
    "ERI": "elective replacement indicator: plan the replacement",
    "EOS": "end of service: the stimulator no longer delivers therapy",
    "clock": "the device clock is out of sync with the programmer",
    "reset": "the device was reset to its defaults: check its programs",
}
"""Banners of clinic-web §1.3 on connecting; the record lists the device's (``device_alerts``)."""


def connect_banner(conn: sqlite3.Connection, patient: Patient) -> dict[str, Any]:
    """What the programmer shows on connecting: model, serial, firmware, battery, clock,
    active program, and the banners (test stimulation running, failed contacts)."""
    rec = patient.record
    state = controller_view(conn, patient.id)
    active = next((p for p in state["programs"] if p["slot"] == state["active_slot"]), None)
    test = get_test(conn, patient.id)
    failed = (
        [r["contact"] for r in impedance_rows(rec) if not r["selectable"]]
        if rec.get("stimulator")
        else []
    )
    banners = [
        f"device alert: {DEVICE_ALERTS.get(str(a), str(a))}" for a in rec.get("device_alerts", [])
    ]
    if failed:
        banners.append(f"contacts that failed the impedance check: {', '.join(failed)}")
    if test is not None:
        banners.append(f"unsaved test stimulation by {test.username} (slot {test.slot})")
    return {
        "stimulator": rec.get("stimulator"),
        "pump": rec.get("pump"),
        "serial": rec.get("serial"),
        "firmware": rec.get("firmware"),
        "battery_percent": rec.get("battery_percent"),
        "active_program": None if active is None else f"{active['slot']}: {active['name']}",
        "stimulation_on": state["stimulation_on"],
        "banners": banners,
    }


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(
    request: Request,
    patient_id: str = Path(max_length=64),
    principal: Principal = allow(*STAFF),
    conn: sqlite3.Connection = Depends(get_conn),
) -> HTMLResponse:
    """Patient record, connect banner, leads, impedance table and saved programs."""
    p = patient_for(conn, request, principal, patient_id, action="patient.read")
    has_leads = bool(p.record.get("leads"))
    return render(
        request,
        "patient.html",
        principal,
        patient=p,
        banner=connect_banner(conn, p),
        leads=lead_schematic(p.record),
        impedances=impedance_rows(p.record) if has_leads else [],
        programs=list_programs(conn, p.id),
        can_program=principal.role in PROGRAMMERS,
        clock=now(request).isoformat(timespec="seconds"),
    )


@router.post("/patients/{patient_id}/impedance")
def impedance_check(
    request: Request,
    patient_id: str = Path(max_length=64),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> Response:
    """Run the impedance check on the virtual device and store it in the record (audited)."""
    p = patient_for(conn, request, principal, patient_id, action="impedance.check")
    if not p.record.get("leads"):
        return render(
            request, "error.html", principal, 422, status=422, message="this patient has no leads"
        )
    record = measure_impedances(p.record, now(request))
    with transaction(conn):
        update_record(conn, p.id, record)
        record_action(
            conn,
            request,
            principal,
            p.id,
            "impedance.check",
            "ok",
            {"status": record["impedance_status"], "impedance_ohm": record["impedance_ohm"]},
        )
    return RedirectResponse(f"/patients/{p.id}#impedance", status_code=303)


def _pump_report(program: dict[str, Any]) -> dict[str, Any] | None:
    try:
        _, report = check_pump_data(program)
    except Refused:
        return None
    return report.to_dict()


def session_report(conn: sqlite3.Connection, patient: Patient) -> dict[str, Any]:
    """The session report's content (clinic-web §1.4) as JSON-ready data."""
    from neurostim.web.audit import read_rows

    rows = read_rows(conn, patient_id=patient.id)
    programs = []
    for saved in list_programs(conn, patient.id):
        try:
            check = check_program_data(saved.program).to_dict()
        except Refused:
            check = None
        prediction = predict(saved.program, patient.record).to_dict()
        programs.append({**saved.to_dict(), "check": check, "prediction": prediction})
    writes = [
        {
            "utc": r["utc"],
            "user": r["username"],
            "role": r["role"],
            "action": r["action"],
            "slot": r["detail"].get("slot"),
            "version_after": r["detail"].get("version_after"),
            "changes": r["detail"].get("changes", []),
            "warnings": r["detail"].get("warnings", []),
            "acknowledged": r["detail"].get("acknowledged", []),
        }
        for r in rows
        if r["action"] in ("program.write", "limits.write") and r["outcome"] == "ok"
    ]
    notes = [
        {"utc": r["utc"], "user": r["username"], **r["detail"]}
        for r in rows
        if r["action"] == "report.note" and r["outcome"] == "ok"
    ]
    usage = [
        {"utc": r["utc"], "change": r["detail"].get("change"), "outcome": r["outcome"]}
        for r in rows
        if r["action"] == "controller.change"
    ]
    levels = [
        float(u["change"]["amplitude_ma"])
        for u in usage
        if u["outcome"] == "ok" and (u["change"] or {}).get("amplitude_ma") is not None
    ]
    refills = [
        {"utc": r["utc"], "user": r["username"], **r["detail"]}
        for r in rows
        if r["action"] == "pump.refill" and r["outcome"] == "ok"
    ]
    pump = conn.execute("SELECT * FROM pumps WHERE patient_id = ?", (patient.id,)).fetchone()
    return {
        "patient": patient.to_dict(),
        "device": connect_banner(conn, patient),
        "leads": lead_schematic(patient.record),
        "impedances": impedance_rows(patient.record) if patient.record.get("leads") else [],
        "programs": programs,
        "writes": writes,
        "notes": notes,
        "usage": usage,
        "usage_summary": {
            "adjustments": len(levels),
            "refused": sum(u["outcome"] == "refused" for u in usage),
            "mean_level_ma": None if not levels else round(sum(levels) / len(levels), 3),
        },
        "refused": sum(r["outcome"] == "refused" for r in rows),
        "pump": None
        if pump is None
        else {
            "version": pump["version"],
            "program": json.loads(pump["program_json"]),
            "proposed_by": pump["proposed_by"],
            "signed_off_by": pump["signed_off_by"],
            "check": _pump_report(json.loads(pump["program_json"])),
            "refills": refills,
        },
    }


@router.get("/patients/{patient_id}/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    patient_id: str = Path(max_length=64),
    principal: Principal = allow(*STAFF),
    conn: sqlite3.Connection = Depends(get_conn),
) -> HTMLResponse:
    """The session report, printable (print CSS)."""
    p = patient_for(conn, request, principal, patient_id, action="report.read")
    report = session_report(conn, p)
    maps = {
        prog["slot"]: body_map_svg(predict(prog["program"], p.record))
        for prog in report["programs"]
    }
    return render(
        request,
        "report.html",
        principal,
        report=report,
        maps=maps,
        generated=now(request).isoformat(timespec="seconds"),
        can_program=principal.role in PROGRAMMERS,
    )


@router.post("/patients/{patient_id}/report/notes", response_class=HTMLResponse)
def report_note(
    request: Request,
    patient_id: str = Path(max_length=64),
    note: str = Form("", max_length=4000),
    nrs_now: str = Form("", max_length=8),
    next_visit: str = Form("", max_length=10),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> Response:
    """Add the session's note, the pain score the patient reports now (NRS 0-10) and the next
    visit to the report (an audit row: the report shows it)."""
    p = patient_for(conn, request, principal, patient_id, action="report.note")
    errors: list[FieldError] = []
    detail: dict[str, Any] = {"note": note.strip()}
    if nrs_now.strip():
        try:
            value = float(nrs_now)
        except ValueError:
            value = math.nan
        if not 0.0 <= value <= 10.0:
            errors.append(FieldError("nrs_now", nrs_now, "a pain score from 0 to 10"))
        else:
            detail["nrs_now"] = value
    if next_visit.strip():
        try:
            detail["next_visit"] = dt.date.fromisoformat(next_visit.strip()).isoformat()
        except ValueError:
            errors.append(FieldError("next_visit", next_visit, "a date YYYY-MM-DD"))
    if not errors and not any(detail.values()):
        errors.append(FieldError("note", "", "a note, a pain score or the next visit"))
    record_action(
        conn,
        request,
        principal,
        p.id,
        "report.note",
        "refused" if errors else "ok",
        {"errors": [e.to_dict() for e in errors]} if errors else detail,
    )
    if errors:
        return render(
            request,
            "error.html",
            principal,
            422,
            status=422,
            message="; ".join(f"{e.field} = {e.value!r}: {e.allowed}" for e in errors),
        )
    return RedirectResponse(f"/patients/{p.id}/report#notes", status_code=303)


@router.get("/api/patients/{patient_id}/report")
def report_json(
    request: Request,
    patient_id: str = Path(max_length=64),
    principal: Principal = allow(*STAFF),
    conn: sqlite3.Connection = Depends(get_conn),
) -> dict[str, Any]:
    """The session report's content as JSON (the HTML report shows the same)."""
    p = patient_for(conn, request, principal, patient_id, action="report.read")
    return {**session_report(conn, p), "generated_utc": now(request).isoformat()}


__all__ = ["DEVICE_ALERTS", "connect_banner", "router", "session_report"]
