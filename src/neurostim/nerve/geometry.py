"""A nerve's cross-section, extruded along its axis: the nerve, its fascicles, the tissue.

Frame (mm): z along the nerve axis, x along the cross-section's major axis, y along its minor
axis, origin at the nerve's centre; the skin lies towards +y, ``tissue.nerve_depth_mm`` from the
centre. The nerve is an ellipse (``major_mm`` x ``minor_mm``, full axes; a circle has them
equal); each fascicle is an ellipse of endoneurium (``major_um`` x ``minor_um``, full axes, at
``angle_deg`` from +x) wrapped in perineurium whose thickness follows the nerve's rule from the
fascicle's equal-area diameter sqrt(major * minor) (:mod:`neurostim.nerve.perineurium`); the rest
of the nerve is epineurium. Every fascicle, perineurium included, lies at least
``epineurium_um`` inside the nerve's surface, and no two overlap (docs/nerve.md, "Checks").

:meth:`NerveGeometry.solids` lists the primitive solids a mesher extrudes (elliptic cylinders
with their material) so the finite-element step builds the nerve without reading this module.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError
from neurostim.nerve._io import number
from neurostim.nerve.conductivity import NerveConductivity
from neurostim.nerve.perineurium import check_rule
from neurostim.units import MM_TO_UM, UM_TO_MM

SHAPES = ("circle", "ellipse")
FUNCTIONS = ("cutaneous", "muscle", "mixed")
"""Fascicle labels (§7 ``fascicle.function``) for the comfort proxy and territory maps."""
BOUNDARY_POINTS = 90
"""Points on a fascicle's outline used by the inside/overlap checks (4 deg apart)."""


@dataclass(frozen=True)
class Fascicle:
    """One fascicle: endoneurium ellipse plus perineurium (lengths in mm or um as named).

    ``perineurium_um`` is set by the nerve's rule when the nerve is built.
    """

    x_mm: float
    y_mm: float
    major_um: float
    minor_um: float
    angle_deg: float = 0.0
    function: str = "mixed"
    perineurium_um: float = 0.0

    @property
    def diameter_um(self) -> float:
        """Diameter of the equal-area circle of the endoneurium (um)."""
        return math.sqrt(self.major_um * self.minor_um)

    @property
    def area_mm2(self) -> float:
        """Endoneurial area (mm²)."""
        return math.pi / 4.0 * self.major_um * self.minor_um * UM_TO_MM**2

    def outline_mm(self, extra_um: float = 0.0, n: int = BOUNDARY_POINTS) -> NDArray[np.float64]:
        """Points on the ellipse grown by ``perineurium_um + extra_um``, shape (n, 2) (mm)."""
        grow = self.perineurium_um + extra_um
        a = (self.major_um / 2.0 + grow) * UM_TO_MM
        b = (self.minor_um / 2.0 + grow) * UM_TO_MM
        t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
        c, s = math.cos(math.radians(self.angle_deg)), math.sin(math.radians(self.angle_deg))
        x, y = a * np.cos(t), b * np.sin(t)
        return np.column_stack([self.x_mm + c * x - s * y, self.y_mm + s * x + c * y])

    def contains_mm(
        self, points_mm: NDArray[np.float64], extra_um: float = 0.0, inner: bool = False
    ) -> NDArray[np.bool_]:
        """Which points (n, 2) lie inside the outline grown by ``extra_um`` (mm); with
        ``inner`` the endoneurium (perineurium excluded) shrunk by ``extra_um``."""
        grow = (-extra_um) if inner else self.perineurium_um + extra_um
        a = self.major_um / 2.0 + grow
        b = self.minor_um / 2.0 + grow
        if a <= 0 or b <= 0:
            return np.zeros(points_mm.shape[0], dtype=bool)
        p = (np.asarray(points_mm, np.float64) - [self.x_mm, self.y_mm]) * MM_TO_UM
        c, s = math.cos(math.radians(self.angle_deg)), math.sin(math.radians(self.angle_deg))
        u, v = c * p[:, 0] + s * p[:, 1], -s * p[:, 0] + c * p[:, 1]
        return np.asarray((u / a) ** 2 + (v / b) ** 2 <= 1.0)


