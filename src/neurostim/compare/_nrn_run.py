"""Run a built NEURON fiber under the protocol: initialise, step with a held stimulus, detect APs.

Initialisation (PROTOCOL.md §4): ``finitialize(v_rest)``, then t = −200 ms and 40 steps of 5 ms
with Ve = 0, then t = 0 and dt = dt_ms (``secondorder = 0``: backward Euler with gates advanced
by ``cnexp`` at the new voltage). Stimulus (§3): before step n (t_n → t_{n+1}) every section's
``e_extracellular`` is set to I·w(t_n)·Φ_i and held during the implicit step; the value is only
rewritten when w changes, which is the same as setting it every step. Detection (§5): an
``APCount`` (thresh −30 mV) at the centre of every node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

SETTLE_START_MS = -200.0
SETTLE_DT_MS = 5.0
SETTLE_STEPS = 40
AP_THRESHOLD_MV = -30.0


@dataclass
class NrnFiber:
    """A fiber built in NEURON (keeps its sections and detectors alive).

    Attributes
    ----------
    sections : list of h.Section, length n_sections
    node_sections : list of int, length n_nodes (indices into ``sections``)
    z_um : ndarray of shape (n_sections,)
        Compartment centres along the fiber.
    v_rest_mv : float
    """

    h: Any
    sections: list[Any]
    node_sections: list[int]
    z_um: NDArray[np.float64]
    v_rest_mv: float
    temperature_c: float
    detectors: list[Any] = field(default_factory=list)
    ap_vectors: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        h = self.h
        self.segments = [sec(0.5) for sec in self.sections]
        for i in self.node_sections:
            apc = h.APCount(self.segments[i])
            apc.thresh = AP_THRESHOLD_MV
            vec = h.Vector()
            apc.record(vec)
            self.detectors.append(apc)
            self.ap_vectors.append(vec)

    @property
    def n_nodes(self) -> int:
        return len(self.node_sections)

    def set_extracellular(self, ve_mv: NDArray[np.float64] | float) -> None:
        values = np.broadcast_to(np.asarray(ve_mv, dtype=np.float64), (len(self.segments),))
        for seg, value in zip(self.segments, values, strict=True):
            seg.e_extracellular = float(value)

    def initialise(self, dt_ms: float) -> None:
        """PROTOCOL.md §4: finitialize, 200 ms settling in 5 ms steps, then t = 0."""
        h = self.h
        h.secondorder = 0
        h.celsius = self.temperature_c
        self.set_extracellular(0.0)
        h.dt = SETTLE_DT_MS
        h.finitialize(self.v_rest_mv)
        h.t = SETTLE_START_MS
        for _ in range(SETTLE_STEPS):
            h.fadvance()
        h.dt = dt_ms
        h.t = 0.0
        h.fcurrent()
        for vec in self.ap_vectors:
            vec.resize(0)
        for apc in self.detectors:
            apc.n = 0

    def run(
        self,
        phi_mv: NDArray[np.float64],
        amplitude_ma: float,
        w: NDArray[np.float64],
        dt_ms: float,
        *,
        detect_node: int | None = None,
        check_every: int = 20,
    ) -> NDArray[np.float64]:
        """Initialise, then run len(w) steps with Ve_i(step n) = amplitude·w[n]·phi_i.

        Parameters
        ----------
        phi_mv : ndarray of shape (n_sections,)
            Potential per mA at each compartment centre.
        w : ndarray of shape (n_steps,)
        detect_node : int, optional
            Stop early (checked every ``check_every`` steps) once this node has fired.

        Returns
        -------
        ndarray of shape (n_nodes,)
            Time of the first AP at each node (ms), NaN where none.
        """
        h = self.h
        self.initialise(dt_ms)
        current = 0.0
        apc = self.detectors[detect_node] if detect_node is not None else None
        for n in range(len(w)):
            value = amplitude_ma * w[n]
            if value != current:
                self.set_extracellular(phi_mv * value)
                current = value
            h.fadvance()
            if apc is not None and n % check_every == 0 and apc.n > 0:
                break
        self.set_extracellular(0.0)
        return self.first_ap_ms()

    def first_ap_ms(self) -> NDArray[np.float64]:
        return np.array([vec[0] if vec.size() > 0 else np.nan for vec in self.ap_vectors])

    def ap_counts(self) -> NDArray[np.int64]:
        return np.array([int(apc.n) for apc in self.detectors], dtype=np.int64)
