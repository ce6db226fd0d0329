"""neurostim.ecap: evoked compound action potentials recorded by the stimulator's own lead.

Recording lead fields by reciprocity from the stimulation stage's unit-current solves
(:mod:`~neurostim.ecap.leadfield`), the sense amplifier's sampling, artifact, noise and
blanking (:mod:`~neurostim.ecap.signal`), ECAP features (:mod:`~neurostim.ecap.features`),
growth curves with the closed-form fit and conduction velocity
(:mod:`~neurostim.ecap.growth`), steady-state ECAP against rate
(:mod:`~neurostim.ecap.frequency`), the growth-curve figure (:mod:`~neurostim.ecap.plots`).
Equations, parameters and validation: docs/ecap.md.
"""

from neurostim.ecap._params import ecap_parameters, parameter_table
from neurostim.ecap._sfap import EcapSetup, build_setup
from neurostim.ecap.features import EcapFeatures, ecap_features
from neurostim.ecap.frequency import FrequencyResponse, ecap_frequency
from neurostim.ecap.growth import (
    STATUSES,
    EcapTraces,
    GrowthCurve,
    GrowthFit,
    conduction_velocity_from_latencies,
    ecap_growth,
    fit_growth_curve,
    growth_model_uv,
)
from neurostim.ecap.leadfield import Montage, parse_record, recording_lead_fields
from neurostim.ecap.plots import plot_growth
from neurostim.ecap.signal import SCHEMES, artifact_uv, process, template_amplitude_uv

__all__ = [
    "SCHEMES",
    "STATUSES",
    "EcapFeatures",
    "EcapSetup",
    "EcapTraces",
    "FrequencyResponse",
    "GrowthCurve",
    "GrowthFit",
    "Montage",
    "artifact_uv",
    "build_setup",
    "conduction_velocity_from_latencies",
    "ecap_features",
    "ecap_frequency",
    "ecap_growth",
    "ecap_parameters",
    "fit_growth_curve",
    "growth_model_uv",
    "parameter_table",
    "parse_record",
    "plot_growth",
    "process",
    "recording_lead_fields",
    "template_amplitude_uv",
]
