"""The virtual implant as the clinician's programmer sees it: contacts, impedance check, leads.

The impedance check of a virtual device reads the patient record: a contact listed in
``contact_faults`` (``open`` or ``short``) fails; every other contact measures the stimulator
profile's ``default_impedance_ohm`` (representative data, replace it with IFU values). The check
writes ``impedance_status`` and ``impedance_ohm`` into the record; a program built in the editor
carries the measured impedances of its contacts (``Program.impedance_ohm``), so the device's
compliance check uses them. Open/short thresholds of real devices are a gap (clinic-web §6).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from neurostim.device import load_lead, load_profile

IMPEDANCE_STATUSES = ("ok", "high", "low", "open", "short")
"""What an impedance check reports per contact (clinic-web §1.2 screen 4)."""
FAILED = ("open", "short")
"""Statuses whose contact a program may not use (clinic-web §1.3)."""
LEVELS = (*(f"T{k}" for k in range(1, 13)), *(f"L{k}" for k in range(1, 6)))
"""Vertebral levels of the schematic spine, top to bottom."""


def contact_ids(record: dict[str, Any]) -> list[str]:
    """Every contact of the patient's leads, ``L<lead>.<contact>`` in lead order."""
    out = []
    for i, lead in enumerate(record.get("leads", []), start=1):
        out += [f"L{i}.{c}" for c in load_lead(str(lead["lead"])).contact_ids]
    return out


def measure_impedances(record: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The record after an impedance check (a new dict): status and ohms per contact."""
    profile = load_profile(str(record["stimulator"]))
    faults = record.get("contact_faults", {})
    status: dict[str, str] = {}
    ohm: dict[str, float] = {}
    for cid in contact_ids(record):
        fault = faults.get(cid)
        if fault in FAILED:
            status[cid] = str(fault)
        else:
            status[cid] = "ok"
            ohm[cid] = float(profile.default_impedance_ohm)
    return {
        **record,
        "impedance_status": status,
        "impedance_ohm": ohm,
        "impedance_checked_utc": now.isoformat(),
    }


def impedance_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per contact: ``contact``, ``status`` (``not measured`` before a check),
    ``impedance_ohm`` (None when open, shorted or not measured), ``selectable``."""
    status = record.get("impedance_status", {})
    ohm = record.get("impedance_ohm", {})
    rows = []
    for cid in contact_ids(record):
        s = status.get(cid, "ok" if cid in ohm else "not measured")
        rows.append(
            {
                "contact": cid,
                "status": s,
                "impedance_ohm": ohm.get(cid),
                "selectable": s not in FAILED,
            }
        )
    return rows


def lead_schematic(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Each lead's label, model, side and the span of levels it covers (top, bottom)."""
    out = []
    for i, lead in enumerate(record.get("leads", []), start=1):
        top, bottom = str(lead.get("top_level", "")), str(lead.get("bottom_level", ""))
        span = []
        if top in LEVELS and bottom in LEVELS:
            span = list(LEVELS[LEVELS.index(top) : LEVELS.index(bottom) + 1])
        out.append(
            {
                "label": lead.get("label", f"L{i}"),
                "lead": lead["lead"],
                "side": lead.get("side", ""),
                "top_level": top,
                "bottom_level": bottom,
                "levels": span,
                "column": i,
            }
        )
    return out


__all__ = [
    "FAILED",
    "IMPEDANCE_STATUSES",
    "LEVELS",
    "contact_ids",
    "impedance_rows",
    "lead_schematic",
    "measure_impedances",
]
