"""``neurostim fiber``: thresholds from a case CSV (local and Dask), cv, bad input."""

from __future__ import annotations

import csv
import json

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
