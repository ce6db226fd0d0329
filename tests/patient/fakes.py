"""Small, transparent stand-ins for the tabulated stages, and a hand-built cohort."""

from __future__ import annotations

import numpy as np

from neurostim.patient.cohort import Cohort


class LinearCoverage:
    """PT = 1 + 0.2 dCSF (mA); recruited fraction = clip(ratio - 1, 0, 1); covered when >= 0.5."""

    def pt_ma(self, dcsf_mm, cord_offset_mm):
        return 1.0 + 0.2 * np.asarray(dcsf_mm)

    def region_coverage(self, dcsf_mm, cord_offset_mm, amplitude_ratio, dermatomes, sides):
        f = np.clip(np.asarray(amplitude_ratio) - 1.0, 0.0, 1.0)
        return (f >= 0.5).astype(float), f


class ProportionalRelief:
    """S = min(2 f, 1) whatever the paradigm; 0.4 below threshold for khz."""

    def specific_relief(self, paradigm, recruited_fraction, amplitude_ratio):
        s = np.minimum(2.0 * np.asarray(recruited_fraction), 1.0)
        if paradigm == "khz":
            return np.full_like(s, 0.4)
        return s


def cohort(n: int = 6, seed: int = 0, regions=("back", "leg_left")) -> Cohort:
    rng = np.random.default_rng(seed)
    return Cohort(
        indication="fbss",
        region_names=tuple(regions),
        lead_level="T9",
        patient_id=np.arange(n, dtype=np.int64),
        age_years=np.full(n, 55.0),
        female=np.zeros(n, dtype=bool),
        baseline_nrs=np.column_stack([np.full(n, 7.0), np.full(n, 6.0)])[:, : len(regions)],
        dcsf_mm=np.linspace(3.0, 6.0, n),
        prone_dcsf_shift_mm=np.full(n, 2.0),
        cord_offset_mm=np.zeros(n),
        usage_ratio=np.linspace(1.3, 2.2, n),
        posture_fraction=np.tile([0.4, 0.3, 0.25, 0.05], (n, 1)),
        psy=np.full(n, 0.3),
        response_z=rng.normal(size=n),
        mme_per_day=np.full(n, 60.0),
        odi=np.full(n, 50.0),
        prior_scs=np.zeros(n, dtype=bool),
    )
