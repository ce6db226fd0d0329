"""Pseudounipolar neurons placed in a DRG by the rules of drg.md §6.2, seeded.

Normalised ganglion coordinates of a point (x, y, z) in the ganglion frame
(:mod:`neurostim.drg.geometry`; semi-axes a, b, c): ``u = x / a`` (axial), and in the local
cross-section of radius factor ``s = sqrt(1 - u²)``: ``eta = y / (b s)`` (dorsal +),
``zeta = z / (c s)``, ``rho = sqrt(eta² + zeta²)`` (0 on the axis, 1 on the surface). The
**dense region** of Sp20 is where somata are densest [S Sp20 abstract]:

    |u| <= soma_axial_fraction            the inner 85 % of the length
    rho >= 1 - soma_shell_fraction        the outer 27.5 % of the radius
    eta >= 1 - 2 soma_dorsal_fraction     the dorsal-most 72 % of the dorsoventral extent

``placement="realistic"``: each soma lies in the dense region with probability
``soma_dense_fraction`` (0.8 [ours]: the abstract gives the region, not the contrast), uniformly
by volume within it, else uniformly in the rest of the ganglion. ``placement="uniform"``:
uniformly in the ganglion. Every soma (a sphere of its larger dimension) lies inside the
ganglion and overlaps no other; a candidate that fails is drawn again.

Stem: from the soma towards the ganglion's axis (the inward normal in the cross-section),
turned by a random angle uniform on the cone of half-angle ``stem_max_angle_deg`` (45° [ours]);
it reaches the T-junction at half the soma + initial segment + stem length (drg.md §6.2). If
the T would leave the ganglion, the draw is repeated, then the stem runs straight inward.

Branches run along the root axis to the model's ends (peripheral → spinal nerve, central →
dorsal root). Each keeps its place in a **fiber channel** whose semi-axes at x are
``max(k, core(x))``: ``core(x)`` the fiber core's semi-axis (ganglion × (1 - shell)) at x, ``k``
the radius of the root on that side (dorsal root at x < 0, spinal nerve at x > 0) less the
axon-free rim (``axon_rim_fraction``, Sp20), capped at the core's central radius; beyond the
ganglion's poles the channel is the root's. A branch joins its
channel from the T within a 45° ramp. Branch polylines are sampled every
``branch_vertex_spacing_mm`` inside the ganglion and are straight in the roots.

Seeding: :func:`numpy.random.default_rng` per type from ``SeedSequence(seed, spawn_key=(k,))``,
so a population depends only on its arguments (not on call order or global state); changing
one type's count moves the others only where one of their somata must be redrawn to avoid an
overlap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from neurostim.drg.geometry import DRGGeometry
from neurostim.drg.neurons import NEURON_TYPES, NeuronType, neuron_types, population_settings
from neurostim.errors import InputError
from neurostim.fibers.geometry import points_along_polyline
from neurostim.fibers.mrg import mrg_diameters_um
from neurostim.units import UM_TO_MM

Placement = Literal["realistic", "uniform"]
BRANCHES = ("peripheral", "central")
MAX_DRAWS_PER_SOMA = 10_000
"""Candidates tried for one soma before the ganglion is declared full."""
STEM_TRIES = 20
"""Stem directions tried before the stem runs straight inward."""
CHANNEL_MARGIN = 0.95
"""A branch keeps at most this fraction of its channel's radius (off the channel's wall)."""


@dataclass(frozen=True)
class DRGPopulation:
    """Neurons of one DRG in the ganglion frame (mm unless µm in the name).

    Attributes
    ----------
    type : ndarray of str, shape (n_neurons,)
        ``abeta``, ``adelta`` or ``c``.
    soma_center_mm : ndarray of shape (n_neurons, 3)
    soma_length_um, soma_diameter_um : ndarray of shape (n_neurons,)
        Soma size (a prolate soma is longer than wide; a sphere has both equal).
    initial_segment_length_um : ndarray of shape (n_neurons,)
        0 where the type has none.
    stem_length_um : ndarray of shape (n_neurons,)
    stem_direction : ndarray of shape (n_neurons, 3)
        Unit vector from the soma centre towards the T-junction.
    t_junction_mm : ndarray of shape (n_neurons, 3)
    stem_diameter_um, peripheral_diameter_um, central_diameter_um : ndarray (n_neurons,)
    peripheral_vertices_mm, central_vertices_mm : tuple of n_neurons ndarrays (n_vertices_i, 3)
        Branch polylines from the T-junction to the spinal nerve's and the dorsal root's end.
    node_offset_fraction : ndarray of shape (n_neurons, 2)
        Random node offset per branch (peripheral, central) as a fraction of the node
        spacing, U(0, 1), for the fiber stage.
    in_dense_region : ndarray of bool, shape (n_neurons,)
        The soma centre lies in the dense region (module docstring).
    placement : str
    seed : int
    """

    type: NDArray[np.str_]
    soma_center_mm: NDArray[np.float64]
    soma_length_um: NDArray[np.float64]
    soma_diameter_um: NDArray[np.float64]
    initial_segment_length_um: NDArray[np.float64]
    stem_length_um: NDArray[np.float64]
    stem_direction: NDArray[np.float64]
    t_junction_mm: NDArray[np.float64]
    stem_diameter_um: NDArray[np.float64]
    peripheral_diameter_um: NDArray[np.float64]
    central_diameter_um: NDArray[np.float64]
    peripheral_vertices_mm: tuple[NDArray[np.float64], ...]
    central_vertices_mm: tuple[NDArray[np.float64], ...]
    node_offset_fraction: NDArray[np.float64]
    in_dense_region: NDArray[np.bool_]
    placement: str
    seed: int

    @property
    def n_neurons(self) -> int:
        return int(self.type.shape[0])

    def branch_vertices_mm(self, i: int, branch: str) -> NDArray[np.float64]:
        """Polyline of neuron ``i``'s ``"peripheral"`` or ``"central"`` branch, (n_vertices, 3)."""
        if branch not in BRANCHES:
            raise InputError("branch", branch, "allowed: peripheral, central")
        paths = self.peripheral_vertices_mm if branch == "peripheral" else self.central_vertices_mm
        return paths[i]

    def branch_length_mm(self, i: int, branch: str) -> float:
        """Arc length of a branch from the T-junction to the model's end."""
        v = self.branch_vertices_mm(i, branch)
        return float(np.sum(np.linalg.norm(np.diff(v, axis=0), axis=1)))

    def branch_points_mm(
        self, i: int, branch: str, arc_mm: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Points at arc lengths ``arc_mm`` (n_points,) from the T along a branch, (n_points, 3):
        the compartment midpoints of the fiber stage."""
        return points_along_polyline(self.branch_vertices_mm(i, branch), arc_mm)

    def stem_points_mm(self, i: int, arc_um: NDArray[np.float64]) -> NDArray[np.float64]:
        """Points at ``arc_um`` (n_points,) from the soma centre along the stem, (n_points, 3):
        soma, initial segment and stem compartments (0 = soma centre, the reach = the T)."""
        s = np.asarray(arc_um, np.float64) * UM_TO_MM
        return self.soma_center_mm[i] + s[:, None] * self.stem_direction[i]

    def columns(self) -> dict[str, NDArray[np.generic]]:
        """Per-neuron columns for a table: type, soma and T position, diameters."""
        c, t = self.soma_center_mm, self.t_junction_mm
        return {
            "type": self.type,
            "soma_x_mm": c[:, 0],
            "soma_y_mm": c[:, 1],
            "soma_z_mm": c[:, 2],
            "soma_diameter_um": self.soma_diameter_um,
            "t_junction_x_mm": t[:, 0],
            "t_junction_y_mm": t[:, 1],
            "t_junction_z_mm": t[:, 2],
            "stem_length_um": self.stem_length_um,
            "peripheral_diameter_um": self.peripheral_diameter_um,
            "central_diameter_um": self.central_diameter_um,
        }


def normalised_coordinates(
    geometry: DRGGeometry, points_mm: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """``(u, eta, rho)`` of points (n_points, 3) in the ganglion (module docstring)."""
    a, b, c = geometry.ganglion_semi_axes_mm
    p = np.asarray(points_mm, np.float64)
    u = p[:, 0] / a
    s = np.sqrt(np.clip(1.0 - u * u, 1e-300, None))
    eta, zeta = p[:, 1] / (b * s), p[:, 2] / (c * s)
    return u, eta, np.hypot(eta, zeta)


def in_dense_region(geometry: DRGGeometry, points_mm: NDArray[np.float64]) -> NDArray[np.bool_]:
    """True where a point lies in the dense region of Sp20 (module docstring), (n_points,)."""
    u, eta, rho = normalised_coordinates(geometry, points_mm)
    g = geometry
    return np.asarray(
        (np.abs(u) <= g.soma_axial_fraction)
        & (rho >= 1.0 - g.soma_shell_fraction)
        & (rho <= 1.0)
        & (eta >= 1.0 - 2.0 * g.soma_dorsal_fraction)
    )


def type_counts(
    n_per_type: int | Mapping[str, int] | None = None, n_neurons: int | None = None
) -> dict[str, int]:
    """Neurons per type: ``n_per_type`` (one count or one per type), or ``n_neurons`` split by
    the KD78 fractions (largest remainder), or the data's 300 per type."""
    if n_per_type is not None and n_neurons is not None:
        raise InputError("n_neurons", n_neurons, "give n_per_type or n_neurons, not both")
    if n_neurons is not None:
        _count("n_neurons", n_neurons)
        frac = np.array([neuron_types()[t].fraction for t in NEURON_TYPES])
        raw = frac / frac.sum() * n_neurons
        counts = np.floor(raw).astype(int)
        for k in np.argsort(-(raw - counts))[: n_neurons - counts.sum()]:
            counts[k] += 1
        return dict(zip(NEURON_TYPES, (int(c) for c in counts), strict=True))
    if n_per_type is None:
        n_per_type = int(population_settings()["n_per_type"])
    if isinstance(n_per_type, Mapping):
        for key in n_per_type:
            if key not in NEURON_TYPES:
                raise InputError(
                    f"n_per_type.{key}", n_per_type[key], f"allowed: {', '.join(NEURON_TYPES)}"
                )
        out = {t: int(n_per_type.get(t, 0)) for t in NEURON_TYPES}
        for t in NEURON_TYPES:
            _count(f"n_per_type.{t}", n_per_type.get(t, 0), allow_zero=True)
        if sum(out.values()) == 0:
            raise InputError("n_per_type", dict(n_per_type), "give at least one neuron")
        return out
    _count("n_per_type", n_per_type)
    return dict.fromkeys(NEURON_TYPES, int(n_per_type))


def _count(field: str, value: object, allow_zero: bool = False) -> None:
    lo = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < lo:
        raise InputError(field, value, f"must be an integer >= {lo}")


def drg_population(
    geometry: DRGGeometry,
    n_per_type: int | Mapping[str, int] | None = None,
    *,
    n_neurons: int | None = None,
    seed: int = 0,
    placement: Placement = "realistic",
) -> DRGPopulation:
    """Place Aβ, Aδ and C neurons in the ganglion (module docstring).

    Parameters
    ----------
    geometry : DRGGeometry
    n_per_type : int or mapping type -> int, optional
        Neurons per type (default 300 each, drg.md §6.2).
    n_neurons : int, optional
        Total instead, split by the KD78 type fractions.
    seed : int
        Seed of the population (non-negative).
    placement : {"realistic", "uniform"}

    Raises
    ------
    InputError
        A bad count, seed or placement, or a ganglion too full to hold the somata.
    """
    if placement not in ("realistic", "uniform"):
        raise InputError("placement", placement, "allowed: realistic, uniform")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError("seed", seed, "must be an integer >= 0")
    counts = type_counts(n_per_type, n_neurons)
    types = neuron_types()
    settings = population_settings()
    placed = _Placed(sum(counts.values()))
    parts = []
    for k, name in enumerate(NEURON_TYPES):
        if counts[name] == 0:
            continue
        rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(k,)))
        parts.append(
            _place_type(geometry, types[name], counts[name], rng, placement, placed, settings)
        )
    return _assemble(parts, placement, int(seed))


