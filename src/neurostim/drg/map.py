"""DRG map: what one DRG program recruits in one ganglion, per neuron type.

::

    program + geometry ──► lead placed over the ganglion (lead.py) ──► DRG FEM unit solves
        ──► neurons placed by §6.2 (population.py), each a tree cable (cells)
        ──► V_e at every section = Σ_k i_k φ_k(x) ──► threshold per neuron (AP at the central
            end) ──► recruitment per type, initiation sites, per-neuron table

Definitions (drg.md §3.2, §6.3; issue 17):

- **Threshold** of a neuron: the smallest amplitude (mA, of the program's train, its contact
  shares and waveform unchanged) at which an action potential reaches the last node of the
  central branch (what reaches the cord), from the fiber engine's lock-step search
  (``fibers.threshold.find_thresholds``; relative bracket ``tolerance_rel``).
- **Status**: the engine's (``ok``, ``not-bracketed``, ``block-suspected``, ``end-excitation``,
  ``unstable``), and ``above-max``: quiet at ``max_amplitude_ma`` (data/map.toml, 4x the Axium
  range), so its threshold is higher (not recruited at any amplitude the map reports). Only
  ``ok`` neurons count as recruited; ``above-max`` neurons enter a type's median as +inf;
  every other status is an ``undetermined_neurons``.
- **Initiation site**: the site label (``soma``, ``initial_segment``, ``stem``, ``t_junction``,
  ``peripheral``, ``central``) of the node where the earliest AP of the final supra-threshold
  trial occurred.
- **Recruited fraction** of a type at an amplitude: neurons of status ``ok`` with threshold ≤
  amplitude over all neurons of the type.

Cables: one :class:`~neurostim.fibers.geometry.CableGeometry` per type and diameter set
(``neurostim.drg.cells.neuron_geometry``), branches cut at ``branch_length_mm`` (data/map.toml,
capped by the population's shortest branch polyline) with the node grid anchored at the T
junction; neurons sharing a cable are searched in one lock-step batch. Points: stem sections
on the straight stem from the T junction, branch sections along the branch polylines by arc
length from the T; the conductor is evaluated once at all sections of all neurons (the FEM
caches the point set).
"""

from __future__ import annotations

import contextlib
import functools
import math
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.device import Program
from neurostim.drg._io import shipped_text
from neurostim.drg.cells import (
    SITES,
    neuron_geometry,
    population_section_points_mm,
    section_sites,
)
from neurostim.drg.geometry import DRGGeometry
from neurostim.drg.lead import DRGLeadPlacement, place_lead
from neurostim.drg.neurons import NEURON_TYPES
from neurostim.drg.population import DRGPopulation, drg_population
from neurostim.errors import InputError
from neurostim.fibers.batch import process_context
from neurostim.fibers.cells import c_neuron_parameters
from neurostim.fibers.geometry import CableGeometry
from neurostim.fibers.threshold import (
    BLOCK_MIN_NODES,
    ThresholdResult,
    activating_function_estimate_ma,
    find_thresholds,
)
from neurostim.field.conductor import VolumeConductor, conductor_from_spec
from neurostim.pipeline.drive import ProgramDrive, pick_train, program_drive
from neurostim.units import MS_TO_US

NEURON_COLUMNS = ("type", "soma_x_mm", "soma_y_mm", "soma_z_mm", "threshold_ma",
                  "initiation_site", "status")  # fmt: skip
"""Columns of the per-neuron table (``neurostim drg map --neurons-out``), in this order."""
FEM_BLOCK_KEYS = ("elements", "dofs", "mesh_s", "solve_s", "cache_hit", "solver_status",
                  "impedance_ohm", "mesh_level")  # fmt: skip
"""Keys of the ``fem`` block (those of ``scs map`` and the contact impedances)."""
DETERMINED = ("ok", "above-max")
"""Statuses whose recruitment at every amplitude up to ``max_amplitude_ma`` is known."""
BRANCH_MARGIN_MM = 0.05
"""A modelled branch ends at least this far before the end of its polyline."""


