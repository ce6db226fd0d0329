"""``neurostim pump check`` and ``simulate``: exit codes, JSON keys, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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
    for bad in ("seven:" + titrated, "7"):
        out = run("simulate", continuous, "--days", "20", "--change", bad)
        assert out.exit_code == 2 and "--change" in out.stderr, bad
    # a well-formed program that breaks a limit exits 1, as `pump check` does
    refused = run(
        "simulate",
        continuous,
        "--days",
        "20",
        "--change",
        f"7:{EXAMPLES / 'refused-ziconotide.toml'}",
    )
    assert refused.exit_code == 1 and "--change" in refused.stderr


ZICO = str(EXAMPLES / "ziconotide-start.toml")

HOSTILE_OPTIONS = [
    (["check", ZICO, "--start-date", "9999-12-31"], "--start-date", "1900-01-01 to 2199-12-31"),
    (["simulate", ZICO, "--start-date", "9999-12-31"], "--start-date", "2199-12-31"),
    (["simulate", ZICO, "--accuracy", "-1"], "--accuracy", "[0.5, 1.5]"),
    (["simulate", ZICO, "--accuracy", "nan"], "--accuracy", "[0.5, 1.5]"),
    (["simulate", ZICO, "--bolus-requests-per-day", "-1"], "--bolus-requests-per-day", "[0, 100]"),
    (["simulate", ZICO, "--bolus-requests-per-day", "nan"], "--bolus-requests-per-day", "[0, 100]"),
    (["simulate", ZICO, "--days", "2", "--mri-at-day", "nan"], "--mri-at-day", "[0, 2)"),
    (["simulate", ZICO, "--days", "2", "--mri-at-day", "5"], "--mri-at-day", "[0, 2)"),
    (["simulate", ZICO, "--days", "-3"], "--days", "(0, 3650]"),
    (["simulate", ZICO, "--days", "1e9"], "--days", "(0, 3650]"),
    (["simulate", ZICO, "--dt-h", "0"], "--dt-h", "(0, 1]"),
    (["simulate", ZICO, "--dt-h", "nan"], "--dt-h", "(0, 1]"),
    (["simulate", ZICO, "--dt-h", "1e9"], "--dt-h", "(0, 1]"),
    (["simulate", ZICO, "--days", "3650", "--dt-h", "1e-9"], "--dt-h", "400,000 steps"),
    (["simulate", ZICO, "--seed", "-1"], "--seed", "[0, "),
    (["simulate", ZICO, "--refill-concentration", "inf"], "--refill-concentration", "[1e-06"),
    (["simulate", ZICO, "--catheter-fault-day", "-5"], "--catheter-fault-day", "[0, 180)"),
    (["simulate", ZICO, "--catheter-port-error-at-refill", "-3"], "--catheter-port", ">= 0"),
    (["simulate", ZICO, "--days", "2", "--change", f"inf:{ZICO}"], "--change", "(0, 2)"),
    (["simulate", ZICO, "--plot", "figure.xyz"], "--plot", ".png, .svg, .pdf"),
    (["simulate", ZICO, "-o", "no/such/folder/x.csv"], "--output", "does not exist"),
    (["check", ZICO, "--previous", "missing.toml"], "missing.toml", ""),
]


@pytest.mark.parametrize(("args", "field", "allowed"), HOSTILE_OPTIONS)
def test_hostile_options_exit_2_naming_the_option(
    args: list[str], field: str, allowed: str
) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error:") and len(result.stderr.strip().splitlines()) == 1
    assert field in result.stderr and allowed in result.stderr
    assert "Traceback" not in result.output


PROGRAM = (
    'pump = "synchromed-ii-40"\ndrug = "morphine"\nconcentration = 10.0\nfill_ml = 20.0\n'
    'mode = "simple-continuous"\ndose_per_day = 2.0\n'
)

HOSTILE_FILES = [
    ("fill_date = 9999-12-31\n", "fill_date", "1900-01-01 to 2199-12-31"),
    ("implant_date = 0001-01-01\n", "implant_date", "1900-01-01 to 2199-12-31"),
    ("programmed_at = 9999-12-31T00:00:00\n", "programmed_at", "2199-12-31"),
    (
        "[patient_bolus]\ndose = 0.1\nduration_min = 1e-300\nlockout_h = 2\nmax_per_24h = 4\n",
        "patient_bolus.duration_min",
        "[0.001, 10080]",
    ),
    (
        "[patient_bolus]\ndose = nan\nduration_min = 10\nlockout_h = 2\nmax_per_24h = 4\n",
        "patient_bolus.dose",
        "(0, 1e+06]",
    ),
    (
        "[patient_bolus]\ndose = 0.1\nduration_min = 10\nlockout_h = 2\nmax_per_24h = 9999999\n",
        "patient_bolus.max_per_24h",
        "[1, 1440]",
    ),
]


@pytest.mark.parametrize(("extra", "field", "allowed"), HOSTILE_FILES)
def test_hostile_program_fields_exit_2(tmp_path, extra: str, field: str, allowed: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(PROGRAM + extra)
    for command in ("check", "simulate"):
        result = run(command, str(path))
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error:") and len(result.stderr.strip().splitlines()) == 1
        assert field in result.stderr and allowed in result.stderr


def test_non_finite_and_binary_files_exit_2(tmp_path) -> None:
    for text, field in (
        (PROGRAM.replace("concentration = 10.0", "concentration = inf"), "concentration"),
        (PROGRAM.replace("dose_per_day = 2.0", "dose_per_day = nan"), "dose_per_day"),
        (PROGRAM.replace("dose_per_day = 2.0", "dose_per_day = 1e308"), "dose_per_day"),
    ):
        path = tmp_path / "p.toml"
        path.write_text(text)
        result = run("check", str(path))
        assert result.exit_code == 2 and field in result.stderr and "allowed range" in result.stderr
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\x00\x01\xff\xfe pump = 3")
    for args in (["check", str(binary)], ["simulate", ZICO, "--drug-library", str(binary)]):
        result = run(*args)
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert str(binary) in result.stderr


def test_markup_in_names_is_printed_as_typed(tmp_path) -> None:
    library = tmp_path / "lib.toml"
    library.write_text(
        '[drugs."[/x]"]\nname = "$x$ [bold]"\nunit = "mg"\nopioid = true\n'
        'start_dose_per_day = [0.1, 1.0]\nwithdrawal_risk = "none"\ntaper_on_stop = false\n'
        'source = "[/battery] $a$"\nconfidence = "low"\n[drugs."[/x]".titration.pain]\n'
        'source = "x"\n'
    )
    program = tmp_path / "[battery] $x$.toml"
    program.write_text(PROGRAM.replace('drug = "morphine"', 'drug = "[/x]"'))
    check = run("check", str(program), "--drug-library", str(library))
    assert check.exit_code == 0, check.output
    assert "[/x]" in check.stdout and "[battery] $x$.toml" in check.stdout
    png = tmp_path / "[battery] $x$.png"
    sim = run(
        "simulate", str(program), "--drug-library", str(library), "--days", "2", "--plot", str(png)
    )
    assert sim.exit_code == 0, sim.output
    assert png.read_bytes()[:4] == b"\x89PNG" and "[battery]" in sim.stdout


def test_simulate_json_has_the_planned_refills() -> None:
    result = run("simulate", ZICO, "--days", "120", "--dt-h", "1", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # first fill 2025-02-03: refill after 14 days (first-fill stability), then 84 (undiluted)
    assert data["refill_date"] == "2025-02-17" and data["refill_reason"] == "stability"
    assert [(r["day"], r["date"], r["reason"]) for r in data["refills"]] == [
        (14.0, "2025-02-17", "stability"),
        (98.0, "2025-05-12", "stability"),
    ]
    assert data["pk_confidence"] == "medium"


def test_refill_concentration_above_the_drug_maximum_exits_1() -> None:
    # ziconotide's maximum concentration is 100 ug/mL (R2, R5)
    result = run("simulate", ZICO, "--days", "20", "--refill-concentration", "150")
    assert result.exit_code == 1 and "--refill-concentration" in result.stderr
    allowed = run(
        "simulate", ZICO, "--days", "20", "--refill-concentration", "150", "--allow-invalid"
    )
    assert allowed.exit_code == 0, allowed.output


def test_notes_for_hazard_accuracy_and_an_unreached_port_error() -> None:
    result = run(
        "simulate", ZICO, "--days", "5", "--accuracy", "0.8", "--catheter-port-error-at-refill", "3"
    )
    assert result.exit_code == 0, result.output
    assert "published flow accuracy" in result.stderr and "not reached" in result.stderr


def test_numbers_and_booleans_are_not_coerced(tmp_path) -> None:
    for extra, field in (
        ("fill_date = 0.0\n", "fill_date"),
        ("programmed_at = -1.0\n", "programmed_at"),
        ("first_fill = 0.0\n", "first_fill"),
    ):
        path = tmp_path / "p.toml"
        path.write_text(PROGRAM + extra)
        result = run("check", str(path))
        assert result.exit_code == 2 and field in result.stderr, result.output
    path = tmp_path / "p.toml"
    path.write_text(PROGRAM.replace("concentration = 10.0", "concentration = true"))
    result = run("check", str(path))
    assert result.exit_code == 2 and "concentration" in result.stderr
