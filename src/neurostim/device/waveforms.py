"""Per-contact current waveforms I_k(t) of a program, sampled on a grid, charge balanced.

Model
-----
Each train t has a unit waveform u_t(n) (dimensionless; -1 during a cathodic phase) and
contact shares s_tk (%, cathodes < 0). The current of contact k (mA) is

    I_k(n) = sum_t  -(s_tk / 100) · A_t · u_t(n)

so a cathode carries -A·|s|/100 during the cathodic phase, and sum_k I_k(n) = 0 at every sample
(Kirchhoff: the shares of each polarity sum to 100 %).

Samples are a zero-order hold: sample n stands for the current over [n·dt, (n+1)·dt), so the
charge of contact k is ``sum(I_k) · dt``. Every phase edge lies on the grid: pulse widths and
the interphase gap must be whole multiples of ``dt_us`` (refused otherwise); unit starts are
rounded to the nearest sample (jitter <= dt/2).

Charge balance (see :mod:`neurostim.device.timing` for the phases):

- active recharge: the recharge phase has the same number of samples and amplitude as the
  cathodic one, so each pulse sums to zero;
- passive recharge: after the last cathodic phase of a unit (a pulse, or a whole burst) and a
  gap, the coupling capacitor discharges as ``I0 · exp(-i·dt/tau)`` over the recharge window
  (samples i = 0..n_window-1); I0 is chosen from the *sampled* cathodic charge,
  ``I0 = n_cathodic_samples / sum_i exp(-i·dt/tau)`` (per unit amplitude), so each unit sums to
  zero up to floating-point rounding.

Units that would not finish inside the duration are not started, so any synthesised array is
balanced per contact: ``|sum I_k| <= 1e-9 · sum |I_k|`` (tests/device/test_waveforms.py checks
every family, multiplexed and dosed programs). Dosing gates whole units: a unit is delivered
when its start falls in an ON window of the cycle (on_s/off_s, or duty × cycle_s with cycle_s
defaulting to 1 s). Trains of a multiplexed program are offset from each other by the
preceding trains' pulse lengths plus a gap; where their pulses still coincide (different
rates), their currents add (independent current sources).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim.device.profiles import StimulatorProfile
from neurostim.device.program import Program, Train, contact_layout, program_profile
from neurostim.device.timing import train_timing
from neurostim.device.validation import validate_program
from neurostim.errors import InputError
from neurostim.units import S_TO_US

_GRID_TOLERANCE = 1e-9
MAX_ELEMENTS = 500_000_000
"""Largest waveform array synthesised (n_contacts x n_samples float64 values, 4 GB)."""


@dataclass(frozen=True)
class Waveform:
    """Sampled per-contact currents of a program.

    Attributes
    ----------
    current_ma : ndarray of shape (n_contacts, n_samples)
        I_k(t) in mA; rows in the order of ``contact_ids`` (lead 1, lead 2, ..., ``case``
        last), negative = cathodic. Sample n is the current over [n·dt, (n+1)·dt).
    dt_us : float
        Sampling step (µs).
    contact_ids : list of str, length n_contacts
    """

    current_ma: NDArray[np.float64]
    dt_us: float
    contact_ids: list[str]

    @property
    def n_samples(self) -> int:
        return int(self.current_ma.shape[1])

    @property
    def time_us(self) -> NDArray[np.float64]:
        """Sample start times, shape (n_samples,), µs."""
        return np.arange(self.n_samples, dtype=np.float64) * self.dt_us

    def net_charge_uc(self) -> NDArray[np.float64]:
        """Net charge per contact over the whole array, shape (n_contacts,), µC."""
        return self.current_ma.sum(axis=1) * self.dt_us * 1e-3

    def absolute_charge_uc(self) -> NDArray[np.float64]:
        """Sum of |charge| per contact, shape (n_contacts,), µC."""
        return np.abs(self.current_ma).sum(axis=1) * self.dt_us * 1e-3


def _samples(value_us: float, dt_us: float, what: str) -> int:
    n = value_us / dt_us
    if abs(n - round(n)) > _GRID_TOLERANCE * max(1.0, n):
        raise InputError(
            "dt_us",
            dt_us,
            f"{what} = {value_us:g} us is not a whole number of samples; choose dt_us dividing it",
        )
    return round(n)


def unit_template(
    train: Train, profile: StimulatorProfile, dt_us: float
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Nonzero samples of one unit (pulse or burst) at unit amplitude.

    Returns
    -------
    offsets : ndarray of int, shape (n_nonzero,)
        Sample offsets from the unit's start.
    values : ndarray of float, shape (n_nonzero,)
        u at those samples: -1 in cathodic phases; +1 in active recharge phases; the scaled
        exponential in a passive recharge window. ``values.sum()`` is 0 up to rounding.
    """
    tm = train_timing(train, profile)
    n_pw = _samples(tm.phase_us, dt_us, "pulse_width_us")
    n_gap = _samples(tm.gap_us, dt_us, "interphase_gap_us")
    starts = np.rint(np.arange(tm.n_pulses) * tm.pulse_spacing_us / dt_us).astype(np.int64)
    phase = np.arange(n_pw, dtype=np.int64)
    cath = (starts[:, None] + phase[None, :]).ravel()
    if tm.active:
        rech = (starts[:, None] + n_pw + n_gap + phase[None, :]).ravel()
        offsets = np.concatenate([cath, rech])
        values = np.concatenate([-np.ones(cath.size), np.ones(rech.size)])
        return offsets, values
    n_window = max(1, math.floor(tm.passive_window_us / dt_us + _GRID_TOLERANCE))
    i = np.arange(n_window, dtype=np.float64)
    decay = np.exp(-i * dt_us / tm.tau_us)
    scale = cath.size / decay.sum()
    rech = starts[-1] + n_pw + n_gap + np.arange(n_window, dtype=np.int64)
    offsets = np.concatenate([cath, rech])
    values = np.concatenate([-np.ones(cath.size), scale * decay])
    return offsets, values


