"""Compartment geometry and electrical coefficients of a cable, and placement along 3-D paths.

A fiber is a chain of sections, each one compartment (NEURON ``nseg = 1``) with its state at the
section midpoint [fiber-models.md section 1]; a branched cell is a tree of them (``parent``,
numbered parents first: ``tree.py``). ``CableGeometry`` holds everything the solver needs
in solver units: um, ms, mV, nA, uS, nF (nF/ms = uS).

Compartment quantities (section i, NEURON diameter d_i, length L_i) [fiber-models.md section 3]:
area A_i = pi d_i L_i; C_i = cm_i A_i; leak G_i = g_i A_i; half-resistance
r_i = Ra_i (L_i/2)/(pi d_i^2/4); periaxonal half-resistance p_i = xraxial_i L_i/2; myelin
G_my,i = xg_i A_i, C_my,i = xc_i A_i; neighbours couple through G_a = 1/(r_i + r_j) and
G_p = 1/(p_i + p_j), link i - 1 joining section i to its parent (i - 1 in a chain).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.fibers.channels import MRGNodeChannels, SundtChannels, channel_names
from neurostim.fibers.slow_channels import SundtSlowChannels
from neurostim.fibers.tigerholm_channels import TigerholmChannels
from neurostim.fibers.tree import chain_parent, check_topology, is_chain
from neurostim.units import (
    MOHM_TO_OHM,
    SIEMENS_TO_MICROSIEMENS,
    UF_TO_NF,
    UM2_TO_CM2,
    UM_TO_CM,
)


@dataclass(frozen=True)
class CableGeometry:
    """Per-section coefficients of one fiber, in solver units.

    Attributes
    ----------
    model : str
        ``"mrg"``, ``"sundt"``, ``"sundt_slow"`` or ``"tigerholm"`` (selects the kinetics).
    kind : tuple of str, length n_sections
        Section type (``"node"``, ``"mysa"``, ``"flut"``, ``"stin"``, ``"end"``).
    length_um, arc_um : ndarray of shape (n_sections,)
        Section length and arc-length position of its centre along the fiber.
    capacitance_nf, g_leak_us, e_leak_mv : ndarray of shape (n_sections,)
        Membrane capacitance, passive leak conductance and its reversal (0 at active nodes,
        whose leak is part of the channel set).
    g_axial_us, g_periaxonal_us : ndarray of shape (n_sections - 1,)
        Intracellular and periaxonal coupling of neighbours: entry i - 1 joins section i to
        its parent (``parents``).
    g_myelin_us, c_myelin_nf : ndarray of shape (n_sections,)
        Myelin conductance and capacitance (0 where the periaxonal layer is tied to the bath).
    u_fixed : ndarray of bool, shape (n_sections,)
        True where the periaxonal potential equals the applied potential (nodes, all of Sundt).
    active_sections : ndarray of int, shape (n_active,)
        Sections with voltage-gated channels.
    active_area_cm2 : ndarray of shape (n_active,)
        Membrane area of those sections.
    node_sections : ndarray of int, shape (n_nodes,)
        Sections that are nodes (where APs are detected).
    channel_params : MRGNodeChannels or SundtChannels
        Named channel parameters at ``temperature_c`` (``channels.py``); their type selects the
        kinetics in the kernels.
    v_rest_mv : float
    temperature_c : float
    diameter_um : float
    parent : ndarray of int, shape (n_sections,), or None
        Parent of each section (-1 for the root), numbered parents first (``tree.py``); None
        for a straight chain (parent i - 1).
    named_sections : dict of str to int
        Sections by name (``"soma"``, ``"t_junction"``, ...), for reading results.
    detection : int or None
        Index into ``node_sections`` of the AP detection node; None for int(0.9 (n_nodes - 1)).
    channel_scale : ndarray of shape (n_active, n_channels), or None
        Factor on each channel's conductance density in each active section, columns in the
        order of ``channels.channel_names(model)`` (MRG: naf, nap, ks; Sundt: na, k): e.g. a
        soma with MRG node kinetics and Na at 300/2000 of the node's. None: every factor 1
        (``channel_scales``), the uniform fiber, bit for bit.
    """

    model: str
    kind: tuple[str, ...]
    length_um: NDArray[np.float64]
    arc_um: NDArray[np.float64]
    capacitance_nf: NDArray[np.float64]
    g_leak_us: NDArray[np.float64]
    e_leak_mv: NDArray[np.float64]
    g_axial_us: NDArray[np.float64]
    g_periaxonal_us: NDArray[np.float64]
    g_myelin_us: NDArray[np.float64]
    c_myelin_nf: NDArray[np.float64]
    u_fixed: NDArray[np.bool_]
    active_sections: NDArray[np.int64]
    active_area_cm2: NDArray[np.float64]
    node_sections: NDArray[np.int64]
    channel_params: MRGNodeChannels | SundtChannels | SundtSlowChannels | TigerholmChannels
    v_rest_mv: float
    temperature_c: float
    diameter_um: float
    extra: dict = field(default_factory=dict)
    parent: NDArray[np.int64] | None = None
    named_sections: dict[str, int] = field(default_factory=dict)
    detection: int | None = None
    channel_scale: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        if self.channel_scale is not None:
            shape = (self.active_sections.size, len(channel_names(self.model)))
            scale = np.ascontiguousarray(self.channel_scale, dtype=np.float64)
            if scale.shape != shape or not np.all(np.isfinite(scale)) or np.any(scale < 0):
                raise InputError(
                    "channel_scale", getattr(scale, "shape", scale),
                    f"must be finite factors >= 0 of shape (n_active, n_channels) = {shape}",
                )  # fmt: skip
            object.__setattr__(self, "channel_scale", scale)
        if self.parent is not None:
            check_topology(self.parent, self.u_fixed)
        if self.detection is not None and not 0 <= self.detection < self.n_nodes:
            raise InputError("detection", self.detection, f"must index one of {self.n_nodes} nodes")

    @property
    def channel_scales(self) -> NDArray[np.float64]:
        """``channel_scale``, or ones, shape (n_active, n_channels) (C-contiguous)."""
        if self.channel_scale is not None:
            return self.channel_scale
        return np.ones((self.active_sections.size, len(channel_names(self.model))))

    @property
    def parents(self) -> NDArray[np.int64]:
        """Parent of each section, (n_sections,); -1 for the root (a chain: i - 1)."""
        return chain_parent(self.n_sections) if self.parent is None else self.parent

    @property
    def is_chain(self) -> bool:
        return self.parent is None or is_chain(self.parent)

    def node_index(self, name: str) -> int:
        """Index into ``node_sections`` (the columns of the detector outputs) of a named node."""
        sec = self.named_sections.get(name, -1)
        where = np.flatnonzero(self.node_sections == sec)
        if where.size == 0:
            raise InputError("name", name, f"one of the named nodes {sorted(self.named_sections)}")
        return int(where[0])

    @property
    def n_sections(self) -> int:
        return int(self.length_um.size)

    @property
    def n_nodes(self) -> int:
        return int(self.node_sections.size)

    @property
    def detection_node(self) -> int:
        """Index (into the node list) of the AP detection node: ``detection`` if set, else
        int(0.9 (n_nodes - 1))."""
        if self.detection is not None:
            return self.detection
        return int(0.9 * (self.n_nodes - 1))

    @property
    def center_node(self) -> int:
        """Index of the middle node, (n_nodes - 1) // 2."""
        return (self.n_nodes - 1) // 2

    @property
    def node_arc_um(self) -> NDArray[np.float64]:
        return self.arc_um[self.node_sections]

    @property
    def active_g_us(self) -> NDArray[np.float64]:
        """Conductance (uS) of 1 S/cm2 over each active section's membrane, (n_active,)."""
        return self.active_area_cm2 * SIEMENS_TO_MICROSIEMENS


