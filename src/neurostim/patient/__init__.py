"""Virtual patients: pain regions by dermatome, cohorts, coverage and relief tables, pain scores.

Builds on :mod:`neurostim.pipeline` (the spinal-cord map, the circuit, the intrathecal pump);
:mod:`neurostim.clinic` builds on it. Specification: patient-clinic.md (docs/reference/).
"""

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
    "IntrathecalResponse",
    "Region",
    "ReliefTable",
    "intrathecal_response",
    "is_paresthesia_free",
    "load_regions",
    "paradigm_of",
    "relief_table",
]
