"""Checks that a generated mesh is the geometry it was built from, before anything is solved.

Netgen can finish with a defective mesh: it prints "NOT ALL FACES HAVE BEEN MESHED" and goes on,
and the solve that follows converges on a domain with holes in it (a case measured on the T10
cord with the lead 2.5 mm off the midline: contact impedances of 379-394 ohm against 713 ohm on
the midline, solver status "ok"). Two checks catch it:

- **every surface meshed**: each face of the geometry holds at least one surface element;
- **every contact whole**: each contact face's meshed area is its geometric area (a ring
  ``2 pi r L``, a paddle rectangle ``a b``) within ``AREA_TOLERANCE`` (a polygonal ring of 16
  segments has 0.6 % less area than the cylinder).

A mesh that fails either is refused with :class:`~neurostim.errors.SolverError` naming what is
missing and what to change; nothing is cached.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from neurostim.errors import SolverError
from neurostim.field.fem.leads import Lead, RingLead

AREA_TOLERANCE = 0.03
"""Largest relative difference between a contact's meshed and geometric area."""

ADVICE = (
    "try another mesh level (--mesh) or move the lead slightly (lead_ml_offset_mm, "
    "lead_gap_to_dura_mm)"
)


def contact_areas_from_geometry_mm2(leads: Sequence[Lead], n_contacts: int) -> list[float]:
    """Geometric area of each contact face (mm^2), in contact-list order."""
    areas = [math.nan] * n_contacts
    for lead in leads:
        if isinstance(lead, RingLead):
            for k, s0, s1 in lead.contacts:
                areas[k] = 2.0 * math.pi * lead.radius_mm * (s1 - s0)
        else:
            for k, a0, a1, b0, b1 in lead.contacts:
                areas[k] = (a1 - a0) * (b1 - b0)
    return areas


def check_surfaces(netgen_mesh: Any) -> None:
    """SolverError unless every face descriptor of the mesh holds a surface element."""
    n_faces = int(netgen_mesh.GetNFaceDescriptors())
    counts = Counter(int(el.index) for el in netgen_mesh.Elements2D())
    empty = [i for i in range(1, n_faces + 1) if counts.get(i, 0) == 0]
    if empty:
        names = sorted({str(netgen_mesh.FaceDescriptor(i).bcname) for i in empty})
        raise SolverError(
            f"meshing failed: {len(empty)} of {n_faces} surfaces were not meshed "
            f"(boundaries {', '.join(names)}); {ADVICE}"
        )


def check_contact_areas(meshed_mm2: Sequence[float], expected_mm2: Sequence[float]) -> None:
    """SolverError unless each contact's meshed area is its geometric area."""
    for k, (got, want) in enumerate(zip(meshed_mm2, expected_mm2, strict=True)):
        if not (math.isfinite(got) and abs(got - want) <= AREA_TOLERANCE * want):
            raise SolverError(
                f"meshing failed: contact {k} has a meshed area of {got:.4g} mm^2 against "
                f"{want:.4g} mm^2 of its geometry (tolerance {100 * AREA_TOLERANCE:g} %); {ADVICE}"
            )


__all__ = [
    "AREA_TOLERANCE",
    "check_contact_areas",
    "check_surfaces",
    "contact_areas_from_geometry_mm2",
]
