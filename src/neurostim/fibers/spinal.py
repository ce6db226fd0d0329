"""Spinal-cord fiber populations tagged by population, dermatome and side.

A :class:`SpinalFibers` is a :class:`~neurostim.fibers.FiberPopulation` plus, per fiber, which
population it belongs to (``"dc"`` dorsal column, ``"dr"`` dorsal root), its dermatome, its
side (``"left"`` | ``"right"``: x < 0 is left), its depth below the cord's dorsal surface and
its mediolateral position. Frame of :mod:`neurostim.pipeline.anatomy`: z along the cord, x
mediolateral, y growing ventrally, origin on the axis of the dural sac; the cord's cross-section
is the anatomy's ellipse (``anatomy.boundaries()["cord"]``).

Dorsal-column fibers (:func:`dorsal_column_grid`): straight MRG fibers parallel to the cord in
the superficial layer (depths up to the anatomy's ``fibers.dc_max_depth_mm``), each tagged with
the dermatome of its mediolateral position by the anatomy's lamination table
(docs/reference/spinal-cord.md §3.2; caudal dermatomes medial, the entering segment lateral).

Dorsal-root fibers (:func:`dorsal_root_fibers`), geometry [ours] after spinal-cord.md §1.4, §3.3
and §7 (Struijk 1993: a DR fiber's threshold is set by its diameter, the curvature where it
enters the cord and its angle to the cord axis, and it fires near the entry). Per side, the
segment's ``roots.n_rootlets`` rootlets enter at the dorsal root entry zone (DREZ): the cord's
dorsal surface at ``roots.drez_ml_mm`` from the cord's midline, spread evenly along z over
``roots.dre_span_mm`` about z = 0 (the segment under the lead). Each fiber lies in the plane
y = y(DREZ) and, from its caudal end:

1. runs along z (towards +z) inside the dural sac, ``SAC_FRACTION`` of the way from the DREZ to
   the sac's lateral wall (the root descending inside the sac to its foramen);
2. turns medially in a circular bend of radius ``roots.bend_radius_mm``;
3. runs straight, medially and rostrally, at ``roots.rootlet_angle_deg`` to the cord axis (the
   rootlet, descending towards -z as it runs out to the foramen), and meets the cord surface at
   the DREZ;
4. bends at the DREZ, inside the cord, with radius ``roots.bend_radius_mm`` through the same
   angle, so that it ends parallel to the cord;
5. runs rostrally along z in the superficial dorsal column, ``R (1 - cos angle)`` medial of the
   DREZ.

The cable's middle node sits at the middle of the entry bend, shifted by a seeded U(0, node
spacing) offset, so the bend lies near the middle of the cable, never at an end. Every node lies
in the dural sac (the anatomy's CSF ellipse and the circle of its dorsoventral semi-axis, the
finite-element sac) or, for a cord without CSF (an isolated cord in a bath), within
``BARE_ROOT_GAP`` of the cord's semi-axis beside it, hence outside any lead body (leads lie
dorsal of the dura, or of a bare cord), and within
z in [-length_mm/2, length_mm/2]; geometry that cannot hold the bends, or a fiber longer than the
model, is refused. One fiber per rootlet, side and diameter; equal weights within the population.
A DR fiber is tagged with its root's dermatome (the anatomy's ``cord_segment``) and side, depth 0
and ``ml_mm`` = the DREZ's signed mediolateral position.

:func:`spinal_cord_fibers` combines both populations with :meth:`SpinalFibers.concat`; weights are
per population: each population's fibers hold an equal share of the combined ``fibers.weight``,
and :meth:`SpinalFibers.population_weight` gives each fiber's weight within its population (sums
to 1 per population), so recruited fractions are computed per population.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.anatomy import SpinalCordAnatomy, dermatome_at, lamination
from neurostim.errors import InputError
from neurostim.fibers.mrg import MRGFiber, mrg_diameters_um
from neurostim.fibers.populations import (
    DEFAULT_N_NODES,
    FiberPopulation,
    node_spacing_mm,
    straight_fibers,
)

POPULATIONS = ("dc", "dr")
SIDES = ("left", "right")
DR_N_NODES = 21
"""Nodes per dorsal-root fiber: 30 mm for a 16 um fiber, which fits a model of 60 mm or more."""
SAC_FRACTION = 0.8
"""Where a root descends inside the sac: this fraction of the way from the DREZ to the sac's
lateral wall at the DREZ's depth [ours]."""
_ARC_STEPS = 32
BARE_ROOT_GAP = 0.5
"""Without CSF, roots descend this fraction of the cord's transverse semi-axis beside the cord
(in the bath of an ex vivo preparation) [ours]."""
DC_DEPTH_FRACTIONS = (0.2, 0.6, 1.0)
"""Default dorsal-column depths as fractions of the anatomy's ``dc_max_depth_mm`` [ours]."""


