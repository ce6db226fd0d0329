"""MRG geometry interpolated for any diameter, for the NEURON reference (``model =
"mrg-interpolation"``).

Evaluates the ASCENT ``MRG_INTERPOLATION`` fits [Musselman et al. 2021, PLoS Comput Biol
17:e1009285] from the coefficients shipped in ``neurostim/fibers/data/mrg_interpolation.toml``
(the same data the engine uses), with its own code: ``numpy.polyval`` on the coefficient lists
and the STIN length from the period, so that a slip in the engine's geometry code shows up as
a disagreement with NEURON.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from neurostim.errors import InputError


@cache
def _fits() -> dict[str, Any]:
    text = (resources.files("neurostim.fibers") / "data" / "mrg_interpolation.toml").read_text()
    return tomllib.loads(text)


def interpolated_columns(diameter_um: float) -> tuple[float, float, float, float, float]:
    """(node spacing, lamellae, node diameter, axon diameter, FLUT length) at ``diameter_um``,
    lengths and diameters in µm; InputError outside the fitted range."""
    f = _fits()
    lo, hi = f["diameter_range"]["min_um"], f["diameter_range"]["max_um"]
    d = float(diameter_um)
    if not (np.isfinite(d) and lo <= d <= hi):
        raise InputError("diameter_um", diameter_um, f"must lie in {lo:g}-{hi:g} µm")
    sp = f["node_spacing_um"]
    spacing = np.polyval(sp["coefficients"] if d >= sp["switch_diameter_um"]
                         else sp["small_coefficients"], d)  # fmt: skip
    return (
        float(spacing),
        float(np.polyval(f["lamellae"]["coefficients"], d)),
        float(np.polyval(f["node_diameter_um"]["coefficients"], d)),
        float(np.polyval(f["axon_diameter_um"]["coefficients"], d)),
        float(np.polyval(f["flut_length_um"]["coefficients"], d)),
    )
