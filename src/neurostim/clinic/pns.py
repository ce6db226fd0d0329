"""Virtual 60-day percutaneous PNS cohorts (peripheral-nerve.md §5 P8, P9; §6).

A SPRINT-type course on the patient layer: leads placed on day 0, stimulation every day, a
response that builds within days (early responders), within weeks (late responders) or fades
after an early response (faders), withdrawal at day 60; a placebo arm (leads placed, no
stimulation, optional crossover to PNS); infection as a constant hazard per lead and indwelling
day that depends on the lead's type (coiled or straight, [S Il17]). Pain scores come from the
patient layer's pain model (:class:`neurostim.patient.pain.PainModel`: the patient's
responsiveness, the non-specific effect with the placebo term of a blinded study, visit noise),
the specific relief from ``data/pns.toml`` (formula there and in docs/pns.md). Lead fracture is
a gap of the specification (rate not read): reported, not simulated.

How the stimulation model enters: the coverage ``c`` of the pain map by comfortable sensation,
either drawn per patient or taken from a ``neurostim pns map`` result
(:func:`coverage_from_map`: the share of the nerve's cutaneous fascicles the program covers,
0 without a comfort window), as the SCS pathway takes coverage from the spinal-cord map.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from neurostim._data import read_data_toml
from neurostim.errors import InputError
from neurostim.patient.cohort import Cohort, generate_cohort
from neurostim.patient.pain import DAYS_PER_MONTH, PainModel, overall_nrs, responsiveness

Array = NDArray[np.float64]
THERAPIES = ("pns", "placebo")
MEASURES = ("responder", "late_responder", "fader")
LEAD_TYPES = ("coiled", "straight")
DEFAULT_LEAD = "sprint-microlead"
TABLE_COLUMNS = (
    "study", "id", "arm", "measure", "threshold", "median", "ci95_lo", "ci95_hi", "pooled",
    "published", "published_k", "published_n", "published_ci95_lo", "published_ci95_hi",
    "inside", "fitted",
)  # fmt: skip
"""Columns of ``neurostim pns trial run -o table.csv`` (one row per endpoint and arm)."""


# --- parameters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PnsParameters:
    """The numbers of ``data/pns.toml`` (days unless named otherwise)."""

    duration_days: float
    visit_days: tuple[float, ...]
    relief_scale: float
    onset_days: float
    late_share: float
    late_onset_days: tuple[float, float]
    fade_share: float
    fade_start_days: float
    fade_days: float
    after_removal: float
    coverage_beta: tuple[float, float]
    leads_per_patient: dict[str, int]
    infection_per_1000_days: dict[str, float]
    coiled_ci95: tuple[float, float]
    lead_types: dict[str, str]
    lead_fracture: dict[str, Any]
    sources: dict[str, str]
    fitted: tuple[str, ...]
    """names of the parameters fitted to rows of peripheral-nerve.md §6"""


@dataclass(frozen=True)
class PnsArm:
    id: str
    n: int
    therapy: str
    crossover_day: float | None
    source: str


@dataclass(frozen=True)
class PnsEndpoint:
    id: str
    arm: str
    measure: str
    threshold: float
    weeks: tuple[int, int] | None
    day: float | None
    month: float | None
    early_threshold: float | None
    published_k: int
    published_n: int
    fitted: bool
    source: str

    @property
    def published(self) -> float:
        return self.published_k / self.published_n


@dataclass(frozen=True)
class PnsStudy:
    name: str
    title: str
    indications: tuple[str, ...]
    blinded: bool
    arms: tuple[PnsArm, ...]
    endpoints: tuple[PnsEndpoint, ...]
    source: str


def _value(table: Mapping[str, Any], key: str, where: str) -> Any:
    try:
        return table[key]["value"]
    except (KeyError, TypeError):
        raise InputError(f"{where}.{key}.value", None, "a value is required") from None


def _fraction(x: Any, where: str) -> float:
    if not isinstance(x, int | float) or isinstance(x, bool) or not 0.0 <= x <= 1.0:
        raise InputError(where, x, "a number in 0-1")
    return float(x)


def _positive(x: Any, where: str) -> float:
    if not isinstance(x, int | float) or isinstance(x, bool) or not (x > 0 and math.isfinite(x)):
        raise InputError(where, x, "a positive finite number")
    return float(x)


def parameters_from_tables(data: Mapping[str, Any]) -> PnsParameters:
    """:class:`PnsParameters` from ``pns.toml``-shaped tables (refused with an InputError)."""
    try:
        course, resp, cov = data["course"], data["response"], data["coverage"]
        leads, inf, types, frac = (data["leads"], data["infection"], data["lead_types"],
                                   data["lead_fracture"])  # fmt: skip
    except KeyError as exc:
        raise InputError("pns", str(exc), "tables course, response, coverage, leads, "
                         "infection, lead_types, lead_fracture") from None  # fmt: skip
    duration = _positive(_value(course, "duration_days", "course"), "course.duration_days")
    visits = tuple(float(v) for v in _value(course, "visit_days", "course"))
    if not visits or sorted(visits) != list(visits) or visits[0] <= 0 or visits[-1] > duration:
        raise InputError("course.visit_days", list(visits), f"rising days in (0, {duration:g}]")
    late = resp["late_onset_days"]
    lo, hi = _positive(late["min"], "late_onset_days.min"), float(late["max"])
    if hi < lo:
        raise InputError("response.late_onset_days", dict(late), "min <= max")
    beta = cov["beta"]
    shares = {k: _fraction(_value(resp, k, "response"), f"response.{k}")
              for k in ("late_share", "fade_share", "relief_scale", "after_removal")}  # fmt: skip
    if shares["late_share"] + shares["fade_share"] > 1.0:
        raise InputError("response.late_share + fade_share",
                         shares["late_share"] + shares["fade_share"], "at most 1")  # fmt: skip
    per_day = {
        t: _positive(_value(inf, f"{t}_per_1000_days", "infection"), f"infection.{t}")
        for t in LEAD_TYPES
    }
    types_out = {}
    for lead, row in types.items():
        if row["value"] not in LEAD_TYPES:
            raise InputError(f"lead_types.{lead}", row["value"], " or ".join(LEAD_TYPES))
        types_out[lead] = str(row["value"])
    ci = inf["coiled_per_1000_days"]["ci95"]
    sources = {
        "relief_scale": resp["relief_scale"]["source"],
        "late_share": resp["late_share"]["source"],
        "fade_share": resp["fade_share"]["source"],
        "coverage": beta["source"],
        "coiled": inf["coiled_per_1000_days"]["source"],
        "straight": inf["straight_per_1000_days"]["source"],
    }
    return PnsParameters(
        duration_days=duration,
        visit_days=visits,
        relief_scale=shares["relief_scale"],
        onset_days=_positive(_value(resp, "onset_days", "response"), "response.onset_days"),
        late_share=shares["late_share"],
        late_onset_days=(lo, hi),
        fade_share=shares["fade_share"],
        fade_start_days=float(_value(resp, "fade_start_days", "response")),
        fade_days=_positive(_value(resp, "fade_days", "response"), "response.fade_days"),
        after_removal=shares["after_removal"],
        coverage_beta=(
            _positive(beta["a"], "coverage.beta.a"),
            _positive(beta["b"], "coverage.beta.b"),
        ),
        leads_per_patient={k: int(v["value"]) for k, v in leads.items()},
        infection_per_1000_days=per_day,
        coiled_ci95=(float(ci[0]), float(ci[1])),
        lead_types=types_out,
        lead_fracture={
            "modelled": bool(frac["modelled"]),
            "remnant_infection_max": float(frac["remnant_infection_max"]),
            "source": str(frac["source"]),
        },
        sources=sources,
        fitted=tuple(k for k, v in resp.items() if isinstance(v, Mapping) and v.get("fitted")),
    )


def _endpoint(row: Mapping[str, Any], where: str, arms: Sequence[str]) -> PnsEndpoint:
    measure = row["measure"]
    if measure not in MEASURES:
        raise InputError(f"{where}.measure", measure, ", ".join(MEASURES))
    if row["arm"] not in arms:
        raise InputError(f"{where}.arm", row["arm"], ", ".join(arms))
    weeks = tuple(int(w) for w in row["weeks"]) if "weeks" in row else None
    day = float(row["day"]) if "day" in row else None
    month = float(row["month"]) if "month" in row else None
    if measure == "responder" and sum(x is not None for x in (weeks, day, month)) != 1:
        raise InputError(f"{where}", dict(row), "one of weeks, day or month")
    k, n = (int(x) for x in row["published"])
    if not 0 <= k <= n or n < 1:
        raise InputError(f"{where}.published", [k, n], "[k, n] with 0 <= k <= n, n >= 1")
    return PnsEndpoint(
        id=str(row["id"]), arm=str(row["arm"]), measure=measure,
        threshold=_fraction(row["threshold"], f"{where}.threshold"),
        weeks=(weeks[0], weeks[1]) if weeks else None, day=day, month=month,
        early_threshold=(float(row["early_threshold"]) if "early_threshold" in row else None),
        published_k=k, published_n=n, fitted=bool(row.get("fitted", False)),
        source=str(row["source"]),
    )  # fmt: skip


def studies_from_tables(data: Mapping[str, Any]) -> dict[str, PnsStudy]:
    out = {}
    for name, t in data.get("studies", {}).items():
        where = f"studies.{name}"
        arms = []
        for a in t["arms"]:
            if a["therapy"] not in THERAPIES:
                raise InputError(f"{where}.arms.therapy", a["therapy"], ", ".join(THERAPIES))
            n = a["n"]
            if not isinstance(n, int) or n < 1:
                raise InputError(f"{where}.arms.n", n, "a positive integer")
            cross = a.get("crossover_day")
            day = None if cross is None else float(cross)
            arms.append(PnsArm(str(a["id"]), n, str(a["therapy"]), day, str(a["source"])))
        ids = [a.id for a in arms]
        endpoints = tuple(_endpoint(e, f"{where}.endpoints", ids) for e in t["endpoints"])
        out[name] = PnsStudy(
            name=name, title=str(t["title"]), indications=tuple(t["indications"]),
            blinded=bool(t["blinded"]), arms=tuple(arms), endpoints=endpoints,
            source=str(t["source"]),
        )  # fmt: skip
    return out


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Any]:
    return read_data_toml("neurostim.clinic", "pns.toml", None, "pns")


def load_pns_parameters(path: str | Path | None = None) -> PnsParameters:
    """The course parameters: the shipped ``data/pns.toml`` or a user file of its shape."""
    data = _shipped() if path is None else read_data_toml("neurostim.clinic", "", path, "pns")
    return parameters_from_tables(data)


def pns_study_names() -> list[str]:
    """The shipped PNS studies (peripheral-nerve.md §6)."""
    return list(studies_from_tables(_shipped()))


def pns_study(name: str) -> PnsStudy:
    """A shipped PNS study by name."""
    studies = studies_from_tables(_shipped())
    if name not in studies:
        raise InputError("study", name, ", ".join(studies))
    return studies[name]


def lead_type(lead: str, params: PnsParameters | None = None) -> str:
    """``coiled`` or ``straight``: the infection class of a catalog lead (``data/pns.toml``)."""
    from neurostim.device import list_leads

    p = load_pns_parameters() if params is None else params
    if lead not in list_leads():
        raise InputError("lead", lead, "a lead of the device catalog (neurostim devices leads)")
    if lead not in p.lead_types:
        raise InputError("lead", lead, f"a percutaneous PNS lead: {', '.join(p.lead_types)}")
    return p.lead_types[lead]


def coverage_from_map(result: Mapping[str, Any]) -> float:
    """Coverage of the pain map from a ``neurostim pns map --json`` result: the share of the
    nerve's cutaneous fascicles whose Aβ the program recruits (the map's ``coverage``), 0 when
    the map has no comfort window (discomfort at or below the sensation threshold) [ours]."""
    try:
        cov = result["coverage"]
        covered, cutaneous = list(cov["fascicles"]), list(cov["cutaneous_fascicles"])
    except (KeyError, TypeError):
        raise InputError("map", "coverage", "a `neurostim pns map --json` result") from None
    if result.get("comfort_window_ma") is None or not cutaneous:
        return 0.0
    return len(covered) / len(cutaneous)


# --- one arm through the course -----------------------------------------------------------------


@dataclass(frozen=True)
class PnsCourse:
    """One arm of patients through the 60-day course (``n`` patients, ``v`` visits)."""

    cohort: Cohort
    therapy: str
    visit_days: Array
    """(v,)"""
    change: Array
    """(n, v) relative fall of the overall pain score at each visit (1 = pain-free)"""
    weekly_nrs: Array
    """(n, v) overall NRS at each visit"""
    baseline: Array
    """(n,) overall NRS at baseline"""
    change_month_12: Array
    """(n,) relative fall 12 months after placement (leads out since removal)"""
    coverage: Array
    """(n,)"""
    late: NDArray[np.bool_]
    fader: NDArray[np.bool_]
    n_leads: int
    removal_day: Array
    """(n,) when the leads came out (the course's end, or the day of an infection)"""
    infected: NDArray[np.bool_]
    """(n,) an infection ended the course"""

    @property
    def lead_days(self) -> float:
        return float(self.n_leads * np.sum(self.removal_day))

    def responder(self, ep: PnsEndpoint) -> NDArray[np.bool_]:
        """(n,) whether each patient meets the endpoint."""
        days = self.visit_days
        if ep.measure == "late_responder":
            return (self.change[:, 0] < ep.threshold) & (self.change[:, -1] >= ep.threshold)
        if ep.measure == "fader":
            early = ep.early_threshold if ep.early_threshold is not None else ep.threshold
            return (self.change[:, 0] > early) & (self.change[:, -1] < ep.threshold)
        if ep.month is not None:
            return self.change_month_12 >= ep.threshold
        if ep.day is not None:
            idx = np.flatnonzero(np.isclose(days, ep.day))
            if idx.size == 0:
                raise InputError(f"{ep.id}.day", ep.day, f"a visit day: {days.tolist()}")
            return self.change[:, idx[0]] >= ep.threshold
        assert ep.weeks is not None
        sel = (days >= 7 * ep.weeks[0] - 1e-9) & (days <= 7 * ep.weeks[1] + 1e-9)
        sel &= np.isclose(days % 7.0, 0.0)
        if not sel.any():
            raise InputError(f"{ep.id}.weeks", list(ep.weeks), "weeks with a visit")
        mean_nrs = self.weekly_nrs[:, sel].mean(axis=1)
        return 1.0 - mean_nrs / self.baseline >= ep.threshold


def simulate_pns_course(
    cohort: Cohort,
    rng: np.random.Generator,
    *,
    therapy: str = "pns",
    lead: str = DEFAULT_LEAD,
    coverage: float | None = None,
    crossover_day: float | None = None,
    blinded: bool = False,
    n_leads: int | None = None,
    params: PnsParameters | None = None,
    pain_model: PainModel | None = None,
) -> PnsCourse:
    """Patients of ``cohort`` through a 60-day percutaneous PNS course.

    ``therapy`` "pns" stimulates from day 0; "placebo" places the leads without stimulation
    (PNS from ``crossover_day`` when given). ``coverage`` (0-1) fixes the share of the pain map
    covered for every patient (e.g. :func:`coverage_from_map`); None draws it per patient.
    ``n_leads`` defaults to the indication's count in ``data/pns.toml``.
    """
    p = load_pns_parameters() if params is None else params
    model = PainModel() if pain_model is None else pain_model
    if therapy not in THERAPIES:
        raise InputError("therapy", therapy, ", ".join(THERAPIES))
    if coverage is not None:
        coverage = _fraction(coverage, "coverage")
    kind = lead_type(lead, p)
    if n_leads is None:
        if cohort.indication not in p.leads_per_patient:
            raise InputError("indication", cohort.indication,
                             f"a PNS indication: {', '.join(p.leads_per_patient)}")  # fmt: skip
        n_leads = p.leads_per_patient[cohort.indication]
    n = cohort.n_patients
    days = np.asarray(p.visit_days, dtype=np.float64)

    # the patient's course: coverage, early / late / fading response
    c = rng.beta(*p.coverage_beta, size=n) if coverage is None else np.full(n, coverage)
    u = rng.random(n)
    late = u < p.late_share
    fader = (~late) & (u < p.late_share + p.fade_share)
    tau = np.where(late, rng.uniform(*p.late_onset_days, size=n), p.onset_days)
    # infection: a constant hazard per lead and day; the first one ends the course
    hazard_per_day = p.infection_per_1000_days[kind] / 1000.0
    t_inf = rng.exponential(1.0 / hazard_per_day, size=(n, n_leads)).min(axis=1)
    infected = t_inf < p.duration_days
    removal = np.minimum(t_inf, p.duration_days)

    start = 0.0 if therapy == "pns" else crossover_day
    amplitude = responsiveness(cohort, model.params) * c * p.relief_scale

    def relief_at(day: Array) -> Array:
        if start is None:
            return np.zeros(n)
        t_on = np.maximum(day - start, 0.0)
        onset = -np.expm1(-t_on / tau)
        fade = np.where(fader, np.exp(-np.maximum(t_on - p.fade_start_days, 0.0) / p.fade_days),
                        1.0)  # fmt: skip
        on = np.where(day <= removal, 1.0, p.after_removal)
        return np.clip(amplitude * onset * fade * on * (day >= start), 0.0, 1.0)

    kind_ns = "placebo" if blinded or therapy == "placebo" else "pns"
    noise = model.noise(rng, cohort, days.size + 1)
    base = overall_nrs(cohort.baseline_nrs, cohort.baseline_nrs)
    weekly = np.empty((n, days.size))
    for v, d in enumerate(days):
        r = np.repeat(relief_at(np.full(n, d))[:, None], len(cohort.region_names), axis=1)
        nrs = model.nrs(cohort, r, np.full(n, d / DAYS_PER_MONTH), noise[:, v, :], kind_ns)
        weekly[:, v] = model.overall(cohort, nrs)
    d12 = np.full(n, 12.0 * DAYS_PER_MONTH)
    r12 = np.repeat(relief_at(d12)[:, None], len(cohort.region_names), axis=1)
    nrs12 = model.nrs(cohort, r12, np.full(n, 12.0), noise[:, -1, :], kind_ns)
    return PnsCourse(
        cohort=cohort, therapy=therapy, visit_days=days, change=1.0 - weekly / base[:, None],
        weekly_nrs=weekly, baseline=base, change_month_12=1.0 - model.overall(cohort, nrs12) / base,
        coverage=c, late=late, fader=fader, n_leads=int(n_leads), removal_day=removal,
        infected=infected,
    )  # fmt: skip


# --- a study: replicate trials ------------------------------------------------------------------


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact binomial interval of ``k`` successes in ``n``."""
    a = (1.0 - level) / 2.0
    lo = 0.0 if k == 0 else float(stats.beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1.0 - a, k + 1, n - k))
    return lo, hi


@dataclass(frozen=True)
class PnsStudyResult:
    study: PnsStudy
    replicates: int
    seed: int
    lead: str
    lead_type: str
    coverage: float | None
    fractions: dict[tuple[str, str], Array]
    """(endpoint id, arm) -> (replicates,) responder fraction per replicate trial"""
    pooled: dict[tuple[str, str], float]
    infections: int
    lead_days: float
    patients_infected: int
    patients_simulated: int
    runtime_s: float
    params: PnsParameters

    def table(self) -> list[dict[str, Any]]:
        rows = []
        for ep in self.study.endpoints:
            f = self.fractions[(ep.id, ep.arm)]
            lo, hi = np.quantile(f, [0.025, 0.975])
            plo, phi = clopper_pearson(ep.published_k, ep.published_n)
            pooled = self.pooled[(ep.id, ep.arm)]
            rows.append({
                "study": self.study.name, "id": ep.id, "arm": ep.arm, "measure": ep.measure,
                "threshold": ep.threshold, "median": float(np.median(f)), "ci95_lo": float(lo),
                "ci95_hi": float(hi), "pooled": pooled, "published": ep.published,
                "published_k": ep.published_k, "published_n": ep.published_n,
                "published_ci95_lo": plo, "published_ci95_hi": phi,
                "inside": bool(plo <= pooled <= phi), "fitted": ep.fitted,
            })  # fmt: skip
        return rows

    def infection(self) -> dict[str, Any]:
        p = self.params
        rate = 1000.0 * self.infections / self.lead_days if self.lead_days > 0 else None
        out: dict[str, Any] = {
            "lead": self.lead, "lead_type": self.lead_type, "infections": self.infections,
            "lead_days": self.lead_days, "per_1000_lead_days": rate,
            "hazard_per_1000_days": p.infection_per_1000_days[self.lead_type],
            "patients_infected_fraction": self.patients_infected / self.patients_simulated,
            "source": p.sources[self.lead_type],
        }  # fmt: skip
        if self.lead_type == "coiled":
            out["published_ci95"] = list(p.coiled_ci95)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study.name, "title": self.study.title, "replicates": self.replicates,
            "seed": self.seed, "lead": self.lead, "lead_type": self.lead_type,
            "coverage": "drawn per patient" if self.coverage is None else self.coverage,
            "runtime_s": round(self.runtime_s, 3),
            "patients_simulated": self.patients_simulated,
            "endpoints": self.table(), "infection": self.infection(),
            "lead_fracture": dict(self.params.lead_fracture),
        }  # fmt: skip


def _arm_course(
    study: PnsStudy, arm: PnsArm, total: int, rng: np.random.Generator, **kw: Any
) -> list[PnsCourse]:
    """Courses of ``total`` x the arm's patients, one block per indication (equal shares)."""
    k = len(study.indications)
    sizes = [arm.n // k + (1 if i < arm.n % k else 0) for i in range(k)]
    out = []
    for ind, size in zip(study.indications, sizes, strict=True):
        if size == 0:
            continue
        cohort = generate_cohort(ind, total * size, rng)
        base = int(rng.integers(0, 2**40))
        cohort = replace(cohort, patient_id=cohort.patient_id + base)
        out.append(simulate_pns_course(cohort, rng, therapy=arm.therapy,
                                       crossover_day=arm.crossover_day, blinded=study.blinded,
                                       **kw))  # fmt: skip
    return out


def run_pns_study(
    study: PnsStudy | str,
    *,
    replicates: int = 200,
    seed: int = 0,
    lead: str = DEFAULT_LEAD,
    coverage: float | None = None,
    params: PnsParameters | None = None,
) -> PnsStudyResult:
    """Replicate trials of a PNS study, each of the study's size: per endpoint and arm the
    responder fraction of every replicate trial, and the fraction pooled over all of them."""
    t0 = time.perf_counter()
    s = pns_study(study) if isinstance(study, str) else study
    if not isinstance(replicates, int) or not 1 <= replicates <= 100_000:
        raise InputError("replicates", replicates, "an integer 1-100000")
    if not isinstance(seed, int) or seed < 0:
        raise InputError("seed", seed, "a non-negative integer")
    p = load_pns_parameters() if params is None else params
    kind = lead_type(lead, p)
    model = PainModel()
    fractions: dict[tuple[str, str], Array] = {}
    pooled: dict[tuple[str, str], float] = {}
    infections, lead_days, infected, simulated = 0, 0.0, 0, 0
    for a, arm in enumerate(s.arms):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(a,)))
        blocks = _arm_course(s, arm, replicates, rng, lead=lead, coverage=coverage, params=p,
                             pain_model=model)  # fmt: skip
        for c in blocks:
            infections += int(c.infected.sum())
            infected += int(c.infected.sum())
            lead_days += c.lead_days
            simulated += c.cohort.n_patients
        for ep in s.endpoints:
            if ep.arm != arm.id:
                continue
            hits = np.concatenate([c.responder(ep).reshape(replicates, -1) for c in blocks], axis=1)
            fractions[(ep.id, arm.id)] = hits.mean(axis=1)
            pooled[(ep.id, arm.id)] = float(hits.mean())
    return PnsStudyResult(
        study=s, replicates=replicates, seed=seed, lead=lead, lead_type=kind, coverage=coverage,
        fractions=fractions, pooled=pooled, infections=infections, lead_days=lead_days,
        patients_infected=infected, patients_simulated=simulated,
        runtime_s=time.perf_counter() - t0, params=p,
    )  # fmt: skip
