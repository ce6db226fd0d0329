"""Pump programs: the TOML a clinician writes, as validated pydantic models.

The shape (a public contract: keys and ids are kept, new keys only extend it)::

    pump = "synchromed-ii-40"     # or synchromed-ii-20, prometra-20, prometra-ii-40
    drug = "hydromorphone"        # id in the drug library
    concentration = 5.0           # drug unit per mL (the library says the unit)
    fill_ml = 40.0
    low_reservoir_alarm_ml = 2.0  # optional: the pump's default
    indication = "pain"           # baclofen: spinal | cerebral; others: pain
    mode = "flex"                 # stopped | single-bolus | simple-continuous | flex
    dose_per_day = 2.0            # simple-continuous
    fill_date = 2025-01-01        # optional: start of the refill-date arithmetic
    programmed_at = 2025-01-01T09:00:00   # optional: for titration against a previous program
    implant_date = 2024-06-01     # optional: battery planning
    therapy_started_at = ...      # optional: baclofen, no increase in the first 24 h
    opioid_naive = false          # patient bolus is refused in opioid-naive patients
    label_region = "us"           # us | eu (ziconotide maximum 19.2 vs 21.6 ug/day)
    first_fill = false            # ziconotide: first fill must be refilled within 14 days

    [[flex]]                      # time-of-day steps, each until the next (wraps at midnight)
    start = "06:00"
    dose_per_hour = 0.10

    [single_bolus]                # single-bolus mode: one bolus, then stopped
    dose = 0.5
    duration_min = 60

    [patient_bolus]               # optional
    dose = 0.10
    duration_min = 10
    lockout_h = 3
    max_per_24h = 6

    [priming]                     # optional: priming bolus after implant or catheter revision
    catheter_trimmed_cm = 45.0    # or catheter_length_cm = 65.0

Structural problems (unknown key, wrong type, missing mode-specific table, unknown pump or drug
id) raise ``InputError`` from :func:`load_program`; limits (flow, dose, lockout, titration) are
checked, all at once, by :func:`neurostim.intrathecal.check_program`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from neurostim.errors import InputError
from neurostim.intrathecal._loading import input_error_from, read_toml
from neurostim.intrathecal.drugs import DrugLibrary, shipped_drug_library
from neurostim.intrathecal.pumps import get_pump
from neurostim.units import HOURS_PER_DAY, MIN_PER_HOUR

Mode = Literal["stopped", "single-bolus", "simple-continuous", "flex"]

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
"""Dates a program (or ``--start-date``) may carry: 100 years of planning after the last one
stay inside the calendar Python can hold (year 9999)."""
MAX_CONCENTRATION = 1e6
"""Schema bound on ``concentration`` (drug unit per mL); drug maxima are checked separately."""
MAX_VOLUME_ML = 1000.0
"""Schema bound on volumes (mL); a fill above the pump's reservoir is a device limit (refused)."""
MAX_DOSE = 1e6
"""Schema bound on any dose (drug unit, per day, per hour or per bolus)."""
MAX_BOLUS_MIN = 10080.0
"""Schema bound on a bolus duration (one week, in minutes)."""
MAX_LOCKOUT_H = 168.0
"""Schema bound on a patient-bolus lockout (one week, in hours)."""
MAX_BOLUSES_PER_24H = 1440
"""Schema bound on ``max_per_24h`` (one a minute)."""
MAX_CATHETER_CM = 1000.0
"""Schema bound on catheter lengths (cm)."""
MIN_CONCENTRATION = 1e-6
"""Smallest ``concentration`` (drug unit per mL): below it no volume arithmetic stays finite."""
MIN_BOLUS_MIN = 1e-3
"""Shortest bolus duration (minutes)."""

