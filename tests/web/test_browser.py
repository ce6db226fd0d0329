"""The screens in a headless Chromium (clinic-web §4 browser tests): htmx titration in place,
the discomfort stop, Plotly.js drawing under the Content-Security-Policy, the write button held
until every warning is ticked, and the same flow without JavaScript.

Needs Playwright (the dev extra) and Debian's ``chromium``; skipped with a reason without them.
The module's tests share one server (``live_server``) and sign out at the end of each.
"""

from __future__ import annotations

import importlib.util
import re
from typing import Any

import pytest

from tests.web._browser import signed_in
from tests.web.conftest import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def _configure_tonic(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/patients/FBSS-01/programs/1/edit")
    for contact, polarity in (("L1.E4", "-"), ("L2.E4", "-"), ("L1.E5", "+"), ("L2.E5", "+")):
        page.select_option(f"select[name='pol_{contact}']", polarity)
    page.click("text=Apply configuration")
    page.wait_for_url("**/edit#titration")


def test_titration_updates_in_place_and_stops_at_discomfort(browser, live_server) -> None:
    from playwright.sync_api import expect

    with signed_in(browser, live_server, "clin1") as page:
        _configure_tonic(page, live_server.url)
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
        assert page.errors == []  # no CSP violation, no script error


def test_plotly_draws_under_the_csp(browser, live_server) -> None:
    if importlib.util.find_spec("plotly") is None:
        pytest.skip("plotly is not installed")
    with signed_in(browser, live_server, "clin1") as page:
        _configure_tonic(page, live_server.url)
        page.wait_for_selector("div.plot .main-svg", timeout=10_000)
        assert page.errors == []


def test_write_waits_for_every_acknowledgement(browser, live_server) -> None:
    from playwright.sync_api import expect

    with signed_in(browser, live_server, "clin1") as page:
        page.goto(f"{live_server.url}/patients/FBSS-01/programs/9/edit")
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
        expect(page.locator("#write-button")).to_be_disabled()  # clinic.js runs after the load
        boxes = page.locator("input.ack")
        for i in range(boxes.count()):
            boxes.nth(i).check()
        expect(page.locator("#write-button")).to_be_enabled()
        page.click("#write-button")
        page.wait_for_url("**/report#slot-9")
        assert "charge-density@L1.E4" in page.content()


def test_titration_works_without_javascript(browser, live_server) -> None:
    with signed_in(browser, live_server, "clin1", java_script_enabled=False) as page:
        _configure_tonic(page, live_server.url)
        page.click("button[value=up]")
        page.wait_for_url("**/edit#titration")
        assert page.inner_text("#amplitude").startswith("0.10")


def test_titration_by_keyboard_only(browser, live_server) -> None:
    from playwright.sync_api import expect

    with signed_in(browser, live_server, "clin1") as page:
        _configure_tonic(page, live_server.url)
        page.goto(f"{live_server.url}/patients/FBSS-01/programs/1/edit")
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
    ("clin1", "/programs/check"),
    ("clin1", "/me"),
    ("instr1", "/audit"),
    ("pat1", "/controller"),
    ("pat2", "/controller"),
    (None, "/login"),
)
"""Every screen a role reaches from its menu (clinic-web §4: axe in the browser tests)."""


@pytest.mark.skipif(
    importlib.util.find_spec("axe_playwright_python") is None,
    reason="needs axe-playwright-python (the dev extra; bundles axe-core, runs offline)",
)
def test_axe_finds_no_serious_or_critical_violation(browser, live_server) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = {}
    for user, path in AXE_PAGES:
        with signed_in(browser, live_server, user) as page:
            page.goto(f"{live_server.url}{path}")
            assert page.url.endswith(path), f"{user} did not reach {path}"
            results = axe.run(page)
            assert results.response["passes"], f"axe checked nothing on {path}"
            bad = [
                (v["id"], v["impact"], len(v["nodes"]))
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if bad:
                found[f"{user} {path}"] = bad
    assert found == {}
