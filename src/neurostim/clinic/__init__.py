"""The clinical pathway and in-silico trials: protocols, the care pathway as a discrete-event
simulation, complications, outcome measures and analysis sets, trials on Dask.

Builds on :mod:`neurostim.patient`. Specification: patient-clinic.md (docs/reference/).
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
from neurostim.clinic.parameters import PathwayParameters, load_pathway_parameters
from neurostim.clinic.pathway import simulate_arm
from neurostim.clinic.records import STATUSES, VisitRecords
from neurostim.clinic.rules import evaluate_rule

__all__ = [
    "STATUSES",
    "Complication",
    "ComplicationDraw",
    "CrossoverLike",
    "PainModelLike",
    "PathwayParameters",
    "ProtocolLike",
    "TherapyLike",
    "VisitRecords",
    "evaluate_rule",
    "load_pathway_parameters",
    "sample_complications",
    "simulate_arm",
]