_MODEL = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def in_date_range(field: str, value: dt.date) -> dt.date:
    """``value`` when from ``EARLIEST_DATE`` to ``LATEST_DATE``, else an ``InputError``."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise InputError(
            field, value.isoformat(), f"must be a date from {EARLIEST_DATE} to {LATEST_DATE}"
        )
    return value


def _check_date(value: dt.date | None, field: str) -> None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"{field} must be a date from {EARLIEST_DATE} to {LATEST_DATE}")


class FlexStep(BaseModel):
    """One time-of-day step of a flex schedule: from ``start`` until the next step's start."""

    model_config = _MODEL

    start: str
    dose_per_hour: float = Field(strict=True, ge=0, le=MAX_DOSE)

    @field_validator("start")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        parts = value.split(":")
        ok = len(parts) == 2 and all(p.isdigit() and len(p) == 2 for p in parts)
        if not ok or int(parts[0]) > 23 or int(parts[1]) > 59:
            raise ValueError(
                f"start must be a time of day 'HH:MM' from 00:00 to 23:59, not {value!r}"
            )
        return value

    @property
    def start_h(self) -> float:
        """Start as hours after midnight."""
        hh, mm = self.start.split(":")
        return int(hh) + int(mm) / MIN_PER_HOUR


class SingleBolus(BaseModel):
    """A one-off bolus (single-bolus mode); the pump stops afterwards."""

    model_config = _MODEL

    dose: float = Field(strict=True, gt=0, le=MAX_DOSE)
    duration_min: float = Field(strict=True, ge=MIN_BOLUS_MIN, le=MAX_BOLUS_MIN)


class PatientBolus(BaseModel):
    """Patient-activated bolus (myPTM / PTC): dose, duration, lockout and maximum per 24 h."""

    model_config = _MODEL

    dose: float = Field(strict=True, gt=0, le=MAX_DOSE)
    duration_min: float = Field(strict=True, ge=MIN_BOLUS_MIN, le=MAX_BOLUS_MIN)
    lockout_h: float | None = Field(strict=True, default=None, ge=0, le=MAX_LOCKOUT_H)
    max_per_24h: int = Field(strict=True, ge=1, le=MAX_BOLUSES_PER_24H)


class Priming(BaseModel):
    """Priming bolus: pump dead volume plus catheter volume from the implanted length."""

    model_config = _MODEL

    catheter_trimmed_cm: float | None = Field(strict=True, default=None, ge=0, le=MAX_CATHETER_CM)
    catheter_length_cm: float | None = Field(strict=True, default=None, gt=0, le=MAX_CATHETER_CM)
    include_pump_dead_volume: StrictBool = True


