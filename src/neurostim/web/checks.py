"""The platform's checks as the web clinic calls them; no safety arithmetic of its own.

A stimulation program is parsed by :func:`neurostim.device.parse_program` and checked by
:func:`neurostim.device.check_program` (the functions behind ``neurostim program check``); a
pump program by :func:`neurostim.intrathecal.parse_program` and
:func:`neurostim.intrathecal.check_program` (``neurostim pump check``). This module only turns
their findings into one error shape, ``{"field", "value", "allowed"}``, and refuses what a web
request must not do with them: name a file on the server instead of a catalog id.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from neurostim.device import (
    ProgramCheck,
    ProgramWarning,
    ValidationIssue,
    list_leads,
    list_profiles,
    parse_program,
)
from neurostim.device import check_program as check_device
from neurostim.errors import InputError
from neurostim.intrathecal import CheckReport, PumpProgram
from neurostim.intrathecal import check_program as check_pump
from neurostim.intrathecal import parse_program as parse_pump


@dataclass(frozen=True)
class FieldError:
    """One refusal: the field, the value given and what is allowed (the platform's text)."""

    field: str
    value: Any
    allowed: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": json_safe(self.value), "allowed": self.allowed}


class Refused(Exception):
    """A request the platform's checks refuse; ``errors`` lists every reason found."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field} = {e.value!r}: {e.allowed}" for e in errors))


def json_safe(value: Any) -> Any:
    """``value`` with non-finite floats as text and other non-JSON values as ``str``."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return str(value)


def from_input_error(exc: InputError) -> FieldError:
    return FieldError(exc.field, exc.value, exc.message)


def from_issues(issues: list[ValidationIssue]) -> list[FieldError]:
    return [FieldError(i.field, i.value, i.message) for i in issues]


def _catalog_ids(data: dict[str, Any]) -> None:
    """Refuse a stimulator or lead given as a path: a web request names catalog ids only."""
    profiles = list_profiles()
    stimulator = data.get("stimulator")
    if isinstance(stimulator, str) and stimulator not in profiles:
        raise InputError("stimulator", stimulator, f"a stimulator profile id: {profiles}")
    leads = data.get("leads")
    if isinstance(leads, list):
        known = list_leads()
        for i, lead in enumerate(leads):
            if isinstance(lead, str) and lead not in known:
                raise InputError(f"leads[{i}]", lead, f"a lead id: {known}")


def check_program_data(data: Any) -> ProgramCheck:
    """Parse and check a stimulation program given as JSON (the TOML file's schema).

    Returns the :class:`~neurostim.device.ProgramCheck` of a well-formed program, valid or not
    (what ``neurostim program check --json`` prints with exit code 0 or 1).

    Raises
    ------
    Refused
        For malformed input (what the command refuses with exit code 2): wrong structure or
        type, unknown ids, values outside the file format's range.
    """
    if not isinstance(data, dict):
        raise Refused([FieldError("program", type(data).__name__, "a table of keys")])
    try:
        _catalog_ids(data)
        program = parse_program(data, validate=False)
        result = check_device(program)
    except InputError as exc:
        raise Refused([from_input_error(exc)]) from None
    if result.malformed:
        raise Refused(from_issues(result.malformed))
    return result


def require_valid(result: ProgramCheck) -> None:
    """Raise :class:`Refused` listing every error of a program that is not valid."""
    if not result.valid:
        raise Refused(from_issues(result.errors))


def warning_key(w: ProgramWarning) -> str:
    """The text a clinician acknowledges a warning by: ``code`` or ``code@contact``."""
    return w.code if w.contact is None else f"{w.code}@{w.contact}"


def unacknowledged(result: ProgramCheck, acknowledged: list[str]) -> list[str]:
    """Keys of the warnings of ``result`` not in ``acknowledged`` (sorted)."""
    return sorted({warning_key(w) for w in result.warnings} - set(acknowledged))


def check_pump_data(
    data: Any, previous: Any = None, start_date: dt.date | None = None
) -> tuple[PumpProgram, CheckReport]:
    """Parse and check a pump program given as JSON (and its titration from ``previous``).

    Returns the program and the :class:`~neurostim.intrathecal.CheckReport` of a well-formed
    program, valid or not (``neurostim pump check --json`` prints its ``to_dict()``).

    Raises
    ------
    Refused
        For malformed input: wrong structure or type, unknown key, pump or drug.
    """
    try:
        program = parse_pump(data)
    except InputError as exc:
        raise Refused([from_input_error(exc)]) from None
    try:
        old = None if previous is None else parse_pump(previous)
    except InputError as exc:
        raise Refused([FieldError(f"previous.{exc.field}", exc.value, exc.message)]) from None
    try:
        report = check_pump(program, old, None, start_date)
    except InputError as exc:
        raise Refused([from_input_error(exc)]) from None
    return program, report


__all__ = [
    "FieldError",
    "Refused",
    "check_program_data",
    "check_pump_data",
    "from_input_error",
    "json_safe",
    "require_valid",
    "unacknowledged",
    "warning_key",
]
