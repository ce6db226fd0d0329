"""``neurostim trial run|list`` and ``neurostim cohort simulate``: the contract's columns and
JSON keys, and clean refusals (exit 2, one ``error:`` line naming the option)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neurostim.cli import app
from neurostim.cli.trial import TABLE_COLUMNS

runner = CliRunner()


def _run(args: list[str]):
    return runner.invoke(app, args, catch_exceptions=False)


def test_list_names_the_calibration_studies() -> None:
    res = _run(["trial", "list", "--json"])
    assert res.exit_code == 0
    names = {r["name"] for r in json.loads(res.stdout)}
    assert {"process", "senza-rct", "senza-pdn", "sunburst", "dtm-rct", "trial-stim",
            "rauck-2006", "staats-2004"} <= names  # fmt: skip
    assert not {"evoke", "accurate"} & names


def test_run_writes_the_table_the_plot_and_the_json(tmp_path: Path) -> None:
    out, png = tmp_path / "t.csv", tmp_path / "t.png"
    res = _run(["trial", "run", "process", "--replicates", "3", "--workers", "0", "-o", str(out),
                "--plot", str(png), "--json"])  # fmt: skip
    assert res.exit_code == 0, res.stdout
    d = json.loads(res.stdout)
    assert {"protocol", "replicates", "seed", "runtime_s", "patients_simulated", "endpoints",
            "differences"} <= set(d)  # fmt: skip
    assert d["protocol"] == "process" and d["replicates"] == 3
    for e in d["endpoints"]:
        assert {"id", "arm", "month", "median", "ci95"} <= set(e)
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == TABLE_COLUMNS
    assert {r["arm"] for r in rows} == {"scs", "cmm"}
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["trial", "run", "process", "--replicates", "0"], "replicates"),
        (["trial", "run", "process", "--seed", "-3"], "seed"),
        (["trial", "run", "process", "--workers", "-1"], "--workers"),
        (["trial", "run", "no-such-study"], "protocol"),
        (["trial", "run", "missing.toml"], "protocol"),
        (["trial", "run", "process", "-o", "t.txt"], "--output"),
        (["trial", "run", "process", "--plot", "t.gif"], "--plot"),
        (["trial", "run", "process", "--scheduler", "nowhere"], "scheduler"),
        (["cohort", "simulate", "--indication", "fbss", "--n", "0", "-o", "c.parquet"], "--n"),
        (["cohort", "simulate", "--indication", "flu", "--n", "5", "-o", "c.parquet"],
         "indication"),
        (["cohort", "simulate", "--indication", "fbss", "--n", "5", "-o", "c.csv"], "--output"),
        (["cohort", "simulate", "--indication", "fbss", "--n", "5", "--months", "500",
          "-o", "c.parquet"], "months"),
        (["cohort", "simulate", "--indication", "fbss", "--n", "5", "--program", "none.toml",
          "-o", "c.parquet"], "--program"),
        (["cohort", "simulate", "--indication", "fbss", "--n", "100000", "--chunk-size",
          "100000", "--memory-budget-mb", "10", "-o", "c.parquet"], "chunk_size"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_naming_the_field(args, field, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = _run(args)
    assert res.exit_code == 2
    err = res.stderr.strip()
    assert err.startswith("error:") and "\n" not in err and field in err, err
    assert not list(tmp_path.iterdir())


def test_bad_protocol_file_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ndesign = "parallel"\nindication = "fbss"\n'
                   'follow_up_months = [3]\n[[arms]]\nid = "a"\nn = 0\n'
                   'therapy = { kind = "cmm" }\n[[endpoints]]\nid = "e"\nmeasure = "nrs"\n'
                   'kind = "responder"\nmonth = 3\nanalysis = "itt"\n')  # fmt: skip
    res = _run(["trial", "run", str(bad)])
    assert res.exit_code == 2
    assert "arms[0].n" in res.stderr


def test_cohort_writes_one_row_per_patient_and_visit(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "c.parquet"
    res = _run(["cohort", "simulate", "--indication", "fbss", "--n", "30", "--months", "12",
                "--workers", "0", "--chunk-size", "7", "-o", str(out), "--json"])  # fmt: skip
    assert res.exit_code == 0, res.stdout
    table = pq.read_table(out)
    months = sorted(set(table.column("month").to_pylist()))
    assert months == [1.0, 3.0, 6.0, 12.0]
    assert table.num_rows == 30 * len(months)
    assert sorted(set(table.column("patient_id").to_pylist())) == list(range(30))
    assert {"overall_nrs", "odi", "mme_per_day", "pgic", "status", "dcsf_mm"} <= set(
        table.column_names
    )
    assert json.loads(res.stdout)["rows"] == table.num_rows


def test_kill_midway_leaves_no_partial_file(tmp_path: Path) -> None:
    """SIGTERM unwinds like Ctrl-C: exit 143, no output and no partial file left behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "c.parquet"
    proc = subprocess.Popen(
        [sys.executable, "-m", "neurostim", "cohort", "simulate", "--indication", "fbss",
         "--n", "2000000", "--chunk-size", "2000", "--workers", "0", "-o", str(out), "--json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ},
    )  # fmt: skip
    partial = tmp_path / ".c.parquet.partial.parquet"
    deadline = time.monotonic() + 60
    while not partial.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert partial.exists(), "the run never started writing"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 143
    assert not out.exists() and not partial.exists()
    assert list(tmp_path.iterdir()) == []
