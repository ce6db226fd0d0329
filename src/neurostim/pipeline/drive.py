"""Program -> drive: the per-contact current of one train's first unit, factorised.

A program's per-contact currents are I_k(t) = A · i_k · w(t): A the train's ``amplitude_ma``,
i_k the signed current of contact k in the first (cathodic) phase per mA of A (cathodes < 0),
w(t) the unit waveform with first phase +1, including the interphase gap and the active or
passive recharge exactly as :func:`neurostim.device.synthesize_waveform` samples it. The
factorisation is checked on the synthesised array (to 1e-12 relative), so what drives the
fibers is the per-contact waveform itself, not only the shares.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim.device import Program, synthesize_waveform
from neurostim.errors import InputError
from neurostim.fibers.cases import PULSE_START_MS
from neurostim.units import MS_TO_US, S_TO_US, US_TO_MS

FACTOR_TOLERANCE = 1e-12
"""Largest |I_k(t) - A i_k w(t)| relative to max |I| accepted as one common waveform."""
MIN_DT_MS = 1e-4
"""Smallest solver step accepted (ms)."""
MAX_DT_MS = 0.05
"""Largest solver step accepted (ms): the MRG node needs about 0.005-0.025 ms."""
MAX_WINDOW_MS = 500.0
"""Longest train window one threshold search drives (ms)."""
KHZ_RATE_HZ = 1000.0
"""Trains at or above this rate are driven over a window by default, not by one unit."""
DEFAULT_KHZ_WINDOW_MS = 20.0
"""Default window of a kilohertz train (ms) [ours]: 200 pulses at 10 kHz, long enough for
the onset response or a block to settle, short enough for population searches."""


@dataclass(frozen=True)
class ProgramDrive:
    """The first unit of one train as it drives the fibers.

    Attributes
    ----------
    contact_ids : list of str, length n_contacts
        Program layout order (``case`` last).
    contact_current_per_ma : ndarray of shape (n_contacts,)
        i_k: signed current of each contact in the first phase per mA of amplitude.
    waveform : ndarray of shape (n_steps,)
        w(t) on the solver grid (entry n holds over [n dt, (n + 1) dt)), first phase +1,
        preceded by ``PULSE_START_MS`` of zeros.
    amplitude_ma, pulse_width_ms, dt_ms : float
    train_index : int
    window_ms : float or None
        The train window driven (whole periods), None for the first unit alone.
    """

    contact_ids: list[str]
    contact_current_per_ma: NDArray[np.float64]
    waveform: NDArray[np.float64]
    amplitude_ma: float
    pulse_width_ms: float
    dt_ms: float
    train_index: int
    window_ms: float | None = None

    @property
    def end_ms(self) -> float:
        """Time after which the waveform stays 0 (ms)."""
        nz = np.flatnonzero(self.waveform)
        return float((nz[-1] + 1) * self.dt_ms) if nz.size else 0.0

    def shares(self, contact_ids: list[str]) -> NDArray[np.float64]:
        """i_k in the order of ``contact_ids`` (ids the program does not drive give 0)."""
        rows = {cid: r for r, cid in enumerate(self.contact_ids)}
        return np.array(
            [self.contact_current_per_ma[rows[c]] if c in rows else 0.0 for c in contact_ids]
        )


def pick_train(program: Program, train_index: int | None) -> int:
    """The train a fiber run uses: the only one, or ``train_index`` (required if several)."""
    if train_index is None:
        if len(program.trains) > 1:
            raise InputError(
                "train_index",
                None,
                f"the program has {len(program.trains)} interleaved trains; name one "
                f"(0..{len(program.trains) - 1}): the fiber engine takes one waveform per fiber",
            )
        return 0
    if not (isinstance(train_index, int) and 0 <= train_index < len(program.trains)):
        raise InputError("train_index", train_index, f"must be 0..{len(program.trains) - 1}")
    return train_index


def check_dt_ms(dt_ms: float) -> float:
    """``dt_ms`` as a float, or InputError naming the allowed range."""
    if not (
        isinstance(dt_ms, int | float) and math.isfinite(dt_ms) and MIN_DT_MS <= dt_ms <= MAX_DT_MS
    ):
        raise InputError("dt_ms", dt_ms, f"must be a time step in [{MIN_DT_MS}, {MAX_DT_MS}] ms")
    return float(dt_ms)


def default_window_ms(rate_hz: float) -> float | None:
    """None (one unit) below :data:`KHZ_RATE_HZ`, else :data:`DEFAULT_KHZ_WINDOW_MS`."""
    return DEFAULT_KHZ_WINDOW_MS if rate_hz >= KHZ_RATE_HZ else None


def check_window_ms(window_ms: float | None, period_ms: float) -> int:
    """Whole periods of the train in ``window_ms`` (1 when None); InputError naming the range."""
    if window_ms is None:
        return 1
    ok = isinstance(window_ms, int | float) and not isinstance(window_ms, bool)
    if not (ok and math.isfinite(window_ms) and period_ms <= window_ms <= MAX_WINDOW_MS):
        raise InputError(
            "window_ms",
            window_ms,
            f"must be a train window in [{period_ms:.4g}, {MAX_WINDOW_MS:g}] ms (at least one "
            "period of the train)",
        )
    return max(1, math.floor(window_ms / period_ms + 1e-9))


def program_drive(
    program: Program,
    *,
    train_index: int | None = None,
    dt_ms: float = 0.005,
    window_ms: float | str | None = "auto",
) -> ProgramDrive:
    """Per-contact drive of the first unit (pulse, or burst) of one train of ``program``, or
    of the train over ``window_ms`` (whole periods from its first pulse). ``"auto"`` (the
    default): one unit below 1 kHz, :data:`DEFAULT_KHZ_WINDOW_MS` at kilohertz rates; None:
    one unit.

    The train is synthesised alone over one period (or the window) at ``dt_ms`` (pulse widths
    and the interphase gap must be whole multiples of it), cut after its last nonzero sample
    and factorised as I_k(t) = A i_k w(t); InputError if the contacts do not share one
    waveform. A window is what a kilohertz train needs: its effect on a fiber (excitation at
    the onset, block, or nothing) builds up over many pulses, which one unit cannot show.
    """
    t = pick_train(program, train_index)
    train = program.trains[t]
    if not (math.isfinite(train.amplitude_ma) and train.amplitude_ma > 0):
        raise InputError(f"trains[{t}].amplitude_ma", train.amplitude_ma, "must be > 0 here")
    dt_ms = check_dt_ms(dt_ms)
    alone = program.model_copy(update={"trains": [train]})
    dt_us = dt_ms * MS_TO_US
    period_us = S_TO_US / float(train.rate_hz)
    if window_ms == "auto":
        window_ms = default_window_ms(float(train.rate_hz))
    if isinstance(window_ms, str):
        raise InputError("window_ms", window_ms, "must be a number of ms, 'auto' or None")
    n_periods = check_window_ms(window_ms, period_us / MS_TO_US)
    n_period = math.floor(n_periods * period_us / dt_us + 1e-9)
    wave = synthesize_waveform(alone, duration_s=n_period * dt_us / S_TO_US, dt_us=dt_us)
    current = wave.current_ma[:, :n_period] / float(train.amplitude_ma)
    active = np.flatnonzero(np.any(current != 0, axis=0))
    if active.size == 0:
        raise InputError(f"trains[{t}]", train.waveform, "no pulse fits in one period at dt_ms")
    current = current[:, : active[-1] + 1]
    first = current[:, active[0]]
    k = int(np.argmax(np.abs(first)))
    w = current[k] / first[k] + 0.0  # + 0.0 turns -0.0 into 0.0
    residual = np.max(np.abs(current - np.outer(first, w)))
    if residual > FACTOR_TOLERANCE * np.max(np.abs(current)):
        raise InputError(
            f"trains[{t}]",
            f"residual {residual:.3g}",
            "the contacts do not share one waveform; the fiber engine needs I_k(t) = A i_k w(t)",
        )
    lead_in = np.zeros(round(PULSE_START_MS / dt_ms))
    return ProgramDrive(
        contact_ids=wave.contact_ids,
        contact_current_per_ma=first,
        waveform=np.concatenate([lead_in, w]),
        amplitude_ma=float(train.amplitude_ma),
        pulse_width_ms=float(train.pulse_width_us) * US_TO_MS,
        dt_ms=dt_ms,
        train_index=t,
        window_ms=None if window_ms is None else n_periods * period_us / MS_TO_US,
    )


__all__ = [
    "DEFAULT_KHZ_WINDOW_MS",
    "KHZ_RATE_HZ",
    "MAX_WINDOW_MS",
    "ProgramDrive",
    "check_dt_ms",
    "check_window_ms",
    "default_window_ms",
    "pick_train",
    "program_drive",
]
