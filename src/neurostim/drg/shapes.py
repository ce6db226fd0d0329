"""Solid primitives of the DRG model: what a mesher builds, with their dimensions (mm).

Every tissue region of :meth:`neurostim.drg.DRGGeometry.solids` is one of four primitives, each
a few lines for a CAD kernel (Netgen OCC: ``Ellipsoid`` = a scaled sphere, ``Cylinder``,
``EllipticCylinder`` = an extruded ellipse, ``Box``). A region list is ordered by precedence:
a point belongs to the **first** solid that contains it, so a mesher builds region k as
``solid_k`` minus the union of ``solid_0 .. solid_(k-1)`` (:func:`region_index` does the same
for points, for tests and plots).

All primitives are in the ganglion frame of :mod:`neurostim.drg.geometry` (x along the root
axis, distal; y dorsal; z caudal on a right-side ganglion).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Ellipsoid:
    """Axis-aligned ellipsoid: centre and semi-axes along x, y, z (mm)."""

    name: str
    material: str
    center_mm: tuple[float, float, float]
    semi_axes_mm: tuple[float, float, float]

    def implicit(self, points_mm: NDArray[np.float64]) -> NDArray[np.float64]:
        """sum(((p - c) / s)^2) for points of shape (n_points, 3): below 1 inside."""
        u = (np.asarray(points_mm, np.float64) - self.center_mm) / self.semi_axes_mm
        return np.asarray(np.sum(u * u, axis=-1), np.float64)

    def contains(self, points_mm: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Inside (strictly), shape (n_points,)."""
        return np.asarray(self.implicit(points_mm) < 1.0)


@dataclass(frozen=True)
class Cylinder:
    """Right circular cylinder between the centres of its end faces (mm); with ``clip``, only
    its part inside that solid (a mesher builds the intersection)."""

    name: str
    material: str
    start_mm: tuple[float, float, float]
    end_mm: tuple[float, float, float]
    radius_mm: float
    clip: EllipticCylinder | None = None

    def contains(self, points_mm: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Inside (strictly), shape (n_points,)."""
        p = np.asarray(points_mm, np.float64)
        a, b = np.asarray(self.start_mm), np.asarray(self.end_mm)
        d = b - a
        length = float(np.linalg.norm(d))
        t = (p - a) @ d / length
        radial = np.linalg.norm(p - a - np.outer(t / length, d), axis=-1)
        inside = (t > 0.0) & (t < length) & (radial < self.radius_mm)
        if self.clip is not None:
            inside &= self.clip.contains(p)
        return np.asarray(inside)


@dataclass(frozen=True)
class EllipticCylinder:
    """Cylinder along x with an elliptic cross-section in the y-z plane (mm)."""

    name: str
    material: str
    center_yz_mm: tuple[float, float]
    semi_y_mm: float
    semi_z_mm: float
    x_min_mm: float
    x_max_mm: float

    def contains(self, points_mm: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Inside (strictly), shape (n_points,)."""
        p = np.asarray(points_mm, np.float64)
        u = (p[:, 1] - self.center_yz_mm[0]) / self.semi_y_mm
        v = (p[:, 2] - self.center_yz_mm[1]) / self.semi_z_mm
        inside_x = (p[:, 0] > self.x_min_mm) & (p[:, 0] < self.x_max_mm)
        return np.asarray(inside_x & (u * u + v * v < 1.0))


@dataclass(frozen=True)
class Box:
    """Axis-aligned box between two corners (mm)."""

    name: str
    material: str
    min_mm: tuple[float, float, float]
    max_mm: tuple[float, float, float]

    def contains(self, points_mm: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Inside (strictly), shape (n_points,)."""
        p = np.asarray(points_mm, np.float64)
        return np.asarray(np.all((p > self.min_mm) & (p < self.max_mm), axis=-1))


Solid = Ellipsoid | Cylinder | EllipticCylinder | Box
"""One primitive of the model."""


def region_index(solids: Sequence[Solid], points_mm: NDArray[np.float64]) -> NDArray[np.int64]:
    """Index of the first solid containing each point, -1 outside all; shape (n_points,)."""
    p = np.atleast_2d(np.asarray(points_mm, np.float64))
    out = np.full(p.shape[0], -1, dtype=np.int64)
    for k, solid in enumerate(solids):
        free = out < 0
        if not free.any():
            break
        hit = solid.contains(p[free])
        idx = np.flatnonzero(free)[hit]
        out[idx] = k
    return out


def segment_distance_mm(
    p0: NDArray[np.float64],
    p1: NDArray[np.float64],
    q0: NDArray[np.float64],
    q1: NDArray[np.float64],
) -> float:
    """Least distance between the 3-D segments p0-p1 and q0-q1 (mm)."""
    d1, d2, r = p1 - p0, q1 - q0, p0 - q0
    a, e, f = float(d1 @ d1), float(d2 @ d2), float(d2 @ r)
    c, b = float(d1 @ r), float(d1 @ d2)
    denom = a * e - b * b
    s = float(np.clip((b * f - c * e) / denom, 0.0, 1.0)) if denom > 1e-15 * a * e else 0.0
    t = (b * s + f) / e
    if t < 0.0:
        t, s = 0.0, float(np.clip(-c / a, 0.0, 1.0))
    elif t > 1.0:
        t, s = 1.0, float(np.clip((b - c) / a, 0.0, 1.0))
    return float(np.linalg.norm(p0 + s * d1 - (q0 + t * d2)))


def ellipse_point_with_normal(
    semi_y_mm: float, semi_z_mm: float, angle_deg: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The point of the ellipse (y/B)^2 + (z/C)^2 = 1 whose outward normal has ``angle_deg``
    (from +y towards +z), and that unit normal; each of shape (2,) in (y, z)."""
    theta = np.deg2rad(angle_deg)
    n = np.array([np.cos(theta), np.sin(theta)])
    s = np.array([semi_y_mm, semi_z_mm])
    q = s * s * n / np.sqrt(np.sum((s * n) ** 2))
    return q, n


def circle_in_ellipse(
    center_yz_mm: NDArray[np.float64],
    radius_mm: float,
    semi_y_mm: float,
    semi_z_mm: float,
    n_points: int = 720,
) -> float:
    """Largest value of the ellipse's implicit function on the circle (below 1: inside)."""
    t = np.linspace(0.0, 2.0 * np.pi, n_points, endpoint=False)
    y = center_yz_mm[0] + radius_mm * np.cos(t)
    z = center_yz_mm[1] + radius_mm * np.sin(t)
    return float(np.max((y / semi_y_mm) ** 2 + (z / semi_z_mm) ** 2))


__all__ = [
    "Box",
    "Cylinder",
    "Ellipsoid",
    "EllipticCylinder",
    "Solid",
    "region_index",
]
