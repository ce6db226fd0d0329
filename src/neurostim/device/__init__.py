"""neurostim.device: leads, stimulator profiles, programs, waveforms, safety and battery.

What later stages consume:

- :class:`Program` (a validated program) and :func:`contact_layout` (contact ids, positions in
  lead coordinates ``(n_contacts, 3)`` mm, surface areas ``(n_contacts,)`` mm²; ``case`` last);
- :func:`synthesize_waveform` → :class:`Waveform` with ``current_ma`` of shape
  ``(n_contacts, n_samples)`` (same row order), charge balanced per contact.
"""

from neurostim.device.battery import BatteryReport, battery_report
from neurostim.device.check import ProgramCheck, check_program
from neurostim.device.leads import Contact, Lead, list_leads, load_lead, load_lead_file
from neurostim.device.profiles import (
    BatteryParameters,
    RateInterval,
    StimulatorProfile,
    list_profiles,
    load_profile,
    load_profile_file,
)
from neurostim.device.program import (
    ContactLayout,
    Dosing,
    PatientLimits,
    Program,
    Train,
    contact_layout,
    load_program,
    parse_program,
    parse_program_text,
)
from neurostim.device.safety import (
    ContactSafety,
    ProgramWarning,
    SafetyReport,
    charge_density_uc_per_cm2,
    charge_per_phase_uc,
    safety_report,
    shannon_k,
)
from neurostim.device.validation import ValidationIssue, validate_program
from neurostim.device.waveforms import Waveform, synthesize_waveform

__all__ = [
    "BatteryParameters",
    "BatteryReport",
    "Contact",
    "ContactLayout",
    "ContactSafety",
    "Dosing",
    "Lead",
    "PatientLimits",
    "Program",
    "ProgramCheck",
    "ProgramWarning",
    "RateInterval",
    "SafetyReport",
    "StimulatorProfile",
    "Train",
    "ValidationIssue",
    "Waveform",
    "battery_report",
    "charge_density_uc_per_cm2",
    "charge_per_phase_uc",
    "check_program",
    "contact_layout",
    "list_leads",
    "list_profiles",
    "load_lead",
    "load_lead_file",
    "load_profile",
    "load_profile_file",
    "load_program",
    "parse_program",
    "parse_program_text",
    "safety_report",
    "shannon_k",
    "synthesize_waveform",
    "validate_program",
]
