"""Helpers of the device layer: TOML reading, catalog search paths, stepped ranges."""

from __future__ import annotations

import functools
import math
import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from neurostim.errors import InputError

MAX_TOML_BYTES = 1_000_000
"""Largest program, lead or profile file read (real ones are a few kB)."""
STEP_TOLERANCE = 1e-6
"""Relative tolerance (in steps) of the on-grid test: 2.05 mA on a 50 uA grid is on the grid."""


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """Read a UTF-8 TOML file (a byte-order mark is accepted); unreadable, binary or malformed
    files raise :class:`InputError`, and so do a device or pipe (``/dev/zero``) and a file over
    :data:`MAX_TOML_BYTES`, before they are read."""
    path = Path(path)
    if path.exists() and not path.is_dir() and not path.is_file():
        raise InputError(what, str(path), "is not a regular file")
    if path.is_file() and path.stat().st_size > MAX_TOML_BYTES:
        raise InputError(
            what, str(path), f"is {path.stat().st_size} bytes; at most {MAX_TOML_BYTES} are read"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            what, str(path), f"is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except OSError as exc:
        raise InputError(
            what, str(path), f"cannot read the file ({exc.strerror or exc.__class__.__name__})"
        ) from None
    return parse_toml_text(text, what, str(path))


def parse_toml_text(text: str, what: str, origin: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error raises :class:`InputError` naming the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(what, origin, f"malformed TOML: {exc}") from None


def pydantic_field(loc: tuple[Any, ...]) -> str:
    """Turn a pydantic error location into a dotted field name, e.g. ``trains[0].amplitude_ma``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def validate_model(model: type[BaseModel], data: Any, prefix: str = "") -> Any:
    """Validate ``data`` with a pydantic model; the first error becomes an :class:`InputError`."""
    if not isinstance(data, dict):
        raise InputError(prefix or "document", type(data).__name__, "expected a table of keys")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first.get("loc", ()))
        field = pydantic_field(((prefix,) if prefix else ()) + loc)
        value = first.get("input")
        n_more = len(exc.errors()) - 1
        more = f" ({n_more} more problem(s) in this file)" if n_more else ""
        raise InputError(field, _short(value), f"{first.get('msg', 'invalid')}{more}") from None


def _short(value: Any) -> Any:
    text = repr(value)
    return value if len(text) <= 60 else text[:57] + "..."


def catalog_files(kind: str) -> dict[str, Path]:
    """Ids and paths of the shipped catalog files of ``kind`` (``"leads"`` or ``"profiles"``)."""
    return dict(_shipped_files(kind))


@functools.cache
def _shipped_files(kind: str) -> tuple[tuple[str, Path], ...]:
    """The shipped catalog, listed once per process (package data does not change while it runs;
    every program check looks ids up here, and listing the folder each time cost most of it)."""
    root = resources.files("neurostim.device") / "data" / kind
    paths = (Path(str(p)) for p in root.iterdir() if str(p).endswith(".toml"))
    return tuple(sorted((p.stem, p.resolve()) for p in paths))


def search_dirs(env_var: str) -> list[Path]:
    """Directories named in the environment variable ``env_var`` (``os.pathsep``-separated)."""
    value = os.environ.get(env_var, "")
    return [Path(p) for p in value.split(os.pathsep) if p]


def find_catalog_file(
    kind: str, catalog: str, ident: str, env_var: str, base_dir: Path | None
) -> Path:
    """Resolve an id or a path to a catalog file.

    Order: an existing ``.toml`` path (relative to ``base_dir`` when given), then
    ``<dir>/<id>.toml`` for each directory of ``env_var``, then the shipped catalog.
    """
    if ident.endswith(".toml"):
        path = Path(ident)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if path.is_file():
            return path
        raise InputError(kind, ident, f"no such {kind} file")
    for directory in search_dirs(env_var):
        candidate = directory / f"{ident}.toml"
        if candidate.is_file():
            return candidate
    shipped = catalog_files(catalog)
    if ident in shipped:
        return shipped[ident]
    choices = ", ".join(sorted(shipped))
    raise InputError(
        kind,
        ident,
        f"unknown {kind} id; choose one of {choices}, a path to a .toml file, "
        f"or add a directory with <id>.toml to {env_var}",
    )


class Segment(BaseModel):
    """One piece of a stepped range: values ``min + k*step`` for integer ``k``, up to ``max``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min: float
    max: float
    step: float


class SteppedRange(BaseModel):
    """A range made of one or more stepped segments (piecewise step rules).

    Example: Axium amplitude ``0-2 mA in 0.025 mA steps, 2-6 mA in 0.05 mA steps`` is two
    segments. A value is allowed when it lies in a segment and on that segment's grid, anchored
    at the segment's ``min`` (within :data:`STEP_TOLERANCE` of a step).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    segments: list[Segment]

    @property
    def minimum(self) -> float:
        return min(s.min for s in self.segments)

    @property
    def maximum(self) -> float:
        return max(s.max for s in self.segments)

    def describe(self, unit: str) -> str:
        """The range in words, e.g. ``"0-2 mA in 0.025 mA steps, 2-6 mA in 0.05 mA steps"``."""
        parts = []
        for s in self.segments:
            if s.min == s.max:
                parts.append(f"{s.min:g} {unit}")
            else:
                parts.append(f"{s.min:g}-{s.max:g} {unit} in {s.step:g} {unit} steps")
        return ", ".join(parts)

    def problem(self, value: float) -> str | None:
        """None when ``value`` is allowed; otherwise what is wrong (no range text)."""
        if not math.isfinite(value):
            return "is not a finite number"
        if value < self.minimum - STEP_TOLERANCE * self.segments[0].step:
            return "is below the range"
        if value > self.maximum + STEP_TOLERANCE * self.segments[-1].step:
            return "is above the range"
        for s in self.segments:
            if s.min - STEP_TOLERANCE * s.step <= value <= s.max + STEP_TOLERANCE * s.step:
                if s.step <= 0:
                    return None
                k = (value - s.min) / s.step
                if abs(k - round(k)) <= STEP_TOLERANCE:
                    return None
        near = self.nearest(value)
        if len(near) == 1:
            return f"is not an allowed value (nearest: {near[0]:g})"
        return f"is not on the step grid (nearest: {near[0]:g} or {near[1]:g})"

    def nearest(self, value: float) -> list[float]:
        """The allowed values just below and above ``value`` (one when it is outside)."""
        below: float | None = None
        above: float | None = None
        for s in self.segments:
            if s.step <= 0 or s.min == s.max:
                grid = [s.min]
            else:
                k = math.floor((min(max(value, s.min), s.max) - s.min) / s.step)
                grid = [s.min + k * s.step, min(s.min + (k + 1) * s.step, s.max)]
            for g in grid:
                g = round(g, 9)
                if g <= value and (below is None or g > below):
                    below = g
                if g >= value and (above is None or g < above):
                    above = g
        return [v for v in (below, above) if v is not None]
