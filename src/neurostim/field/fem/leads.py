"""Lead bodies from placed contacts: which contacts share a lead, and where its insulator lies.

The finite-element model removes each lead body from the domain (an insulator) and keeps its
contacts as surfaces. The bodies are inferred from the contacts (the field stage does not
import ``neurostim.device``):

- Ring contacts (:class:`~neurostim.field.RingContact`) on one line with one diameter form one
  percutaneous lead: a cylinder of that diameter from ``LEAD_TIP_MM`` beyond the distal contact
  (the first one given, the device's E1) through the proximal end of the domain. A single ring
  is taken to point proximally along its ``axis_xyz``.
- Rectangle contacts (:class:`~neurostim.field.RectangleContact`) in one plane form one paddle:
  an insulating slab ``PADDLE_THICKNESS_MM`` thick behind the contact faces (on the side away
  from the cord's axis), ``PADDLE_MARGIN_MM`` beyond the contacts' bounding rectangle.

The numbers are design choices [ours] within spinal-cord.md §1.3 (slab 1-2 mm thick).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.field.contacts import Contact, RectangleContact, RingContact
from neurostim.field.fem.geometry import LayeredCord

LEAD_TIP_MM = 1.0
"""Insulating tip beyond the distal ring contact [ours]."""
PADDLE_THICKNESS_MM = 1.5
"""Thickness of a paddle's insulating slab [ours; spinal-cord.md §1.3: 1-2 mm]."""
PADDLE_MARGIN_MM = 1.0
"""Slab beyond the contacts' bounding rectangle, each side [ours]."""
_TOL_MM = 1e-6


@dataclass(frozen=True)
class RingLead:
    """A percutaneous lead: a cylinder along ``direction`` through ``origin_mm``.

    ``contacts`` holds (index into the contact list, s_start_mm, s_end_mm) along the direction
    from ``origin_mm``; the insulator runs from ``s_tip_mm`` to ``s_end_mm``.
    """

    origin_mm: NDArray[np.float64]
    direction: NDArray[np.float64]
    radius_mm: float
    contacts: tuple[tuple[int, float, float], ...]
    s_tip_mm: float
    s_end_mm: float


@dataclass(frozen=True)
class PaddleLead:
    """A paddle: a slab in the frame (u, w, n), n pointing away from the cord.

    ``contacts`` holds (index, a0, a1, b0, b1): each contact's rectangle in local (u, w)
    coordinates of the face plane through ``origin_mm``; ``extent`` the slab's (a0, a1, b0, b1).
    """

    origin_mm: NDArray[np.float64]
    u: NDArray[np.float64]
    w: NDArray[np.float64]
    n: NDArray[np.float64]
    contacts: tuple[tuple[int, float, float, float, float], ...]
    extent: tuple[float, float, float, float]
    thickness_mm: float


Lead = RingLead | PaddleLead


def _ring_groups(rings: list[tuple[int, RingContact]]) -> list[list[tuple[int, RingContact]]]:
    groups: list[list[tuple[int, RingContact]]] = []
    for k, ring in rings:
        c = np.asarray(ring.center_xyz_mm, np.float64)
        a = np.asarray(ring.axis_xyz, np.float64) / np.linalg.norm(ring.axis_xyz)
        for group in groups:
            g = group[0][1]
            c0 = np.asarray(g.center_xyz_mm, np.float64)
            a0 = np.asarray(g.axis_xyz, np.float64) / np.linalg.norm(g.axis_xyz)
            off = (c - c0) - np.dot(c - c0, a0) * a0
            if (
                abs(abs(float(np.dot(a, a0))) - 1.0) < 1e-9
                and float(np.linalg.norm(off)) < 1e-6
                and abs(g.diameter_mm - ring.diameter_mm) < _TOL_MM
            ):
                group.append((k, ring))
                break
        else:
            groups.append([(k, ring)])
    return groups


def _ring_lead(group: list[tuple[int, RingContact]], far_mm: float) -> RingLead:
    first = group[0][1]
    origin = np.asarray(first.center_xyz_mm, np.float64)
    d = np.asarray(first.axis_xyz, np.float64) / np.linalg.norm(first.axis_xyz)
    if len(group) > 1:
        last = np.asarray(group[-1][1].center_xyz_mm, np.float64)
        if np.dot(last - origin, d) < 0:
            d = -d
    spans = []
    for k, ring in group:
        s = float(np.dot(np.asarray(ring.center_xyz_mm) - origin, d))
        spans.append((k, s - ring.length_mm / 2.0, s + ring.length_mm / 2.0))
    spans.sort(key=lambda t: t[1])
    for (k0, _, e0), (k1, s1, _) in itertools.pairwise(spans):
        if s1 < e0 - _TOL_MM:
            raise InputError(f"contacts[{k1}]", "overlap", f"overlaps contacts[{k0}] on its lead")
    tip = spans[0][1] - LEAD_TIP_MM
    return RingLead(origin, d, first.diameter_mm / 2.0, tuple(spans), tip, far_mm)


