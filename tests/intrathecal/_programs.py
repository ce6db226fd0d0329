"""Program builders for the tests (the reference's worked cases as TOML-like mappings)."""

from __future__ import annotations

from typing import Any

from neurostim.intrathecal import PumpProgram, parse_program


def p1(**over: Any) -> dict[str, Any]:
    """P1: SynchroMed II, morphine 10 mg/mL, 2.0 mg/day continuous, fill 20 mL, LRA 2 mL."""
    base = {
        "pump": "synchromed-ii-20",
        "drug": "morphine",
        "concentration": 10.0,
        "fill_ml": 20.0,
        "low_reservoir_alarm_ml": 2.0,
        "mode": "simple-continuous",
        "dose_per_day": 2.0,
        "fill_date": "2025-01-01",
    }
    base.update(over)
    return base


def p2(**over: Any) -> dict[str, Any]:
    """P2: Prometra 20 mL, morphine 25 mg/mL, basal 3.0 mg/day, PTC 0.25 mg x 4 per 24 h."""
    base = {
        "pump": "prometra-20",
        "drug": "morphine",
        "concentration": 25.0,
        "fill_ml": 20.0,
        "mode": "simple-continuous",
        "dose_per_day": 3.0,
        "fill_date": "2025-01-01",
        "patient_bolus": {"dose": 0.25, "duration_min": 10, "lockout_h": 2, "max_per_24h": 4},
    }
    base.update(over)
    return base


def build(data: dict[str, Any]) -> PumpProgram:
    return parse_program(data)
