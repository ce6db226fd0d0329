"""neurostim.web: the web clinic (clinician programmer, patient controller, pump programmer).

A FastAPI application on the platform's stages: request bodies are the platform's own models and
every limit is enforced by the device and intrathecal checks on the server; SQLite storage with
versioned migrations; argon2 passwords, server-side sessions, CSRF tokens and roles checked on
every route; an append-only, hash-chained audit log of every change and refused attempt.

The server needs the ``web`` extra (``pip install 'neurostim[web]'``); this package imports
without it, and :func:`create_app` says what to install when it is missing. See docs/web.md.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neurostim.web.audit import AuditCheck, verify_chain
from neurostim.web.db import SCHEMA_VERSION, connect, migrate, schema_version

WEB_EXTRA_MODULES = {
    "fastapi": "fastapi",
    "uvicorn": "uvicorn",
    "jinja2": "jinja2",
    "argon2": "argon2-cffi",
    "multipart": "python-multipart",
}
"""Modules the server imports, and the distribution that provides each."""


def require_web_extra() -> None:
    """Raise ``ImportError`` naming ``pip install 'neurostim[web]'`` when a server module is
    missing."""
    missing = [dist for mod, dist in WEB_EXTRA_MODULES.items() if not importlib.util.find_spec(mod)]
    if missing:
        raise ImportError(
            f"the web clinic needs {', '.join(missing)}: pip install 'neurostim[web]'"
        )


def create_app(
    db_path: str | Path,
    *,
    secret: bytes | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> Any:
    """The clinic's FastAPI application on the SQLite database ``db_path``.

    The database is created and migrated to :data:`SCHEMA_VERSION` if needed. ``secret`` keys
    the stored hashes of session tokens (default: a random secret kept in the database);
    ``clock`` returns the current time, timezone-aware UTC (default the system clock).
    """
    require_web_extra()
    from neurostim.web.app import build_app

    return build_app(db_path, secret=secret, clock=clock)


def seed_demo(db_path: str | Path, password: str) -> list[str]:
    """Create the demo patient FBSS-01, its sandbox copy and the demo users (all with
    ``password``) in the database ``db_path``; return the usernames."""
    require_web_extra()
    from neurostim.web.demo import seed_demo as _seed

    conn = connect(db_path)
    try:
        migrate(conn)
        return _seed(conn, password)
    finally:
        conn.close()


__all__ = [
    "SCHEMA_VERSION",
    "WEB_EXTRA_MODULES",
    "AuditCheck",
    "connect",
    "create_app",
    "migrate",
    "require_web_extra",
    "schema_version",
    "seed_demo",
    "verify_chain",
]
