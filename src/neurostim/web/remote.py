"""The patient controller as a page (clinic-web §2): stimulation on/off, "all off" with a
confirmation, then per-area restore, the clinician's programs, level up/down per program or per
area of the program in use within the patient limits, MRI mode, the batteries.

Each button is a form that posts to ``/controller``; the change goes through
:func:`neurostim.web.controller.apply_change`, the API's path: the device checks the amplitude
against the patient limits and the step grid and refuses, never clamps. The "+" buttons are
disabled at the patient maximum and the "−" buttons at the minimum; the server refuses a request
beyond them all the same.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from neurostim.web.auth import Principal
from neurostim.web.bolus import bolus_view, request_bolus
from neurostim.web.controller import (
    ControllerChange,
    apply_change,
    battery_status,
    controller_view,
)
from neurostim.web.db import transaction
from neurostim.web.deps import Denied, allow, get_conn, now, patient_for
from neurostim.web.pages import render
from neurostim.web.titration import amplitude_step

router = APIRouter()

ACTIONS = (
    "select",
    "on",
    "off",
    "up",
    "down",
    "all_off",
    "all_off_confirm",
    "mri_on",
    "mri_off",
    "restore_area",
    "area_up",
    "area_down",
)


def _own(conn: sqlite3.Connection, request: Request, principal: Principal) -> Any:
    if principal.patient_id is None:
        raise Denied(404, "no patient record is linked to this account")
    return patient_for(conn, request, principal, principal.patient_id, action="controller.read")


def _steps(
    stimulator: str | None, amplitude_ma: float, low: float, high: float | None
) -> dict[str, float | None]:
    """The next step up and down from ``amplitude_ma`` (None at the patient limits ``low`` ..
    ``high``, at the end of the stimulator's range, or without a patient maximum)."""
    up = down = None
    if stimulator and high is not None:
        up = amplitude_step(stimulator, amplitude_ma, 1)
        down = amplitude_step(stimulator, amplitude_ma, -1)
        if up is not None and up > high + 1e-9:
            up = None
        if down is not None and down < low - 1e-9:
            down = None
    return {"next_up_ma": up, "next_down_ma": down}


def _programs(view: dict[str, Any], stimulator: str | None) -> list[dict[str, Any]]:
    """The view's programs with the next step up and down (None at the patient limits)."""
    return [
        {
            **prog,
            **_steps(
                stimulator, prog["amplitude_ma"], prog["amplitude_min_ma"], prog["amplitude_max_ma"]
            ),
        }
        for prog in view["programs"]
    ]


def _areas(view: dict[str, Any], stimulator: str | None) -> list[dict[str, Any]]:
    """The areas of the program in use with the next step up and down of each (None at the
    program's patient limits, which apply to every area)."""
    active = next((g for g in view["programs"] if g["slot"] == view["active_slot"]), None)
    if active is None:
        return []
    low, high = active["amplitude_min_ma"], active["amplitude_max_ma"]
    return [{**a, **_steps(stimulator, a["amplitude_ma"], low, high)} for a in view["areas"]]


def _page(
    request: Request,
    conn: sqlite3.Connection,
    principal: Principal,
    patient: Any,
    status_code: int = 200,
    *,
    errors: list[dict[str, Any]] | None = None,
    confirm_all_off: bool = False,
    bolus_result: dict[str, Any] | None = None,
) -> HTMLResponse:
    view = controller_view(conn, patient.id)
    pump = None
    alarms: list[dict[str, Any]] = []
    if patient.record.get("pump"):
        with transaction(conn):
            pump = bolus_view(conn, patient.id, now(request))
        alarms = _pump_alarms(conn, patient, now(request))
    return render(
        request,
        "controller.html",
        principal,
        status_code,
        patient=patient,
        view=view,
        programs=_programs(view, patient.record.get("stimulator")),
        areas=_areas(view, patient.record.get("stimulator")),
        battery=battery_status(conn, patient.id, patient.record),
        errors=errors or [],
        confirm_all_off=confirm_all_off,
        pump=pump,
        alarms=alarms,
        bolus_result=bolus_result,
    )


def _pump_alarms(conn: sqlite3.Connection, patient: Any, utc: Any) -> list[dict[str, Any]]:
    """The alarms the patient's pump sounds now (:func:`neurostim.web.alarms.pump_alarms`)."""
    from neurostim.web.alarms import pump_alarms
    from neurostim.web.checks import Refused, check_pump_data
    from neurostim.web.clock import sim_now

    row = conn.execute(
        "SELECT program_json FROM pumps WHERE patient_id = ?", (patient.id,)
    ).fetchone()
    program = None if row is None else json.loads(row["program_json"])
    report = None
    if program is not None:
        try:
            report = check_pump_data(program)[1].to_dict()
        except Refused:
            report = None
    return pump_alarms(
        conn, patient.id, patient.record, program, report, sim_now(conn, patient.id, utc)
    )


@router.get("/controller", response_class=HTMLResponse)
def controller_page(
    request: Request,
    principal: Principal = allow("patient"),
    conn: sqlite3.Connection = Depends(get_conn),
) -> HTMLResponse:
    """The patient's controller (own device only)."""
    return _page(request, conn, principal, _own(conn, request, principal))


def _current_level(
    view: dict[str, Any], action: str, area: int | None
) -> tuple[float, list[dict[str, Any]]]:
    """The level a step button starts from: the program in use's, or for ``area_up`` /
    ``area_down`` that area's; else the refusal (no program in use, no such area)."""
    if action.startswith("area_"):
        levels = {a["area"]: a["amplitude_ma"] for a in view["areas"]}
        if area in levels:
            return levels[area], []
        allowed = (
            f"an area of the program in use: 1..{len(levels)}"
            if levels
            else ("choose a program first")
        )
        return 0.0, [{"field": "area", "value": area, "allowed": allowed}]
    active = next((g for g in view["programs"] if g["slot"] == view["active_slot"]), None)
    if active is None:
        return 0.0, [{"field": "active_slot", "value": None, "allowed": "choose a program first"}]
    return float(active["amplitude_ma"]), []


@router.post("/controller", response_class=HTMLResponse)
def controller_submit(
    request: Request,
    action: str = Form(..., max_length=20),
    version: int = Form(..., ge=1),
    slot: int | None = Form(None, ge=1, le=64),
    area: int | None = Form(None, ge=1, le=16),
    principal: Principal = allow("patient"),
    conn: sqlite3.Connection = Depends(get_conn),
) -> Response:
    """One button of the controller; "all off" asks for a confirmation first."""
    p = _own(conn, request, principal)
    errors: list[dict[str, Any]]
    if action not in ACTIONS:
        errors = [{"field": "action", "value": action, "allowed": f"one of {', '.join(ACTIONS)}"}]
        return _page(request, conn, principal, p, 422, errors=errors)
    if action == "all_off":
        return _page(request, conn, principal, p, confirm_all_off=True)
    change: dict[str, Any] = {"version": version}
    if action == "select":
        change["active_slot"] = slot
    elif action in ("on", "off", "all_off_confirm"):
        change["stimulation_on"] = action == "on"
    elif action in ("mri_on", "mri_off"):
        change["mri_mode"] = action == "mri_on"
    elif action == "restore_area":
        change["restore_area"] = area
    else:  # a level step: the program in use ("up", "down") or one area of it
        level, errors = _current_level(controller_view(conn, p.id), action, area)
        if errors:
            return _page(request, conn, principal, p, 422, errors=errors)
        target = amplitude_step(
            str(p.record.get("stimulator")), level, 1 if action.endswith("up") else -1
        )
        if target is None:
            errors = [
                {"field": "amplitude_ma", "value": level,
                 "allowed": "the end of the stimulator's range"}
            ]  # fmt: skip
            return _page(request, conn, principal, p, 422, errors=errors)
        if action.startswith("area_"):
            change["area"] = area
        change["amplitude_ma"] = target
    answer = apply_change(conn, request, principal, p.id, ControllerChange(**change))
    if answer.status_code == 200:
        return RedirectResponse("/controller", status_code=303)
    body = json.loads(bytes(answer.body))
    errors = body.get("errors") or [
        {"field": "version", "value": version, "allowed": str(body.get("detail", ""))}
    ]
    return _page(request, conn, principal, p, answer.status_code, errors=errors)


@router.post("/controller/bolus", response_class=HTMLResponse)
def bolus_submit(
    request: Request,
    principal: Principal = allow("patient"),
    conn: sqlite3.Connection = Depends(get_conn),
) -> HTMLResponse:
    """Ask for a patient bolus: granted, or denied with the reason and the next allowed time."""
    p = _own(conn, request, principal)
    with transaction(conn):
        answer = request_bolus(conn, p.id, principal, now(request))
    return _page(request, conn, principal, p, bolus_result=answer)


@router.post("/api/patients/{patient_id}/pump/bolus")
def bolus_api(
    request: Request,
    patient_id: str = Path(max_length=64),
    principal: Principal = allow("patient"),
    conn: sqlite3.Connection = Depends(get_conn),
) -> dict[str, Any]:
    """A patient bolus request (own pump): ``{"decision", "granted", "reason", "sim_utc",
    "next_allowed_sim_utc"}``; a denial is an answer, not an error (and an audit row)."""
    p = patient_for(conn, request, principal, patient_id, action="bolus.request")
    with transaction(conn):
        return request_bolus(conn, p.id, principal, now(request))


__all__ = ["router"]
