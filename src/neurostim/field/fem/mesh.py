"""Mesh of the layered cord with its leads (Netgen OCC), graded towards the contacts.

Every tissue is a solid of the OCC geometry named by its material (``grey``, ``white``,
``csf``, ``dura``, ``epidural``, ``bone``, ``outer``); the lead bodies are cut out of all of
them (an insulator: a natural zero-flux boundary), each contact face is a boundary named
``contact<k>`` (k = its index in the contact list) and the outer cylinder with both end faces is
``ground`` (0 V). Element sizes per level (:data:`MESH_LEVELS`): ``contact_maxh_mm`` on the
contact faces (the edges of a contact carry the highest current density), ``cord_maxh_mm`` in
the cord, ``maxh_mm`` elsewhere, with Netgen's ``grading`` between them; optionally
``<tissue>_maxh_mm`` in another tissue (``csf_maxh_mm`` ...) and ``dorsal_maxh_mm`` in the dorsal
band of the cord near the contacts (:func:`dorsal_lines_mm`), where the fibers meet the
steepest field: it buys the fine mesh's thresholds for a fraction of its elements (docs/fem.md,
"Mesh convergence"). ``curvaturesafety``
(elements per radius of curvature) is kept low: the thin lead body runs the whole length of the
model and would otherwise fill it with small elements (measured: 38 000 elements and 19 s at
Netgen's default 2 against 15 000 and 6 s at 1 on a small test model). Elements are straight
(P2 on a polygonal surface).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from neurostim.errors import InputError
from neurostim.field.fem.geometry import LayeredCord
from neurostim.field.fem.leads import Lead, PaddleLead, RingLead

MESH_LEVELS: dict[str, dict[str, float]] = {
    "coarse": {
        "contact_maxh_mm": 0.25,
        "cord_maxh_mm": 1.0,
        "maxh_mm": 8.0,
        "grading": 0.4,
        "curvaturesafety": 1.0,
        "dorsal_maxh_mm": 0.6,
        "dura_maxh_mm": 2.0,
    },
    "medium": {
        "contact_maxh_mm": 0.18,
        "cord_maxh_mm": 0.7,
        "maxh_mm": 6.0,
        "grading": 0.25,
        "curvaturesafety": 1.5,
    },
    "fine": {
        "contact_maxh_mm": 0.12,
        "cord_maxh_mm": 0.5,
        "maxh_mm": 4.0,
        "grading": 0.25,
        "curvaturesafety": 2.0,
    },
}
"""Element sizes per mesh level [ours; spinal-cord.md §5: contact edges 0.1-0.2 mm].

Coarse carries ``dorsal_maxh_mm``: without it its thresholds were up to 6.5 % off the fine
mesh's, with it within 1 % (docs/fem.md, "Mesh convergence"); and ``dura_maxh_mm``: with the
band alone Netgen failed on the thin dura of some models ("boundary mesh is overlapping"), as
it did for medium at grading 0.3 on the two-lead T10 model (medium grades at 0.25)."""

DORSAL_BAND_MM = 1.5
"""Depth below the cord's dorsal surface refined by ``dorsal_maxh_mm`` [ours; the dorsal-column
fibers lie within ``dc_max_depth_mm``, about 0.5 mm]."""
DORSAL_BAND_WIDTH = 0.8
"""Share of the cord's half-width refined on either side of the midline [ours]."""
DORSAL_MARGIN_MM = 10.0
"""The refined band extends this far beyond the contacts' z range [ours]."""

MATERIALS = ("grey", "white", "csf", "dura", "epidural", "bone", "outer")


def require_ngsolve() -> Any:
    """Import ngsolve, or refuse with the command that installs it."""
    try:
        import ngsolve
    except ImportError:
        raise ImportError(
            "the finite-element volume conductor needs NGSolve: pip install 'neurostim[fem]'"
        ) from None
    return ngsolve


def check_level(mesh_level: str) -> dict[str, float]:
    if mesh_level not in MESH_LEVELS:
        raise InputError("mesh_level", mesh_level, f"must be one of {', '.join(MESH_LEVELS)}")
    return MESH_LEVELS[mesh_level]


