"""DRG trains: the spike times a program's pulse train sends to the cord, per neuron.

::

    DRG map (map.py: cables, field, single-pulse thresholds and statuses)
        ──► the program's train of ``n_pulses`` pulses (its rate, pulse width, amplitude and
            contact shares; the first unit of ``pipeline.drive.program_drive`` repeated every
            period) on every recruited neuron
        ──► AP times at the central end (the detection node ``central_end``) of each neuron

Which neurons run the train: those the map finds recruited at the program amplitude (status
``ok``, threshold ≤ amplitude). Determined neurons that are not recruited (``ok`` above the
amplitude, ``above-max``) are taken to stay silent under the train [ours: a train at a
sub-threshold amplitude is not simulated]; undetermined neurons (any other status) are not
simulated and not guessed: a caller bounds them (``drg.run``: silent, or firing on
every pulse).

Spike times are the step-end times (ms, cell clock: pulse p starts at ``onsets_ms[p]``) of
every upward -30 mV crossing of the central end's membrane potential, as
``drg.follow`` counts them; each is assigned to the last pulse that started at or before it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.device import Program
from neurostim.drg.follow import _upstrokes_ms
from neurostim.drg.geometry import DRGGeometry
from neurostim.drg.map import DRGMap, PreparedCells, map_prepared, map_settings, prepare_cells
from neurostim.drg.population import DRGPopulation
from neurostim.errors import InputError
from neurostim.fibers.cases import PULSE_START_MS
from neurostim.fibers.geometry import CableGeometry
from neurostim.fibers.solver import simulate
from neurostim.field.conductor import VolumeConductor
from neurostim.pipeline.drive import KHZ_RATE_HZ, ProgramDrive, pick_train
from neurostim.units import S_TO_MS


def train_settings() -> dict[str, Any]:
    """The ``[train]`` table of data/map.toml."""
    return dict(map_settings()["train"])


def check_pulses(n_pulses: Any) -> int:
    """``n_pulses`` as an int, or InputError naming the allowed range."""
    top = int(train_settings()["max_pulses"])
    ok = isinstance(n_pulses, int | np.integer) and not isinstance(n_pulses, bool)
    if not (ok and 1 <= n_pulses <= top):
        raise InputError("train_pulses", n_pulses, f"an integer 1-{top}")
    return int(n_pulses)


def train_waveform(
    drive: ProgramDrive, rate_hz: float, n_pulses: int, tail_ms: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The drive's first unit repeated every period: (waveform (n_steps,), onsets_ms (n_pulses,)).

    Pulse p starts at step round(p period / dt) after the unit's own start (``PULSE_START_MS``),
    so ``onsets_ms[p]`` = PULSE_START_MS + that step x dt; the run ends ``tail_ms`` after the
    last unit's end. InputError for kilohertz rates (one unit per pulse would be needed) or a
    unit longer than the period.
    """
    if not (math.isfinite(rate_hz) and 0.0 < rate_hz < KHZ_RATE_HZ):
        raise InputError("rate_hz", rate_hz, f"a DRG train rate in (0, {KHZ_RATE_HZ:g}) Hz")
    dt = drive.dt_ms
    unit = np.asarray(drive.waveform)
    lead = round(PULSE_START_MS / dt)
    period_steps = S_TO_MS / rate_hz / dt
    offsets = np.rint(np.arange(n_pulses) * period_steps).astype(np.int64)
    if unit.size - lead > max(1, math.floor(period_steps)):
        raise InputError("rate_hz", rate_hz, "a unit of the train is longer than its period")
    n_steps = int(offsets[-1] + unit.size + round(tail_ms / dt))
    wave = np.zeros(n_steps)
    for off in offsets:
        wave[off : off + unit.size] += unit
    return wave, PULSE_START_MS + offsets * dt


