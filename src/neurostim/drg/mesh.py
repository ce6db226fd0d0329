"""Mesh of the DRG model (Netgen OCC) from :meth:`DRGGeometry.solids`, with its lead cut out.

Each primitive of :mod:`neurostim.drg.shapes` becomes an OCC solid (``Ellipsoid`` an OCC
ellipsoid, ``Cylinder`` a cylinder, intersected with its ``clip``; ``EllipticCylinder`` an
extruded ellipse; ``Box`` a box). Region k is its solid minus the union of the solids before it
(the precedence of ``solids()``) and minus the lead body; regions are named by their material
(``fiber``, ``drg_cells``, ``capsule``, ``dura``, ``csf``, ``encapsulation``, ``fat``,
``bone``, ``muscle``), a region left empty by the ones before it is dropped. The lead body
(``insulator``) is not meshed: its surface is a zero-flux boundary, each contact's face a
boundary ``contact<k>`` (k = index in the placement's contacts) and the domain's six faces are
``ground`` (0 V).

Element sizes (``data/mesh.toml``, :data:`MESH_LEVELS`): ``contact_maxh_mm`` on the contact
faces, ``ganglion_maxh_mm`` in the ganglion, ``fiber_maxh_mm`` in roots, nerve and channels,
``foramen_maxh_mm`` in the foramen's fat, ``maxh_mm`` elsewhere, and in every thin layer at
most its thickness (times ``thin_layer_factor``): Netgen needs about one element across a layer
to mesh it ("boundary mesh is overlapping" otherwise).
"""

from __future__ import annotations

import functools
import math
import tomllib
from typing import TYPE_CHECKING, Any

import numpy as np

from neurostim.drg._io import shipped_text
from neurostim.drg.shapes import Box, Cylinder, Ellipsoid, EllipticCylinder, Solid
from neurostim.errors import InputError
from neurostim.field.fem.leads import LEAD_TIP_MM, RingLead
from neurostim.field.fem.mesh import require_ngsolve, ring_lead_solid

if TYPE_CHECKING:
    from neurostim.drg.geometry import DRGGeometry
    from neurostim.drg.lead import DRGLeadPlacement

THIN_MATERIALS = ("capsule", "dura", "csf", "encapsulation")
"""Materials of the thin layers (meshed with elements of about their thickness)."""


@functools.cache
def mesh_document() -> dict[str, Any]:
    """``data/mesh.toml``, parsed once."""
    return tomllib.loads(shipped_text("mesh.toml"))


MESH_LEVELS: dict[str, dict[str, float]] = {
    name: {k: float(v) for k, v in row.items()} for name, row in mesh_document()["levels"].items()
}
"""Element sizes per mesh level (``data/mesh.toml``)."""


def check_level(mesh_level: str) -> dict[str, float]:
    if mesh_level not in MESH_LEVELS:
        raise InputError("mesh_level", mesh_level, f"must be one of {', '.join(MESH_LEVELS)}")
    return dict(MESH_LEVELS[mesh_level])


def layer_thicknesses_mm(geometry: DRGGeometry) -> dict[str, float]:
    """Thickness of each thin material's layer (mm): what its elements must not exceed."""
    t = geometry.capsule_thickness_mm
    out = {"capsule": t, "dura": t}
    if geometry.sleeve_csf_mm > 0:
        out["csf"] = geometry.sleeve_csf_mm
    if geometry.encapsulation_mm > 0:
        out["encapsulation"] = geometry.encapsulation_mm
    return out


def mesh_sizes(geometry: DRGGeometry, mesh_level: str) -> dict[str, float]:
    """The element sizes of ``mesh_level`` for this geometry (the level's, plus one
    ``<material>_maxh_mm`` per thin layer)."""
    sizes = check_level(mesh_level)
    factor = float(mesh_document()["thin_layer_factor"])
    for material, thickness in layer_thicknesses_mm(geometry).items():
        sizes[f"{material}_maxh_mm"] = factor * thickness
    return sizes


def _region_maxh(solid: Solid, sizes: dict[str, float]) -> float | None:
    if f"{solid.material}_maxh_mm" in sizes:
        return sizes[f"{solid.material}_maxh_mm"]
    if solid.material in ("drg_cells",) or solid.name == "fiber_core":
        return sizes["ganglion_maxh_mm"]
    if solid.material == "fiber":
        return sizes["fiber_maxh_mm"]
    if solid.name == "foramen":
        return sizes["foramen_maxh_mm"]
    return None


def pole_angle_deg(geometry: DRGGeometry, placement: DRGLeadPlacement) -> float:
    """Direction in the y-z plane (deg from dorsal towards caudal) of the poles of the OCC
    ellipsoids (ganglion, core, capsule).

    An OCC ellipsoid is a surface of revolution with two poles, and OCC fails where another
    solid cuts the surface at a pole ("Bnd_Box is void", or faces Netgen cannot mesh): on x the
    roots end there, a lead or its scar comes close at ``lead_angle_deg`` and the ventral
    root at ``180 - vr_angle_deg``. The poles are put where neither comes: for a round
    cross-section (height = width) half-way between them, else on y or z, whichever axis is
    farther from both."""
    lead = geometry.lead_angle_deg
    vr = 180.0 - geometry.vr_angle_deg

    def clearance(theta: float) -> float:
        # angular distance of the pole axis (theta and theta + 180) from lead and ventral root
        return min(abs((theta - a + 90.0) % 180.0 - 90.0) for a in (lead, vr))

    _, b, c = geometry.ganglion_semi_axes_mm
    candidates = np.arange(0.0, 180.0, 1.0) if b == c else np.array([0.0, 90.0])
    return float(max(candidates, key=clearance))


