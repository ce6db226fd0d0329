"""Thresholds of the outcome measures (``data/outcomes.toml``), read once."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from neurostim.anatomy._io import validated

Fraction = Annotated[float, Field(gt=0.0, le=1.0)]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str


class _Relief(_Table):
    relief_min: Fraction


class _Remitter(_Table):
    nrs_max: Annotated[float, Field(ge=0.0, le=10.0)]


class _McidPain(_Table):
    points_min: Annotated[float, Field(gt=0.0, le=10.0)]
    relief_min: Fraction


class _McidOdi(_Table):
    points_min: Annotated[float, Field(gt=0.0, le=100.0)]


class _Pgic(_Table):
    improved_max: Annotated[int, Field(ge=1, le=7)]
    dissatisfied_min: Annotated[int, Field(ge=1, le=7)]


class _Regions(_Table):
    back: tuple[str, ...]
    leg: tuple[str, ...]


class OutcomeParameters(BaseModel):
    """The thresholds of ``data/outcomes.toml``, each table with its ``source``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    responder: _Relief
    responder30: _Relief
    responder80: _Relief
    remitter: _Remitter
    mcid_pain: _McidPain
    mcid_odi: _McidOdi
    pgic: _Pgic
    regions: _Regions


@functools.cache
def outcome_parameters() -> OutcomeParameters:
    """The shipped thresholds (``neurostim/clinic/data/outcomes.toml``)."""
    text = resources.files("neurostim.clinic").joinpath("data", "outcomes.toml").read_text("utf-8")
    result: OutcomeParameters = validated(OutcomeParameters, tomllib.loads(text), "outcomes")
    return result
