"""Checking a program against its stimulator profile; every problem is collected.

Each problem is a :class:`ValidationIssue` of one of two kinds:

- ``"malformed"``: the value is outside what the file format allows, whatever the stimulator: a
  non-finite number, a negative amplitude, a pulse width or rate <= 0, ``pulses_per_burst`` < 1,
  a zero share or one outside -100..100 %, a burst key missing or given to a non-burst train,
  an impedance <= 0 or above 1 MOhm, inconsistent or out-of-range dosing, negative or crossed
  patient limits.
  ``neurostim program check`` exits 2 for these (malformed input).
- ``"limit"``: a well-formed value the stimulator refuses (exit 1), listed below.

Refused by the stimulator (kind ``"limit"``):

- a waveform family or recharge style the profile does not support;
- amplitude, pulse width, rates, pulses per burst outside the profile's stepped ranges or off
  their step grid (a tolerance of 1e-6 step: 2.05 mA on a 50 µA grid is on the grid);
- a pulse, burst or passive recharge that does not fit in its period;
- a train without a cathode or without an anode; shares of one polarity not summing to 100 %;
  a zero share; ``case`` as a cathode;
- more leads' contacts than the stimulator has, more trains than it allows;
- inconsistent dosing (both ``duty`` and ``on_s``; ``on_s`` without ``off_s``; out of range);
- patient limits outside the profile's amplitude range, a train amplitude outside them;
- a non-positive impedance.

Safety limits (charge density, Shannon k, compliance) are warnings, not refusals: see
:mod:`neurostim.device.safety`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from neurostim.device._private import SteppedRange
from neurostim.device.profiles import StimulatorProfile
from neurostim.device.program import CASE, Program, Train, program_leads, program_profile
from neurostim.device.timing import train_timing

SHARE_TOLERANCE_PERCENT = 1e-6
"""Tolerance of the 100 % share sums."""
MAX_IMPEDANCE_OHM = 1e6
"""Largest impedance a program may set (clinical electrode impedances lie within 0.1-5 kOhm)."""
MALFORMED = "malformed"
LIMIT = "limit"


@dataclass(frozen=True)
class ValidationIssue:
    """One reason a program is refused: the field, the value given, and what is allowed."""

    field: str
    value: Any
    message: str
    kind: str = "limit"
    """``"malformed"`` (outside the file format's range) or ``"limit"`` (the device refuses)."""

    @property
    def malformed(self) -> bool:
        return self.kind == MALFORMED

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "message": f"{self.field} = {self.value!r}: {self.message}",
            "kind": self.kind,
        }


class _Collector:
    def __init__(self, profile: StimulatorProfile) -> None:
        self.profile = profile
        self.issues: list[ValidationIssue] = []

    def add(self, field: str, value: Any, message: str) -> None:
        self.issues.append(ValidationIssue(field, value, message, LIMIT))

    def malformed(self, field: str, value: Any, message: str) -> None:
        self.issues.append(ValidationIssue(field, value, message, MALFORMED))

    def number(
        self, field: str, value: float | None, low: float, *, strict: bool, unit: str
    ) -> bool:
        """Schema check: ``value`` finite and >= ``low`` (> ``low`` when ``strict``)."""
        if value is None:
            return True
        ok = math.isfinite(value) and (value > low if strict else value >= low)
        if not ok:
            allowed = f"{'>' if strict else '>='} {low:g} {unit}".rstrip()
            self.malformed(field, value, f"must be a finite number {allowed}")
        return ok

    def in_range(self, field: str, value: float, rng: SteppedRange | None, unit: str) -> bool:
        pid = self.profile.id
        if rng is None:
            self.add(field, value, f"profile {pid} has no range for this setting")
            return False
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        problem = rng.problem(number)
        if problem is None:
            return True
        self.add(
            field,
            value,
            f"{problem}; allowed {rng.describe(unit)} (profile {pid}); "
            "change the value or choose another profile",
        )
        return False


def validate_program(program: Program) -> list[ValidationIssue]:
    """Every reason ``program`` is refused by its stimulator profile (empty list when valid)."""
    profile = program_profile(program)
    c = _Collector(profile)
    n_lead_contacts = sum(lead.n_contacts for lead in program_leads(program))
    if n_lead_contacts > profile.n_contacts:
        c.add(
            "leads",
            program.leads,
            f"{n_lead_contacts} contacts exceed the stimulator's {profile.n_contacts} "
            f"(profile {profile.id}); use fewer or smaller leads",
        )
    if len(program.trains) > profile.max_trains:
        c.add(
            "trains",
            len(program.trains),
            f"profile {profile.id} allows at most {profile.max_trains} train(s) per program",
        )
    for t, train in enumerate(program.trains):
        _validate_train(c, f"trains[{t}]", train)
    _validate_dosing(c, program)
    _validate_patient(c, program)
    for contact_id, z in program.impedance_ohm.items():
        if not (math.isfinite(z) and 0 < z <= MAX_IMPEDANCE_OHM):
            c.malformed(
                f"impedance_ohm.{contact_id}",
                z,
                f"an impedance must be a finite number in (0, {MAX_IMPEDANCE_OHM:g}] ohm",
            )
    return c.issues


