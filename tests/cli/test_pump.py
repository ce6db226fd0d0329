"""``neurostim pump check`` and ``simulate``: exit codes, JSON keys, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from neurostim.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "pumps"


def run(*args: str):
    return runner.invoke(app, ["pump", *args])


def test_check_json_keys_and_p2_refill_date() -> None:
    result = run("check", str(EXAMPLES / "morphine-prometra-ptc.toml"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in (
        "valid",
        "errors",
        "warnings",
        "daily_volume_ml",
        "worst_case_daily_volume_ml",
        "max_daily_dose",
        "days_to_low_reservoir_alarm",
        "refill_date",
    ):
        assert key in data
    assert data["valid"] is True and data["reservoir_refill_date"] == "2025-04-17"  # worked case P2
    # morphine's 90-day stability (R30) comes first: 2025-01-01 + 90 days
    assert data["refill_date"] == "2025-04-01" and data["refill_reason"] == "stability"
    assert all({"code", "message"} <= set(w) for w in data["warnings"])


def test_start_date_option_moves_the_refill_date() -> None:
    # P2: 106 whole days after the fill date (reservoir); stability 90 days (2025-02-01 + 90 d)
    result = run(
        "check",
        str(EXAMPLES / "morphine-prometra-ptc.toml"),
        "--json",
        "--start-date",
        "2025-02-01",
    )
    data = json.loads(result.stdout)
    assert data["reservoir_refill_date"] == "2025-05-18"
    assert data["refill_date"] == "2025-05-02"
    bad = run("check", str(EXAMPLES / "morphine-prometra-ptc.toml"), "--start-date", "soon")
    assert bad.exit_code == 2 and "--start-date" in bad.stderr


def test_refused_program_exits_1_with_errors() -> None:
    result = run("check", str(EXAMPLES / "refused-ziconotide.toml"), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    fields = {e["field"] for e in data["errors"]}
    assert {"patient_bolus.lockout_h", "patient_bolus.max_per_24h"} <= fields
    table = run("check", str(EXAMPLES / "refused-ziconotide.toml"))
    assert table.exit_code == 1 and "REFUSED" in table.stdout and "DOSE_ABOVE_MAX" in table.stdout


def test_previous_program_titration(tmp_path) -> None:
    ok = run(
        "check",
        str(EXAMPLES / "morphine-titrated.toml"),
        "--previous",
        str(EXAMPLES / "morphine-continuous.toml"),
    )
    assert ok.exit_code == 0 and "VALID" in ok.stdout
    too_fast = tmp_path / "fast.toml"
    text = (
        (EXAMPLES / "morphine-titrated.toml")
        .read_text()
        .replace("dose_per_day = 2.4", "dose_per_day = 4.0")
    )
    too_fast.write_text(text)
    result = run(
        "check", str(too_fast), "--previous", str(EXAMPLES / "morphine-continuous.toml"), "--json"
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["errors"][0]["field"] == "dose_per_day"


REST = 'fill_ml = 20.0\nmode = "stopped"\n'


def test_malformed_inputs_exit_2_one_line(tmp_path) -> None:
    cases = {
        "syntax.toml": "pump = \n",
        "unknown_pump.toml": 'pump = "x"\ndrug = "morphine"\nconcentration = 1.0\n' + REST,
        "wrong_type.toml": 'pump = "prometra-20"\ndrug = "morphine"\nconcentration = "a lot"\n'
        + REST,
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        result = run("check", str(path))
        assert result.exit_code == 2, name
        assert result.stderr.startswith("error:") and len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.output
    missing = run("check", str(tmp_path / "nope.toml"))
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def test_simulate_writes_csv_and_png(tmp_path) -> None:
    csv, png = tmp_path / "out.csv", tmp_path / "out.png"
    result = run(
        "simulate",
        str(EXAMPLES / "morphine-prometra-ptc.toml"),
        "--days",
        "100",
        "-o",
        str(csv),
        "--plot",
        str(png),
        "--bolus-requests-per-day",
        "3",
        "--dt-h",
        "1",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["events"]["REFILL"] == 1  # refilled at day 90 (morphine stability), not 106
    assert data["bolus_decisions"]["granted"] > 0
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    assert len(csv.read_text().splitlines()) == 1 + 100 * 24
    mri = run(
        "simulate",
        str(EXAMPLES / "morphine-prometra-ptc.toml"),
        "--days",
        "3",
        "--mri-at-day",
        "1",
        "--json",
    )
    assert json.loads(mri.stdout)["events"]["MRI_RESERVOIR_DUMP"] == 1
    table = run("simulate", str(EXAMPLES / "hydromorphone-flex.toml"), "--days", "3")
    assert table.exit_code == 0 and "not parameterised" in table.stdout


def test_simulate_refuses_invalid_unless_asked(tmp_path) -> None:
    refused = run("simulate", str(EXAMPLES / "refused-ziconotide.toml"), "--days", "2")
    assert refused.exit_code == 1 and "--allow-invalid" in refused.stderr
    allowed = run(
        "simulate", str(EXAMPLES / "refused-ziconotide.toml"), "--days", "2", "--allow-invalid"
    )
    assert allowed.exit_code == 0
    fault = run(
        "simulate",
        str(EXAMPLES / "baclofen-spinal.toml"),
        "--days",
        "4",
        "--json",
        "--catheter-fault",
        "disconnection",
        "--catheter-fault-day",
        "1",
    )
    assert json.loads(fault.stdout)["events"]["CATHETER_DISCONNECTION"] == 1
    occlusion = run(
        "simulate",
        str(EXAMPLES / "baclofen-spinal.toml"),
        "--days",
        "2",
        "--catheter-fault",
        "occlusion",
    )
    assert occlusion.exit_code == 0
    typo = run("simulate", str(EXAMPLES / "baclofen-spinal.toml"), "--catheter-fault", "kink")
    assert typo.exit_code == 2 and "--catheter-fault" in typo.stderr
    bad_days = run("simulate", str(EXAMPLES / "ziconotide-start.toml"), "--days", "0")
    assert bad_days.exit_code == 2


def test_simulate_with_program_changes(tmp_path) -> None:
    continuous = str(EXAMPLES / "morphine-continuous.toml")
    titrated = str(EXAMPLES / "morphine-titrated.toml")
    png = tmp_path / "titration.png"
    result = run(
        "simulate",
        continuous,
        "--days",
        "20",
        "--change",
        f"7:{titrated}",
        "--json",
        "--plot",
        str(png),
    )
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert json.loads(result.stdout)["events"]["PROGRAM_CHANGE"] == 1
    table = run(
        "simulate",
        continuous,
        "--days",
        "3",
        "--change",
        f"1:{titrated}",
        "--bolus-requests-per-day",
        "4",
    )
    assert table.exit_code == 0 and "PROGRAM_CHANGE" in table.stdout
    for bad in ("seven:" + titrated, "7", f"7:{EXAMPLES / 'refused-ziconotide.toml'}"):
        out = run("simulate", continuous, "--days", "20", "--change", bad)
        assert out.exit_code == 2 and "--change" in out.stderr, bad
