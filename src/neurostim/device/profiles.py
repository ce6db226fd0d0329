"""Stimulator (IPG) capability profiles, as data.

A profile file (TOML) states what a stimulator can deliver: contact count, number of programs,
trains per program, waveform families, recharge styles, compliance voltage, default contact
impedance, stepped ranges (amplitude, pulse width, rates; piecewise step rules such as Axium's
25 µA steps up to 2 mA and 50 µA above), the passive-recharge shape, and the battery with the
parameters of the battery model (:mod:`neurostim.device.battery`).

Shipped profiles: ``generic-rechargeable-16``, ``hf-rechargeable-16``, ``burst-primary-16``,
``multiwave-rechargeable-16``, ``drg-trial-4`` (device reference §1-§2, §5). A profile may name
deliverable rates that were not evaluated clinically (``unevaluated_rate_hz``): valid, warned.
Users add their own with a path or a directory named in ``NEUROSTIM_PROFILE_PATH``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from neurostim.device._private import (
    SteppedRange,
    catalog_files,
    find_catalog_file,
    read_toml,
    search_dirs,
    validate_model,
)
from neurostim.errors import InputError

PROFILE_PATH_ENV = "NEUROSTIM_PROFILE_PATH"

Family = Literal["tonic", "burst", "high-frequency"]
RechargeStyle = Literal["active", "passive"]


class BatteryParameters(BaseModel):
    """The battery and the parameters of the drain model (see :mod:`neurostim.device.battery`).

    Attributes
    ----------
    kind : {"primary", "rechargeable"}
    chemistry : str
    capacity_mah : float
        Rated capacity (mAh).
    usable_fraction : float
        Rechargeable: fraction of the capacity used between charges.
    charge_current_ma : float or None
        Rechargeable: effective charging current into the cell (mA).
    active_recharge_cost : float
        Battery charge drawn by an active recharge phase per unit cathodic charge (1.0 when the
        recharge phase is driven from the battery like the cathodic one; 0 when it is not).
    supply_factor : float
        Battery charge per unit stimulation charge (converter losses), ≥ 1 in practice.
    quiescent_ua, overhead_ua : float
        Constant drains (µA): housekeeping and the stimulation engine's fixed overhead.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["primary", "rechargeable"]
    chemistry: str
    capacity_mah: float = Field(gt=0)
    usable_fraction: float = Field(default=1.0, gt=0, le=1)
    charge_current_ma: float | None = Field(default=None, gt=0)
    active_recharge_cost: float = Field(ge=0)
    supply_factor: float = Field(gt=0)
    quiescent_ua: float = Field(ge=0)
    overhead_ua: float = Field(ge=0)
    source: str


class RateInterval(BaseModel):
    """Rates a stimulator delivers but that were not evaluated clinically: ``above_hz`` <
    rate < ``below_hz`` (both ends excluded). A program in one is valid and warned about
    (``unevaluated-rate``, :func:`neurostim.device.check.check_program`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    above_hz: float = Field(ge=0)
    below_hz: float = Field(gt=0)
    source: str

    def holds(self, rate_hz: float) -> bool:
        return self.above_hz < rate_hz < self.below_hz


class StimulatorProfile(BaseModel):
    """What a stimulator can deliver (all limits are data; see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    name: str
    representative: bool
    source: str
    n_contacts: int = Field(gt=0)
    n_programs: int = Field(gt=0)
    max_trains: int = Field(gt=0)
    families: list[Family] = Field(min_length=1)
    recharge: list[RechargeStyle] = Field(min_length=1)
    compliance_v: float = Field(gt=0)
    default_impedance_ohm: float = Field(gt=0)
    interphase_gap_us: float = Field(ge=0)
    passive_recharge_tau_us: float = Field(gt=0)
    passive_recharge_window_us: float = Field(gt=0)
    passive_recharge_min_us: float = Field(gt=0)
    amplitude_ma: SteppedRange
    pulse_width_us: SteppedRange
    rate_hz: SteppedRange
    high_frequency_rate_hz: SteppedRange | None = None
    burst_rate_hz: SteppedRange | None = None
    intraburst_rate_hz: SteppedRange | None = None
    pulses_per_burst: SteppedRange | None = None
    unevaluated_rate_hz: list[RateInterval] = Field(default_factory=list)
    """Deliverable rates that were not evaluated clinically (warned about, not refused)."""
    battery: BatteryParameters


def load_profile_file(path: str | Path) -> StimulatorProfile:
    """Load a user's stimulator profile file (TOML, the shape of the shipped ones)."""
    profile = validate_model(StimulatorProfile, read_toml(Path(path), "stimulator"))
    if "burst" in profile.families and None in (
        profile.burst_rate_hz,
        profile.intraburst_rate_hz,
        profile.pulses_per_burst,
    ):
        raise InputError(
            "burst_rate_hz",
            None,
            f"profile {profile.id} lists the burst family but lacks burst_rate_hz, "
            "intraburst_rate_hz or pulses_per_burst",
        )
    if "high-frequency" in profile.families and profile.high_frequency_rate_hz is None:
        raise InputError(
            "high_frequency_rate_hz",
            None,
            f"profile {profile.id} lists high-frequency but lacks high_frequency_rate_hz",
        )
    for k, interval in enumerate(profile.unevaluated_rate_hz):
        if not interval.above_hz < interval.below_hz:
            raise InputError(
                f"unevaluated_rate_hz[{k}]",
                (interval.above_hz, interval.below_hz),
                "above_hz < below_hz",
            )
    if profile.battery.kind == "rechargeable" and profile.battery.charge_current_ma is None:
        raise InputError(
            "battery.charge_current_ma", None, "a rechargeable battery needs charge_current_ma"
        )
    return profile


@functools.lru_cache(maxsize=64)
def _load_cached(path: Path, mtime_ns: int) -> StimulatorProfile:
    return load_profile_file(path)


def load_profile(ident: str, *, base_dir: Path | None = None) -> StimulatorProfile:
    """Load a stimulator profile by id (``"hf-rechargeable-16"``) or path to a ``.toml`` file."""
    if not isinstance(ident, str):
        raise InputError("stimulator", ident, "a stimulator profile id must be a string")
    path = find_catalog_file("stimulator", "profiles", ident, PROFILE_PATH_ENV, base_dir)
    return _load_cached(path.resolve(), path.stat().st_mtime_ns)


def list_profiles() -> list[str]:
    """Ids of the stimulator profiles available (shipped and in ``NEUROSTIM_PROFILE_PATH``)."""
    ids = set(catalog_files("profiles"))
    for directory in search_dirs(PROFILE_PATH_ENV):
        if directory.is_dir():
            ids.update(p.stem for p in directory.glob("*.toml"))
    return sorted(ids)