@functools.cache
def map_settings() -> dict[str, Any]:
    """``data/map.toml``, parsed once."""
    return tomllib.loads(shipped_text("map.toml"))


# --- cells ------------------------------------------------------------------------------------


def cell_geometry(
    neuron_type: str,
    peripheral_um: float,
    stem_um: float,
    central_um: float,
    branch_length_mm: float | tuple[float, float],
    compartment_length_um: float | None = None,
) -> CableGeometry:
    """The cable of one neuron type at its diameters (:func:`neurostim.drg.cells.neuron_geometry`,
    node grid anchored at the T junction, ``branch_length_mm`` for both branches or
    (peripheral, central); ``compartment_length_um`` for the C cell only)."""
    return neuron_geometry(
        neuron_type,
        peripheral_um=float(peripheral_um),
        stem_um=float(stem_um),
        central_um=float(central_um),
        branch_length_mm=branch_length_mm,
        compartment_length_um=compartment_length_um,
    )


def _block_min_nodes(g: CableGeometry, compartment_length_um: float) -> int | None:
    """Fired compartments that mark a blocked trial of a C cell cut into
    ``compartment_length_um`` pieces: ``BLOCK_MIN_NODES`` counts them at the spec's length
    (8.333 um), so the count covering the same length; None (the engine's) for the A cells."""
    if g.model != "sundt":
        return None
    spec_um = float(c_neuron_parameters()["geometry"]["compartment_length_um"])
    return max(1, round(BLOCK_MIN_NODES["sundt"] * spec_um / compartment_length_um))


def node_sites(geometry: CableGeometry) -> NDArray[np.str_]:
    """Site label (:data:`SITES`) of each detector node of a cell, shape (n_nodes,)."""
    sites = np.asarray(section_sites(geometry), dtype="<U16")
    return sites[np.asarray(geometry.node_sections)]


