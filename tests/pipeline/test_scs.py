"""Spinal cord stimulation map on the finite-element cord: definitions and the command line.

The finite-element cord is solved once per module (coarse mesh, one 8-contact lead, a 60 mm
T10 cord) and cached; every check below recounts from the per-fiber table.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from neurostim.anatomy import load_anatomy
from neurostim.cli import app
from neurostim.device import parse_program_text

pytest.importorskip("ngsolve")

PROGRAM = (
    'name = "bipole"\nstimulator = "generic-rechargeable-16"\nleads = ["percutaneous-8"]\n'
    '[[trains]]\nwaveform = "tonic"\namplitude_ma = {amp}\npulse_width_us = 210\n'
    'rate_hz = 50\ncontacts = {{ "L1.E4" = -100, "L1.E5" = 100 }}\n'
)
CONTRACT_KEYS = {"perception_threshold_ma", "discomfort_threshold_ma", "discomfort_rule",
                 "dr_dc_threshold_ratio", "first_recruited", "dermatomes", "coverage",
                 "contacts", "fem", "undetermined_fibers"}  # fmt: skip
runner = CliRunner()


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        path = tmp_path_factory.mktemp("fem-cache")
        mp.setenv("NEUROSTIM_CACHE_DIR", str(path))
        yield path


@pytest.fixture(scope="module")
def mapped(cache):
    from neurostim.pipeline.scs import scs_map

    program = parse_program_text(PROGRAM.format(amp=4.0))
    result, ids = scs_map(program, load_anatomy("T10", length_mm=60.0))
    return result, ids


def test_thresholds_follow_their_definitions(mapped) -> None:
    result, ids = mapped
    d = result.to_dict(ids)
    assert set(d) >= CONTRACT_KEYS
    rows = result.fiber_rows()
    dc = sorted(r["threshold_ma"] for r in rows if r["population"] == "dc" and r["status"] == "ok")
    assert d["perception_threshold_ma"] == dc[0]  # PT: the first DC fiber to fire
    if d["discomfort_rule"] == "usage-ratio":  # no DR fiber below 1.5 x PT
        assert d["discomfort_threshold_ma"] == pytest.approx(1.5 * dc[0])
    assert d["first_recruited"]["threshold_ma"] == min(
        r["threshold_ma"] for r in rows if r["status"] == "ok"
    )
    assert [c["id"] for c in d["contacts"]] == [f"L1.E{k}" for k in range(1, 9)]
    assert all(200 < c["impedance_ohm"] < 5000 for c in d["contacts"])  # device.md range
    assert d["fem"]["solver_status"] == ["ok"] * 8


def test_dermatome_fractions_and_coverage_recount_from_the_fibers(mapped) -> None:
    result, ids = mapped
    d = result.to_dict(ids)
    w = result.fibers.fibers.weight
    rows = result.fiber_rows()
    for row in d["dermatomes"]:
        sel = [i for i, r in enumerate(rows) if r["population"] == "dc"
               and r["dermatome"] == row["name"] and r["side"] == row["side"]]  # fmt: skip
        fired = [i for i in sel if rows[i]["status"] == "ok"
                 and rows[i]["threshold_ma"] <= d["amplitude_ma"]]  # fmt: skip
        assert row["dc_fraction"] == pytest.approx(w[fired].sum() / w[sel].sum())
    covered = {r["name"] for r in d["dermatomes"] if r["dc_fraction"] >= 0.1}
    assert set(d["coverage"]) == covered


def test_more_fibers_for_perception_raise_the_threshold(mapped) -> None:
    from dataclasses import replace

    result, _ = mapped
    third = replace(result, pt_min_fibers=3)
    dc = np.sort(result.recruitment.threshold_ma[result.fibers.population == "dc"])
    assert third.perception_threshold_ma == dc[2] >= result.perception_threshold_ma


def test_scs_map_command(tmp_path: Path, cache) -> None:
    (tmp_path / "p.toml").write_text(PROGRAM.format(amp=4.0))
    (tmp_path / "cord.toml").write_text('level = "T10"\nlength_mm = 60.0\n')
    png, table = tmp_path / "map.png", tmp_path / "fibers.csv"
    r = runner.invoke(app, ["scs", "map", str(tmp_path / "p.toml"), "--anatomy",
                            str(tmp_path / "cord.toml"), "--json", "-o", str(png),
                            "--fibers-out", str(table)])  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert set(d) >= CONTRACT_KEYS and d["fem"]["cache_hit"] is True
    assert png.read_bytes()[:4] == b"\x89PNG"
    with table.open() as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["population", "dermatome", "side", "diameter_um",
                                     "depth_mm", "ml_mm", "threshold_ma", "status"]  # fmt: skip
        assert len(list(reader)) == d["n_fibers"]["dc"] + d["n_fibers"]["dr"]


@pytest.mark.parametrize(
    ("args", "field"),
    [(["--mesh", "huge"], "mesh"), (["--level", "X9"], "level"), (["--dcsf-mm", "-1"], "dcsf_mm"),
     (["-o", "map.xyz"], "output"), (["--fibers-out", "f.txt"], "fibers_out"),
     (["--level", "T10", "--anatomy", "missing.toml"], "missing.toml"),
     (["--level", "T10", "--window-ms", "0"], "window_ms"),
     (["--level", "T10", "--lead-space", "subdural"], "space")],
)  # fmt: skip
def test_bad_scs_options_exit_2_before_meshing(args, field, tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text(PROGRAM.format(amp=4.0))
    r = runner.invoke(app, ["scs", "map", str(tmp_path / "p.toml"), *args])
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0]


@pytest.mark.parametrize("level", ["T8", "T10", "T12"])
def test_default_roots_are_as_long_as_the_model_allows(level: str) -> None:
    # a cable end is an artificial site of excitation: the default map's dorsal-root fibers
    # use the most nodes whose cable still lies inside the model (z within +-length/2)
    from neurostim.fibers.spinal import DR_N_NODES
    from neurostim.pipeline.scs import _default_fibers, root_n_nodes

    for length in (60.0, 100.0):
        a = load_anatomy(level, length_mm=length)
        n = root_n_nodes(a, a.fibers.dr_diameters_um)
        assert n % 2 == 1 and DR_N_NODES <= n <= 41
        f = _default_fibers(a, seed=3)
        dr = np.flatnonzero(f.population == "dr")
        assert set(f.fibers.n_nodes[dr].tolist()) == {n}
        z = np.concatenate([f.fibers.section_points_mm(int(i))[:, 2] for i in dr])
        assert np.abs(z).max() <= length / 2
    assert root_n_nodes(load_anatomy(level), (16.0,)) == 41  # 100 mm model: 60 mm roots


def test_fiber_table_reads_back_with_its_header(tmp_path: Path) -> None:
    from neurostim.errors import InputError
    from neurostim.pipeline.scs import FIBER_COLUMNS, read_fiber_table

    path = tmp_path / "fibers.csv"
    path.write_text(
        "# protocol: a test table\n# mesh: coarse\n"
        "index," + ",".join(FIBER_COLUMNS) + "\n"
        "0,dc,T12,left,16.0,0.1,-2.0,1.25,ok\n"
        "1,dr,T12,right,12.8,0.0,2.5,,not-bracketed\n",
        encoding="utf-8",
    )
    header, rows = read_fiber_table(path)
    assert header == {"protocol": "a test table", "mesh": "coarse"}
    assert rows[0]["index"] == 0 and rows[0]["threshold_ma"] == 1.25 and rows[0]["ml_mm"] == -2.0
    assert rows[1]["threshold_ma"] is None and rows[1]["status"] == "not-bracketed"
    path.write_text("population,side\ndc,left\n", encoding="utf-8")
    with pytest.raises(InputError, match="dermatome"):
        read_fiber_table(path)
