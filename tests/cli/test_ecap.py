"""``neurostim ecap``: refusals before any work (exit 2, one line, no traceback); the full
command on the finite-element cord is slow."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from neurostim.cli import app

runner = CliRunner()
PROGRAM = "examples/programs/ecap.toml"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["growth", PROGRAM, "--record", "E9"], "record"),
        (["growth", PROGRAM, "--record", "E2"], "do not stimulate"),
        (["growth", PROGRAM, "--amplitudes-ma", "1,x"], "amplitudes_ma"),
        (["growth", PROGRAM, "--amplitudes-ma", "1,40"], "stimulator's range"),
        (["growth", PROGRAM, "--level", "T99"], "level"),
        (["growth", PROGRAM, "--dcsf-mm", "-1"], "dcsf_mm"),
        (["growth", PROGRAM, "--seed", "-2"], "seed"),
        (["growth", PROGRAM, "--plot", "out.txt"], "plot"),
        (["frequency", PROGRAM, "--rates-hz", "50,0"], "rates_hz"),
        (["frequency", PROGRAM, "--rates-hz", "50,5000"], "rates_hz"),
        (["growth", "missing.toml"], "missing.toml"),
    ],
)
def test_refusals(args: list[str], needle: str, monkeypatch) -> None:
    from tests.conftest import REPO_ROOT

    monkeypatch.chdir(REPO_ROOT)
    result = runner.invoke(app, ["ecap", *args])
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert needle in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_growth_json_on_the_cord(monkeypatch, tmp_path) -> None:
    from tests.conftest import REPO_ROOT

    monkeypatch.chdir(REPO_ROOT)
    out = tmp_path / "growth.csv"
    plot = tmp_path / "growth.png"
    result = runner.invoke(
        app, ["ecap", "growth", PROGRAM, "--json", "-o", str(out), "--plot", str(plot)]
    )
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)
    assert len(d["growth"]) == 20 and d["growth"][0]["recruited"] == 0
    assert out.read_text().startswith("amplitude_ma,ecap_uv")
    assert plot.stat().st_size > 0
