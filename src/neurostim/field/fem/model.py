"""``SpinalCordFEM``: the layered spinal cord as a :class:`~neurostim.field.VolumeConductor`.

On the first call for a set of contacts it meshes the cord with the lead bodies cut out, solves
one unit current per contact (the others floating) and stores mesh and solutions in the
content-addressed cache (cache.py); afterwards, and in any later process with the same geometry,
contacts and settings, it only evaluates. Equations and validation: docs/fem.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.errors import InputError
from neurostim.field.conductor import VolumeConductor
from neurostim.field.contacts import Contact
from neurostim.field.fem import cache, checks
from neurostim.field.fem.geometry import Conductivities, LayeredCord
from neurostim.field.fem.leads import leads_from_contacts
from neurostim.field.fem.mesh import build_mesh, check_level, mesh_sizes, require_ngsolve
from neurostim.field.fem.solve import (
    CONTACT_MODELS,
    PRECONDITIONERS,
    contact_areas_mm2,
    make_space,
    solve_unit_currents,
)
from neurostim.field.fem.solved import Solved, UnitSolves, evaluate_chunked, saved_mesh
from neurostim.field.superposition import superpose_mv


def _cord(value: LayeredCord | Mapping[str, Any] | None) -> LayeredCord:
    if value is None:
        return LayeredCord()
    if isinstance(value, LayeredCord):
        return value
    if isinstance(value, Mapping):
        d = dict(value)
        sigma = d.pop("conductivity", None)
        try:
            if isinstance(sigma, Mapping):
                d["conductivity"] = Conductivities(**sigma)
            elif sigma is not None:
                d["conductivity"] = sigma
            return LayeredCord(**d)
        except TypeError as exc:
            raise InputError("cord", sorted(value), f"unknown field: {exc}") from None
    raise InputError("cord", value, "give a LayeredCord or a table of its fields")


class SpinalCordFEM(UnitSolves, VolumeConductor):
    """Finite-element layered spinal cord (NGSolve, P2 or higher).

    Parameters
    ----------
    cord : LayeredCord or mapping, optional
        Geometry and conductivities (default: ``LayeredCord()``).
    mesh_level : {"coarse", "medium", "fine"}
    contact_model : {"equipotential", "uniform-current"}
    order : int
        Polynomial order of the elements (2-4).
    preconditioner : {"local", "h1amg", "bddc"}
        CG preconditioner ("local" = Jacobi; the equipotential model needs it).
    tol : float
        Relative residual of CG.
    cache_dir : path, optional
        Cache root (default: ``NEUROSTIM_CACHE_DIR`` or the user cache directory).
    use_cache : bool
        Read and write the on-disk cache.
    """

    name: ClassVar[str] = "spinal-cord-fem"
    needs_all_contacts: ClassVar[bool] = True

    def __init__(
        self,
        cord: LayeredCord | Mapping[str, Any] | None = None,
        *,
        mesh_level: str = "coarse",
        contact_model: str = "equipotential",
        order: int = 2,
        preconditioner: str = "local",
        tol: float = 1e-10,
        cache_dir: str | Path | None = None,
        use_cache: bool = True,
    ) -> None:
        self.cord = _cord(cord)
        check_level(mesh_level)
        if contact_model not in CONTACT_MODELS:
            raise InputError("contact_model", contact_model, f"must be one of {CONTACT_MODELS}")
        if preconditioner not in PRECONDITIONERS:
            raise InputError("preconditioner", preconditioner, f"must be one of {PRECONDITIONERS}")
        if contact_model == "equipotential" and preconditioner != "local":
            raise InputError(
                "preconditioner", preconditioner, "the equipotential model needs 'local' (Jacobi)"
            )
        if not (isinstance(order, int) and 2 <= order <= 4):
            raise InputError("order", order, "must be an integer in [2, 4]")
        if not (isinstance(tol, float) and 1e-14 <= tol <= 1e-4):
            raise InputError("tol", tol, "must be a float in [1e-14, 1e-4]")
        self.mesh_level = mesh_level
        self.contact_model = contact_model
        self.order = order
        self.preconditioner = preconditioner
        self.tol = tol
        self._init_solves(cache_dir, use_cache)

    def settings(self) -> dict[str, Any]:
        return {
            "mesh_level": self.mesh_level,
            "contact_model": self.contact_model,
            "order": self.order,
            "tol": self.tol,
        }

    def prepare(self, contacts: Sequence[Contact]) -> dict[str, Any]:
        """Mesh and solve for these contacts (or load them from the cache); returns the report."""
        require_ngsolve()
        leads = leads_from_contacts(contacts, self.cord)
        # the level's element sizes are part of the key: a retuned level never reads an entry
        # meshed with the old sizes
        settings = dict(self.settings(), mesh_sizes=mesh_sizes(self.cord, leads, self.mesh_level))
        payload = cache.key_payload(self.cord.to_dict(), contacts, settings)
        n = len(contacts)
        return self._prepared(payload, n, lambda mesh_path: self._solve(leads, n, mesh_path))

    def _space(self, mesh: Any, n: int) -> Any:
        return make_space(mesh, n, self.contact_model, self.order)

    def _solve(self, leads: Any, n: int, mesh_path: Path) -> Solved:
        mesh, mesh_s = saved_mesh(
            lambda: build_mesh(self.cord, leads, self.mesh_level), mesh_path, checks.ADVICE
        )
        missing = [k for k in range(n) if f"contact{k}" not in set(mesh.GetBoundaries())]
        if missing:
            raise InputError(
                f"contacts[{missing[0]}]", "no surface", "the contact face did not survive meshing"
            )
        checks.check_contact_areas(
            contact_areas_mm2(mesh, n), checks.contact_areas_from_geometry_mm2(leads, n)
        )
        sol = solve_unit_currents(
            mesh,
            self.cord.conductivity,
            n,
            contact_model=self.contact_model,
            order=self.order,
            preconditioner=self.preconditioner,
            tol=self.tol,
        )
        return Solved(mesh, self._space(mesh, n), sol, mesh_s, {})

    def unit_potentials_mv(
        self, contacts: Sequence[Contact], points_xyz_mm: ArrayLike
    ) -> NDArray[np.float64]:
        """Unit potentials of every contact at the points (FEM point evaluation). With the
        cache on, the values at a point set are stored beside the solution and read back for
        the same points (a fiber population seen before): no point location, no evaluation."""
        pts = self._points(points_xyz_mm)
        self.prepare(contacts)
        return self._cached_points(pts, len(contacts), evaluate_chunked)

    def superposed_mv(
        self, contacts: Sequence[Contact], shares: ArrayLike, points_xyz_mm: ArrayLike
    ) -> NDArray[np.float64]:
        """Σ_k shares_k V_k(x): the unit potentials at the points (stored or evaluated, see
        ``unit_potentials_mv``) superposed; without the cache, the unit solutions are combined
        first (the field is linear in them) and evaluated once."""
        sh = np.asarray(shares, dtype=np.float64)
        if sh.shape != (len(contacts),) or not np.all(np.isfinite(sh)):
            raise InputError("shares", sh.shape, f"expected {len(contacts)} finite shares")
        if self.use_cache:
            return superpose_mv(self.unit_potentials_mv(contacts, points_xyz_mm), shares=sh)
        pts = self._points(points_xyz_mm)
        self.prepare(contacts)
        mesh, fes, vectors = self.solution
        return evaluate_chunked(mesh, fes, (sh @ vectors)[None, :], pts)[0]

    def _points(self, points_xyz_mm: ArrayLike) -> NDArray[np.float64]:
        pts = np.asarray(points_xyz_mm, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != 3:
            raise InputError("points_xyz_mm", pts.shape, "expected shape (n_points, 3) in mm")
        if not np.all(np.isfinite(pts)):
            raise InputError("points_xyz_mm", "non-finite", "all coordinates must be finite (mm)")
        _check_in_domain(pts, self.cord)  # before any meshing
        return pts

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"conductor": self.name, **self.settings()}
        out["cord"] = self.cord.to_dict()
        out.update(self._report)
        return out


def _check_in_domain(pts: NDArray[np.float64], cord: LayeredCord) -> None:
    """Refuse points outside the modelled cylinder (|z| <= length/2, r <= outer radius)."""
    half = cord.length_mm / 2.0
    outside = np.flatnonzero(
        (np.abs(pts[:, 2]) > half) | (np.hypot(pts[:, 0], pts[:, 1]) > cord.outer_radius_mm)
    )
    if outside.size:
        i = int(outside[0])
        raise InputError(
            f"points_xyz_mm[{i}]",
            tuple(float(c) for c in pts[i]),
            f"{outside.size} point(s) lie outside the model (|z| <= {half:g} mm, r <= "
            f"{cord.outer_radius_mm:g} mm): shorten the fibers or lengthen the model "
            "(length_mm)",
        )


def _factory(**options: Any) -> VolumeConductor:
    return SpinalCordFEM(**options)


__all__ = ["SpinalCordFEM"]
