"""ECAP growth curves: ECAP amplitude against current, the ECAP threshold from the closed-form
fit, recruited fibers, conduction velocity from latencies (ecap.md §1.3, §5, §6).

::

    program + anatomy ──► cord, leads, DC fibers, the lowest thresholds (_sfap.build_setup)
        ──► the other fibers bracketed between the curve's currents (_thresholds)
        ──► recorded runs: recruited fibers at each current, quiet ones by their passive
            response (_sfap.growth_traces) ──► neural trace at each current
        ──► + artifact + noise, blanking (signal.py) ──► processing (exp-linear by default)
        ──► P2 − N1 (features.py) ──► fit (fit.py)

The growth model and its fit: :mod:`neurostim.ecap.fit`. Conduction velocity: at the lowest
current whose ECAP is clearly measurable (status ``ok``), the slope of N1 latency against
distance from the cathode over the monopolar recordings on one side of it, at least
``cv_min_distance_mm`` away (the side with more of them); CV = 1 / slope (mm/ms = m/s).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.anatomy import SpinalCordAnatomy
from neurostim.device import Program
from neurostim.device.program import program_profile
from neurostim.device.safety import compliance_voltage_v
from neurostim.ecap._params import ecap_parameters
from neurostim.ecap._sfap import (
    EcapSetup,
    build_setup,
    full_sum,
    growth_traces,
    passive_uv_per_ma,
    stimulus_end_ms,
)
from neurostim.ecap._thresholds import bracket_on_grid
from neurostim.ecap.features import ecap_features
from neurostim.ecap.fit import (
    GrowthFit,
    conduction_velocity_from_latencies,
    fit_growth_curve,
    growth_model_uv,
)
from neurostim.ecap.signal import (
    artifact_uv,
    blank,
    noise_uv,
    process,
    recorded_mask,
    sample_times_ms,
    sample_trace,
)
from neurostim.errors import InputError
from neurostim.fibers.spinal import SpinalFibers
from neurostim.field import VolumeConductor
from neurostim.units import MA_TO_A

STATUSES = ("ok", "below_noise", "artifact_dominated", "out_of_compliance", "controller_saturated")
"""ECAP statuses (ecap.md §6); ``controller_saturated`` is the closed loop's."""
MAX_AMPLITUDES = 200
THRESHOLD_SEARCHES = ("grid", "exact")
"""``ecap_growth``'s ``threshold_search``."""


@dataclass(frozen=True)
class EcapTraces:
    """Sampled traces, µV. ``t_ms`` (n_samples,) after pulse onset; ``measured_uv`` (recorded,
    artifact and noise included, blanked, processed), ``neural_uv`` (noise- and artifact-free)
    and ``sfap_sum_uv`` (propagated part only), each (n_amplitudes, n_leads, n_samples);
    ``recorded`` (n_samples,) the samples after blanking."""

    t_ms: NDArray[np.float64]
    measured_uv: NDArray[np.float64]
    neural_uv: NDArray[np.float64]
    sfap_sum_uv: NDArray[np.float64]
    recorded: NDArray[np.bool_]


