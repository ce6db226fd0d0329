"""Fiber populations in a peripheral nerve, per fascicle and class (peripheral-nerve.md §1.3, §7).

Classes (``data/nerve_fibers.toml``): ``Abeta`` (interpolated MRG, N(10, 2) um in 6-14 um),
``Adelta`` (interpolated MRG, N(3, 0.8) um in 1-5 um, cut at the model's 2 um) and ``C``
(Sundt, N(0.9, 0.3) um in 0.2-1.5 um), with shares by number 0.086 / 0.127 / 0.787 from the
sural densities of §1.3 [C]. In every fascicle, ``per_class_per_fascicle`` fibers of each class
(default 50 / 50 / 30, §7) are placed uniformly in the endoneurium at least ``buffer_um`` (5 um)
inside the perineurium, straight along the nerve axis (z), each centre node shifted by
U(-1/2, 1/2) node spacing (§4, seeded). A fiber's weight is its class's share times its
fascicle's share of the endoneurial area divided by the fibers of that class in that fascicle,
so weighted sums give recruited fractions of the whole nerve by class.

Frame: the nerve frame of :mod:`neurostim.nerve.geometry` (z along the nerve, x major, y minor).
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.fibers.models import fiber_model
from neurostim.fibers.populations import DEFAULT_N_NODES, FiberPopulation, straight_fibers
from neurostim.nerve import NerveGeometry
from neurostim.units import UM_TO_MM

MODEL_RANGE_PROBE_UM = (0.05, 0.1, 0.2, 1.0, 1.5, 2.0, 5.0, 6.0, 14.0, 16.0)


@dataclass(frozen=True)
class FiberClass:
    """A fiber class: its model and diameter distribution (um), its share by number, and the
    ``[tag] source`` of each of those keys."""

    name: str
    label: str
    model: str
    mean_um: float
    sd_um: float
    band_um: tuple[float, float]
    share: float
    sources: dict[str, str]


@functools.cache
def _document() -> dict[str, Any]:
    text = resources.files("neurostim.fibers").joinpath("data/nerve_fibers.toml").read_text()
    return tomllib.loads(text)


def fiber_classes() -> dict[str, FiberClass]:
    """The shipped classes by name (``Abeta``, ``Adelta``, ``C``)."""
    out = {}
    for name, row in _document()["classes"].items():
        out[name] = FiberClass(
            name=name,
            label=str(row["label"]),
            model=str(row["model"]["value"]),
            mean_um=float(row["mean_um"]["value"]),
            sd_um=float(row["sd_um"]["value"]),
            band_um=(float(row["band_um"]["value"][0]), float(row["band_um"]["value"][1])),
            share=float(row["share"]["value"]),
            sources={k: f"[{v['tag']}] {v['source']}" for k, v in row.items() if k != "label"},
        )
    return out


def population_defaults() -> dict[str, tuple[Any, str]]:
    """Defaults of :func:`nerve_fibers` with their ``[tag] source``: ``per_class_per_fascicle``
    (one count per class, in :func:`fiber_classes` order) and ``buffer_um``."""
    rows = _document()["defaults"]
    return {k: (r["value"], f"[{r['tag']}] {r['source']}") for k, r in rows.items()}


def _model_band(c: FiberClass) -> tuple[float, float]:
    """The class band cut to the diameters its model accepts (checked at the ends)."""
    model = fiber_model(c.model)
    lo, hi = c.band_um
    ok = []
    for d in (lo, *(p for p in MODEL_RANGE_PROBE_UM if lo < p < hi), hi):
        try:
            model.check_diameter(d)
            ok.append(d)
        except InputError:
            continue
    if not ok:
        raise InputError("model", c.model, f"accepts no diameter in the {c.name} band {c.band_um}")
    return min(ok), max(ok)


def truncated_normal(
    rng: np.random.Generator, mean: float, sd: float, lo: float, hi: float, n: int
) -> NDArray[np.float64]:
    """``n`` draws of N(mean, sd) restricted to [lo, hi] (rejection), shape (n,)."""
    out = np.zeros(0)
    while out.size < n:
        x = rng.normal(mean, sd, max(2 * n, 16))
        out = np.concatenate([out, x[(x >= lo) & (x <= hi)]])
    return out[:n]


@dataclass(frozen=True)
class NerveFibers:
    """A :class:`FiberPopulation` in a nerve, tagged per fiber.

    Attributes
    ----------
    fibers : FiberPopulation
        Straight fibers along z; ``fibers.weight`` sums to 1 over the nerve.
    fascicle : ndarray of int, shape (n_fibers,)
        Index of each fiber's fascicle in ``nerve.fascicles``.
    fiber_class : tuple of n_fibers str
        ``Abeta`` | ``Adelta`` | ``C``.
    x_mm, y_mm : ndarray of shape (n_fibers,)
        Position in the cross-section (nerve frame).
    """

    fibers: FiberPopulation
    fascicle: NDArray[np.int64]
    fiber_class: tuple[str, ...]
    x_mm: NDArray[np.float64]
    y_mm: NDArray[np.float64]

    @property
    def n_fibers(self) -> int:
        return self.fibers.n_fibers

    def class_weight(self) -> dict[str, float]:
        """Summed weight per class (the class shares)."""
        cls = np.asarray(self.fiber_class)
        return {str(c): float(self.fibers.weight[cls == c].sum()) for c in dict.fromkeys(cls)}

    def rows(self) -> list[dict[str, Any]]:
        """One dict per fiber: fascicle, class, model, diameter_um, x_mm, y_mm."""
        f = self.fibers
        return [
            {
                "fascicle": int(self.fascicle[i]),
                "class": self.fiber_class[i],
                "model": f.model[i],
                "diameter_um": float(f.diameter_um[i]),
                "x_mm": float(self.x_mm[i]),
                "y_mm": float(self.y_mm[i]),
            }
            for i in range(f.n_fibers)
        ]


def nerve_fibers(
    nerve: NerveGeometry,
    *,
    per_class_per_fascicle: Sequence[int] | int | None = None,
    classes: Sequence[str] = ("Abeta", "Adelta", "C"),
    buffer_um: float | None = None,
    seed: int | None = None,
    n_nodes: int | Mapping[str, int | Callable[[float], int]] = DEFAULT_N_NODES,
    models: Mapping[str, str] | None = None,
    diameter_step_um: float | None = None,
) -> NerveFibers:
    """Fibers of each class in every fascicle of ``nerve`` (module docstring).

    Parameters
    ----------
    nerve : NerveGeometry
    per_class_per_fascicle : int or sequence of one int per class, optional
        Fibers per class per fascicle (default 50 / 50 / 30 from the data file).
    classes : sequence of str
        Class names to place, a subset of :func:`fiber_classes`; their shares are renormalised.
    buffer_um : float, optional
        Least distance inside the perineurium (default 5 um).
    seed : int, optional
        Default the nerve's seed. Same seed, same population.
    n_nodes : int, or mapping of class name to an int or a function of the diameter (um)
        Nodes (compartments for unmyelinated models) per fiber: one count, or per class.
    models : mapping of class name to model name, optional
        Registered fiber models replacing a class's shipped model (e.g. ``{"C": "tigerholm"}``).
    diameter_step_um : float, optional
        Round every drawn diameter to this grid (kept inside the class band), so that fibers
        share cable geometries and a threshold search batches them; default: no rounding.

    Raises
    ------
    InputError
        Unknown class, a count below 1, a buffer that leaves no room in a fascicle.
    """
    known = fiber_classes()
    for name in classes:
        if name not in known:
            raise InputError("classes", name, f"one of {', '.join(known)}")
    if not classes:
        raise InputError("classes", "()", f"give at least one of {', '.join(known)}")
    defaults = population_defaults()
    counts = per_class_per_fascicle
    if counts is None:
        counts = [int(n) for n in defaults["per_class_per_fascicle"][0]]
        counts = [counts[list(known).index(name)] for name in classes]
    elif isinstance(counts, int):
        counts = [counts] * len(classes)
    counts = list(counts)
    if len(counts) != len(classes) or any(
        isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in counts
    ):
        raise InputError(
            "per_class_per_fascicle", counts, f"one integer >= 1 per class ({len(classes)})"
        )
    buffer = float(defaults["buffer_um"][0] if buffer_um is None else buffer_um)
    chosen = dict(models or {})
    for name, model_name in chosen.items():
        if name not in known:
            raise InputError("models", name, f"a class of {', '.join(known)}")
        fiber_model(model_name)
        known[name] = dataclasses.replace(known[name], model=model_name)
    nodes = dict.fromkeys(classes, n_nodes) if isinstance(n_nodes, int) else dict(n_nodes)
    if set(nodes) != set(classes) or any(not callable(v) and int(v) < 3 for v in nodes.values()):
        raise InputError("n_nodes", n_nodes, f"an integer >= 3, or one per class of {classes}")
    if diameter_step_um is not None and not (0 < diameter_step_um <= 1.0):
        raise InputError("diameter_step_um", diameter_step_um, "(0, 1] um")
    rng = np.random.default_rng(nerve.seed if seed is None else seed)
    share_sum = sum(known[name].share for name in classes)
    areas = np.array([f.area_mm2 for f in nerve.fascicles])
    area_share = areas / areas.sum()
    xs: list[NDArray[np.float64]] = []
    ys: list[NDArray[np.float64]] = []
    ds: list[NDArray[np.float64]] = []
    ws: list[NDArray[np.float64]] = []
    fasc: list[NDArray[np.int64]] = []
    per_fiber_model: list[str] = []
    per_fiber_nodes: list[int] = []
    cls: list[str] = []
    for i, f in enumerate(nerve.fascicles):
        if min(f.major_um, f.minor_um) / 2.0 <= buffer:
            raise InputError("buffer_um", buffer, f"less than the half minor axis of fascicle {i}")
        for name, n in zip(classes, counts, strict=True):
            c = known[name]
            lo, hi = _model_band(c)
            d_draw = truncated_normal(rng, c.mean_um, c.sd_um, lo, hi, n)
            if diameter_step_um is not None:
                step = float(diameter_step_um)
                grid = np.round(d_draw / step) * step
                d_draw = np.clip(grid, np.ceil(lo / step - 1e-9) * step,
                                 np.floor(hi / step + 1e-9) * step)  # fmt: skip
            ds.append(d_draw)
            p = _points_in(rng, f, buffer, n)
            xs.append(p[:, 0])
            ys.append(p[:, 1])
            ws.append(np.full(n, c.share / share_sum * area_share[i] / n))
            per_fiber_model += [c.model] * n
            count_of = nodes[name]
            per_fiber_nodes += [
                int(count_of(float(di))) if callable(count_of) else int(count_of) for di in ds[-1]
            ]
            fasc.append(np.full(n, i, np.int64))
            cls += [name] * n
    d = np.concatenate(ds)
    spacing_mm = np.array(
        [
            fiber_model(m).node_spacing_um(float(di))
            for m, di in zip(per_fiber_model, d, strict=True)
        ]
    )
    offset_mm = rng.uniform(-0.5, 0.5, d.size) * spacing_mm * UM_TO_MM
    x, y, w = np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)
    count = np.array(per_fiber_nodes)
    parts = []
    for n_class in dict.fromkeys(per_fiber_nodes):
        sel = np.flatnonzero(count == n_class)
        parts.append((sel, straight_fibers(
            x[sel], y[sel], d[sel], node_offset_mm=offset_mm[sel], n_nodes=n_class,
            weight=np.full(sel.size, 1.0 / sel.size), model=[per_fiber_model[i] for i in sel],
        )))  # fmt: skip
    population = _merge(parts, d.size, w / w.sum(), per_fiber_model)
    return NerveFibers(population, np.concatenate(fasc), tuple(cls), x, y)


def _merge(
    parts: list[tuple[NDArray[np.int64], FiberPopulation]],
    n: int,
    weight: NDArray[np.float64],
    models: list[str],
) -> FiberPopulation:
    """One population, in fiber order, from populations built per node count."""
    vertices: list[Any] = [None] * n
    diameter, start, count = np.zeros(n), np.zeros(n), np.zeros(n, np.int64)
    for sel, p in parts:
        diameter[sel], start[sel], count[sel] = p.diameter_um, p.start_arc_mm, p.n_nodes
        for j, i in enumerate(sel):
            vertices[int(i)] = p.vertices_mm[j]
    return FiberPopulation.from_polylines(
        vertices, diameter, start_arc_mm=start, n_nodes=count, weight=weight, model=models
    )


def _points_in(rng: np.random.Generator, f: Any, buffer_um: float, n: int) -> NDArray[np.float64]:
    """``n`` points uniform in the fascicle's endoneurium shrunk by ``buffer_um``, (n, 2) mm."""
    reach = f.major_um / 2.0 * UM_TO_MM
    out = np.zeros((0, 2))
    while out.shape[0] < n:
        p = rng.uniform(-reach, reach, (4 * n, 2)) + np.array([f.x_mm, f.y_mm])
        out = np.vstack([out, p[f.contains_mm(p, extra_um=buffer_um, inner=True)]])
    return out[:n]


__all__ = [
    "FiberClass",
    "NerveFibers",
    "fiber_classes",
    "nerve_fibers",
    "population_defaults",
    "truncated_normal",
]
