"""Specific relief: the circuit's output per paradigm, and intrathecal relief over time.

Two tabulated stages of the pain model (patient-clinic.md §6.2; docs/patient-relief.md):

* :class:`ReliefTable` — the specific relief ``S = 1 - r_noci / r_noci0`` (γ = 1,
  pain-circuit.md §1.5) of the dorsal-horn circuit (:mod:`neurostim.circuit`) per paradigm
  (``tonic``, ``burst``, ``khz``, ``dtm``) over the fraction of Aβ afferents a pulse recruits,
  and for 10 kHz also over the direct interneuron drive. The table (``data/relief/circuit.csv``,
  mean and SD over seeds) is built once by :func:`build_relief_table`
  (``python -m neurostim.patient.relief build``); :meth:`ReliefTable.specific_relief`
  interpolates it for whole cohorts at once.
* :class:`IntrathecalResponse` — relief over days for a pump program (and its titration),
  from :mod:`neurostim.intrathecal`'s CSF pharmacokinetics and sigmoid Emax, with a
  per-patient EC50 scale (``sensitivity``).

``r_noci`` counts WDR spikes in the rate window that no *lockable* pulse precedes by 1–6 ms
(pain-circuit.md §1.5). Pulses of trains below 1 kHz are lockable; kilohertz trains evoke
asynchronous firing that cannot be told from their pulses, so they lock nothing (10 kHz:
r_noci = all WDR spikes; DTM: only the 50 Hz pulses lock). ``r_noci0`` is the unstimulated
run of the same seed counted through the *same* lock windows, so chance coincidences of
ongoing spikes with the pulses cancel and an ineffective program reads S = 0 (with the plain
unstimulated rate as denominator, 50 Hz tonic with no fibre recruited would read S ≈ 0.25
because a quarter of the time lies 1–6 ms after some pulse).
"""

from __future__ import annotations

import csv
import io
import math
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.errors import InputError

PARADIGMS = ("tonic", "burst", "khz", "dtm")
KHZ_HZ = 1000.0
"""Trains at or above this rate are kilohertz trains (10 kHz, the fast DTM component)."""
TABLE_FILE = "circuit.csv"
PARAMETER_FILE = "relief.toml"
CSV_COLUMNS = (
    "paradigm",
    "recruited_fraction",
    "interneuron_drive_na",
    "n_seeds",
    "s_mean",
    "s_sd",
    "r_noci_hz_mean",
    "r_noci0_hz_mean",
    "wdr_hz_mean",
    "ex_hz_mean",
)
BUILD_COMMAND = "python -m neurostim.patient.relief build"


def _data_text(name: str) -> str:
    return resources.files("neurostim.patient").joinpath(f"data/relief/{name}").read_text()


def relief_parameters() -> dict[str, Any]:
    """The shipped ``data/relief/relief.toml`` (paradigm settings, grid, sources)."""
    return tomllib.loads(_data_text(PARAMETER_FILE))


# --------------------------------------------------------------------------- paradigms


def paradigm_of(program: Any) -> str:
    """Paradigm of a :class:`neurostim.device.Program`: ``tonic`` | ``burst`` | ``khz`` | ``dtm``.

    One train: a burst waveform -> ``burst``; ``high-frequency`` waveform or a rate of 1 kHz or
    more -> ``khz``; otherwise ``tonic``. Several interleaved trains: one at 1 kHz or more
    beside a slower one, or slower trains at different rates (multiplexed) -> ``dtm``; all at
    1 kHz or more -> ``khz``; bursts (with no kHz train) -> ``burst``; tonic trains at one
    rate (e.g. two leads for coverage) -> ``tonic``.
    """
    trains = getattr(program, "trains", None)
    if not trains:
        raise InputError("program", type(program).__name__, "a neurostim.device.Program")
    fast = [t.waveform == "high-frequency" or float(t.rate_hz) >= KHZ_HZ for t in trains]
    if all(fast):
        return "khz"
    if len(trains) > 1 and any(fast):
        return "dtm"
    if any(t.waveform == "burst" for t in trains):
        return "burst"
    if len({float(t.rate_hz) for t in trains}) > 1:
        return "dtm"
    return "tonic"


