"""``neurostim pns trial list|run``: the contract's columns and JSON keys, the lead and coverage
options, and clean refusals (exit 2, one ``error:`` line naming the option)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neurostim.cli import app
from neurostim.clinic.pns import TABLE_COLUMNS

runner = CliRunner()


def _run(args: list[str]):  # type: ignore[no-untyped-def]
    return runner.invoke(app, args, catch_exceptions=False)


def test_list_names_the_studies() -> None:
    res = _run(["pns", "trial", "list", "--json"])
    assert res.exit_code == 0
    assert [r["name"] for r in json.loads(res.stdout)] == [
        "gilmore-2019", "gilmore-2021", "cohen-2019", "real-world-2022"]  # fmt: skip


def test_run_writes_the_table_and_the_json(tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    res = _run(["pns", "trial", "run", "gilmore-2019", "--replicates", "5", "-o", str(out),
                "--json"])  # fmt: skip
    assert res.exit_code == 0, res.stdout
    d = json.loads(res.stdout)
    assert {"study", "replicates", "seed", "lead", "lead_type", "coverage", "runtime_s",
            "patients_simulated", "endpoints", "infection", "lead_fracture"} <= set(d)  # fmt: skip
    assert d["lead_type"] == "coiled" and d["lead_fracture"]["modelled"] is False
    assert {"per_1000_lead_days", "lead_days", "infections"} <= set(d["infection"])
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == TABLE_COLUMNS
    assert {r["arm"] for r in rows} == {"pns", "placebo"}


def test_the_table_and_the_lead_option() -> None:
    res = _run(["pns", "trial", "run", "cohen-2019", "--replicates", "5", "--lead", "pns-4"])
    assert res.exit_code == 0, res.stdout
    assert "straight" in res.stdout and "lead days" in res.stdout


def test_coverage_from_a_map_file(tmp_path: Path) -> None:
    m = tmp_path / "map.json"
    m.write_text(json.dumps({"comfort_window_ma": None, "coverage": {
        "fascicles": ["f0"], "cutaneous_fascicles": ["f0"]}}))  # fmt: skip
    res = _run(["pns", "trial", "run", "cohen-2019", "--replicates", "5", "--map", str(m),
                "--json"])  # fmt: skip
    assert res.exit_code == 0, res.stdout
    assert json.loads(res.stdout)["coverage"] == 0.0


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["pns", "trial", "run", "gilmore-2019", "--replicates", "0"], "--replicates"),
        (["pns", "trial", "run", "gilmore-2019", "--seed", "-1"], "--seed"),
        (["pns", "trial", "run", "no-such-study"], "study"),
        (["pns", "trial", "run", "gilmore-2019", "--lead", "paddle-16"], "lead"),
        (["pns", "trial", "run", "gilmore-2019", "--coverage", "2"], "coverage"),
        (["pns", "trial", "run", "gilmore-2019", "--map", "missing.json"], "--map"),
        (["pns", "trial", "run", "gilmore-2019", "-o", "t.txt"], "--output"),
    ],
)
def test_refusals(args: list[str], field: str) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert f"error: {field}" in res.output
    assert "Traceback" not in res.output
