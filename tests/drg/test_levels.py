"""Level defaults restated from drg.md (§1.1, §2, §3.2, §6.1), not read from the data files."""

from __future__ import annotations

import pytest

from neurostim.drg import (
    DRG_TISSUES,
    drg_conductivity,
    drg_level_names,
    load_drg_geometry,
    neuron_types,
)
from neurostim.drg.levels import DEFAULT_LEVEL, level_parameters

# drg.md §1.1 (Si16 abstract): mean length, width, medial pedicle border -> DRG midpoint (mm)
SI16 = {
    "L1": (5.39, 4.36, 1.77),
    "L2": (5.83, 4.56, 2.79),
    "L3": (7.24, 4.99, 3.23),
    "L4": (7.97, 5.22, 7.28),
    "L5": (10.83, 5.82, 8.31),
}

# drg.md §6.1, RC-L5 defaults
RC_L5 = {
    "drg_length_mm": 10.8,
    "drg_width_mm": 5.8,
    "drg_height_mm": 5.8,
    "drg_medial_offset_mm": 8.3,
    "root_angle_deg": 55.0,
    "soma_shell_fraction": 0.275,
    "soma_dorsal_fraction": 0.72,
    "soma_axial_fraction": 0.85,
    "axon_rim_fraction": 0.09,
    "capsule_thickness_mm": 0.2,
    "sleeve_csf_mm": 0.0,
    "dr_diameter_mm": 3.0,
    "vr_diameter_mm": 2.0,
    "spinal_nerve_diameter_mm": 5.0,
    "dr_length_mm": 15.0,
    "spinal_nerve_length_mm": 20.0,
    "foramen_height_mm": 18.0,
    "foramen_width_mm": 9.0,
    "lead_gap_mm": 0.3,
    "lead_axial_offset_mm": 0.0,
    "encapsulation_mm": 0.3,
    "domain_mm": 60.0,
    "bone_block_mm": 40.0,
    "n_lobes": 1,
}

# drg.md §6.1 ranges (absolute ones)
RANGES = {
    "capsule_thickness_mm": (0.1, 0.4),
    "sleeve_csf_mm": (0.0, 0.5),
    "soma_shell_fraction": (0.25, 0.30),
    "soma_dorsal_fraction": (0.69, 0.76),
    "axon_rim_fraction": (0.07, 0.11),
    "root_angle_deg": (50.0, 59.0),
    "foramen_height_mm": (14.0, 22.0),
    "foramen_width_mm": (6.0, 12.0),
    "lead_gap_mm": (0.0, 3.0),
    "lead_axial_offset_mm": (-5.0, 5.0),
    "encapsulation_mm": (0.0, 0.5),
}

# drg.md §2, defaults (S/m)
SIGMA = {
    "drg_cells": 0.26,
    "fiber_longitudinal": 0.571,
    "fiber_transverse": 0.167,
    "capsule": 0.159,
    "perineurium": 0.00087,
    "dura": 0.6,
    "csf": 1.7,
    "fat": 0.04,
    "bone": 0.02,
    "muscle_longitudinal": 0.35,
    "muscle_transverse": 0.086,
    "encapsulation": 0.159,
}


def test_levels_and_default() -> None:
    assert drg_level_names() == ["L1", "L2", "L3", "L4", "L5", "S1"]
    assert DEFAULT_LEVEL == "L5"
    g = load_drg_geometry()
    assert g.level == "L5" and g.dermatome == "L5"


def test_rc_l5_defaults() -> None:
    g = load_drg_geometry("L5")
    for name, value in RC_L5.items():
        assert getattr(g, name) == pytest.approx(value), name
    assert g.lead == "drg-4"  # the catalog's 4-contact DRG lead


