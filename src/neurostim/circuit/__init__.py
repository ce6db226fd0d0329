"""neurostim.circuit: the dorsal-horn pain circuit (Zhang, Janik & Grill 2014) and the
Sagalajev et al. 2024 synchrony network, driven by afferent spike trains.

See docs/circuit.md for the model, its sources, validation and limits.
"""

from neurostim.circuit.afferents import (
    SpikeTrains,
    ongoing_trains,
    pain_state,
    renewal_train,
    windup_volleys,
)
from neurostim.circuit.network import Network, build_network, load_parameters
from neurostim.circuit.outputs import (
    locked_to_pulses,
    noci_rate_hz,
    pain_proxy_nrs,
    percent_inhibition,
    rate_over_time_hz,
    window_rate_hz,
)
from neurostim.circuit.programs import (
    BurstTrain,
    CycledProgram,
    KilohertzTrain,
    MultiplexedProgram,
    TonicTrain,
)
from neurostim.circuit.sagalajev import (
    SynchronyResult,
    async_input,
    simulate_synchrony,
    sync_input,
)
from neurostim.circuit.simulate import BatchResult, Condition, simulate
from neurostim.circuit.sweep import SweepSpec, run_sweep, summarize

__all__ = [
    "BatchResult",
    "BurstTrain",
    "Condition",
    "CycledProgram",
    "KilohertzTrain",
    "MultiplexedProgram",
    "Network",
    "SpikeTrains",
    "SweepSpec",
    "SynchronyResult",
    "TonicTrain",
    "async_input",
    "build_network",
    "load_parameters",
    "locked_to_pulses",
    "noci_rate_hz",
    "ongoing_trains",
    "pain_proxy_nrs",
    "pain_state",
    "percent_inhibition",
    "rate_over_time_hz",
    "renewal_train",
    "run_sweep",
    "simulate",
    "simulate_synchrony",
    "summarize",
    "sync_input",
    "window_rate_hz",
    "windup_volleys",
]
