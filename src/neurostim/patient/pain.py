"""The virtual patient's pain score at a visit (patient-clinic.md §6.2; docs/patient-pain.md).

Per region ``j`` of patient ``i`` at month ``t`` of care::

    NRS_ij(t) = clip( NRS0_ij [1 - R_ij(t)] [1 - N_i(t)] + eps_ij(t), 0, 10 )

- ``R_ij(t) = rho_i * sum_k w_ik c_ijk S_ijk * H(t_on)``: the therapy's specific relief
  (:class:`ScsTherapy`, :class:`IntrathecalTherapy`), averaged over the day's postures ``k``
  with weights ``w_ik`` (the cohort's posture schedule); ``c`` is the region's coverage and
  ``S`` the circuit's relief at the posture's amplitude ratio; ``rho_i`` is the share of that
  relief that reaches the patient's pain score (logit-normal, fitted); ``H(t) = 1 - h (1 -
  exp(-t / tau))`` is the paradigm's habituation (fitted).
- ``N_i(t) = n0 (1 + g (psy_i - mean psy)) exp(-t / tau_N) + n_inf`` (+ ``placebo_extra`` in a
  placebo arm): the non-specific effect (placebo, regression to the mean, co-intervention).
- ``eps ~ Normal(0, sd)``: visit-to-visit noise.

Overall pain (single-score trials) is the baseline-intensity-weighted mean of the regions.
Parameters: ``data/pain_model.toml`` (each with its source or ``fitted = true``), overridden by
the calibration's ``data/fitted.toml`` when present.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from neurostim._data import deep_merge, read_data_toml
from neurostim.errors import InputError
from neurostim.patient.cohort import POSTURES, Cohort, posture_dcsf_mm
from neurostim.patient.regions import Region, load_regions

Array = NDArray[np.float64]
PARADIGMS = ("tonic", "burst", "khz", "dtm", "intrathecal")
BLINDED_KINDS = ("placebo", "intrathecal")
"""Kinds that carry the expectation of a blinded, placebo-controlled trial (``placebo_extra``):
a placebo arm, and intrathecal drug therapy, whose trials here (Rauck 2006, Staats 2004) are
double-blind against an intrathecal placebo [ours]."""


def default_parameters() -> dict[str, Any]:
    """The shipped parameter tables (``pain_model.toml`` with ``fitted.toml`` merged over it)."""
    data = read_data_toml("neurostim.patient", "pain_model.toml", None, "pain model")
    fitted = resources.files("neurostim.patient").joinpath("data/fitted.toml")
    if fitted.is_file():
        data = deep_merge(data, tomllib.loads(fitted.read_text()).get("parameters", {}))
    return data


def fitted_parameters() -> dict[str, tuple[float, float, float]]:
    """name -> (start value, min, max) of every parameter marked ``fitted = true``
    (habituation as ``habituation_<paradigm>_h``)."""
    data = default_parameters()
    out: dict[str, tuple[float, float, float]] = {}
    for name, table in data.items():
        if name == "habituation":
            for paradigm, t in table.items():
                if t.get("fitted"):
                    out[f"habituation_{paradigm}_h"] = (t["h"], t["h_min"], t["h_max"])
        elif isinstance(table, dict) and table.get("fitted"):
            out[name] = (float(table["value"]), float(table["min"]), float(table["max"]))
    return out


@dataclass(frozen=True)
class PainParameters:
    """The pain model's numbers (names as in ``data/pain_model.toml``)."""

    gamma: float
    paresthesia_amplitude_position: float
    subperception_fraction: float
    programming_posture: str
    posture_adjust_probability: float
    responsiveness_logit_mean: float
    responsiveness_logit_sd: float
    trial_optimism: float
    migration_lateral_mm_per_caudal_mm: float
    coverage_min_fraction: float
    circuit_recruitment_gain: float
    khz_interneuron_gain_na: float
    dtm_subthreshold_relief: float
    intrathecal_relief_scale: float
    habituation: dict[str, tuple[float, float]]
    nonspecific_initial: float
    nonspecific_tau_months: float
    nonspecific_late: float
    nonspecific_sd: float
    remission_share: float
    remission_depth: float
    nonspecific_psy_gain: float
    nonspecific_psy_mean: float
    placebo_extra: float
    noise_sd_nrs: float
    odi_per_relief: float
    odi_noise_sd: float
    mme_per_relief: float
    mme_drift_per_year: float
    pgic_relief_cuts: tuple[float, ...]

    @classmethod
    def from_tables(cls, data: Mapping[str, Any]) -> PainParameters:
        """Parameters from ``pain_model.toml``-shaped tables (each ``{value, source, ...}``)."""

        def v(name: str) -> Any:
            try:
                return data[name]["value"]
            except (KeyError, TypeError):
                raise InputError(f"pain_model.{name}.value", None, "a value is required") from None

        hab = {p: (float(t["h"]), float(t["tau_months"])) for p, t in data["habituation"].items()}
        posture = str(v("programming_posture"))
        if posture not in POSTURES:
            raise InputError("programming_posture", posture, f"one of {', '.join(POSTURES)}")
        special = {"programming_posture", "habituation", "pgic_relief_cuts"}
        numbers = {f.name: float(v(f.name)) for f in fields(cls) if f.name not in special}
        params = cls(
            programming_posture=posture,
            habituation=hab,
            pgic_relief_cuts=tuple(float(x) for x in v("pgic_relief_cuts")),
            **numbers,
        )
        params.check()
        return params

    def check(self) -> None:
        """Every number in its range (InputError naming the parameter)."""
        fractions = {
            "paresthesia_amplitude_position": self.paresthesia_amplitude_position,
            "posture_adjust_probability": self.posture_adjust_probability,
            "trial_optimism": self.trial_optimism,
            "dtm_subthreshold_relief": self.dtm_subthreshold_relief,
            "intrathecal_relief_scale": self.intrathecal_relief_scale,
            "migration_lateral_mm_per_caudal_mm": self.migration_lateral_mm_per_caudal_mm,
            "coverage_min_fraction": self.coverage_min_fraction,
            "nonspecific_initial": self.nonspecific_initial,
            "nonspecific_late": self.nonspecific_late,
            "placebo_extra": self.placebo_extra,
            "remission_share": self.remission_share,
            "remission_depth": self.remission_depth,
            "odi_per_relief": self.odi_per_relief,
            "mme_per_relief": self.mme_per_relief,
        }
        for name, x in fractions.items():
            if not (math.isfinite(x) and 0.0 <= x <= 1.0):
                raise InputError(name, x, "a fraction between 0 and 1")
        if not 0.0 < self.subperception_fraction < 1.0:
            raise InputError(
                "subperception_fraction", self.subperception_fraction, "0-1 (exclusive)"
            )
        positive = {
            "gamma": self.gamma,
            "circuit_recruitment_gain": self.circuit_recruitment_gain,
            "nonspecific_tau_months": self.nonspecific_tau_months,
            "noise_sd_nrs": self.noise_sd_nrs,
            "responsiveness_logit_sd": self.responsiveness_logit_sd,
        }
        gain = self.khz_interneuron_gain_na
        if not (math.isfinite(gain) and 0.0 <= gain <= 1.0):
            raise InputError("khz_interneuron_gain_na", gain, "0-1 nA per unit amplitude ratio")
        for name, x in positive.items():
            if not (math.isfinite(x) and x > 0):
                raise InputError(name, x, "a positive number")
        for paradigm, (h, tau) in self.habituation.items():
            if not (0.0 <= h <= 1.0 and tau > 0):
                raise InputError(f"habituation.{paradigm}", (h, tau), "h in 0-1, tau_months > 0")

    def habituation_factor(self, paradigm: str, months_on: Array) -> Array:
        """``H(t) = 1 - h (1 - exp(-t / tau))`` of ``paradigm``; shape of ``months_on``."""
        h, tau = self.habituation.get(paradigm, (0.0, 1.0))
        t = np.maximum(np.asarray(months_on, dtype=np.float64), 0.0)
        return 1.0 - h * (1.0 - np.exp(-t / tau))


