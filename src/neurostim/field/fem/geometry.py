"""Plain geometry of a layered spinal cord for the finite-element volume conductor.

Frame (tissue, mm; the same axes as ``neurostim.pipeline.placement``): z along the cord axis,
x mediolateral, y dorsoventral growing ventrally. The origin lies on the axis of the dural sac
at the middle of the model's length, so the domain is ``|z| <= length_mm / 2``.

Cross-section, from the inside out::

    grey core      ellipse, semi-axes sqrt(grey_area_fraction) x the cord's, same centre
    white matter   ellipse, semi-axes cord_transverse_mm / 2 (x) and cord_ap_mm / 2 (y),
                   centred at (cord_ml_offset_mm, (dcsf_mm - vcsf_mm) / 2)
    CSF            to the dural sac, an ellipse centred on the axis with semi-axes
                   cord_transverse_mm / 2 + lateral_csf_mm (x) and
                   cord_ap_mm / 2 + (dcsf_mm + vcsf_mm) / 2 (y), so the CSF is dcsf_mm thick
                   dorsally, vcsf_mm ventrally and lateral_csf_mm beside the centred cord;
                   lateral_csf_mm None (the default) makes the sac a circle of the y semi-axis
    dura           the sac grown by dura_thickness_mm on both semi-axes
    epidural       the dura grown by epidural_thickness_mm on both semi-axes (fat)
    bone           circle, to bone_outer_radius_mm (must contain the epidural ellipse; 0: no
                   bone)
    outer tissue   circle, to outer_radius_mm; the outer surface and both end faces are the
                   far ground

Without any CSF (dcsf_mm, vcsf_mm and lateral_csf_mm all 0) the sac is the cord itself; with no
dura, epidural layer or bone either, the cord lies in the outer medium (an ex vivo preparation
in its bath). These are the boundaries of ``neurostim.anatomy.layers`` (one anatomy, one
geometry). A layer of
thickness 0 is absent (bone is absent when ``bone_outer_radius_mm`` equals the epidural layer's
largest semi-axis and the epidural layer is a circle). The grey matter is an ellipse for now
(the butterfly of spinal-cord.md §1.2 is a later refinement). Conductivities in S/m
(spinal-cord.md §2 defaults).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from neurostim.errors import InputError


def _check(name: str, value: float, lo: float, hi: float, *, lo_open: bool = False) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > lo if lo_open else value >= lo) and value <= hi
    if not ok:
        bracket = "(" if lo_open else "["
        raise InputError(name, value, f"must be a finite number in {bracket}{lo}, {hi}]")


@dataclass(frozen=True)
class Conductivities:
    """Tissue conductivities (S/m), quasi-static; spinal-cord.md §2 default set (JN-T1)."""

    grey: float = 0.23
    white_longitudinal: float = 0.6
    white_transverse: float = 0.083
    csf: float = 1.7
    dura: float = 0.6
    epidural: float = 0.04
    bone: float = 0.02
    outer: float = 0.25

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            _check(f"conductivity.{name}", value, 0.0, 1e3, lo_open=True)

    @classmethod
    def uniform(cls, sigma_s_per_m: float) -> Conductivities:
        """Every tissue (and both white-matter directions) at one value: a homogeneous medium."""
        return cls(*([sigma_s_per_m] * 8))


CSF_MARGIN_MM = 0.05
"""Thinnest CSF the model meshes between the cord and the dura, and the least room between
the epidural ellipse and a bone circle around it [ours: a thinner sliver would need elements
far below the mesh sizes]."""


def ellipse_implicit(
    x_mm: Any, y_mm: Any, center: tuple[float, float], semi: tuple[float, float]
) -> Any:
    """(x - cx)^2 / ax^2 + (y - cy)^2 / ay^2: below 1 inside the ellipse."""
    u = (x_mm - center[0]) / semi[0]
    v = (y_mm - center[1]) / semi[1]
    return u * u + v * v


def _ellipse_inside(
    inner_c: tuple[float, float],
    inner_s: tuple[float, float],
    outer_s: tuple[float, float],
    n_points: int = 1440,
) -> bool:
    """True when the inner ellipse lies strictly inside the outer one (centred on the axis)."""
    t = np.linspace(0.0, 2.0 * np.pi, n_points, endpoint=False)
    x = inner_c[0] + inner_s[0] * np.cos(t)
    y = inner_c[1] + inner_s[1] * np.sin(t)
    return bool(np.max(ellipse_implicit(x, y, (0.0, 0.0), outer_s)) < 1.0)


def _bisect(fits: Any, lo: float, hi: float) -> float:
    """The boundary between ``fits`` True (at lo) and False (at hi)."""
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


@dataclass(frozen=True)
class LayeredCord:
    """A straight layered spinal cord in a cylindrical volume conductor (lengths in mm).

    ``lateral_csf_mm`` is the CSF beside the centred cord; None keeps the dural sac a circle
    through the dorsal and ventral CSF (and leaves the cache key of such a geometry as it was).
    """

    cord_ap_mm: float = 7.0
    cord_transverse_mm: float = 7.0
    dcsf_mm: float = 3.0
    vcsf_mm: float = 2.0
    cord_ml_offset_mm: float = 0.0
    grey_area_fraction: float = 0.15
    dura_thickness_mm: float = 0.3
    epidural_thickness_mm: float = 2.5
    bone_outer_radius_mm: float = 15.0
    outer_radius_mm: float = 40.0
    length_mm: float = 80.0
    conductivity: Conductivities = field(default_factory=Conductivities)
    lateral_csf_mm: float | None = None

    def __post_init__(self) -> None:
        _check("cord_ap_mm", self.cord_ap_mm, 0.0, 50.0, lo_open=True)
        _check("cord_transverse_mm", self.cord_transverse_mm, 0.0, 50.0, lo_open=True)
        _check("dcsf_mm", self.dcsf_mm, 0.0, 30.0)
        _check("vcsf_mm", self.vcsf_mm, 0.0, 30.0)
        if self.lateral_csf_mm is not None:
            _check("lateral_csf_mm", self.lateral_csf_mm, 0.0, 30.0)
        _check("grey_area_fraction", self.grey_area_fraction, 0.0, 0.6)
        _check("dura_thickness_mm", self.dura_thickness_mm, 0.0, 5.0)
        _check("epidural_thickness_mm", self.epidural_thickness_mm, 0.0, 30.0)
        _check("length_mm", self.length_mm, 0.0, 1000.0, lo_open=True)
        if not isinstance(self.conductivity, Conductivities):
            raise InputError("conductivity", self.conductivity, "must be a Conductivities")
        _check("cord_ml_offset_mm", self.cord_ml_offset_mm, -50.0, 50.0)
        self._check_cord_in_sac()
        self._check_bone()
        _check("outer_radius_mm", self.outer_radius_mm, self.bone_outer_radius_mm, 1e3)
        if self.outer_radius_mm - self.bone_outer_radius_mm < 1e-9:
            raise InputError(
                "outer_radius_mm",
                self.outer_radius_mm,
                f"must exceed bone_outer_radius_mm = {self.bone_outer_radius_mm} (outer tissue "
                "carries the far ground)",
            )

    def _cord_fits(self, offset_mm: float, sac: tuple[float, float]) -> bool:
        """The cord, grown by CSF_MARGIN_MM, strictly inside a sac of these semi-axes."""
        m = CSF_MARGIN_MM
        semi = (self.cord_transverse_mm / 2.0 + m, self.cord_ap_mm / 2.0 + m)
        return _ellipse_inside((offset_mm, self.cord_center_xy_mm[1]), semi, sac)

    @property
    def bare(self) -> bool:
        """True without any CSF (dcsf_mm, vcsf_mm and lateral_csf_mm all 0): the cord lies
        directly in the next layer present, e.g. the bath of an ex vivo preparation."""
        return self.dcsf_mm == 0 and self.vcsf_mm == 0 and not self.lateral_csf_mm

    def _check_cord_in_sac(self) -> None:
        if self.bare:
            if self.cord_ml_offset_mm != 0:
                raise InputError(
                    "cord_ml_offset_mm",
                    self.cord_ml_offset_mm,
                    "must be 0 without CSF (dcsf_mm = vcsf_mm = lateral_csf_mm = 0): the cord "
                    "is then the dural sac",
                )
            return
        sac = self.sac_semi_axes_mm
        if not self._cord_fits(0.0, sac):
            if self.lateral_csf_mm is None:
                raise InputError(
                    "cord_transverse_mm",
                    self.cord_transverse_mm,
                    f"the cord must leave at least {CSF_MARGIN_MM} mm of CSF around it inside "
                    f"the circular dural sac of radius {sac[1]:.4g} mm (lateral_csf_mm not "
                    "given); give lateral_csf_mm for an elliptical sac or a narrower cord",
                )
            lat = self.lateral_csf_mm
            hi = lat + self.dcsf_mm + self.vcsf_mm + self.cord_transverse_mm

            def fits_lat(v: float) -> bool:
                return self._cord_fits(0.0, (self.cord_transverse_mm / 2.0 + v, sac[1]))

            need = _bisect(lambda v: not fits_lat(v), 0.0, hi)
            raise InputError(
                "lateral_csf_mm",
                lat,
                f"too thin to hold the cord with {CSF_MARGIN_MM} mm of CSF around it (dcsf_mm = "
                f"{self.dcsf_mm:.4g}, vcsf_mm = {self.vcsf_mm:.4g}); allowed > {need:.4g} mm",
            )
        if not self._cord_fits(self.cord_ml_offset_mm, sac):
            limit = _bisect(lambda x: self._cord_fits(x, sac), 0.0, sac[0])
            raise InputError(
                "cord_ml_offset_mm",
                self.cord_ml_offset_mm,
                f"pushes the cord through the CSF (at least {CSF_MARGIN_MM} mm must remain "
                f"around it); allowed |offset| < {limit:.4g} mm",
            )

    def _check_bone(self) -> None:
        ax, ay = self.epidural_semi_axes_mm
        r = self.bone_outer_radius_mm
        if r == 0:  # no bone (an ex vivo preparation): the outer medium must hold the canal
            _check("outer_radius_mm", self.outer_radius_mm, max(ax, ay) + CSF_MARGIN_MM, 1e3)
            return
        if self.is_circular:
            _check("bone_outer_radius_mm", r, ay, 1e3)
            return
        lo = max(ax, ay) + CSF_MARGIN_MM
        _check("bone_outer_radius_mm", r, lo, 1e3)

    @property
    def is_circular(self) -> bool:
        """True when the dural sac (and so dura and epidural layer) is a circle."""
        ax, ay = self.sac_semi_axes_mm
        return ax == ay

    @property
    def sac_semi_axes_mm(self) -> tuple[float, float]:
        """(x, y) semi-axes of the dural sac (inner surface of the dura, outer of the CSF)."""
        ay = self.cord_ap_mm / 2.0 + (self.dcsf_mm + self.vcsf_mm) / 2.0
        if self.bare:
            return (self.cord_transverse_mm / 2.0, ay)
        if self.lateral_csf_mm is None:
            return (ay, ay)
        return (self.cord_transverse_mm / 2.0 + self.lateral_csf_mm, ay)

    @property
    def dura_semi_axes_mm(self) -> tuple[float, float]:
        """(x, y) semi-axes of the dura's outer surface."""
        ax, ay = self.sac_semi_axes_mm
        return (ax + self.dura_thickness_mm, ay + self.dura_thickness_mm)

    @property
    def epidural_semi_axes_mm(self) -> tuple[float, float]:
        """(x, y) semi-axes of the epidural layer's outer surface (the canal)."""
        ax, ay = self.dura_semi_axes_mm
        return (ax + self.epidural_thickness_mm, ay + self.epidural_thickness_mm)

    @property
    def sac_radius_mm(self) -> float:
        """Dorsoventral semi-axis of the dural sac (its radius when it is a circle)."""
        return self.sac_semi_axes_mm[1]

    @property
    def cord_center_xy_mm(self) -> tuple[float, float]:
        """Centre of the cord's cross-section."""
        return (float(self.cord_ml_offset_mm), (self.dcsf_mm - self.vcsf_mm) / 2.0)

    @property
    def dura_outer_radius_mm(self) -> float:
        """Dorsoventral semi-axis of the dura's outer surface (radius when circular)."""
        return self.dura_semi_axes_mm[1]

    @property
    def epidural_outer_radius_mm(self) -> float:
        """Dorsoventral semi-axis of the epidural layer's outer surface (radius when circular)."""
        return self.epidural_semi_axes_mm[1]

    @property
    def dorsal_cord_surface_y_mm(self) -> float:
        """y of the cord's dorsal surface on its own midline."""
        return self.cord_center_xy_mm[1] - self.cord_ap_mm / 2.0

    def dorsal_surface_y_mm(self, surface: str, x_mm: float) -> float:
        """y (< 0, dorsal) of a layer surface at ``x_mm``: ``"sac"`` (the dura's inner
        surface), ``"dura"`` (its outer surface) or ``"epidural"`` (the canal)."""
        axes = {
            "sac": self.sac_semi_axes_mm,
            "dura": self.dura_semi_axes_mm,
            "epidural": self.epidural_semi_axes_mm,
        }
        if surface not in axes:
            raise InputError("surface", surface, f"must be one of {', '.join(axes)}")
        ax, ay = axes[surface]
        ok = isinstance(x_mm, int | float) and math.isfinite(x_mm) and abs(x_mm) < ax
        if not ok:
            raise InputError(
                "lead_ml_offset_mm", x_mm, f"must lie over the {surface} surface, |x| < {ax:.4g} mm"
            )
        return -ay * math.sqrt(1.0 - (x_mm / ax) ** 2)

    def inside_cord(self, x_mm: Any, y_mm: Any) -> Any:
        """True where (x, y) lies inside the cord's ellipse (arrays broadcast)."""
        semi = (self.cord_transverse_mm / 2.0, self.cord_ap_mm / 2.0)
        return ellipse_implicit(x_mm, y_mm, self.cord_center_xy_mm, semi) < 1.0

    def inside_sac(self, x_mm: Any, y_mm: Any) -> Any:
        """True where (x, y) lies inside the dural sac, the cord or the CSF (arrays broadcast)."""
        return ellipse_implicit(x_mm, y_mm, (0.0, 0.0), self.sac_semi_axes_mm) < 1.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-safe), the cache key's geometry part."""
        d = asdict(self)
        d["conductivity"] = asdict(self.conductivity)
        if self.lateral_csf_mm is None:  # the circular sac: the key it always had
            del d["lateral_csf_mm"]
        return d


__all__ = ["CSF_MARGIN_MM", "Conductivities", "LayeredCord", "ellipse_implicit"]
