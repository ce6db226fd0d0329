"""The spinal-cord anatomy of one model: a frozen, validated record of every §1.5 parameter.

Build one with :func:`neurostim.anatomy.load_anatomy` (a level's defaults, a user TOML file,
keyword overrides). Every number is finite and inside the range written beside its field, and
:func:`~neurostim.anatomy._checks.check_geometry` refuses geometry that cannot exist (layers that
do not nest, a cord pushed through its CSF, a lead outside the epidural space, a model too short)
before any meshing, with the field, the value and the allowed range. Nothing here is tied to human
size: a mouse cord in a saline bath (no dura, epidural space or bone) is as valid as a human one.

Cross-section frame and layers: :mod:`neurostim.anatomy.layers`.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from neurostim._data import deep_merge
from neurostim.anatomy._checks import check_geometry
from neurostim.anatomy._io import resolve_level, validated
from neurostim.anatomy.conductivity import DEFAULT_SET, ConductivitySet, conductivity_set
from neurostim.anatomy.layers import Ellipse, LayerStack, boundaries, layer_stack
from neurostim.anatomy.parts import Fibers, GreyMatter, LengthMm, Number, Roots
from neurostim.errors import InputError

ThicknessMm = Annotated[float, Number, Field(ge=0.0, le=1000.0)]
"""A layer thickness (mm); 0 = the layer is absent."""
OffsetMm = Annotated[float, Number, Field(ge=-1000.0, le=1000.0)]
"""A signed mediolateral offset (mm), + right."""
SEGMENT_PATTERN = r"^[CTLS]\d{1,2}([-/][CTLS]\d{1,2})?$"
"""A vertebral level or cord segment name: C5, T10, L3, S1, or a junction such as T12-L1."""

NOT_IN_CACHE_KEY = ("source",)
"""Fields that describe but do not change the model (left out of :meth:`cache_key`)."""


class SpinalCordAnatomy(BaseModel):
    """Geometry, conductivities, roots and fibers of a layered spinal-cord model (mm, S/m, um).

    Field names are a contract (docs/anatomy.md has the table with units, defaults per level,
    sampling ranges and sources).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    error_hints: ClassVar[dict[str, str]] = {
        "lead_gap_to_dura_mm": "a negative gap puts the lead inside the dura",
        "dura_thickness_mm": "a layer's thickness is 0 (absent) or more",
        "epidural_thickness_mm": "a layer's thickness is 0 (absent) or more",
    }

    level: str = Field(min_length=1)
    """Name of the shipped level whose defaults were taken (C5, T8, T10, T12)."""
    vertebral_level: str = Field(pattern=SEGMENT_PATTERN)
    """Vertebra over which the lead lies."""
    cord_segment: str = Field(pattern=SEGMENT_PATTERN)
    """Spinal-cord segment under that vertebra (its roots enter here)."""
    posture: Literal["supine", "prone"] = "supine"
    source: str = ""
    """Free text: where the numbers come from (not part of the cache key)."""
    cord_ap_mm: LengthMm
    cord_transverse_mm: LengthMm
    dcsf_mm: ThicknessMm
    vcsf_mm: ThicknessMm
    lateral_csf_mm: ThicknessMm
    cord_ml_offset_mm: OffsetMm
    dura_thickness_mm: ThicknessMm
    epidural_thickness_mm: ThicknessMm
    bone_outer_radius_mm: Annotated[float, Number, Field(ge=0.0, le=10000.0)]
    """Outer radius of the vertebral bone ring; 0 = no bone."""
    outer_radius_mm: Annotated[float, Number, Field(gt=0.0, le=10000.0)]
    length_mm: Annotated[float, Number, Field(gt=0.0, le=10000.0)]
    lead_ml_offset_mm: OffsetMm
    lead_gap_to_dura_mm: ThicknessMm
    """Gap between the dural sac's outer surface and the lead, along y (dorsally)."""
    prone_dcsf_shift_mm: Annotated[float, Number, Field(ge=0.0, le=100.0)]
    """Added to dcsf_mm by :meth:`with_posture` ("prone")."""
    conductivity: ConductivitySet
    grey_matter: GreyMatter
    roots: Roots
    fibers: Fibers

    @field_validator("conductivity", mode="before")
    @classmethod
    def _resolve_conductivity(cls, value: Any) -> Any:
        if isinstance(value, str):
            return conductivity_set(value)
        if isinstance(value, dict) and "name" not in value:
            table = dict(value)
            base = table.pop("base", DEFAULT_SET)
            if not isinstance(base, str):
                raise InputError("conductivity.base", base, "give the name of a shipped set")
            return conductivity_set(base).with_values(**table)
        return value

    @field_validator("level")
    @classmethod
    def _shipped_level(cls, value: str) -> str:
        return resolve_level(value)

    @model_validator(mode="after")
    def _geometry(self) -> SpinalCordAnatomy:
        check_geometry(self)
        return self

    # --- geometry -------------------------------------------------------------------------
    def boundaries(self) -> dict[str, Ellipse]:
        """Outer boundary of every layer, ``(centre_x, centre_y, semi_x, semi_y)`` in mm."""
        return boundaries(
            cord_ap_mm=self.cord_ap_mm,
            cord_transverse_mm=self.cord_transverse_mm,
            dcsf_mm=self.dcsf_mm,
            vcsf_mm=self.vcsf_mm,
            lateral_csf_mm=self.lateral_csf_mm,
            cord_ml_offset_mm=self.cord_ml_offset_mm,
            dura_thickness_mm=self.dura_thickness_mm,
            epidural_thickness_mm=self.epidural_thickness_mm,
            bone_outer_radius_mm=self.bone_outer_radius_mm,
            outer_radius_mm=self.outer_radius_mm,
        )

    def layers(self) -> LayerStack:
        """The radial layer stack as arrays with each layer's conductivity (solver input)."""
        return layer_stack(self.boundaries(), self.conductivity.values_s_per_m(), self.length_mm)

    @property
    def canal_ap_mm(self) -> float:
        """AP diameter of the vertebral canal (outer boundary of the epidural space)."""
        return 2.0 * self.boundaries()["epidural"][3]

    @property
    def canal_transverse_mm(self) -> float:
        """Transverse diameter of the vertebral canal (outer boundary of the epidural space)."""
        return 2.0 * self.boundaries()["epidural"][2]

    def lead_surface_point_mm(self) -> tuple[float, float]:
        """``(x, y)`` of the lead's cord-facing surface: ``lead_gap_to_dura_mm`` dorsal of the
        dural sac's outer surface at ``x = lead_ml_offset_mm`` (y < 0 is dorsal)."""
        cx, cy, ax, ay = self.boundaries()["dura"]
        x = self.lead_ml_offset_mm
        y_surface = cy - ay * math.sqrt(max(0.0, 1.0 - ((x - cx) / ax) ** 2))
        return (x, y_surface - self.lead_gap_to_dura_mm)

    # --- copies ---------------------------------------------------------------------------
    def replace(self, **changes: Any) -> SpinalCordAnatomy:
        """A validated copy with some fields replaced; tables merge key by key (as in
        :func:`~neurostim.anatomy.load_anatomy`), ``conductivity`` takes a set name, a set or a
        table of tissues starting from the current set."""
        conductivity = changes.pop("conductivity", None)
        if isinstance(conductivity, dict) and "name" not in conductivity:
            conductivity = self.conductivity.with_values(**conductivity)
        data = deep_merge(self.model_dump(), changes)
        if conductivity is not None:
            data["conductivity"] = conductivity
        return validated(SpinalCordAnatomy, data)

    def with_posture(self, posture: Literal["supine", "prone"]) -> SpinalCordAnatomy:
        """The same anatomy in another posture: prone adds ``prone_dcsf_shift_mm`` to the dorsal
        CSF (Holsheimer 1994), supine removes it."""
        if posture not in ("supine", "prone"):
            raise InputError("posture", posture, "allowed: supine, prone")
        if posture == self.posture:
            return self
        sign = 1.0 if posture == "prone" else -1.0
        dcsf = self.dcsf_mm + sign * self.prone_dcsf_shift_mm
        return self.replace(posture=posture, dcsf_mm=dcsf)

    # --- canonical form -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data: every field, numbers as floats (counts as ints)."""
        return json.loads(self.model_dump_json())

    def canonical_json(self) -> str:
        """Canonical JSON of the model (sorted keys, no spaces), without descriptive fields."""
        data = {k: v for k, v in self.to_dict().items() if k not in NOT_IN_CACHE_KEY}
        return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)

    def cache_key(self) -> str:
        """SHA-256 (hex) of :meth:`canonical_json`: equal anatomies give equal keys."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()


__all__ = ["SpinalCordAnatomy"]
