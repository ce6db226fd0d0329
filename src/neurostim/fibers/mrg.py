"""MRG double-cable myelinated axon (McIntyre, Richardson & Grill 2002) as PyFibers builds it.

Reproduces PyFibers 0.13.0 ``MRG_DISCRETE`` on NEURON 9.0.2 (the reference of
docs/reference/PROTOCOL.md): nine fiber diameters 5.7-16 um (data/mrg.toml, [MRG] Table 1),
one compartment per section, the period node, MYSA, FLUT, STIN x6, FLUT, MYSA, a periaxonal
layer (NEURON ``extracellular`` xraxial/xg/xc) under a finite-impedance myelin, and one passive
end node per side (Ra = 1e10 ohm cm, which seals the axon at the neighbouring MYSA).

Section properties [fiber-models.md section 3] (D fiber, d_n node, d_a axon diameter, nl
lamellae, Rp(d, delta) = rho_a/(pi((d/2 + delta)^2 - (d/2)^2))):

=========  ======  =============  =========  ===============  ============  ===========  ==========
section    diam    Ra (ohm cm)    cm         g_pas, e_pas     xraxial       xg           xc
=========  ======  =============  =========  ===============  ============  ===========  ==========
node       d_n     70             2          channels         Rp(d_n, .002) 1e10 (U=E)   0
MYSA       D       70 (D/d_n)^2   2 d_n/D    0.001 d_n/D, -80 Rp(d_n, .002) 0.001/2nl    0.1/2nl
FLUT,STIN  D       70 (D/d_a)^2   2 d_a/D    1e-4 d_a/D, -80  Rp(d_a, .004) 0.001/2nl    0.1/2nl
end node   d_n     1e10           1          1e-4, -80        Rp(d_n, .002) 1e10 (U=E)   0
=========  ======  =============  =========  ===============  ============  ===========  ==========

Validation (tests/reference/test_mrg_*.py): resting potentials, CV (mrg_cv.csv, within 3 %) and
thresholds (mrg_thresholds.csv, within 2 %, median within 0.5 %) against NEURON.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.fibers.channels import MRGNodeChannels
from neurostim.fibers.geometry import (
    CableGeometry,
    n_nodes_from,
    points_along_polyline,
    section_coefficients,
)
from neurostim.fibers.models import CVProtocol, FiberModel, register_fiber_model
from neurostim.units import MOHM_TO_OHM, SIEMENS_TO_MICROSIEMENS, UM2_TO_CM2, UM_TO_MM

SECTIONS_PER_PERIOD = 11


@functools.cache
def mrg_parameters() -> dict[str, Any]:
    """The MRG parameter file (data/mrg.toml) as a dict."""
    text = resources.files("neurostim.fibers").joinpath("data/mrg.toml").read_text()
    return tomllib.loads(text)


def mrg_diameters_um() -> tuple[float, ...]:
    """The fiber diameters (um) with published MRG geometry."""
    return tuple(float(r["fiber_diameter_um"]) for r in mrg_parameters()["diameters"])


def _row(diameter_um: float) -> dict[str, Any]:
    for r in mrg_parameters()["diameters"]:
        if abs(r["fiber_diameter_um"] - diameter_um) < 1e-9:
            return r
    raise InputError(
        "diameter_um",
        diameter_um,
        f"MRG exists for {', '.join(f'{d:g}' for d in mrg_diameters_um())} um only "
        "(model mrg-interpolation takes any diameter in 2-16 um)",
    )


def _rp_mohm_per_cm(rho_ohm_cm: float, d_um: float, space_um: float) -> float:
    """Periaxonal resistance per length, rho/(pi((d/2 + space)^2 - (d/2)^2)) in MOhm/cm."""
    ring_um2 = np.pi * ((d_um / 2 + space_um) ** 2 - (d_um / 2) ** 2)
    return rho_ohm_cm / (ring_um2 * UM2_TO_CM2) / MOHM_TO_OHM


def mrg_geometry(diameter_um: float, n_nodes: int, temperature_c: float = 37.0) -> CableGeometry:
    """Build the MRG cable of ``n_nodes`` nodes (11 (n_nodes - 1) + 1 sections) at a diameter."""
    return mrg_cable(_row(float(diameter_um)), n_nodes, temperature_c)


def mrg_cable(
    row: Mapping[str, float],
    n_nodes: int | None,
    temperature_c: float = 37.0,
    *,
    length_um: float | None = None,
    geometry_source: str = "mrg-table",
) -> CableGeometry:
    """The MRG double cable of one period geometry, with MRG's electrical parameters.

    ``row`` has the keys of a [[diameters]] entry of data/mrg.toml: fiber_diameter_um,
    node_spacing_um, lamellae, node_diameter_um, axon_diameter_um, flut_length_um (a table
    row, or the interpolated geometry of ``mrg_interpolation``). ``n_nodes`` or ``length_um``
    sets the node count (made odd). ``geometry_source`` is kept in ``extra["geometry"]``.
    """
    p = mrg_parameters()
    c = p["constants"]
    end = p["passive_end_node"]
    ch = p["node_channels"]
    n = n_nodes_from(n_nodes, length_um, row["node_spacing_um"])
    big_d = row["fiber_diameter_um"]
    d_n = row["node_diameter_um"]
    d_a = row["axon_diameter_um"]
    l_flut = row["flut_length_um"]
    fixed_um = c["node_length_um"] + 2 * c["mysa_length_um"] + 2 * l_flut
    l_stin = (row["node_spacing_um"] - fixed_um) / 6
    if not l_stin > 0:
        raise InputError(
            "diameter_um", big_d, "gives no room for the STIN sections (node spacing too short)"
        )
    rho = c["rho_axial_ohm_cm"]
    xg_my = c["myelin_lamella_g_s_per_cm2"] / (2 * row["lamellae"])
    xc_my = c["myelin_lamella_c_uf_per_cm2"] / (2 * row["lamellae"])
    rp_n = _rp_mohm_per_cm(rho, d_n, c["space_node_um"])
    rp_a = _rp_mohm_per_cm(rho, d_a, c["space_internode_um"])
    cm = c["axolemma_cm_uf_per_cm2"]
    # (kind, diam, L, Ra, cm, g_pas, e_pas, xraxial, xg, xc)
    node = ("node", d_n, c["node_length_um"], rho, cm, ch["g_leak_s_per_cm2"], ch["e_leak_mv"],
            rp_n, 0.0, 0.0)  # fmt: skip
    mysa = ("mysa", big_d, c["mysa_length_um"], rho * (big_d / d_n) ** 2, cm * d_n / big_d,
            c["mysa_g_pas_s_per_cm2"] * d_n / big_d, c["e_pas_mv"], rp_n, xg_my, xc_my)  # fmt: skip
    g_in = c["internode_g_pas_s_per_cm2"] * d_a / big_d
    ra_in = rho * (big_d / d_a) ** 2
    flut = ("flut", big_d, l_flut, ra_in, cm * d_a / big_d, g_in, c["e_pas_mv"], rp_a, xg_my, xc_my)
    stin = ("stin", big_d, l_stin, ra_in, cm * d_a / big_d, g_in, c["e_pas_mv"], rp_a, xg_my, xc_my)
    endn = ("end", d_n, c["node_length_um"], end["ra_ohm_cm"], end["cm_uf_per_cm2"],
            end["g_pas_s_per_cm2"], c["v_rest_mv"], rp_n, 0.0, 0.0)  # fmt: skip
    period = [node, mysa, flut] + [stin] * 6 + [flut, mysa]
    secs = [endn, *period[1:]]
    for _ in range(n - 2):
        secs += period
    secs.append(endn)
    kind = tuple(s[0] for s in secs)
    a = np.array([s[1:] for s in secs], dtype=np.float64)
    diam, length, ra, cmv, g_pas, e_pas, xr, xg, xc = a.T
    co = section_coefficients(diam, length, ra, cmv, xr, xg, xc)
    is_node = np.array([k in ("node", "end") for k in kind])
    active = np.flatnonzero(np.array([k == "node" for k in kind]))
    t = float(temperature_c)
    return CableGeometry(
        model="mrg",
        kind=kind,
        length_um=length,
        arc_um=np.cumsum(length) - 0.5 * length,
        capacitance_nf=co["capacitance_nf"],
        g_leak_us=g_pas * co["area_cm2"] * SIEMENS_TO_MICROSIEMENS,
        e_leak_mv=e_pas,
        g_axial_us=co["g_axial_us"],
        g_periaxonal_us=co["g_periaxonal_us"],
        g_myelin_us=co["g_myelin_us"],
        c_myelin_nf=co["c_myelin_nf"],
        u_fixed=is_node,
        active_sections=active.astype(np.int64),
        active_area_cm2=co["area_cm2"][active],
        node_sections=np.flatnonzero(is_node).astype(np.int64),
        channel_params=MRGNodeChannels.from_data(ch, t),
        v_rest_mv=float(c["v_rest_mv"]),
        temperature_c=t,
        diameter_um=float(big_d),
        extra={
            "geometry": geometry_source,
            "node_spacing_um": row["node_spacing_um"],
            "xraxial_node": rp_n,
            "xraxial_internode": rp_a,
        },
    )


@dataclass(frozen=True)
class MRGFiber:
    """An MRG fiber of a published diameter, straight or along a 3-D polyline.

    Parameters
    ----------
    diameter_um : float
        One of ``mrg_diameters_um()``.
    n_nodes : int
        Number of nodes of Ranvier (made odd), default 41 as in the protocol.
    temperature_c : float
        Temperature of the node channels, default 37.
    """

    diameter_um: float
    n_nodes: int = 41
    temperature_c: float = 37.0

    @property
    def geometry(self) -> CableGeometry:
        return mrg_geometry(self.diameter_um, self.n_nodes, self.temperature_c)

    def section_points_mm(
        self, vertices_mm: NDArray[np.float64] | None = None, start_arc_mm: float = 0.0
    ) -> NDArray[np.float64]:
        """Section centres in space, shape (n_sections, 3).

        Straight along +z from the origin when ``vertices_mm`` is None; otherwise placed by arc
        length along the polyline ``vertices_mm`` (n_vertices, 3), starting ``start_arc_mm``
        from its first vertex.
        """
        arc_mm = self.geometry.arc_um * UM_TO_MM + start_arc_mm
        if vertices_mm is None:
            return np.column_stack([np.zeros_like(arc_mm), np.zeros_like(arc_mm), arc_mm])
        return points_along_polyline(vertices_mm, arc_mm)


def _check_diameter(diameter_um: float) -> None:
    _row(diameter_um)


register_fiber_model(
    FiberModel(
        name="mrg",
        build=mrg_geometry,
        check_diameter=_check_diameter,
        node_spacing_um=lambda d: float(_row(d)["node_spacing_um"]),
        n_nodes=41,
        n_nodes_anodic=61,
        dt_ms=0.005,
        tstop_ms=5.0,
        cv=CVProtocol(
            n_nodes=41, dt_ms=0.005, tstop_ms=5.0, stim_node=2, stim_na=10.0, interpolate=True
        ),
        description="MRG myelinated axon, the nine published diameters (McIntyre 2002 Table 1)",
    )
)

__all__ = ["MRGFiber", "mrg_cable", "mrg_diameters_um", "mrg_geometry", "mrg_parameters"]
