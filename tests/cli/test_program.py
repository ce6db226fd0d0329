"""``neurostim program check`` and ``plot``: exit codes, tables, JSON, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neurostim.cli import app

runner = CliRunner()

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "programs").glob("*.toml"))

GOOD = """
stimulator = "generic-rechargeable-16"
leads = ["percutaneous-8"]
[[trains]]
waveform = "tonic"
amplitude_ma = AMP
pulse_width_us = 300
rate_hz = 50
contacts = CONTACTS
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(text)
    return path


def program_text(amp: str = "5.0", contacts: str = '{ "L1.E4" = -100, "L1.E5" = 100 }') -> str:
    return GOOD.replace("AMP", amp).replace("CONTACTS", contacts)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_checks_as_json(path: Path) -> None:
    result = runner.invoke(app, ["program", "check", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["valid"] is True and data["errors"] == []
    for key in ("warnings", "contacts", "battery"):
        assert key in data
    for c in data["contacts"]:
        assert set(c) >= {
            "id",
            "share_percent",
            "charge_per_phase_uc",
            "charge_density_uc_per_cm2",
            "shannon_k",
        }
    battery = data["battery"]
    assert battery["average_current_ua"] > 0
    assert (battery["longevity_years"] is None) != (battery["recharge_minutes_per_day"] is None)
    for w in data["warnings"]:
        assert set(w) == {"code", "contact", "message"}
    if path.stem == "unsafe-but-valid":
        codes = {w["code"] for w in data["warnings"]}
        assert {"charge-density", "shannon-k", "compliance-patient-max"} <= codes
    elif path.stem == "burst":
        # at the patient maximum 1.5 mA each contact (50 % share) collects 5 x 0.75 mA x 1 ms
        # = 3.75 uC before the passive recharge, above 30 uC/cm^2 x 0.1225 cm^2 = 3.675 uC
        assert {w["code"] for w in data["warnings"]} == {"burst-charge-patient-max"}
        assert len(data["warnings"]) == 4
    else:
        assert data["warnings"] == [], data["warnings"]


def test_check_tables(tmp_path: Path) -> None:
    result = runner.invoke(app, ["program", "check", str(write(tmp_path, program_text()))])
    assert result.exit_code == 0, result.output
    for text in ("valid", "Safety per contact", "Battery", "12.2", "no warnings"):
        assert text in result.output


def test_invalid_program_exits_1_with_every_error(tmp_path: Path) -> None:
    path = write(tmp_path, program_text(amp="30.05", contacts='{ "L1.E4" = -100 }'))
    result = runner.invoke(app, ["program", "check", str(path), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    fields = [e["field"] for e in data["errors"]]
    assert "trains[0].amplitude_ma" in fields and "trains[0].contacts" in fields
    amp = next(e["message"] for e in data["errors"] if e["field"] == "trains[0].amplitude_ma")
    assert "30.05" in amp and "0-25.5 mA" in amp
    assert data["battery"]["average_current_ua"] is None and data["contacts"] == []
    tables = runner.invoke(app, ["program", "check", str(path)])
    assert tables.exit_code == 1 and "Validation errors" in tables.output


def test_configurable_limits(tmp_path: Path) -> None:
    path = write(tmp_path, program_text())
    result = runner.invoke(app, ["program", "check", str(path), "--json", "--density-limit", "10"])
    assert result.exit_code == 0
    assert [w["code"] for w in json.loads(result.stdout)["warnings"]] == [
        "charge-density",
        "charge-density",
    ]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("stimulator = ", "malformed TOML"),
        (program_text().replace("generic-rechargeable-16", "nope"), "unknown stimulator"),
        (program_text().replace("percutaneous-8", "nope"), "unknown lead"),
        (program_text(contacts='{ "L2.E4" = -100, "L1.E5" = 100 }'), "L2.E4"),
        (program_text(amp='"five"'), "amplitude_ma"),
        (program_text().replace("[[trains]]", "trains = 3\n[[x]]"), "trains"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, text: str, needle: str) -> None:
    result = runner.invoke(app, ["program", "check", str(write(tmp_path, text)), "--json"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], lines


def test_missing_file_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["program", "check", str(tmp_path / "absent.toml")])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_plot_writes_png(tmp_path: Path, examples_dir: Path) -> None:
    out = tmp_path / "sub" / "burst.png"
    program = examples_dir / "programs" / "burst.toml"
    result = runner.invoke(app, ["program", "plot", str(program), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = runner.invoke(app, ["program", "plot", str(program), "-o", str(out), "--cycles", "0"])
    assert bad.exit_code == 2
    invalid = write(tmp_path, program_text(amp="99"))
    result = runner.invoke(app, ["program", "plot", str(invalid), "-o", str(out)])
    # well formed, refused by the stimulator: exit 1, as from program check
    assert result.exit_code == 1 and "amplitude_ma" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
