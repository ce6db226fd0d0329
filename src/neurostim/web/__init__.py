"""neurostim.web: the web clinic (clinician programmer, patient controller, pump programmer).

A FastAPI application on the platform's stages: request bodies are the platform's own models and
every limit is enforced by the device and intrathecal checks on the server; SQLite storage with
versioned migrations; argon2 passwords, server-side sessions, CSRF tokens and roles checked on
every route; an append-only, hash-chained audit log of every change and refused attempt.

The server needs the ``web`` extra (``pip install 'neurostim[web]'``); this package imports
without it, and :func:`create_app` says what to install when it is missing. See docs/web.md.
"""

from __future__ import annotations

from neurostim.web._extra import WEB_EXTRA_MODULES, create_app, require_web_extra, seed_demo
from neurostim.web.audit import AuditCheck, verify_chain
from neurostim.web.db import SCHEMA_VERSION, connect, migrate, schema_version

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
