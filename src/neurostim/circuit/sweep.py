"""Parameter sweeps: a table of conditions x seeds, each with its unstimulated control.

:func:`run_sweep` is what ``neurostim circuit sweep`` calls. By default it runs the protocol of
pain-circuit.md s3 row 1: Zhang "Foreman" realization, ongoing Poisson Abeta 9, Adelta 8.5, C
2.7 Hz, every pulse recruits all local and surround Abeta (+1 ms, 0-0.5 ms jitter, 1 ms
collision), 7 s runs with stimulation from t = 1 s and rates over t = 2-7 s (seconds 1-6 of
stimulation).

Every field of a :class:`SweepSpec` is checked when it is made (finite, in range, the range in
the message), and :func:`run_sweep` estimates the memory of the spike trains of the conditions
it builds at once before building them (:func:`sweep_memory_bytes`), refusing work above the
memory budget (:mod:`neurostim._budget`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurostim._budget import check_memory, memory_budget_bytes
from neurostim.circuit.network import BLOCKS, REALIZATIONS
from neurostim.circuit.outputs import noci_rate_hz, percent_inhibition, window_rate_hz
from neurostim.circuit.programs import BurstTrain, KilohertzTrain, TonicTrain, khz_default
from neurostim.circuit.simulate import DEFAULT_DT_MS, Condition, simulate
from neurostim.errors import InputError

PARADIGMS = ("tonic", "burst", "khz")
MAX_RATE_HZ = 20000.0
MAX_SEED = 2**32 - 1
"""Seeds are non-negative integers below 2**32 (first_seed + n_seeds - 1 included)."""
MAX_DURATION_S = 600.0
MAX_NOCICEPTIVE_SCALE = 100.0
"""Ongoing C and Adelta rates may be scaled up to 100x (C 2.7 Hz -> 270 Hz)."""
BYTES_PER_SPIKE = 256
"""Memory per afferent spike while a condition's trains are built and merged (measured peak
about 150 bytes: times, fibre, flags, latencies, sort order and their copies)."""
BYTES_PER_PULSE = 16
"""Memory per stimulation pulse (times and amplitude scale)."""
N_STIMULATED_FIBERS = 30
"""Abeta fibres a pulse can recruit (local + surround) in the Zhang 2014 network."""
N_FIBERS = 75
ONGOING_RATE_HZ = 10.0
"""Upper bound of any fibre's ongoing rate before nociceptive scaling (Abeta 9 Hz)."""
COLUMNS = (
    "paradigm",
    "rate_hz",
    "seed",
    "block",
    "realization",
    "recruitment",
    "wdr_hz",
    "wdr_noci_hz",
    "ex_hz",
    "in_hz",
    "in_s_hz",
    "control_wdr_hz",
    "inhibition_pct",
    "noci_inhibition_pct",
    "status",
)


