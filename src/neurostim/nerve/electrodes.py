"""Electrodes outside a cuff: a lead near the nerve, and the return (§3.2-§3.4, §7).

A percutaneous lead (the SPRINT-type coil, an occipital lead) lies at ``distance_mm`` from the
nerve's surface (the gap between the lead's surface and the nerve's, at their closest) and at
``angle_deg`` to the nerve axis (0 = parallel, 90 = across), approaching from ``approach_deg``
in the cross-section (from +x towards +y; 90 = from the skin side). :func:`lead_frame` gives
where the lead's reference point (the centre of its active contacts) sits and which way its
axis runs, in the nerve frame (mm). The defaults are §7's ``lead.distance_to_nerve_mm`` 10 and
``lead.angle_deg`` 30; the allowed ranges 0.5-30 mm and 0-90 deg are §7's too, except that a
distance down to :data:`MIN_DISTANCE_MM` is accepted for a lead touching the nerve.

The return is a disc on the skin (``skin_pad``, §7 ``return_pad_diam_mm`` 50 at
``return_pad_distance_mm`` 100 along the nerve) or the outer boundary of the model
(``far_ground``, ASCENT's distant ground §3.4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.nerve._io import number
from neurostim.nerve.geometry import NerveGeometry

DEFAULT_DISTANCE_MM = 10.0
"""§7 ``lead.distance_to_nerve_mm`` [ours]."""
DEFAULT_ANGLE_DEG = 30.0
"""§7 ``lead.angle_deg`` [ours]."""
MAX_DISTANCE_MM = 30.0
"""§7: 0.5-30 mm."""
MIN_DISTANCE_MM = 0.0
"""A lead may touch the nerve; a negative distance puts it inside and is refused."""
RETURN_KINDS = ("skin_pad", "far_ground")
OUTLINE_POINTS = 20000
"""Points on the nerve's outline for distances (chords of at most 1.7 um on a 10.5 mm nerve)."""
CONTACT_TOLERANCE_MM = 1e-3
"""A lead within 1 um of touching counts as touching, not inside (sampling of the outline)."""


@dataclass(frozen=True)
class ReturnElectrode:
    """The return: ``skin_pad`` (diameter, distance along the nerve, mm) or ``far_ground``."""

    kind: str = "skin_pad"
    pad_diameter_mm: float = 50.0
    pad_distance_mm: float = 100.0

    def __post_init__(self) -> None:
        if self.kind not in RETURN_KINDS:
            raise InputError("return", self.kind, f"one of {', '.join(RETURN_KINDS)}")
        number("return_pad_diam_mm", self.pad_diameter_mm, high=500.0, unit="mm")
        number(
            "return_pad_distance_mm",
            self.pad_distance_mm,
            low=0.0,
            low_open=False,
            high=1000.0,
            unit="mm",
        )


def lead_frame(
    nerve: NerveGeometry,
    *,
    distance_mm: float = DEFAULT_DISTANCE_MM,
    angle_deg: float = DEFAULT_ANGLE_DEG,
    approach_deg: float = 90.0,
    lead_diameter_mm: float = 0.6,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Reference point, axis and lateral direction of a lead near the nerve (nerve frame).

    Returns ``(point_mm, axis, lateral)``, each shape (3,): the lead's axis passes through
    ``point_mm`` in the plane ``distance_mm + lead_diameter_mm/2`` beyond the nerve's support
    line towards ``approach_deg``, so its surface is ``distance_mm`` from the nerve's surface;
    ``lateral`` is the plane's in-plane direction across the axis.

    Raises
    ------
    InputError
        ``distance_mm`` below 0 (the lead inside the nerve) or above 30 mm, ``angle_deg``
        outside 0-90 deg, a non-positive lead diameter.
    """
    numeric = isinstance(distance_mm, int | float) and not isinstance(distance_mm, bool)
    if numeric and distance_mm < MIN_DISTANCE_MM:
        raise InputError(
            "distance_mm",
            distance_mm,
            f"the lead would lie inside the nerve; "
            f"allowed [{MIN_DISTANCE_MM:g}, {MAX_DISTANCE_MM:g}] mm from its "
            "surface",
        )
    d = number(
        "distance_mm",
        distance_mm,
        low=MIN_DISTANCE_MM,
        low_open=False,
        high=MAX_DISTANCE_MM,
        unit="mm from the nerve's surface",
    )
    a = number("angle_deg", angle_deg, low=0.0, low_open=False, high=90.0, unit="deg")
    phi = math.radians(
        number("approach_deg", approach_deg, low=-360.0, low_open=False, high=360.0, unit="deg")
    )
    r = number("lead_diameter_mm", lead_diameter_mm, high=10.0, unit="mm") / 2.0
    semi_a, semi_b = nerve.major_mm / 2.0, nerve.minor_mm / 2.0
    n = np.array([math.cos(phi), math.sin(phi), 0.0])
    h = math.hypot(semi_a * n[0], semi_b * n[1])
    support = np.array([semi_a**2 * n[0] / h, semi_b**2 * n[1] / h, 0.0])
    point = support + (d + r) * n
    across = np.array([-n[1], n[0], 0.0])
    axis = (
        math.cos(math.radians(a)) * np.array([0.0, 0.0, 1.0]) + math.sin(math.radians(a)) * across
    )
    lateral = np.cross(n, axis)
    return point, axis, lateral


def distance_to_nerve_mm(
    nerve: NerveGeometry, points_mm: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Distance (mm) of each point (n, 2 or n, 3; nerve frame) to the nerve's outline, shape
    (n,); negative inside. From :data:`OUTLINE_POINTS` points on the outline (error below
    1 um for the shipped nerves)."""
    p = np.asarray(points_mm, np.float64).reshape(len(points_mm), -1)[:, :2]
    t = np.linspace(0.0, 2.0 * np.pi, OUTLINE_POINTS, endpoint=False)
    rim = np.column_stack([nerve.major_mm / 2.0 * np.cos(t), nerve.minor_mm / 2.0 * np.sin(t)])
    d = np.min(np.linalg.norm(p[:, None, :] - rim[None, :, :], axis=2), axis=1)
    return np.where(nerve.contains_mm(p), -d, d)


def lead_outside_nerve(
    nerve: NerveGeometry, points_mm: NDArray[np.float64], radius_mm: float, field: str
) -> None:
    """Refuse lead points (n, 3 or n, 2; mm, nerve frame) closer than ``radius_mm`` (the lead's
    radius) to the nerve's outline, or inside it."""
    gap = distance_to_nerve_mm(nerve, points_mm) - radius_mm
    if np.any(gap < -CONTACT_TOLERANCE_MM):
        k = int(np.argmin(gap))
        p = np.asarray(points_mm, np.float64)
        raise InputError(
            field,
            f"({p[k, 0]:.3g}, {p[k, 1]:.3g}) mm",
            f"the lead (radius {radius_mm:g} mm) reaches {-gap[k]:.3g} mm into the nerve "
            f"({nerve.major_mm:g} x {nerve.minor_mm:g} mm about the origin); place it outside, "
            "at a distance >= 0 mm from the nerve's surface",
        )


__all__ = [
    "DEFAULT_ANGLE_DEG",
    "DEFAULT_DISTANCE_MM",
    "RETURN_KINDS",
    "ReturnElectrode",
    "distance_to_nerve_mm",
    "lead_frame",
    "lead_outside_nerve",
]
