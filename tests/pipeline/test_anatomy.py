"""A spinal-cord anatomy through the finite-element cord: placement, fibers, thresholds.

Geometry checks are independent arithmetic on the anatomy's numbers (the model's dural sac is
a circle through the dorsal and ventral CSF, origin on its axis, y growing ventrally). The
threshold checks are the spec's public trends (docs/reference/spinal-cord.md §4).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from neurostim.anatomy import load_anatomy
from neurostim.device import parse_program_text
from neurostim.errors import InputError
from neurostim.pipeline import (
    anatomy_placements,
    dorsal_column_fibers,
    fem_conductor,
    layered_cord,
    program_contacts,
    recruitment,
)

PROGRAM = (
    'name = "bipole"\nstimulator = "generic-rechargeable-16"\nleads = ["{lead}"]\n'
    '[[trains]]\nwaveform = "tonic"\namplitude_ma = 3.0\npulse_width_us = 210\nrate_hz = 50\n'
    'contacts = {{ "L1.E4" = -100, "L1.E5" = 100 }}\n'
)


def _program(lead: str = "percutaneous-8"):
    return parse_program_text(PROGRAM.format(lead=lead))


def _sac_radius(a) -> float:
    return a.cord_ap_mm / 2 + (a.dcsf_mm + a.vcsf_mm) / 2


def test_ring_lead_lies_its_gap_dorsal_of_the_dura() -> None:
    a = load_anatomy("T10", lead_gap_to_dura_mm=0.2, lead_ml_offset_mm=1.0)
    (place,) = anatomy_placements(_program(), a)
    x, y, _ = place.origin_mm
    r_dura = _sac_radius(a) + a.dura_thickness_mm
    assert x == 1.0
    # at x = 1 mm the dura's outer circle is at y = -sqrt(r^2 - 1); the axis lies the 0.2 mm gap
    # plus the 0.65 mm lead radius further dorsal
    assert y == pytest.approx(-math.sqrt(r_dura**2 - 1.0) - 0.2 - 0.65, abs=1e-12)
    ids, contacts = program_contacts(_program(), [place])
    e4, e5 = contacts[ids.index("L1.E4")], contacts[ids.index("L1.E5")]
    assert e4.center_xyz_mm[2] + e5.center_xyz_mm[2] == pytest.approx(0.0)  # active pair at z=0


def test_paddle_face_lies_on_the_dura() -> None:
    a = load_anatomy("T10", lead_gap_to_dura_mm=0.0)
    (place,) = anatomy_placements(_program("paddle-16"), a)
    _, contacts = program_contacts(_program("paddle-16"), [place])
    r_dura = _sac_radius(a) + a.dura_thickness_mm
    ys = {round(c.center_xyz_mm[1], 9) for c in contacts}
    assert ys == {round(-r_dura, 9)}


def test_fibers_lie_their_depth_below_the_dorsal_cord_surface() -> None:
    a = load_anatomy("T10")
    pop = dorsal_column_fibers(a, x_mm=(0.0,), depths_mm=(0.1, 0.4), diameters_um=(10.0,),
                               class_fractions=(1.0,))  # fmt: skip
    surface = (a.dcsf_mm - a.vcsf_mm) / 2 - a.cord_ap_mm / 2  # cord centre minus AP semi-axis
    ys = sorted(float(v[0, 1]) for v in pop.vertices_mm)
    assert ys == pytest.approx([surface + 0.1, surface + 0.4])
    with pytest.raises(InputError, match="depths_mm"):
        dorsal_column_fibers(a, depths_mm=(a.fibers.dc_max_depth_mm + 0.1,))
    with pytest.raises(InputError, match="x_mm"):
        dorsal_column_fibers(a, x_mm=(a.cord_transverse_mm,))


def test_the_model_takes_the_anatomy_as_it_is() -> None:
    a = load_anatomy("T8", conductivity="twente")
    cord = layered_cord(a)
    assert (cord.cord_ap_mm, cord.dcsf_mm, cord.length_mm) == (a.cord_ap_mm, a.dcsf_mm,
                                                               a.length_mm)  # fmt: skip
    assert cord.conductivity.dura == a.conductivity.values_s_per_m()["dura"]


def test_fem_thresholds_rise_with_depth_and_come_back_from_the_cache(tmp_path: Path) -> None:
    pytest.importorskip("ngsolve")
    a = load_anatomy("T10", length_mm=60.0)
    program = _program()
    pop = dorsal_column_fibers(a, x_mm=(0.0,), depths_mm=(0.1, 0.3, 0.5), diameters_um=(10.0,),
                               class_fractions=(1.0,), seed=None)  # fmt: skip
    place = anatomy_placements(program, a)
    first = recruitment(program, pop, conductor=fem_conductor(a, cache_dir=tmp_path),
                        placements=place, tolerance_rel=0.01)  # fmt: skip
    assert first.status.tolist() == ["ok", "ok", "ok"]
    assert first.conductor["cache_hit"] is False
    assert np.all(np.diff(first.threshold_ma) > 0)  # deeper fibers need more current
    again = recruitment(program, pop, conductor=fem_conductor(a, cache_dir=tmp_path),
                        placements=place, tolerance_rel=0.01)  # fmt: skip
    assert again.conductor["cache_hit"] is True
    assert np.array_equal(again.threshold_ma, first.threshold_ma)


def test_a_cord_wider_than_the_model_sac_is_refused_before_meshing() -> None:
    # the model's dural sac is a circle through the dorsal and ventral CSF: the cervical cord
    # (13.3 mm wide, 7.4 mm deep) does not fit in it; refused with the field named
    with pytest.raises(InputError, match="cord_transverse_mm"):
        layered_cord(load_anatomy("C5"))


def test_fibers_longer_than_the_model_are_refused_before_meshing(tmp_path: Path) -> None:
    # 41 nodes of a 16 um fiber span 64 mm: more than a 60 mm model; refused with the field
    # named, before any mesh is built (nothing in the cache)
    a = load_anatomy("T10", length_mm=60.0)
    pop = dorsal_column_fibers(a, diameters_um=(16.0,), class_fractions=(1.0,), x_mm=(0.0,),
                               depths_mm=(0.2,))  # fmt: skip
    with pytest.raises(InputError, match="length_mm"):
        recruitment(_program(), pop, conductor=fem_conductor(a, cache_dir=tmp_path),
                    placements=anatomy_placements(_program(), a))  # fmt: skip
    assert not any(tmp_path.iterdir())