def is_paresthesia_free(paradigm: str) -> bool:
    """True for paradigms programmed below the perception threshold (data: relief.toml)."""
    table = relief_parameters()["paradigms"]
    if paradigm not in table:
        raise InputError("paradigm", paradigm, f"choose one of {', '.join(PARADIGMS)}")
    return bool(table[paradigm]["paresthesia_free"])


def circuit_program(paradigm: str, interneuron_drive_na: float = 0.0) -> Any:
    """The circuit program of a paradigm at its clinical rate (relief.toml ``[paradigms]``)."""
    from neurostim.circuit import BurstTrain, KilohertzTrain, MultiplexedProgram, TonicTrain

    p = relief_parameters()["paradigms"]
    if paradigm == "tonic":
        return TonicTrain(float(p["tonic"]["rate_hz"]))
    if paradigm == "burst":
        b = p["burst"]
        return BurstTrain(
            burst_rate_hz=float(b["burst_rate_hz"]),
            pulses_per_burst=int(b["pulses_per_burst"]),
            intraburst_rate_hz=float(b["intraburst_rate_hz"]),
        )
    if paradigm == "khz":
        k = p["khz"]
        return KilohertzTrain(
            rate_hz=float(k["rate_hz"]),
            regime=str(k["regime"]),
            interneuron_drive_na=float(interneuron_drive_na),
        )
    if paradigm == "dtm":
        return MultiplexedProgram(tuple(TonicTrain(float(r)) for r in p["dtm"]["rate_hz"]))
    raise InputError("paradigm", paradigm, f"choose one of {', '.join(PARADIGMS)}")


def lockable_pulses_ms(program: Any, start_ms: float, stop_ms: float) -> NDArray[np.float64]:
    """Pulse times (n,) that mark WDR spikes as stimulation-locked: those of trains < 1 kHz."""
    from neurostim.circuit import KilohertzTrain, MultiplexedProgram, TonicTrain

    if program is None or isinstance(program, KilohertzTrain):
        return np.empty(0)
    if isinstance(program, TonicTrain) and program.rate_hz >= KHZ_HZ:
        return np.empty(0)
    if isinstance(program, MultiplexedProgram):
        parts = [lockable_pulses_ms(t, start_ms, stop_ms) for t in program.trains]
        return np.sort(np.concatenate(parts)) if parts else np.empty(0)
    return np.asarray(program.pulses(start_ms, stop_ms)[0], dtype=np.float64)


# --------------------------------------------------------------------------- circuit runs


@dataclass(frozen=True)
class Cell:
    """One table cell: a paradigm at a recruited fraction (and, for khz, a drive)."""

    paradigm: str
    recruited_fraction: float
    interneuron_drive_na: float = 0.0


def grid_cells(params: dict[str, Any] | None = None) -> list[Cell]:
    """Every cell of the shipped grid, paradigm-major."""
    b = (params or relief_parameters())["build"]
    fractions = [k / b["n_abeta"] for k in b["recruited_count"]]
    cells = [Cell(p, f) for p in ("tonic", "burst", "dtm") for f in fractions]
    cells += [Cell("khz", f, d) for f in fractions for d in b["interneuron_drive_na"]]
    return sorted(cells, key=lambda c: PARADIGMS.index(c.paradigm))


