"""Helpers of the browser tests: a signed-in page that signs out at the end (so an unsaved test
stimulation never outlives its test on the shared server), the CSRF token of the page, and the
JSON API called with the page's cookies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.web.conftest import PASSWORD, LiveServer


def sign_in(page: Any, url: str, user: str, password: str = PASSWORD) -> None:
    """Sign in through the login form; wait for the user's start page."""
    page.goto(f"{url}/login")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(patients|controller|audit)$"))


def sign_out(page: Any, url: str) -> None:
    """Sign out through the header's form (ends this session's unsaved test stimulation)."""
    page.goto(f"{url}/me")
    button = page.locator("header form button[type=submit]")
    if button.count():
        button.click()
        page.wait_for_url(re.compile(r".*/login$"))


@contextmanager
def signed_in(browser: Any, server: LiveServer, user: str | None, **context: Any) -> Iterator[Any]:
    """A page in a fresh browser context, signed in as ``user`` (None: anonymous), signed out
    and closed afterwards; ``page.errors`` collects the console errors."""
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    try:
        if user is not None:
            sign_in(page, server.url, user)
        yield page
    finally:
        if user is not None:
            sign_out(page, server.url)
        ctx.close()


def csrf_token(page: Any) -> str:
    """The session's CSRF token, read from the current page's forms."""
    field = page.locator("input[name=csrf_token]").first
    token = field.get_attribute("value")
    assert token, "no CSRF token on the page"
    return str(token)


def api(page: Any, server: LiveServer, method: str, path: str, body: Any = None) -> Any:
    """A JSON API request with the page's session cookie and CSRF token."""
    token = csrf_token(page) if method != "GET" else ""
    return page.request.fetch(
        f"{server.url}{path}",
        method=method,
        data=body,
        headers={"X-CSRF-Token": token} if token else {},
        fail_on_status_code=False,
    )


def put_program(page: Any, server: LiveServer, patient: str, slot: int, program: Any) -> Any:
    """Save ``program`` in a slot through the API at its current version."""
    got = api(page, server, "GET", f"/api/patients/{patient}/programs/{slot}")
    version = got.json()["version"] if got.status == 200 else 0
    body = {"program": program, "version": version}
    return api(page, server, "PUT", f"/api/patients/{patient}/programs/{slot}", body)


def axe_violations(page: Any) -> list[tuple[str, str, int]]:
    """(rule, impact, number of nodes) of each serious or critical axe-core violation on the
    page; axe-core comes from the axe-playwright-python wheel (never fetched at run time) and is
    evaluated through the DevTools protocol, which the page's Content-Security-Policy allows."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.response["passes"], "axe checked nothing"
    return [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
