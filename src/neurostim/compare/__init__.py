"""neurostim.compare: the reference protocol run in NEURON (optional extra ``compare``).

Used by benchmarks and by ``@pytest.mark.neuron`` tests to compare neurostim's fiber engine with
NEURON in the same run. Importing this package does not import NEURON; the first call compiles
the shipped NMODL mechanisms into a per-user cache (``~/.cache/neurostim/nrn/<hash>``).
Protocol: docs/reference/PROTOCOL.md; agreement with its CSVs: docs/compare.md.
"""

from neurostim.compare._mechanisms import NeuronUnavailableError, neuron_available
from neurostim.compare.neuron_mrg import (
    neuron_cv,
    neuron_response,
    neuron_resting_potential_mv,
    neuron_threshold,
)
from neurostim.compare.neuron_sundt import (
    neuron_sundt_cv,
    neuron_sundt_resting_state,
    neuron_sundt_threshold,
)
from neurostim.compare.neuron_tigerholm import (
    build_tigerholm_fiber,
    neuron_tigerholm_response,
    neuron_tigerholm_resting_state,
)

__all__ = [
    "NeuronUnavailableError",
    "build_tigerholm_fiber",
    "neuron_available",
    "neuron_cv",
    "neuron_response",
    "neuron_resting_potential_mv",
    "neuron_sundt_cv",
    "neuron_sundt_resting_state",
    "neuron_sundt_threshold",
    "neuron_threshold",
    "neuron_tigerholm_response",
    "neuron_tigerholm_resting_state",
]
