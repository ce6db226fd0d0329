"""Opioid conversion to intrathecal (IT) morphine (data in ``data/conversions.toml``).

``IT morphine mg = dose_mg / per_mg_it_morphine``: IV 100, epidural 10, IT 1 (R33, the commonest
answer of 83 pain specialists, with wide spread); IT hydromorphone 1/6 (one clinic, R33); oral
morphine = IV x ``oral_to_iv`` (3 European convention, 2 in Canada, R52) -> oral:IT 300:1 [C].
Checked in ``tests/intrathecal/test_conversions.py`` against these ratios. A starting estimate
only: conversions between routes vary widely between patients and clinicians.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from neurostim.errors import InputError
from neurostim.intrathecal._loading import read_shipped


class Route(BaseModel):
    """One route's ratio to intrathecal morphine (or, for oral, to IV morphine) and its source."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    per_mg_it_morphine: float | None = Field(default=None, gt=0)
    per_mg_iv_morphine: float | None = Field(default=None, gt=0)
    source: str = Field(min_length=1)


@lru_cache(maxsize=1)
def _routes() -> dict:
    routes = read_shipped("conversions.toml")["routes"]
    for table in routes.values():
        Route(**table)  # the shipped data keep their shape and cite their source
    return routes


def conversion_routes() -> list[str]:
    """Route/drug names accepted by :func:`to_intrathecal_morphine_mg`."""
    return sorted(_routes())


def to_intrathecal_morphine_mg(
    dose_mg: float, route: str, oral_to_iv: float | None = None
) -> float:
    """Intrathecal-morphine equivalent (mg) of ``dose_mg`` given by ``route``.

    ``oral_to_iv`` overrides the oral:IV ratio of the data (3) for ``oral_morphine``.
    """
    routes = _routes()
    if route not in routes:
        raise InputError("route", route, f"choose one of {sorted(routes)}")
    if dose_mg < 0:
        raise InputError("dose_mg", dose_mg, "must be >= 0")
    entry = routes[route]
    if "per_mg_iv_morphine" in entry:
        ratio = entry["per_mg_iv_morphine"] if oral_to_iv is None else oral_to_iv
        if not ratio > 0:
            raise InputError("oral_to_iv", ratio, "must be > 0")
        return dose_mg / ratio / routes["iv_morphine"]["per_mg_it_morphine"]
    return dose_mg / entry["per_mg_it_morphine"]
