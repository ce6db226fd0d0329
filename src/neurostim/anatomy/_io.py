"""Private helpers: TOML and CSV reading, shipped data, pydantic errors as ``InputError``."""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from neurostim.errors import InputError


def read_toml(path: str | Path, what: str = "file") -> dict[str, Any]:
    """Read a TOML file; an unreadable or malformed file raises :class:`InputError`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            what, str(path), f"cannot read the file ({exc.__class__.__name__})"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(what, str(path), f"malformed TOML: {exc}") from None


def shipped_text(*parts: str) -> str:
    """Text of a file shipped in ``neurostim/anatomy/data``."""
    return resources.files("neurostim.anatomy").joinpath("data", *parts).read_text("utf-8")


def shipped_names(folder: str, suffix: str) -> list[str]:
    """Stems of the shipped files ``data/<folder>/*<suffix>``, sorted."""
    root = resources.files("neurostim.anatomy").joinpath("data", folder)
    return sorted(p.name[: -len(suffix)] for p in root.iterdir() if p.name.endswith(suffix))


def finite_number(value: Any) -> float:
    """A real number as float; refuses booleans, strings and non-finite values."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, not {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return float(value)


def check_keys(data: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    """Refuse keys of ``data`` that are not in ``allowed`` (names the key and the choices)."""
    allowed = sorted(allowed)
    for key in data:
        if key not in allowed:
            field = f"{where}.{key}" if where else str(key)
            raise InputError(
                field,
                data[key] if _scalar(data[key]) else "{...}",
                f"unknown key; allowed keys: {', '.join(allowed)}",
            )


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


UNIT_SUFFIXES = {"_mm": " mm", "_um": " um", "_deg": " deg"}


def _metadata(annotation: Any) -> list[Any]:
    """Constraint objects of an ``Annotated`` type (FieldInfo contents unpacked)."""
    if get_origin(annotation) is not Annotated:
        return []
    out: list[Any] = []
    for m in get_args(annotation)[1:]:
        out.extend(m.metadata if isinstance(m, FieldInfo) else [m])
    return out


def allowed_range(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """The allowed range of the field at ``loc`` in ``model`` (from its constraints), or ''."""
    cls: Any = model
    metas: list[Any] = []
    unit = ""
    for part in loc:
        fields = getattr(cls, "model_fields", None)
        if isinstance(part, str) and fields is not None and part in fields:
            sigma = getattr(cls, "__name__", "") == "ConductivitySet"
            info = fields[part]
            cls, metas = info.annotation, list(info.metadata)
            unit = next((u for s, u in UNIT_SUFFIXES.items() if part.endswith(s)), "")
            unit = " S/m" if sigma else unit
        elif isinstance(part, int) and get_origin(cls) in (tuple, list):
            item = get_args(cls)[0]
            cls, metas = (
                (get_args(item)[0] if get_origin(item) is Annotated else item),
                _metadata(item),
            )
        else:
            return ""
    lo: Any = None
    hi: Any = None
    lo_open = hi_open = False
    for m in metas:  # pydantic's Ge/Gt/Le/Lt constraint objects
        if hasattr(m, "ge"):
            lo = m.ge
        elif hasattr(m, "gt"):
            lo, lo_open = m.gt, True
        elif hasattr(m, "le"):
            hi = m.le
        elif hasattr(m, "lt"):
            hi, hi_open = m.lt, True
    if lo is None and hi is None:
        return ""
    low = "-inf" if lo is None else f"{lo:g}"
    high = "inf" if hi is None else f"{hi:g}"
    return f"allowed {'(' if lo_open else '['}{low}, {high}{')' if hi_open else ']'}{unit}"


def validated(model: type[BaseModel], data: dict[str, Any], prefix: str = "") -> Any:
    """``model.model_validate(data)``; the first error becomes an :class:`InputError`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        inner = first.get("ctx", {}).get("error")
        if isinstance(inner, InputError):
            raise InputError(inner.field, inner.value, inner.message) from None
        loc = tuple(first.get("loc", ()))
        field = _dotted(((prefix,) if prefix else ()) + loc)
        value = first.get("input")
        if isinstance(value, dict):
            value = "{...}"
        msg = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        hint = getattr(model, "error_hints", {}).get(field)
        msg = f"{hint}: {msg}" if hint else msg
        rng = allowed_range(model, loc)
        more = len(exc.errors()) - 1
        text = msg + (f"; {rng}" if rng else "") + (f" ({more} more problem(s))" if more else "")
        raise InputError(field, value, text) from None


@functools.cache
def levels_document() -> dict[str, Any]:
    """The shipped ``data/spinal_cord/levels.toml``, parsed once."""
    return tomllib.loads(shipped_text("spinal_cord", "levels.toml"))


def rules() -> dict[str, float]:
    """The geometric rules of ``levels.toml`` (``[rules]``)."""
    return {k: float(v) for k, v in levels_document()["rules"].items()}


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def resolve_level(level: Any) -> str:
    """The shipped level's name for ``level`` or one of its aliases."""
    doc = levels_document()
    if isinstance(level, str) and level in doc["levels"]:
        return level
    if isinstance(level, str) and level in doc["aliases"]:
        return str(doc["aliases"][level])
    allowed = [*doc["levels"], *sorted(doc["aliases"])]
    raise InputError("level", level, f"unknown level; allowed: {', '.join(allowed)}")
