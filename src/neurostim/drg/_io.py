"""Private helpers: the shipped DRG data files, parsed once.

TOML reading, unknown-key refusals and pydantic errors as ``InputError`` are the anatomy
package's helpers (one reader for every anatomy file).
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

from neurostim.errors import InputError


def shipped_text(name: str) -> str:
    """Text of ``neurostim/drg/data/<name>``."""
    return resources.files("neurostim.drg").joinpath("data", name).read_text("utf-8")


@functools.cache
def levels_document() -> dict[str, Any]:
    """``data/levels.toml``, parsed once."""
    return tomllib.loads(shipped_text("levels.toml"))


@functools.cache
def neurons_document() -> dict[str, Any]:
    """``data/neurons.toml``, parsed once."""
    return tomllib.loads(shipped_text("neurons.toml"))


@functools.cache
def conductivity_document() -> dict[str, Any]:
    """``data/conductivity.toml``, parsed once."""
    return tomllib.loads(shipped_text("conductivity.toml"))


def rules() -> dict[str, float]:
    """The geometric rules of ``levels.toml`` (``[rules]``)."""
    return {k: float(v) for k, v in levels_document()["rules"].items()}


def resolve_level(level: Any) -> str:
    """A shipped level name (L1-L5, S1; case-insensitive)."""
    names = list(levels_document()["levels"])
    if isinstance(level, str) and level.upper() in names:
        return level.upper()
    raise InputError("level", level, f"unknown DRG level; allowed: {', '.join(names)}")
