"""Unit-current solves: one per contact, the others floating, on one assembled matrix.

Equations (lengths in mm, σ in S/m, current in mA, potential φ in V)::

    -∇·(σ ∇φ) = 0                   in the tissue
    φ = 0                           on ``ground`` (outer cylinder and both end faces)
    σ ∂φ/∂n = 0                     on the lead bodies (insulator)

With x in mm, σ in S/mm = 1e-3 σ[S/m] and I in A = 1e-3 I[mA]: the factors cancel, so the weak
form ∫ σ[S/m] ∇φ·∇v dx = I[mA] · (contact term) gives φ in V, returned in mV (``V_TO_MV``).

Contact models
--------------
``equipotential`` (default)
    Every contact is a floating conductor: one unknown potential per contact surface
    (NGSolve ``PlateauFESpace``), zero net current on the inactive ones, 1 mA into the active
    one (right-hand side 1 on its plateau). Only the right-hand side changes between contacts,
    so one matrix and one preconditioner serve all of them.
``uniform-current``
    1 mA spread with uniform normal current density over the active contact (Neumann flux
    1 mA / area); the inactive contacts are part of the insulating lead (no current, not
    equipotential), as in the analytic distributed-source model.

Contact impedance = potential of the contact (its plateau value; for uniform current the mean
over its surface) per mA, in ohm. Each solve is CG to a relative residual ``tol``; the true
residual ‖f − A u‖/‖f‖ (Euclidean, free DoFs) is checked afterwards; CG, which stops on the
preconditioned residual, is restarted from the current solution while it exceeds ``10 · tol``
(at most ``MAX_CG_ROUNDS`` rounds within ``maxiter`` iterations in all), and a contact that
still does not reach it gets status ``not-converged`` (never a silently wrong field).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.field.fem.geometry import Conductivities
from neurostim.field.fem.mesh import require_ngsolve
from neurostim.units import MA_TO_A

CONTACT_MODELS = ("equipotential", "uniform-current")
PRECONDITIONERS = ("local", "h1amg", "bddc")
UNIT_CURRENT_MA = 1.0
MAX_CG_ROUNDS = 4
"""CG restarts from the current solution while the true residual is above 10 tol."""


@dataclass
class UnitSolutions:
    """Per-contact solution vectors and their report.

    vectors : ndarray of shape (n_contacts, n_dofs)
        Coefficient vector of each contact's unit solution (φ in V per mA).
    status : list of str, length n_contacts
        "ok" or "not-converged".
    """

    vectors: NDArray[np.float64]
    status: list[str]
    iterations: list[int]
    residual: list[float]
    impedance_ohm: list[float]
    assemble_s: float
    solve_s: float
    n_dofs: int


MaterialSigma = Mapping[str, tuple[float, float, float]]
"""Diagonal conductivity (σ_x, σ_y, σ_z) in S/m per material name of a mesh."""


def conductivity_cf(mesh: Any, sigma: Conductivities | MaterialSigma) -> Any:
    """Piecewise conductivity tensor (S/m). A :class:`Conductivities` is the layered cord's
    (white matter anisotropic along z); a mapping gives each material of the mesh its diagonal
    tensor (σ_x, σ_y, σ_z), as another model built from named solids does."""
    ngs = require_ngsolve()

    def iso(s: float) -> Any:
        return ngs.CF((s, 0, 0, 0, s, 0, 0, 0, s), dims=(3, 3))

    if not isinstance(sigma, Conductivities):
        diagonal = {
            name: ngs.CF((sx, 0, 0, 0, sy, 0, 0, 0, sz), dims=(3, 3))
            for name, (sx, sy, sz) in sigma.items()
        }
        missing = sorted(set(mesh.GetMaterials()) - set(diagonal))
        if missing:
            raise InputError("conductivity", missing, "every material of the mesh needs a value")
        return mesh.MaterialCF(diagonal)

    t, lon = sigma.white_transverse, sigma.white_longitudinal
    values = {
        "grey": iso(sigma.grey),
        "white": ngs.CF((t, 0, 0, 0, t, 0, 0, 0, lon), dims=(3, 3)),
        "csf": iso(sigma.csf),
        "dura": iso(sigma.dura),
        "epidural": iso(sigma.epidural),
        "bone": iso(sigma.bone),
        "outer": iso(sigma.outer),
    }
    return mesh.MaterialCF(values)


def make_space(mesh: Any, n_contacts: int, contact_model: str, order: int) -> Any:
    """The H1 space of order ``order`` (plateaus on the contacts when equipotential)."""
    ngs = require_ngsolve()
    if contact_model not in CONTACT_MODELS:
        raise InputError("contact_model", contact_model, f"must be one of {CONTACT_MODELS}")
    fes = ngs.H1(mesh, order=order, dirichlet="ground")
    if contact_model == "equipotential":
        plateaus = [mesh.Boundaries(f"contact{k}") for k in range(n_contacts)]
        fes = ngs.PlateauFESpace(fes, plateaus)
    return fes


def contact_areas_mm2(mesh: Any, n_contacts: int) -> list[float]:
    ngs = require_ngsolve()
    return [
        float(ngs.Integrate(1.0, mesh, definedon=mesh.Boundaries(f"contact{k}")))
        for k in range(n_contacts)
    ]


def solve_unit_currents(
    mesh: Any,
    sigma: Conductivities | MaterialSigma,
    n_contacts: int,
    *,
    contact_model: str = "equipotential",
    order: int = 2,
    preconditioner: str = "local",
    tol: float = 1e-10,
    maxiter: int = 20000,
    ground_potential_v: Callable[[int], Any] | None = None,
) -> UnitSolutions:
    """Solve for 1 mA into each contact in turn.

    ``ground_potential_v(k)`` (a CoefficientFunction, V per mA) replaces the 0 V far boundary;
    the tests use it to put the analytic infinite-medium potential on a small domain.
    """
    ngs = require_ngsolve()
    from ngsolve.krylovspace import CGSolver

    if preconditioner not in PRECONDITIONERS:
        raise InputError("preconditioner", preconditioner, f"must be one of {PRECONDITIONERS}")
    if contact_model == "equipotential" and preconditioner != "local":
        raise InputError(
            "preconditioner",
            preconditioner,
            "the equipotential contact model (PlateauFESpace) runs with 'local' (Jacobi) only",
        )
    fes = make_space(mesh, n_contacts, contact_model, order)
    u, v = fes.TnT()
    t0 = time.perf_counter()
    a = ngs.BilinearForm(fes, symmetric=True)
    a += conductivity_cf(mesh, sigma) * ngs.grad(u) * ngs.grad(v) * ngs.dx
    pre = ngs.Preconditioner(a, preconditioner)
    a.Assemble()
    assemble_s = time.perf_counter() - t0
    areas = contact_areas_mm2(mesh, n_contacts)
    gf = ngs.GridFunction(fes)
    free = _free_mask(fes)
    vectors = np.empty((n_contacts, fes.ndof))
    out = UnitSolutions(vectors, [], [], [], [], assemble_s, 0.0, fes.ndof)
    t1 = time.perf_counter()
    for k in range(n_contacts):
        f = ngs.LinearForm(fes)
        f += UNIT_CURRENT_MA / areas[k] * v * ngs.ds(f"contact{k}")
        f.Assemble()
        rhs = f.vec
        gf.vec[:] = 0.0
        if ground_potential_v is not None:
            gf.Set(ground_potential_v(k), ngs.BND, definedon=mesh.Boundaries("ground"))
        iterations, rel = 0, np.inf
        res = rhs.CreateVector()
        res.data = rhs - a.mat * gf.vec
        res.FV().NumPy()[~free] = 0.0
        rhs_norm = max(float(ngs.Norm(res)), 1e-300)
        du = gf.vec.CreateVector()
        for _ in range(MAX_CG_ROUNDS):
            # CG stops on the preconditioned residual; the Euclidean one is checked here and
            # CG restarted from the current solution while it is above 10 tol
            solver = CGSolver(a.mat, pre.mat, tol=tol, maxiter=maxiter - iterations)
            du.data = solver * res
            gf.vec.data += du
            iterations += int(solver.iterations)
            res.data = rhs - a.mat * gf.vec
            res.FV().NumPy()[~free] = 0.0
            rel = float(ngs.Norm(res)) / rhs_norm
            if rel <= 10.0 * tol or iterations >= maxiter:
                break
        vectors[k] = gf.vec.FV().NumPy()
        out.iterations.append(iterations)
        out.residual.append(rel)
        out.status.append("ok" if rel <= 10.0 * tol else "not-converged")
        out.impedance_ohm.append(
            _contact_potential_v(mesh, gf, k, areas[k]) / (UNIT_CURRENT_MA * MA_TO_A)
        )
    out.solve_s = time.perf_counter() - t1
    return out


def _free_mask(fes: Any) -> NDArray[np.bool_]:
    free = fes.FreeDofs()
    return np.fromiter((free[i] for i in range(fes.ndof)), dtype=bool, count=fes.ndof)


def _contact_potential_v(mesh: Any, gf: Any, k: int, area_mm2: float) -> float:
    ngs = require_ngsolve()
    return float(ngs.Integrate(gf, mesh, definedon=mesh.Boundaries(f"contact{k}"))) / area_mm2


def evaluate_mv(
    mesh: Any, fes: Any, vectors: NDArray[np.float64], points_xyz_mm: NDArray[np.float64]
) -> NDArray[np.float64]:
    """FEM point evaluation of each solution at points found in the mesh.

    Returns ndarray of shape (n_contacts, n_points) in mV per mA. Raises InputError when a
    point lies outside the tissue (outside the domain or inside a lead body).
    """
    ngs = require_ngsolve()
    from neurostim.units import V_TO_MV

    pts = np.ascontiguousarray(points_xyz_mm, dtype=np.float64)
    mips = mesh(pts[:, 0], pts[:, 1], pts[:, 2])
    outside = np.flatnonzero(mips["nr"] < 0)
    if outside.size:
        i = int(outside[0])
        raise InputError(
            f"points_xyz_mm[{i}]",
            tuple(float(c) for c in pts[i]),
            f"{outside.size} point(s) lie outside the tissue (outside the model or inside a "
            "lead body); keep every point in the domain",
        )
    gf = ngs.GridFunction(fes)
    out = np.empty((vectors.shape[0], pts.shape[0]))
    for k in range(vectors.shape[0]):
        gf.vec.FV().NumPy()[:] = vectors[k]
        out[k] = np.asarray(gf(mips)).reshape(-1) * V_TO_MV
    return out


__all__ = [
    "CONTACT_MODELS",
    "PRECONDITIONERS",
    "MaterialSigma",
    "UnitSolutions",
    "conductivity_cf",
    "evaluate_mv",
    "make_space",
    "solve_unit_currents",
]
