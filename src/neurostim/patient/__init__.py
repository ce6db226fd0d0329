"""Virtual patients: pain regions by dermatome, cohorts, coverage and relief tables, pain scores.

Builds on :mod:`neurostim.pipeline` (the spinal-cord map, the circuit, the intrathecal pump);
:mod:`neurostim.clinic` builds on it. Specification: patient-clinic.md (docs/reference/).
"""

from neurostim.patient.cohort import (
    INCLUSION_KEYS,
    POSTURES,
    Cohort,
    concat_cohorts,
    generate_cohort,
    iter_cohort_chunks,
    posture_dcsf_mm,
)
from neurostim.patient.coverage import CoverageQuery, CoverageTable, coverage_table
from neurostim.patient.indications import (
    AnatomySampling,
    Distribution,
    Indication,
    PainPattern,
    anatomy_sampling,
    indication_names,
    load_indications,
)
from neurostim.patient.regions import Region, load_regions
from neurostim.patient.relief import (
    IntrathecalResponse,
    ReliefTable,
    intrathecal_response,
    is_paresthesia_free,
    paradigm_of,
    relief_table,
)

__all__ = [
    "INCLUSION_KEYS",
    "POSTURES",
    "AnatomySampling",
    "Cohort",
    "CoverageQuery",
    "CoverageTable",
    "Distribution",
    "Indication",
    "IntrathecalResponse",
    "PainPattern",
    "Region",
    "ReliefTable",
    "anatomy_sampling",
    "concat_cohorts",
    "coverage_table",
    "generate_cohort",
    "indication_names",
    "intrathecal_response",
    "is_paresthesia_free",
    "iter_cohort_chunks",
    "load_indications",
    "load_regions",
    "paradigm_of",
    "posture_dcsf_mm",
    "relief_table",
]
