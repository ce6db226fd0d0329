"""A spinal-cord anatomy -> the finite-element conductor, lead placement and dorsal-column fibers.

The anatomy (:class:`neurostim.anatomy.SpinalCordAnatomy`, data) and the finite-element model
(:class:`neurostim.field.fem.SpinalCordFEM`, physics) do not know each other; this module maps
one onto the other, in the model's frame: z along the cord, x mediolateral, y growing
ventrally, origin on the axis of the dural sac, the model spanning z in [-length/2, length/2].

- **Geometry**: cord AP and transverse diameters, dorsal and ventral CSF, cord offset, dura,
  epidural space, bone, outer radius, length and the tissue conductivities are taken as they
  are; the dural sac is the anatomy's ellipse (semi-axes cord_transverse / 2 + lateral CSF and
  cord_ap / 2 + (dCSF + vCSF) / 2), dura and epidural layer grow it on both semi-axes
  (``neurostim.anatomy.layers``).
- **Leads** (``anatomy_placements``): side by side across the cord, centred at
  ``lead_ml_offset_mm``, ``DEFAULT_LEAD_SPACING_MM`` apart; a ring lead's body, or a paddle's
  contact face, ``lead_gap_to_dura_mm`` dorsal of the dura's outer ellipse at the lead's x
  (along y); the train's active contacts centred at z = 0. ``space="intradural"`` puts a ring
  lead under the dura instead: its body in the dorsal CSF, ``lead_gap_to_dura_mm`` ventral of
  the dura's inner surface, refused where it would come within ``CSF_MARGIN_MM`` of the cord.
- **Dorsal-column fibers** (``dorsal_column_fibers``): straight MRG fibers parallel to the
  cord at given depths below the cord's dorsal surface (measured along y at each fiber's x),
  within ``dc_max_depth_mm`` of the anatomy, across the middle of the dorsal columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neurostim.anatomy import SpinalCordAnatomy
from neurostim.anatomy.conductivity import TISSUES
from neurostim.device import Program, load_lead
from neurostim.errors import InputError
from neurostim.fibers import FiberPopulation
from neurostim.fibers.spinal import cord_ellipse, dorsal_column_grid
from neurostim.field.fem import Conductivities, LayeredCord, SpinalCordFEM
from neurostim.field.fem.geometry import CSF_MARGIN_MM, ellipse_implicit
from neurostim.pipeline.drive import pick_train
from neurostim.pipeline.placement import DEFAULT_LEAD_SPACING_MM, LeadPlacement


def layered_cord(anatomy: SpinalCordAnatomy) -> LayeredCord:
    """The finite-element geometry of an anatomy (see the module docstring)."""
    if not isinstance(anatomy, SpinalCordAnatomy):
        raise InputError("anatomy", type(anatomy).__name__, "must be a SpinalCordAnatomy")
    sigma = anatomy.conductivity.values_s_per_m()
    return LayeredCord(
        cord_ap_mm=anatomy.cord_ap_mm,
        cord_transverse_mm=anatomy.cord_transverse_mm,
        dcsf_mm=anatomy.dcsf_mm,
        vcsf_mm=anatomy.vcsf_mm,
        cord_ml_offset_mm=anatomy.cord_ml_offset_mm,
        grey_area_fraction=anatomy.grey_matter.gm_area_fraction,
        dura_thickness_mm=anatomy.dura_thickness_mm,
        lateral_csf_mm=anatomy.lateral_csf_mm,
        epidural_thickness_mm=anatomy.epidural_thickness_mm,
        bone_outer_radius_mm=anatomy.bone_outer_radius_mm,
        outer_radius_mm=anatomy.outer_radius_mm,
        length_mm=anatomy.length_mm,
        conductivity=Conductivities(**{t: float(sigma[t]) for t in TISSUES}),
    )


def fem_conductor(anatomy: SpinalCordAnatomy, **options: Any) -> SpinalCordFEM:
    """The finite-element conductor of an anatomy; ``options`` go to SpinalCordFEM
    (``mesh_level``, ``contact_model``, ``order``, ``cache_dir`` ...)."""
    return SpinalCordFEM(layered_cord(anatomy), **options)


LEAD_SPACES = ("epidural", "intradural")


def _dura_surface_y_mm(cord: LayeredCord, x_mm: float, surface: str = "dura") -> float:
    """y of the dura's outer (``"dura"``) or inner (``"sac"``) surface at ``x_mm``."""
    return cord.dorsal_surface_y_mm(surface, x_mm)