def load_parameters(path: str | Path | None = None, **overrides: float) -> PainParameters:
    """The shipped pain-model parameters, a user TOML file merged over them, then ``overrides``
    (``name=value``; ``habituation_<paradigm>_h`` and ``..._tau_months`` for habituation)."""
    data = default_parameters()
    if path is not None:
        data = deep_merge(data, read_data_toml("neurostim.patient", "", path, "pain model file"))
    for name, value in overrides.items():
        data = deep_merge(data, _override_table(data, name, value))
    return PainParameters.from_tables(data)


def _override_table(data: Mapping[str, Any], name: str, value: float) -> dict[str, Any]:
    if name.startswith("habituation_"):
        rest = name.removeprefix("habituation_")
        for paradigm in data["habituation"]:
            for key in ("h", "tau_months"):
                if rest == f"{paradigm}_{key}":
                    return {"habituation": {paradigm: {key: value}}}
    elif name in data and isinstance(data[name], Mapping) and "value" in data[name]:
        return {name: {"value": value}}
    raise InputError("pain model parameter", name, "a name of data/pain_model.toml")


# --- therapies --------------------------------------------------------------------------------
class Therapy(Protocol):
    """What the pathway asks of a therapy: its kind and the specific relief it gives."""

    kind: str
    paradigm: str | None

    def relief(
        self, cohort: Cohort, months_on: Array, *, lead_shift_mm: Array | None = None
    ) -> Array:
        """(n, n_regions) specific relief ``R`` in [0, 1] after ``months_on`` (n,) of therapy."""
        ...


