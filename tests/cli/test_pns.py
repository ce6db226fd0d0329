"""``neurostim pns map``: refusals before any meshing (exit 2, one line naming the field), and
the JSON and CSV contract on a map whose field is the homogeneous medium (the finite-element
run is tests/pipeline/test_pns_fem.py, slow)."""

from __future__ import annotations

import csv
import importlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neurostim.cli import app
from neurostim.field import HomogeneousConductor

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SPRINT = str(EXAMPLES / "programs" / "pns-sprint.toml")
CUFF = str(EXAMPLES / "programs" / "vns-cuff.toml")
runner = CliRunner()


@pytest.fixture(autouse=True)
def no_meshing(monkeypatch):
    """Any meshing fails the test: every refusal must come first."""
    import neurostim.field.fem.nerve as fem

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("meshing started")

    monkeypatch.setattr(fem, "build_nerve_mesh", refuse)
    monkeypatch.setattr(fem, "_build_lead_mesh", refuse)


def _refused(args: list[str], *words: str) -> str:
    r = runner.invoke(app, ["pns", "map", *args])
    assert r.exit_code == 2, r.output
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), r.output
    assert "Traceback" not in r.output
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def _nerve_file(tmp_path: Path, fascicles: str) -> str:
    p = tmp_path / "nerve.toml"
    p.write_text('[nerve]\nsite = "vagus_cervical"\n' + fascicles, encoding="utf-8")
    return str(p)


def test_fascicle_outside_the_nerve_is_refused(tmp_path) -> None:
    f = _nerve_file(tmp_path, "[[fascicles]]\nx_mm = 0.9\ny_mm = 0\nmajor_um = 400\n"
                              "minor_um = 300\n")  # fmt: skip
    _refused([CUFF, "--nerve", f], "fascicles[0].x_mm", "0.9", "allowed x_mm in")


def test_overlapping_fascicles_are_refused(tmp_path) -> None:
    one = "[[fascicles]]\nx_mm = {x}\ny_mm = 0\nmajor_um = 400\nminor_um = 300\n"
    f = _nerve_file(tmp_path, one.format(x=0.0) + one.format(x=0.2))
    _refused([CUFF, "--nerve", f], "fascicles[1]", "overlaps fascicles[0]")


def test_a_lead_inside_the_nerve_is_refused() -> None:
    _refused([SPRINT, "--nerve", "femoral", "--distance-mm", "-1"], "distance_mm", "0-30 mm")


def test_a_cuff_smaller_than_the_nerve_is_refused() -> None:
    _refused([CUFF, "--nerve", "sciatic", "--electrode", "cuff:cortec-200"], "electrode",
             "cuff:cortec-200", "smaller than the nerve")  # fmt: skip


def test_bad_options_are_refused() -> None:
    _refused([SPRINT, "--perineurium", "thick"], "perineurium")
    _refused([SPRINT, "--electrode", "paddle"], "electrode")
    _refused([SPRINT, "--conductivity", "nonesuch"], "conductivity")
    _refused([SPRINT, "--fibers-out", "x.txt"], "fibers_out")
    _refused([SPRINT, "--fibers-per-class", "0"], "fibers_per_class")
    _refused([SPRINT, "--pad-diameter-mm", "0"], "return_pad_diam_mm")
    _refused([SPRINT, "--pad-distance-mm", "-5"], "return_pad_distance_mm")
    # a pad wider than the limb (the femoral site's thigh) is refused before meshing
    _refused([SPRINT, "--nerve", "femoral", "--pad-diameter-mm", "400"], "return_pad_diam_mm")


def test_json_and_fiber_table_contract(tmp_path, monkeypatch) -> None:
    nerve_fem = importlib.import_module("neurostim.pipeline.nerve_fem")
    monkeypatch.setattr(nerve_fem, "nerve_lead_fem", lambda *a, **k: HomogeneousConductor())
    f = _nerve_file(tmp_path, "[[fascicles]]\nx_mm = 0\ny_mm = 0\nmajor_um = 400\n"
                              "minor_um = 400\nfunction = \"cutaneous\"\n")  # fmt: skip
    out = tmp_path / "fibers.csv"
    r = runner.invoke(app, ["pns", "map", SPRINT, "--nerve", f, "--fibers-per-class", "1",
                            "--seed", "2", "--fibers-out", str(out), "--json",
                            "--pad-diameter-mm", "30", "--pad-distance-mm", "80"])  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    for key in ("nerve", "electrode", "sensation_threshold_ma", "discomfort_threshold_ma",
                "fascicles", "selectivity", "fem", "undetermined_fibers"):  # fmt: skip
        assert key in d
    assert d["electrode"]["kind"] == "sprint"
    assert d["electrode"]["return"] == "skin_pad"
    assert (d["electrode"]["return_pad_diam_mm"], d["electrode"]["return_pad_distance_mm"]) == (
        30.0, 80.0,
    )  # fmt: skip
    (fasc,) = d["fascicles"]
    assert set(fasc) >= {"id", "function", "classes"}
    for c in fasc["classes"]:
        assert set(c) >= {"class", "threshold_min_ma", "i50_ma", "fraction_at_program"}
    assert all(set(s) >= {"target", "index"} for s in d["selectivity"])
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["fascicle", "class", "model", "diameter_um", "x_mm", "y_mm",
                             "threshold_ma", "status"]  # fmt: skip
    assert len(rows) == 3
    abeta = next(r for r in rows if r["class"] == "Abeta")
    if abeta["status"] == "ok":
        assert float(abeta["threshold_ma"]) == pytest.approx(d["sensation_threshold_ma"])
