"""One call from a device program to per-fiber thresholds, afferent input and circuit output.

::

    program ──► drive (drive.py) ──► field (any VolumeConductor) ──► fiber thresholds
            (recruitment.py) ──► per-fiber margins of the circuit's Abeta afferents
            (afferents.py) ──► dorsal-horn circuit, stimulated and unstimulated, same seeds

:func:`run` returns a :class:`PipelineResult` that carries every stage's per-fiber arrays, so a
caller (the CLI, a virtual patient, a trial) can read thresholds, statuses, which fiber each
circuit afferent stands for, its evoked spike trains and the WDR output without recomputing.

The circuit sees one train: the one whose thresholds were computed (``train_index`` for a
multiplexed program), with the program's dosing (on/off cycling) around it. A burst's
threshold is that of its whole first burst (the fiber fires at least once in it); inside the
circuit each pulse of the burst then uses that margin [ours]. Kilohertz trains use the
circuit's regime model (``khz_regime``); fiber thresholds decide which afferents it reaches.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.anatomy import SpinalCordAnatomy
from neurostim.circuit import (
    BatchResult,
    Condition,
    build_network,
    noci_rate_hz,
    percent_inhibition,
    simulate,
    window_rate_hz,
)
from neurostim.circuit.afferents import pain_state
from neurostim.device import Program
from neurostim.errors import InputError
from neurostim.fibers import FiberPopulation, dorsal_column_population
from neurostim.field import VolumeConductor
from neurostim.pipeline.afferents import AfferentInput, afferent_input
from neurostim.pipeline.drive import pick_train
from neurostim.pipeline.placement import LeadPlacement, active_contact_center_mm
from neurostim.pipeline.pulses import circuit_program
from neurostim.pipeline.recruitment import RecruitmentResult, recruitment
from neurostim.units import S_TO_MS

KHZ_REGIMES = ("async", "block", "none")
MAX_CIRCUIT_DURATION_S = 600.0
MAX_SEEDS = 100


@dataclass(frozen=True)
class CircuitSettings:
    """How the dorsal-horn circuit is run after the fibers.

    Parameters
    ----------
    duration_s : float
        Simulated time per condition (s); stimulation starts at ``stim_start_s`` and lasts to
        the end. Rates are measured from ``stim_start_s + settle_s`` to the end.
    stim_start_s, settle_s : float
        Stimulation onset and the transient left out of the rate window (s).
    seeds : tuple of int
        One stimulated and one unstimulated condition per seed (same natural input).
    recovery_cycle : bool
        Apply the axon's recovery cycle to evoked spikes (False: the published protocol,
        every pulse fires every recruited fiber).
    pain_state : str
        Ongoing afferent activity (afferents.toml ``pain_states``).
    khz_regime : {"async", "block", "none"}
        Circuit model of a kilohertz train.
    """

    duration_s: float = 3.0
    stim_start_s: float = 1.0
    settle_s: float = 0.5
    seeds: tuple[int, ...] = (1,)
    recovery_cycle: bool = False
    pain_state: str = "protocol_row1"
    khz_regime: str = "async"

    def __post_init__(self) -> None:
        d = self.duration_s
        if not (_real(d) and 0 < d <= MAX_CIRCUIT_DURATION_S):
            raise InputError("duration_s", d, f"must be in (0, {MAX_CIRCUIT_DURATION_S:g}] s")
        if not (_real(self.stim_start_s) and 0 <= self.stim_start_s < d):
            raise InputError("stim_start_s", self.stim_start_s, f"must be in [0, {d:g}) s")
        if not (_real(self.settle_s) and 0 <= self.settle_s < d - self.stim_start_s):
            raise InputError(
                "settle_s", self.settle_s, f"must be in [0, {d - self.stim_start_s:g}) s"
            )
        seeds = tuple(self.seeds)
        if not (1 <= len(seeds) <= MAX_SEEDS) or not all(
            isinstance(s, int | np.integer) and 0 <= s < 2**32 for s in seeds
        ):
            raise InputError("seeds", self.seeds, f"give 1-{MAX_SEEDS} integers in [0, 2**32)")
        if not isinstance(self.recovery_cycle, bool):
            raise InputError("recovery_cycle", self.recovery_cycle, "must be true or false")
        pain_state(self.pain_state)
        if self.khz_regime not in KHZ_REGIMES:
            raise InputError("khz_regime", self.khz_regime, f"must be one of {KHZ_REGIMES}")

    @property
    def window_ms(self) -> tuple[float, float]:
        """Rate window (ms)."""
        return ((self.stim_start_s + self.settle_s) * S_TO_MS, self.duration_s * S_TO_MS)


def _real(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


@dataclass(frozen=True)
class CircuitOutput:
    """The circuit's response, stimulated against unstimulated, per bound and seed.

    Attributes
    ----------
    bounds : tuple of str
        ``("recruited",)``, or ``("lower", "upper")`` when some afferents' state is unknown.
    seeds : tuple of int
    window_ms : (float, float)
    wdr_rate_hz, noci_rate_hz : ndarray of shape (n_bounds, n_seeds)
        WDR total rate and non-pulse-locked rate (r_noci) while stimulated.
    wdr_rate_unstimulated_hz, noci_rate_unstimulated_hz : ndarray of shape (n_seeds,)
    inhibition_percent : ndarray of shape (n_bounds,)
        100 (1 - mean r_noci stimulated / mean r_noci unstimulated), over seeds. r_noci (the
        published measure) leaves out spikes 1-6 ms after any pulse, recruited or not: a
        program that recruits nothing at 20 Hz still reads about 10 % here.
    inhibition_total_percent : ndarray of shape (n_bounds,)
        The same on the WDR's total rate (0 when nothing is recruited).
    status : ndarray of str, shape (n_bounds + 1, n_seeds)
        The circuit's status per condition (last row: unstimulated); ``ok`` or a reason.
    batch : BatchResult
        Every cell's spikes and every afferent's input train; conditions are ordered bound-major
        then seed, the unstimulated ones last.
    """

    bounds: tuple[str, ...]
    seeds: tuple[int, ...]
    window_ms: tuple[float, float]
    wdr_rate_hz: NDArray[np.float64]
    noci_rate_hz: NDArray[np.float64]
    wdr_rate_unstimulated_hz: NDArray[np.float64]
    noci_rate_unstimulated_hz: NDArray[np.float64]
    inhibition_percent: NDArray[np.float64]
    inhibition_total_percent: NDArray[np.float64]
    status: NDArray[np.str_]
    batch: BatchResult

    @property
    def ok(self) -> bool:
        return bool(np.all(self.status == "ok"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary; an undefined rate (r_noci under a fast train) is null."""
        rows = []
        for b, bound in enumerate(self.bounds):
            rows.append(
                {
                    "bound": bound,
                    "wdr_rate_hz": _num(self.wdr_rate_hz[b].mean()),
                    "noci_rate_hz": _num(self.noci_rate_hz[b].mean()),
                    "inhibition_percent": _num(self.inhibition_percent[b]),
                    "inhibition_total_percent": _num(self.inhibition_total_percent[b]),
                    "per_seed_wdr_rate_hz": [_num(x) for x in self.wdr_rate_hz[b]],
                    "per_seed_noci_rate_hz": [_num(x) for x in self.noci_rate_hz[b]],
                    "status": self.status[b].tolist(),
                }
            )
        return {
            "seeds": list(self.seeds),
            "window_ms": list(self.window_ms),
            "unstimulated": {
                "wdr_rate_hz": _num(self.wdr_rate_unstimulated_hz.mean()),
                "noci_rate_hz": _num(self.noci_rate_unstimulated_hz.mean()),
                "status": self.status[-1].tolist(),
            },
            "stimulated": rows,
        }


