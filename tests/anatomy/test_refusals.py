"""Every refusal names the field, the value and the allowed range, before any meshing."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from neurostim.anatomy import load_anatomy
from neurostim.errors import InputError

NUMBER_FIELDS = [
    "cord_ap_mm",
    "cord_transverse_mm",
    "dcsf_mm",
    "vcsf_mm",
    "lateral_csf_mm",
    "cord_ml_offset_mm",
    "dura_thickness_mm",
    "epidural_thickness_mm",
    "bone_outer_radius_mm",
    "outer_radius_mm",
    "length_mm",
    "lead_ml_offset_mm",
    "lead_gap_to_dura_mm",
    "prone_dcsf_shift_mm",
]
TABLE_FIELDS = [
    ("grey_matter", "gm_area_fraction"),
    ("grey_matter", "dh_tip_depth_mm"),
    ("grey_matter", "dh_halfwidth_mm"),
    ("grey_matter", "dh_angle_deg"),
    ("grey_matter", "dc_depth_midline_mm"),
    ("roots", "rootlet_angle_deg"),
    ("roots", "bend_radius_mm"),
    ("roots", "dre_span_mm"),
    ("roots", "drez_ml_mm"),
    ("roots", "n_rootlets"),
    ("fibers", "dc_max_depth_mm"),
]
HOSTILE = [math.nan, math.inf, -math.inf, "3.0", True, None, [1.0]]


def refused(**kw: Any) -> InputError:
    with pytest.raises(InputError) as err:
        load_anatomy("T10", **kw)
    return err.value


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize("field", NUMBER_FIELDS)
def test_hostile_numbers_refused(field: str, value: Any) -> None:
    err = refused(**{field: value})
    assert err.field == field
    assert "allowed" in err.message


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize(("table", "key"), TABLE_FIELDS)
def test_hostile_table_numbers_refused(table: str, key: str, value: Any) -> None:
    err = refused(**{table: {key: value}})
    assert err.field == f"{table}.{key}"
    assert "allowed" in err.message


NEGATIVE = [
    "cord_ap_mm",
    "cord_transverse_mm",
    "dcsf_mm",
    "vcsf_mm",
    "lateral_csf_mm",
    "dura_thickness_mm",
    "epidural_thickness_mm",
    "bone_outer_radius_mm",
    "outer_radius_mm",
    "length_mm",
    "lead_gap_to_dura_mm",
]


@pytest.mark.parametrize("field", NEGATIVE)
def test_negative_sizes_refused(field: str) -> None:
    err = refused(**{field: -0.5})
    assert err.field == field and err.value == -0.5
    assert "allowed [0" in err.message or "allowed (0" in err.message


def test_negative_lead_gap_says_inside_the_dura() -> None:
    err = refused(lead_gap_to_dura_mm=-0.1)
    assert "inside the dura" in err.message


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        # layers that do not nest: bone inside the epidural boundary (T10 canal semi-axes are
        # cord/2 + CSF + dura + epidural: 4.25 + 3.0 + 0.3 + 3.5 = 11.05 mm across,
        # 3.125 + (5.125 + 2.0)/2 + 0.3 + 3.5 = 10.49 mm AP)
        ({"bone_outer_radius_mm": 10.0}, "bone_outer_radius_mm"),
        ({"outer_radius_mm": 19.0, "length_mm": 100.0}, "outer_radius_mm"),
        ({"epidural_thickness_mm": 20.0}, "bone_outer_radius_mm"),
        # lead outside the epidural space (beyond the bone) or not over the dural sac
        ({"lead_gap_to_dura_mm": 3.5}, "lead_gap_to_dura_mm"),
        ({"lead_ml_offset_mm": 8.0}, "lead_ml_offset_mm"),  # sac + dura: 7.55 mm
        ({"epidural_thickness_mm": 0.0}, "epidural_thickness_mm"),
        # the cord pushed through the CSF beside it
        ({"cord_ml_offset_mm": 3.0}, "cord_ml_offset_mm"),
        ({"cord_ml_offset_mm": -3.0}, "cord_ml_offset_mm"),
        ({"lateral_csf_mm": 0.05, "dcsf_mm": 7.0, "vcsf_mm": 0.05}, "lateral_csf_mm"),
        # a layer too thin to model (below 0.1 % of the smaller cord diameter)
        ({"dura_thickness_mm": 1e-6}, "dura_thickness_mm"),
        ({"epidural_thickness_mm": 1e-9}, "epidural_thickness_mm"),
        # CSF partly absent
        ({"vcsf_mm": 0.0}, "vcsf_mm"),
        ({"dcsf_mm": 0.0}, "dcsf_mm"),
        # too short: 3 segments of 11 mm and 1.5 x the 40 mm outer radius
        ({"length_mm": 59.0}, "length_mm"),
        ({"roots": {"dre_span_mm": 40.0}}, "length_mm"),
        # grey matter and fibers inside the cord
        ({"grey_matter": {"dc_depth_midline_mm": 7.0}}, "grey_matter.dc_depth_midline_mm"),
        ({"grey_matter": {"dh_tip_depth_mm": 3.0}}, "grey_matter.dh_tip_depth_mm"),
        ({"grey_matter": {"dh_halfwidth_mm": 2.5}}, "grey_matter.dh_halfwidth_mm"),
        ({"fibers": {"dc_max_depth_mm": 3.0}}, "fibers.dc_max_depth_mm"),
        ({"roots": {"drez_ml_mm": 4.5}}, "roots.drez_ml_mm"),
    ],
)
def test_impossible_geometry_refused(kw: dict[str, Any], field: str) -> None:
    err = refused(**kw)
    assert err.field == field
    assert "allowed" in err.message


def test_outer_radius_error_gives_the_lower_bound() -> None:
    err = refused(outer_radius_mm=19.0)
    # above the bone (20 mm) and >= 2.5 x the larger T10 cord diameter (8.5 mm): 21.25 mm
    assert "allowed >= 21.25 mm" in err.message
    load_anatomy("T10", outer_radius_mm=21.25, length_mm=100.0)


def test_cord_offset_error_gives_the_largest_offset() -> None:
    err = refused(cord_ml_offset_mm=3.0)
    limit = float(err.message.split("|offset| < ")[1].split(" mm")[0])
    assert 2.0 < limit < 3.0  # lateral CSF is 3 mm at T10; 2 mm occurs (Holsheimer 1994)
    load_anatomy("T10", cord_ml_offset_mm=0.99 * limit)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"bogus_mm": 1.0}, "bogus_mm"),
        ({"roots": {"bend_radius": 1.0}}, "roots.bend_radius"),
        ({"fibers": {"diameters_um": [10.0]}}, "fibers.diameters_um"),
        ({"grey_matter": {"gm_area": 0.2}}, "grey_matter.gm_area"),
        ({"conductivity": {"fat": 0.04}}, "conductivity.fat"),
    ],
)
def test_unknown_keys_refused_with_the_allowed_list(kw: dict[str, Any], field: str) -> None:
    err = refused(**kw)
    assert err.field == field
    assert "allowed keys" in err.message


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"roots": 3}, "roots"),
        ({"fibers": {"dc_diameters_um": 12.0}}, "fibers.dc_diameters_um"),
        ({"fibers": {"dc_diameters_um": []}}, "fibers.dc_diameters_um"),
        ({"fibers": {"dc_diameters_um": [12.0, math.nan]}}, "fibers.dc_diameters_um[1]"),
        ({"fibers": {"dr_diameters_um": [40.0]}}, "fibers.dr_diameters_um[0]"),
        ({"roots": {"n_rootlets": 2.5}}, "roots.n_rootlets"),
        ({"conductivity": 3}, "conductivity"),
        ({"conductivity": "no-such-set"}, "conductivity"),
        ({"conductivity": {"dura": 0.0}}, "conductivity.dura"),
        ({"conductivity": {"dura": math.nan}}, "conductivity.dura"),
        ({"conductivity": {"base": 3}}, "conductivity.base"),
        ({"posture": "standing"}, "posture"),
        ({"vertebral_level": "X9"}, "vertebral_level"),
    ],
)
def test_wrong_types_refused(kw: dict[str, Any], field: str) -> None:
    assert refused(**kw).field == field


def test_unknown_level_lists_the_levels() -> None:
    with pytest.raises(InputError) as err:
        load_anatomy("T99")
    assert err.value.field == "level" and "T10" in err.value.message


def test_file_with_unknown_key(tmp_path: Path) -> None:
    f = tmp_path / "a.toml"
    f.write_text('level = "T10"\ncsf_mm = 3.0\n')
    with pytest.raises(InputError) as err:
        load_anatomy(file=f)
    assert err.value.field == "csf_mm" and "dcsf_mm" in err.value.message
