"""Private helpers: shipped data, rows with sources, number checks as ``InputError``."""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from neurostim.errors import InputError


def shipped_text(*parts: str) -> str:
    """Text of a file shipped in ``neurostim/nerve/data``."""
    return resources.files("neurostim.nerve").joinpath("data", *parts).read_text("utf-8")


def shipped_names(folder: str, suffix: str) -> list[str]:
    """Stems of the shipped files ``data/<folder>/*<suffix>``, sorted."""
    root = resources.files("neurostim.nerve").joinpath("data", folder)
    return sorted(p.name[: -len(suffix)] for p in root.iterdir() if p.name.endswith(suffix))


@functools.cache
def shipped_toml(name: str) -> dict[str, Any]:
    """A shipped TOML document (``sites.toml``, ``cuffs.toml``), parsed once."""
    return tomllib.loads(shipped_text(name))


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """A user's TOML file; an unreadable or malformed file is an :class:`InputError`."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            what, str(path), f"a readable TOML file ({exc.__class__.__name__})"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(what, str(path), f"valid TOML ({exc})") from None


def check_keys(data: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    """Refuse keys of ``data`` not in ``allowed``, naming the key and the allowed keys."""
    allowed = sorted(allowed)
    for key in data:
        if key not in allowed:
            field = f"{where}.{key}" if where else str(key)
            value = data[key] if isinstance(data[key], str | int | float | bool) else "{...}"
            raise InputError(field, value, f"unknown key; allowed keys: {', '.join(allowed)}")


def number(
    field: str,
    value: Any,
    *,
    low: float = 0.0,
    high: float = math.inf,
    low_open: bool = True,
    unit: str = "",
) -> float:
    """``value`` as a finite float in the range, else an InputError naming field and range."""
    lo = "(" if low_open else "["
    allowed = f"a number in {lo}{low:g}, {high:g}]{' ' + unit if unit else ''}"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(field, value, allowed)
    v = float(value)
    if v < low or (low_open and v == low) or v > high:
        raise InputError(field, value, allowed)
    return v


def row_values(table: Mapping[str, Any]) -> dict[str, Any]:
    """``{key: row["value"]}`` of a table of ``{value, tag, source}`` rows."""
    return {k: r["value"] for k, r in table.items()}
