"""What a clinician programmer does before writing a program: validate, safety, battery.

:func:`check_program` collects every validation problem (``errors``), and for a valid program
the per-contact safety figures and the battery figures with their warnings, and a warning for a
rate the profile delivers but that was not evaluated clinically (``unevaluated-rate``). Its
:meth:`ProgramCheck.to_dict` is the JSON of ``neurostim program check --json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neurostim.device.battery import BatteryReport, battery_report
from neurostim.device.program import Program, load_program, program_profile
from neurostim.device.safety import (
    DEFAULT_DENSITY_LIMIT_UC_PER_CM2,
    DEFAULT_SHANNON_K_LIMIT,
    ProgramWarning,
    SafetyReport,
    check_warning_limits,
    safety_report,
)
from neurostim.device.validation import ValidationIssue, validate_program


@dataclass(frozen=True)
class ProgramCheck:
    """Result of :func:`check_program`.

    ``safety`` and ``battery`` are None when the program is invalid (its numbers would not be
    deliverable).
    """

    program: Program
    errors: list[ValidationIssue]
    safety: SafetyReport | None
    battery: BatteryReport | None
    warnings: list[ProgramWarning] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def malformed(self) -> list[ValidationIssue]:
        """The errors of kind ``"malformed"`` (outside the file format; CLI exit code 2)."""
        return [e for e in self.errors if e.malformed]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``neurostim program check --json``."""
        contacts = []
        if self.safety is not None:
            for c in self.safety.contacts:
                contacts.append(
                    {
                        "id": c.id,
                        "train": c.train,
                        "share_percent": c.share_percent,
                        "current_ma": c.current_ma,
                        "impedance_ohm": c.impedance_ohm,
                        "charge_per_phase_uc": c.charge_per_phase_uc,
                        "charge_density_uc_per_cm2": c.charge_density_uc_per_cm2,
                        "shannon_k": c.shannon_k,
                        "burst_charge_uc": c.burst_charge_uc,
                    }
                )
        battery: dict[str, Any] = (
            self.battery.to_dict()
            if self.battery is not None
            else {
                "average_current_ua": None,
                "longevity_years": None,
                "recharge_minutes_per_day": None,
            }
        )
        return {
            "program": self.program.name,
            "stimulator": self.program.stimulator,
            "valid": self.valid,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
            "contacts": contacts,
            "required_voltage_v": None if self.safety is None else self.safety.required_voltage_v,
            "battery": battery,
        }


def check_program(
    program: Program | str | Path,
    *,
    density_limit_uc_per_cm2: float = DEFAULT_DENSITY_LIMIT_UC_PER_CM2,
    shannon_k_limit: float = DEFAULT_SHANNON_K_LIMIT,
) -> ProgramCheck:
    """Validate ``program`` (a Program or a path to its TOML) and report safety and battery.

    Raises
    ------
    InputError
        For a file that cannot be loaded (malformed TOML, wrong types, unknown ids) and for a
        warning limit that is not finite or out of range; range and step problems of the
        program are collected in ``errors`` (those outside the file format's range have kind
        ``"malformed"``, see :attr:`ProgramCheck.malformed`).
    """
    check_warning_limits(density_limit_uc_per_cm2, shannon_k_limit)
    if not isinstance(program, Program):
        program = load_program(program, validate=False)
    errors = validate_program(program)
    if errors:
        return ProgramCheck(program, errors, None, None, [])
    safety = safety_report(
        program,
        density_limit_uc_per_cm2=density_limit_uc_per_cm2,
        shannon_k_limit=shannon_k_limit,
    )
    battery = battery_report(program)
    warnings = rate_warnings(program) + safety.warnings + battery.warnings
    return ProgramCheck(program, errors, safety, battery, warnings)


def rate_warnings(program: Program) -> list[ProgramWarning]:
    """``unevaluated-rate`` for each train whose rate lies in one of the profile's
    ``unevaluated_rate_hz`` intervals (device reference §2: rates between 1.2 and 10 kHz were
    not evaluated clinically)."""
    profile = program_profile(program)
    out = []
    for t, train in enumerate(program.trains):
        for interval in profile.unevaluated_rate_hz:
            if interval.holds(float(train.rate_hz)):
                out.append(
                    ProgramWarning(
                        "unevaluated-rate",
                        None,
                        f"train {t + 1}: rate_hz = {float(train.rate_hz):g} Hz lies between "
                        f"{interval.above_hz:g} and {interval.below_hz:g} Hz, a range profile "
                        f"{profile.id} delivers but that was not evaluated clinically "
                        f"({interval.source}); acknowledge it or choose an evaluated rate",
                        train=t,
                    )
                )
    return out