def _tissues(cord: LayeredCord) -> list[tuple[str, Any]]:
    from netgen import occ

    half = cord.length_mm / 2.0

    def cyl(r: float) -> Any:
        return occ.Cylinder(occ.Pnt(0, 0, -half), occ.Z, r=r, h=cord.length_mm)

    def elliptic_cyl(center: tuple[float, float], ax: float, ay: float) -> Any:
        # Netgen's Ellipse takes the major semi-axis first along the work plane's h direction
        if ax >= ay:
            wp = occ.WorkPlane(occ.Axes((center[0], center[1], -half), n=occ.Z, h=occ.X))
            return wp.Ellipse(ax, ay).Face().Extrude(cord.length_mm)
        wp = occ.WorkPlane(occ.Axes((center[0], center[1], -half), n=occ.Z, h=occ.Y))
        return wp.Ellipse(ay, ax).Face().Extrude(cord.length_mm)

    def ellipse(scale: float) -> Any:
        ax, ay = scale * cord.cord_transverse_mm / 2, scale * cord.cord_ap_mm / 2
        return elliptic_cyl(cord.cord_center_xy_mm, ax, ay)

    def around_axis(semi: tuple[float, float]) -> Any:
        # a circle stays an OCC cylinder (the geometry of the circular sac is unchanged)
        return cyl(semi[0]) if semi[0] == semi[1] else elliptic_cyl((0.0, 0.0), *semi)

    cord_solid = ellipse(1.0)
    solids: list[tuple[str, Any]] = []
    if cord.grey_area_fraction > 0:
        grey = ellipse(float(np.sqrt(cord.grey_area_fraction)))
        solids += [("grey", grey), ("white", cord_solid - grey)]
    else:
        solids.append(("white", cord_solid))
    bone = cord.bone_outer_radius_mm
    outer = cord.outer_radius_mm
    layers = [
        ("csf", cord.sac_semi_axes_mm),
        ("dura", cord.dura_semi_axes_mm),
        ("epidural", cord.epidural_semi_axes_mm),
        ("bone", (bone, bone)),
        ("outer", (outer, outer)),
    ]
    inner: Any = cord_solid
    inner_semi = (0.0, 0.0)
    for name, semi in layers:
        if max(semi[0] - inner_semi[0], semi[1] - inner_semi[1]) <= 1e-9:
            continue  # a layer of thickness 0 is absent
        solid = around_axis(semi)
        solids.append((name, solid - inner))
        inner, inner_semi = solid, semi
    for _, solid in solids:
        for face in solid.faces:
            bb = face.bounding_box
            at_end = abs(abs(face.center.z) - half) < 1e-7
            if at_end or bb[1].x > cord.outer_radius_mm - 1e-7:
                face.name = "ground"
    return solids


def ring_lead_solid(lead: RingLead, contact_maxh_mm: float) -> Any:
    """OCC solid of a ring lead's body: cylinder pieces glued, each contact's face named
    ``contact<k>`` with its element size limited to ``contact_maxh_mm``."""
    return _ring_body(lead, contact_maxh_mm)


def _ring_body(lead: RingLead, contact_maxh_mm: float) -> Any:
    from netgen import occ

    d = occ.Dir(*lead.direction)
    pieces = []
    s = lead.s_tip_mm
    for k, s0, s1 in lead.contacts:
        if s0 - s > 1e-9:
            pieces.append(_cyl_piece(lead, s, s0, d))
        ring = _cyl_piece(lead, s0, s1, d)
        _name_contact(ring, lead.origin_mm + 0.5 * (s0 + s1) * lead.direction, k, contact_maxh_mm)
        pieces.append(ring)
        s = s1
    pieces.append(_cyl_piece(lead, s, lead.s_end_mm, d))
    return occ.Glue(pieces)


