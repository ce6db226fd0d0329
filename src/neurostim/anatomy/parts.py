"""The tables of a spinal-cord anatomy: grey matter (§1.2), dorsal roots (§1.4) and fibers (§3).

Each is a frozen pydantic model; every number is finite and inside the range written beside it
(the range of what can exist, not the human sampling range, which lives in ``levels.toml``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from neurostim.anatomy._io import finite_number


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number, not {type(value).__name__}")
    return value


Number = BeforeValidator(finite_number)
LengthMm = Annotated[float, Number, Field(gt=0.0, le=1000.0)]
"""A positive length (mm)."""
AngleDeg = Annotated[float, Number, Field(gt=0.0, le=90.0)]
"""An angle to an axis (degrees), above 0 and at most 90."""
DiameterUm = Annotated[float, Number, Field(gt=0.0, le=30.0)]
"""A fiber diameter (um)."""


class GreyMatter(BaseModel):
    """Parametric grey-matter butterfly (spec §1.2; shape [ours], values [R])."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gm_area_fraction: Annotated[float, Number, Field(gt=0.0, lt=1.0)]
    """Grey matter / total cross-section."""
    dh_tip_depth_mm: LengthMm
    """Depth of the dorsal-horn apex below the dorsal surface, at the DREZ."""
    dh_halfwidth_mm: LengthMm
    """Half-width of one dorsal horn at its base."""
    dh_angle_deg: Annotated[float, Number, Field(ge=0.0, lt=90.0)]
    """Dorsal-horn axis from the sagittal plane."""
    dc_depth_midline_mm: LengthMm
    """Dorsal-column depth at the midline (dorsal surface to the grey commissure)."""


class Roots(BaseModel):
    """Dorsal roots and rootlets of one segment (spec §1.4, §3.3)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_rootlets: Annotated[int, BeforeValidator(_count), Field(ge=1, le=100)]
    """Rootlets per dorsal root."""
    rootlet_angle_deg: AngleDeg
    """Entry angle of the rootlets to the cord axis (90 = perpendicular)."""
    bend_radius_mm: LengthMm
    """Radius of curvature of a DR fiber's bend at the dorsal root entry zone."""
    dre_span_mm: LengthMm
    """Craniocaudal span of one segment's dorsal root entry zone (about one segment)."""
    drez_ml_mm: LengthMm
    """Mediolateral distance of the DREZ (dorsolateral sulcus) from the midline."""


class Fibers(BaseModel):
    """Fiber diameters and the depth of the dorsal-column layer (spec §3.1, §3.3)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dc_diameters_um: tuple[DiameterUm, ...] = Field(min_length=1)
    """Dorsal-column fiber diameters (um)."""
    dr_diameters_um: tuple[DiameterUm, ...] = Field(min_length=1)
    """Dorsal-root fiber diameters (um)."""
    dc_max_depth_mm: LengthMm
    """Deepest dorsal-column fiber placed, below the dorsal surface (mm)."""


__all__ = ["Fibers", "GreyMatter", "Roots"]
