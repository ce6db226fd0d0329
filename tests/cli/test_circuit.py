"""``neurostim circuit sweep``: columns, JSON, plot, and clean errors (exit 2, one line)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neurostim.cli import app

REQUIRED = {
    "paradigm",
    "rate_hz",
    "seed",
    "block",
    "realization",
    "wdr_hz",
    "ex_hz",
    "in_hz",
    "inhibition_pct",
}


def test_sweep_writes_csv_plot_and_json(tmp_path: Path) -> None:
    out, png = tmp_path / "out.csv", tmp_path / "out.png"
    args = [
        "circuit",
        "sweep",
        "--rate-hz",
        "0,20",
        "--seeds",
        "1",
        "--duration-s",
        "2.5",
        "-o",
        str(out),
        "--plot",
        str(png),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert set(rows[0]) >= REQUIRED
    assert [r["rate_hz"] for r in rows] == ["0.0", "20.0"]
    assert rows[0]["realization"] == "foreman" and rows[0]["block"] == "none"
    assert float(rows[0]["inhibition_pct"]) == 0.0  # the control against itself
    assert png.stat().st_size > 10_000
    js = CliRunner().invoke(app, [*args[:8], "--json"])
    assert js.exit_code == 0, js.output
    data = json.loads(js.stdout)
    assert set(data["rows"][0]) >= REQUIRED


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--rate-hz", "ten"], "--rate-hz"),
        (["--rate-hz", "-5"], "--rate-hz"),
        (["--block", "strychnine"], "block"),
        (["--paradigm", "sine"], "paradigm"),
        (["--recruitment", "1.5"], "recruitment"),
        (["--paradigm", "burst", "--rate-hz", "400"], "pulses_per_burst"),
        (["--khz-regime", "maybe", "--paradigm", "khz", "--rate-hz", "10000"], "khz_regime"),
        (["--duration-s", "1"], "duration"),
    ],
)
def test_malformed_options_exit_2_one_line(extra: list[str], needle: str) -> None:
    result = CliRunner().invoke(app, ["circuit", "sweep", *extra])
    assert result.exit_code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0]
    assert "Traceback" not in result.output
