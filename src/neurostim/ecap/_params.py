"""The ECAP parameters of ``data/ecap.toml``: each entry a table with ``value``, ``tag`` and
``source``; :func:`ecap_parameters` returns the values, with a caller's overrides merged in."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from neurostim._data import deep_merge, read_data_toml
from neurostim.errors import InputError


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, Any]:
    return read_data_toml("neurostim.ecap", "ecap.toml", None, "ecap parameters")


def parameter_table() -> list[dict[str, Any]]:
    """Every shipped parameter as a row: ``section``, ``name``, ``value``, ``tag``, ``source``."""
    rows = []
    for section, table in _shipped().items():
        for name, entry in table.items():
            rows.append({"section": section, "name": name, "value": entry["value"],
                         "tag": entry["tag"], "source": entry["source"]})  # fmt: skip
    return rows


def ecap_parameters(overrides: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """``{section: {name: value}}`` of the shipped file, ``overrides`` (same shape) merged in;
    an unknown section or name, or a value of another type, is refused."""
    values = {s: {n: e["value"] for n, e in t.items()} for s, t in _shipped().items()}
    for section, table in (overrides or {}).items():
        if section not in values or not isinstance(table, Mapping):
            raise InputError("params", section, f"one of the sections {sorted(values)}")
        for name, value in table.items():
            if name not in values[section]:
                raise InputError(f"params.{section}", name, f"one of {sorted(values[section])}")
            old = values[section][name]
            numeric = isinstance(old, int | float) and not isinstance(old, bool)
            if numeric and not (isinstance(value, int | float) and not isinstance(value, bool)):
                raise InputError(f"params.{section}.{name}", value, "a number")
            if isinstance(old, str) and not isinstance(value, str):
                raise InputError(f"params.{section}.{name}", value, "a text value")
    return deep_merge(values, overrides or {})