@dataclass(frozen=True)
class Tissue:
    """The tissue around the nerve (§7 ``tissue.*``): a limb of muscle under a fat layer.

    The limb is a circle of ``limb_radius_mm`` whose surface (the skin) lies
    ``nerve_depth_mm`` above the nerve's centre (+y); ``fat_mm`` of fat under the skin;
    ``encapsulation_um`` of scar around an implanted electrode (0 = acute).
    """

    limb_radius_mm: float = 70.0
    nerve_depth_mm: float = 50.0
    fat_mm: float = 10.0
    encapsulation_um: float = 0.0


@dataclass(frozen=True)
class Solid:
    """A primitive solid for the mesher: an elliptic cylinder along z.

    ``semi_axes_mm`` (a along the rotated x, b), ``angle_deg`` from +x, ``z_range_mm``
    (start, end); ``material`` names a tissue of :data:`neurostim.nerve.TISSUES`' families
    (``endoneurium``, ``perineurium``, ``epineurium``, ``muscle``, ``fat``). Later solids in a
    list lie inside earlier ones and replace them there.
    """

    name: str
    material: str
    center_xy_mm: tuple[float, float]
    semi_axes_mm: tuple[float, float]
    angle_deg: float
    z_range_mm: tuple[float, float]


@dataclass(frozen=True)
class NerveGeometry:
    """A nerve: site defaults, a user's file and overrides, checked (docs/nerve.md).

    Attributes
    ----------
    site : str
        The shipped site whose defaults filled the keys left out.
    shape : {"circle", "ellipse"}
    major_mm, minor_mm : float
        Full axes of the nerve (x and y).
    epineurium_um : float
        Least epineurium between any fascicle's perineurium and the nerve's surface.
    perineurium_rule, perineurium_value : str, float
        Thickness rule (:mod:`neurostim.nerve.perineurium`).
    fascicles : tuple of Fascicle
        With ``perineurium_um`` set by the rule.
    explicit_fascicles : bool
        True when the fascicles were given (a traced histology), False when packed.
    seed : int
        Seed of the packing (and the default seed of fiber placement).
    tissue : Tissue
    conductivity : NerveConductivity
    fascicular_ratio_target, fascicular_ratio_tolerance : float
        The site's fascicular area / nerve area and the relative tolerance (§7 check: ±50 %).
    """

    site: str
    shape: str
    major_mm: float
    minor_mm: float
    epineurium_um: float
    perineurium_rule: str
    perineurium_value: float
    fascicles: tuple[Fascicle, ...]
    explicit_fascicles: bool
    seed: int
    tissue: Tissue
    conductivity: NerveConductivity
    fascicular_ratio_target: float = field(default=math.nan, compare=False)
    fascicular_ratio_tolerance: float = field(default=0.5, compare=False)

    def __post_init__(self) -> None:
        check_nerve(self)

    @property
    def n_fascicles(self) -> int:
        return len(self.fascicles)

    @property
    def area_mm2(self) -> float:
        """Cross-sectional area of the nerve (mm²)."""
        return math.pi / 4.0 * self.major_mm * self.minor_mm

    @property
    def equivalent_diameter_mm(self) -> float:
        """Diameter of the circle of the nerve's area (mm), as a cuff deforms it (§4)."""
        return math.sqrt(self.major_mm * self.minor_mm)

    @property
    def fascicular_ratio(self) -> float:
        """Endoneurial area of all fascicles over the nerve's area."""
        return sum(f.area_mm2 for f in self.fascicles) / self.area_mm2

    def fascicular_ratio_ok(self, tolerance: float | None = None) -> bool:
        """Whether the fascicular ratio is within ±``tolerance`` (default the site data's) of
        the site's (§7 check)."""
        tolerance = self.fascicular_ratio_tolerance if tolerance is None else tolerance
        t = self.fascicular_ratio_target
        return bool(not math.isfinite(t) or abs(self.fascicular_ratio / t - 1.0) <= tolerance)

    def contains_mm(
        self, points_mm: NDArray[np.float64], grow_mm: float = 0.0
    ) -> NDArray[np.bool_]:
        """Which points (n, 2) lie inside the nerve's ellipse grown by ``grow_mm`` (mm)."""
        p = np.asarray(points_mm, np.float64).reshape(-1, 2)
        a, b = self.major_mm / 2.0 + grow_mm, self.minor_mm / 2.0 + grow_mm
        return np.asarray((p[:, 0] / a) ** 2 + (p[:, 1] / b) ** 2 <= 1.0)

    def cache_payload(self) -> dict[str, Any]:
        """Plain, JSON-ready data of everything a field depends on (for a cache key): the
        nerve, each fascicle with its perineurium, the tissue and the conductivities (S/m)."""
        return {
            "shape": self.shape,
            "major_mm": self.major_mm,
            "minor_mm": self.minor_mm,
            "epineurium_um": self.epineurium_um,
            "fascicles": [asdict(f) for f in self.fascicles],
            "tissue": asdict(self.tissue),
            "conductivity_s_per_m": self.conductivity.values_s_per_m(),
        }

    def solids(self, length_mm: float) -> tuple[Solid, ...]:
        """Primitive solids of the model, outermost first, over z in ±length_mm/2.

        Limb (muscle), the fat under the skin (as the annulus between the limb and a circle
        ``fat_mm`` smaller: listed as the limb in fat, then the muscle inside), the nerve
        (epineurium), and per fascicle its perineurium then its endoneurium.
        """
        length_mm = number("length_mm", length_mm, unit="mm")
        z = (-length_mm / 2.0, length_mm / 2.0)
        t = self.tissue
        centre = (0.0, t.nerve_depth_mm - t.limb_radius_mm)
        inner = t.limb_radius_mm - t.fat_mm
        out = [
            Solid("limb", "fat", centre, (t.limb_radius_mm,) * 2, 0.0, z),
            Solid("muscle", "muscle", centre, (inner,) * 2, 0.0, z),
            Solid(
                "nerve", "epineurium", (0.0, 0.0), (self.major_mm / 2, self.minor_mm / 2), 0.0, z
            ),
        ]
        for i, f in enumerate(self.fascicles):
            a, b = f.major_um / 2.0 * UM_TO_MM, f.minor_um / 2.0 * UM_TO_MM
            p = f.perineurium_um * UM_TO_MM
            xy = (f.x_mm, f.y_mm)
            out.append(
                Solid(f"fascicle{i}.perineurium", "perineurium", xy, (a + p, b + p), f.angle_deg, z)
            )
            out.append(Solid(f"fascicle{i}.endoneurium", "endoneurium", xy, (a, b), f.angle_deg, z))
        return tuple(out)


