"""Perineurium thickness from fascicle diameter (peripheral-nerve.md §1.2).

``d`` is the diameter of the fascicle's equal-area circle (um). Rules:

==================  =====================================  ==================================
rule                thickness (um)                         source
==================  =====================================  ==================================
``fraction``        value * d (human somatic, default      [S NRV] (Grinberg 2008 [R]):
                    0.03; sciatic 0.033, tibial 0.026,     thickness proportional to d
                    peroneal 0.028, ulnar 0.026, median
                    0.033)
``pelot_human_vn``  0.03702 d + 10.50                      [S Pe20 via ASC, golgi]
``pelot_pig_vn``    0.02547 d + 3.44                       [S Pe20 via ASC, golgi]
``pelot_rat_vn``    0.01292 d + 1.367                      [S Pe20 via ASC, golgi]
``fixed_um``        value                                  [ours]
==================  =====================================  ==================================
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neurostim.errors import InputError

PELOT_UM: dict[str, tuple[float, float]] = {
    "pelot_human_vn": (0.03702, 10.50),
    "pelot_pig_vn": (0.02547, 3.44),
    "pelot_rat_vn": (0.01292, 1.367),
}
"""Slope and intercept (um) of Pelot's vagus relations, §1.2 [S Pe20 via ASC, golgi]."""

RULES = ("fraction", "fixed_um", *PELOT_UM)
"""The perineurium rules a nerve file may name."""

MAX_FRACTION = 0.5
"""A perineurium thicker than half the fascicle diameter leaves no endoneurium."""


def check_rule(rule: str, value: float) -> None:
    """InputError naming ``nerve.perineurium_rule`` / ``nerve.perineurium_value`` if invalid."""
    if rule not in RULES:
        raise InputError("nerve.perineurium_rule", rule, f"one of {', '.join(RULES)}")
    if rule == "fraction" and not 0.0 < value < MAX_FRACTION:
        raise InputError(
            "nerve.perineurium_value", value, f"a fraction of d in (0, {MAX_FRACTION:g})"
        )
    if rule == "fixed_um" and not value > 0.0:
        raise InputError("nerve.perineurium_value", value, "a thickness > 0 um")


def perineurium_thickness_um(
    diameter_um: ArrayLike, rule: str = "fraction", value: float = 0.03
) -> NDArray[np.float64]:
    """Perineurium thickness (um), shape of ``diameter_um`` (equal-area diameters, um)."""
    check_rule(rule, value)
    d = np.asarray(diameter_um, np.float64)
    if rule == "fraction":
        return value * d
    if rule == "fixed_um":
        return np.full_like(d, value)
    slope, intercept = PELOT_UM[rule]
    return slope * d + intercept


__all__ = ["PELOT_UM", "RULES", "check_rule", "perineurium_thickness_um"]
