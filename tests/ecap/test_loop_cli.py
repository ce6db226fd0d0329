"""``neurostim ecap loop``: the JSON contract, outputs, and refusals with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from neurostim.cli.ecap_loop import register
from tests.ecap.loop_plant import EXAMPLES

app = typer.Typer()
register(app)


@app.callback()
def _group() -> None:
    """The ``ecap`` group (made here; the package's ``ecap`` app adds ``loop`` the same way)."""


runner = CliRunner()
PROGRAM = str(Path(__file__).parent / "data" / "ecap-loop-example.toml")
KEYS = [
    "mode", "target_uv", "mean_abs_deviation_uv", "time_in_window", "amplitude_min_ma",
    "amplitude_max_ma", "charge_min_uc", "charge_max_uc", "pulses", "runtime_s",
]  # fmt: skip


def invoke(*args: str):
    return runner.invoke(app, ["loop", *args])


def test_json_has_the_contract_keys() -> None:
    r = invoke(PROGRAM, "--posture", "day", "--minutes", "2", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert list(out)[: len(KEYS)] == KEYS
    assert out["mode"] == "closed" and out["pulses"] == 6000
    assert out["map"]["example"] is True


def test_open_mode_and_options(tmp_path: Path) -> None:
    trace, figure = tmp_path / "t.parquet", tmp_path / "t.png"
    r = invoke(PROGRAM, "--posture", "day", "--mode", "open", "--minutes", "1", "--seed", "3",
               "-o", str(trace), "--plot", str(figure), "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["mode"] == "open" and out["amplitude_min_ma"] == out["amplitude_max_ma"] == 6.3
    assert pq.read_table(trace).num_rows == 3000
    assert figure.stat().st_size > 0


def test_the_table_output_and_the_map_note() -> None:
    r = invoke(PROGRAM, "--posture", "day", "--controller", "control-pulses", "--gain", "0.05",
               "--minutes", "1")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "mean |ECAP - target|" in r.stdout and "closed-form example map" in r.stdout


def _schedule(tmp_path: Path, text: str) -> str:
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    return str(p)


BASE = """
[postures.supine]
dcsf_mm = 5.0
[[segments]]
posture = "supine"
duration_s = 30.0
"""


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--posture", "nowhere.toml"], "posture = 'nowhere.toml'"),
        (["--posture", "day", "--target-uv", "500"], "target_uv = 500.0"),
        (["--posture", "day", "--target-uv", "1"], "6-42.1 uV"),
        (["--posture", "day", "--gain", "5"], "gain = 5.0: must lie in (0, "),
        (["--posture", "day", "--mode", "half"], "--mode = 'half'"),
        (["--posture", "day", "--controller", "pid"], "--controller = 'pid'"),
        (["--posture", "day", "--minutes", "-1"], "minutes = -1.0"),
        (["--posture", "day", "-o", "t.csv"], "--output = 't.csv'"),
        (["--posture", "day", "--plot", "t.txt"], "--plot = 't.txt'"),
        (["--posture", "day", "--gain", "abc"], "--gain = 'abc'"),
    ],
)
def test_bad_input_is_one_line_with_exit_2(args: list[str], needle: str) -> None:
    r = invoke(PROGRAM, *args)
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert needle in lines[0], lines[0]
    assert r.stdout == ""


@pytest.mark.parametrize(
    ("schedule", "needle"),
    [
        (BASE.replace("duration_s = 30.0", "duration_s = -3"), "segments[0].duration_s = -3"),
        (BASE + '[[events]]\nkind = "cough"\nstart_s = 5\ndcsf_change_mm = -3\n',
         "events[0].dcsf_change_mm = -3.0: for a cough: in [-1, -0.5] mm"),
        (BASE.replace("dcsf_mm = 5.0", "dcsf_mm = 12.0"),
         "posture.dcsf_mm = 12.0: the ECAP map holds dCSF 3-9.5 mm"),
        (BASE.replace('posture = "supine"', 'posture = "lying"'),
         "segments[0].posture = 'lying': one of supine"),
        ("segments = [", "malformed TOML"),
    ],
)  # fmt: skip
def test_bad_schedules_are_refused_with_field_value_and_range(
    tmp_path: Path, schedule: str, needle: str
) -> None:
    r = invoke(PROGRAM, "--posture", _schedule(tmp_path, schedule))
    assert r.exit_code == 2, r.output
    assert needle in r.stderr, r.stderr


def test_an_unknown_contact_is_refused(tmp_path: Path) -> None:
    text = Path(PROGRAM).read_text().replace('"L1.E5" = 100', '"L1.E9" = 100')
    bad = tmp_path / "p.toml"
    bad.write_text(text)
    r = invoke(str(bad), "--posture", "day")
    assert r.exit_code == 2
    assert "L1.E9" in r.stderr and "E1..E8" in r.stderr


def test_the_shipped_program_runs_on_its_fiber_stage_map() -> None:
    """P-E7 (docs/reference/ecap.md §5) on the shipped map of ``ecap_growth`` (T10 cord, 504
    dorsal-column fibers, src/neurostim/ecap/data/maps/ecap-t10.csv): the same program and
    schedule in both modes; the closed loop's mean |ECAP - target| is below the open loop's,
    and its current spans a range (it moves against the posture-driven gain) while the open
    loop's stays at the programmed amplitude."""
    shipped = str(EXAMPLES / "programs" / "ecap-loop.toml")
    out = {}
    for mode in ("open", "closed"):
        r = invoke(shipped, "--posture", "day", "--mode", mode, "--minutes", "10", "--json")
        assert r.exit_code == 0, r.output
        out[mode] = json.loads(r.stdout)
        assert out[mode]["map"]["example"] is False
        assert out[mode]["map"]["growth"] == "neurostim.ecap.growth:ecap_growth"
    assert out["closed"]["mean_abs_deviation_uv"] < out["open"]["mean_abs_deviation_uv"]
    assert out["closed"]["time_in_window"] > out["open"]["time_in_window"]
    assert out["open"]["amplitude_min_ma"] == out["open"]["amplitude_max_ma"] == 6.4
    assert out["closed"]["amplitude_max_ma"] - out["closed"]["amplitude_min_ma"] > 1.0
