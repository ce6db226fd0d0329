"""The clinical pathway of one trial arm as a discrete-event simulation over its patients.

States (patient-clinic spec, pathway section): randomized -> trial phase (device arms, when the
protocol has one; success = ``pain_model.trial_success`` at ``trial_success_relief``) ->
implanted | not_implanted -> visits -> explanted / revised / crossed over / withdrawn.

Clock: months from randomization. A device arm's trial lasts ``trial_days`` (uniform) and the
implant follows ``implant_delay_days`` later (uniform; from randomization when there is no
trial phase); ``months_on`` counts from the implant, or from the crossover. Visits are the
protocol's ``follow_up_months`` plus routine visits every ``routine_interval_months``; the
routine visits and the crossover visit are simulated but only the protocol's are recorded.

Between visits, complications (:mod:`neurostim.clinic.complications`) happen at their sampled
times after the implant, each kind at most once; at a visit the device's state is the result
of every event before it, in time order:

* an event whose outcome is ``explant`` removes the device at the event (reason = its kind);
  nothing of the device happens after an explant;
* ``revision`` restores the device ``revision_delay_days`` after the event; until then the
  event's ``effect`` holds: ``inactive`` (no specific relief) or ``lead_shift`` (the lead sits
  ``migration_shift_mm`` caudally, passed to ``therapy.relief(lead_shift_mm=...)``);
* a background explant hazard ``h = background_per_year / 12`` per month from the implant
  (exponential time; reason ``loss_of_efficacy``);
* withdrawal (lost to follow-up) at ``h = per_year (1 + psy_gain psy) / 12`` per month from
  randomization, every arm: no visit is recorded after it.

At each visit, in order: NRS per region (``pain_model.nrs`` with the therapy in force), then
rules on that visit's scores: a reprogramming session when overall relief
``1 - NRS / NRS0 < reprogramming_relief_below`` (it recovers ``reprogramming_recovery`` of an
unrevised lead shift); explant for loss of efficacy when ``NRS >= tolerance_fraction NRS0`` at
``consecutive_visits`` visits in a row on a working device; at the protocol's crossover month,
the crossover rule (:mod:`neurostim.clinic.rules`) for patients still on their arm's therapy
(``on_therapy`` or ``not_implanted``), each of whom crosses with probability
``crossover.fraction`` (optional, default 1: the rule alone decides); they continue under
``crossover_therapy`` from that month (``months_on`` resets; a non-device arm crossing to a
device goes through the trial phase and the implant). CMM and placebo arms have no implant and
no device events: non-specific effect only (relief 0). Explanted and not-implanted patients
continue as ``cmm``.

Vectorized over patients: the device's state at a visit is closed-form in the sampled times;
the loop runs over the visit schedule only (tens of steps).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.clinic.complications import ComplicationDraw, sample_complications
from neurostim.clinic.interfaces import PainModelLike, ProtocolLike, TherapyLike
from neurostim.clinic.parameters import (
    DAYS_PER_MONTH,
    DEVICE_CLASSES,
    PathwayParameters,
    load_pathway_parameters,
)
from neurostim.clinic.records import VisitRecords
from neurostim.clinic.rules import evaluate_rule, parse_rule
from neurostim.errors import InputError
from neurostim.patient.cohort import Cohort

KINDS = ("scs", "cmm", "placebo", "intrathecal")
"""Therapy kinds the pathway knows; ``scs`` and ``intrathecal`` have an implanted device."""

ARM, CROSSED = 0, 1
"""Codes of the therapy in force: the arm's therapy, the crossover therapy."""


@dataclass
class _Events:
    """Events collected as arrays, concatenated at the end."""

    patient: list[NDArray[np.int64]]
    month: list[NDArray[np.float64]]
    kind: list[NDArray[np.str_]]

    def add(self, mask: NDArray[np.bool_], month: NDArray[np.float64], kind: str) -> None:
        idx = np.flatnonzero(mask)
        if idx.size:
            self.patient.append(idx.astype(np.int64))
            self.month.append(np.broadcast_to(month, mask.shape)[idx].astype(np.float64))
            self.kind.append(np.full(idx.size, kind, dtype="<U24"))


def _kind_of(therapy: Any, name: str) -> str:
    kind = getattr(therapy, "kind", None)
    if kind not in KINDS:
        raise InputError(f"{name}.kind", kind, f"one of {', '.join(KINDS)}")
    return str(kind)


