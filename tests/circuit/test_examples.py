"""The examples named after the papers run and give the published qualitative results."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_sagalajev_example(examples_dir: Path) -> None:
    out = _load(examples_dir / "frompapers" / "Sagalajev_2024_synchrony.py").main()
    e_sync, _ = out["sync 50 Hz"]
    e_async, i_async = out["async 1 kHz"]
    assert e_sync > 40.0 and e_async < 0.5 * e_sync and i_async > 50.0


def test_zhang_example_quick(examples_dir: Path, tmp_path: Path) -> None:
    mod = _load(examples_dir / "frompapers" / "Zhang_2014_frequency_response.py")
    rows = mod.main(str(tmp_path / "f.png"), quick=True)
    by_rate = {r["rate_hz"]: r for r in rows}
    # s3: at 20 Hz the WDR fires once per pulse (20 Hz) and nothing else; at 100 Hz it follows.
    assert abs(by_rate[20.0]["wdr_hz"] - 20.0) <= 1.0
    assert by_rate[20.0]["wdr_noci_hz"] <= 1.0
    assert by_rate[100.0]["wdr_hz"] > by_rate[20.0]["wdr_hz"]
    assert (tmp_path / "f.png").stat().st_size > 10_000