def central_spike_times_ms(
    geometry: CableGeometry,
    phi_mv_per_ma: NDArray[np.float64],
    amplitude_ma: NDArray[np.float64],
    waveform: NDArray[np.float64],
    dt_ms: float,
    *,
    intracellular_section: int = -1,
    intracellular_na: NDArray[np.float64] | None = None,
) -> list[NDArray[np.float64]]:
    """Every AP time (ms, step end) at the central end of each case of one cable.

    Parameters
    ----------
    geometry : CableGeometry with a ``central_end`` node (``drg.cells.neuron_geometry``)
    phi_mv_per_ma : ndarray (n_cases, n_sections), potential per unit amplitude
    amplitude_ma : ndarray (n_cases,), signed amplitude
    waveform : ndarray (n_steps,), unit waveform (``train_waveform``)
    intracellular_section, intracellular_na : an IClamp (section, nA per step (n_steps,)) as
        ``fibers.solver.simulate`` takes it, e.g. the ``drg.follow`` protocol
    """
    end = int(geometry.named_sections["central_end"])
    r = simulate(geometry, phi_mv_per_ma, np.asarray(amplitude_ma, np.float64), waveform,
                 dt_ms=dt_ms, n_steps=waveform.size, record_sections=np.array([end]),
                 intracellular_section=intracellular_section,
                 intracellular_na=intracellular_na)  # fmt: skip
    assert r.v_trace_mv is not None
    return [_upstrokes_ms(r.v_trace_mv[k, 0], dt_ms) for k in range(r.v_trace_mv.shape[0])]


