"""Per-indication distributions of the virtual patient (``data/indications.toml``).

An :class:`Indication` names the pain regions a patient of that indication may have (names of
``data/regions.toml``), the patterns in which they occur with their probabilities, the baseline
pain of each region (a truncated normal, patient-clinic.md §1.2), the Gaussian-copula correlation
between regions (back-leg rho = 0.5, §6.1) and the distributions of the other per-patient
quantities (age, sex, ODI, opioid dose, usage ratio, psychosocial score, posture schedule);
``[defaults]`` holds those shared by every indication, an indication's own table replaces one.
:class:`AnatomySampling` holds how the anatomy at the lead level is drawn (§1.3). Every number
carries a ``source`` (or ``fitted = true``); unknown keys are refused.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.patient.regions import load_regions

POSTURE_NAMES = ("supine", "sitting", "standing", "prone")
SHARED = (
    "age_years", "female", "odi", "usage_ratio", "psy", "opioid_users", "mme_per_day",
    "prior_scs", "posture_fraction",
)  # fmt: skip
"""Distributions of ``[defaults]`` that an indication may replace with its own."""
_KINDS = {
    "age_years": "normal", "female": "bernoulli", "odi": "normal", "usage_ratio": "lognormal",
    "psy": "beta", "opioid_users": "bernoulli", "mme_per_day": "lognormal",
    "prior_scs": "bernoulli", "posture_fraction": "dirichlet",
}  # fmt: skip
_PARAMS = {
    "normal": ("mean", "sd", "min", "max"),
    "lognormal": ("median", "sigma_log", "min", "max"),
    "beta": ("a", "b"),
    "bernoulli": ("p",),
    "dirichlet": ("mean", "concentration"),
}
_INDICATION_KEYS = {
    "label", "source", "region_names", "primary_regions", "patterns", "correlation",
    "correlation_source", "nrs", *SHARED,
}  # fmt: skip


@dataclass(frozen=True)
class Distribution:
    """One named distribution: ``kind`` (normal, lognormal, beta, bernoulli, dirichlet) and its
    parameters; ``source`` says where the numbers come from, ``fitted`` that calibration set them.

    normal: truncated to [min, max], ``mean``/``sd`` of the untruncated normal; lognormal:
    ``exp(log(median) + sigma_log * N(0, 1))`` clipped to [min, max]; dirichlet: parameters
    ``concentration * mean``.
    """

    kind: str
    params: Mapping[str, Any]
    source: str
    fitted: bool = False

    def __getitem__(self, name: str) -> Any:
        return self.params[name]


@dataclass(frozen=True)
class PainPattern:
    """A set of painful regions and the probability that a patient has exactly that set."""

    regions: tuple[str, ...]
    p: float
    source: str


@dataclass(frozen=True)
class Indication:
    """The distributions of one indication's virtual patients."""

    name: str
    label: str
    source: str
    region_names: tuple[str, ...]
    primary_regions: tuple[str, ...]
    """Regions a protocol's ``baseline_nrs_min`` applies to."""
    patterns: tuple[PainPattern, ...]
    correlation: NDArray[np.float64]
    """(n_regions, n_regions) correlation of the Gaussian copula of baseline NRS."""
    correlation_source: str
    nrs: Mapping[str, Distribution]
    """Baseline NRS per region: truncated normal."""
    shared: Mapping[str, Distribution]
    """The :data:`SHARED` distributions (defaults with this indication's replacements)."""

    @property
    def pattern_matrix(self) -> NDArray[np.bool_]:
        """(n_patterns, n_regions): True where the pattern's patient has pain in the region."""
        return np.array([[r in p.regions for r in self.region_names] for p in self.patterns])


@dataclass(frozen=True)
class AnatomySampling:
    """How the anatomy at the lead level is drawn (patient-clinic.md §1.3)."""

    dcsf_distribution: str
    """"uniform" over the level's dcsf_mm range, or "normal" (mid-range, SD range/4, clipped)."""
    prone_shift_sd_fraction: float
    cord_offset_p_far: float
    cord_offset_far_mm: tuple[float, float]
    cord_offset_near_mm: tuple[float, float]
    posture_dcsf_shift_fraction: NDArray[np.float64]
    """(4,) share of the prone dCSF shift in each posture of :data:`POSTURE_NAMES`."""
    sources: Mapping[str, str]


def _keys(table: Mapping[str, Any], allowed: set[str] | tuple[str, ...], where: str) -> None:
    # dict.keys: listing a table's keys to refuse unknown ones does not count as reading them
    # (tests/test_data_keys.py records which keys the loader reads).
    keys: list[str] = list(dict.keys(table))  # type: ignore[arg-type]
    for key in keys:
        if key not in allowed:
            raise InputError(f"{where}.{key}", table[key], f"allowed keys: {', '.join(allowed)}")


