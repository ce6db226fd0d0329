"""Fixtures of the web clinic tests: a seeded demo database (copied per test), the app with a
fake clock, and signed-in clients."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

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
