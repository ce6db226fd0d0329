"""The patient controller: stimulation on/off, the active program, the patient's amplitude.

The patient changes the amplitude of a saved program, or of one area (train, numbered from 1)
of the program in use, within the clinician's patient limits (clinic-web §2 [S BSC-RC]). The
server never clamps: a request outside the limits or off the stimulator's step grid is refused
(422, audited) and the device keeps its state. "All off" turns every area of the program in use
off; the patient then restores areas one at a time (or all with "on"). The amplitude is checked
by the device's own validation of the saved program with each train at the amplitude it would
run (:func:`effective_amplitudes`): the program's patient limits apply to every area. A program
without a patient maximum gives the patient no amplitude control. A program-level change sets
every area to that amplitude (and forgets the area levels of that slot); writing a program (or
its limits) resets the patient's amplitudes of that slot, area levels included, to the
programmed ones.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from neurostim.web import audit
from neurostim.web.auth import ROLES, Principal
from neurostim.web.checks import FieldError, Refused, check_program_data, require_valid
from neurostim.web.db import transaction
from neurostim.web.deps import allow, get_conn, now, patient_for
from neurostim.web.store import SavedProgram, get_program, list_programs

router = APIRouter(prefix="/api")

_TRAIN_AMPLITUDE = re.compile(r"^trains\[\d+\]\.amplitude_ma$")


class ControllerChange(BaseModel):
    """A change from the patient's controller: any of the active program, stimulation on/off,
    the amplitude of the active program (mA; with ``area``: of that area (train, from 1) of the
    active program only), MRI mode and one area of the active program to turn back on after
    "all off", with the state's version."""

    model_config = ConfigDict(extra="forbid")
    version: StrictInt = Field(ge=1)
    active_slot: StrictInt | None = Field(default=None, ge=1, le=64)
    stimulation_on: StrictBool | None = None
    amplitude_ma: float | None = Field(default=None, allow_inf_nan=False)
    mri_mode: StrictBool | None = None
    restore_area: StrictInt | None = Field(default=None, ge=1, le=16)
    area: StrictInt | None = Field(default=None, ge=1, le=16)


def controller_state(conn: sqlite3.Connection, patient_id: str) -> dict[str, Any]:
    """The stored state: ``active_slot``, ``stimulation_on``, ``amplitude_ma`` per slot,
    ``area_amplitude_ma`` per slot and area (``{slot: {area: mA}}``; the patient's own settings
    only), ``mri_mode``, ``areas_off``, ``version``."""
    row = conn.execute("SELECT * FROM controller WHERE patient_id = ?", (patient_id,)).fetchone()
    if row is None:
        conn.execute("INSERT INTO controller (patient_id) VALUES (?)", (patient_id,))
        return controller_state(conn, patient_id)
    return {
        "active_slot": row["active_slot"],
        "stimulation_on": bool(row["stimulation_on"]),
        "amplitude_ma": {int(k): v for k, v in json.loads(row["amplitude_ma_json"]).items()},
        "mri_mode": bool(row["mri_mode"]),
        "areas_off": [int(a) for a in json.loads(row["areas_off_json"])],
        "area_amplitude_ma": {
            int(slot): {int(a): float(v) for a, v in levels.items()}
            for slot, levels in json.loads(row["area_amplitude_ma_json"]).items()
        },
        "version": int(row["version"]),
    }


def _store(conn: sqlite3.Connection, patient_id: str, state: dict[str, Any]) -> None:
    conn.execute(
        "UPDATE controller SET active_slot = ?, stimulation_on = ?, amplitude_ma_json = ?, "
        "mri_mode = ?, areas_off_json = ?, area_amplitude_ma_json = ?, version = ? "
        "WHERE patient_id = ?",
        (
            state["active_slot"],
            int(state["stimulation_on"]),
            json.dumps({str(k): v for k, v in sorted(state["amplitude_ma"].items())}),
            int(state["mri_mode"]),
            json.dumps(sorted(state["areas_off"])),
            json.dumps(
                {
                    str(slot): {str(a): v for a, v in sorted(levels.items())}
                    for slot, levels in sorted(state["area_amplitude_ma"].items())
                    if levels
                }
            ),
            state["version"],
            patient_id,
        ),
    )


