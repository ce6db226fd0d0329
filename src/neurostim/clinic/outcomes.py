"""Outcome measures and analysis sets as trials report them, on one arm's :class:`VisitRecords`.

Measures (thresholds in ``data/outcomes.toml``; source keys as in docs/clinic-protocols.md):

- pain score: NRS/VAS 0-10 (a 7-day diary average in trials, SB-ct); ``nrs`` is the overall
  score, ``back_nrs``/``leg_nrs`` the mean over the painful back or leg regions, or one region.
- relief = 1 - NRS/NRS0 (fraction); percent change = 100 (NRS - NRS0)/NRS0 (percent, negative =
  better), averaged over patients (as SENZA-RCT reports "64.9 +- 30.8 %", K15-18).
- responder: relief >= 0.5 (every calibration trial); responder30 >= 0.3 (IMMPACT moderate,
  Band; PROCESS 24 months, MDT-P); responder80 >= 0.8 [ours].
- remitter: NRS <= 2.5 at the visit (SENZA-RCT, K15-18; 3.0 elsewhere, AK20: an endpoint's
  ``threshold`` changes it).
- MCID: pain down by >= 2 points or >= 30 % (Fa01); ODI down by >= 10 points (Ha22).
- PGIC 1-7 (Fa01): "responder" = much or very much improved (1-2).
- MME: opioid dose, mg/day; a "responder" at least halves the dose; the opioid change of S04 is
  a percent change.
- rates: the fraction of the analysis set with at least one event by the month: explant
  (``explant_month``; optionally one ``explant_reason``), infection, migration, revision (events),
  complication (any event that is not a procedure of :data:`PROCEDURES`), implant, crossover.

Analysis sets (patients counted at visit ``month``):

- ``itt``: everyone randomized. Patients not on their assigned therapy at the visit (not
  implanted, explanted, crossed over, withdrawn) or with no score are failures: non-responders
  for responder, remitter and MCID kinds, baseline carried forward (change 0) for mean, mean
  change and percent change (PGIC: 4, no change).
- ``mitt``: those who received the assigned therapy (implanted, for scs and intrathecal arms;
  everyone in cmm and placebo arms); failures imputed as in ITT, so a crossover counts as a
  failure (PROCESS 24-month mITT, P08).
- ``pp``: on the assigned therapy at the visit, never crossed over or explanted; observed values.
- ``as_treated``: on the arm's therapy at the visit, whichever arm they were randomized to
  (patients of other arms who crossed over to it included); observed values (PROCESS 24 months,
  SENZA-PDN 24 months). Rates: everyone who received the therapy, events counted while on it.
- ``crossed_over``: patients of the arm who crossed over and are on the new therapy at the visit
  (SENZA-PDN's crossover group at 12 months).

A patient whose region is not painful (baseline NaN) is outside the set for that region's
measure; so, for responder kinds, pain MCID and percent change, is a baseline of 0 (no pain, or
no opioid for MME). A crossover decided at a visit takes effect after it: at that visit the
patient still counts on the assigned therapy (the pathway's ``status``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neurostim.clinic._params import outcome_parameters
from neurostim.clinic.protocol import (
    ANALYSES,
    EVENT_MEASURES,
    PAIN_MEASURES,
    Endpoint,
    Protocol,
)
from neurostim.clinic.records import VisitRecords
from neurostim.errors import InputError

PROCEDURES = ("revision", "explant", "reprogramming", "implant", "trial", "crossover")
"""Event kinds that are procedures, not complications (the rest of ``event_kind`` are, except
the pump's own routine events, ``pump_*``: refills and their alarms)."""
MONTH_TOLERANCE = 1e-6
"""A visit month matches a requested month within this many months."""
_RESPONDER_KINDS = ("responder", "responder30", "responder80", "remitter", "mcid")
_NO_CHANGE_PGIC = 4


def visit_index(records: VisitRecords, month: float) -> int:
    """Index of the visit at ``month`` in ``records.months``; refuses a month with no visit."""
    months = np.asarray(records.months, dtype=np.float64)
    hit = np.flatnonzero(np.abs(months - float(month)) <= MONTH_TOLERANCE)
    if hit.size == 0:
        listed = ", ".join(f"{m:g}" for m in months)
        raise InputError("month", month, f"no visit at this month in arm {records.arm}: {listed}")
    return int(hit[0])


def _region_mean(records: VisitRecords, names: Sequence[str]) -> tuple[NDArray, NDArray]:
    cols = [j for j, r in enumerate(records.region_names) if r in names]
    n, n_visits = records.overall_nrs.shape
    if not cols:
        return np.full(n, np.nan), np.full((n, n_visits), np.nan)
    base = records.baseline_nrs[:, cols]
    painful = np.isfinite(base)
    count = painful.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        baseline = np.where(count > 0, np.nansum(base, axis=1) / count, np.nan)
        visits = records.nrs[:, :, cols]
        seen = np.isfinite(visits) & painful[:, None, :]
        n_seen = seen.sum(axis=2)
        score = np.where(n_seen > 0, np.where(seen, visits, 0.0).sum(axis=2) / n_seen, np.nan)
    return baseline, score


def pain_scores(
    records: VisitRecords, measure: str = "nrs", region: str | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Baseline ``(n,)`` and visit scores ``(n, n_visits)`` of a pain measure (NRS 0-10).

    ``nrs``: the overall score, or one region's with ``region``; ``back_nrs``/``leg_nrs``: the
    mean over the patient's painful back or leg regions (``[regions]`` of data/outcomes.toml).
    NaN where the patient has no pain in the region.
    """
    if measure == "nrs" and region is None:
        return records.baseline_overall_nrs.astype(np.float64), records.overall_nrs.astype(
            np.float64
        )
    if measure == "nrs":
        if region not in records.region_names:
            names = ", ".join(records.region_names)
            raise InputError("region", region, f"not a region of these records: {names}")
        j = records.region_names.index(str(region))
        return records.baseline_nrs[:, j].astype(np.float64), records.nrs[:, :, j].astype(
            np.float64
        )
    regions = outcome_parameters().regions
    if measure == "back_nrs":
        return _region_mean(records, regions.back)
    if measure == "leg_nrs":
        return _region_mean(records, regions.leg)
    raise InputError("measure", measure, f"a pain measure: {', '.join(PAIN_MEASURES)}")


def measure_scores(
    records: VisitRecords, measure: str, region: str | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Baseline ``(n,)`` and visit values ``(n, n_visits)`` of a pain measure, ODI, MME or PGIC.

    PGIC has no baseline: it is returned as the "no change" score 4 for every patient.
    """
    if measure in PAIN_MEASURES:
        return pain_scores(records, measure, region)
    if measure == "odi":
        return records.baseline_odi.astype(np.float64), records.odi.astype(np.float64)
    if measure == "mme":
        return records.baseline_mme_per_day.astype(np.float64), records.mme_per_day.astype(
            np.float64
        )
    if measure == "pgic":
        pgic = records.pgic.astype(np.float64)
        pgic[pgic == 0] = np.nan  # 0 = no visit
        return np.full(records.n_patients, float(_NO_CHANGE_PGIC)), pgic
    raise InputError("measure", measure, "nrs, back_nrs, leg_nrs, odi, mme or pgic")


def relief(baseline: NDArray[np.float64], value: NDArray[np.float64]) -> NDArray[np.float64]:
    """Relief ``1 - value/baseline`` (fraction; NaN where the baseline is 0 or missing)."""
    b = np.asarray(baseline, dtype=np.float64)
    v = np.asarray(value, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, 1.0 - v / b, np.nan)


def percent_change(
    baseline: NDArray[np.float64], value: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``100 (value - baseline) / baseline`` per patient (percent; negative = lower)."""
    return -100.0 * relief(baseline, value)


def is_responder(
    baseline: NDArray[np.float64], value: NDArray[np.float64], relief_min: float | None = None
) -> NDArray[np.bool_]:
    """Relief at least ``relief_min`` (default 0.5, data/outcomes.toml); False where NaN."""
    fraction = outcome_parameters().responder.relief_min if relief_min is None else relief_min
    r = relief(baseline, value)
    with np.errstate(invalid="ignore"):
        return np.asarray(r >= fraction - 1e-12) & np.isfinite(r)


def is_remitter(value: NDArray[np.float64], nrs_max: float | None = None) -> NDArray[np.bool_]:
    """Pain score at or below ``nrs_max`` (default 2.5, SENZA-RCT); False where NaN."""
    top = outcome_parameters().remitter.nrs_max if nrs_max is None else nrs_max
    v = np.asarray(value, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.asarray(v <= top + 1e-12) & np.isfinite(v)


def is_mcid(
    baseline: NDArray[np.float64], value: NDArray[np.float64], measure: str = "nrs"
) -> NDArray[np.bool_]:
    """A clinically important improvement: pain down >= 2 points or >= 30 % (Fa01); ODI down
    >= 10 points (Ha22). False where NaN."""
    b = np.asarray(baseline, dtype=np.float64)
    v = np.asarray(value, dtype=np.float64)
    drop = b - v
    params = outcome_parameters()
    with np.errstate(invalid="ignore"):
        if measure == "odi":
            hit = drop >= params.mcid_odi.points_min - 1e-12
        else:
            m = params.mcid_pain
            hit = (drop >= m.points_min - 1e-12) | (relief(b, v) >= m.relief_min - 1e-12)
    return np.asarray(hit) & np.isfinite(drop)


def is_pgic_improved(pgic: NDArray[np.float64]) -> NDArray[np.bool_]:
    """PGIC much or very much improved (1-2, Fa01); False for no visit (0 or NaN)."""
    p = np.asarray(pgic, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return (p >= 1) & (p <= outcome_parameters().pgic.improved_max)


def _events(records: VisitRecords, measure: str, reason: str | None = None) -> tuple:
    """(patient, month) arrays of the events that count for a rate measure."""
    if measure == "explant":
        months = np.asarray(records.explant_month, dtype=np.float64)
        hit = np.isfinite(months)
        if reason is not None:
            hit &= np.asarray(records.explant_reason) == reason
        idx = np.flatnonzero(hit)
        return idx, months[idx]
    if measure == "crossover":
        months = np.asarray(records.crossed_over_month, dtype=np.float64)
        idx = np.flatnonzero(np.isfinite(months))
        return idx, months[idx]
    if measure == "implant":
        idx = np.flatnonzero(np.asarray(records.implanted, dtype=bool))
        return idx, np.zeros(idx.size)
    kinds = np.asarray(records.event_kind)
    if measure == "complication":
        sel = ~np.isin(kinds, PROCEDURES) & ~np.char.startswith(kinds.astype(str), "pump_")
    else:
        sel = kinds == measure
    return np.asarray(records.event_patient)[sel], np.asarray(records.event_month)[sel]


def had_event(
    records: VisitRecords,
    measure: str,
    month: float,
    *,
    after_month: NDArray[np.float64] | None = None,
    before_month: NDArray[np.float64] | None = None,
    reason: str | None = None,
) -> NDArray[np.bool_]:
    """(n,) at least one event of a rate measure at or before ``month``.

    ``after_month``/``before_month`` ``(n,)``: count only events after / before a per-patient
    month (NaN = no limit), for events while on a therapy.
    """
    if measure not in EVENT_MEASURES:
        raise InputError("measure", measure, f"a rate measure: {', '.join(EVENT_MEASURES)}")
    patient, when = _events(records, measure, reason)
    keep = when <= month + MONTH_TOLERANCE
    if after_month is not None:
        lim = np.asarray(after_month, dtype=np.float64)[patient]
        keep &= ~(when <= lim)  # NaN limit keeps
    if before_month is not None:
        lim = np.asarray(before_month, dtype=np.float64)[patient]
        keep &= ~(when > lim)
    hit = np.zeros(records.n_patients, dtype=bool)
    hit[patient[keep]] = True
    return hit


def rate_by_month(
    records: VisitRecords, measure: str, months: Sequence[float] | NDArray[np.float64]
) -> NDArray[np.float64]:
    """(n_months,) fraction of all the arm's patients with an event of ``measure`` by each month."""
    n = max(records.n_patients, 1)
    return np.array([had_event(records, measure, float(m)).sum() / n for m in months])


def received_therapy(records: VisitRecords) -> NDArray[np.bool_]:
    """(n,) received the assigned therapy: implanted for scs/intrathecal arms, else everyone."""
    if records.therapy_kind in ("scs", "intrathecal"):
        return np.asarray(records.implanted, dtype=bool).copy()
    return np.ones(records.n_patients, dtype=bool)


def _before(months: NDArray[np.float64], month: float) -> NDArray[np.bool_]:
    m = np.asarray(months, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.asarray(m < month - MONTH_TOLERANCE) & np.isfinite(m)


def analysis_set(records: VisitRecords, name: str, month: float) -> NDArray[np.bool_]:
    """(n,) the arm's own patients in analysis set ``name`` at the visit ``month``.

    ``itt`` everyone; ``mitt`` received the assigned therapy; ``pp`` and ``as_treated`` on the
    assigned therapy at the visit, never crossed over or explanted before it (``as_treated`` adds
    other arms' crossovers, see :func:`endpoint_result`); ``crossed_over`` on the therapy crossed
    to at the visit.
    """
    k = visit_index(records, month)
    status = np.asarray(records.status)[:, k]
    if name == "itt":
        return np.ones(records.n_patients, dtype=bool)
    if name == "mitt":
        return received_therapy(records)
    if name in ("pp", "as_treated"):
        return (
            (status == "on_therapy")
            & ~_before(records.crossed_over_month, month)
            & ~_before(records.explant_month, month)
        )
    if name == "crossed_over":
        return status == "crossed_over"
    raise InputError("analysis", name, f"one of {', '.join(ANALYSES)}")


@dataclass(frozen=True)
class EndpointResult:
    """An endpoint's value in one arm and the number of patients it is computed over."""

    value: float
    """fraction 0-1 (responder kinds, rates), percent (percent_change), or the measure's unit"""
    n: int


def _kind_values(
    endpoint: Endpoint, baseline: NDArray[np.float64], value: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Per-patient contribution (n,) of observed patients: 0/1 or a number."""
    kind, measure = endpoint.kind, endpoint.measure
    params = outcome_parameters()
    if kind == "responder":
        if measure == "pgic":
            return is_pgic_improved(value).astype(np.float64)
        return is_responder(baseline, value, endpoint.threshold).astype(np.float64)
    if kind in ("responder30", "responder80"):
        fraction = getattr(params, kind).relief_min
        return is_responder(baseline, value, fraction).astype(np.float64)
    if kind == "remitter":
        return is_remitter(value, endpoint.threshold).astype(np.float64)
    if kind == "mcid":
        return is_mcid(baseline, value, measure).astype(np.float64)
    if kind == "mean":
        return value
    if kind == "mean_change":
        return value - baseline
    if kind == "percent_change":
        return percent_change(baseline, value)
    raise InputError("kind", kind, "not a kind for this measure")  # pragma: no cover


def _relative(endpoint: Endpoint) -> bool:
    """Whether the endpoint compares with the baseline as a ratio (needs a baseline above 0)."""
    if endpoint.measure == "pgic":
        return False
    if endpoint.kind == "mcid":
        return endpoint.measure != "odi"
    return endpoint.kind in ("responder", "responder30", "responder80", "percent_change")


def _failure_values(endpoint: Endpoint, baseline: NDArray[np.float64]) -> NDArray[np.float64]:
    """Imputed contribution of failures: non-responder, or baseline carried forward."""
    if endpoint.kind in _RESPONDER_KINDS:
        return np.zeros_like(baseline)
    if endpoint.kind == "mean":
        return baseline.copy()
    if endpoint.kind == "percent_change":
        return np.where(baseline > 0, 0.0, np.nan)
    return np.zeros_like(baseline)  # mean_change


def _rate_result(
    records: VisitRecords, endpoint: Endpoint, crossovers_in: Sequence[VisitRecords]
) -> EndpointResult:
    month, name, reason = endpoint.month, endpoint.analysis, endpoint.reason
    if name == "as_treated":
        own = received_therapy(records)
        hits = had_event(
            records, endpoint.measure, month, before_month=records.crossed_over_month, reason=reason
        )[own]
        parts = [hits]
        for other in crossovers_in:
            came = _before(other.crossed_over_month, month + 2 * MONTH_TOLERANCE)
            hit = had_event(
                other, endpoint.measure, month, after_month=other.crossed_over_month, reason=reason
            )
            parts.append(hit[came])
        allhits = np.concatenate(parts)
    else:
        members = analysis_set(records, name, month)
        allhits = had_event(records, endpoint.measure, month, reason=reason)[members]
    n = int(allhits.size)
    return EndpointResult(float(allhits.mean()) if n else float("nan"), n)


def endpoint_result(
    records: VisitRecords, endpoint: Endpoint, *, crossovers_in: Sequence[VisitRecords] = ()
) -> EndpointResult:
    """The value of ``endpoint`` in the arm of ``records`` and the patients it counts.

    ``crossovers_in``: the records of other arms whose patients cross over to this arm (used by
    ``as_treated`` only). An empty set gives NaN with ``n = 0``.
    """
    if endpoint.measure in EVENT_MEASURES:
        return _rate_result(records, endpoint, crossovers_in)
    month, name = endpoint.month, endpoint.analysis
    parts: list[NDArray[np.float64]] = []
    pools = [(records, analysis_set(records, name, month), name)]
    if name == "as_treated":
        pools += [
            (o, analysis_set(o, "crossed_over", month), "crossed_over") for o in crossovers_in
        ]
    for rec, members, set_name in pools:
        k = visit_index(rec, month)
        baseline, scores = measure_scores(rec, endpoint.measure, endpoint.region)
        value = scores[:, k]
        in_set = members & np.isfinite(baseline)
        if _relative(endpoint):
            in_set &= baseline > 0
        if set_name in ("itt", "mitt"):
            observed = (np.asarray(rec.status)[:, k] == "on_therapy") & np.isfinite(value)
            contrib = np.where(
                observed,
                _kind_values(endpoint, baseline, value),
                _failure_values(endpoint, baseline),
            )
        else:
            in_set &= np.isfinite(value)
            contrib = _kind_values(endpoint, baseline, value)
        parts.append(contrib[in_set])
    values = np.concatenate(parts)
    n = int(values.size)
    return EndpointResult(float(values.mean()) if n else float("nan"), n)


def endpoint_value(
    records: VisitRecords, endpoint: Endpoint, *, crossovers_in: Sequence[VisitRecords] = ()
) -> float:
    """The value of ``endpoint`` in one arm: a fraction 0-1 (responder kinds, rates), a percent
    (percent_change), NRS or ODI points, mg/day or a PGIC score (mean, mean_change)."""
    return endpoint_result(records, endpoint, crossovers_in=crossovers_in).value


def evaluate_endpoints(
    records_by_arm: Mapping[str, VisitRecords], protocol: Protocol
) -> list[dict[str, object]]:
    """Every endpoint of ``protocol`` in each of its arms.

    Returns rows ``{"id", "arm", "month", "value", "n"}`` in the protocol's endpoint order.
    """
    missing = [a for a in protocol.arm_ids if a not in records_by_arm]
    if missing:
        raise InputError("records_by_arm", sorted(records_by_arm), f"no records for {missing}")
    rows: list[dict[str, object]] = []
    for e in protocol.endpoints:
        for arm in protocol.endpoint_arms(e):
            incoming = [
                records_by_arm[a]
                for a in protocol.arm_ids
                if a != arm and protocol.crossover_target(a) == arm
            ]
            res = endpoint_result(records_by_arm[arm], e, crossovers_in=incoming)
            rows.append({"id": e.id, "arm": arm, "month": e.month, "value": res.value, "n": res.n})
    return rows


def evaluate_differences(
    rows: Sequence[Mapping[str, object]], protocol: Protocol
) -> list[dict[str, object]]:
    """The protocol's ``[[differences]]`` from endpoint rows (:func:`evaluate_endpoints`).

    Returns rows ``{"id", "arms": [a, b], "value"}``: value(a) - value(b), or value(a)/value(b)
    for ``scale = "ratio"``.
    """
    table = {(r["id"], r["arm"]): float(r["value"]) for r in rows}  # type: ignore[arg-type]
    out: list[dict[str, object]] = []
    for d in protocol.differences:
        a, b = (table.get((d.endpoint, arm), float("nan")) for arm in d.arms)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = a - b if d.scale == "difference" else float(np.float64(a) / np.float64(b))
        out.append({"id": d.id, "arms": list(d.arms), "value": float(value)})
    return out


def wilson_ci95(fraction: float, n: int) -> tuple[float, float]:
    """Wilson score 95 % interval of a proportion ``fraction`` observed in ``n`` patients."""
    if n <= 0:
        raise InputError("n", n, "at least one patient")
    z = 1.959963984540054
    p = float(fraction)
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))
