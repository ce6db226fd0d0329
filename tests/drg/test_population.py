"""Neuron populations by the rules of drg.md §6.2: fractions, containment, seeds, branches."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.drg import DRGGeometry, drg_population, load_drg_geometry, region_index
from neurostim.drg.population import type_counts
from neurostim.errors import InputError
from neurostim.fibers.mrg import mrg_diameters_um

N = 3000


@pytest.fixture(scope="module")
def geometry() -> DRGGeometry:
    return load_drg_geometry("L5")


@pytest.fixture(scope="module")
def realistic(geometry: DRGGeometry):  # type: ignore[no-untyped-def]
    return drg_population(geometry, n_neurons=N, seed=11)


@pytest.fixture(scope="module")
def uniform(geometry: DRGGeometry):  # type: ignore[no-untyped-def]
    return drg_population(geometry, {"c": N}, seed=11, placement="uniform")


def dense_by_hand(g: DRGGeometry, p: np.ndarray) -> np.ndarray:
    """The Sp20 region recomputed here: inner 85 % of the length, outer 27.5 % of the local
    radius, dorsal-most 72 % of the local dorsoventral extent."""
    a, b, c = g.ganglion_semi_axes_mm
    u = p[:, 0] / a
    s = np.sqrt(1 - u**2)
    y, z = p[:, 1] / (b * s), p[:, 2] / (c * s)
    return (np.abs(u) <= 0.85) & (np.hypot(y, z) >= 1 - 0.275) & (y >= 1 - 2 * 0.72)


def binomial_3sd(p: float, n: int) -> float:
    return 3.0 * np.sqrt(p * (1 - p) / n)


def test_type_counts_follow_kd78() -> None:
    counts = type_counts(n_neurons=N)
    raw = np.array([11429, 31675, 25389]) / (11429 + 31675 + 25389) * N  # KD78 abstract
    assert sum(counts.values()) == N
    assert np.all(np.abs(np.array(list(counts.values())) - raw) < 1.0)
    assert type_counts() == {"abeta": 300, "adelta": 300, "c": 300}  # drg.md §6.2 default


def test_realistic_dense_fraction(geometry: DRGGeometry, realistic) -> None:  # type: ignore[no-untyped-def]
    dense = dense_by_hand(geometry, realistic.soma_center_mm)
    assert np.array_equal(dense, realistic.in_dense_region)
    # soma_dense_fraction 0.8 [ours]: a binomial count, within 3 SD
    assert abs(dense.mean() - 0.8) < binomial_3sd(0.8, N)
    for name in ("abeta", "adelta", "c"):
        sel = realistic.type == name
        assert abs(dense[sel].mean() - 0.8) < binomial_3sd(0.8, int(sel.sum())), name


def test_uniform_matches_the_region_volume(geometry: DRGGeometry, uniform) -> None:  # type: ignore[no-untyped-def]
    # volume share of the region, integrated here: axial share x cross-section area share
    u = np.linspace(-1, 1, 200001)
    w = 1 - u**2
    axial = np.trapezoid(np.where(np.abs(u) <= 0.85, w, 0), u) / np.trapezoid(w, u)
    grid = np.linspace(-1, 1, 2001)
    yy, zz = np.meshgrid(grid, grid)
    disk = np.hypot(yy, zz) <= 1
    region = disk & (np.hypot(yy, zz) >= 0.725) & (yy >= -0.44)
    share = axial * region.sum() / disk.sum()
    assert share == pytest.approx(0.308, abs=0.005)  # hand calculation: 0.968 x 0.318
    dense = dense_by_hand(geometry, uniform.soma_center_mm)
    # C somata (12.5 um) keep that far from the surface: a bias of about -0.003, below 3 SD
    assert abs(dense.mean() - share) < binomial_3sd(share, N)


def test_realistic_and_uniform_differ(realistic, uniform) -> None:  # type: ignore[no-untyped-def]
    gap = realistic.in_dense_region.mean() - uniform.in_dense_region.mean()
    assert gap > 10 * binomial_3sd(0.5, N) / 3  # 0.8 against 0.31: far beyond sampling noise
    dorsal_r = realistic.soma_center_mm[:, 1].mean()
    dorsal_u = uniform.soma_center_mm[:, 1].mean()
    assert dorsal_r > dorsal_u + 0.3  # realistic somata sit dorsally (mm)


def test_somata_inside_and_apart(geometry: DRGGeometry, realistic) -> None:  # type: ignore[no-untyped-def]
    semi = np.array(geometry.ganglion_semi_axes_mm)
    c, r = realistic.soma_center_mm, realistic.soma_length_um * 1e-3 / 2
    # every soma sphere inside the ganglion: 26 surface points of each sphere
    d = np.array([[i, j, k] for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)
                  if (i, j, k) != (0, 0, 0)], float)  # fmt: skip
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    surface = c[:, None, :] + r[:, None, None] * d[None]
    assert np.all(np.sum((surface / semi) ** 2, axis=-1) < 1)
    # no two somata overlap
    from scipy.spatial import cKDTree

    pairs = cKDTree(c).query_pairs(2 * r.max(), output_type="ndarray")
    dist = np.linalg.norm(c[pairs[:, 0]] - c[pairs[:, 1]], axis=1)
    assert np.all(dist >= r[pairs[:, 0]] + r[pairs[:, 1]] - 1e-12)


def test_stems(geometry: DRGGeometry, realistic) -> None:  # type: ignore[no-untyped-def]
    p = realistic
    reach_um = p.soma_length_um / 2 + p.initial_segment_length_um + p.stem_length_um
    length = np.linalg.norm(p.t_junction_mm - p.soma_center_mm, axis=1)
    assert np.allclose(np.linalg.norm(p.stem_direction, axis=1), 1.0)
    semi = np.array(geometry.ganglion_semi_axes_mm)
    assert np.all(np.sum((p.t_junction_mm / semi) ** 2, axis=1) < 1)  # T inside the ganglion
    inward = -p.soma_center_mm[:, 1:] / np.linalg.norm(p.soma_center_mm[:, 1:], axis=1)[:, None]
    cos = np.sum(p.stem_direction[:, 1:] * inward, axis=1)
    full = np.isclose(length, reach_um * 1e-3)
    assert full.mean() > 0.99  # the rest ran straight inward to the axis
    assert np.all(cos[full] >= np.cos(np.deg2rad(45)) - 1e-9)  # within the 45 deg cone
    end = p.stem_points_mm(0, np.array([0.0, reach_um[0]]))
    assert np.allclose(end, [p.soma_center_mm[0], p.t_junction_mm[0]])


def test_branches(geometry: DRGGeometry, realistic) -> None:  # type: ignore[no-untyped-def]
    p = realistic
    solids = geometry.solids()
    names = np.array([s.material for s in solids])
    for i in range(0, p.n_neurons, 7):
        for branch, end in (("peripheral", geometry.peripheral_end_x_mm),
                            ("central", geometry.central_end_x_mm)):  # fmt: skip
            v = p.branch_vertices_mm(i, branch)
            assert np.allclose(v[0], p.t_junction_mm[i])
            assert v[-1, 0] == pytest.approx(end)
            dx = np.diff(v[:, 0]) * (1 if branch == "peripheral" else -1)
            assert np.all(dx > 0)  # runs towards its model end
            inner = v.copy()
            inner[-1, 0] -= 1e-6 * np.sign(end)  # the end face itself is the boundary
            kinds = set(names[region_index(solids, inner)])
            assert kinds <= {"fiber", "drg_cells"}, (i, branch, kinds)
            assert np.all(names[region_index(solids, inner[2:])] == "fiber"), (i, branch)
            arc = np.array([0.0, 0.5 * p.branch_length_mm(i, branch)])
            pts = p.branch_points_mm(i, branch, arc)
            assert np.allclose(pts[0], v[0])


def test_diameters(realistic) -> None:  # type: ignore[no-untyped-def]
    p = realistic
    table = np.array(mrg_diameters_um())
    a = p.type == "abeta"
    assert set(p.peripheral_diameter_um[a]) <= set(table[(table >= 5.7) & (table <= 16)])
    assert len(set(p.peripheral_diameter_um[a])) > 3  # sampled, not one value
    nearest = table[np.argmin(np.abs(0.75 * p.peripheral_diameter_um[a][:, None] - table), 1)]
    assert np.array_equal(p.central_diameter_um[a], nearest)
    assert np.array_equal(p.stem_diameter_um[a], p.peripheral_diameter_um[a])
    d, c = p.type == "adelta", p.type == "c"
    assert np.allclose(p.peripheral_diameter_um[d], 3.0) and np.allclose(
        p.central_diameter_um[d], 2.0
    )
    assert np.allclose(p.stem_diameter_um[c], 1.4) and np.allclose(p.central_diameter_um[c], 0.4)
    assert np.all((p.node_offset_fraction >= 0) & (p.node_offset_fraction < 1))


def test_seeds(geometry: DRGGeometry) -> None:
    a = drg_population(geometry, 40, seed=3)
    np.random.seed(1)  # noqa: NPY002 (the global generator must not matter)
    np.random.random(100)  # noqa: NPY002
    drg_population(geometry, 10, seed=99)  # nor an earlier call
    b = drg_population(geometry, 40, seed=3)
    assert np.array_equal(a.soma_center_mm, b.soma_center_mm)
    assert all(
        np.array_equal(x, y)
        for x, y in zip(a.central_vertices_mm, b.central_vertices_mm, strict=True)
    )
    c = drg_population(geometry, 40, seed=4)
    assert not np.allclose(a.soma_center_mm, c.soma_center_mm)
    only_c = drg_population(geometry, {"c": 40}, seed=3)
    assert np.array_equal(only_c.soma_center_mm, drg_population(
        geometry, {"abeta": 0, "adelta": 0, "c": 40}, seed=3).soma_center_mm)  # fmt: skip


@pytest.mark.parametrize(
    ("kw", "field"),
    [({"placement": "grid"}, "placement"), ({"seed": -1}, "seed"), ({"n_per_type": 0},
     "n_per_type"), ({"n_per_type": {"b": 3}}, "n_per_type.b"), ({"n_neurons": 2.5}, "n_neurons"),
     ({"n_per_type": 3, "n_neurons": 3}, "n_neurons")],
)  # fmt: skip
def test_bad_arguments(geometry: DRGGeometry, kw: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InputError) as err:
        drg_population(geometry, **kw)
    assert err.value.field == field
