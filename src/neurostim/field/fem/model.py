"""``SpinalCordFEM``: the layered spinal cord as a :class:`~neurostim.field.VolumeConductor`.

On the first call for a set of contacts it meshes the cord with the lead bodies cut out, solves
one unit current per contact (the others floating) and stores mesh and solutions in the
content-addressed cache (cache.py); afterwards, and in any later process with the same geometry,
contacts and settings, it only evaluates. Equations and validation: docs/fem.md.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.errors import InputError, NeurostimError, SolverError
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
    evaluate_mv,
    make_space,
    solve_unit_currents,
)
from neurostim.field.superposition import superpose_mv

POINT_CHUNK = 65536
"""Points per block of FEM point evaluation."""


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


def peak_rss_mb() -> float:
    """Peak resident memory of this process (MB)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    rss = float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return rss / 1024.0**2 if sys.platform == "darwin" else rss / 1024.0


class SpinalCordFEM(VolumeConductor):
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
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self.use_cache = bool(use_cache)
        self._key: str | None = None
        self._state: tuple[Any, Any, NDArray[np.float64]] | None = None
        self._report: dict[str, Any] = {}

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
        key = cache.cache_key(payload)
        if key == self._key and self._state is not None:
            return self._report
        entry = cache.load_entry(key, self.cache_dir) if self.use_cache else None
        if entry is not None:
            self._load(key, entry, len(contacts))
        else:
            self._solve(key, payload, leads, len(contacts))
        return self._report

    def _load(self, key: str, entry: tuple[Path, dict[str, Any], Any], n: int) -> None:
        ngs = require_ngsolve()
        path, meta, arrays = entry
        t0 = time.perf_counter()
        mesh = ngs.Mesh(str(path))
        fes = make_space(mesh, n, self.contact_model, self.order)
        vectors = np.asarray(arrays["vectors"], dtype=np.float64)
        if vectors.shape != (n, fes.ndof):
            raise InputError("cache", str(path.parent), "entry does not match its key; delete it")
        self._key, self._state = key, (mesh, fes, vectors)
        self._report = dict(meta["report"], cache_hit=True, load_s=time.perf_counter() - t0)

    def _solve(self, key: str, payload: dict[str, Any], leads: Any, n: int) -> None:
        with tempfile.TemporaryDirectory(prefix="neurostim-fem-") as tmp:
            mesh_path = Path(tmp) / "mesh.vol.gz"
            self._solve_in(key, payload, leads, n, mesh_path)

    def _solve_in(
        self, key: str, payload: dict[str, Any], leads: Any, n: int, mesh_path: Path
    ) -> None:
        ngs = require_ngsolve()
        t0 = time.perf_counter()
        try:
            ngmesh = build_mesh(self.cord, leads, self.mesh_level)
        except Exception as exc:  # Netgen raises its own NgException (and RuntimeError)
            if isinstance(exc, NeurostimError):
                raise
            raise SolverError(f"meshing failed: Netgen: {exc}; {checks.ADVICE}") from exc
        checks.check_surfaces(ngmesh)
        ngmesh.Save(str(mesh_path))
        # solve on the mesh as stored (coordinates as written to the file), so that a later
        # cache hit evaluates on exactly the same mesh and returns identical arrays
        mesh = ngs.Mesh(str(mesh_path))
        mesh_s = time.perf_counter() - t0
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
        fes = make_space(mesh, n, self.contact_model, self.order)
        report = {
            "elements": int(mesh.ne),
            "dofs": int(sol.n_dofs),
            "mesh_s": mesh_s,
            "assemble_s": sol.assemble_s,
            "solve_s": sol.solve_s,
            "cg_iterations": sol.iterations,
            "relative_residual": sol.residual,
            "solver_status": sol.status,
            "impedance_ohm": sol.impedance_ohm,
            "peak_rss_mb": peak_rss_mb(),
            "cache_key": key,
        }
        if self.use_cache:
            arrays = {"vectors": sol.vectors, "status": np.array(sol.status)}
            cache.store_entry(
                key, mesh_path, arrays, {"key": payload, "report": report}, self.cache_dir
            )
        self._key, self._state = key, (mesh, fes, sol.vectors)
        self._report = dict(report, cache_hit=False)

    @property
    def solution(self) -> tuple[Any, Any, NDArray[np.float64]]:
        """(ngsolve Mesh, FE space, vectors of shape (n_contacts, n_dofs)) of the last contacts."""
        if self._state is None:
            raise InputError("solution", None, "call unit_potentials_mv or prepare first")
        return self._state

    def unit_potentials_mv(
        self, contacts: Sequence[Contact], points_xyz_mm: ArrayLike
    ) -> NDArray[np.float64]:
        """Unit potentials of every contact at the points (FEM point evaluation). With the
        cache on, the values at a point set are stored beside the solution and read back for
        the same points (a fiber population seen before): no point location, no evaluation."""
        pts = self._points(points_xyz_mm)
        self.prepare(contacts)
        digest = cache.points_digest(pts) if self.use_cache else ""
        if self.use_cache and self._key is not None:
            stored = cache.load_points(self._key, digest, len(contacts), self.cache_dir)
            if stored is not None and stored.shape[1] == pts.shape[0]:
                return np.asarray(stored, dtype=np.float64)
        mesh, fes, vectors = self.solution
        out = self._evaluate(mesh, fes, vectors, pts)
        if self.use_cache and self._key is not None:
            cache.store_points(self._key, digest, out, self.cache_dir)
        return out

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
        return self._evaluate(mesh, fes, (sh @ vectors)[None, :], pts)[0]

    def _points(self, points_xyz_mm: ArrayLike) -> NDArray[np.float64]:
        pts = np.asarray(points_xyz_mm, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != 3:
            raise InputError("points_xyz_mm", pts.shape, "expected shape (n_points, 3) in mm")
        if not np.all(np.isfinite(pts)):
            raise InputError("points_xyz_mm", "non-finite", "all coordinates must be finite (mm)")
        _check_in_domain(pts, self.cord)  # before any meshing
        return pts

    @staticmethod
    def _evaluate(
        mesh: Any, fes: Any, vectors: NDArray[np.float64], pts: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        out = np.empty((vectors.shape[0], pts.shape[0]))
        for s in range(0, pts.shape[0], POINT_CHUNK):
            out[:, s : s + POINT_CHUNK] = evaluate_mv(mesh, fes, vectors, pts[s : s + POINT_CHUNK])
        return out

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