class PumpProgram(BaseModel):
    """A pump program (see the module docstring for the TOML shape)."""

    model_config = _MODEL

    pump: str
    drug: str
    concentration: float = Field(strict=True, ge=MIN_CONCENTRATION, le=MAX_CONCENTRATION)
    fill_ml: float = Field(strict=True, gt=0, le=MAX_VOLUME_ML)
    low_reservoir_alarm_ml: float | None = Field(strict=True, default=None, ge=0, le=MAX_VOLUME_ML)
    indication: Literal["pain", "spinal", "cerebral"] = "pain"
    mode: Mode
    dose_per_day: float | None = Field(strict=True, default=None, ge=0, le=MAX_DOSE)
    flex: tuple[FlexStep, ...] = ()
    single_bolus: SingleBolus | None = None
    patient_bolus: PatientBolus | None = None
    priming: Priming | None = None
    fill_date: dt.date | None = None
    programmed_at: dt.datetime | None = None
    implant_date: dt.date | None = None
    therapy_started_at: dt.datetime | None = None
    opioid_naive: StrictBool = False
    label_region: Literal["us", "eu"] = "us"
    first_fill: StrictBool = False

    @field_validator("fill_date", "implant_date", mode="before")
    @classmethod
    def _date_only(cls, value: object) -> object:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, (bool, int, float)):
            raise ValueError("must be a date YYYY-MM-DD, not a number")
        return value

    @field_validator("programmed_at", "therapy_started_at", mode="before")
    @classmethod
    def _not_a_number(cls, value: object) -> object:
        if isinstance(value, (bool, int, float)):
            raise ValueError("must be a date and time YYYY-MM-DDTHH:MM:SS, not a number")
        return value

    @field_validator("fill_date", "implant_date", mode="after")
    @classmethod
    def _date_in_range(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        _check_date(value, str(info.field_name))
        return value

    @field_validator("programmed_at", "therapy_started_at", mode="after")
    @classmethod
    def _naive_in_range(cls, value: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
        """In range; a time with a UTC offset becomes UTC without offset, so that times with and
        without an offset compare."""
        if value is None:
            return None
        _check_date(value.date(), str(info.field_name))
        if value.utcoffset() is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value

    @model_validator(mode="after")
    def _mode_tables(self) -> PumpProgram:
        if self.mode == "simple-continuous" and self.dose_per_day is None:
            raise ValueError("mode 'simple-continuous' needs dose_per_day")
        if self.mode == "flex":
            if not self.flex:
                raise ValueError("mode 'flex' needs at least one [[flex]] step")
            starts = [s.start_h for s in self.flex]
            if any(b <= a for a, b in itertools.pairwise(starts)):
                raise ValueError("[[flex]] steps must be in increasing start order, no repeats")
        if self.mode == "single-bolus" and self.single_bolus is None:
            raise ValueError(
                "mode 'single-bolus' needs a [single_bolus] table (dose, duration_min)"
            )
        return self

    # ---- derived quantities (drug unit per day; mL per day) ----

    def flex_hours(self) -> list[tuple[float, float]]:
        """Flex steps as (duration_h, dose_per_hour), wrapping the last step over midnight."""
        starts = [s.start_h for s in self.flex]
        out = []
        for i, step in enumerate(self.flex):
            end = starts[i + 1] if i + 1 < len(starts) else starts[0] + HOURS_PER_DAY
            out.append((end - starts[i], step.dose_per_hour))
        return out

    def basal_dose_per_day(self) -> float:
        """Programmed basal dose per day (drug unit per day); 0 when stopped or single bolus."""
        if self.mode == "simple-continuous":
            return float(self.dose_per_day or 0.0)
        if self.mode == "flex":
            return float(sum(h * d for h, d in self.flex_hours()))
        return 0.0

    def bolus_dose_per_day(self) -> float:
        """Largest patient-bolus dose in 24 h (every allowed bolus taken), drug unit per day."""
        if self.patient_bolus is None:
            return 0.0
        return self.patient_bolus.max_per_24h * self.patient_bolus.dose

    def worst_case_dose_per_day(self) -> float:
        """Basal plus every allowed patient bolus, drug unit per day (the refill arithmetic)."""
        return self.basal_dose_per_day() + self.bolus_dose_per_day()

    def max_dose_in_24h(self) -> float:
        """Largest dose the patient can receive in 24 h: the worst case, or a single bolus with
        every allowed patient bolus (single-bolus mode), drug unit per day (the dose limits)."""
        worst = self.worst_case_dose_per_day()
        if self.mode == "single-bolus" and self.single_bolus is not None:
            return worst + self.single_bolus.dose
        return worst

    def dose_per_hour_at(self, hour_of_day: float) -> float:
        """Programmed basal dose per hour at a time of day (hours after midnight)."""
        if self.mode == "simple-continuous":
            return float(self.dose_per_day or 0.0) / HOURS_PER_DAY
        if self.mode != "flex":
            return 0.0
        current = self.flex[-1].dose_per_hour
        for step in self.flex:
            if step.start_h <= hour_of_day:
                current = step.dose_per_hour
        return current


def parse_program(data: dict, library: DrugLibrary | None = None) -> PumpProgram:
    """Validate a program from a mapping (as read from TOML).

    Raises
    ------
    InputError
        Wrong type, unknown key, missing mode table, or an unknown pump or drug id.
    """
    if not isinstance(data, dict):
        raise InputError("program", data, "must be a table of keys")
    try:
        program = PumpProgram(**data)
    except ValidationError as exc:
        raise input_error_from(exc, model=PumpProgram) from None
    except TypeError as exc:  # keys that are not strings
        raise InputError("program", "", str(exc)) from None
    get_pump(program.pump)
    lib = shipped_drug_library() if library is None else library
    if program.drug not in lib:
        raise InputError("drug", program.drug, f"unknown drug; choose one of {sorted(lib)}")
    return program


def load_program(path: str | Path, library: DrugLibrary | None = None) -> PumpProgram:
    """Read and validate a pump program TOML file (see the module docstring for its shape)."""
    return parse_program(read_toml(path), library)
