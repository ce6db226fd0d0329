"""Safety arithmetic per contact: charge per phase, charge density, Shannon k, compliance.

Equations (device reference §4)
-------------------------------
- charge per phase  Q = (|s_k|/100) · I · PW          µC  (I in mA, PW in ms; s_k the share)
- charge density    D = Q / A                          µC/cm²  (A the contact's area, cm²)
- Shannon           k = log10(Q · D)                   (Shannon 1992; lowest damaging k = 1.85)
- compliance        V = max_cathodes(|I_k|·Z_k) + max_anodes(|I_k|·Z_k)   V  (I_k in A, Z in Ω)
- burst charge      Q_burst = pulses_per_burst · Q                      µC  (passive recharge)

The compliance model is a series path: the current leaves the stimulator through the anodes
and returns through the cathodes, each contact presenting its impedance (the program's
``impedance_ohm`` or the profile's ``default_impedance_ohm``); a steered polarity is bounded by
its worst contact.

All three are **warnings, not refusals** (as clinical programmers do): above
``density_limit_uc_per_cm2`` (default 30 µC/cm²), above ``shannon_k_limit`` (default 1.85), and
when V exceeds the profile's ``compliance_v``. Each is evaluated at the programmed amplitude and
again at the patient's maximum amplitude when the program sets one.

Reproduces the worked examples of the device reference §4 (Q, D, k for four programs on a
12.25 mm² contact; the 3.676 µC limit; a 50/50 split halving Q and D) exactly to the printed
digits: tests/device/test_safety.py.

The case is the stimulator can: its area is not a contact area, so its D and k are ``None``.
For passive recharge, the charge per phase is that of the cathodic pulse; the passive recharge
phase is long and low and is not evaluated.

A burst with passive recharge is charge-balanced only over the whole burst (device reference
§2: the coupling capacitor discharges after the burst), so each contact accumulates the charge
of all the burst's pulses before its recharge: ``Q_burst = pulses_per_burst · Q``. It is
reported per contact (``burst_charge_uc``; None for other trains) and warned about
(``burst-charge``) when it exceeds the per-phase charge the density limit allows on that
contact, ``density_limit_uc_per_cm2 · A``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from neurostim.device.program import CASE, Program, contact_layout, program_profile
from neurostim.errors import InputError
from neurostim.units import MA_TO_A, MA_US_TO_UC, MM2_TO_CM2

DEFAULT_DENSITY_LIMIT_UC_PER_CM2 = 30.0
"""Clinical programmers warn above 30 µC/cm² per phase (device reference §1, §4)."""
DEFAULT_SHANNON_K_LIMIT = 1.85
"""Lowest k with tissue damage in Shannon's data (device reference §4)."""
DENSITY_LIMIT_RANGE_UC_PER_CM2 = (0.0, 1000.0)
"""Allowed warning limits of charge density, (low, high]: a limit <= 0 or NaN would warn for
every contact or switch the warning off."""
SHANNON_K_LIMIT_RANGE = (-10.0, 10.0)
"""Allowed Shannon k warning limits, [low, high] (k of SCS programs lies within -3..4)."""


def check_warning_limits(density_limit_uc_per_cm2: float, shannon_k_limit: float) -> None:
    """Raise InputError unless both warning limits are finite and in their allowed ranges."""
    lo, hi = DENSITY_LIMIT_RANGE_UC_PER_CM2
    d = float(density_limit_uc_per_cm2)
    if not (math.isfinite(d) and lo < d <= hi):
        raise InputError(
            "density_limit_uc_per_cm2", d, f"must be a finite number in ({lo:g}, {hi:g}] uC/cm^2"
        )
    lo, hi = SHANNON_K_LIMIT_RANGE
    k = float(shannon_k_limit)
    if not (math.isfinite(k) and lo <= k <= hi):
        raise InputError("shannon_k_limit", k, f"must be a finite number in [{lo:g}, {hi:g}]")


def charge_per_phase_uc(current_ma: float, pulse_width_us: float) -> float:
    """Q = I · PW, µC (mA × µs × 1e-3)."""
    return current_ma * pulse_width_us * MA_US_TO_UC


def charge_density_uc_per_cm2(charge_uc: float, surface_area_mm2: float) -> float:
    """D = Q / A, µC/cm²."""
    return charge_uc / (surface_area_mm2 * MM2_TO_CM2)


def shannon_k(charge_uc: float, density_uc_per_cm2: float) -> float | None:
    """k = log10(Q · D); None when there is no charge (k would be -inf)."""
    product = charge_uc * density_uc_per_cm2
    return math.log10(product) if product > 0 else None


def compliance_voltage_v(cathode_v: list[float], anode_v: list[float]) -> float:
    """Voltage the series path needs: worst cathode plus worst anode (each I_k·Z_k, V)."""
    return max(cathode_v, default=0.0) + max(anode_v, default=0.0)


@dataclass(frozen=True)
class ProgramWarning:
    """A warning (not a refusal): ``code``, the contact it concerns (or None), a message."""

    code: str
    contact: str | None
    message: str
    train: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "contact": self.contact, "message": self.message}


@dataclass(frozen=True)
class ContactSafety:
    """Safety figures of one contact in one train (amplitude as programmed)."""

    id: str
    train: int
    share_percent: float
    current_ma: float
    impedance_ohm: float
    surface_area_mm2: float | None
    charge_per_phase_uc: float
    charge_density_uc_per_cm2: float | None
    shannon_k: float | None
    burst_charge_uc: float | None = None
    """Charge accumulated over a passive-recharge burst before its recharge (None otherwise)."""


