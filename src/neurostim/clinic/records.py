"""What the pathway records for one arm of a trial: every patient at every visit.

:class:`VisitRecords` is the interface between the pathway (:mod:`neurostim.clinic.pathway`)
and the outcome measures (:mod:`neurostim.clinic.outcomes`). Arrays are ``(n_patients,)`` or
``(n_patients, n_visits[, n_regions])``; months count from randomization.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

STATUSES = ("on_therapy", "not_implanted", "explanted", "crossed_over", "withdrawn")
"""Values of :attr:`VisitRecords.status`: the patient's state at a visit."""


@dataclass
class VisitRecords:
    """One arm's patients through its visits."""

    arm: str
    therapy_kind: str
    months: NDArray[np.float64]
    """(n_visits,) visit times, months from randomization"""
    region_names: tuple[str, ...]
    baseline_nrs: NDArray[np.float64]
    """(n, n_regions), NaN = region not painful"""
    nrs: NDArray[np.float64]
    """(n, n_visits, n_regions), NaN = region not painful or no visit"""
    overall_nrs: NDArray[np.float64]
    """(n, n_visits)"""
    baseline_overall_nrs: NDArray[np.float64]
    """(n,)"""
    odi: NDArray[np.float64]
    """(n, n_visits)"""
    baseline_odi: NDArray[np.float64]
    """(n,)"""
    mme_per_day: NDArray[np.float64]
    """(n, n_visits)"""
    baseline_mme_per_day: NDArray[np.float64]
    """(n,)"""
    pgic: NDArray[np.int64]
    """(n, n_visits) 1 (very much improved) - 7 (very much worse); 0 = no visit"""
    status: NDArray[np.str_]
    """(n, n_visits) one of :data:`STATUSES`"""
    trial_done: NDArray[np.bool_]
    """(n,) went through a trial phase"""
    trial_success: NDArray[np.bool_]
    """(n,) trial phase met the success rule (False where no trial was done)"""
    implanted: NDArray[np.bool_]
    """(n,)"""
    crossed_over_month: NDArray[np.float64]
    """(n,) NaN = never crossed over"""
    explant_month: NDArray[np.float64]
    """(n,) NaN = never explanted"""
    explant_reason: NDArray[np.str_]
    """(n,) "" = never explanted"""
    event_patient: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    """(n_events,) patient index of each complication or procedure"""
    event_month: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    """(n_events,)"""
    event_kind: NDArray[np.str_] = field(default_factory=lambda: np.zeros(0, "<U24"))
    """(n_events,) infection, migration, hardware, ipg_pain, csf_leak, hematoma, revision,
    explant, reprogramming, ..."""

    @property
    def n_patients(self) -> int:
        return int(self.baseline_nrs.shape[0])

    def had_event(self, kind: str, by_month: float) -> NDArray[np.bool_]:
        """(n,) whether each patient had an event of ``kind`` at or before ``by_month``."""
        hit = np.zeros(self.n_patients, dtype=bool)
        sel = (self.event_kind == kind) & (self.event_month <= by_month)
        hit[self.event_patient[sel]] = True
        return hit
