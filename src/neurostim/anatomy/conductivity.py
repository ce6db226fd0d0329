"""Tissue conductivity sets (S/m, quasi-static), shipped as data with a source per value.

A set names one value per tissue of the layered spinal cord: ``grey``, ``white_longitudinal``
and ``white_transverse`` (white matter is anisotropic, along and across the cord axis), ``csf``,
``dura``, ``epidural``, ``bone`` and ``outer`` (the bulk tissue, or the bath of an ex vivo
preparation). Shipped sets (``data/conductivity/*.toml``, docs/anatomy.md):

``lempka-like`` (the default)
    A J Neurosci SCS/epidural-stimulation FEM table (grey 0.23, white 0.6/0.083, CSF 1.7,
    epidural 0.04, bone 0.02) with dura 0.6 as in the Lempka/Howell models.
``twente``
    The same tissues with the Holsheimer/Struijk dura, 0.03 S/m.
``khadka-low``, ``khadka-high``
    The ends of the dura (0.02-0.6) and epidural (0.025-0.25) spreads across SCS models
    compiled by Khadka, Wang and Bikson (2025); :func:`conductivity_corners` gives every
    combination of the two for a sweep.

A user set is a TOML file of the same form, given by its path.
"""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from neurostim.anatomy._io import (
    check_keys,
    finite_number,
    read_toml,
    shipped_names,
    shipped_text,
    validated,
)
from neurostim.errors import InputError

TISSUES = (
    "grey",
    "white_longitudinal",
    "white_transverse",
    "csf",
    "dura",
    "epidural",
    "bone",
    "outer",
)
"""The tissues every conductivity set names, in this order."""

DEFAULT_SET = "lempka-like"
"""The conductivity set of every shipped level unless a file says otherwise."""

Sigma = Annotated[float, BeforeValidator(finite_number), Field(gt=0.0, le=1000.0)]
"""A conductivity in S/m: finite, above 0 (an insulator is removed from the domain instead)."""


class ConductivitySet(BaseModel):
    """One conductivity per tissue (S/m); ``sources[tissue]`` says where each value comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    grey: Sigma
    white_longitudinal: Sigma
    white_transverse: Sigma
    csf: Sigma
    dura: Sigma
    epidural: Sigma
    bone: Sigma
    outer: Sigma
    sources: dict[str, str] = Field(default_factory=dict)
    frequency_band: str = "quasi-static, up to 1 kHz"
    description: str = ""

    def values_s_per_m(self) -> dict[str, float]:
        """The eight conductivities by tissue name (S/m), in :data:`TISSUES` order."""
        return {t: float(getattr(self, t)) for t in TISSUES}

    def with_values(self, name: str | None = None, **values: float) -> ConductivitySet:
        """A copy with some tissues replaced (validated); its name says what changed."""
        check_keys(values, TISSUES, "conductivity")
        data = self.model_dump()
        data.update(values)
        data["sources"] = {**self.sources, **{t: "given by the user" for t in values}}
        changed = ",".join(f"{t}={values[t]!r}" for t in sorted(values))
        data["name"] = name or (f"{self.name}[{changed}]" if values else self.name)
        return validated(ConductivitySet, data, "conductivity")


def conductivity_names() -> list[str]:
    """Names of the shipped conductivity sets, sorted."""
    return shipped_names("conductivity", ".toml")


def conductivity_set(name: str | Path = DEFAULT_SET) -> ConductivitySet:
    """A shipped set by name, or a user set from a TOML file path."""
    if isinstance(name, str) and name in conductivity_names():
        data = tomllib.loads(shipped_text("conductivity", f"{name}.toml"))
        return set_from_data(data, origin=name)
    path = Path(name)
    if path.suffix == ".toml" and path.is_file():
        return set_from_data(read_toml(path, "conductivity"), origin=str(path))
    raise InputError(
        "conductivity",
        str(name),
        f"unknown set; shipped: {', '.join(conductivity_names())}, or a path to a .toml file",
    )


def set_from_data(data: dict[str, Any], origin: str) -> ConductivitySet:
    """A set from the file form: ``tissue = { value, tag, source }`` rows plus metadata."""
    check_keys(data, (*TISSUES, "name", "description", "frequency_band"), "conductivity")
    out: dict[str, Any] = {"sources": {}}
    for key, row in data.items():
        if key not in TISSUES:
            out[key] = row
            continue
        if not isinstance(row, dict):
            raise InputError(f"conductivity.{key}", row, "expected { value, tag, source }")
        check_keys(row, ("value", "tag", "source"), f"conductivity.{key}")
        out[key] = row.get("value")
        out["sources"][key] = f"[{row.get('tag', '?')}] {row.get('source', '')}".strip()
    out.setdefault("name", origin)
    return validated(ConductivitySet, out, "conductivity")


def conductivity_corners(
    low: str = "khadka-low", high: str = "khadka-high"
) -> list[ConductivitySet]:
    """Every combination of the tissues whose values differ between two sets (a sweep's corners).

    With the Khadka sets: dura in {0.02, 0.6} x epidural in {0.025, 0.25}, four sets, the
    other tissues as in both.
    """
    a, b = conductivity_set(low), conductivity_set(high)
    va, vb = a.values_s_per_m(), b.values_s_per_m()
    differ = [t for t in TISSUES if va[t] != vb[t]]
    out = []
    for pick in itertools.product((0, 1), repeat=len(differ)):
        values = {t: (va[t], vb[t])[p] for t, p in zip(differ, pick, strict=True)}
        label = ",".join(f"{t}={'high' if p else 'low'}" for t, p in zip(differ, pick, strict=True))
        out.append(a.with_values(name=f"{a.name}..{b.name}[{label}]", **values))
    return out


__all__ = [
    "DEFAULT_SET",
    "TISSUES",
    "ConductivitySet",
    "conductivity_corners",
    "conductivity_names",
    "conductivity_set",
]
