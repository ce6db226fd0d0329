"""Branched cells from section properties, and the pseudounipolar DRG C neuron.

``tree_geometry`` turns NEURON-style section properties (diameter, length, Ra, cm, leak,
extracellular layer) and a ``parent`` array (numbered parents first, ``tree.py``) into a
``CableGeometry`` the solver runs. A junction where three or more sections meet is a section of
zero length (``kind = "junction"``: no membrane, no capacitance, tied to the bath), the
zero-area node NEURON places where children attach at a parent's end: its neighbours couple to
it through their own half-resistances, which is NEURON's matrix exactly.

``c_neuron_geometry``: the C neuron on the geometry of Sundt, Gamper & Jaffe 2015 (ModelDB
187473, their Fig. 5d; data/drg_c_neuron.toml) with the Sundt kinetics of ``sundt.py``: soma
(one compartment) - stem - T junction - peripheral and central T sections and axons,
compartments of about 8.333 um, sealed ends, every compartment active; the soma has half the Na
density (0.02 S/cm2, SU15), through ``CableGeometry.channel_scale``. Named sections: ``soma``,
``stem_end``, ``t_junction``, ``peripheral_end``, ``central_end``; APs are counted at the last
central compartment (what reaches the cord). ``mechanisms`` adds the slow mechanisms of Sundt et
al. (``slow_channels.py``) as named sets (``MECHANISM_SETS``, placed by section kind in
data/sundt_slow.toml): ``"na-k"`` (default, Na/K only), ``"m"`` (+ KCNQ/M current, 0.0004 S/cm2
in soma, stem and T sections; their Fig. 5d), ``"m-ca-sk"`` (+ L-type Ca and SK at the soma;
Fig. 8c) and ``"m-ca-sk-pump"`` (+ Na/K pump with Na accumulation in stem and T sections;
Fig. 8c); e.g. ``c_neuron_geometry(mechanisms="m-ca-sk")``.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.fibers.channels import SUNDT_CHANNELS, MRGNodeChannels, SundtChannels
from neurostim.fibers.geometry import CableGeometry, half_resistances_mohm, section_coefficients
from neurostim.fibers.slow_channels import SUNDT_SLOW_CHANNELS, SundtSlowChannels, slow_parameters
from neurostim.fibers.sundt import sundt_parameters
from neurostim.units import SIEMENS_TO_MICROSIEMENS


def tree_geometry(
    *,
    model: str,
    kind: tuple[str, ...],
    parent: NDArray[np.int64],
    diameter_um: NDArray[np.float64],
    length_um: NDArray[np.float64],
    ra_ohm_cm: NDArray[np.float64],
    cm_uf_per_cm2: NDArray[np.float64],
    g_pas_s_per_cm2: NDArray[np.float64],
    e_pas_mv: NDArray[np.float64],
    u_fixed: NDArray[np.bool_],
    active: NDArray[np.bool_],
    channel_params: MRGNodeChannels | SundtChannels | SundtSlowChannels,
    v_rest_mv: float,
    temperature_c: float,
    xraxial_mohm_per_cm: NDArray[np.float64] | None = None,
    xg_s_per_cm2: NDArray[np.float64] | None = None,
    xc_uf_per_cm2: NDArray[np.float64] | None = None,
    named_sections: dict[str, int] | None = None,
    detection_section: int | None = None,
    channel_scale: NDArray[np.float64] | None = None,
) -> CableGeometry:
    """A branched cell from per-section properties, each an ndarray of shape (n_sections,).

    ``active`` marks the sections with the model's channels (they must be tied to the bath);
    every section tied to the bath is a detector node. ``xraxial``/``xg``/``xc`` describe the
    periaxonal layer and myelin of free sections (default: none, every section tied to the
    bath). ``detection_section`` (default: the last node) is where APs are counted.
    ``channel_scale`` (n_active, n_channels), the active sections in order, scales each
    channel's conductance density (``CableGeometry.channel_scale``; default all 1).
    """
    n = len(kind)
    zeros = np.zeros(n)
    parent = np.asarray(parent, np.int64)
    co = section_coefficients(
        np.asarray(diameter_um, float),
        np.asarray(length_um, float),
        np.asarray(ra_ohm_cm, float),
        np.asarray(cm_uf_per_cm2, float),
        np.ones(n) if xraxial_mohm_per_cm is None else np.asarray(xraxial_mohm_per_cm, float),
        zeros if xg_s_per_cm2 is None else np.asarray(xg_s_per_cm2, float),
        zeros if xc_uf_per_cm2 is None else np.asarray(xc_uf_per_cm2, float),
        parent,
    )
    tied = np.asarray(u_fixed, bool)
    act = np.flatnonzero(np.asarray(active, bool)).astype(np.int64)
    nodes = np.flatnonzero(tied).astype(np.int64)
    det = np.flatnonzero(nodes == (nodes[-1] if detection_section is None else detection_section))
    if det.size != 1:
        raise InputError("detection_section", detection_section, "must be a node section")
    length = np.asarray(length_um, float)
    arc = np.zeros(n)  # path length from the root's centre to each section's centre
    for i in range(1, n):
        arc[i] = arc[parent[i]] + 0.5 * (length[parent[i]] + length[i])
    return CableGeometry(
        model=model,
        kind=tuple(kind),
        length_um=length,
        arc_um=arc,
        capacitance_nf=co["capacitance_nf"],
        g_leak_us=np.asarray(g_pas_s_per_cm2, float) * co["area_cm2"] * SIEMENS_TO_MICROSIEMENS,
        e_leak_mv=np.asarray(e_pas_mv, float),
        g_axial_us=co["g_axial_us"],
        g_periaxonal_us=np.where(tied[parent[1:]] & tied[1:], 0.0, co["g_periaxonal_us"]),
        g_myelin_us=np.where(tied, 0.0, co["g_myelin_us"]),
        c_myelin_nf=np.where(tied, 0.0, co["c_myelin_nf"]),
        u_fixed=tied,
        active_sections=act,
        active_area_cm2=co["area_cm2"][act],
        node_sections=nodes,
        channel_params=channel_params,
        v_rest_mv=float(v_rest_mv),
        temperature_c=float(temperature_c),
        diameter_um=float(np.max(diameter_um)),
        parent=parent,
        named_sections=dict(named_sections or {}),
        detection=int(det[0]),
        channel_scale=channel_scale,
    )


@functools.cache
def c_neuron_parameters() -> dict[str, Any]:
    """The C-neuron file (data/drg_c_neuron.toml) as a dict."""
    text = resources.files("neurostim.fibers").joinpath("data/drg_c_neuron.toml").read_text()
    return tomllib.loads(text)


def _pieces(length_um: float, target_um: float) -> int:
    return max(1, round(length_um / target_um))


MECHANISM_SETS = ("na-k", "m", "m-ca-sk", "m-ca-sk-pump")
"""The C neuron's mechanism sets (data/sundt_slow.toml [sets]): Na/K only; + KCNQ in soma, stem
and T sections; + CaL and SK at the soma; + the Na/K pump with Na accumulation in stem and T."""


def c_neuron_geometry(
    temperature_c: float = 37.0,
    axon_length_um: float | None = None,
    mechanisms: str = "na-k",
) -> CableGeometry:
    """The pseudounipolar C neuron (see the module docstring); ``axon_length_um`` overrides
    the 5 mm of each branch's axon beyond its T section; ``mechanisms`` (``MECHANISM_SETS``)
    adds Sundt et al.'s slow mechanisms where the set places them (kinetic model
    ``sundt_slow``, ``slow_channels.py``; ``"na-k"`` keeps the plain ``sundt`` kinetics)."""
    if mechanisms not in MECHANISM_SETS:
        raise InputError("mechanisms", mechanisms, f"one of {', '.join(MECHANISM_SETS)}")
    p = c_neuron_parameters()
    geo, el = p["geometry"], p["electrical"]
    ch = sundt_parameters()["channels"]
    dz = geo["compartment_length_um"]
    axon_um = geo["axon_length_um"] if axon_length_um is None else float(axon_length_um)
    if not (np.isfinite(axon_um) and axon_um >= dz):
        raise InputError("axon_length_um", axon_length_um, f"must be at least {dz} um")
    kind: list[str] = ["soma"]
    diam: list[float] = [geo["soma_diameter_um"]]
    length: list[float] = [geo["soma_length_um"]]
    parent: list[int] = [-1]

    def run(name: str, d_um: float, total_um: float, first_parent: int) -> int:
        k = _pieces(total_um, dz)
        for j in range(k):
            kind.append(name)
            diam.append(d_um)
            length.append(total_um / k)
            parent.append(first_parent if j == 0 else len(kind) - 2)
        return len(kind) - 1

    stem_end = run("stem", geo["stem_diameter_um"], geo["stem_length_um"], 0)
    kind.append("junction")
    diam.append(geo["stem_diameter_um"])
    length.append(0.0)
    parent.append(stem_end)
    t_node = len(kind) - 1
    t_per = run("t_peripheral", geo["peripheral_diameter_um"], geo["t_section_length_um"], t_node)
    per_end = run("peripheral", geo["peripheral_diameter_um"], axon_um, t_per)
    t_cen = run("t_central", geo["central_diameter_um"], geo["t_section_length_um"], t_node)
    cen_end = run("central", geo["central_diameter_um"], axon_um, t_cen)
    n = len(kind)
    junction = np.array([k == "junction" for k in kind])
    active = ~junction
    names = SUNDT_CHANNELS if mechanisms == "na-k" else SUNDT_SLOW_CHANNELS
    scale = np.ones((int(active.sum()), len(names)))
    scale[0, names.index("na")] = p["soma"]["g_na_s_per_cm2"] / ch["g_na_s_per_cm2"]
    params: SundtChannels | SundtSlowChannels = SundtChannels.from_data(ch, temperature_c)
    placed = slow_parameters()["sets"][mechanisms]  # na-k places no slow mechanism
    if mechanisms != "na-k":
        active_kind = np.array(kind)[active]
        for col, name in enumerate(names[2:], start=2):
            scale[:, col] = np.isin(active_kind, placed.get(name, [])).astype(float)
        params = SundtSlowChannels.from_data(ch, slow_parameters(), temperature_c)
    return tree_geometry(
        model="sundt" if mechanisms == "na-k" else "sundt_slow",
        kind=tuple(kind),
        parent=np.array(parent, np.int64),
        diameter_um=np.array(diam),
        length_um=np.array(length),
        ra_ohm_cm=np.full(n, el["ra_ohm_cm"]),
        cm_uf_per_cm2=np.where(junction, 0.0, el["cm_uf_per_cm2"]),
        g_pas_s_per_cm2=np.where(junction, 0.0, ch["g_leak_s_per_cm2"]),
        e_pas_mv=np.full(n, ch["e_leak_mv"]),
        u_fixed=np.ones(n, bool),
        active=active,
        channel_params=params,
        v_rest_mv=float(sundt_parameters()["constants"]["v_rest_mv"]),
        temperature_c=temperature_c,
        named_sections={
            "soma": 0,
            "stem_end": stem_end,
            "t_junction": t_node,
            "peripheral_end": per_end,
            "central_end": cen_end,
        },
        detection_section=cen_end,
        channel_scale=scale,
    )


def mrg_t_junction_geometry(
    stem_diameter_um: float = 12.8,
    peripheral_diameter_um: float = 12.8,
    central_diameter_um: float = 10.0,
    n_stem_nodes: int = 5,
    n_branch_nodes: int = 21,
    temperature_c: float = 37.0,
) -> CableGeometry:
    """Three MRG fibers (``mrg.mrg_geometry``) joined at an active node of Ranvier, the T node.

    The stem runs from a passive end node (its cut end) to the T node; the peripheral and
    central branches start with a MYSA attached at the T node's centre (NEURON:
    ``mysa.connect(t_node(0.5))``, so each couples through its own half-resistances alone),
    and end in a passive end node. The T node has the stem's node properties, joined to the
    stem's last MYSA as every node to its MYSA. A test cell for the two-layer tree solver
    with MRG kinetics (a branch point with myelinated runs on all three sides), not yet the Aβ
    neuron of Graham et al. (no soma, initial segment or shortened stem internodes).

    Named sections: ``stem_end``, ``t_junction``, ``peripheral_end`` and ``central_end`` (the
    last active node of each branch, where APs are counted on the central side).
    """
    from neurostim.fibers.mrg import mrg_geometry, mrg_parameters

    stem = mrg_geometry(stem_diameter_um, n_stem_nodes, temperature_c)
    branches = [mrg_geometry(d, n_branch_nodes, temperature_c)
                for d in (peripheral_diameter_um, central_diameter_um)]  # fmt: skip
    const = mrg_parameters()["constants"]
    n_s = stem.n_sections
    inner = int(stem.node_sections[1])  # an active node of the stem, joined to its MYSA
    take = [np.arange(n_s)] + [np.arange(1, b.n_sections) for b in branches]
    src = [stem, *branches]
    kind: list[str] = []
    parent: list[int] = []
    ga: list[float] = []
    gp: list[float] = []
    fields = ("capacitance_nf", "g_leak_us", "e_leak_mv", "g_myelin_us", "c_myelin_nf",
              "length_um")  # fmt: skip
    per: dict[str, list[float]] = {k: [] for k in fields}
    tied: list[bool] = []
    areas: list[float] = []  # membrane area of each active section (cm2)
    ends: list[int] = []
    node_diameter = {r["fiber_diameter_um"]: r["node_diameter_um"]
                     for r in mrg_parameters()["diameters"]}  # fmt: skip
    for b, (g, idx) in enumerate(zip(src, take, strict=True)):
        offset = len(kind)
        t_sec = n_s - 1
        for j, i in enumerate(idx):
            s = int(i)
            is_t = b == 0 and s == t_sec
            s_props = inner if is_t else s
            kind.append("node" if is_t else g.kind[s])
            for key, arr in per.items():
                arr.append(float(getattr(g, key)[s_props]))
            tied.append(bool(g.u_fixed[s]))
            where = np.flatnonzero(g.active_sections == s_props)
            if where.size:
                areas.append(float(g.active_area_cm2[where[0]]))
            else:
                areas.append(-1.0)
            if b == 0 and s == 0:
                parent.append(-1)
                continue
            if j == 0 and b > 0:  # the branch's MYSA at the T node's centre: its own halves
                d_n = node_diameter[g.diameter_um]
                r, p = half_resistances_mohm(
                    d_n, const["mysa_length_um"], const["rho_axial_ohm_cm"],
                    g.extra["xraxial_node"],
                )  # fmt: skip
                parent.append(t_sec)
                ga.append(1.0 / r)
                gp.append(1.0 / p)
                continue
            parent.append(offset + j - 1)
            link = inner - 1 if is_t else s - 1  # the T node: a regular node-MYSA link
            ga.append(float(g.g_axial_us[link]))
            gp.append(float(g.g_periaxonal_us[link]))
        # the stem's cut end; a branch's last active node (before its passive end node)
        ends.append(offset + int(g.node_sections[-2]) - 1 if b > 0 else 0)
    n = len(kind)
    t_arr = np.array(tied)
    area = np.array(areas)
    act = np.flatnonzero(area > 0).astype(np.int64)
    nodes = np.flatnonzero(t_arr).astype(np.int64)
    length = np.array(per["length_um"])
    par = np.array(parent, np.int64)
    arc = np.zeros(n)
    for k in range(1, n):
        arc[k] = arc[par[k]] + 0.5 * (length[par[k]] + length[k])
    return CableGeometry(
        model="mrg",
        kind=tuple(kind),
        length_um=length,
        arc_um=arc,
        capacitance_nf=np.array(per["capacitance_nf"]),
        g_leak_us=np.array(per["g_leak_us"]),
        e_leak_mv=np.array(per["e_leak_mv"]),
        g_axial_us=np.array(ga),
        g_periaxonal_us=np.array(gp),
        g_myelin_us=np.array(per["g_myelin_us"]),
        c_myelin_nf=np.array(per["c_myelin_nf"]),
        u_fixed=t_arr,
        active_sections=act,
        active_area_cm2=area[act],
        node_sections=nodes,
        channel_params=stem.channel_params,
        v_rest_mv=stem.v_rest_mv,
        temperature_c=stem.temperature_c,
        diameter_um=float(max(stem_diameter_um, peripheral_diameter_um, central_diameter_um)),
        parent=par,
        named_sections={
            "stem_end": ends[0],
            "t_junction": n_s - 1,
            "peripheral_end": ends[1],
            "central_end": ends[2],
        },
        detection=int(np.flatnonzero(nodes == ends[2])[0]),
    )


__all__ = [
    "MECHANISM_SETS",
    "c_neuron_geometry",
    "c_neuron_parameters",
    "mrg_t_junction_geometry",
    "tree_geometry",
]