def _place_type(
    g: DRGGeometry,
    kind: NeuronType,
    n: int,
    rng: np.random.Generator,
    placement: str,
    placed: _Placed,
    settings: dict[str, float],
) -> dict[str, object]:
    radius_mm = kind.soma_length_um / 2 * UM_TO_MM
    dense = (
        rng.random(n) < g.soma_dense_fraction
        if placement == "realistic"
        else np.zeros(n, dtype=bool)
    )
    centres = np.empty((n, 3))
    for i in range(n):
        centres[i] = _draw_soma(g, rng, radius_mm, placement, bool(dense[i]), placed)
        placed.add(centres[i], radius_mm)
    directions, t_junctions = _stems(g, kind, centres, rng, settings["stem_max_angle_deg"])
    peripheral, stem, central = _diameters(kind, n, rng)
    spacing = settings["branch_vertex_spacing_mm"]
    return {
        "type": np.full(n, kind.name),
        "soma_center_mm": centres,
        "soma_length_um": np.full(n, kind.soma_length_um),
        "soma_diameter_um": np.full(n, kind.soma_diameter_um),
        "initial_segment_length_um": np.full(n, kind.initial_segment_length_um),
        "stem_length_um": np.full(n, kind.stem_length_um),
        "stem_direction": directions,
        "t_junction_mm": t_junctions,
        "stem_diameter_um": stem,
        "peripheral_diameter_um": peripheral,
        "central_diameter_um": central,
        "peripheral_vertices_mm": tuple(branch_path(g, t, "peripheral", spacing)
                                        for t in t_junctions),
        "central_vertices_mm": tuple(branch_path(g, t, "central", spacing) for t in t_junctions),
        "node_offset_fraction": rng.random((n, 2)),
        "in_dense_region": in_dense_region(g, centres),
    }  # fmt: skip


