"""Versioned migrations: fresh database, idempotent upgrade, upgrade from v1, newer refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from neurostim.errors import InputError
from neurostim.web import SCHEMA_VERSION, connect, migrate, schema_version
from neurostim.web.db import migrations


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [v for v, _, _ in migrations()]
    assert versions == list(range(1, SCHEMA_VERSION + 1))
    assert SCHEMA_VERSION >= 2  # the upgrade test below needs a v1 to start from


def test_fresh_database_reaches_the_latest_version_and_rerun_is_a_no_op(tmp_path: Path) -> None:
    conn = connect(tmp_path / "c.sqlite3")
    assert schema_version(conn) == 0
    assert migrate(conn) == SCHEMA_VERSION
    rows = conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    assert [r[0] for r in rows] == list(range(1, SCHEMA_VERSION + 1))
    assert migrate(conn) == SCHEMA_VERSION
    assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == SCHEMA_VERSION


def test_upgrade_from_v1_keeps_the_data(tmp_path: Path) -> None:
    conn = connect(tmp_path / "c.sqlite3")
    assert migrate(conn, target=1) == 1
    conn.execute(
        "INSERT INTO patients (id, record_json) VALUES ('P1', '{\"indication\": \"FBSS\"}')"
    )
    columns = {r[1] for r in conn.execute("PRAGMA table_info(patients)")}
    assert "sim_offset_s" not in columns
    assert migrate(conn) == SCHEMA_VERSION
    row = conn.execute("SELECT record_json, sim_offset_s, version FROM patients").fetchone()
    assert tuple(row) == ('{"indication": "FBSS"}', 0.0, 1)
    assert conn.execute("SELECT COUNT(*) FROM controller").fetchone()[0] == 0


def test_upgrade_from_v5_keeps_the_controller_state_without_area_levels(tmp_path: Path) -> None:
    from neurostim.web.controller import controller_state

    conn = connect(tmp_path / "c.sqlite3")
    assert migrate(conn, target=5) == 5
    conn.execute("INSERT INTO patients (id, record_json) VALUES ('P1', '{}')")
    conn.execute(
        "INSERT INTO controller (patient_id, active_slot, stimulation_on, amplitude_ma_json, "
        "version) VALUES ('P1', 1, 1, '{\"1\": 4.0}', 7)"
    )
    assert migrate(conn) == SCHEMA_VERSION
    state = controller_state(conn, "P1")
    assert state["amplitude_ma"] == {1: 4.0} and state["version"] == 7
    assert state["area_amplitude_ma"] == {}


def test_a_database_newer_than_the_release_is_refused(tmp_path: Path) -> None:
    conn = connect(tmp_path / "c.sqlite3")
    migrate(conn)
    conn.execute(
        "INSERT INTO schema_version (version, name, applied_utc) VALUES (?, 'future', 'x')",
        (SCHEMA_VERSION + 1,),
    )
    with pytest.raises(InputError, match="upgrade neurostim"):
        migrate(conn)


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path, monkeypatch) -> None:
    conn = connect(tmp_path / "c.sqlite3")
    migrate(conn, target=1)
    broken = [*migrations()[:1], (2, "0002_broken.sql", "CREATE TABLE t (x); SELECT nope FROM t;")]
    monkeypatch.setattr("neurostim.web.db.migrations", lambda: broken)
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, target=2)
    assert schema_version(conn) == 1
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchone() is None


def test_database_in_a_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="existing folder"):
        connect(tmp_path / "missing" / "c.sqlite3")
