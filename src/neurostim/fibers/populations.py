"""Fiber populations in tissue coordinates: straight fibers, polylines, a dorsal-column grid.

Tissue coordinates (mm), the frame of :mod:`neurostim.pipeline.placement`: z along the cord
axis, x mediolateral (0 = dorsal midline), y dorsoventral, growing ventrally (into the cord).
The default lead placement puts every lead axis at y = 0, so a fiber's y is its depth below
the lead axis (below the contact face for a paddle).

A fiber is a cable of a registered model (``neurostim.fibers.models``: ``mrg``, the default,
``mrg-interpolation`` for any diameter in 2-16 um, ``sundt``) placed by arc length along a 3-D
polyline (:meth:`neurostim.fibers.models.Fiber.section_points_mm`); a straight fiber is a
two-vertex polyline parallel to z whose centre node sits at ``z_center_mm + node_offset_mm``.

The dorsal-column population of :func:`dorsal_column_population` is **representative, not
anatomical**: a rectangular grid (mediolateral x depth) with every diameter class at every grid
point, each fiber weighted by its class fraction. Its defaults are chosen a priori [ours]:

=====================  ====================  ==================================================
parameter              default               basis
=====================  ====================  ==================================================
``diameters_um``       5.7, 10.0, 16.0       MRG family (spinal-cord.md §3.1: MRG 5.7-16 um);
                                             the three diameters with NEURON reference
                                             thresholds in tests/reference/data
``class_fractions``    0.70, 0.25, 0.05      [ours]: most DC fibers are small and fibers
                                             > 10.7 um are rare (0.5 % of the superficial DC,
                                             spinal-cord.md §3.1 [Fe02]); no tabulated
                                             histogram yet (§8)
``depths_mm``          1, 2, 3, 4            below the lead axis; covers dCSF 1.5-4 mm plus
                                             the superficial DC (spinal-cord.md §1.1, §3.1)
``x_mm``               -1, 0, 1              about the midline
``node_offset``        U(0, node spacing)    random node offset per fiber, seeded
                                             (spinal-cord.md §3.1 [ours])
=====================  ====================  ==================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.errors import InputError
from neurostim.fibers.models import Fiber, fiber_model
from neurostim.units import UM_TO_MM

DEFAULT_N_NODES = 41
"""Nodes per fiber, as in the validation protocol (docs/reference/PROTOCOL.md section 1)."""


def node_spacing_mm(diameter_um: float, model: str = "mrg") -> float:
    """Node-to-node spacing (mm) of the ``model`` fiber of this diameter (InputError naming
    the diameter when the model lacks it)."""
    m = fiber_model(model)
    m.check_diameter(float(diameter_um))
    return m.node_spacing_um(float(diameter_um)) * UM_TO_MM


@dataclass(frozen=True)
class FiberPopulation:
    """Fibers placed in tissue coordinates.

    Attributes
    ----------
    diameter_um : ndarray of shape (n_fibers,)
        Each a diameter of the fiber's model.
    vertices_mm : tuple of n_fibers ndarrays of shape (n_vertices_i, 3)
        Each fiber's path (tissue coordinates, mm); at least as long as the fiber.
    start_arc_mm : ndarray of shape (n_fibers,)
        Arc length along the path at which the fiber's first section begins.
    n_nodes : ndarray of int, shape (n_fibers,)
        Nodes of Ranvier per fiber (odd, >= 5).
    weight : ndarray of shape (n_fibers,)
        Share of the population each fiber stands for (sums to 1): recruited fractions are
        weighted sums.
    model : tuple of n_fibers str
        Registered fiber model of each fiber; empty (the default) means ``"mrg"`` for all.
    """

    diameter_um: NDArray[np.float64]
    vertices_mm: tuple[NDArray[np.float64], ...]
    start_arc_mm: NDArray[np.float64]
    n_nodes: NDArray[np.int64]
    weight: NDArray[np.float64]
    model: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = self.diameter_um.shape[0]
        for name in ("start_arc_mm", "n_nodes", "weight"):
            if getattr(self, name).shape != (n,):
                raise InputError(name, getattr(self, name).shape, f"must have shape ({n},)")
        if len(self.vertices_mm) != n:
            raise InputError("vertices_mm", len(self.vertices_mm), f"give {n} polylines")
        if n == 0:
            raise InputError("diameter_um", "empty", "give at least one fiber")
        if not self.model:
            object.__setattr__(self, "model", ("mrg",) * n)
        if len(self.model) != n:
            raise InputError("model", len(self.model), f"give {n} model names (one per fiber)")
        object.__setattr__(self, "model", tuple(str(m) for m in self.model))
        for m, d in sorted(set(zip(self.model, self.diameter_um.tolist(), strict=True))):
            node_spacing_mm(float(d), m)
        w = self.weight
        if not (np.all(np.isfinite(w)) and np.all(w >= 0) and abs(w.sum() - 1.0) < 1e-9):
            raise InputError("weight", f"sum {w.sum():g}", "must be >= 0 and sum to 1")

    @property
    def n_fibers(self) -> int:
        return int(self.diameter_um.shape[0])

    def fiber(self, i: int) -> Fiber:
        """The cable of fiber ``i``."""
        return Fiber(self.model[i], float(self.diameter_um[i]), int(self.n_nodes[i]))

    def section_points_mm(self, i: int) -> NDArray[np.float64]:
        """Section centres of fiber ``i`` in tissue coordinates, shape (n_sections, 3)."""
        return self.fiber(i).section_points_mm(self.vertices_mm[i], float(self.start_arc_mm[i]))

    @classmethod
    def from_polylines(
        cls,
        vertices_mm: Sequence[ArrayLike],
        diameter_um: ArrayLike,
        *,
        start_arc_mm: ArrayLike = 0.0,
        n_nodes: ArrayLike = DEFAULT_N_NODES,
        weight: ArrayLike | None = None,
        model: str | Sequence[str] = "mrg",
    ) -> FiberPopulation:
        """Fibers along given polylines (one (n_vertices, 3) array per fiber, mm).

        ``diameter_um``, ``start_arc_mm``, ``n_nodes``, ``weight`` and ``model`` broadcast to
        (n_fibers,); ``weight`` defaults to equal shares, ``model`` to MRG.
        """
        paths = tuple(np.asarray(v, dtype=np.float64) for v in vertices_mm)
        n = len(paths)
        w = np.full(n, 1.0 / max(n, 1)) if weight is None else weight
        return cls(
            diameter_um=np.broadcast_to(np.asarray(diameter_um, np.float64), (n,)).copy(),
            vertices_mm=paths,
            start_arc_mm=np.broadcast_to(np.asarray(start_arc_mm, np.float64), (n,)).copy(),
            n_nodes=np.broadcast_to(np.asarray(n_nodes, np.int64), (n,)).copy(),
            weight=np.broadcast_to(np.asarray(w, np.float64), (n,)).copy(),
            model=_models(model, n),
        )


def _models(model: str | Sequence[str], n: int) -> tuple[str, ...]:
    """``model`` as one name per fiber, (n,)."""
    if isinstance(model, str):
        return (model,) * n
    names = tuple(str(m) for m in model)
    if len(names) == 1:
        return names * n
    if len(names) != n:
        raise InputError("model", len(names), f"give one model name or {n} (one per fiber)")
    return names


def straight_fibers(
    x_mm: ArrayLike,
    y_mm: ArrayLike,
    diameter_um: ArrayLike,
    *,
    z_center_mm: ArrayLike = 0.0,
    node_offset_mm: ArrayLike = 0.0,
    n_nodes: int = DEFAULT_N_NODES,
    weight: ArrayLike | None = None,
    model: str | Sequence[str] = "mrg",
) -> FiberPopulation:
    """Straight fibers parallel to z, centre node at ``z_center_mm + node_offset_mm``.

    Parameters
    ----------
    x_mm, y_mm, diameter_um, z_center_mm, node_offset_mm : float or ndarray of shape (n_fibers,)
        Broadcast together; x mediolateral, y depth below the lead axis (tissue frame).
    n_nodes : int
        Nodes per fiber (made odd); the fiber spans (n_nodes - 1) node spacings.
    weight : ndarray of shape (n_fibers,), optional
        Population shares (default equal).
    model : str or sequence of n_fibers str
        Registered fiber model(s), default ``"mrg"``.
    """
    x, y, d, zc, off = np.broadcast_arrays(
        *(np.asarray(a, np.float64) for a in (x_mm, y_mm, diameter_um, z_center_mm, node_offset_mm))
    )
    x, y, d, zc, off = (np.atleast_1d(a).ravel() for a in (x, y, d, zc, off))
    for name, arr in (("x_mm", x), ("y_mm", y), ("z_center_mm", zc), ("node_offset_mm", off)):
        if not np.all(np.isfinite(arr)):
            raise InputError(name, arr, "must be finite (mm)")
    models = _models(model, d.size)
    paths = []
    starts = []
    for i in range(d.size):
        geometry = Fiber(models[i], float(d[i]), n_nodes).geometry
        length_mm = float(geometry.length_um.sum()) * 1e-3
        centre_arc_mm = float(geometry.node_arc_um[geometry.center_node]) * 1e-3
        z0 = zc[i] + off[i] - centre_arc_mm
        paths.append(np.array([[x[i], y[i], z0], [x[i], y[i], z0 + length_mm]]))
        starts.append(0.0)
    return FiberPopulation.from_polylines(
        paths, d, start_arc_mm=np.array(starts), n_nodes=n_nodes, weight=weight, model=models
    )


def dorsal_column_population(
    *,
    x_mm: Sequence[float] = (-1.0, 0.0, 1.0),
    depths_mm: Sequence[float] = (1.0, 2.0, 3.0, 4.0),
    diameters_um: Sequence[float] = (5.7, 10.0, 16.0),
    class_fractions: Sequence[float] = (0.70, 0.25, 0.05),
    z_center_mm: float = 0.0,
    n_nodes: int = DEFAULT_N_NODES,
    seed: int | None = 0,
) -> FiberPopulation:
    """A representative dorsal-column grid: every diameter class at every (x, depth) point.

    Fibers are straight, parallel to z, ordered class by class, then depth, then x
    (n_fibers = n_classes * n_depths * n_x). Each fiber's weight is its class fraction divided
    by the grid size. With ``seed`` not None, each fiber's centre node is shifted along z by
    U(0, node spacing) (seeded); ``seed=None`` aligns every centre node with ``z_center_mm``.
    See the module docstring for what the defaults stand for.
    """
    fractions = np.asarray(class_fractions, np.float64)
    if len(diameters_um) != fractions.size or fractions.size == 0:
        raise InputError(
            "class_fractions", tuple(class_fractions), "give one fraction per diameter class"
        )
    if np.any(fractions < 0) or abs(fractions.sum() - 1.0) > 1e-9:
        raise InputError("class_fractions", tuple(class_fractions), "must be >= 0 and sum to 1")
    depths = np.asarray(depths_mm, np.float64)
    if depths.size == 0 or not np.all(np.isfinite(depths) & (depths > 0)):
        raise InputError("depths_mm", tuple(depths_mm), "must be positive depths (mm)")
    xs = np.asarray(x_mm, np.float64)
    if xs.size == 0 or not np.all(np.isfinite(xs)):
        raise InputError("x_mm", tuple(x_mm), "give finite mediolateral positions (mm)")
    d, y, x = np.meshgrid(np.asarray(diameters_um, np.float64), depths, xs, indexing="ij")
    w = np.broadcast_to(fractions[:, None, None] / (depths.size * xs.size), d.shape)
    offset = np.zeros(d.size)
    if seed is not None:
        rng = np.random.default_rng(seed)
        spacing = np.array([node_spacing_mm(float(di)) for di in d.ravel()])
        offset = rng.uniform(0.0, 1.0, d.size) * spacing
    return straight_fibers(
        x.ravel(), y.ravel(), d.ravel(), z_center_mm=z_center_mm, node_offset_mm=offset,
        n_nodes=n_nodes, weight=w.ravel(),
    )  # fmt: skip


__all__ = [
    "DEFAULT_N_NODES",
    "FiberPopulation",
    "dorsal_column_population",
    "node_spacing_mm",
    "straight_fibers",
]