class NoTherapy:
    """Conventional medical management or placebo: no specific relief."""

    paradigm: str | None = None

    def __init__(self, kind: str = "cmm") -> None:
        if kind not in ("cmm", "placebo"):
            raise InputError("therapy.kind", kind, "cmm or placebo for a therapy without device")
        self.kind = kind

    def relief(
        self, cohort: Cohort, months_on: Array, *, lead_shift_mm: Array | None = None
    ) -> Array:
        return np.zeros((cohort.n_patients, len(cohort.region_names)))


def responsiveness(cohort: Cohort, params: PainParameters) -> Array:
    """(n,) share ``rho`` of a therapy's relief that reaches each patient's pain score."""
    logit = params.responsiveness_logit_mean + params.responsiveness_logit_sd * cohort.response_z
    return 1.0 / (1.0 + np.exp(-logit))


class ScsTherapy:
    """Spinal-cord stimulation with one program: coverage from the tabulated spinal-cord map
    (:class:`neurostim.patient.coverage.CoverageTable`), relief from the tabulated circuit
    (:class:`neurostim.patient.relief.ReliefTable`), per posture, averaged over the day.

    Programming (patient-clinic.md §1.4): the amplitude is set in ``programming_posture``;
    paresthesia programs between PT and discomfort (``paresthesia_amplitude_position`` of the
    usage range), paresthesia-free ones at ``subperception_fraction`` of PT. In another posture
    the same amplitude meets another PT (dCSF changes); a patient who adjusts amplitude
    (probability ``posture_adjust_probability``, drawn per patient from ``response_z``'s
    companion uniform ``posture_u``) keeps the programmed ratio, the others keep the amplitude,
    capped at discomfort. A paresthesia-free program's coverage is the field's reach at the
    equivalent paresthesia amplitude (ratio / ``subperception_fraction``) [ours].
    A migrated lead (``lead_shift_mm``) is modelled as displaced mediolaterally.
    """

    kind = "scs"

    def __init__(
        self,
        coverage: Any,
        relief_table: Any,
        paradigm: str,
        params: PainParameters,
        regions: Mapping[str, Region] | None = None,
        name: str = "",
        amplitude_max_ma: float | None = None,
    ) -> None:
        if paradigm not in PARADIGMS:
            raise InputError("paradigm", paradigm, f"one of {', '.join(PARADIGMS)}")
        if hasattr(coverage, "coverage_fraction"):
            # a dermatome counts as covered once its fibers fire (the perception threshold is
            # the first fiber): the pain model's criterion, not the map's display criterion
            coverage = copy.copy(coverage)
            coverage.coverage_fraction = params.coverage_min_fraction
        self.coverage = coverage
        self.relief_table = relief_table
        self.paradigm: str | None = paradigm
        self.params = params
        self.regions = dict(load_regions() if regions is None else regions)
        self.name = name
        self.amplitude_max_ma = amplitude_max_ma
        from neurostim.patient.relief import is_paresthesia_free

        self.paresthesia_free = is_paresthesia_free(paradigm)
        if paradigm == "khz" and hasattr(relief_table, "interneuron_gain_na"):
            self.relief_table = replace(
                relief_table, interneuron_gain_na=params.khz_interneuron_gain_na
            )

    def anatomy(self, cohort: Cohort, lead_shift_mm: Array | None = None) -> tuple[Array, Array]:
        """``(dcsf_mm (n, 4), cord_offset_mm (n,))`` the coverage table is read at: the dorsal
        CSF in each posture of :data:`POSTURES`, and the cord's offset from the lead, a caudal
        migration of ``lead_shift_mm`` counted as ``migration_lateral_mm_per_caudal_mm`` of
        mediolateral displacement [ours], away from the midline."""
        p = self.params
        dcsf = posture_dcsf_mm(cohort)
        offset = np.asarray(cohort.cord_offset_mm, dtype=np.float64)
        if lead_shift_mm is not None:
            lateral = p.migration_lateral_mm_per_caudal_mm * np.asarray(lead_shift_mm)
            offset = offset + np.where(offset < 0, -lateral, lateral)
        return self._within_grid(dcsf, offset)

    def _within_grid(self, dcsf: Array, offset: Array) -> tuple[Array, Array]:
        """The anatomy clamped to the coverage table's grid, where the table has one: a patient
        beyond it (a thicker CSF lying prone, a cord more than 2 mm off the lead after a
        migration) is read at the grid's edge, which understates the loss of coverage."""
        grid_d = getattr(self.coverage, "dcsf_mm", None)
        grid_o = getattr(self.coverage, "cord_offset_mm", None)
        if grid_d is None or grid_o is None:
            return dcsf, offset
        d = np.clip(dcsf, float(np.min(grid_d)), float(np.max(grid_d)))
        o_max = float(np.max(np.abs(grid_o)))
        return d, np.clip(offset, -o_max, o_max)

    @property
    def _k_prog(self) -> int:
        return POSTURES.index(self.params.programming_posture)

    def _paresthesia_ratios(self, cohort: Cohort) -> Array:
        """(n,) amplitude / PT of a paresthesia program: between PT and discomfort."""
        p = self.params
        return 1.0 + p.paresthesia_amplitude_position * (cohort.usage_ratio - 1.0)

    def amplitude_ratios(
        self,
        cohort: Cohort,
        lead_shift_mm: Array | None = None,
        anatomy: tuple[Array, Array] | None = None,
    ) -> Array:
        """(n, 4) amplitude / PT in each posture of :data:`POSTURES`.

        The amplitude is programmed in ``programming_posture`` and capped at the program's
        patient maximum (``amplitude_max_ma``, when the program sets one)."""
        p = self.params
        dcsf, offset = self.anatomy(cohort, lead_shift_mm) if anatomy is None else anatomy
        pt = np.stack([self.coverage.pt_ma(dcsf[:, k], offset) for k in range(4)], axis=1)
        k_prog = self._k_prog
        if self.paresthesia_free:
            programmed = np.full(cohort.n_patients, p.subperception_fraction)
        else:
            programmed = self._paresthesia_ratios(cohort)
        amplitude = programmed * pt[:, k_prog]
        if self.amplitude_max_ma is not None:
            amplitude = np.minimum(amplitude, self.amplitude_max_ma)
        fixed = np.minimum(amplitude[:, None] / pt, cohort.usage_ratio[:, None])
        adjusted = programmed[:, None] * np.ones((1, 4))
        if self.amplitude_max_ma is not None:
            adjusted = np.minimum(adjusted, self.amplitude_max_ma / pt)
        adjusts = _posture_uniform(cohort) < p.posture_adjust_probability
        return np.where(adjusts[:, None], adjusted, fixed)

    def relief(
        self, cohort: Cohort, months_on: Array, *, lead_shift_mm: Array | None = None
    ) -> Array:
        n = cohort.n_patients
        dcsf, offset = self.anatomy(cohort, lead_shift_mm)
        ratios = self.amplitude_ratios(cohort, anatomy=(dcsf, offset))
        reach = ratios
        if self.paresthesia_free:
            # the field's reach: the dermatomes this lead would cover programmed as a
            # paresthesia program, with the posture's threshold [ours]
            reach = self._paresthesia_ratios(cohort)[:, None] * (ratios / ratios[:, [self._k_prog]])
        out = np.zeros((n, len(cohort.region_names)))
        for j, name in enumerate(cohort.region_names):
            region = self.regions[name]
            if not region.dermatomal:
                continue
            total = np.zeros(n)
            for k in range(4):
                c, f = self.coverage.region_coverage(
                    dcsf[:, k], offset, reach[:, k],
                    region.dermatomes, region.sides,
                )  # fmt: skip
                s = self._specific_relief(f, ratios[:, k])
                total += cohort.posture_fraction[:, k] * c * s
            out[:, j] = total
        hab = self.params.habituation_factor(str(self.paradigm), months_on)
        # out: (n, n_regions); hab: (n,)
        return np.clip(out * responsiveness(cohort, self.params)[:, None] * hab[:, None], 0, 1)

    def _specific_relief(self, recruited: Array, ratio: Array) -> Array:
        recruited = np.minimum(self.params.circuit_recruitment_gain * recruited, 1.0)
        return self._circuit_relief(recruited, ratio)

    def _circuit_relief(self, recruited: Array, ratio: Array) -> Array:
        """(n,) the circuit's relief S at the recruited fraction (paresthesia programs) or, below
        the fibers' threshold, at no recruitment (10 kHz: the interneuron drive at ``ratio``;
        DTM: ``dtm_subthreshold_relief``, a mechanism the circuit lacks)."""
        if not self.paresthesia_free:
            return np.asarray(self.relief_table.specific_relief(self.paradigm, recruited, ratio))
        if self.paradigm == "dtm":
            return np.full(ratio.shape, self.params.dtm_subthreshold_relief)
        zero = np.zeros_like(ratio)
        return np.asarray(self.relief_table.specific_relief(self.paradigm, zero, ratio))


