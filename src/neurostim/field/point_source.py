"""Point current sources in an infinite homogeneous medium (isotropic or anisotropic).

Equations
---------
Isotropic medium of conductivity σ (S/m), source current I (mA) at distance r (mm)::

    V = I / (4 π σ r)        (SI: V in V, I in A, σ in S/m, r in m)

With I in mA and r in mm the factors 1e-3/1e-3 cancel, so V[mV] = 1000 · I[mA] / (4 π σ r[mm]);
1 mA at 1 mm with σ = 0.2 S/m gives 1000 / (4 π · 0.2) = 397.887 mV.

Anisotropic medium with a diagonal conductivity tensor diag(σx, σy, σz) in the global frame,
source at the origin, point at (x, y, z)::

    V = I / (4 π sqrt(σx σy σz) sqrt(x²/σx + y²/σy + z²/σz))
      = I / (4 π sqrt(σy σz x² + σx σz y² + σx σy z²))

Derivation: with the change of variables x' = x/sqrt(σx) (etc.) Poisson's equation
∇·(σ ∇V) = −I δ(x) becomes the isotropic Laplace problem with unit conductivity and a source
I / sqrt(σx σy σz) (the Jacobian of the map), whose solution is I / (4 π sqrt(σx σy σz) r').
Sources: Plonsey R, Barr RC, *Bioelectricity: A Quantitative Approach*, 3rd ed., Springer 2007,
ch. 8 (volume conductors); Nicholson C, Freeman JA, *J Neurophysiol* 38:356-368, 1975
(point source in a medium with a diagonal conductivity tensor); the reference document
``docs/reference/fiber-models.md`` §7 (PyFibers' form, identical to the second line above).

Validated (tests/field/test_point_source.py): the protocol's anchor 397.887 mV (rtol 1e-6), the
isotropic limit of the anisotropic formula (rtol 1e-12), and a finite-difference check that the
anisotropic potential satisfies ∇·(σ∇V) = 0 away from the source (rtol 1e-4).

Guard at the source: a point closer than ``min_distance_mm`` (default 1e-3 mm = 1 µm) to a source
raises :class:`~neurostim.errors.InputError`; there is no silent clamp.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.errors import InputError
from neurostim.units import MA_PER_S_PER_M_PER_MM_TO_MV

DEFAULT_MIN_DISTANCE_MM = 1e-3


@dataclass(frozen=True)
class Medium:
    """An infinite homogeneous volume conductor.

    Parameters
    ----------
    sigma_s_per_m : float or tuple of 3 floats
        Isotropic conductivity (S/m), or the diagonal (σx, σy, σz) of an anisotropic
        conductivity tensor in the global frame (S/m). All values must be > 0.
    """

    sigma_s_per_m: float | tuple[float, float, float] = 0.2

    def __post_init__(self) -> None:
        _check_sigma(self.sigma_s_per_m)

    @property
    def sigma_xyz_s_per_m(self) -> NDArray[np.float64]:
        """Conductivity as a diagonal tensor, ndarray of shape (3,)."""
        return _check_sigma(self.sigma_s_per_m)

    @property
    def is_isotropic(self) -> bool:
        s = self.sigma_xyz_s_per_m
        return bool(s[0] == s[1] == s[2])


def _check_sigma(sigma: ArrayLike) -> NDArray[np.float64]:
    s = np.asarray(sigma, dtype=np.float64)
    if s.ndim == 0:
        s = np.full(3, float(s))
    if s.shape != (3,) or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise InputError(
            "sigma_s_per_m",
            sigma,
            "conductivity must be a positive finite number (S/m) or three of them "
            "(sigma_x, sigma_y, sigma_z) for a diagonal anisotropic tensor",
        )
    return s


def _as_points(xyz: ArrayLike, field: str) -> NDArray[np.float64]:
    p = np.asarray(xyz, dtype=np.float64)
    if p.ndim == 0 or p.shape[-1] != 3:
        raise InputError(field, np.shape(p), "coordinates must have a last axis of length 3 (mm)")
    if not np.all(np.isfinite(p)):
        raise InputError(field, "non-finite", "coordinates must be finite numbers (mm)")
    return p


def point_source_potential_mv(
    current_ma: ArrayLike,
    source_xyz_mm: ArrayLike,
    points_xyz_mm: ArrayLike,
    sigma_s_per_m: float | tuple[float, float, float] | ArrayLike = 0.2,
    *,
    min_distance_mm: float = DEFAULT_MIN_DISTANCE_MM,
) -> NDArray[np.float64]:
    """Potential of point current sources in an infinite homogeneous medium.

    Parameters
    ----------
    current_ma : float or ndarray of shape (n_sources,)
        Source current(s) in mA (positive = current leaving the electrode into the tissue).
    source_xyz_mm : ndarray of shape (3,) or (n_sources, 3)
        Source position(s) in mm.
    points_xyz_mm : ndarray of shape (..., 3)
        Evaluation points in mm, e.g. (n_points, 3).
    sigma_s_per_m : float or sequence of 3 floats
        Isotropic conductivity, or the diagonal (σx, σy, σz) of an anisotropic tensor (S/m).
    min_distance_mm : float
        Points closer than this to a source raise InputError (no silent clamp).

    Returns
    -------
    ndarray
        Potential in mV: shape (...) for one source (shape (3,)), or (n_sources, ...) for
        sources of shape (n_sources, 3). Each row is one source's potential (not summed).

    Raises
    ------
    InputError
        Bad conductivity, coordinates, or a point within ``min_distance_mm`` of a source.
    """
    sigma = _check_sigma(sigma_s_per_m)
    src = _as_points(source_xyz_mm, "source_xyz_mm")
    pts = _as_points(points_xyz_mm, "points_xyz_mm")
    if src.ndim > 2:
        raise InputError("source_xyz_mm", src.shape, "sources must have shape (3,) or (n, 3)")
    single = src.ndim == 1
    src2 = src.reshape(-1, 3)
    current = np.asarray(current_ma, dtype=np.float64)
    if current.ndim > 1 or (current.ndim == 1 and current.shape[0] != src2.shape[0]):
        raise InputError(
            "current_ma",
            current.shape,
            f"one current per source: expected a scalar or shape ({src2.shape[0]},)",
        )
    if not np.all(np.isfinite(current)):
        raise InputError("current_ma", current_ma, "currents must be finite (mA)")
    if not (np.isfinite(min_distance_mm) and min_distance_mm > 0):
        raise InputError("min_distance_mm", min_distance_mm, "must be a positive distance (mm)")
    # displacement: (n_sources, *point_shape, 3)
    d = pts[None, ...] - src2.reshape((src2.shape[0],) + (1,) * (pts.ndim - 1) + (3,))
    r_mm = np.sqrt(np.sum(d * d, axis=-1))
    if np.any(r_mm < min_distance_mm):
        raise InputError(
            "points_xyz_mm",
            float(np.min(r_mm)),
            f"a point lies {float(np.min(r_mm)):.3g} mm from a point source, closer than "
            f"min_distance_mm = {min_distance_mm:g} mm where the 1/r potential is singular; "
            "move the point or use a finite contact",
        )
    sx, sy, sz = sigma
    denom = np.sqrt(sy * sz * d[..., 0] ** 2 + sx * sz * d[..., 1] ** 2 + sx * sy * d[..., 2] ** 2)
    cur = current.reshape((-1,) + (1,) * (pts.ndim - 1)) if current.ndim == 1 else current
    v = MA_PER_S_PER_M_PER_MM_TO_MV * cur / (4.0 * np.pi * denom)
    return v[0] if single else v


__all__ = ["DEFAULT_MIN_DISTANCE_MM", "Medium", "point_source_potential_mv"]
