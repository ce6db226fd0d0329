"""One call from a DRG program to central spike trains and the dorsal-horn circuit's output.

::

    program + ganglion ──► DRG map: thresholds and statuses per neuron (drg.map)
        ──► the train on every recruited neuron: spike times at the central end (drg.train)
        ──► the circuit's afferents, one neuron each ──► explicit evoked spikes
        ──► dorsal-horn circuit, stimulated and unstimulated, same seeds (run.circuit_output)

Afferents (as ``pipeline.afferents`` for SCS [ours]): the circuit's local and surround Abeta
groups stand for the Abeta neurons, its Adelta and C groups for the Adelta and C neurons of the
map. In each group, afferent j of n is the neuron at the centre of the j-th equal share of its
type, neurons ordered by threshold (``above-max`` and thresholds not found last), so the
recruited fraction of the type is the fraction of the group carrying evoked spikes.

Evoked spikes: an afferent standing for a recruited neuron receives that neuron's central
spikes: pulse k of the circuit's train gets the spikes of simulated pulse k at the same delays
after the pulse onset, plus ``central_transit_ms`` (data/map.toml [train]); pulses past the
simulated train cycle through the neuron's steady pattern (the smallest period its spikes
per pulse repeat with over the second half of the train, ``drg.train.steady_period``), or,
without one, through the train's last ``repeat_pulses`` pulses (``drg.train.source_pulses``)
[ours], ``pulses_repeated`` in the JSON counts them. Silent neurons give none. Neurons of
unknown state (undetermined statuses) are not guessed: with any of them the circuit runs
twice, ``lower`` (silent) and ``upper`` (one spike per pulse at the median first-pulse delay
of the type's simulated neurons, the transit alone when none was simulated), and both outputs
are reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.circuit import build_network
from neurostim.device import Program
from neurostim.drg.geometry import DRGGeometry
from neurostim.drg.map import DETERMINED, DRGMap
from neurostim.drg.population import DRGPopulation
from neurostim.drg.train import (
    DRGTrain,
    check_pulses,
    map_for_train,
    pulse_of,
    recruited_neurons,
    source_pulses,
    steady_period,
    train_prepared,
    train_settings,
)
from neurostim.errors import InputError
from neurostim.field.conductor import VolumeConductor
from neurostim.pipeline.afferents import share_centres
from neurostim.pipeline.run import (
    CircuitOutput,
    CircuitSettings,
    circuit_output,
    circuit_program_of,
)
from neurostim.units import MS_TO_US, S_TO_MS

CIRCUIT_GROUPS = {"abeta": "abeta", "abeta_surround": "abeta", "adelta": "adelta", "c": "c"}
"""Circuit fibre group -> the DRG neuron type its afferents stand for."""
STATES = ("recruited", "silent", "undetermined", "absent")
"""An afferent's neuron: recruited (its central spikes), silent, of unknown state, or none (the
map has no neuron of the type)."""


@dataclass(frozen=True)
class DRGAfferents:
    """Which DRG neuron each circuit afferent stands for (afferents in ``group`` order).

    Attributes
    ----------
    group : tuple of str (n_afferents,), circuit fibre group
    fiber : ndarray of int (n_afferents,), the circuit's global fibre index
    neuron : ndarray of int (n_afferents,), population index (-1: absent)
    state : ndarray of str (n_afferents,), :data:`STATES`
    """

    group: tuple[str, ...]
    fiber: NDArray[np.int64]
    neuron: NDArray[np.int64]
    state: NDArray[np.str_]

    @property
    def bounded(self) -> bool:
        """True when some afferent's neuron is of unknown state (two circuit runs)."""
        return bool(np.any(self.state == "undetermined"))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for g in CIRCUIT_GROUPS:
            sel = np.array([x == g for x in self.group])
            out[g] = {
                "neuron": self.neuron[sel].tolist(),
                "state": self.state[sel].tolist(),
                "recruited": int(np.sum(self.state[sel] == "recruited")),
                "n_afferents": int(sel.sum()),
            }
        return out