class IntrathecalTherapy:
    """An intrathecal pump program: relief from its pharmacology over time
    (:class:`neurostim.patient.relief.IntrathecalResponse`), the same in every region, times
    ``intrathecal_relief_scale`` and the patient's responsiveness ``rho``; the patient's
    sensitivity (EC50 scale) is ``exp(-response_z * sensitivity_sd)``."""

    kind = "intrathecal"
    paradigm: str | None = "intrathecal"

    def __init__(
        self,
        response: Any,
        params: PainParameters,
        sensitivity_sd: float = 0.5,
        program_path: str | Path | None = None,
    ) -> None:
        self.program_path = program_path
        self.response = response
        self.params = params
        self.sensitivity_sd = sensitivity_sd
        self.scale = params.intrathecal_relief_scale

    def relief(
        self, cohort: Cohort, months_on: Array, *, lead_shift_mm: Array | None = None
    ) -> Array:
        days = np.asarray(months_on, dtype=np.float64) * DAYS_PER_MONTH
        sensitivity = np.exp(-cohort.response_z * self.sensitivity_sd)
        grid = np.unique(np.round(np.maximum(days, 0.0), 3))
        table = self.response.relief(grid, sensitivity)  # (n, n_grid)
        idx = np.searchsorted(grid, np.round(np.maximum(days, 0.0), 3))
        rho = responsiveness(cohort, self.params)
        r = self.scale * rho * table[np.arange(cohort.n_patients), idx]
        return np.repeat(np.clip(r, 0.0, 1.0)[:, None], len(cohort.region_names), axis=1)

    def device_events(self, horizon_months: float) -> list[tuple[float, str]]:
        """``(months after the pump starts, kind)`` of the pump's refills and alarms over
        ``horizon_months``, from :func:`neurostim.intrathecal.simulate_pump` (empty without a
        program file)."""
        if self.program_path is None:
            return []
        return list(pump_events(str(self.program_path), float(horizon_months)))