def section_coefficients(
    diameter_um: NDArray[np.float64],
    length_um: NDArray[np.float64],
    ra_ohm_cm: NDArray[np.float64],
    cm_uf_per_cm2: NDArray[np.float64],
    xraxial_mohm_per_cm: NDArray[np.float64],
    xg_s_per_cm2: NDArray[np.float64],
    xc_uf_per_cm2: NDArray[np.float64],
    parent: NDArray[np.int64] | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Compartment capacitances and couplings from NEURON section properties.

    All inputs have shape (n_sections,); ``parent`` (default: a chain) joins section i to
    ``parent[i]`` through link i - 1. Returns area_cm2, capacitance_nf, g_axial_us,
    g_periaxonal_us (n_sections - 1), g_myelin_us, c_myelin_nf.
    """
    p = chain_parent(np.size(length_um)) if parent is None else np.asarray(parent)
    area_cm2 = np.pi * diameter_um * length_um * UM2_TO_CM2
    half_r_mohm, half_p_mohm = half_resistances_mohm(
        diameter_um, length_um, ra_ohm_cm, xraxial_mohm_per_cm
    )
    return {
        "area_cm2": area_cm2,
        "capacitance_nf": cm_uf_per_cm2 * area_cm2 * UF_TO_NF,
        "g_axial_us": 1.0 / (half_r_mohm[p[1:]] + half_r_mohm[1:]),
        "g_periaxonal_us": 1.0 / (half_p_mohm[p[1:]] + half_p_mohm[1:]),
        "g_myelin_us": xg_s_per_cm2 * area_cm2 * SIEMENS_TO_MICROSIEMENS,
        "c_myelin_nf": xc_uf_per_cm2 * area_cm2 * UF_TO_NF,
    }


def half_resistances_mohm(
    diameter_um: Any, length_um: Any, ra_ohm_cm: Any, xraxial_mohm_per_cm: Any
) -> tuple[Any, Any]:
    """Intracellular and periaxonal resistance (MOhm) from a section's centre to its end:
    r = Ra (L/2)/(pi d^2/4) and p = xraxial L/2 (floats or arrays of shape (n_sections,))."""
    half_r = (
        ra_ohm_cm * (0.5 * length_um * UM_TO_CM) / (np.pi * (diameter_um * UM_TO_CM) ** 2 / 4.0)
    )
    return half_r / MOHM_TO_OHM, xraxial_mohm_per_cm * 0.5 * length_um * UM_TO_CM


def n_nodes_from(n_nodes: int | None, length_um: float | None, spacing_um: float) -> int:
    """Node count from ``n_nodes`` or a fiber length; made odd (``enforce_odd_nodecount``)."""
    if n_nodes is None:
        if length_um is None:
            raise InputError("n_nodes", None, "give n_nodes or length_um")
        n_nodes = int(np.floor(length_um / spacing_um)) + 1
    if int(n_nodes) != n_nodes or n_nodes < 5:
        raise InputError("n_nodes", n_nodes, "must be an integer >= 5")
    n = int(n_nodes)
    return n - 1 if n % 2 == 0 else n


def bare_cable_geometry(
    *,
    model: str,
    kind: tuple[str, ...],
    diameter_um: float,
    spacing_um: float,
    ra_ohm_cm: NDArray[np.float64],
    cm_uf_per_cm2: NDArray[np.float64],
    g_pas_s_per_cm2: NDArray[np.float64],
    e_pas_mv: NDArray[np.float64],
    active_sections: NDArray[np.int64],
    channel_params: Any,
    v_rest_mv: float,
    temperature_c: float,
) -> CableGeometry:
    """A straight unmyelinated fiber: ``len(kind)`` compartments of ``spacing_um`` and one
    diameter, every membrane in the bath (no periaxonal layer, no myelin), APs detected at
    every compartment; section properties of shape (n_sections,) as NEURON's."""
    n = len(kind)
    diam = np.full(n, float(diameter_um))
    length = np.full(n, float(spacing_um))
    zeros = np.zeros(n)
    co = section_coefficients(diam, length, ra_ohm_cm, cm_uf_per_cm2, np.ones(n), zeros, zeros)
    return CableGeometry(
        model=model,
        kind=kind,
        length_um=length,
        arc_um=np.cumsum(length) - 0.5 * length,
        capacitance_nf=co["capacitance_nf"],
        g_leak_us=g_pas_s_per_cm2 * co["area_cm2"] * SIEMENS_TO_MICROSIEMENS,
        e_leak_mv=np.asarray(e_pas_mv, dtype=np.float64),
        g_axial_us=co["g_axial_us"],
        g_periaxonal_us=np.zeros(n - 1),
        g_myelin_us=zeros,
        c_myelin_nf=zeros.copy(),
        u_fixed=np.ones(n, dtype=bool),
        active_sections=active_sections,
        active_area_cm2=co["area_cm2"][active_sections],
        node_sections=np.arange(n, dtype=np.int64),
        channel_params=channel_params,
        v_rest_mv=float(v_rest_mv),
        temperature_c=float(temperature_c),
        diameter_um=float(diameter_um),
        extra={"node_spacing_um": float(spacing_um)},
    )


def points_along_polyline(
    vertices_mm: NDArray[np.float64], arc_mm: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Points at given arc lengths along a 3-D polyline.

    Parameters
    ----------
    vertices_mm : ndarray of shape (n_vertices, 3)
        The polyline, n_vertices >= 2, consecutive vertices distinct.
    arc_mm : ndarray of shape (n_points,)
        Arc lengths from the first vertex, within [0, total length].

    Returns
    -------
    ndarray of shape (n_points, 3)
    """
    p = np.asarray(vertices_mm, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 3 or p.shape[0] < 2:
        raise InputError("vertices_mm", p.shape, "must have shape (n_vertices >= 2, 3)")
    seg = np.linalg.norm(np.diff(p, axis=0), axis=1)
    if np.any(seg <= 0.0):
        raise InputError("vertices_mm", "repeated vertex", "consecutive vertices must differ")
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    s = np.asarray(arc_mm, dtype=np.float64)
    if np.any(s < -1e-12) or np.any(s > cum[-1] * (1 + 1e-12) + 1e-12):
        raise InputError(
            "arc_mm", f"[{s.min():g}, {s.max():g}]", f"must lie within [0, {cum[-1]:g}] mm"
        )
    k = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, seg.size - 1)
    frac = (s - cum[k]) / seg[k]
    return p[k] + frac[:, None] * (p[k + 1] - p[k])


__all__ = [
    "CableGeometry",
    "half_resistances_mohm",
    "n_nodes_from",
    "points_along_polyline",
    "section_coefficients",
]
