"""Seeded packing of circular fascicles into an elliptical nerve (§7 ``nerve.n_fascicles``).

Diameters are drawn from a lognormal (median, sigma_log) and placed largest first by random
sequential addition: each fascicle's centre is drawn uniformly from the ellipse where it stays
``epineurium_um`` inside the nerve (perineurium included) and is kept if it clears every placed
fascicle by ``min_gap_um`` (§7: at least 20 um apart). A fascicle that finds no place in
:data:`CANDIDATES` draws starts the packing over with the next attempt; after
:data:`RANDOM_ATTEMPTS` attempts the candidates nearest the centre are preferred (a denser
packing); then fascicles placed at random are pushed apart until they clear each other
(:func:`_relax`). When a draw of diameters cannot be packed at all, the diameters are drawn
again (up to :data:`DRAWS` times) [ours]: the packed sizes are then conditioned on fitting, a
bias towards smaller fascicles in crowded nerves. Same seed, same nerve.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.nerve.perineurium import perineurium_thickness_um
from neurostim.units import UM_TO_MM

CANDIDATES = 400
"""Candidate centres drawn per fascicle per attempt."""
RANDOM_ATTEMPTS = 4
"""Attempts that take a random valid candidate before the centre-seeking ones."""
ATTEMPTS = 8
"""Sequential-addition attempts per draw of diameters."""
DRAWS = 4
"""Draws of diameters before the packing is refused."""
MAX_DENSITY = 0.9069
"""Densest packing of equal discs in the plane (hexagonal, pi/sqrt(12)): a draw whose discs
(each grown by half the gap) cover more of the margin ellipse is refused without trying."""
RELAX_ATTEMPTS = 4
"""Then attempts that push overlapping fascicles apart from a random start."""
RELAX_STEPS = 3000
_T = np.linspace(0.0, 2.0 * np.pi, 90, endpoint=False)  # as geometry.BOUNDARY_POINTS
_CIRCLE = np.column_stack([np.cos(_T), np.sin(_T)])
"""Unit circle points: a candidate's rim must lie inside the margin ellipse."""


def pack_fascicles(
    *,
    major_mm: float,
    minor_mm: float,
    epineurium_um: float,
    n_fascicles: int,
    median_um: float,
    sigma_log: float,
    perineurium_rule: str,
    perineurium_value: float,
    min_gap_um: float,
    seed: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Centres (n, 2) in mm and endoneurial diameters (n,) in um, largest first.

    Raises
    ------
    InputError
        ``nerve.n_fascicles`` when the fascicles do not fit (fewer, smaller, or a larger nerve).
    """
    rng = np.random.default_rng(seed)
    a0 = major_mm / 2.0 - epineurium_um * UM_TO_MM
    b0 = minor_mm / 2.0 - epineurium_um * UM_TO_MM
    gap = min_gap_um * UM_TO_MM
    for _ in range(DRAWS):
        diam_um = np.sort(median_um * np.exp(sigma_log * rng.standard_normal(n_fascicles)))[::-1]
        thickness_um = perineurium_thickness_um(diam_um, perineurium_rule, perineurium_value)
        outer_mm = (diam_um / 2.0 + thickness_um) * UM_TO_MM
        if a0 <= 0 or b0 <= 0 or np.sum((outer_mm + gap / 2) ** 2) > MAX_DENSITY * a0 * b0:
            continue  # more than a hexagonal packing could hold: no attempt can succeed
        for attempt in range(ATTEMPTS):
            centres = _attempt(rng, outer_mm, a0, b0, gap, compact=attempt >= RANDOM_ATTEMPTS)
            if centres is not None:
                return centres, diam_um
        for _ in range(RELAX_ATTEMPTS):
            centres = _relax(rng, outer_mm, a0, b0, gap)
            if centres is not None:
                return centres, diam_um
    raise InputError(
        "nerve.n_fascicles",
        n_fascicles,
        f"{n_fascicles} fascicles of median {median_um:g} um (sigma_log {sigma_log:g}) do not "
        f"fit {epineurium_um:g} um inside a {major_mm:g} x {minor_mm:g} mm nerve at least "
        f"{min_gap_um:g} um apart; give fewer or smaller fascicles or a larger nerve",
    )


def _attempt(
    rng: np.random.Generator,
    outer_mm: NDArray[np.float64],
    a0: float,
    b0: float,
    gap: float,
    compact: bool,
) -> NDArray[np.float64] | None:
    placed = np.zeros((0, 2))
    radii = np.zeros(0)
    for r in outer_mm:
        a, b = a0 - r, b0 - r
        if a < 0 or b < 0:
            return None
        rho = np.sqrt(rng.uniform(0.0, 1.0, CANDIDATES))
        phi = rng.uniform(0.0, 2.0 * np.pi, CANDIDATES)
        cand = np.column_stack([a * rho * np.cos(phi), b * rho * np.sin(phi)])
        rim = cand[:, None, :] + r * _CIRCLE[None, :, :]
        inside = np.all((rim[..., 0] / a0) ** 2 + (rim[..., 1] / b0) ** 2 <= 1.0, axis=1)
        cand, rho = cand[inside], rho[inside]
        if placed.shape[0]:
            d = np.linalg.norm(cand[:, None, :] - placed[None, :, :], axis=2)
            ok = np.all(d >= radii[None, :] + r + gap, axis=1)
            cand, rho = cand[ok], rho[ok]
        if cand.shape[0] == 0:
            return None
        k = int(np.argmin(rho)) if compact else 0
        placed = np.vstack([placed, cand[k]])
        radii = np.append(radii, r)
    return placed


def _fits(c: NDArray[np.float64], r: NDArray[np.float64], a0: float, b0: float, gap: float) -> bool:
    rim = c[:, None, :] + r[:, None, None] * _CIRCLE[None, :, :]
    if not np.all((rim[..., 0] / a0) ** 2 + (rim[..., 1] / b0) ** 2 <= 1.0):
        return False
    d = np.linalg.norm(c[:, None, :] - c[None, :, :], axis=2) + np.eye(len(r)) * 1e9
    return bool(np.all(d >= r[:, None] + r[None, :] + gap))


def _relax(
    rng: np.random.Generator, r: NDArray[np.float64], a0: float, b0: float, gap: float
) -> NDArray[np.float64] | None:
    """Random start, then overlapping pairs pushed apart and centres pulled inside."""
    a, b = a0 - r, b0 - r
    if np.any(a < 0) or np.any(b < 0):
        return None
    rho = np.sqrt(rng.uniform(0.0, 1.0, r.size))
    phi = rng.uniform(0.0, 2.0 * np.pi, r.size)
    c = np.column_stack([a * rho * np.cos(phi), b * rho * np.sin(phi)])
    need = r[:, None] + r[None, :] + gap * 1.01
    for _ in range(RELAX_STEPS):
        delta = c[:, None, :] - c[None, :, :]
        dist = np.linalg.norm(delta, axis=2) + np.eye(r.size)
        push = np.clip(need - dist, 0.0, None) * (1 - np.eye(r.size))
        c = c + 0.5 * np.sum(push[..., None] * delta / dist[..., None], axis=1)
        # pull each centre back into its ellipse of allowed centres, with a small margin
        s = np.sqrt((c[:, 0] / (a * 0.995)) ** 2 + (c[:, 1] / (b * 0.995)) ** 2)
        c = c / np.maximum(s, 1.0)[:, None]
        if _fits(c, r, a0, b0, gap):
            return c
    return None


__all__ = ["pack_fascicles"]
