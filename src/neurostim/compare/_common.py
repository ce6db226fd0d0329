"""Helpers shared by the NEURON fibers (MRG and Sundt): input checks and the point source.

- ``check_positive`` / ``check_odd_count``: InputError for a non-positive value or a section
  count that has no centre (the source sits over the centre node).
- ``phi_mv``: the point source of PROTOCOL.md §3, at (0, distance, z of the centre node) in
  0.2 S/m, as the potential per mA at every compartment centre.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from neurostim.compare._nrn_run import NrnFiber
from neurostim.errors import InputError
from neurostim.field import point_source_potential_mv

SIGMA_S_PER_M = 0.2


def check_positive(value: float, field: str, unit: str) -> None:
    if not (np.isfinite(value) and value > 0):
        raise InputError(field, value, f"must be a positive number ({unit})")


def check_odd_count(value: int, field: str) -> None:
    if int(value) != value or value < 5 or value % 2 == 0:
        raise InputError(field, value, "must be an odd integer >= 5")


def phi_mv(fiber: NrnFiber, distance_mm: float) -> NDArray[np.float64]:
    """Potential per mA at every compartment centre; source over the centre node.

    Returns
    -------
    ndarray of shape (n_sections,)
    """
    z_mm = fiber.z_um * 1e-3
    z_c = z_mm[fiber.node_sections[(fiber.n_nodes - 1) // 2]]
    points = np.stack([np.zeros_like(z_mm), np.zeros_like(z_mm), z_mm], axis=1)
    return point_source_potential_mv(1.0, [0.0, distance_mm, z_c], points, SIGMA_S_PER_M)
