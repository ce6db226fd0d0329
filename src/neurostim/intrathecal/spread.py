"""Spread of drug along the neuraxis from the catheter tip (optional, [CHOICE] of the reference).

``C(x) = C_tip exp(-|x - x_tip| / lambda)``; ``lambda`` per medium in ``data/pharmacology.toml``:
24 cm for a hydrophilic tracer in human CSF (T2 at 43 % of T12 over 20 cm, R35) and 3.5 cm for
chronic morphine in pig cord tissue (5-10x drop over 5-10 cm, R35). It gives a relative profile
(1 at the tip): the well-mixed compartment's concentration is a lumbar average, not ``C_tip``.
Checked in ``tests/intrathecal/test_spread.py`` against the 43 % over 20 cm anchor (±2 %).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from neurostim.errors import InputError
from neurostim.intrathecal._loading import read_shipped


class SpreadMedium(BaseModel):
    """One medium's length constant (cm) and its source."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    length_constant_cm: float = Field(gt=0)
    source: str = Field(min_length=1)


def length_constants_cm() -> dict[str, float]:
    """Length constants (cm) by medium, from the shipped data (validated with their source)."""
    spread = read_shipped("pharmacology.toml")["spread"]
    return {name: SpreadMedium(**v).length_constant_cm for name, v in spread.items()}


def spread_fraction(
    distance_cm: NDArray[np.float64], medium: str = "hydrophilic_csf"
) -> NDArray[np.float64]:
    """Concentration relative to the tip at ``distance_cm`` from it (same shape as the input)."""
    constants = length_constants_cm()
    if medium not in constants:
        raise InputError("medium", medium, f"choose one of {sorted(constants)}")
    d = np.abs(np.asarray(distance_cm, dtype=np.float64))
    return np.exp(-d / constants[medium])
