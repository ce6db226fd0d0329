"""Usage errors (a word where a number belongs, an unknown option, a missing argument) are one
``error:`` line with exit code 2, like every other malformed input, for every command."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from neurostim.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["pump", "simulate", "examples/pumps/morphine-continuous.toml", "--days", "abc"],
            "--days",
        ),
        (["fiber", "cv", "--diameter-um", "ten"], "--diameter-um"),
        (["circuit", "sweep", "--seeds", "x"], "--seeds"),
        (["run", "examples/programs/tonic.toml", "--duration-s", "soon"], "--duration-s"),
        (["program", "check"], "file"),
        (["run"], "file"),
        (["--bogus"], "--bogus"),
        (["devices", "list", "--color"], "--color"),
        (["nosuchcommand"], "nosuchcommand"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(args, needle) -> None:
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    assert needle in lines[0]
    assert "Traceback" not in r.output


def test_no_arguments_still_shows_the_help() -> None:
    r = runner.invoke(app, [])
    assert "Usage" in r.output and "run" in r.output


def test_python_dash_m_runs_the_command() -> None:
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "neurostim", "--version"], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0 and r.stdout.startswith("neurostim ")