@dataclass(frozen=True)
class PipelineResult:
    """Everything one :func:`run` computed.

    Attributes
    ----------
    program : Program
    train_index : int
    population : FiberPopulation
    recruitment : RecruitmentResult
        Thresholds, statuses and brackets per population fiber.
    afferents : AfferentInput
        Which population fiber each circuit Abeta afferent stands for, and its margin.
    circuit : CircuitOutput or None
        None when the circuit was not run.
    settings : CircuitSettings or None
    timings_s : dict of stage name to seconds
    anatomy : SpinalCordAnatomy or None
        The spinal cord the run used, if any.
    """

    program: Program
    train_index: int
    population: FiberPopulation
    recruitment: RecruitmentResult
    afferents: AfferentInput
    circuit: CircuitOutput | None
    settings: CircuitSettings | None
    timings_s: dict[str, float] = field(default_factory=dict)
    anatomy: SpinalCordAnatomy | None = None

    def evoked_spike_times_ms(self, afferent: int, bound: int = 0, seed: int = 0) -> NDArray:
        """Stimulation-evoked arrival times (ms) of one circuit Abeta afferent."""
        if self.circuit is None:
            raise InputError("circuit", None, "the circuit was not run")
        n_aff = self.afferents.fiber_index.size
        if not (0 <= afferent < n_aff and 0 <= bound < len(self.circuit.bounds)):
            raise InputError("afferent", afferent, f"must be in [0, {n_aff}) (bound < n_bounds)")
        if not 0 <= seed < len(self.circuit.seeds):
            raise InputError(
                "seed", seed, f"must be a seed index in [0, {len(self.circuit.seeds)})"
            )
        trains = self.circuit.batch.inputs[bound * len(self.circuit.seeds) + seed]
        net = build_network("foreman")
        local = afferent < self.afferents.n_local
        group = "abeta" if local else "abeta_surround"
        fiber = net.fiber_offset(group) + (afferent if local else afferent - self.afferents.n_local)
        sel = trains.evoked & (trains.fiber == fiber)
        return np.asarray(trains.times_ms[sel])

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary: per-fiber table, recruitment curve, afferents, circuit."""
        r, pop = self.recruitment, self.population
        amplitudes, recruited, undetermined = r.curve()
        first = np.array([v[0] for v in pop.vertices_mm])
        return {
            "program": self.program.name,
            "stimulator": self.program.stimulator,
            "train_index": self.train_index,
            "amplitude_ma": r.amplitude_ma,
            "pulse_width_us": float(self.program.trains[self.train_index].pulse_width_us),
            "rate_hz": float(self.program.trains[self.train_index].rate_hz),
            "conductor": r.conductor,
            "anatomy": None if self.anatomy is None else self.anatomy.to_dict(),
            "recruited_fraction": r.recruited_fraction,
            "undetermined_fraction": r.undetermined_fraction,
            "statuses": _counts(r.status),
            "fibers": [
                {
                    "diameter_um": float(pop.diameter_um[i]),
                    "x_mm": float(first[i, 0]),
                    "y_mm": float(first[i, 1]),
                    "weight": float(pop.weight[i]),
                    "threshold_ma": _num(r.threshold_ma[i]),
                    "status": str(r.status[i]),
                    "initiation_node": int(r.initiation_node[i]),
                }
                for i in range(pop.n_fibers)
            ],
            "curve": {
                "amplitude_ma": amplitudes.tolist(),
                "recruited": recruited.tolist(),
                "undetermined": undetermined.tolist(),
            },
            "afferents": {
                "n_local": self.afferents.n_local,
                "fiber_index": self.afferents.fiber_index.tolist(),
                "margin_lower": self.afferents.margin_lower.tolist(),
                "margin_upper": self.afferents.margin_upper.tolist(),
            },
            "circuit": None if self.circuit is None else self.circuit.to_dict(),
            "timings_s": dict(self.timings_s),
        }


def _counts(status: NDArray[np.str_]) -> dict[str, int]:
    keys, counts = np.unique(status, return_counts=True)
    return {str(k): int(n) for k, n in zip(keys, counts, strict=True)}


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def run(
    program: Program,
    *,
    anatomy: SpinalCordAnatomy | None = None,
    mesh_level: str = "coarse",
    population: FiberPopulation | None = None,
    conductor: VolumeConductor | str | dict[str, Any] | None = None,
    placements: list[LeadPlacement] | None = None,
    train_index: int | None = None,
    dt_ms: float = 0.005,
    tolerance_rel: float = 0.01,
    circuit: CircuitSettings | None = None,
    run_circuit: bool = True,
    progress: Callable[[str], None] | None = None,
) -> PipelineResult:
    """Run a program through field, fibers and the dorsal-horn circuit.

    Parameters
    ----------
    program : Program
        A validated program (``neurostim.device.load_program``).
    anatomy : SpinalCordAnatomy, optional
        A spinal cord (``neurostim.anatomy.load_anatomy``). With it the defaults become the
        finite-element cord of that anatomy (``mesh_level``), the leads on its dura and
        dorsal-column fibers below its dorsal surface (:mod:`neurostim.pipeline.anatomy`).
    mesh_level : {"coarse", "medium", "fine"}
        Mesh of the finite-element cord (with ``anatomy`` only).
    population : FiberPopulation, optional
        Default: ``dorsal_column_population`` centred on the train's active contacts (without
        an anatomy), ``dorsal_column_fibers(anatomy)`` (with one).
    conductor : VolumeConductor, name or table, optional
        Default: homogeneous, isotropic 0.2 S/m (without an anatomy), the anatomy's
        finite-element cord (with one).
    placements : list of LeadPlacement, optional
        One per lead (default: side by side across the midline, on the dura with an anatomy).
    train_index : int, optional
        Required for a program with several trains.
    dt_ms, tolerance_rel : float
        Fiber solver step and threshold bracket width.
    circuit : CircuitSettings, optional
        Default ``CircuitSettings()``.
    run_circuit : bool
        False: stop after the afferent mapping (``circuit`` is then None in the result).
    progress : callable, optional
        Called with the name of each stage as it starts ("fibers", "circuit").
    """
    import time

    if not isinstance(program, Program):
        raise InputError("program", type(program).__name__, "must be a neurostim.device.Program")
    t = pick_train(program, train_index)
    settings = CircuitSettings() if circuit is None else circuit
    if anatomy is not None:
        from neurostim.pipeline import anatomy as cord

        if conductor is None:
            conductor = cord.fem_conductor(anatomy, mesh_level=mesh_level)
        if placements is None:
            placements = cord.anatomy_placements(program, anatomy, train_index=t)
        if population is None:
            population = cord.dorsal_column_fibers(anatomy)
    if population is None:
        centre = active_contact_center_mm(program, placements, train_index=t)
        population = dorsal_column_population(z_center_mm=float(centre[2]))
    timings: dict[str, float] = {}
    say = progress or (lambda stage: None)
    say("fibers")
    start = time.perf_counter()
    rec = recruitment(
        program, population, conductor=conductor, placements=placements, train_index=t,
        dt_ms=dt_ms, tolerance_rel=tolerance_rel,
    )  # fmt: skip
    timings["fibers"] = time.perf_counter() - start
    net = build_network("foreman")
    n_local = int(net.n_fibers[net.fiber_group_names.index("abeta")])
    n_surround = int(net.n_fibers[net.fiber_group_names.index("abeta_surround")])
    aff = afferent_input(rec, n_local, n_surround)
    out = None
    if run_circuit:
        say("circuit")
        start = time.perf_counter()
        out = _run_circuit(program, t, aff, settings)
        timings["circuit"] = time.perf_counter() - start
    return PipelineResult(
        program=program,
        train_index=t,
        population=population,
        recruitment=rec,
        afferents=aff,
        circuit=out,
        settings=settings if run_circuit else None,
        timings_s=timings,
        anatomy=anatomy,
    )


def _run_circuit(
    program: Program, train_index: int, aff: AfferentInput, settings: CircuitSettings
) -> CircuitOutput:
    bounds = ("lower", "upper") if aff.bounded else ("recruited",)
    margins = (aff.margin_lower, aff.margin_upper) if aff.bounded else (aff.margin_lower,)
    inputs = [{"abeta_margins": m} for m in margins]
    return circuit_output(program, train_index, bounds, inputs, settings)


def circuit_program_of(program: Program, train_index: int, settings: CircuitSettings) -> Any:
    """The circuit program (``pipeline.pulses.circuit_program``) of one train of ``program``,
    with the program's dosing, as :func:`circuit_output` runs it."""
    alone = program.model_copy(update={"trains": [program.trains[train_index]]})
    return circuit_program(alone, khz_regime=settings.khz_regime)


