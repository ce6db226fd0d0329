"""Parameters of the clinical pathway and its complications (``data/pathway.toml``).

:func:`load_pathway_parameters` reads the shipped file or a user's file of the same keys; every
value is checked (unknown keys and impossible values raise :class:`~neurostim.errors.InputError`
naming the field, the value and the allowed range). The equations that use them are in
:mod:`neurostim.clinic.complications` and :mod:`neurostim.clinic.pathway`; sources are beside
each value in the data file and in docs/clinic-pathway.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neurostim._data import read_data_toml
from neurostim.clinic.complications import Complication, complication_from_table, table_keys
from neurostim.errors import InputError
from neurostim.units import DAYS_PER_YEAR

DAYS_PER_MONTH = DAYS_PER_YEAR / 12.0
"""Days in a month of the pathway's clock (a twelfth of a Julian year)."""

DEVICE_CLASSES = ("scs", "intrathecal")
"""Therapy kinds with an implanted device and their own complication tables."""


@dataclass(frozen=True)
class PathwayParameters:
    """Everything the pathway reads besides the protocol, the pain model and the therapy."""

    trial_days: tuple[float, float]
    """(min, max) trial-phase duration, uniform"""
    implant_delay_days: tuple[float, float]
    """(min, max) days from a successful trial (or randomization) to the implant, uniform"""
    leads_per_patient: int
    migration_shift_mm: float
    """caudal lead shift after a clinically significant migration"""
    reprogramming_recovery: float
    """fraction of an unrevised shift a reprogramming session recovers"""
    routine_interval_months: float
    reprogramming_relief_below: float
    tolerance_fraction: float
    """explant rule: overall NRS >= tolerance_fraction x baseline ..."""
    consecutive_visits: int
    """... at this many visits in a row"""
    background_explant_per_year: float
    withdrawal_per_year: float
    withdrawal_psy_gain: float
    complications: Mapping[str, Mapping[str, Complication]]
    """device class ("scs", "intrathecal") -> kind name -> :class:`Complication`"""
    fitted: tuple[str, ...] = ()
    """tables whose values are start values for the calibration (``fitted = true``)"""


def _table(data: Mapping[str, Any], key: str, keys: set[str], where: str = "") -> Any:
    name = f"{where}{key}"
    if key not in data:
        raise InputError(name, None, "a table in the pathway file")
    table = data[key]
    unknown = table_keys(table) - keys
    if unknown:
        raise InputError(name, sorted(unknown)[0], f"keys are {', '.join(sorted(keys))}")
    return table


def _num(table: Mapping[str, Any], key: str, where: str, low: float, high: float) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InputError(f"{where}.{key}", value, f"a number in [{low:g}, {high:g}]")
    if not low <= float(value) <= high:
        raise InputError(f"{where}.{key}", value, f"a number in [{low:g}, {high:g}]")
    return float(value)


def _range(table: Mapping[str, Any], lo: str, hi: str, where: str) -> tuple[float, float]:
    a, b = _num(table, lo, where, 0.0, 365.0), _num(table, hi, where, 0.0, 365.0)
    if b < a:
        raise InputError(f"{where}.{hi}", b, f"at least {lo} = {a:g}")
    return a, b


def parse_pathway_parameters(data: Mapping[str, Any]) -> PathwayParameters:
    """:class:`PathwayParameters` from the parsed TOML tables."""
    top = {"trial", "implant", "lead", "care", "explant_loss_of_efficacy", "withdrawal"}
    unknown = table_keys(data) - top - set(DEVICE_CLASSES)
    if unknown:
        raise InputError(
            "pathway", sorted(unknown)[0], f"tables are {sorted(top | {*DEVICE_CLASSES})}"
        )
    trial = _table(data, "trial", {"duration_days_min", "duration_days_max", "source"})
    implant = _table(
        data, "implant",
        {"delay_days_min", "delay_days_max", "source", "leads_per_patient", "leads_source"},
    )  # fmt: skip
    lead = _table(
        data, "lead",
        {"migration_shift_mm", "migration_source", "reprogramming_recovery",
         "reprogramming_source"},
    )  # fmt: skip
    care = _table(
        data, "care",
        {"routine_interval_months", "routine_source", "reprogramming_relief_below",
         "reprogramming_source"},
    )  # fmt: skip
    loe = _table(
        data, "explant_loss_of_efficacy",
        {"tolerance_fraction", "consecutive_visits", "background_per_year", "fitted", "note",
         "source"},
    )  # fmt: skip
    wd = _table(data, "withdrawal", {"per_year", "psy_gain", "fitted", "note", "source"})
    complications: dict[str, dict[str, Complication]] = {}
    for device in DEVICE_CLASSES:
        kinds = data.get(device, {})
        complications[device] = {
            # file order, not set order: the draws must not depend on the hash seed
            name: complication_from_table(name, kinds[name], f"{device}.{name}")
            for name in (list(dict.keys(kinds)) if isinstance(kinds, dict) else list(kinds))
        }
    leads = _num(implant, "leads_per_patient", "implant", 1, 8)
    visits = _num(loe, "consecutive_visits", "explant_loss_of_efficacy", 1, 100)
    return PathwayParameters(
        trial_days=_range(trial, "duration_days_min", "duration_days_max", "trial"),
        implant_delay_days=_range(implant, "delay_days_min", "delay_days_max", "implant"),
        leads_per_patient=int(leads),
        migration_shift_mm=_num(lead, "migration_shift_mm", "lead", 0.0, 100.0),
        reprogramming_recovery=_num(lead, "reprogramming_recovery", "lead", 0.0, 1.0),
        routine_interval_months=_num(care, "routine_interval_months", "care", 0.5, 120.0),
        reprogramming_relief_below=_num(care, "reprogramming_relief_below", "care", 0.0, 1.0),
        tolerance_fraction=_num(loe, "tolerance_fraction", "explant_loss_of_efficacy", 0.0, 2.0),
        consecutive_visits=int(visits),
        background_explant_per_year=_num(
            loe, "background_per_year", "explant_loss_of_efficacy", 0.0, 1.0
        ),
        withdrawal_per_year=_num(wd, "per_year", "withdrawal", 0.0, 1.0),
        withdrawal_psy_gain=_num(wd, "psy_gain", "withdrawal", 0.0, 100.0),
        complications=complications,
        fitted=tuple(
            name
            for name, table in (("explant_loss_of_efficacy", loe), ("withdrawal", wd))
            if table.get("fitted", False) is True
        ),
    )


def load_pathway_parameters(path: str | Path | None = None) -> PathwayParameters:
    """The shipped pathway parameters, or those of the TOML file at ``path``."""
    data = read_data_toml("neurostim.clinic", "pathway.toml", path, "pathway file")
    return parse_pathway_parameters(data)


__all__ = [
    "DAYS_PER_MONTH",
    "DEVICE_CLASSES",
    "PathwayParameters",
    "load_pathway_parameters",
    "parse_pathway_parameters",
]
