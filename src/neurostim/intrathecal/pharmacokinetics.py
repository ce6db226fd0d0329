"""CSF pharmacokinetics: one well-mixed lumbar-CSF compartment per drug.

Equations (reference ``intrathecal.md`` §3)::

    dA/dt = R(t) - k A,   C = A / V,   k = CL / V = ln 2 / t_half
    steady state          C_ss = R / CL
    time to fraction f    t_f = -ln(1 - f) / k

``R`` is the drug leaving the catheter tip (ng/h), ``A`` the amount in CSF (ng), ``C`` in ng/mL.
For piecewise-constant input on a grid, the exact step is
``A[n] = a A[n-1] + (1 - a) R[n] / k`` with ``a = exp(-k dt)`` (a linear filter, vectorised with
``scipy.signal.lfilter``); for a program history of rate steps the analytic superposition
``A(t) = sum_i dR_i / k (1 - exp(-k (t - t_i)))`` is also given, and the two agree to rounding
(``tests/intrathecal/test_pharmacokinetics.py``).

Parameters live in ``data/pharmacology.toml`` with sources: morphine (Nordberg 1984, CL 0.197
mL/min, t1/2 175 min, V = 49.7 mL derived), ziconotide (Prialt label: CL 0.38 mL/min, V 155 mL,
t1/2 4.71 h derived vs 4.6 published), baclofen ([CHOICE] 30 mL/h, t1/2 1.5 h within Kroin's
13-80 mL/h and 0.9-5 h). Hydromorphone, fentanyl, sufentanil, bupivacaine and clonidine have no
CSF clearance in the sources: :func:`get_pk` returns None and callers report dose only.
Reproduced (tests, ±0.5 %): ziconotide C_ss 4.39 ng/mL at 2.4 ug/day and 35.1 at 19.2, t1/2
4.71 h, 90 % of C_ss at 15.65 h (P6); baclofen 0.83 ug/mL at 600 ug/day; morphine V 49.7 mL;
ziconotide 1 h infusion of 1 and 10 ug gives 6.0 and 60 ng/mL (the measured 16.4-132 ng/mL are
~2.5x higher: near-tip sampling; the model gives the well-mixed value).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from neurostim.errors import InputError
from neurostim.intrathecal._loading import input_error_from, read_shipped
from neurostim.units import HOURS_PER_DAY, MG_TO_NG, MIN_PER_HOUR, UG_TO_NG

UNIT_TO_NG = {"mg": MG_TO_NG, "ug": UG_TO_NG}
"""Drug-unit to nanogram factors, by the library's ``unit``."""


class EffectParameters(BaseModel):
    """Emax model on effect-site concentration: E = Ce^hill / (EC50^hill + Ce^hill)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    ke0_half_life_h: float = Field(ge=0)
    hill: float = Field(gt=0)
    ec50_ng_per_ml: float = Field(gt=0)
    source: str


class PKParameters(BaseModel):
    """One-compartment CSF parameters; give ``volume_ml`` or ``half_life_h`` (not both)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    drug: str
    clearance_ml_per_min: float = Field(gt=0)
    volume_ml: float | None = Field(default=None, gt=0)
    half_life_h: float | None = Field(default=None, gt=0)
    effect: dict[str, EffectParameters] = Field(default_factory=dict)
    source: str
    confidence: str

    @model_validator(mode="after")
    def _one_of(self) -> PKParameters:
        if (self.volume_ml is None) == (self.half_life_h is None):
            raise ValueError("give exactly one of volume_ml and half_life_h")
        return self

    @property
    def clearance_ml_per_h(self) -> float:
        return self.clearance_ml_per_min * MIN_PER_HOUR

    @property
    def elimination_rate_per_h(self) -> float:
        """k = CL / V (1/h)."""
        if self.half_life_h is not None:
            return math.log(2.0) / self.half_life_h
        assert self.volume_ml is not None
        return self.clearance_ml_per_h / self.volume_ml

    @property
    def distribution_volume_ml(self) -> float:
        """V = CL / k (mL)."""
        return self.clearance_ml_per_h / self.elimination_rate_per_h

    @property
    def elimination_half_life_h(self) -> float:
        """t_half = ln 2 / k (h)."""
        return math.log(2.0) / self.elimination_rate_per_h


