"""What every finite-element conductor shares: mesh, unit-current solves, report and cache.

A conductor (the spinal cord, the DRG, the nerve) describes its own geometry and how to mesh
and solve it; this module holds the rest, written once:

- ``saved_mesh``: Netgen's mesh built, its surfaces checked, written to the file the cache
  keeps, and read back as an NGSolve mesh, so that a later cache hit evaluates on exactly the
  same coordinates (identical arrays);
- ``solve_report``: the report of one solve (elements, dofs, timings, CG iterations, residual,
  solver status, impedances, peak memory, cache key), the ``fem`` block's source;
- ``UnitSolves``: the state of a conductor's solves (key, mesh, space, vectors, report) with
  ``_prepared`` (load from the content-addressed cache, else mesh, solve and store) and
  ``_cached_points`` (unit potentials at a point set, stored beside the solution).
"""

from __future__ import annotations

import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError, NeurostimError, SolverError
from neurostim.field.fem import cache, checks
from neurostim.field.fem.mesh import require_ngsolve
from neurostim.field.fem.solve import evaluate_mv

POINT_CHUNK = 65536
"""Points per block of FEM point evaluation."""

Evaluate = Callable[[Any, Any, NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]
"""(mesh, space, vectors (n, n_dofs), points (n_points, 3) mm) -> values (n, n_points)."""


def peak_rss_mb() -> float:
    """Peak resident memory of this process (MB); NaN where the platform does not say."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    rss = float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return rss / 1024.0**2 if sys.platform == "darwin" else rss / 1024.0


def evaluate_chunked(
    mesh: Any, fes: Any, vectors: NDArray[np.float64], pts: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``solve.evaluate_mv`` over blocks of POINT_CHUNK points; shape (n, n_points)."""
    out = np.empty((vectors.shape[0], pts.shape[0]))
    for s in range(0, pts.shape[0], POINT_CHUNK):
        out[:, s : s + POINT_CHUNK] = evaluate_mv(mesh, fes, vectors, pts[s : s + POINT_CHUNK])
    return out


def saved_mesh(build: Callable[[], Any], mesh_path: Path, advice: str) -> tuple[Any, float]:
    """(NGSolve mesh read back from ``mesh_path``, seconds) for the Netgen mesh ``build()``
    makes; a Netgen failure becomes a ``SolverError`` that ends with ``advice``."""
    ngs = require_ngsolve()
    t0 = time.perf_counter()
    try:
        ngmesh = build()
    except Exception as exc:  # Netgen and OCC raise their own exceptions (and RuntimeError)
        if isinstance(exc, NeurostimError):
            raise
        raise SolverError(f"meshing failed: Netgen: {exc}; {advice}") from exc
    checks.check_surfaces(ngmesh)
    ngmesh.Save(str(mesh_path))
    mesh = ngs.Mesh(str(mesh_path))
    return mesh, time.perf_counter() - t0


class Solved(NamedTuple):
    """One conductor's unit solves as ``UnitSolves`` stores them.

    ``solution`` has ``vectors`` (n_contacts, n_dofs), ``assemble_s``, ``solve_s``,
    ``iterations``, ``residual``, ``status`` and ``impedance_ohm``; ``extra`` holds the
    conductor's own report entries.
    """

    mesh: Any
    space: Any
    solution: Any
    mesh_s: float
    extra: dict[str, Any]


def solve_report(solved: Solved, key: str) -> dict[str, Any]:
    """The report of a fresh solve (``cache_hit`` is added by ``UnitSolves``)."""
    sol = solved.solution
    report: dict[str, Any] = {
        "elements": int(solved.mesh.ne),
        "dofs": int(solved.space.ndof),
        "mesh_s": solved.mesh_s,
        "assemble_s": sol.assemble_s,
        "solve_s": sol.solve_s,
        "cg_iterations": sol.iterations,
        "relative_residual": sol.residual,
        "solver_status": sol.status,
        "impedance_ohm": sol.impedance_ohm,
    }
    report.update(solved.extra)
    report.update(peak_rss_mb=peak_rss_mb(), cache_key=key)
    return report


class UnitSolves(ABC):
    """Mixin: the unit-current solves of a finite-element conductor and their cache.

    A subclass calls ``_init_solves`` in its constructor and provides ``_space(mesh, n)`` (the
    finite-element space its vectors live in); ``_prepared`` and ``_cached_points`` do the rest.
    """

    temp_prefix: ClassVar[str] = "neurostim-fem-"
    point_evaluation: ClassVar[str] = ""
    """Name of the way the model evaluates points, part of a stored point set's key (a change
    of it makes stored values of the same solve stale)."""
    cache_dir: Path | None
    use_cache: bool
    _key: str | None
    _state: tuple[Any, Any, NDArray[np.float64]] | None
    _report: dict[str, Any]

    def _init_solves(self, cache_dir: str | Path | None, use_cache: bool) -> None:
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self.use_cache = bool(use_cache)
        self._key = None
        self._state = None
        self._report = {}

    @abstractmethod
    def _space(self, mesh: Any, n: int) -> Any:
        """The finite-element space of ``n`` unit solutions on ``mesh``."""

    def _prepared(
        self, payload: dict[str, Any], n: int, solve: Callable[[Path], Solved]
    ) -> dict[str, Any]:
        """The report for ``payload``'s solves: those held already, those in the cache, or
        ``solve(mesh_path)`` (meshing into ``mesh_path``, which the cache then keeps)."""
        require_ngsolve()
        key = cache.cache_key(payload)
        if key == self._key and self._state is not None:
            return self._report
        entry = cache.load_entry(key, self.cache_dir) if self.use_cache else None
        if entry is not None:
            self._load(key, entry, n)
            return self._report
        with tempfile.TemporaryDirectory(prefix=self.temp_prefix) as tmp:
            mesh_path = Path(tmp) / "mesh.vol.gz"
            solved = solve(mesh_path)
            report = solve_report(solved, key)
            vectors = solved.solution.vectors
            if self.use_cache:
                arrays = {"vectors": vectors, "status": np.array(solved.solution.status)}
                meta = {"key": payload, "report": report}
                cache.store_entry(key, mesh_path, arrays, meta, self.cache_dir)
        self._key, self._state = key, (solved.mesh, solved.space, vectors)
        self._report = dict(report, cache_hit=False)
        return self._report

    def _load(self, key: str, entry: tuple[Path, dict[str, Any], Any], n: int) -> None:
        ngs = require_ngsolve()
        path, meta, arrays = entry
        t0 = time.perf_counter()
        mesh = ngs.Mesh(str(path))
        fes = self._space(mesh, n)
        vectors = np.asarray(arrays["vectors"], dtype=np.float64)
        if vectors.shape != (n, fes.ndof):
            raise InputError("cache", str(path.parent), "entry does not match its key; delete it")
        self._key, self._state = key, (mesh, fes, vectors)
        self._report = dict(meta["report"], cache_hit=True, load_s=time.perf_counter() - t0)

    @property
    def solution(self) -> tuple[Any, Any, NDArray[np.float64]]:
        """(NGSolve mesh, FE space, vectors of shape (n_contacts, n_dofs)) of the last solve."""
        if self._state is None:
            raise InputError("solution", None, "call unit_potentials_mv or prepare first")
        return self._state

    def _stored_points(
        self, payload: dict[str, Any], pts: NDArray[np.float64], n: int
    ) -> NDArray[np.float64] | None:
        """Unit potentials (n, n_points) at ``pts`` read from the cache entry of ``payload``
        where that point set was evaluated before, without loading the mesh or the solutions
        (the report is the entry's, ``cache_hit`` true, ``points_hit`` true); else None."""
        if not self.use_cache:
            return None
        t0 = time.perf_counter()
        key = cache.cache_key(payload)
        meta = cache.load_meta(key, self.cache_dir)
        if meta is None:
            return None
        stored = cache.load_points(key, cache.points_digest(pts, self.point_evaluation), n,
                                   self.cache_dir)  # fmt: skip
        if stored is None or stored.shape[1] != pts.shape[0]:
            return None
        self._report = dict(meta["report"], cache_hit=True, points_hit=True,
                            load_s=time.perf_counter() - t0)  # fmt: skip
        return np.asarray(stored, dtype=np.float64)

    def _cached_points(
        self, pts: NDArray[np.float64], n: int, evaluate: Evaluate
    ) -> NDArray[np.float64]:
        """Unit potentials (n, n_points) at ``pts`` of the solves held (call after
        ``_prepared``): read back when this point set was evaluated before, else evaluated and,
        with the cache on, stored beside the solution."""
        keyed = self.use_cache and self._key is not None
        digest = cache.points_digest(pts, self.point_evaluation) if keyed else ""
        if keyed:
            stored = cache.load_points(self._key, digest, n, self.cache_dir)  # type: ignore[arg-type]
            if stored is not None and stored.shape[1] == pts.shape[0]:
                return np.asarray(stored, dtype=np.float64)
        mesh, fes, vectors = self.solution
        out = evaluate(mesh, fes, vectors, pts)
        if keyed:
            cache.store_points(self._key, digest, out, self.cache_dir)  # type: ignore[arg-type]
        return out


__all__ = [
    "POINT_CHUNK",
    "Solved",
    "UnitSolves",
    "evaluate_chunked",
    "peak_rss_mb",
    "saved_mesh",
    "solve_report",
]
