"""The alarms an implanted pump sounds now, with their tones (clinic-web spec §3).

``data/pump_alarms.toml`` holds each alarm's kind (critical: two-tone; non-critical: single
tone about hourly; intrathecal.md §1.4) and what it means. :func:`pump_alarms` gives the alarms
of a patient's pump at the patient's simulated time: ``EMPTY_RESERVOIR`` or ``LOW_RESERVOIR``
from the pump's own bookkeeping (fill volume minus the programmed basal delivery since the fill
date, :func:`neurostim.web.pump_screens.expected_reservoir_ml`, minus the patient boluses
granted since then) against the program's low-reservoir alarm volume; ``ERI`` from the
elective replacement date and ``END_OF_SERVICE`` from the end-of-service date of a program
with an ``implant_date`` (the pump model's battery life; intrathecal.md §1.4: end of service 90
days after ERI for the SynchroMed II); and any alarm the record names in ``pump_alarms`` (a
fault an instructor sets on the case: ``MOTOR_STALL``, ``ERI``, ``END_OF_SERVICE``, ``MEMORY``,
``CRITICAL_MEMORY``; one already sounding from the dates is not repeated). Critical alarms come
first.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from functools import cache
from typing import Any

from neurostim._data import read_data_toml


@cache
def alarm_catalog() -> dict[str, dict[str, Any]]:
    """The alarms by code (``data/pump_alarms.toml``)."""
    return dict(read_data_toml("neurostim.web", "pump_alarms.toml", None, "pump alarms")["alarms"])


def _alarm(code: str, detail: str) -> dict[str, Any]:
    known = alarm_catalog().get(code)
    if known is None:  # a code the catalog lacks: shown, treated as critical
        known = {"critical": True, "tone": "two-tone", "meaning": code, "action": "interrogate"}
    return {"code": code, **known, "detail": detail}


def pump_alarms(
    conn: sqlite3.Connection,
    patient_id: str,
    record: dict[str, Any],
    program: dict[str, Any] | None,
    report: dict[str, Any] | None,
    sim_utc: dt.datetime,
) -> list[dict[str, Any]]:
    """The alarms sounding at ``sim_utc`` (module docstring): ``code``, ``critical``,
    ``tone``, ``meaning``, ``action`` and ``detail``, critical ones first."""
    from neurostim.web.pump_screens import expected_reservoir_ml

    out = []
    if program is not None and report is not None:
        _, basal_left_ml = expected_reservoir_ml(program, report, sim_utc.date())
        start = dt.date.fromisoformat(str(report["start_date"]))
        bolus = program.get("patient_bolus") or {}
        granted = 0
        if bolus:
            granted = int(
                conn.execute(
                    "SELECT COUNT(*) FROM bolus_requests WHERE patient_id = ? AND "
                    "decision = 'granted' AND sim_utc >= ?",
                    (patient_id, start.isoformat()),
                ).fetchone()[0]
            )
        bolus_ml = granted * float(bolus.get("dose", 0.0)) / float(program["concentration"])
        left_ml = max(basal_left_ml - bolus_ml, 0.0)
        alarm_ml = float(report["low_reservoir_alarm_ml"])
        detail = (
            f"expected reservoir {left_ml:.2f} mL on {sim_utc.date().isoformat()} (fill "
            f"{float(program['fill_ml']):g} mL on {start.isoformat()}, {granted} boluses); "
            f"alarm at {alarm_ml:g} mL"
        )
        if left_ml <= 0.0:
            out.append(_alarm("EMPTY_RESERVOIR", detail))
        elif left_ml <= alarm_ml:
            out.append(_alarm("LOW_RESERVOIR", detail))
    if report is not None and report.get("eos_date") is not None:
        eri = dt.date.fromisoformat(str(report["eri_date"]))
        eos = dt.date.fromisoformat(str(report["eos_date"]))
        today = sim_utc.date()
        if today >= eos:
            out.append(_alarm("END_OF_SERVICE", f"battery at end of service since {eos}"))
        elif today >= eri:
            out.append(_alarm("ERI", f"elective replacement indicator since {eri}; stops on {eos}"))
    dated = {a["code"] for a in out}
    for code in record.get("pump_alarms", []):
        if str(code) not in dated:
            out.append(_alarm(str(code), "set on this case"))
    return sorted(out, key=lambda a: not a["critical"])


__all__ = ["alarm_catalog", "pump_alarms"]