@dataclass(frozen=True)
class SpinalFibers:
    """Fibers in the spinal cord with their tags.

    Attributes
    ----------
    fibers : FiberPopulation
        Geometry and weights (n_fibers).
    population : ndarray of str, shape (n_fibers,)
        ``"dc"`` or ``"dr"``.
    dermatome : ndarray of str, shape (n_fibers,)
    side : ndarray of str, shape (n_fibers,)
        ``"left"`` or ``"right"``.
    depth_mm : ndarray of shape (n_fibers,)
        Below the cord's dorsal surface at the fiber's x (dorsal-root fibers: of their entry
        point, 0).
    ml_mm : ndarray of shape (n_fibers,)
        Mediolateral position from the cord's midline (DC) or of the entry zone (DR).
    """

    fibers: FiberPopulation
    population: NDArray[np.str_]
    dermatome: NDArray[np.str_]
    side: NDArray[np.str_]
    depth_mm: NDArray[np.float64]
    ml_mm: NDArray[np.float64]

    def __post_init__(self) -> None:
        n = self.fibers.n_fibers
        for name in ("population", "dermatome", "side", "depth_mm", "ml_mm"):
            if np.shape(getattr(self, name)) != (n,):
                raise InputError(name, np.shape(getattr(self, name)), f"expected shape ({n},)")
        if not set(self.population.tolist()) <= set(POPULATIONS):
            raise InputError("population", sorted(set(self.population.tolist())), "dc or dr")
        if not set(self.side.tolist()) <= set(SIDES):
            raise InputError("side", sorted(set(self.side.tolist())), "left or right")

    @property
    def n_fibers(self) -> int:
        return self.fibers.n_fibers

    def select(self, mask: NDArray[np.bool_]) -> NDArray[np.int64]:
        """Indices of the fibers where ``mask`` holds (a convenience for per-group sums)."""
        return np.flatnonzero(mask)

    def population_weight(self) -> NDArray[np.float64]:
        """Each fiber's weight within its population (sums to 1 over every population)."""
        w = self.fibers.weight.copy()
        for name in np.unique(self.population):
            mask = self.population == name
            w[mask] /= w[mask].sum()
        return w

    @classmethod
    def concat(cls, *parts: SpinalFibers) -> SpinalFibers:
        """One population of all fibers of ``parts``, in order.

        Weights are per population: within a population the fibers keep their relative
        weights, and each population present holds an equal share of ``fibers.weight``
        (recruited fractions: sum :meth:`population_weight` over a population's fibers).
        """
        if not parts:
            raise InputError("parts", 0, "give at least one SpinalFibers")
        population = np.concatenate([p.population for p in parts])
        raw = np.concatenate([p.fibers.weight for p in parts])
        names = np.unique(population)
        weight = raw.copy()
        for name in names:
            mask = population == name
            weight[mask] = raw[mask] / raw[mask].sum() / names.size
        fibers = FiberPopulation(
            diameter_um=np.concatenate([p.fibers.diameter_um for p in parts]),
            vertices_mm=tuple(v for p in parts for v in p.fibers.vertices_mm),
            start_arc_mm=np.concatenate([p.fibers.start_arc_mm for p in parts]),
            n_nodes=np.concatenate([p.fibers.n_nodes for p in parts]),
            weight=weight,
            model=tuple(m for p in parts for m in p.fibers.model),
        )
        return cls(
            fibers=fibers,
            population=population,
            dermatome=np.concatenate([p.dermatome for p in parts]),
            side=np.concatenate([p.side for p in parts]),
            depth_mm=np.concatenate([p.depth_mm for p in parts]),
            ml_mm=np.concatenate([p.ml_mm for p in parts]),
        )


def cord_ellipse(anatomy: SpinalCordAnatomy) -> tuple[float, float, float, float]:
    """(centre x, centre y, transverse semi-axis, AP semi-axis) of the cord (mm)."""
    cx, cy, a, b = anatomy.boundaries()["cord"]
    return float(cx), float(cy), float(a), float(b)


