"""``neurostim clinic serve``: option checks, the demo password, and one real server."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from neurostim.cli import app as cli_app
from neurostim.cli.clinic import is_loopback, prepare, serve_config
from neurostim.errors import InputError
from neurostim.web.demo import demo_usernames


def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli_app, ["clinic", "serve", *args])


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--port", "0"], "--port"),
        (["--port", "70000"], "--port"),
        (["--port", "http"], "--port"),
        (["--db", "/no/such/folder/c.sqlite3"], "--db"),
        (["--demo-password", "secret-pw-1"], "--demo-password"),
        (["--host", " "], "--host"),
    ],
)
def test_bad_options_exit_2_with_one_line(args: list[str], field: str) -> None:
    result = _run(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field} = ")
    assert "Traceback" not in result.output


def test_a_file_that_is_not_a_database_exits_2(tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("not a database, " * 100, encoding="utf-8")
    result = _run("--db", str(db))
    assert result.exit_code == 2
    assert result.output.startswith("error: --db = ") and "Traceback" not in result.output


def test_host_defaults_to_loopback_and_others_must_be_named(tmp_path: Path) -> None:
    config = serve_config(None, 8000, tmp_path / "c.sqlite3", False, None)
    assert config.host == "127.0.0.1" and config.loopback
    explicit = serve_config("0.0.0.0", 8000, tmp_path / "c.sqlite3", False, None)
    assert explicit.host == "0.0.0.0" and not explicit.loopback
    assert [is_loopback(h) for h in ("localhost", "127.0.0.2", "::1", "10.0.0.1", "example")] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_demo_without_password_makes_a_random_one_printed_once(tmp_path, capsys) -> None:
    db = tmp_path / "c.sqlite3"
    config = serve_config(None, 8000, db, True, None)
    other = serve_config(None, 8000, db, True, None)
    assert config.password_generated and config.demo_password
    assert len(config.demo_password) >= 16 and config.demo_password != other.demo_password
    prepare(config)
    out = capsys.readouterr().out
    assert out.count(config.demo_password) == 1
    for name in demo_usernames():
        assert name in out


def test_given_demo_password_is_not_printed(tmp_path, capsys) -> None:
    config = serve_config(None, 8000, tmp_path / "c.sqlite3", True, "given-password-1")
    prepare(config)
    assert "given-password-1" not in capsys.readouterr().out


def test_too_short_demo_password_is_refused(tmp_path) -> None:
    config = serve_config(None, 8000, tmp_path / "c.sqlite3", True, "short")
    with pytest.raises(InputError, match="at least 8 characters"):
        prepare(config)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_uvicorn_serves_healthz_and_the_demo_login(tmp_path: Path) -> None:
    import uvicorn

    config = serve_config(None, _free_port(), tmp_path / "c.sqlite3", True, "thread-password")
    app = prepare(config)
    server = uvicorn.Server(
        uvicorn.Config(app, host=config.host, port=config.port, log_level="error")  # type: ignore[arg-type]
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        base = f"http://{config.host}:{config.port}"
        with httpx.Client(base_url=base, trust_env=False) as http:  # no proxy for loopback
            assert http.get("/healthz").json() == {"status": "ok"}
            r = http.post("/api/session", json={"username": "clin1", "password": "thread-password"})
            assert r.status_code == 200 and r.json()["role"] == "clinician"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert not thread.is_alive()
