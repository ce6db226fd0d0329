"""The append-only, hash-chained audit log.

Every change and every refused attempt is one row: UTC time, simulated time, user, role,
patient, action, outcome (``ok`` or ``refused``) and a JSON ``detail`` (before/after, warnings
and acknowledgements, the reason of a refusal). Rows are never updated or deleted (SQLite
triggers refuse it); a correction is a new row.

Chain: each row stores the previous row's hash (``"0" * 64`` before the first row) and its own::

    hash = sha256(prev_hash + canonical_json(row))

where ``row`` holds every column but ``hash`` (``detail`` as its JSON object) and canonical
JSON sorts keys, uses ``","``/``":"`` separators and keeps non-ASCII text as is.
:func:`verify_chain` recomputes every hash, so a row edited, inserted or removed behind the
triggers' back breaks the chain at that row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first row."""
OUTCOMES = ("ok", "refused")
_COLUMNS = (
    "seq",
    "utc",
    "sim_time",
    "username",
    "role",
    "patient_id",
    "action",
    "outcome",
    "detail",
    "prev_hash",
)


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no spaces: one text per value, the input of the hash."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def row_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """``sha256(prev_hash + canonical_json(row))`` as hex; ``row`` without its ``hash``."""
    body = {k: row[k] for k in _COLUMNS}
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


def append(
    conn: sqlite3.Connection,
    *,
    action: str,
    outcome: str,
    username: str | None = None,
    role: str | None = None,
    patient_id: str | None = None,
    detail: dict[str, Any] | None = None,
    utc: dt.datetime | None = None,
    sim_time: str | None = None,
) -> dict[str, Any]:
    """Append one row and return it (with ``seq`` and ``hash``).

    Call it inside the transaction of the change it records (:func:`neurostim.web.db.transaction`)
    so that both commit or neither; outside a transaction it opens its own.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq = 1 if last is None else int(last["seq"]) + 1
        prev = GENESIS_HASH if last is None else str(last["hash"])
        when = utc or dt.datetime.now(dt.UTC)
        row: dict[str, Any] = {
            "seq": seq,
            "utc": when.isoformat(),
            "sim_time": sim_time,
            "username": username,
            "role": role,
            "patient_id": patient_id,
            "action": action,
            "outcome": outcome,
            "detail": json.loads(canonical_json(detail or {})),
            "prev_hash": prev,
        }
        row["hash"] = row_hash(prev, row)
        conn.execute(
            "INSERT INTO audit (seq, utc, sim_time, username, role, patient_id, action, "
            "outcome, detail_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                row["utc"],
                sim_time,
                username,
                role,
                patient_id,
                action,
                outcome,
                canonical_json(row["detail"]),
                prev,
                row["hash"],
            ),
        )
    except BaseException:
        if own:
            conn.execute("ROLLBACK")
        raise
    if own:
        conn.execute("COMMIT")
    return row


def _as_dict(r: sqlite3.Row) -> dict[str, Any]:
    out = {k: r[k] for k in _COLUMNS if k != "detail"}
    out["detail"] = json.loads(r["detail_json"])
    out["hash"] = r["hash"]
    return out


def read_rows(
    conn: sqlite3.Connection, *, patient_id: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Rows in order (newest last), optionally of one patient and the last ``limit`` only."""
    sql = "SELECT * FROM audit"
    args: list[Any] = []
    if patient_id is not None:
        sql += " WHERE patient_id = ?"
        args.append(patient_id)
    sql += " ORDER BY seq DESC"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    return [_as_dict(r) for r in reversed(conn.execute(sql, args).fetchall())]


@dataclass(frozen=True)
class AuditCheck:
    """Result of :func:`verify_chain`: ``ok``, rows checked, the first bad row and why."""

    ok: bool
    n_rows: int
    first_bad_seq: int | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "n_rows": self.n_rows,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
        }


def verify_chain(conn: sqlite3.Connection) -> AuditCheck:
    """Recompute the chain from the first row; report the first row that does not match."""
    prev = GENESIS_HASH
    expected_seq = 1
    n = 0
    for r in conn.execute("SELECT * FROM audit ORDER BY seq"):
        row = _as_dict(r)
        seq = int(row["seq"])
        if seq != expected_seq:
            return AuditCheck(False, n, seq, f"row {expected_seq} is missing")
        if row["prev_hash"] != prev:
            return AuditCheck(False, n, seq, "prev_hash does not match the previous row's hash")
        if row_hash(prev, row) != row["hash"]:
            return AuditCheck(False, n, seq, "the row's content does not match its hash")
        prev = row["hash"]
        expected_seq += 1
        n += 1
    return AuditCheck(True, n)


__all__ = [
    "GENESIS_HASH",
    "AuditCheck",
    "append",
    "canonical_json",
    "read_rows",
    "row_hash",
    "verify_chain",
]