@pytest.mark.parametrize("level", list(SI16))
def test_si16_sizes_per_level(level: str) -> None:
    length, width, offset = SI16[level]
    g = load_drg_geometry(level)
    # rounded to 0.1 mm in the data (drg.md §6.1 rounds the same way)
    assert g.drg_length_mm == pytest.approx(length, abs=0.05)
    assert g.drg_width_mm == pytest.approx(width, abs=0.05)
    assert g.drg_height_mm == g.drg_width_mm  # height = width (drg.md §6.1)
    assert g.drg_medial_offset_mm == pytest.approx(offset, abs=0.05)
    assert g.dermatome == level  # a DRG program maps to its own level (drg.md §1.4)
    rows = level_parameters(level)
    for name in ("drg_length_mm", "drg_width_mm"):  # ±30 % (drg.md §6.1)
        mean = rows[name].mean
        assert mean is not None
        assert rows[name].min == pytest.approx(0.7 * mean, abs=0.01)
        assert rows[name].max == pytest.approx(1.3 * mean, abs=0.01)


def test_size_rises_l1_to_l5() -> None:
    sizes = [load_drg_geometry(lv).drg_length_mm for lv in ("L1", "L2", "L3", "L4", "L5")]
    assert sizes == sorted(sizes)  # Sh06: size rises from L1 to L5


def test_absolute_ranges() -> None:
    rows = level_parameters("L5")
    for name, (lo, hi) in RANGES.items():
        assert (rows[name].min, rows[name].max) == pytest.approx((lo, hi)), name
    for name in ("dr_diameter_mm", "vr_diameter_mm", "spinal_nerve_diameter_mm"):  # ±40 %
        mean = rows[name].mean
        assert mean is not None
        assert rows[name].min == pytest.approx(0.6 * mean)
        assert rows[name].max == pytest.approx(1.4 * mean)
    assert rows["dr_length_mm"].min == 10.0 and rows["spinal_nerve_length_mm"].min == 10.0


@pytest.mark.parametrize("level", ["L1", "L2", "L3", "L4", "L5", "S1"])
def test_every_row_has_a_tag_and_source(level: str) -> None:
    for name, row in level_parameters(level).items():
        assert row.tag in {"S", "R", "V", "ours"}, name
        assert row.source.strip(), name
        if row.min is not None and row.max is not None:
            assert row.min <= row.mean <= row.max, name  # type: ignore[operator]


def test_conductivities() -> None:
    sigma = drg_conductivity()
    assert tuple(SIGMA) == DRG_TISSUES
    for tissue, value in SIGMA.items():
        assert getattr(sigma, tissue) == pytest.approx(value), tissue
        lo, hi = sigma.ranges[tissue]
        assert lo <= value <= hi, tissue
        assert sigma.sources[tissue].startswith("["), tissue


def test_neuron_types() -> None:
    t = neuron_types()
    assert list(t) == ["abeta", "adelta", "c"]
    # drg.md §1.3 soma sizes: 80 um (large A), 34 x 29 um (A-delta), 25 um (C)
    assert (t["abeta"].soma_length_um, t["abeta"].soma_diameter_um) == (80.0, 80.0)
    assert (t["adelta"].soma_length_um, t["adelta"].soma_diameter_um) == (34.0, 29.0)
    assert (t["c"].soma_length_um, t["c"].soma_diameter_um) == (25.0, 25.0)
    # §3.2: peripheral / stem / central
    for name, (p, s, c) in {"abeta": (12.8, 12.8, 9.6), "adelta": (3.0, 3.0, 2.0),
                            "c": (0.8, 1.4, 0.4)}.items():  # fmt: skip
        k = t[name]
        assert k.peripheral_diameter_um == pytest.approx(p)
        assert k.peripheral_diameter_um * k.stem_over_peripheral == pytest.approx(s)
        assert k.peripheral_diameter_um * k.central_over_peripheral == pytest.approx(c)
    # §3.1: AD03 stem 201 + 168 + 130 + 85 um, IS 200 um; GRc A-delta 260 + 241 + 185 + 123;
    # SU15 C stem 75 um
    assert t["abeta"].stem_length_um == 201 + 168 + 130 + 85
    assert t["abeta"].initial_segment_length_um == 200.0
    assert t["adelta"].stem_length_um == 260 + 241 + 185 + 123
    assert t["c"].stem_length_um == 75.0
    # §1.3 KD78: 11,429 large, 31,675 intermediate, 25,389 small
    total = 11429 + 31675 + 25389
    for name, count in {"abeta": 11429, "adelta": 31675, "c": 25389}.items():
        assert t[name].fraction == pytest.approx(count / total, abs=1e-4)