def drg_afferents(m: DRGMap) -> DRGAfferents:
    """Map the neurons of a DRG map onto the circuit's afferents (module docstring)."""
    net = build_network("foreman")
    pop = m.population
    recruited = np.zeros(pop.n_neurons, bool)
    recruited[recruited_neurons(m)] = True
    unknown = ~np.isin(m.status, DETERMINED)
    key = np.where(np.isfinite(m.threshold_ma), m.threshold_ma, np.inf)
    groups, fibers, neurons, states = [], [], [], []
    for g, t in CIRCUIT_GROUPS.items():
        n = int(net.n_fibers[net.fiber_group_names.index(g)])
        idx = np.flatnonzero(pop.type == t)
        if idx.size:
            order = idx[np.argsort(key[idx], kind="stable")].astype(np.int64)
            chosen = share_centres(np.ones(pop.n_neurons), order, n)
            state = np.where(recruited[chosen], "recruited",
                             np.where(unknown[chosen], "undetermined", "silent"))  # fmt: skip
        else:
            chosen, state = np.full(n, -1, np.int64), np.full(n, "absent")
        groups += [g] * n
        fibers.append(net.fiber_offset(g) + np.arange(n))
        neurons.append(chosen)
        states.append(state)
    return DRGAfferents(
        group=tuple(groups),
        fiber=np.concatenate(fibers).astype(np.int64),
        neuron=np.concatenate(neurons).astype(np.int64),
        state=np.concatenate(states).astype("<U16"),
    )


