"""A nerve in its cuff as a finite-element volume conductor (peripheral-nerve.md §4, §7).

:func:`nerve_fem_model` turns a :class:`~neurostim.nerve.NerveGeometry` and a
:class:`~neurostim.nerve.Cuff` into the plain :class:`~neurostim.field.fem.NerveModel` of
``neurostim.field`` (which never imports ``neurostim.nerve``); :func:`nerve_fem` wraps it in a
:class:`~neurostim.field.fem.NerveFEM`. The cuff's axis is the nerve's and its centre z = 0. A
cuff that opens to fit (the LivaNova helix) takes the nerve's equal-area circle plus its saline
gap as inner diameter; a rigid cuff must hold the nerve's outline with at least ``MIN_GAP_UM``
to spare (the nerve is not yet deformed into the cuff's circle, §4).
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import numpy as np

from neurostim.device import Program, load_lead
from neurostim.errors import InputError
from neurostim.field.fem.nerve import NerveFEM, NerveModel, domain_length_mm
from neurostim.nerve import Cuff, NerveGeometry, ReturnElectrode
from neurostim.pipeline.nerve import lead_diameter_mm
from neurostim.pipeline.placement import LeadPlacement
from neurostim.units import UM_TO_MM

PAD_THICKNESS_MM = 1.0
"""Gel layer of a skin-pad return [ours]."""
PAD_MARGIN_MM = 2.0
"""Least distance between the pad's rim and the model's end faces [ours]."""

MIN_GAP_UM = 10.0
"""Least saline between a rigid cuff's inner wall and the nerve's outline [ours]."""


def _plain(solid: Any) -> dict[str, Any]:
    d = asdict(solid)
    d.pop("z_range_mm", None)
    return d


def nerve_fem_model(
    nerve: NerveGeometry,
    electrode: Cuff,
    *,
    length_mm: float | None = None,
    perineurium: str = "thin-layer",
) -> NerveModel:
    """The plain model of ``nerve`` in ``electrode`` (length default: §7 ``domain.length_mm``
    for a cuff, max(60, 40) = 60 mm)."""
    electrode.check_fits(nerve)
    length = domain_length_mm(0.0) if length_mm is None else float(length_mm)
    cross = tuple(_plain(s) for s in nerve.solids(length))
    solids = [dict(s) for s in electrode.solids()]
    r_nerve = max(nerve.major_mm, nerve.minor_mm) / 2.0
    r_inner = electrode.inner_diameter_mm / 2.0
    if electrode.expands:
        need = nerve.equivalent_diameter_mm / 2.0 + electrode.fill_gap_um * UM_TO_MM
        grow = max(0.0, need - r_inner)
        if grow > 0:
            for s in solids:
                for key in ("r_inner_mm", "r_outer_mm", "r_face_mm"):
                    if key in s:
                        s[key] = float(s[key]) + grow
            r_inner += grow
    if r_nerve + MIN_GAP_UM * UM_TO_MM > r_inner:
        raise InputError(
            "electrode",
            f"cuff:{electrode.preset}",
            f"the nerve's outline reaches {r_nerve:.3f} mm from its axis; the cuff's inner "
            f"radius {r_inner:.3f} mm must exceed it by {MIN_GAP_UM:g} um (the nerve is not "
            "deformed into the cuff yet): use a larger cuff or a circular nerve",
        )
    return NerveModel(
        cross_section=cross,
        cuff=tuple(solids),
        conductivity_s_per_m=nerve.conductivity.values_s_per_m(),
        length_mm=length,
        perineurium=perineurium,
    )


def nerve_fem(
    nerve: NerveGeometry,
    electrode: Cuff,
    *,
    length_mm: float | None = None,
    perineurium: str = "thin-layer",
    **options: Any,
) -> NerveFEM:
    """A :class:`NerveFEM` of the nerve in the cuff (options: ``mesh_level``, ``order``,
    ``tol``, ``cache_dir``, ``use_cache``)."""
    model = nerve_fem_model(nerve, electrode, length_mm=length_mm, perineurium=perineurium)
    return NerveFEM(model, **options)


def lead_segments(program: Program, placements: list[LeadPlacement]) -> tuple[dict[str, Any], ...]:
    """Each non-cuff lead as cylinder segments along its axis (tissue frame): one per contact
    (ring contacts, the lead's body diameter) and an insulating one across each gap between
    neighbouring contacts. A contact's ``area_mm2`` is its side plus each end not joined to an
    insulating segment."""
    out: list[dict[str, Any]] = []
    for k, (ident, place) in enumerate(zip(program.leads, placements, strict=True)):
        lead = load_lead(ident)
        if lead.kind == "cuff":
            raise InputError(f"leads[{k}]", ident, "leads in the tissue (a cuff is meshed apart)")
        r = lead_diameter_mm(lead) / 2.0
        axis = np.asarray(place.frame()[:, 2], float)
        spans = []
        for c in lead.contacts:
            length = float(c.length_mm or 0.0)
            if c.shape != "ring" or length <= 0:
                raise InputError(f"leads[{k}].contacts.{c.id}", c.shape, "ring contacts")
            zc = float(c.position_mm[2])
            spans.append((zc - length / 2.0, zc + length / 2.0, f"L{k + 1}.{c.id}"))
        spans.sort()
        for j, (z0, z1, cid) in enumerate(spans):
            ends = 2 - (j > 0) - (j < len(spans) - 1)
            start = place.to_tissue_mm(np.array([0.0, 0.0, z0]))
            out.append({
                "kind": "cylinder", "name": cid, "contact": cid,
                "start_mm": tuple(float(v) for v in start), "axis": tuple(axis.tolist()),
                "radius_mm": r, "length_mm": z1 - z0,
                "area_mm2": 2.0 * math.pi * r * (z1 - z0) + ends * math.pi * r * r,
            })  # fmt: skip
            if j + 1 < len(spans) and spans[j + 1][0] > z1 + 1e-9:
                gap0 = place.to_tissue_mm(np.array([0.0, 0.0, z1]))
                out.append({
                    "kind": "cylinder", "name": f"L{k + 1}.body{j}", "contact": None,
                    "start_mm": tuple(float(v) for v in gap0), "axis": tuple(axis.tolist()),
                    "radius_mm": r, "length_mm": spans[j + 1][0] - z1,
                })  # fmt: skip
    return tuple(out)


def nerve_lead_fem_model(
    nerve: NerveGeometry,
    program: Program,
    placements: list[LeadPlacement],
    *,
    distance_mm: float = 10.0,
    return_electrode: ReturnElectrode | None = None,
    length_mm: float | None = None,
    perineurium: str = "thin-layer",
) -> NerveModel:
    """The plain model of ``nerve`` with the program's leads placed in its tissue (§3.2, §7):
    length §7's max(60, 4 × distance + 40) mm; the return a skin pad (its centre on the skin
    above the nerve, ``pad_distance_mm`` along it, pulled in so that its rim stays
    ``PAD_MARGIN_MM`` inside the model [ours]) or far ground."""
    length = domain_length_mm(distance_mm) if length_mm is None else float(length_mm)
    ret = return_electrode or ReturnElectrode("far_ground")
    pad = None
    if ret.kind == "skin_pad":
        r = ret.pad_diameter_mm / 2.0
        room = length / 2.0 - r - PAD_MARGIN_MM
        if room < 0:
            raise InputError(
                "return_pad_diam_mm", ret.pad_diameter_mm,
                f"at most {2 * (length / 2 - PAD_MARGIN_MM):g} mm in a {length:g} mm model",
            )  # fmt: skip
        if r >= nerve.tissue.limb_radius_mm:
            raise InputError(
                "return_pad_diam_mm", ret.pad_diameter_mm,
                f"less than the limb's diameter ({2 * nerve.tissue.limb_radius_mm:g} mm)",
            )  # fmt: skip
        z = min(ret.pad_distance_mm, room)
        pad = {"center_mm": (0.0, nerve.tissue.nerve_depth_mm, z), "radius_mm": r,
               "thickness_mm": PAD_THICKNESS_MM, "distance_mm": z}  # fmt: skip
    return NerveModel(
        cross_section=tuple(_plain(s) for s in nerve.solids(length)),
        cuff=(),
        conductivity_s_per_m=nerve.conductivity.values_s_per_m(),
        length_mm=length,
        perineurium=perineurium,
        leads=lead_segments(program, placements),
        return_pad=pad,
    )


def nerve_lead_fem(
    nerve: NerveGeometry,
    program: Program,
    placements: list[LeadPlacement],
    *,
    distance_mm: float = 10.0,
    return_electrode: ReturnElectrode | None = None,
    length_mm: float | None = None,
    perineurium: str = "thin-layer",
    **options: Any,
) -> NerveFEM:
    """A :class:`NerveFEM` of the nerve with a percutaneous lead (SPRINT-type coil, occipital
    lead) at its placement, in the nerve's muscle and fat (options as :func:`nerve_fem`)."""
    model = nerve_lead_fem_model(
        nerve, program, placements, distance_mm=distance_mm, return_electrode=return_electrode,
        length_mm=length_mm, perineurium=perineurium,
    )  # fmt: skip
    return NerveFEM(model, **options)


__all__ = [
    "lead_segments",
    "nerve_fem",
    "nerve_fem_model",
    "nerve_lead_fem",
    "nerve_lead_fem_model",
]
