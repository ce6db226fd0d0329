"""DRG geometry that cannot exist, refused before any meshing (field, value, allowed range).

Order: the level's drg.md §6.1 ranges (``ranges = "spec"``), layers too thin to mesh, the
ganglion's shape, roots that must join the ganglion, nesting in the foramen, bone block and
domain, then the lead (:func:`check_lead`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from neurostim.drg._io import rules
from neurostim.drg.shapes import circle_in_ellipse, segment_distance_mm
from neurostim.errors import InputError

if TYPE_CHECKING:
    from neurostim.drg.geometry import DRGGeometry
    from neurostim.drg.lead import DRGLeadPlacement

UNITS = {"_mm": " mm", "_deg": " deg"}


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _unit(name: str) -> str:
    return next((u for s, u in UNITS.items() if name.endswith(s)), "")


def check_geometry(g: DRGGeometry) -> None:
    """Raise :class:`InputError` for the first impossible geometry found in ``g``."""
    if g.ranges == "spec":
        _check_spec_ranges(g)
    _check_thin(g)
    _check_shape(g)
    _check_roots(g)
    _check_foramen(g)
    _check_blocks(g)
    _check_ventral_root(g)
    from neurostim.drg.lead import default_placement

    check_lead(g, default_placement(g))


def _check_spec_ranges(g: DRGGeometry) -> None:
    from neurostim.drg.levels import level_parameters

    for name, row in level_parameters(g.level).items():
        if row.min is None or row.max is None or name == "drg_height_mm":
            continue
        value = float(getattr(g, name))
        if not row.min <= value <= row.max:
            raise InputError(
                name,
                value,
                f"outside the {g.level} range of drg.md 6.1: allowed [{_fmt(row.min)}, "
                f'{_fmt(row.max)}]{_unit(name)}; set ranges = "physical" to model a ganglion '
                "outside it",
            )
    r = rules()
    lo, hi = r["drg_height_over_width_min"], r["drg_height_over_width_max"]
    if not lo * g.drg_width_mm <= g.drg_height_mm <= hi * g.drg_width_mm:
        raise InputError(
            "drg_height_mm",
            g.drg_height_mm,
            f"allowed [{_fmt(lo * g.drg_width_mm)}, {_fmt(hi * g.drg_width_mm)}] mm "
            f"({lo:g}-{hi:g} x drg_width_mm = {_fmt(g.drg_width_mm)}, drg.md 6.1); set "
            'ranges = "physical" to lift it',
        )


def _check_thin(g: DRGGeometry) -> None:
    thin = rules()["min_layer_mm"]
    for name in ("capsule_thickness_mm", "sleeve_csf_mm", "encapsulation_mm", "lead_gap_mm",
                 "vr_gap_mm"):  # fmt: skip
        value = getattr(g, name)
        if 0 < value < thin:
            raise InputError(
                name, value, f"too thin to mesh; allowed 0 (absent, touching) or >= {thin:g} mm"
            )


def _check_shape(g: DRGGeometry) -> None:
    if g.n_lobes != 1:
        raise InputError(
            "n_lobes", g.n_lobes, "a ganglion of several lobes is not built yet; allowed 1"
        )
    longest = max(g.drg_width_mm, g.drg_height_mm)
    if g.drg_length_mm < longest:
        raise InputError(
            "drg_length_mm",
            g.drg_length_mm,
            f"a prolate ganglion is longest along its root; allowed >= {_fmt(longest)} mm "
            "(max of drg_width_mm, drg_height_mm)",
        )


def _check_roots(g: DRGGeometry) -> None:
    _, b, c = g.ganglion_semi_axes_mm
    room = min(b, c)
    need = g.dr_diameter_mm / 2 + g.sleeve_csf_mm
    if need >= room:
        raise InputError(
            "dr_diameter_mm",
            g.dr_diameter_mm,
            f"the dorsal root and its sleeve CSF (sleeve_csf_mm = {_fmt(g.sleeve_csf_mm)}) must "
            f"be narrower than the ganglion it swells into; allowed < "
            f"{_fmt(2 * (room - g.sleeve_csf_mm))} mm",
        )
    a_cap = g.capsule_semi_axes_mm[0]
    half = g.domain_mm / 2
    for name, length in (("dr_length_mm", g.dr_length_mm),
                         ("spinal_nerve_length_mm", g.spinal_nerve_length_mm)):  # fmt: skip
        if a_cap + length > half:
            raise InputError(
                name,
                length,
                f"runs out of the domain; allowed <= {_fmt(half - a_cap)} mm (domain_mm / 2 "
                "less the capsule's half length)",
            )


def _check_foramen(g: DRGGeometry) -> None:
    thin = rules()["min_layer_mm"]
    _, b, c = g.capsule_semi_axes_mm
    if g.foramen_width_mm / 2 < b + thin:
        raise InputError(
            "foramen_width_mm",
            g.foramen_width_mm,
            f"the capsule must fit in the foramen; allowed >= {_fmt(2 * (b + thin))} mm "
            "(drg_height_mm + 2 x capsule_thickness_mm, with room for fat)",
        )
    if g.foramen_height_mm / 2 < c + thin:
        raise InputError(
            "foramen_height_mm",
            g.foramen_height_mm,
            f"the capsule must fit in the foramen; allowed >= {_fmt(2 * (c + thin))} mm "
            "(drg_width_mm + 2 x capsule_thickness_mm, with room for fat)",
        )
    r_sn = g.spinal_nerve_diameter_mm / 2 + g.capsule_thickness_mm
    room = min(g.foramen_width_mm, g.foramen_height_mm) / 2 - thin
    if r_sn > room:
        raise InputError(
            "spinal_nerve_diameter_mm",
            g.spinal_nerve_diameter_mm,
            f"the spinal nerve and its epineurium must fit in the foramen; allowed <= "
            f"{_fmt(2 * (room - g.capsule_thickness_mm))} mm",
        )


def _check_blocks(g: DRGGeometry) -> None:
    thin = rules()["min_layer_mm"]
    if g.bone_block_mm > g.domain_mm - 2 * thin:
        raise InputError(
            "bone_block_mm",
            g.bone_block_mm,
            f"the bone block lies inside the domain; allowed <= {_fmt(g.domain_mm - 2 * thin)} mm",
        )
    need = max(g.foramen_height_mm, g.foramen_width_mm) + 2 * thin
    need = max(need, 2 * g.capsule_semi_axes_mm[0] + 2 * thin)
    if g.bone_block_mm < need:
        raise InputError(
            "bone_block_mm",
            g.bone_block_mm,
            f"the block must hold the foramen and the ganglion in it; allowed >= {_fmt(need)} mm",
        )


def _ventral_root_fits(g: DRGGeometry, vr_gap_mm: float) -> bool:
    from neurostim.drg.shapes import ellipse_point_with_normal

    b, c = g.capsule_semi_axes_mm[1:]
    q, n = ellipse_point_with_normal(b, c, 180.0 - g.vr_angle_deg)
    r = g.vr_diameter_mm / 2 + g.capsule_thickness_mm
    centre = q + (vr_gap_mm + r) * n
    thin = rules()["min_layer_mm"]
    fy, fz = g.foramen_width_mm / 2 - thin, g.foramen_height_mm / 2 - thin
    return circle_in_ellipse(centre, r, fy, fz) < 1.0


def _bisect(fits: Callable[[float], bool], lo: float, hi: float) -> float:
    """The boundary between ``fits`` True (at lo) and False (at hi), to 50 halvings."""
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def _check_ventral_root(g: DRGGeometry) -> None:
    if _ventral_root_fits(g, g.vr_gap_mm):
        return
    if not _ventral_root_fits(g, 0.0):
        raise InputError(
            "vr_diameter_mm",
            g.vr_diameter_mm,
            f"no room for the ventral root between capsule and bone at vr_angle_deg = "
            f"{_fmt(g.vr_angle_deg)}; choose a thinner root, another angle or a larger foramen",
        )
    limit = _bisect(lambda v: _ventral_root_fits(g, v), 0.0, g.vr_gap_mm)
    raise InputError(
        "vr_gap_mm",
        g.vr_gap_mm,
        f"puts the ventral root into the bone of the foramen; allowed [0, {_fmt(limit)}) mm at "
        f"vr_angle_deg = {_fmt(g.vr_angle_deg)}",
    )


def _lead_in_foramen(g: DRGGeometry, radius_mm: float, gap_mm: float) -> bool:
    from neurostim.drg.lead import lead_axis_yz_mm

    yz = lead_axis_yz_mm(g, radius_mm, gap_mm)
    return circle_in_ellipse(yz, radius_mm, g.foramen_width_mm / 2, g.foramen_height_mm / 2) < 1.0


def check_lead(g: DRGGeometry, p: DRGLeadPlacement) -> None:
    """Refuse a lead that meets bone, a root or the spinal nerve, or leaves the domain."""
    r = p.radius_mm
    fy, fz = g.foramen_width_mm / 2, g.foramen_height_mm / 2
    if circle_in_ellipse(p.axis_yz_mm, r, fy, fz) >= 1.0:
        if not _lead_in_foramen(g, r, 0.0):
            raise InputError(
                "lead_angle_deg",
                g.lead_angle_deg,
                f"no room for the lead ({_fmt(2 * r)} mm) between capsule and bone in this "
                "direction; turn the lead (0 = dorsal, 90 = caudal) or widen the foramen",
            )
        limit = _bisect(lambda v: _lead_in_foramen(g, r, v), 0.0, g.lead_gap_mm)
        raise InputError(
            "lead_gap_mm",
            g.lead_gap_mm,
            f"puts the lead into the bone of the foramen; allowed [0, {_fmt(limit)}) mm at "
            f"lead_angle_deg = {_fmt(g.lead_angle_deg)} with foramen_width_mm = "
            f"{_fmt(g.foramen_width_mm)}, foramen_height_mm = {_fmt(g.foramen_height_mm)}",
        )
    half = g.domain_mm / 2
    if p.tip_x_mm >= half:
        limit = g.lead_axial_offset_mm - (p.tip_x_mm - half)
        raise InputError(
            "lead_axial_offset_mm",
            g.lead_axial_offset_mm,
            f"puts the lead's tip out of the domain; allowed < {_fmt(limit)} mm",
        )
    y, z = map(float, p.axis_yz_mm)
    lead = (np.array([p.tip_x_mm, y, z]), np.array([p.proximal_x_mm, y, z]))
    t = g.capsule_thickness_mm
    vr = g.ventral_root_path_mm()
    tubes = [
        ("dorsal root sleeve", np.array([g.central_end_x_mm, 0, 0]), np.zeros(3),
         g.dr_diameter_mm / 2 + g.sleeve_csf_mm + t),
        ("spinal nerve", np.zeros(3), np.array([g.peripheral_end_x_mm, 0, 0]),
         g.spinal_nerve_diameter_mm / 2 + t),
        ("ventral root", vr[0], vr[1], g.vr_diameter_mm / 2 + t),
        ("ventral root", vr[1], vr[2], g.vr_diameter_mm / 2 + t),
    ]  # fmt: skip
    for name, q0, q1, radius in tubes:
        gap = segment_distance_mm(lead[0], lead[1], q0.astype(float), q1.astype(float))
        if gap < r + radius + rules()["contact_clearance_mm"]:
            raise InputError(
                "lead_angle_deg",
                g.lead_angle_deg,
                f"the lead body meets the {name} (axes {_fmt(gap)} mm apart, "
                f"{_fmt(r + radius)} mm needed); turn the lead or change lead_gap_mm",
            )
