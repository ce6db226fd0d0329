"""Superposition of unit-current potentials with a program's current shares and waveform.

Equation (linear, quasi-static volume conductor)::

    V_e(x, t) = Σ_k a · f_k · V_k(x) · W_k(t)

a : amplitude (mA); f_k : signed current share of contact k (fraction of a, e.g. +1 anode,
−0.5/−0.5 for two cathodes; shares are not forced to sum to zero: a monopolar program returns
its current through the case, which is far away and not modelled); V_k : unit-current potential
of contact k (mV per mA, from :func:`neurostim.field.unit_potentials_mv`); W_k : unit waveform of
contact k (dimensionless, one common W or one per contact).

Quasi-static superposition holds for tissue at stimulation frequencies (Bossetti CA, Birdno MJ,
Grill WM, *J Neural Eng* 5:44-53, 2008: capacitive effects small below ~10 kHz for the
conductivities used here). Validated by property tests (tests/properties/test_field_*.py):
linearity in a, f and W, the batch variant equal to a loop, and the far-field dipole limit of a
bipolar pair.

This module takes plain arrays: a program from ``neurostim.device`` is passed in as shares and a
sampled waveform; ``neurostim.field`` never imports ``neurostim.device``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.errors import InputError


def superpose_mv(
    unit_potentials_mv: ArrayLike,
    shares: ArrayLike | None = None,
    waveform: ArrayLike | None = None,
    amplitude_ma: ArrayLike = 1.0,
) -> NDArray[np.float64]:
    """Extracellular potential V_e(x, t) = Σ_k a f_k V_k(x) W_k(t).

    Parameters
    ----------
    unit_potentials_mv : ndarray of shape (n_contacts, n_points) or (n_batch, n_contacts, n_points)
        Potential of each contact at 1 mA, mV.
    shares : ndarray of shape (n_contacts,) or (n_batch, n_contacts), optional
        Signed current shares f_k (default: all ones, i.e. the waveform carries the shares).
    waveform : ndarray of shape (n_steps,), (n_contacts, n_steps) or (n_batch, n_contacts, \
n_steps), optional
        Unit waveform W(t) common to all contacts, or one per contact. None: a static field.
    amplitude_ma : float or ndarray of shape (n_batch,)
        Amplitude a in mA.

    Returns
    -------
    ndarray of shape (n_points, n_steps), or (n_batch, n_points, n_steps) when any input has a
    batch axis; without a waveform the last axis is dropped: (n_points,) or (n_batch, n_points).
    """
    v = np.asarray(unit_potentials_mv, dtype=np.float64)
    if v.ndim not in (2, 3):
        raise InputError(
            "unit_potentials_mv",
            v.shape,
            "expected shape (n_contacts, n_points) or (n_batch, n_contacts, n_points)",
        )
    n_contacts = v.shape[-2]
    f = np.ones(n_contacts) if shares is None else np.asarray(shares, dtype=np.float64)
    if f.ndim not in (1, 2) or f.shape[-1] != n_contacts:
        raise InputError(
            "shares", f.shape, f"expected shape ({n_contacts},) or (n_batch, {n_contacts})"
        )
    a = np.asarray(amplitude_ma, dtype=np.float64)
    if a.ndim > 1:
        raise InputError("amplitude_ma", a.shape, "expected a scalar or shape (n_batch,)")
    static = waveform is None
    w = np.ones((1, 1)) if static else np.asarray(waveform, dtype=np.float64)
    if w.ndim == 1:
        w = w[None, :]
    if w.ndim not in (2, 3) or w.shape[-2] not in (1, n_contacts):
        raise InputError(
            "waveform",
            w.shape,
            f"expected shape (n_steps,), ({n_contacts}, n_steps) or "
            f"(n_batch, {n_contacts}, n_steps)",
        )
    for name, arr in (
        ("unit_potentials_mv", v),
        ("shares", f),
        ("waveform", w),
        ("amplitude_ma", a),
    ):
        if not np.all(np.isfinite(arr)):
            raise InputError(name, "non-finite", "all values must be finite")
    batched = v.ndim == 3 or f.ndim == 2 or w.ndim == 3 or a.ndim == 1
    try:
        weighted = v * f[..., :, None]  # (..., n_contacts, n_points)
        w_full = np.broadcast_to(w, (*w.shape[:-2], n_contacts, w.shape[-1]))
        out = np.matmul(np.swapaxes(weighted, -1, -2), w_full)  # (..., n_points, n_steps)
        out = out * (a[:, None, None] if a.ndim == 1 else a)
    except ValueError as exc:
        raise InputError(
            "n_batch", (v.shape, f.shape, w.shape, a.shape), f"batch axes do not match: {exc}"
        ) from exc
    if batched and out.ndim == 2:
        out = out[None]
    return out[..., 0] if static else out


__all__ = ["superpose_mv"]