def occ_solid(solid: Solid, pole_angle_deg: float = 0.0) -> Any:
    """The OCC solid of one primitive (mm); an ellipsoid has its poles at ``pole_angle_deg``
    in the y-z plane (0 or 90 unless its y and z semi-axes are equal)."""
    from netgen import occ

    if isinstance(solid, Ellipsoid):
        a, b, c = solid.semi_axes_mm
        # Netgen's Ellipsoid: r1 along the axes' n, r2 along h, r3 along n x h
        if b == c:
            t = np.deg2rad(pole_angle_deg)
            n = occ.Dir(0.0, float(np.cos(t)), float(np.sin(t)))
            return occ.Ellipsoid(occ.Axes(solid.center_mm, n=n, h=occ.X), b, a, c)
        if pole_angle_deg == 0.0:
            return occ.Ellipsoid(occ.Axes(solid.center_mm, n=occ.Y, h=occ.Z), b, c, a)
        return occ.Ellipsoid(occ.Axes(solid.center_mm, n=occ.Z, h=occ.X), c, a, b)
    if isinstance(solid, Cylinder):
        p0, p1 = np.asarray(solid.start_mm), np.asarray(solid.end_mm)
        length = float(np.linalg.norm(p1 - p0))
        d = occ.Dir(*((p1 - p0) / length))
        cyl = occ.Cylinder(occ.Pnt(*p0), d, r=solid.radius_mm, h=length)
        return cyl if solid.clip is None else cyl * occ_solid(solid.clip, pole_angle_deg)
    if isinstance(solid, EllipticCylinder):
        cy, cz = solid.center_yz_mm
        start = (solid.x_min_mm, cy, cz)
        # Netgen's Ellipse takes the major semi-axis first, along the work plane's h
        if solid.semi_y_mm >= solid.semi_z_mm:
            wp = occ.WorkPlane(occ.Axes(start, n=occ.X, h=occ.Y))
            face = wp.Ellipse(solid.semi_y_mm, solid.semi_z_mm).Face()
        else:
            wp = occ.WorkPlane(occ.Axes(start, n=occ.X, h=occ.Z))
            face = wp.Ellipse(solid.semi_z_mm, solid.semi_y_mm).Face()
        return face.Extrude(solid.x_max_mm - solid.x_min_mm)
    if isinstance(solid, Box):
        return occ.Box(occ.Pnt(*solid.min_mm), occ.Pnt(*solid.max_mm))
    raise TypeError(f"unknown primitive {type(solid).__name__}")  # pragma: no cover


def ring_lead(placement: DRGLeadPlacement) -> RingLead:
    """The placement's lead body as the finite-element layer's :class:`RingLead`: origin at E1's
    centre, direction from E1 towards the proximal contacts (ganglion -x), insulator from
    ``LEAD_TIP_MM`` beyond E1 to the domain's proximal face."""
    from neurostim.drg.lead import LEAD_AXIS

    d = np.asarray(LEAD_AXIS, np.float64)
    s = (placement.centers_mm - placement.centers_mm[0]) @ d
    half = placement.contact_length_mm / 2.0
    spans = tuple(
        sorted(((k, float(s[k] - half[k]), float(s[k] + half[k])) for k in range(len(s))),
               key=lambda t: t[1])
    )  # fmt: skip
    tip = spans[0][1] - LEAD_TIP_MM
    end = float((np.array([placement.proximal_x_mm, 0, 0]) - placement.centers_mm[0]) @ d)
    return RingLead(placement.centers_mm[0].copy(), d, placement.radius_mm, spans, tip, end)


def build_mesh(geometry: DRGGeometry, placement: DRGLeadPlacement, mesh_level: str) -> Any:
    """Netgen mesh (``netgen.meshing.Mesh``) of the geometry with the placement's lead."""
    require_ngsolve()
    from netgen import occ

    sizes = mesh_sizes(geometry, mesh_level)
    solids = geometry.solids(placement)
    body = ring_lead_solid(ring_lead(placement), sizes["contact_maxh_mm"])
    half = geometry.domain_mm / 2.0
    poles = pole_angle_deg(geometry, placement)
    regions = []
    taken: Any = None
    for solid in solids:
        if solid.material == "insulator":
            continue
        shape = occ_solid(solid, poles)
        if isinstance(solid, Box) and solid.name == "domain":
            for face in shape.faces:
                c = face.center
                if max(abs(c.x), abs(c.y), abs(c.z)) > half - 1e-7:
                    face.name = "ground"
        region = shape if taken is None else shape - taken
        taken = shape if taken is None else taken + shape
        region = region - body
        if not region.solids or _volume(region) <= 0.0:
            continue
        region.mat(solid.material)
        maxh = _region_maxh(solid, sizes)
        if maxh is not None:
            region.maxh = maxh
        regions.append(region)
    geo = occ.OCCGeometry(occ.Glue(regions))
    return geo.GenerateMesh(
        maxh=sizes["maxh_mm"], grading=sizes["grading"], curvaturesafety=sizes["curvaturesafety"]
    )


def _volume(shape: Any) -> float:
    try:
        return float(shape.mass)
    except Exception:  # pragma: no cover - OCC property failure
        return math.inf


__all__ = [
    "MESH_LEVELS",
    "THIN_MATERIALS",
    "build_mesh",
    "check_level",
    "mesh_sizes",
    "occ_solid",
    "pole_angle_deg",
    "ring_lead",
]
