"""Plain geometry of a layered spinal cord for the finite-element volume conductor.

Frame (tissue, mm; the same axes as ``neurostim.pipeline.placement``): z along the cord axis,
x mediolateral, y dorsoventral growing ventrally. The origin lies on the axis of the dural sac
at the middle of the model's length, so the domain is ``|z| <= length_mm / 2``.

Cross-section, from the inside out::

    grey core      ellipse, semi-axes sqrt(grey_area_fraction) x the cord's, same centre
    white matter   ellipse, semi-axes cord_transverse_mm / 2 (x) and cord_ap_mm / 2 (y),
                   centred at (cord_ml_offset_mm, (dcsf_mm - vcsf_mm) / 2)
    CSF            to the dural sac, a circle of radius cord_ap_mm / 2 + (dcsf_mm + vcsf_mm) / 2
                   (so the CSF is dcsf_mm thick dorsally and vcsf_mm ventrally at x = offset 0)
    dura           dura_thickness_mm
    epidural       epidural_thickness_mm (fat)
    bone           to bone_outer_radius_mm
    outer tissue   to outer_radius_mm; the outer surface and both end faces are the far ground

A layer of thickness 0 is absent (bone is absent when ``bone_outer_radius_mm`` equals the
epidural layer's outer radius). The grey matter is an ellipse for now (the butterfly of
spinal-cord.md §1.2 is a later refinement). Conductivities in S/m (spinal-cord.md §2 defaults).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

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


@dataclass(frozen=True)
class LayeredCord:
    """A straight layered spinal cord in a cylindrical volume conductor (lengths in mm)."""

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

    def __post_init__(self) -> None:
        _check("cord_ap_mm", self.cord_ap_mm, 0.0, 50.0, lo_open=True)
        _check("cord_transverse_mm", self.cord_transverse_mm, 0.0, 50.0, lo_open=True)
        _check("dcsf_mm", self.dcsf_mm, 0.0, 30.0, lo_open=True)
        _check("vcsf_mm", self.vcsf_mm, 0.0, 30.0, lo_open=True)
        _check("grey_area_fraction", self.grey_area_fraction, 0.0, 0.6)
        _check("dura_thickness_mm", self.dura_thickness_mm, 0.0, 5.0)
        _check("epidural_thickness_mm", self.epidural_thickness_mm, 0.0, 30.0)
        _check("length_mm", self.length_mm, 0.0, 1000.0, lo_open=True)
        if not isinstance(self.conductivity, Conductivities):
            raise InputError("conductivity", self.conductivity, "must be a Conductivities")
        gap = self.sac_radius_mm - self.cord_transverse_mm / 2.0
        limit = max(gap, 0.0)
        _check("cord_ml_offset_mm", self.cord_ml_offset_mm, -limit, limit)
        if gap - abs(self.cord_ml_offset_mm) <= 0.05:
            raise InputError(
                "cord_transverse_mm",
                self.cord_transverse_mm,
                f"the cord must leave CSF beside it inside the dural sac of radius "
                f"{self.sac_radius_mm:.3g} mm: keep cord_transverse_mm / 2 + "
                f"|cord_ml_offset_mm| below {self.sac_radius_mm - 0.05:.3g} mm",
            )
        _check(
            "bone_outer_radius_mm", self.bone_outer_radius_mm, self.epidural_outer_radius_mm, 1e3
        )
        _check("outer_radius_mm", self.outer_radius_mm, self.bone_outer_radius_mm, 1e3)
        if self.outer_radius_mm - self.bone_outer_radius_mm < 1e-9:
            raise InputError(
                "outer_radius_mm",
                self.outer_radius_mm,
                f"must exceed bone_outer_radius_mm = {self.bone_outer_radius_mm} (outer tissue "
                "carries the far ground)",
            )

    @property
    def sac_radius_mm(self) -> float:
        """Inner radius of the dura (outer radius of the CSF)."""
        return self.cord_ap_mm / 2.0 + (self.dcsf_mm + self.vcsf_mm) / 2.0

    @property
    def cord_center_xy_mm(self) -> tuple[float, float]:
        """Centre of the cord's cross-section."""
        return (float(self.cord_ml_offset_mm), (self.dcsf_mm - self.vcsf_mm) / 2.0)

    @property
    def dura_outer_radius_mm(self) -> float:
        return self.sac_radius_mm + self.dura_thickness_mm

    @property
    def epidural_outer_radius_mm(self) -> float:
        return self.dura_outer_radius_mm + self.epidural_thickness_mm

    @property
    def dorsal_cord_surface_y_mm(self) -> float:
        """y of the cord's dorsal surface on its own midline."""
        return self.cord_center_xy_mm[1] - self.cord_ap_mm / 2.0

    def inside_cord(self, x_mm: Any, y_mm: Any) -> Any:
        """True where (x, y) lies inside the cord's ellipse (arrays broadcast)."""
        cx, cy = self.cord_center_xy_mm
        u = (x_mm - cx) / (self.cord_transverse_mm / 2.0)
        v = (y_mm - cy) / (self.cord_ap_mm / 2.0)
        return u * u + v * v < 1.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-safe), the cache key's geometry part."""
        d = asdict(self)
        d["conductivity"] = asdict(self.conductivity)
        return d


__all__ = ["Conductivities", "LayeredCord"]