def afferent_spikes(
    train: DRGTrain,
    aff: DRGAfferents,
    pulse_ms: NDArray[np.float64],
    duration_ms: float,
    *,
    upper: bool,
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Evoked spikes of every afferent for the circuit's pulses ``pulse_ms`` (n_pulses,):
    (times_ms, fiber, pulse) as ``circuit.Condition.evoked_spikes`` takes them; ``upper``:
    undetermined neurons fire on every pulse (module docstring). Spikes at or after
    ``duration_ms`` are left out."""
    transit = {k: float(v) for k, v in train_settings()["central_transit_ms"].items()}
    repeat = int(train_settings()["repeat_pulses"])
    first_delay: dict[str, list[float]] = {}
    delays: dict[int, tuple[NDArray[np.float64], NDArray[np.int64]]] = {}
    for i in train.simulated:
        t = train.spikes_of(int(i))
        p = pulse_of(t, train.onsets_ms)
        keep = p >= 0
        delays[int(i)] = (t[keep] - train.onsets_ms[p[keep]], p[keep])
        first = t[keep & (p == 0)]
        if first.size:
            kind = str(train.map.population.type[i])
            first_delay.setdefault(kind, []).append(float(first[0] - train.onsets_ms[0]))
    times, fibers, pulses = [], [], []
    for a in range(aff.fiber.size):
        i, state = int(aff.neuron[a]), str(aff.state[a])
        if i < 0:
            continue
        kind = str(train.map.population.type[i])
        if state == "recruited" and i in delays:
            d, p = delays[i]
            period = steady_period(train.spikes_per_pulse(i))
            src = source_pulses(pulse_ms.size, train.n_pulses, repeat, period)
            mine = [(pulse_ms[k] + d[p == src[k]], k) for k in range(pulse_ms.size)]
            t_a = np.concatenate([x for x, _ in mine]) + transit[kind]
            p_a = np.concatenate([np.full(x.size, k, np.int64) for x, k in mine])
        elif state == "undetermined" and upper:
            d0 = float(np.median(first_delay[kind])) if first_delay.get(kind) else 0.0
            t_a = pulse_ms + d0 + transit[kind]
            p_a = np.arange(pulse_ms.size, dtype=np.int64)
        else:
            continue
        times.append(t_a)
        pulses.append(p_a)
        fibers.append(np.full(t_a.size, aff.fiber[a], np.int64))
    if not times:
        return np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64)
    t_all, f_all, p_all = np.concatenate(times), np.concatenate(fibers), np.concatenate(pulses)
    inside = t_all < duration_ms
    return t_all[inside], f_all[inside], p_all[inside]


@dataclass(frozen=True)
class DRGRunResult:
    """Everything one :func:`drg_run` computed.

    Attributes
    ----------
    train : DRGTrain (its ``map``: the DRG map)
    afferents : DRGAfferents
    circuit : CircuitOutput or None (not run)
    settings : CircuitSettings or None
    pulses_in_circuit : int, pulses of the train in the circuit's run (0 when not run)
    timings_s : dict
    """

    train: DRGTrain
    afferents: DRGAfferents
    circuit: CircuitOutput | None
    settings: CircuitSettings | None
    pulses_in_circuit: int = 0
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def map(self) -> DRGMap:
        return self.train.map

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (``neurostim drg run --json``)."""
        m = self.map
        train = m.program.trains[m.train_index]
        return {
            "program": m.program.name,
            "stimulator": m.program.stimulator,
            "train_index": m.train_index,
            "amplitude_ma": m.amplitude_ma,
            "pulse_width_us": m.drive.pulse_width_ms * MS_TO_US,
            "rate_hz": float(train.rate_hz),
            "level": m.geometry.level,
            "dermatome": m.geometry.dermatome,
            "n_neurons": m.n_neurons,
            "undetermined_neurons": int(np.sum(~np.isin(m.status, DETERMINED))),
            "map": m.to_dict(),
            "train": {
                **self.train.to_dict(),
                "pulses_in_circuit": self.pulses_in_circuit,
                "pulses_repeated": max(0, self.pulses_in_circuit - self.train.n_pulses),
            },
            "afferents": {"bounded": self.afferents.bounded, **self.afferents.to_dict()},
            "circuit": None if self.circuit is None else self.circuit.to_dict(),
            "timings_s": dict(self.timings_s),
        }


def drg_run(
    program: Program,
    geometry: DRGGeometry,
    *,
    n_pulses: int | None = None,
    circuit: CircuitSettings | None = None,
    run_circuit: bool = True,
    population: DRGPopulation | None = None,
    n_per_type: int | dict[str, int] | None = None,
    seed: int = 0,
    placement: str = "realistic",
    conductor: VolumeConductor | str | dict[str, Any] | None = None,
    mesh_level: str = "coarse",
    train_index: int | None = None,
    base_dir: str | Path | None = None,
    tolerance_rel: float | None = None,
    progress: Callable[[int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> DRGRunResult:
    """Map, train and circuit for one DRG program (module docstring).

    Parameters are those of :func:`neurostim.drg.map.drg_map`, and
    n_pulses : int, optional
        Pulses of the train simulated on each recruited neuron (default data/map.toml [train]).
    circuit : CircuitSettings, optional
        Default ``CircuitSettings()``; ``recovery_cycle`` must be False (the cells have theirs).
    run_circuit : bool
        False: stop after the trains (``circuit`` None).

    Raises
    ------
    InputError
        Bad counts, a kilohertz train, a recovery cycle, any input ``drg_map`` refuses: before
        any meshing.
    """
    n = check_pulses(int(train_settings()["default_pulses"]) if n_pulses is None else n_pulses)
    settings = CircuitSettings() if circuit is None else circuit
    if run_circuit and settings.recovery_cycle:
        raise InputError("recovery_cycle", True, "must be False: the DRG cells model recovery")
    m, prep = map_for_train(program, geometry, train_index=train_index, population=population,
                            n_per_type=n_per_type, seed=seed, placement=placement,
                            conductor=conductor, mesh_level=mesh_level, base_dir=base_dir,
                            tolerance_rel=tolerance_rel, progress=progress,
                            on_stage=on_stage)  # fmt: skip
    t = m.train_index
    if on_stage is not None:
        on_stage("trains")
    train = train_prepared(m, prep, n, progress=progress)
    aff = drg_afferents(m)
    timings = dict(train.timings_s)
    out, n_circuit = None, 0
    if run_circuit:
        if on_stage is not None:
            on_stage("circuit")
        t0 = time.perf_counter()
        duration_ms = settings.duration_s * S_TO_MS
        pulse_ms, _ = circuit_program_of(program, t, settings).pulses(
            settings.stim_start_s * S_TO_MS, duration_ms
        )
        n_circuit = int(pulse_ms.size)
        ups = (False, True) if aff.bounded else (False,)
        bounds = ("lower", "upper") if aff.bounded else ("recruited",)
        inputs = [
            {"evoked_spikes": afferent_spikes(train, aff, pulse_ms, duration_ms, upper=u)}
            for u in ups
        ]
        out = circuit_output(program, t, bounds, inputs, settings)
        timings["circuit_s"] = time.perf_counter() - t0
    return DRGRunResult(
        train=train,
        afferents=aff,
        circuit=out,
        settings=settings if run_circuit else None,
        pulses_in_circuit=n_circuit,
        timings_s=timings,
    )


__all__ = [
    "CIRCUIT_GROUPS",
    "STATES",
    "DRGAfferents",
    "DRGRunResult",
    "afferent_spikes",
    "drg_afferents",
    "drg_run",
]
