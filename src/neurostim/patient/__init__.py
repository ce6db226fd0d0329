"""Virtual patients: pain regions by dermatome, cohorts, coverage and relief tables, pain scores.

Builds on :mod:`neurostim.pipeline` (the spinal-cord map, the circuit, the intrathecal pump);
:mod:`neurostim.clinic` builds on it. Specification: patient-clinic.md (docs/reference/).
"""

from neurostim.patient.coverage import CoverageQuery, CoverageTable, coverage_table
from neurostim.patient.regions import Region, load_regions

__all__ = ["CoverageQuery", "CoverageTable", "Region", "coverage_table", "load_regions"]
