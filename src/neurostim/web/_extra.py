"""Entry points that need the ``web`` extra, imported only when called."""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neurostim.web.db import connect, migrate

WEB_EXTRA_MODULES = {
    "fastapi": "fastapi",
    "uvicorn": "uvicorn",
    "jinja2": "jinja2",
    "argon2": "argon2-cffi",
    "multipart": "python-multipart",
}
"""Modules the server imports, and the distribution that provides each."""


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require_web_extra() -> None:
    """Raise ``ImportError`` naming ``pip install 'neurostim[web]'`` when a server module is
    missing."""
    missing = [dist for mod, dist in WEB_EXTRA_MODULES.items() if not _importable(mod)]
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
