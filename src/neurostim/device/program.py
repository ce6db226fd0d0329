"""Stimulation programs: the TOML file, its models, and loading.

A program file (schema in docs/programs.md; the keys below are a public contract)::

    stimulator = "hf-rechargeable-16"               # profile id (or path to a profile .toml)
    leads = ["percutaneous-8", "percutaneous-8"]    # contacts "L1.E1".."L2.E8"; the can is "case"

    [[trains]]                  # one train; two or more for a multiplexed program
    waveform = "tonic"          # tonic | burst | high-frequency
    amplitude_ma = 5.0          # total cathodic current
    pulse_width_us = 300        # cathodic phase
    rate_hz = 50                # pulse rate; for burst, the burst rate
    recharge = "active"         # active | passive
    contacts = { "L1.E4" = -100, "L1.E5" = 100 }   # signed % shares, cathodes < 0
    # burst: pulses_per_burst = 5, intraburst_rate_hz = 500

    [dosing]                    # optional: on_s and off_s, or duty (and cycle_s)
    [patient]                   # optional: amplitude_min_ma, amplitude_max_ma
    [impedance_ohm]             # optional per-contact override of the profile default

Loading (:func:`load_program`, :func:`parse_program`) checks structure, types and ids and raises
:class:`~neurostim.errors.InputError` at the first problem (the CLI's exit code 2). Checking
the values (finite, in the format's range) and against the stimulator profile (ranges, steps,
polarity, shares) is :func:`neurostim.device.validation.validate_program`, which collects every
problem; with ``validate=True`` (the default) the loaders raise for the first of them: an
InputError for a malformed value (exit code 2), a :class:`~neurostim.errors.SafetyLimitError`
for a value the stimulator refuses (exit code 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StrictStr

from neurostim.device._private import parse_toml_text, read_toml, validate_model
from neurostim.device.leads import Lead, load_lead
from neurostim.device.profiles import Family, RechargeStyle, StimulatorProfile, load_profile
from neurostim.errors import InputError, SafetyLimitError


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError("the number is too large") from None


Number = Annotated[float, BeforeValidator(_number)]
"""A TOML number (integer or float, stored as float; booleans and strings are refused)."""

CASE = "case"
"""The stimulator can, allowed as an anode."""

_CONTACT_RE = re.compile(r"^L([1-9][0-9]*)\.(E[1-9][0-9]*)$")


class Train(BaseModel):
    """One pulse train: waveform family, amplitude, pulse width, rate and contact shares.

    ``contacts`` maps contact ids (``"L1.E4"``, ``"case"``) to signed current shares in percent:
    negative = cathode, positive = anode; each polarity sums to 100.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    waveform: Family
    amplitude_ma: Number
    pulse_width_us: Number
    rate_hz: Number
    recharge: RechargeStyle = "active"
    contacts: dict[StrictStr, Number]
    pulses_per_burst: StrictInt | None = None
    intraburst_rate_hz: Number | None = None


class Dosing(BaseModel):
    """Cycling / pulse dosing: ``on_s`` and ``off_s``, or ``duty`` (optionally ``cycle_s``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    on_s: Number | None = None
    off_s: Number | None = None
    duty: Number | None = None
    cycle_s: Number | None = None

    @property
    def duty_fraction(self) -> float:
        """Fraction of time ON (1.0 when nothing is set)."""
        if self.duty is not None:
            return float(self.duty)
        if self.on_s is not None and self.off_s is not None:
            return float(self.on_s) / float(self.on_s + self.off_s)
        return 1.0

    def cycle(self, default_cycle_s: float = 1.0) -> tuple[float, float]:
        """(on_s, cycle_s) of the ON/OFF cycle; ``duty`` alone uses ``cycle_s`` (default 1 s)."""
        if self.on_s is not None and self.off_s is not None:
            return float(self.on_s), float(self.on_s + self.off_s)
        cycle_s = float(self.cycle_s) if self.cycle_s is not None else default_cycle_s
        return self.duty_fraction * cycle_s, cycle_s


class PatientLimits(BaseModel):
    """Amplitude range the patient may select with the remote (mA)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    amplitude_min_ma: Number = 0.0
    amplitude_max_ma: Number | None = None


class Program(BaseModel):
    """A stimulation program (see the module docstring for the file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: StrictStr | None = None
    description: StrictStr | None = None
    stimulator: StrictStr
    leads: list[StrictStr] = Field(min_length=1)
    trains: list[Train] = Field(min_length=1)
    dosing: Dosing | None = None
    patient: PatientLimits | None = None
    impedance_ohm: dict[StrictStr, Number] = Field(default_factory=dict)

    @property
    def is_multiplexed(self) -> bool:
        """True for two or more interleaved trains."""
        return len(self.trains) >= 2

    @property
    def duty_fraction(self) -> float:
        return 1.0 if self.dosing is None else self.dosing.duty_fraction


@dataclass(frozen=True)
class ContactLayout:
    """The contacts a program can use, in the row order of every per-contact array.

    Rows: the contacts of lead 1 (``L1.E1``..), lead 2, ..., then ``case`` as the last row.

    Attributes
    ----------
    ids : list of str, length n_contacts
    lead_index : ndarray of int, shape (n_contacts,)
        0-based lead of each row; -1 for the case.
    positions_mm : ndarray of shape (n_contacts, 3)
        Contact centres in their lead's coordinates (mm); NaN for the case. Placing leads in
        the body is the field stage's job.
    surface_area_mm2 : ndarray of shape (n_contacts,)
        NaN for the case (its area is not a contact area).
    """

    ids: list[str]
    lead_index: NDArray[np.int64]
    positions_mm: NDArray[np.float64]
    surface_area_mm2: NDArray[np.float64]

    @property
    def n_contacts(self) -> int:
        return len(self.ids)

    def row(self, contact_id: str) -> int:
        return self.ids.index(contact_id)


def program_leads(program: Program) -> list[Lead]:
    """The program's leads, resolved."""
    return [load_lead(ident) for ident in program.leads]


