"""Helpers for the package's data files (TOML tables) shared by every stage."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from neurostim.errors import InputError


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` merged into a copy of ``base``: tables recurse, everything else replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def read_data_toml(package: str, name: str, path: str | Path | None, what: str) -> dict[str, Any]:
    """The tables of a TOML file: the package's shipped ``data/<name>`` when ``path`` is None,
    else the user's file; an unreadable file or bad TOML is an InputError naming ``what``."""
    if path is None:
        text = resources.files(package).joinpath(f"data/{name}").read_text(encoding="utf-8")
    else:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise InputError(what, str(path), f"a readable TOML file ({exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(what, str(path), f"valid TOML ({exc})") from None
