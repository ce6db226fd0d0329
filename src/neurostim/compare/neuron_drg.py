"""The pseudounipolar DRG C neuron in NEURON (the geometry of Sundt, Gamper & Jaffe 2015).

Built in NEURON from the same data file as ``neurostim.fibers.cells.c_neuron_geometry``
(data/drg_c_neuron.toml, the Sundt channels of data/sundt.toml), one NEURON section per
compartment (nseg = 1) as ``neuron_sundt`` builds the straight fiber: soma, stem, then both T
sections attached at the stem's 1 end (NEURON's zero-area junction node), and the peripheral and
central axons; ``pas`` + ``nssundtna`` + ``nssundtkdr`` in every section (the soma's Na at
its own density, 0.02 S/cm2), ``extracellular`` tied
to the bath (xg 1e10, xc 0) as in ``neuron_sundt``, the bath at 0, sealed ends. Initialisation
as every NEURON fiber here (200 ms of settling in 5 ms steps, ``_nrn_run``).

``neuron_c_neuron_response`` runs an intracellular pulse (IClamp, NEURON's own timing) at a
compartment and returns the traces and first AP times; tests/compare/test_neuron_drg.py holds
the tree solver to it.

``build_drg_neuron`` builds any cell of ``neurostim.drg.neuron_geometry`` (Aβ, Aδ, C) in NEURON
from the NEURON section properties the builder collected (``geometry.extra["section_table"]``:
diam, L, Ra, cm, leak, extracellular xraxial/xg/xc, parent, and the per-section channel density
factors): NEURON then does the discretisation (areas, half-resistances, the zero-area junction
at the T node's end, the extracellular layer) and the kinetics itself. MRG sections take
``nsmrgnode`` with ``gnafbar``, ``gnapbar``, ``gksbar`` scaled per section and the leak as its
``gl``/``erev_leak`` (the soma's -80 mV); Sundt sections ``pas`` + ``nssundtna`` +
``nssundtkdr`` with ``gnabar``/``gkbar`` scaled per section. ``channel_scale=False`` builds the
cell with every density at the node's (the fiber kernels before per-section densities).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.compare._mechanisms import load_mechanisms
from neurostim.compare._nrn_run import NrnFiber
from neurostim.fibers.cells import (
    c_neuron_geometry,
    c_neuron_parameters,
    mrg_t_junction_geometry,
)
from neurostim.fibers.geometry import CableGeometry
from neurostim.fibers.slow_channels import slow_parameters
from neurostim.fibers.sundt import sundt_parameters


def build_c_neuron(
    temperature_c: float = 37.0, axon_length_um: float | None = None, mechanisms: str = "na-k"
) -> tuple[NrnFiber, NDArray[np.int64], Any]:
    """The C neuron in NEURON, with the slow mechanisms of ``mechanisms`` (``cells``
    ``MECHANISM_SETS``) where ``c_neuron_geometry`` places them (``_insert_slow``).

    Returns the fiber (its sections in ``c_neuron_geometry``'s order, the junction left out:
    it is NEURON's zero-area node), the ``c_neuron_geometry`` index of each of its sections
    (n_sections - 1,), and the stem section whose 1 end is the junction.
    """
    h = load_mechanisms()
    g = c_neuron_geometry(temperature_c, axon_length_um, mechanisms)
    p = c_neuron_parameters()
    active = {int(s): j for j, s in enumerate(g.active_sections)}
    el = p["electrical"]
    ch = sundt_parameters()["channels"]
    junction = g.named_sections["t_junction"]
    diam = _diameters(g.kind)
    sections: dict[int, Any] = {}
    for i in range(g.n_sections):
        if i == junction:
            continue
        sec = h.Section(name=f"{g.kind[i]}{i}")
        sec.nseg = 1
        sec.L = float(g.length_um[i])
        sec.diam = diam[i]
        sec.Ra = el["ra_ohm_cm"]
        sec.cm = el["cm_uf_per_cm2"]
        sec.insert("extracellular")  # tied to the bath (xg 1e10), at 0 here
        sec.xg[0] = 1e10
        sec.xc[0] = 0.0
        sec.insert("pas")
        sec.g_pas = ch["g_leak_s_per_cm2"]
        sec.e_pas = ch["e_leak_mv"]
        sec.insert("nssundtna")
        sec.insert("nssundtkdr")
        if i == g.named_sections["soma"]:
            sec.gnabar_nssundtna = p["soma"]["g_na_s_per_cm2"]
        if g.model == "sundt_slow":
            _insert_slow(sec, g.channel_params, g.channel_scales[active[i]])
        parent = int(g.parents[i])
        if parent == junction:  # both T sections hang from the stem's 1 end
            parent = int(g.parents[junction])
        if parent >= 0:
            sec.connect(sections[parent](1), 0)
        sections[i] = sec
    order = sorted(sections)
    fiber = NrnFiber(h, [sections[i] for i in order], list(range(len(order))),
                     g.arc_um[order], float(sundt_parameters()["constants"]["v_rest_mv"]),
                     temperature_c)  # fmt: skip
    return fiber, np.array(order, np.int64), sections[int(g.parents[junction])]


def _insert_slow(sec: Any, prm: Any, scale: NDArray[np.float64]) -> None:
    """KCNQ, CaL, SK and the pump (``mod/nssundt*.mod``) in ``sec`` where ``scale`` (the
    section's row of ``channel_scale``: na, k, kcnq, cal, sk, pump) is not 0."""
    kcnq = slow_parameters()["kcnq"]
    _, _, s_kcnq, s_cal, s_sk, s_pump = (float(x) for x in scale)
    if s_kcnq > 0:
        sec.insert("nssundtkcnq")
        sec.gbar_nssundtkcnq = prm.g_kcnq_s_per_cm2 * s_kcnq
        sec.erev_k_nssundtkcnq = prm.e_k_mv
        sec.vshift_nssundtkcnq = prm.kcnq_vshift_mv
        sec.q10_nssundtkcnq = kcnq["q10"]
        sec.tref_nssundtkcnq = kcnq["t_ref_c"]
    if s_cal > 0:
        sec.insert("nssundtcal")
        sec.gbar_nssundtcal = prm.g_cal_s_per_cm2 * s_cal
        sec.erev_ca_nssundtcal = prm.e_ca_mv
    if s_sk > 0:
        sec.insert("nssundtsk")
        sec.gbar_nssundtsk = prm.g_sk_s_per_cm2 * s_sk
        sec.erev_k_nssundtsk = prm.e_k_mv
        sec.ca0_nssundtsk = prm.ca_rest_mm
        sec.tau_nssundtsk = prm.ca_tau_ms
        sec.b_nssundtsk = prm.sk_b_mm_cm2_per_ma_ms
        sec.f_nssundtsk = prm.sk_ca_fraction
    if s_pump > 0:
        sec.insert("nssundtpump")
        sec.imax_nssundtpump = prm.pump_max_ma_per_cm2 * s_pump
        sec.km_nssundtpump = prm.pump_km_mm
        sec.hill_nssundtpump = prm.pump_hill
        sec.nai0_nssundtpump = prm.na_i_rest_mm
        sec.flux_nssundtpump = prm.na_flux_mm_um_per_ms


def _diameters(kind: tuple[str, ...]) -> list[float]:
    geo = c_neuron_parameters()["geometry"]
    by_kind = {
        "soma": geo["soma_diameter_um"],
        "stem": geo["stem_diameter_um"],
        "junction": geo["stem_diameter_um"],
        "t_peripheral": geo["peripheral_diameter_um"],
        "peripheral": geo["peripheral_diameter_um"],
        "t_central": geo["central_diameter_um"],
        "central": geo["central_diameter_um"],
    }
    return [float(by_kind[k]) for k in kind]


def neuron_c_neuron_response(
    stim_section: int,
    amplitude_na: float,
    record_sections: NDArray[np.int64],
    *,
    delay_ms: float = 0.1,
    duration_ms: float = 0.1,
    dt_ms: float = 0.005,
    tstop_ms: float = 30.0,
    temperature_c: float = 37.0,
    axon_length_um: float | None = None,
    mechanisms: str = "na-k",
    pulses: int = 1,
    period_ms: float = 10.0,
) -> dict[str, NDArray[np.float64]]:
    """IClamp of ``amplitude_na`` at ``stim_section`` (``c_neuron_geometry`` numbering), or a
    train of ``pulses`` such pulses every ``period_ms``, in the cell with ``mechanisms``.

    Returns ``v_mv`` (n_recorded, n_steps) after every step at ``record_sections`` (the
    junction's number records NEURON's zero-area node at the stem's 1 end) and
    ``first_ap_ms`` (n_sections,) by the -30 mV APCount rule, NaN at the junction and where
    none.
    """
    fiber, order, stem_end = build_c_neuron(temperature_c, axon_length_um, mechanisms)
    h = fiber.h
    where = {int(s): k for k, s in enumerate(order)}
    g = c_neuron_geometry(temperature_c, axon_length_um, mechanisms)
    junction = g.named_sections["t_junction"]
    clamps = []
    for k in range(pulses):
        stim = h.IClamp(fiber.segments[where[int(stim_section)]])
        stim.delay, stim.dur, stim.amp = delay_ms + k * period_ms, duration_ms, amplitude_na
        clamps.append(stim)
    refs = [stem_end(1) if s == junction else fiber.segments[where[s]]
            for s in np.asarray(record_sections).tolist()]  # fmt: skip
    fiber.initialise(dt_ms)
    n_steps = round(tstop_ms / dt_ms)
    v = np.empty((len(refs), n_steps))
    for n in range(n_steps):
        h.fadvance()
        for k, seg in enumerate(refs):
            v[k, n] = seg.v
    first = np.full(g.n_sections, np.nan)
    first[order] = fiber.first_ap_ms()
    return {"v_mv": v, "first_ap_ms": first}


def build_mrg_t_junction(
    stem_diameter_um: float = 12.8,
    peripheral_diameter_um: float = 12.8,
    central_diameter_um: float = 10.0,
    n_stem_nodes: int = 5,
    n_branch_nodes: int = 21,
    temperature_c: float = 37.0,
) -> NrnFiber:
    """The MRG T-junction cell of ``cells.mrg_t_junction_geometry`` in NEURON, in its numbering.

    Three fibers of ``neuron_mrg.build_mrg_fiber``; the stem's last (passive end) node made an
    active node (Ra 70 ohm cm, cm 2, ``nsmrgnode``), and each branch's first MYSA moved from
    the branch's passive end node to the T node's centre (``connect(t_node(0.5))``); the
    branches' first end nodes are left unconnected (isolated, at rest).
    """
    from neurostim.compare.neuron_mrg import RHO_AXOPLASM_OHM_CM, build_mrg_fiber

    g = mrg_t_junction_geometry(stem_diameter_um, peripheral_diameter_um, central_diameter_um,
                                n_stem_nodes, n_branch_nodes, temperature_c)  # fmt: skip
    stem = build_mrg_fiber(stem_diameter_um, n_stem_nodes, temperature_c)
    branches = [build_mrg_fiber(d, n_branch_nodes, temperature_c)
                for d in (peripheral_diameter_um, central_diameter_um)]  # fmt: skip
    h = stem.h
    t_node = stem.sections[-1]
    t_node.Ra = RHO_AXOPLASM_OHM_CM
    t_node.cm = 2.0
    t_node.uninsert("pas")
    t_node.insert("nsmrgnode")
    for br in branches:
        h.disconnect(sec=br.sections[1])
        br.sections[1].connect(t_node(0.5), 0)
    sections = stem.sections + [s for br in branches for s in br.sections[1:]]
    return NrnFiber(h, sections, [int(i) for i in g.node_sections], g.arc_um, stem.v_rest_mv,
                    temperature_c)  # fmt: skip


def build_drg_neuron(
    geometry: CableGeometry, *, channel_scale: bool = True
) -> tuple[NrnFiber, NDArray[np.int64], Any]:
    """A ``neurostim.drg.neuron_geometry`` cell in NEURON (module docstring).

    Returns the fiber (its sections in the geometry's order, the zero-length junction left
    out: NEURON's zero-area node at the T node's 1 end), the geometry index of each NEURON
    section (n_sections - 1,), and the section whose 1 end is the junction.
    """
    from neurostim.fibers.mrg import mrg_parameters

    h = load_mechanisms()
    tab = geometry.extra["section_table"]
    junction = geometry.named_sections["t_junction"]
    active = np.asarray(tab["active"], bool)
    scales = np.ones((geometry.n_sections, 3))
    if channel_scale:
        scales[:, 0] = np.where(active, tab["na"], 1.0)
        scales[:, 1] = np.where(active, tab["na"], 1.0)
        scales[:, 2] = np.where(active, tab["k"], 1.0)
    mrg_ch = mrg_parameters()["node_channels"]
    sundt_ch = sundt_parameters()["channels"]
    sections: dict[int, Any] = {}
    for i in range(geometry.n_sections):
        if i == junction:
            continue
        sec = h.Section(name=f"{geometry.kind[i]}{i}")
        sec.nseg = 1
        sec.L = float(tab["length_um"][i])
        sec.diam = float(tab["diameter_um"][i])
        sec.Ra = float(tab["ra"][i])
        sec.cm = float(tab["cm"][i])
        sec.insert("extracellular")
        sec.xraxial[0] = float(tab["xraxial"][i])
        if tab["tied"][i]:
            sec.xg[0], sec.xc[0] = 1e10, 0.0
        else:
            sec.xg[0], sec.xc[0] = float(tab["xg"][i]), float(tab["xc"][i])
        if active[i] and geometry.model == "mrg":
            sec.insert("nsmrgnode")
            seg = sec(0.5)
            seg.gnafbar_nsmrgnode = mrg_ch["g_naf_s_per_cm2"] * scales[i, 0]
            seg.gnapbar_nsmrgnode = mrg_ch["g_nap_s_per_cm2"] * scales[i, 1]
            seg.gksbar_nsmrgnode = mrg_ch["g_ks_s_per_cm2"] * scales[i, 2]
            seg.gl_nsmrgnode = float(tab["g_pas"][i])
            seg.erev_leak_nsmrgnode = float(tab["e_pas"][i])
        else:
            sec.insert("pas")
            sec.g_pas = float(tab["g_pas"][i])
            sec.e_pas = float(tab["e_pas"][i])
            if active[i]:  # Sundt
                sec.insert("nssundtna")
                sec.insert("nssundtkdr")
                sec(0.5).gnabar_nssundtna = sundt_ch["g_na_s_per_cm2"] * scales[i, 0]
                sec(0.5).gkbar_nssundtkdr = sundt_ch["g_k_s_per_cm2"] * scales[i, 2]
        parent = int(geometry.parents[i])
        if parent == junction:  # the T's children hang from the T node's 1 end
            parent = int(geometry.parents[junction])
        if parent >= 0:
            sec.connect(sections[parent](1), 0)
        sections[i] = sec
    order = sorted(sections)
    nodes = [k for k, i in enumerate(order) if geometry.u_fixed[i]]
    fiber = NrnFiber(h, [sections[i] for i in order], nodes, geometry.arc_um[order],
                     geometry.v_rest_mv, geometry.temperature_c)  # fmt: skip
    return fiber, np.array(order, np.int64), sections[int(geometry.parents[junction])]


def neuron_drg_response(
    geometry: CableGeometry,
    stim_section: int,
    amplitude_na: float,
    record_sections: NDArray[np.int64],
    *,
    delay_ms: float = 0.1,
    duration_ms: float = 0.1,
    dt_ms: float = 0.005,
    tstop_ms: float = 10.0,
    channel_scale: bool = True,
) -> dict[str, NDArray[np.float64]]:
    """IClamp of ``amplitude_na`` at ``stim_section`` of a ``neuron_geometry`` cell in NEURON.

    Returns ``v_mv`` (n_recorded, n_steps) after every step at ``record_sections`` (the
    junction's index records NEURON's zero-area node) and ``first_ap_ms`` (n_sections,) by the
    -30 mV APCount rule at every node (NaN at the junction, at internodes and where none).
    """
    fiber, order, t_parent = build_drg_neuron(geometry, channel_scale=channel_scale)
    h = fiber.h
    where = {int(s): k for k, s in enumerate(order)}
    junction = geometry.named_sections["t_junction"]
    stim = h.IClamp(fiber.segments[where[int(stim_section)]])
    stim.delay, stim.dur, stim.amp = delay_ms, duration_ms, amplitude_na
    refs = [t_parent(1) if s == junction else fiber.segments[where[s]]
            for s in np.asarray(record_sections).tolist()]  # fmt: skip
    fiber.initialise(dt_ms)
    n_steps = round(tstop_ms / dt_ms)
    v = np.empty((len(refs), n_steps))
    for n in range(n_steps):
        h.fadvance()
        for k, seg in enumerate(refs):
            v[k, n] = seg.v
    first = np.full(geometry.n_sections, np.nan)
    first[order[fiber.node_sections]] = fiber.first_ap_ms()
    return {"v_mv": v, "first_ap_ms": first}


__all__ = [
    "build_c_neuron",
    "build_drg_neuron",
    "build_mrg_t_junction",
    "neuron_c_neuron_response",
    "neuron_drg_response",
]
