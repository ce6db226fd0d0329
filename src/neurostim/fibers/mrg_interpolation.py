"""MRG with geometry interpolated for any diameter (ASCENT / PyFibers ``MRG_INTERPOLATION``).

The MRG double cable of :mod:`neurostim.fibers.mrg` (same sections, electrical parameters, node
channels and passive end nodes) with its period geometry from quadratic fits against the fiber
diameter D (um) [ASC: Musselman et al. 2021, ASCENT v1.4.0], coefficients in
data/mrg_interpolation.toml:

=====================================  ==============================================
quantity (um)                          relation
=====================================  ==============================================
node spacing, D >= 5.643               -8.215 D^2 + 272.4 D - 780.2
node spacing, D < 5.643                81.08 D + 37.84
FLUT length                            -0.1652 D^2 + 6.354 D - 0.2862
node = MYSA diameter                   0.01093 D^2 + 0.1008 D + 1.099
axon = FLUT = STIN diameter            0.02361 D^2 + 0.3673 D + 0.7122
lamellae (real, not rounded)           -0.4749 D^2 + 16.85 D - 0.7648
node, MYSA length                      1, 3 (MRG)
STIN length                            (spacing - 1 - 2 * 3 - 2 FLUT)/6
=====================================  ==============================================

The two node-spacing branches meet at 5.643 um (495.4 um, continuous to 0.01 um). Diameters
2-16 um are accepted (``diameter_range`` of the data file); the separate small-fiber variant
that ASCENT fits for 1.011-16 um is not included (its formulas are not in the reference
specification), so Adelta fibers below 2 um have no myelinated model here yet.

At the nine table diameters the fits differ from McIntyre's Table 1 (node spacing up to 3.2 %,
node diameter 6.8 %, axon diameter 5.1 %, lamellae 3.1 %, FLUT length 12.7 %), which moves
thresholds by up to 1.5 % and conduction velocity by up to 2.8 % (docs/fibers.md,
benchmarks/mrg_interpolation.py).

Validation against NEURON running the same geometry (tests/compare/test_neuron_mrg_interpolation.py,
``-m neuron``; shipped tables tests/reference/data/mrg_interpolation_thresholds.csv and
mrg_interpolation_cv.csv): thresholds within 0.004 % (searched to 0.01 %), node traces within
4e-7 mV, velocities within 1e-9 at 2-16 um.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

import numpy as np

from neurostim.errors import InputError
from neurostim.fibers.geometry import CableGeometry
from neurostim.fibers.models import CVProtocol, FiberModel, register_fiber_model
from neurostim.fibers.mrg import mrg_cable

NAME = "mrg-interpolation"


@functools.cache
def mrg_interpolation_parameters() -> dict[str, Any]:
    """The fits (data/mrg_interpolation.toml) as a dict."""
    text = resources.files("neurostim.fibers").joinpath("data/mrg_interpolation.toml").read_text()
    return tomllib.loads(text)


def mrg_interpolation_range_um() -> tuple[float, float]:
    """(min, max) fiber diameter (um) accepted by the interpolated geometry."""
    r = mrg_interpolation_parameters()["diameter_range"]
    return float(r["min_um"]), float(r["max_um"])


def _check_diameter(diameter_um: float) -> None:
    lo, hi = mrg_interpolation_range_um()
    if not (np.isfinite(diameter_um) and lo <= diameter_um <= hi):
        raise InputError(
            "diameter_um",
            diameter_um,
            f"must lie in {lo:g}-{hi:g} um for {NAME} (the range of the ASCENT fits)",
        )


def _poly(coefficients: list[float], d: float) -> float:
    c2, c1, c0 = coefficients
    return float(c2 * d * d + c1 * d + c0)


def mrg_interpolation_row(diameter_um: float) -> dict[str, float]:
    """Period geometry at ``diameter_um`` (keys of a data/mrg.toml [[diameters]] row).

    Returns fiber_diameter_um, node_spacing_um, lamellae (a real number), node_diameter_um,
    axon_diameter_um and flut_length_um, all in um except lamellae.
    """
    d = float(diameter_um)
    _check_diameter(d)
    p = mrg_interpolation_parameters()
    spacing = p["node_spacing_um"]
    key = "coefficients" if d >= spacing["switch_diameter_um"] else "small_coefficients"
    return {
        "fiber_diameter_um": d,
        "node_spacing_um": _poly(spacing[key], d),
        "lamellae": _poly(p["lamellae"]["coefficients"], d),
        "node_diameter_um": _poly(p["node_diameter_um"]["coefficients"], d),
        "axon_diameter_um": _poly(p["axon_diameter_um"]["coefficients"], d),
        "flut_length_um": _poly(p["flut_length_um"]["coefficients"], d),
    }


def mrg_interpolation_geometry(
    diameter_um: float,
    n_nodes: int | None = 41,
    temperature_c: float = 37.0,
    *,
    length_um: float | None = None,
) -> CableGeometry:
    """The interpolated MRG cable of ``n_nodes`` nodes (or of length ``length_um`` when
    ``n_nodes`` is None), 11 (n_nodes - 1) + 1 sections. InputError outside 2-16 um."""
    row = mrg_interpolation_row(diameter_um)
    return mrg_cable(row, n_nodes, temperature_c, length_um=length_um, geometry_source=NAME)


register_fiber_model(
    FiberModel(
        name=NAME,
        build=lambda d, n, t: mrg_interpolation_geometry(d, n, t),
        check_diameter=_check_diameter,
        node_spacing_um=lambda d: mrg_interpolation_row(d)["node_spacing_um"],
        n_nodes=41,
        n_nodes_anodic=61,
        dt_ms=0.005,
        tstop_ms=5.0,
        cv=CVProtocol(
            n_nodes=41, dt_ms=0.005, tstop_ms=5.0, stim_node=2, stim_na=10.0, interpolate=True
        ),
        description="MRG with geometry interpolated for any diameter in 2-16 um (ASCENT fits)",
    )
)

__all__ = [
    "mrg_interpolation_geometry",
    "mrg_interpolation_parameters",
    "mrg_interpolation_range_um",
    "mrg_interpolation_row",
]
