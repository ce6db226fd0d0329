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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim.anatomy import SpinalCordAnatomy, dermatome_at, lamination
from neurostim.errors import InputError
from neurostim.fibers.populations import (
    DEFAULT_N_NODES,
    FiberPopulation,
    node_spacing_mm,
    straight_fibers,
)

POPULATIONS = ("dc", "dr")
SIDES = ("left", "right")


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


def cord_ellipse(anatomy: SpinalCordAnatomy) -> tuple[float, float, float, float]:
    """(centre x, centre y, transverse semi-axis, AP semi-axis) of the cord (mm)."""
    cx, cy, a, b = anatomy.boundaries()["cord"]
    return float(cx), float(cy), float(a), float(b)


def dorsal_column_grid(
    anatomy: SpinalCordAnatomy,
    *,
    depths_mm: Sequence[float] = (0.1, 0.3, 0.5),
    ml_mm: Sequence[float] | None = None,
    diameters_um: Sequence[float] = (5.7, 10.0, 16.0),
    class_fractions: Sequence[float] = (0.70, 0.25, 0.05),
    n_nodes: int = DEFAULT_N_NODES,
    seed: int | None = 0,
) -> SpinalFibers:
    """Dorsal-column fibers on a grid (diameter class x depth x mediolateral position).

    ``ml_mm`` (from the cord's midline, both sides) defaults to the centre of every band of
    the lamination table on each side, so that every dermatome the level carries has fibers;
    a dorsal column's half-width is half the cord's transverse semi-axis [ours]. Weights:
    class fraction / grid size. Dermatomes from the anatomy's lamination table.
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
    depths = np.asarray(depths_mm, np.float64)
    deepest = anatomy.fibers.dc_max_depth_mm
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


__all__ = ["POPULATIONS", "SIDES", "SpinalFibers", "cord_ellipse", "dorsal_column_grid"]
