"""Parameter sweeps: a table of conditions x seeds, each with its unstimulated control.

:func:`run_sweep` is what ``neurostim circuit sweep`` calls. By default it runs the protocol of
pain-circuit.md s3 row 1: Zhang "Foreman" realization, ongoing Poisson Abeta 9, Adelta 8.5, C
2.7 Hz, every pulse recruits all local and surround Abeta (+1 ms, 0-0.5 ms jitter, 1 ms
collision), 7 s runs with stimulation from t = 1 s and rates over t = 2-7 s (seconds 1-6 of
stimulation).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurostim.circuit.network import BLOCKS, REALIZATIONS
from neurostim.circuit.outputs import noci_rate_hz, percent_inhibition, window_rate_hz
from neurostim.circuit.programs import BurstTrain, KilohertzTrain, TonicTrain
from neurostim.circuit.simulate import DEFAULT_DT_MS, Condition, simulate
from neurostim.errors import InputError

PARADIGMS = ("tonic", "burst", "khz")
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
    async_rate_hz: float = 57.0
    nociceptive_scale: float = 1.0
    duration_s: float = 7.0
    stim_start_s: float = 1.0
    window_s: tuple[float, float] = (2.0, 7.0)

    def __post_init__(self) -> None:
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
        if not self.rates_hz:
            raise InputError("rate_hz", self.rates_hz, "give at least one rate")
        lo, hi = self.window_s
        if not 0 <= lo < hi <= self.duration_s:
            raise InputError(
                "window_s", self.window_s, f"must lie within the run (0-{self.duration_s} s)"
            )

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


def run_sweep(
    spec: SweepSpec,
    *,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = 8,
    dt_ms: float | None = None,
) -> list[dict[str, Any]]:
    """Run ``spec``; return one row (dict with :data:`COLUMNS`) per rate and seed.

    The unstimulated control of each seed (needed for percent inhibition) is simulated once
    per seed, whether or not 0 Hz is among the rates.
    """
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
