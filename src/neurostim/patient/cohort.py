"""A cohort of virtual patients as arrays: one row per patient (spec: patient-clinic.md §1, §6.1).

:class:`Cohort` holds every per-patient quantity the pain model and the pathway read, each an
array of shape ``(n_patients,)`` or ``(n_patients, n_regions)``; :func:`generate_cohort` draws
one from the distributions of an indication (``data/indications.toml``), seeded.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

POSTURES = ("supine", "sitting", "standing", "prone")
"""Column order of :attr:`Cohort.posture_fraction`."""


@dataclass(frozen=True)
class Cohort:
    """Virtual patients of one indication, as arrays (``n`` = number of patients).

    ``baseline_nrs[i, j]`` is NaN where patient ``i`` has no pain in region ``j``.
    ``cord_offset_mm`` is signed: + puts the cord to the patient's right of the lead's midline.
    """

    indication: str
    region_names: tuple[str, ...]
    lead_level: str
    patient_id: NDArray[np.int64]
    """(n,)"""
    age_years: NDArray[np.float64]
    """(n,)"""
    female: NDArray[np.bool_]
    """(n,)"""
    baseline_nrs: NDArray[np.float64]
    """(n, n_regions), 0-10; NaN = region not painful"""
    dcsf_mm: NDArray[np.float64]
    """(n,) dorsal CSF thickness at the lead level, supine"""
    prone_dcsf_shift_mm: NDArray[np.float64]
    """(n,) added to dcsf_mm lying prone"""
    cord_offset_mm: NDArray[np.float64]
    """(n,) signed mediolateral offset of the cord from the lead's midline"""
    usage_ratio: NDArray[np.float64]
    """(n,) discomfort threshold / perception threshold"""
    posture_fraction: NDArray[np.float64]
    """(n, 4) share of the day supine, sitting, standing, prone (:data:`POSTURES`)"""
    psy: NDArray[np.float64]
    """(n,) psychosocial risk score 0-1"""
    response_z: NDArray[np.float64]
    """(n,) standard-normal propensity to respond to a specific therapy"""
    mme_per_day: NDArray[np.float64]
    """(n,) opioid dose, morphine milligram equivalents per day (0 = none)"""
    odi: NDArray[np.float64]
    """(n,) Oswestry Disability Index at baseline, 0-100"""
    prior_scs: NDArray[np.bool_]
    """(n,)"""

    @property
    def n_patients(self) -> int:
        return int(self.patient_id.shape[0])

    def subset(self, index: Any) -> Cohort:
        """The patients selected by ``index`` (boolean mask or integer indices)."""
        changes = {
            f.name: getattr(self, f.name)[index]
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }
        return replace(self, **changes)

    def to_columns(self) -> dict[str, NDArray[Any]]:
        """One 1-D array per column (regions and postures spread out), for tables."""
        out: dict[str, NDArray[Any]] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, np.ndarray):
                continue
            if f.name == "baseline_nrs":
                for j, region in enumerate(self.region_names):
                    out[f"baseline_nrs_{region}"] = value[:, j]
            elif f.name == "posture_fraction":
                for j, posture in enumerate(POSTURES):
                    out[f"{posture}_fraction"] = value[:, j]
            else:
                out[f.name] = value
        return out