@dataclass(frozen=True)
class SweepSpec:
    """What to sweep (all rates x all seeds) and the fixed settings of every condition."""

    paradigm: str = "tonic"
    rates_hz: tuple[float, ...] = (0, 10, 20, 50, 100, 200, 500, 1000)
    n_seeds: int = 5
    first_seed: int = 1
    block: str = "none"
    realization: str = "foreman"
    recruitment: float = 1.0
    recovery_cycle: bool | None = None
    pulses_per_burst: int = 5
    intraburst_rate_hz: float = 500.0
    khz_regime: str = "async"
    async_rate_hz: float = field(default_factory=lambda: khz_default("async_rate_hz"))
    nociceptive_scale: float = 1.0
    duration_s: float = 7.0
    stim_start_s: float = 1.0
    window_s: tuple[float, float] = (2.0, 7.0)

    def __post_init__(self) -> None:
        _check_numbers(self)
        if self.paradigm not in PARADIGMS:
            raise InputError("paradigm", self.paradigm, f"choose one of {', '.join(PARADIGMS)}")
        if self.block not in BLOCKS:
            raise InputError("block", self.block, f"choose one of {', '.join(BLOCKS)}")
        if self.realization not in REALIZATIONS:
            raise InputError(
                "realization", self.realization, f"choose one of {', '.join(REALIZATIONS)}"
            )
        if not 0.0 <= self.recruitment <= 1.0:
            raise InputError("recruitment", self.recruitment, "must be a fraction between 0 and 1")
        if not 1 <= self.n_seeds <= 1000:
            raise InputError("seeds", self.n_seeds, "must be 1-1000")
        lo, hi = self.window_s
        if not 0 <= lo < hi <= self.duration_s:
            raise InputError(
                "window_s", self.window_s, f"must lie within the run (0-{self.duration_s} s)"
            )

    def pulses_per_s(self, rate_hz: float) -> tuple[float, float]:
        """Upper bounds of (stimulation pulses, evoked spikes per recruited fibre) per second."""
        if rate_hz == 0:
            return 0.0, 0.0
        if self.paradigm == "tonic":
            return rate_hz, rate_hz
        if self.paradigm == "burst":
            return rate_hz * self.pulses_per_burst, rate_hz * self.pulses_per_burst
        return rate_hz, self.async_rate_hz

    def program(self, rate_hz: float) -> Any:
        """The program of one rate (0 Hz: no stimulation)."""
        if rate_hz == 0:
            return None
        if self.paradigm == "tonic":
            return TonicTrain(rate_hz)
        if self.paradigm == "burst":
            return BurstTrain(
                burst_rate_hz=rate_hz,
                pulses_per_burst=self.pulses_per_burst,
                intraburst_rate_hz=self.intraburst_rate_hz,
            )
        return KilohertzTrain(
            rate_hz=rate_hz, regime=self.khz_regime, async_rate_hz=self.async_rate_hz
        )

    def conditions(self) -> list[Condition]:
        """Conditions in row order (rate-major, then seed), controls (0 Hz) included."""
        recovery = self.recovery_cycle
        if recovery is None:
            recovery = self.paradigm != "tonic"
        out = []
        for rate in self.rates_hz:
            for s in range(self.first_seed, self.first_seed + self.n_seeds):
                out.append(
                    Condition(
                        program=self.program(rate),
                        seed=s,
                        block=self.block,
                        realization=self.realization,
                        recruitment=self.recruitment,
                        recovery_cycle=recovery,
                        nociceptive_scale=self.nociceptive_scale,
                        duration_ms=self.duration_s * 1000.0,
                        stim_start_ms=self.stim_start_s * 1000.0,
                        label={"rate_hz": float(rate)},
                    )
                )
        return out


def _check_numbers(spec: SweepSpec) -> None:
    """Every number of ``spec`` finite and in its range (InputError naming the range)."""
    if not spec.rates_hz:
        raise InputError("rate_hz", spec.rates_hz, "give at least one rate")
    for r in spec.rates_hz:
        if not (math.isfinite(r) and 0.0 <= r <= MAX_RATE_HZ):
            raise InputError("rate_hz", r, f"each rate must be between 0 and {MAX_RATE_HZ:g} Hz")
    ints = (
        ("seeds", spec.n_seeds, 1, 1000),
        ("first_seed", spec.first_seed, 0, MAX_SEED),
        ("pulses_per_burst", spec.pulses_per_burst, 1, 100),
    )
    for name, number, lo, hi in ints:
        if isinstance(number, bool) or not isinstance(number, int) or not lo <= number <= hi:
            raise InputError(name, number, f"must be a whole number in {lo}..{hi}")
    if spec.first_seed + spec.n_seeds - 1 > MAX_SEED:
        raise InputError(
            "first_seed", spec.first_seed, f"first_seed + seeds - 1 must be at most {MAX_SEED}"
        )
    floats: tuple[tuple[str, float, float, float, str], ...] = (
        ("recruitment", spec.recruitment, 0.0, 1.0, ""),
        ("intraburst_rate_hz", spec.intraburst_rate_hz, 1e-9, MAX_RATE_HZ, "Hz"),
        ("async_rate_hz", spec.async_rate_hz, 0.0, 499.999, "Hz"),
        ("nociceptive_scale", spec.nociceptive_scale, 0.0, MAX_NOCICEPTIVE_SCALE, "x"),
        ("duration_s", spec.duration_s, 1e-3, MAX_DURATION_S, "s"),
        ("stim_start_s", spec.stim_start_s, 0.0, MAX_DURATION_S, "s"),
    )
    for name, x, x_lo, x_hi, unit in floats:
        if not (math.isfinite(x) and x_lo <= x <= x_hi):
            allowed = f"{x_lo:g}..{x_hi:g} {unit}".rstrip()
            raise InputError(name, x, f"must be a finite number in {allowed}")
    if not all(math.isfinite(w) for w in spec.window_s):
        raise InputError("window_s", spec.window_s, "must be finite")


