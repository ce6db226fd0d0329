"""Every route checks its role: enumerated from the app, not listed by hand.

For each route outside ``PUBLIC_ROUTES``: the role gate is one of its dependencies; an
anonymous request is refused (API 401, page: redirect to the login); every role the gate does
not list gets 403; a state-changing request without the CSRF token, or with a wrong one, gets
403 from a role that may call it. Each refusal leaves an audit row and changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from neurostim.web import connect
from neurostim.web.app import ROUTERS
from neurostim.web.auth import ROLES
from neurostim.web.deps import PUBLIC_ROUTES, SAFE_METHODS
from tests.web.conftest import DEMO_USERS, SANDBOX, audit_rows, tonic_program

USER_OF_ROLE = {role: name for name, role in DEMO_USERS.items()}
PATH_VALUES = {"patient_id": SANDBOX, "slot": "1"}


def _routes(app) -> list[tuple[str, str, frozenset[str] | None]]:  # type: ignore[no-untyped-def]
    """(method, path, roles of its gate or None) of every route of the app.

    The app's OpenAPI document and its route table together (a page left out of the OpenAPI
    document is still served, so it is checked too); the route objects, found in the app and in
    the routers it includes, give each route's gate.
    """
    gates: dict[tuple[str, str], frozenset[str] | None] = {}
    for route in [*app.routes, *(r for router in ROUTERS for r in router.routes)]:
        if not isinstance(route, APIRoute):
            continue
        roles = None
        for dep in route.dependant.dependencies:
            roles = getattr(dep.call, "roles", None) or roles
        for method in route.methods:
            gates[(method, route.path)] = roles
    out = set()
    for path, methods in app.openapi()["paths"].items():
        for method in methods:
            key = (method.upper(), path)
            assert key in gates, f"{key} is served but its route object was not found"
            out.add((key[0], path, gates[key]))
    # routes hidden from the OpenAPI document (pages may be) are served all the same
    for route in app.routes:
        if isinstance(route, APIRoute):
            for method in route.methods:
                out.add((method, route.path, gates[(method, route.path)]))
    return sorted(out)


def _url(path: str) -> str:
    for key, value in PATH_VALUES.items():
        path = path.replace("{" + key + "}", value)
    return path


def _body(method: str, path: str) -> dict[str, Any] | None:
    if method in SAFE_METHODS:
        return None
    if path.startswith("/api/"):
        return {"program": tonic_program(), "version": 0}
    return None


def _call(client, method: str, path: str, csrf: str | None):  # type: ignore[no-untyped-def]
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    url = _url(path)
    if path.startswith("/api/") or method in SAFE_METHODS:
        return client.request(
            method, url, json=_body(method, path), headers=headers, follow_redirects=False
        )
    form = {"csrf_token": csrf} if csrf else {}
    return client.request(method, url, data=form, follow_redirects=False)


def _stored_state(db_path) -> tuple[list[tuple[object, ...]], ...]:  # type: ignore[no-untyped-def]
    """Programs, controller states and sessions as stored."""
    conn = connect(db_path)
    try:
        return tuple(
            [tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1")]
            for table in ("programs", "controller", "sessions", "pumps", "pump_changes")
        )
    finally:
        conn.close()


def test_every_route_is_public_or_gated(app) -> None:
    routes = _routes(app)
    assert len(routes) >= 25
    paths = {p for _, p, _ in routes}
    assert "/patients/{patient_id}/programs/{slot}/titrate" in paths  # the HTML screens too
    for method, path, roles in routes:
        if (method, path) in PUBLIC_ROUTES:
            continue
        assert roles, f"{method} {path} has no role gate"
        assert roles <= set(ROLES)


def test_anonymous_requests_are_refused_and_audited(app, client, db_path) -> None:
    gated = [(m, p) for m, p, r in _routes(app) if (m, p) not in PUBLIC_ROUTES]
    for method, path in gated:
        before = len(audit_rows(db_path))
        r = _call(client, method, path, None)
        if path.startswith("/api/"):
            assert r.status_code == 401, (method, path, r.status_code)
        else:
            assert r.status_code == 303 and r.headers["location"] == "/login", (method, path)
        rows = audit_rows(db_path)
        assert len(rows) == before + 1 and rows[-1]["outcome"] == "refused", (method, path)


def test_every_role_not_listed_gets_403(app, signed_in, db_path) -> None:
    clients = {role: signed_in(USER_OF_ROLE[role]) for role in ROLES}
    checked = 0
    for method, path, roles in _routes(app):
        if (method, path) in PUBLIC_ROUTES:
            continue
        assert roles is not None
        for role in set(ROLES) - roles:
            client, csrf = clients[role]
            before = len(audit_rows(db_path))
            r = _call(client, method, path, csrf)
            assert r.status_code == 403, (role, method, path, r.status_code)
            rows = audit_rows(db_path)
            assert len(rows) == before + 1 and rows[-1]["outcome"] == "refused"
            assert rows[-1]["role"] == role
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_state_changing_routes_need_the_session_csrf_token(app, signed_in, db_path, token) -> None:
    unsafe = [
        (m, p, r)
        for m, p, r in _routes(app)
        if m not in SAFE_METHODS and (m, p) not in PUBLIC_ROUTES
    ]
    assert len(unsafe) >= 5
    for method, path, roles in unsafe:
        assert roles is not None
        role = "student" if "student" in roles else sorted(roles)[0]
        client, _ = signed_in(USER_OF_ROLE[role])
        before = len(audit_rows(db_path))
        before_state = _stored_state(db_path)
        r = _call(client, method, path, token)
        assert r.status_code == 403, (method, path, r.status_code)
        rows = audit_rows(db_path)
        assert len(rows) == before + 1, (method, path)
        assert rows[-1]["detail"]["reason"] == "missing or wrong CSRF token"
        # nothing changed: still signed in, nothing written
        assert client.get("/api/me").status_code == 200
        assert _stored_state(db_path) == before_state
