"""Tissue conductivities of a peripheral-nerve model (S/m, quasi-static), shipped as data.

A set names one value per tissue (:data:`TISSUES`): endoneurium along and across the nerve
axis, perineurium (used as a thin layer or meshed), epineurium, muscle along and across the
axis, fat, saline (cuff filling) and encapsulation tissue. Shipped sets, restated from
peripheral-nerve.md §2 (``data/conductivity/*.toml``, one source per value):

``ascent_default`` (the default)
    ASCENT's defaults: endoneurium 0.571/0.167, perineurium 1/1149 (DC), epineurium 0.159,
    muscle 0.35/0.086, fat 0.0333, saline 1.76, encapsulation 0.159.
``bucksot2019``
    Bucksot 2019 / Arle 2016 (endoneurium 0.5/0.08, perineurium 0.00336, epineurium 0.008).
``nrv``
    NRV (endoneurium 0.571/0.085, perineurium 0.002, epineurium 0.085, muscle 0.2).

A user's conductivity file holds any of the tissue keys as plain numbers (S/m) and optionally
``base`` (the set whose values fill the keys left out; default the nerve's set)::

    base = "ascent_default"
    perineurium = 0.00336
    epineurium = 0.008
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from neurostim.errors import InputError
from neurostim.nerve._io import check_keys, number, read_toml, shipped_names, shipped_text

TISSUES = (
    "endoneurium_longitudinal",
    "endoneurium_transverse",
    "perineurium",
    "epineurium",
    "muscle_longitudinal",
    "muscle_transverse",
    "fat",
    "saline",
    "encapsulation",
)
"""The tissues every set names, in this order (S/m)."""

DEFAULT_SET = "ascent_default"
"""The set of every shipped site (§7 ``tissue.conductivity_set``)."""

MAX_SIGMA_S_PER_M = 1000.0
"""Upper bound accepted for a tissue conductivity (S/m): above any tissue or saline."""


@dataclass(frozen=True)
class NerveConductivity:
    """One conductivity per tissue (S/m); ``sources[tissue]`` says where each value is from."""

    name: str
    endoneurium_longitudinal: float
    endoneurium_transverse: float
    perineurium: float
    epineurium: float
    muscle_longitudinal: float
    muscle_transverse: float
    fat: float
    saline: float
    encapsulation: float
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        for t in TISSUES:
            number(f"conductivity.{t}", getattr(self, t), high=MAX_SIGMA_S_PER_M, unit="S/m")

    def values_s_per_m(self) -> dict[str, float]:
        """The nine conductivities by tissue, in :data:`TISSUES` order (S/m)."""
        return {t: float(getattr(self, t)) for t in TISSUES}

    def with_values(self, name: str | None = None, **values: float) -> NerveConductivity:
        """A copy with some tissues replaced (checked); its name says what changed."""
        check_keys(values, TISSUES, "conductivity")
        changed = ",".join(f"{t}={values[t]!r}" for t in sorted(values))
        label = name or (f"{self.name}[{changed}]" if values else self.name)
        sources = {**self.sources, **{t: "given by the user" for t in values}}
        data: dict[str, Any] = {**self.values_s_per_m(), **values}
        return NerveConductivity(label, sources=sources, description=self.description, **data)


def conductivity_names() -> list[str]:
    """Names of the shipped sets, sorted."""
    return shipped_names("conductivity", ".toml")


def _shipped(name: str) -> NerveConductivity:
    data = tomllib.loads(shipped_text("conductivity", f"{name}.toml"))
    values = {t: data[t]["value"] for t in TISSUES}
    sources = {t: f"[{data[t]['tag']}] {data[t]['source']}" for t in TISSUES}
    return NerveConductivity(
        name=str(data["name"]), sources=sources, description=str(data["description"]), **values
    )


def nerve_conductivity(
    spec: str | Path | dict[str, Any] | NerveConductivity = DEFAULT_SET,
    *,
    base: str = DEFAULT_SET,
) -> NerveConductivity:
    """A conductivity set: a shipped name, a user file's path, a table, or a set as is.

    A file or table holds tissue keys (S/m) and optionally ``base``; the keys it leaves out
    take ``base``'s values (the table's own ``base`` wins over the argument).

    Raises
    ------
    InputError
        Unknown set or key, a value that is not a finite number in (0, 1000] S/m.
    """
    if isinstance(spec, NerveConductivity):
        return spec
    if isinstance(spec, str) and spec in conductivity_names():
        return _shipped(spec)
    origin = "table"
    if isinstance(spec, str | Path):
        path = Path(spec)
        if path.suffix != ".toml" or not path.is_file():
            raise InputError(
                "conductivity",
                str(spec),
                f"unknown set; shipped: {', '.join(conductivity_names())}, or a .toml file",
            )
        origin = str(path)
        spec = read_toml(path, "conductivity")
    if not isinstance(spec, dict):
        raise InputError("conductivity", spec, "a set name, a .toml path or a table of tissues")
    check_keys(spec, (*TISSUES, "base", "name"), "conductivity")
    start = str(spec.get("base", base))
    if start not in conductivity_names():
        raise InputError("conductivity.base", start, f"one of {', '.join(conductivity_names())}")
    values = {t: spec[t] for t in TISSUES if t in spec}
    for t, v in values.items():
        values[t] = number(f"conductivity.{t}", v, high=MAX_SIGMA_S_PER_M, unit="S/m")
    out = _shipped(start).with_values(**values)
    return replace(out, name=str(spec.get("name", f"{origin} (base {start})")))


__all__ = [
    "DEFAULT_SET",
    "TISSUES",
    "NerveConductivity",
    "conductivity_names",
    "nerve_conductivity",
]
