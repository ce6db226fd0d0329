"""Where an action potential started on a DRG neuron, and where it went.

From a :class:`~neurostim.fibers.solver.SimulationResult` of a ``neuron_geometry`` cell
(drg.md §6.3): every node (each section tied to the bath: nodes of Ranvier, soma, initial
segment, the T junction, every Sundt compartment) has a -30 mV detector that records its first
upward crossing, linearly interpolated within the step (``first_crossing_ms``) and its AP count.

* **Initiation**: the node whose first crossing is earliest; its site label
  (``cells.section_sites``: ``soma``, ``initial_segment``, ``stem``, ``t_junction``,
  ``peripheral``, ``central``). Ties (equal interpolated times) go to the lower node index. A
  start at one of the two outermost nodes of a branch is flagged ``at_cut_end``: the sealed
  end of a truncated branch, where an external field can excite a fiber that in the body
  continues (``fibers.tree.cut_end_nodes``).
* **Central arrival**: an AP at the detection node ``central_end`` (what reaches the cord);
  ``central_ap_count`` counts them.
* **Soma invasion**: an AP at the soma; **peripheral arrival** likewise at ``peripheral_end``.

Cases without any crossing have site ``"none"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim.drg.cells import section_sites
from neurostim.fibers.geometry import CableGeometry
from neurostim.fibers.solver import SimulationResult
from neurostim.fibers.tree import cut_end_nodes

NO_AP = "none"
"""Initiation site of a case in which no node crossed -30 mV."""


@dataclass(frozen=True)
class APOutcome:
    """Per case (n_cases,) of one simulation of a DRG neuron.

    initiation_site : ndarray of str
        Site label of the first node to cross -30 mV, or ``"none"``.
    initiation_section : ndarray of int
        That node's section index (-1 where none).
    initiation_time_ms : ndarray of float
        Its interpolated crossing time (NaN where none).
    at_cut_end : ndarray of bool
        The AP started at one of the two outermost nodes of a branch's cut end.
    reached_central, reached_peripheral, soma_invaded : ndarray of bool
        An AP at ``central_end``, ``peripheral_end``, the soma.
    central_ap_count : ndarray of int
        APs counted at ``central_end``.
    """

    initiation_site: NDArray[np.str_]
    initiation_section: NDArray[np.int64]
    initiation_time_ms: NDArray[np.float64]
    at_cut_end: NDArray[np.bool_]
    reached_central: NDArray[np.bool_]
    reached_peripheral: NDArray[np.bool_]
    soma_invaded: NDArray[np.bool_]
    central_ap_count: NDArray[np.int64]


def ap_outcome(geometry: CableGeometry, result: SimulationResult) -> APOutcome:
    """The :class:`APOutcome` of every case of ``result`` (a simulation of ``geometry``)."""
    sites = np.array(section_sites(geometry))
    crossing = np.asarray(result.first_crossing_ms, float)  # (n_cases, n_nodes)
    fired = np.isfinite(crossing).any(axis=1)
    first = np.argmin(np.where(np.isfinite(crossing), crossing, np.inf), axis=1)
    section = np.where(fired, geometry.node_sections[first], -1).astype(np.int64)
    ends = cut_end_nodes(geometry)
    counts = np.asarray(result.ap_count)
    central = counts[:, geometry.node_index("central_end")]
    return APOutcome(
        initiation_site=np.where(fired, sites[geometry.node_sections[first]], NO_AP),
        initiation_section=section,
        initiation_time_ms=np.where(fired, crossing[np.arange(crossing.shape[0]), first], np.nan),
        at_cut_end=fired & ends[first],
        reached_central=central > 0,
        reached_peripheral=counts[:, geometry.node_index("peripheral_end")] > 0,
        soma_invaded=counts[:, geometry.node_index("soma")] > 0,
        central_ap_count=central.astype(np.int64),
    )


__all__ = ["NO_AP", "APOutcome", "ap_outcome"]
