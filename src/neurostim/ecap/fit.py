"""The closed-form ECAP growth curve and its fit; conduction velocity from latencies.

Growth model (Pilitsis 2021 [Pi21-bp], ecap.md §1.3): zero below the ECAP threshold I_thr,
linear above it with slope S, curved near threshold over a width sigma, plus an artifact term
growing linearly with current (S_art), and the P2 − N1 of the noise alone (``floor_uv``, ours:
P2 − N1 of noise is positive)::

    y(I) = S · sigma · ln(1 + exp((I − I_thr) / sigma)) + S_art · I + floor_uv

fitted by least squares from eight starting thresholds. Conduction velocity: the
least-squares line latency = t0 + distance / CV.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray


def growth_model_uv(
    amplitude_ma: ArrayLike,
    threshold_ma: float,
    slope_uv_per_ma: float,
    sigma_ma: float,
    artifact_slope_uv_per_ma: float = 0.0,
    floor_uv: float = 0.0,
) -> NDArray[np.float64]:
    """y(I) of the module docstring, shape of ``amplitude_ma`` (µV)."""
    i = np.asarray(amplitude_ma, np.float64)
    soft = sigma_ma * np.logaddexp(0.0, (i - threshold_ma) / sigma_ma)
    return slope_uv_per_ma * soft + artifact_slope_uv_per_ma * i + floor_uv


@dataclass(frozen=True)
class GrowthFit:
    """The fitted growth model; ``status`` "ok", "no-response" (nothing above the floor) or
    "too-few-points" (fewer than 5 currents): then the numbers are NaN."""

    threshold_ma: float
    slope_uv_per_ma: float
    sigma_ma: float
    artifact_slope_uv_per_ma: float
    floor_uv: float
    r2: float
    status: str = "ok"

    def predict_uv(self, amplitude_ma: ArrayLike) -> NDArray[np.float64]:
        return growth_model_uv(
            amplitude_ma, self.threshold_ma, self.slope_uv_per_ma, self.sigma_ma,
            self.artifact_slope_uv_per_ma, self.floor_uv,
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("threshold_ma", "slope_uv_per_ma", "sigma_ma",
                "artifact_slope_uv_per_ma", "floor_uv", "r2", "status")}  # fmt: skip


def fit_growth_curve(
    amplitude_ma: ArrayLike, ecap_uv: ArrayLike, *, artifact_term: bool = True
) -> GrowthFit:
    """Least-squares fit of the growth model (module docstring) to (current, ECAP) pairs."""
    from scipy.optimize import least_squares

    i = np.asarray(amplitude_ma, np.float64)
    y = np.asarray(ecap_uv, np.float64)
    nan = GrowthFit(*(math.nan,) * 6, status="too-few-points")
    if i.size < 5:
        return nan
    top = float(i.max())
    if top <= 0 or np.ptp(y) <= 0:
        return GrowthFit(*(math.nan,) * 6, status="no-response")
    scale = float(np.ptp(y)) / top

    def residual(p: NDArray[np.float64]) -> NDArray[np.float64]:
        art = p[3] if artifact_term else 0.0
        return growth_model_uv(i, p[0], p[1], p[2], art, p[4]) - y

    best = None
    for start in np.linspace(0.1, 0.8, 8) * top:
        p0 = [start, 2.0 * scale, 0.05 * top, 0.0, float(y.min())]
        lo = [0.0, 0.0, 1e-3 * top, -10.0 * scale, -np.inf]
        hi = [2.0 * top, 1e3 * scale, top, 10.0 * scale, np.inf]
        r = least_squares(residual, p0, bounds=(lo, hi))
        if best is None or r.cost < best.cost:
            best = r
    assert best is not None
    p = best.x
    ss = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - 2.0 * best.cost / ss if ss > 0 else math.nan
    return GrowthFit(float(p[0]), float(p[1]), float(p[2]), float(p[3]) if artifact_term else 0.0,
                     float(p[4]), r2)  # fmt: skip


def conduction_velocity_from_latencies(
    distance_mm: ArrayLike, latency_ms: ArrayLike
) -> tuple[float, float]:
    """(CV in m/s, R²) of the least-squares line latency = t0 + distance / CV; (NaN, NaN) with
    fewer than two finite points or a slope <= 0."""
    d = np.asarray(distance_mm, np.float64)
    t = np.asarray(latency_ms, np.float64)
    keep = np.isfinite(d) & np.isfinite(t)
    if keep.sum() < 2 or np.ptp(d[keep]) <= 0:
        return math.nan, math.nan
    slope, intercept = np.polyfit(d[keep], t[keep], 1)
    if slope <= 0:
        return math.nan, math.nan
    pred = intercept + slope * d[keep]
    ss = float(np.sum((t[keep] - t[keep].mean()) ** 2))
    r2 = 1.0 - float(np.sum((t[keep] - pred) ** 2)) / ss if ss > 0 else 1.0
    return float(1.0 / slope), r2


__all__ = [
    "GrowthFit",
    "conduction_velocity_from_latencies",
    "fit_growth_curve",
    "growth_model_uv",
]