def _train_unit_waveform(
    program: Program,
    train: Train,
    profile: StimulatorProfile,
    n_samples: int,
    dt_us: float,
    offset_us: float,
) -> NDArray[np.float64]:
    """u_t(n) of one train over the whole array, shape (n_samples,)."""
    tm = train_timing(train, profile)
    offsets, values = unit_template(train, profile, dt_us)
    span = int(offsets.max()) + 1
    n_units = math.floor((n_samples * dt_us - offset_us) / tm.period_us) + 1
    start_us = offset_us + np.arange(max(n_units, 0), dtype=np.float64) * tm.period_us
    if program.dosing is not None and program.dosing.duty_fraction < 1.0:
        on_s, cycle_s = program.dosing.cycle()
        start_us = start_us[np.mod(start_us, cycle_s * S_TO_US) < on_s * S_TO_US]
    starts = np.rint(start_us / dt_us).astype(np.int64)
    starts = starts[starts + span <= n_samples]
    idx = (starts[:, None] + offsets[None, :]).ravel()
    w = np.broadcast_to(values, (starts.size, values.size)).ravel()
    return np.bincount(idx, weights=w, minlength=n_samples).astype(np.float64, copy=False)


def synthesize_waveform(program: Program, *, duration_s: float, dt_us: float = 1.0) -> Waveform:
    """Per-contact currents of ``program`` over ``duration_s`` sampled every ``dt_us``.

    Parameters
    ----------
    program : Program
        A program; it is validated against its profile first (InputError when invalid).
    duration_s : float
        Length of the array (s); n_samples = round(duration_s / dt).
    dt_us : float
        Sampling step (µs); pulse widths and the interphase gap must be multiples of it.

    Returns
    -------
    Waveform
        ``current_ma`` of shape (n_contacts, n_samples); see the module docstring.
    """
    if not (isinstance(duration_s, int | float) and math.isfinite(duration_s) and duration_s > 0):
        raise InputError("duration_s", duration_s, "must be a positive number of seconds")
    if not (isinstance(dt_us, int | float) and math.isfinite(dt_us) and dt_us > 0):
        raise InputError("dt_us", dt_us, "must be a positive number of microseconds")
    issues = validate_program(program)
    if issues:
        first = issues[0]
        raise InputError(first.field, first.value, first.message)
    profile = program_profile(program)
    layout = contact_layout(program)
    n_samples = round(duration_s * S_TO_US / dt_us)
    if n_samples < 1:
        raise InputError("duration_s", duration_s, "is shorter than one sample")
    if n_samples * layout.n_contacts > MAX_ELEMENTS:
        raise InputError(
            "duration_s",
            duration_s,
            f"{layout.n_contacts} x {n_samples} samples exceed {MAX_ELEMENTS:.0e} values "
            "(4 GB); shorten the duration or use a coarser dt_us",
        )
    current = np.zeros((layout.n_contacts, n_samples), dtype=np.float64)
    offset_us = 0.0
    for train in program.trains:
        if train.amplitude_ma != 0:
            u = _train_unit_waveform(program, train, profile, n_samples, dt_us, offset_us)
            for contact_id, share in train.contacts.items():
                row = layout.row(contact_id)
                current[row] += (-share / 100.0 * float(train.amplitude_ma)) * u
        tm = train_timing(train, profile)
        offset_us += tm.pulse_len_us + tm.gap_us
    return Waveform(current_ma=current, dt_us=float(dt_us), contact_ids=layout.ids)
