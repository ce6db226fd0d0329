"""The growth-curve figure: ECAP against current, the fit, the ECAP and perception thresholds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neurostim._files import IMAGE_SUFFIXES, check_output_path
from neurostim.ecap.growth import GrowthCurve


def plot_growth(curve: GrowthCurve, path: str | Path) -> Path:
    """Write the growth curve of ``curve`` to ``path`` (PNG, SVG or PDF) and return the path:
    measured ECAP (markers by status), the neural ECAP without artifact and noise, the fitted
    model, and vertical lines at the ECAP threshold (fit) and the perception threshold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = check_output_path("plot", Path(path), IMAGE_SUFFIXES)
    fig, (ax, ax_n) = plt.subplots(2, 1, figsize=(6.4, 6.4), sharex=True,
                                   gridspec_kw={"height_ratios": [3, 1]})  # fmt: skip
    a = curve.amplitude_ma
    ax.plot(a, curve.neural_uv, color="0.6", lw=1, label="neural (no artifact, no noise)")
    for status, marker in (("ok", "o"), ("below_noise", "x"), ("artifact_dominated", "s"),
                           ("out_of_compliance", "^")):  # fmt: skip
        sel = curve.status == status
        if sel.any():
            ax.plot(a[sel], curve.ecap_uv[sel], marker, ls="none", label=f"measured: {status}")
    if curve.fit.status == "ok":
        grid = np.linspace(float(a.min()), float(a.max()), 200)
        ax.plot(grid, curve.fit.predict_uv(grid), "C3", lw=1.5, label="fit (Pilitsis form)")
    marks: list[tuple[Any, str, str]] = [
        (curve.ecap_threshold_ma, "ECAP threshold", "C3"),
        (curve.perception_threshold_ma, "perception threshold", "C2"),
    ]
    for x, name, color in marks:
        if x is not None:
            ax.axvline(x, color=color, ls="--", lw=1)
            ax.text(x, ax.get_ylim()[1], f" {name} {x:.2f} mA", color=color, rotation=90,
                    va="top", ha="right", fontsize=8)  # fmt: skip
    ax.set_ylabel(f"ECAP P2-N1 on {curve.primary} (uV)")
    ax.set_title(f"{curve.program}: ECAP growth at {curve.level}, dCSF {curve.dcsf_mm:g} mm")
    ax.legend(fontsize=7, loc="upper left")
    ax_n.plot(a, curve.recruited, "k.-")
    ax_n.set_ylabel("DC fibers")
    ax_n.set_xlabel("amplitude (mA)")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


__all__ = ["plot_growth"]