def steady_period(counts: NDArray[np.int64]) -> int | None:
    """Smallest period p of a steady per-pulse pattern (spikes per pulse, (n_pulses,)): the
    counts of the second half of the train, and of at least p pulses after the first, each
    equal to the count p pulses earlier (the first pulse, from rest, is left out). None when
    no p ≤ (n_pulses - 1) / 2 fits."""
    n = counts.size
    for p in range(1, (n - 1) // 2 + 1):
        k = np.arange(max(1 + p, n // 2), n)
        if k.size >= p and np.array_equal(counts[k], counts[k - p]):
            return p
    return None


def source_pulses(
    n_circuit: int, n_pulses: int, repeat: int, period: int | None = None
) -> NDArray[np.int64]:
    """For each of ``n_circuit`` pulses, the simulated pulse (of ``n_pulses``) whose outcome it
    takes: itself while k < n_pulses, then cycling through the last W simulated pulses, so that
    pulse n_pulses + j takes pulse n_pulses - W + (j mod W): W = ``period`` (a steady pattern's,
    ``steady_period``) when given, else min(repeat, n_pulses - 1) (1 for a one-pulse train),
    which keeps in phase any pattern whose period divides W."""
    k = np.arange(n_circuit, dtype=np.int64)
    w = period if period is not None else max(1, min(int(repeat), n_pulses - 1))
    return np.where(k < n_pulses, k, n_pulses - w + (k - n_pulses) % w).astype(np.int64)


def pulse_of(times_ms: NDArray[np.float64], onsets_ms: NDArray[np.float64]) -> NDArray[np.int64]:
    """Index of the last pulse onset at or before each time (-1 before the first)."""
    return (np.searchsorted(onsets_ms, times_ms, side="right") - 1).astype(np.int64)


@dataclass(frozen=True)
class DRGTrain:
    """Central spike trains of the recruited neurons of a DRG map under ``n_pulses`` pulses.

    Attributes
    ----------
    map : DRGMap
    n_pulses : int
    rate_hz : float
    onsets_ms : ndarray (n_pulses,), pulse onsets on the cell clock
    duration_ms : float, simulated time
    simulated : ndarray of int (n_simulated,), neuron indices run (the recruited ones)
    spike_times_ms : tuple of n_simulated ndarrays, central-end AP times (cell clock)
    timings_s : dict, ``map_s`` (cables, field, thresholds) and ``train_s``
    """

    map: DRGMap
    n_pulses: int
    rate_hz: float
    onsets_ms: NDArray[np.float64]
    duration_ms: float
    simulated: NDArray[np.int64]
    spike_times_ms: tuple[NDArray[np.float64], ...]
    timings_s: dict[str, float] = field(default_factory=dict)

    def spikes_of(self, neuron: int) -> NDArray[np.float64]:
        """Central spike times of one neuron (empty if it was not simulated)."""
        hit = np.flatnonzero(self.simulated == neuron)
        return self.spike_times_ms[int(hit[0])] if hit.size else np.empty(0)

    def spikes_per_pulse(self, neuron: int) -> NDArray[np.int64]:
        """Central spikes of one neuron assigned to each pulse, (n_pulses,)."""
        p = pulse_of(self.spikes_of(neuron), self.onsets_ms)
        return np.bincount(p[p >= 0], minlength=self.n_pulses).astype(np.int64)

    def type_rows(self) -> list[dict[str, Any]]:
        """Per type: neurons, recruited (simulated), undetermined, central spikes per pulse
        summed over the simulated neurons, pulses answered by every simulated neuron."""
        m = self.map
        rows = []
        for t in m.types_present():
            sel = m.population.type == t
            mine = [int(i) for i in self.simulated if sel[i]]
            per_pulse = np.zeros(self.n_pulses, np.int64)
            for i in mine:
                per_pulse += self.spikes_per_pulse(i)
            answered = [int(np.sum(self.spikes_per_pulse(i) > 0)) for i in mine]
            rows.append({
                "type": t,
                "n_neurons": int(sel.sum()),
                "recruited": len(mine),
                "undetermined": int(np.sum(sel & ~np.isin(m.status, ("ok", "above-max")))),
                "central_spikes_per_pulse": per_pulse.tolist(),
                "central_spikes": int(per_pulse.sum()),
                "pulses_answered_min": min(answered) if answered else None,
            })  # fmt: skip
        return rows

    def neuron_rows(self) -> list[dict[str, Any]]:
        """One row per simulated neuron: index, type, threshold, central spike times (ms after
        the first pulse's onset) and spikes per pulse."""
        m = self.map
        return [
            {"neuron": int(i), "type": str(m.population.type[i]),
             "threshold_ma": float(m.threshold_ma[i]),
             "spike_times_ms": (self.spikes_of(int(i)) - self.onsets_ms[0]).tolist(),
             "spikes_per_pulse": self.spikes_per_pulse(int(i)).tolist()}
            for i in self.simulated
        ]  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """The train block of ``neurostim drg run --json``."""
        return {
            "n_pulses": self.n_pulses,
            "rate_hz": self.rate_hz,
            "duration_ms": self.duration_ms,
            "types": self.type_rows(),
            "neurons": self.neuron_rows(),
        }


def recruited_neurons(m: DRGMap) -> NDArray[np.int64]:
    """Neurons of status ``ok`` with threshold ≤ the program amplitude, ascending."""
    ok = (m.status == "ok") & np.isfinite(m.threshold_ma)
    return np.flatnonzero(ok & (m.threshold_ma <= m.amplitude_ma)).astype(np.int64)


def train_prepared(
    m: DRGMap,
    prep: PreparedCells,
    n_pulses: int,
    *,
    neurons: NDArray[np.int64] | None = None,
    progress: Callable[[int], None] | None = None,
) -> DRGTrain:
    """Run the train on ``neurons`` (default: the recruited ones) of a prepared map."""
    n_pulses = check_pulses(n_pulses)
    s = train_settings()
    program, t = m.program, m.train_index
    rate = float(program.trains[t].rate_hz)
    wave, onsets = train_waveform(prep.drive, rate, n_pulses, float(s["tail_ms"]))
    idx = recruited_neurons(m) if neurons is None else np.asarray(neurons, np.int64)
    t0 = time.perf_counter()
    spikes: dict[int, NDArray[np.float64]] = {}
    wanted = set(idx.tolist())
    for key, members in prep.groups.items():
        mine = [i for i in members if i in wanted]
        if not mine:
            continue
        g, _ = prep.cables[key]
        amp = np.full(len(mine), -prep.drive.amplitude_ma)  # cathodic convention, as the map
        out = central_spike_times_ms(g, prep.phi_mv_per_ma(mine), amp, wave, prep.drive.dt_ms)
        spikes.update(zip(mine, out, strict=True))
        if progress is not None:
            progress(len(mine))
    order = np.array(sorted(spikes), np.int64)
    return DRGTrain(
        map=m,
        n_pulses=n_pulses,
        rate_hz=rate,
        onsets_ms=onsets,
        duration_ms=wave.size * prep.drive.dt_ms,
        simulated=order,
        spike_times_ms=tuple(spikes[int(i)] for i in order),
        timings_s={**m.timings_s, "train_s": time.perf_counter() - t0},
    )


def drg_train(
    program: Program,
    geometry: DRGGeometry,
    *,
    n_pulses: int | None = None,
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
) -> DRGTrain:
    """Map a DRG program (``drg_map``, same parameters) and run ``n_pulses`` pulses of its train
    (default data/map.toml [train]) on every recruited neuron (module docstring)."""
    n = check_pulses(int(train_settings()["default_pulses"]) if n_pulses is None else n_pulses)
    m, prep = map_for_train(program, geometry, train_index=train_index, population=population,
                            n_per_type=n_per_type, seed=seed, placement=placement,
                            conductor=conductor, mesh_level=mesh_level, base_dir=base_dir,
                            tolerance_rel=tolerance_rel, progress=progress,
                            on_stage=on_stage)  # fmt: skip
    if on_stage is not None:
        on_stage("trains")
    return train_prepared(m, prep, n, progress=progress)


def map_for_train(
    program: Program,
    geometry: DRGGeometry,
    *,
    train_index: int | None,
    population: DRGPopulation | None,
    n_per_type: int | dict[str, int] | None,
    seed: int,
    placement: str,
    conductor: VolumeConductor | str | dict[str, Any] | None,
    mesh_level: str,
    base_dir: str | Path | None,
    tolerance_rel: float | None,
    progress: Callable[[int], None] | None,
    on_stage: Callable[[str], None] | None,
) -> tuple[DRGMap, PreparedCells]:
    """The map of a train run (:func:`drg_train`, ``drg.run.drg_run``) and the cells and field
    it was made on; a kilohertz train and a bad tolerance are refused before any meshing."""
    t = pick_train(program, train_index)
    rate = float(program.trains[t].rate_hz)
    if not rate < KHZ_RATE_HZ:
        raise InputError(f"trains[{t}].rate_hz", rate, f"below {KHZ_RATE_HZ:g} Hz for DRG trains")
    tol = float(map_settings()["tolerance_rel"] if tolerance_rel is None else tolerance_rel)
    if not 0.0 < tol < 0.5:
        raise InputError("tolerance_rel", tolerance_rel, "must lie in (0, 0.5)")
    prep = prepare_cells(program, geometry, train_index=t, population=population,
                         n_per_type=n_per_type, seed=seed, placement=placement,
                         conductor=conductor, mesh_level=mesh_level, base_dir=base_dir,
                         on_stage=on_stage)  # fmt: skip
    m = map_prepared(program, geometry, prep, train_index=t, tolerance_rel=tol,
                     progress=progress, on_stage=on_stage)  # fmt: skip
    return m, prep


__all__ = [
    "DRGTrain",
    "central_spike_times_ms",
    "check_pulses",
    "drg_train",
    "map_for_train",
    "pulse_of",
    "recruited_neurons",
    "source_pulses",
    "steady_period",
    "train_prepared",
    "train_settings",
    "train_waveform",
]
