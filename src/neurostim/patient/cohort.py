"""A cohort of virtual patients as arrays: one row per patient (spec: patient-clinic.md §1, §6.1).

:class:`Cohort` holds every per-patient quantity the pain model and the pathway read, each an
array of shape ``(n_patients,)`` or ``(n_patients, n_regions)``; :func:`generate_cohort` draws
one from the distributions of an indication (``data/indications.toml``), seeded.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from neurostim.anatomy import ParameterRow, level_parameters, resolve_level
from neurostim.errors import InputError
from neurostim.patient import _sampling
from neurostim.patient.indications import (
    POSTURE_NAMES,
    AnatomySampling,
    Indication,
    anatomy_sampling,
    load_indications,
)

POSTURES = POSTURE_NAMES
"""Column order of :attr:`Cohort.posture_fraction`: supine, sitting, standing, prone."""


@dataclass(frozen=True)
class Cohort:
    """Virtual patients of one indication, as arrays (``n`` = number of patients).

    ``baseline_nrs[i, j]`` is NaN where patient ``i`` has no pain in region ``j``.
    ``cord_offset_mm`` is signed: + puts the cord to the patient's right of the lead's midline.
    """

    indication: str
    region_names: tuple[str, ...]
    lead_level: str
    patient_id: NDArray[np.int64]
    """(n,)"""
    age_years: NDArray[np.float64]
    """(n,)"""
    female: NDArray[np.bool_]
    """(n,)"""
    baseline_nrs: NDArray[np.float64]
    """(n, n_regions), 0-10; NaN = region not painful"""
    dcsf_mm: NDArray[np.float64]
    """(n,) dorsal CSF thickness at the lead level, supine"""
    prone_dcsf_shift_mm: NDArray[np.float64]
    """(n,) added to dcsf_mm lying prone"""
    cord_offset_mm: NDArray[np.float64]
    """(n,) signed mediolateral offset of the cord from the lead's midline"""
    usage_ratio: NDArray[np.float64]
    """(n,) discomfort threshold / perception threshold"""
    posture_fraction: NDArray[np.float64]
    """(n, 4) share of the day supine, sitting, standing, prone (:data:`POSTURES`)"""
    psy: NDArray[np.float64]
    """(n,) psychosocial risk score 0-1"""
    response_z: NDArray[np.float64]
    """(n,) standard-normal propensity to respond to a specific therapy"""
    mme_per_day: NDArray[np.float64]
    """(n,) opioid dose, morphine milligram equivalents per day (0 = none)"""
    odi: NDArray[np.float64]
    """(n,) Oswestry Disability Index at baseline, 0-100"""
    prior_scs: NDArray[np.bool_]
    """(n,)"""

    @property
    def n_patients(self) -> int:
        return int(self.patient_id.shape[0])

    def subset(self, index: Any) -> Cohort:
        """The patients selected by ``index`` (boolean mask or integer indices)."""
        changes = {
            f.name: getattr(self, f.name)[index]
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }
        return replace(self, **changes)

    def to_columns(self) -> dict[str, NDArray[Any]]:
        """One 1-D array per column (regions and postures spread out), for tables."""
        out: dict[str, NDArray[Any]] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, np.ndarray):
                continue
            if f.name == "baseline_nrs":
                for j, region in enumerate(self.region_names):
                    out[f"baseline_nrs_{region}"] = value[:, j]
            elif f.name == "posture_fraction":
                for j, posture in enumerate(POSTURES):
                    out[f"{posture}_fraction"] = value[:, j]
            else:
                out[f.name] = value
        return out


INCLUSION_KEYS = ("baseline_nrs_min", "odi_min", "odi_max", "prior_scs", "mme_max", "age_min",
                  "age_max")  # fmt: skip
"""Keys of a protocol's ``[inclusion]`` table that :func:`generate_cohort` applies."""
_INCLUSION_RANGES = {
    "baseline_nrs_min": (0.0, 10.0), "odi_min": (0.0, 100.0), "odi_max": (0.0, 100.0),
    "mme_max": (0.0, math.inf), "age_min": (0.0, 150.0), "age_max": (0.0, 150.0),
}  # fmt: skip
MIN_ACCEPTANCE = 1e-3
"""Rejection sampling gives up (InputError) when fewer than this share of draws pass the
inclusion criteria after :data:`ACCEPTANCE_CHECK_DRAWS` draws."""
ACCEPTANCE_CHECK_DRAWS = 100_000
_MIN_BATCH, _MAX_BATCH = 1_000, 1_000_000


