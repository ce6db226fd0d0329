"""Finite contacts as distributed point sources, and unit-current potentials per contact.

Model
-----
A contact carries a total current I spread *uniformly over its surface* (uniform current
density, not an equipotential surface); its potential at a point x is the surface integral

    V(x) = ∫_S (I/|S|) G(x, y) dS(y),   G = point-source kernel of the medium (point_source.py)

evaluated by the midpoint rule on a regular grid of point sources with equal weights:

- ``RingContact``: the lateral surface of a cylinder (a percutaneous lead's ring contact) of
  diameter D and length L centred at ``center_xyz_mm`` with its axis along ``axis_xyz``;
  ``n_axial`` × ``n_around`` points at the cell centres (the end faces carry no current: they
  lie inside the lead body).
- ``RectangleContact``: a flat rectangle (a paddle contact's face) of ``width_mm`` × ``length_mm``
  centred at ``center_xyz_mm``, spanned by the unit vectors ``width_axis`` and ``length_axis``;
  ``n_width`` × ``n_length`` points. The paddle's insulating backing is *not* modelled (the
  medium is infinite on both sides); in a half-space bounded by a perfect insulator the potential
  in front of the contact is twice this value (method of images).

The midpoint rule converges as O(h²) away from the surface. Validated
(tests/field/test_contacts.py): the far field of both contacts equals the point source to
rtol 1e-4 at 50 contact sizes; the on-axis potential of the ring equals the exact line/ring
integral I/(4πσL)[asinh((z+L/2)/a) − asinh((z−L/2)/a)] to rtol 1e-4 with the default
discretisation, and the error falls with order ≈ 2 in n_axial; the rectangle on its normal
through the centre (0.5-3 mm from a 1 x 4 mm face) equals an independent scipy ``dblquad``
of the kernel to rtol 5e-4 with the default grid.

Points closer to a source point than ``min_distance_mm`` raise InputError (point_source.py);
do not evaluate on the contact surface itself (the discretised field is not meaningful within
about one grid spacing of the surface).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.errors import InputError
from neurostim.field.point_source import (
    DEFAULT_MIN_DISTANCE_MM,
    Medium,
    point_source_potential_mv,
)


def _unit(v: ArrayLike, field: str) -> NDArray[np.float64]:
    a = np.asarray(v, dtype=np.float64)
    n = float(np.linalg.norm(a)) if a.shape == (3,) else 0.0
    if a.shape != (3,) or not np.isfinite(n) or n == 0.0:
        raise InputError(field, v, "must be a nonzero finite 3-vector")
    return a / n


def _finite3(v: ArrayLike, field: str) -> None:
    a = np.asarray(v, dtype=np.float64)
    if a.shape != (3,) or not np.all(np.isfinite(a)):
        raise InputError(field, v, "must be three finite coordinates (mm)")


def _positive(value: float, field: str, unit: str) -> None:
    if not (np.isfinite(value) and value > 0):
        raise InputError(field, value, f"must be a positive finite length ({unit})")


def _count(value: int, field: str) -> None:
    if int(value) != value or value < 1:
        raise InputError(field, value, "must be an integer >= 1")


def _perpendicular(axis: NDArray[np.float64]) -> NDArray[np.float64]:
    """A unit vector perpendicular to ``axis`` (deterministic choice)."""
    trial = np.array([1.0, 0.0, 0.0]) if abs(axis[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = trial - np.dot(trial, axis) * axis
    return e1 / np.linalg.norm(e1)


@dataclass(frozen=True)
class RingContact:
    """Cylindrical ring contact of a percutaneous lead.

    Parameters
    ----------
    center_xyz_mm : tuple of 3 floats
        Centre of the ring (on the lead axis), mm.
    axis_xyz : tuple of 3 floats
        Direction of the lead axis (normalised internally).
    diameter_mm, length_mm : float
        Contact diameter and length (e.g. 1.3 mm and 3 mm for a common SCS lead).
    n_axial, n_around : int
        Midpoint-rule grid: points along the axis and around the circumference.
    """

    center_xyz_mm: tuple[float, float, float]
    axis_xyz: tuple[float, float, float] = (0.0, 0.0, 1.0)
    diameter_mm: float = 1.3
    length_mm: float = 3.0
    n_axial: int = 48
    n_around: int = 16

    def __post_init__(self) -> None:
        _finite3(self.center_xyz_mm, "center_xyz_mm")
        _unit(self.axis_xyz, "axis_xyz")
        _positive(self.diameter_mm, "diameter_mm", "mm")
        _positive(self.length_mm, "length_mm", "mm")
        _count(self.n_axial, "n_axial")
        _count(self.n_around, "n_around")

    def source_points(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Point sources representing the contact.

        Returns
        -------
        xyz_mm : ndarray of shape (n_axial * n_around, 3)
        weights : ndarray of shape (n_axial * n_around,)
            Fraction of the contact current at each point (sums to 1).
        """
        axis = _unit(self.axis_xyz, "axis_xyz")
        e1 = _perpendicular(axis)
        e2 = np.cross(axis, e1)
        s = (np.arange(self.n_axial) + 0.5) / self.n_axial * self.length_mm - self.length_mm / 2
        phi = (np.arange(self.n_around) + 0.5) / self.n_around * 2.0 * np.pi
        radius = self.diameter_mm / 2.0
        ss, pp = np.meshgrid(s, phi, indexing="ij")
        xyz = (
            np.asarray(self.center_xyz_mm, dtype=np.float64)
            + ss.reshape(-1, 1) * axis
            + radius * np.cos(pp).reshape(-1, 1) * e1
            + radius * np.sin(pp).reshape(-1, 1) * e2
        )
        n = xyz.shape[0]
        return xyz, np.full(n, 1.0 / n)