def burst_charge_uc(charge_per_phase_uc: float, pulses_per_burst: int) -> float:
    """Charge a contact accumulates over a burst before its passive recharge, µC."""
    return pulses_per_burst * charge_per_phase_uc


@dataclass(frozen=True)
class SafetyReport:
    """Per-contact safety figures, required voltages and warnings of a program."""

    contacts: list[ContactSafety]
    required_voltage_v: list[float]
    compliance_v: float
    density_limit_uc_per_cm2: float
    shannon_k_limit: float
    warnings: list[ProgramWarning] = field(default_factory=list)


def _contact_figures(
    contact_id: str, share: float, amplitude_ma: float, pw_us: float, area_mm2: float | None
) -> tuple[float, float | None, float | None]:
    q = charge_per_phase_uc(abs(share) / 100.0 * amplitude_ma, pw_us)
    if contact_id == CASE or area_mm2 is None:
        return q, None, None
    d = charge_density_uc_per_cm2(q, area_mm2)
    return q, d, shannon_k(q, d)


def safety_report(
    program: Program,
    *,
    density_limit_uc_per_cm2: float = DEFAULT_DENSITY_LIMIT_UC_PER_CM2,
    shannon_k_limit: float = DEFAULT_SHANNON_K_LIMIT,
) -> SafetyReport:
    """Charge, density, Shannon k and compliance per contact, with warnings.

    Evaluated at each train's amplitude and, when ``[patient] amplitude_max_ma`` is set, again
    at that amplitude (warning codes with the suffix ``-patient-max``, given only where the
    programmed amplitude does not already warn).

    Raises
    ------
    InputError
        A warning limit that is not finite or outside its allowed range.
    """
    check_warning_limits(density_limit_uc_per_cm2, shannon_k_limit)
    profile = program_profile(program)
    layout = contact_layout(program)
    areas = dict(zip(layout.ids, layout.surface_area_mm2.tolist(), strict=True))
    patient_max = program.patient.amplitude_max_ma if program.patient is not None else None
    contacts: list[ContactSafety] = []
    warnings: list[ProgramWarning] = []
    voltages: list[float] = []
    for t, train in enumerate(program.trains):
        n_burst = (
            int(train.pulses_per_burst or 1)
            if train.waveform == "burst" and train.recharge == "passive"
            else None
        )
        amplitudes = [("", float(train.amplitude_ma))]
        if patient_max is not None and patient_max > train.amplitude_ma:
            amplitudes.append(("-patient-max", float(patient_max)))
        warned: set[tuple[str, str | None]] = set()
        for suffix, amp in amplitudes:
            at = "" if not suffix else f" at the patient maximum {amp:g} mA"
            cath_v: list[float] = []
            anod_v: list[float] = []
            for cid, share in train.contacts.items():
                area = None if cid == CASE else areas[cid]
                z = float(program.impedance_ohm.get(cid, profile.default_impedance_ohm))
                q, d, k = _contact_figures(cid, share, amp, float(train.pulse_width_us), area)
                current_ma = abs(share) / 100.0 * amp
                (cath_v if share < 0 else anod_v).append(current_ma * MA_TO_A * z)
                q_burst = None if n_burst is None else burst_charge_uc(q, n_burst)
                if not suffix:
                    contacts.append(
                        ContactSafety(cid, t, float(share), current_ma, z, area, q, d, k, q_burst)
                    )
                if q_burst is not None and area is not None and ("b", cid) not in warned:
                    q_limit = density_limit_uc_per_cm2 * area * MM2_TO_CM2
                    if q_burst > q_limit:
                        warned.add(("b", cid))
                        warnings.append(
                            ProgramWarning(
                                "burst-charge" + suffix,
                                cid,
                                f"{cid}: {q_burst:.3f} uC accumulate over the burst of "
                                f"{n_burst} pulses before the passive recharge{at}, more than "
                                f"the {q_limit:.3f} uC per phase that "
                                f"{density_limit_uc_per_cm2:g} uC/cm^2 allows on this contact",
                                t,
                            )
                        )
                if d is not None and d > density_limit_uc_per_cm2 and ("d", cid) not in warned:
                    warned.add(("d", cid))
                    warnings.append(
                        ProgramWarning(
                            "charge-density" + suffix,
                            cid,
                            f"{cid}: {d:.2f} uC/cm^2 per phase{at} exceeds "
                            f"{density_limit_uc_per_cm2:g} uC/cm^2 (Q = {q:.3f} uC)",
                            t,
                        )
                    )
                if k is not None and k > shannon_k_limit and ("k", cid) not in warned:
                    warned.add(("k", cid))
                    warnings.append(
                        ProgramWarning(
                            "shannon-k" + suffix,
                            cid,
                            f"{cid}: Shannon k = {k:.2f}{at} exceeds {shannon_k_limit:g}",
                            t,
                        )
                    )
            v = compliance_voltage_v(cath_v, anod_v)
            if not suffix:
                voltages.append(v)
            if v > profile.compliance_v and ("v", None) not in warned:
                warned.add(("v", None))
                warnings.append(
                    ProgramWarning(
                        "compliance" + suffix,
                        None,
                        f"train {t}: {v:.2f} V needed{at} exceeds the stimulator's compliance "
                        f"{profile.compliance_v:g} V (profile {profile.id}); the delivered "
                        "current would fall short",
                        t,
                    )
                )
    return SafetyReport(
        contacts=contacts,
        required_voltage_v=voltages,
        compliance_v=profile.compliance_v,
        density_limit_uc_per_cm2=density_limit_uc_per_cm2,
        shannon_k_limit=shannon_k_limit,
        warnings=warnings,
    )
