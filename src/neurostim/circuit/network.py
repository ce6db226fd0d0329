"""Build the Zhang 2014 dorsal-horn network as flat arrays (compartments, synapses, wiring).

The network (pain-circuit.md s1.1-1.4; Zhang, Janik & Grill 2014) has four cells, each a
multi-compartment cable (dendrite - soma - hillock - axon, the published morphologies and channel
densities, coarser segments than NEURON's, checked by ``tests/circuit/test_convergence.py``):

=========  ==================  =============================================
cell       template            role
=========  ==================  =============================================
``wdr``    Aguiar WDR          lamina V projection neuron (the output)
``ex``     Aguiar "IN"         excitatory interneuron relaying C to WDR
``in``     Melnick 2004 SG     local inhibitory interneuron (Abeta-driven gate)
``in_s``   Melnick 2004 SG     surround inhibitory interneuron
=========  ==================  =============================================

All compartments of all cells form one chain (``g_axial_us[i]`` couples ``i`` and ``i + 1``; it
is 0 between cells), so one tridiagonal solve advances a whole condition. Synapses sit at the
middle of each cell's dendrite; events of one receptor on one cell sum linearly, so each
(cell, receptor) pair is one *synapse group* with two state variables.

Realizations: ``"foreman"`` (with surround inhibition, the default) and ``"windup"`` (the
``WindUp/`` files: IN_s -> EX and IN_s -> WDR weights 0).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.units import (
    NANOSIEMENS_TO_MICROSIEMENS,
    SIEMENS_TO_MICROSIEMENS,
    UF_TO_NF,
    UM2_TO_CM2,
    UM_TO_CM,
)

REALIZATIONS = ("foreman", "windup")
BLOCKS = ("none", "gaba-a")
FIBER_GROUPS = ("abeta", "adelta", "c", "abeta_surround")


@cache
def load_parameters(name: str = "zhang2014") -> dict[str, Any]:
    """Read ``circuit/data/<name>.toml`` (parameters with their sources)."""
    path = resources.files("neurostim.circuit") / "data" / f"{name}.toml"
    if not path.is_file():
        raise InputError("parameters", name, "no such circuit parameter file in circuit/data")
    return tomllib.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Network:
    """The compartments, synapse groups and wiring of one network (shared by all conditions).

    Attributes (n = n_compartments, g = n_groups, k = n_connections)
    ----------
    cell_names : tuple of str, the cells in chain order.
    soma_index : ndarray (n_cells,) of int64, compartment where spikes are detected.
    capacitance_nf, area_um2 : ndarray (n,)
    g_axial_us : ndarray (n,), coupling of compartment i to i + 1 (last entry unused).
    g_pas_us, e_pas_mv, e_na_mv, e_k_mv : ndarray (n,)
    g_na_hh_us, g_k_hh_us, g_nap_us, g_kca_us, g_can_us, g_na_mel_us, g_kdri_us : ndarray (n,)
    p_cal_cm_per_s : ndarray (n,), L-type Ca permeability (density).
    ca_tau_ms, ca_depth_um : ndarray (n,); ca_tau_ms = 0 means no calcium pool.
    group_compartment : ndarray (g,) of int64
    group_tau_rise_ms, group_tau_decay_ms, group_e_rev_mv, group_ca_fraction : ndarray (g,)
    group_mg_block : ndarray (g,) of float64 (1.0 where the receptor is Mg-blocked)
    group_receptor, group_cell : tuple of str (g,)
    conn_group : ndarray (k,) of int64, the synapse group each connection drives.
    conn_weight_us : ndarray (k,), total peak conductance per presynaptic event (weight x count
        for a cell; per fibre for an afferent group).
    conn_pre : tuple of str (k,), presynaptic fibre group or cell.
    conn_receptor, conn_post : tuple of str (k,)
    conn_surround : ndarray (k,) of bool
    fiber_group_names : tuple of str; n_fibers : ndarray of int64 per fibre group.
    fiber_group_of_fiber : ndarray (n_fibers_total,) of int64
    """

    cell_names: tuple[str, ...]
    soma_index: NDArray[np.int64]
    capacitance_nf: NDArray[np.float64]
    area_um2: NDArray[np.float64]
    g_axial_us: NDArray[np.float64]
    g_pas_us: NDArray[np.float64]
    e_pas_mv: NDArray[np.float64]
    e_na_mv: NDArray[np.float64]
    e_k_mv: NDArray[np.float64]
    g_na_hh_us: NDArray[np.float64]
    g_k_hh_us: NDArray[np.float64]
    g_nap_us: NDArray[np.float64]
    g_kca_us: NDArray[np.float64]
    g_can_us: NDArray[np.float64]
    g_na_mel_us: NDArray[np.float64]
    g_kdri_us: NDArray[np.float64]
    p_cal_cm_per_s: NDArray[np.float64]
    ca_tau_ms: NDArray[np.float64]
    ca_depth_um: NDArray[np.float64]
    group_compartment: NDArray[np.int64]
    group_tau_rise_ms: NDArray[np.float64]
    group_tau_decay_ms: NDArray[np.float64]
    group_e_rev_mv: NDArray[np.float64]
    group_ca_fraction: NDArray[np.float64]
    group_mg_block: NDArray[np.float64]
    group_receptor: tuple[str, ...]
    group_cell: tuple[str, ...]
    conn_group: NDArray[np.int64]
    conn_weight_us: NDArray[np.float64]
    conn_pre: tuple[str, ...]
    conn_post: tuple[str, ...]
    conn_receptor: tuple[str, ...]
    conn_surround: NDArray[np.bool_]
    fiber_group_names: tuple[str, ...]
    n_fibers: NDArray[np.int64]
    fiber_group_of_fiber: NDArray[np.int64]
    realization: str = "foreman"
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_compartments(self) -> int:
        return int(self.capacitance_nf.size)

    @property
    def n_cells(self) -> int:
        return len(self.cell_names)

    def fiber_offset(self, group: str) -> int:
        """Index of the first fibre of ``group`` in the global fibre numbering."""
        i = self.fiber_group_names.index(group)
        return int(self.n_fibers[:i].sum())

    def weights_us(self, block: str = "none") -> NDArray[np.float64]:
        """Connection weights (k,) for this realization and pharmacological block.

        ``block = "gaba-a"`` sets the four GABA_A connections (IN -> EX, IN -> WDR, IN_s -> EX,
        IN_s -> WDR) to 0 and keeps IN -> WDR glycine (pain-circuit.md s3 row 2).
        """
        if block not in BLOCKS:
            raise InputError("block", block, f"choose one of {', '.join(BLOCKS)}")
        w = self.conn_weight_us.copy()
        if self.realization == "windup":
            w[self.conn_surround] = 0.0
        if block == "gaba-a":
            w[np.array([r == "gaba_a" for r in self.conn_receptor])] = 0.0
        return w


def _section_compartments(
    cell: dict[str, Any], sec: dict[str, Any], nseg_key: str
) -> list[dict[str, float]]:
    nseg = int(sec[nseg_key])
    length = sec["length_um"] / nseg
    d0, d1 = sec["diam_start_um"], sec["diam_end_um"]
    comps = []
    for j in range(nseg):
        da = d0 + (d1 - d0) * j / nseg
        db = d0 + (d1 - d0) * (j + 1) / nseg
        dm = 0.5 * (da + db)
        # axial resistance from the segment centre to either end (ohm), for a frustum
        half_cm, dm_cm = length / 2 * UM_TO_CM, dm * UM_TO_CM
        r_half = 4.0 * cell["ra_ohm_cm"] * half_cm / (math.pi * dm_cm**2)
        comps.append(
            {
                "area_um2": math.pi * dm * length,
                "r_half_ohm": r_half,
                "g_pas": sec.get("g_pas_s_per_cm2", cell["g_pas_s_per_cm2"]),
                "e_pas": cell["e_pas_mv"],
                "e_na": sec.get("e_na_mv", 50.0),
                "e_k": sec.get("e_k_mv", -77.0),
                "g_na_hh": sec.get("g_na_hh_s_per_cm2", 0.0),
                "g_k_hh": sec.get("g_k_hh_s_per_cm2", 0.0),
                "g_nap": sec.get("g_nap_s_per_cm2", 0.0),
                "g_kca": sec.get("g_kca_s_per_cm2", 0.0),
                "g_can": sec.get("g_can_s_per_cm2", 0.0),
                "g_na_mel": sec.get("g_na_mel_s_per_cm2", 0.0),
                "g_kdri": sec.get("g_kdri_s_per_cm2", 0.0),
                "p_cal": sec.get("p_cal_cm_per_s", 0.0),
                "ca_tau": sec.get("ca_tau_ms", 0.0),
                "ca_depth": sec.get("ca_depth_um", 0.1),
            }
        )
    return comps


def build_network(
    realization: str = "foreman", *, fine: bool = False, name: str = "zhang2014"
) -> Network:
    """Build the Zhang 2014 network.

    Parameters
    ----------
    realization : {"foreman", "windup"}
        With (``foreman``) or without (``windup``) surround inhibition.
    fine : bool
        Use the published NEURON segment counts (``nseg_neuron``) instead of the coarser default
        (for the spatial convergence check).
    """
    if realization not in REALIZATIONS:
        raise InputError("realization", realization, f"choose one of {', '.join(REALIZATIONS)}")
    p = load_parameters(name)
    nseg_key = "nseg_neuron" if fine else "nseg"
    comps: list[dict[str, float]] = []
    couple: list[float] = []  # conductance (uS) between consecutive compartments
    soma_index, syn_index = [], []
    for cname in p["network"]["cells_order"]:
        template = p["cells"][p["network"]["cell_templates"][cname]]
        order = {s["name"]: s for s in template["sections"]}
        cell_comps: list[dict[str, float]] = []
        synapse_section = template["synapse_section"]
        if synapse_section not in order:
            raise InputError(f"cells.{cname}.synapse_section", synapse_section,
                             f"must be one of the cell's sections: {', '.join(order)}")  # fmt: skip
        for sname in ("dend", "soma", "hillock", "axon"):
            if sname not in order:
                continue
            sc = _section_compartments(template, order[sname], nseg_key)
            first = len(comps) + len(cell_comps)
            middle = len(sc) // 2
            if sname == "dend":
                sc = sc[::-1]  # distal -> proximal, so the chain ends at the soma
                middle = len(sc) - 1 - middle
            if sname == synapse_section:
                syn_index.append(first + middle)
            if sname == "soma":
                soma_index.append(first + middle)
            cell_comps.extend(sc)
        for j in range(len(cell_comps) - 1):
            r = cell_comps[j]["r_half_ohm"] + cell_comps[j + 1]["r_half_ohm"]
            couple.append(SIEMENS_TO_MICROSIEMENS / r)
        couple.append(0.0)
        comps.extend(cell_comps)

    def col(key: str) -> NDArray[np.float64]:
        return np.array([c[key] for c in comps], dtype=np.float64)

    area = col("area_um2")
    to_us = area * UM2_TO_CM2 * SIEMENS_TO_MICROSIEMENS
    cap_nf = p["meta"]["membrane_capacitance_uf_per_cm2"] * area * UM2_TO_CM2 * UF_TO_NF

    groups: list[tuple[str, str]] = []
    conn_group, conn_w, conn_pre, conn_post, conn_rec, conn_sur = [], [], [], [], [], []
    for c in p["network"]["connections"]:
        key = (c["post"], c["receptor"])
        if key not in groups:
            groups.append(key)
        conn_group.append(groups.index(key))
        is_fiber = c["pre"] in FIBER_GROUPS
        weight_us = c["weight_ns"] * NANOSIEMENS_TO_MICROSIEMENS
        conn_w.append(weight_us * (1 if is_fiber else c["count"]))
        conn_pre.append(c["pre"])
        conn_post.append(c["post"])
        conn_rec.append(c["receptor"])
        conn_sur.append(bool(c.get("surround", False)))
    cells = tuple(p["network"]["cells_order"])
    rec = p["receptors"]
    aff = load_parameters("afferents")
    n_fibers = np.array([aff["groups"]["n_fibers"][g] for g in FIBER_GROUPS], dtype=np.int64)
    return Network(
        cell_names=cells,
        soma_index=np.array(soma_index, dtype=np.int64),
        capacitance_nf=cap_nf,
        area_um2=area,
        g_axial_us=np.array(couple, dtype=np.float64),
        g_pas_us=col("g_pas") * to_us,
        e_pas_mv=col("e_pas"),
        e_na_mv=col("e_na"),
        e_k_mv=col("e_k"),
        g_na_hh_us=col("g_na_hh") * to_us,
        g_k_hh_us=col("g_k_hh") * to_us,
        g_nap_us=col("g_nap") * to_us,
        g_kca_us=col("g_kca") * to_us,
        g_can_us=col("g_can") * to_us,
        g_na_mel_us=col("g_na_mel") * to_us,
        g_kdri_us=col("g_kdri") * to_us,
        p_cal_cm_per_s=col("p_cal"),
        ca_tau_ms=col("ca_tau"),
        ca_depth_um=col("ca_depth"),
        group_compartment=np.array([syn_index[cells.index(c)] for c, _ in groups], np.int64),
        group_tau_rise_ms=np.array([rec[r]["tau_rise_ms"] for _, r in groups]),
        group_tau_decay_ms=np.array([rec[r]["tau_decay_ms"] for _, r in groups]),
        group_e_rev_mv=np.array([rec[r]["e_rev_mv"] for _, r in groups]),
        group_ca_fraction=np.array([rec[r].get("ca_fraction", 0.0) for _, r in groups]),
        group_mg_block=np.array([1.0 if rec[r].get("mg_block") else 0.0 for _, r in groups]),
        group_receptor=tuple(r for _, r in groups),
        group_cell=tuple(c for c, _ in groups),
        conn_group=np.array(conn_group, dtype=np.int64),
        conn_weight_us=np.array(conn_w, dtype=np.float64),
        conn_pre=tuple(conn_pre),
        conn_post=tuple(conn_post),
        conn_receptor=tuple(conn_rec),
        conn_surround=np.array(conn_sur, dtype=bool),
        fiber_group_names=FIBER_GROUPS,
        n_fibers=n_fibers,
        fiber_group_of_fiber=np.repeat(np.arange(len(FIBER_GROUPS)), n_fibers),
        realization=realization,
        meta=dict(p["meta"]),
    )