def _name_contact(solid: Any, centre_mm: Any, k: int, maxh_mm: float) -> None:
    """Name the face of ``solid`` centred at ``centre_mm`` (the contact surface) ``contact<k>``
    and limit its element size."""
    for face in solid.faces:
        c = face.center
        if np.linalg.norm(np.array([c.x, c.y, c.z]) - centre_mm) < 1e-6:
            face.name = f"contact{k}"
            face.maxh = maxh_mm


def _cyl_piece(lead: RingLead, s0: float, s1: float, d: Any) -> Any:
    from netgen import occ

    p = lead.origin_mm + s0 * lead.direction
    return occ.Cylinder(occ.Pnt(*p), d, r=lead.radius_mm, h=s1 - s0)


def _paddle_body(lead: PaddleLead, contact_maxh_mm: float) -> Any:
    from netgen import occ

    def prism(a0: float, a1: float, b0: float, b1: float) -> Any:
        wp = occ.WorkPlane(occ.Axes(tuple(lead.origin_mm), n=occ.Dir(*lead.n), h=occ.Dir(*lead.u)))
        return wp.MoveTo(a0, b0).Rectangle(a1 - a0, b1 - b0).Face().Extrude(lead.thickness_mm)

    slab = prism(*lead.extent)
    pieces = []
    for k, a0, a1, b0, b1 in lead.contacts:
        block = prism(a0, a1, b0, b1)
        slab = slab - block
        mid = lead.origin_mm + 0.5 * (a0 + a1) * lead.u + 0.5 * (b0 + b1) * lead.w
        _name_contact(block, mid, k, contact_maxh_mm)
        pieces.append(block)
    return occ.Glue([slab, *pieces])


REFERENCE_CORD_MM = 7.0
"""Mean cord diameter the element sizes of :data:`MESH_LEVELS` were set on (human thoracic)
[ours]; a smaller cord scales every length of its level down by its own mean diameter / this."""
RING_SEGMENTS = 16
"""A ring contact's circumference holds at least this many elements [ours]."""
CONTACT_FEATURE_FRACTION = 0.25
"""A contact's length (a ring's, or a rectangle's shorter side) holds at least 1 / this many
elements [ours]."""


def mesh_sizes(cord: LayeredCord, leads: Sequence[Lead], mesh_level: str) -> dict[str, float]:
    """The element sizes of ``mesh_level`` for this cord and these leads.

    A cord smaller than the human one the levels were set on (``REFERENCE_CORD_MM``, e.g. an
    isolated rodent cord) scales every ``*_maxh_mm`` (and the refined dorsal band) down with
    its mean diameter, and no contact is meshed coarser than ``RING_SEGMENTS`` elements round a
    ring or ``1 / CONTACT_FEATURE_FRACTION`` along its shortest side. For the human levels and
    the catalog's contacts this returns the level's sizes unchanged.
    """
    sizes = dict(check_level(mesh_level))
    scale = min(1.0, 0.5 * (cord.cord_ap_mm + cord.cord_transverse_mm) / REFERENCE_CORD_MM)
    if scale < 1.0:
        for name in list(sizes):
            if name == "maxh_mm" or name.endswith("_maxh_mm"):
                sizes[name] *= scale
        sizes["length_scale"] = scale
    feature = math.inf
    for lead in leads:
        if isinstance(lead, RingLead):
            for _, s0, s1 in lead.contacts:
                feature = min(feature, 2.0 * math.pi * lead.radius_mm / RING_SEGMENTS,
                              CONTACT_FEATURE_FRACTION * (s1 - s0))  # fmt: skip
        else:
            for _, a0, a1, b0, b1 in lead.contacts:
                feature = min(feature, CONTACT_FEATURE_FRACTION * min(a1 - a0, b1 - b0))
    if feature < sizes["contact_maxh_mm"]:
        sizes["contact_maxh_mm"] = feature
    return sizes


