"""Geometry that cannot exist, refused before any meshing (field, value, allowed range)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from neurostim.anatomy._io import rules
from neurostim.anatomy.layers import Ellipse, inside
from neurostim.errors import InputError

if TYPE_CHECKING:
    from neurostim.anatomy.model import SpinalCordAnatomy

CONTAIN_MARGIN = 1e-9
"""Tolerance of the strict nesting test on the implicit function of an ellipse."""


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def check_geometry(a: SpinalCordAnatomy) -> None:
    """Raise :class:`InputError` for the first impossible geometry found in ``a``."""
    _check_csf(a)
    _check_cord_inside(a)
    _check_grey_and_fibers(a)
    b = a.boundaries()
    _check_bone_and_outer(a, b)
    _check_lead(a, b)
    _check_length(a)


def _check_csf(a: SpinalCordAnatomy) -> None:
    names = ("dcsf_mm", "vcsf_mm", "lateral_csf_mm")
    values = [getattr(a, n) for n in names]
    if any(v == 0 for v in values) and any(v > 0 for v in values):
        bad = names[values.index(0.0)]
        raise InputError(
            bad,
            0.0,
            "the CSF layer is absent only when dcsf_mm, vcsf_mm and "
            "lateral_csf_mm are all 0; allowed > 0 mm while the others are > 0",
        )


def _check_cord_inside(a: SpinalCordAnatomy) -> None:
    off = a.cord_ml_offset_mm
    if a.lateral_csf_mm == 0:
        if off != 0:
            raise InputError(
                "cord_ml_offset_mm",
                off,
                "without CSF the cord cannot move off the midline; allowed 0 mm",
            )
        return
    limit = _max_offset(a)
    if abs(off) >= limit:
        raise InputError(
            "cord_ml_offset_mm",
            off,
            f"pushes the cord through the CSF; allowed |offset| < {_fmt(limit)} mm with "
            f"lateral_csf_mm = {_fmt(a.lateral_csf_mm)}, dcsf_mm = {_fmt(a.dcsf_mm)}, "
            f"vcsf_mm = {_fmt(a.vcsf_mm)}",
        )


def _cord_fits(a: SpinalCordAnatomy, offset_mm: float) -> bool:
    b = a.model_copy(update={"cord_ml_offset_mm": offset_mm}).boundaries()
    return inside(b["cord"], b["csf"]) < 1.0 - CONTAIN_MARGIN


def _max_offset(a: SpinalCordAnatomy) -> float:
    """Largest |cord_ml_offset_mm| that keeps the cord strictly inside the dural sac."""
    lo, hi = 0.0, a.lateral_csf_mm
    if not _cord_fits(a, lo):  # pragma: no cover - concentric ellipses always nest
        return 0.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _cord_fits(a, mid) else (lo, mid)
    return lo


def _check_grey_and_fibers(a: SpinalCordAnatomy) -> None:
    g, ap, tr = a.grey_matter, a.cord_ap_mm, a.cord_transverse_mm
    if g.dc_depth_midline_mm >= ap:
        _range("grey_matter.dc_depth_midline_mm", g.dc_depth_midline_mm, 0, ap, "cord_ap_mm")
    if g.dh_tip_depth_mm >= g.dc_depth_midline_mm:
        _range(
            "grey_matter.dh_tip_depth_mm",
            g.dh_tip_depth_mm,
            0,
            g.dc_depth_midline_mm,
            "grey_matter.dc_depth_midline_mm (the horn's apex lies above the commissure)",
        )
    if g.dh_halfwidth_mm >= tr / 4:
        _range(
            "grey_matter.dh_halfwidth_mm",
            g.dh_halfwidth_mm,
            0,
            tr / 4,
            "cord_transverse_mm / 4 (two horns side by side in half the width)",
        )
    if a.fibers.dc_max_depth_mm > g.dc_depth_midline_mm:
        raise InputError(
            "fibers.dc_max_depth_mm",
            a.fibers.dc_max_depth_mm,
            f"dorsal-column fibers lie above the grey commissure; allowed (0, "
            f"{_fmt(g.dc_depth_midline_mm)}] mm (grey_matter.dc_depth_midline_mm)",
        )
    if a.roots.drez_ml_mm >= tr / 2:
        _range("roots.drez_ml_mm", a.roots.drez_ml_mm, 0, tr / 2, "cord_transverse_mm / 2")


def _range(field: str, value: float, lo: float, hi: float, why: str) -> None:
    raise InputError(field, value, f"allowed ({_fmt(lo)}, {_fmt(hi)}) mm, below {why}")


def _extent(e: Ellipse) -> float:
    """Largest distance from the origin of a boundary centred at the origin."""
    return max(e[2], e[3]) + max(abs(e[0]), abs(e[1]))


def _check_bone_and_outer(a: SpinalCordAnatomy, b: dict[str, Any]) -> None:
    canal = _extent(b["epidural"])
    r_bone = a.bone_outer_radius_mm
    if 0 < r_bone <= canal:
        raise InputError(
            "bone_outer_radius_mm",
            r_bone,
            f"the bone must enclose cord, CSF, dura and epidural space; allowed 0 "
            f"(no bone) or > {_fmt(canal)} mm for these layers",
        )
    inner = r_bone if r_bone > 0 else canal
    rule = rules()["min_outer_over_cord_diameter"] * max(a.cord_ap_mm, a.cord_transverse_mm)
    lo = max(inner, rule)
    if a.outer_radius_mm <= inner or a.outer_radius_mm < rule:
        raise InputError(
            "outer_radius_mm",
            a.outer_radius_mm,
            f"allowed >= {_fmt(lo)} mm: above the bone (or the outermost layer, "
            f"{_fmt(inner)} mm) and >= {rules()['min_outer_over_cord_diameter']:g} x "
            "the larger cord diameter",
        )


def _check_lead(a: SpinalCordAnatomy, b: dict[str, Any]) -> None:
    gap = a.lead_gap_to_dura_mm
    sac = b["dura"]
    if abs(a.lead_ml_offset_mm) >= sac[2]:
        raise InputError(
            "lead_ml_offset_mm",
            a.lead_ml_offset_mm,
            f"the lead must lie over the dural sac; allowed |offset| < {_fmt(sac[2])} mm",
        )
    if a.epidural_thickness_mm > 0:
        if gap >= a.epidural_thickness_mm:
            raise InputError(
                "lead_gap_to_dura_mm",
                gap,
                f"puts the lead outside the epidural space; allowed [0, "
                f"{_fmt(a.epidural_thickness_mm)}) mm (epidural_thickness_mm)",
            )
    elif a.bone_outer_radius_mm > 0:
        raise InputError(
            "epidural_thickness_mm",
            0.0,
            "no epidural space leaves no room for the lead between dura and bone; "
            "allowed > 0 mm while bone_outer_radius_mm > 0",
        )
    else:
        room = a.outer_radius_mm - _extent(sac)
        if gap >= room:
            raise InputError(
                "lead_gap_to_dura_mm",
                gap,
                f"puts the lead outside the model; allowed [0, {_fmt(room)}) mm",
            )


def _check_length(a: SpinalCordAnatomy) -> None:
    r = rules()
    lo = max(
        r["min_length_segments"] * a.roots.dre_span_mm,
        r["min_length_over_outer_radius"] * a.outer_radius_mm,
    )
    if a.length_mm < lo:
        raise InputError(
            "length_mm",
            a.length_mm,
            f"allowed >= {_fmt(lo)} mm: at least {r['min_length_segments']:g} "
            f"segments (x roots.dre_span_mm) and {r['min_length_over_outer_radius']:g}"
            " x outer_radius_mm",
        )