def dorsal_column_grid(
    anatomy: SpinalCordAnatomy,
    *,
    depths_mm: Sequence[float] | None = None,
    ml_mm: Sequence[float] | None = None,
    diameters_um: Sequence[float] = (5.7, 10.0, 16.0),
    class_fractions: Sequence[float] = (0.70, 0.25, 0.05),
    n_nodes: int = DEFAULT_N_NODES,
    seed: int | None = 0,
) -> SpinalFibers:
    """Dorsal-column fibers on a grid (diameter class x depth x mediolateral position).

    ``ml_mm`` (from the cord's midline, both sides) defaults to the centre of every band of
    the lamination table on each side, so that every dermatome the level carries has fibers;
    a dorsal column's half-width is half the cord's transverse semi-axis [ours]. ``depths_mm``
    defaults to ``DC_DEPTH_FRACTIONS`` of the anatomy's ``fibers.dc_max_depth_mm`` (0.1, 0.3
    and 0.5 mm for the human 0.5 mm; scaled with a smaller cord's). Weights: class fraction /
    grid size. Dermatomes from the anatomy's lamination table.
    """
    cx, cy, a, b = cord_ellipse(anatomy)
    half_width = a / 2.0
    if ml_mm is None:
        bands = lamination(anatomy.level)
        side = half_width * 0.5 * (bands.x_inner_fraction + bands.x_outer_fraction)
        ml = np.concatenate([-side[::-1], side])
    else:
        ml = np.asarray(ml_mm, np.float64)
    if ml.size == 0 or not np.all(np.isfinite(ml) & (np.abs(ml) <= half_width)):
        raise InputError(
            "ml_mm", tuple(np.atleast_1d(ml).tolist()),
            f"must lie within the dorsal columns, |x| <= {half_width:.3g} mm",
        )  # fmt: skip
    deepest = anatomy.fibers.dc_max_depth_mm
    if depths_mm is None:
        depths_mm = [f * deepest for f in DC_DEPTH_FRACTIONS]
    depths = np.asarray(depths_mm, np.float64)
    if depths.size == 0 or not np.all(np.isfinite(depths) & (depths > 0) & (depths <= deepest)):
        raise InputError(
            "depths_mm", tuple(depths.tolist()),
            f"must be in (0, {deepest:g}] mm (the anatomy's fibers.dc_max_depth_mm)",
        )  # fmt: skip
    fractions = np.asarray(class_fractions, np.float64)
    if (
        fractions.size != len(diameters_um)
        or np.any(fractions < 0)
        or abs(fractions.sum() - 1) > 1e-9
    ):
        raise InputError("class_fractions", tuple(class_fractions),
                         "give one fraction >= 0 per diameter, summing to 1")  # fmt: skip
    d, depth, x = np.meshgrid(np.asarray(diameters_um, np.float64), depths, ml, indexing="ij")
    d, depth, x = d.ravel(), depth.ravel(), x.ravel()
    y = cy - b * np.sqrt(1.0 - (x / a) ** 2) + depth
    weight = np.repeat(fractions / (depths.size * ml.size), depths.size * ml.size)
    offset = np.zeros(d.size)
    if seed is not None:
        spacing = np.array([node_spacing_mm(float(di)) for di in d])
        offset = np.random.default_rng(seed).uniform(0.0, 1.0, d.size) * spacing
    fibers = straight_fibers(x + cx, y, d, z_center_mm=0.0, node_offset_mm=offset,
                             n_nodes=n_nodes, weight=weight)  # fmt: skip
    return SpinalFibers(
        fibers=fibers,
        population=np.full(d.size, "dc", dtype="<U2"),
        dermatome=np.asarray(dermatome_at(anatomy.level, x, half_width)),
        side=np.where(x < 0, "left", "right").astype("<U5"),
        depth_mm=depth,
        ml_mm=x,
    )


def _arc(
    centre: NDArray[np.float64], radius: float, phi0: float, phi1: float, sign: float
) -> NDArray[np.float64]:
    """(u, z) points of ``centre + sign * radius * (cos phi, sin phi)``, phi from phi0 to phi1."""
    phi = np.linspace(phi0, phi1, _ARC_STEPS + 1)
    return centre + sign * radius * np.column_stack([np.cos(phi), np.sin(phi)])


