"""``neurostim run``: one program end to end from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from neurostim.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "programs"


def _one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines() if result.stderr else result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_run_writes_json_and_plot(tmp_path: Path) -> None:
    out, png = tmp_path / "run.json", tmp_path / "run.png"
    r = runner.invoke(
        app,
        ["run", str(EXAMPLES / "tonic.toml"), "--duration-s", "1.5", "--stim-start-s", "0.5",
         "-o", str(out), "--plot", str(png)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Dorsal-horn WDR output" in r.output
    data = json.loads(out.read_text())
    for key in ("program", "amplitude_ma", "conductor", "fibers", "curve", "afferents", "circuit"):
        assert key in data
    assert data["conductor"]["conductor"] == "homogeneous"
    assert len(data["fibers"]) == 36 and len(data["afferents"]["fiber_index"]) == 30
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert not list(tmp_path.glob(".*partial*"))


def test_run_json_without_circuit() -> None:
    r = runner.invoke(
        app,
        ["run", str(EXAMPLES / "tonic.toml"), "--no-circuit", "--json", "--sigma", "0.1,0.1,0.6"],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["circuit"] is None
    assert data["conductor"]["sigma_xyz_s_per_m"] == [0.1, 0.1, 0.6]


def test_program_breaking_a_device_limit_exits_1(tmp_path: Path) -> None:
    text = (
        (EXAMPLES / "tonic.toml").read_text().replace("amplitude_ma = 5.0", "amplitude_ma = 30.0")
    )
    (tmp_path / "p.toml").write_text(text)
    r = runner.invoke(app, ["run", str(tmp_path / "p.toml"), "--no-circuit"])
    assert r.exit_code == 1
    assert "amplitude_ma" in _one_error_line(r)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--sigma", "nan"], "sigma"),
        (["--sigma", "-0.2"], "sigma"),
        (["--sigma", "0.1,0.2"], "sigma"),
        (["--sigma", "abc"], "sigma"),
        (["--seeds", "x"], "seeds"),
        (["--seeds", ""], "seeds"),
        (["--duration-s", "inf"], "duration_s"),
        (["--duration-s", "1e9"], "duration_s"),
        (["--stim-start-s", "5"], "stim_start_s"),
        (["--khz-regime", "fast"], "khz_regime"),
        (["--tolerance-rel", "0"], "tolerance_rel"),
        (["--train-index", "3"], "train_index"),
        (["--plot", "x.xyz"], "plot"),
        (["-o", "x.csv"], "output"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(args, field, tmp_path: Path) -> None:
    r = runner.invoke(app, ["run", str(EXAMPLES / "tonic.toml"), *args], catch_exceptions=False)
    assert r.exit_code == 2, r.output
    assert field in _one_error_line(r)
    assert not list(tmp_path.iterdir())


def test_unreadable_program_exits_2(tmp_path: Path) -> None:
    (tmp_path / "bin.toml").write_bytes(b"\x00\xff\xfe garbage")
    for path in (tmp_path / "bin.toml", tmp_path / "missing.toml", tmp_path):
        r = runner.invoke(app, ["run", str(path)])
        assert r.exit_code == 2, r.output
        _one_error_line(r)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sigma=st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=8)),
    duration=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just(-1.0)),
    seeds=st.text(max_size=6),
)
def test_fuzz_options_never_traceback(sigma: str, duration: float, seeds: str) -> None:
    # at least one of the options is out of range or malformed in nearly every draw, so the run
    # stops at validation; any draw that is valid must run to exit 0
    r = runner.invoke(
        app,
        ["run", str(EXAMPLES / "tonic.toml"), "--sigma", sigma, "--duration-s", repr(duration),
         "--seeds", seeds, "--tolerance-rel", "0.2", "--json"],
    )  # fmt: skip
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert r.exit_code in (0, 2), r.output
    if r.exit_code == 2:
        line = _one_error_line(r)
        assert any(f in line for f in ("sigma", "duration_s", "seeds", "settle_s", "stim_start_s"))


def test_population_options_build_the_grid() -> None:
    r = runner.invoke(
        app,
        ["run", str(EXAMPLES / "tonic.toml"), "--no-circuit", "--json", "--diameters-um", "10",
         "--class-fractions", "1", "--depths-mm", "1.5", "--x-mm", "0,2"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    fibers = json.loads(r.stdout)["fibers"]
    assert [(f["diameter_um"], f["x_mm"], f["y_mm"]) for f in fibers] == [
        (10.0, 0.0, 1.5),
        (10.0, 2.0, 1.5),
    ]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--diameters-um", "9", "--class-fractions", "1"], "diameter_um"),
        (["--class-fractions", "0.5,0.5"], "class_fractions"),
        (["--depths-mm", "2,nan"], "depths_mm"),
        (["--x-mm", "inf"], "x_mm"),
        (["--depths-mm", ",".join(["1"] * 2000)], "x_mm"),
    ],
)
def test_bad_population_options_exit_2(args, field) -> None:
    r = runner.invoke(app, ["run", str(EXAMPLES / "tonic.toml"), "--no-circuit", *args])
    assert r.exit_code == 2, r.output
    assert field in _one_error_line(r)


def test_undefined_rates_are_null_in_json() -> None:
    # 10 kHz: the 1-6 ms lock windows cover the whole time, r_noci is undefined (null), never NaN
    r = runner.invoke(
        app,
        ["run", str(EXAMPLES / "high-frequency-10khz.toml"), "--duration-s", "1.0",
         "--stim-start-s", "0.5", "--json", "--depths-mm", "1", "--x-mm", "0"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "NaN" not in r.stdout
    row = json.loads(r.stdout)["circuit"]["stimulated"][0]
    assert row["noci_rate_hz"] is None and row["inhibition_percent"] is None
    assert row["wdr_rate_hz"] is not None


ONE_LEAD = (
    'name = "one lead"\nstimulator = "generic-rechargeable-16"\nleads = ["percutaneous-8"]\n'
    '[[trains]]\nwaveform = "tonic"\namplitude_ma = 4.0\npulse_width_us = 210\nrate_hz = 50\n'
    'contacts = { "L1.E4" = -100, "L1.E5" = 100 }\n'
)


def test_run_in_the_finite_element_cord(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("ngsolve")
    monkeypatch.setenv("NEUROSTIM_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "p.toml").write_text(ONE_LEAD)
    (tmp_path / "cord.toml").write_text('level = "T10"\nlength_mm = 60.0\n')
    r = runner.invoke(
        app,
        ["run", str(tmp_path / "p.toml"), "--anatomy", str(tmp_path / "cord.toml"),
         "--dcsf-mm", "4", "--no-circuit", "--json", "--diameters-um", "10",
         "--class-fractions", "1", "--x-mm", "0"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["conductor"]["conductor"] == "spinal-cord-fem"
    assert data["anatomy"]["dcsf_mm"] == 4.0 and data["anatomy"]["length_mm"] == 60.0
    assert [f["status"] for f in data["fibers"]] == ["ok"] * 3  # depths 0.1, 0.3, 0.5 mm


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--level", "T10", "--sigma", "0.3"], "sigma"),
        (["--level", "X9"], "level"),
        (["--level", "T10", "--dcsf-mm", "-1"], "dcsf_mm"),
        (["--level", "T10", "--depths-mm", "2"], "depths_mm"),
    ],
)
def test_bad_spinal_cord_options_exit_2(args, field) -> None:
    r = runner.invoke(app, ["run", str(EXAMPLES / "tonic.toml"), "--no-circuit", *args])
    assert r.exit_code == 2, r.output
    assert field in _one_error_line(r)
