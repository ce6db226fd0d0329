"""The program editor (clinic-web §1.2, 5-7): configuration, titration, coverage, the form of
name and limits.

- **Configure**: waveform, recharge, pulse width, rate, burst fields, cycling and each contact
  cathode (-), anode (+) or off, for one train or two (multiplexed: each train its own
  settings and contacts; titration moves both amplitudes together); in each train the
  cathodes share -100 % and the anodes +100 % equally (the case is an anode when asked).
  A contact that failed the impedance check cannot be chosen (the form disables it; the
  server refuses it). A new configuration runs as the patient's test program
  with amplitude 0: the amplitude stays locked at 0 until the device accepts the configuration
  (at least one anode and one cathode).
- **Titrate**: step buttons move the amplitude on the stimulator's grid (or a value typed in),
  each value checked by the device before the virtual device runs it; the patient says what
  they feel (:func:`neurostim.web.bodymap.predict`) and stops the stimulation above their
  discomfort threshold. With htmx the panel updates in place; without JavaScript the form posts
  and the page reloads.
- **Review** and **write**: :mod:`neurostim.web.review`.

Every change (configuration, step, stop, write) and every refusal is an audit row; logout or
timeout reverts an unsaved test program (:mod:`neurostim.web.titration`).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from neurostim.device import load_lead, load_profile
from neurostim.errors import InputError
from neurostim.web import audit
from neurostim.web.api import MAX_SLOT, PROGRAMMERS
from neurostim.web.auth import Principal, security_settings
from neurostim.web.bodymap import body_map_svg, predict
from neurostim.web.checks import FieldError, Refused, check_program_data
from neurostim.web.db import transaction
from neurostim.web.deps import allow, get_conn, now, patient_for, record_action
from neurostim.web.forms import parse_number
from neurostim.web.implant import impedance_rows
from neurostim.web.pages import render
from neurostim.web.plots import PLOT_CSP, coverage_curve, coverage_figure, plotly_js_path
from neurostim.web.store import Patient, diff, get_program
from neurostim.web.titration import (
    Titration,
    amplitude_step,
    end_test,
    get_test,
    put_test,
    session_key,
)
from neurostim.web.writes import implant_errors

router = APIRouter()

POLARITIES = ("off", "-", "+")
TRAIN_FIELDS = ("pulse_width_us", "rate_hz", "intraburst_rate_hz", "pulses_per_burst")


def _split(n: int) -> list[int]:
    """100 % in ``n`` integer shares, as equal as integers allow (larger ones first)."""
    return [100 // n + (1 if k < 100 % n else 0) for k in range(n)]


def contacts_from_polarity(polarity: dict[str, str], case_anode: bool) -> dict[str, int]:
    """Contact shares (%) from each contact's polarity: cathodes -100 %, anodes +100 %
    (the case when asked, or when no contact is an anode and some is a cathode)."""
    cathodes = [c for c, p in polarity.items() if p == "-"]
    anodes = [c for c, p in polarity.items() if p == "+"]
    if case_anode and cathodes:
        anodes = [*anodes, "case"]
    out: dict[str, int] = {}
    for ids, sign in ((cathodes, -1), (anodes, 1)):
        for cid, share in zip(ids, _split(len(ids)) if ids else [], strict=True):
            out[cid] = sign * share
    return out


def _leads(patient: Patient) -> list[str]:
    return [str(lead["lead"]) for lead in patient.record.get("leads", [])]


def _empty_program(patient: Patient) -> dict[str, Any]:
    return {
        "name": "",
        "stimulator": patient.record["stimulator"],
        "leads": _leads(patient),
        "trains": [
            {
                "waveform": "tonic",
                "amplitude_ma": 0.0,
                "pulse_width_us": 300,
                "rate_hz": 50,
                "contacts": {},
            }
        ],
    }


def draft_program(
    conn: sqlite3.Connection, patient: Patient, slot: int, principal: Principal
) -> tuple[dict[str, Any], Titration | None]:
    """The program in the editor: this session's test program for the slot, else the saved
    program at amplitude 0 (the device does not stimulate before titration), else an empty one."""
    test = get_test(conn, patient.id)
    if test is not None and test.slot == slot and test.session_key == session_key(principal):
        return test.program, test
    saved = get_program(conn, patient.id, slot)
    if saved is None:
        return _empty_program(patient), None
    program = json.loads(json.dumps(saved.program))
    for t in program["trains"]:
        t["amplitude_ma"] = 0.0
    return program, None


def _busy(test: Titration | None, slot: int, principal: Principal) -> str | None:
    """Why this session may not run a test program now (another one runs), or None."""
    if test is None or (test.slot == slot and test.session_key == session_key(principal)):
        return None
    return (
        f"the device runs an unsaved test program of {test.username} (slot {test.slot}); "
        "it ends when that session signs out, times out or stops it"
    )


def _view(
    request: Request,
    conn: sqlite3.Connection,
    principal: Principal,
    patient: Patient,
    slot: int,
    program: dict[str, Any],
    *,
    errors: list[FieldError] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
    partial: bool = False,
    stopped_at: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The editor page (or its titration panel alone for htmx)."""
    test = get_test(conn, patient.id)
    check = None
    try:
        check = check_program_data(program).to_dict()
    except Refused:
        check = None
    locked = check is None or not check["valid"]
    prediction = predict(program, patient.record)
    polarity, polarity2 = {}, {}
    for cid, share in program["trains"][0].get("contacts", {}).items():
        polarity[cid] = "-" if share < 0 else "+"
    train2 = program["trains"][1] if len(program["trains"]) > 1 else None
    for cid, share in (train2 or {}).get("contacts", {}).items():
        polarity2[cid] = "-" if share < 0 else "+"
    profile = load_profile(str(patient.record["stimulator"]))
    saved = get_program(conn, patient.id, slot)
    values = {
        "patient": patient,
        "slot": slot,
        "program": program,
        "train": program["trains"][0],
        "polarity": polarity,
        "case_anode": "case" in program["trains"][0].get("contacts", {}),
        "train2": train2,
        "polarity2": polarity2,
        "case_anode2": train2 is not None and "case" in train2.get("contacts", {}),
        "dosing": program.get("dosing") or {},
        "impedances": impedance_rows(patient.record),
        "leads": [load_lead(x).id for x in _leads(patient)],
        "families": profile.families,
        "recharges": profile.recharge,
        "amplitude_range": profile.amplitude_ma.describe("mA"),
        "check": check,
        "locked": locked,
        "prediction": prediction,
        "bodymap": body_map_svg(prediction),
        "stimulating": test is not None
        and test.slot == slot
        and test.session_key == session_key(principal)
        and test.stimulating,
        "busy": _busy(test, slot, principal),
        "errors": [e.to_dict() for e in errors or []],
        "form": form or {},
        "saved": saved,
        "stopped_at": stopped_at,
        "link_timeout_s": security_settings().link_timeout_s,
    }
    figure = None
    if not partial and not locked and prediction.discomfort_ma is not None:
        top = 1.2 * prediction.discomfort_ma
        amplitudes = [round(top * k / 24, 2) for k in range(25)]
        curve = coverage_curve(program, patient.record, amplitudes)
        figure = {
            "rows": curve,
            "json": json.dumps(coverage_figure(curve, prediction.pt_ma, prediction.discomfort_ma)),
            "plotly": plotly_js_path() is not None,
        }
    values["figure"] = figure
    values["paradigm"] = _paradigm(program)
    name = "_titration.html" if partial else "editor.html"
    page = render(request, name, principal, status_code, **values)
    if figure is not None and figure["plotly"]:
        page.headers["content-security-policy"] = PLOT_CSP
    return page


