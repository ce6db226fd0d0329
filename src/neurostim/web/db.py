"""SQLite storage of the web clinic: connections and versioned migrations.

The schema is the ordered SQL files in ``neurostim/web/migrations`` (``0001_initial.sql``,
``0002_...``): file ``NNNN`` takes the database from version ``NNNN - 1`` to ``NNNN``.
:func:`migrate` applies the missing ones, each in one transaction together with its row in
``schema_version``, so a failed migration leaves the previous version intact; running it again
is a no-op. A migration is never edited once released: a change is a new file.

Connections are in autocommit mode (``isolation_level=None``); code that writes opens its own
``BEGIN IMMEDIATE`` transaction (:func:`transaction`) so that a change and its audit row commit
together or not at all.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from neurostim.errors import InputError

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """The shipped migrations as ``(version, file name, SQL)``, in order.

    Raises
    ------
    RuntimeError
        When the versions are not 1, 2, ... without gaps (a packaging error).
    """
    root = resources.files("neurostim.web").joinpath("migrations")
    found = []
    for entry in root.iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m is not None:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    if [v for v, _, _ in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n: {[n for _, n, _ in found]}")
    return found


SCHEMA_VERSION = len(migrations())
"""The schema version this release writes (the number of the last migration)."""


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection to the database file ``path`` (created if absent; its folder must exist).

    Rows come back as :class:`sqlite3.Row`; foreign keys are enforced; the file is kept in
    write-ahead-log mode (``PATH-wal`` and ``PATH-shm`` beside it while it is open).
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError("db", str(path), "a file in an existing folder")
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    # Write-ahead log: readers do not wait for a writer, and a commit is one synced append
    # instead of a journal file written, synced and deleted. ``synchronous = FULL`` syncs the log
    # at every commit, so a committed change survives a killed process and a power cut alike.
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; any exception rolls the whole transaction back."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def schema_version(conn: sqlite3.Connection) -> int:
    """The version the database is at (0 for an empty database)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if exists is None:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Bring the database to version ``target`` (default :data:`SCHEMA_VERSION`).

    Returns the version reached. A database newer than this release is refused (an
    ``InputError`` naming its version), never downgraded.
    """
    target = SCHEMA_VERSION if target is None else target
    if not 0 <= target <= SCHEMA_VERSION:
        raise InputError("target", target, f"a schema version in 0..{SCHEMA_VERSION}")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_utc TEXT NOT NULL)"
    )
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise InputError(
            "db",
            f"schema version {current}",
            f"this release reads schema versions up to {SCHEMA_VERSION}; upgrade neurostim",
        )
    for version, name, sql in migrations():
        if version <= current or version > target:
            continue
        now = dt.datetime.now(dt.UTC).isoformat()
        # executescript runs a whole file; the transaction is spelled out so that the file
        # and its schema_version row commit together.
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\n"
                f"INSERT INTO schema_version (version, name, applied_utc) "
                f"VALUES ({version}, '{name}', '{now}');\nCOMMIT;"
            )
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        current = version
    return current


__all__ = ["SCHEMA_VERSION", "connect", "migrate", "migrations", "schema_version", "transaction"]
