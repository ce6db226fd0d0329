"""examples/demo.py, the README's main job: every example checked and plotted, and the tonic
program through the spinal cord and the circuit (a 16-contact finite-element cord on a 60 mm
model: about 45 s on the 2-core development machine, the longest test of the fast set; it stays
there because it is the README's own path)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from rich.console import Console


def _demo(examples_dir: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo", examples_dir / "demo.py")
    assert spec is not None and spec.loader is not None
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    return demo


def _check_programs_output(out: Path, examples_dir: Path) -> None:
    programs = sorted((examples_dir / "programs").glob("*.toml"))
    assert len(programs) >= 6
    for path in programs:
        png = out / f"{path.stem}.png"
        assert png.read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((out / "summary.json").read_text())
    assert [s["file"] for s in summary] == [p.name for p in programs]
    assert all(s["valid"] for s in summary)


def test_demo_checks_and_plots_every_example(tmp_path: Path, examples_dir: Path) -> None:
    demo = _demo(examples_dir)
    assert demo.check_programs(tmp_path, Console(width=130, file=None, quiet=True)) == 0
    _check_programs_output(tmp_path, examples_dir)


def test_demo_runs_the_tonic_program_through_the_cord_and_the_circuit(
    tmp_path: Path, examples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ngsolve")
    from neurostim.anatomy import load_anatomy

    monkeypatch.setenv("NEUROSTIM_CACHE_DIR", str(tmp_path / "cache"))
    demo = _demo(examples_dir)
    out = tmp_path / "out"
    # the README's cord (T10) shortened to 60 mm, the shortest model the anatomy allows
    cord = load_anatomy(demo.LEVEL, length_mm=60.0)
    assert demo.main(out, anatomy=cord, trial_replicates=4, trial_workers=0) == 0
    _check_programs_output(out, examples_dir)
    # the spinal cord: the keys of `neurostim scs map --json` and their definitions (docs/scs.md
    # "What it computes": PT <= discomfort, coverage recounted from the rows; exact)
    scs = json.loads((out / "scs.json").read_text())
    assert scs["program"].startswith("tonic") and scs["level"] == "T10"
    assert [c["id"] for c in scs["contacts"]] == [f"L{k}.E{j}" for k in (1, 2) for j in range(1, 9)]
    assert scs["fem"]["solver_status"] == ["ok"] * 16 and scs["fem"]["cache_hit"] is False
    pt, discomfort = scs["perception_threshold_ma"], scs["discomfort_threshold_ma"]
    assert pt is not None and discomfort is not None and 0 < pt <= discomfort
    assert set(scs["coverage"]) == {
        r["name"] for r in scs["dermatomes"] if (r["dc_fraction"] or 0) >= scs["coverage_fraction"]
    }
    assert (out / "map.png").read_bytes()[:4] == b"\x89PNG"
    # then the circuit on the same cord, read from the cache
    rec = json.loads((out / "pipeline.json").read_text())
    assert rec["program"].startswith("tonic") and len(rec["fibers"]) == 27
    assert rec["anatomy"]["level"] == "T10" and rec["conductor"]["cache_hit"] is True
    assert (out / "recruitment.png").read_bytes()[:4] == b"\x89PNG"
    statuses = {f["status"] for f in rec["fibers"]}
    assert statuses <= {"ok", "not-bracketed", "block-suspected", "end-excitation", "unstable"}
    low, unknown = rec["recruited_fraction"], rec["undetermined_fraction"]
    assert 0.0 <= low <= low + unknown <= 1.0 + 1e-12
    assert (np.diff(rec["curve"]["recruited"]) >= 0).all()
    # the circuit ran on per-fiber margins: one afferent per population fiber share
    aff = rec["afferents"]
    assert len(aff["fiber_index"]) == len(aff["margin_lower"]) == 30
    assert set(aff["fiber_index"]) <= set(range(27))
    circuit = rec["circuit"]
    assert circuit["unstimulated"]["status"] == ["ok"]
    assert [row["bound"] for row in circuit["stimulated"]] in (["recruited"], ["lower", "upper"])
    # the small trial: the two responder endpoints in every arm, fractions in [0, 1]
    trial = json.loads((out / "trial.json").read_text())
    assert trial["protocol"] == "demo" and trial["replicates"] == 4
    rows = {(r["id"], r["arm"]) for r in trial["endpoints"]}
    assert rows == {
        (e, a) for e in ("responder_3", "responder_12") for a in ("tonic", "khz10", "cmm")
    }
    for r in trial["endpoints"]:
        lo, hi = r["ci95"]
        assert 0.0 <= lo <= r["median"] <= hi <= 1.0
    assert (out / "trial.png").read_bytes()[:4] == b"\x89PNG"
