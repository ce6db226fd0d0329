"""The screens in a headless Chromium (clinic-web §4 browser tests): htmx titration in place,
the discomfort stop, Plotly.js drawing under the Content-Security-Policy, the write button held
until every warning is ticked, and the same flow without JavaScript.

Needs Playwright (``pip install playwright``) and Debian's ``chromium``; skipped without them.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import PASSWORD, SECRET

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None or CHROMIUM is None,
        reason="needs playwright and a chromium on PATH",
    ),
]
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def base_url(db_path: Path) -> Iterator[str]:
    import uvicorn

    from neurostim.web import create_app

    app = create_app(db_path, secret=SECRET)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


def _sign_in(page: Any, base_url: str, user: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/patients")


def _configure_tonic(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/patients/FBSS-01/programs/1/edit")
    for contact, polarity in (("L1.E4", "-"), ("L2.E4", "-"), ("L1.E5", "+"), ("L2.E5", "+")):
        page.select_option(f"select[name='pol_{contact}']", polarity)
    page.click("text=Apply configuration")
    page.wait_for_url("**/edit#titration")


def test_titration_updates_in_place_and_stops_at_discomfort(browser, base_url) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _sign_in(page, base_url, "clin1")
    _configure_tonic(page, base_url)
    url = page.url
    page.click("button[value=up]")
    expect(page.locator("#amplitude")).to_have_text(re.compile(r"^0\.10"))
    assert page.url == url  # htmx swapped the panel, no navigation
    for _ in range(30):
        if page.locator("text=stimulation stopped").count():
            break
        before = page.inner_text("#amplitude")
        page.click("button[value=up]")
        expect(page.locator("#amplitude")).not_to_have_text(before)
    assert page.locator("text=stimulation stopped").count() == 1
    assert page.inner_text("#amplitude").startswith("0.00")
    assert errors == []  # no CSP violation, no script error


def test_plotly_draws_under_the_csp(browser, base_url) -> None:
    if importlib.util.find_spec("plotly") is None:
        pytest.skip("plotly is not installed")
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _sign_in(page, base_url, "clin1")
    _configure_tonic(page, base_url)
    page.wait_for_selector("div.plot .main-svg", timeout=10_000)
    assert errors == []


def test_write_waits_for_every_acknowledgement(browser, base_url) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    _sign_in(page, base_url, "clin1")
    page.goto(f"{base_url}/patients/FBSS-01/programs/1/edit")
    page.select_option("select[name='pol_L1.E4']", "-")
    page.check("#case_anode")
    page.fill("#pulse_width_us", "500")
    page.click("text=Apply configuration")
    page.wait_for_url("**/edit#titration")
    page.fill("#amplitude_ma", "8.5")
    page.click("#amplitude_ma ~ button")
    expect(page.locator("#amplitude")).to_have_text(re.compile(r"^8\.50"))
    page.fill("#name", "Leg tonic")
    page.fill("#amplitude_min_ma", "2.0")
    page.fill("#amplitude_max_ma", "8.5")
    page.click("text=4. Review")
    assert page.is_disabled("#write-button")
    boxes = page.locator("input.ack")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    assert page.is_enabled("#write-button")
    page.click("#write-button")
    page.wait_for_url("**/report#slot-1")
    assert "charge-density@L1.E4" in page.content()


def test_titration_works_without_javascript(browser, base_url) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, base_url, "clin1")
    _configure_tonic(page, base_url)
    page.click("button[value=up]")
    page.wait_for_url("**/edit#titration")
    assert page.inner_text("#amplitude").startswith("0.10")
    context.close()


def test_titration_by_keyboard_only(browser, base_url) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    _sign_in(page, base_url, "clin1")
    _configure_tonic(page, base_url)
    page.goto(f"{base_url}/patients/FBSS-01/programs/1/edit")
    plus = page.locator("button[value=up]:focus")
    for _ in range(120):
        page.keyboard.press("Tab")
        if plus.count():
            break
    assert plus.count() == 1, "the + button is not reachable with Tab"
    page.keyboard.press("Enter")
    expect(page.locator("#amplitude")).to_have_text(re.compile(r"^0\.10"))


AXE_PAGES = (
    ("clin1", "/patients"),
    ("clin1", "/patients/FBSS-01"),
    ("clin1", "/patients/FBSS-01/programs/1/edit"),
    ("clin1", "/patients/FBSS-01/report"),
    ("clin1", "/patients/ITDD-01/pump"),
    ("clin1", "/patients/ITDD-01/pump/refill"),
    ("instr1", "/audit"),
)


@pytest.mark.skipif(
    importlib.util.find_spec("axe_playwright_python") is None,
    reason="needs axe-playwright-python (bundles axe-core; runs offline)",
)
def test_axe_finds_no_serious_or_critical_violation(browser, base_url) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = {}
    for user, path in (*AXE_PAGES, ("pat1", "/controller"), (None, "/login")):
        context = browser.new_context(bypass_csp=True)  # axe is injected as a script
        page = context.new_page()
        if user is not None:
            page.goto(f"{base_url}/login")
            page.fill("#username", user)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
        page.goto(f"{base_url}{path}")
        results = axe.run(page)
        assert results.response["passes"], f"axe checked nothing on {path}"
        assert page.url.endswith(path), f"{user} did not reach {path}"
        bad = [
            (v["id"], v["impact"], len(v["nodes"]))
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if bad:
            found[path] = bad
        context.close()
    assert found == {}