@lru_cache(maxsize=16)
def pump_events(program_path: str, horizon_months: float) -> tuple[tuple[float, str], ...]:
    """Refills and alarms of a pump program over ``horizon_months`` (cached per program)."""
    from neurostim.intrathecal import SimulationOptions, load_program, simulate_pump

    program = load_program(program_path)
    days = max(1.0, horizon_months * DAYS_PER_MONTH)
    sim = simulate_pump(program, SimulationOptions(days=days, dt_h=1.0, seed=0))
    return tuple(
        (float(e.time_h) / 24.0 / DAYS_PER_MONTH, f"pump_{e.kind.lower()}") for e in sim.events
    )


REMISSION_SALT = 0x5EED_0F_2E_3155
"""Mixes the patient id before drawing whether the patient remits (independent of his other
hashed draws)."""

DAYS_PER_MONTH = 365.25 / 12.0
"""Average days in a month (months are the pathway's time unit)."""


def _visit_normal(patient_id: NDArray[np.int64], months: Array) -> Array:
    """(n,) standard-normal numbers fixed by (patient id, visit month): Box-Muller on two
    hashed uniforms, so a visit's secondary-measure noise needs no shared random stream."""
    key = patient_id.astype(np.uint64) * np.uint64(1_000_003) + np.round(
        np.asarray(months, dtype=np.float64) * 1000.0
    ).astype(np.uint64)
    u1 = _hash_uniform(key * np.uint64(2) + np.uint64(1))
    u2 = _hash_uniform(key * np.uint64(2) + np.uint64(2))
    return np.sqrt(-2.0 * np.log(np.maximum(u1, 1e-300))) * np.cos(2.0 * np.pi * u2)


