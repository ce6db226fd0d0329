"""Sundt unmyelinated C-fiber (Sundt, Gamper & Jaffe 2015) as PyFibers 0.13.0 ``SUNDT`` builds it.

A uniform cylinder of diameter D cut into compartments of 8.333 um, each a "node" with Na
(``nahh``, Traub-Miles form shifted for NaV1.7/1.8), delayed-rectifier K (``borgkdr``) and leak
(E_L = -60 mV, which leaves the fiber at rest at -59.93112 mV); Ra = 100 ohm cm, cm = 1 uF/cm2,
no myelin: the extracellular potential acts directly (U = E). One passive end compartment per
side (Ra = 1e10 ohm cm). Parameters: data/sundt.toml; kinetics: ``channels.equations`` (``sundt``).

Validation (tests/reference/test_sundt_reference.py): resting potential and gates, conduction
velocity and point-source thresholds against fiber-models.md section 10 (NEURON + PyFibers).
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from neurostim.errors import InputError
from neurostim.fibers.channels import SundtChannels
from neurostim.fibers.geometry import CableGeometry, bare_cable_geometry, n_nodes_from
from neurostim.fibers.models import CVProtocol, FiberModel, register_fiber_model


@functools.cache
def sundt_parameters() -> dict[str, Any]:
    """The Sundt parameter file (data/sundt.toml) as a dict."""
    text = resources.files("neurostim.fibers").joinpath("data/sundt.toml").read_text()
    return tomllib.loads(text)


def _check_diameter(diameter_um: float) -> None:
    if not (np.isfinite(diameter_um) and 0.05 <= diameter_um <= 5.0):
        raise InputError("diameter_um", diameter_um, "Sundt C-fiber diameter must lie in 0.05-5 um")


def sundt_geometry(
    diameter_um: float,
    n_nodes: int | None = None,
    length_um: float | None = None,
    temperature_c: float = 37.0,
) -> CableGeometry:
    """Build the Sundt cable of ``n_nodes`` compartments (or of length ``length_um``)."""
    p = sundt_parameters()
    c = p["constants"]
    end = p["passive_end_node"]
    ch = p["channels"]
    _check_diameter(diameter_um)
    dz = c["compartment_length_um"]
    n = n_nodes_from(n_nodes, length_um, dz)
    ra = np.full(n, c["ra_ohm_cm"])
    cm = np.full(n, c["cm_uf_per_cm2"])
    g_pas = np.full(n, ch["g_leak_s_per_cm2"])
    e_pas = np.full(n, ch["e_leak_mv"])
    ra[[0, -1]] = end["ra_ohm_cm"]
    cm[[0, -1]] = end["cm_uf_per_cm2"]
    g_pas[[0, -1]] = end["g_pas_s_per_cm2"]
    e_pas[[0, -1]] = c["v_rest_mv"]
    t = float(temperature_c)
    return bare_cable_geometry(
        model="sundt",
        kind=tuple(["end"] + ["node"] * (n - 2) + ["end"]),
        diameter_um=diameter_um,
        spacing_um=dz,
        ra_ohm_cm=ra,
        cm_uf_per_cm2=cm,
        g_pas_s_per_cm2=g_pas,
        e_pas_mv=e_pas,
        active_sections=np.arange(1, n - 1, dtype=np.int64),
        channel_params=SundtChannels.from_data(ch, t),
        v_rest_mv=float(c["v_rest_mv"]),
        temperature_c=t,
    )


@dataclass(frozen=True)
class SundtFiber:
    """A straight Sundt C-fiber of ``n_nodes`` compartments (made odd)."""

    diameter_um: float
    n_nodes: int = 265
    temperature_c: float = 37.0

    @property
    def geometry(self) -> CableGeometry:
        return sundt_geometry(self.diameter_um, self.n_nodes, temperature_c=self.temperature_c)


register_fiber_model(
    FiberModel(
        name="sundt",
        build=lambda d, n, t: sundt_geometry(d, n, temperature_c=t),
        check_diameter=_check_diameter,
        node_spacing_um=lambda d: float(sundt_parameters()["constants"]["compartment_length_um"]),
        n_nodes=265,
        n_nodes_anodic=265,
        dt_ms=0.001,
        tstop_ms=10.0,
        cv=CVProtocol(
            n_nodes=601, dt_ms=0.001, tstop_ms=30.0, stim_node=1, stim_na=2.0, interpolate=False
        ),
        description="Sundt unmyelinated C fiber (Sundt, Gamper & Jaffe 2015), 0.05-5 um",
    )
)

__all__ = ["SundtFiber", "sundt_geometry", "sundt_parameters"]
