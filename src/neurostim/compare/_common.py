"""Helpers shared by the NEURON fibers (MRG and Sundt): input checks and the point source.

- ``check_positive`` / ``check_odd_count``: InputError for a non-positive value or a section
  count that has no centre (the source sits over the centre node).
- ``phi_mv``: the point source of PROTOCOL.md §3, at (0, distance, z of the centre node) in
  0.2 S/m, as the potential per mA at every compartment centre.
- ``timed_threshold_search``: the threshold search of a built fiber under that source, timed
  from a given start (the fiber build included).
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from neurostim.compare._nrn_run import NrnFiber
from neurostim.compare._nrn_search import threshold_search
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


def timed_threshold_search(
    fiber: NrnFiber,
    distance_mm: float,
    w: NDArray[np.float64],
    sign: float,
    dt_ms: float,
    tstop_ms: float,
    tolerance_rel: float,
    guess_ma: float,
    started_s: float,
    *,
    verify: bool,
    no_ap_anywhere_below: bool = True,
) -> dict:
    """:func:`threshold_search` under the point source of :func:`phi_mv`.

    ``started_s`` is a ``time.perf_counter()`` reading; the result's ``seconds`` counts from it,
    so that it includes what the caller did before (the fiber build).
    """
    phi = phi_mv(fiber, distance_mm)
    check_positive(guess_ma, "guess_ma", "mA")
    result = threshold_search(
        fiber,
        phi,
        w,
        sign,
        dt_ms,
        tstop_ms,
        tolerance_rel,
        guess_ma,
        verify=verify,
        no_ap_anywhere_below=no_ap_anywhere_below,
    )
    result["seconds"] = time.perf_counter() - started_s
    return result
