"""``neurostim fiber``: thresholds from a case CSV (local and Dask), cv, bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neurostim.cli import app

HEADER = (
    "model,diameter_um,distance_mm,waveform,pulse_width_ms,n_pulses,rate_hz,threshold_ma,n_nodes"
)
# two rows of shared/validation/mrg_thresholds.csv (threshold_ma is NEURON's)
ROWS = [
    "mrg,16.0,0.5,monophasic-cathodic,0.1,1,0,-0.04079632,41",
    "mrg,16.0,1.0,monophasic-cathodic,0.1,1,0,-0.1008449,",
]


def _write(tmp_path, lines):
    p = tmp_path / "cases.csv"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_thresholds_csv_roundtrip(tmp_path) -> None:
    cases = _write(tmp_path, [HEADER, *ROWS])
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(app, ["fiber", "thresholds", str(cases), "-o", str(out),
                                 "--tolerance-rel", "0.01", "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert summary["n_cases"] == 2 and summary["statuses"] == {"ok": 2}
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert [row["status"] for row in rows] == ["ok", "ok"]
    for row in rows:
        thr, ref = float(row["threshold_ma"]), float(row["input_threshold_ma"])
        assert thr < 0 and abs(thr / ref - 1) < 0.03
        assert int(row["n_sims"]) > 2


def test_thresholds_on_dask_local_cluster(tmp_path) -> None:
    from dask.distributed import LocalCluster

    cases = _write(tmp_path, [HEADER, ROWS[0]])
    out = tmp_path / "out.csv"
    with LocalCluster(n_workers=1, processes=False, threads_per_worker=1,
                      dashboard_address=None) as cluster:  # fmt: skip
        r = CliRunner().invoke(app, ["fiber", "thresholds", str(cases), "-o", str(out),
                                     "--tolerance-rel", "0.02", "--scheduler",
                                     cluster.scheduler_address])  # fmt: skip
    assert r.exit_code == 0, r.output
    row = next(csv.DictReader(out.read_text().splitlines()))
    assert row["status"] == "ok" and abs(float(row["threshold_ma"]) / -0.04079632 - 1) < 0.03


def test_bad_csv_one_line_exit_2(tmp_path) -> None:
    for lines in (
        ["model,diameter_um", "mrg,10"],
        [HEADER, "mrg,9.0,1.0,monophasic-cathodic,0.1,1,0,,"],
        [HEADER, "mrg,10.0,1.0,square,0.1,1,0,,"],
        [HEADER, "mrg,10.0,abc,monophasic-cathodic,0.1,1,0,,"],
    ):
        r = CliRunner().invoke(app, ["fiber", "thresholds", str(_write(tmp_path, lines)),
                                     "-o", str(tmp_path / "o.csv")])  # fmt: skip
        assert r.exit_code == 2, r.output
        assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_cv_command() -> None:
    r = CliRunner().invoke(app, ["fiber", "cv", "--model", "mrg", "--diameter-um", "10", "--json"])
    assert r.exit_code == 0, r.output
    # mrg_cv.csv: 51.3292 m/s
    assert abs(json.loads(r.output)["cv_m_per_s"] / 51.3292 - 1) < 0.03
    r = CliRunner().invoke(app, ["fiber", "cv", "--model", "x", "--diameter-um", "10"])
    assert r.exit_code == 2


def _one_line_exit_2(r, *needles: str) -> None:
    assert r.exit_code == 2, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.output
    for needle in needles:
        assert needle in lines[0], lines[0]


def _thresholds(tmp_path, path, *extra):
    return CliRunner().invoke(app, ["fiber", "thresholds", str(path), "-o",
                                    str(tmp_path / "o.csv"), *extra])  # fmt: skip


def test_byte_order_mark_is_accepted(tmp_path) -> None:
    p = tmp_path / "bom.csv"
    p.write_text("\n".join([HEADER, ROWS[0]]) + "\n", encoding="utf-8-sig")
    assert p.read_bytes()[:3] == b"\xef\xbb\xbf"
    r = _thresholds(tmp_path, p, "--tolerance-rel", "0.05", "--workers", "1", "--json")
    assert r.exit_code == 0, r.output
    row = next(csv.DictReader((tmp_path / "o.csv").read_text().splitlines()))
    assert row["model"] == "mrg" and row["status"] == "ok"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (bytes(range(256)) * 4, "UTF-8"),
        ((HEADER + "\nmrg,16.0,0.5,monophasic-cathodic,0.1,1,0,\xff,41\n").encode("latin-1"),
         "UTF-8"),
        (b"", "empty"),
        ((HEADER + "\nmrg,16.0,0.5,monophasic\x00,0.1,1,0,,41\n").encode(), "waveform"),
        (HEADER.encode("utf-16"), "UTF-8"),
        ((HEADER + "\n").encode(), "no cases"),
        ((HEADER + "\nmrg,16.0,0.5,monophasic-cathodic,0.1,1,0,,41,extra,cells\n").encode(),
         "line 2"),
        ((HEADER + ",model\n" + ROWS[0] + ",mrg\n").encode(), "repeated"),
    ],
)  # fmt: skip
def test_unreadable_csv(tmp_path, content: bytes, needle: str) -> None:
    p = tmp_path / "cases.csv"
    p.write_bytes(content)
    _one_line_exit_2(_thresholds(tmp_path, p), needle)
    assert not (tmp_path / "o.csv").exists()


COLS = (
    "model,diameter_um,distance_mm,waveform,pulse_width_ms,n_pulses,rate_hz,n_nodes,dt_ms,tstop_ms"
)


@pytest.mark.parametrize(
    ("row", "field", "allowed"),
    [
        ("mrg,10.0,1.0,monophasic-cathodic,0.1,1,0,,0,", "dt_ms", "0.0001..0.1"),
        ("mrg,10.0,1.0,monophasic-cathodic,0.1,1,0,,nan,", "dt_ms", "0.0001..0.1"),
        ("mrg,10.0,1.0,monophasic-cathodic,0.1,1,0,,-0.005,", "dt_ms", "0.0001..0.1"),
        ("mrg,10.0,1.0,monophasic-cathodic,0.1,1,0,0,,", "n_nodes", "5..100000"),
        ("mrg,10.0,1.0,monophasic-cathodic,0.1,1,0,100000000,,", "n_nodes", "5..100000"),
        ("mrg,10.0,1.0,monophasic-cathodic,0.1,1,0,nan,,", "n_nodes", "whole number"),
        ("mrg,10.0,1.0,monophasic-cathodic,0.1,1,0,,,0", "tstop_ms", "0.001..10000"),
        ("mrg,10.0,1.0,monophasic-cathodic,0.1,1,0,,,1e12", "tstop_ms", "0.001..10000"),
        ("mrg,10.0,1.0,monophasic-cathodic,1000000,1,0,,,", "pulse_width_ms", "0.0001..1000"),
        ("mrg,10.0,1.0,monophasic-cathodic,4.95,1,0,,,", "pulse_width_ms", "tstop_ms = 5"),
        ("mrg,10.0,1.0,monophasic-cathodic,0.05,1,0,,0.1,", "pulse_width_ms", "dt_ms"),
        ("mrg,10.0,1.0,train,0.2,10,3000,,,", "pulse_width_ms", "pulse period"),
        ("mrg,10.0,1.0,train,0.1,1e9,50,,,", "n_pulses", "1..10000"),
        ("mrg,10.0,inf,monophasic-cathodic,0.1,1,0,,,", "distance_mm", "0.001..1000"),
        ("mrg,10.0,1.0,monophasic-cathodic,0.1,1,0,,0.0001,10000", "tstop_ms", "steps"),
        ("mrg,10.0,1.0,monophasic-cathodic,0.1,1,0,99999,0.001,1000", "n_nodes", "section-steps"),
    ],
)
def test_out_of_range_fields_are_refused(tmp_path, row: str, field: str, allowed: str) -> None:
    r = _thresholds(tmp_path, _write(tmp_path, [COLS, row]))
    _one_line_exit_2(r, "line 2", field, allowed)


def test_conductivity_column(tmp_path) -> None:
    header = COLS + ",conductivity_s_per_m"
    r = _thresholds(tmp_path, _write(tmp_path, [header, "mrg,10.0,1.0,monophasic-cathodic,"
                                                "0.1,1,0,,,,0"]))  # fmt: skip
    _one_line_exit_2(r, "conductivity_s_per_m", "0.0001..100")
    rows = [header, "mrg,16.0,0.5,monophasic-cathodic,0.1,1,0,41,,,",
            "mrg,16.0,0.5,monophasic-cathodic,0.1,1,0,41,,,0.4"]  # fmt: skip
    r = _thresholds(tmp_path, _write(tmp_path, rows), "--tolerance-rel", "0.002", "--workers", "1")
    assert r.exit_code == 0, r.output
    out = list(csv.DictReader((tmp_path / "o.csv").read_text().splitlines()))
    # phi = I/(4 pi sigma r): doubling sigma halves the field, so the threshold doubles
    ratio = float(out[1]["threshold_ma"]) / float(out[0]["threshold_ma"])
    assert abs(ratio - 2.0) < 2 * 0.002 * 2.0
    assert out[1]["conductivity_s_per_m"] == "0.4"


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--chunk-size", "0"], "--chunk-size"),
        (["--chunk-size", "-3"], "--chunk-size"),
        (["--workers", "-1"], "--workers"),
        (["--tolerance-rel", "nan"], "--tolerance-rel"),
        (["--tolerance-rel", "1"], "--tolerance-rel"),
        (["--memory-budget-mb", "nan"], "--memory-budget-mb"),
        (["--memory-budget-mb", "0"], "--memory-budget-mb"),
    ],
)
def test_bad_options(tmp_path, extra: list[str], needle: str) -> None:
    _one_line_exit_2(_thresholds(tmp_path, _write(tmp_path, [HEADER, ROWS[0]]), *extra), needle)


def test_memory_budget_is_checked_before_work(tmp_path) -> None:
    rows = [COLS, "mrg,10.0,1.0,monophasic-cathodic,0.1,1,0,,,",
            "mrg,10.0,1.0,monophasic-cathodic,0.1,1,0,2001,,5"]  # fmt: skip
    r = _thresholds(tmp_path, _write(tmp_path, rows), "--memory-budget-mb", "5", "--workers", "1")
    # case 2: 22001 sections x (16 + 160) floats x 8 bytes = 31 MiB > 5 MiB
    _one_line_exit_2(r, "case 2: n_nodes = 2001", "MiB", "budget of 5 MiB")
    assert r.stdout == "" and not (tmp_path / "o.csv").exists()
    rows = [COLS] + ["mrg,10.0,1.0,train,0.1,10,10,,,"] * 4
    r = _thresholds(tmp_path, _write(tmp_path, rows), "--memory-budget-mb", "30", "--workers", "1")
    # one case: 1000 ms / 0.005 ms = 200000 steps x 6 floats x 8 bytes = 9.2 MiB; four: 37 MiB
    _one_line_exit_2(r, "chunk_size = 64", "budget of 30 MiB")


def test_unreachable_scheduler(tmp_path, monkeypatch) -> None:
    import socket

    from neurostim.fibers import batch

    monkeypatch.setattr(batch, "SCHEDULER_TIMEOUT_S", 0.5)
    with socket.socket() as s:  # a free port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = _thresholds(tmp_path, _write(tmp_path, [HEADER, ROWS[0]]),
                    "--scheduler", f"tcp://127.0.0.1:{port}")  # fmt: skip
    _one_line_exit_2(r, "scheduler", "cannot connect within 0.5 s")
    _one_line_exit_2(_thresholds(tmp_path, _write(tmp_path, [HEADER, ROWS[0]]),
                                 "--scheduler", "no-port"), "scheduler")  # fmt: skip


def test_output_must_be_a_new_file_place(tmp_path) -> None:
    cases = _write(tmp_path, [HEADER, ROWS[0]])
    before = cases.read_bytes()
    for out, needle in ((cases, "case file"), (tmp_path, "directory"),
                        (tmp_path / "no" / "o.csv", "does not exist")):  # fmt: skip
        r = CliRunner().invoke(app, ["fiber", "thresholds", str(cases), "-o", str(out)])
        _one_line_exit_2(r, "--output", needle)
    assert cases.read_bytes() == before


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--diameter-um", "nan"], "--diameter-um"),
        (["--diameter-um", "-1"], "--diameter-um"),
        (["--diameter-um", "9"], "MRG exists"),
        (["--model", "mrg-interpolation", "--diameter-um", "1.5"], "2-16 um"),
        (["--diameter-um", "10", "--n-nodes", "100000000"], "5..100000"),
        (["--diameter-um", "10", "--n-nodes", "0"], "--n-nodes"),
        (["--diameter-um", "10", "--dt-ms", "0"], "--dt-ms"),
        (["--diameter-um", "10", "--dt-ms", "nan"], "--dt-ms"),
        (["--diameter-um", "10", "--dt-ms", "10"], "--dt-ms"),
        (["--model", "[bold]x", "--diameter-um", "10"], "--model"),
        (["--diameter-um", "10", "--n-nodes", "99999", "--memory-budget-mb", "100"], "MiB"),
    ],
)
def test_cv_bad_options(extra: list[str], needle: str) -> None:
    _one_line_exit_2(CliRunner().invoke(app, ["fiber", "cv", *extra]), needle)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_device_files_are_refused_before_reading(tmp_path) -> None:
    _one_line_exit_2(_thresholds(tmp_path, Path("/dev/zero")), "not a regular file")
    r = CliRunner().invoke(app, ["program", "check", "/dev/zero"])
    _one_line_exit_2(r, "not a regular file")