def circuit_output(
    program: Program,
    train_index: int,
    bounds: tuple[str, ...],
    inputs: list[dict[str, Any]],
    settings: CircuitSettings,
) -> CircuitOutput:
    """Run the circuit on one train of ``program``: one stimulated condition per bound and
    seed, with that bound's afferent drive (``inputs``: keyword arguments of
    :class:`~neurostim.circuit.Condition`, e.g. ``abeta_margins`` or ``evoked_spikes``), and
    one unstimulated condition per seed."""
    pulses = circuit_program_of(program, train_index, settings)
    common: dict[str, Any] = {
        "duration_ms": settings.duration_s * S_TO_MS,
        "stim_start_ms": settings.stim_start_s * S_TO_MS,
        "recovery_cycle": settings.recovery_cycle,
        "pain_state": settings.pain_state,
    }
    stim = [
        Condition(program=pulses, seed=int(s), **drive, **common)
        for drive in inputs
        for s in settings.seeds
    ]
    rest = [c.unstimulated() for c in stim[: len(settings.seeds)]]
    batch = simulate([*stim, *rest])
    window = settings.window_ms
    n_b, n_s = len(bounds), len(settings.seeds)
    wdr = window_rate_hz(batch, "wdr", window)
    noci = noci_rate_hz(batch, window)
    noci_stim = noci[: n_b * n_s].reshape(n_b, n_s)
    noci_rest = noci[n_b * n_s :]
    wdr_stim, wdr_rest = wdr[: n_b * n_s].reshape(n_b, n_s), wdr[n_b * n_s :]

    def inhibition(stim: NDArray[np.float64], rest: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.array(
            [float(percent_inhibition(stim[b].mean(), rest.mean())) for b in range(n_b)]
        )

    status = np.array(batch.status, dtype="<U32").reshape(n_b + 1, n_s)
    return CircuitOutput(
        bounds=bounds,
        seeds=tuple(int(s) for s in settings.seeds),
        window_ms=window,
        wdr_rate_hz=wdr_stim,
        noci_rate_hz=noci_stim,
        wdr_rate_unstimulated_hz=wdr_rest,
        noci_rate_unstimulated_hz=noci_rest,
        inhibition_percent=inhibition(noci_stim, noci_rest),
        inhibition_total_percent=inhibition(wdr_stim, wdr_rest),
        status=status,
        batch=batch,
    )


__all__ = [
    "CircuitOutput",
    "CircuitSettings",
    "PipelineResult",
    "circuit_output",
    "circuit_program_of",
    "run",
]