def _paradigm(program: dict[str, Any]) -> dict[str, Any] | None:
    """The program's paradigm and whether it is programmed below perception (the patient
    stage's classification, :func:`neurostim.patient.relief.paradigm_of`)."""
    from neurostim.device import parse_program
    from neurostim.patient.relief import is_paresthesia_free, paradigm_of

    try:
        name = paradigm_of(parse_program(program, validate=False))
    except InputError:
        return None
    return {"name": name, "sub_perception": is_paresthesia_free(name)}


def _audit(
    conn: sqlite3.Connection,
    request: Request,
    principal: Principal,
    patient: Patient,
    action: str,
    outcome: str,
    detail: dict[str, Any],
) -> None:
    record_action(conn, request, principal, patient.id, action, outcome, detail)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


@router.get("/patients/{patient_id}/programs/{slot}/edit", response_class=HTMLResponse)
def editor_page(
    request: Request,
    patient_id: str = Path(max_length=64),
    slot: int = Path(ge=1, le=MAX_SLOT),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> HTMLResponse:
    """The editor of a program slot."""
    p = patient_for(conn, request, principal, patient_id, action="program.edit")
    program, _ = draft_program(conn, p, slot, principal)
    last = audit.read_rows(conn, patient_id=p.id, limit=1)
    stopped_at = None
    if last and last[0]["action"] == "test.stop" and last[0]["username"] == principal.username:
        stopped_at = {"amplitude_ma": last[0]["detail"]["amplitude_ma"], "feedback": "stop!"}
    return _view(request, conn, principal, p, slot, program, stopped_at=stopped_at)


def train_from_form(
    form: dict[str, str], prefix: str, record: dict[str, Any], errors: list[FieldError]
) -> dict[str, Any]:
    """One train (amplitude 0) from the form's fields named ``prefix + field`` (``""`` for the
    first train, ``"t2_"`` for the second of a multiplexed program)."""
    train: dict[str, Any] = {
        "waveform": form.get(f"{prefix}waveform", "tonic"),
        "amplitude_ma": 0.0,
    }
    recharge = form.get(f"{prefix}recharge", "active")
    if recharge != "active":
        train["recharge"] = recharge  # the device refuses a style its profile lacks
    units = {"pulse_width_us": "µs", "rate_hz": "Hz", "intraburst_rate_hz": "Hz"}
    for name in TRAIN_FIELDS:
        value = parse_number(form, prefix + name, errors, units.get(name, "pulses"))
        if value is not None:
            train[name] = int(value) if name == "pulses_per_burst" and value.is_integer() else value
    polarity = {}
    for row in impedance_rows(record):
        field = f"{prefix}pol_{row['contact']}"
        chosen = form.get(field, "off")
        if chosen not in POLARITIES:
            errors.append(FieldError(field, chosen, "off, - or +"))
        elif chosen != "off":
            polarity[row["contact"]] = chosen
    train["contacts"] = contacts_from_polarity(polarity, form.get(f"{prefix}case_anode") == "on")
    return train


@router.post("/patients/{patient_id}/programs/{slot}/configure", response_class=HTMLResponse)
async def configure(
    request: Request,
    patient_id: str = Path(max_length=64),
    slot: int = Path(ge=1, le=MAX_SLOT),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> Response:
    """A new configuration: the test program at amplitude 0, or the form with its errors."""
    p = patient_for(conn, request, principal, patient_id, action="test.configure")
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    program, _ = draft_program(conn, p, slot, principal)
    errors: list[FieldError] = []
    trains = [train_from_form(form, "", p.record, errors)]
    if form.get("t2_enabled") == "on":
        trains.append(train_from_form(form, "t2_", p.record, errors))
    candidate = {
        **{
            k: v
            for k, v in program.items()
            if k not in ("trains", "patient", "impedance_ohm", "dosing")
        },
        "trains": trains,
    }
    on_s = parse_number(form, "cycle_on_s", errors, "s")
    off_s = parse_number(form, "cycle_off_s", errors, "s")
    if on_s is not None or off_s is not None:
        candidate["dosing"] = {"on_s": on_s, "off_s": off_s}  # the device checks the pair
    ohm = p.record.get("impedance_ohm", {})
    used = {c: ohm[c] for t in trains for c in t["contacts"] if c in ohm}
    if used:
        candidate["impedance_ohm"] = used
    busy = _busy(get_test(conn, p.id), slot, principal)
    if busy:
        errors.append(FieldError("device", "busy", busy))
    if not errors:
        try:
            result = check_program_data(candidate)
            errors += [
                FieldError(e.field, e.value, e.message)
                for e in result.errors
                if not e.field.endswith(".contacts")  # no anode/cathode yet: locked, not refused
            ]
            errors += implant_errors(p, slot, result.program)
        except Refused as exc:
            errors += exc.errors
    if errors:
        _audit(
            conn,
            request,
            principal,
            p,
            "test.configure",
            "refused",
            {"slot": slot, "errors": [e.to_dict() for e in errors]},
        )
        return _view(
            request, conn, principal, p, slot, program, errors=errors, form=form, status_code=422
        )
    with transaction(conn):
        put_test(conn, p.id, slot, candidate, principal, now(request), stimulating=False)
        _audit(
            conn,
            request,
            principal,
            p,
            "test.configure",
            "ok",
            {"slot": slot, "changes": diff(program, candidate), "amplitude_ma": 0.0},
        )
    return RedirectResponse(f"/patients/{p.id}/programs/{slot}/edit#titration", status_code=303)


@router.post("/patients/{patient_id}/programs/{slot}/titrate", response_class=HTMLResponse)
def titrate(
    request: Request,
    patient_id: str = Path(max_length=64),
    slot: int = Path(ge=1, le=MAX_SLOT),
    step: str = Form("", max_length=8),
    amplitude_ma: str = Form("", max_length=32),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> Response:
    """One titration step (``step`` = up, down or stop) or a typed amplitude."""
    p = patient_for(conn, request, principal, patient_id, action="test.titrate")
    program, _ = draft_program(conn, p, slot, principal)
    htmx = _is_htmx(request)
    before = float(program["trains"][0]["amplitude_ma"])
    errors: list[FieldError] = []
    target: float | None = None
    busy = _busy(get_test(conn, p.id), slot, principal)
    if busy:
        errors.append(FieldError("device", "busy", busy))
    elif step == "stop":
        target = 0.0
    elif step in ("up", "down"):
        target = amplitude_step(str(p.record["stimulator"]), before, 1 if step == "up" else -1)
        if target is None:
            errors.append(
                FieldError("amplitude_ma", before, f"the end of the stimulator's range ({step})")
            )
    else:
        target = parse_number({"amplitude_ma": amplitude_ma}, "amplitude_ma", errors, "mA")
        if target is None and not errors:
            errors.append(FieldError("amplitude_ma", amplitude_ma, "a number in mA"))
    candidate = json.loads(json.dumps(program))
    if target is not None and not errors:
        for t in candidate["trains"]:
            t["amplitude_ma"] = target
        try:
            result = check_program_data(candidate)
            if not result.valid:
                locked = [e for e in result.errors if e.field.endswith(".contacts")]
                if locked and target > 0:
                    errors.append(
                        FieldError(
                            "amplitude_ma",
                            target,
                            "0 until the configuration has an anode and a cathode",
                        )
                    )
                errors += [
                    FieldError(e.field, e.value, e.message)
                    for e in result.errors
                    if not e.field.endswith(".contacts")
                ]
            errors += implant_errors(p, slot, result.program)
        except Refused as exc:
            errors += exc.errors
    detail: dict[str, Any] = {"slot": slot, "step": step or "set", "amplitude_before_ma": before}
    if errors:
        _audit(
            conn,
            request,
            principal,
            p,
            "test.titrate",
            "refused",
            {**detail, "errors": [e.to_dict() for e in errors]},
        )
        return _view(
            request,
            conn,
            principal,
            p,
            slot,
            program,
            errors=errors,
            status_code=200 if htmx else 422,
            partial=htmx,
        )
    assert target is not None
    prediction = predict(candidate, p.record)
    stopped = prediction.uncomfortable and target > 0
    with transaction(conn):
        put_test(conn, p.id, slot, candidate, principal, now(request), stimulating=target > 0)
        _audit(
            conn,
            request,
            principal,
            p,
            "test.titrate",
            "ok",
            {**detail, "amplitude_after_ma": target, "feedback": prediction.feedback()},
        )
        if stopped:
            for t in candidate["trains"]:
                t["amplitude_ma"] = 0.0
            put_test(conn, p.id, slot, candidate, principal, now(request), stimulating=False)
            _audit(
                conn,
                request,
                principal,
                p,
                "test.stop",
                "ok",
                {
                    "slot": slot,
                    "reason": "the patient reports discomfort",
                    "amplitude_ma": target,
                    "discomfort_ma": prediction.discomfort_ma,
                },
            )
    stop_info = {"amplitude_ma": target, "feedback": prediction.feedback()} if stopped else None
    if htmx:
        view = _view(
            request, conn, principal, p, slot, candidate, partial=True, stopped_at=stop_info
        )
        if stopped:
            view.headers["HX-Trigger"] = "stimulation-stopped"
        return view
    anchor = "stopped" if stopped else "titration"
    return RedirectResponse(f"/patients/{p.id}/programs/{slot}/edit#{anchor}", status_code=303)


@router.post("/patients/{patient_id}/programs/{slot}/predict")
def start_prediction(
    request: Request,
    patient_id: str = Path(max_length=64),
    slot: int = Path(ge=1, le=MAX_SLOT),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> Response:
    """Build the coverage table of the editor's configuration at the patient's lead level in the
    background (minutes)."""
    from neurostim.web import jobs
    from neurostim.web.bodymap import DEFAULT_LEVEL, forget_table, table_program

    p = patient_for(conn, request, principal, patient_id, action="coverage.job")
    program, _ = draft_program(conn, p, slot, principal)
    started: jobs.Job | None = None
    key, error = "", ""
    level = str(p.record.get("lead_level", DEFAULT_LEVEL))
    try:
        parsed, key = table_program(program)
    except InputError as exc:
        error = exc.message
    else:
        started = jobs.start(key, parsed, level, forget_table)
    _audit(
        conn,
        request,
        principal,
        p,
        "coverage.job",
        "refused" if started is None or started.status == "failed" else "ok",
        {"slot": slot, "program_key": key, "level": level,
         "status": None if started is None else started.status,
         "message": error or (started.message if started else "")},
    )  # fmt: skip
    return RedirectResponse(f"/patients/{p.id}/programs/{slot}/edit#titration", status_code=303)


@router.post("/patients/{patient_id}/programs/{slot}/end-test")
def end_test_route(
    request: Request,
    patient_id: str = Path(max_length=64),
    slot: int = Path(ge=1, le=MAX_SLOT),
    principal: Principal = allow(*PROGRAMMERS),
    conn: sqlite3.Connection = Depends(get_conn),
) -> Response:
    """Discard this session's test program: the device runs the saved program again."""
    p = patient_for(conn, request, principal, patient_id, action="test.revert")
    test = get_test(conn, p.id)
    if test is not None and test.session_key == session_key(principal):
        with transaction(conn):
            end_test(conn, test, reason="discarded", principal=principal, now=now(request))
    return RedirectResponse(f"/patients/{p.id}", status_code=303)


__all__ = ["contacts_from_polarity", "draft_program", "router"]
