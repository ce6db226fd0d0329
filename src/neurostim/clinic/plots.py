"""The trial figure: each endpoint over the follow-up per arm, with the replicate interval and,
where the protocol gives one, the published value."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from neurostim._files import save_figure

UNITS = {
    "responder": "fraction",
    "responder80": "fraction",
    "remitter": "fraction",
    "rate": "fraction",
    "percent_change": "fraction of baseline",
    "mean_change": "points",
}


def plot_trial(result: Any, path: str | Path) -> Path:
    """Save the figure of a :class:`~neurostim.clinic.trial.TrialResult` to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    protocol = result.protocol
    endpoints = list(protocol.endpoints)
    n = max(1, len(endpoints))
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.4 * rows), squeeze=False)
    curves = result.endpoints(curve=True)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, endpoint in enumerate(endpoints):
        ax = axes[k // cols][k % cols]
        for a, arm in enumerate(protocol.arms):
            color = colors[a % len(colors)]
            pts = sorted(
                (r["month"], r["median"], r["ci95"])
                for r in curves
                if r["id"] == endpoint.id and r["arm"] == arm.id and r["median"] is not None
            )
            if pts:
                m = np.array([p[0] for p in pts])
                med = np.array([p[1] for p in pts])
                lo = np.array([p[2][0] for p in pts])
                hi = np.array([p[2][1] for p in pts])
                ax.plot(m, med, "-o", color=color, ms=3, label=f"{arm.id} (simulated)")
                ax.fill_between(m, lo, hi, color=color, alpha=0.2, lw=0)
            published = endpoint.published_for(arm.id)
            if published is not None:
                ax.plot([endpoint.month], [published], marker="*", ms=12, color=color, ls="none",
                        mec="k", label=f"{arm.id} (published)")  # fmt: skip
        ax.axvline(endpoint.month, color="0.7", lw=0.8, ls=":")
        ax.set_title(f"{endpoint.id}: {endpoint.measure} {endpoint.kind} ({endpoint.analysis})",
                     fontsize=9)  # fmt: skip
        ax.set_xlabel("months from randomization")
        ax.set_ylabel(UNITS.get(endpoint.kind, ""))
        ax.legend(fontsize=7)
    for k in range(len(endpoints), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    fig.suptitle(
        f"{protocol.name}: median and central 95 % of {result.replicates} replicate trials",
        fontsize=10,
    )
    fig.tight_layout()
    try:
        return save_figure(fig, path, field="--plot", dpi=120)
    finally:
        plt.close(fig)
