"""NerveFEM: a nerve in its cuff, the perineurium as a thin layer (peripheral-nerve.md §2-§5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.field import conductor_names
from neurostim.field.fem import NerveFEM, NerveModel
from neurostim.field.fem.nerve import domain_length_mm, mesh_sizes, near_zone_mm
from neurostim.nerve import cuff, load_nerve
from neurostim.pipeline import nerve_fem, nerve_fem_model
from tests.field.fem.nerve_models import (
    ASCENT_S_PER_M,
    centre_line_threshold_ma,
    one_fascicle,
)

ngsolve = pytest.importorskip("ngsolve")


def test_domain_length_follows_the_spec() -> None:
    # peripheral-nerve.md §7 domain.length_mm: max(60, 4 x distance + 40)
    assert domain_length_mm(0.0) == 60.0
    assert domain_length_mm(10.0) == 80.0
    assert domain_length_mm(5.0) == 60.0


def test_registered_by_name() -> None:
    assert "nerve-fem" in conductor_names()


def test_model_refusals() -> None:
    m = one_fascicle()
    with pytest.raises(InputError, match="perineurium"):
        NerveModel(m.cross_section, m.cuff, m.conductivity_s_per_m, perineurium="sheet")
    with pytest.raises(InputError, match="conductivity"):
        NerveModel(m.cross_section, m.cuff, {"saline": 1.76})
    with pytest.raises(InputError, match="length_mm"):
        NerveModel(m.cross_section, m.cuff, m.conductivity_s_per_m, length_mm=1.5)
    with pytest.raises(InputError, match="mesh_level"):
        NerveFEM(m, mesh_level="ultra")


def test_perineurium_thickness_and_sizes() -> None:
    m = one_fascicle(d_um=400.0, fraction=0.03)
    assert m.perineurium_mm() == pytest.approx([0.012])
    coarse, medium = mesh_sizes(m, "coarse"), mesh_sizes(m, "medium")
    assert medium["h_nerve_mm"] < coarse["h_nerve_mm"]
    # a contact holds at least 3 elements along its 0.3 mm width
    assert coarse["h_contact_mm"] <= 0.1 + 1e-12
    assert "h_perineurium_mm" in mesh_sizes(one_fascicle("meshed"), "coarse")


def test_the_near_zone_spans_the_contacts_and_a_margin() -> None:
    # contacts at z = -0.75 +- 0.15 and 0.75 +- 0.15 mm, coarse margin 2 mm
    long = one_fascicle(length_mm=16.0)
    sizes = mesh_sizes(long, "coarse")
    assert near_zone_mm(long, sizes) == pytest.approx((-2.9, 2.9))
    # a 4 mm model lies within it: not graded; nor with a factor of 1
    assert near_zone_mm(one_fascicle(), mesh_sizes(one_fascicle(), "coarse")) is None
    assert near_zone_mm(long, mesh_sizes(long, "coarse", far_factor=1.0)) is None
    for bad in (0.5, float("nan"), "3"):
        with pytest.raises(InputError, match="far_factor"):
            NerveFEM(long, far_factor=bad)  # type: ignore[arg-type]


def test_model_from_a_nerve_and_a_cuff() -> None:
    nerve = load_nerve("vagus")
    model = nerve_fem_model(nerve, cuff("livanova-2000"))
    assert model.n_contacts == 2
    assert model.length_mm == 60.0
    n_fasc = len(nerve.fascicles)
    assert len(model.fascicles()) == n_fasc
    assert model.conductivity_s_per_m == nerve.conductivity.values_s_per_m()
    # the helix opens to hold the nerve's circle plus its 100 um saline gap
    tube = next(s for s in model.cuff if s["name"] == "insulation")
    assert tube["r_inner_mm"] >= nerve.equivalent_diameter_mm / 2 + 0.1 - 1e-9
    fem = nerve_fem(nerve, cuff("livanova-2000"), mesh_level="coarse", use_cache=False)
    with pytest.raises(InputError, match="contacts"):
        fem.unit_potentials_mv([], np.zeros((1, 3)))


def test_a_cuff_that_does_not_hold_the_outline_is_refused() -> None:
    # the femoral nerve is flat (10.5 x 2.3 mm): its outline does not fit a rigid 3 mm cuff
    with pytest.raises(InputError, match="electrode"):
        nerve_fem_model(load_nerve("femoral"), cuff("imthera"))


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nerve-fem")


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def _profile(fem: NerveFEM) -> np.ndarray:
    z = np.linspace(-1.9, 1.9, 39)
    pts = np.c_[np.full_like(z, 0.03), np.zeros_like(z), z]  # the fascicle's centre line
    return fem.potentials_mv(pts)


@pytest.mark.slow
def test_thin_layer_matches_the_meshed_perineurium(shared_cache: Path) -> None:
    """P1 (peripheral-nerve.md §5): thin layer against a meshed perineurium within 5 %.

    Scaled from ASCENT's dummy nerve to one fascicle of 400 um (perineurium 0.03 d = 12 um,
    1149 ohm m): the 1.5 um layer of P1's 50 um fascicle cannot be meshed on this machine.
    Compared: the potential on the fascicle's centre line, and its second difference along z
    (the activating function), relative to their largest magnitudes.
    """
    # the thin layer on the fine mesh (80 100 elements), the meshed layer on coarse (81 900
    # elements: the 12 um layer forces small elements); measured 0.46 % and 1.25 %
    thin = NerveFEM(one_fascicle("thin-layer"), mesh_level="fine", cache_dir=shared_cache)
    meshed = NerveFEM(one_fascicle("meshed"), cache_dir=shared_cache)
    v_thin, v_mesh = _profile(thin), _profile(meshed)
    err = _rel(v_thin, v_mesh)
    assert err < 0.05, f"centre-line potential: thin layer {100 * err:.2f} % off the meshed layer"
    err2 = _rel(np.diff(v_thin, 2, axis=1), np.diff(v_mesh, 2, axis=1))
    assert err2 < 0.05, f"second difference: thin layer {100 * err2:.2f} % off the meshed layer"


def _assert_centre_thresholds_agree(
    fem: NerveFEM, reference: NerveFEM, tolerance: float, label: str, names: tuple[str, str]
) -> None:
    """The 5.7 µm MRG threshold at each fascicle's centre (E1 cathode, E2 anode, 100 µs) with
    ``fem``'s field within ``tolerance`` (relative) of ``reference``'s; prints both."""
    for _, e in fem.model.fascicles():  # the thin-layer model: its fascicles by name
        x_mm, y_mm = e["center_xy_mm"]
        t, t_ref = (
            centre_line_threshold_ma(f, 5.7, x_mm, currents=(1.0, -1.0), y_mm=y_mm)
            for f in (fem, reference)
        )
        err = abs(t - t_ref) / t_ref
        text = f"{e['name']}: {names[0]} {t:.5f} mA, {names[1]} {t_ref:.5f} mA"
        print(f"{label} {text}, {100 * err:.2f} %")
        assert err < tolerance, text


@pytest.mark.slow
def test_thin_layer_thresholds_match_the_meshed_perineurium(shared_cache: Path) -> None:
    """P1 (peripheral-nerve.md §5) on thresholds: a 5.7 µm MRG fiber at each fascicle's centre,
    100 µs monophasic, E1 cathode and E2 anode (P1's ±1 mA pair), thin layer against a meshed
    perineurium within 5 %.

    The scaled model of the potential test, 12 mm long instead of 4 so that the fiber (21
    nodes, 10.1 mm) has its centre node under E1 inside the model, as P3's thresholds; the thin
    layer on the fine mesh (185 818 elements), the meshed layer on coarse (283 596), as there.
    Measured 0.06601 mA against 0.06588 mA: 0.21 % (the thin layer on coarse, 23 569
    elements: 0.06438 mA, -2.28 %).
    """
    thin = NerveFEM(one_fascicle("thin-layer", length_mm=12.0), mesh_level="fine",
                    cache_dir=shared_cache)  # fmt: skip
    meshed = NerveFEM(one_fascicle("meshed", length_mm=12.0), cache_dir=shared_cache)
    _assert_centre_thresholds_agree(thin, meshed, 0.05, "P1", ("thin layer", "meshed"))


@pytest.mark.slow
def test_mesh_convergence_of_the_threshold(shared_cache: Path) -> None:
    """P1's h against h/2 within 2 % [ours] on the threshold: the 5.7 µm MRG fiber of the
    threshold test above (12 mm model, thin layer, E1 cathode and E2 anode, 100 µs) on the
    medium mesh (h_nerve 0.1 mm, §7's sizes) against the fine one (0.05 mm). Measured 0.06504
    against 0.06601 mA: 1.47 %."""
    medium, fine = (
        NerveFEM(one_fascicle("thin-layer", length_mm=12.0), mesh_level=level,
                 cache_dir=shared_cache)
        for level in ("medium", "fine")
    )  # fmt: skip
    _assert_centre_thresholds_agree(medium, fine, 0.02, "P1 h/2", ("medium", "fine"))


@pytest.mark.slow
def test_mesh_convergence_of_the_potential(shared_cache: Path) -> None:
    """P2's h against h/2 within 2 % [ours], on the centre-line potential: medium (h_nerve
    0.1 mm, §7's sizes) against fine (0.05 mm). Measured 1.00 % (coarse 2.68 %)."""
    medium = _profile(NerveFEM(one_fascicle(), mesh_level="medium", cache_dir=shared_cache))
    fine = _profile(NerveFEM(one_fascicle(), mesh_level="fine", cache_dir=shared_cache))
    err = _rel(medium, fine)
    assert err < 0.02, f"medium mesh {100 * err:.2f} % off the fine mesh"


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="P2 [ours] 2 %: the second difference of the centre-line potential (0.1 mm steps) on "
    "the medium mesh is 4.18 % off the fine mesh's (coarse 15.6 %); the threshold of a 5.7 µm "
    "fiber differs by 1.47 % (test_mesh_convergence_of_the_threshold)",
)
def test_mesh_convergence_of_the_activating_function(shared_cache: Path) -> None:
    medium = _profile(NerveFEM(one_fascicle(), mesh_level="medium", cache_dir=shared_cache))
    fine = _profile(NerveFEM(one_fascicle(), mesh_level="fine", cache_dir=shared_cache))
    err = _rel(np.diff(medium, 2, axis=1), np.diff(fine, 2, axis=1))
    assert err < 0.02, f"medium mesh {100 * err:.2f} % off the fine mesh"


@pytest.mark.slow
def test_layer_is_felt_and_cache_hits(tmp_path) -> None:
    """The perineurium is not a no-op: without it (σ_peri/t -> epineurium-like) the potential
    inside the fascicle differs; a second conductor reads the same arrays from the cache."""
    fem = NerveFEM(one_fascicle("thin-layer"), cache_dir=tmp_path)
    v = _profile(fem)
    assert fem.describe()["cache_hit"] is False
    assert fem.describe()["solver_status"] == ["ok", "ok"]
    again = NerveFEM(one_fascicle("thin-layer"), cache_dir=tmp_path)
    point = np.array([[0.03, 0.0, 0.1]])  # not a stored point set: evaluated on the read mesh
    assert np.array_equal(again.potentials_mv(point), fem.potentials_mv(point))
    assert again.describe()["cache_hit"] is True
    open_sigma = dict(ASCENT_S_PER_M, perineurium=1e3)
    leaky = NerveFEM(one_fascicle("thin-layer", sigma=open_sigma), cache_dir=tmp_path)
    v_open = _profile(leaky)
    # bipolar cuff: the field inside a fascicle grows when the perineurium is removed
    span = lambda a: float(np.ptp(a[0] - a[1]))  # noqa: E731
    assert span(v_open) > 1.2 * span(v)
    # reciprocity/symmetry: the two ribbons mirror each other in z
    assert np.allclose(v[0], v[1][::-1], rtol=0.02, atol=0.02 * np.max(np.abs(v)))


@pytest.mark.slow
def test_graded_mesh_agrees_with_the_uniform_one(tmp_path: Path) -> None:
    """The nerve graded along z (near zone +-2.9 mm, 3 times coarser beyond) against the same
    model at the near sizes along all 16 mm: the centre-line potential of each contact within
    1 % of its peak [ours]. Measured 0.12 % and 0.30 %."""
    model = one_fascicle(length_mm=16.0)
    z = np.linspace(-7.9, 7.9, 159)
    pts = np.c_[np.full_like(z, 0.03), np.zeros_like(z), z]
    graded = NerveFEM(model, far_factor=3.0, cache_dir=tmp_path)
    uniform = NerveFEM(model, far_factor=1.0, cache_dir=tmp_path)
    v_graded, v_uniform = graded.potentials_mv(pts), uniform.potentials_mv(pts)
    assert graded.describe()["near_zone_mm"] == pytest.approx((-2.9, 2.9))
    assert graded.describe()["cache_key"] != uniform.describe()["cache_key"]
    for k in range(2):
        err = _rel(v_graded[k], v_uniform[k])
        assert err < 0.01, f"contact {k}: graded mesh {100 * err:.2f} % off the uniform one"


def test_points_take_the_potential_of_their_side_of_the_thin_layer(tmp_path: Path) -> None:
    """The mesh's fascicle surface is made of flat facets inside the true ellipse, so points a
    few µm inside the fascicle (fibers are placed 5 µm or more inside, §7) can lie in an
    epineurium element, where the plain evaluation gives the outer field: off by the layer's
    whole jump. Points 1 µm inside the 200 µm fascicle of the one-fascicle model (coarse mesh)
    must take the inner field: within 5 % of the layer's jump of the potential 20 µm further in
    (the field's own change over 19 µm; measured 7.9 mV against a 477 mV jump, the plain
    evaluation 470 mV off)."""
    from neurostim.field.fem.nerve import true_side_points

    fem = NerveFEM(one_fascicle(), cache_dir=tmp_path)
    th = np.linspace(0.0, 2.0 * np.pi, 720, endpoint=False)

    def ring(r_mm: float) -> np.ndarray:
        return np.c_[0.03 + r_mm * np.cos(th), r_mm * np.sin(th), np.full_like(th, 0.1)]

    edge, deep, outer = ring(0.199), ring(0.18), ring(0.232)  # outer: beyond the 12 um layer
    fem.prepare()
    mesh, fes, vectors = fem.solution
    moved_pts, moved = true_side_points(mesh, fem.model, edge)
    assert moved.sum() > 0  # the faceted surface does cut these points off on this mesh
    assert np.all(np.hypot(moved_pts[:, 0] - 0.03, moved_pts[:, 1]) < 0.199 + 1e-12)
    v_edge, v_deep, v_out = (fem.potentials_mv(p)[0] for p in (edge, deep, outer))
    jump = np.abs(v_deep - v_out).max()
    assert np.abs(v_edge - v_deep).max() < 0.05 * jump
    # the plain evaluation at the same points, for contrast: the outer field on the cut points
    gf = ngsolve.GridFunction(fes)
    gf.vec.FV().NumPy()[:] = vectors[0]
    plain = np.asarray((gf.components[0] + gf.components[1])(mesh(*edge.T))).reshape(-1) * 1e3
    assert np.abs(plain - v_deep).max() > 0.5 * jump
    # points outside every fascicle are left where they are
    same, none = true_side_points(mesh, fem.model, outer)
    assert none.sum() == 0 and np.array_equal(same, outer)
