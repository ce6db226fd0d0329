"""Tissue conductivities of the DRG model (S/m), shipped as data with a source and range each.

``data/conductivity.toml`` restates drg.md §2: one default per tissue and the spread of the
alternatives it lists (``min``/``max``, a sweep's corners). ``fiber_*`` is the endoneurium of
the ganglion's fiber core, the roots and the spinal nerve, anisotropic along the local
centreline (the model's x axis); ``muscle_*`` is the paraspinal muscle outside the bone block,
along and across x. The lead body is an insulator (cut out of the domain), not a tissue.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from neurostim.anatomy._io import check_keys, finite_number, validated
from neurostim.drg._io import conductivity_document

DRG_TISSUES = (
    "drg_cells",
    "fiber_longitudinal",
    "fiber_transverse",
    "capsule",
    "perineurium",
    "dura",
    "csf",
    "fat",
    "bone",
    "muscle_longitudinal",
    "muscle_transverse",
    "encapsulation",
)
"""Tissues of the DRG model, in the order of the data file."""

Sigma = Annotated[float, BeforeValidator(finite_number), Field(gt=0.0, le=1000.0)]
"""A conductivity in S/m: finite and above 0."""


class DRGConductivity(BaseModel):
    """One conductivity per tissue (S/m); ``sources`` and ``ranges`` per tissue from the data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    drg_cells: Sigma
    fiber_longitudinal: Sigma
    fiber_transverse: Sigma
    capsule: Sigma
    perineurium: Sigma
    dura: Sigma
    csf: Sigma
    fat: Sigma
    bone: Sigma
    muscle_longitudinal: Sigma
    muscle_transverse: Sigma
    encapsulation: Sigma
    description: str = ""
    sources: dict[str, str] = Field(default_factory=dict)
    ranges: dict[str, tuple[float, float]] = Field(default_factory=dict)
    """(min, max) of the alternatives in drg.md §2, per tissue: the corners of a sweep."""

    def values_s_per_m(self) -> dict[str, float]:
        """The conductivities by tissue (S/m), in :data:`DRG_TISSUES` order."""
        return {t: float(getattr(self, t)) for t in DRG_TISSUES}

    def with_values(self, **values: float) -> DRGConductivity:
        """A validated copy with some tissues replaced; its name says what changed."""
        check_keys(values, DRG_TISSUES, "conductivity")
        data = self.model_dump()
        data.update(values)
        data["sources"] = {**self.sources, **{t: "given by the user" for t in values}}
        changed = ",".join(f"{t}={values[t]!r}" for t in sorted(values))
        data["name"] = f"{self.name}[{changed}]" if values else self.name
        return validated(DRGConductivity, data, "conductivity")


def drg_conductivity(**overrides: Any) -> DRGConductivity:
    """The shipped set (drg.md §2), with ``overrides`` (tissue = S/m) applied."""
    doc = conductivity_document()
    data: dict[str, Any] = {
        "name": doc["name"],
        "description": doc["description"],
        "sources": {},
        "ranges": {},
    }
    for tissue in DRG_TISSUES:
        row = doc[tissue]
        data[tissue] = row["value"]
        data["sources"][tissue] = f"[{row['tag']}] {row['source']}"
        data["ranges"][tissue] = (float(row["min"]), float(row["max"]))
    base: DRGConductivity = validated(DRGConductivity, data, "conductivity")
    return base.with_values(**overrides) if overrides else base


__all__ = ["DRG_TISSUES", "DRGConductivity", "drg_conductivity"]
