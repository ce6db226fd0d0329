"""examples/demo.py, the README's main job, runs and writes its outputs, end to end included."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np


def test_demo_checks_and_plots_every_example(tmp_path: Path, examples_dir: Path) -> None:
    spec = importlib.util.spec_from_file_location("demo", examples_dir / "demo.py")
    assert spec is not None and spec.loader is not None
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    assert demo.main(tmp_path / "out") == 0
    programs = sorted((examples_dir / "programs").glob("*.toml"))
    assert len(programs) >= 6
    for path in programs:
        png = tmp_path / "out" / f"{path.stem}.png"
        assert png.read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert [s["file"] for s in summary] == [p.name for p in programs]
    assert all(s["valid"] for s in summary)
    # end to end: the tonic program's recruitment curve and its per-fiber thresholds
    assert (tmp_path / "out" / "recruitment.png").read_bytes()[:4] == b"\x89PNG"
    rec = json.loads((tmp_path / "out" / "pipeline.json").read_text())
    assert rec["program"].startswith("tonic") and len(rec["fibers"]) == 36
    statuses = {f["status"] for f in rec["fibers"]}
    assert statuses <= {"ok", "not-bracketed", "block-suspected", "end-excitation", "unstable"}
    low, unknown = rec["recruited_fraction"], rec["undetermined_fraction"]
    assert 0.0 <= low <= low + unknown <= 1.0 + 1e-12
    assert (np.diff(rec["curve"]["recruited"]) >= 0).all()
    # the circuit ran on per-fiber margins: one afferent per population fiber share
    aff = rec["afferents"]
    assert len(aff["fiber_index"]) == len(aff["margin_lower"]) == 30
    assert set(aff["fiber_index"]) <= set(range(36))
    circuit = rec["circuit"]
    assert circuit["unstimulated"]["status"] == ["ok"]
    assert [row["bound"] for row in circuit["stimulated"]] in (["recruited"], ["lower", "upper"])
