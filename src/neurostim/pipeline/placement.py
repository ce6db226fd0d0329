"""Lead placement: a program's lead contacts as field contacts in the tissue frame.

Coordinates (tissue frame, mm): z along the cord axis, x mediolateral (0 = dorsal midline),
y dorsoventral, growing ventrally. A :class:`LeadPlacement` maps lead coordinates (device
convention: z along the lead from the centre of E1, x lateral, y dorsal-ventral) into it.
Default: lead k of n parallel to z at x = (k - (n - 1)/2) · 2 mm, y = 0, E1 at z = 0 [ours].

The ``case`` (the stimulator's can) is not a field contact: its return current flows far away
and is not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.device import Program, load_lead
from neurostim.errors import InputError
from neurostim.field import Contact, RectangleContact, RingContact
from neurostim.pipeline.drive import pick_train

DEFAULT_LEAD_SPACING_MM = 2.0
"""Centre-to-centre distance of side-by-side leads in the default placement [ours]."""


@dataclass(frozen=True)
class LeadPlacement:
    """Where one lead lies in tissue coordinates (mm).

    Parameters
    ----------
    origin_mm : tuple of 3 floats
        Tissue position of the lead-coordinate origin (the centre of E1).
    axis : tuple of 3 floats
        Tissue direction of the lead's +z (from E1 towards the proximal contacts).
    lateral : tuple of 3 floats
        Tissue direction of the lead's +x (across a paddle); orthogonalised against ``axis``.
        The lead's +y is axis x lateral.
    """

    origin_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)
    axis: tuple[float, float, float] = (0.0, 0.0, 1.0)
    lateral: tuple[float, float, float] = (1.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        o = np.asarray(self.origin_mm, np.float64)
        if o.shape != (3,) or not np.all(np.isfinite(o)):
            raise InputError("origin_mm", self.origin_mm, "must be three finite coordinates (mm)")
        self.frame()

    def frame(self) -> NDArray[np.float64]:
        """Rotation lead -> tissue, shape (3, 3): columns are the lead's x, y, z in tissue."""
        ez = np.asarray(self.axis, np.float64)
        ex = np.asarray(self.lateral, np.float64)
        if ez.shape != (3,) or not np.all(np.isfinite(ez)) or np.linalg.norm(ez) == 0:
            raise InputError("axis", self.axis, "must be a nonzero finite 3-vector")
        ez = ez / np.linalg.norm(ez)
        if ex.shape != (3,) or not np.all(np.isfinite(ex)):
            raise InputError("lateral", self.lateral, "must be a finite 3-vector")
        ex = ex - np.dot(ex, ez) * ez
        if np.linalg.norm(ex) < 1e-9:
            raise InputError("lateral", self.lateral, "must not be parallel to axis")
        ex = ex / np.linalg.norm(ex)
        return np.column_stack([ex, np.cross(ez, ex), ez])

    def to_tissue_mm(self, lead_xyz_mm: ArrayLike) -> NDArray[np.float64]:
        """Lead coordinates (n, 3) or (3,) -> tissue coordinates of the same shape (mm)."""
        p = np.asarray(lead_xyz_mm, np.float64)
        return p @ self.frame().T + np.asarray(self.origin_mm, np.float64)


def default_placements(
    n_leads: int, lead_spacing_mm: float = DEFAULT_LEAD_SPACING_MM
) -> list[LeadPlacement]:
    """Leads parallel to z, side by side across the dorsal midline, E1 at z = 0, y = 0."""
    return [
        LeadPlacement(origin_mm=((k - (n_leads - 1) / 2) * lead_spacing_mm, 0.0, 0.0))
        for k in range(n_leads)
    ]


def _xyz(a: NDArray[np.float64]) -> tuple[float, float, float]:
    return (float(a[0]), float(a[1]), float(a[2]))


def program_contacts(
    program: Program, placements: list[LeadPlacement] | None = None
) -> tuple[list[str], list[Contact]]:
    """Field contacts of every lead contact of ``program`` in tissue coordinates.

    Returns the contact ids (layout order, ``case`` left out: its return is not modelled) and
    one RingContact (ring) or RectangleContact (rectangle, width across the lead) per id.
    """
    placements = default_placements(len(program.leads)) if placements is None else placements
    if len(placements) != len(program.leads):
        raise InputError(
            "placements", len(placements), f"give one placement per lead ({len(program.leads)})"
        )
    ids: list[str] = []
    contacts: list[Contact] = []
    for k, (ident, place) in enumerate(zip(program.leads, placements, strict=True)):
        lead = load_lead(ident)
        frame = place.frame()
        for c in lead.contacts:
            cid = f"L{k + 1}.{c.id}"
            centre = _xyz(place.to_tissue_mm(c.position_mm))
            if c.shape == "ring" and c.diameter_mm and c.length_mm:
                contacts.append(RingContact(centre, _xyz(frame[:, 2]), c.diameter_mm, c.length_mm))
            elif c.shape == "rectangle" and c.width_mm and c.length_mm:
                contacts.append(
                    RectangleContact(centre, _xyz(frame[:, 0]), _xyz(frame[:, 2]),
                                     c.width_mm, c.length_mm)
                )  # fmt: skip
            else:
                raise InputError(
                    f"leads[{k}].contacts.{c.id}",
                    c.shape,
                    "the field models ring contacts (diameter_mm, length_mm) and rectangle "
                    "contacts (width_mm, length_mm) only",
                )
            ids.append(cid)
    return ids, contacts


def active_contact_center_mm(
    program: Program,
    placements: list[LeadPlacement] | None = None,
    *,
    train_index: int | None = None,
) -> NDArray[np.float64]:
    """Mean tissue position of the lead contacts one train uses, shape (3,) (mm)."""
    t = pick_train(program, train_index)
    ids, contacts = program_contacts(program, placements)
    used = [c for cid, c in zip(ids, contacts, strict=True) if cid in program.trains[t].contacts]
    if not used:
        raise InputError(
            f"trains[{t}].contacts", sorted(program.trains[t].contacts), "uses no lead contact"
        )
    return np.mean([np.asarray(c.center_xyz_mm) for c in used], axis=0)


__all__ = [
    "DEFAULT_LEAD_SPACING_MM",
    "LeadPlacement",
    "active_contact_center_mm",
    "default_placements",
    "program_contacts",
]