def reset_slot_amplitude(conn: sqlite3.Connection, patient_id: str, slot: int) -> None:
    """Forget the patient's amplitude of ``slot`` and its area levels (the program or its
    limits changed): the device runs the programmed amplitudes. Call inside the write's
    transaction."""
    state = controller_state(conn, patient_id)
    if slot in state["amplitude_ma"] or slot in state["area_amplitude_ma"]:
        state["amplitude_ma"].pop(slot, None)
        state["area_amplitude_ma"].pop(slot, None)
        state["version"] += 1
        _store(conn, patient_id, state)


def _amplitudes(saved: SavedProgram) -> tuple[float, float | None, float]:
    program = saved.program
    limits = program.get("patient") or {}
    return (
        float(limits.get("amplitude_min_ma", 0.0)),
        limits.get("amplitude_max_ma"),
        float(program["trains"][0]["amplitude_ma"]),
    )


def effective_amplitudes(saved: SavedProgram, state: dict[str, Any]) -> list[float]:
    """The amplitude (mA) each train of ``saved`` runs at, in train order: the area's level if
    the patient set one, else the slot's patient level if set, else the programmed amplitude."""
    level = state["amplitude_ma"].get(saved.slot)
    areas = state["area_amplitude_ma"].get(saved.slot, {})
    return [
        float(areas.get(k, level if level is not None else train["amplitude_ma"]))
        for k, train in enumerate(saved.program["trains"], start=1)
    ]


def _with_amplitudes(saved: SavedProgram, amplitudes: list[float]) -> dict[str, Any]:
    trains = [
        {**t, "amplitude_ma": a} for t, a in zip(saved.program["trains"], amplitudes, strict=True)
    ]
    return {**saved.program, "trains": trains}


def controller_view(conn: sqlite3.Connection, patient_id: str) -> dict[str, Any]:
    """The state with each saved program's name, patient range and amplitude now in effect
    (the program's level: the patient's, else the first train's programmed one), and each area
    of the program in use with its label, on/off and the amplitude it runs at
    (:func:`effective_amplitudes`)."""
    state = controller_state(conn, patient_id)
    programs = []
    for saved in list_programs(conn, patient_id):
        low, high, programmed = _amplitudes(saved)
        programs.append(
            {
                "slot": saved.slot,
                "name": saved.program.get("name"),
                "amplitude_min_ma": low,
                "amplitude_max_ma": high,
                "amplitude_ma": state["amplitude_ma"].get(saved.slot, programmed),
                "program_version": saved.version,
            }
        )
    active = next(
        (g for g in list_programs(conn, patient_id) if g.slot == state["active_slot"]), None
    )
    areas = []
    if active is not None:
        levels = effective_amplitudes(active, state)
        for k, train in enumerate(active.program["trains"], start=1):
            areas.append(
                {
                    "area": k,
                    "label": area_label(train),
                    "on": state["stimulation_on"] and k not in state["areas_off"],
                    "amplitude_ma": levels[k - 1],
                }
            )
    return {
        "active_slot": state["active_slot"],
        "stimulation_on": state["stimulation_on"],
        "mri_mode": state["mri_mode"],
        "areas": areas,
        "version": state["version"],
        "programs": programs,
    }


def area_label(train: dict[str, Any]) -> str:
    """An area of a program as the patient's controller names it: its contacts and waveform."""
    contacts = " ".join(
        f"{cid}{'-' if share < 0 else '+'}" for cid, share in train.get("contacts", {}).items()
    )
    return f"{contacts} ({train.get('waveform', 'tonic')}, {float(train['rate_hz']):g} Hz)"


