"""Private helpers: read TOML files and turn pydantic errors into ``InputError``."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
import types
import typing
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from neurostim.errors import InputError

MAX_TOML_BYTES = 10_000_000
"""Largest TOML file read (10 MB); a program or drug library is a few kB."""


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file (UTF-8, a byte-order mark allowed); a file that is too large, not UTF-8
    or not TOML becomes an ``InputError`` naming the file."""
    p = Path(path)
    with p.open("rb") as fh:
        raw = fh.read(MAX_TOML_BYTES + 1)
    if len(raw) > MAX_TOML_BYTES:
        raise InputError(
            str(p), "", f"larger than {MAX_TOML_BYTES:,} bytes: not a TOML file to read"
        )
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(p), "", f"not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(str(p), "", f"not a UTF-8 text file: {exc.reason}") from None


def read_shipped(name: str) -> dict[str, Any]:
    """Read a TOML file shipped in ``neurostim/intrathecal/data``."""
    text = resources.files("neurostim.intrathecal").joinpath("data", name).read_text("utf-8")
    return tomllib.loads(text)


def input_error_from(
    exc: ValidationError, prefix: str = "", model: type[BaseModel] | None = None
) -> InputError:
    """The first pydantic error as an ``InputError`` (field, value, message); count the rest.

    With ``model`` (the class validated), a number out of its bounds or not finite gets the
    field's allowed range in the message.
    """
    errs = exc.errors()
    first = errs[0]
    field = ".".join(str(p) for p in first["loc"])
    if prefix:
        field = f"{prefix}.{field}" if field else prefix
    more = f" (and {len(errs) - 1} more error(s))" if len(errs) > 1 else ""
    value = first.get("input", "")
    if isinstance(value, dict):
        value = "{...}"
    elif isinstance(value, dt.date):
        value = value.isoformat()
    message = first["msg"].removeprefix("Value error, ")
    bounds = None if model is None else allowed_range(model, first["loc"])
    if bounds is not None and first["type"] in _NUMBER_ERRORS:
        message = f"{message}; allowed range {bounds}"
    return InputError(field, value, f"{message}{more}")


_NUMBER_ERRORS = {
    "finite_number",
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
}


def _submodel(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``annotation`` (``M``, ``M | None``, ``tuple[M, ...]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found = _submodel(arg)
            if found is not None:
                return found
    return None


def allowed_range(model: type[BaseModel], loc: tuple[int | str, ...]) -> str | None:
    """The bounds of the number field at ``loc`` of ``model`` as text, e.g. ``(0, 1000]``."""
    cls: type[BaseModel] | None = model
    info = None
    for part in loc:
        if isinstance(part, int):
            continue
        if cls is None or part not in cls.model_fields:
            return None
        info = cls.model_fields[part]
        cls = _submodel(info.annotation)
    if info is None:
        return None
    limits = {
        name: getattr(m, name)
        for m in info.metadata
        for name in ("gt", "ge", "lt", "le")
        if hasattr(m, name)
    }
    lo, hi = (
        limits.get("ge", limits.get("gt", -math.inf)),
        limits.get("le", limits.get("lt", math.inf)),
    )
    lo_open, hi_open = "ge" not in limits, "le" not in limits
    return f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'} (finite)"