def program_profile(program: Program) -> StimulatorProfile:
    """The program's stimulator profile, resolved."""
    return load_profile(program.stimulator)


def contact_layout(program: Program) -> ContactLayout:
    """Rows, positions and areas of the program's contacts (see :class:`ContactLayout`)."""
    ids: list[str] = []
    lead_index: list[int] = []
    positions: list[tuple[float, float, float]] = []
    areas: list[float] = []
    for i, lead in enumerate(program_leads(program)):
        for c in lead.contacts:
            ids.append(f"L{i + 1}.{c.id}")
            lead_index.append(i)
            positions.append(c.position_mm)
            areas.append(c.surface_area_mm2)
    ids.append(CASE)
    lead_index.append(-1)
    positions.append((np.nan, np.nan, np.nan))
    areas.append(np.nan)
    return ContactLayout(
        ids=ids,
        lead_index=np.array(lead_index, dtype=np.int64),
        positions_mm=np.array(positions, dtype=np.float64),
        surface_area_mm2=np.array(areas, dtype=np.float64),
    )


def _check_contact_id(field: str, contact_id: str, leads: list[Lead]) -> None:
    if contact_id == CASE:
        return
    m = _CONTACT_RE.match(contact_id)
    if m is None:
        raise InputError(field, contact_id, 'a contact id is "L<lead>.E<contact>" or "case"')
    lead_no, local = int(m.group(1)), m.group(2)
    if lead_no > len(leads):
        raise InputError(
            field, contact_id, f"the program has {len(leads)} lead(s): L1..L{len(leads)}"
        )
    lead = leads[lead_no - 1]
    if local not in lead.contact_ids:
        raise InputError(
            field,
            contact_id,
            f"lead L{lead_no} ({lead.id}) has contacts "
            f"{lead.contact_ids[0]}..{lead.contact_ids[-1]}",
        )


def parse_program(
    data: dict[str, Any], *, base_dir: Path | None = None, validate: bool = True
) -> Program:
    """Build a :class:`Program` from a dict (a parsed TOML document).

    Parameters
    ----------
    data : dict
        The document.
    base_dir : Path, optional
        Folder against which relative lead/profile paths resolve (the program file's folder).
    validate : bool
        Also check against the stimulator profile and raise for the first problem.

    Raises
    ------
    InputError
        Wrong structure or type, unknown profile, lead or contact id; with ``validate``, a value
        outside the file format's range (a non-finite number, a negative amplitude, ...).
    SafetyLimitError
        With ``validate``, a well-formed value the stimulator refuses (out of its range, off
        its step grid, inconsistent shares); an InputError too. Field, value and allowed range
        are named.
    """
    program: Program = validate_model(Program, data)
    # resolve profile and leads (unknown ids raise); store file paths absolute
    profile_path = program.stimulator
    if profile_path.endswith(".toml") and base_dir is not None:
        profile_path = str((base_dir / profile_path).resolve())
    load_profile(profile_path)
    lead_refs = []
    leads = []
    for i, ident in enumerate(program.leads):
        ref = ident
        if ident.endswith(".toml") and base_dir is not None:
            ref = str((base_dir / ident).resolve())
        try:
            leads.append(load_lead(ref))
        except InputError as exc:
            raise InputError(f"leads[{i}]", ident, exc.message) from None
        lead_refs.append(ref)
    program = program.model_copy(update={"stimulator": profile_path, "leads": lead_refs})
    for t, train in enumerate(program.trains):
        for contact_id in train.contacts:
            _check_contact_id(f"trains[{t}].contacts.{contact_id}", contact_id, leads)
    for contact_id in program.impedance_ohm:
        _check_contact_id(f"impedance_ohm.{contact_id}", contact_id, leads)
    if validate:
        from neurostim.device.validation import validate_program

        issues = validate_program(program)
        if issues:
            malformed = [i for i in issues if i.malformed]
            first = (malformed or issues)[0]
            more = f" ({len(issues) - 1} more problem(s))" if len(issues) > 1 else ""
            error = InputError if first.malformed else SafetyLimitError
            raise error(first.field, first.value, first.message + more)
    return program


def load_program(path: str | Path, *, validate: bool = True) -> Program:
    """Load a program TOML file (see :func:`parse_program`)."""
    path = Path(path)
    return parse_program(read_toml(path, "program"), base_dir=path.parent, validate=validate)


def parse_program_text(text: str, *, validate: bool = True) -> Program:
    """Load a program from TOML text (see :func:`parse_program`)."""
    return parse_program(parse_toml_text(text, "program", "<text>"), validate=validate)