def _draw_soma(
    g: DRGGeometry,
    rng: np.random.Generator,
    radius_mm: float,
    placement: str,
    dense: bool,
    placed: _Placed,
) -> NDArray[np.float64]:
    a, b, c = g.ganglion_semi_axes_mm
    shrunk = np.array([a, b, c]) - radius_mm
    others, radii = placed.centres[: placed.n], placed.radii[: placed.n]
    for _ in range(MAX_DRAWS_PER_SOMA // 64):
        cand = _uniform_in_ellipsoid(rng, (a, b, c), 64)
        ok = np.sum((cand / shrunk) ** 2, axis=1) < 1.0
        if placement == "realistic":
            ok &= in_dense_region(g, cand) == dense
        for p in cand[ok]:
            if others.size == 0 or np.all(np.linalg.norm(others - p, axis=1) >= radii + radius_mm):
                return np.asarray(p, np.float64)
    raise InputError(
        "n_per_type",
        placed.n + 1,
        "the ganglion cannot hold this many somata without overlap; place fewer neurons",
    )


class _Placed:
    """Somata placed so far (centres and radii, mm), for the overlap test."""

    def __init__(self, capacity: int) -> None:
        self.centres = np.empty((capacity, 3))
        self.radii = np.empty(capacity)
        self.n = 0

    def add(self, centre: NDArray[np.float64], radius_mm: float) -> None:
        self.centres[self.n], self.radii[self.n] = centre, radius_mm
        self.n += 1


def _uniform_in_ellipsoid(
    rng: np.random.Generator, semi: tuple[float, float, float], n: int
) -> NDArray[np.float64]:
    v = rng.standard_normal((n, 3))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    r = rng.random(n) ** (1.0 / 3.0)
    return np.asarray(v * r[:, None] * np.asarray(semi), np.float64)


def _stems(
    g: DRGGeometry,
    kind: NeuronType,
    centres: NDArray[np.float64],
    rng: np.random.Generator,
    max_angle_deg: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    reach = kind.stem_reach_um * UM_TO_MM
    semi = np.asarray(g.ganglion_semi_axes_mm)
    cos_max = np.cos(np.deg2rad(max_angle_deg))
    n = centres.shape[0]
    directions, t_junctions = np.empty((n, 3)), np.empty((n, 3))
    for i, p in enumerate(centres):
        inward = np.array([0.0, -p[1], -p[2]])
        norm = np.linalg.norm(inward)
        inward = inward / norm if norm > 1e-12 else np.array([0.0, 1.0, 0.0])
        e1 = np.array([0.0, inward[2], -inward[1]])  # inward x (1, 0, 0): unit, inward has x = 0
        e2 = np.array([-1.0, 0.0, 0.0])  # inward x e1
        for _ in range(STEM_TRIES):
            cos_t = 1.0 - rng.random() * (1.0 - cos_max)
            phi = 2.0 * np.pi * rng.random()
            sin_t = np.sqrt(1.0 - cos_t * cos_t)
            d = cos_t * inward + sin_t * (np.cos(phi) * e1 + np.sin(phi) * e2)
            t = p + reach * d
            if np.sum((t / semi) ** 2) < 1.0:
                break
        else:
            d = inward
            t = p + min(reach, norm) * d
        directions[i], t_junctions[i] = d, t
    return directions, t_junctions


def _diameters(
    kind: NeuronType, n: int, rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    lo, hi = kind.peripheral_diameter_range_um
    if hi > lo:
        table = np.array([d for d in mrg_diameters_um() if lo <= d <= hi])
        peripheral = table[rng.integers(0, table.size, n)]
    else:
        peripheral = np.full(n, kind.peripheral_diameter_um)
    stem = peripheral * kind.stem_over_peripheral
    central = peripheral * kind.central_over_peripheral
    if kind.central_snap == "mrg_table":
        table = np.array(mrg_diameters_um())
        central = table[np.argmin(np.abs(central[:, None] - table[None, :]), axis=1)]
    return peripheral, stem, central


def channel_semi_axes_mm(g: DRGGeometry, x_mm: NDArray[np.float64]) -> NDArray[np.float64]:
    """Semi-axes (y, z) of the fiber channel at ``x_mm`` (n,), shape (n, 2): the fiber core's
    cross-section, widened to the root's channel (dorsal root at x < 0, spinal nerve at x > 0;
    :meth:`DRGGeometry.fiber_channel_radius_mm`) where the core is narrower."""
    a, _, _ = g.ganglion_semi_axes_mm
    _, cb, cc = g.core_semi_axes_mm
    x = np.asarray(x_mm, np.float64)
    k = np.where(
        x < 0, g.fiber_channel_radius_mm("central"), g.fiber_channel_radius_mm("peripheral")
    )
    s = np.sqrt(np.clip(1.0 - (x / a) ** 2, 0.0, None))
    return np.column_stack([np.maximum(k, cb * s), np.maximum(k, cc * s)])


def branch_path(
    g: DRGGeometry, t_junction_mm: NDArray[np.float64], branch: str, spacing_mm: float
) -> NDArray[np.float64]:
    """Polyline of one branch from the T-junction to the model's end, (n_vertices, 3)."""
    sign = 1.0 if branch == "peripheral" else -1.0
    end_x = g.peripheral_end_x_mm if branch == "peripheral" else g.central_end_x_mm
    a = g.ganglion_semi_axes_mm[0]
    x_t = float(t_junction_mm[0])
    yz_t = np.asarray(t_junction_mm[1:], np.float64)
    channel_t = channel_semi_axes_mm(g, np.array([x_t]))[0]
    xi = yz_t / channel_t
    norm = float(np.hypot(*xi))
    if norm > CHANNEL_MARGIN:
        xi = xi * CHANNEL_MARGIN / norm
    entry = xi * channel_t
    ramp = max(spacing_mm, float(np.linalg.norm(entry - yz_t)))
    x_entry = x_t + sign * ramp
    pole = sign * a
    if sign * x_entry < sign * pole:
        xs = np.arange(x_entry, pole, sign * spacing_mm)
    else:
        xs = np.array([x_entry])
    xs = np.concatenate([xs, [end_x]]) if sign * xs[-1] < sign * end_x else xs
    yz = xi * channel_semi_axes_mm(g, xs)
    return np.vstack([t_junction_mm, np.column_stack([xs, yz])])


def _assemble(parts: list[dict[str, object]], placement: str, seed: int) -> DRGPopulation:
    def cat(key: str) -> NDArray[np.generic]:
        return np.concatenate([p[key] for p in parts])

    def tup(key: str) -> tuple[NDArray[np.float64], ...]:
        return tuple(v for p in parts for v in p[key])  # type: ignore[attr-defined]

    return DRGPopulation(
        type=cat("type").astype(str),
        soma_center_mm=cat("soma_center_mm").astype(np.float64),
        soma_length_um=cat("soma_length_um").astype(np.float64),
        soma_diameter_um=cat("soma_diameter_um").astype(np.float64),
        initial_segment_length_um=cat("initial_segment_length_um").astype(np.float64),
        stem_length_um=cat("stem_length_um").astype(np.float64),
        stem_direction=cat("stem_direction").astype(np.float64),
        t_junction_mm=cat("t_junction_mm").astype(np.float64),
        stem_diameter_um=cat("stem_diameter_um").astype(np.float64),
        peripheral_diameter_um=cat("peripheral_diameter_um").astype(np.float64),
        central_diameter_um=cat("central_diameter_um").astype(np.float64),
        peripheral_vertices_mm=tup("peripheral_vertices_mm"),
        central_vertices_mm=tup("central_vertices_mm"),
        node_offset_fraction=cat("node_offset_fraction").astype(np.float64),
        in_dense_region=cat("in_dense_region").astype(bool),
        placement=placement,
        seed=seed,
    )


__all__ = [
    "BRANCHES",
    "DRGPopulation",
    "drg_population",
    "in_dense_region",
    "normalised_coordinates",
    "type_counts",
]
