"""Drug effect driven by CSF concentration: effect compartment and sigmoid Emax.

Equations (reference ``intrathecal.md`` §3)::

    dCe/dt = ke0 (C - Ce),   ke0 = ln 2 / t_half_ke0   (t_half_ke0 = 0: Ce = C)
    E      = Ce^hill / (EC50(t)^hill + Ce^hill)         (fraction of the maximum, 0-1)
    EC50(t) = EC50_0 (1 + T_max (1 - exp(-t / tau)))     tolerance [CHOICE], off by default

Tolerance anchor (reference, R37): in cancer pain mean IT morphine rose 2.69 -> 7.82 mg/day over
~95 days, i.e. the EC50 of a constant effect rose ~2.9x; ``T_max = 1.9, tau = 30 days`` reaches
2.8x at 95 days [CHOICE]. It applies only to opioids and is off unless asked for.

Parameters per drug and effect (analgesia and the main adverse effect) in
``data/pharmacology.toml``: morphine analgesia hill 2.4 and respiratory depression hill 1 with
t_half_ke0 4.4 h (IV morphine, Dahan, R34); ziconotide EC50 = C_ss at 6.9 and 19.2 ug/day
(12.6 and 35.1 ng/mL, [C] from R5); baclofen t_half_ke0 6 h so that a bolus peaks at ~4 h (R39).
The EC50s of morphine and baclofen are [CHOICE]s: no human intrathecal EC50 exists in the
sources. Checked in ``tests/intrathecal/test_effect.py``: E = 0.5 at EC50, the baclofen bolus
effect peak near 4 h (±0.5 h), Ce lags C and converges to it.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from neurostim.intrathecal.pharmacokinetics import EffectParameters


def effect_site_ng_per_ml(
    concentration_ng_per_ml: NDArray[np.float64], dt_h: float, ke0_half_life_h: float
) -> NDArray[np.float64]:
    """Effect-site concentration, with C held constant within each step (starts at 0).

    Parameters
    ----------
    concentration_ng_per_ml : ndarray of shape (n_steps,)
        Mean CSF concentration in each step.

    Returns
    -------
    ndarray of shape (n_steps,)
    """
    from scipy.signal import lfilter  # scipy.signal takes ~1 s to import: load it on use

    c = np.asarray(concentration_ng_per_ml, dtype=np.float64)
    if ke0_half_life_h == 0:
        return c.copy()
    b = math.exp(-math.log(2.0) / ke0_half_life_h * dt_h)
    return lfilter([1.0 - b], [1.0, -b], c)


def emax_fraction(
    effect_site_ng_per_ml: NDArray[np.float64],
    ec50_ng_per_ml: float | NDArray[np.float64],
    hill: float,
) -> NDArray[np.float64]:
    """Sigmoid Emax as a fraction of the maximum effect (0-1); same shape as the input."""
    ce = np.clip(np.asarray(effect_site_ng_per_ml, dtype=np.float64), 0.0, None)
    ratio = (ce / ec50_ng_per_ml) ** hill
    return ratio / (1.0 + ratio)


def tolerant_ec50(
    ec50_ng_per_ml: float, time_h: NDArray[np.float64], max_shift: float = 0.0, tau_h: float = 1.0
) -> NDArray[np.float64]:
    """EC50(t) = EC50_0 (1 + max_shift (1 - exp(-t / tau_h))) [CHOICE]; max_shift 0 = none."""
    t = np.asarray(time_h, dtype=np.float64)
    return ec50_ng_per_ml * (1.0 + max_shift * -np.expm1(-t / tau_h))


def effect_over_time(
    concentration_ng_per_ml: NDArray[np.float64],
    dt_h: float,
    params: EffectParameters,
    tolerance_max_shift: float = 0.0,
    tolerance_tau_h: float = 1.0,
) -> NDArray[np.float64]:
    """Effect fraction (0-1) over time for one effect; shape (n_steps,).

    With ``tolerance_max_shift`` > 0 the EC50 rises over time (:func:`tolerant_ec50`, time
    counted from the first step).
    """
    ce = effect_site_ng_per_ml(concentration_ng_per_ml, dt_h, params.ke0_half_life_h)
    t_h = (np.arange(ce.size, dtype=np.float64) + 1.0) * dt_h
    ec50 = tolerant_ec50(params.ec50_ng_per_ml, t_h, tolerance_max_shift, tolerance_tau_h)
    return emax_fraction(ce, ec50, params.hill)
