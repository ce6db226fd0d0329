"""The clinical pathway and in-silico trials: protocols, the care pathway as a discrete-event
simulation, complications, outcome measures and analysis sets, trials on Dask.

Builds on :mod:`neurostim.patient`. Specification: patient-clinic.md (docs/reference/).
Protocol format, shipped calibration studies and outcome definitions: docs/clinic-protocols.md.
"""

from neurostim.clinic.outcomes import (
    EndpointResult,
    analysis_set,
    endpoint_result,
    endpoint_value,
    evaluate_differences,
    evaluate_endpoints,
    wilson_ci95,
)
from neurostim.clinic.protocol import (
    Arm,
    Crossover,
    Difference,
    Endpoint,
    Inclusion,
    Protocol,
    Therapy,
    list_protocols,
    load_protocol,
    protocol_from_dict,
    shipped_protocol,
)

__all__ = [
    "Arm",
    "Crossover",
    "Difference",
    "Endpoint",
    "EndpointResult",
    "Inclusion",
    "Protocol",
    "Therapy",
    "analysis_set",
    "endpoint_result",
    "endpoint_value",
    "evaluate_differences",
    "evaluate_endpoints",
    "list_protocols",
    "load_protocol",
    "protocol_from_dict",
    "shipped_protocol",
    "wilson_ci95",
]
