"""Figures of a DRG model: a cross-section and a longitudinal section (through the ganglion's
axis and the lead) with tissues, lead and somata.

Tissues are drawn by evaluating the model's solids (:meth:`DRGGeometry.solids`) on a grid, so
the figure shows exactly the regions a mesher builds. Somata are projected onto each section,
coloured **and** marked by type (Aβ circle, Aδ triangle, C cross): colour is never the only cue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neurostim._files import IMAGE_SUFFIXES, check_output_path, save_figure
from neurostim.drg.geometry import DRGGeometry
from neurostim.drg.lead import DRGLeadPlacement
from neurostim.drg.neurons import NEURON_TYPES, neuron_types
from neurostim.drg.population import DRGPopulation
from neurostim.drg.shapes import region_index

MATERIAL_COLOURS = {
    "insulator": "#404040",
    "fiber": "#e8c547",
    "drg_cells": "#f4a38c",
    "capsule": "#c49a6c",
    "dura": "#7f9fcf",
    "csf": "#bfe3f7",
    "encapsulation": "#9aa86a",
    "fat": "#fbf3c8",
    "bone": "#d9d9d9",
    "muscle": "#d8b4b4",
}
"""Fill colour per material (tissues are also named in the legend)."""
TYPE_STYLE = {
    "abeta": {"color": "#1f4e9c", "marker": "o"},
    "adelta": {"color": "#2a9d3a", "marker": "^"},
    "c": {"color": "#b3261e", "marker": "x"},
}
"""Colour and marker per neuron type: each type differs in both."""
GRID_POINTS = 360
"""Grid points along each side of a section image."""


def plot_drg(
    geometry: DRGGeometry,
    path: str | Path,
    *,
    population: DRGPopulation | None = None,
    placement: DRGLeadPlacement | None = None,
    section_x_mm: float = 0.0,
    title: str | None = None,
) -> Path:
    """Write a two-panel figure: the cross-section (y-z) at ``section_x_mm`` and the
    longitudinal section through the ganglion's axis and the lead (the x-y plane without a
    lead), zoomed on the foramen.

    Written to a temporary file beside ``path`` and renamed (no half-written image).
    """
    path = check_output_path("plot", path, IMAGE_SUFFIXES)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    solids = geometry.solids(placement)
    fig, (ax_cross, ax_long) = plt.subplots(1, 2, figsize=(13, 5.2))
    half_y = geometry.foramen_width_mm / 2 + 1.5
    half_z = geometry.foramen_height_mm / 2 + 1.5
    used = _section(ax_cross, solids, "yz", section_x_mm, (-half_z, half_z), (-half_y, half_y))
    x_lo, x_hi = geometry.central_end_x_mm, geometry.peripheral_end_x_mm
    angle = geometry.lead_angle_deg if placement is not None else 0.0
    toward = (np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle)))
    half_v = max(half_y, half_z) if placement is not None else half_y
    used |= _section(ax_long, solids, toward, 0.0, (x_lo - 1, x_hi + 1), (-half_v, half_v))
    if placement is not None:
        _lead(ax_cross, ax_long, placement, toward)
    if population is not None:
        _somata(ax_cross, ax_long, population, toward)
    ax_cross.set_xlabel("z (mm, caudal +)")
    ax_cross.set_ylabel("y (mm, dorsal +)")
    ax_cross.set_title(f"cross-section at x = {section_x_mm:g} mm (somata projected)")
    ax_long.set_xlabel("x (mm, distal +: dorsal root left, spinal nerve right)")
    ax_long.set_ylabel(f"mm from the axis towards {angle:g} deg (0 dorsal, 90 caudal)")
    ax_long.set_title("longitudinal section through the axis and the lead\n"
                      "(somata projected; * active contact)")  # fmt: skip
    for ax in (ax_cross, ax_long):
        ax.set_aspect("equal")
    ordered = [m for m in MATERIAL_COLOURS if m in used]
    handles = [Patch(facecolor=MATERIAL_COLOURS[m], edgecolor="k", label=m) for m in ordered]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 6), fontsize=8)
    if population is not None:
        ax_long.legend(loc="upper right", fontsize=8)
    fig.suptitle(title or f"DRG {geometry.level} (dermatome {geometry.dermatome})")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    try:
        return save_figure(fig, path, field="plot", dpi=130)
    finally:
        plt.close(fig)


def _section(
    ax: Any,
    solids: tuple[Any, ...],
    plane: str | tuple[float, float],
    offset_mm: float,
    h_range: tuple[float, float],
    v_range: tuple[float, float],
) -> set[str]:
    """Draw the tissues of one plane (``"yz"``: horizontal z, vertical y at x = offset; a
    direction (e_y, e_z): horizontal x, vertical the distance from the axis along it);
    returns the materials seen."""
    h = np.linspace(*h_range, GRID_POINTS)
    v = np.linspace(*v_range, GRID_POINTS)
    hh, vv = np.meshgrid(h, v)
    flat_h, flat_v = hh.ravel(), vv.ravel()
    if isinstance(plane, str):  # "yz"
        points = np.column_stack([np.full_like(flat_h, offset_mm), flat_v, flat_h])
    else:
        ey, ez = plane
        points = np.column_stack([flat_h, flat_v * ey, flat_v * ez])
    idx = region_index(solids, points)
    materials = [s.material for s in solids] + ["muscle"]
    names = sorted({materials[i] for i in np.unique(idx)}, key=list(MATERIAL_COLOURS).index)
    code = {m: k for k, m in enumerate(names)}
    image = np.array([code[materials[i]] for i in idx]).reshape(hh.shape)
    from matplotlib.colors import ListedColormap

    cmap = ListedColormap([MATERIAL_COLOURS[m] for m in names])
    extent = (h_range[0], h_range[1], v_range[0], v_range[1])
    ax.imshow(image, origin="lower", extent=extent, cmap=cmap, vmin=-0.5,
              vmax=len(names) - 0.5, interpolation="nearest")  # fmt: skip
    ax.contour(hh, vv, image, levels=np.arange(len(names)) + 0.5, colors="k", linewidths=0.4)
    return set(names)


def _lead(ax_cross: Any, ax_long: Any, p: DRGLeadPlacement, toward: tuple[float, float]) -> None:
    from matplotlib.patches import Circle, Rectangle

    y, z = map(float, p.axis_yz_mm)
    ax_cross.add_patch(Circle((z, y), p.radius_mm, facecolor="none", edgecolor="k", lw=1.2))
    y = y * toward[0] + z * toward[1]  # the lead's distance from the axis in the section
    for cid, centre, length in zip(p.contact_ids, p.centers_mm, p.contact_length_mm, strict=True):
        active = cid in p.active_ids
        ax_long.add_patch(
            Rectangle((centre[0] - length / 2, y - p.radius_mm), length, 2 * p.radius_mm,
                      facecolor="#b0b0b0" if active else "white", edgecolor="k",
                      hatch="///" if active else None, lw=0.8)
        )  # fmt: skip
        label = cid.split(".")[-1] + ("*" if active else "")
        ax_long.annotate(label, (centre[0], y - p.radius_mm), xytext=(0, -9),
                         textcoords="offset points", ha="center", fontsize=7)  # fmt: skip


def _somata(ax_cross: Any, ax_long: Any, pop: DRGPopulation, toward: tuple[float, float]) -> None:
    labels = {name: t.label for name, t in neuron_types().items()}
    for name in NEURON_TYPES:
        sel = pop.type == name
        if not sel.any():
            continue
        c = pop.soma_center_mm[sel]
        style = TYPE_STYLE[name]
        kw = {"s": 9, "linewidths": 0.7, "color": style["color"], "marker": style["marker"]}
        ax_cross.scatter(c[:, 2], c[:, 1], **kw)
        v = c[:, 1] * toward[0] + c[:, 2] * toward[1]
        ax_long.scatter(c[:, 0], v, label=f"{labels[name]} ({int(sel.sum())})", **kw)


__all__ = ["MATERIAL_COLOURS", "TYPE_STYLE", "plot_drg"]
