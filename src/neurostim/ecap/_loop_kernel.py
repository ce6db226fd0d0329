"""Per-pulse kernels of the ECAP map and the closed loop, written once for Numba.

Every function here is plain Python on floats and NumPy arrays, compiled by Numba; the
``.py_func`` of each is the same code run by the interpreter (the benchmark's reference loop,
``benchmarks/ecap_loop.py``). Equations: :mod:`neurostim.ecap.maps` (interpolation) and
:mod:`neurostim.ecap.control` (controllers).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

STATUS_OK = 0
STATUS_BELOW_NOISE = 1
STATUS_SATURATED = 2
STATUS_OUT_OF_COMPLIANCE = 3
STATUS_NAMES = ("ok", "below_noise", "controller_saturated", "out_of_compliance")
"""Per-pulse statuses, by code (a higher code wins where several apply)."""

GAIN_NONE = 0
GAIN_MEASURED = 1
GAIN_POSTURE = 2
"""Gain scheduling: none (K fixed), from the stored growth curve at the measured ECAP
(per-pulse family), from the map at the posture's dCSF and the current (control-pulse family)."""

_jit = njit(cache=True, error_model="numpy")


@_jit
def row_value(amplitude_ma: Any, values: Any, row: int, current_ma: float) -> float:
    """Row ``row`` of ``values`` (n_d, n_a), piecewise linear in ``amplitude_ma`` (n_a,);
    linear extrapolation with the last interval's slope above the grid, the first value below."""
    n = amplitude_ma.size
    if current_ma <= amplitude_ma[0]:
        return values[row, 0]
    j = np.searchsorted(amplitude_ma, current_ma) - 1
    if j > n - 2:
        j = n - 2
    a0 = amplitude_ma[j]
    a1 = amplitude_ma[j + 1]
    v0 = values[row, j]
    return v0 + (values[row, j + 1] - v0) * (current_ma - a0) / (a1 - a0)


@_jit
def map_value(
    amplitude_ma: Any,
    values: Any,
    log_threshold_ma: Any,
    row: int,
    weight: float,
    current_ma: float,
) -> float:
    """Threshold-aligned interpolation between rows ``row`` and ``row + 1`` (weight of the
    upper row ``weight``): the threshold is log-linear, the curves are read at the same
    current / threshold and mixed log-linearly (linearly where either is 0)."""
    if weight <= 0.0:
        return row_value(amplitude_ma, values, row, current_ma)
    log_t = (1.0 - weight) * log_threshold_ma[row] + weight * log_threshold_ma[row + 1]
    x = current_ma / math.exp(log_t)
    lo = row_value(amplitude_ma, values, row, x * math.exp(log_threshold_ma[row]))
    hi = row_value(amplitude_ma, values, row + 1, x * math.exp(log_threshold_ma[row + 1]))
    if lo > 0.0 and hi > 0.0:
        return math.exp((1.0 - weight) * math.log(lo) + weight * math.log(hi))
    return (1.0 - weight) * lo + weight * hi


@_jit
def map_values(
    amplitude_ma: Any, values: Any, log_threshold_ma: Any, rows: Any, weights: Any, current_ma: Any
) -> Any:
    """:func:`map_value` for each element of ``rows``, ``weights``, ``current_ma`` (n,)."""
    out = np.empty(current_ma.size)
    for k in range(current_ma.size):
        out[k] = map_value(
            amplitude_ma, values, log_threshold_ma, rows[k], weights[k], current_ma[k]
        )
    return out


@_jit
def log_gain(
    amplitude_ma: Any,
    values: Any,
    log_threshold_ma: Any,
    row: int,
    weight: float,
    current_ma: float,
    floor_uv: float,
) -> float:
    """L = d log y / d log I at one point, a central difference over ±1 % of the current
    (``y`` floored at ``floor_uv``)."""
    up = map_value(amplitude_ma, values, log_threshold_ma, row, weight, current_ma * 1.01)
    down = map_value(amplitude_ma, values, log_threshold_ma, row, weight, current_ma / 1.01)
    return (math.log(max(up, floor_uv)) - math.log(max(down, floor_uv))) / (2.0 * math.log(1.01))


@_jit
def deliverable(
    current_ma: float, seg_min: Any, seg_max: Any, seg_step: Any, lo_ma: float, hi_ma: float
) -> float:
    """The stimulator's amplitude nearest ``current_ma`` within [``lo_ma``, ``hi_ma``]: its
    range is the segments ``seg_min + k seg_step`` up to ``seg_max`` (n_segments,) each; a
    step <= 0 is continuous; no segments: the current itself (clipped). A tie goes to the
    lower value; values are rounded to 1e-9 mA (the step grid's own rounding). NaN when no
    value of the range lies within the limits."""
    x = min(max(current_ma, lo_ma), hi_ma)
    best = x if seg_min.size == 0 else math.nan
    best_d = math.inf
    for j in range(seg_min.size):
        a = seg_min[j]
        b = seg_max[j]
        st = seg_step[j]
        c = min(max(x, a), b)
        lower = c
        upper = c
        if st > 0.0 and b > a:
            k = math.floor((c - a) / st + 1e-9)
            lower = a + k * st
            upper = a + (k + 1) * st
            if upper > b + 1e-9 * st:
                upper = lower
        elif st > 0.0:
            lower = a
            upper = a
        for v in (lower, upper):
            v = math.floor(v * 1e9 + 0.5) / 1e9
            if lo_ma - 1e-9 <= v <= hi_ma + 1e-9:
                d = abs(v - x)
                if d < best_d:
                    best = v
                    best_d = d
    return best


