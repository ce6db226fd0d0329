"""Complications of an implant as competing events with their timing, sampled per patient.

Each kind (infection, lead migration, hardware failure, ...) has a cumulative incidence
``F(t)``, the probability that the event has happened by ``t`` months after the implant, in one
of three forms (parameters in ``data/pathway.toml``, sources beside each value):

* ``mixture`` (early events, a cure fraction): ``F(t) = p_inf (1 - exp(-(t / scale)^k))``.
  A share ``s`` of the events falls by ``t_s`` months, so
  ``scale = t_s / (-ln(1 - s))^(1/k)``; the incidence reported at ``t_ref`` months, ``q``,
  gives ``p_inf = q / (1 - exp(-(t_ref / scale)^k))`` (``t_ref = inf``: ``p_inf = q``).
  ``k < 1`` puts most of the mass early (hazard falling with time).
* ``weibull`` (late events, no cure fraction): ``F(t) = 1 - exp(-(t / scale)^k)`` with
  ``F(t_ref) = q``, so ``scale = t_ref / (-ln(1 - q))^(1/k)``; ``k = 1`` is a constant hazard,
  ``k > 1`` a rising one (wear).
* ``uniform`` (events within hours or days): ``F(t) = q min(t / w, 1)``.

``per_lead``: ``q`` is per lead and a patient with ``L`` leads has ``1 - (1 - q)^L``.

Sampling is inverse-transform, vectorized over patients: with ``U ~ Uniform(0, 1)``,
``t = scale (-ln(1 - U / p_inf))^(1/k)`` where ``U < p_inf`` (mixture; never otherwise),
``t = scale (-ln(1 - U))^(1/k)`` (weibull), ``t = w U / q`` where ``U < q`` (uniform).
Times past the horizon are ``inf`` (not within the horizon). Each kind happens at most once per
patient; the kinds compete only through the pathway (an explant stops every later device event).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.errors import InputError

TIMINGS = ("mixture", "weibull", "uniform")
EFFECTS = ("none", "inactive", "lead_shift")
OUTCOMES = ("none", "revision", "explant")
"""Values of :attr:`ComplicationDraw.outcome`: treated without surgery, revised, explanted."""


@dataclass(frozen=True)
class Complication:
    """One kind of complication: its cumulative incidence, timing and consequence."""

    name: str
    timing: str
    cumulative: float
    """q: incidence by ``cumulative_months`` (per lead when ``per_lead``)"""
    cumulative_months: float
    shape: float
    share: float
    share_months: float
    within_months: float
    per_lead: bool
    explant_fraction: float
    revision_fraction: float
    revision_delay_days: float
    effect: str
    source: str

    def scale_months(self) -> float:
        """Weibull scale (months) of the mixture and weibull forms; ``within_months`` else."""
        if self.timing == "mixture":
            return self.share_months / (-math.log1p(-self.share)) ** (1.0 / self.shape)
        if self.timing == "weibull":
            return self.cumulative_months / (-math.log1p(-self.cumulative)) ** (1.0 / self.shape)
        return self.within_months

    def patient_cumulative(self, leads: int = 1) -> float:
        """q for one patient with ``leads`` leads."""
        return 1.0 - (1.0 - self.cumulative) ** leads if self.per_lead else self.cumulative

    def p_inf(self, leads: int = 1) -> float:
        """Probability that the event ever happens (1 for the weibull form)."""
        q = self.patient_cumulative(leads)
        if self.timing == "weibull":
            return 1.0
        if self.timing == "uniform" or math.isinf(self.cumulative_months):
            return q
        return q / -math.expm1(-((self.cumulative_months / self.scale_months()) ** self.shape))

    def cumulative_incidence(
        self, months: NDArray[np.float64] | float, leads: int = 1
    ) -> NDArray[np.float64]:
        """F(t): probability of the event by ``months`` after the implant, shape of ``months``."""
        t = np.maximum(np.asarray(months, dtype=np.float64), 0.0)
        scale = self.scale_months()
        if self.timing == "uniform":
            return self.patient_cumulative(leads) * np.minimum(t / scale, 1.0)
        if self.timing == "weibull":
            q = self.patient_cumulative(leads)
            scale = self.cumulative_months / (-math.log1p(-q)) ** (1.0 / self.shape)
        return self.p_inf(leads) * -np.expm1(-((t / scale) ** self.shape))

    def sample_months(
        self, rng: np.random.Generator, n: int, *, leads: int = 1, horizon_months: float = math.inf
    ) -> NDArray[np.float64]:
        """(n,) months from the implant to the event; ``inf`` = not within the horizon."""
        u = rng.random(n)
        t = np.full(n, np.inf)
        if self.timing == "uniform":
            q = self.patient_cumulative(leads)
            hit = u < q
            t[hit] = self.within_months * u[hit] / q
        elif self.timing == "mixture":
            p = self.p_inf(leads)
            hit = u < p
            t[hit] = self.scale_months() * (-np.log1p(-u[hit] / p)) ** (1.0 / self.shape)
        else:
            q = self.patient_cumulative(leads)
            scale = self.cumulative_months / (-math.log1p(-q)) ** (1.0 / self.shape)
            t = scale * (-np.log1p(-u)) ** (1.0 / self.shape)
        t[t > horizon_months] = np.inf
        return t


@dataclass(frozen=True)
class ComplicationDraw:
    """One patient-level draw of every kind: times and what follows each event."""

    kinds: tuple[Complication, ...]
    months: NDArray[np.float64]
    """(n, n_kinds) months from the implant to each event, inf = none within the horizon"""
    outcome: NDArray[np.int64]
    """(n, n_kinds) index into :data:`OUTCOMES` (0 none, 1 revision, 2 explant)"""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.kinds)


def sample_complications(
    kinds: Mapping[str, Complication] | tuple[Complication, ...],
    rng: np.random.Generator,
    n: int,
    *,
    leads: int = 1,
    horizon_months: float = math.inf,
) -> ComplicationDraw:
    """Event times ``(n, n_kinds)`` and outcomes for ``n`` patients, each kind independent."""
    items = tuple(kinds.values()) if isinstance(kinds, Mapping) else tuple(kinds)
    months = np.full((n, len(items)), np.inf)
    outcome = np.zeros((n, len(items)), dtype=np.int64)
    for j, kind in enumerate(items):
        months[:, j] = kind.sample_months(rng, n, leads=leads, horizon_months=horizon_months)
        u = rng.random(n)
        outcome[:, j] = np.where(
            u < kind.explant_fraction,
            2,
            np.where(u < kind.explant_fraction + kind.revision_fraction, 1, 0),
        )
    return ComplicationDraw(items, months, outcome)


_KEYS = {
    "timing", "cumulative", "cumulative_months", "shape", "share", "share_months",
    "within_months", "per_lead", "explant_fraction", "revision_fraction", "revision_delay_days",
    "effect", "source",
}  # fmt: skip


def table_keys(table: Mapping[str, Any]) -> set[str]:
    """The keys of a TOML table, without counting as a read of each (``dict.keys``)."""
    return set(dict.keys(table)) if isinstance(table, dict) else set(table)


def _number(table: Mapping[str, Any], key: str, where: str, low: float, high: float) -> float:
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{where}.{key}", value, f"a number in [{low}, {high}]")
    if not low <= float(value) <= high:
        raise InputError(f"{where}.{key}", value, f"a number in [{low}, {high}]")
    return float(value)


def complication_from_table(name: str, table: Mapping[str, Any], where: str) -> Complication:
    """A :class:`Complication` from its TOML table (unknown keys and bad values refused)."""
    unknown = table_keys(table) - _KEYS
    if unknown:
        raise InputError(f"{where}", sorted(unknown)[0], f"keys are {', '.join(sorted(_KEYS))}")
    timing = table["timing"]
    if timing not in TIMINGS:
        raise InputError(f"{where}.timing", timing, f"one of {', '.join(TIMINGS)}")
    effect = table["effect"]
    if effect not in EFFECTS:
        raise InputError(f"{where}.effect", effect, f"one of {', '.join(EFFECTS)}")
    nan = math.nan
    kind = Complication(
        name=name,
        timing=timing,
        cumulative=_number(table, "cumulative", where, 0.0, 0.999),
        cumulative_months=(
            _number(table, "cumulative_months", where, 1e-6, math.inf)
            if timing != "uniform"
            else nan
        ),
        shape=_number(table, "shape", where, 0.05, 20.0) if timing != "uniform" else nan,
        share=_number(table, "share", where, 1e-6, 0.999) if timing == "mixture" else nan,
        share_months=(
            _number(table, "share_months", where, 1e-6, 1200.0) if timing == "mixture" else nan
        ),
        within_months=(
            _number(table, "within_months", where, 1e-6, 1200.0) if timing == "uniform" else nan
        ),
        per_lead=bool(table.get("per_lead", False)),
        explant_fraction=_number(table, "explant_fraction", where, 0.0, 1.0),
        revision_fraction=_number(table, "revision_fraction", where, 0.0, 1.0),
        revision_delay_days=_number(table, "revision_delay_days", where, 0.0, 3650.0),
        effect=effect,
        source=str(table.get("source", "")),
    )
    if kind.explant_fraction + kind.revision_fraction > 1.0 + 1e-12:
        raise InputError(
            f"{where}.revision_fraction", kind.revision_fraction,
            f"at most 1 - explant_fraction = {1.0 - kind.explant_fraction:g}",
        )  # fmt: skip
    if timing == "mixture" and kind.p_inf() > 1.0:
        raise InputError(
            f"{where}.cumulative", kind.cumulative,
            "an incidence the timing can reach: the share of events by share_months makes "
            f"p_inf = {kind.p_inf():.3g} > 1; lower cumulative or raise share",
        )  # fmt: skip
    return kind


__all__ = [
    "EFFECTS",
    "OUTCOMES",
    "TIMINGS",
    "Complication",
    "ComplicationDraw",
    "complication_from_table",
    "sample_complications",
]