def _root_path_uz(
    u_entry: float, z_entry: float, u_outer: float, radius: float, angle: float, tail: float
) -> tuple[NDArray[np.float64], int]:
    """(u, z) vertices of one DR fiber from its caudal end (u: from the cord's midline,
    outwards) and the index of the entry bend's middle vertex (module docstring, steps 1-5)."""
    c, s = math.cos(angle), math.sin(angle)
    entry = np.array([u_entry, z_entry])
    rootlet = (u_outer - u_entry - radius * (1.0 - c)) / s
    p2 = entry + rootlet * np.array([s, -c])  # lateral end of the rootlet
    p3 = p2 + radius * np.array([1.0 - c, -s])  # the descending root begins here
    outer_bend = _arc(p2 - radius * np.array([c, s]), radius, 0.0, angle, 1.0)
    entry_bend = _arc(entry + radius * np.array([c, s]), radius, angle, 0.0, -1.0)
    dc_start = entry_bend[-1]
    path = np.vstack([
        p3 - np.array([0.0, tail]), outer_bend, entry_bend, dc_start + np.array([0.0, tail]),
    ])  # fmt: skip
    return path, 1 + outer_bend.shape[0] + _ARC_STEPS // 2


def _sac_halfwidth_mm(anatomy: SpinalCordAnatomy, y_mm: float) -> float:
    """Half-width at depth y of the space the roots descend in: the dural sac (the CSF
    ellipse and the circle of its dorsoventral semi-axis, whichever is narrower); without any
    CSF (an isolated cord in its bath), the cord's half-width there plus ``BARE_ROOT_GAP`` of
    its transverse semi-axis, in the medium beside the cord."""
    _, _, sx, sy = anatomy.boundaries()["csf"]
    _, cy, a, b = cord_ellipse(anatomy)
    if sx <= a + 1e-12 and sy <= b + 1e-12:
        return a * math.sqrt(max(0.0, 1.0 - ((y_mm - cy) / b) ** 2)) + BARE_ROOT_GAP * a
    r = min(sx, sy)
    return min(
        sx * math.sqrt(max(0.0, 1.0 - (y_mm / sy) ** 2)), math.sqrt(max(0.0, r * r - y_mm**2))
    )


