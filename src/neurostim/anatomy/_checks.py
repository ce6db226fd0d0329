"""Geometry that cannot exist, refused before any meshing (field, value, allowed range)."""

from __future__ import annotations

from collections.abc import Callable
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
    _check_thin_layers(a)
    _check_csf(a)
    _check_cord_inside(a)
    _check_grey_and_fibers(a)
    b = a.boundaries()
    _check_bone_and_outer(a, b)
    _check_lead(a, b)
    _check_length(a)


def min_layer_mm(a: SpinalCordAnatomy) -> float:
    """Thinnest layer that may be present (a rule of ``levels.toml``, relative to the cord)."""
    return rules()["min_layer_over_cord_diameter"] * min(a.cord_ap_mm, a.cord_transverse_mm)


def _check_thin_layers(a: SpinalCordAnatomy) -> None:
    thin = min_layer_mm(a)
    for name in (
        "dcsf_mm",
        "vcsf_mm",
        "lateral_csf_mm",
        "dura_thickness_mm",
        "epidural_thickness_mm",
    ):
        value = getattr(a, name)
        if 0 < value < thin:
            raise InputError(
                name,
                value,
                f"too thin to model; allowed 0 (layer absent) or "
                f">= {_fmt(thin)} mm (0.1 % of the smaller cord diameter)",
            )


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
    if not _cord_fits(a, cord_ml_offset_mm=0.0):
        need = _min_lateral_csf(a)
        raise InputError(
            "lateral_csf_mm",
            a.lateral_csf_mm,
            f"too thin to hold the cord with dcsf_mm = {_fmt(a.dcsf_mm)} and vcsf_mm = "
            f"{_fmt(a.vcsf_mm)}; allowed > {_fmt(need)} mm",
        )
    if _cord_fits(a, cord_ml_offset_mm=off):
        return
    limit = _max_offset(a)
    raise InputError(
        "cord_ml_offset_mm",
        off,
        f"pushes the cord through the CSF; allowed |offset| < {_fmt(limit)} mm with "
        f"lateral_csf_mm = {_fmt(a.lateral_csf_mm)}, dcsf_mm = {_fmt(a.dcsf_mm)}, "
        f"vcsf_mm = {_fmt(a.vcsf_mm)}",
    )


def _cord_fits(a: SpinalCordAnatomy, **update: float) -> bool:
    b = a.model_copy(update=update).boundaries()
    return inside(b["cord"], b["csf"]) < 1.0 - CONTAIN_MARGIN


def _bisect(fits: Callable[[float], bool], lo: float, hi: float) -> float:
    """The boundary between ``fits`` True (at lo) and False (at hi), to 50 halvings."""
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo if fits(lo) else hi


def _max_offset(a: SpinalCordAnatomy) -> float:
    """Largest |cord_ml_offset_mm| that keeps the cord strictly inside the dural sac."""
    return _bisect(lambda x: _cord_fits(a, cord_ml_offset_mm=x), 0.0, a.lateral_csf_mm)


def _min_lateral_csf(a: SpinalCordAnatomy) -> float:
    """Smallest lateral_csf_mm that holds the centred cord, for these dorsal and ventral CSF."""
    hi = a.lateral_csf_mm + a.dcsf_mm + a.vcsf_mm + a.cord_transverse_mm
    return _bisect(lambda x: not _cord_fits(a, lateral_csf_mm=x, cord_ml_offset_mm=0.0), 0.0, hi)


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
    thin = min_layer_mm(a)
    if 0 < r_bone < canal + thin:
        raise InputError(
            "bone_outer_radius_mm",
            r_bone,
            f"the bone must enclose cord, CSF, dura and epidural space; allowed 0 "
            f"(no bone) or >= {_fmt(canal + thin)} mm for these layers",
        )
    inner = r_bone if r_bone > 0 else canal
    rule = rules()["min_outer_over_cord_diameter"] * max(a.cord_ap_mm, a.cord_transverse_mm)
    lo = max(inner + thin, rule)
    if a.outer_radius_mm < lo:
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
