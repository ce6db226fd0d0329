"""Shipped DRG levels and the loader: defaults, a user geometry file and overrides.

``data/levels.toml`` holds, per level (L1-L5, S1; default L5 = the reference configuration
RC-L5 of drg.md §6.1), one row per parameter with its default (``mean`` or ``value``), the
allowed range (``min``, ``max``), a tag (S, R, V, ours) and a source; ``[common]`` rows apply to
every level unless the level gives its own. A user geometry file is TOML with the keys of
:class:`~neurostim.drg.DRGGeometry` holding plain values::

    level = "L4"              # whose defaults fill every key left out
    lead_gap_mm = 0.5
    capsule_thickness_mm = 0.3
    lead = "my-drg-lead.toml" # a lead id, or a lead file (relative to this file)
    ranges = "physical"       # optional: lift the drg.md 6.1 ranges (an animal ganglion)
    [conductivity]            # optional: any tissue of data/conductivity.toml, S/m
    fat = 0.033

Unknown keys are refused with the list of allowed keys. ``drg_height_mm`` left out follows
``drg_width_mm`` (drg.md 6.1: height = width).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neurostim.anatomy._io import check_keys, read_toml, validated
from neurostim.anatomy.levels import ParameterRow, level_rows
from neurostim.drg._io import levels_document, resolve_level
from neurostim.drg.conductivity import DRG_TISSUES, DRGConductivity, drg_conductivity
from neurostim.drg.geometry import DRGGeometry
from neurostim.errors import InputError

DEFAULT_LEVEL = "L5"


DRGParameterRow = ParameterRow
"""One row of ``levels.toml``: a parameter's default, allowed range, tag and source."""


def drg_level_names() -> list[str]:
    """The shipped levels, rostral to caudal."""
    return list(levels_document()["levels"])


def level_parameters(level: str) -> dict[str, DRGParameterRow]:
    """Every row of a level (common rows merged), keyed by parameter name."""
    return level_rows(levels_document(), resolve_level(level))


def drg_level_defaults(level: str = DEFAULT_LEVEL) -> dict[str, Any]:
    """The defaults of a level as the plain data of a geometry file."""
    out: dict[str, Any] = {"level": resolve_level(level)}
    out.update({k: row.value for k, row in level_parameters(level).items()})
    return out


def drg_allowed_keys() -> list[str]:
    """Keys of a geometry file."""
    return sorted(DRGGeometry.model_fields)


def load_drg_geometry(
    level: str | None = None, file: str | Path | None = None, **overrides: Any
) -> DRGGeometry:
    """A DRG geometry: a level's defaults, then a user TOML file, then keyword overrides.

    Parameters
    ----------
    level : str, optional
        L1-L5 or S1 (default: the file's ``level``, else L5). A level that contradicts the
        file's is refused.
    file : path, optional
        Geometry TOML (module docstring). Keys it leaves out take the level's defaults.
    **overrides
        Any geometry key; ``conductivity`` is a table of tissues (S/m) or a
        :class:`~neurostim.drg.DRGConductivity`.

    Raises
    ------
    InputError
        Unknown key, wrong type, non-finite or out-of-range number, or impossible geometry:
        names the field, the value and the allowed range.
    """
    user: dict[str, Any] = read_toml(file, "geometry") if file is not None else {}
    if file is not None and isinstance(user.get("lead"), str) and user["lead"].endswith(".toml"):
        path = Path(user["lead"])
        user["lead"] = str(path if path.is_absolute() else Path(file).parent / path)
    user.update(overrides)
    check_keys(user, drg_allowed_keys(), "")
    chosen = _choose_level(level, file, user.get("level"))
    data = drg_level_defaults(chosen)
    if "drg_width_mm" in user and "drg_height_mm" not in user:
        data["drg_height_mm"] = user["drg_width_mm"]
    sigma = user.pop("conductivity", None)
    data.update({k: v for k, v in user.items() if k != "level"})
    data["level"] = chosen
    data["conductivity"] = _conductivity(sigma)
    return validated(DRGGeometry, data)


def _conductivity(sigma: Any) -> DRGConductivity:
    if sigma is None or sigma == "default":
        return drg_conductivity()
    if isinstance(sigma, DRGConductivity):
        return sigma
    if isinstance(sigma, dict):
        check_keys(sigma, DRG_TISSUES, "conductivity")
        return drg_conductivity(**sigma)
    raise InputError(
        "conductivity", sigma, "give a table of tissues (S/m) or leave it out (the default set)"
    )


def _choose_level(level: str | None, file: Any, in_file: Any) -> str:
    if in_file is not None and not isinstance(in_file, str):
        raise InputError("level", in_file, "expected a level name such as L5")
    if level is not None and in_file is not None and resolve_level(level) != resolve_level(in_file):
        raise InputError(
            "level",
            level,
            f"the geometry file {file} says level = {in_file!r}; give one level or leave it out",
        )
    return resolve_level(in_file or level or DEFAULT_LEVEL)


def drg_geometry_from_toml(path: str | Path) -> DRGGeometry:
    """The geometry described by a TOML file (its ``level`` gives the defaults)."""
    return load_drg_geometry(file=path)


__all__ = [
    "DEFAULT_LEVEL",
    "DRGParameterRow",
    "drg_allowed_keys",
    "drg_geometry_from_toml",
    "drg_level_defaults",
    "drg_level_names",
    "level_parameters",
    "load_drg_geometry",
]
