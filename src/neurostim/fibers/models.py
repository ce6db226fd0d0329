"""The fiber models by name: one registry that cases, populations, the pipeline and the CLI use.

A fiber model is a module that builds a :class:`CableGeometry` and registers itself here with
:func:`register_fiber_model`; nothing else changes to add one. Each :class:`FiberModel` names
its geometry builder, the diameters it accepts, its node spacing (for placing fibers and for
lengths), and the protocol defaults a case or a conduction-velocity run takes when it leaves
them out. Built in (registered on first use):

=====================  ===============================  ========================================
name                   module                           diameters
=====================  ===============================  ========================================
``mrg``                ``mrg`` (MRG, Table 1)           5.7, 7.3, 8.7, 10, 11.5, 12.8, 14, 15, 16
``mrg-interpolation``  ``mrg_interpolation``            any in 2-16 um (ASCENT fits)
``sundt``              ``sundt`` (C fiber)              0.05-5 um
=====================  ===============================  ========================================
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.fibers.geometry import CableGeometry, points_along_polyline
from neurostim.units import UM_TO_MM

BUILTIN_MODULES = ("mrg", "mrg_interpolation", "sundt", "tigerholm")
"""Modules of ``neurostim.fibers`` that register the built-in models when imported."""


@dataclass(frozen=True)
class CVProtocol:
    """How ``neurostim fiber cv`` measures a model's conduction velocity (velocity.py)."""

    n_nodes: int
    dt_ms: float
    tstop_ms: float
    stim_node: int
    stim_na: float
    interpolate: bool


@dataclass(frozen=True)
class FiberModel:
    """A registered fiber model.

    Attributes
    ----------
    name : str
        The name used in case files (``model`` column), populations and the CLI.
    build : callable (diameter_um, n_nodes, temperature_c) -> CableGeometry
        The geometry builder; ``n_nodes`` is made odd.
    check_diameter : callable (diameter_um) -> None
        Raises InputError("diameter_um", value, allowed) for a diameter the model lacks.
    node_spacing_um : callable (diameter_um) -> float
        Node-to-node distance (um); a compartment length for unmyelinated models.
    n_nodes, n_nodes_anodic, dt_ms, tstop_ms : protocol defaults of a threshold case.
    cv : CVProtocol
        Defaults of a conduction-velocity run.
    description : str
    """

    name: str
    build: Callable[[float, int, float], CableGeometry]
    check_diameter: Callable[[float], None]
    node_spacing_um: Callable[[float], float]
    n_nodes: int
    n_nodes_anodic: int
    dt_ms: float
    tstop_ms: float
    cv: CVProtocol
    description: str = ""

    def geometry(
        self, diameter_um: float, n_nodes: int, temperature_c: float = 37.0
    ) -> CableGeometry:
        """The checked cable: ``check_diameter`` then ``build``."""
        self.check_diameter(float(diameter_um))
        return self.build(float(diameter_um), int(n_nodes), float(temperature_c))


_REGISTRY: dict[str, FiberModel] = {}


def register_fiber_model(model: FiberModel) -> None:
    """Register ``model`` under ``model.name`` (a later registration replaces an earlier one)."""
    if not model.name or not model.name.replace("-", "").isalnum():
        raise InputError("name", model.name, "must be letters, digits and '-'")
    _REGISTRY[model.name] = model


def _load_builtins() -> None:
    for module in BUILTIN_MODULES:
        importlib.import_module(f"neurostim.fibers.{module}")


def fiber_model_names() -> tuple[str, ...]:
    """Names of the registered fiber models, sorted."""
    _load_builtins()
    return tuple(sorted(_REGISTRY))


def fiber_model(name: str) -> FiberModel:
    """The registered model ``name``; InputError("model", ...) naming the choices otherwise."""
    _load_builtins()
    if name not in _REGISTRY:
        raise InputError("model", name, f"must be one of {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


@dataclass(frozen=True)
class Fiber:
    """One fiber of a registered model, straight or along a 3-D polyline.

    Parameters
    ----------
    model : str
        A name of :func:`fiber_model_names`.
    diameter_um : float
    n_nodes : int
        Nodes (compartments for unmyelinated models), made odd.
    temperature_c : float
    """

    model: str
    diameter_um: float
    n_nodes: int = 41
    temperature_c: float = 37.0

    @property
    def geometry(self) -> CableGeometry:
        return fiber_model(self.model).geometry(self.diameter_um, self.n_nodes, self.temperature_c)

    def section_points_mm(
        self, vertices_mm: NDArray[np.float64] | None = None, start_arc_mm: float = 0.0
    ) -> NDArray[np.float64]:
        """Section centres in space, shape (n_sections, 3): along +z from the origin, or by
        arc length along ``vertices_mm`` (n_vertices, 3) from ``start_arc_mm``."""
        arc_mm = self.geometry.arc_um * UM_TO_MM + start_arc_mm
        if vertices_mm is None:
            return np.column_stack([np.zeros_like(arc_mm), np.zeros_like(arc_mm), arc_mm])
        return points_along_polyline(vertices_mm, arc_mm)


__all__ = [
    "BUILTIN_MODULES",
    "CVProtocol",
    "Fiber",
    "FiberModel",
    "fiber_model",
    "fiber_model_names",
    "register_fiber_model",
]
