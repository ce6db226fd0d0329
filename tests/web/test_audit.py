"""The audit log: hash chain recomputed independently, append-only triggers, tamper detection."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from neurostim.web import connect, migrate, verify_chain
from neurostim.web.audit import GENESIS_HASH, append, read_rows


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    c = connect(tmp_path / "a.sqlite3")
    migrate(c)
    for i in range(4):
        append(
            c,
            action="program.write",
            outcome="ok" if i % 2 == 0 else "refused",
            username="clin1",
            role="clinician",
            patient_id="FBSS-01",
            detail={"slot": 1, "amplitude_ma": 2.0 + i, "note": "µC/cm²"},
        )
    return c


def test_each_hash_is_sha256_of_the_previous_hash_and_the_canonical_row(conn) -> None:
    prev = GENESIS_HASH
    for row in read_rows(conn):
        body = {k: v for k, v in row.items() if k != "hash"}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert row["prev_hash"] == prev
        assert row["hash"] == hashlib.sha256((prev + text).encode("utf-8")).hexdigest()
        prev = row["hash"]
    check = verify_chain(conn)
    assert check.ok and check.n_rows == 4


@pytest.mark.parametrize(
    "sql", ["UPDATE audit SET outcome = 'ok' WHERE seq = 2", "DELETE FROM audit WHERE seq = 4"]
)
def test_the_database_refuses_to_change_or_delete_audit_rows(conn, sql: str) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute(sql)
    assert verify_chain(conn).n_rows == 4


def _drop_triggers(conn: sqlite3.Connection) -> None:
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")


def test_an_edited_row_breaks_the_chain_at_that_row(conn) -> None:
    _drop_triggers(conn)
    conn.execute("UPDATE audit SET detail_json = '{\"slot\":2}' WHERE seq = 3")
    check = verify_chain(conn)
    assert not check.ok and check.first_bad_seq == 3 and "content" in check.reason


def test_a_removed_row_breaks_the_chain(conn) -> None:
    _drop_triggers(conn)
    conn.execute("DELETE FROM audit WHERE seq = 2")
    check = verify_chain(conn)
    assert not check.ok and check.first_bad_seq == 3


def test_a_rehashed_edit_still_breaks_the_next_link(conn) -> None:
    _drop_triggers(conn)
    row = read_rows(conn)[1]
    row["detail"] = {"slot": 9}
    body = {k: v for k, v in row.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    new_hash = hashlib.sha256((row["prev_hash"] + text).encode()).hexdigest()
    conn.execute(
        "UPDATE audit SET detail_json = ?, hash = ? WHERE seq = 2",
        (json.dumps(row["detail"]), new_hash),
    )
    check = verify_chain(conn)
    assert not check.ok and check.first_bad_seq == 3 and "prev_hash" in check.reason


def test_outcome_must_be_ok_or_refused(conn) -> None:
    with pytest.raises(ValueError, match="outcome"):
        append(conn, action="x", outcome="maybe")
