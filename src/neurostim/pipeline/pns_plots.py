"""The PNS map as a figure: the cross-section with each fascicle coloured by the share of its
Aβ fibers recruited at the program amplitude, and recruitment curves per fascicle and class.

Fascicles are numbered as in the map (``f<i>``); curves use one colour per fascicle and one
line style per class (solid Aβ, dashed Aδ, dotted C), so the figure reads in grey scale; the
sensation, discomfort and program amplitudes are vertical lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neurostim._files import save_figure
from neurostim.device import load_lead
from neurostim.nerve import cuff
from neurostim.pipeline.nerve import cuff_preset
from neurostim.pipeline.pns import NerveMap

STYLES = {"Abeta": "-", "Adelta": "--", "C": ":"}
"""Line style per fiber class."""


def plot_pns_map(result: NerveMap, path: str | Path | None = None) -> Any:
    """Cross-section (left) and recruitment curves (right); save to ``path`` when given.
    Returns the figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Ellipse

    nerve = result.nerve
    a = result.recruitment.amplitude_ma
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 5.2))
    cmap = plt.get_cmap("viridis")
    ax.add_patch(Ellipse((0, 0), nerve.major_mm, nerve.minor_mm, fill=False, lw=1.5, color="k"))
    for i, f in enumerate(nerve.fascicles):
        frac = result.fraction(result._sel("Abeta", [i]), a) or 0.0
        ax.add_patch(Ellipse((f.x_mm, f.y_mm), f.major_um / 1e3, f.minor_um / 1e3,
                             angle=f.angle_deg, fc=cmap(frac), ec="0.2", lw=0.6))  # fmt: skip
        ax.annotate(f"f{i}", (f.x_mm, f.y_mm), ha="center", va="center", fontsize=7,
                    color="w" if frac < 0.6 else "k")  # fmt: skip
    extent = max(nerve.major_mm, nerve.minor_mm) / 2.0 * 1.3
    for k, (ident, place) in enumerate(zip(result.program.leads, result.placements, strict=True)):
        lead = load_lead(ident)
        preset = cuff_preset(lead)
        if preset is not None:
            r = cuff(preset).inner_diameter_mm / 2.0
            ax.add_patch(plt.Circle((0, 0), r, fill=False, ls="--", color="darkred"))
            extent = max(extent, 1.2 * r)
            continue
        pts = place.to_tissue_mm(lead.positions_mm())
        ax.scatter(pts[:, 0], pts[:, 1], marker="s", s=30, color="darkred",
                   label=f"L{k + 1} {lead.id}")  # fmt: skip
        extent = max(extent, float(np.abs(pts[:, :2]).max()) * 1.2)
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_xlabel("x (mm, major axis)")
    ax.set_ylabel("y (mm, towards the skin)")
    ax.set_title(f"{nerve.site}: Aβ recruited at {a:g} mA")
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1))
    fig.colorbar(sm, ax=ax, label="Aβ fraction recruited", shrink=0.8)
    if any(not result.models.get(c) for c in STYLES):
        ax.text(0.01, 0.01, "not modelled: " + ", ".join(c for c in STYLES
                if not result.models.get(c)), transform=ax.transAxes, fontsize=7)  # fmt: skip
    amps, curves = result.curves()
    colours = plt.get_cmap("tab10")
    for (i, c), y in curves.items():
        bx.plot(amps, y, STYLES[c], color=colours(i % 10), lw=1.2,
                label=f"f{i}" if c == "Abeta" else None)  # fmt: skip
    for value, label, colour in ((result.sensation_threshold_ma, "sensation", "C2"),
                                 (result.discomfort[0], "discomfort", "C3"),
                                 (a, "program", "k")):  # fmt: skip
        if value is not None:
            bx.axvline(value, color=colour, lw=0.8, ls="-.", label=label)
    bx.set_xscale("log")
    bx.set_xlabel("amplitude (mA)")
    bx.set_ylabel("fraction recruited")
    bx.set_ylim(-0.02, 1.02)
    bx.set_title("recruitment per fascicle (solid Aβ, dashed Aδ, dotted C)")
    bx.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path, field="plot")
    return fig


__all__ = ["STYLES", "plot_pns_map"]
