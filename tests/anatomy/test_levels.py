"""Shipped levels: the defaults are the means of the spinal-cord specification.

Expected numbers are read from the project's spinal-cord specification (sections cited beside
each) and written here; where the specification gives a range, the default is its mid-range (the
patient/clinic reference §1.3: "mean = mid-range"), computed here from the range's ends.
"""

from __future__ import annotations

import math

import pytest

from neurostim.anatomy import (
    level_defaults,
    level_names,
    level_parameters,
    load_anatomy,
    resolve_level,
)


def mid(lo: float, hi: float) -> float:
    return (lo + hi) / 2.0


# spec §1.1 (cord diameters: Frostell 2016 means; T10 "≈8–9" and "≈6–6.5"; T12 "≈7"),
# §1.1 dCSF ranges (Holsheimer 1994; T10 between T8 = T5–T6 and T11), §1.2 lower thoracic
# grey matter, §1.4 rootlet angles (thoracic 20–45°, cervical 60–90°), §1.1 / §6 layers.
SPEC = {
    "C5": {"cord_transverse_mm": 13.3, "cord_ap_mm": 7.4, "dcsf_mm": mid(1.5, 4.0),
           "dcsf_range": (1.5, 4.0), "rootlet_angle_deg": mid(60.0, 90.0),
           "vertebral_level": "C5"},
    "T8": {"cord_transverse_mm": 8.3, "cord_ap_mm": 6.3, "dcsf_mm": mid(4.0, 8.5),
           "dcsf_range": (4.0, 8.5), "rootlet_angle_deg": mid(20.0, 45.0),
           "vertebral_level": "T8"},
    "T10": {"cord_transverse_mm": mid(8.0, 9.0), "cord_ap_mm": mid(6.0, 6.5),
            "dcsf_mm": mid(mid(4.0, 2.0), mid(8.5, 6.0)),
            "dcsf_range": (mid(4.0, 2.0), mid(8.5, 6.0)), "rootlet_angle_deg": mid(20.0, 45.0),
            "vertebral_level": "T10"},
    "T12": {"cord_transverse_mm": 9.4, "cord_ap_mm": 7.0, "dcsf_mm": mid(1.5, 4.5),
            "dcsf_range": (1.5, 4.5), "rootlet_angle_deg": None, "vertebral_level": "T12-L1"},
}  # fmt: skip


def test_level_names_are_the_four_spec_columns() -> None:
    # spec §1.1 columns C5, T8, T10, T12 / L1, rostral to caudal
    assert level_names() == ["C5", "T8", "T10", "T12"]


@pytest.mark.parametrize("level", ["C5", "T8", "T10", "T12"])
def test_defaults_are_the_spec_means(level: str) -> None:
    a = load_anatomy(level)
    spec = SPEC[level]
    for key in ("cord_transverse_mm", "cord_ap_mm", "dcsf_mm"):
        assert math.isclose(getattr(a, key), spec[key], rel_tol=1e-12), key
    assert a.vertebral_level == spec["vertebral_level"]
    if spec["rootlet_angle_deg"] is not None:
        assert math.isclose(a.roots.rootlet_angle_deg, spec["rootlet_angle_deg"])
    row = level_parameters(level)["dcsf_mm"]
    assert (row.min, row.max) == pytest.approx(spec["dcsf_range"])
    # §1.1 dura 0.3 mm; dorsal epidural 2–5 mm; §1.5 bone outer radius 15–25 mm, outer >= 40 mm
    assert a.dura_thickness_mm == 0.3
    assert a.epidural_thickness_mm == mid(2.0, 5.0)
    assert a.bone_outer_radius_mm == mid(15.0, 25.0)
    assert a.outer_radius_mm == 40.0
    # §1.5 length >= 60 mm; §6 feasibility model: 100 mm long, lead 0.05 mm off the dura
    assert a.length_mm == 100.0
    assert a.lead_gap_to_dura_mm == 0.05
    # §1.4 DREZ span 10–12 mm; §3.3 bend radius 0.5–2 mm; rootlets 6–10 per root
    assert a.roots.dre_span_mm == mid(10.0, 12.0)
    assert a.roots.bend_radius_mm == mid(0.5, 2.0)
    assert a.roots.n_rootlets == 8
    # §2 default conductivity set; supine MRI values
    assert a.conductivity.name == "lempka-like"
    assert a.posture == "supine"
    assert a.cord_ml_offset_mm == 0.0 and a.lead_ml_offset_mm == 0.0


@pytest.mark.parametrize("level", ["T8", "T10"])
def test_lower_thoracic_grey_matter_is_spec_1_2(level: str) -> None:
    g = load_anatomy(level).grey_matter
    assert (g.gm_area_fraction, g.dh_tip_depth_mm, g.dh_halfwidth_mm) == (0.15, 0.8, 0.7)
    assert (g.dh_angle_deg, g.dc_depth_midline_mm) == (30.0, 2.5)


def test_vertebral_level_and_cord_segment_are_separate() -> None:
    # §1.1: from T3 to T12 a segment's root entry lies about two vertebral levels above it
    for level, segment in (("T8", "T10"), ("T10", "T12")):
        a = load_anatomy(level)
        assert (a.vertebral_level, a.cord_segment) == (level, segment)


@pytest.mark.parametrize("alias", ["L1", "T12-L1", "T12/L1"])
def test_aliases_of_t12(alias: str) -> None:
    assert resolve_level(alias) == "T12"
    assert load_anatomy(alias) == load_anatomy("T12")


@pytest.mark.parametrize("level", ["C5", "T8", "T10", "T12"])
def test_every_row_has_a_source_and_an_ordered_range(level: str) -> None:
    for name, row in level_parameters(level).items():
        assert row.tag in {"S", "R", "ours"}, name
        assert len(row.source) > 10, name
        if row.mean is not None:
            assert row.min <= row.mean <= row.max, name


@pytest.mark.parametrize("level", ["C5", "T8", "T10", "T12"])
def test_range_ends_of_every_row_are_valid_alone(level: str) -> None:
    """Each sampling-range end, changed alone from the defaults, is an anatomy that exists."""
    defaults = level_defaults(level)
    for name, row in level_parameters(level).items():
        if row.mean is None:
            continue
        for value in (row.min, row.max):
            if "." in name:
                table, key = name.split(".")
                kw = {table: {**defaults[table], key: value}}
            else:
                kw = {name: value}
            if name == "outer_radius_mm":
                kw["length_mm"] = 1.5 * value
            load_anatomy(level, **kw)


def test_docs_table_names_every_parameter() -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "anatomy.md").read_text()
    for name in level_parameters("T10"):
        assert f"`{name}`" in docs, name