@dataclass(frozen=True)
class GrowthCurve:
    """An ECAP growth curve of one program (arrays of shape (n_amplitudes,) unless noted).

    ``ecap_uv``: P2 − N1 of the primary recording as the device measures it; ``neural_uv``:
    the same without artifact and noise; ``recruited``: DC fibers of the model recruited;
    ``status``: one of :data:`STATUSES`. ``recordings``: one row per recording (contact,
    distance to the cathode, N1 and P2 latencies from the propagated part) at
    ``latency_amplitude_ma``: the lowest current of status ``ok`` (the volley of the
    lowest-threshold fibers), else the largest; ``cv_m_per_s`` from the same latencies.
    ``template_error``: the largest difference between the shortcut and the full sum at the
    checked currents, relative to the full sum's peak, on the check's sample of fibers
    (ecap.md §6).
    """

    amplitude_ma: NDArray[np.float64]
    ecap_uv: NDArray[np.float64]
    neural_uv: NDArray[np.float64]
    recruited: NDArray[np.int64]
    status: NDArray[np.str_]
    ecap_threshold_ma: float | None
    perception_threshold_ma: float | None
    slope_uv_per_ma: float | None
    cv_m_per_s: float | None
    fit: GrowthFit
    traces: EcapTraces
    recordings: list[dict[str, Any]]
    primary: str
    template_error: dict[float, float]
    latency_amplitude_ma: float
    program: str
    level: str
    dcsf_mm: float
    n_fibers: int
    fibers_represented: float
    timings_s: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The keys of ``neurostim ecap growth --json``."""
        return {
            "program": self.program,
            "level": self.level,
            "dcsf_mm": self.dcsf_mm,
            "primary_recording": self.primary,
            "ecap_threshold_ma": self.ecap_threshold_ma,
            "perception_threshold_ma": self.perception_threshold_ma,
            "slope_uv_per_ma": self.slope_uv_per_ma,
            "cv_m_per_s": self.cv_m_per_s,
            "fit": self.fit.to_dict(),
            "growth": [
                {
                    "amplitude_ma": float(a),
                    "ecap_uv": float(e),
                    "neural_uv": float(n),
                    "recruited": int(r),
                    "status": str(s),
                }
                for a, e, n, r, s in zip(
                    self.amplitude_ma,
                    self.ecap_uv,
                    self.neural_uv,
                    self.recruited,
                    self.status,
                    strict=True,
                )
            ],
            "recordings": self.recordings,
            "latency_amplitude_ma": self.latency_amplitude_ma,
            "template_error": [
                {"amplitude_ma": a, "relative_error": e} for a, e in self.template_error.items()
            ],
            "n_fibers": self.n_fibers,
            "fibers_represented": self.fibers_represented,
            "timings_s": self.timings_s,
        }


def _check_amplitudes(
    amplitudes_ma: ArrayLike | None, program: Program
) -> NDArray[np.float64] | None:
    """The requested currents, refused unless 1..MAX_AMPLITUDES finite values within the
    stimulator's range (before any work)."""
    if amplitudes_ma is None:
        return None
    top_allowed = program_profile(program).amplitude_ma.maximum
    a = np.atleast_1d(np.asarray(amplitudes_ma, np.float64))
    if a.ndim != 1 or not 1 <= a.size <= MAX_AMPLITUDES:
        raise InputError("amplitudes_ma", a.size, f"1 to {MAX_AMPLITUDES} currents")
    bad = ~(np.isfinite(a) & (a >= 0) & (a <= top_allowed))
    if bad.any():
        raise InputError(
            "amplitudes_ma", float(a[bad][0]),
            f"currents in [0, {top_allowed:g}] mA (the stimulator's range)",
        )  # fmt: skip
    return a


def _default_amplitudes(program: Program, pt: float | None, n: int) -> NDArray[np.float64]:
    """``n`` currents from 0 to 2 x PT (or 2 x the program's amplitude), within the range."""
    top_allowed = program_profile(program).amplitude_ma.maximum
    top = 2.0 * pt if pt is not None else 2.0 * max(t.amplitude_ma for t in program.trains)
    return np.linspace(0.0, min(top, top_allowed), n)


def _volts_per_ma(setup: EcapSetup) -> float:
    """Compliance voltage the train needs per mA of amplitude (device safety's series path)."""
    program = setup.program
    profile = program_profile(program)
    train = program.trains[setup.train_index]
    cath: list[float] = []
    anod: list[float] = []
    for cid, share in train.contacts.items():
        z = float(program.impedance_ohm.get(cid, profile.default_impedance_ohm))
        (cath if share < 0 else anod).append(abs(share) / 100.0 * MA_TO_A * z)
    return compliance_voltage_v(cath, anod)


