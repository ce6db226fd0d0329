"""Simulated time: a per-patient clock that the instructor advances (clinic-web §4).

A patient's simulated time is UTC plus the patient's ``sim_offset_s``; lockouts, refill dates and
bolus windows run on it, so an instructor can move a case forward by hours or months without
waiting. The offset only grows (time never runs backwards).
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from neurostim.errors import InputError

MAX_ADVANCE_H = 24.0 * 366
"""Largest single step of the clock (hours): a year."""


def sim_now(conn: sqlite3.Connection, patient_id: str, utc: dt.datetime) -> dt.datetime:
    """The patient's simulated time at real time ``utc``."""
    row = conn.execute("SELECT sim_offset_s FROM patients WHERE id = ?", (patient_id,)).fetchone()
    offset = 0.0 if row is None else float(row["sim_offset_s"])
    return utc + dt.timedelta(seconds=offset)


def advance(conn: sqlite3.Connection, patient_id: str, hours: float) -> None:
    """Move the patient's clock forward by ``hours`` (0 < hours <= a year). Call in a
    transaction."""
    if not (isinstance(hours, int | float) and 0 < hours <= MAX_ADVANCE_H):
        raise InputError("advance_h", hours, f"a number of hours in (0, {MAX_ADVANCE_H:g}]")
    conn.execute(
        "UPDATE patients SET sim_offset_s = sim_offset_s + ? WHERE id = ?",
        (hours * 3600.0, patient_id),
    )


__all__ = ["MAX_ADVANCE_H", "advance", "sim_now"]
