"""Leads and their contacts, as data.

A lead file (TOML) holds the lead's ``id``, ``name``, ``kind``, ``representative`` (true where
the geometry is not confirmed from a manual), ``source`` and a list of ``[[contacts]]``, each with
an ``id`` (``E1``..``En``), ``position_mm`` (contact centre in lead coordinates, mm: z along the
lead axis from E1, x lateral, y dorsal-ventral), ``shape`` (``ring`` or ``rectangle``), its
dimensions and ``surface_area_mm2``.

Shipped leads: ``percutaneous-8``, ``paddle-16``, ``drg-4``, ``pns-4`` (device reference §3).
Users add their own with :func:`load_lead_file`, a path in a program's ``leads`` list, or a
directory of ``<id>.toml`` files named in the environment variable ``NEUROSTIM_LEAD_PATH``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, field_validator

from neurostim.device._private import (
    catalog_files,
    find_catalog_file,
    read_toml,
    search_dirs,
    validate_model,
)
from neurostim.errors import InputError

LEAD_PATH_ENV = "NEUROSTIM_LEAD_PATH"


class Contact(BaseModel):
    """One electrode contact of a lead.

    Attributes
    ----------
    id : str
        ``E1``..``En`` within its lead.
    position_mm : tuple of 3 floats
        Contact centre in lead coordinates (mm).
    shape : {"ring", "rectangle", "disc"}
    surface_area_mm2 : float
        Geometric surface area (mm²), used for charge density.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    position_mm: tuple[float, float, float]
    shape: Literal["ring", "rectangle", "disc"]
    surface_area_mm2: float = Field(gt=0)
    diameter_mm: float | None = Field(default=None, gt=0)
    length_mm: float | None = Field(default=None, gt=0)
    width_mm: float | None = Field(default=None, gt=0)


class Lead(BaseModel):
    """A lead model: its contacts in order, with positions and areas."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    name: str
    kind: str
    representative: bool
    source: str
    contacts: list[Contact] = Field(min_length=1)

    @field_validator("contacts")
    @classmethod
    def _unique_ids(cls, contacts: list[Contact]) -> list[Contact]:
        ids = [c.id for c in contacts]
        if len(set(ids)) != len(ids):
            raise ValueError(f"contact ids must be unique, got {ids}")
        return contacts

    @property
    def n_contacts(self) -> int:
        return len(self.contacts)

    @property
    def contact_ids(self) -> list[str]:
        return [c.id for c in self.contacts]

    def positions_mm(self) -> NDArray[np.float64]:
        """Contact centres, array of shape (n_contacts, 3), lead coordinates in mm."""
        return np.array([c.position_mm for c in self.contacts], dtype=np.float64)

    def surface_areas_mm2(self) -> NDArray[np.float64]:
        """Contact surface areas, array of shape (n_contacts,), mm²."""
        return np.array([c.surface_area_mm2 for c in self.contacts], dtype=np.float64)


def load_lead_file(path: str | Path) -> Lead:
    """Load a user's lead file (TOML, the shape of the shipped ones).

    Raises
    ------
    InputError
        Unreadable file, malformed TOML, a missing or mistyped key.
    """
    return validate_model(Lead, read_toml(Path(path), "lead"), prefix="")


@functools.lru_cache(maxsize=64)
def _load_cached(path: Path, mtime_ns: int) -> Lead:
    return load_lead_file(path)


def load_lead(ident: str, *, base_dir: Path | None = None) -> Lead:
    """Load a lead by id (``"percutaneous-8"``) or by path to a ``.toml`` file.

    Ids are looked up in the directories of ``NEUROSTIM_LEAD_PATH`` first, then in the shipped
    catalog; relative paths resolve against ``base_dir`` (a program file's folder).
    """
    if not isinstance(ident, str):
        raise InputError("lead", ident, "a lead id must be a string")
    path = find_catalog_file("lead", "leads", ident, LEAD_PATH_ENV, base_dir)
    return _load_cached(path.resolve(), path.stat().st_mtime_ns)


def list_leads() -> list[str]:
    """Ids of the leads available: shipped ones and those in ``NEUROSTIM_LEAD_PATH``."""
    ids = set(catalog_files("leads"))
    for directory in search_dirs(LEAD_PATH_ENV):
        if directory.is_dir():
            ids.update(p.stem for p in directory.glob("*.toml"))
    return sorted(ids)
