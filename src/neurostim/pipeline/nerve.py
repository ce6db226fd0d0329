"""A program's leads placed at a peripheral nerve (peripheral-nerve.md §3, §7).

The nerve frame of :mod:`neurostim.nerve.geometry` (mm): z along the nerve, x along the
cross-section's major axis, y along its minor axis towards the skin. Per lead of the program:

- a cuff (device lead ``cuff-<preset>``, kind ``cuff``): its axis on the nerve's, its centre at
  z = 0, its 0 deg towards +x. A shipped preset must fit the nerve (:meth:`Cuff.check_fits`); a
  user's cuff lead must have ring contacts at least as wide as the nerve;
- any other lead (the SPRINT-type coil, occipital or other percutaneous leads): at
  ``distance_mm`` from the nerve's surface and ``angle_deg`` to its axis
  (:func:`neurostim.nerve.lead_frame`), approached from ``approach_deg``; lead k of n comes
  from ``approach_deg + 360 k / n`` [ours]. The point at that distance is the centre of the
  contacts the chosen train uses on that lead (all of the lead's contacts if it uses none).

Every placed lead is checked outside the nerve (:func:`check_leads_outside`) before any
meshing: a lead inside the nerve is refused naming the lead, the point and the allowed range.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from neurostim.device import Program, load_lead
from neurostim.device.leads import Lead
from neurostim.errors import InputError
from neurostim.nerve import (
    DEFAULT_ANGLE_DEG,
    DEFAULT_DISTANCE_MM,
    NerveGeometry,
    cuff,
    cuff_names,
    lead_frame,
    lead_outside_nerve,
)
from neurostim.pipeline.drive import pick_train
from neurostim.pipeline.placement import LeadPlacement

DEFAULT_LEAD_DIAMETER_MM = 1.0
"""Lead body diameter used when a lead has no ring contact to give it [ours]."""


def cuff_preset(lead: Lead) -> str | None:
    """The nerve package's cuff preset of a ``cuff-<preset>`` lead, or None."""
    name = lead.id.removeprefix("cuff-")
    return name if lead.kind == "cuff" and name in cuff_names() else None


def lead_diameter_mm(lead: Lead) -> float:
    """The lead body's diameter: its widest ring contact, else the default."""
    rings = [c.diameter_mm for c in lead.contacts if c.shape == "ring" and c.diameter_mm]
    return float(max(rings)) if rings else DEFAULT_LEAD_DIAMETER_MM


def nerve_placements(
    program: Program,
    nerve: NerveGeometry,
    *,
    distance_mm: float = DEFAULT_DISTANCE_MM,
    angle_deg: float = DEFAULT_ANGLE_DEG,
    approach_deg: float = 90.0,
    train_index: int | None = None,
) -> list[LeadPlacement]:
    """One placement per lead of ``program`` at ``nerve`` (module docstring), checked.

    Raises
    ------
    InputError
        A cuff smaller than the nerve, a distance or angle out of range, a lead inside the
        nerve: names the field, the value and the allowed range.
    """
    t = pick_train(program, train_index)
    used = set(program.trains[t].contacts)
    leads = [load_lead(ident) for ident in program.leads]
    out = []
    for k, lead in enumerate(leads):
        if lead.kind == "cuff":
            preset = cuff_preset(lead)
            if preset is not None:
                c = cuff(preset)
                c.check_fits(nerve)
                z1 = c.contacts[0].z_mm
            else:
                _check_user_cuff(lead, nerve, k)
                z = lead.positions_mm()[:, 2]
                z1 = -float(z.min() + z.max()) / 2.0
            out.append(LeadPlacement(origin_mm=(0.0, 0.0, z1)))
            continue
        point, axis, lateral = lead_frame(
            nerve,
            distance_mm=distance_mm,
            angle_deg=angle_deg,
            approach_deg=approach_deg + 360.0 * k / len(leads),
            lead_diameter_mm=lead_diameter_mm(lead),
        )
        mine = [c.id for c in lead.contacts if f"L{k + 1}.{c.id}" in used] or lead.contact_ids
        ref = np.mean([c.position_mm for c in lead.contacts if c.id in mine], axis=0)
        frame = np.column_stack([lateral, np.cross(axis, lateral), axis])
        origin = point - frame @ ref
        out.append(
            LeadPlacement(tuple(origin.tolist()), tuple(axis.tolist()), tuple(lateral.tolist()))
        )
    check_leads_outside(program, nerve, out)
    return out


def _check_user_cuff(lead: Lead, nerve: NerveGeometry, k: int) -> None:
    for c in lead.contacts:
        small = c.diameter_mm is not None and c.diameter_mm < nerve.equivalent_diameter_mm
        if c.shape == "ring" and small:
            raise InputError(
                f"leads[{k}].contacts.{c.id}.diameter_mm",
                c.diameter_mm,
                f"the cuff is smaller than the nerve; allowed >= "
                f"{nerve.equivalent_diameter_mm:.2f} mm (the nerve's equal-area diameter)",
            )


def check_leads_outside(
    program: Program, nerve: NerveGeometry, placements: list[LeadPlacement]
) -> None:
    """Refuse a non-cuff lead whose body reaches into the nerve.

    The lead body is the segment through its contacts (extended by half the longest contact)
    with the radius of :func:`lead_diameter_mm`, sampled every 0.05 mm.
    """
    if len(placements) != len(program.leads):
        raise InputError("placements", len(placements), f"one per lead ({len(program.leads)})")
    for k, (ident, place) in enumerate(zip(program.leads, placements, strict=True)):
        lead = load_lead(ident)
        if lead.kind == "cuff":
            continue
        z = lead.positions_mm()[:, 2]
        half = max((c.length_mm or 0.0) for c in lead.contacts) / 2.0
        zs = np.arange(z.min() - half, z.max() + half + 1e-9, 0.05)
        body: NDArray[np.float64] = place.to_tissue_mm(
            np.column_stack([np.zeros_like(zs), np.zeros_like(zs), zs])
        )
        lead_outside_nerve(nerve, body, lead_diameter_mm(lead) / 2.0, f"leads[{k}]")


__all__ = [
    "DEFAULT_LEAD_DIAMETER_MM",
    "check_leads_outside",
    "cuff_preset",
    "lead_diameter_mm",
    "nerve_placements",
]
