"""Figures of a pipeline run: thresholds, recruitment curve, circuit response."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurostim._files import IMAGE_SUFFIXES, check_output_path, save_figure
from neurostim.pipeline.run import PipelineResult


def check_plot_path(path: str | Path, field: str = "plot") -> Path:
    """``path`` as a writable figure path (:data:`neurostim._files.IMAGE_SUFFIXES`)."""
    return check_output_path(field, path, IMAGE_SUFFIXES)


def plot_run(result: PipelineResult, path: str | Path, *, title: str | None = None) -> Path:
    """Three panels: threshold per fiber against its depth, recruitment curve, WDR rates.

    Written to a temporary file beside ``path`` and renamed, so an interrupted run never
    leaves a half-written image.
    """
    path = check_plot_path(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rec, pop = result.recruitment, result.population
    depth = np.array([v[0, 1] for v in pop.vertices_mm])
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    ok = rec.status == "ok"
    for d in np.unique(pop.diameter_um):
        sel = (pop.diameter_um == d) & ok
        axes[0].scatter(depth[sel], rec.threshold_ma[sel], s=14, label=f"{d:g} um")
    bad = ~ok
    if bad.any():
        y = np.where(np.isfinite(rec.lower_ma[bad]), rec.lower_ma[bad], np.nan)
        axes[0].scatter(depth[bad], y, marker="x", color="k", s=20, label="status not ok (lower)")
    axes[0].axhline(rec.amplitude_ma, color="0.4", ls="--", lw=1, label="program amplitude")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("fiber y, tissue frame (mm; ventral > 0)")
    axes[0].set_ylabel("threshold (mA)")
    axes[0].set_title("fiber thresholds", fontsize=10)
    axes[0].legend(fontsize=7)
    a, recruited, undetermined = rec.curve()
    axes[1].plot(a, 100 * recruited, lw=1.5, label="recruited (status ok)")
    if undetermined.max() > 0:
        axes[1].fill_between(a, 100 * recruited, 100 * (recruited + undetermined), alpha=0.3,
                             label="undetermined")  # fmt: skip
    axes[1].axvline(rec.amplitude_ma, color="0.4", ls="--", lw=1, label="program amplitude")
    axes[1].set_xlabel("program amplitude (mA)")
    axes[1].set_ylabel("recruited fibers (%, weighted)")
    axes[1].set_title("recruitment curve", fontsize=10)
    axes[1].legend(fontsize=7)
    c = result.circuit
    if c is None:
        axes[2].text(0.5, 0.5, "circuit not run", ha="center", va="center")
        axes[2].set_axis_off()
    else:
        labels = ["unstimulated", *c.bounds]
        total = [c.wdr_rate_unstimulated_hz.mean(), *c.wdr_rate_hz.mean(axis=1)]
        noci = [c.noci_rate_unstimulated_hz.mean(), *c.noci_rate_hz.mean(axis=1)]
        x = np.arange(len(labels))
        axes[2].bar(x - 0.2, total, 0.4, label="WDR total rate")
        axes[2].bar(x + 0.2, noci, 0.4, label="WDR r_noci (not pulse-locked)", hatch="//")
        axes[2].set_xticks(x, labels)
        axes[2].set_ylabel("rate (Hz)")
        axes[2].set_title("dorsal-horn WDR output", fontsize=10)
        axes[2].legend(fontsize=7)
    fig.suptitle(title or result.program.name or "pipeline run", fontsize=11)
    fig.tight_layout()
    try:
        save_figure(fig, path, field="plot", dpi=100)
    finally:
        plt.close(fig)
    return path


__all__ = ["check_plot_path", "plot_run"]
