"""One dorsal root ganglion in its foramen: a frozen, validated record of every drg.md §6.1 key.

Build one with :func:`neurostim.drg.load_drg_geometry` (a level's defaults, a user TOML file,
keyword overrides). Every number is finite and inside its range (the level's drg.md §6.1 range
with ``ranges = "spec"``, the default; physical limits only with ``ranges = "physical"``), and
:mod:`neurostim.drg._checks` refuses geometry that cannot exist (layers that do not nest, a
root wider than its ganglion, a lead in bone or in another nerve) before any meshing, with the
field, the value and the allowed range.

Frame (mm), the **ganglion frame**: origin at the ganglion's centre; **x** along the root axis,
growing distally (dorsal root and spinal cord at x < 0, spinal nerve at x > 0); **y** dorsal
(the dorsal surface is at y > 0); **z** = x × y, which points caudally for a right-side ganglion
(a left-side ganglion is its mirror image). The local model is straight: ``root_angle_deg`` and
``drg_medial_offset_mm`` are kept for placing the ganglion in a spine frame later.

Parts (all built from :mod:`neurostim.drg.shapes`):

=================  ==============================================================================
ganglion           prolate ellipsoid, semi-axes (length/2, height/2, width/2) along (x, y, z)
fiber core         the ganglion scaled by (1, 1 - shell, 1 - shell): the fibers' region; the
                   outer ``soma_shell_fraction`` of the radius is the cell-body region
                   (no two surfaces touch tangentially: meshing rules of ``levels.toml``)
capsule            the ganglion grown by ``capsule_thickness_mm`` on every semi-axis
dorsal root        cylinder on the x axis, diameter ``dr_diameter_mm``, from the proximal model
                   end (``dr_length_mm`` proximal of the capsule) to 10 % of the half-length
                   inside the proximal pole (:attr:`DRGGeometry.root_start_x_mm`)
fiber channels     cylinders on the x axis from there to the centre: the root's fibers in
                   the ganglion (:meth:`DRGGeometry.fiber_channel_radius_mm`)
root sleeve        dural sleeve around the dorsal root, ``capsule_thickness_mm`` thick, holding
                   ``sleeve_csf_mm`` of CSF up to the proximal pole (drg.md §1.2)
spinal nerve       cylinder on the x axis, diameter ``spinal_nerve_diameter_mm``, from 10 % of
                   the half-length inside the distal pole to ``spinal_nerve_length_mm`` distal
                   of the capsule, with an epineurium ``capsule_thickness_mm`` thick
ventral root       tube of diameter ``vr_diameter_mm`` (with its epineurium) parallel to x,
                   ``vr_gap_mm`` outside the capsule at ``vr_angle_deg`` from ventral towards
                   caudal, bending into the spinal nerve within one nerve diameter distal of
                   the capsule (ending halfway between the nerve's axis and its wall)
foramen            elliptic tunnel along x through the bone block: semi-axes
                   ``foramen_width_mm``/2 (y, dorsoventral) and ``foramen_height_mm``/2 (z,
                   cranio-caudal), filled with fat where nothing else is
bone               cube of side ``bone_block_mm`` centred on the ganglion
domain             cube of side ``domain_mm`` (paraspinal muscle outside the bone); far faces 0 V
lead               ring lead parallel to x, E1 distal: its surface ``lead_gap_mm`` outside the
                   capsule along the capsule's normal at ``lead_angle_deg`` (from dorsal towards
                   caudal), the program's active contacts centred at ``lead_axial_offset_mm``;
                   ``encapsulation_mm`` of scar around it (:mod:`neurostim.drg.lead`)
=================  ==============================================================================
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from neurostim.anatomy._io import finite_number, validated
from neurostim.drg.conductivity import DRGConductivity
from neurostim.drg.shapes import (
    Box,
    Cylinder,
    Ellipsoid,
    EllipticCylinder,
    Solid,
    ellipse_point_with_normal,
)

if TYPE_CHECKING:
    from neurostim.drg.lead import DRGLeadPlacement

Number = BeforeValidator(finite_number)
LengthMm = Annotated[float, Number, Field(gt=0.0, le=1000.0)]
"""A length (mm): above 0."""
ThicknessMm = Annotated[float, Number, Field(ge=0.0, le=1000.0)]
"""A thickness or gap (mm); 0 = absent or touching."""
Fraction = Annotated[float, Number, Field(gt=0.0, le=1.0)]
"""A fraction in (0, 1]."""
AngleDeg = Annotated[float, Number, Field(ge=-180.0, le=180.0)]
"""An angle in the cross-section (deg)."""

NOT_IN_CACHE_KEY = ("ranges",)
"""Fields that do not change the model (left out of :meth:`DRGGeometry.cache_key`)."""


class DRGGeometry(BaseModel):
    """Geometry and conductivities of one DRG in its foramen (mm, deg, S/m; frame: module doc).

    Field names are a contract (docs/drg.md has the table with units, defaults per level,
    ranges and sources).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    error_hints: ClassVar[dict[str, str]] = {
        "lead_gap_mm": "a negative gap puts the lead inside the capsule",
        "capsule_thickness_mm": "a layer's thickness is 0 (absent) or more",
        "sleeve_csf_mm": "a layer's thickness is 0 (absent) or more",
        "encapsulation_mm": "a layer's thickness is 0 (absent) or more",
        "vr_gap_mm": "a negative gap puts the ventral root inside the capsule",
    }

    level: str
    """Shipped level whose defaults were taken (L1-L5, S1)."""
    dermatome: str = Field(pattern=r"^[LS]\d$")
    """The dermatome a program on this ganglion maps to (its own level, drg.md §1.4)."""
    ranges: Literal["spec", "physical"] = "spec"
    """"spec": every number within the level's drg.md §6.1 range; "physical": physical limits
    and nesting only (an animal ganglion, a sweep beyond the human data)."""
    drg_shape: Literal["prolate_ellipsoid"] = "prolate_ellipsoid"
    n_lobes: Annotated[int, Field(ge=1, le=3)] = 1
    drg_length_mm: LengthMm
    drg_width_mm: LengthMm
    """Cranio-caudal diameter (z) of the ganglion."""
    drg_height_mm: LengthMm
    """Dorsoventral diameter (y) of the ganglion."""
    drg_medial_offset_mm: ThicknessMm
    root_angle_deg: Annotated[float, Number, Field(ge=0.0, le=90.0)]
    soma_shell_fraction: Fraction
    soma_dorsal_fraction: Fraction
    soma_axial_fraction: Fraction
    soma_dense_fraction: Annotated[float, Number, Field(ge=0.0, le=1.0)]
    axon_rim_fraction: Annotated[float, Number, Field(ge=0.0, lt=1.0)]
    capsule_thickness_mm: ThicknessMm
    sleeve_csf_mm: ThicknessMm
    dr_diameter_mm: LengthMm
    vr_diameter_mm: LengthMm
    spinal_nerve_diameter_mm: LengthMm
    dr_length_mm: LengthMm
    spinal_nerve_length_mm: LengthMm
    foramen_height_mm: LengthMm
    foramen_width_mm: LengthMm
    vr_angle_deg: AngleDeg
    vr_gap_mm: ThicknessMm
    lead: str = Field(min_length=1)
    """Lead id of the device catalog, or the path of a user's lead file."""
    lead_gap_mm: ThicknessMm
    """Least distance from the lead's surface (its contacts) to the capsule's outer surface."""
    lead_axial_offset_mm: Annotated[float, Number, Field(ge=-1000.0, le=1000.0)]
    """x of the centre of the active contacts (of all contacts without a program)."""
    lead_angle_deg: AngleDeg
    encapsulation_mm: ThicknessMm
    domain_mm: LengthMm
    bone_block_mm: LengthMm
    conductivity: DRGConductivity

    @field_validator("level")
    @classmethod
    def _shipped_level(cls, value: str) -> str:
        from neurostim.drg._io import resolve_level

        return resolve_level(value)

    @model_validator(mode="after")
    def _geometry(self) -> DRGGeometry:
        from neurostim.drg._checks import check_geometry

        check_geometry(self)
        return self

    # --- dimensions ------------------------------------------------------------------------
    @property
    def ganglion_semi_axes_mm(self) -> tuple[float, float, float]:
        """Semi-axes of the ganglion along (x, y, z)."""
        return (self.drg_length_mm / 2, self.drg_height_mm / 2, self.drg_width_mm / 2)

    @property
    def capsule_semi_axes_mm(self) -> tuple[float, float, float]:
        """Semi-axes of the capsule's outer surface along (x, y, z)."""
        t = self.capsule_thickness_mm
        a, b, c = self.ganglion_semi_axes_mm
        return (a + t, b + t, c + t)

    @property
    def core_semi_axes_mm(self) -> tuple[float, float, float]:
        """Semi-axes of the fiber core (the ganglion less its cell-body shell)."""
        a, b, c = self.ganglion_semi_axes_mm
        k = 1.0 - self.soma_shell_fraction
        return (a, k * b, k * c)

    def fiber_channel_radius_mm(self, branch: str) -> float:
        """Radius of the fibers' channel where a root runs through the ganglion: the root's
        radius less its axon-free rim (``axon_rim_fraction``), at most the fiber core's radius.
        ``branch`` is ``"central"`` (dorsal root) or ``"peripheral"`` (spinal nerve)."""
        from neurostim.drg._io import rules

        root = self.spinal_nerve_diameter_mm if branch == "peripheral" else self.dr_diameter_mm
        _, cb, cc = self.core_semi_axes_mm
        cap = rules()["channel_over_core"] * min(cb, cc)
        return min(root / 2 * (1.0 - self.axon_rim_fraction), cap)

    @property
    def root_start_x_mm(self) -> float:
        """|x| at which the dorsal root's and the spinal nerve's cylinders end inside the
        ganglion (the fiber channels carry on to the centre)."""
        from neurostim.drg._io import rules

        a = self.ganglion_semi_axes_mm[0]
        return a * (1.0 - rules()["root_insertion_fraction"])

    @property
    def central_end_x_mm(self) -> float:
        """x of the dorsal root's proximal end (the model's central end)."""
        return -(self.capsule_semi_axes_mm[0] + self.dr_length_mm)

    @property
    def peripheral_end_x_mm(self) -> float:
        """x of the spinal nerve's distal end (the model's peripheral end)."""
        return self.capsule_semi_axes_mm[0] + self.spinal_nerve_length_mm

    def ventral_root_path_mm(self) -> NDArray[np.float64]:
        """Centreline of the ventral root, shape (3, 3): proximal end, distal pole of the
        capsule, and the join inside the spinal nerve."""
        from neurostim.drg._io import rules

        t, r_vr = self.capsule_thickness_mm, self.vr_diameter_mm / 2
        b, c = self.capsule_semi_axes_mm[1:]
        q, n = ellipse_point_with_normal(b, c, 180.0 - self.vr_angle_deg)
        yz = q + (self.vr_gap_mm + t + r_vr) * n
        a_cap = self.capsule_semi_axes_mm[0]
        r_sn = self.spinal_nerve_diameter_mm / 2
        x_join = a_cap + rules()["vr_join_over_nerve_diameter"] * self.spinal_nerve_diameter_mm
        depth = rules()["vr_join_depth_fraction"] * max(r_sn - r_vr, 0.0)
        inner = yz / np.linalg.norm(yz) * depth
        return np.array(
            [
                [self.central_end_x_mm, yz[0], yz[1]],
                [a_cap, yz[0], yz[1]],
                [x_join, inner[0], inner[1]],
            ]
        )

    # --- solids ----------------------------------------------------------------------------
    def solids(self, placement: DRGLeadPlacement | None = None) -> tuple[Solid, ...]:
        """The model's regions in precedence order (:mod:`neurostim.drg.shapes`): a point
        belongs to the first solid that contains it. With a lead placement, the lead body
        (``material = "insulator"``) comes first and its encapsulation after the nerves,
        clipped to the foramen's tunnel (bone stays bone)."""
        a, b, c = self.ganglion_semi_axes_mm
        cap = self.capsule_semi_axes_mm
        t = self.capsule_thickness_mm
        x0, x1 = self.central_end_x_mm, self.peripheral_end_x_mm
        r_dr, r_sn = self.dr_diameter_mm / 2, self.spinal_nerve_diameter_mm / 2
        r_vr = self.vr_diameter_mm / 2
        vr = self.ventral_root_path_mm()
        origin = (0.0, 0.0, 0.0)
        xr = self.root_start_x_mm
        out: list[Solid] = []
        if placement is not None:
            out.append(placement.body())
        out += [
            Ellipsoid("fiber_core", "fiber", origin, self.core_semi_axes_mm),
            Cylinder("dorsal_root", "fiber", (x0, 0.0, 0.0), (-xr, 0.0, 0.0), r_dr),
            Cylinder(
                "central_channel",
                "fiber",
                (-xr, 0.0, 0.0),
                origin,
                self.fiber_channel_radius_mm("central"),
            ),
            Cylinder(
                "peripheral_channel",
                "fiber",
                origin,
                (xr, 0.0, 0.0),
                self.fiber_channel_radius_mm("peripheral"),
            ),
            Cylinder("spinal_nerve", "fiber", (xr, 0.0, 0.0), (x1, 0.0, 0.0), r_sn),
            Cylinder("ventral_root", "fiber", _xyz(vr[0]), _xyz(vr[1]), r_vr),
            Cylinder("ventral_root_join", "fiber", _xyz(vr[1]), _xyz(vr[2]), r_vr),
            Ellipsoid("ganglion", "drg_cells", origin, (a, b, c)),
        ]
        if self.sleeve_csf_mm > 0:
            out.append(
                Cylinder("sleeve_csf", "csf", (x0, 0.0, 0.0), (-a, 0.0, 0.0),
                         r_dr + self.sleeve_csf_mm)
            )  # fmt: skip
        if t > 0:
            out += [
                Ellipsoid("capsule", "capsule", origin, cap),
                Cylinder("root_sleeve", "dura", (x0, 0.0, 0.0), origin,
                         r_dr + self.sleeve_csf_mm + t),
                Cylinder("spinal_nerve_epineurium", "capsule", (xr, 0.0, 0.0), (x1, 0.0, 0.0),
                         r_sn + t),
                Cylinder("ventral_root_epineurium", "capsule", _xyz(vr[0]), _xyz(vr[1]), r_vr + t),
                Cylinder("ventral_root_join_epineurium", "capsule", _xyz(vr[1]), _xyz(vr[2]),
                         r_vr + t),
            ]  # fmt: skip
        half_bone, half = self.bone_block_mm / 2, self.domain_mm / 2
        if placement is not None and self.encapsulation_mm > 0:
            tunnel = EllipticCylinder("foramen_tunnel", "fat", (0.0, 0.0),
                                      self.foramen_width_mm / 2, self.foramen_height_mm / 2,
                                      -half, half)  # fmt: skip
            out.append(placement.encapsulation(clip=tunnel, reach_mm=self.lead_gap_mm,
                                               capsule_mm=t))  # fmt: skip
        out += [
            EllipticCylinder("foramen", "fat", (0.0, 0.0), self.foramen_width_mm / 2,
                             self.foramen_height_mm / 2, -half_bone, half_bone),
            Box("bone", "bone", (-half_bone,) * 3, (half_bone,) * 3),
            Box("domain", "muscle", (-half,) * 3, (half,) * 3),
        ]  # fmt: skip
        return tuple(out)

    # --- copies and canonical form ---------------------------------------------------------
    def replace(self, **changes: Any) -> DRGGeometry:
        """A validated copy with some fields replaced (``conductivity`` takes a table of
        tissues applied to the current set)."""
        sigma = changes.pop("conductivity", None)
        data = self.model_dump()
        data.update(changes)
        if isinstance(sigma, dict):
            data["conductivity"] = self.conductivity.with_values(**sigma)
        elif sigma is not None:
            data["conductivity"] = sigma
        return validated(DRGGeometry, data)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data: every field."""
        return json.loads(self.model_dump_json())

    def cache_key(self) -> str:
        """SHA-256 (hex) of the canonical JSON of the model (``ranges`` left out)."""
        data = {k: v for k, v in self.to_dict().items() if k not in NOT_IN_CACHE_KEY}
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def ganglion_volume_mm3(self) -> float:
        """Volume of the ganglion ellipsoid (mm³)."""
        a, b, c = self.ganglion_semi_axes_mm
        return 4.0 / 3.0 * math.pi * a * b * c


def _xyz(p: NDArray[np.float64]) -> tuple[float, float, float]:
    return (float(p[0]), float(p[1]), float(p[2]))


__all__ = ["DRGGeometry"]