@_jit
def run_loop(
    amplitude_ma: Any,
    ecap_table_uv: Any,
    log_threshold_ma: Any,
    rows: Any,
    weights: Any,
    posture_rows: Any,
    posture_weights: Any,
    noise_uv: Any,
    update: Any,
    closed: bool,
    gain_mode: int,
    gain_log_ecap: Any,
    gain_value: Any,
    loop_gain: float,
    gain_min: float,
    gain_max: float,
    log_target: float,
    step_ma: float,
    start_ma: float,
    min_ma: float,
    patient_max_ma: float,
    compliance_max_ma: float,
    noise_floor_uv: float,
    log_floor_uv: float,
    seg_min: Any,
    seg_max: Any,
    seg_step: Any,
) -> Any:
    """The loop over pulses.

    Per pulse k (arrays of shape (n_pulses,)): the map's ECAP at the pulse's dCSF (``rows``,
    ``weights``) and current, plus ``noise_uv``; with ``closed`` and ``update[k]``, the integral
    step on u = log I::

        e_k = log y* - log max(y_k, floor)
        u_{k+1} = u_k + (K / L_k) e_k
        then |I_{k+1} - I_k| <= step and min <= I_{k+1} <= min(max, compliance)

    with L_k the scheduled local gain (``gain_mode``) clipped to [gain_min, gain_max], K =
    ``loop_gain`` (without scheduling K is used as it is). I is the controller's own
    (continuous) amplitude; each pulse delivers the stimulator's amplitude nearest it within
    the limits (:func:`deliverable` with the segments ``seg_*``), and the plant sees that one.
    Returns (current_ma delivered, ecap_uv, status) of shape (n_pulses,).
    """
    n = rows.size
    current = np.empty(n)
    ecap = np.empty(n)
    status = np.zeros(n, np.int8)
    upper = min(patient_max_ma, compliance_max_ma)
    i_now = min(max(start_ma, min_ma), upper)
    flag = STATUS_OK
    if start_ma > compliance_max_ma and compliance_max_ma < patient_max_ma:
        flag = STATUS_OUT_OF_COMPLIANCE
    elif start_ma > patient_max_ma or start_ma < min_ma:
        flag = STATUS_SATURATED
    for k in range(n):
        i_out = deliverable(i_now, seg_min, seg_max, seg_step, min_ma, upper)
        y = map_value(amplitude_ma, ecap_table_uv, log_threshold_ma, rows[k], weights[k], i_out)
        y += noise_uv[k]
        current[k] = i_out
        ecap[k] = y
        s = flag
        if s == STATUS_OK and y < noise_floor_uv:
            s = STATUS_BELOW_NOISE
        status[k] = s
        if not closed or not update[k]:
            continue
        y_c = max(y, log_floor_uv)
        err = log_target - math.log(y_c)
        if gain_mode == GAIN_MEASURED:
            gain = np.interp(math.log(y_c), gain_log_ecap, gain_value)
        elif gain_mode == GAIN_POSTURE:
            gain = log_gain(
                amplitude_ma,
                ecap_table_uv,
                log_threshold_ma,
                posture_rows[k],
                posture_weights[k],
                i_now,
                log_floor_uv,
            )
        else:
            gain = 1.0
        gain = min(max(gain, gain_min), gain_max)
        request = math.exp(math.log(i_now) + loop_gain / gain * err)
        request = min(max(request, i_now - step_ma), i_now + step_ma)
        flag = STATUS_OK
        if request > compliance_max_ma and compliance_max_ma < patient_max_ma:
            flag = STATUS_OUT_OF_COMPLIANCE
        elif request > patient_max_ma or request < min_ma:
            flag = STATUS_SATURATED
        i_now = min(max(request, min_ma), upper)
    return current, ecap, status


KERNELS = ("row_value", "map_value", "map_values", "log_gain", "deliverable", "run_loop")


def python_kernels() -> dict[str, Any]:
    """The kernels as plain Python (each ``.py_func`` bound to globals in which the others are
    plain too): the same code, run by the interpreter, for the benchmark's reference loop."""
    import types

    namespace = dict(globals())
    for name in KERNELS:
        f = globals()[name].py_func
        namespace[name] = types.FunctionType(f.__code__, namespace, name, f.__defaults__)
    return {name: namespace[name] for name in KERNELS}