def sweep_memory_bytes(spec: SweepSpec, chunk: int = 8) -> int:
    """Estimated peak memory (bytes) of the spike trains of ``chunk`` conditions built at once
    (the most demanding rate): pulses, evoked spikes of every stimulated fibre, ongoing spikes.
    """
    stim_s = max(spec.duration_s - spec.stim_start_s, 0.0)
    ongoing = N_FIBERS * ONGOING_RATE_HZ * max(spec.nociceptive_scale, 1.0) * spec.duration_s
    worst = 0.0
    for rate in spec.rates_hz:
        pulses_s, evoked_s = spec.pulses_per_s(rate)
        spikes = N_STIMULATED_FIBERS * evoked_s * stim_s + ongoing
        worst = max(worst, BYTES_PER_PULSE * pulses_s * stim_s + BYTES_PER_SPIKE * spikes)
    n_at_once = min(chunk, len(spec.rates_hz) * spec.n_seeds + spec.n_seeds)
    return int(n_at_once * worst)


def run_sweep(
    spec: SweepSpec,
    *,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = 8,
    dt_ms: float | None = None,
    memory_budget_mb: float | None = None,
) -> list[dict[str, Any]]:
    """Run ``spec``; return one row (dict with :data:`COLUMNS`) per rate and seed.

    The unstimulated control of each seed (needed for percent inhibition) is simulated once
    per seed, whether or not 0 Hz is among the rates.

    Raises
    ------
    InputError
        A bad ``chunk``, or work whose estimated memory (:func:`sweep_memory_bytes`) exceeds
        the budget (``memory_budget_mb`` MiB, default half the available memory).
    """
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise InputError("chunk", chunk, "must be a whole number >= 1")
    budget = memory_budget_bytes(memory_budget_mb)
    top = max(spec.rates_hz)
    check_memory(
        "rate_hz",
        top,
        sweep_memory_bytes(spec, chunk),
        budget,
        f" for {spec.duration_s:g} s runs, {chunk} conditions at a time",
    )
    conds = spec.conditions()
    seeds = sorted({c.seed for c in conds})
    controls = [
        Condition(
            program=None,
            seed=s,
            block=spec.block,
            realization=spec.realization,
            nociceptive_scale=spec.nociceptive_scale,
            duration_ms=spec.duration_s * 1000.0,
            stim_start_ms=spec.stim_start_s * 1000.0,
        )
        for s in seeds
    ]
    todo = controls + conds
    window = (spec.window_s[0] * 1000.0, spec.window_s[1] * 1000.0)
    per_cell: dict[str, list[float]] = {k: [] for k in ("wdr", "ex", "in", "in_s", "noci")}
    status: list[str] = []
    step_ms = DEFAULT_DT_MS if dt_ms is None else dt_ms
    done = 0
    for i in range(0, len(todo), chunk):
        res = simulate(todo[i : i + chunk], dt_ms=step_ms)
        for cell in ("wdr", "ex", "in", "in_s"):
            per_cell[cell] += list(window_rate_hz(res, cell, window))
        per_cell["noci"] += list(noci_rate_hz(res, window))
        status += list(res.status)
        done += len(res.conditions)
        if progress is not None:
            progress(done, len(todo))
    n_ctrl = len(controls)
    ctrl = {s: (per_cell["wdr"][j], per_cell["noci"][j]) for j, s in enumerate(seeds)}
    rows = []
    for j, c in enumerate(conds):
        k = n_ctrl + j
        c_wdr, c_noci = ctrl[c.seed]
        rows.append(
            {
                "paradigm": spec.paradigm,
                "rate_hz": c.label["rate_hz"],
                "seed": c.seed,
                "block": spec.block,
                "realization": spec.realization,
                "recruitment": spec.recruitment,
                "wdr_hz": per_cell["wdr"][k],
                "wdr_noci_hz": per_cell["noci"][k],
                "ex_hz": per_cell["ex"][k],
                "in_hz": per_cell["in"][k],
                "in_s_hz": per_cell["in_s"][k],
                "control_wdr_hz": c_wdr,
                "inhibition_pct": float(percent_inhibition(per_cell["wdr"][k], c_wdr)),
                "noci_inhibition_pct": float(percent_inhibition(per_cell["noci"][k], c_noci)),
                "status": status[k],
            }
        )
    return rows


def summarize(rows: Sequence[dict[str, Any]], column: str = "wdr_hz") -> dict[float, tuple]:
    """Mean and SD over seeds of ``column`` per rate: {rate_hz: (mean, sd, n)}."""
    out: dict[float, tuple] = {}
    for rate in sorted({r["rate_hz"] for r in rows}):
        v = np.array([r[column] for r in rows if r["rate_hz"] == rate], dtype=float)
        out[rate] = (float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0, int(v.size))
    return out
