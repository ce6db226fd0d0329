"""Shipped spinal-cord levels and the loaders: defaults, user TOML files and overrides.

``data/spinal_cord/levels.toml`` holds, per vertebral level (C5, T8, T10, T12; L1, T12-L1 and
T12/L1 are aliases of T12), one row per parameter with its mean (the default), the human
sampling range (min, max), a source tag (S, R, ours) and a citation; ``[common]`` rows apply to
every level unless the level gives its own. A user anatomy file is TOML with the same keys as
:class:`SpinalCordAnatomy` holding plain values::

    level = "T10"            # whose defaults fill every key left out
    dcsf_mm = 3.0
    conductivity = "twente"  # or a table: [conductivity] dura = 0.1 (base = "lempka-like")
    [roots]
    bend_radius_mm = 1.5

Unknown keys are refused with the list of allowed keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neurostim._data import deep_merge
from neurostim.anatomy._io import (
    check_keys,
    levels_document,
    read_toml,
    resolve_level,
    validated,
)
from neurostim.anatomy.conductivity import TISSUES, ConductivitySet
from neurostim.anatomy.model import SpinalCordAnatomy
from neurostim.anatomy.parts import Fibers, GreyMatter, Roots
from neurostim.errors import InputError

DEFAULT_LEVEL = "T10"
TABLES: dict[str, type[Any]] = {"grey_matter": GreyMatter, "roots": Roots, "fibers": Fibers}
"""The nested tables of an anatomy and their models."""


@dataclass(frozen=True)
class ParameterRow:
    """One row of ``levels.toml``: a parameter's default, sampling range and source.

    ``mean``/``min``/``max`` are None for a non-numeric row (``value`` holds it).
    """

    name: str
    value: Any
    mean: float | None
    min: float | None
    max: float | None
    tag: str
    source: str


def level_names() -> list[str]:
    """The shipped levels, rostral to caudal."""
    return list(levels_document()["levels"])


def level_parameters(level: str) -> dict[str, ParameterRow]:
    """Every row of a level (common rows merged), keyed by dotted name (``roots.n_rootlets``)."""
    return level_rows(levels_document(), resolve_level(level), TABLES)


def level_rows(doc: dict[str, Any], name: str, tables: Any = ()) -> dict[str, ParameterRow]:
    """The rows of level ``name`` of a levels document (``[common]`` first, the level's own
    rows replacing them), keyed by name; a key in ``tables`` holds a table of rows, keyed
    ``table.key``."""
    rows: dict[str, ParameterRow] = {}
    for part in (doc["common"], doc["levels"][name]):
        for key, row in part.items():
            if key in tables:
                for sub, r in row.items():
                    rows[f"{key}.{sub}"] = _row(f"{key}.{sub}", r)
            else:
                rows[key] = _row(key, row)
    return rows


def _row(name: str, row: dict[str, Any]) -> ParameterRow:
    value = row.get("value", row.get("mean"))
    return ParameterRow(
        name,
        value,
        row.get("mean"),
        row.get("min"),
        row.get("max"),
        str(row["tag"]),
        str(row["source"]),
    )


def level_defaults(level: str) -> dict[str, Any]:
    """The defaults of a level as the nested plain data of an anatomy file."""
    out: dict[str, Any] = {"level": resolve_level(level)}
    for dotted, row in level_parameters(level).items():
        if "." in dotted:
            table, key = dotted.split(".", 1)
            out.setdefault(table, {})[key] = row.value
        else:
            out[dotted] = row.value
    return out


def allowed_keys() -> list[str]:
    """Top-level keys of an anatomy file."""
    return sorted(SpinalCordAnatomy.model_fields)


def load_anatomy(
    level: str | None = None, file: str | Path | None = None, **overrides: Any
) -> SpinalCordAnatomy:
    """An anatomy: a level's defaults, then a user TOML file, then keyword overrides.

    Parameters
    ----------
    level : str, optional
        Shipped level (or alias) whose defaults fill every key left out. Default: the file's
        ``level``, else ``"T10"``. A level that contradicts the file's is refused.
    file : path, optional
        Anatomy TOML (module docstring). Keys it leaves out take the level's defaults.
    **overrides
        Any anatomy key; a table (``roots={"bend_radius_mm": 1.5}``) merges key by key;
        ``conductivity`` is a set name, a :class:`ConductivitySet`, a table of tissues
        (``base`` = the set it starts from, default the level's) or the path of a set file
        (in an anatomy file: relative to that file).

    Raises
    ------
    InputError
        Unknown key, wrong type, non-finite or out-of-range number, or impossible geometry:
        names the field, the value and the allowed range.
    """
    user: dict[str, Any] = read_toml(file, "anatomy") if file is not None else {}
    user = deep_merge(user, overrides)
    check_keys(user, allowed_keys(), "")
    for table, model in TABLES.items():
        if table in user:
            if not isinstance(user[table], dict):
                raise InputError(table, user[table], "expected a table of keys")
            check_keys(user[table], model.model_fields, table)
    chosen = _choose_level(level, file, user.get("level"))
    data = deep_merge(level_defaults(chosen), {k: v for k, v in user.items() if k != "level"})
    data["level"] = resolve_level(chosen)
    conductivity = data.get("conductivity")
    if isinstance(conductivity, dict) and "name" not in conductivity:
        check_keys(conductivity, (*TISSUES, "base"), "conductivity")
        default = level_defaults(chosen)["conductivity"]
        data["conductivity"] = {"base": default, **conductivity}
    elif isinstance(conductivity, str) and conductivity.endswith(".toml") and file is not None:
        path = Path(conductivity)  # a set file named in the anatomy file: relative to it
        data["conductivity"] = str(path if path.is_absolute() else Path(file).parent / path)
    elif conductivity is not None and not isinstance(conductivity, str | dict | ConductivitySet):
        raise InputError("conductivity", conductivity, "give a set name or a table of tissues")
    return validated(SpinalCordAnatomy, data)


def anatomy_from_toml(path: str | Path) -> SpinalCordAnatomy:
    """The anatomy described by a TOML file (its ``level`` gives the defaults)."""
    return load_anatomy(file=path)


def _choose_level(level: str | None, file: Any, in_file: Any) -> str:
    if in_file is not None and not isinstance(in_file, str):
        raise InputError("level", in_file, "expected a level name such as T10")
    if level is not None and in_file is not None and resolve_level(level) != resolve_level(in_file):
        raise InputError(
            "level",
            level,
            f"the anatomy file {file} says level = {in_file!r}; give one level or leave it out",
        )
    return resolve_level(in_file or level or DEFAULT_LEVEL)


__all__ = [
    "DEFAULT_LEVEL",
    "ParameterRow",
    "allowed_keys",
    "anatomy_from_toml",
    "level_defaults",
    "level_names",
    "level_parameters",
    "load_anatomy",
    "resolve_level",
]