def check_nerve(nerve: NerveGeometry) -> None:
    """Refuse a nerve that cannot exist (InputError naming the field, value, allowed range)."""
    if nerve.shape not in SHAPES:
        raise InputError("nerve.shape", nerve.shape, f"one of {', '.join(SHAPES)}")
    number("nerve.major_mm", nerve.major_mm, unit="mm")
    number("nerve.minor_mm", nerve.minor_mm, high=nerve.major_mm, unit="mm (at most major_mm)")
    if nerve.shape == "circle" and nerve.minor_mm != nerve.major_mm:
        raise InputError(
            "nerve.minor_mm",
            nerve.minor_mm,
            f"a circle has minor_mm = major_mm = "
            f"{nerve.major_mm:g}; leave it out or use shape = 'ellipse'",
        )
    half_minor_um = nerve.minor_mm / 2.0 * MM_TO_UM
    number(
        "nerve.epineurium_um",
        nerve.epineurium_um,
        low=0.0,
        low_open=False,
        high=half_minor_um,
        unit="um (at most half the minor axis)",
    )
    check_rule(nerve.perineurium_rule, nerve.perineurium_value)
    _check_tissue(nerve)
    if not nerve.fascicles:
        raise InputError("fascicles", "[]", "give at least one fascicle (or n_fascicles >= 1)")
    for i, f in enumerate(nerve.fascicles):
        _check_fascicle(nerve, i, f)
    _check_overlaps(nerve.fascicles)