# --- the map ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DRGMap:
    """Thresholds of a DRG population under one program train, and what they mean.

    Attributes
    ----------
    geometry, placement, population, program : the inputs (population of n_neurons)
    train_index : int
    drive : ProgramDrive
        The train's first pulse as it drives the neurons (shares, waveform, amplitude).
    threshold_ma : ndarray of shape (n_neurons,)
        Amplitude (mA, > 0) at which the AP reaches the central end; NaN if not bracketed.
    status : ndarray of str, shape (n_neurons,)
    initiation_site : ndarray of str, shape (n_neurons,)
        :data:`SITES`, or ``none`` where no supra-threshold trial was found.
    n_sims : ndarray of int, shape (n_neurons,)
    fem : dict
        The conductor's block (:data:`FEM_BLOCK_KEYS`).
    max_amplitude_ma : float
        Largest amplitude searched (``above-max`` neurons are quiet there).
    c_compartment_length_um : float
        Compartment length of the C cells' cable (the spec's 8.333 um unless chosen).
    timings_s : dict
        Seconds per stage: ``cells_s``, ``field_s`` (conductor: solve or cache load and point
        evaluation), ``thresholds_s`` and ``thresholds_<type>_s``.
    """

    geometry: DRGGeometry
    placement: DRGLeadPlacement
    population: DRGPopulation
    program: Program
    train_index: int
    drive: ProgramDrive
    threshold_ma: NDArray[np.float64]
    status: NDArray[np.str_]
    initiation_site: NDArray[np.str_]
    n_sims: NDArray[np.int64]
    fem: dict[str, Any]
    max_amplitude_ma: float = math.inf
    c_compartment_length_um: float = math.nan
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def amplitude_ma(self) -> float:
        return self.drive.amplitude_ma

    @property
    def n_neurons(self) -> int:
        return int(self.threshold_ma.size)

    def _ok(self, neuron_type: str) -> NDArray[np.bool_]:
        return (self.population.type == neuron_type) & (self.status == "ok")

    def types_present(self) -> list[str]:
        return [t for t in NEURON_TYPES if np.any(self.population.type == t)]

    def fractions(self, amplitude_ma: float | NDArray[np.float64]) -> dict[str, Any]:
        """Recruited fraction per type at ``amplitude_ma`` (a number or ndarray (n_amplitudes,))."""
        a = np.atleast_1d(np.asarray(amplitude_ma, np.float64))
        out: dict[str, Any] = {}
        for t in self.types_present():
            n = int(np.sum(self.population.type == t))
            thr = self.threshold_ma[self._ok(t)]
            f = np.sum(thr[None, :] <= a[:, None], axis=1) / n
            out[t] = float(f[0]) if np.ndim(amplitude_ma) == 0 else f
        return out

    def type_rows(self) -> list[dict[str, Any]]:
        """One row per type: ``type``, ``n_neurons``, ``threshold_min_ma``,
        ``threshold_median_ma`` (over ``ok`` and ``above-max`` neurons, the latter as +inf;
        None when that median is above ``max_amplitude_ma`` or no neuron counts),
        ``fraction_at_program``, ``above_max``, ``undetermined``."""
        at_program = self.fractions(self.amplitude_ma)
        rows = []
        for t in self.types_present():
            thr = self.threshold_ma[self._ok(t)]
            sel = self.population.type == t
            above = int(np.sum(sel & (self.status == "above-max")))
            ranked = np.concatenate([thr, np.full(above, np.inf)])
            median = float(np.median(ranked)) if ranked.size else math.inf
            rows.append({
                "type": t,
                "n_neurons": int(sel.sum()),
                "threshold_min_ma": float(thr.min()) if thr.size else None,
                "threshold_median_ma": median if math.isfinite(median) else None,
                "fraction_at_program": at_program[t],
                "above_max": above,
                "undetermined": int(np.sum(sel & ~np.isin(self.status, DETERMINED))),
            })  # fmt: skip
        return rows

    def initiation_sites(self) -> dict[str, dict[str, int]]:
        """Per type, how many ``ok`` neurons start their AP at each site (every site listed)."""
        out = {}
        for t in self.types_present():
            sites = self.initiation_site[self._ok(t)]
            out[t] = {s: int(np.sum(sites == s)) for s in SITES}
        return out

    def curve_amplitudes_ma(self, n_points: int | None = None) -> NDArray[np.float64]:
        """Log-spaced amplitudes spanning the finite thresholds and the program amplitude."""
        n = int(map_settings()["curve_points"]) if n_points is None else n_points
        finite = self.threshold_ma[np.isfinite(self.threshold_ma) & (self.status == "ok")]
        lo = min([self.amplitude_ma, *finite.tolist()]) / 2.0
        hi = max([self.amplitude_ma, *finite.tolist()]) * 1.25
        return np.geomspace(lo, hi, n)

    def recruitment_curve(
        self, amplitudes_ma: NDArray[np.float64] | None = None
    ) -> dict[str, list[float]]:
        """``amplitude_ma`` and the recruited fraction of each type at each amplitude."""
        a = self.curve_amplitudes_ma() if amplitudes_ma is None else np.asarray(amplitudes_ma)
        f = self.fractions(a)
        return {"amplitude_ma": a.tolist(), **{t: np.asarray(v).tolist() for t, v in f.items()}}

    def to_dict(self) -> dict[str, Any]:
        """The map as plain data; the keys of ``neurostim drg map --json``."""
        return {
            "program": self.program.name,
            "train_index": self.train_index,
            "amplitude_ma": self.amplitude_ma,
            "pulse_width_us": self.drive.pulse_width_ms * MS_TO_US,
            "level": self.geometry.level,
            "dermatome": self.geometry.dermatome,
            "lead_gap_mm": self.geometry.lead_gap_mm,
            "placement": self.population.placement,
            "seed": self.population.seed,
            "types": self.type_rows(),
            "initiation_sites": self.initiation_sites(),
            "recruitment": self.recruitment_curve(),
            "contacts": self.contacts(),
            "fem": self.fem,
            "undetermined_neurons": int(np.sum(~np.isin(self.status, DETERMINED))),
            "max_amplitude_ma": self.max_amplitude_ma,
            "c_compartment_length_um": self.c_compartment_length_um,
            "n_neurons": self.n_neurons,
        }

    def contacts(self) -> list[dict[str, Any]]:
        """The lead's contacts: id, the program's current share per mA, impedance (Ω)."""
        z = self.fem.get("impedance_ohm") or []
        shares = self.drive.shares(list(self.placement.contact_ids))
        return [{"id": cid, "current_per_ma": float(shares[k]),
                 "impedance_ohm": float(z[k]) if k < len(z) else None}
                for k, cid in enumerate(self.placement.contact_ids)]  # fmt: skip

    def neuron_rows(self) -> list[dict[str, Any]]:
        """One row per neuron: the :data:`NEURON_COLUMNS` (threshold None where not found)."""
        c = self.population.soma_center_mm
        return [
            {"type": str(self.population.type[i]),
             "soma_x_mm": float(c[i, 0]), "soma_y_mm": float(c[i, 1]),
             "soma_z_mm": float(c[i, 2]),
             "threshold_ma": (float(self.threshold_ma[i])
                              if math.isfinite(self.threshold_ma[i]) else None),
             "initiation_site": str(self.initiation_site[i]),
             "status": str(self.status[i])}
            for i in range(self.n_neurons)
        ]  # fmt: skip