def battery_status(
    conn: sqlite3.Connection, patient_id: str, record: dict[str, Any]
) -> dict[str, Any]:
    """What the controller shows of the batteries: the controller's own charge (the record's
    ``controller_battery_percent``), the stimulator's charge (``battery_percent``) and, for the
    program in use at the patient's levels (each train at its :func:`effective_amplitudes`),
    the device's battery figures
    (:func:`neurostim.device.battery_report`): days until a rechargeable stimulator needs
    charging at its present charge (:func:`neurostim.device.battery.days_between_charges` of
    the charge left) and the minutes of charging a day, or a primary cell's longevity.
    ``program`` is None when no program is in use."""
    from neurostim.device import load_profile
    from neurostim.device.battery import days_between_charges

    out: dict[str, Any] = {
        "controller_percent": record.get("controller_battery_percent"),
        "stimulator_percent": record.get("battery_percent"),
        "kind": None,
        "program": None,
    }
    stimulator = record.get("stimulator")
    if not stimulator:
        return out
    battery = load_profile(str(stimulator)).battery
    out["kind"] = battery.kind
    state = controller_state(conn, patient_id)
    slot = state["active_slot"]
    saved = None if slot is None else get_program(conn, patient_id, slot)
    if saved is None:
        return out
    amplitudes = effective_amplitudes(saved, state)
    check = check_program_data(_with_amplitudes(saved, amplitudes))
    if check.battery is None:
        return out
    figures = check.battery.to_dict()
    on = state["stimulation_on"] and not state["mri_mode"]
    average_ua = figures["average_current_ua"]
    days_left = None
    percent = record.get("battery_percent")
    if battery.kind == "rechargeable" and percent is not None and average_ua > 0:
        charge_mah = battery.usable_fraction * battery.capacity_mah * float(percent) / 100.0
        days_left = days_between_charges(charge_mah, average_ua)
    out["program"] = {
        "name": saved.program.get("name"),
        "amplitude_ma": state["amplitude_ma"].get(slot, _amplitudes(saved)[2]),
        "area_amplitudes_ma": amplitudes,
        "stimulating": on,
        "average_current_ua": average_ua,
        "recharge_minutes_per_day": figures["recharge_minutes_per_day"],
        "days_until_charge": days_left,
        "longevity_years": figures["longevity_years"],
    }
    return out


def _check_amplitude(saved: SavedProgram, amplitude_ma: float, amplitudes: list[float]) -> None:
    """Refuse an amplitude the device refuses for this program run with the trains at
    ``amplitudes`` (the request put in: every train, or the one area changed): outside the
    patient limits, off the step grid, out of range, over a charge-density limit, ... A program
    without a patient maximum refuses any."""
    _, high, _ = _amplitudes(saved)
    if high is None:
        raise Refused(
            [FieldError("amplitude_ma", amplitude_ma, "no patient range is set for this program")]
        )
    result = check_program_data(_with_amplitudes(saved, amplitudes))
    try:
        require_valid(result)
    except Refused as exc:
        errors: list[FieldError] = []
        for e in exc.errors:
            mapped = (
                FieldError("amplitude_ma", amplitude_ma, e.allowed)
                if _TRAIN_AMPLITUDE.match(e.field)
                else e
            )
            if mapped not in errors:
                errors.append(mapped)
        raise Refused(errors) from None


@router.get("/patients/{patient_id}/controller")
def get_controller(
    request: Request,
    patient_id: str = Path(max_length=64),
    principal: Principal = allow(*ROLES),
    conn: sqlite3.Connection = Depends(get_conn),
) -> dict[str, Any]:
    """The controller's state and programs (patients: their own)."""
    p = patient_for(conn, request, principal, patient_id, action="controller.read")
    return controller_view(conn, p.id)


@router.put("/patients/{patient_id}/controller")
def put_controller(
    body: ControllerChange,
    request: Request,
    patient_id: str = Path(max_length=64),
    principal: Principal = allow("patient"),
    conn: sqlite3.Connection = Depends(get_conn),
) -> JSONResponse:
    """Apply a controller change (the patient's own device only): 200 with the new state, 422
    refused (nothing changed), 409 stale version; an audit row either way."""
    p = patient_for(conn, request, principal, patient_id, action="controller.change")
    return apply_change(conn, request, principal, p.id, body)