def _paddle_groups(rects: list[tuple[int, RectangleContact]]) -> list[PaddleLead]:
    planes: list[tuple[NDArray[np.float64], float, list[tuple[int, RectangleContact]]]] = []
    for k, rect in rects:
        u, v = rect._axes()
        n = np.cross(u, v)
        c = np.asarray(rect.center_xyz_mm, np.float64)
        for n0, off0, members in planes:
            if abs(abs(float(np.dot(n, n0))) - 1.0) < 1e-9 and abs(np.dot(c, n0) - off0) < 1e-6:
                members.append((k, rect))
                break
        else:
            planes.append((n, float(np.dot(c, n)), [(k, rect)]))
    leads = []
    for n, _, members in planes:
        first = members[0][1]
        origin = np.asarray(first.center_xyz_mm, np.float64)
        axis_point = np.array([0.0, 0.0, origin[2]])  # on the canal's axis
        if np.dot(origin - axis_point, n) < 0:
            n = -n
        u = first._axes()[0]
        w = np.cross(n, u)
        boxes = []
        for k, rect in members:
            ru, rv = rect._axes()
            c = np.asarray(rect.center_xyz_mm, np.float64) - origin
            corners = [
                c + su * rect.width_mm / 2 * ru + sv * rect.length_mm / 2 * rv
                for su in (-1, 1)
                for sv in (-1, 1)
            ]
            a = [float(np.dot(p, u)) for p in corners]
            b = [float(np.dot(p, w)) for p in corners]
            if max(abs(float(np.dot(ru, w))), abs(float(np.dot(ru, u)))) < 1 - 1e-9:
                raise InputError(
                    f"contacts[{k}].width_axis", rect.width_axis, "paddle contacts must be aligned"
                )
            boxes.append((k, min(a), max(a), min(b), max(b)))
        m = PADDLE_MARGIN_MM
        extent = (
            min(x[1] for x in boxes) - m,
            max(x[2] for x in boxes) + m,
            min(x[3] for x in boxes) - m,
            max(x[4] for x in boxes) + m,
        )
        leads.append(PaddleLead(origin, u, w, n, tuple(boxes), extent, PADDLE_THICKNESS_MM))
    return leads


def leads_from_contacts(contacts: Sequence[Contact], cord: LayeredCord) -> list[Lead]:
    """Group the contacts into lead bodies and check that each lies in the domain.

    Raises InputError for an unknown contact type, overlapping contacts, a contact outside the
    domain or a lead body that cuts into the cord.
    """
    if len(contacts) == 0:
        raise InputError("contacts", contacts, "give at least one contact")
    rings: list[tuple[int, RingContact]] = []
    rects: list[tuple[int, RectangleContact]] = []
    for k, c in enumerate(contacts):
        if isinstance(c, RingContact):
            rings.append((k, c))
        elif isinstance(c, RectangleContact):
            rects.append((k, c))
        else:
            raise InputError(f"contacts[{k}]", c, "must be a RingContact or RectangleContact")
    far = 2.0 * (cord.length_mm + cord.outer_radius_mm)
    leads: list[Lead] = [_ring_lead(g, far) for g in _ring_groups(rings)]
    leads += _paddle_groups(rects)
    for lead in leads:
        _check_inside(lead, cord)
    return leads


def lead_surface_points(lead: Lead) -> NDArray[np.float64]:
    """Points on the lead body's surface near its contacts, shape (n, 3) (for checks)."""
    if isinstance(lead, RingLead):
        e1 = np.cross(lead.direction, [1.0, 0.0, 0.0])
        if np.linalg.norm(e1) < 0.1:
            e1 = np.cross(lead.direction, [0.0, 1.0, 0.0])
        e1 /= np.linalg.norm(e1)
        e2 = np.cross(lead.direction, e1)
        lo = lead.s_tip_mm
        hi = max(c[2] for c in lead.contacts) + LEAD_TIP_MM
        s = np.linspace(lo, hi, 64)
        phi = np.linspace(0.0, 2 * np.pi, 24, endpoint=False)
        ss, pp = np.meshgrid(s, phi, indexing="ij")
        r = lead.radius_mm
        return (
            lead.origin_mm
            + ss.reshape(-1, 1) * lead.direction
            + r * np.cos(pp).reshape(-1, 1) * e1
            + r * np.sin(pp).reshape(-1, 1) * e2
        )
    a0, a1, b0, b1 = lead.extent
    aa, bb, tt = np.meshgrid(
        np.linspace(a0, a1, 16), np.linspace(b0, b1, 32), [0.0, lead.thickness_mm], indexing="ij"
    )
    return (
        lead.origin_mm
        + aa.reshape(-1, 1) * lead.u
        + bb.reshape(-1, 1) * lead.w
        + tt.reshape(-1, 1) * lead.n
    )


def _check_inside(lead: Lead, cord: LayeredCord) -> None:
    k = lead.contacts[0][0]
    pts = lead_surface_points(lead)
    radius = np.hypot(pts[:, 0], pts[:, 1])
    if np.any(radius > cord.outer_radius_mm - 1.0):
        raise InputError(
            f"contacts[{k}]",
            "outside",
            f"the lead must lie at least 1 mm inside outer_radius_mm = {cord.outer_radius_mm}",
        )
    half = cord.length_mm / 2.0
    if np.any(np.abs(pts[:, 2]) > half - 1.0):
        raise InputError(
            f"contacts[{k}]",
            "outside",
            f"the lead's contacts and tip must lie within |z| <= {half - 1.0} mm (length_mm / 2 "
            "less 1 mm)",
        )
    if np.any(cord.inside_cord(pts[:, 0], pts[:, 1])):
        raise InputError(f"contacts[{k}]", "inside cord", "the lead body cuts into the cord")


__all__ = ["PaddleLead", "RingLead", "lead_surface_points", "leads_from_contacts"]