def _rng(seed_or_rng: Any) -> np.random.Generator:
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    if isinstance(seed_or_rng, np.random.SeedSequence):
        return np.random.default_rng(seed_or_rng)
    is_int = isinstance(seed_or_rng, int | np.integer) and not isinstance(seed_or_rng, bool)
    if is_int and seed_or_rng >= 0:
        return np.random.default_rng(int(seed_or_rng))
    raise InputError(
        "seed", seed_or_rng, "a non-negative integer, a numpy SeedSequence or a numpy Generator"
    )


def _count(value: Any, field: str, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < lo:
        raise InputError(field, value, f"an integer >= {lo}")
    return int(value)


def _indication(indication: str | Indication) -> Indication:
    if isinstance(indication, Indication):
        return indication
    table = load_indications()
    if indication not in table:
        raise InputError("indication", indication, f"allowed: {', '.join(table)}")
    return table[indication]


def _criteria(inclusion: Mapping[str, Any] | None) -> dict[str, Any]:
    """The validated inclusion criteria (unknown keys and impossible values refused)."""
    if inclusion is None:
        return {}
    if not isinstance(inclusion, Mapping):
        raise InputError("inclusion", inclusion, f"a table with keys {', '.join(INCLUSION_KEYS)}")
    out: dict[str, Any] = {}
    for key, value in inclusion.items():
        field = f"inclusion.{key}"
        if key not in INCLUSION_KEYS:
            raise InputError(field, value, f"unknown key; allowed: {', '.join(INCLUSION_KEYS)}")
        if key == "prior_scs":
            if not isinstance(value, bool | np.bool_):
                raise InputError(field, value, "true or false")
            out[key] = bool(value)
            continue
        lo, hi = _INCLUSION_RANGES[key]
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise InputError(field, value, f"a number in [{lo}, {hi}]")
        if not (math.isfinite(value) and lo <= value <= hi):
            raise InputError(field, value, f"a number in [{lo}, {hi}]")
        out[key] = float(value)
    if out.get("baseline_nrs_min", 0.0) >= 10.0:
        raise InputError("inclusion.baseline_nrs_min", out["baseline_nrs_min"], "below 10")
    for name in ("odi", "age"):
        lo_, hi_ = out.get(f"{name}_min", -math.inf), out.get(f"{name}_max", math.inf)
        if lo_ > hi_:
            raise InputError(f"inclusion.{name}_max", hi_, f"at least {name}_min = {lo_}")
    return out


def _draw_batch(
    ind: Indication,
    anatomy: AnatomySampling,
    rows: Mapping[str, ParameterRow],
    criteria: Mapping[str, Any],
    m: int,
    rng: np.random.Generator,
) -> dict[str, NDArray[Any]]:
    """``m`` candidate patients (before the rejection step), every field drawn in a fixed order."""
    shared = ind.shared
    out: dict[str, NDArray[Any]] = {}
    # Pain: pattern of painful regions, then a Gaussian copula of the regions' truncated normals.
    pattern = rng.choice(len(ind.patterns), size=m, p=[p.p for p in ind.patterns])
    z = rng.standard_normal((m, len(ind.region_names))) @ np.linalg.cholesky(ind.correlation).T
    nrs = [ind.nrs[r] for r in ind.region_names]
    low = np.array([d["min"] for d in nrs])
    if "baseline_nrs_min" in criteria:
        primary = np.isin(ind.region_names, ind.primary_regions)
        low = np.where(primary, criteria["baseline_nrs_min"], low)
    values = _sampling.truncnorm_ppf(
        ndtr(z), [d["mean"] for d in nrs], [d["sd"] for d in nrs], low, [d["max"] for d in nrs]
    )
    out["baseline_nrs"] = np.where(ind.pattern_matrix[pattern], values, np.nan)
    out["age_years"] = _sampling.draw(shared["age_years"], rng, m)
    out["female"] = _sampling.draw(shared["female"], rng, m).astype(bool)
    out["odi"] = _sampling.draw(shared["odi"], rng, m)
    out["usage_ratio"] = _sampling.draw(shared["usage_ratio"], rng, m)
    out["psy"] = _sampling.draw(shared["psy"], rng, m)
    users = _sampling.draw(shared["opioid_users"], rng, m)
    out["mme_per_day"] = users * _sampling.draw(shared["mme_per_day"], rng, m)
    out["prior_scs"] = _sampling.draw(shared["prior_scs"], rng, m).astype(bool)
    out["posture_fraction"] = _sampling.draw(shared["posture_fraction"], rng, m)
    out["response_z"] = rng.standard_normal(m)
    # Anatomy at the lead level (patient-clinic.md §1.3).
    dcsf, shift = rows["dcsf_mm"], rows["prone_dcsf_shift_mm"]
    lo, hi = float(dcsf.min or 0.0), float(dcsf.max or 0.0)
    if anatomy.dcsf_distribution == "uniform":
        out["dcsf_mm"] = rng.uniform(lo, hi, m)
    else:
        out["dcsf_mm"] = np.clip(rng.normal((lo + hi) / 2, (hi - lo) / 4, m), lo, hi)
    s_lo, s_hi, s_mean = float(shift.min or 0.0), float(shift.max or 0.0), float(shift.mean or 0.0)
    s_sd = anatomy.prone_shift_sd_fraction * (s_hi - s_lo)
    u = rng.random(m)
    if s_sd > 0.0:
        out["prone_dcsf_shift_mm"] = _sampling.truncnorm_ppf(u, s_mean, s_sd, s_lo, s_hi)
    else:
        out["prone_dcsf_shift_mm"] = np.full(m, s_mean)
    far = rng.random(m) < anatomy.cord_offset_p_far
    magnitude = np.where(
        far,
        rng.uniform(*anatomy.cord_offset_far_mm, m),
        rng.uniform(*anatomy.cord_offset_near_mm, m),
    )
    out["cord_offset_mm"] = np.where(rng.random(m) < 0.5, -magnitude, magnitude)
    return out


def _accepted(batch: Mapping[str, NDArray[Any]], criteria: Mapping[str, Any]) -> NDArray[np.bool_]:
    ok = np.ones(batch["odi"].shape[0], dtype=bool)
    bounds = {"odi_min": ("odi", 1), "odi_max": ("odi", -1), "age_min": ("age_years", 1),
              "age_max": ("age_years", -1), "mme_max": ("mme_per_day", -1)}  # fmt: skip
    for key, (name, sign) in bounds.items():
        if key in criteria:
            ok &= sign * batch[name] >= sign * criteria[key]
    return ok


def generate_cohort(
    indication: str | Indication,
    n_patients: int,
    seed_or_rng: int | np.random.SeedSequence | np.random.Generator,
    *,
    inclusion: Mapping[str, Any] | None = None,
    level: str = "T10",
    anatomy: AnatomySampling | None = None,
) -> Cohort:
    """``n_patients`` virtual patients of an indication, drawn from ``data/indications.toml``.

    Parameters
    ----------
    indication : str or Indication
        One of :func:`indication_names` (or an :class:`Indication` loaded from a user file).
    n_patients : int
        Number of patients (>= 0); ``patient_id`` runs 0 .. n_patients - 1.
    seed_or_rng : int, SeedSequence or Generator
        Same seed, same arguments -> identical arrays. A Generator is advanced.
    inclusion : mapping, optional
        A protocol's criteria, keys :data:`INCLUSION_KEYS`. ``baseline_nrs_min`` becomes the lower
        truncation bound of the baseline NRS of the indication's primary regions (the spec's
        ``TruncNormal(mean, sd, low=inclusion threshold, high=10)``); ``prior_scs`` sets the
        field for every patient (it is drawn independently of everything else, so conditioning
        on it is setting it); ``odi_min``/``odi_max``, ``age_min``/``age_max`` and ``mme_max``
        reject candidates, drawn in batches until ``n_patients`` pass.
    level : str
        Vertebral level of the lead: dCSF and the prone shift are drawn from that level's rows
        of the anatomy data (:func:`neurostim.anatomy.level_parameters`).
    anatomy : AnatomySampling, optional
        How anatomy is drawn; default the shipped ``[anatomy]`` table.

    Returns
    -------
    Cohort

    Raises
    ------
    InputError
        Unknown indication, level or inclusion key, impossible value, or criteria that fewer
        than :data:`MIN_ACCEPTANCE` of candidates meet (after :data:`ACCEPTANCE_CHECK_DRAWS`).
    """
    ind = _indication(indication)
    n = _count(n_patients, "n_patients", 0)
    rng = _rng(seed_or_rng)
    criteria = _criteria(inclusion)
    lead_level = resolve_level(level)
    rows = level_parameters(lead_level)
    sampling = anatomy if anatomy is not None else anatomy_sampling()
    parts: list[dict[str, NDArray[Any]]] = []
    have = drawn = 0
    while have < n or not parts:
        share = have / drawn if drawn else 1.0
        if drawn >= ACCEPTANCE_CHECK_DRAWS and share < MIN_ACCEPTANCE:
            raise InputError(
                "inclusion", dict(inclusion or {}),
                f"only {have} of {drawn} candidate {ind.name} patients ({100 * share:.3g} %) meet "
                f"these criteria (at least {100 * MIN_ACCEPTANCE:g} % needed); widen them",
            )  # fmt: skip
        need = (n - have) / max(share, MIN_ACCEPTANCE) * 1.1
        m = int(min(max(need, _MIN_BATCH), _MAX_BATCH))
        batch = _draw_batch(ind, sampling, rows, criteria, m, rng)
        keep = _accepted(batch, criteria)
        parts.append({k: v[keep] for k, v in batch.items()})
        have += int(keep.sum())
        drawn += m
    arrays = {k: np.concatenate([p[k] for p in parts])[:n] for k in parts[0]}
    if "prior_scs" in criteria:
        arrays["prior_scs"] = np.full(n, criteria["prior_scs"])
    return Cohort(
        indication=ind.name,
        region_names=ind.region_names,
        lead_level=lead_level,
        patient_id=np.arange(n, dtype=np.int64),
        **arrays,
    )


def posture_dcsf_mm(cohort: Cohort, anatomy: AnatomySampling | None = None) -> NDArray[np.float64]:
    """(n_patients, 4) dorsal CSF per posture of :data:`POSTURES`: the supine ``dcsf_mm`` plus
    each posture's share of ``prone_dcsf_shift_mm`` (``[anatomy] posture_dcsf_shift_fraction``:
    supine 0, sitting and standing 0.5, prone 1 [ours])."""
    sampling = anatomy if anatomy is not None else anatomy_sampling()
    fraction = sampling.posture_dcsf_shift_fraction
    return cohort.dcsf_mm[:, None] + cohort.prone_dcsf_shift_mm[:, None] * fraction[None, :]


def concat_cohorts(cohorts: Sequence[Cohort]) -> Cohort:
    """One cohort of the patients of several (same indication, regions and lead level)."""
    if not cohorts:
        raise InputError("cohorts", [], "at least one cohort")
    first = cohorts[0]
    for c in cohorts[1:]:
        if (c.indication, c.region_names, c.lead_level) != (
            first.indication, first.region_names, first.lead_level,
        ):  # fmt: skip
            raise InputError(
                "cohorts", (c.indication, c.lead_level),
                f"the same indication and lead level as the first ({first.indication}, "
                f"{first.lead_level})",
            )  # fmt: skip
    changes: dict[str, Any] = {
        f.name: np.concatenate([getattr(c, f.name) for c in cohorts])
        for f in fields(first)
        if isinstance(getattr(first, f.name), np.ndarray)
    }
    return replace(first, **changes)


def iter_cohort_chunks(
    indication: str | Indication,
    n_patients: int,
    seed: int,
    chunk_size: int,
    *,
    inclusion: Mapping[str, Any] | None = None,
    level: str = "T10",
) -> Iterator[Cohort]:
    """A big cohort in chunks of ``chunk_size`` patients (the last one shorter), for streaming.

    Chunk ``k`` holds patients ``k * chunk_size ...`` (``patient_id`` offset accordingly) and is
    drawn by :func:`generate_cohort` from its own stream, ``SeedSequence(seed).spawn(...)[k]``
    (``SeedSequence(seed, spawn_key=(k,))``): a chunk depends only on ``(seed, k, chunk_size)``,
    never on how many workers draw the chunks or in which order, so a trial gives the same
    patients whatever the number of workers. The concatenation is not the cohort of one
    ``generate_cohort(..., seed)`` call, and changing ``chunk_size`` changes the patients.
    """
    n = _count(n_patients, "n_patients", 0)
    size = _count(chunk_size, "chunk_size", 1)
    root = _count(seed, "seed", 0)
    for k, start in enumerate(range(0, n, size)):
        rng = np.random.default_rng(np.random.SeedSequence(root, spawn_key=(k,)))
        chunk = generate_cohort(
            indication, min(size, n - start), rng, inclusion=inclusion, level=level
        )
        yield replace(chunk, patient_id=chunk.patient_id + start)
