"""The HTML pages: server-rendered, working without JavaScript (htmx only enhances them).

Forms post ``application/x-www-form-urlencoded`` with a hidden ``csrf_token``; the login form,
before any session exists, uses a double-submit token (a random cookie and the same value in the
form). The pages call the same functions as the JSON API: nothing is checked twice in two ways.
"""

from __future__ import annotations

import sqlite3
import tomllib
from importlib import resources
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from neurostim.web import audit
from neurostim.web.api import STAFF
from neurostim.web.auth import ROLES, Principal, authenticate, csrf_matches, new_token
from neurostim.web.checks import FieldError, Refused, check_program_data
from neurostim.web.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    allow,
    context,
    current_principal,
    get_conn,
    visible_patients,
)
from neurostim.web.sessions import (
    LOGIN_FAILED,
    close_session,
    set_session_cookie,
    start_session,
)
from neurostim.web.store import list_patients

router = APIRouter()

MAX_PROGRAM_TEXT = 100_000
"""Largest program text the check form accepts (characters); a program is a few hundred."""


def render(
    request: Request,
    name: str,
    principal: Principal | None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    """Render template ``name`` with the user and the CSRF token every form needs."""
    templates = context(request).templates
    return templates.TemplateResponse(
        request,
        name,
        {
            "user": principal,
            "csrf_token": "" if principal is None else principal.csrf_token,
            **values,
        },
        status_code=status_code,
    )


def _home_of_role(role: str) -> str:
    return "/controller" if role == "patient" else "/patients"


def _home(principal: Principal) -> str:
    return _home_of_role(principal.role)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, conn: sqlite3.Connection = Depends(get_conn)) -> Response:
    """The user's home page, or the login page."""
    principal = current_principal(request, conn)
    return RedirectResponse("/login" if principal is None else _home(principal), status_code=303)


def _login_page(request: Request, error: str | None, status_code: int = 200) -> HTMLResponse:
    token = new_token()
    response = render(request, "login.html", None, status_code, login_csrf=token, error=error)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    """The sign-in form."""
    return _login_page(request, None)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    username: str = Form("", max_length=64),
    password: str = Form("", max_length=1024),
    csrf_token: str = Form(""),
    conn: sqlite3.Connection = Depends(get_conn),
) -> Response:
    """Sign in from the form: a session cookie and the home page, or the form with one
    generic error."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not csrf_matches(expected, csrf_token):
        audit.append(
            conn,
            action="login",
            outcome="refused",
            username=username or None,
            detail={"reason": "missing or wrong CSRF token", "path": "/login"},
            utc=context(request).clock(),
        )
        return _login_page(request, "The form expired; please sign in again.", 403)
    user = authenticate(conn, username, password)
    if user is None:
        audit.append(
            conn,
            action="login",
            outcome="refused",
            username=username or None,
            detail={"reason": LOGIN_FAILED, "path": "/login"},
            utc=context(request).clock(),
        )
        return _login_page(request, "Unknown user or wrong password.", 401)
    token, _ = start_session(conn, request, user)
    home = _home_of_role(str(user["role"]))
    response = RedirectResponse(home, status_code=303)
    set_session_cookie(response, request, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout_submit(
    request: Request,
    principal: Principal = allow(*ROLES),
    conn: sqlite3.Connection = Depends(get_conn),
) -> Response:
    """Sign out (the form's CSRF token is checked by the gate)."""
    close_session(conn, request, principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_class=HTMLResponse)
def me_page(request: Request, principal: Principal = allow(*ROLES)) -> HTMLResponse:
    """The signed-in user's page (the patient controller comes here)."""
    return render(request, "me.html", principal)


@router.get("/patients", response_class=HTMLResponse)
def patients_page(
    request: Request,
    principal: Principal = allow(*STAFF),
    conn: sqlite3.Connection = Depends(get_conn),
) -> HTMLResponse:
    """The patient list (students: sandbox copies only)."""
    patients = visible_patients(principal, list_patients(conn))
    return render(request, "patients.html", principal, patients=patients)


def example_program_text() -> str:
    """The program shown in an empty check form: a bipolar tonic program on the demo leads."""
    return (
        resources.files("neurostim.web")
        .joinpath("data", "example_program.toml")
        .read_text(encoding="utf-8")
    )


@router.get("/programs/check", response_class=HTMLResponse)
def check_form(request: Request, principal: Principal = allow(*STAFF)) -> HTMLResponse:
    """A form to check a program written as TOML (the program file)."""
    return render(request, "program_check.html", principal, text=example_program_text())


@router.post("/programs/check", response_class=HTMLResponse)
def check_submit(
    request: Request,
    program_toml: str = Form("", max_length=MAX_PROGRAM_TEXT),
    principal: Principal = allow(*STAFF),
) -> HTMLResponse:
    """Check the posted program: the device's safety and battery report, or its errors."""
    result = None
    errors: list[FieldError] = []
    try:
        data = tomllib.loads(program_toml)
    except tomllib.TOMLDecodeError as exc:
        errors = [FieldError("program", "(text)", f"valid TOML: {exc}")]
    else:
        try:
            result = check_program_data(data)
        except Refused as exc:
            errors = exc.errors
    status = 422 if errors else 200
    return render(
        request,
        "program_check.html",
        principal,
        status,
        text=program_toml,
        result=None if result is None else result.to_dict(),
        errors=[e.to_dict() for e in errors],
    )


__all__ = ["render", "router"]