def _conductor(
    spec: VolumeConductor | str | dict[str, Any] | None,
    geometry: DRGGeometry,
    placement: DRGLeadPlacement,
    mesh_level: str,
) -> VolumeConductor:
    if spec is None or spec == "drg-fem":
        from neurostim.drg.fem import DRGFEM

        return DRGFEM(geometry, placement, mesh_level=mesh_level)
    return conductor_from_spec(spec)


def _fem_block(conductor: VolumeConductor) -> dict[str, Any]:
    block = getattr(conductor, "fem_block", None)
    if callable(block):
        return dict(block())
    d = conductor.describe()
    return {k: d.get(k) for k in FEM_BLOCK_KEYS} | {"conductor": d.get("conductor")}


def _branch_caps_mm(population: DRGPopulation, idx: NDArray[np.int64]) -> tuple[float, float]:
    """Longest (peripheral, central) branch every neuron of ``idx`` can hold: its shortest
    polyline on that side, less a margin."""
    return tuple(  # type: ignore[return-value]
        min(population.branch_length_mm(int(i), b) for i in idx) - BRANCH_MARGIN_MM
        for b in ("peripheral", "central")
    )


def _groups(population: DRGPopulation) -> dict[tuple[str, float, float, float], list[int]]:
    """Neurons sharing one cable: type and the three diameters."""
    groups: dict[tuple[str, float, float, float], list[int]] = defaultdict(list)
    p = population
    for i in range(p.n_neurons):
        key = (str(p.type[i]), float(p.peripheral_diameter_um[i]), float(p.stem_diameter_um[i]),
               float(p.central_diameter_um[i]))  # fmt: skip
        groups[key].append(i)
    return groups


CableKey = tuple[str, float, float, float]


@dataclass(frozen=True)
class PreparedCells:
    """The cables of a population and the lead's field at every section (per mA of the
    program's train), as the map and the train runs use them.

    Attributes
    ----------
    placement, drive, population, conductor : the lead, the train's first unit, the neurons
        (n_neurons) and the volume conductor
    groups : dict cable key -> list of neuron indices
    cables : dict cable key -> (CableGeometry, node site labels (n_nodes,))
    spans : dict neuron index -> (start, stop) of its sections in ``v_mv``
    v_mv : ndarray (n_points,), potential per mA of the train at every section of every neuron
    timings_s : dict with ``cells_s`` and ``field_s``
    c_compartment_length_um : compartment length of the C cells (um)
    """

    placement: DRGLeadPlacement
    drive: ProgramDrive
    population: DRGPopulation
    conductor: VolumeConductor
    groups: dict[CableKey, list[int]]
    cables: dict[CableKey, tuple[CableGeometry, NDArray[np.str_]]]
    spans: dict[int, tuple[int, int]]
    v_mv: NDArray[np.float64]
    timings_s: dict[str, float]
    c_compartment_length_um: float

    def phi_mv_per_ma(self, idx: list[int] | NDArray[np.int64]) -> NDArray[np.float64]:
        """First-phase potential per mA in the engine's cathodic convention (polarity -1),
        (len(idx), n_sections) of the neurons ``idx`` (which share one cable)."""
        return -np.array([self.v_mv[self.spans[int(i)][0] : self.spans[int(i)][1]] for i in idx])


