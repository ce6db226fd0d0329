"""Private helpers: read TOML files and turn pydantic errors into ``InputError``."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from neurostim.errors import InputError


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file; a syntax error becomes an ``InputError`` naming the file."""
    p = Path(path)
    with p.open("rb") as fh:
        try:
            return tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(str(p), "", f"not valid TOML: {exc}") from None
        except UnicodeDecodeError as exc:
            raise InputError(str(p), "", f"not a UTF-8 text file: {exc.reason}") from None


def read_shipped(name: str) -> dict[str, Any]:
    """Read a TOML file shipped in ``neurostim/intrathecal/data``."""
    text = resources.files("neurostim.intrathecal").joinpath("data", name).read_text("utf-8")
    return tomllib.loads(text)


def input_error_from(exc: ValidationError, prefix: str = "") -> InputError:
    """The first pydantic error as an ``InputError`` (field, value, message); count the rest."""
    errs = exc.errors()
    first = errs[0]
    field = ".".join(str(p) for p in first["loc"])
    if prefix:
        field = f"{prefix}.{field}" if field else prefix
    more = f" (and {len(errs) - 1} more error(s))" if len(errs) > 1 else ""
    value = first.get("input", "")
    if isinstance(value, dict):
        value = "{...}"
    return InputError(field, value, f"{first['msg']}{more}")


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into a copy of ``base``: tables recurse, everything else replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out