def _train_schema(c: _Collector, f: str, train: Train) -> bool:
    """Checks that do not depend on the stimulator; True when all pass."""
    ok = c.number(f"{f}.amplitude_ma", train.amplitude_ma, 0.0, strict=False, unit="mA")
    ok &= c.number(f"{f}.pulse_width_us", train.pulse_width_us, 0.0, strict=True, unit="us")
    ok &= c.number(f"{f}.rate_hz", train.rate_hz, 0.0, strict=True, unit="Hz")
    if train.waveform == "burst":
        for key in ("pulses_per_burst", "intraburst_rate_hz"):
            if getattr(train, key) is None:
                ok = False
                c.malformed(f"{f}.{key}", None, "required for waveform burst")
        if train.pulses_per_burst is not None and train.pulses_per_burst < 1:
            ok = False
            c.malformed(f"{f}.pulses_per_burst", train.pulses_per_burst, "must be >= 1")
        ok &= c.number(
            f"{f}.intraburst_rate_hz", train.intraburst_rate_hz, 0.0, strict=True, unit="Hz"
        )
    else:
        for key in ("pulses_per_burst", "intraburst_rate_hz"):
            if getattr(train, key) is not None:
                ok = False
                c.malformed(f"{f}.{key}", getattr(train, key), "only for waveform burst; remove it")
    return ok


def _validate_train(c: _Collector, f: str, train: Train) -> None:
    p = c.profile
    if not _train_schema(c, f, train):
        _validate_contacts(c, f, train)
        return
    family_ok = train.waveform in p.families
    if not family_ok:
        c.add(
            f"{f}.waveform",
            train.waveform,
            f"profile {p.id} supports {', '.join(p.families)}; choose one or another profile",
        )
    if train.recharge not in p.recharge:
        c.add(
            f"{f}.recharge",
            train.recharge,
            f"profile {p.id} supports recharge {', '.join(p.recharge)}",
        )
    ok = c.in_range(f"{f}.amplitude_ma", train.amplitude_ma, p.amplitude_ma, "mA")
    ok &= c.in_range(f"{f}.pulse_width_us", train.pulse_width_us, p.pulse_width_us, "us")
    rate_range = {
        "tonic": p.rate_hz,
        "high-frequency": p.high_frequency_rate_hz,
        "burst": p.burst_rate_hz,
    }[train.waveform]
    ok &= c.in_range(f"{f}.rate_hz", train.rate_hz, rate_range if family_ok else p.rate_hz, "Hz")
    if train.pulses_per_burst is not None:  # a burst (the schema checked the keys)
        ok &= c.in_range(
            f"{f}.pulses_per_burst", train.pulses_per_burst, p.pulses_per_burst, "pulses"
        )
    if train.intraburst_rate_hz is not None:
        ok &= c.in_range(
            f"{f}.intraburst_rate_hz", train.intraburst_rate_hz, p.intraburst_rate_hz, "Hz"
        )
    if ok and family_ok:
        _validate_fit(c, f, train)
    _validate_contacts(c, f, train)


def _validate_fit(c: _Collector, f: str, train: Train) -> None:
    """The pulse fits in its spacing, the unit (and passive recharge) in its period."""
    p = c.profile
    tm = train_timing(train, p)
    if train.amplitude_ma <= 0:
        return
    if tm.pulse_len_us > tm.pulse_spacing_us:
        what = "2 x pulse_width_us + interphase gap" if tm.active else "pulse_width_us"
        rate_field = "intraburst_rate_hz" if train.waveform == "burst" else "rate_hz"
        c.add(
            f"{f}.pulse_width_us",
            train.pulse_width_us,
            f"{what} = {tm.pulse_len_us:g} us does not fit in the pulse period "
            f"{tm.pulse_spacing_us:g} us ({rate_field}); shorten the pulse or lower the rate",
        )
        return
    if tm.unit_len_us > tm.period_us:
        c.add(
            f"{f}.rate_hz",
            train.rate_hz,
            f"the burst lasts {tm.unit_len_us:g} us, longer than the burst period "
            f"{tm.period_us:g} us; lower rate_hz or pulses_per_burst",
        )
        return
    if not tm.active and tm.passive_window_us < p.passive_recharge_min_us:
        c.add(
            f"{f}.rate_hz",
            train.rate_hz,
            f"passive recharge needs at least {p.passive_recharge_min_us:g} us after each "
            f"{'burst' if train.waveform == 'burst' else 'pulse'} (profile {p.id}); only "
            f"{max(tm.passive_window_us, 0.0):g} us are left; lower the rate or use active "
            "recharge",
        )


