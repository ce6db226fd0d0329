"""DRG map in the pipeline: a program on one dorsal root ganglion, per neuron type.

The computation lives with the ganglion (:mod:`neurostim.drg.map`: lead placement, the DRG
finite-element field, pseudounipolar cells and their thresholds); this module is where the
pipeline offers it, beside :func:`neurostim.pipeline.scs.scs_map`.
"""

from __future__ import annotations

from neurostim.drg.map import NEURON_COLUMNS, DRGMap, drg_map

__all__ = ["NEURON_COLUMNS", "DRGMap", "drg_map"]