def _hash_uniform(key: NDArray[np.uint64]) -> Array:
    """Uniform (0, 1) numbers from 64-bit keys (splitmix64 finalizer)."""
    with np.errstate(over="ignore"):
        z = key + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) / float(2**53)


def _posture_uniform(cohort: Cohort) -> Array:
    """(n,) a uniform number per patient, fixed by the patient's id (whether he adjusts
    amplitude with posture), independent of the cohort's other draws."""
    return _hash_uniform(cohort.patient_id.astype(np.uint64))


# --- the pain model ---------------------------------------------------------------------------
class PainModel:
    """NRS per region and visit, overall pain, trial success and secondary measures."""

    def __init__(self, params: PainParameters | None = None) -> None:
        self.params = load_parameters() if params is None else params

    def noise(self, rng: np.random.Generator, cohort: Cohort, n_visits: int) -> Array:
        """(n, n_visits, n_regions) visit-to-visit noise, NRS points."""
        shape = (cohort.n_patients, n_visits, len(cohort.region_names))
        return rng.normal(0.0, self.params.noise_sd_nrs, size=shape)

    def nonspecific(self, cohort: Cohort, months: Array, kind: str) -> Array:
        """(n,) non-specific effect ``N`` (fraction of baseline; negative = worse) at
        ``months`` (n,)."""
        p = self.params
        t = np.maximum(np.asarray(months, dtype=np.float64), 0.0)
        gain = 1.0 + p.nonspecific_psy_gain * (cohort.psy - p.nonspecific_psy_mean)
        n = p.nonspecific_initial * np.maximum(gain, 0.0) * np.exp(-t / p.nonspecific_tau_months)
        # the patient's own course (regression to the mean, co-interventions, natural history):
        # a lasting share drawn per patient, fixed by the patient's id
        course = p.nonspecific_sd * _visit_normal(cohort.patient_id, np.full(t.shape, -1.0))
        # a share of patients remits on its own (regression to the mean, natural history):
        # their pain falls by remission_depth, whatever the therapy
        remits = _hash_uniform(cohort.patient_id.astype(np.uint64) ^ np.uint64(REMISSION_SALT))
        course = course + np.where(remits < p.remission_share, p.remission_depth, 0.0)
        n = n + p.nonspecific_late + course
        if kind in BLINDED_KINDS:
            n = n + p.placebo_extra
        return np.clip(n, -0.5, 0.95)

    def nrs(self, cohort: Cohort, relief: Array, months: Array, noise: Array, kind: str) -> Array:
        """(n, n_regions) NRS at ``months`` (n,) under ``relief`` (n, n_regions)."""
        n_spec = self.nonspecific(cohort, months, kind)
        value = cohort.baseline_nrs * (1.0 - relief) * (1.0 - n_spec[:, None]) + noise
        return np.clip(value, 0.0, 10.0)

    def overall(self, cohort: Cohort, nrs: Array) -> Array:
        """(n,) baseline-intensity-weighted mean of the painful regions."""
        return overall_nrs(cohort.baseline_nrs, nrs)

    def trial_success(
        self, cohort: Cohort, therapy: Therapy, rng: np.random.Generator, threshold: float
    ) -> NDArray[np.bool_]:
        """(n,) whether a trial phase of a few days gives ``threshold`` relief or more (overall
        pain, with the trial's extra optimism ``trial_optimism``)."""
        months = np.full(cohort.n_patients, 7.0 / DAYS_PER_MONTH)
        relief = therapy.relief(cohort, months)
        relief = 1.0 - (1.0 - relief) * (1.0 - self.params.trial_optimism)
        noise = self.noise(rng, cohort, 1)[:, 0, :]
        nrs = self.nrs(cohort, relief, months, noise, therapy.kind)
        base = cohort.baseline_nrs
        change = 1.0 - self.overall(cohort, nrs) / overall_nrs(base, base)
        return np.asarray(change >= threshold)

    def odi(self, cohort: Cohort, overall: Array, months: Array) -> Array:
        """(n,) ODI at a visit at ``months`` (n,) with ``overall`` pain (n,); the visit noise is
        drawn from the patient's id and the month (the same visit gives the same ODI)."""
        p = self.params
        base = overall_nrs(cohort.baseline_nrs, cohort.baseline_nrs)
        change = 1.0 - overall / np.maximum(base, 1e-9)
        value = cohort.odi * (1.0 - p.odi_per_relief * change)
        noise = p.odi_noise_sd * _visit_normal(cohort.patient_id, months)
        return np.clip(value + noise, 0.0, 100.0)

    def mme(self, cohort: Cohort, overall: Array, months: Array, kind: str = "cmm") -> Array:
        """(n,) opioid dose (MME/day) at a visit at ``months`` (n,) with ``overall`` pain (n,):
        down by ``mme_per_relief`` x the relative pain reduction, else drifting up."""
        p = self.params
        base = overall_nrs(cohort.baseline_nrs, cohort.baseline_nrs)
        change = np.clip(1.0 - overall / np.maximum(base, 1e-9), -1.0, 1.0)
        drift = p.mme_drift_per_year * np.maximum(np.asarray(months), 0.0) / 12.0
        factor = np.where(change > 0, 1.0 - p.mme_per_relief * change, 1.0 + drift)
        return np.maximum(cohort.mme_per_day * factor, 0.0)

    def pgic(self, cohort: Cohort, overall: Array) -> NDArray[np.int64]:
        """(n,) Patient Global Impression of Change, 1 (very much improved) to 7."""
        base = overall_nrs(cohort.baseline_nrs, cohort.baseline_nrs)
        change = 1.0 - overall / np.maximum(base, 1e-9)
        cuts = np.asarray(self.params.pgic_relief_cuts)
        return (1 + np.sum(change[:, None] < cuts[None, :], axis=1)).astype(np.int64)


def overall_nrs(baseline_nrs: Array, nrs: Array) -> Array:
    """(..., ) baseline-intensity-weighted mean over the last axis (regions); NaN regions are
    not painful and left out.

    ``baseline_nrs`` (n, n_regions), ``nrs`` (n, [n_visits,] n_regions)."""
    w = np.nan_to_num(baseline_nrs, nan=0.0)
    if nrs.ndim == 3:
        w = w[:, None, :]
    total = np.sum(w, axis=-1)
    value = np.sum(w * np.nan_to_num(nrs, nan=0.0), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, value / np.where(total > 0, total, 1.0), np.nan)
