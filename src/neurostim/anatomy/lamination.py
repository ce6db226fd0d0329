"""Somatotopy of the dorsal columns (spec §3.2): which dermatome a DC fiber belongs to.

At a cord segment s, fibers of the roots caudal to s are stacked from the midline outwards in
caudal-to-rostral order (S5 ... S1, L5 ... L1, T12 ...), and the root entering at s lies at the
lateral edge (Werner & Whitsel 1967; human lamination [R]). Per level, the bands are a CSV table
(``data/lamination/<level>.csv``) of ``dermatome, x_inner_fraction, x_outer_fraction, weight,
tag``, fractions of the dorsal column's half-width from the midline (0) to its lateral edge (1).
Shipped widths are [ours]/[R] (equal per segment, sacral bands half as wide); a user replaces a
table by giving a CSV file of the same columns.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.anatomy._io import resolve_level, shipped_text
from neurostim.errors import InputError

COLUMNS = ("dermatome", "x_inner_fraction", "x_outer_fraction", "weight", "tag")
TILE_TOLERANCE = 1e-6
"""Largest gap or overlap allowed between consecutive bands (fraction of the half-width)."""
_DERMATOME = re.compile(r"^(C[1-8]|T([1-9]|1[0-2])|L[1-5]|S[1-5])$")


@dataclass(frozen=True)
class Lamination:
    """Dermatome bands of one level, medial to lateral.

    Attributes
    ----------
    dermatomes : tuple of str, length n_bands
    x_inner_fraction, x_outer_fraction : ndarray of shape (n_bands,)
        Band edges as fractions of the dorsal column's half-width (0 = midline, 1 = lateral edge).
    """

    origin: str
    dermatomes: tuple[str, ...]
    x_inner_fraction: NDArray[np.float64]
    x_outer_fraction: NDArray[np.float64]


def lamination(level: str = "T10", file: str | Path | None = None) -> Lamination:
    """The shipped table of a level, or a user CSV ``file`` (then ``level`` is not used)."""
    if file is not None:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError("lamination", str(file), f"cannot read the file ({exc})") from None
        origin = str(file)
    else:
        name = resolve_level(level)
        text, origin = shipped_text("lamination", f"{name}.csv"), name
    return _parse(text, origin)


def _parse(text: str, origin: str) -> Lamination:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    if not rows or tuple(rows[0]) != COLUMNS:
        raise InputError("lamination", origin, f"expected columns {', '.join(COLUMNS)}")
    names: list[str] = []
    inner: list[float] = []
    outer: list[float] = []
    for i, row in enumerate(rows):
        name = (row["dermatome"] or "").strip()
        if not _DERMATOME.match(name) or name in names:
            raise InputError(
                f"lamination[{i}].dermatome",
                name,
                "expected a distinct dermatome name C1-C8, T1-T12, L1-L5, S1-S5",
            )
        lo, hi = _fraction(row, "x_inner_fraction", i), _fraction(row, "x_outer_fraction", i)
        if hi <= lo:
            raise InputError(
                f"lamination[{i}].x_outer_fraction", hi, f"must be above x_inner_fraction = {lo}"
            )
        expected = outer[-1] if outer else 0.0
        if abs(lo - expected) > TILE_TOLERANCE:
            raise InputError(
                f"lamination[{i}].x_inner_fraction",
                lo,
                f"bands must tile [0, 1] without gaps; expected {expected}",
            )
        names.append(name)
        inner.append(lo)
        outer.append(hi)
    if abs(outer[-1] - 1.0) > TILE_TOLERANCE:
        raise InputError("lamination.x_outer_fraction", outer[-1], "the last band must end at 1")
    return Lamination(origin, tuple(names), np.array(inner), np.array(outer))


def _fraction(row: dict[str, str], key: str, i: int) -> float:
    try:
        value = float(row[key])
    except (TypeError, ValueError):
        raise InputError(f"lamination[{i}].{key}", row[key], "expected a number") from None
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise InputError(f"lamination[{i}].{key}", value, "allowed [0, 1]")
    return value


def dermatomes(level: str = "T10", file: str | Path | None = None) -> list[str]:
    """The dermatomes of a level's dorsal columns, medial to lateral."""
    return list(lamination(level, file).dermatomes)


def dermatome_at(
    level: str,
    x_mm: ArrayLike,
    half_width_mm: float,
    file: str | Path | None = None,
) -> NDArray[np.str_]:
    """Dermatome of dorsal-column fibers by mediolateral position.

    Parameters
    ----------
    level : str
        Shipped level (or alias); ignored when ``file`` is given.
    x_mm : float or ndarray of shape (n_fibers,) (any shape)
        Mediolateral positions (mm) from the midline; the sign (side) does not matter.
    half_width_mm : float
        Half-width of one dorsal column (midline to its lateral edge), > 0.
    file : path, optional
        A user lamination CSV replacing the shipped table.

    Returns
    -------
    ndarray of str, the shape of ``x_mm``
        The dermatome name of each position. A position on a band edge belongs to the more
        lateral band; |x| = half_width_mm belongs to the last band.
    """
    w = half_width_mm
    if isinstance(w, bool) or not isinstance(w, int | float) or not (math.isfinite(w) and w > 0):
        raise InputError("half_width_mm", w, "must be a finite number > 0 (mm)")
    x = np.asarray(x_mm, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise InputError("x_mm", "non-finite", "all positions must be finite (mm)")
    frac = np.abs(x) / w
    if np.any(frac > 1.0 + TILE_TOLERANCE):
        worst = float(np.max(np.abs(x)))
        raise InputError("x_mm", worst, f"outside the dorsal column; allowed |x| <= {w:g} mm")
    table = lamination(level, file)
    index = np.searchsorted(table.x_inner_fraction, frac, side="right") - 1
    index = np.clip(index, 0, len(table.dermatomes) - 1)
    return np.asarray(table.dermatomes, dtype=np.str_)[index]


__all__ = ["Lamination", "dermatome_at", "dermatomes", "lamination"]