@lru_cache(maxsize=1)
def load_pk_parameters() -> dict[str, PKParameters]:
    """PK parameters of every parameterised drug, by drug id (shipped data)."""
    out = {}
    for drug_id, table in read_shipped("pharmacology.toml").get("pk", {}).items():
        try:
            out[drug_id] = PKParameters(drug=drug_id, **table)
        except ValidationError as exc:  # pragma: no cover - shipped data is tested
            raise input_error_from(exc, prefix=f"pk.{drug_id}") from None
    return out


def get_pk(drug_id: str) -> PKParameters | None:
    """PK parameters of ``drug_id``, or None when the sources give no CSF clearance."""
    return load_pk_parameters().get(drug_id)


def dose_per_day_to_ng_per_h(dose_per_day: float, unit: str) -> float:
    """Convert a daily dose in the drug unit (mg or ug) to ng/h."""
    if unit not in UNIT_TO_NG:
        raise InputError("unit", unit, f"choose one of {sorted(UNIT_TO_NG)}")
    return dose_per_day * UNIT_TO_NG[unit] / HOURS_PER_DAY


def steady_state_ng_per_ml(dose_per_day: float, unit: str, pk: PKParameters) -> float:
    """C_ss = R / CL (ng/mL) for a constant ``dose_per_day`` in the drug unit."""
    return dose_per_day_to_ng_per_h(dose_per_day, unit) / pk.clearance_ml_per_h


def time_to_fraction_h(fraction: float, pk: PKParameters) -> float:
    """Hours for a constant infusion to reach ``fraction`` of steady state: -ln(1 - f) / k."""
    if not 0 <= fraction < 1:
        raise InputError("fraction", fraction, "must be in [0, 1)")
    return -math.log1p(-fraction) / pk.elimination_rate_per_h


def csf_amount_ng(
    input_ng_per_h: NDArray[np.float64], dt_h: float, pk: PKParameters, initial_ng: float = 0.0
) -> NDArray[np.float64]:
    """Amount in CSF at the end of each step for piecewise-constant input (exact).

    Parameters
    ----------
    input_ng_per_h : ndarray of shape (n_steps,)
        Mean rate of drug leaving the catheter tip during each step.
    dt_h : float
        Step length (h).

    Returns
    -------
    amount_ng : ndarray of shape (n_steps,)
    """
    from scipy.signal import lfilter  # scipy.signal takes ~1 s to import: load it on use

    k = pk.elimination_rate_per_h
    a = math.exp(-k * dt_h)
    x = np.asarray(input_ng_per_h, dtype=np.float64) * ((1.0 - a) / k)
    out, _ = lfilter([1.0], [1.0, -a], x, zi=np.array([a * initial_ng]))
    return out


def csf_concentration_ng_per_ml(
    input_ng_per_h: NDArray[np.float64], dt_h: float, pk: PKParameters, initial_ng: float = 0.0
) -> NDArray[np.float64]:
    """CSF concentration (ng/mL) at the end of each step; shape (n_steps,)."""
    return csf_amount_ng(input_ng_per_h, dt_h, pk, initial_ng) / pk.distribution_volume_ml


def concentration_from_rate_steps(
    time_h: NDArray[np.float64],
    step_start_h: NDArray[np.float64],
    step_rate_ng_per_h: NDArray[np.float64],
    pk: PKParameters,
) -> NDArray[np.float64]:
    """Analytic CSF concentration for a program history of rate steps (from 0 before the first).

    Parameters
    ----------
    time_h : ndarray of shape (n_times,)
    step_start_h : ndarray of shape (n_steps,)
        Start of each constant-rate segment (increasing).
    step_rate_ng_per_h : ndarray of shape (n_steps,)
        Rate from that start until the next.

    Returns
    -------
    concentration_ng_per_ml : ndarray of shape (n_times,)
    """
    k = pk.elimination_rate_per_h
    t = np.asarray(time_h, dtype=np.float64)[:, None]
    starts = np.asarray(step_start_h, dtype=np.float64)[None, :]
    rates = np.asarray(step_rate_ng_per_h, dtype=np.float64)
    jumps = np.diff(rates, prepend=0.0)[None, :]
    elapsed = np.clip(t - starts, 0.0, None)
    amount = np.sum(jumps / k * -np.expm1(-k * elapsed), axis=1)
    return amount / pk.distribution_volume_ml
