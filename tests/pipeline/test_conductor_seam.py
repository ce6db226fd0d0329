"""A new volume conductor drops into recruitment without touching the fiber stage.

Independent check: in a linear cable, the threshold amplitude scales as 1 / (field gain). A
conductor that returns the homogeneous field times g (as if the medium conducted 1/g as well)
must give thresholds divided by g, to the search tolerance, and the same statuses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurostim.device import load_program
from neurostim.fibers import straight_fibers
from neurostim.field import HomogeneousConductor, Medium, VolumeConductor
from neurostim.pipeline import recruitment
from neurostim.testing import assert_close

PROGRAMS = Path(__file__).resolve().parents[2] / "examples" / "programs"


class _Gain(VolumeConductor):
    name = "gain"

    def __init__(self, gain: float) -> None:
        self.gain = gain
        self.calls = 0

    def unit_potentials_mv(self, contacts, points_xyz_mm):
        self.calls += 1
        return self.gain * HomogeneousConductor().unit_potentials_mv(contacts, points_xyz_mm)


def test_thresholds_scale_with_the_conductor_gain() -> None:
    program = load_program(PROGRAMS / "tonic.toml")
    fibers = straight_fibers(np.array([0.0, 1.0]), 2.0, 10.0, z_center_mm=7.5)
    base = recruitment(program, fibers, tolerance_rel=1e-3)
    gain = _Gain(2.5)
    scaled = recruitment(program, fibers, conductor=gain, tolerance_rel=1e-3)
    assert gain.calls >= 1
    assert base.status.tolist() == scaled.status.tolist() == ["ok", "ok"]
    assert_close(scaled.threshold_ma, base.threshold_ma / 2.5, rtol=3e-3,
                 what="threshold under a 2.5x field", unit="mA")  # fmt: skip
    assert scaled.conductor == {"conductor": "gain"}


def test_half_the_conductivity_halves_the_thresholds() -> None:
    # the homogeneous medium at sigma/2 is the gain-2 conductor: same thresholds / 2
    program = load_program(PROGRAMS / "tonic.toml")
    fibers = straight_fibers(0.0, 2.0, 10.0, z_center_mm=7.5)
    base = recruitment(program, fibers, tolerance_rel=1e-3)
    half = recruitment(
        program, fibers, conductor=HomogeneousConductor(Medium(0.1)), tolerance_rel=1e-3
    )
    assert_close(half.threshold_ma, base.threshold_ma / 2.0, rtol=3e-3,
                 what="threshold at sigma 0.1 S/m", unit="mA")  # fmt: skip