def prepare_cells(
    program: Program,
    geometry: DRGGeometry,
    *,
    train_index: int,
    population: DRGPopulation | None = None,
    n_per_type: int | dict[str, int] | None = None,
    seed: int = 0,
    placement: str = "realistic",
    conductor: VolumeConductor | str | dict[str, Any] | None = None,
    mesh_level: str = "coarse",
    base_dir: str | Path | None = None,
    branch_length_mm: dict[str, float] | None = None,
    on_stage: Callable[[str], None] | None = None,
    c_compartment_length_um: float | None = None,
) -> PreparedCells:
    """Lead, drive, population, cables and field of :func:`drg_map` (its parameters)."""
    settings = map_settings()
    t = train_index
    lengths = {k: float(settings["types"][k]["branch_length_mm"]) for k in NEURON_TYPES}
    for k, v in (branch_length_mm or {}).items():
        if k not in lengths or not (isinstance(v, int | float) and 0.2 <= v <= 100.0):
            raise InputError(f"branch_length_mm.{k}", v, "a type (abeta, adelta, c) -> 0.2-100 mm")
        lengths[k] = float(v)
    dz_c = float(settings["types"]["c"]["compartment_length_um"]
                 if c_compartment_length_um is None else c_compartment_length_um)  # fmt: skip
    if not (math.isfinite(dz_c) and 1.0 <= dz_c <= 100.0):
        raise InputError("c_compartment_length_um", c_compartment_length_um, "1-100 um")
    lead = place_lead(geometry, program, base_dir=base_dir, train_index=t)
    drive = program_drive(program, train_index=t, dt_ms=float(settings["dt_ms"]), window_ms=None)
    shares = drive.shares(list(lead.contact_ids))
    if not np.any(shares):
        raise InputError("contacts", drive.contact_ids, "the train drives no contact of the lead")
    if population is None:
        population = drg_population(geometry, n_per_type, seed=seed, placement=placement)  # type: ignore[arg-type]
    vc = _conductor(conductor, geometry, lead, mesh_level)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    # cables and points of every neuron
    cables: dict[tuple[str, float, float, float], tuple[CableGeometry, NDArray[np.str_]]] = {}
    groups = _groups(population)
    points, spans = [], {}
    start = 0
    for key, idx in groups.items():
        caps = _branch_caps_mm(population, np.asarray(idx))
        wanted = lengths[key[0]]
        g = cell_geometry(*key, (min(wanted, caps[0]), min(wanted, caps[1])),
                          compartment_length_um=dz_c if key[0] == "c" else None)  # fmt: skip
        cables[key] = (g, node_sites(g))
        for i in idx:
            points.append(population_section_points_mm(g, population, i))
            spans[i] = (start, start + g.n_sections)
            start += g.n_sections
    timings["cells_s"] = time.perf_counter() - t0
    if on_stage is not None:
        on_stage("field at every section")
    t0 = time.perf_counter()
    contacts = lead.ring_contacts()
    all_points = np.concatenate(points)
    used = np.arange(len(contacts)) if vc.needs_all_contacts else np.flatnonzero(shares)
    v_mv = vc.superposed_mv([contacts[j] for j in used], shares[used], all_points)
    timings["field_s"] = time.perf_counter() - t0
    return PreparedCells(placement=lead, drive=drive, population=population, conductor=vc,
                         groups=dict(groups), cables=cables, spans=spans, v_mv=v_mv,
                         timings_s=timings, c_compartment_length_um=dz_c)  # fmt: skip