def dorsal_root_fibers(
    anatomy: SpinalCordAnatomy,
    *,
    diameters_um: Sequence[float] | None = None,
    rootlets_per_side: int | None = None,
    n_nodes: int = DR_N_NODES,
    seed: int | None = 0,
    sides: Sequence[str] = SIDES,
) -> SpinalFibers:
    """Dorsal-root MRG fibers along bent rootlets of the anatomy's segment (module docstring).

    ``diameters_um`` defaults to the anatomy's ``fibers.dr_diameters_um`` and
    ``rootlets_per_side`` to its ``roots.n_rootlets``; one fiber per rootlet, side and diameter,
    ordered side, rootlet, diameter; equal weights. ``seed`` None puts the middle node exactly at
    the middle of the entry bend.
    """
    roots = anatomy.roots
    diameters = np.asarray(
        anatomy.fibers.dr_diameters_um if diameters_um is None else diameters_um, np.float64
    ).ravel()
    allowed = mrg_diameters_um()
    if diameters.size == 0 or not all(any(abs(d - a) < 1e-9 for a in allowed) for d in diameters):
        listed = ", ".join(f"{a:g}" for a in allowed)
        raise InputError("diameters_um", tuple(diameters.tolist()), f"one of {listed} um (MRG)")
    n_root = roots.n_rootlets if rootlets_per_side is None else rootlets_per_side
    if isinstance(n_root, bool) or not isinstance(n_root, int) or not 1 <= n_root <= 100:
        raise InputError("rootlets_per_side", n_root, "a whole number in [1, 100]")
    chosen = tuple(sides)
    if not chosen or len(set(chosen)) != len(chosen) or not set(chosen) <= set(SIDES):
        raise InputError("sides", chosen, "one or both of 'left', 'right', each once")
    bad = isinstance(n_nodes, bool) or not isinstance(n_nodes, int) or n_nodes % 2 == 0
    if bad or not 5 <= n_nodes <= 401:
        raise InputError("n_nodes", n_nodes, "an odd whole number in [5, 401]")
    cx, cy, a, b = cord_ellipse(anatomy)
    drez = roots.drez_ml_mm
    if drez >= a:
        raise InputError("roots.drez_ml_mm", drez,
                         f"must lie on the cord's dorsal surface, below {a:.3g} mm")  # fmt: skip
    y_entry = cy - b * math.sqrt(1.0 - (drez / a) ** 2)
    angle = math.radians(roots.rootlet_angle_deg)
    radius = roots.bend_radius_mm
    need = radius * (1.0 - math.cos(angle))
    half = _sac_halfwidth_mm(anatomy, y_entry)
    for side in chosen:
        sign = -1.0 if side == "left" else 1.0
        room = SAC_FRACTION * (half - sign * cx - drez)
        if need >= drez or need > room:
            raise InputError(
                "roots.bend_radius_mm", radius,
                f"a bend through {roots.rootlet_angle_deg:g} deg moves {need:.3g} mm across; "
                f"the {side} DREZ leaves {drez:.3g} mm to the midline and {max(room, 0.0):.3g} "
                "mm to the descending root: keep bend_radius_mm * (1 - cos angle) below both",
            )  # fmt: skip
    span = roots.dre_span_mm
    z_entries = (np.arange(n_root) + 0.5) / n_root * span - span / 2.0
    rng = np.random.default_rng(seed) if seed is not None else None
    paths, starts, tags_side, tags_ml, diams = [], [], [], [], []
    zmax = anatomy.length_mm / 2.0
    for side in chosen:
        sign = -1.0 if side == "left" else 1.0
        u_outer = drez + SAC_FRACTION * (half - sign * cx - drez)
        for z_entry in z_entries:
            for d in diameters:
                geometry = MRGFiber(float(d), n_nodes).geometry
                length = float(geometry.length_um.sum()) * 1e-3
                centre = float(geometry.node_arc_um[geometry.center_node]) * 1e-3
                spacing = length / (geometry.n_nodes - 1)
                uz, mid = _root_path_uz(drez, float(z_entry), u_outer, radius, angle, length)
                arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(uz, axis=0).T))])
                shift = 0.0 if rng is None else float(rng.uniform(0.0, spacing))
                start = arc[mid] - centre - shift
                z_lo = np.interp(start, arc, uz[:, 1])
                z_hi = np.interp(start + length, arc, uz[:, 1])
                if min(z_lo, z_hi) < -zmax or max(z_lo, z_hi) > zmax:
                    raise InputError(
                        "n_nodes", n_nodes,
                        f"a {d:g} um fiber of {n_nodes} nodes spans z {z_lo:.3g} to {z_hi:.3g} "
                        f"mm, outside the model's [-{zmax:g}, {zmax:g}] mm (length_mm): use fewer",
                    )  # fmt: skip
                xyz = np.column_stack([cx + sign * uz[:, 0], np.full(len(uz), y_entry), uz[:, 1]])
                paths.append(xyz)
                starts.append(start)
                tags_side.append(side)
                tags_ml.append(sign * drez)
                diams.append(float(d))
    n = len(paths)
    fibers = FiberPopulation.from_polylines(
        paths, np.array(diams), start_arc_mm=np.array(starts), n_nodes=n_nodes,
        weight=np.full(n, 1.0 / n),
    )  # fmt: skip
    return SpinalFibers(
        fibers=fibers,
        population=np.full(n, "dr", dtype="<U2"),
        dermatome=np.full(n, anatomy.cord_segment),
        side=np.array(tags_side, dtype="<U5"),
        depth_mm=np.zeros(n),
        ml_mm=np.array(tags_ml),
    )


def spinal_cord_fibers(
    anatomy: SpinalCordAnatomy,
    *,
    dc: Mapping[str, Any] | None = None,
    dr: Mapping[str, Any] | None = None,
    seed: int | None = 0,
) -> SpinalFibers:
    """Dorsal-column and dorsal-root fibers of an anatomy in one tagged population.

    ``dc`` and ``dr`` are keyword arguments of :func:`dorsal_column_grid` and
    :func:`dorsal_root_fibers` (a ``seed`` there wins over ``seed``). Weights are per population
    (:meth:`SpinalFibers.concat`).
    """
    return SpinalFibers.concat(
        dorsal_column_grid(anatomy, **{"seed": seed, **dict(dc or {})}),
        dorsal_root_fibers(anatomy, **{"seed": seed, **dict(dr or {})}),
    )


__all__ = [
    "BARE_ROOT_GAP",
    "DC_DEPTH_FRACTIONS",
    "DR_N_NODES",
    "POPULATIONS",
    "SAC_FRACTION",
    "SIDES",
    "SpinalFibers",
    "cord_ellipse",
    "dorsal_column_grid",
    "dorsal_root_fibers",
    "spinal_cord_fibers",
]