@dataclass(frozen=True)
class RectangleContact:
    """Flat rectangular contact (the face of a paddle lead's contact).

    Parameters
    ----------
    center_xyz_mm : tuple of 3 floats
        Centre of the face, mm.
    width_axis, length_axis : tuple of 3 floats
        In-plane directions of the width and the length (must not be parallel; the length axis
        is orthogonalised against the width axis).
    width_mm, length_mm : float
        Side lengths, mm.
    n_width, n_length : int
        Midpoint-rule grid.
    """

    center_xyz_mm: tuple[float, float, float]
    width_axis: tuple[float, float, float] = (1.0, 0.0, 0.0)
    length_axis: tuple[float, float, float] = (0.0, 0.0, 1.0)
    width_mm: float = 1.0
    length_mm: float = 4.0
    n_width: int = 16
    n_length: int = 48

    def __post_init__(self) -> None:
        _finite3(self.center_xyz_mm, "center_xyz_mm")
        self._axes()
        _positive(self.width_mm, "width_mm", "mm")
        _positive(self.length_mm, "length_mm", "mm")
        _count(self.n_width, "n_width")
        _count(self.n_length, "n_length")

    def _axes(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        u = _unit(self.width_axis, "width_axis")
        v = np.asarray(self.length_axis, dtype=np.float64)
        v = v - np.dot(v, u) * u
        if np.linalg.norm(v) < 1e-9:
            raise InputError("length_axis", self.length_axis, "must not be parallel to width_axis")
        return u, v / np.linalg.norm(v)

    def source_points(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Point sources: xyz_mm of shape (n_width * n_length, 3), weights summing to 1."""
        u, v = self._axes()
        a = (np.arange(self.n_width) + 0.5) / self.n_width * self.width_mm - self.width_mm / 2
        b = (np.arange(self.n_length) + 0.5) / self.n_length * self.length_mm - self.length_mm / 2
        aa, bb = np.meshgrid(a, b, indexing="ij")
        xyz = (
            np.asarray(self.center_xyz_mm, dtype=np.float64)
            + aa.reshape(-1, 1) * u
            + bb.reshape(-1, 1) * v
        )
        n = xyz.shape[0]
        return xyz, np.full(n, 1.0 / n)


Contact = RingContact | RectangleContact


def unit_potentials_mv(
    contacts: Sequence[Contact],
    points_xyz_mm: ArrayLike,
    medium: Medium | None = None,
    *,
    min_distance_mm: float = DEFAULT_MIN_DISTANCE_MM,
) -> NDArray[np.float64]:
    """Potential of each contact carrying 1 mA (alone), at the given points.

    Parameters
    ----------
    contacts : sequence of RingContact or RectangleContact, length n_contacts
    points_xyz_mm : ndarray of shape (n_points, 3)
    medium : Medium, optional
        Volume conductor (default: isotropic 0.2 S/m).

    Returns
    -------
    ndarray of shape (n_contacts, n_points)
        Unit-current potentials V_k(x) in mV per mA of contact current.
    """
    medium = Medium() if medium is None else medium
    pts = np.asarray(points_xyz_mm, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3:
        raise InputError("points_xyz_mm", pts.shape, "expected shape (n_points, 3) in mm")
    if len(contacts) == 0:
        raise InputError("contacts", contacts, "give at least one contact")
    out = np.empty((len(contacts), pts.shape[0]), dtype=np.float64)
    for k, contact in enumerate(contacts):
        if not isinstance(contact, RingContact | RectangleContact):
            raise InputError(f"contacts[{k}]", contact, "must be a RingContact or RectangleContact")
        xyz, w = contact.source_points()
        v = point_source_potential_mv(
            w, xyz, pts, medium.sigma_xyz_s_per_m, min_distance_mm=min_distance_mm
        )
        out[k] = v.sum(axis=0)
    return out


__all__ = ["Contact", "RectangleContact", "RingContact", "unit_potentials_mv"]
