"""Cross-section of a nerve: fascicles with labels, perineurium, electrode, fibers by class.

Fiber classes differ by marker as well as colour (circle Aβ, triangle Aδ, cross C), so the
figure reads in grey scale. Cuff contacts are drawn as arcs or squares on the cuff's inner wall;
a lead near the nerve as the projection of its axis and contacts onto the cross-section.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from neurostim._files import save_figure
from neurostim.device import Program, load_lead
from neurostim.fibers.nerve import NerveFibers, fiber_classes
from neurostim.nerve import NerveGeometry, cuff
from neurostim.pipeline.nerve import cuff_preset
from neurostim.pipeline.placement import LeadPlacement

MARKERS = {"Abeta": ("o", "tab:blue"), "Adelta": ("^", "tab:orange"), "C": ("x", "tab:green")}
"""Marker and colour per fiber class."""


def plot_nerve_cross_section(
    nerve: NerveGeometry,
    path: str | Path | None = None,
    *,
    fibers: NerveFibers | None = None,
    program: Program | None = None,
    placements: list[LeadPlacement] | None = None,
    title: str | None = None,
) -> Any:
    """Draw the nerve's cross-section; save to ``path`` when given. Returns the figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Arc, Ellipse

    fig, ax = plt.subplots(figsize=(7, 6))
    ax.add_patch(
        Ellipse(
            (0, 0),
            nerve.major_mm,
            nerve.minor_mm,
            fill=False,
            lw=1.5,
            color="k",
            label="nerve (epineurium)",
        )
    )
    for i, f in enumerate(nerve.fascicles):
        p = 2.0 * f.perineurium_um / 1000.0
        ax.add_patch(
            Ellipse(
                (f.x_mm, f.y_mm),
                f.major_um / 1000 + p,
                f.minor_um / 1000 + p,
                angle=f.angle_deg,
                color="0.55",
                lw=0,
                label="perineurium" if i == 0 else None,
            )
        )
        ax.add_patch(
            Ellipse(
                (f.x_mm, f.y_mm),
                f.major_um / 1000,
                f.minor_um / 1000,
                angle=f.angle_deg,
                color="0.93",
                lw=0.5,
                ec="0.3",
            )
        )
        tag = "" if f.function == "mixed" else f" {f.function[0]}"
        ax.annotate(f"{i}{tag}", (f.x_mm, f.y_mm), ha="center", va="center", fontsize=7)
    if fibers is not None:
        labels = {k: c.label for k, c in fiber_classes().items()}
        cls = np.asarray(fibers.fiber_class)
        for name, (marker, colour) in MARKERS.items():
            sel = cls == name
            if sel.any():
                ax.scatter(
                    fibers.x_mm[sel],
                    fibers.y_mm[sel],
                    s=6,
                    marker=marker,
                    c=colour,
                    linewidths=0.6,
                    label=f"{labels[name]} ({int(sel.sum())})",
                )
    extent = max(nerve.major_mm, nerve.minor_mm) / 2.0 * 1.3
    if program is not None and placements is not None:
        for k, (ident, place) in enumerate(zip(program.leads, placements, strict=True)):
            lead = load_lead(ident)
            preset = cuff_preset(lead)
            if preset is not None:
                c = cuff(preset)
                r = c.inner_diameter_mm / 2.0
                ax.add_patch(
                    plt.Circle(
                        (0, 0),
                        r + c.wall_mm,
                        fill=False,
                        ls="--",
                        color="0.4",
                        label=f"cuff {preset}",
                    )
                )
                for j, cc in enumerate(c.contacts):
                    arc = cc.arc_deg or math.degrees(max(cc.width_mm, cc.diameter_mm) / r)
                    ax.add_patch(
                        Arc(
                            (0, 0),
                            2 * r,
                            2 * r,
                            theta1=cc.angle_deg - arc / 2,
                            theta2=cc.angle_deg + arc / 2,
                            lw=3,
                            color="darkred",
                            label="contacts" if j == 0 else None,
                        )
                    )
                extent = max(extent, (r + c.wall_mm) * 1.2)
                continue
            pts = place.to_tissue_mm(lead.positions_mm())
            ends = place.to_tissue_mm(np.array([[0, 0, -15.0], [0, 0, 15.0]]))
            ax.plot(ends[:, 0], ends[:, 1], color="darkred", lw=1, ls=":")
            ax.scatter(
                pts[:, 0], pts[:, 1], marker="s", s=30, color="darkred", label=f"L{k + 1} {lead.id}"
            )
            extent = max(extent, float(np.abs(pts[:, :2]).max()) * 1.2)
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_xlabel("x (mm, major axis)")
    ax.set_ylabel("y (mm, towards the skin)")
    ax.set_title(title or f"{nerve.site}: {nerve.n_fascicles} fascicles")
    ax.legend(loc="upper right", fontsize=7, markerscale=2)
    if path is not None:
        save_figure(fig, path, field="plot")
    return fig


__all__ = ["MARKERS", "plot_nerve_cross_section"]
