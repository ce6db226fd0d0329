"""Sessions over the API: sign in, sign out, who am I, keep the link.

``POST /api/session`` is public: it answers 200 ``{"role", "csrf_token"}`` with the session
cookie, or 401 with one message whatever was wrong. The sign-in page (:mod:`neurostim.web.pages`)
starts and ends sessions with the same functions.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from neurostim.web import audit
from neurostim.web.auth import (
    ROLES,
    Principal,
    authenticate,
    create_session,
    end_session,
    security_settings,
)
from neurostim.web.db import transaction
from neurostim.web.deps import SESSION_COOKIE, allow, context, get_conn

router = APIRouter(prefix="/api")

LOGIN_FAILED = "unknown user or wrong password"
"""The one message of every failed login (never says which part was wrong)."""


class LoginRequest(BaseModel):
    """User name and password."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


@router.post("/session")
def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    conn: sqlite3.Connection = Depends(get_conn),
) -> Any:
    """Sign in: 200 ``{"role", "csrf_token"}`` and the session cookie, or 401."""
    ctx = context(request)
    user = authenticate(conn, body.username, body.password)
    if user is None:
        audit.append(
            conn,
            action="login",
            outcome="refused",
            username=body.username,
            detail={"reason": LOGIN_FAILED},
            utc=ctx.clock(),
        )
        return JSONResponse({"detail": LOGIN_FAILED}, status_code=401)
    token, csrf = start_session(conn, request, user)
    set_session_cookie(response, request, token)
    return {"role": str(user["role"]), "csrf_token": csrf}


def start_session(conn: sqlite3.Connection, request: Request, user: sqlite3.Row) -> tuple[str, str]:
    """Create a session for ``user`` with its audit row; return (token, csrf token)."""
    ctx = context(request)
    with transaction(conn):
        token, csrf = create_session(conn, ctx.secret, int(user["id"]), ctx.clock())
        audit.append(
            conn,
            action="login",
            outcome="ok",
            username=str(user["username"]),
            role=str(user["role"]),
            utc=ctx.clock(),
        )
    return token, csrf


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def close_session(conn: sqlite3.Connection, request: Request, principal: Principal) -> None:
    """End the request's session with its audit row; the session's unsaved test stimulation
    reverts to the saved program (clinic-web §4 rule 6)."""
    from neurostim.web.titration import revert_session

    ctx = context(request)
    with transaction(conn):
        revert_session(conn, principal, "logout", ctx.clock())
        end_session(conn, ctx.secret, request.cookies.get(SESSION_COOKIE, ""))
        audit.append(
            conn,
            action="logout",
            outcome="ok",
            username=principal.username,
            role=principal.role,
            utc=ctx.clock(),
        )


@router.delete("/session")
def logout(
    request: Request,
    response: Response,
    principal: Principal = allow(*ROLES),
    conn: sqlite3.Connection = Depends(get_conn),
) -> dict[str, str]:
    """Sign out (CSRF token required)."""
    close_session(conn, request, principal)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"status": "signed out"}


@router.get("/link")
def link(principal: Principal = allow(*ROLES)) -> dict[str, Any]:
    """Keep the session in touch (the program editor calls it every 30 s while a test program
    stimulates; any signed-in request does the same): ``{"status", "link_timeout_s"}``. A
    session out of touch for longer loses its unsaved test stimulation (lost link)."""
    return {"status": "ok", "link_timeout_s": security_settings().link_timeout_s}


@router.get("/me")
def me(principal: Principal = allow(*ROLES)) -> dict[str, Any]:
    """The signed-in user: name, role, own patient (patients) and the CSRF token."""
    return {
        "username": principal.username,
        "role": principal.role,
        "patient_id": principal.patient_id,
        "csrf_token": principal.csrf_token,
    }


__all__ = [
    "LOGIN_FAILED",
    "LoginRequest",
    "close_session",
    "router",
    "set_session_cookie",
    "start_session",
]
