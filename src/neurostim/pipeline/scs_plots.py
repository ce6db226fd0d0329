"""Figures of a spinal cord stimulation map: dermatome body map, dermatome chart and recruitment
vs amplitude."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurostim._files import IMAGE_SUFFIXES, check_output_path, save_figure
from neurostim.pipeline.scs import SpinalMap
from neurostim.pipeline.scs_bodymap import draw_body_map


def plot_map(result: SpinalMap, path: str | Path, *, title: str | None = None) -> Path:
    """Three panels. Left: the schematic dermatome body map, front and back
    (:mod:`neurostim.pipeline.scs_bodymap`), each dermatome and side shaded by the DC fraction
    recruited at the program amplitude, covered ones hatched, dorsal-root recruitment outlined in
    red, with the colour bar. Middle: each dermatome and side as a labelled bar of the same
    fraction (covered dermatomes hatched and starred, so colour is never the only cue). Right:
    recruited fraction of DC and DR fibers vs amplitude, PT and discomfort marked."""
    path = check_output_path("output", path, IMAGE_SUFFIXES)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result.dermatome_rows()
    names = list(dict.fromkeys(r["name"] for r in rows))
    fig, (ax0, ax, ax2) = plt.subplots(
        1, 3, figsize=(18, max(8.0, 0.32 * len(names) + 1.5)),
        gridspec_kw={"width_ratios": [1.5, 1.0, 1.0]},
    )  # fmt: skip
    body = draw_body_map(ax0, rows, coverage_fraction=result.coverage_fraction)
    fig.colorbar(body.mappable, ax=ax0, fraction=0.04, pad=0.01,
                 label="share of the dermatome's DC fibers recruited")  # fmt: skip
    ax0.set_title(f"body map at {result.recruitment.amplitude_ma:g} mA (schematic)", fontsize=9)
    for k, name in enumerate(names):
        for side, sign in (("left", -1.0), ("right", 1.0)):
            row = next((r for r in rows if r["name"] == name and r["side"] == side), None)
            frac = 0.0 if row is None or row["dc_fraction"] is None else row["dc_fraction"]
            covered = frac >= result.coverage_fraction
            ax.barh(k, sign * frac, color=plt.cm.viridis(frac), edgecolor="k", lw=0.5,
                    hatch="//" if covered else None)  # fmt: skip
            ax.text(sign * (frac + 0.02), k, f"{100 * frac:.0f} %" + (" *" if covered else ""),
                    va="center", ha="left" if sign > 0 else "right", fontsize=7)  # fmt: skip
    ax.set_yticks(range(len(names)), names)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlim(-1.3, 1.3)
    ax.set_xticks([-1, -0.5, 0, 0.5, 1], ["100 %", "50 %", "0", "50 %", "100 %"])
    ax.set_xlabel("left    dorsal-column fibers recruited    right")
    ax.set_title(f"dermatomes at {result.recruitment.amplitude_ma:g} mA "
                 f"(* hatched: covered, >= {100 * result.coverage_fraction:.0f} %)",
                 fontsize=9)  # fmt: skip
    rec, fibers = result.recruitment, result.fibers
    ok = rec.threshold_ma[rec.status == "ok"]
    top = 1.1 * max(rec.amplitude_ma, float(ok.max()) if ok.size else rec.amplitude_ma)
    amps = np.linspace(0.0, top, 301)
    recruited, _ = rec.states(amps)
    w = fibers.fibers.weight
    for pop, style in (("dc", "-"), ("dr", "--")):
        sel = fibers.population == pop
        if sel.any():
            frac = (recruited[:, sel] @ w[sel]) / w[sel].sum()
            ax2.plot(amps, 100 * frac, style, label=f"{pop.upper()} fibers")
    pt = result.perception_threshold_ma
    discomfort, rule = result.discomfort
    if pt is not None:
        ax2.axvline(pt, color="tab:green", ls=":", label=f"PT {pt:.2f} mA")
    if discomfort is not None:
        ax2.axvline(discomfort, color="tab:red", ls="-.",
                    label=f"discomfort {discomfort:.2f} mA ({rule})")  # fmt: skip
    ax2.axvline(rec.amplitude_ma, color="0.4", ls="--", lw=1, label="program amplitude")
    ax2.set_xlabel("program amplitude (mA)")
    ax2.set_ylabel("recruited (%, weighted)")
    ax2.set_title("recruitment vs amplitude", fontsize=9)
    ax2.legend(fontsize=7)
    fig.suptitle(title or f"{result.program.name or 'program'} at {result.anatomy.level}, "
                 f"dCSF {result.anatomy.dcsf_mm:g} mm", fontsize=10)  # fmt: skip
    fig.tight_layout()
    try:
        save_figure(fig, path, field="output", dpi=100)
    finally:
        plt.close(fig)
    return path


__all__ = ["plot_map"]