def _visit_schedule(
    protocol: ProtocolLike, params: PathwayParameters, crossover_month: float | None
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """All visit months (sorted) and which of them the protocol records."""
    recorded = np.asarray(sorted({float(m) for m in protocol.follow_up_months}), dtype=np.float64)
    if recorded.size == 0 or recorded[0] <= 0.0 or not np.all(np.isfinite(recorded)):
        raise InputError(
            "follow_up_months", list(protocol.follow_up_months), "months > 0, at least one"
        )
    horizon = float(recorded[-1])
    step = params.routine_interval_months
    routine = step * np.arange(1, math.floor(horizon / step + 1e-9) + 1)
    extra = [] if crossover_month is None else [crossover_month]
    months = np.unique(np.concatenate([recorded, routine, extra]))
    return months, np.isin(months, recorded)


def _crossover(protocol: ProtocolLike, crossover_therapy: Any) -> tuple[float | None, str | None]:
    spec = getattr(protocol, "crossover", None)
    if spec is None or crossover_therapy is None:
        return None, None
    month = float(spec.month)
    if not month > 0.0:
        raise InputError("crossover.month", spec.month, "a month > 0")
    rule = getattr(spec, "rule", None)
    parse_rule(rule)
    return month, rule


def _crossover_fraction(protocol: ProtocolLike) -> float:
    """Share of the patients meeting the rule who cross (``crossover.fraction``, default 1)."""
    fraction = getattr(protocol.crossover, "fraction", None)
    if fraction is None:
        return 1.0
    if not 0.0 <= float(fraction) <= 1.0:
        raise InputError("crossover.fraction", fraction, "a fraction in [0, 1]")
    return float(fraction)


def _uniform_months(
    rng: np.random.Generator, days: tuple[float, float], n: int
) -> NDArray[np.float64]:
    return rng.uniform(days[0], days[1], n) / DAYS_PER_MONTH


@dataclass
class _Device:
    """Per-patient device timeline: implant, complication times, explant."""

    origin: NDArray[np.float64]
    """(n,) implant month, NaN = no device"""
    draw: ComplicationDraw
    background_months: NDArray[np.float64]
    """(n,) months from the implant to a background explant"""
    loe_month: NDArray[np.float64]
    """(n,) explant month for loss of efficacy by the visit rule, inf = none"""
    revision_delay: NDArray[np.float64]
    """(n_kinds,) months"""
    effect: tuple[str, ...]

    def event_months(self) -> NDArray[np.float64]:
        """(n, n_kinds) absolute months of the complications (inf = none)."""
        t = self.origin[:, None] + self.draw.months
        return np.where(np.isnan(t), np.inf, t)

    def explant(self) -> tuple[NDArray[np.float64], NDArray[np.str_]]:
        """(n,) explant month (inf = none) and reason, from everything so far."""
        n = self.origin.shape[0]
        t = np.where(self.draw.outcome == 2, self.event_months(), np.inf)
        names = np.array([*self.draw.names, "loss_of_efficacy"], dtype="<U24")
        j = np.argmin(t, axis=1) if t.shape[1] else np.zeros(n, dtype=np.int64)
        first = t[np.arange(n), j] if t.shape[1] else np.full(n, np.inf)
        background = np.where(np.isnan(self.origin), np.inf, self.origin + self.background_months)
        other = np.minimum(background, self.loe_month)
        reason = np.where(first <= other, names[j], names[-1])
        return np.minimum(first, other), reason

    def state(
        self, month: float, explant_month: NDArray[np.float64]
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """(n,) device in and working, (n,) lead shifted, at ``month``."""
        present = ~np.isnan(self.origin) & (self.origin <= month) & (explant_month > month)
        t = self.event_months()
        revised = np.where(self.draw.outcome == 1, t + self.revision_delay, np.inf)
        ongoing = (t <= month) & (month < revised) & (t <= explant_month[:, None])
        inactive = np.zeros(t.shape[0], dtype=bool)
        shifted = np.zeros(t.shape[0], dtype=bool)
        for j, effect in enumerate(self.effect):
            if effect == "inactive":
                inactive |= ongoing[:, j]
            elif effect == "lead_shift":
                shifted |= ongoing[:, j]
        return present & ~inactive, present & shifted


def simulate_arm(
    cohort: Cohort,
    therapy: TherapyLike,
    protocol: ProtocolLike,
    arm_id: str,
    pain_model: PainModelLike,
    rng: np.random.Generator,
    *,
    crossover_therapy: TherapyLike | None = None,
    parameters: PathwayParameters | None = None,
) -> VisitRecords:
    """Every patient of ``cohort`` through one arm of ``protocol``: visits, events, outcomes.

    ``therapy`` is the arm's (``kind`` "scs", "cmm", "placebo" or "intrathecal");
    ``crossover_therapy`` is what patients meeting the protocol's crossover rule continue
    under from the crossover month (None: this arm does not cross). ``parameters`` default to
    the shipped ``data/pathway.toml``. Same ``rng`` state, same records.
    """
    params = parameters if parameters is not None else load_pathway_parameters()
    kind0 = _kind_of(therapy, "therapy")
    kind1 = (
        _kind_of(crossover_therapy, "crossover_therapy") if crossover_therapy is not None else None
    )
    device_kinds = [k for k in (kind0, kind1) if k in DEVICE_CLASSES]
    if len(set(device_kinds)) > 1:
        raise InputError(
            "crossover_therapy.kind", kind1, f"the arm's device kind {kind0} or a non-device kind"
        )
    device_class = device_kinds[0] if device_kinds else None
    cross_month, rule = _crossover(protocol, crossover_therapy)
    months, is_recorded = _visit_schedule(protocol, params, cross_month)
    horizon = float(months[-1])
    n, n_regions = cohort.n_patients, len(cohort.region_names)
    has_trial = getattr(protocol, "has_trial_phase", None)
    trial_phase = bool(has_trial(arm_id) if callable(has_trial) else protocol.trial_phase)
    threshold = float(protocol.trial_success_relief)
    events = _Events([], [], [])

    # Randomization -> trial phase -> implant (device arms).
    arm_device = kind0 in DEVICE_CLASSES
    trial_done = np.full(n, arm_device and trial_phase)
    trial_success = np.zeros(n, dtype=bool)
    if arm_device and trial_phase:
        trial_success = np.asarray(
            pain_model.trial_success(cohort, therapy, rng, threshold), dtype=bool
        )
    trial_months = _uniform_months(rng, params.trial_days, n)
    delay_months = _uniform_months(rng, params.implant_delay_days, n)
    origin = np.full(n, np.nan)
    if arm_device:
        gets = trial_success if trial_phase else np.ones(n, dtype=bool)
        # after a trial phase the implant follows `implant.delay_days` later; without one the
        # therapy starts at randomization (an intrathecal trial's infusion, an implant without
        # a trial)
        origin[gets] = np.where(trial_done, trial_months + delay_months, 0.0)[gets]
        events.add(trial_done, np.zeros(n), "trial")

    kinds = params.complications[device_class] if device_class else {}
    draw = sample_complications(
        kinds, rng, n, leads=params.leads_per_patient if device_class == "scs" else 1
    )
    rate = params.background_explant_per_year / 12.0
    background = rng.exponential(1.0 / rate, n) if rate > 0 else np.full(n, np.inf)
    wd_rate = params.withdrawal_per_year * (1.0 + params.withdrawal_psy_gain * cohort.psy) / 12.0
    withdraw = np.where(
        wd_rate > 0, rng.exponential(1.0, n) / np.where(wd_rate > 0, wd_rate, 1.0), np.inf
    )
    device = _Device(
        origin, draw, background, np.full(n, np.inf),
        np.array([k.revision_delay_days / DAYS_PER_MONTH for k in draw.kinds]),
        tuple(k.effect for k in draw.kinds),
    )  # fmt: skip
    noise = np.asarray(pain_model.noise(rng, cohort, months.size), dtype=np.float64)
    baseline_overall = np.asarray(pain_model.overall(cohort, cohort.baseline_nrs), dtype=np.float64)

    in_force = np.full(n, ARM)
    start = np.where(np.isnan(origin), 0.0, origin) if arm_device else np.zeros(n)
    crossed_month = np.full(n, np.nan)
    shift_left = np.ones(n)
    loe_count = np.zeros(n, dtype=np.int64)
    therapies = (therapy, crossover_therapy)
    kinds_in_force = (kind0, kind1)

    n_rec = int(is_recorded.sum())
    rec = {
        "nrs": np.full((n, n_rec, n_regions), np.nan),
        "overall": np.full((n, n_rec), np.nan),
        "odi": np.full((n, n_rec), np.nan),
        "mme": np.full((n, n_rec), np.nan),
        "pgic": np.zeros((n, n_rec), dtype=np.int64),
        "status": np.full((n, n_rec), "on_therapy", dtype="<U13"),
    }
    r = 0
    for v, month in enumerate(months):
        explant_month, _ = device.explant()
        working, shifted = device.state(month, explant_month)
        explanted = explant_month <= month
        # Therapy in force and its specific relief.
        relief = np.zeros((n, n_regions))
        kind_now = np.empty(n, dtype="<U11")
        on_device = np.zeros(n, dtype=bool)
        for code in (ARM, CROSSED):
            kind = kinds_in_force[code]
            sel = in_force == code
            if kind is None or not sel.any():
                continue
            is_device = kind in DEVICE_CLASSES
            no_device = is_device & (np.isnan(origin) | explanted)
            kind_now[sel] = kind
            kind_now[sel & no_device] = "cmm"
            if not is_device or kind in ("cmm", "placebo"):
                continue
            active = sel & working
            on_device |= active
            idx = np.flatnonzero(active)
            if idx.size:
                shift = np.where(shifted, params.migration_shift_mm * shift_left, 0.0)
                sub = cohort if idx.size == n else cohort.subset(idx)
                relief[idx] = therapies[code].relief(  # type: ignore[union-attr]
                    sub, np.maximum(month - start[idx], 0.0), lead_shift_mm=shift[idx]
                )
        at = np.full(n, month)
        nrs = _by_kind(pain_model.nrs, cohort, kind_now, np.full((n, n_regions), np.nan),
                       relief, at, noise[:, v])  # fmt: skip
        overall = np.asarray(pain_model.overall(cohort, nrs), dtype=np.float64)
        present = withdraw > month
        pgic = np.asarray(pain_model.pgic(cohort, overall), dtype=np.int64)
        if is_recorded[v]:
            status = np.full(n, "on_therapy", dtype="<U13")
            if arm_device:
                status[np.isnan(origin) & ~(crossed_month < month)] = "not_implanted"
            status[crossed_month < month] = "crossed_over"
            status[explanted] = "explanted"
            status[~present] = "withdrawn"
            rec["status"][:, r] = status
            odi = np.asarray(pain_model.odi(cohort, overall, at), dtype=np.float64)
            mme = _by_kind(pain_model.mme, cohort, kind_now, np.full(n, np.nan), overall, at)
            for key, value in (("nrs", nrs), ("overall", overall), ("pgic", pgic), ("odi", odi),
                               ("mme", mme)):  # fmt: skip
                rec[key][present, r] = value[present]
            r += 1
        # Rules on this visit's scores.
        with np.errstate(divide="ignore", invalid="ignore"):
            relief_overall = 1.0 - overall / baseline_overall
        reprogram = present & on_device & (relief_overall < params.reprogramming_relief_below)
        events.add(reprogram, np.full(n, month), "reprogramming")
        shift_left[reprogram & shifted] *= 1.0 - params.reprogramming_recovery
        high = overall >= params.tolerance_fraction * baseline_overall
        loe_count = np.where(on_device, np.where(high, loe_count + 1, 0), loe_count)
        loe = (
            present
            & on_device
            & (loe_count >= params.consecutive_visits)
            & np.isinf(device.loe_month)
        )
        device.loe_month[loe] = month
        if cross_month is not None and month == cross_month:
            eligible = present & ~explanted & (in_force == ARM)
            visit = {"overall_nrs": overall, "baseline_overall_nrs": baseline_overall, "nrs": nrs,
                     "baseline_nrs": cohort.baseline_nrs, "pgic": pgic}  # fmt: skip
            accepts = rng.random(n) < _crossover_fraction(protocol)
            cross = eligible & evaluate_rule(rule, visit, cohort.region_names) & accepts
            in_force[cross] = CROSSED
            crossed_month[cross] = month
            start[cross] = month
            events.add(cross, np.full(n, month), "crossover")
            if kind1 in DEVICE_CLASSES:
                _implant_crossovers(cross, origin, month, trial_phase, trial_done, trial_success,
                                    trial_months, delay_months, cohort, crossover_therapy,
                                    pain_model, rng, threshold, start, events)  # fmt: skip
    explant_month, reason = device.explant()
    _pump_events(therapy, origin, explant_month, withdraw, horizon, events)
    return _records(
        cohort, arm_id, kind0, months[is_recorded], rec, baseline_overall, trial_done,
        trial_success, origin, crossed_month, explant_month, reason, withdraw, horizon, device,
        events,
    )  # fmt: skip


def _pump_events(
    therapy: Any,
    origin: NDArray[np.float64],
    explant_month: NDArray[np.float64],
    withdraw: NDArray[np.float64],
    horizon: float,
    events: _Events,
) -> None:
    """An intrathecal arm's pump events (refills, alarms) from the pump's own event simulation
    (``therapy.device_events``: month after the pump starts, kind), for each patient while the
    pump is in and the patient followed."""
    device_events = getattr(therapy, "device_events", None)
    if device_events is None:
        return
    end = np.minimum(np.minimum(explant_month, withdraw), horizon)
    for after, kind in device_events(horizon):
        month = origin + after
        events.add(np.isfinite(origin) & (month <= end), month, kind)


def _by_kind(
    method: Callable[..., Any],
    cohort: Cohort,
    kind_now: NDArray[np.str_],
    out: NDArray[np.float64],
    *per_patient: NDArray[Any],
) -> NDArray[np.float64]:
    """``out`` filled with ``method(cohort_k, *per_patient_k, kind)`` for each group ``k`` of
    patients with the same therapy kind in force (arrays sliced to the group)."""
    n = kind_now.shape[0]
    for kind in np.unique(kind_now):
        idx = np.flatnonzero(kind_now == kind)
        sub = cohort if idx.size == n else cohort.subset(idx)
        out[idx] = method(sub, *(a[idx] for a in per_patient), str(kind))
    return out


def _implant_crossovers(
    cross: NDArray[np.bool_], origin: NDArray[np.float64], month: float, trial_phase: bool,
    trial_done: NDArray[np.bool_], trial_success: NDArray[np.bool_],
    trial_months: NDArray[np.float64], delay_months: NDArray[np.float64], cohort: Cohort,
    therapy: Any, pain_model: PainModelLike, rng: np.random.Generator, threshold: float,
    start: NDArray[np.float64], events: _Events,
) -> None:  # fmt: skip
    """Patients crossing from a non-device arm to a device: trial phase and implant."""
    new = cross & np.isnan(origin)
    idx = np.flatnonzero(new)
    if not idx.size:
        return
    ok = np.ones(idx.size, dtype=bool)
    if trial_phase:
        ok = np.asarray(
            pain_model.trial_success(cohort.subset(idx), therapy, rng, threshold), dtype=bool
        )
        trial_done[idx] = True
        trial_success[idx] = ok
        events.add(new, np.full(new.size, month), "trial")
    got = idx[ok]
    origin[got] = month + np.where(trial_phase, trial_months[got], 0.0) + delay_months[got]
    start[got] = origin[got]


def _records(
    cohort: Cohort, arm_id: str, kind: str, months: NDArray[np.float64], rec: dict[str, Any],
    baseline_overall: NDArray[np.float64], trial_done: NDArray[np.bool_],
    trial_success: NDArray[np.bool_], origin: NDArray[np.float64],
    crossed_month: NDArray[np.float64], explant_month: NDArray[np.float64],
    reason: NDArray[np.str_], withdraw: NDArray[np.float64], horizon: float, device: _Device,
    events: _Events,
) -> VisitRecords:  # fmt: skip
    """Assemble the records: events observed before withdrawal and within the horizon."""
    end = np.minimum(withdraw, horizon)
    observed_explant = explant_month <= end
    implanted = ~np.isnan(origin) & (origin <= end)
    events.add(implanted, origin, "implant")
    t = device.event_months()
    stop = np.minimum(end, explant_month)
    for j, kind in enumerate(device.draw.names):
        happened = t[:, j] <= stop
        events.add(happened, t[:, j], kind)
        revised = happened & (device.draw.outcome[:, j] == 1)
        t_rev = t[:, j] + device.revision_delay[j]
        events.add(revised & (t_rev <= stop), t_rev, "revision")
    events.add(observed_explant, explant_month, "explant")
    events.add(withdraw <= horizon, withdraw, "withdrawal")
    if events.patient:
        patient = np.concatenate(events.patient)
        month = np.concatenate(events.month)
        kinds = np.concatenate(events.kind)
        # Events after withdrawal are not observed (except the withdrawal itself).
        keep = (month <= withdraw[patient]) | (kinds == "withdrawal")
        order = np.lexsort((month[keep], patient[keep]))
        patient, month, kinds = patient[keep][order], month[keep][order], kinds[keep][order]
    else:
        patient, month, kinds = np.zeros(0, np.int64), np.zeros(0), np.zeros(0, "<U24")
    return VisitRecords(
        arm=arm_id,
        therapy_kind=kind,
        months=months,
        region_names=cohort.region_names,
        baseline_nrs=cohort.baseline_nrs,
        nrs=rec["nrs"],
        overall_nrs=rec["overall"],
        baseline_overall_nrs=baseline_overall,
        odi=rec["odi"],
        baseline_odi=cohort.odi,
        mme_per_day=rec["mme"],
        baseline_mme_per_day=cohort.mme_per_day,
        pgic=rec["pgic"],
        status=rec["status"],
        trial_done=trial_done,
        trial_success=trial_success,
        implanted=implanted,
        crossed_over_month=crossed_month,
        explant_month=np.where(observed_explant, explant_month, np.nan),
        explant_reason=np.where(observed_explant, reason, ""),
        event_patient=patient,
        event_month=month,
        event_kind=kinds,
    )


__all__ = ["KINDS", "simulate_arm"]
