"""A spinal-cord anatomy through the finite-element cord: placement, fibers, thresholds.

Geometry checks are independent arithmetic on the anatomy's numbers (the model's dural sac is
an ellipse with semi-axes cord_transverse/2 + lateral CSF and cord_ap/2 + (dCSF + vCSF)/2,
docs/reference/spinal-cord.md §1.5; origin on its axis, y growing ventrally). The
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


def _dura_semi_axes(a) -> tuple[float, float]:
    ax = a.cord_transverse_mm / 2 + a.lateral_csf_mm + a.dura_thickness_mm
    ay = a.cord_ap_mm / 2 + (a.dcsf_mm + a.vcsf_mm) / 2 + a.dura_thickness_mm
    return ax, ay


def test_ring_lead_lies_its_gap_dorsal_of_the_dura() -> None:
    a = load_anatomy("T10", lead_gap_to_dura_mm=0.2, lead_ml_offset_mm=1.0)
    (place,) = anatomy_placements(_program(), a)
    x, y, _ = place.origin_mm
    ax, ay = _dura_semi_axes(a)
    assert x == 1.0
    # at x = 1 mm the dura's outer ellipse is at y = -ay sqrt(1 - (1/ax)^2); the axis lies the
    # 0.2 mm gap plus the 0.65 mm lead radius further dorsal
    assert y == pytest.approx(-ay * math.sqrt(1.0 - (1.0 / ax) ** 2) - 0.2 - 0.65, abs=1e-12)
    ids, contacts = program_contacts(_program(), [place])
    e4, e5 = contacts[ids.index("L1.E4")], contacts[ids.index("L1.E5")]
    assert e4.center_xyz_mm[2] + e5.center_xyz_mm[2] == pytest.approx(0.0)  # active pair at z=0


def test_paddle_face_lies_on_the_dura() -> None:
    a = load_anatomy("T10", lead_gap_to_dura_mm=0.0)
    (place,) = anatomy_placements(_program("paddle-16"), a)
    _, contacts = program_contacts(_program("paddle-16"), [place])
    _, ay = _dura_semi_axes(a)
    ys = {round(c.center_xyz_mm[1], 9) for c in contacts}
    assert ys == {round(-ay, 9)}


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


@pytest.mark.parametrize("level", ["C5", "T8", "T10", "T12"])
def test_every_level_fits_the_elliptical_sac(level: str) -> None:
    # spinal-cord.md §1.1/§1.5: the cervical cord is 13.3 mm wide and 7.4 mm deep; the model's
    # sac is the anatomy's ellipse, so every shipped level (C5 included) nests: cord in sac,
    # sac in dura, dura in the epidural layer, that in the bone circle
    a = load_anatomy(level)
    cord = layered_cord(a)
    ax, ay = _dura_semi_axes(a)
    assert cord.dura_semi_axes_mm == pytest.approx((ax, ay), abs=1e-12)
    ex, ey = cord.epidural_semi_axes_mm
    assert (ex - ax, ey - ay) == pytest.approx((a.epidural_thickness_mm,) * 2)
    assert max(ex, ey) < cord.bone_outer_radius_mm < cord.outer_radius_mm
    # the centred cord's edge lies lateral_csf_mm inside the sac, and the offset cord stays in it
    theta = np.linspace(0, 2 * np.pi, 720)
    cx, cy = cord.cord_center_xy_mm
    x = cx + a.cord_transverse_mm / 2 * np.cos(theta)
    y = cy + a.cord_ap_mm / 2 * np.sin(theta)
    assert np.all(cord.inside_sac(x, y))
    sx, _ = cord.sac_semi_axes_mm
    assert sx - a.cord_transverse_mm / 2 == pytest.approx(a.lateral_csf_mm)


def test_an_intradural_lead_lies_in_the_dorsal_csf() -> None:
    # P11 protocol (spinal-cord.md §4): the lead under the dura; its body's dorsal edge lies
    # lead_gap_to_dura_mm ventral of the dura's inner surface (the sac, semi-axis y = cord_ap/2 +
    # (dCSF + vCSF)/2 = 3.125 + 3.5625 at T10)
    a = load_anatomy("T10", lead_gap_to_dura_mm=0.1)
    (place,) = anatomy_placements(_program(), a, space="intradural")
    sac_y = a.cord_ap_mm / 2 + (a.dcsf_mm + a.vcsf_mm) / 2
    assert place.origin_mm[1] == pytest.approx(-sac_y + 0.1 + 0.65, abs=1e-12)
    # with 1 mm of dorsal CSF a 1.3 mm lead cannot lie under the dura without touching the cord
    thin = load_anatomy("T10", dcsf_mm=1.0, lead_gap_to_dura_mm=0.0)
    with pytest.raises(InputError, match="lead_gap_to_dura_mm"):
        anatomy_placements(_program(), thin, space="intradural")
    with pytest.raises(InputError, match="space"):
        anatomy_placements(_program("paddle-16"), a, space="intradural")
    with pytest.raises(InputError, match="space"):
        anatomy_placements(_program(), a, space="subdural")


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


@pytest.mark.slow
def test_the_cervical_cord_maps_end_to_end(tmp_path: Path, examples_dir: Path) -> None:
    # spinal-cord.md §1.1 / §1.5: the C5 cord (13.3 x 7.4 mm) in its elliptical sac meshes,
    # solves and maps (`neurostim scs map examples/programs/tonic.toml --level C5`, here with a
    # 60 mm model). Checks: every solve converged; every contact's impedance in the measurable
    # range 100 ohm - 5 kohm (reference/device.md §4, OpenNerve); a dorsal-column fiber fires
    # first, below the program's 5 mA; the segment's own dermatome (C6) has dorsal-root fibers
    import json

    from typer.testing import CliRunner

    from neurostim.cli import app

    pytest.importorskip("ngsolve")
    (tmp_path / "c5.toml").write_text('level = "C5"\nlength_mm = 60.0\n')
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEUROSTIM_CACHE_DIR", str(tmp_path / "cache"))
        r = CliRunner().invoke(app, ["scs", "map", str(examples_dir / "programs" / "tonic.toml"),
                                     "--anatomy", str(tmp_path / "c5.toml"), "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["level"] == "C5"
    assert set(d["fem"]["solver_status"]) == {"ok"}
    assert all(100.0 < c["impedance_ohm"] < 5000.0 for c in d["contacts"])
    assert d["first_recruited"]["population"] == "dc"
    assert 0.0 < d["perception_threshold_ma"] < d["amplitude_ma"]
    assert any(row["name"] == "C6" and row["dr_fraction"] is not None for row in d["dermatomes"])