def build_mesh(cord: LayeredCord, leads: Sequence[Lead], mesh_level: str) -> Any:
    """Netgen mesh (``netgen.meshing.Mesh``) of the cord with the leads cut out."""
    require_ngsolve()
    from netgen import occ

    sizes = mesh_sizes(cord, leads, mesh_level)
    bodies = [
        _ring_body(lead, sizes["contact_maxh_mm"])
        if isinstance(lead, RingLead)
        else _paddle_body(lead, sizes["contact_maxh_mm"])
        for lead in leads
    ]
    body = bodies[0] if len(bodies) == 1 else occ.Glue(bodies)
    solids = []
    for name, solid in _tissues(cord):
        cut = solid - body
        cut.mat(name)
        if name in ("grey", "white"):
            cut.maxh = sizes["cord_maxh_mm"]
        elif f"{name}_maxh_mm" in sizes:
            cut.maxh = sizes[f"{name}_maxh_mm"]
        solids.append(cut)
    geometry = occ.OCCGeometry(occ.Glue(solids))
    params = {
        "maxh": sizes["maxh_mm"],
        "grading": sizes["grading"],
        "curvaturesafety": sizes["curvaturesafety"],
    }
    if "dorsal_maxh_mm" not in sizes:
        return geometry.GenerateMesh(**params)
    from netgen.meshing import MeshingParameters, Pnt

    mp = MeshingParameters(**params)
    scale = sizes.get("length_scale", 1.0)
    for p0, p1 in dorsal_lines_mm(cord, leads, sizes["dorsal_maxh_mm"], scale):
        mp.RestrictHLine(Pnt(*p0), Pnt(*p1), sizes["dorsal_maxh_mm"])
    return geometry.GenerateMesh(mp=mp)


def contact_z_range_mm(leads: Sequence[Lead]) -> tuple[float, float]:
    """Lowest and highest z (mm) of any contact's surface."""
    zs: list[float] = []
    for lead in leads:
        if isinstance(lead, RingLead):
            for _, s0, s1 in lead.contacts:
                zs += [float(lead.origin_mm[2] + s * lead.direction[2]) for s in (s0, s1)]
        else:
            for _, a0, a1, b0, b1 in lead.contacts:
                zs += [
                    float(lead.origin_mm[2] + a * lead.u[2] + b * lead.w[2])
                    for a in (a0, a1)
                    for b in (b0, b1)
                ]
    return min(zs), max(zs)


def dorsal_lines_mm(
    cord: LayeredCord, leads: Sequence[Lead], h_mm: float, scale: float = 1.0
) -> list[tuple[tuple[float, float, float], tuple[float, float, float]]]:
    """Lines along z, at most ``h_mm`` apart, filling the dorsal band of the cord (the outer
    ``DORSAL_BAND_MM`` below its dorsal surface, ``DORSAL_BAND_WIDTH`` of its width) over the
    contacts' z range and ``DORSAL_MARGIN_MM`` beyond it: where dorsal-column and dorsal-root
    fibers meet the steepest field. Netgen keeps the element size at most ``h_mm`` along them.
    ``scale`` shrinks the band's depth and margin with a small cord (:func:`mesh_sizes`)."""
    cx, cy = cord.cord_center_xy_mm
    a, b = cord.cord_transverse_mm / 2.0, cord.cord_ap_mm / 2.0
    half = cord.length_mm / 2.0
    band, margin = DORSAL_BAND_MM * scale, DORSAL_MARGIN_MM * scale
    z0, z1 = contact_z_range_mm(leads)
    z0, z1 = max(z0 - margin, -half), min(z1 + margin, half)
    n_x = int(np.ceil(2.0 * DORSAL_BAND_WIDTH * a / h_mm)) + 1
    n_d = int(np.ceil(band / h_mm)) + 1
    lines = []
    for t in np.linspace(-DORSAL_BAND_WIDTH, DORSAL_BAND_WIDTH, n_x):
        surface = cy - b * float(np.sqrt(1.0 - t * t))  # y grows ventrally
        for depth in np.linspace(0.0, band, n_d):
            x, y = cx + float(t) * a, surface + float(depth)
            lines.append(((x, y, z0), (x, y, z1)))
    return lines


__all__ = [
    "MATERIALS",
    "MESH_LEVELS",
    "build_mesh",
    "check_level",
    "mesh_sizes",
    "require_ngsolve",
    "ring_lead_solid",
]
