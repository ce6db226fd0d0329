"""The screens in a headless Chromium (clinic-web §4 browser tests): Plotly.js drawing under
the Content-Security-Policy, titration without JavaScript, and axe-core on every screen of each
role's menu. The §5 scenarios (htmx titration in place, the discomfort stop, the write button
held until every warning is ticked, the keyboard-only path) are in ``test_browser_scenarios.py``
and ``test_browser_pump.py``.

Needs Playwright (the dev extra) and Debian's ``chromium``; skipped with a reason without them.
The module's tests share one server (``live_server``) and sign out at the end of each.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from tests.web._browser import axe_violations, put_program, signed_in
from tests.web.conftest import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def _configure_tonic(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/patients/FBSS-01/programs/1/edit")
    for contact, polarity in (("L1.E4", "-"), ("L2.E4", "-"), ("L1.E5", "+"), ("L2.E5", "+")):
        page.select_option(f"select[name='pol_{contact}']", polarity)
    page.click("text=Apply configuration")
    page.wait_for_url("**/edit#titration")


def test_plotly_draws_under_the_csp(browser, live_server) -> None:
    if importlib.util.find_spec("plotly") is None:
        pytest.skip("plotly is not installed")
    with signed_in(browser, live_server, "clin1") as page:
        _configure_tonic(page, live_server.url)
        page.wait_for_selector("div.plot .main-svg", timeout=10_000)
        assert page.errors == []


def test_titration_works_without_javascript(browser, live_server) -> None:
    with signed_in(browser, live_server, "clin1", java_script_enabled=False) as page:
        _configure_tonic(page, live_server.url)
        page.click("button[value=up]")
        page.wait_for_url("**/edit#titration")
        assert page.inner_text("#amplitude").startswith("0.10")


def test_area_levels_work_without_javascript_and_pass_axe(browser, live_server) -> None:
    """Per-area level −/+ (clinic-web §2 [S BSC-RC]) as plain forms, with an accessible table."""
    from tests.web.conftest import PATIENT, tonic_program

    slot = 7
    program: dict[str, Any] = tonic_program(amplitude_ma=3.0)
    second = {**program["trains"][0], "rate_hz": 40, "contacts": {"L2.E4": -100, "L2.E5": 100}}
    program["trains"] = [*program["trains"], second]
    with signed_in(browser, live_server, "clin1") as page:
        page.goto(f"{live_server.url}/me")
        assert put_program(page, live_server, PATIENT, slot, program).status == 200
    with signed_in(browser, live_server, "pat1", java_script_enabled=False) as page:
        page.goto(f"{live_server.url}/controller")
        page.locator("tr", has=page.locator(f"#level-{slot}")).locator(
            "button[value=select]"
        ).click()
        page.click("button[aria-label='level up area 2']")
        page.wait_for_url("**/controller")
        assert page.inner_text("#area-level-1") == "3.00"
        assert page.inner_text("#area-level-2") == "3.10"
    if importlib.util.find_spec("axe_playwright_python") is not None:
        with signed_in(browser, live_server, "pat1") as page:  # axe-core runs as a script
            page.goto(f"{live_server.url}/controller")
            assert page.locator("#area-level-2").count() == 1
            assert axe_violations(page) == []


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
