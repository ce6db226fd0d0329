"""The volume-conductor interface: unit-current potentials of placed contacts at given points.

Every stage that needs a field asks a :class:`VolumeConductor` one question::

    conductor.unit_potentials_mv(contacts, points_xyz_mm)  ->  V, shape (n_contacts, n_points)

``V[k, m]`` is the potential (mV) at point m when contact k alone carries 1 mA and every other
contact is open. In a linear, quasi-static medium any program is a superposition of these
columns (:func:`neurostim.field.superpose_mv`, the one superposition of the package), and the
same lead fields serve recording by reciprocity. The contacts are geometry in the tissue frame
(:class:`~neurostim.field.RingContact`, :class:`~neurostim.field.RectangleContact`); where the
leads sit is decided by the caller (``neurostim.pipeline``), never here.

A new volume conductor (a layered finite-element spinal cord, a nerve in its cuff) is one new
module with a subclass of :class:`VolumeConductor` registered under a name with
:func:`register_conductor`; nothing that uses the field changes. Implementations own their
caching (a finite-element model solves once per contact and geometry and then only evaluates).

Shipped conductors
------------------
``homogeneous``
    :class:`HomogeneousConductor`: an infinite homogeneous medium, isotropic or with a diagonal
    anisotropic conductivity (:class:`~neurostim.field.Medium`), contacts as distributed point
    sources (docs/field.md). Evaluated in chunks of points so that memory stays bounded.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.errors import InputError
from neurostim.field.contacts import Contact, unit_potentials_mv
from neurostim.field.point_source import DEFAULT_MIN_DISTANCE_MM, Medium
from neurostim.field.superposition import superpose_mv

POINT_CHUNK = 4096
"""Points evaluated per block by the analytic conductors (bounds the temporary arrays)."""


class VolumeConductor(ABC):
    """A linear volume conductor: the potential of each placed contact at 1 mA, at any points."""

    name: ClassVar[str] = "abstract"
    needs_all_contacts: ClassVar[bool] = False
    """True when one contact's field depends on the others (floating equipotential contacts,
    insulating lead bodies built from the contacts): callers then pass every placed contact,
    driven or not, in the same order every time."""

    @abstractmethod
    def unit_potentials_mv(
        self, contacts: Sequence[Contact], points_xyz_mm: ArrayLike
    ) -> NDArray[np.float64]:
        """Unit-current potentials.

        Parameters
        ----------
        contacts : sequence of Contact, length n_contacts
            Contacts in the tissue frame (mm).
        points_xyz_mm : ndarray of shape (n_points, 3)
            Evaluation points in the tissue frame (mm).

        Returns
        -------
        ndarray of shape (n_contacts, n_points)
            V_k(x_m) in mV per mA of contact k's current.
        """

    def superposed_mv(
        self, contacts: Sequence[Contact], shares: ArrayLike, points_xyz_mm: ArrayLike
    ) -> NDArray[np.float64]:
        """The static field of one set of current shares: Σ_k shares_k V_k(x).

        Returns ndarray of shape (n_points,), mV per mA of amplitude. The default evaluates
        every contact and superposes with :func:`neurostim.field.superpose_mv`; a conductor
        whose potentials are linear combinations of stored solutions may combine those first
        and evaluate once (the same field to rounding).
        """
        return superpose_mv(self.unit_potentials_mv(contacts, points_xyz_mm), shares=shares)

    def describe(self) -> dict[str, Any]:
        """Plain-data description (JSON-safe) recorded with every result."""
        return {"conductor": self.name}


@dataclass(frozen=True)
class HomogeneousConductor(VolumeConductor):
    """Infinite homogeneous medium (isotropic or diagonal anisotropic).

    Parameters
    ----------
    medium : Medium
        Conductivity (default isotropic 0.2 S/m).
    min_distance_mm : float
        Closest allowed distance between an evaluation point and a contact's source point.
    """

    medium: Medium = field(default_factory=Medium)
    min_distance_mm: float = DEFAULT_MIN_DISTANCE_MM
    name: ClassVar[str] = "homogeneous"

    def __post_init__(self) -> None:
        if not isinstance(self.medium, Medium):
            raise InputError("medium", self.medium, "must be a neurostim.field.Medium")
        d = self.min_distance_mm
        if not (isinstance(d, int | float) and math.isfinite(d) and 0 < d <= 1.0):
            raise InputError("min_distance_mm", d, "must be in (0, 1] mm")

    def unit_potentials_mv(
        self, contacts: Sequence[Contact], points_xyz_mm: ArrayLike
    ) -> NDArray[np.float64]:
        pts = _points(points_xyz_mm)
        out = np.empty((len(contacts), pts.shape[0]))
        if len(contacts) == 0:
            raise InputError("contacts", contacts, "give at least one contact")
        for s in range(0, pts.shape[0], POINT_CHUNK):
            out[:, s : s + POINT_CHUNK] = unit_potentials_mv(
                contacts, pts[s : s + POINT_CHUNK], self.medium,
                min_distance_mm=self.min_distance_mm,
            )  # fmt: skip
        return out

    def describe(self) -> dict[str, Any]:
        sigma = self.medium.sigma_xyz_s_per_m
        return {
            "conductor": self.name,
            "sigma_xyz_s_per_m": [float(s) for s in sigma],
        }


def _points(points_xyz_mm: ArrayLike) -> NDArray[np.float64]:
    pts = np.asarray(points_xyz_mm, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3:
        raise InputError("points_xyz_mm", pts.shape, "expected shape (n_points, 3) in mm")
    if not np.all(np.isfinite(pts)):
        raise InputError("points_xyz_mm", "non-finite", "all coordinates must be finite (mm)")
    return pts


ConductorFactory = Callable[..., VolumeConductor]
_REGISTRY: dict[str, ConductorFactory] = {}


def register_conductor(name: str, factory: ConductorFactory) -> None:
    """Register ``factory(**options)`` under ``name`` (see :func:`conductor_from_spec`)."""
    if not isinstance(name, str) or not name or name != name.strip():
        raise InputError("name", name, "must be a non-empty name without surrounding spaces")
    _REGISTRY[name] = factory


def conductor_names() -> list[str]:
    """Names of the registered conductors, sorted."""
    return sorted(_REGISTRY)


def _homogeneous(sigma_s_per_m: float | Sequence[float] = 0.2, **kw: Any) -> VolumeConductor:
    sigma = sigma_s_per_m if isinstance(sigma_s_per_m, int | float) else tuple(sigma_s_per_m)
    return HomogeneousConductor(Medium(sigma), **kw)  # type: ignore[arg-type]


register_conductor("homogeneous", _homogeneous)


def conductor_from_spec(spec: str | Mapping[str, Any] | VolumeConductor | None) -> VolumeConductor:
    """A conductor from its name, a table ``{"conductor": name, **options}``, or itself.

    ``None`` gives the default: homogeneous, isotropic 0.2 S/m.
    """
    if spec is None:
        return HomogeneousConductor()
    if isinstance(spec, VolumeConductor):
        return spec
    if isinstance(spec, str):
        spec = {"conductor": spec}
    if not isinstance(spec, Mapping):
        raise InputError("conductor", spec, "give a conductor name or a table with 'conductor'")
    options = dict(spec)
    name = options.pop("conductor", None)
    if name not in _REGISTRY:
        raise InputError("conductor", name, f"must be one of {', '.join(conductor_names())}")
    try:
        return _REGISTRY[name](**options)
    except TypeError as exc:
        raise InputError(f"conductor.{name}", sorted(options), f"unknown option: {exc}") from None


__all__ = [
    "HomogeneousConductor",
    "VolumeConductor",
    "conductor_from_spec",
    "conductor_names",
    "register_conductor",
]
