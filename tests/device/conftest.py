"""Fixtures of the device tests: a small program dict to vary."""

from __future__ import annotations

import copy
from typing import Any

import pytest

TONIC: dict[str, Any] = {
    "stimulator": "generic-rechargeable-16",
    "leads": ["percutaneous-8", "percutaneous-8"],
    "trains": [
        {
            "waveform": "tonic",
            "amplitude_ma": 5.0,
            "pulse_width_us": 300,
            "rate_hz": 50,
            "recharge": "active",
            "contacts": {"L1.E4": -100, "L1.E5": 100},
        }
    ],
}


@pytest.fixture
def tonic_dict() -> dict[str, Any]:
    """The issue's tonic program (5 mA, 300 us, 50 Hz, L1.E4 -/L1.E5 +), a fresh copy."""
    return copy.deepcopy(TONIC)
