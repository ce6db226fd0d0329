"""examples/demo.py, the README's main job, runs and writes its outputs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path


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