def drg_map(
    program: Program,
    geometry: DRGGeometry,
    *,
    population: DRGPopulation | None = None,
    n_per_type: int | dict[str, int] | None = None,
    seed: int = 0,
    placement: str = "realistic",
    conductor: VolumeConductor | str | dict[str, Any] | None = None,
    mesh_level: str = "coarse",
    train_index: int | None = None,
    base_dir: str | Path | None = None,
    tolerance_rel: float | None = None,
    branch_length_mm: dict[str, float] | None = None,
    progress: Callable[[int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    workers: int = 1,
    c_compartment_length_um: float | None = None,
) -> DRGMap:
    """Map one train of a DRG program onto one ganglion (module docstring).

    Parameters
    ----------
    program : Program
        A validated one-lead program (``neurostim.device.check_program``).
    geometry : DRGGeometry
        The ganglion, its foramen and the lead's gap/offset/angle (``load_drg_geometry``).
    population : DRGPopulation, optional
        Neurons to map (default ``drg_population(geometry, n_per_type, seed=seed,
        placement=placement)``).
    n_per_type : int or mapping, optional
        Neurons per type (default 300 each, drg.md §6.2).
    conductor : VolumeConductor, name or table, optional
        Default: the DRG finite-element model (``DRGFEM``) at ``mesh_level``; any registered
        conductor (e.g. ``"homogeneous"``, an analytic medium for quick looks and tests).
    tolerance_rel : float, optional
        Relative bracket of each threshold (default data/map.toml, 1 %).
    branch_length_mm : mapping type -> mm, optional
        Modelled branch lengths (default: data/map.toml), capped by the branch polylines.
    progress : callable, optional
        Called with the number of neurons finished.
    on_stage : callable, optional
        Called with a short description as each stage starts.
    workers : int
        Local processes sharing the threshold searches (default 1: this process). Each
        neuron's search is its own (its trials depend on no other neuron), so the thresholds
        do not depend on the number; the neurons of a cable are split into ``workers``
        lock-step batches that run at once.
    c_compartment_length_um : float, optional
        Compartment length of the C cells (default data/map.toml; the spec's cell,
        ``neurostim.drg.cells.neuron_geometry``'s default, has 8.333 um). The count of fired
        compartments that marks a sub-threshold trial as blocked is scaled to cover the same
        length (``BLOCK_MIN_NODES`` at 8.333 um).

    Raises
    ------
    InputError
        A program the DRG lead cannot carry, a lead that meets bone or a root, bad counts, seed
        or placement: before any meshing.
    """
    settings = map_settings()
    t = pick_train(program, train_index)
    tol = float(settings["tolerance_rel"] if tolerance_rel is None else tolerance_rel)
    if not 0.0 < tol < 0.5:
        raise InputError("tolerance_rel", tolerance_rel, "must lie in (0, 0.5)")
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 256:
        raise InputError("workers", workers, "a whole number of processes, 1-256")
    prep = prepare_cells(program, geometry, train_index=t, population=population,
                         n_per_type=n_per_type, seed=seed, placement=placement,
                         conductor=conductor, mesh_level=mesh_level, base_dir=base_dir,
                         branch_length_mm=branch_length_mm, on_stage=on_stage,
                         c_compartment_length_um=c_compartment_length_um)  # fmt: skip
    return map_prepared(program, geometry, prep, train_index=t, tolerance_rel=tol,
                        progress=progress, on_stage=on_stage, workers=workers)  # fmt: skip


def map_prepared(
    program: Program,
    geometry: DRGGeometry,
    prep: PreparedCells,
    *,
    train_index: int,
    tolerance_rel: float,
    progress: Callable[[int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    workers: int = 1,
) -> DRGMap:
    """The thresholds of :func:`drg_map` on cells and field already prepared."""
    settings = map_settings()
    t, tol = train_index, tolerance_rel
    lead, drive, population, vc = prep.placement, prep.drive, prep.population, prep.conductor
    groups, cables, spans, v_mv = prep.groups, prep.cables, prep.spans, prep.v_mv
    dz_c = prep.c_compartment_length_um
    timings = dict(prep.timings_s)
    if on_stage is not None:
        on_stage("thresholds")
    t0 = time.perf_counter()
    n = population.n_neurons
    thr, n_sims = np.full(n, np.nan), np.zeros(n, np.int64)
    status = np.full(n, "ok", dtype="<U16")
    site = np.full(n, "none", dtype="<U16")
    max_ma = float(settings["max_amplitude_ma"])
    with _pool(workers) as pool:
        for key, idx in groups.items():
            g, sites = cables[key]
            t1 = time.perf_counter()
            # first-phase potential per mA, cathodic convention (recruitment.py): polarity -1
            phi = -np.array([v_mv[spans[i][0] : spans[i][1]] for i in idx])
            tstop = drive.end_ms + float(settings["types"][key[0]]["after_pulse_ms"])
            r = _search(g, phi, drive, tstop, tol, max_ma, int(settings["calibration_cases"]),
                        progress, pool, _block_min_nodes(g, dz_c))  # fmt: skip
            thr[idx], n_sims[idx], status[idx] = -r["threshold_ma"], r["n_sims"], r["status"]
            node = r["initiation_node"]
            found = node >= 0
            site[np.asarray(idx)[found]] = sites[node[found]]
            name = f"thresholds_{key[0]}_s"
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - t1
    timings["thresholds_s"] = time.perf_counter() - t0
    return DRGMap(
        geometry=geometry,
        placement=lead,
        population=population,
        program=program,
        train_index=t,
        drive=drive,
        threshold_ma=thr,
        status=status,
        initiation_site=site,
        n_sims=n_sims,
        fem=_fem_block(vc),
        max_amplitude_ma=max_ma,
        c_compartment_length_um=dz_c,
        timings_s=timings,
    )


def _search(
    g: CableGeometry,
    phi: NDArray[np.float64],
    drive: ProgramDrive,
    tstop_ms: float,
    tolerance_rel: float,
    max_amplitude_ma: float,
    n_calibration: int,
    progress: Callable[[int], None] | None,
    pool: Executor | None = None,
    block_min_nodes: int | None = None,
) -> dict[str, NDArray[Any]]:
    """Thresholds of the neurons of one cable, (n_cases,) arrays.

    The engine's first trial is the activating-function estimate, fitted to straight MRG
    fibers; for a cell type it can be off by a large factor, which costs bracketing steps.
    When the batch is large, ``n_calibration`` spread cases are searched first and the median
    ratio of their thresholds to their estimates scales the first trial of the rest; when all
    of them are ``above-max`` the rest start at the ceiling (the first trial only: the search
    itself is unchanged; a neuron that fires anywhere there is walked down as from any other
    first trial). With a ``pool`` of several processes, each batch is split among them
    (:func:`_split_thresholds`)."""
    n_cases = phi.shape[0]
    step = float(map_settings()["step_factor"])
    pol = np.full(n_cases, -1.0)
    pw = np.full(n_cases, drive.pulse_width_ms)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        est = activating_function_estimate_ma(g, phi, pol, pw)
    est = np.where(np.isfinite(est) & (est > 0), np.minimum(est, max_amplitude_ma),
                   max_amplitude_ma)  # fmt: skip

    def run(sel: NDArray[np.int64], first: NDArray[np.float64]) -> Any:
        kwargs = dict(
            waveform=drive.waveform, estimate_ma=first, dt_ms=drive.dt_ms, tstop_ms=tstop_ms,
            tolerance_rel=tolerance_rel, max_amplitude_ma=step * max_amplitude_ma,
            down_factor=step, up_factor=step, block_min_nodes=block_min_nodes,
        )  # fmt: skip
        return _split_thresholds(g, phi[sel], pol[sel], kwargs, pool, progress)

    out = {
        "threshold_ma": np.full(n_cases, np.nan),
        "n_sims": np.zeros(n_cases, np.int64),
        "status": np.full(n_cases, "ok", dtype="<U16"),
        "initiation_node": np.full(n_cases, -1, np.int64),
    }
    order = np.arange(n_cases)
    first = order[:0]
    if n_calibration > 0 and n_cases > 2 * n_calibration:
        first = np.unique(np.linspace(0, n_cases - 1, n_calibration).round().astype(np.int64))
        order = np.setdiff1d(order, first)
    scale = 1.0
    for sel in (first, order):
        if sel.size == 0:
            continue
        r = run(sel, np.minimum(est[sel] * scale, step * max_amplitude_ma))
        out["threshold_ma"][sel] = r.threshold_ma
        out["n_sims"][sel] = r.n_sims
        out["status"][sel] = r.status
        out["initiation_node"][sel] = r.initiation_node
        # bracketed from below, then no AP at the central end up to the ceiling: the engine ran
        # up to STEP x max_amplitude_ma, so its last quiet trial lay above max_amplitude_ma
        no_upper = (r.status == "not-bracketed") & np.isfinite(r.lower_ma) & np.isnan(r.upper_ma)
        # ... unless that last trial fired a long stretch of the cell without reaching the
        # central end within the window: an AP blocked, or still on its way (a C cell excited
        # at its peripheral cut end needs more than the window), never "above-max"
        answered = r.lower_fired_nodes >= (block_min_nodes or BLOCK_MIN_NODES[g.model])
        quiet_at_max = no_upper & ~answered
        out["status"][sel[quiet_at_max]] = "above-max"
        out["status"][sel[no_upper & answered]] = "block-suspected"
        found = np.isfinite(r.threshold_ma)
        if sel is first and found.any():
            scale = float(np.median(np.abs(r.threshold_ma[found]) / est[sel][found]))
        elif sel is first and quiet_at_max.all():
            scale = np.inf  # the rest start at the ceiling: one quiet trial settles each
    return out


def _pool(workers: int) -> Any:
    """A pool of ``workers`` local processes (started as ``batch.process_context`` says), or a
    context holding None for ``workers=1``."""
    if workers <= 1:
        return contextlib.nullcontext(None)
    return ProcessPoolExecutor(max_workers=workers, mp_context=process_context())


def _find_chunk(
    g: CableGeometry, phi: NDArray[np.float64], pol: NDArray[np.float64], kwargs: dict[str, Any]
) -> ThresholdResult:
    """``find_thresholds`` of one batch (run in a worker process)."""
    rest = {k: v for k, v in kwargs.items() if k != "waveform"}
    return find_thresholds(g, phi, kwargs["waveform"], pol, **rest)


def _split_thresholds(
    g: CableGeometry,
    phi: NDArray[np.float64],
    pol: NDArray[np.float64],
    kwargs: dict[str, Any],
    pool: Executor | None,
    progress: Callable[[int], None] | None,
) -> ThresholdResult:
    """``find_thresholds`` of the (n_cases,) cases, in this process or split into one
    contiguous batch per worker of ``pool`` (results in input order; ``progress`` per round
    here, per batch in the pool)."""
    n_cases = phi.shape[0]
    n_workers = int(getattr(pool, "_max_workers", 1))
    if pool is None or n_cases < 2 or n_workers < 2:
        rest = {k: v for k, v in kwargs.items() if k != "waveform"}
        return find_thresholds(g, phi, kwargs["waveform"], pol, progress=progress, **rest)
    parts = [p for p in np.array_split(np.arange(n_cases), min(n_workers, n_cases)) if p.size]
    first = kwargs["estimate_ma"]
    futs = [pool.submit(_find_chunk, g, phi[p], pol[p], kwargs | {"estimate_ma": first[p]})
            for p in parts]  # fmt: skip
    results = []
    for p, f in zip(parts, futs, strict=True):
        results.append(f.result())
        if progress is not None:
            progress(int(p.size))
    fields = ("threshold_ma", "lower_ma", "upper_ma", "n_sims", "status", "initiation_node",
              "lower_fired_nodes")  # fmt: skip
    return ThresholdResult(**{k: np.concatenate([getattr(r, k) for r in results]) for k in fields})


__all__ = [
    "DETERMINED",
    "FEM_BLOCK_KEYS",
    "NEURON_COLUMNS",
    "DRGMap",
    "PreparedCells",
    "cell_geometry",
    "drg_map",
    "map_prepared",
    "map_settings",
    "node_sites",
    "prepare_cells",
]
