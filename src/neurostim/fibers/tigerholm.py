"""Tigerholm C-nociceptor fiber (Tigerholm et al. 2014 [TI14]) as a straight uniform axon.

A uniform cylinder of diameter D cut into compartments of 8.333 um (PyFibers' ``TigerholmFiber``),
Ra = 35.4 ohm cm, cm = 1 uF/cm2, no myelin (the extracellular potential acts directly, U = E) and
no passive end compartments: every section carries the full channel set of
``tigerholm_channels`` (Nav1.7, Nav1.8, Nav1.9, Kdr, KM, KA, HCN, KNa, Na/K pump, Na and K
leak balanced at -55 mV, intra- and extracellular Na and K concentrations). Parameters:
data/tigerholm.toml.

=====================  =========================================================
quantity               value
=====================  =========================================================
compartment length     8.333 um
diameter               0.1-5 um (the file's ``diameter_*_um``)
resting potential      -55 mV (balanced, every section)
temperature            a case's (37 C by default; the mechanisms' own default is 32 C)
=====================  =========================================================

A fiber is given by its section count ``n_nodes`` (each section is a "node", made odd) or by
``length_um`` (floor(length/8.333) + 1 sections, made odd).

Validation against NEURON running mod files written from the same equations
(``compare/neuron_tigerholm.py``, tests/compare/test_neuron_tigerholm.py, ``-m neuron``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurostim.errors import InputError
from neurostim.fibers.geometry import CableGeometry, bare_cable_geometry, n_nodes_from
from neurostim.fibers.models import CVProtocol, FiberModel, register_fiber_model
from neurostim.fibers.tigerholm_channels import TigerholmChannels, tigerholm_parameters

NAME = "tigerholm"


def tigerholm_diameter_range_um() -> tuple[float, float]:
    """(min, max) fiber diameter (um) of the Tigerholm fiber."""
    c = tigerholm_parameters()["constants"]
    return float(c["diameter_min_um"]), float(c["diameter_max_um"])


def _check_diameter(diameter_um: float) -> None:
    lo, hi = tigerholm_diameter_range_um()
    if not (np.isfinite(diameter_um) and lo <= diameter_um <= hi):
        raise InputError(
            "diameter_um", diameter_um, f"Tigerholm C-fiber diameter must lie in {lo:g}-{hi:g} um"
        )


def tigerholm_geometry(
    diameter_um: float,
    n_nodes: int | None = None,
    length_um: float | None = None,
    temperature_c: float = 37.0,
) -> CableGeometry:
    """The Tigerholm cable of ``n_nodes`` sections (or of length ``length_um``), made odd."""
    p = tigerholm_parameters()
    c = p["constants"]
    _check_diameter(diameter_um)
    dz = float(c["compartment_length_um"])
    n = n_nodes_from(n_nodes, length_um, dz)
    t = float(temperature_c)
    v_rest = float(c["v_rest_mv"])
    return bare_cable_geometry(
        model=NAME,
        kind=("node",) * n,
        diameter_um=diameter_um,
        spacing_um=dz,
        ra_ohm_cm=np.full(n, c["ra_ohm_cm"]),
        cm_uf_per_cm2=np.full(n, c["cm_uf_per_cm2"]),
        g_pas_s_per_cm2=np.zeros(n),  # the leaks are channels of the model
        e_pas_mv=np.full(n, v_rest),
        active_sections=np.arange(n, dtype=np.int64),
        channel_params=TigerholmChannels.from_data(p, t, v_rest),
        v_rest_mv=v_rest,
        temperature_c=t,
    )


@dataclass(frozen=True)
class TigerholmFiber:
    """A straight Tigerholm C fiber of ``n_nodes`` sections (made odd)."""

    diameter_um: float
    n_nodes: int = 265
    temperature_c: float = 37.0

    @property
    def geometry(self) -> CableGeometry:
        return tigerholm_geometry(self.diameter_um, self.n_nodes, temperature_c=self.temperature_c)


register_fiber_model(
    FiberModel(
        name=NAME,
        build=lambda d, n, t: tigerholm_geometry(d, n, temperature_c=t),
        check_diameter=_check_diameter,
        node_spacing_um=lambda d: float(
            tigerholm_parameters()["constants"]["compartment_length_um"]
        ),
        n_nodes=265,
        n_nodes_anodic=265,
        dt_ms=0.001,
        tstop_ms=10.0,
        cv=CVProtocol(
            n_nodes=601, dt_ms=0.001, tstop_ms=30.0, stim_node=1, stim_na=2.0, interpolate=False
        ),
        description="Tigerholm C-nociceptor axon (Tigerholm et al. 2014), 0.1-5 um",
    )
)

__all__ = ["TigerholmFiber", "tigerholm_diameter_range_um", "tigerholm_geometry"]
