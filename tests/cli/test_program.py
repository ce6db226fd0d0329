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


BURST = """
name = "NAME"
stimulator = "burst-primary-16"
leads = ["percutaneous-8"]
[[trains]]
waveform = "burst"
amplitude_ma = AMP
pulse_width_us = 1000
rate_hz = 40
pulses_per_burst = 5
intraburst_rate_hz = 500
recharge = "passive"
contacts = { "L1.E3" = -50, "L1.E4" = -50, "L1.E5" = 100 }
"""


@pytest.mark.parametrize(
    ("amp", "field"),
    [
        ("nan", "trains[0].amplitude_ma"),
        ("inf", "trains[0].amplitude_ma"),
        ("-1.0", "trains[0].amplitude_ma"),
    ],
)
def test_malformed_number_exits_2_from_check_and_plot(tmp_path: Path, amp: str, field: str) -> None:
    path = write(tmp_path, program_text(amp=amp))
    for args in (["check", str(path)], ["check", str(path), "--json"],
                 ["plot", str(path), "-o", str(tmp_path / "p.png")]):  # fmt: skip
        result = runner.invoke(app, ["program", *args])
        assert result.exit_code == 2, (args, result.output)
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and field in lines[0]
    assert not (tmp_path / "p.png").exists()


def test_huge_pulse_is_refused_not_ok(tmp_path: Path) -> None:
    text = program_text().replace("pulse_width_us = 300", "pulse_width_us = 1000000000")
    result = runner.invoke(app, ["program", "check", str(write(tmp_path, text)), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert [(e["field"], e["kind"]) for e in data["errors"]] == [
        ("trains[0].pulse_width_us", "limit")
    ]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--density-limit", "nan"),
        ("--density-limit", "-1"),
        ("--density-limit", "0"),
        ("--density-limit", "inf"),
        ("--k-limit", "nan"),
        ("--k-limit", "-inf"),
        ("--k-limit", "100"),
    ],
)
def test_warning_limits_are_checked(tmp_path: Path, option: str, value: str) -> None:
    path = write(tmp_path, program_text())
    result = runner.invoke(app, ["program", "check", str(path), option, value])
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert line.startswith("error: ") and "limit" in line and "\n" not in line


@pytest.mark.parametrize("name", ["[battery] $x$", "[/bold] [red]", "$\\frac{1}{$", "déjà ü 電"])
def test_markup_in_names_prints_as_typed(tmp_path: Path, name: str) -> None:
    text = BURST.replace("NAME", name.replace("\\", "\\\\")).replace("AMP", "0.6")
    folder = tmp_path / "[red]x"
    folder.mkdir()
    path = write(folder, text)
    result = runner.invoke(app, ["program", "check", str(path)])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    assert name in flat and "[red]x" in flat
    png = folder / "[b]p.png"
    plot = runner.invoke(app, ["program", "plot", str(path), "-o", str(png)])
    assert plot.exit_code == 0, plot.output
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("suffix", [".xyz", "", ".PNG.exe"])
def test_plot_refuses_unsupported_extension_before_work(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"x{suffix}"
    result = runner.invoke(app, ["program", "plot", str(write(tmp_path, program_text())),
                                 "-o", str(out)])  # fmt: skip
    assert result.exit_code == 2
    assert "--output" in result.stderr and ".png" in result.stderr
    assert not out.exists()
    directory = runner.invoke(app, ["program", "plot", str(tmp_path / "p.toml"),
                                    "-o", str(tmp_path)])  # fmt: skip
    assert directory.exit_code == 2 and "directory" in directory.stderr


def test_burst_charge_in_json_and_table(tmp_path: Path) -> None:
    path = write(tmp_path, BURST.replace("NAME", "b").replace("AMP", "0.8"))
    result = runner.invoke(app, ["program", "check", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    by_id = {c["id"]: c for c in data["contacts"]}
    for cid, share in (("L1.E3", 0.5), ("L1.E4", 0.5), ("L1.E5", 1.0)):
        # pulses_per_burst x amplitude (mA) x pulse width (ms) x share
        assert by_id[cid]["burst_charge_uc"] == pytest.approx(5 * 0.8 * 1.0 * share, rel=1e-12)
    # 4.0 uC on L1.E5 exceeds 30 uC/cm^2 x 0.1225 cm^2 = 3.675 uC; 2.0 uC on the others does not
    burst = [w for w in data["warnings"] if w["code"] == "burst-charge"]
    assert [w["contact"] for w in burst] == ["L1.E5"]
    tables = runner.invoke(app, ["program", "check", str(path)])
    assert tables.exit_code == 0
    assert "burst-charge" in tables.stdout and "4.000 uC" in " ".join(tables.stdout.split())


@pytest.mark.parametrize(
    "content", [b"", b"\x00\x01\xff\xfe binary", "stimulator = 'ü'".encode("utf-16")]
)
def test_empty_or_binary_program_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes(content)
    for cmd in ("check", "plot"):
        result = runner.invoke(app, ["program", cmd, str(path), "-o", str(tmp_path / "o.png")]
                               if cmd == "plot" else ["program", cmd, str(path)])  # fmt: skip
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert len(result.stderr.strip().splitlines()) == 1
    directory = runner.invoke(app, ["program", "check", str(tmp_path)])
    assert directory.exit_code == 2 and "program" in directory.stderr
