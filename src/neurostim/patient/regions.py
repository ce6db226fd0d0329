"""Pain regions: named sets of dermatomes on one or both sides (``data/regions.toml``).

A virtual patient's pain lives in regions (``back``, ``leg_left``, ``feet`` ...). A region's
coverage by a stimulation program is read from the spinal-cord map's dermatome rows
(:meth:`neurostim.pipeline.scs.SpinalMap.dermatome_rows`), one cell per dermatome and side.
The shipped regions follow patient-clinic.md §1.1 (docs/reference/); a user may pass their own
table of the same keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neurostim._data import read_data_toml
from neurostim.errors import InputError

SIDES = ("left", "right")
KEYS = {"dermatomes", "sides", "dermatomal", "source"}


@dataclass(frozen=True)
class Region:
    """One pain region: the (dermatome, side) cells a field must reach to cover it."""

    name: str
    dermatomes: tuple[str, ...]
    sides: tuple[str, ...]
    dermatomal: bool
    source: str

    @property
    def cells(self) -> tuple[tuple[str, str], ...]:
        """``(dermatome, side)`` pairs of the region, dermatome-major."""
        return tuple((d, s) for d in self.dermatomes for s in self.sides)


def _region(name: str, table: dict[str, Any]) -> Region:
    # dict.keys: listing the keys is not reading them (tests/test_data_keys.py)
    unknown = set(dict.keys(table)) - KEYS
    if unknown:
        allowed = f"keys are {', '.join(sorted(KEYS))}"
        raise InputError(f"regions.{name}", sorted(unknown)[0], allowed)
    dermatomal = table.get("dermatomal", True)
    if not isinstance(dermatomal, bool):
        raise InputError(f"regions.{name}.dermatomal", dermatomal, "true or false")
    dermatomes = tuple(str(d) for d in table.get("dermatomes", []))
    sides = tuple(str(s) for s in table.get("sides", []))
    for side in sides:
        if side not in SIDES:
            raise InputError(f"regions.{name}.sides", side, "left or right")
    if dermatomal and not (dermatomes and sides):
        raise InputError(
            f"regions.{name}.dermatomes", list(dermatomes),
            "a dermatomal region names at least one dermatome and one side",
        )  # fmt: skip
    return Region(name, dermatomes, sides, dermatomal, str(table.get("source", "")))


def load_regions(path: str | Path | None = None) -> dict[str, Region]:
    """The pain regions, by name: the shipped table or the TOML file at ``path``."""
    data = read_data_toml("neurostim.patient", "regions.toml", path, "regions file")
    return {name: _region(name, table) for name, table in data.items()}