def _validate_contacts(c: _Collector, f: str, train: Train) -> None:
    cathodes = {k: v for k, v in train.contacts.items() if v < 0}
    anodes = {k: v for k, v in train.contacts.items() if v > 0}
    for k, v in train.contacts.items():
        if not math.isfinite(v) or v == 0:
            c.malformed(
                f"{f}.contacts.{k}", v, "a share is a non-zero percentage; remove the contact"
            )
        elif abs(v) > 100 + SHARE_TOLERANCE_PERCENT:
            c.malformed(f"{f}.contacts.{k}", v, "a share lies in -100..100 %")
    if CASE in cathodes:
        c.add(f"{f}.contacts.{CASE}", cathodes[CASE], "the case may only be an anode (share > 0)")
    if not cathodes:
        c.add(f"{f}.contacts", dict(train.contacts), "needs at least one cathode (share < 0)")
    elif abs(sum(cathodes.values()) + 100.0) > SHARE_TOLERANCE_PERCENT:
        c.add(
            f"{f}.contacts",
            dict(cathodes),
            f"cathode shares sum to {sum(cathodes.values()):g} %; they must sum to -100 %",
        )
    if not anodes:
        c.add(
            f"{f}.contacts",
            dict(train.contacts),
            'needs at least one anode (share > 0; "case" counts)',
        )
    elif abs(sum(anodes.values()) - 100.0) > SHARE_TOLERANCE_PERCENT:
        c.add(
            f"{f}.contacts",
            dict(anodes),
            f"anode shares sum to {sum(anodes.values()):g} %; they must sum to 100 %",
        )


def _validate_dosing(c: _Collector, program: Program) -> None:
    d = program.dosing
    if d is None:
        return
    if d.duty is not None and (d.on_s is not None or d.off_s is not None):
        c.malformed(
            "dosing", "duty and on_s/off_s", "give either on_s and off_s, or duty, not both"
        )
        return
    if d.duty is None and (d.on_s is None or d.off_s is None):
        if d.on_s is None and d.off_s is None and d.cycle_s is None:
            return
        c.malformed(
            "dosing", d.model_dump(exclude_none=True), "give on_s and off_s together, or duty"
        )
        return
    if d.duty is not None and not (math.isfinite(d.duty) and 0 < d.duty <= 1):
        c.malformed("dosing.duty", d.duty, "duty is a fraction in (0, 1]")
    if d.on_s is not None and not (math.isfinite(d.on_s) and d.on_s > 0):
        c.malformed("dosing.on_s", d.on_s, "on_s must be a positive number of seconds")
    if d.off_s is not None and not (math.isfinite(d.off_s) and d.off_s >= 0):
        c.malformed("dosing.off_s", d.off_s, "off_s must be zero or a positive number of seconds")
    if d.cycle_s is not None and not (math.isfinite(d.cycle_s) and d.cycle_s > 0):
        c.malformed("dosing.cycle_s", d.cycle_s, "cycle_s must be a positive number of seconds")


def _validate_patient(c: _Collector, program: Program) -> None:
    lim = program.patient
    if lim is None:
        return
    rng = c.profile.amplitude_ma
    lo = lim.amplitude_min_ma
    hi = lim.amplitude_max_ma
    ok = c.number("patient.amplitude_min_ma", lo, 0.0, strict=False, unit="mA")
    ok &= c.number("patient.amplitude_max_ma", hi, 0.0, strict=False, unit="mA")
    if not ok:
        return
    if hi is not None and hi < lo:
        c.malformed("patient.amplitude_max_ma", hi, f"is below amplitude_min_ma = {lo:g} mA")
        return
    ok = c.in_range("patient.amplitude_min_ma", lo, rng, "mA")
    if hi is not None:
        ok &= c.in_range("patient.amplitude_max_ma", hi, rng, "mA")
    if not ok:
        return
    for t, train in enumerate(program.trains):
        a = train.amplitude_ma
        if a < lo or (hi is not None and a > hi):
            top = f"{hi:g}" if hi is not None else "the profile maximum"
            c.add(
                f"trains[{t}].amplitude_ma",
                a,
                f"is outside the patient limits {lo:g}-{top} mA; change it or the limits",
            )