def _number(value: Any, where: str, lo: float = -math.inf, hi: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(where, value, "a finite number")
    if not lo <= value <= hi:
        raise InputError(where, value, f"a number in [{lo}, {hi}]")
    return float(value)


def _provenance(table: Mapping[str, Any], where: str) -> tuple[str, bool]:
    source, fitted = table.get("source"), table.get("fitted", False)
    if not isinstance(fitted, bool):
        raise InputError(f"{where}.fitted", fitted, "true or false")
    if not (isinstance(source, str) and source) and not fitted:
        raise InputError(f"{where}.source", source, "every number needs a source or fitted = true")
    return str(source or ""), fitted


def _distribution(kind: str, table: Any, where: str) -> Distribution:
    if not isinstance(table, Mapping):
        raise InputError(where, table, f"a table of {', '.join(_PARAMS[kind])} and source")
    _keys(table, (*_PARAMS[kind], "source", "fitted"), where)
    source, fitted = _provenance(table, where)
    params: dict[str, Any] = {}
    for name in _PARAMS[kind]:
        if name not in table:
            raise InputError(f"{where}.{name}", None, f"required for a {kind} distribution")
    if kind == "dirichlet":
        mean = table["mean"]
        if not isinstance(mean, list) or len(mean) != len(POSTURE_NAMES):
            raise InputError(f"{where}.mean", mean, f"{len(POSTURE_NAMES)} shares")
        shares = [_number(m, f"{where}.mean", 0.0, 1.0) for m in mean]
        if abs(sum(shares) - 1.0) > 1e-9 or min(shares) <= 0.0:
            raise InputError(f"{where}.mean", mean, "positive shares that sum to 1")
        params["mean"] = tuple(shares)
        params["concentration"] = _number(table["concentration"], f"{where}.concentration", 1e-9)
    elif kind == "bernoulli":
        params["p"] = _number(table["p"], f"{where}.p", 0.0, 1.0)
    elif kind == "beta":
        params["a"] = _number(table["a"], f"{where}.a", 1e-9)
        params["b"] = _number(table["b"], f"{where}.b", 1e-9)
    else:
        first, spread = _PARAMS[kind][:2]
        lo_first = 1e-300 if kind == "lognormal" else -math.inf
        params[first] = _number(table[first], f"{where}.{first}", lo_first)
        params[spread] = _number(table[spread], f"{where}.{spread}", 1e-9)
        params["min"] = _number(table["min"], f"{where}.min")
        params["max"] = _number(table["max"], f"{where}.max")
        if params["min"] >= params["max"]:
            raise InputError(f"{where}.max", params["max"], f"above min = {params['min']}")
    return Distribution(kind, params, source, fitted)


def _names(value: Any, where: str, allowed: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise InputError(where, value, "a non-empty list of region names")
    for v in value:
        if v not in allowed:
            raise InputError(where, v, f"allowed: {', '.join(allowed)}")
    if len(set(value)) != len(value):
        raise InputError(where, value, "each region once")
    return tuple(value)


def _indication(name: str, table: Any, defaults: Mapping[str, Distribution]) -> Indication:
    where = f"indications.{name}"
    if not isinstance(table, Mapping):
        raise InputError(where, table, "a table")
    _keys(table, _INDICATION_KEYS, where)
    for key in ("label", "source", "region_names", "primary_regions", "patterns", "nrs",
                "correlation", "correlation_source"):  # fmt: skip
        if key not in table:
            raise InputError(f"{where}.{key}", None, "required")
    regions = _names(table["region_names"], f"{where}.region_names", list(load_regions()))
    primary = _names(table["primary_regions"], f"{where}.primary_regions", regions)
    patterns = []
    for i, pat in enumerate(table["patterns"]):
        w = f"{where}.patterns[{i}]"
        _keys(pat, ("regions", "p", "source", "fitted"), w)
        source, _ = _provenance(pat, w)
        pat_regions = _names(pat.get("regions"), f"{w}.regions", regions)
        if not set(pat_regions) & set(primary):
            raise InputError(f"{w}.regions", list(pat_regions), "at least one primary region")
        patterns.append(PainPattern(pat_regions, _number(pat.get("p"), f"{w}.p", 0, 1), source))
    if not patterns or abs(sum(p.p for p in patterns) - 1.0) > 1e-9:
        raise InputError(f"{where}.patterns", [p.p for p in patterns], "probabilities summing to 1")
    nrs_table = table["nrs"]
    _keys(nrs_table, regions, f"{where}.nrs")
    nrs = {}
    for region in regions:
        if region not in nrs_table:
            raise InputError(f"{where}.nrs.{region}", None, "required for every region")
        d = _distribution("normal", nrs_table[region], f"{where}.nrs.{region}")
        if d["min"] < 0.0 or d["max"] > 10.0:
            raise InputError(f"{where}.nrs.{region}", dict(d.params), "min and max within 0-10")
        nrs[region] = d
    correlation = np.asarray(table["correlation"], dtype=np.float64)
    k = len(regions)
    if (
        correlation.shape != (k, k)
        or not np.allclose(correlation, correlation.T)
        or not np.allclose(np.diag(correlation), 1.0)
        or np.any(np.linalg.eigvalsh(correlation) <= 0.0)
    ):
        raise InputError(
            f"{where}.correlation", table["correlation"],
            f"a symmetric positive-definite {k} x {k} matrix with unit diagonal",
        )  # fmt: skip
    shared = dict(defaults)
    for key in SHARED:
        if key in table:
            shared[key] = _distribution(_KINDS[key], table[key], f"{where}.{key}")
    return Indication(
        name=name,
        label=str(table["label"]),
        source=str(table["source"]),
        region_names=regions,
        primary_regions=primary,
        patterns=tuple(patterns),
        correlation=correlation,
        correlation_source=str(table["correlation_source"]),
        nrs=nrs,
        shared=shared,
    )


def _anatomy(table: Any) -> AnatomySampling:
    where = "anatomy"
    names = ("dcsf_distribution", "prone_shift_sd_fraction", "cord_offset_mm",
             "posture_dcsf_shift_fraction")  # fmt: skip
    _keys(table, names, where)
    for n in names:
        if n not in table:
            raise InputError(f"{where}.{n}", None, "required")
    sources = {}
    for n in names:
        sources[n], _ = _provenance(table[n], f"{where}.{n}")
    dist = table["dcsf_distribution"]
    _keys(dist, ("value", "source", "fitted"), f"{where}.dcsf_distribution")
    if dist.get("value") not in ("uniform", "normal"):
        raise InputError(f"{where}.dcsf_distribution.value", dist.get("value"), "uniform or normal")
    sd_frac = table["prone_shift_sd_fraction"]
    _keys(sd_frac, ("value", "source", "fitted"), f"{where}.prone_shift_sd_fraction")
    sd = _number(sd_frac.get("value"), f"{where}.prone_shift_sd_fraction.value", 0.0)
    off = table["cord_offset_mm"]
    off_keys = ("p_far", "far_min", "far_max", "near_min", "near_max")
    _keys(off, (*off_keys, "source", "fitted"), f"{where}.cord_offset_mm")
    o = {k: _number(off.get(k), f"{where}.cord_offset_mm.{k}", 0.0) for k in off_keys}
    if o["p_far"] > 1.0 or o["far_min"] > o["far_max"] or o["near_min"] > o["near_max"]:
        raise InputError(f"{where}.cord_offset_mm", dict(o), "p_far <= 1 and min <= max")
    post = table["posture_dcsf_shift_fraction"]
    _keys(post, (*POSTURE_NAMES, "source", "fitted"), f"{where}.posture_dcsf_shift_fraction")
    fractions = np.array(
        [_number(post.get(p), f"{where}.posture_dcsf_shift_fraction.{p}") for p in POSTURE_NAMES]
    )
    return AnatomySampling(
        dcsf_distribution=str(dist["value"]),
        prone_shift_sd_fraction=sd,
        cord_offset_p_far=o["p_far"],
        cord_offset_far_mm=(o["far_min"], o["far_max"]),
        cord_offset_near_mm=(o["near_min"], o["near_max"]),
        posture_dcsf_shift_fraction=fractions,
        sources=sources,
    )


def _parse(text: str, where: str) -> tuple[dict[str, Indication], AnatomySampling]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError("indications file", where, f"valid TOML ({exc})") from None
    _keys(data, ("defaults", "anatomy", "indications"), "")
    defaults_table = data.get("defaults", {})
    _keys(defaults_table, SHARED, "defaults")
    defaults = {}
    for key in SHARED:
        if key not in defaults_table:
            raise InputError(f"defaults.{key}", None, "required")
        defaults[key] = _distribution(_KINDS[key], defaults_table[key], f"defaults.{key}")
    tables = data.get("indications", {})
    indications = {name: _indication(name, tables[name], defaults) for name in dict.keys(tables)}
    if not indications:
        raise InputError("indications", None, "at least one indication")
    return indications, _anatomy(data.get("anatomy", {}))


@lru_cache(maxsize=1)
def _shipped() -> tuple[dict[str, Indication], AnatomySampling]:
    text = resources.files("neurostim.patient").joinpath("data/indications.toml")
    return _parse(text.read_text(encoding="utf-8"), "data/indications.toml")


def _load(path: str | Path | None) -> tuple[dict[str, Indication], AnatomySampling]:
    if path is None:
        return _shipped()
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError("indications file", str(path), f"a readable TOML file ({exc})") from None
    return _parse(text, str(path))


def load_indications(path: str | Path | None = None) -> dict[str, Indication]:
    """The indications, by name: the shipped table or the TOML file at ``path``."""
    return dict(_load(path)[0])


def anatomy_sampling(path: str | Path | None = None) -> AnatomySampling:
    """How anatomy is drawn: the shipped ``[anatomy]`` table or that of the file at ``path``."""
    return _load(path)[1]


def indication_names() -> list[str]:
    """The shipped indications: fbss, nsrbp, crps, pdn, radiculopathy, focal, it_refractory."""
    return list(_shipped()[0])
