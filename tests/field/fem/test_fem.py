"""Finite-element spinal cord: analytic limit, superposition, reciprocity, cache, refusals.

Needs NGSolve (extra ``fem``); skipped without it. Two small models keep the set fast: a
homogeneous one with one thin ring (the analytic check) and a scaled-down layered cord (cord
about 2 mm across, as in an ex vivo preparation) with two rings, shared by the other tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.field import (
    Medium,
    RectangleContact,
    RingContact,
    conductor_from_spec,
    unit_potentials_mv,
)
from neurostim.field.fem import Conductivities, LayeredCord, SpinalCordFEM
from neurostim.testing import assert_close

ngs = pytest.importorskip(
    "ngsolve", reason="the finite-element tests need NGSolve: neurostim[fem]", exc_type=ImportError
)

from neurostim.field.fem import model as fem_model  # noqa: E402
from neurostim.field.fem.leads import leads_from_contacts  # noqa: E402
from neurostim.field.fem.mesh import build_mesh  # noqa: E402
from neurostim.field.fem.solve import (  # noqa: E402
    conductivity_cf,
    evaluate_mv,
    make_space,
    solve_unit_currents,
)

SIGMA_S_PER_M = 0.2


def test_homogeneous_medium_matches_the_analytic_ring() -> None:
    """FEM in a uniform medium vs the distributed ring source of neurostim.field.

    Reference: ``unit_potentials_mv`` (exact ring integral to 1e-4, docs/field.md) in an
    infinite medium of 0.2 S/m. The small domain (outer radius 12 mm, length 30 mm) carries the
    analytic point-source potential on its outer surface instead of 0 V, so the truncation is
    not an error. Uniform-current contact (as the analytic model), P3, coarse mesh.
    Tolerance 1 % at 2-8 mm from the contact surface. What remains is the lead body: the
    analytic source has none, the FEM removes an insulating cylinder. With a 1.3 mm lead that
    alone raised V by 2.4 % at 2 mm (measured, docs/fem.md), so this check uses a 0.4 mm lead
    (measured deviation <= 0.6 %).
    """
    cord = LayeredCord(
        cord_ap_mm=3.0, cord_transverse_mm=3.0, dcsf_mm=1.0, vcsf_mm=1.0,
        dura_thickness_mm=0.0, epidural_thickness_mm=3.0, bone_outer_radius_mm=5.5,
        outer_radius_mm=12.0, length_mm=30.0,
        conductivity=Conductivities.uniform(SIGMA_S_PER_M),
    )  # fmt: skip
    diameter_mm = 0.4
    y0 = -(cord.sac_radius_mm + diameter_mm / 2 + 0.1)
    ring = RingContact((0.0, y0, 0.0), diameter_mm=diameter_mm, length_mm=1.5)
    mesh = ngs.Mesh(build_mesh(cord, leads_from_contacts([ring], cord), "coarse"))
    r_mm = ngs.sqrt(ngs.x**2 + (ngs.y - y0) ** 2 + ngs.z**2)
    sol = solve_unit_currents(
        mesh, cord.conductivity, 1, contact_model="uniform-current", order=3,
        ground_potential_v=lambda k: 1.0 / (4 * np.pi * SIGMA_S_PER_M * r_mm),
    )  # fmt: skip
    assert sol.status == ["ok"]
    points = []
    for d_mm in (2.0, 3.0, 5.0, 8.0):
        rr = diameter_mm / 2 + d_mm
        for angle in np.radians([0.0, 90.0, 180.0]):
            points.append([rr * np.sin(angle), y0 - rr * np.cos(angle), 0.0])
        points.append([0.0, y0 - diameter_mm / 2 - 0.7 * d_mm, 0.7 * d_mm])
    pts = np.array(points)
    fem = evaluate_mv(mesh, make_space(mesh, 1, "uniform-current", 3), sol.vectors, pts)[0]
    analytic = unit_potentials_mv([ring], pts, Medium(SIGMA_S_PER_M))[0]
    assert_close(fem, analytic, rtol=0.01, what="homogeneous FEM vs analytic ring", unit="mV")


@pytest.fixture(scope="module")
def layered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    cord = LayeredCord(
        cord_ap_mm=2.0, cord_transverse_mm=2.4, dcsf_mm=0.8, vcsf_mm=0.6,
        dura_thickness_mm=0.15, epidural_thickness_mm=1.0, bone_outer_radius_mm=5.0,
        outer_radius_mm=10.0, length_mm=24.0,
    )  # fmt: skip
    y = -(cord.dura_outer_radius_mm + 0.35)
    contacts = [RingContact((0.0, y, z), diameter_mm=0.6, length_mm=1.0) for z in (-1.5, 1.5)]
    cache_dir = tmp_path_factory.mktemp("fem-cache")
    fem = SpinalCordFEM(cord, cache_dir=cache_dir)
    y_dc = cord.dorsal_cord_surface_y_mm + 0.1
    points = np.array([[x, y_dc, z] for x in (-0.3, 0.0, 0.3) for z in np.linspace(-8, 8, 17)])
    v = fem.unit_potentials_mv(contacts, points)
    return {"cord": cord, "contacts": contacts, "fem": fem, "points": points, "v": v,
            "cache_dir": cache_dir}  # fmt: skip


def test_first_use_solves_and_reports(layered: dict[str, Any]) -> None:
    report = layered["fem"].describe()
    assert report["cache_hit"] is False
    assert report["solver_status"] == ["ok", "ok"]
    assert report["elements"] > 0 and report["dofs"] > report["elements"] / 10
    assert all(r > 0 for r in report["impedance_ohm"])
    assert layered["v"].shape == (2, layered["points"].shape[0])
    assert np.all(layered["v"] > 0)  # a cathodic-free unit source: positive everywhere inside


def test_superposition_bipole_equals_difference_of_unit_solves(layered: dict[str, Any]) -> None:
    """A bipole (+1 mA at contact 0, -1 mA at contact 1) solved directly (sparse Cholesky)
    equals the difference of the two CG unit solutions, to the CG tolerance (1e-10 relative
    residual; bound 1e-7 of the largest potential)."""
    mesh, fes, vectors = layered["fem"].solution
    u, v = fes.TnT()
    a = ngs.BilinearForm(fes, symmetric=True)
    sigma = conductivity_cf(mesh, layered["cord"].conductivity)
    a += sigma * ngs.grad(u) * ngs.grad(v) * ngs.dx
    a.Assemble()
    f = ngs.LinearForm(fes)
    for k, sign in ((0, 1.0), (1, -1.0)):
        area = ngs.Integrate(1.0, mesh, definedon=mesh.Boundaries(f"contact{k}"))
        f += sign / area * v * ngs.ds(f"contact{k}")
    f.Assemble()
    gf = ngs.GridFunction(fes)
    gf.vec.data = a.mat.Inverse(fes.FreeDofs(), inverse="sparsecholesky") * f.vec
    bipole = gf.vec.FV().NumPy()
    diff = vectors[0] - vectors[1]
    assert np.max(np.abs(bipole - diff)) <= 1e-7 * np.max(np.abs(vectors))
    # and point evaluation is linear in the solution vector
    pts = layered["points"]
    both = evaluate_mv(mesh, fes, np.stack([diff, vectors[0]]), pts)
    assert_close(both[0], layered["v"][0] - layered["v"][1], rtol=1e-12, atol=1e-9,
                 what="evaluation of a combination", unit="mV")  # fmt: skip
    # the conductor's one-evaluation superposition is the same field as superpose_mv of its
    # unit potentials (neurostim.field.VolumeConductor.superposed_mv)
    from neurostim.field import superpose_mv

    shares = np.array([1.0, -0.6])
    one = layered["fem"].superposed_mv(layered["contacts"], shares, pts)
    assert_close(one, superpose_mv(layered["v"], shares=shares), rtol=1e-12, atol=1e-9,
                 what="combined-solution evaluation", unit="mV")  # fmt: skip


def test_reciprocity(layered: dict[str, Any]) -> None:
    """Potential of contact 1 with 1 mA into contact 0 equals that of contact 0 with 1 mA into
    contact 1 (the operator is symmetric); tolerance 1 % (spinal-cord.md §7), measured far
    smaller."""
    mesh, fes, vectors = layered["fem"].solution
    gf = ngs.GridFunction(fes)
    floating = np.empty((2, 2))
    for a in range(2):
        gf.vec.FV().NumPy()[:] = vectors[a]
        for b in range(2):
            area = ngs.Integrate(1.0, mesh, definedon=mesh.Boundaries(f"contact{b}"))
            floating[a, b] = (
                ngs.Integrate(gf, mesh, definedon=mesh.Boundaries(f"contact{b}")) / area
            )
    assert_close(floating[0, 1], floating[1, 0], rtol=0.01, what="reciprocity", unit="V")
    assert floating[0, 1] < floating[0, 0]  # the floating contact sits below the driven one


def test_cache_hit_returns_identical_arrays_without_solving(
    layered: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cache should have answered")

    monkeypatch.setattr(fem_model, "build_mesh", refuse)
    monkeypatch.setattr(fem_model, "solve_unit_currents", refuse)
    again = conductor_from_spec(
        {"conductor": "spinal-cord-fem", "cord": layered["cord"].to_dict(),
         "cache_dir": layered["cache_dir"]}
    )  # fmt: skip
    v = again.unit_potentials_mv(layered["contacts"], layered["points"])
    assert again.describe()["cache_hit"] is True
    assert np.array_equal(v, layered["v"])
    assert again.describe()["impedance_ohm"] == layered["fem"].describe()["impedance_ohm"]


def test_potentials_at_a_point_set_are_stored_and_read_back(
    layered: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a fiber population seen before is answered from the cache without point evaluation
    from neurostim.field.fem import cache as fem_cache

    fem = layered["fem"]
    key = fem.describe()["cache_key"]
    stored = list((fem_cache.entry_dir(key, layered["cache_dir"]) / "points").glob("*.npy"))
    assert len(stored) >= 1
    from neurostim.field.fem import solved as fem_solved

    monkeypatch.setattr(fem_solved, "evaluate_mv", lambda *a, **k: 1 / 0)  # must not be called
    again = conductor_from_spec(
        {"conductor": "spinal-cord-fem", "cord": layered["cord"].to_dict(),
         "cache_dir": layered["cache_dir"]}
    )  # fmt: skip
    assert np.array_equal(again.unit_potentials_mv(layered["contacts"], layered["points"]),
                          layered["v"])  # fmt: skip
    with pytest.raises(ZeroDivisionError):  # a new point set is evaluated
        again.unit_potentials_mv(layered["contacts"], layered["points"][:3] * 0.99)


def test_points_outside_the_tissue_are_refused(layered: dict[str, Any]) -> None:
    fem, contacts = layered["fem"], layered["contacts"]
    lead_axis = np.array(contacts[0].center_xyz_mm)
    for bad in ([0.0, 0.0, 13.0], [0.0, -10.5, 0.0], lead_axis.tolist()):
        with pytest.raises(InputError, match=r"outside the (tissue|model)"):
            fem.unit_potentials_mv(contacts, np.array([[0.0, 0.0, 0.0], bad]))
    with pytest.raises(InputError, match="n_points, 3"):
        fem.unit_potentials_mv(contacts, np.zeros((3, 2)))


def test_not_converged_is_a_status(layered: dict[str, Any]) -> None:
    mesh, _, _ = layered["fem"].solution
    sol = solve_unit_currents(mesh, layered["cord"].conductivity, 2, maxiter=5)
    assert sol.status == ["not-converged", "not-converged"]


def test_bad_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="contact_model"):
        SpinalCordFEM(contact_model="leaky")
    with pytest.raises(InputError, match="preconditioner"):
        SpinalCordFEM(preconditioner="bddc")  # equipotential needs Jacobi
    with pytest.raises(InputError, match="order"):
        SpinalCordFEM(order=1)
    with pytest.raises(InputError, match="cord"):
        SpinalCordFEM({"dcsf": 2.0})


def test_paddle_meshes_and_solves_with_mirror_symmetry() -> None:
    """Four rectangles on an insulating slab, mirror-symmetric about x = 0: the potential of a
    left contact at a point equals that of its mirror contact at the mirrored point (mesh
    asymmetry only; tolerance 2 %), and the slab is cut out (a point in it is refused)."""
    cord = LayeredCord(
        cord_ap_mm=2.0, cord_transverse_mm=2.4, dcsf_mm=0.8, vcsf_mm=0.6,
        dura_thickness_mm=0.15, epidural_thickness_mm=1.5, bone_outer_radius_mm=5.0,
        outer_radius_mm=10.0, length_mm=24.0,
    )  # fmt: skip
    y = -(cord.dura_outer_radius_mm + 0.05)
    contacts = [
        RectangleContact((x, y, z), width_mm=0.5, length_mm=1.0)
        for x in (-0.5, 0.5)
        for z in (-1, 1)
    ]
    fem = SpinalCordFEM(cord, use_cache=False)
    y_dc = cord.dorsal_cord_surface_y_mm + 0.1
    pts = np.array([[-0.3, y_dc, -1.0], [0.3, y_dc, -1.0]])
    v = fem.unit_potentials_mv(contacts, pts)
    assert fem.describe()["solver_status"] == ["ok"] * 4
    assert_close(v[0, 0], v[2, 1], rtol=0.02, what="mirror symmetry of the paddle", unit="mV")
    assert v[0, 0] > v[2, 0]  # nearer contact, higher potential
    with pytest.raises(InputError, match="outside the tissue"):
        fem.unit_potentials_mv(contacts, np.array([[0.0, y - 0.75, 0.0]]))
