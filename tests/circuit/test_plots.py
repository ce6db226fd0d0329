"""Plots are written and non-trivial (the frequency-response plot is checked via the CLI)."""

from __future__ import annotations

from pathlib import Path

from neurostim.circuit import Condition, TonicTrain, simulate
from neurostim.circuit.plots import plot_raster


def test_raster_plot(tmp_path: Path) -> None:
    res = simulate([Condition(program=TonicTrain(20.0), duration_ms=1500.0, stim_start_ms=500.0)])
    out = plot_raster(res, 0, tmp_path / "raster.png", window_ms=(0.0, 1500.0))
    assert out.stat().st_size > 10_000
