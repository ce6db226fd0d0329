"""``NerveFEM``: a peripheral nerve in its cuff as a :class:`~neurostim.field.VolumeConductor`.

The geometry arrives as plain data (:class:`NerveModel`), so ``neurostim.field`` never imports
``neurostim.nerve``: elliptic cylinders along z, outermost first (limb in fat, muscle, nerve as
epineurium, then per fascicle its perineurium and endoneurium; later solids lie inside earlier
ones) and the cuff's solids (an insulating ``tube``, a saline ``fill``, contacts ``arc_band``
named ``E1..En``). :func:`neurostim.pipeline.nerve_fem` builds it from a ``NerveGeometry`` and
a ``Cuff``.

Equations (lengths in mm, σ in S/m, current in mA, φ in V; peripheral-nerve.md §2, §4)::

    -∇·(σ ∇φ) = 0                        in each tissue
    φ = 0                                on the outer surface and both end faces
    σ ∂φ/∂n = 0                          on the cuff's insulation (removed from the domain)
    σ ∂φ/∂n = (φ_out − φ_in) / ρ_s       on each fascicle's perineurium (thin layer)

with ρ_s = thickness / σ_perineurium (§2 "Thin layer"). In the weak form, with x in mm, the
interface term is ∫ (σ_peri / t_mm) (φ_out − φ_in)(v_out − v_in) ds beside ∫ σ ∇φ·∇v dx; the
factors of 10⁻³ of the volume term (σ in S/mm, current in A) apply to it alike and cancel. The
potential is discontinuous across the layer: one H1 space outside the fascicles (with one
plateau unknown per contact: equipotential contacts, §3.4) and one inside them. With
``perineurium="meshed"`` the layer is a solid of its own (isotropic σ_perineurium) in one
continuous H1 space: the reference the thin layer is checked against (P1). Endoneurium and
muscle are anisotropic, diag(σ_T, σ_T, σ_L) along z; the other tissues isotropic.

One solve per contact (1 mA, the others floating) on one assembled matrix; potentials by FEM
point evaluation at any points (every section of every fiber), shape ``(n_contacts, n_points)``
in mV per mA. Meshes and solutions are cached like the spinal cord's (docs/fem.md "Cache"); the
key holds the model, the mesh level and its sizes, the element order, the tolerance and the
Netgen/NGSolve versions. Validation: docs/nerve.md "Finite-element field".
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.errors import InputError
from neurostim.field.conductor import VolumeConductor
from neurostim.field.contacts import Contact
from neurostim.field.fem import cache, checks
from neurostim.field.fem.mesh import require_ngsolve
from neurostim.field.fem.solved import Solved, UnitSolves, saved_mesh
from neurostim.units import MA_TO_A, V_TO_MV

PERINEURIUM_MODELS = ("thin-layer", "meshed")
TISSUE_KEYS = (
    "endoneurium_longitudinal",
    "endoneurium_transverse",
    "perineurium",
    "epineurium",
    "muscle_longitudinal",
    "muscle_transverse",
    "fat",
    "saline",
    "encapsulation",
)
MATERIALS = ("fat", "muscle", "epineurium", "perineurium", "endoneurium", "saline")

NERVE_MESH_LEVELS: dict[str, dict[str, float]] = {
    "coarse": {
        "h_contact_mm": 0.1,
        "h_nerve_mm": 0.2,
        "h_far_mm": 10.0,
        "grading": 0.4,
        "fascicle_elements": 1.5,
        "far_factor": 3.0,
        "near_margin_mm": 2.0,
    },
    "medium": {
        "h_contact_mm": 0.05,
        "h_nerve_mm": 0.1,
        "h_far_mm": 5.0,
        "grading": 0.3,
        "fascicle_elements": 2.0,
        "far_factor": 3.0,
        "near_margin_mm": 2.0,
    },
    "fine": {
        "h_contact_mm": 0.025,
        "h_nerve_mm": 0.05,
        "h_far_mm": 2.5,
        "grading": 0.3,
        "fascicle_elements": 3.0,
        "far_factor": 3.0,
        "near_margin_mm": 2.0,
    },
}
"""Element sizes per level: ``medium`` is peripheral-nerve.md §7 (h_contact 50 µm, h_nerve
100 µm, h_far 5 mm); coarse doubles and fine halves them [ours]. Each fascicle's endoneurium is
also limited to ``fascicle_elements`` elements across its diameter, a meshed perineurium to its
thickness times ``PERINEURIUM_ASPECT``, and a contact to ``CONTACT_ELEMENTS`` along its width.
Along z the nerve is graded [ours]: its tissues keep these sizes only in the near zone (the
contacts' z extent widened by ``near_margin_mm`` each side, :func:`near_zone_mm`) and take
``far_factor`` times them beyond it (docs/fem.md "Nerve: graded mesh")."""
CONTACT_ELEMENTS = 3.0
PERINEURIUM_ASPECT = 3.0
DEFAULT_CONTACT_THICKNESS_MM = 0.05
CG_MAXITER = 20000
MAX_CG_ROUNDS = 4
POINT_CHUNK = 65536


def domain_length_mm(distance_mm: float = 0.0) -> float:
    """Model length of §7 ``domain.length_mm``: max(60, 4 × lead-to-nerve distance + 40) mm."""
    return max(60.0, 4.0 * float(distance_mm) + 40.0)


@dataclass(frozen=True)
class NerveModel:
    """Plain data of a nerve model (mm, deg, S/m).

    cross_section : tuple of dict
        Elliptic cylinders outermost first, each with ``name``, ``material`` (one of
        ``fat``, ``muscle``, ``epineurium``, ``perineurium``, ``endoneurium``),
        ``center_xy_mm``, ``semi_axes_mm``, ``angle_deg``. The first is the outer boundary (0 V).
        A fascicle is a ``perineurium`` solid followed by its ``endoneurium``.
    cuff : tuple of dict
        ``Cuff.solids()`` in the nerve frame: a ``tube`` of insulation, an optional saline
        ``fill`` and contacts ``arc_band`` (``r_face_mm``, ``angles_deg``, ``z_range_mm``,
        ``thickness_mm``).
    conductivity_s_per_m : dict
        The nine tissues of ``neurostim.nerve.TISSUES``.
    length_mm : float
        The model spans |z| <= length_mm / 2.
    leads : tuple of dict
        Leads in the tissue (instead of a cuff): ``cylinder`` segments along each lead's axis,
        each with ``start_mm`` (x, y, z), unit ``axis``, ``radius_mm``, ``length_mm``; a
        contact carries ``contact`` (its id) and ``area_mm2`` (its exposed surface), the
        insulating segments between contacts do not. The segments are cut out of the tissue:
        a contact's surface is equipotential, an insulating segment's carries no current.
    return_pad : dict, optional
        A skin-pad return (``center_mm`` on the skin, ``radius_mm``, ``thickness_mm``): a disc
        of gel (saline's σ) on the limb's surface whose outer face is the only 0 V boundary;
        every other outer surface then carries no current. None: far ground (§3.4).
    """

    cross_section: tuple[dict[str, Any], ...]
    cuff: tuple[dict[str, Any], ...]
    conductivity_s_per_m: dict[str, float]
    length_mm: float = 60.0
    perineurium: str = "thin-layer"
    extra: dict[str, Any] = field(default_factory=dict)
    leads: tuple[dict[str, Any], ...] = ()
    return_pad: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.perineurium not in PERINEURIUM_MODELS:
            raise InputError("perineurium", self.perineurium, f"one of {PERINEURIUM_MODELS}")
        if not (math.isfinite(self.length_mm) and self.length_mm > 0):
            raise InputError("length_mm", self.length_mm, "(0, inf) mm")
        missing = [t for t in TISSUE_KEYS if t not in self.conductivity_s_per_m]
        if missing:
            raise InputError("conductivity_s_per_m", missing, f"every tissue of {TISSUE_KEYS}")
        for s in self.cross_section:
            if s["material"] not in MATERIALS:
                raise InputError(f"cross_section.{s['name']}", s["material"], str(MATERIALS))
        if self.leads:
            self._check_leads()
            return
        tubes = [c for c in self.cuff if c["kind"] == "tube" and c["name"] == "insulation"]
        if len(tubes) != 1 or not self.contacts:
            raise InputError("cuff", len(self.cuff), "an insulation tube and at least one contact")
        bad = [c["name"] for c in self.contacts if c["kind"] != "arc_band"]
        if bad:
            raise InputError("cuff", bad[0], "contacts must be arc_band (ribbons) for now")
        half = self.length_mm / 2.0
        z0, z1 = tubes[0]["z_range_mm"]
        if not (-half < z0 < z1 < half):
            raise InputError("length_mm", self.length_mm, f"longer than the cuff ({z1 - z0} mm)")

    def _check_leads(self) -> None:
        if self.cuff:
            raise InputError("cuff", len(self.cuff), "a cuff or leads in the tissue, not both")
        if not self.contacts:
            raise InputError("leads", len(self.leads), "at least one contact segment")
        half = self.length_mm / 2.0
        outer = self.cross_section[0]
        centre = np.asarray(outer["center_xy_mm"], float)
        reach = min(float(v) for v in outer["semi_axes_mm"])
        for s in self.leads:
            if s["kind"] != "cylinder":
                raise InputError(f"leads.{s['name']}", s["kind"], "cylinder segments")
            start = np.asarray(s["start_mm"], float)
            end = start + float(s["length_mm"]) * np.asarray(s["axis"], float)
            for p in (start, end):
                if np.hypot(*(p[:2] - centre)) + float(s["radius_mm"]) >= reach:
                    raise InputError(
                        f"leads.{s['name']}", tuple(float(v) for v in p),
                        f"inside the limb: within {reach:g} mm of its axis",
                    )  # fmt: skip
                if abs(p[2]) + float(s["radius_mm"]) >= half:
                    raise InputError(
                        f"leads.{s['name']}", tuple(float(v) for v in p),
                        f"inside the model: |z| < {half:g} mm (domain length {self.length_mm:g})",
                    )  # fmt: skip

    @property
    def contacts(self) -> list[dict[str, Any]]:
        return [c for c in (*self.cuff, *self.leads) if c.get("contact")]

    @property
    def n_contacts(self) -> int:
        return len(self.contacts)

    def fascicles(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(perineurium, endoneurium) solid pairs."""
        out = []
        for i, s in enumerate(self.cross_section):
            if s["material"] == "endoneurium":
                p = self.cross_section[i - 1]
                if p["material"] != "perineurium":
                    raise InputError(f"cross_section.{s['name']}", "no perineurium before it", "")
                out.append((p, s))
        return out

    def perineurium_mm(self) -> list[float]:
        """Each fascicle's perineurium thickness (mm): outer minus inner semi-axis."""
        return [p["semi_axes_mm"][0] - e["semi_axes_mm"][0] for p, e in self.fascicles()]

    def to_dict(self) -> dict[str, Any]:
        return json_safe(asdict(self))


def json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.floating | float):
        return float(value)
    return value


def check_level(level: str) -> dict[str, float]:
    if level not in NERVE_MESH_LEVELS:
        raise InputError("mesh_level", level, f"one of {', '.join(NERVE_MESH_LEVELS)}")
    return dict(NERVE_MESH_LEVELS[level])


def mesh_sizes(model: NerveModel, level: str, far_factor: float | None = None) -> dict[str, float]:
    """Element sizes of ``level`` for this model (mm), limited by its smallest features;
    ``far_factor`` replaces the level's (1: the nerve at its near sizes along its length)."""
    sizes = check_level(level)
    if far_factor is not None:
        ok = isinstance(far_factor, int | float) and not isinstance(far_factor, bool)
        if not (ok and math.isfinite(far_factor) and far_factor >= 1.0):
            raise InputError("far_factor", far_factor, "[1, inf): 1 is no grading")
        sizes["far_factor"] = float(far_factor)
    fasc = [min(e["semi_axes_mm"]) for _, e in model.fascicles()]
    nerve = [s for s in model.cross_section if s["material"] == "epineurium"]
    h_nerve = sizes["h_nerve_mm"]
    if nerve:
        h_nerve = min(h_nerve, min(nerve[0]["semi_axes_mm"]) / sizes["fascicle_elements"])
    sizes["h_nerve_mm"] = h_nerve
    sizes["h_fascicle_mm"] = min([h_nerve, *(2.0 * r / sizes["fascicle_elements"] for r in fasc)])
    widths = [
        min(float(c["length_mm"]), math.pi * float(c["radius_mm"]))
        if c["kind"] == "cylinder"
        else c["z_range_mm"][1] - c["z_range_mm"][0]
        for c in model.contacts
    ]
    sizes["h_contact_mm"] = min(sizes["h_contact_mm"], min(widths) / CONTACT_ELEMENTS)
    if model.perineurium == "meshed":
        sizes["h_perineurium_mm"] = PERINEURIUM_ASPECT * min(model.perineurium_mm())
    return sizes


def near_zone_mm(model: NerveModel, sizes: Mapping[str, float]) -> tuple[float, float] | None:
    """The z range (mm) meshed at the near sizes: the contacts' z extent widened on each side
    by ``near_margin_mm`` plus twice the farthest contact's distance from the nerve's axis (a
    lead in the tissue spreads its field along the nerve over about that distance); None when
    it spans the whole model or ``far_factor`` is 1 (no grading)."""
    if sizes["far_factor"] <= 1.0:
        return None
    nerve = next(s for s in model.cross_section if s["material"] == "epineurium")
    axis = np.asarray(nerve["center_xy_mm"], float)
    z: list[float] = []
    reach = 0.0
    for c in model.contacts:
        if c["kind"] == "cylinder":
            start = np.asarray(c["start_mm"], float)
            end = start + float(c["length_mm"]) * np.asarray(c["axis"], float)
            r = float(c["radius_mm"])
            z += [start[2] - r, start[2] + r, end[2] - r, end[2] + r]
            reach = max(reach, *(float(np.hypot(*(p[:2] - axis))) for p in (start, end)))
        else:
            z += [float(v) for v in c["z_range_mm"]]
    half = model.length_mm / 2.0
    margin = sizes["near_margin_mm"] + 2.0 * reach
    z0, z1 = min(z) - margin, max(z) + margin
    if z0 <= -half and z1 >= half:
        return None
    return max(z0, -half), min(z1, half)


def _sized(
    region: Any, material: str, sizes: Mapping[str, float], zone: tuple[float, float] | None
) -> list[Any]:
    """``region`` with its element size: a tissue of the nerve cut at the near zone's ends into
    a part at the near size and the rest at ``far_factor`` times it, but each fascicle's
    surface (``perineurium<i>``) at the near size along its whole length; the tissues outside
    the nerve whole (Netgen grades them from the nerve's surface)."""
    from netgen import occ

    near_h = {
        "endoneurium": sizes["h_fascicle_mm"],
        "perineurium": sizes.get("h_perineurium_mm", 0.0),
        "epineurium": sizes["h_nerve_mm"],
    }
    if material not in near_h:
        return [region]
    h = near_h[material]
    if zone is None or material == "perineurium":  # a meshed layer is sized by its thickness
        region.maxh = h
        return [region]
    big = 1e3
    slab = occ.Box(occ.Pnt(-big, -big, zone[0]), occ.Pnt(big, big, zone[1]))
    near, far = region * slab, region - slab
    out = []
    for part, size in ((near, h), (far, sizes["far_factor"] * h)):
        if not part.solids:
            continue
        part.mat(material)
        part.maxh = size
        for f in part.faces:  # a fascicle's surface keeps its size: its facets decide which
            if f.name and f.name.startswith("perineurium"):  # side of the layer a point is on
                f.maxh = h
        out.append(part)
    return out


def _elliptic_cylinder(s: Mapping[str, Any], z0: float, length: float) -> Any:
    from netgen import occ

    a, b = (float(v) for v in s["semi_axes_mm"])
    cx, cy = (float(v) for v in s["center_xy_mm"])
    if abs(a - b) < 1e-12:
        return occ.Cylinder(occ.Pnt(cx, cy, z0), occ.Z, r=a, h=length)
    t = math.radians(float(s["angle_deg"]))
    h = (math.cos(t), math.sin(t), 0.0) if a >= b else (-math.sin(t), math.cos(t), 0.0)
    wp = occ.WorkPlane(occ.Axes((cx, cy, z0), n=occ.Z, h=occ.Dir(*h)))
    return wp.Ellipse(max(a, b), min(a, b)).Face().Extrude(length)


def _arc_band(c: Mapping[str, Any], r_out: float) -> Any:
    """The contact as an annular sector from its face radius to ``r_out``."""
    from netgen import occ

    z0, z1 = (float(v) for v in c["z_range_mm"])
    r = float(c["r_face_mm"])
    ring = occ.Cylinder(occ.Pnt(0, 0, z0), occ.Z, r=r_out, h=z1 - z0) - occ.Cylinder(
        occ.Pnt(0, 0, z0), occ.Z, r=r, h=z1 - z0
    )
    a0, a1 = (math.radians(float(v)) for v in c["angles_deg"])
    if a1 - a0 >= 2.0 * math.pi - 1e-9:
        return ring
    n = max(2, math.ceil((a1 - a0) / math.radians(45.0)))
    big = 2.0 * r_out
    pts = [(0.0, 0.0)] + [
        (big * math.cos(a0 + (a1 - a0) * k / n), big * math.sin(a0 + (a1 - a0) * k / n))
        for k in range(n + 1)
    ]
    wp = occ.WorkPlane(occ.Axes((0, 0, z0 - 1.0), n=occ.Z, h=occ.X))
    wp.MoveTo(*pts[0])
    for p in pts[1:]:
        wp.LineTo(*p)
    wp.Close()
    wedge = wp.Face().Extrude(z1 - z0 + 2.0)
    return ring * wedge


def build_nerve_mesh(model: NerveModel, level: str, far_factor: float | None = None) -> Any:
    """Netgen mesh of the model: tissues as materials, the cuff's insulation cut out, contact
    faces ``contact<k>``, fascicle interfaces ``perineurium<i>`` (thin layer), ``ground``; the
    nerve graded along z (:func:`near_zone_mm`)."""
    require_ngsolve()
    from netgen import occ

    sizes = mesh_sizes(model, level, far_factor)
    half = model.length_mm / 2.0
    length = model.length_mm
    if model.leads:
        return _build_lead_mesh(model, sizes)
    tube = next(c for c in model.cuff if c["kind"] == "tube" and c["name"] == "insulation")
    r_in, r_wall = float(tube["r_inner_mm"]), float(tube["r_outer_mm"])
    cz0, cz1 = (float(v) for v in tube["z_range_mm"])
    insulation = occ.Cylinder(occ.Pnt(0, 0, cz0), occ.Z, r=r_wall, h=cz1 - cz0) - occ.Cylinder(
        occ.Pnt(0, 0, cz0), occ.Z, r=r_in, h=cz1 - cz0
    )
    contacts = []
    for c in model.contacts:
        th = float(c.get("thickness_mm") or DEFAULT_CONTACT_THICKNESS_MM)
        r_out = min(float(c["r_face_mm"]) + th, 0.5 * (r_in + r_wall))
        band = _arc_band(c, r_out)
        insulation = insulation - band
        pocket_r = float(c["r_face_mm"])
        if pocket_r > r_in + 1e-9:  # a recessed contact: its pocket is saline
            insulation = insulation - _arc_band(dict(c, r_face_mm=r_in), pocket_r)
        contacts.append(band)
    for k, band in enumerate(contacts):
        for f in band.faces:
            f.name = f"contact{k}"
            f.maxh = sizes["h_contact_mm"]
    body = occ.Glue([insulation, *contacts])
    cuff_inside = occ.Cylinder(occ.Pnt(0, 0, cz0), occ.Z, r=r_in, h=cz1 - cz0)
    # pockets of recessed contacts belong to the saline
    for c in model.contacts:
        if float(c["r_face_mm"]) > r_in + 1e-9:
            cuff_inside = cuff_inside + _arc_band(dict(c, r_face_mm=r_in), float(c["r_face_mm"]))
    thin = model.perineurium == "thin-layer"
    zone = near_zone_mm(model, sizes)
    solids = [s for s in model.cross_section if not (thin and s["material"] == "perineurium")]
    shapes = [_elliptic_cylinder(s, -half, length) for s in solids]
    nerve_i = next(i for i, s in enumerate(solids) if s["material"] == "epineurium")
    regions = []
    fascicle_no = -1
    for i, (s, shape) in enumerate(zip(solids, shapes, strict=True)):
        inner = shapes[i + 1 : i + 2]  # the limb holds the muscle, the muscle the nerve
        if s["material"] == "endoneurium":
            fascicle_no += 1
            inner = []
        elif s["material"] == "perineurium":
            inner = [shapes[i + 1]]
        elif s["material"] == "epineurium":
            inner = [
                sh
                for sh, so in zip(shapes[i + 1 :], solids[i + 1 :], strict=True)
                if so["material"] == ("endoneurium" if thin else "perineurium")
            ]
        region = shape
        if inner:
            region = region - occ.Glue(inner) if len(inner) > 1 else region - inner[0]
        if i < nerve_i:
            region = region - cuff_inside - body
        if s["material"] == "endoneurium" and thin:
            for f in region.faces:
                f.name = f"perineurium{fascicle_no}"
        region.mat(s["material"])
        regions.extend(_sized(region, s["material"], sizes, zone))
    saline = cuff_inside - shapes[nerve_i] - body
    saline.mat("saline")
    saline.maxh = sizes["h_nerve_mm"]  # whole: a cut through its thin gap fails to mesh
    regions.append(saline)
    outer_r = max(float(v) for v in solids[0]["semi_axes_mm"])
    outer_c = np.array(solids[0]["center_xy_mm"], dtype=float)
    for region in regions:
        for f in region.faces:
            c = f.center
            at_end = abs(abs(c.z) - half) < 1e-7
            bb = f.bounding_box
            radial = max(np.hypot(bb[1].x - outer_c[0], 0.0), np.hypot(bb[1].y - outer_c[1], 0.0))
            if at_end or radial > outer_r - 1e-6:
                f.name = "ground"
    geometry = occ.OCCGeometry(occ.Glue(regions))
    return geometry.GenerateMesh(
        maxh=sizes["h_far_mm"], grading=sizes["grading"], curvaturesafety=1.5
    )


def _cylinder(s: Mapping[str, Any]) -> Any:
    from netgen import occ

    p = [float(v) for v in s["start_mm"]]
    a = [float(v) for v in s["axis"]]
    return occ.Cylinder(occ.Pnt(*p), occ.Dir(*a), r=float(s["radius_mm"]), h=float(s["length_mm"]))


def _build_lead_mesh(model: NerveModel, sizes: Mapping[str, float]) -> Any:
    """Mesh of a nerve with leads in its tissue (no cuff): the leads' segments cut out of the
    tissue outside the nerve, contact faces ``contact<k>``, and ``ground`` on the outer
    surface and end faces (far ground) or on the skin pad's outer face only."""
    from netgen import occ

    half, length = model.length_mm / 2.0, model.length_mm
    thin = model.perineurium == "thin-layer"
    zone = near_zone_mm(model, sizes)
    solids = [s for s in model.cross_section if not (thin and s["material"] == "perineurium")]
    shapes = [_elliptic_cylinder(s, -half, length) for s in solids]
    nerve_i = next(i for i, s in enumerate(solids) if s["material"] == "epineurium")
    parts = []
    k = 0
    for s in model.leads:
        part = _cylinder(s)
        if s.get("contact"):
            for f in part.faces:
                f.name = f"contact{k}"
                f.maxh = sizes["h_contact_mm"]
            k += 1
        parts.append(part)
    body = occ.Glue(parts) if len(parts) > 1 else parts[0]
    regions = []
    fascicle_no = -1
    for i, (s, shape) in enumerate(zip(solids, shapes, strict=True)):
        inner = shapes[i + 1 : i + 2]
        if s["material"] == "endoneurium":
            fascicle_no += 1
            inner = []
        elif s["material"] == "perineurium":
            inner = [shapes[i + 1]]
        elif s["material"] == "epineurium":
            inner = [
                sh
                for sh, so in zip(shapes[i + 1 :], solids[i + 1 :], strict=True)
                if so["material"] == ("endoneurium" if thin else "perineurium")
            ]
        region = shape
        if inner:
            region = region - occ.Glue(inner) if len(inner) > 1 else region - inner[0]
        if i < nerve_i:
            region = region - body
        if s["material"] == "endoneurium" and thin:
            for f in region.faces:
                f.name = f"perineurium{fascicle_no}"
        region.mat(s["material"])
        regions.extend(_sized(region, s["material"], sizes, zone))
    outer = solids[0]
    outer_r = max(float(v) for v in outer["semi_axes_mm"])
    outer_c = np.array(outer["center_xy_mm"], dtype=float)
    pad = model.return_pad
    if pad is None:
        for region in regions:
            for f in region.faces:
                c = f.center
                at_end = abs(abs(c.z) - half) < 1e-7
                bb = f.bounding_box
                radial = max(bb[1].x - outer_c[0], bb[1].y - outer_c[1])
                if at_end or radial > outer_r - 1e-6:
                    f.name = "ground"
    else:
        cx, cy, cz = (float(v) for v in pad["center_mm"])
        r, th = float(pad["radius_mm"]), float(pad["thickness_mm"])
        sag = outer_r - math.sqrt(max(outer_r**2 - r**2, 0.0)) + 0.5
        disc = occ.Cylinder(occ.Pnt(cx, cy - sag, cz), occ.Y, r=r, h=sag + th) - shapes[0]
        for f in disc.faces:
            if abs(f.center.y - (cy + th)) < 1e-6:
                f.name = "ground"
        disc.mat("saline")
        regions.append(disc)
    geometry = occ.OCCGeometry(occ.Glue(regions))
    return geometry.GenerateMesh(
        maxh=sizes["h_far_mm"], grading=sizes["grading"], curvaturesafety=1.5
    )


def _cf_tensor(t: float, lon: float) -> Any:
    ngs = require_ngsolve()
    return ngs.CF((t, 0, 0, 0, t, 0, 0, 0, lon), dims=(3, 3))


def make_nerve_space(mesh: Any, model: NerveModel, order: int) -> Any:
    """H1 outside the fascicles with a plateau per contact, times H1 inside (thin layer); one
    H1 with plateaus (meshed perineurium)."""
    ngs = require_ngsolve()
    plateaus = [mesh.Boundaries(f"contact{k}") for k in range(model.n_contacts)]
    if model.perineurium == "meshed":
        return ngs.PlateauFESpace(ngs.H1(mesh, order=order, dirichlet="ground"), plateaus)
    mats = set(mesh.GetMaterials())
    outside = "|".join(sorted(m for m in mats if m != "endoneurium"))
    v_out = ngs.H1(mesh, order=order, dirichlet="ground", definedon=mesh.Materials(outside))
    v_in = ngs.H1(mesh, order=order, dirichlet="ground", definedon=mesh.Materials("endoneurium"))
    return ngs.FESpace([ngs.PlateauFESpace(v_out, plateaus), v_in])


def _bilinear_form(mesh: Any, model: NerveModel, fes: Any) -> Any:
    ngs = require_ngsolve()
    s = model.conductivity_s_per_m
    values = {
        "fat": _cf_tensor(s["fat"], s["fat"]),
        "muscle": _cf_tensor(s["muscle_transverse"], s["muscle_longitudinal"]),
        "epineurium": _cf_tensor(s["epineurium"], s["epineurium"]),
        "perineurium": _cf_tensor(s["perineurium"], s["perineurium"]),
        "endoneurium": _cf_tensor(s["endoneurium_transverse"], s["endoneurium_longitudinal"]),
        "saline": _cf_tensor(s["saline"], s["saline"]),
    }
    sigma = mesh.MaterialCF(values)
    a = ngs.BilinearForm(fes, symmetric=True)
    if model.perineurium == "meshed":
        u, v = fes.TnT()
        a += sigma * ngs.grad(u) * ngs.grad(v) * ngs.dx
        return a
    (uo, ui), (vo, vi) = fes.TnT()
    mats = set(mesh.GetMaterials())
    outside = "|".join(sorted(m for m in mats if m != "endoneurium"))
    a += sigma * ngs.grad(uo) * ngs.grad(vo) * ngs.dx(definedon=mesh.Materials(outside))
    a += sigma * ngs.grad(ui) * ngs.grad(vi) * ngs.dx(definedon=mesh.Materials("endoneurium"))
    conductance = {  # σ_peri / t per fascicle: S/m per mm (see the module docstring)
        f"perineurium{i}": s["perineurium"] / t for i, t in enumerate(model.perineurium_mm())
    }
    g = mesh.BoundaryCF(conductance, default=0.0)
    names = "|".join(conductance)
    a += g * (uo - ui) * (vo - vi) * ngs.ds(definedon=mesh.Boundaries(names))
    return a


def _test_function_outside(model: NerveModel, fes: Any) -> Any:
    _, v = fes.TnT()
    return v if model.perineurium == "meshed" else v[0]


@dataclass
class NerveSolutions:
    """vectors : ndarray of shape (n_contacts, n_dofs), φ in V per mA; status per contact."""

    vectors: NDArray[np.float64]
    status: list[str]
    iterations: list[int]
    residual: list[float]
    impedance_ohm: list[float]
    assemble_s: float
    solve_s: float


def solve_nerve(mesh: Any, model: NerveModel, order: int = 2, tol: float = 1e-10) -> NerveSolutions:
    """1 mA into each contact in turn, the others floating (Jacobi-CG, true residual checked
    as in :func:`neurostim.field.fem.solve.solve_unit_currents`)."""
    ngs = require_ngsolve()
    from ngsolve.krylovspace import CGSolver

    fes = make_nerve_space(mesh, model, order)
    t0 = time.perf_counter()
    a = _bilinear_form(mesh, model, fes)
    pre = ngs.Preconditioner(a, "local")
    a.Assemble()
    assemble_s = time.perf_counter() - t0
    v = _test_function_outside(model, fes)
    free = np.array(list(fes.FreeDofs()), dtype=bool)
    n = model.n_contacts
    out = NerveSolutions(np.empty((n, fes.ndof)), [], [], [], [], assemble_s, 0.0)
    gf = ngs.GridFunction(fes)
    t1 = time.perf_counter()
    for k in range(n):
        area = float(ngs.Integrate(1.0, mesh, definedon=mesh.Boundaries(f"contact{k}")))
        f = ngs.LinearForm(fes)
        f += 1.0 / area * v * ngs.ds(definedon=mesh.Boundaries(f"contact{k}"))
        f.Assemble()
        gf.vec[:] = 0.0
        res = f.vec.CreateVector()
        res.data = f.vec
        res.FV().NumPy()[~free] = 0.0
        rhs_norm = max(float(ngs.Norm(res)), 1e-300)
        du = gf.vec.CreateVector()
        iterations, rel = 0, math.inf
        for _ in range(MAX_CG_ROUNDS):
            solver = CGSolver(a.mat, pre.mat, tol=tol, maxiter=CG_MAXITER - iterations)
            du.data = solver * res
            gf.vec.data += du
            iterations += int(solver.iterations)
            res.data = f.vec - a.mat * gf.vec
            res.FV().NumPy()[~free] = 0.0
            rel = float(ngs.Norm(res)) / rhs_norm
            if rel <= 10.0 * tol or iterations >= CG_MAXITER:
                break
        out.vectors[k] = gf.vec.FV().NumPy()
        out.iterations.append(iterations)
        out.residual.append(rel)
        out.status.append("ok" if rel <= 10.0 * tol else "not-converged")
        outer = gf if model.perineurium == "meshed" else gf.components[0]
        v_contact = float(ngs.Integrate(outer, mesh, definedon=mesh.Boundaries(f"contact{k}")))
        out.impedance_ohm.append(v_contact / area / MA_TO_A)
    out.solve_s = time.perf_counter() - t1
    return out


SIDE_STEPS_MM = (0.002, 0.005, 0.01, 0.02, 0.04, 0.08)
"""Radial moves (mm, towards the fascicle's centre or away from it) tried, in order, to bring a
point to the side of a thin-layer perineurium it lies on in the model: the mesh's fascicle
surface is made of flat facets (chords of the ellipse), so a point within a few µm of the
true surface can lie in an element of the other side, where it would take the other side's
potential (the layer's jump) [ours]."""


def _true_fascicle(model: NerveModel, xy: NDArray[np.float64]) -> NDArray[np.int64]:
    """Index of the fascicle (``model.fascicles()`` order) whose endoneurium ellipse holds each
    point (x, y) in mm, -1 for none; shape (n_points,)."""
    out = np.full(xy.shape[0], -1, np.int64)
    for i, (_, e) in enumerate(model.fascicles()):
        u, v = _ellipse_frame(e, xy)
        a, b = (float(x) for x in e["semi_axes_mm"])
        out[(out < 0) & ((u / a) ** 2 + (v / b) ** 2 < 1.0)] = i
    return out


def _ellipse_frame(
    e: Mapping[str, Any], xy: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Coordinates of the points along the ellipse's first and second semi-axis."""
    t = math.radians(float(e["angle_deg"]))
    dx = xy[:, 0] - float(e["center_xy_mm"][0])
    dy = xy[:, 1] - float(e["center_xy_mm"][1])
    return dx * math.cos(t) + dy * math.sin(t), -dx * math.sin(t) + dy * math.cos(t)


def _nearest_fascicle(model: NerveModel, xy: NDArray[np.float64]) -> NDArray[np.int64]:
    """Fascicle with the smallest elliptic radius at each point; shape (n_points,)."""
    radii = []
    for _, e in model.fascicles():
        u, v = _ellipse_frame(e, xy)
        a, b = (float(x) for x in e["semi_axes_mm"])
        radii.append(np.hypot(u / a, v / b))
    return np.argmin(np.array(radii), axis=0)


def true_side_points(
    mesh: Any, model: NerveModel, pts: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The points, those the mesh puts on the wrong side of a thin-layer perineurium moved
    radially (``SIDE_STEPS_MM``) until the mesh puts them on their side; shape (n_points, 3),
    and the number of points moved per step size (len(SIDE_STEPS_MM),).

    Raises InputError where a point cannot be brought to its side (a fascicle thinner than the
    steps, or a mesh far coarser than the fascicle)."""
    inner = mesh.MaterialCF({"endoneurium": 1.0}, default=0.0)
    fasc = _true_fascicle(model, pts[:, :2])
    want = fasc >= 0
    moved = np.zeros(len(SIDE_STEPS_MM), np.int64)

    def wrong(p: NDArray[np.float64], inside: NDArray[np.bool_]) -> NDArray[np.bool_]:
        mips = mesh(p[:, 0], p[:, 1], p[:, 2])
        got = np.asarray(inner(mips)).reshape(-1) > 0.5
        return (np.asarray(mips["nr"]) >= 0) & (got != inside)

    bad = np.flatnonzero(wrong(pts, want))
    if bad.size == 0:
        return pts, moved
    out = pts.copy()
    near = np.where(want, fasc, _nearest_fascicle(model, pts[:, :2]))
    centres = np.array([e["center_xy_mm"] for _, e in model.fascicles()], np.float64)
    for j, step in enumerate(SIDE_STEPS_MM):
        c = centres[near[bad]]
        d = pts[bad, :2] - c
        r = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-12)
        sign = np.where(want[bad], -1.0, 1.0)
        trial = pts[bad].copy()
        trial[:, :2] = c + d * np.maximum(0.0, 1.0 + sign * step / r)[:, None]
        still = wrong(trial, want[bad])
        out[bad[~still]] = trial[~still]
        moved[j] = int((~still).sum())
        bad = bad[still]
        if bad.size == 0:
            return out, moved
    i = int(bad[0])
    raise InputError(
        f"points_xyz_mm[{i}]",
        tuple(float(c) for c in pts[i]),
        f"{bad.size} point(s) lie on the other side of a fascicle's surface in the mesh than in "
        f"the model, even moved {1e3 * SIDE_STEPS_MM[-1]:g} um: use a finer mesh level",
    )


def evaluate_nerve_mv(
    mesh: Any, model: NerveModel, fes: Any, vectors: NDArray[np.float64], pts: NDArray[np.float64]
) -> NDArray[np.float64]:
    """FEM point evaluation, shape (n_contacts, n_points), mV per mA. Inside a fascicle the
    inner field, elsewhere the outer one (each is zero where it is not defined); with a
    thin-layer perineurium the side is the model's, not the faceted mesh's
    (:func:`true_side_points`)."""
    ngs = require_ngsolve()
    out = np.empty((vectors.shape[0], pts.shape[0]))
    gf = ngs.GridFunction(fes)
    for s in range(0, pts.shape[0], POINT_CHUNK):
        block = np.ascontiguousarray(pts[s : s + POINT_CHUNK])
        mips = mesh(block[:, 0], block[:, 1], block[:, 2])
        outside = np.flatnonzero(mips["nr"] < 0)
        if outside.size:
            i = int(outside[0]) + s
            raise InputError(
                f"points_xyz_mm[{i}]",
                tuple(float(c) for c in pts[i]),
                f"{outside.size} point(s) lie outside the tissue (outside the model or inside "
                "the cuff's insulation); keep every point in the domain",
            )
        if model.perineurium != "meshed":
            block, _ = true_side_points(mesh, model, block)
            mips = mesh(block[:, 0], block[:, 1], block[:, 2])
        for k in range(vectors.shape[0]):
            gf.vec.FV().NumPy()[:] = vectors[k]
            cf = gf if model.perineurium == "meshed" else gf.components[0] + gf.components[1]
            out[k, s : s + POINT_CHUNK] = np.asarray(cf(mips)).reshape(-1) * V_TO_MV
    return out


class NerveFEM(UnitSolves, VolumeConductor):
    """Finite-element nerve in a cuff (NGSolve, P2 by default); see the module docstring.

    Parameters
    ----------
    model : NerveModel
    mesh_level : {"coarse", "medium", "fine"}
    order : int (2-4)
    tol : float
        Relative residual of CG.
    far_factor : float, optional
        The nerve's element size away from the contacts as a multiple of its size near them
        (:func:`near_zone_mm`); None: the level's; 1: no grading.
    cache_dir : path, optional
    use_cache : bool
    """

    name: ClassVar[str] = "nerve-fem"
    point_evaluation: ClassVar[str] = "thin-layer-true-side"
    needs_all_contacts: ClassVar[bool] = True

    def __init__(
        self,
        model: NerveModel,
        *,
        mesh_level: str = "coarse",
        order: int = 2,
        tol: float = 1e-10,
        far_factor: float | None = None,
        cache_dir: str | Path | None = None,
        use_cache: bool = True,
    ) -> None:
        if not isinstance(model, NerveModel):
            raise InputError("model", type(model).__name__, "a NerveModel")
        mesh_sizes(model, mesh_level, far_factor)  # refuses a bad level or factor
        if not (isinstance(order, int) and 2 <= order <= 4):
            raise InputError("order", order, "an integer in [2, 4]")
        self.model = model
        self.mesh_level = mesh_level
        self.order = order
        self.tol = tol
        self.far_factor = far_factor
        self._init_solves(cache_dir, use_cache)

    def key_payload(self) -> dict[str, Any]:
        settings = {
            "conductor": self.name,
            "mesh_level": self.mesh_level,
            "mesh_sizes": mesh_sizes(self.model, self.mesh_level, self.far_factor),
            "order": self.order,
            "tol": self.tol,
        }
        return cache.key_payload(self.model.to_dict(), [], settings)

    def prepare(self) -> dict[str, Any]:
        """Mesh and solve (or load from the cache); returns the report."""
        return self._prepared(self.key_payload(), self.model.n_contacts, self._solve)

    def _space(self, mesh: Any, n: int) -> Any:
        return make_nerve_space(mesh, self.model, self.order)

    def _solve(self, mesh_path: Path) -> Solved:
        ngs = require_ngsolve()
        mesh, mesh_s = saved_mesh(
            lambda: build_nerve_mesh(self.model, self.mesh_level, self.far_factor),
            mesh_path,
            "try another mesh level",
        )
        n = self.model.n_contacts
        areas = [
            float(ngs.Integrate(1.0, mesh, definedon=mesh.Boundaries(f"contact{k}")))
            for k in range(n)
        ]
        expected = [contact_area_mm2(c) for c in self.model.contacts]
        checks.check_contact_areas(areas, expected)
        sol = solve_nerve(mesh, self.model, self.order, self.tol)
        return Solved(mesh, self._space(mesh, n), sol, mesh_s, {"contact_area_mm2": areas})

    def potentials_mv(self, points_xyz_mm: ArrayLike) -> NDArray[np.float64]:
        """Unit potentials of every cuff contact at the points, shape (n_contacts, n_points),
        mV per mA (stored beside the solution per point set when the cache is on)."""
        pts = np.asarray(points_xyz_mm, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != 3 or not np.all(np.isfinite(pts)):
            raise InputError("points_xyz_mm", pts.shape, "finite, shape (n_points, 3) in mm")
        self.prepare()
        model = self.model
        return self._cached_points(
            pts,
            model.n_contacts,
            lambda mesh, fes, vectors, p: evaluate_nerve_mv(mesh, model, fes, vectors, p),
        )

    def unit_potentials_mv(
        self, contacts: Sequence[Contact], points_xyz_mm: ArrayLike
    ) -> NDArray[np.float64]:
        """The cuff's contacts are part of the model: ``contacts`` (the program's, E1..En in
        order) must be as many as the cuff has; shape (n_contacts, n_points), mV per mA."""
        if len(contacts) != self.model.n_contacts:
            raise InputError(
                "contacts", len(contacts), f"the cuff's {self.model.n_contacts} contacts E1..En"
            )
        return self.potentials_mv(points_xyz_mm)

    def describe(self) -> dict[str, Any]:
        sizes = mesh_sizes(self.model, self.mesh_level, self.far_factor)
        out: dict[str, Any] = {
            "conductor": self.name,
            "mesh_level": self.mesh_level,
            "order": self.order,
            "perineurium": self.model.perineurium,
            "length_mm": self.model.length_mm,
            "near_zone_mm": near_zone_mm(self.model, sizes),
            "far_factor": sizes["far_factor"],
        }
        out.update(self._report)
        return out


def contact_area_mm2(c: Mapping[str, Any]) -> float:
    """Geometric area of a contact's face (mm²): an arc_band's, or a lead segment's
    ``area_mm2``."""
    if "area_mm2" in c:
        return float(c["area_mm2"])
    a0, a1 = (math.radians(float(v)) for v in c["angles_deg"])
    z0, z1 = (float(v) for v in c["z_range_mm"])
    return float(c["r_face_mm"]) * (a1 - a0) * (z1 - z0)


__all__ = [
    "NERVE_MESH_LEVELS",
    "PERINEURIUM_MODELS",
    "NerveFEM",
    "NerveModel",
    "build_nerve_mesh",
    "domain_length_mm",
    "near_zone_mm",
    "solve_nerve",
]
