"""Transparent stand-ins for the pain model, therapies, protocols and cohorts of the pathway tests.

Formulas (chosen so a test can predict the outcome by hand):
relief = level * max(0, 1 - lead_shift_mm / 20) in every region (level 0 for cmm/placebo);
NRS = clip(NRS0 (1 - relief) (1 - nonspecific[kind]) + noise, 0, 10);
overall = mean over painful regions; ODI = ODI0 * overall / overall0;
MME = MME0 * overall / overall0; PGIC from the overall relief.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neurostim.patient.cohort import Cohort

NONSPECIFIC = {"scs": 0.0, "intrathecal": 0.0, "cmm": 0.0, "placebo": 0.0}


def fake_cohort(
    n: int, *, seed: int = 0, regions: tuple[str, ...] = ("back", "leg_left", "leg_right")
) -> Cohort:
    rng = np.random.default_rng(seed)
    nrs0 = rng.uniform(6.0, 9.0, (n, len(regions)))
    if len(regions) > 2:
        nrs0[rng.random(n) < 0.3, 2] = np.nan  # unilateral leg pain
    posture = np.tile([0.3, 0.3, 0.3, 0.1], (n, 1))
    return Cohort(
        indication="fbss",
        region_names=regions,
        lead_level="T10",
        patient_id=np.arange(n, dtype=np.int64),
        age_years=rng.uniform(40, 70, n),
        female=rng.random(n) < 0.5,
        baseline_nrs=nrs0,
        dcsf_mm=rng.uniform(2.0, 6.0, n),
        prone_dcsf_shift_mm=np.full(n, 2.2),
        cord_offset_mm=rng.uniform(-1.5, 1.5, n),
        usage_ratio=np.full(n, 1.5),
        posture_fraction=posture,
        psy=rng.beta(2, 5, n),
        response_z=rng.standard_normal(n),
        mme_per_day=rng.uniform(0, 120, n),
        odi=rng.uniform(30, 70, n),
        prior_scs=np.zeros(n, dtype=bool),
    )


@dataclass
class FakeTherapy:
    kind: str
    level: float = 0.6
    calls: list[dict[str, Any]] = field(default_factory=list)

    def relief(
        self, cohort: Cohort, months_on: NDArray[np.float64], *, lead_shift_mm: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        self.calls.append(
            {
                "n": cohort.n_patients,
                "months_on": np.array(months_on),
                "shift": np.array(lead_shift_mm),
                "ids": cohort.patient_id.copy(),
            }
        )
        r = self.level * np.clip(1.0 - np.asarray(lead_shift_mm) / 20.0, 0.0, 1.0)
        return np.repeat(r[:, None], len(cohort.region_names), axis=1)


@dataclass
class FakePainModel:
    noise_sd: float = 0.0
    trial_pass: float = 0.9
    """trial succeeds for patients with response_z below this quantile of N(0,1)"""

    def noise(self, rng: np.random.Generator, cohort: Cohort, n_visits: int) -> NDArray[np.float64]:
        return self.noise_sd * rng.standard_normal(
            (cohort.n_patients, n_visits, len(cohort.region_names))
        )

    def nrs(
        self,
        cohort: Cohort,
        relief: NDArray[np.float64],
        months: NDArray[np.float64],
        noise: NDArray[np.float64],
        kind: str,
    ) -> NDArray[np.float64]:
        n_spec = NONSPECIFIC[kind]
        return np.clip(cohort.baseline_nrs * (1.0 - relief) * (1.0 - n_spec) + noise, 0.0, 10.0)

    def overall(self, cohort: Cohort, nrs: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.nanmean(nrs, axis=1)

    def trial_success(
        self, cohort: Cohort, therapy: Any, rng: np.random.Generator, threshold: float
    ) -> NDArray[np.bool_]:
        from statistics import NormalDist

        return cohort.response_z < NormalDist().inv_cdf(self.trial_pass)

    def odi(
        self, cohort: Cohort, overall_nrs: NDArray[np.float64], months: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        return cohort.odi * overall_nrs / self.overall(cohort, cohort.baseline_nrs)

    def mme(
        self,
        cohort: Cohort,
        overall_nrs: NDArray[np.float64],
        months: NDArray[np.float64],
        kind: str,
    ) -> NDArray[np.float64]:
        return cohort.mme_per_day * overall_nrs / self.overall(cohort, cohort.baseline_nrs)

    def pgic(self, cohort: Cohort, overall_nrs: NDArray[np.float64]) -> NDArray[np.int64]:
        rel = 1.0 - overall_nrs / self.overall(cohort, cohort.baseline_nrs)
        return np.clip(4 - np.round(rel * 6).astype(np.int64), 1, 7)


@dataclass
class FakeCrossover:
    month: float
    rule: str
    fraction: float | None = None


@dataclass
class FakeProtocol:
    trial_phase: bool = True
    trial_success_relief: float = 0.5
    follow_up_months: tuple[float, ...] = (1.0, 3.0, 6.0, 12.0, 24.0)
    crossover: FakeCrossover | None = None
    arms: tuple[Any, ...] = ()
