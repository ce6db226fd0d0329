"""The FastAPI application of the web clinic: routes, error pages, security headers.

Errors never reach a user as a traceback: refused input is 422 with ``{"errors": [{"field",
"value", "allowed"}]}`` (API) or the form with its errors (HTML); a refusal at the gate is
401/403/404 as JSON or a page; anything unexpected is logged on the server and answered with
a generic 500 that says nothing was changed.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from neurostim import __version__
from neurostim.web import (
    api,
    audit,
    controller,
    editor,
    instructor,
    pages,
    plots,
    pump,
    pump_screens,
    remote,
    review,
    screens,
    sessions,
)
from neurostim.web.checks import json_safe
from neurostim.web.db import connect, migrate, transaction
from neurostim.web.deps import SAFE_METHODS, ClinicContext, Denied, current_principal

logger = logging.getLogger("neurostim.web")

ROUTERS = (
    sessions.router,
    api.router,
    controller.router,
    pump.router,
    pages.router,
    screens.router,
    editor.router,
    review.router,
    remote.router,
    pump_screens.router,
    instructor.router,
    plots.router,
)
"""The routers the app serves (the role test walks them for each route's gate)."""

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
"""Headers on every response: scripts and styles from this server only, no framing."""


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


class _Guard:
    """Outermost middleware: security headers on every response; an unexpected exception is
    logged and answered with a generic 500 (JSON or HTML), never a traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    headers.setdefault(key, value)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("unexpected error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            text = "internal error: nothing was changed; the error is in the server log"
            response: Response
            if str(scope.get("path", "")).startswith("/api/"):
                response = JSONResponse({"detail": text}, status_code=500)
            else:
                response = HTMLResponse(f"<!doctype html><title>Error</title><p>{text}</p>", 500)
            await response(scope, receive, send_with_headers)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        out.append(
            {
                "field": ".".join(loc) or "body",
                "value": json_safe(err.get("input")),
                "allowed": str(err.get("msg", "invalid")).removeprefix("Value error, "),
            }
        )
    return out


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(Denied)
    async def denied(request: Request, exc: Denied) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.message}, status_code=exc.status)
        if exc.status == 401:
            return RedirectResponse("/login", status_code=303)
        return pages.render(
            request, "error.html", None, exc.status, status=exc.status, message=exc.message
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = _validation_errors(exc)
        if request.method not in SAFE_METHODS:
            _audit_invalid(request, errors)
        if _is_api(request):
            return JSONResponse({"errors": errors}, status_code=422)
        message = "; ".join(f"{e['field']}: {e['allowed']}" for e in errors)
        return pages.render(request, "error.html", None, 422, status=422, message=message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail)
        if _is_api(request):
            return JSONResponse({"detail": message}, status_code=exc.status_code)
        return pages.render(
            request, "error.html", None, exc.status_code, status=exc.status_code, message=message
        )


def _audit_invalid(request: Request, errors: list[dict[str, Any]]) -> None:
    """The audit row of a state-changing request refused for its body (the gate has passed)."""
    ctx: ClinicContext = request.app.state.clinic
    conn = connect(ctx.db_path)
    try:
        principal = current_principal(request, conn)
        audit.append(
            conn,
            action="request",
            outcome="refused",
            username=None if principal is None else principal.username,
            role=None if principal is None else principal.role,
            patient_id=request.path_params.get("patient_id"),
            detail={
                "method": request.method,
                "path": request.url.path,
                "status": 422,
                "errors": errors,
            },
            utc=ctx.clock(),
        )
    finally:
        conn.close()


def _stored_secret(db_path: Path) -> bytes:
    conn = connect(db_path)
    try:
        with transaction(conn):
            row = conn.execute("SELECT value FROM settings WHERE key = 'session_secret'").fetchone()
            if row is None:
                value = secrets.token_hex(32)
                conn.execute(
                    "INSERT INTO settings (key, value) VALUES ('session_secret', ?)", (value,)
                )
            else:
                value = str(row["value"])
    finally:
        conn.close()
    return bytes.fromhex(value)


_BODY_MODELS = {
    "ProgramCheckRequest": {"program": "Program"},
    "ProgramWrite": {"program": "Program"},
    "PumpCheckRequest": {"program": "PumpProgram", "previous": "PumpProgram"},
    "PumpChange": {"program": "PumpProgram"},
}
"""Request bodies whose program fields are the platform's program models (validated by the
platform's parsers, so the schema is declared rather than inferred)."""


def _link_program_models(schema: dict[str, Any]) -> None:
    """Declare the program fields of the request bodies as the device's ``Program`` and the
    intrathecal ``PumpProgram`` JSON schemas (the program files' schemas)."""
    from neurostim.device import Program
    from neurostim.intrathecal import PumpProgram

    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (Program, PumpProgram):
        js = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in js.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components[model.__name__] = js
    for body, fields in _BODY_MODELS.items():
        properties = components.get(body, {}).get("properties", {})
        for field, model_name in fields.items():
            if field in properties:
                ref = {"$ref": f"#/components/schemas/{model_name}"}
                nullable = field == "previous"
                properties[field] = {"anyOf": [ref, {"type": "null"}]} if nullable else ref


def build_app(
    db_path: str | Path,
    *,
    secret: bytes | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> FastAPI:
    """The clinic application on the database ``db_path`` (created and migrated if needed).

    ``secret`` keys the stored session-token hashes (default: a random secret kept in the
    database); ``clock`` returns the current UTC time (tests pass a fake one for the idle
    timeout).
    """
    db_path = Path(db_path)
    conn = connect(db_path)
    try:
        migrate(conn)
    finally:
        conn.close()
    package = resources.files("neurostim.web")
    templates = Jinja2Templates(directory=str(package.joinpath("templates")))
    app = FastAPI(
        title="neurostim web clinic",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.clinic = ClinicContext(
        db_path=str(db_path),
        secret=secret if secret is not None else _stored_secret(db_path),
        clock=clock or (lambda: dt.datetime.now(dt.UTC)),
        templates=templates,
    )

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness: 200 ``{"status": "ok"}``."""
        return {"status": "ok"}

    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(package.joinpath("static"))), name="static")
    _install_handlers(app)
    app.add_middleware(_Guard)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _link_program_models(generate())
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]
    return app


__all__ = ["ROUTERS", "SECURITY_HEADERS", "build_app"]
