"""Request dependencies: the database connection, the signed-in user, roles, CSRF, access.

Every route but the public ones (:data:`PUBLIC_ROUTES`) takes ``principal = allow(...)``: the
dependency finds the session, refuses an anonymous user (401; an HTML page redirects to the
login), a role not listed (403) and, on a state-changing method, a missing or wrong CSRF token
(403), writing an audit row for each refusal. ``tests/web/test_roles.py`` enumerates the app's
routes and checks that each one outside the public set carries this dependency and refuses.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from neurostim.web import audit
from neurostim.web.auth import ROLES, Principal, csrf_matches, lookup_session
from neurostim.web.db import connect, transaction
from neurostim.web.store import Patient, get_patient

SESSION_COOKIE = "neurostim_session"
LOGIN_CSRF_COOKIE = "neurostim_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_ROUTES = frozenset(
    {
        ("GET", "/"),
        ("GET", "/healthz"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("POST", "/api/session"),
        ("GET", "/openapi.json"),
        ("GET", "/vendor/plotly.min.js"),
    }
)
"""Routes anyone may call (``/static`` files and Plotly.js are public too): the rest check a
role."""


@dataclass
class ClinicContext:
    """What the routes share: database path, session secret, clock, templates."""

    db_path: str
    secret: bytes
    clock: Callable[[], dt.datetime]
    templates: Jinja2Templates


class Denied(Exception):
    """A request refused at the gate: status 401, 403 or 404 and a message for the user."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


def context(request: Request) -> ClinicContext:
    ctx: ClinicContext = request.app.state.clinic
    return ctx


async def get_conn(request: Request) -> AsyncIterator[sqlite3.Connection]:
    """One connection per request, closed after it (opened on the event loop: it takes
    microseconds, and a worker-thread hop on entry and exit cost more than the rest of a check)."""
    conn = connect(context(request).db_path)
    try:
        yield conn
    finally:
        conn.close()


def now(request: Request) -> dt.datetime:
    return context(request).clock()


def refuse(
    conn: sqlite3.Connection,
    request: Request,
    principal: Principal | None,
    status: int,
    reason: str,
    *,
    action: str = "access",
    patient_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Denied:
    """Write the refused attempt's audit row; return the :class:`Denied` to raise."""
    audit.append(
        conn,
        action=action,
        outcome="refused",
        username=None if principal is None else principal.username,
        role=None if principal is None else principal.role,
        patient_id=patient_id,
        detail={
            "method": request.method,
            "path": request.url.path,
            "status": status,
            "reason": reason,
            **(detail or {}),
        },
        utc=now(request),
    )
    return Denied(status, reason)


def record_action(
    conn: sqlite3.Connection,
    request: Request,
    principal: Principal,
    patient_id: str | None,
    action: str,
    outcome: str,
    detail: dict[str, Any],
) -> None:
    """One audit row of a signed-in user's action on a patient (``ok`` or ``refused``), at the
    request's time: the one way the screens and the API record what a user did."""
    audit.append(
        conn,
        action=action,
        outcome=outcome,
        username=principal.username,
        role=principal.role,
        patient_id=patient_id,
        detail=detail,
        utc=now(request),
    )


def current_principal(request: Request, conn: sqlite3.Connection) -> Principal | None:
    """The signed-in user of the request's session cookie, or None (an idle session ends)."""
    ctx = context(request)
    token = request.cookies.get(SESSION_COOKIE)
    with transaction(conn):
        from neurostim.web.titration import revert_lost_links

        revert_lost_links(conn, ctx.clock())  # before this request marks its session seen
        found = lookup_session(conn, ctx.secret, token, ctx.clock())
        if found.expired and found.principal is not None:
            from neurostim.web.titration import revert_session

            revert_session(conn, found.principal, "idle timeout", ctx.clock())
            audit.append(
                conn,
                action="session.expired",
                outcome="ok",
                username=found.principal.username,
                role=found.principal.role,
                detail={"reason": "idle timeout"},
                utc=ctx.clock(),
            )
    return None if found.expired else found.principal


async def _csrf_given(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def allow(*roles: str) -> Any:
    """A dependency admitting the signed-in users of ``roles`` (CSRF-checked when unsafe)."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"roles must be among {ROLES}: {sorted(unknown)}")

    async def gate(request: Request, conn: sqlite3.Connection = Depends(get_conn)) -> Principal:
        principal = current_principal(request, conn)
        if principal is None:
            raise refuse(conn, request, None, 401, "sign in first")
        if principal.role not in roles:
            raise refuse(
                conn, request, principal, 403, f"the role {principal.role!r} may not do this"
            )
        if request.method not in SAFE_METHODS:
            given = await _csrf_given(request)
            if not csrf_matches(principal.csrf_token, given):
                raise refuse(conn, request, principal, 403, "missing or wrong CSRF token")
        return principal

    gate.roles = frozenset(roles)  # type: ignore[attr-defined]
    return Depends(gate)


def patient_for(
    conn: sqlite3.Connection,
    request: Request,
    principal: Principal,
    patient_id: str,
    *,
    action: str,
) -> Patient:
    """The patient record if ``principal`` may reach it, else a refusal (audited).

    Students reach sandbox copies only, patients their own record only; clinicians and
    instructors every record.
    """
    patient = get_patient(conn, patient_id)
    if patient is None:
        raise refuse(conn, request, principal, 404, "no such patient", action=action)
    if principal.role == "student" and not patient.sandbox:
        raise refuse(
            conn,
            request,
            principal,
            403,
            "students work on sandbox copies only",
            action=action,
            patient_id=patient_id,
        )
    if principal.role == "patient" and principal.patient_id != patient_id:
        raise refuse(
            conn,
            request,
            principal,
            403,
            "a patient reaches their own record only",
            action=action,
            patient_id=patient_id,
        )
    return patient


def visible_patients(principal: Principal, patients: list[Patient]) -> list[Patient]:
    """The records a role sees in the patient list (students: sandbox copies only)."""
    if principal.role == "student":
        return [p for p in patients if p.sandbox]
    if principal.role == "patient":
        return [p for p in patients if p.id == principal.patient_id]
    return patients


__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "LOGIN_CSRF_COOKIE",
    "PUBLIC_ROUTES",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "ClinicContext",
    "Denied",
    "allow",
    "context",
    "current_principal",
    "get_conn",
    "now",
    "patient_for",
    "record_action",
    "refuse",
    "visible_patients",
]