def run_cells(
    cells: Sequence[Cell],
    seeds: Sequence[int],
    *,
    params: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Simulate ``cells`` x ``seeds`` (one batch per seed, with its control).

    Returns arrays of shape (n_cells, n_seeds): ``s`` (specific relief), ``r_noci_hz``,
    ``r_noci0_hz``, ``wdr_hz``, ``ex_hz``.
    """
    from neurostim.circuit import Condition, simulate, window_rate_hz
    from neurostim.circuit.outputs import locked_to_pulses

    par = params or relief_parameters()
    b, pp = par["build"], par["paradigms"]
    dur_ms, start_ms = 1000.0 * b["duration_s"], 1000.0 * b["stim_start_s"]
    window = (1000.0 * b["window_s"][0], 1000.0 * b["window_s"][1])
    span_s = (window[1] - window[0]) / 1000.0
    shape = (len(cells), len(seeds))
    out = {k: np.empty(shape) for k in ("s", "r_noci_hz", "r_noci0_hz", "wdr_hz", "ex_hz")}
    for j, seed in enumerate(seeds):
        base = Condition(
            program=None,
            seed=int(seed),
            realization=str(b["realization"]),
            pain_state=str(b["pain_state"]),
            duration_ms=dur_ms,
            stim_start_ms=start_ms,
        )
        conds = [base] + [
            replace(
                base,
                program=circuit_program(c.paradigm, c.interneuron_drive_na),
                recruitment=c.recruited_fraction,
                recovery_cycle=bool(pp[c.paradigm]["recovery_cycle"]),
            )
            for c in cells
        ]
        res = simulate(conds, dt_ms=float(b["dt_ms"]))
        if any(s != "ok" for s in res.status):
            bad = [c for c, s in zip(cells, res.status[1:], strict=True) if s != "ok"]
            raise InputError("cells", bad[:1], "a condition overflowed its spike buffer")
        wdr = window_rate_hz(res, "wdr", window)
        ex = window_rate_hz(res, "ex", window)
        ctrl = res.spikes(0, "wdr")
        ctrl = ctrl[(ctrl >= window[0]) & (ctrl < window[1])]
        for i, cond in enumerate(conds[1:]):
            lock = lockable_pulses_ms(cond.program, start_ms, dur_ms)
            s = res.spikes(i + 1, "wdr")
            s = s[(s >= window[0]) & (s < window[1])]
            r = float((~locked_to_pulses(s, lock)).sum()) / span_s
            r0 = float((~locked_to_pulses(ctrl, lock)).sum()) / span_s
            out["r_noci_hz"][i, j], out["r_noci0_hz"][i, j] = r, r0
            out["s"][i, j] = 1.0 - r / r0 if r0 > 0 else np.nan
            out["wdr_hz"][i, j], out["ex_hz"][i, j] = wdr[i + 1], ex[i + 1]
        if progress is not None:
            progress(j + 1, len(seeds))
    return out


# --------------------------------------------------------------------------- the table


def _header(params: dict[str, Any], runtime_s: float | None) -> list[str]:
    b, pp = params["build"], params["paradigms"]
    lines = [
        "Specific relief S = 1 - r_noci/r_noci0 (gamma = 1) of the dorsal-horn circuit",
        f"(neurostim.circuit, Zhang 2014 '{b['realization']}' network, pain state "
        f"'{b['pain_state']}', dt {b['dt_ms']} ms).",
        f"Runs of {b['duration_s']} s, stimulation from {b['stim_start_s']} s, rates over "
        f"{b['window_s'][0]}-{b['window_s'][1]} s; seeds {b['first_seed']}.."
        f"{b['first_seed'] + b['n_seeds'] - 1}; mean and SD (ddof 1) over seeds.",
        f"tonic {pp['tonic']['rate_hz']} Hz; burst {pp['burst']['burst_rate_hz']} Hz x "
        f"{pp['burst']['pulses_per_burst']} at {pp['burst']['intraburst_rate_hz']} Hz; khz "
        f"{pp['khz']['rate_hz']} Hz regime {pp['khz']['regime']} (+ interneuron drive); dtm "
        f"{' + '.join(str(r) for r in pp['dtm']['rate_hz'])} Hz multiplexed.",
        "r_noci: WDR spikes with no pulse of a < 1 kHz train 1-6 ms before; r_noci0: the "
        "same-seed unstimulated run through the same lock windows.",
        f"Rebuild: {BUILD_COMMAND}  (parameters: data/relief/{PARAMETER_FILE})",
    ]
    if runtime_s is not None:
        lines.append(f"Build time: {runtime_s:.0f} s")
    return lines


def build_relief_table(
    path: str | Path | None = None,
    *,
    n_seeds: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Run the whole grid (``relief.toml [build]``) and write the CSV (default: the shipped one).

    Cost: about 0.3 s of CPU per condition (7 s run), 89 conditions per seed.
    """
    params = relief_parameters()
    if n_seeds is not None:
        params["build"]["n_seeds"] = int(n_seeds)
    b = params["build"]
    seeds = list(range(b["first_seed"], b["first_seed"] + b["n_seeds"]))
    cells = grid_cells(params)
    t0 = time.perf_counter()
    res = run_cells(cells, seeds, params=params, progress=progress)
    runtime = time.perf_counter() - t0
    target = Path(path) if path is not None else _shipped_path()
    buf = io.StringIO()
    for line in _header(params, runtime):
        buf.write(f"# {line}\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for i, c in enumerate(cells):
        s = res["s"][i]
        sd = float(np.std(s, ddof=1)) if s.size > 1 else 0.0
        w.writerow(
            [
                c.paradigm,
                f"{c.recruited_fraction:.6f}",
                f"{c.interneuron_drive_na:g}",
                s.size,
                f"{np.mean(s):.4f}",
                f"{sd:.4f}",
                f"{np.mean(res['r_noci_hz'][i]):.2f}",
                f"{np.mean(res['r_noci0_hz'][i]):.2f}",
                f"{np.mean(res['wdr_hz'][i]):.2f}",
                f"{np.mean(res['ex_hz'][i]):.2f}",
            ]
        )
    target.write_text(buf.getvalue())
    return target


def _shipped_path() -> Path:
    return Path(str(resources.files("neurostim.patient").joinpath(f"data/relief/{TABLE_FILE}")))


@dataclass(frozen=True)
class Curve:
    """One paradigm's tabulated relief.

    ``recruited_fraction`` (n_f,), ``interneuron_drive_na`` (n_d,) (a single 0 except for
    khz), ``s_mean`` and ``s_sd`` (n_f, n_d): unclipped (negative = the circuit's nociceptive
    output rises).
    """

    paradigm: str
    recruited_fraction: NDArray[np.float64]
    interneuron_drive_na: NDArray[np.float64]
    s_mean: NDArray[np.float64]
    s_sd: NDArray[np.float64]


def _as_vector(name: str, value: ArrayLike) -> NDArray[np.float64]:
    try:
        a = np.atleast_1d(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError):
        raise InputError(name, value, "an array of numbers") from None
    if a.ndim != 1:
        raise InputError(name, a.shape, "a 1-D array (n,)")
    if not np.all(np.isfinite(a)):
        raise InputError(name, a[~np.isfinite(a)][0], "finite numbers")
    return a


def _check_range(name: str, a: NDArray[np.float64], lo: float, hi: float) -> None:
    bad = (a < lo) | (a > hi)
    if bad.any():
        raise InputError(name, float(a[bad][0]), f"must be in [{lo:g}, {hi:g}]")


def _segment(grid: NDArray[np.float64], x: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
    """Index of the left grid node (n,) and the weight of the right one (n,) for x in range."""
    if grid.size == 1:
        return np.zeros(x.size, dtype=np.int64), np.zeros(x.size)
    i = np.clip(np.searchsorted(grid, x, side="right") - 1, 0, grid.size - 2)
    w = (x - grid[i]) / (grid[i + 1] - grid[i])
    return i, np.clip(w, 0.0, 1.0)


@dataclass(frozen=True)
class ReliefTable:
    """The circuit's specific relief per paradigm, for cohorts (see the module docstring).

    ``header``: the CSV's comment lines (circuit, seeds, durations, rebuild command);
    ``interneuron_gain_na``: 10 kHz drive per unit of amplitude ratio (relief.toml
    ``[khz_drive]``); ``amplitude_ratio_max``: the largest amplitude ratio accepted.
    """

    curves: dict[str, Curve]
    header: tuple[str, ...]
    interneuron_gain_na: float
    amplitude_ratio_max: float
    paresthesia_free: dict[str, bool] = field(default_factory=dict)

    @property
    def paradigms(self) -> tuple[str, ...]:
        return tuple(self.curves)

    def curve(self, paradigm: str) -> Curve:
        if paradigm not in self.curves:
            raise InputError("paradigm", paradigm, f"choose one of {', '.join(self.curves)}")
        return self.curves[paradigm]

    def specific_relief(
        self,
        paradigm: str,
        recruited_fraction: ArrayLike,
        amplitude_ratio: ArrayLike | None = None,
    ) -> NDArray[np.float64]:
        """S (n,) in [0, 1], linearly interpolated in the recruited fraction (and, for khz,
        in the interneuron drive ``interneuron_gain_na x amplitude_ratio``).

        Parameters
        ----------
        paradigm : "tonic" | "burst" | "khz" | "dtm"
        recruited_fraction : (n,) fraction of Aβ fibres a pulse recruits, 0-1.
        amplitude_ratio : (n,) programmed amplitude over the perception threshold, 0 to
            ``amplitude_ratio_max`` (default 1; it matters only for khz).

        A drive above the tabulated range reads the last column (the circuit is saturated
        there: no WDR output from 0.01 nA up, docs/patient-relief.md).
        """
        c = self.curve(paradigm)
        f = _as_vector("recruited_fraction", recruited_fraction)
        _check_range("recruited_fraction", f, 0.0, 1.0)
        a = (
            np.ones(1)
            if amplitude_ratio is None
            else _as_vector("amplitude_ratio", amplitude_ratio)
        )
        if a.size == 1 and f.size != 1:
            a = np.full(f.size, a[0])
        if a.size != f.size:
            raise InputError(
                "amplitude_ratio", a.shape, f"same shape as recruited_fraction {f.shape}"
            )
        _check_range("amplitude_ratio", a, 0.0, self.amplitude_ratio_max)
        i, wf = _segment(c.recruited_fraction, f)
        drive = np.minimum(self.interneuron_gain_na * a, c.interneuron_drive_na[-1])
        k, wd = _segment(c.interneuron_drive_na, drive)
        k1 = np.minimum(k + 1, c.interneuron_drive_na.size - 1)
        m = c.s_mean
        left = (1 - wd) * m[i, k] + wd * m[i, k1]
        right = (1 - wd) * m[i + 1, k] + wd * m[i + 1, k1]
        s = (1 - wf) * left + wf * right
        return np.clip(s, 0.0, 1.0)


def _parse_table(text: str, params: dict[str, Any]) -> ReliefTable:
    header = tuple(line[1:].strip() for line in text.splitlines() if line.startswith("#"))
    body = [line for line in text.splitlines() if line and not line.startswith("#")]
    rows = list(csv.DictReader(body))
    missing = set(CSV_COLUMNS) - set(rows[0] if rows else {})
    if missing:
        raise InputError("relief table", sorted(missing), f"columns {', '.join(CSV_COLUMNS)}")
    curves = {}
    for p in PARADIGMS:
        mine = [r for r in rows if r["paradigm"] == p]
        if not mine:
            continue
        fr = np.unique([float(r["recruited_fraction"]) for r in mine])
        dr = np.unique([float(r["interneuron_drive_na"]) for r in mine])
        mean = np.full((fr.size, dr.size), np.nan)
        sd = np.full((fr.size, dr.size), np.nan)
        for r in mine:
            i = np.searchsorted(fr, float(r["recruited_fraction"]))
            k = np.searchsorted(dr, float(r["interneuron_drive_na"]))
            mean[i, k], sd[i, k] = float(r["s_mean"]), float(r["s_sd"])
        if np.isnan(mean).any():
            raise InputError("relief table", p, "a full grid of recruited fraction x drive")
        curves[p] = Curve(p, fr, dr, mean, sd)
    return ReliefTable(
        curves=curves,
        header=header,
        interneuron_gain_na=float(params["khz_drive"]["interneuron_gain_na"]),
        amplitude_ratio_max=float(params["query"]["amplitude_ratio_max"]),
        paresthesia_free={p: bool(v["paresthesia_free"]) for p, v in params["paradigms"].items()},
    )


@lru_cache(maxsize=1)
def _shipped_table() -> ReliefTable:
    return _parse_table(_data_text(TABLE_FILE), relief_parameters())


def relief_table(path: str | Path | None = None) -> ReliefTable:
    """The shipped relief table (``data/relief/circuit.csv``, read once), or one built to
    ``path``. Another 10 kHz gain: ``dataclasses.replace(table, interneuron_gain_na=...)``."""
    if path is None:
        return _shipped_table()
    params = relief_parameters()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError("relief table", str(path), f"a readable CSV file ({exc})") from None
    return _parse_table(text, params)


# --------------------------------------------------------------------------- intrathecal


def _titration_steps(program_path: Path) -> tuple[list[tuple[float, float]], str]:
    """Dose changes (day, dose_per_day) of the sidecar ``<stem>.titration.toml``, if any."""
    side = program_path.with_name(program_path.stem + ".titration.toml")
    if not side.exists():
        return [], ""
    try:
        data = tomllib.loads(side.read_text(encoding="utf-8-sig"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(str(side), "", f"a readable TOML titration file ({exc})") from None
    unknown = set(data) - {"changes", "source"}
    if unknown:
        raise InputError(str(side), sorted(unknown)[0], "keys are changes, source")
    steps = []
    for n, ch in enumerate(data.get("changes", [])):
        if set(ch) != {"day", "dose_per_day"}:
            raise InputError(f"{side.name}.changes[{n}]", sorted(ch), "keys day, dose_per_day")
        day, dose = ch["day"], ch["dose_per_day"]
        ok = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (day, dose))
        if not ok or not (math.isfinite(day) and math.isfinite(dose)) or day <= 0 or dose < 0:
            raise InputError(f"{side.name}.changes[{n}]", ch, "day > 0, dose_per_day >= 0")
        steps.append((float(day), float(dose)))
    days = [d for d, _ in steps]
    if days != sorted(set(days)):
        raise InputError(f"{side.name}.changes", days, "days increasing")
    return steps, str(data.get("source", ""))


@dataclass(frozen=True)
class IntrathecalResponse:
    """Relief over time of one pump program (and its titration) for patients of given EC50 scale.

    ``relief(days, sensitivity)``: max_relief x Ce^h / ((sensitivity x EC50)^h + Ce^h), with
    Ce(t) the effect-site concentration of the typical patient, computed once per program
    (analytic CSF concentration of the dose history, then the effect compartment on a
    ``grid_h`` grid), linearly interpolated at the requested days.
    """

    drug: str
    dose_steps: tuple[tuple[float, float], ...]  # (day, dose_per_day), the first at day 0
    unit: str
    ec50_ng_per_ml: float
    hill: float
    max_relief: float
    grid_days: NDArray[np.float64]
    effect_site_ng_per_ml: NDArray[np.float64]
    sensitivity_range: tuple[float, float]
    source: str = ""

    def relief(self, days: ArrayLike, sensitivity: ArrayLike) -> NDArray[np.float64]:
        """Relief (n, n_t) in [0, 1] at ``days`` (n_t,) for patients of EC50 scale
        ``sensitivity`` (n,) (> 1: less sensitive)."""
        t = _as_vector("days", days)
        _check_range("days", t, 0.0, float(self.grid_days[-1]))
        s = _as_vector("sensitivity", sensitivity)
        _check_range("sensitivity", s, *self.sensitivity_range)
        ce = np.interp(t, self.grid_days, self.effect_site_ng_per_ml)
        x = (np.clip(ce, 0.0, None)[None, :] / (s[:, None] * self.ec50_ng_per_ml)) ** self.hill
        return np.clip(self.max_relief * x / (1.0 + x), 0.0, 1.0)


def intrathecal_response(
    pump_program_path: str | Path,
    *,
    changes: Sequence[tuple[float, float]] | None = None,
    days_max: float | None = None,
) -> IntrathecalResponse:
    """The relief-over-time of a pump program (neurostim.intrathecal pump-program TOML).

    The program's dose runs from day 0 (a primed catheter). Dose changes come from
    ``changes`` [(day, dose_per_day), ...] or, if not given, from a sidecar file
    ``<program stem>.titration.toml`` (``[[changes]] day, dose_per_day``) next to the program;
    each is reviewed against the drug's titration rule (a step the rule refuses raises
    :class:`~neurostim.errors.InputError`). Drugs without CSF pharmacokinetics (e.g.
    hydromorphone) or without an ``analgesia`` effect are refused.
    """
    from neurostim.intrathecal import (
        concentration_for_history,
        get_pk,
        load_program,
        review_titration,
        shipped_drug_library,
    )
    from neurostim.intrathecal.effect import effect_site_ng_per_ml

    path = Path(pump_program_path)
    program = load_program(path)
    par = relief_parameters()["intrathecal"]
    pk = get_pk(program.drug)
    effect = str(par["effect"])
    if pk is None or effect not in pk.effect:
        raise InputError(
            "drug", program.drug, f"a drug with CSF pharmacokinetics and an {effect} effect"
        )
    lib = shipped_drug_library()
    drug = lib[program.drug]
    source = ""
    if changes is None:
        steps, source = _titration_steps(path)
    else:
        steps = [(float(d), float(x)) for d, x in changes]
    if program.mode != "simple-continuous" and steps:
        raise InputError("mode", program.mode, "titration needs a simple-continuous program")
    start = float(program.dose_per_day or 0.0) if program.mode == "simple-continuous" else 0.0
    history_doses = [(0.0, start), *steps]
    hours = [(d * 24.0, x) for d, x in history_doses]
    review = review_titration(drug, program.indication, hours)
    for step in review:
        if step.status == "error":
            f = step.findings[0]
            raise InputError(f.field, step.dose_per_day, f.message)
    history = [(0.0, program)] + [
        (d * 24.0, program.model_copy(update={"dose_per_day": x})) for d, x in steps
    ]
    horizon_d = float(days_max if days_max is not None else par["days_max"])
    grid_h = float(par["grid_h"])
    t_h = np.arange(0.0, horizon_d * 24.0 + grid_h / 2, grid_h)
    conc = concentration_for_history(history, t_h, drug.unit, pk)
    ep = pk.effect[effect]
    # the effect compartment on the grid: Ce starts at 0 with C(0) = 0
    ce = effect_site_ng_per_ml(conc, grid_h, ep.ke0_half_life_h)
    return IntrathecalResponse(
        drug=program.drug,
        dose_steps=tuple(history_doses),
        unit=drug.unit,
        ec50_ng_per_ml=float(ep.ec50_ng_per_ml),
        hill=float(ep.hill),
        max_relief=float(par["max_relief"]),
        grid_days=t_h / 24.0,
        effect_site_ng_per_ml=ce,
        sensitivity_range=(float(par["sensitivity_min"]), float(par["sensitivity_max"])),
        source=source,
    )


# --------------------------------------------------------------------------- command line


def _main(argv: Sequence[str]) -> int:
    if not argv or argv[0] != "build":
        print(f"usage: {BUILD_COMMAND} [--seeds N] [-o table.csv]", file=sys.stderr)
        return 2
    seeds, out = None, None
    rest = list(argv[1:])
    while rest:
        flag = rest.pop(0)
        if flag == "--seeds" and rest:
            seeds = int(rest.pop(0))
        elif flag in ("-o", "--output") and rest:
            out = rest.pop(0)
        else:
            print(f"unknown option {flag}", file=sys.stderr)
            return 2

    def bar(done: int, total: int) -> None:
        print(f"\rseed {done}/{total}", end="", file=sys.stderr, flush=True)

    target = build_relief_table(out, n_seeds=seeds, progress=bar)
    print(f"\nwrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main(sys.argv[1:]))
