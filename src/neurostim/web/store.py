"""Patients and their saved programs in the clinic database, with optimistic versions.

A patient record is JSON (indication, pain map, implant, impedance check); a program is stored
as the program file's JSON with a version that starts at 1 and grows by one per write. A write
names the version its editor loaded (0 for an empty slot); any other version is stale
(:class:`StaleVersion`, HTTP 409). Nothing here checks a program: the routes call
:mod:`neurostim.web.checks` first and write only what passed.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from neurostim.web.audit import canonical_json


@dataclass(frozen=True)
class Patient:
    """A patient record: id, sandbox flag (a student's training copy) and the record's data."""

    id: str
    sandbox: bool
    record: dict[str, Any]
    version: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "sandbox": self.sandbox, "version": self.version, **self.record}


@dataclass(frozen=True)
class SavedProgram:
    """A program in a patient's slot, its version and who wrote it when."""

    patient_id: str
    slot: int
    version: int
    program: dict[str, Any]
    updated_utc: str
    updated_by: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient_id": self.patient_id,
            "slot": self.slot,
            "version": self.version,
            "program": self.program,
            "updated_utc": self.updated_utc,
            "updated_by": self.updated_by,
        }


class StaleVersion(Exception):
    """A write named a version other than the stored one."""

    def __init__(self, current: SavedProgram | None, given: int) -> None:
        self.current = current
        self.given = given
        have = 0 if current is None else current.version
        super().__init__(f"version {given} is stale: the stored version is {have}")


def add_patient(
    conn: sqlite3.Connection, patient_id: str, record: dict[str, Any], *, sandbox: bool = False
) -> None:
    """Create or replace a patient record (demo seeding and cases)."""
    conn.execute(
        "INSERT INTO patients (id, sandbox, record_json) VALUES (?, ?, ?) ON CONFLICT (id) DO "
        "UPDATE SET sandbox = excluded.sandbox, record_json = excluded.record_json, "
        "version = patients.version + 1",
        (patient_id, int(sandbox), canonical_json(record)),
    )
    conn.execute(
        "INSERT INTO controller (patient_id) VALUES (?) ON CONFLICT (patient_id) DO NOTHING",
        (patient_id,),
    )


def update_record(conn: sqlite3.Connection, patient_id: str, record: dict[str, Any]) -> None:
    """Replace a patient's record (a new impedance check); the record's version grows by one."""
    conn.execute(
        "UPDATE patients SET record_json = ?, version = version + 1 WHERE id = ?",
        (canonical_json(record), patient_id),
    )


def _patient(row: sqlite3.Row) -> Patient:
    return Patient(
        str(row["id"]), bool(row["sandbox"]), json.loads(row["record_json"]), int(row["version"])
    )


def get_patient(conn: sqlite3.Connection, patient_id: str) -> Patient | None:
    row = conn.execute("SELECT * FROM patients WHERE id = ?", (patient_id,)).fetchone()
    return None if row is None else _patient(row)


def list_patients(conn: sqlite3.Connection) -> list[Patient]:
    return [_patient(r) for r in conn.execute("SELECT * FROM patients ORDER BY id")]


def _program(row: sqlite3.Row) -> SavedProgram:
    return SavedProgram(
        str(row["patient_id"]),
        int(row["slot"]),
        int(row["version"]),
        json.loads(row["program_json"]),
        str(row["updated_utc"]),
        str(row["updated_by"]),
    )


def get_program(conn: sqlite3.Connection, patient_id: str, slot: int) -> SavedProgram | None:
    row = conn.execute(
        "SELECT * FROM programs WHERE patient_id = ? AND slot = ?", (patient_id, slot)
    ).fetchone()
    return None if row is None else _program(row)


def list_programs(conn: sqlite3.Connection, patient_id: str) -> list[SavedProgram]:
    rows = conn.execute(
        "SELECT * FROM programs WHERE patient_id = ? ORDER BY slot", (patient_id,)
    ).fetchall()
    return [_program(r) for r in rows]


def write_program(
    conn: sqlite3.Connection,
    patient_id: str,
    slot: int,
    program: dict[str, Any],
    *,
    expected_version: int,
    username: str,
    now: dt.datetime,
) -> tuple[SavedProgram | None, SavedProgram]:
    """Store ``program`` in the slot if its version is ``expected_version``.

    Call inside a transaction (with the audit row). Returns ``(before, after)``.

    Raises
    ------
    StaleVersion
        When the stored version (0 for an empty slot) differs from ``expected_version``.
    """
    before = get_program(conn, patient_id, slot)
    have = 0 if before is None else before.version
    if have != expected_version:
        raise StaleVersion(before, expected_version)
    text = canonical_json(program)
    conn.execute(
        "INSERT INTO programs (patient_id, slot, version, program_json, updated_utc, "
        "updated_by) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (patient_id, slot) DO UPDATE SET "
        "version = excluded.version, program_json = excluded.program_json, "
        "updated_utc = excluded.updated_utc, updated_by = excluded.updated_by",
        (patient_id, slot, have + 1, text, now.isoformat(), username),
    )
    after = get_program(conn, patient_id, slot)
    assert after is not None
    return before, after


def diff(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """The leaves that differ between two JSON values: ``[{"field", "before", "after"}]``."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[dict[str, Any]] = []
        for key in sorted(set(before) | set(after)):
            sub = f"{path}.{key}" if path else str(key)
            out += diff(before.get(key), after.get(key), sub)
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        out = []
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            out += diff(b, a, f"{path}[{i}]")
        return out
    return [] if before == after else [{"field": path, "before": before, "after": after}]


__all__ = [
    "Patient",
    "SavedProgram",
    "StaleVersion",
    "add_patient",
    "diff",
    "get_patient",
    "get_program",
    "list_patients",
    "list_programs",
    "update_record",
    "write_program",
]
