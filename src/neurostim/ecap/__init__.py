"""neurostim.ecap: evoked compound action potentials recorded by the stimulator's own lead, and
the closed loop under posture changes.

Recording (docs/ecap.md): lead fields by reciprocity from the stimulation stage's unit-current
solves (:mod:`~neurostim.ecap.leadfield`), the sense amplifier's sampling, artifact, noise and
blanking (:mod:`~neurostim.ecap.signal`), ECAP features (:mod:`~neurostim.ecap.features`),
growth curves (:mod:`~neurostim.ecap.growth`) with the closed-form fit and conduction velocity
(:mod:`~neurostim.ecap.fit`), steady-state ECAP against rate (:mod:`~neurostim.ecap.frequency`),
the growth-curve figure (:mod:`~neurostim.ecap.plots`).

The closed loop (docs/ecap-loop.md): posture schedules (:mod:`~neurostim.ecap.posture`), ECAP
maps on a dCSF grid (:mod:`~neurostim.ecap.maps`), open- and closed-loop control
(:mod:`~neurostim.ecap.control`), traces and their Parquet files (:mod:`~neurostim.ecap.trace`)
and the figure (:mod:`~neurostim.ecap.loop_plots`).
"""

from neurostim.ecap._params import ecap_parameters, parameter_table
from neurostim.ecap._sfap import EcapSetup, build_setup
from neurostim.ecap.control import LoopLimits, LoopSetup, loop_limits, loop_setup, run_loop
from neurostim.ecap.features import EcapFeatures, ecap_features
from neurostim.ecap.fit import (
    GrowthFit,
    conduction_velocity_from_latencies,
    fit_growth_curve,
    growth_model_uv,
)
from neurostim.ecap.frequency import FrequencyResponse, ecap_frequency
from neurostim.ecap.growth import STATUSES, EcapTraces, GrowthCurve, ecap_growth
from neurostim.ecap.leadfield import Montage, parse_record, recording_lead_fields
from neurostim.ecap.loop_plots import plot_loop
from neurostim.ecap.maps import (
    ClosedFormPlant,
    EcapMap,
    InterpolationError,
    build_map,
    closed_form_plant,
    find_map,
    growth_from_curves,
    interpolation_error,
    read_map,
)
from neurostim.ecap.plots import plot_growth
from neurostim.ecap.posture import PostureSchedule, list_schedules, load_schedule, parse_schedule
from neurostim.ecap.signal import SCHEMES, artifact_uv, process, template_amplitude_uv
from neurostim.ecap.trace import PARQUET_COLUMNS, LoopTrace, read_trace

__all__ = [
    "PARQUET_COLUMNS",
    "SCHEMES",
    "STATUSES",
    "ClosedFormPlant",
    "EcapFeatures",
    "EcapMap",
    "EcapSetup",
    "EcapTraces",
    "FrequencyResponse",
    "GrowthCurve",
    "GrowthFit",
    "InterpolationError",
    "LoopLimits",
    "LoopSetup",
    "LoopTrace",
    "Montage",
    "PostureSchedule",
    "artifact_uv",
    "build_map",
    "build_setup",
    "closed_form_plant",
    "conduction_velocity_from_latencies",
    "ecap_features",
    "ecap_frequency",
    "ecap_growth",
    "ecap_parameters",
    "find_map",
    "fit_growth_curve",
    "growth_from_curves",
    "growth_model_uv",
    "interpolation_error",
    "list_schedules",
    "load_schedule",
    "loop_limits",
    "loop_setup",
    "parameter_table",
    "parse_record",
    "parse_schedule",
    "plot_growth",
    "plot_loop",
    "process",
    "read_map",
    "read_trace",
    "recording_lead_fields",
    "run_loop",
    "template_amplitude_uv",
]
