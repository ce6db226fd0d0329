"""Cuff presets equal peripheral-nerve.md §3.1 (restated), and the device catalog matches them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurostim.device import load_lead
from neurostim.nerve import cuff, cuff_names

# §3.1: preset -> (inner diameter mm, n contacts, spacing along the nerve mm or None)
TABLE = {
    "livanova-2000": (2.0, 2, 8.0),
    "livanova-3000": (3.0, 2, 8.0),
    "imthera": (3.0, 6, None),
    "purdue": (0.635, 2, 1.5),
    "cortec-200": (0.2, 2, 1.5),
    "cortec-300": (0.3, 2, 1.5),
    "cortec-400": (0.4, 2, 1.5),
    "micro-leads": (0.276, 2, 1.1),
    "pitt": (1.0, 4, 1.5),
    "bucksot": (3.02, 2, 10.0),
}


def test_the_library_is_complete() -> None:
    assert set(cuff_names()) == set(TABLE)


@pytest.mark.parametrize("preset", sorted(TABLE))
def test_preset_dimensions(preset: str) -> None:
    c = cuff(preset)
    inner, n, spacing = TABLE[preset]
    assert c.inner_diameter_mm == inner and c.n_contacts == n
    z = sorted(k.z_mm for k in c.contacts)
    if spacing is not None:
        assert np.allclose(np.diff(z), spacing)
    assert all(abs(k.z_mm) + k.axial_extent_mm() / 2 <= c.length_mm / 2 for k in c.contacts)


def test_contact_shapes_of_section_3_1() -> None:
    lv = cuff("livanova-2000")  # ribbon 0.775 mm over 338.5 deg, 50 um thick, 100 um saline gap
    assert {(k.shape, k.width_mm, k.arc_deg, k.thickness_um) for k in lv.contacts} == {
        ("ribbon", 0.775, 338.5, 50.0)}  # fmt: skip
    assert lv.fill_gap_um == 100.0 and lv.helix_pitch_mm == 1.7145 and lv.expands
    assert {k.arc_deg for k in cuff("livanova-3000").contacts} == {346.5}
    im = cuff("imthera")  # discs of 2 mm recessed 50 um, 51 deg apart from 53 deg, +-2.74 mm
    assert [k.angle_deg for k in im.contacts] == [53.0 + 51.0 * i for i in range(6)]
    assert {abs(k.z_mm) for k in im.contacts} == {2.74}
    assert {(k.diameter_mm, k.recess_um) for k in im.contacts} == {(2.0, 50.0)}
    assert im.length_mm == 9.0
    pu = cuff("purdue")  # wires of 75 um wrapping 80 %; 3.5 mm long
    assert {(k.wire_diameter_um, k.arc_deg) for k in pu.contacts} == {(75.0, 0.8 * 360.0)}
    assert pu.length_mm == 3.5
    for preset, width, arc_mm, length in (("cortec-200", 0.3, 0.6, 2.0),
                                          ("cortec-300", 0.3, 0.6, 2.0),
                                          ("cortec-400", 0.5, 1.1, 5.0)):  # fmt: skip
        c = cuff(preset)  # ribbons: length along the nerve, arc in mm on the inner wall
        assert c.length_mm == length and c.wall_mm == 0.65
        for k in c.contacts:
            assert k.width_mm == width
            assert math.radians(k.arc_deg) * c.inner_diameter_mm / 2 == pytest.approx(
                arc_mm, abs=5e-4
            )
    pitt = cuff("pitt")  # 0.475 mm squares recessed 100 um in 45 deg steps
    assert {(k.width_mm, k.recess_um) for k in pitt.contacts} == {(0.475, 100.0)}
    assert np.allclose(np.diff([k.angle_deg for k in pitt.contacts]), 45.0)
    bu = cuff("bucksot")  # bands 1.5 mm over three quarters of the circumference; 20 mm long
    assert {(k.width_mm, k.arc_deg) for k in bu.contacts} == {(1.5, 270.0)}
    assert bu.length_mm == 20.0
    ml = cuff("micro-leads")  # 0.7 mm long, widths 590-745 um, recess 50 um
    for k in ml.contacts:
        width_um = math.radians(k.arc_deg) * ml.inner_diameter_mm / 2 * 1000
        assert 590 <= width_um <= 745 and k.width_mm == 0.7 and k.recess_um == 50.0


@pytest.mark.parametrize("preset", sorted(TABLE))
def test_device_lead_file_matches_the_preset(preset: str) -> None:
    c = cuff(preset)
    lead = load_lead(f"cuff-{preset}")
    assert lead.kind == "cuff" and lead.n_contacts == c.n_contacts
    areas = [k.surface_area_mm2(c.inner_diameter_mm) for k in c.contacts]
    assert np.allclose(lead.surface_areas_mm2(), areas, rtol=1e-5)
    z = lead.positions_mm()[:, 2]
    assert np.allclose(z, [k.z_mm - c.contacts[0].z_mm for k in c.contacts], atol=1e-9)


def test_areas_by_hand() -> None:
    # LivaNova 2000: 338.5/360 of pi x 2 mm x 0.775 mm; ImThera disc pi/4 x 2^2; Pitt 0.475^2
    assert cuff("livanova-2000").contacts[0].surface_area_mm2(2.0) == pytest.approx(
        338.5 / 360 * math.pi * 2.0 * 0.775)  # fmt: skip
    assert cuff("imthera").contacts[0].surface_area_mm2(3.0) == pytest.approx(math.pi)
    assert cuff("pitt").contacts[0].surface_area_mm2(1.0) == pytest.approx(0.475**2)


def test_solids_for_the_mesher() -> None:
    solids = cuff("livanova-2000").solids()
    kinds = [s["kind"] for s in solids]
    assert kinds == ["tube", "tube", "arc_band", "arc_band"]
    assert solids[0]["r_inner_mm"] == 1.0 and solids[0]["r_outer_mm"] == pytest.approx(1.61)
    assert solids[1]["material"] == "saline" and solids[1]["r_inner_mm"] == pytest.approx(0.9)
    assert [s["kind"] for s in cuff("imthera").solids()].count("disc") == 6


def test_new_leads_in_the_catalog() -> None:
    sprint = load_lead("sprint-microlead")  # §3.2 / §7: coil 0.6 mm, 10 mm exposed [R]
    (contact,) = sprint.contacts
    assert (contact.diameter_mm, contact.length_mm) == (0.6, 10.0)
    assert contact.surface_area_mm2 == pytest.approx(math.pi * 0.6 * 10.0, abs=0.005)
    ons = load_lead("ons-percutaneous-8")  # §3.3: 1.3 mm, 3 mm rings at 4 mm pitch [V]
    assert ons.kind == "occipital" and ons.n_contacts == 8
    assert {c.diameter_mm for c in ons.contacts} == {1.3}
    assert np.allclose(np.diff(ons.positions_mm()[:, 2]), 4.0)
    assert load_lead("ons-paddle-16").kind == "occipital"