def apply_change(
    conn: sqlite3.Connection,
    request: Request,
    principal: Principal,
    patient_id: str,
    body: ControllerChange,
) -> JSONResponse:
    """Apply a controller change (API and the controller page): 200 with the new state, 422
    refused (nothing changed), 409 stale version; an audit row either way. MRI mode turns
    stimulation off and refuses turning it on until MRI mode ends."""
    change = body.model_dump(exclude_none=True)

    def record(outcome: str, detail: dict[str, Any]) -> None:
        audit.append(
            conn,
            action="controller.change",
            outcome=outcome,
            username=principal.username,
            role=principal.role,
            patient_id=patient_id,
            detail={"change": change, **detail},
            utc=now(request),
        )

    errors: list[FieldError] = []
    with transaction(conn):
        state = controller_state(conn, patient_id)
        if body.version != state["version"]:
            reason = f"version {body.version} is stale: the stored version is {state['version']}"
            record("refused", {"status": 409, "reason": reason})
            stale = {"detail": reason, "current_version": state["version"]}
        else:
            stale = None
            new = {
                **state,
                "amplitude_ma": dict(state["amplitude_ma"]),
                "area_amplitude_ma": {
                    s: dict(levels) for s, levels in state["area_amplitude_ma"].items()
                },
            }
            slot = body.active_slot if body.active_slot is not None else state["active_slot"]
            saved = None if slot is None else get_program(conn, patient_id, slot)
            if body.active_slot is not None and saved is None:
                errors.append(FieldError("active_slot", slot, "a slot with a saved program"))
            n_areas = 0 if saved is None else len(saved.program["trains"])
            if body.area is not None and body.amplitude_ma is None:
                errors.append(FieldError("area", body.area, "together with amplitude_ma"))
            elif body.area is not None and saved is not None and body.area > n_areas:
                allowed = f"an area of the program in use: 1..{n_areas}"
                errors.append(FieldError("area", body.area, allowed))
            elif body.amplitude_ma is not None:
                if saved is None:
                    errors.append(
                        FieldError("amplitude_ma", body.amplitude_ma, "choose a program first")
                    )
                else:
                    if body.area is None:
                        amplitudes = [body.amplitude_ma] * n_areas
                    else:
                        amplitudes = effective_amplitudes(saved, state)
                        amplitudes[body.area - 1] = body.amplitude_ma
                    try:
                        _check_amplitude(saved, body.amplitude_ma, amplitudes)
                    except Refused as exc:
                        errors += exc.errors
            mri = body.mri_mode if body.mri_mode is not None else state["mri_mode"]
            if mri and body.stimulation_on:
                allowed = "off while MRI mode is on; end MRI mode first"
                errors.append(FieldError("stimulation_on", True, allowed))
            if body.restore_area is not None:
                if saved is None or body.restore_area > n_areas:
                    allowed = (
                        "choose a program first"
                        if saved is None
                        else f"an area of the program in use: 1..{n_areas}"
                    )
                    errors.append(FieldError("restore_area", body.restore_area, allowed))
                elif mri:
                    allowed = "off while MRI mode is on; end MRI mode first"
                    errors.append(FieldError("restore_area", body.restore_area, allowed))
            if errors:
                record("refused", {"status": 422, "errors": [e.to_dict() for e in errors]})
            else:
                new["active_slot"] = slot
                if slot != state["active_slot"]:
                    new["areas_off"] = []
                if body.stimulation_on is not None:
                    new["stimulation_on"] = body.stimulation_on
                    # all off: every area off; on: every area on
                    new["areas_off"] = [] if body.stimulation_on else list(range(1, n_areas + 1))
                if body.restore_area is not None:
                    if not state["stimulation_on"]:
                        new["areas_off"] = [
                            a for a in range(1, n_areas + 1) if a != body.restore_area
                        ]
                    new["areas_off"] = [a for a in new["areas_off"] if a != body.restore_area]
                    new["stimulation_on"] = True
                new["mri_mode"] = mri
                if mri:
                    new["stimulation_on"] = False
                    new["areas_off"] = list(range(1, n_areas + 1))
                if body.amplitude_ma is not None and slot is not None:
                    if body.area is None:
                        new["amplitude_ma"][slot] = body.amplitude_ma
                        new["area_amplitude_ma"].pop(slot, None)
                    else:
                        levels = new["area_amplitude_ma"].setdefault(slot, {})
                        levels[body.area] = body.amplitude_ma
                new["version"] = state["version"] + 1
                _store(conn, patient_id, new)
                before = {k: v for k, v in state.items() if k != "version"}
                after = {k: v for k, v in new.items() if k != "version"}
                record("ok", {"before": before, "after": after, "version_after": new["version"]})
    if stale is not None:
        return JSONResponse(stale, status_code=409)
    if errors:
        return JSONResponse({"errors": [e.to_dict() for e in errors]}, status_code=422)
    return JSONResponse(controller_view(conn, patient_id))


__all__ = [
    "ControllerChange",
    "apply_change",
    "area_label",
    "battery_status",
    "controller_state",
    "controller_view",
    "effective_amplitudes",
    "reset_slot_amplitude",
    "router",
]
