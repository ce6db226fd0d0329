"""Vectorized draws from the distributions of ``indications.toml`` (NumPy Generator)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr, ndtri

from neurostim.patient.indications import Distribution


def truncnorm_ppf(
    u: ArrayLike, mean: ArrayLike, sd: ArrayLike, lo: ArrayLike, hi: ArrayLike
) -> NDArray[np.float64]:
    """Quantile ``u`` in (0, 1) of Normal(mean, sd) truncated to [lo, hi] (all broadcast).

    Inverse-CDF sampling: ``x = mean + sd * Phi^-1(Phi(a) + u (Phi(b) - Phi(a)))`` with
    ``a, b`` the standardized bounds; on the upper side (``a > 0``) the same through the survival
    function, so a bound far in the tail keeps its precision.
    """
    u, mean, sd = np.asarray(u, float), np.asarray(mean, float), np.asarray(sd, float)
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    a, b = (lo - mean) / sd, (hi - mean) / sd
    fa, fb = ndtr(a), ndtr(b)
    lower = ndtri(fa + u * (fb - fa))
    sa, sb = ndtr(-a), ndtr(-b)
    upper = -ndtri(sa - u * (sa - sb))
    z = np.where(a > 0.0, upper, lower)
    return np.clip(mean + sd * z, lo, hi)


def draw(dist: Distribution, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
    """``n`` draws of ``dist`` (bernoulli as 0/1 floats; dirichlet as (n, k) rows summing to 1)."""
    p = dist.params
    if dist.kind == "normal":
        return truncnorm_ppf(rng.random(n), p["mean"], p["sd"], p["min"], p["max"])
    if dist.kind == "lognormal":
        x = np.exp(np.log(p["median"]) + p["sigma_log"] * rng.standard_normal(n))
        return np.clip(x, p["min"], p["max"])
    if dist.kind == "beta":
        return rng.beta(p["a"], p["b"], n)
    if dist.kind == "bernoulli":
        return (rng.random(n) < p["p"]).astype(np.float64)
    if dist.kind == "dirichlet":
        x = rng.dirichlet(np.asarray(p["mean"]) * p["concentration"], n)
        return np.asarray(x / x.sum(axis=1, keepdims=True), dtype=np.float64)
    raise ValueError(f"unknown distribution kind {dist.kind!r}")  # the loader admits none other
