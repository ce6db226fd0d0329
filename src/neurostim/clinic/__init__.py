"""The clinical pathway and in-silico trials: protocols, the care pathway as a discrete-event
simulation, complications, outcome measures and analysis sets, trials on Dask.

Builds on :mod:`neurostim.patient`. Specification: patient-clinic.md (docs/reference/).
Protocol format, shipped calibration studies and outcome definitions: docs/clinic-protocols.md.
The 60-day percutaneous PNS course (peripheral-nerve.md §6): :mod:`neurostim.clinic.pns`,
docs/pns.md.
"""

from neurostim.clinic.complications import (
    Complication,
    ComplicationDraw,
    sample_complications,
)
from neurostim.clinic.interfaces import (
    CrossoverLike,
    PainModelLike,
    ProtocolLike,
    TherapyLike,
)
from neurostim.clinic.outcomes import (
    EndpointResult,
    analysis_set,
    endpoint_result,
    endpoint_value,
    evaluate_differences,
    evaluate_endpoints,
    wilson_ci95,
)
from neurostim.clinic.parameters import PathwayParameters, load_pathway_parameters
from neurostim.clinic.pathway import simulate_arm
from neurostim.clinic.pns import (
    PnsArm,
    PnsCourse,
    PnsEndpoint,
    PnsParameters,
    PnsStudy,
    PnsStudyResult,
    clopper_pearson,
    coverage_from_map,
    lead_type,
    load_pns_parameters,
    pns_study,
    pns_study_names,
    run_pns_study,
    simulate_pns_course,
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
from neurostim.clinic.records import STATUSES, VisitRecords
from neurostim.clinic.rules import evaluate_rule

__all__ = [
    "STATUSES",
    "Arm",
    "Complication",
    "ComplicationDraw",
    "Crossover",
    "CrossoverLike",
    "Difference",
    "Endpoint",
    "EndpointResult",
    "Inclusion",
    "PainModelLike",
    "PathwayParameters",
    "PnsArm",
    "PnsCourse",
    "PnsEndpoint",
    "PnsParameters",
    "PnsStudy",
    "PnsStudyResult",
    "Protocol",
    "ProtocolLike",
    "Therapy",
    "TherapyLike",
    "VisitRecords",
    "analysis_set",
    "clopper_pearson",
    "coverage_from_map",
    "endpoint_result",
    "endpoint_value",
    "evaluate_differences",
    "evaluate_endpoints",
    "evaluate_rule",
    "lead_type",
    "list_protocols",
    "load_pathway_parameters",
    "load_pns_parameters",
    "load_protocol",
    "pns_study",
    "pns_study_names",
    "protocol_from_dict",
    "run_pns_study",
    "sample_complications",
    "shipped_protocol",
    "simulate_arm",
    "simulate_pns_course",
    "wilson_ci95",
]
