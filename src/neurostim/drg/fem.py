"""``DRGFEM``: the ganglion in its foramen as a :class:`~neurostim.field.VolumeConductor`.

Built on the finite-element layer of the spinal cord (``neurostim.field.fem``): the same
equations and solver (``solve.py``: P2 elements, one unit-current solve per contact with the
others floating, Jacobi-CG with a checked true residual), the same content-addressed cache
(``cache.py``: mesh, solution vectors and the potentials at each point set seen), the same mesh
checks (``checks.py``: every surface meshed, every contact whole) and FEM point evaluation. What
is the DRG's own: the mesh (:mod:`neurostim.drg.mesh`, from :meth:`DRGGeometry.solids`), the
conductivity per material (fiber regions and muscle anisotropic along x) and the refusals of
geometry a mesher cannot build. Equations, mesh levels and validation: docs/drg.md,
"Finite-element field".

The conductor lives in ``neurostim.drg`` (``field`` never imports ``drg``, as it never imports
``device``) and registers itself as ``drg-fem`` when ``neurostim.drg`` is imported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.drg.geometry import DRGGeometry
from neurostim.drg.lead import DRGLeadPlacement, lead_axis_yz_mm, place_lead
from neurostim.drg.mesh import build_mesh, check_level, mesh_document, mesh_sizes
from neurostim.errors import InputError, SolverError
from neurostim.field.conductor import VolumeConductor
from neurostim.field.contacts import Contact, RingContact
from neurostim.field.fem import cache, checks
from neurostim.field.fem.solve import (
    CONTACT_MODELS,
    MaterialSigma,
    contact_areas_mm2,
    make_space,
    solve_unit_currents,
)
from neurostim.field.fem.solved import Solved, UnitSolves, evaluate_chunked, saved_mesh
from neurostim.field.superposition import superpose_mv

MODEL_VERSION = 1
"""Version of the DRG mesh builder, part of the cache key: raise it when a change of
:mod:`neurostim.drg.mesh` or of this module changes the solution for the same inputs, so
that no entry built by the old code is read."""
FEM_BLOCK_KEYS = (
    "elements",
    "dofs",
    "mesh_s",
    "solve_s",
    "cache_hit",
    "solver_status",
    "impedance_ohm",
    "mesh_level",
)
"""Keys of the ``fem`` block of a result's JSON (as ``scs map`` reports its cord)."""
ADVICE = "try another mesh_level or move the lead slightly (lead_gap_mm, lead_axial_offset_mm)"


def material_sigma(geometry: DRGGeometry) -> MaterialSigma:
    """Diagonal conductivity (σ_x, σ_y, σ_z) in S/m per material of the mesh: fiber regions
    and muscle anisotropic along x (the root axis), every other tissue isotropic."""
    s = geometry.conductivity

    def iso(v: float) -> tuple[float, float, float]:
        return (v, v, v)

    fl, ft = s.fiber_longitudinal, s.fiber_transverse
    ml, mt = s.muscle_longitudinal, s.muscle_transverse
    return {
        "fiber": (fl, ft, ft),
        "drg_cells": iso(s.drg_cells),
        "capsule": iso(s.capsule),
        "dura": iso(s.dura),
        "csf": iso(s.csf),
        "encapsulation": iso(s.encapsulation),
        "fat": iso(s.fat),
        "bone": iso(s.bone),
        "muscle": (ml, mt, mt),
    }


def lead_press_in_mm() -> float:
    """How far a lead given at ``lead_gap_mm = 0`` is pressed into the capsule (data)."""
    return float(mesh_document()["lead_press_in_mm"])


def meshable_placement(geometry: DRGGeometry, placement: DRGLeadPlacement) -> DRGLeadPlacement:
    """The placement as meshed: refuses tangent geometry Netgen cannot mesh, presses a lead
    that touches the capsule (``lead_gap_mm = 0``) ``lead_press_in_mm()`` into it.

    A surface touching another along a line or at a point (gap exactly 0) makes the CAD
    booleans and the mesher fail. A lead at gap 0 is moved along the capsule's normal by the
    press-in depth (a lead pushed against the ganglion deforms the capsule); a ventral root
    at ``vr_gap_mm = 0`` is refused (give it at least the thinnest layer, 0.01 mm)."""
    if geometry.vr_gap_mm == 0.0:
        raise InputError(
            "vr_gap_mm",
            0.0,
            "> 0 for the finite-element model: a ventral root touching the capsule is a tangent "
            "contact Netgen cannot mesh; give at least 0.01 mm",
        )
    if geometry.lead_gap_mm > 0.0:
        return placement
    axis = lead_axis_yz_mm(geometry, placement.radius_mm, gap_mm=-lead_press_in_mm())
    centers = placement.centers_mm.copy()
    centers[:, 1], centers[:, 2] = axis[0], axis[1]
    return dataclasses.replace(placement, centers_mm=centers, axis_yz_mm=axis)


