"""Figure of a DRG map: the ganglion's cross-section with the somata coloured by threshold, and
the recruitment curve of each neuron type.

Left: the tissues at the ganglion's centre (x = 0) with the lead; each soma projected onto the
section, its marker giving its type (Aβ circle, Aδ triangle, C cross, as ``plots.py``), its
colour the threshold (log scale); a soma recruited at the program amplitude is ringed, one
without a threshold is grey. Right: recruited fraction of each type against amplitude (log),
the program amplitude dashed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neurostim._files import IMAGE_SUFFIXES, check_output_path, save_figure
from neurostim.drg.neurons import NEURON_TYPES, neuron_types
from neurostim.drg.plots import MATERIAL_COLOURS, TYPE_STYLE, _lead, _section

if TYPE_CHECKING:
    from neurostim.drg.map import DRGMap


def plot_map(result: DRGMap, path: str | Path) -> Path:
    """Write the two-panel map figure to ``path`` (.png, .svg or .pdf), atomically."""
    path = check_output_path("plot", path, IMAGE_SUFFIXES)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    from matplotlib.patches import Patch

    g, pop = result.geometry, result.population
    fig, (ax, ax_rc) = plt.subplots(1, 2, figsize=(13, 5.4))
    half_y = g.foramen_width_mm / 2 + 1.5
    half_z = g.foramen_height_mm / 2 + 1.5
    used = _section(ax, g.solids(result.placement), "yz", 0.0, (-half_z, half_z), (-half_y, half_y))
    angle = np.deg2rad(g.lead_angle_deg)
    _lead(ax, ax_rc, result.placement, (float(np.cos(angle)), float(np.sin(angle))))
    for p in list(ax_rc.patches):  # _lead also draws the contacts on a longitudinal axis
        p.remove()
    for t in list(ax_rc.texts):
        t.remove()
    ok = (result.status == "ok") & np.isfinite(result.threshold_ma)
    thr = result.threshold_ma
    norm = LogNorm(vmin=float(thr[ok].min()), vmax=float(thr[ok].max())) if ok.any() else None
    labels = {name: t.label for name, t in neuron_types().items()}
    c = pop.soma_center_mm
    mappable = None
    for name in NEURON_TYPES:
        sel = pop.type == name
        if not sel.any():
            continue
        marker = TYPE_STYLE[name]["marker"]
        bad = sel & ~ok
        ax.scatter(c[bad, 2], c[bad, 1], s=10, marker=marker, color="#9a9a9a", linewidths=0.7)
        good = sel & ok
        if good.any():
            mappable = ax.scatter(c[good, 2], c[good, 1], s=12, marker=marker, c=thr[good],
                                  cmap="viridis", norm=norm, linewidths=0.8)  # fmt: skip
        hit = good & (thr <= result.amplitude_ma)
        if hit.any() and marker != "x":
            ax.scatter(c[hit, 2], c[hit, 1], s=40, marker="o", facecolors="none",
                       edgecolors="k", linewidths=0.6)  # fmt: skip
    if mappable is not None:
        fig.colorbar(mappable, ax=ax, label="threshold (mA)", shrink=0.8)
    ax.set_aspect("equal")
    ax.set_xlabel("z (mm, caudal +)")
    ax.set_ylabel("y (mm, dorsal +)")
    _, b, c_semi = g.capsule_semi_axes_mm
    reach = max(b, c_semi) + 2.0 * result.placement.radius_mm + g.lead_gap_mm + 1.0
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-reach, reach)
    ax.set_title("somata by threshold (projected)\nringed: recruited at the program amplitude")
    curve = result.recruitment_curve()
    a = np.asarray(curve["amplitude_ma"])
    for name in result.types_present():
        style = TYPE_STYLE[name]
        ax_rc.plot(a, 100 * np.asarray(curve[name]), color=style["color"],
                   marker=style["marker"], markevery=5, label=labels[name])  # fmt: skip
    ax_rc.axvline(result.amplitude_ma, color="k", ls="--", lw=0.8, label="program")
    ax_rc.set_xscale("log")
    ax_rc.set_ylim(-2, 102)
    ax_rc.set_xlabel("amplitude (mA)")
    ax_rc.set_ylabel("recruited (% of the type's neurons)")
    ax_rc.set_title("recruitment (AP reaching the central end)")
    ax_rc.legend(loc="upper left", fontsize=8)
    ax_rc.set_aspect("auto")
    ordered = [m for m in MATERIAL_COLOURS if m in used]
    handles = [Patch(facecolor=MATERIAL_COLOURS[m], edgecolor="k", label=m) for m in ordered]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 6), fontsize=8)
    fig.suptitle(f"DRG map: {result.program.name} on {g.level} (dermatome {g.dermatome}), "
                 f"{result.amplitude_ma:g} mA")  # fmt: skip
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    try:
        return save_figure(fig, path, field="plot", dpi=130)
    finally:
        plt.close(fig)


__all__ = ["plot_map"]
