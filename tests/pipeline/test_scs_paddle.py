"""A catalog paddle (paddle-16: two columns of eight 4 x 1 mm contacts at x = -1.5 / +1.5 mm,
E1-E8 left, E9-E16 right) maps end to end on the finite-element cord, slow.

Checks that do not depend on the model's numbers: the program places the paddle flat on the
dura with its contacts side by side across the cord; every solve converges; each contact's
impedance lies in the clinical range 200-5000 ohm (docs/reference/device.md); a program that is
mirror-symmetric about the midline (E4-/E5+ and E12-/E13+, the same on both columns) recruits
the left and right dorsal columns alike: the lowest DC threshold on each side within 3 % (the
mesh is not mirror-symmetric; the paddle fixture of tests/field/fem allows 2 % on potentials).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurostim.anatomy import load_anatomy
from neurostim.device import parse_program_text

pytestmark = pytest.mark.slow

PROGRAM = (
    'name = "paddle bipoles"\nstimulator = "generic-rechargeable-16"\nleads = ["paddle-16"]\n'
    '[[trains]]\nwaveform = "tonic"\namplitude_ma = 4.0\npulse_width_us = 210\nrate_hz = 50\n'
    'contacts = { "L1.E4" = -50, "L1.E12" = -50, "L1.E5" = 50, "L1.E13" = 50 }\n'
)


def test_paddle_maps_symmetrically(tmp_path: Path) -> None:
    pytest.importorskip("ngsolve")
    from neurostim.pipeline.scs import scs_map

    a = load_anatomy("T10", dcsf_mm=3.0)
    result, ids = scs_map(parse_program_text(PROGRAM), a,
                          conductor_options={"cache_dir": tmp_path})  # fmt: skip
    fem = result.recruitment.conductor
    assert fem["solver_status"] == ["ok"] * 16
    z = [c["impedance_ohm"] for c in result.contacts(ids)]
    assert all(200.0 < v < 5000.0 for v in z), z
    rec, f = result.recruitment, result.fibers
    ok = (rec.status == "ok") & (f.population == "dc")
    left = rec.threshold_ma[ok & (f.side == "left")].min()
    right = rec.threshold_ma[ok & (f.side == "right")].min()
    assert abs(left / right - 1.0) < 0.03, (left, right)
    assert np.isfinite(result.perception_threshold_ma)
