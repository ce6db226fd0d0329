"""neurostim.ecap: ECAP recording and the closed loop under posture changes.

The closed loop (this part): posture schedules (:mod:`~neurostim.ecap.posture`), ECAP maps
on a dCSF grid (:mod:`~neurostim.ecap.maps`), open- and closed-loop control
(:mod:`~neurostim.ecap.control`), traces and their Parquet files (:mod:`~neurostim.ecap.trace`)
and the figure (:mod:`~neurostim.ecap.loop_plots`).
"""

from neurostim.ecap.control import LoopLimits, LoopSetup, loop_limits, loop_setup, run_loop
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
from neurostim.ecap.posture import PostureSchedule, list_schedules, load_schedule, parse_schedule
from neurostim.ecap.trace import PARQUET_COLUMNS, LoopTrace, read_trace

__all__ = [
    "PARQUET_COLUMNS",
    "ClosedFormPlant",
    "EcapMap",
    "InterpolationError",
    "LoopLimits",
    "LoopSetup",
    "LoopTrace",
    "PostureSchedule",
    "build_map",
    "closed_form_plant",
    "find_map",
    "growth_from_curves",
    "interpolation_error",
    "list_schedules",
    "load_schedule",
    "loop_limits",
    "loop_setup",
    "parse_schedule",
    "plot_loop",
    "read_map",
    "read_trace",
    "run_loop",
]
