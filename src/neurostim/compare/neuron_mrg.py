"""The MRG myelinated axon in NEURON, run exactly as docs/reference/PROTOCOL.md prescribes.

Model: McIntyre, Richardson & Grill, *J Neurophysiol* 87:995-1006, 2002, as built by PyFibers
0.13 ``MRG_DISCRETE`` (PROTOCOL.md §1; ``docs/reference/fiber-models.md`` §2-4). Per node
period: node (1 µm), MYSA (3 µm), FLUT, STIN ×6, FLUT, MYSA; nseg = 1 everywhere; node channels
from ``mod/nsmrgnode.mod`` (written from the published equations); MYSA/FLUT/STIN passive with
NEURON diameter D and per-area values rescaled to the true axon; ``extracellular`` layer 0 is the
periaxonal space (xraxial = 7000/(π((d/2+δ)² − (d/2)²)) MΩ/cm, myelin xg = 0.001/(2 nl) S/cm²,
xc = 0.1/(2 nl) µF/cm², nodes xg = 1e10, xc = 0); one passive end node per side (g_pas 1e-4,
e −80 mV, cm 1, Ra 1e10); 37 °C.

With ``model="mrg-interpolation"`` the same fiber takes the period geometry of the ASCENT
``MRG_INTERPOLATION`` fits for any diameter in 2-16 µm (``_mrg_interpolation.py``, from the
coefficients of ``neurostim/fibers/data/mrg_interpolation.toml``, evaluated independently of
the engine's geometry code).

Stimulus: a point source at (0, distance, z of the centre node) in 0.2 S/m
(:func:`neurostim.field.point_source_potential_mv`), applied as ``e_extracellular`` at every
compartment and held over each step (PROTOCOL.md §3).

What it reproduces (tests/compare/, ``-m neuron``): the thresholds of
``tests/reference/data/mrg_thresholds.csv`` within 1 % on a representative subset (full-table
agreement in docs/compare.md), the three conduction velocities of ``mrg_cv.csv`` within 1 %,
and the resting potentials of fiber-models.md §10.1 within 1e-3 mV.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.compare._common import (
    check_odd_count,
    check_positive,
    phi_mv,
    timed_threshold_search,
)
from neurostim.compare._mechanisms import load_mechanisms
from neurostim.compare._mrg_interpolation import interpolated_columns
from neurostim.compare._nrn_run import NrnFiber
from neurostim.compare._protocol import protocol_waveform
from neurostim.errors import InputError

RHO_AXOPLASM_OHM_CM = 70.0
V_REST_MV = -80.0
NODE_LENGTH_UM = 1.0
MYSA_LENGTH_UM = 3.0
SPACE_NODE_UM = 0.002
SPACE_INTERNODE_UM = 0.004


@dataclass(frozen=True)
class MRGGeometry:
    """One row of ``data/mrg_geometry.csv`` (McIntyre 2002 Table 1 via ModelDB #3810)."""

    fiber_diameter_um: float
    node_spacing_um: float
    n_lamellae: float
    node_diameter_um: float
    axon_diameter_um: float
    flut_length_um: float

    @property
    def stin_length_um(self) -> float:
        return (
            self.node_spacing_um - NODE_LENGTH_UM - 2 * MYSA_LENGTH_UM - 2 * self.flut_length_um
        ) / 6.0


@cache
def _geometry_table() -> dict[float, MRGGeometry]:
    text = (resources.files("neurostim.compare") / "data" / "mrg_geometry.csv").read_text()
    table = {}
    for row in csv.DictReader(text.splitlines()):
        g = MRGGeometry(
            float(row["fiber_diameter_um"]),
            float(row["node_spacing_um"]),
            int(row["n_lamellae"]),
            float(row["node_diameter_um"]),
            float(row["axon_diameter_um"]),
            float(row["flut_length_um"]),
        )
        table[g.fiber_diameter_um] = g
    return table


MODELS = ("mrg", "mrg-interpolation")
"""The MRG geometries built here: the published table, or the ASCENT fits for any diameter."""


def mrg_geometry(diameter_um: float, model: str = "mrg") -> MRGGeometry:
    """Geometry of one of the nine published MRG diameters (5.7-16 µm), or with ``model =
    "mrg-interpolation"`` the interpolated geometry of any diameter in 2-16 µm."""
    if model == "mrg-interpolation":
        return MRGGeometry(diameter_um, *interpolated_columns(diameter_um))
    if model != "mrg":
        raise InputError("model", model, f"must be one of {', '.join(MODELS)}")
    table = _geometry_table()
    for d, g in table.items():
        if abs(d - diameter_um) < 1e-9:
            return g
    raise InputError(
        "diameter_um",
        diameter_um,
        f"the MRG model is defined for the published diameters {sorted(table)} µm",
    )


def _periaxonal_mohm_per_cm(diameter_um: float, space_um: float) -> float:
    r = diameter_um / 2.0
    return RHO_AXOPLASM_OHM_CM * 100.0 / (np.pi * ((r + space_um) ** 2 - r**2))


def build_mrg_fiber(
    diameter_um: float, n_nodes: int = 41, temperature_c: float = 37.0, model: str = "mrg"
) -> NrnFiber:
    """Build the protocol's MRG fiber in NEURON (PROTOCOL.md §1); ``model`` as in
    :func:`mrg_geometry`.

    Returns
    -------
    NrnFiber
        With 11·(n_nodes − 1) + 1 sections; ``z_um`` of shape (n_sections,).
    """
    check_odd_count(n_nodes, "n_nodes")
    g = mrg_geometry(diameter_um, model)
    h = load_mechanisms()
    big_d = g.fiber_diameter_um
    d_n, d_a, nl = g.node_diameter_um, g.axon_diameter_um, g.n_lamellae
    x_node = _periaxonal_mohm_per_cm(d_n, SPACE_NODE_UM)
    x_internode = _periaxonal_mohm_per_cm(d_a, SPACE_INTERNODE_UM)
    xg_myelin = 0.001 / (2 * nl)
    xc_myelin = 0.1 / (2 * nl)

    sections: list[Any] = []  # NEURON h.Section objects (untyped)
    node_idx: list[int] = []
    lengths: list[float] = []

    def add(name: str, length_um: float) -> Any:
        sec = h.Section(name=f"{name}{len(sections)}")
        sec.nseg = 1
        sec.L = length_um
        sec.insert("extracellular")
        if sections:
            sec.connect(sections[-1](1), 0)
        sections.append(sec)
        lengths.append(length_um)
        return sec

    def add_node(k: int) -> None:
        sec = add("node", NODE_LENGTH_UM)
        node_idx.append(len(sections) - 1)
        sec.diam = d_n
        if k in (0, n_nodes - 1):  # passive end node
            sec.Ra = 1e10
            sec.cm = 1.0
            sec.insert("pas")
            sec.g_pas = 1e-4
            sec.e_pas = V_REST_MV
        else:
            sec.Ra = RHO_AXOPLASM_OHM_CM
            sec.cm = 2.0
            sec.insert("nsmrgnode")
        sec.xraxial[0] = x_node
        sec.xg[0] = 1e10
        sec.xc[0] = 0.0

    def add_internode(name: str, length_um: float, d_true: float, g_leak: float, x: float) -> None:
        sec = add(name, length_um)
        sec.diam = big_d
        sec.Ra = RHO_AXOPLASM_OHM_CM * (big_d / d_true) ** 2
        sec.cm = 2.0 * d_true / big_d
        sec.insert("pas")
        sec.g_pas = g_leak * d_true / big_d
        sec.e_pas = V_REST_MV
        sec.xraxial[0] = x
        sec.xg[0] = xg_myelin
        sec.xc[0] = xc_myelin

    for k in range(n_nodes):
        add_node(k)
        if k == n_nodes - 1:
            break
        add_internode("mysa", MYSA_LENGTH_UM, d_n, 0.001, x_node)
        add_internode("flut", g.flut_length_um, d_a, 0.0001, x_internode)
        for _ in range(6):
            add_internode("stin", g.stin_length_um, d_a, 0.0001, x_internode)
        add_internode("flut", g.flut_length_um, d_a, 0.0001, x_internode)
        add_internode("mysa", MYSA_LENGTH_UM, d_n, 0.001, x_node)

    ends = np.cumsum(lengths)
    z_um = ends - np.asarray(lengths) / 2.0
    return NrnFiber(h, sections, node_idx, z_um, V_REST_MV, temperature_c)


def _rough_guess_ma(diameter_um: float, distance_mm: float, waveform: str, pw_ms: float) -> float:
    """A first guess (magnitude) for the bracket: Weiss strength-duration with a 0.1 ms
    chronaxie, distance^1.6, 1/diameter, anodic x5, biphasic x1.15. Anchored on PROTOCOL.md
    §8's 10 µm, 1 mm, 0.1 ms cathodic value (0.122 mA). Only the search cost depends on it."""
    base = 0.061 * (1.0 + 0.1 / pw_ms) * distance_mm**1.6 * (10.0 / diameter_um)
    factor = {"monophasic-anodic": 5.0, "biphasic-cathodic-first": 1.15}.get(waveform, 1.0)
    return base * factor


def _protocol_fiber(
    diameter_um: float,
    waveform: str,
    pulse_width_ms: float,
    n_pulses: int,
    rate_hz: float,
    n_nodes: int | None,
    dt_ms: float,
    tstop_ms: float,
    temperature_c: float,
    pulse_start_ms: float,
    model: str = "mrg",
) -> tuple[NrnFiber, NDArray[np.float64], float]:
    """The protocol's unit waveform and sign, and the fiber it runs on (``n_nodes`` None: 61
    nodes for the anodic waveform, 41 otherwise; PROTOCOL.md §7)."""
    w, sign = protocol_waveform(
        waveform, pulse_width_ms, n_pulses, rate_hz, dt_ms, tstop_ms, pulse_start_ms
    )
    if n_nodes is None:
        n_nodes = 61 if waveform == "monophasic-anodic" else 41
    return build_mrg_fiber(diameter_um, n_nodes, temperature_c, model), w, sign


def neuron_threshold(
    diameter_um: float,
    distance_mm: float,
    waveform: str,
    pulse_width_ms: float,
    n_pulses: int = 1,
    rate_hz: float = 0.0,
    n_nodes: int | None = None,
    dt_ms: float = 0.005,
    tstop_ms: float = 5.0,
    temperature_c: float = 37.0,
    tolerance_rel: float = 0.001,
    *,
    guess_ma: float | None = None,
    verify: bool = True,
    pulse_start_ms: float = 0.1,
    model: str = "mrg",
) -> dict:
    """Threshold of an MRG fiber in NEURON under the reference protocol (PROTOCOL.md).

    Parameters
    ----------
    diameter_um : float
        One of the nine MRG diameters (5.7-16 µm); with ``model = "mrg-interpolation"`` any
        diameter in 2-16 µm.
    distance_mm : float
        Source-to-fiber distance, over the centre node.
    waveform : {"monophasic-cathodic", "monophasic-anodic", "biphasic-cathodic-first", "train"}
        "train": biphasic pulses, n_pulses at rate_hz (default 10 at 50 Hz; set tstop_ms 200).
    pulse_width_ms : float
        Per phase; a whole number of steps.
    n_pulses, rate_hz : train of ``n_pulses`` pulses at ``rate_hz`` (first at 0.1 ms).
    n_nodes : int, optional
        Default 61 for anodic, 41 otherwise (PROTOCOL.md §7).
    tolerance_rel : float
        Stop bisecting when (hi − lo)/hi < tolerance_rel; the reported value is the midpoint.
    guess_ma : float, optional
        Magnitude of the first guess (first trial at guess/1.25). Default: a rough estimate.
    verify : bool
        Run the 0.99x (no AP anywhere, tstop + 5 ms) and 1.01x checks of PROTOCOL.md §6.3.
    pulse_start_ms : float
        Start of the first pulse (the protocol: 0.1 ms; fiber-models.md §10.3 uses 0).
    model : {"mrg", "mrg-interpolation"}
        The published geometry table or the interpolated geometry (:func:`mrg_geometry`).

    Returns
    -------
    dict
        ``threshold_ma`` (signed source current, negative = cathodic), ``n_sims`` (all
        simulations, verification included), ``seconds`` (wall time, fiber build included),
        ``status`` (``ok``, ``not-bracketed``, ``block-suspected``, ``end-excitation``,
        ``late-ap``, or ``unverified`` when ``verify`` is False), ``initiation_nodes`` (list of
        int, local minima of the first AP time over the nodes at 1.01x threshold).
    """
    t0 = time.perf_counter()
    check_positive(distance_mm, "distance_mm", "mm")
    check_positive(tolerance_rel, "tolerance_rel", "relative")
    check_positive(temperature_c + 273.15, "temperature_c", "°C above absolute zero")
    fiber, w, sign = _protocol_fiber(
        diameter_um, waveform, pulse_width_ms, n_pulses, rate_hz, n_nodes, dt_ms, tstop_ms,
        temperature_c, pulse_start_ms, model,
    )  # fmt: skip
    if guess_ma is None:
        guess_ma = _rough_guess_ma(diameter_um, distance_mm, waveform, pulse_width_ms)
    return timed_threshold_search(
        fiber, distance_mm, w, sign, dt_ms, tstop_ms, tolerance_rel, guess_ma, t0, verify=verify
    )


def neuron_response(
    diameter_um: float,
    distance_mm: float,
    waveform: str,
    pulse_width_ms: float,
    amplitude_ma: float,
    n_pulses: int = 1,
    rate_hz: float = 0.0,
    n_nodes: int | None = None,
    dt_ms: float = 0.005,
    tstop_ms: float = 5.0,
    temperature_c: float = 37.0,
    *,
    pulse_start_ms: float = 0.1,
    model: str = "mrg",
    record_nodes: bool = False,
) -> dict:
    """One full-length MRG simulation at a given signed amplitude (no search, no early stop).

    ``model`` as in :func:`mrg_geometry`. With ``record_nodes`` the result also holds
    ``v_nodes_mv``, ndarray of shape (n_nodes, n_steps): v at every node centre after each step.

    Returns
    -------
    dict
        ``ap_counts``: ndarray of shape (n_nodes,), APs counted at each node by tstop;
        ``first_ap_ms``: ndarray of shape (n_nodes,), first AP time per node (NaN: none);
        ``detect_node``: int, ⌊0.9·(n_nodes − 1)⌋; ``seconds``: float.
    """
    t0 = time.perf_counter()
    if not np.isfinite(amplitude_ma):
        raise InputError("amplitude_ma", amplitude_ma, "must be a finite signed current (mA)")
    check_positive(distance_mm, "distance_mm", "mm")
    fiber, w, _ = _protocol_fiber(
        diameter_um, waveform, pulse_width_ms, n_pulses, rate_hz, n_nodes, dt_ms, tstop_ms,
        temperature_c, pulse_start_ms, model,
    )  # fmt: skip
    traces: list[Any] = []
    if record_nodes:
        for i in fiber.node_sections:
            vec = fiber.h.Vector()
            vec.record(fiber.segments[i]._ref_v)
            traces.append(vec)
    first = fiber.run(phi_mv(fiber, distance_mm), amplitude_ma, w, dt_ms)
    out = {
        "ap_counts": fiber.ap_counts(),
        "first_ap_ms": first,
        "detect_node": int(0.9 * (fiber.n_nodes - 1)),
        "seconds": time.perf_counter() - t0,
    }
    if record_nodes:
        # a recorded Vector holds the value after finitialize, after each settling step and
        # after each protocol step: keep the last len(w)
        out["v_nodes_mv"] = np.array([np.asarray(v)[-len(w) :] for v in traces])
    return out


def neuron_cv(
    diameter_um: float,
    n_nodes: int = 41,
    dt_ms: float = 0.005,
    temperature_c: float = 37.0,
    model: str = "mrg",
) -> float:
    """Conduction velocity (m/s) by the protocol of ``mrg_cv.csv``.

    IClamp 10 nA × 0.1 ms from t = 0.1 ms at node 2; upward −30 mV crossings of v at nodes
    ⌊0.25(N−1)⌋ and ⌊0.75(N−1)⌋ (10 and 30 for 41 nodes), linearly interpolated between steps;
    CV = Δz/Δt. Ve = 0; initialisation as for thresholds.
    """
    check_positive(dt_ms, "dt_ms", "ms")
    fiber = build_mrg_fiber(diameter_um, n_nodes, temperature_c, model)
    h = fiber.h
    stim = h.IClamp(fiber.segments[fiber.node_sections[2]])
    stim.delay = 0.1
    stim.dur = 0.1
    stim.amp = 10.0
    a, b = int(0.25 * (n_nodes - 1)), int(0.75 * (n_nodes - 1))
    seg_a = fiber.segments[fiber.node_sections[a]]
    seg_b = fiber.segments[fiber.node_sections[b]]
    fiber.initialise(dt_ms)
    n_steps = round(5.0 / dt_ms)
    va, vb = np.empty(n_steps + 1), np.empty(n_steps + 1)
    va[0], vb[0] = seg_a.v, seg_b.v
    for n in range(n_steps):
        h.fadvance()
        va[n + 1], vb[n + 1] = seg_a.v, seg_b.v
    t = np.arange(n_steps + 1) * dt_ms

    def crossing(v: NDArray[np.float64]) -> float:
        up = np.flatnonzero((v[:-1] < -30.0) & (v[1:] >= -30.0))
        if up.size == 0:
            return np.nan
        i = up[0]
        return float(t[i] + dt_ms * (-30.0 - v[i]) / (v[i + 1] - v[i]))

    ta, tb = crossing(va), crossing(vb)
    dz_um = fiber.z_um[fiber.node_sections[b]] - fiber.z_um[fiber.node_sections[a]]
    return float(dz_um * 1e-6 / ((tb - ta) * 1e-3))


def neuron_resting_potential_mv(
    diameter_um: float, n_nodes: int = 41, temperature_c: float = 37.0, model: str = "mrg"
) -> NDArray[np.float64]:
    """Membrane potential of every compartment at t = 0 after the protocol's initialisation.

    Returns
    -------
    ndarray of shape (11·(n_nodes − 1) + 1,)
    """
    fiber = build_mrg_fiber(diameter_um, n_nodes, temperature_c, model)
    fiber.initialise(0.005)
    return np.array([seg.v for seg in fiber.segments])
