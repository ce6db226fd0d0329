"""A DRG lead placed over the ganglion from a program: contacts in the ganglion frame.

The lead is a straight ring lead parallel to the ganglion axis with its tip (E1) distal: lead
+z (from E1 towards the proximal contacts) is the ganglion frame's -x. In the cross-section its
axis lies on the outward normal of the capsule's central ellipse at ``lead_angle_deg`` (0 =
dorsal, 90 = caudal), ``lead_gap_mm + radius`` from the capsule's surface. A line parallel to x
projects the capsule onto that ellipse, and a point on an outward normal of a convex set is
nearest to the foot of that normal, so the least distance from the lead's surface to the
capsule is exactly ``lead_gap_mm``. Along x the program's active contacts (those of the
train; every contact without a program) are centred at ``lead_axial_offset_mm``. The lead body
runs from ``LEAD_TIP_MM`` beyond E1 to the proximal face of the domain, as the finite-element
model builds lead bodies from ring contacts (``neurostim.field.fem.leads``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from neurostim.device import Lead, Program, load_lead
from neurostim.drg.shapes import Cylinder, EllipticCylinder, ellipse_point_with_normal
from neurostim.errors import InputError
from neurostim.field import RingContact
from neurostim.field.fem.leads import LEAD_TIP_MM

if TYPE_CHECKING:
    from neurostim.drg.geometry import DRGGeometry

LEAD_AXIS = (-1.0, 0.0, 0.0)
"""Lead +z (E1 towards the proximal contacts) in the ganglion frame: the tip points distally."""


@dataclass(frozen=True)
class DRGLeadPlacement:
    """A ring lead in the ganglion frame (mm).

    Attributes
    ----------
    lead_id : str
    contact_ids : tuple of str, length n_contacts
        Program ids, ``L1.E1`` ... (one lead).
    centers_mm : ndarray of shape (n_contacts, 3)
        Contact centres.
    contact_length_mm : ndarray of shape (n_contacts,)
    radius_mm : float
        Lead (and ring contact) radius.
    active_ids : tuple of str
        Contacts the program's train uses (every contact without a program).
    tip_x_mm, proximal_x_mm : float
        x of the insulating tip and of the body's proximal end (the domain face).
    axis_yz_mm : ndarray of shape (2,)
        (y, z) of the lead axis.
    encapsulation_mm : float
    """

    lead_id: str
    contact_ids: tuple[str, ...]
    centers_mm: NDArray[np.float64]
    contact_length_mm: NDArray[np.float64]
    radius_mm: float
    active_ids: tuple[str, ...]
    tip_x_mm: float
    proximal_x_mm: float
    axis_yz_mm: NDArray[np.float64]
    encapsulation_mm: float

    @property
    def n_contacts(self) -> int:
        return len(self.contact_ids)

    def ring_contacts(self) -> list[RingContact]:
        """Field contacts (:class:`neurostim.field.RingContact`), in ``contact_ids`` order."""
        d = 2.0 * self.radius_mm
        return [
            RingContact(tuple(map(float, c)), LEAD_AXIS, d, float(length))  # type: ignore[arg-type]
            for c, length in zip(self.centers_mm, self.contact_length_mm, strict=True)
        ]

    def body(self) -> Cylinder:
        """The insulating lead body."""
        y, z = map(float, self.axis_yz_mm)
        return Cylinder(
            "lead", "insulator", (self.tip_x_mm, y, z), (self.proximal_x_mm, y, z), self.radius_mm
        )

    def encapsulation(
        self,
        clip: EllipticCylinder | None = None,
        reach_mm: float | None = None,
        capsule_mm: float = 0.0,
    ) -> Cylinder:
        """The scar sheath around the lead body (only inside ``clip``: the foramen's tunnel,
        so bone stays bone). A sheath that reaches the capsule (``encapsulation_mm`` within
        ``min_layer_mm`` of the gap ``reach_mm``, or beyond) is widened to overlap it by
        ``min_layer_mm`` (a rule of ``levels.toml``), and one that would end within
        ``min_layer_mm`` of the capsule's inner surface (``capsule_mm`` further in: the
        ganglion's surface) is widened to cross that by ``min_layer_mm``: the capsule and the
        ganglion come first and clip it, and no surface touches another tangentially (a sheath
        tangent to the ganglion, as a 0.3 mm sheath is at a 0.1 mm gap with a 0.2 mm capsule,
        leaves Netgen an overlapping boundary mesh)."""
        from neurostim.drg._io import rules

        thin = rules()["min_layer_mm"]
        y, z = map(float, self.axis_yz_mm)
        thickness = self.encapsulation_mm
        if reach_mm is not None and thickness > reach_mm - thin:
            thickness = max(thickness, reach_mm + thin)
            inner = reach_mm + capsule_mm
            if capsule_mm > 0 and inner - thin < thickness < inner + thin:
                thickness = inner + thin
        r = self.radius_mm + thickness
        tip = self.tip_x_mm + thickness
        end = (self.proximal_x_mm, y, z)
        return Cylinder("encapsulation", "encapsulation", (tip, y, z), end, r, clip)


def ring_lead_radius_mm(lead: Lead) -> float:
    """Radius of a lead whose contacts are rings of one diameter on one axis (x = y = 0)."""
    diameters = {c.diameter_mm for c in lead.contacts if c.shape == "ring"}
    on_axis = all(abs(c.position_mm[0]) < 1e-9 and abs(c.position_mm[1]) < 1e-9
                  for c in lead.contacts)  # fmt: skip
    if len(diameters) != 1 or None in diameters or not on_axis:
        raise InputError(
            "lead",
            lead.id,
            "the DRG model places a ring lead: ring contacts of one diameter on the lead axis",
        )
    return float(next(iter(diameters))) / 2.0  # type: ignore[arg-type]


def lead_axis_yz_mm(
    geometry: DRGGeometry, radius_mm: float, gap_mm: float | None = None
) -> NDArray[np.float64]:
    """(y, z) of the axis of a lead of this radius, ``gap_mm`` (default: the geometry's
    ``lead_gap_mm``) from the capsule (module docstring)."""
    gap = geometry.lead_gap_mm if gap_mm is None else gap_mm
    b, c = geometry.capsule_semi_axes_mm[1:]
    q, n = ellipse_point_with_normal(b, c, geometry.lead_angle_deg)
    return np.asarray(q + (gap + radius_mm) * n, np.float64)


def _active_ids(program: Program | None, train_index: int | None) -> tuple[str, ...] | None:
    if program is None:
        return None
    if len(program.leads) != 1:
        raise InputError(
            "leads", program.leads, "a DRG program drives one lead; give exactly one lead"
        )
    from neurostim.pipeline.drive import pick_train

    t = pick_train(program, train_index)
    ids = tuple(sorted(k for k in program.trains[t].contacts if k != "case"))
    if not ids:
        raise InputError(f"trains[{t}].contacts", [], "uses no lead contact")
    return ids


def place_lead(
    geometry: DRGGeometry,
    program: Program | None = None,
    *,
    base_dir: str | Path | None = None,
    train_index: int | None = None,
) -> DRGLeadPlacement:
    """Place the program's lead (or the geometry's ``lead`` without a program) over the ganglion.

    Parameters
    ----------
    geometry : DRGGeometry
        Gives ``lead_gap_mm``, ``lead_axial_offset_mm``, ``lead_angle_deg``,
        ``encapsulation_mm``; change them with ``geometry.replace(lead_gap_mm=...)``.
    program : Program, optional
        A one-lead program; its lead replaces ``geometry.lead`` and its train's contacts are
        centred at the axial offset.
    base_dir : path, optional
        Folder of the program file (a lead named by a relative path resolves against it).
    train_index : int, optional
        The train whose contacts are centred (required if the program has several).

    Raises
    ------
    InputError
        A program with several leads, a lead that is not a ring lead, or a lead that meets
        bone, a root or the spinal nerve, or leaves the domain (field, value, allowed range).
    """
    active = _active_ids(program, train_index)
    ident = program.leads[0] if program is not None else geometry.lead
    base = Path(base_dir) if base_dir is not None else None
    lead = load_lead(ident, base_dir=base)
    placement = _placement(geometry, lead, active)
    from neurostim.drg._checks import check_lead

    check_lead(geometry, placement)
    return placement


def _placement(
    geometry: DRGGeometry, lead: Lead, active: tuple[str, ...] | None
) -> DRGLeadPlacement:
    radius = ring_lead_radius_mm(lead)
    ids = tuple(f"L1.{c.id}" for c in lead.contacts)
    lead_z = lead.positions_mm()[:, 2]
    if active is None:
        active = ids
    unknown = [k for k in active if k not in ids]
    if unknown:
        raise InputError("contacts", unknown, f"not a contact of lead {lead.id}: {', '.join(ids)}")
    centre_z = float(np.mean([lead_z[ids.index(k)] for k in active]))
    axis_yz = lead_axis_yz_mm(geometry, radius)
    # lead +z is tissue -x: x = offset - (z - centre_z)
    x = geometry.lead_axial_offset_mm - (lead_z - centre_z)
    centers = np.column_stack([x, np.full_like(x, axis_yz[0]), np.full_like(x, axis_yz[1])])
    lengths = np.array([c.length_mm or 0.0 for c in lead.contacts], np.float64)
    e1 = int(np.argmin(lead_z))
    return DRGLeadPlacement(
        lead_id=lead.id,
        contact_ids=ids,
        centers_mm=centers,
        contact_length_mm=lengths,
        radius_mm=radius,
        active_ids=tuple(active),
        tip_x_mm=float(x[e1] + lengths[e1] / 2 + LEAD_TIP_MM),
        proximal_x_mm=-geometry.domain_mm / 2,
        axis_yz_mm=axis_yz,
        encapsulation_mm=geometry.encapsulation_mm,
    )


def default_placement(geometry: DRGGeometry) -> DRGLeadPlacement:
    """The geometry's own lead, every contact centred at the axial offset (no checks)."""
    lead = load_lead(geometry.lead)
    return _placement(geometry, lead, None)


__all__ = [
    "LEAD_AXIS",
    "DRGLeadPlacement",
    "default_placement",
    "place_lead",
    "ring_lead_radius_mm",
]
