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
        (["--duration-s", "nan"], "duration"),
        (["--rate-hz", "nan"], "--rate-hz"),
        (["--rate-hz", "inf"], "--rate-hz"),
        (["--rate-hz", ","], "--rate-hz"),
        (["--seeds", "0"], "seeds"),
        (["--first-seed", "-1"], "first_seed"),
        (["--first-seed", "99999999999999999999"], "first_seed"),
        (["--recruitment", "nan"], "recruitment"),
        (["--nociceptive-scale", "nan"], "nociceptive_scale"),
        (["--nociceptive-scale", "-1"], "nociceptive_scale"),
        (["--nociceptive-scale", "1e300"], "nociceptive_scale"),
        (["--intraburst-rate-hz", "nan"], "intraburst_rate_hz"),
        (["--pulses-per-burst", "0"], "pulses_per_burst"),
        (["--async-rate-hz", "nan"], "async_rate_hz"),
        (["--plot", "x.xyz"], "--plot"),
        (["--plot", "x"], "--plot"),
        (["--memory-budget-mb", "-5"], "--memory-budget-mb"),
        (["--rate-hz", "20000", "--duration-s", "600", "--seeds", "1"], "MiB"),
    ],
)
def test_malformed_options_exit_2_one_line(extra: list[str], needle: str) -> None:
    result = CliRunner().invoke(app, ["circuit", "sweep", *extra])
    assert result.exit_code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0]
    assert "Traceback" not in result.output
    assert result.stdout == ""  # refused before any simulation (no progress bar)


def test_outputs_checked_before_the_run(tmp_path: Path) -> None:
    for extra, needle in (
        (["-o", str(tmp_path)], "directory"),
        (["-o", str(tmp_path / "missing" / "o.csv")], "does not exist"),
        (["--plot", str(tmp_path / "x.xyz")], ".png"),
    ):
        result = CliRunner().invoke(app, ["circuit", "sweep", "--seeds", "1", *extra])
        assert result.exit_code == 2 and result.stdout == "", result.output
        assert needle in result.stderr


def test_memory_estimate_names_rate_estimate_and_budget() -> None:
    from neurostim.circuit.sweep import SweepSpec, sweep_memory_bytes

    spec = SweepSpec(rates_hz=(0.0, 1000.0), n_seeds=2, duration_s=7.0)
    # independent: 30 Abeta fibres x 1000 Hz x 6 s evoked + 75 fibres x 10 Hz x 7 s ongoing,
    # 256 bytes each, + 1000 Hz x 6 s pulses x 16 bytes, for min(8, 3 x 2) = 6 conditions
    expected = 6 * (256 * (30 * 1000 * 6 + 75 * 10 * 7) + 16 * 1000 * 6)
    assert sweep_memory_bytes(spec) == expected
    result = CliRunner().invoke(
        app, ["circuit", "sweep", "--rate-hz", "1000", "--memory-budget-mb", "1", "--seeds", "1"]
    )
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "--rate-hz = '1000'" in line and "MiB" in line and "budget of 1 MiB" in line