def _check_clear_of_cord(
    cord: LayeredCord, x: float, y: float, radius: float, gap_mm: float
) -> None:
    """Refuse a ring lead (axis at x, y) that comes within CSF_MARGIN_MM of the cord."""
    phi = np.linspace(0.0, 2.0 * np.pi, 360, endpoint=False)
    px, py = x + radius * np.cos(phi), y + radius * np.sin(phi)
    m = CSF_MARGIN_MM
    semi = (cord.cord_transverse_mm / 2.0 + m, cord.cord_ap_mm / 2.0 + m)
    if np.any(ellipse_implicit(px, py, cord.cord_center_xy_mm, semi) < 1.0):
        room = cord.dcsf_mm - 2.0 * radius - m
        raise InputError(
            "lead_gap_to_dura_mm",
            gap_mm,
            f"an intradural lead must stay {m} mm clear of the cord; the dorsal CSF "
            f"({cord.dcsf_mm:.4g} mm) holds a {2 * radius:.4g} mm lead at gaps below about "
            f"{max(room, 0.0):.4g} mm at the midline",
        )


def anatomy_placements(
    program: Program,
    anatomy: SpinalCordAnatomy,
    *,
    train_index: int | None = None,
    lead_spacing_mm: float = DEFAULT_LEAD_SPACING_MM,
    space: str = "epidural",
) -> list[LeadPlacement]:
    """One placement per lead of ``program`` on the dura of ``anatomy`` (module docstring);
    ``space="intradural"``: ring leads under the dura, in the dorsal CSF."""
    if space not in LEAD_SPACES:
        raise InputError("space", space, f"must be one of {', '.join(LEAD_SPACES)}")
    cord = layered_cord(anatomy)
    t = pick_train(program, train_index)
    used = set(program.trains[t].contacts)
    leads = [load_lead(ident) for ident in program.leads]
    z_used = [c.position_mm[2] for k, lead in enumerate(leads) for c in lead.contacts
              if f"L{k + 1}.{c.id}" in used]  # fmt: skip
    z_mid = 0.5 * (min(z_used) + max(z_used)) if z_used else 0.0
    n = len(leads)
    out = []
    for k, lead in enumerate(leads):
        x = anatomy.lead_ml_offset_mm + (k - (n - 1) / 2) * lead_spacing_mm
        shapes = {c.shape for c in lead.contacts}
        if shapes not in ({"ring"}, {"rectangle"}):
            raise InputError(f"leads[{k}]", sorted(shapes), "mixes ring and rectangle contacts")
        if space == "intradural":
            if shapes != {"ring"}:
                raise InputError("space", space, "only percutaneous (ring) leads go intradurally")
            radius = max(float(c.diameter_mm or 0.0) for c in lead.contacts) / 2.0
            # the body's dorsal edge lies the gap ventral of the dura's inner surface
            y = _dura_surface_y_mm(cord, x, "sac") + anatomy.lead_gap_to_dura_mm + radius
            _check_clear_of_cord(cord, x, y, radius, anatomy.lead_gap_to_dura_mm)
            out.append(LeadPlacement(origin_mm=(x, y, -z_mid)))
            continue
        surface = _dura_surface_y_mm(cord, x) - anatomy.lead_gap_to_dura_mm
        if shapes == {"ring"}:
            radius = max(float(c.diameter_mm or 0.0) for c in lead.contacts) / 2.0
            y = surface - radius  # the ring's axis lies one radius dorsal of its surface
        else:
            y = surface - max(float(c.position_mm[1]) for c in lead.contacts)
        out.append(LeadPlacement(origin_mm=(x, y, -z_mid)))
    return out


def dorsal_column_fibers(
    anatomy: SpinalCordAnatomy,
    *,
    depths_mm: Sequence[float] = (0.1, 0.3, 0.5),
    x_mm: Sequence[float] = (-1.0, 0.0, 1.0),
    diameters_um: Sequence[float] = (5.7, 10.0, 16.0),
    class_fractions: Sequence[float] = (0.70, 0.25, 0.05),
    n_nodes: int = 41,
    seed: int | None = 0,
) -> FiberPopulation:
    """Straight dorsal-column MRG fibers below the cord's dorsal surface, every class at every
    (x, depth) point, weighted by class fraction: the fibers of
    :func:`neurostim.fibers.spinal.dorsal_column_grid` at mediolateral positions ``x_mm`` from
    the cord's midline, which must lie across the middle of the dorsal columns."""
    _, _, a, _ = cord_ellipse(anatomy)
    xs = np.asarray(x_mm, np.float64)
    if xs.size == 0 or not np.all(np.isfinite(xs) & (np.abs(xs) < 0.5 * a)):
        raise InputError(
            "x_mm", tuple(x_mm), f"must lie across the dorsal columns, |x| < {a / 2:.3g} mm"
        )
    grid = dorsal_column_grid(
        anatomy, depths_mm=depths_mm, ml_mm=xs.tolist(), diameters_um=diameters_um,
        class_fractions=class_fractions, n_nodes=n_nodes, seed=seed,
    )  # fmt: skip
    return grid.fibers


__all__ = [
    "LEAD_SPACES",
    "anatomy_placements",
    "dorsal_column_fibers",
    "fem_conductor",
    "layered_cord",
]