def _distances(setup: EcapSetup) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per recording: distance to the nearest stimulating contact (mm) and signed distance
    from the cathode along the lead axis (mm)."""
    train = setup.program.trains[setup.train_index]
    index = {c: i for i, c in enumerate(setup.contact_ids)}
    stim = [index[c] for c in train.contacts if c in index]
    cathode = index[min((c for c in train.contacts if c in index), key=lambda c: train.contacts[c])]
    near, along = [], []
    for lead in range(setup.montage.n_leads):
        p = setup.centres_mm[setup.montage.positive_contact(lead)]
        near.append(float(np.min(np.linalg.norm(setup.centres_mm[stim] - p, axis=1))))
        along.append(float(p[2] - setup.centres_mm[cathode][2]))
    return np.array(near), np.array(along)


def ecap_growth(
    program: Program,
    *,
    anatomy: SpinalCordAnatomy | str | Path | None = None,
    level: str = "T10",
    dcsf_mm: float | None = None,
    record: str | list[str] | None = None,
    amplitudes_ma: ArrayLike | None = None,
    seed: int = 0,
    conductor: VolumeConductor | str | dict[str, Any] | None = None,
    fibers: SpinalFibers | None = None,
    train_index: int | None = None,
    mesh_level: str = "coarse",
    scheme: str | None = None,
    params: dict[str, Any] | None = None,
    check_amplitudes_ma: ArrayLike | None = None,
    setup: EcapSetup | None = None,
    threshold_search: str = "grid",
) -> GrowthCurve:
    """ECAP growth curve of one program train (module docstring).

    Parameters
    ----------
    program : Program
    anatomy : SpinalCordAnatomy or path of an anatomy TOML, optional
        Default: the shipped ``level``; ``dcsf_mm`` overrides its dorsal CSF.
    record : str or list, optional
        Recordings (``"E1,E8"``, ``"E1-E8"``; :func:`neurostim.ecap.parse_record`); default
        every non-stimulating contact of the stimulating lead, monopolar.
    amplitudes_ma : array of shape (n_amplitudes,), optional
        Default ``growth.n_amplitudes`` currents from 0 to 2 x the perception threshold (the
        P-E2 sweep), within the stimulator's range.
    seed : int
        Seeds the fibers' node offsets and the amplifier noise.
    conductor : VolumeConductor, name or table, optional
        Default the finite-element cord of the anatomy (``mesh_level``); an analytic medium
        for fast studies.
    fibers : SpinalFibers, optional
        Default: dorsal-column fibers (``population.n_ml`` positions, 504 fibers).
    scheme : str, optional
        Artifact processing (``signal.SCHEMES``), default ``processing.default``.
    params : dict, optional
        Overrides of ``data/ecap.toml`` values, ``{section: {name: value}}``.
    check_amplitudes_ma : array, optional
        Currents of the full-sum check (default: the largest current); ``[]`` skips it. The
        check runs ``growth.check_fibers`` fibers drawn with ``seed`` (every fiber of a
        population no larger) and compares the shortcut on the same fibers.
    setup : EcapSetup, optional
        A setup built before (same program, anatomy and fibers), to reuse its thresholds.
        Without it, the setup's thresholds are searched over the recording window and the
        per-fiber results kept in the cache by content (``build_setup``).
    threshold_search : {"grid", "exact"}
        ``grid`` (default): thresholds searched to the tolerance only where they decide the
        perception threshold; every other fiber bracketed between two currents of the curve,
        which gives the same recruited fibers at each current (``_thresholds``). ``exact``:
        every fiber's threshold searched to the tolerance (the reference; the passive runs
        then sit at half each fiber's own threshold).
    """
    clock = time.perf_counter()
    prm = ecap_parameters(params)
    if not (isinstance(seed, int) and 0 <= seed < 2**32):
        raise InputError("seed", seed, "a whole number in [0, 2**32)")
    requested = _check_amplitudes(amplitudes_ma, program)
    if threshold_search not in THRESHOLD_SEARCHES:
        raise InputError("threshold_search", threshold_search, ", ".join(THRESHOLD_SEARCHES))
    if setup is None:
        search = "lowest" if threshold_search == "grid" else "all"
        setup = build_setup(program, anatomy=anatomy, level=level, dcsf_mm=dcsf_mm, record=record,
                            conductor=conductor, fibers=fibers, train_index=train_index,
                            mesh_level=mesh_level, params=prm, seed=seed,
                            thresholds=search)  # fmt: skip
    timings = {"setup_s": time.perf_counter() - clock}
    dc = setup.fibers.population == "dc"
    ok_dc = np.sort(setup.threshold_ma[setup.ok & dc])
    pt = float(ok_dc[0]) if ok_dc.size else None
    amps = (
        _default_amplitudes(program, pt, int(prm["growth"]["n_amplitudes"]))
        if requested is None
        else requested
    )
    top = int(np.argmax(amps))
    checks = [float(amps[top])] if check_amplitudes_ma is None else [
        float(x) for x in np.atleast_1d(check_amplitudes_ma)]  # fmt: skip
    clock = time.perf_counter()
    bracket_on_grid(setup, np.concatenate([amps, checks]), use_cache=setup.cache)
    timings["bracket_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    passive = passive_uv_per_ma(setup)
    ratio = float(prm["growth"]["level_ratio"])
    neural_steps, sfap_steps, n_rec = growth_traces(setup, amps, passive, ratio)
    timings["fibers_s"] = time.perf_counter() - clock
    engine_t = setup.engine_t_ms()
    t_ms = sample_times_ms(prm["recording"])
    neural = sample_trace(engine_t, neural_steps, t_ms)
    sfap = sample_trace(engine_t, sfap_steps, t_ms)
    pulse_end_ms = stimulus_end_ms(setup.drive)
    mask = recorded_mask(t_ms, pulse_end_ms, prm["recording"])
    near, along = _distances(setup)
    pw_us = float(program.trains[setup.train_index].pulse_width_us)
    rng = np.random.default_rng(seed)
    rms = float(prm["recording"]["noise_uv_rms"])
    scheme = str(prm["processing"]["default"]) if scheme is None else scheme
    measured = np.empty_like(neural)
    leftover = np.empty(amps.size)
    for n, a in enumerate(amps):
        art = artifact_uv(t_ms, a * pw_us, near, pulse_end_ms, prm["artifact"])
        raw = neural[n] + art + noise_uv(rng, neural[n].shape, rms)
        measured[n] = process(blank(raw, mask), t_ms, mask, pulse_end_ms, scheme, prm)
        left = process(blank(art, mask), t_ms, mask, pulse_end_ms, scheme, prm)
        leftover[n] = float(np.max(np.abs(left[setup.montage.primary][mask]), initial=0.0))
    p = setup.montage.primary
    feat = ecap_features(measured[:, p], t_ms, mask)
    clean = ecap_features(neural[:, p], t_ms, mask)
    status = np.full(amps.size, "ok", dtype="<U20")
    status[leftover > float(prm["recording"]["artifact_dominated_ratio"]) * clean.amplitude_uv] = (
        "artifact_dominated"
    )
    status[clean.amplitude_uv < float(prm["recording"]["below_noise_factor"]) * rms] = "below_noise"
    volts = amps * _volts_per_ma(setup)
    status[volts > program_profile(program).compliance_v] = "out_of_compliance"
    fit = fit_growth_curve(amps, feat.amplitude_uv)
    # latencies and CV from the propagated part at the lowest current whose ECAP is clearly
    # measurable (status ok): the volley of the lowest-threshold fibers; else the largest
    ok_idx = [int(n) for n in np.argsort(amps, kind="stable") if status[n] == "ok"]
    at = ok_idx[0] if ok_idx else top
    lat = ecap_features(sfap[at], t_ms)
    recordings = [
        {"contact": setup.montage.labels[k], "distance_mm": float(along[k]),
         "n1_latency_ms": _num(lat.n1_latency_ms[k]), "p2_latency_ms": _num(lat.p2_latency_ms[k])}
        for k in range(setup.montage.n_leads)
    ]  # fmt: skip
    cv = _cv(setup, along, lat.n1_latency_ms, float(prm["recording"]["cv_min_distance_mm"]))
    errors = {}
    clock = time.perf_counter()
    n_check = int(prm["growth"]["check_fibers"])
    n_all = setup.fibers.n_fibers
    only = (
        None
        if n_check >= n_all
        else np.sort(np.random.default_rng([seed, 1]).choice(n_all, n_check, replace=False))
    )
    for a in checks:
        full = sample_trace(engine_t, full_sum(setup, a, only), t_ms)[p]
        approx = sample_trace(
            engine_t, growth_traces(setup, np.array([a]), passive, ratio, only)[0][0], t_ms
        )[p]
        scale = float(np.max(np.abs(full[mask]), initial=0.0))
        errors[a] = float(np.max(np.abs(full - approx)[mask]) / scale) if scale > 0 else 0.0
    timings["full_sum_check_s"] = time.perf_counter() - clock
    ok_fit = fit.status == "ok"
    return GrowthCurve(
        amplitude_ma=amps, ecap_uv=feat.amplitude_uv, neural_uv=clean.amplitude_uv,
        recruited=n_rec, status=status,
        ecap_threshold_ma=fit.threshold_ma if ok_fit else None, perception_threshold_ma=pt,
        slope_uv_per_ma=fit.slope_uv_per_ma if ok_fit else None, cv_m_per_s=cv, fit=fit,
        latency_amplitude_ma=float(amps[at]),
        traces=EcapTraces(t_ms, measured, neural, sfap, mask), recordings=recordings,
        primary=setup.montage.labels[p], template_error=errors, program=program.name or "",
        level=setup.anatomy.level, dcsf_mm=float(setup.anatomy.dcsf_mm),
        n_fibers=int(setup.fibers.n_fibers), fibers_represented=float(setup.n_real.sum()),
        timings_s=timings,
    )  # fmt: skip


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _cv(setup: EcapSetup, along: NDArray[np.float64], n1_ms: NDArray[np.float64],
        min_mm: float) -> float | None:  # fmt: skip
    mono = np.array([(w != 0).sum() == 1 for w in setup.montage.weights])
    sides = [mono & (along >= min_mm), mono & (along <= -min_mm)]
    use = max(sides, key=lambda s: int(np.sum(s & np.isfinite(n1_ms))))
    cv, _ = conduction_velocity_from_latencies(np.abs(along[use]), n1_ms[use])
    return cv if math.isfinite(cv) else None


__all__ = [
    "STATUSES",
    "EcapTraces",
    "GrowthCurve",
    "GrowthFit",
    "conduction_velocity_from_latencies",
    "ecap_growth",
    "fit_growth_curve",
    "growth_model_uv",
]
