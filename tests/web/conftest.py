"""Fixtures of the web clinic tests: a seeded demo database (copied per test), the app with a
fake clock, and signed-in clients."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from neurostim.web import create_app, seed_demo

WEB_EXTRA = all(
    importlib.util.find_spec(m) for m in ("fastapi", "argon2", "jinja2", "multipart", "httpx")
)
collect_ignore_glob = [] if WEB_EXTRA else ["test_*.py"]
"""Without the ``web`` extra (and httpx) the web tests are not collected."""

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

PASSWORD = "demo-password-1"
SECRET = b"\x01" * 32
DEMO_USERS = {
    "clin1": "clinician",
    "clin2": "clinician",
    "stud1": "student",
    "pat2": "patient",
    "pat1": "patient",
    "instr1": "instructor",
}
PATIENT = "FBSS-01"
SANDBOX = "FBSS-01-SANDBOX"


class FakeClock:
    """A settable UTC clock."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


SHIPPED_HASHER: Callable[[], object] | None = None
"""The package's own hasher factory, set aside while the tests use a cheap one."""


@pytest.fixture(scope="session", autouse=True)
def _cheap_argon2() -> Iterator[None]:
    """Tests hash with argon2id at its smallest cost (the shipped cost takes ~0.5 s per login
    on a shared machine); tests/web/test_auth.py checks the shipped parameters separately."""
    from argon2 import PasswordHasher

    from neurostim.web import auth

    global SHIPPED_HASHER
    SHIPPED_HASHER = auth._hasher
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(auth, "_hasher", lambda: cheap)
        mp.setattr(auth, "_dummy_hash", lambda: cheap.hash("dummy-password"))
        yield


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database seeded once (argon2 hashing is slow on purpose)."""
    path = tmp_path_factory.mktemp("clinic") / "template.sqlite3"
    seed_demo(path, PASSWORD)
    return path


@pytest.fixture
def db_path(demo_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "clinic.sqlite3"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(db_path: Path, clock: FakeClock):  # type: ignore[no-untyped-def]
    return create_app(db_path, secret=SECRET, clock=clock)


@pytest.fixture
def client(app) -> TestClient:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    return TestClient(app)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in through the API; return the CSRF token."""
    r = client.post("/api/session", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf_token"])


@pytest.fixture
def signed_in(app) -> Callable[[str], tuple[TestClient, str]]:  # type: ignore[no-untyped-def]
    """``signed_in(username)`` → a new client signed in as that user and its CSRF token."""

    from fastapi.testclient import TestClient

    def make(username: str) -> tuple[TestClient, str]:
        c = TestClient(app)
        return c, sign_in(c, username)

    return make


def tonic_program(**train: object) -> dict[str, object]:
    """The demo patient's bipolar tonic program (L1.E4 -, L1.E5 +) with train overrides."""
    base: dict[str, object] = {
        "waveform": "tonic",
        "amplitude_ma": 3.0,
        "pulse_width_us": 300,
        "rate_hz": 50,
        "contacts": {"L1.E4": -100, "L1.E5": 100},
    }
    base.update(train)
    return {
        "name": "Leg tonic",
        "stimulator": "multiwave-rechargeable-16",
        "leads": ["percutaneous-8", "percutaneous-8"],
        "trains": [base],
        "patient": {"amplitude_min_ma": 2.0, "amplitude_max_ma": 6.0},
    }


def audit_rows(db_path: Path) -> list[dict[str, object]]:
    from neurostim.web import connect
    from neurostim.web.audit import read_rows

    conn = connect(db_path)
    try:
        return read_rows(conn)
    finally:
        conn.close()


# --- browser tests (clinic-web §4): one server per test module, one Chromium per test session ---

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_MISSING = (
    "needs the Python package playwright (the dev extra)"
    if importlib.util.find_spec("playwright") is None
    else "needs a chromium on PATH (Debian: apt-get install chromium; .ci/run installs it)"
    if CHROMIUM is None
    else None
)
"""Why the browser tests skip here, or None when they run."""
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(BROWSER_MISSING is not None, reason=str(BROWSER_MISSING)),
]
"""``pytestmark`` of every browser test module."""
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class LiveServer:
    """The clinic served by uvicorn on 127.0.0.1: its URL, database and fake clock."""

    url: str
    db_path: Path
    clock: FakeClock


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    if BROWSER_MISSING is not None:
        pytest.skip(BROWSER_MISSING)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # a loaded 2-core CI machine answers slowly
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def live_server(
    demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The demo clinic on a free port for the tests of one module (they share its state)."""
    import socket
    import threading
    import time

    import uvicorn

    path = tmp_path_factory.mktemp("live") / "clinic.sqlite3"
    shutil.copy(demo_template, path)
    clock = FakeClock()
    app = create_app(path, secret=SECRET, clock=clock)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", path, clock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