def _check_tissue(nerve: NerveGeometry) -> None:
    t = nerve.tissue
    number("tissue.limb_radius_mm", t.limb_radius_mm, unit="mm")
    lo = nerve.minor_mm / 2.0
    hi = t.limb_radius_mm - nerve.major_mm / 2.0
    number(
        "tissue.nerve_depth_mm",
        t.nerve_depth_mm,
        low=lo,
        high=hi,
        unit="mm (the nerve lies under the skin and inside the limb)",
    )
    number(
        "tissue.fat_mm",
        t.fat_mm,
        low=0.0,
        low_open=False,
        high=t.nerve_depth_mm - nerve.minor_mm / 2.0,
        unit="mm (above the nerve)",
    )
    number(
        "tissue.encapsulation_um",
        t.encapsulation_um,
        low=0.0,
        low_open=False,
        high=5000.0,
        unit="um",
    )


def _check_fascicle(nerve: NerveGeometry, i: int, f: Fascicle) -> None:
    where = f"fascicles[{i}]"
    number(f"{where}.major_um", f.major_um, unit="um")
    number(f"{where}.minor_um", f.minor_um, high=f.major_um, unit="um (at most major_um)")
    number(f"{where}.x_mm", f.x_mm, low=-math.inf, unit="mm")
    number(f"{where}.y_mm", f.y_mm, low=-math.inf, unit="mm")
    number(f"{where}.angle_deg", f.angle_deg, low=-360.0, low_open=False, high=360.0, unit="deg")
    if f.function not in FUNCTIONS:
        raise InputError(f"{where}.function", f.function, f"one of {', '.join(FUNCTIONS)}")
    if f.perineurium_um >= f.minor_um / 2.0:
        raise InputError(
            f"{where}.minor_um",
            f.minor_um,
            f"more than twice the perineurium "
            f"({f.perineurium_um:.1f} um by rule {nerve.perineurium_rule})",
        )
    if not np.all(_inside_margin(nerve, f.outline_mm())):
        raise InputError(f"{where}.x_mm", f.x_mm, _allowed_x(nerve, f))


def _inside_margin(nerve: NerveGeometry, points_mm: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Points within the nerve less its epineurium margin."""
    return nerve.contains_mm(points_mm, grow_mm=-nerve.epineurium_um * UM_TO_MM)


def _allowed_x(nerve: NerveGeometry, f: Fascicle) -> str:
    """Where the fascicle fits at its y and size, as text for an error."""
    half = nerve.major_mm / 2.0
    xs = np.linspace(-half, half, 801)
    ok = [bool(np.all(_inside_margin(nerve, f.outline_mm() - [f.x_mm - x, 0.0]))) for x in xs]
    what = (
        f"the fascicle ({f.major_um:g} x {f.minor_um:g} um with {f.perineurium_um:.1f} um "
        f"perineurium) must lie {nerve.epineurium_um:g} um inside the nerve "
        f"({nerve.major_mm:g} x {nerve.minor_mm:g} mm)"
    )
    if not any(ok):
        return f"{what}: at y_mm = {f.y_mm:g} it fits nowhere; move y_mm towards 0 or shrink it"
    lo, hi = xs[np.flatnonzero(ok)[[0, -1]]]
    return f"{what}: at y_mm = {f.y_mm:g} allowed x_mm in [{lo:.3f}, {hi:.3f}]"


def _check_overlaps(fascicles: tuple[Fascicle, ...]) -> None:
    outlines = [f.outline_mm() for f in fascicles]
    for i, fi in enumerate(fascicles):
        for j in range(i):
            fj = fascicles[j]
            reach = max(fi.major_um, fj.major_um) + fi.perineurium_um + fj.perineurium_um
            if math.hypot(fi.x_mm - fj.x_mm, fi.y_mm - fj.y_mm) * MM_TO_UM > reach:
                continue
            centre = np.array([[fi.x_mm, fi.y_mm]])
            if (
                fj.contains_mm(outlines[i]).any()
                or fi.contains_mm(outlines[j]).any()
                or fj.contains_mm(centre).any()
            ):
                raise InputError(
                    f"fascicles[{i}]",
                    f"x_mm={fi.x_mm:g}, y_mm={fi.y_mm:g}",
                    f"overlaps fascicles[{j}] at x_mm={fj.x_mm:g}, y_mm={fj.y_mm:g}: the "
                    "perineuria of two fascicles must not overlap (gap >= 0 um); move one",
                )


__all__ = ["FUNCTIONS", "SHAPES", "Fascicle", "NerveGeometry", "Solid", "Tissue", "check_nerve"]
