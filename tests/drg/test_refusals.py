"""Every refusal names the field, the value and the allowed range, before any meshing."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

from neurostim.drg import load_drg_geometry
from neurostim.drg.levels import level_parameters
from neurostim.errors import InputError

RANGED = [
    name
    for name, row in level_parameters("L5").items()
    if row.min is not None and row.max is not None and name != "drg_height_mm"
]
HOSTILE = [math.nan, math.inf, "3.0", True, None, [1.0]]
NUMBERS = [n for n in RANGED if n != "n_lobes"]


def refused(level: str = "L5", **kw: Any) -> InputError:
    with pytest.raises(InputError) as err:
        load_drg_geometry(level, **kw)
    return err.value


def _bounds(message: str) -> tuple[float, float]:
    found = re.search(r"allowed [\[(]([-\d.e+]+), ([-\d.e+]+)[\])]", message)
    assert found, message
    return float(found.group(1)), float(found.group(2))


@pytest.mark.parametrize("name", RANGED)
def test_above_range_refused(name: str) -> None:
    row = level_parameters("L5")[name]
    assert row.min is not None and row.max is not None
    value: Any = row.max + 1 if name == "n_lobes" else row.max + 0.1 * (row.max - row.min) + 0.01
    err = refused(**{name: value})
    assert err.field == name and err.value == value
    lo, hi = _bounds(err.message)
    assert hi == pytest.approx(row.max)  # the level's range (or an equal physical limit)
    assert lo <= row.min


@pytest.mark.parametrize("name", RANGED)
def test_below_range_refused(name: str) -> None:
    row = level_parameters("L5")[name]
    assert row.min is not None and row.max is not None
    value: Any = row.min - 1 if name == "n_lobes" else row.min - 0.1 * (row.max - row.min) - 0.01
    err = refused(**{name: value})
    assert err.field == name and err.value == value
    assert "allowed" in err.message
    lo, _ = _bounds(err.message)
    assert lo <= row.min  # the level's range, or a physical limit below it (a thickness >= 0)


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize("name", NUMBERS)
def test_hostile_numbers_refused(name: str, value: Any) -> None:
    err = refused(**{name: value})
    assert err.field == name
    assert "allowed" in err.message or "must be" in err.message


@pytest.mark.parametrize(
    "name",
    ["capsule_thickness_mm", "sleeve_csf_mm", "lead_gap_mm", "encapsulation_mm", "vr_gap_mm"],
)
def test_negative_thickness_refused_even_without_spec_ranges(name: str) -> None:
    err = refused(ranges="physical", **{name: -0.1})
    assert err.field == name and err.value == -0.1
    assert _bounds(err.message)[0] == 0.0


def test_unknown_key_names_the_key() -> None:
    err = refused(capsule_mm=0.2)
    assert err.field == "capsule_mm"
    assert "capsule_thickness_mm" in err.message  # the allowed keys are listed


def test_unknown_level() -> None:
    err = refused(level="T10")
    assert err.field == "level" and "L5" in err.message


def test_height_follows_width_and_its_rule() -> None:
    g = load_drg_geometry("L5", drg_width_mm=5.9)
    assert g.drg_height_mm == 5.9  # left out: height = width (drg.md §6.1)
    err = refused(drg_height_mm=3.0)
    assert err.field == "drg_height_mm"
    assert _bounds(err.message) == pytest.approx((0.7 * 5.8, 5.8))


def test_two_lobes_not_built_yet() -> None:
    err = refused("L4", n_lobes=2)  # inside L4's range, refused by the geometry
    assert err.field == "n_lobes" and "allowed 1" in err.message


# --- nesting: each layer inside the next ------------------------------------------------------


def test_dorsal_root_wider_than_ganglion() -> None:
    err = refused(ranges="physical", dr_diameter_mm=6.0)
    assert err.field == "dr_diameter_mm"
    assert "< 5.8 mm" in err.message  # the ganglion's smaller diameter (height = width = 5.8)


def test_sleeve_csf_counts_against_the_root() -> None:
    err = refused(ranges="physical", dr_diameter_mm=5.0, sleeve_csf_mm=0.5)
    assert err.field == "dr_diameter_mm" and "< 4.8 mm" in err.message  # 2 x (2.9 - 0.5)


def test_capsule_must_fit_in_the_foramen() -> None:
    err = refused(ranges="physical", foramen_width_mm=6.0)  # capsule is 5.8 + 2 x 0.2 = 6.2
    assert err.field == "foramen_width_mm"
    assert "6.22 mm" in err.message  # 6.2 mm and the thinnest layer (0.01 mm) each side


def test_spinal_nerve_must_fit_in_the_foramen() -> None:
    err = refused(ranges="physical", spinal_nerve_diameter_mm=9.0)
    assert err.field == "spinal_nerve_diameter_mm"


def test_roots_must_stay_in_the_domain() -> None:
    err = refused(ranges="physical", dr_length_mm=30.0)  # 5.6 + 30 > 60 / 2
    assert err.field == "dr_length_mm" and "24.4 mm" in err.message


def test_bone_block_inside_domain_and_around_foramen() -> None:
    assert refused(ranges="physical", bone_block_mm=60.0).field == "bone_block_mm"
    assert refused(ranges="physical", bone_block_mm=15.0).field == "bone_block_mm"


def test_ventral_root_in_bone() -> None:
    err = refused(vr_gap_mm=2.5)
    assert err.field == "vr_gap_mm" and "allowed [0, " in err.message


def test_longest_axis_is_the_length() -> None:
    err = refused(ranges="physical", drg_length_mm=5.0)
    assert err.field == "drg_length_mm" and ">= 5.8 mm" in err.message


# --- the lead -----------------------------------------------------------------------------------


def test_lead_into_bone_names_the_largest_gap() -> None:
    err = refused(lead_gap_mm=3.0)
    assert err.field == "lead_gap_mm" and err.value == 3.0
    # independent: dorsal room = foramen semi-axis 4.5 - capsule 3.1 - lead diameter 1.0
    found = re.search(r"allowed \[0, ([\d.]+)\)", err.message)
    assert found and float(found.group(1)) == pytest.approx(0.4, abs=1e-6)


def test_lead_turned_caudally_has_room_for_a_3_mm_gap() -> None:
    g = load_drg_geometry(lead_gap_mm=3.0, lead_angle_deg=90.0)
    assert g.lead_gap_mm == 3.0


def test_lead_meeting_the_ventral_root() -> None:
    # the ventral root lies 60 deg from ventral towards caudal: 120 deg from dorsal
    err = refused(lead_angle_deg=120.0)
    assert err.field == "lead_angle_deg" and "ventral root" in err.message


def test_lead_without_room_in_a_narrow_foramen() -> None:
    err = refused(foramen_width_mm=6.5, vr_angle_deg=90.0)  # 0.2 mm of fat over the capsule
    assert err.field == "lead_angle_deg" and "no room" in err.message


def test_lead_tip_out_of_the_domain() -> None:
    err = refused(ranges="physical", lead_axial_offset_mm=25.0)
    assert err.field == "lead_axial_offset_mm" and "allowed <" in err.message


def test_not_a_ring_lead() -> None:
    err = refused(lead="paddle-16")
    assert err.field == "lead"


def test_geometry_file(tmp_path: Path) -> None:
    f = tmp_path / "drg.toml"
    f.write_text('level = "L4"\ncapsule_thickness_mm = 0.3\n[conductivity]\nfat = 0.033\n')
    g = load_drg_geometry(file=f)
    assert g.level == "L4" and g.capsule_thickness_mm == 0.3
    assert g.drg_length_mm == 8.0  # left out: the level's default
    assert g.conductivity.fat == 0.033 and g.conductivity.bone == 0.02
    f.write_text('level = "L4"\nbogus = 1\n')
    with pytest.raises(InputError) as err:
        load_drg_geometry(file=f)
    assert err.value.field == "bogus"
    f.write_text("[conductivity]\nplasma = 1.0\n")
    with pytest.raises(InputError) as err:
        load_drg_geometry(file=f)
    assert err.value.field == "conductivity.plasma"


def test_level_conflict_with_file(tmp_path: Path) -> None:
    f = tmp_path / "drg.toml"
    f.write_text('level = "L4"\n')
    with pytest.raises(InputError) as err:
        load_drg_geometry("L5", file=f)
    assert err.value.field == "level"


def test_physical_ranges_accept_an_animal_ganglion() -> None:
    rat = load_drg_geometry(
        ranges="physical",
        drg_length_mm=1.6,
        drg_width_mm=0.9,
        capsule_thickness_mm=0.05,
        dr_diameter_mm=0.5,
        vr_diameter_mm=0.3,
        spinal_nerve_diameter_mm=0.8,
        dr_length_mm=10.0,
        spinal_nerve_length_mm=10.0,
        foramen_height_mm=5.0,
        foramen_width_mm=4.0,
        lead_gap_mm=0.1,
        vr_gap_mm=0.1,
        bone_block_mm=20.0,
        domain_mm=30.0,
    )
    assert rat.drg_height_mm == 0.9
    with pytest.raises(InputError):  # the same ganglion is refused against the human L5 range
        load_drg_geometry(drg_length_mm=1.6, drg_width_mm=0.9)