def _geometry(value: DRGGeometry | Mapping[str, Any] | str | None) -> DRGGeometry:
    from neurostim.drg.levels import load_drg_geometry

    if value is None:
        return load_drg_geometry("L5")
    if isinstance(value, DRGGeometry):
        return value
    if isinstance(value, str):
        return load_drg_geometry(value)
    if isinstance(value, Mapping):
        d = dict(value)
        level = d.pop("level", "L5")
        return load_drg_geometry(level, **d)
    raise InputError("geometry", value, "give a DRGGeometry, a level name or a table of keys")


class DRGFEM(UnitSolves, VolumeConductor):
    """Finite-element DRG in its foramen (NGSolve, P2 or higher).

    Parameters
    ----------
    geometry : DRGGeometry, level name or mapping, optional
        The model (default: RC-L5, ``load_drg_geometry("L5")``); a mapping is
        ``{"level": ..., **overrides}``.
    placement : DRGLeadPlacement, optional
        The lead (default: :func:`neurostim.drg.place_lead` of the geometry, all contacts
        centred at ``lead_axial_offset_mm``). Its ``ring_contacts()`` are the contacts this
        conductor accepts.
    mesh_level : {"coarse", "default", "fine"}
    contact_model : {"equipotential", "uniform-current"}
    order : int
        Polynomial order of the elements (2-4).
    tol : float
        Relative residual of CG.
    cache_dir : path, optional
        Cache root (default: ``NEUROSTIM_CACHE_DIR`` or the user cache directory).
    use_cache : bool
        Read and write the on-disk cache.
    """

    name: ClassVar[str] = "drg-fem"
    needs_all_contacts: ClassVar[bool] = True

    def __init__(
        self,
        geometry: DRGGeometry | Mapping[str, Any] | str | None = None,
        placement: DRGLeadPlacement | None = None,
        *,
        mesh_level: str = "default",
        contact_model: str = "equipotential",
        order: int = 2,
        tol: float = 1e-10,
        cache_dir: str | Path | None = None,
        use_cache: bool = True,
    ) -> None:
        self.geometry = _geometry(geometry)
        if placement is None:
            placement = place_lead(self.geometry)
        if not isinstance(placement, DRGLeadPlacement):
            raise InputError("placement", placement, "give a DRGLeadPlacement (place_lead)")
        check_level(mesh_level)
        if contact_model not in CONTACT_MODELS:
            raise InputError("contact_model", contact_model, f"must be one of {CONTACT_MODELS}")
        if not (isinstance(order, int) and 2 <= order <= 4):
            raise InputError("order", order, "must be an integer in [2, 4]")
        if not (isinstance(tol, float) and 1e-14 <= tol <= 1e-4):
            raise InputError("tol", tol, "must be a float in [1e-14, 1e-4]")
        self.placement = placement
        self.meshed_placement = meshable_placement(self.geometry, placement)
        self.mesh_level = mesh_level
        self.contact_model = contact_model
        self.order = order
        self.tol = tol
        self._init_solves(cache_dir, use_cache)

    # --- what is solved ----------------------------------------------------------------------
    @property
    def contacts(self) -> list[RingContact]:
        """The placement's contacts (as given, not pressed in), in ``contact_ids`` order."""
        return self.placement.ring_contacts()

    def settings(self) -> dict[str, Any]:
        return {
            "mesh_level": self.mesh_level,
            "contact_model": self.contact_model,
            "order": self.order,
            "tol": self.tol,
        }

    def key_payload(self) -> dict[str, Any]:
        """Everything that decides the solution: the geometry's cache key and fields, the
        placement as meshed, the mesh level's element sizes, the solver settings, the model
        version and the Netgen/NGSolve versions."""
        p = self.meshed_placement
        geometry = {
            "model": "drg",
            "model_version": MODEL_VERSION,
            "geometry_key": self.geometry.cache_key(),
            "placement": {
                "lead_id": p.lead_id,
                "radius_mm": float(p.radius_mm),
                "tip_x_mm": float(p.tip_x_mm),
                "proximal_x_mm": float(p.proximal_x_mm),
                "axis_yz_mm": [float(v) for v in p.axis_yz_mm],
                "encapsulation_mm": float(p.encapsulation_mm),
            },
        }
        settings = dict(self.settings(), mesh_sizes=mesh_sizes(self.geometry, self.mesh_level))
        return cache.key_payload(geometry, p.ring_contacts(), settings)

    def _check_contacts(self, contacts: Sequence[Contact]) -> None:
        mine = self.contacts
        if list(contacts) != mine:
            raise InputError(
                "contacts",
                f"{len(contacts)} contact(s)",
                f"the DRG model's contacts are its placement's: pass conductor.contacts "
                f"({len(mine)} rings of lead {self.placement.lead_id})",
            )

    def prepare(self, contacts: Sequence[Contact] | None = None) -> dict[str, Any]:
        """Mesh and solve (or load from the cache); returns the report (``describe()``)."""
        if contacts is not None:
            self._check_contacts(contacts)
        payload = self.key_payload()
        return self._prepared(payload, self.placement.n_contacts, self._solve)

    def _space(self, mesh: Any, n: int) -> Any:
        return make_space(mesh, n, self.contact_model, self.order)

    def _solve(self, mesh_path: Path) -> Solved:
        n = self.placement.n_contacts
        mesh, mesh_s = saved_mesh(
            lambda: build_mesh(self.geometry, self.meshed_placement, self.mesh_level),
            mesh_path,
            ADVICE,
        )
        missing = [k for k in range(n) if f"contact{k}" not in set(mesh.GetBoundaries())]
        if missing:
            raise SolverError(f"meshing failed: contact {missing[0]} has no surface; {ADVICE}")
        p = self.meshed_placement
        expected = [2.0 * np.pi * p.radius_mm * float(length) for length in p.contact_length_mm]
        checks.check_contact_areas(contact_areas_mm2(mesh, n), expected)
        sol = solve_unit_currents(
            mesh,
            material_sigma(self.geometry),
            n,
            contact_model=self.contact_model,
            order=self.order,
            tol=self.tol,
        )
        pressed = lead_press_in_mm() if self.geometry.lead_gap_mm == 0 else 0.0
        return Solved(mesh, self._space(mesh, n), sol, mesh_s, {"lead_pressed_in_mm": pressed})

    # --- evaluation --------------------------------------------------------------------------
    def unit_potentials_mv(
        self, contacts: Sequence[Contact], points_xyz_mm: ArrayLike
    ) -> NDArray[np.float64]:
        """Unit potentials of every contact at the points (FEM point evaluation).

        Parameters
        ----------
        contacts : sequence of RingContact, length n_contacts
            ``conductor.contacts`` (the placement's rings, in order).
        points_xyz_mm : ndarray of shape (n_points, 3)
            Points in the ganglion frame (mm): compartment midpoints of the neurons.

        Returns
        -------
        ndarray of shape (n_contacts, n_points)
            mV per mA of each contact's current. With the cache on, the values at a point set
            are stored beside the solution and read back for the same points (then the mesh
            and the solutions are not loaded).
        """
        self._check_contacts(contacts)
        pts = self._points(points_xyz_mm)
        stored = self._stored_points(self.key_payload(), pts, self.placement.n_contacts)
        if stored is not None:
            return stored
        self.prepare()
        return self._cached_points(pts, self.placement.n_contacts, evaluate_chunked)

    def superposed_mv(
        self, contacts: Sequence[Contact], shares: ArrayLike, points_xyz_mm: ArrayLike
    ) -> NDArray[np.float64]:
        """Σ_k shares_k V_k(x), shape (n_points,), mV per mA of amplitude."""
        return superpose_mv(self.unit_potentials_mv(contacts, points_xyz_mm), shares=shares)

    def _points(self, points_xyz_mm: ArrayLike) -> NDArray[np.float64]:
        pts = np.asarray(points_xyz_mm, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != 3:
            raise InputError("points_xyz_mm", pts.shape, "expected shape (n_points, 3) in mm")
        if not np.all(np.isfinite(pts)):
            raise InputError("points_xyz_mm", "non-finite", "all coordinates must be finite (mm)")
        half = self.geometry.domain_mm / 2.0
        outside = np.flatnonzero(np.any(np.abs(pts) > half, axis=1))
        if outside.size:
            i = int(outside[0])
            raise InputError(
                f"points_xyz_mm[{i}]",
                tuple(float(c) for c in pts[i]),
                f"{outside.size} point(s) lie outside the model (|x|, |y|, |z| <= {half:g} mm)",
            )
        return pts

    def describe(self) -> dict[str, Any]:
        """The ``fem`` block of a result: conductor, settings, geometry key and the report
        (elements, dofs, mesh_s, solve_s, cache_hit, solver_status, impedance_ohm, ...)."""
        out: dict[str, Any] = {"conductor": self.name, **self.settings()}
        out["geometry_key"] = self.geometry.cache_key()
        out["lead_id"] = self.placement.lead_id
        out.update(self._report)
        return out

    def fem_block(self) -> dict[str, Any]:
        """The ``fem`` block of a result's JSON: :data:`FEM_BLOCK_KEYS` of ``describe()``
        (None before the first solve or load)."""
        d = self.describe()
        return {k: d.get(k) for k in FEM_BLOCK_KEYS}


def _factory(**options: Any) -> VolumeConductor:
    return DRGFEM(**options)


__all__ = ["DRGFEM", "FEM_BLOCK_KEYS", "MODEL_VERSION", "material_sigma", "meshable_placement"]
