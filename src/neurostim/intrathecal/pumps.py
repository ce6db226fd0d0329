"""Implantable intrathecal pump profiles (data in ``data/pumps.toml``).

Two families are modelled (reference ``intrathecal.md`` §1.1):

* peristaltic (SynchroMed II): refill planned at the low-reservoir alarm volume; battery with an
  elective replacement indicator (ERI) and a hard stop (end of service, EOS) 90 days later;
* valve-gated (Prometra, Prometra II): refill date when the reservoir reaches 3.0 mL with every
  allowed patient bolus taken; empty the reservoir before MRI.

Every field listed in a profile's ``representative`` was not found in a retrieved source; it is a
representative value of the right order, to be replaced with the IFU value (a user file merged
over the shipped one).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from neurostim._data import deep_merge
from neurostim.errors import InputError
from neurostim.intrathecal._loading import input_error_from, read_shipped, read_toml


class PumpProfile(BaseModel):
    """One pump model's limits and behaviour; units in field names."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: str
    name: str
    family: Literal["peristaltic", "valve-gated"]
    reservoir_ml: float = Field(strict=True, gt=0)
    min_rate_ml_per_day: float = Field(strict=True, gt=0)
    max_rate_ml_per_day: float = Field(strict=True, gt=0)
    flow_accuracy_fraction: float = Field(strict=True, ge=0, lt=1)
    default_low_reservoir_alarm_ml: float = Field(strict=True, ge=0)
    refill_residual_ml: float | None = Field(strict=True, default=None, ge=0)
    battery_life_years: float = Field(strict=True, gt=0)
    eri_to_eos_days: int = Field(strict=True, ge=0)
    replacement_at_end_of_battery: StrictBool
    mri_rule: str
    mri_requires_empty_reservoir: StrictBool
    mri_hazard: Literal["none", "dump", "valve-closes", "motor-stall"] = "none"
    catheter_ml_per_cm: float = Field(strict=True, gt=0)
    catheter_length_cm: float = Field(strict=True, gt=0)
    pump_dead_volume_ml: float = Field(strict=True, ge=0)
    bolus_device: str
    bolus_forbidden_drugs: tuple[str, ...] = ()
    labelled_drugs: tuple[str, ...] = ()
    representative: tuple[str, ...] = ()
    source: str


def load_pump_profiles(user_file: str | Path | None = None) -> dict[str, PumpProfile]:
    """All pump profiles by id; a user TOML (same shape) is merged over the shipped one.

    Raises
    ------
    InputError
        A profile with a missing or invalid field (the field is named).
    """
    raw = read_shipped("pumps.toml").get("pumps", {})
    if user_file is not None:
        raw = deep_merge(raw, read_toml(user_file).get("pumps", {}))
    return _build(raw)


def _build(raw: dict) -> dict[str, PumpProfile]:
    out = {}
    for pump_id, table in raw.items():
        try:
            out[pump_id] = PumpProfile(id=pump_id, **table)
        except ValidationError as exc:
            raise input_error_from(exc, prefix=f"pumps.{pump_id}", model=PumpProfile) from None
        except TypeError as exc:
            raise InputError(f"pumps.{pump_id}", table, str(exc)) from None
    return out


@lru_cache(maxsize=1)
def _shipped() -> dict[str, PumpProfile]:
    return load_pump_profiles()


def get_pump(pump_id: str) -> PumpProfile:
    """The shipped profile ``pump_id``; an unknown id is an ``InputError`` listing the choices."""
    profiles = _shipped()
    if pump_id not in profiles:
        raise InputError("pump", pump_id, f"unknown pump; choose one of {sorted(profiles)}")
    return profiles[pump_id]
