"""neurostim: neuromodulation for chronic pain in silico.

The pipeline, one subpackage per stage (dependencies point down the pipeline only)::

    device  ->  field  ->  fibers  ->  circuit  ->  patient  ->  clinic
    intrathecal: pump -> CSF pharmacokinetics -> effect

Import the stage you need, e.g. ``from neurostim import device``.
"""

from neurostim.errors import InputError, NeurostimError, SafetyLimitError, SolverError

__version__ = "0.1.0.dev0"

__all__ = ["InputError", "NeurostimError", "SafetyLimitError", "SolverError", "__version__"]
