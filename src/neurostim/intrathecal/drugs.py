"""Intrathecal drug library (data in ``data/drugs.toml``).

Per drug: dose unit, commercial products (concentrations), start dose range, titration rule per
indication (largest increase per step, least interval between steps, and whether breaking it
refuses or warns), stability in the pump (initial fill, undiluted product, diluted; each drug's
``stability_source`` says where the days come from), hard limits (maximum dose per day, per
label region, and maximum concentration) and advisory limits (warnings), each with its source and
confidence (reference ``intrathecal.md`` §2).

Users add drugs or replace limits with a TOML of the same shape merged over the shipped one:
``load_drug_library("my_drugs.toml")``. A key given there replaces the shipped key; a new drug id
adds a drug.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    StrictBool,
    ValidationError,
    model_validator,
)

from neurostim._data import deep_merge
from neurostim.errors import InputError
from neurostim.intrathecal._loading import input_error_from, read_shipped, read_toml

MAX_STABILITY_DAYS = 3650.0
"""Largest stability a drug file may give (10 years); more is a typo, not a drug."""


class TitrationRule(BaseModel):
    """How fast the daily dose may rise between two programs.

    ``max_increase_fraction`` is relative to the previous daily dose; ``max_increase_per_day``
    is absolute (drug unit per day); ``min_interval_h`` between increases (breaking it has
    ``severity``); ``advised_interval_h`` and ``max_increases_per_7_days`` only warn.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    max_increase_fraction: float | None = Field(strict=True, default=None, gt=0)
    max_increase_per_day: float | None = Field(strict=True, default=None, gt=0)
    min_interval_h: float = Field(strict=True, default=0.0, ge=0)
    advised_interval_h: float | None = Field(strict=True, default=None, ge=0)
    max_increases_per_7_days: int | None = Field(strict=True, default=None, ge=1)
    severity: Literal["error", "warning"] = "error"
    source: str


class AdvisoryLimit(BaseModel):
    """A limit that warns (not refuses) when exceeded."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    quantity: Literal["dose_per_day", "concentration"]
    limit: float = Field(strict=True, gt=0)
    code: str
    source: str


class Drug(BaseModel):
    """One drug of the library; doses in ``unit`` per day, concentrations in ``unit`` per mL."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: str
    name: str
    unit: Literal["mg", "ug"]
    opioid: StrictBool
    products: tuple[PositiveFloat, ...] = ()
    start_dose_per_day: tuple[float, float]
    max_dose_per_day: float | None = Field(strict=True, default=None, gt=0)
    max_dose_per_day_by_region: dict[str, PositiveFloat] = Field(default_factory=dict)
    max_concentration: float | None = Field(strict=True, default=None, gt=0)
    stability_days: float | None = Field(strict=True, default=None, gt=0, le=MAX_STABILITY_DAYS)
    stability_days_diluted: float | None = Field(
        strict=True, default=None, gt=0, le=MAX_STABILITY_DAYS
    )
    first_fill_stability_days: float | None = Field(
        strict=True, default=None, gt=0, le=MAX_STABILITY_DAYS
    )
    stability_source: str | None = None
    withdrawal_risk: Literal["none", "low", "moderate", "high"]
    taper_on_stop: StrictBool
    no_increase_within_h_of_start: float | None = Field(strict=True, default=None, ge=0)
    titration: dict[str, TitrationRule]
    advisory: tuple[AdvisoryLimit, ...] = ()
    source: str
    confidence: Literal["high", "medium", "low"]

    @model_validator(mode="after")
    def _start_range(self) -> Drug:
        lo, hi = self.start_dose_per_day
        if not 0 <= lo <= hi:
            raise ValueError(
                f"start_dose_per_day must be [low, high] with 0 <= low <= high, not [{lo}, {hi}]"
            )
        return self

    def max_dose_for(self, region: str) -> float | None:
        """The hard maximum daily dose for a label region (falls back on ``max_dose_per_day``)."""
        return self.max_dose_per_day_by_region.get(region, self.max_dose_per_day)

    def titration_rule(self, indication: str) -> TitrationRule | None:
        """The titration rule for an indication, else the ``pain`` rule, else None."""
        return self.titration.get(indication, self.titration.get("pain"))


DrugLibrary = dict[str, Drug]
"""Drugs by id."""


def load_drug_library(user_file: str | Path | None = None) -> DrugLibrary:
    """The shipped drug library, with ``user_file`` (same TOML shape) merged over it.

    Raises
    ------
    InputError
        A drug with a missing or invalid field (the field is named), or an unreadable file.
    """
    raw = read_shipped("drugs.toml").get("drugs", {})
    if user_file is not None:
        user = read_toml(user_file)
        if not isinstance(user.get("drugs", {}), dict):
            raise InputError("drugs", user.get("drugs"), "must be a table of drugs by id")
        raw = deep_merge(raw, user.get("drugs", {}))
    out = {}
    for drug_id, table in raw.items():
        if not isinstance(table, dict):
            raise InputError(f"drugs.{drug_id}", table, "must be a table")
        try:
            out[drug_id] = Drug(id=drug_id, **table)
        except ValidationError as exc:
            raise input_error_from(exc, prefix=f"drugs.{drug_id}", model=Drug) from None
    return out


@lru_cache(maxsize=1)
def shipped_drug_library() -> DrugLibrary:
    """The shipped library (cached)."""
    return load_drug_library()
