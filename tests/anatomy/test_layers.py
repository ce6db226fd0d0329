"""The radial layer stack: thicknesses from the parameters, absent layers, nesting."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurostim.anatomy import LAYER_NAMES, anatomy_from_toml, load_anatomy
from neurostim.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "anatomy" / "mouse-ex-vivo.toml"


def ellipse_max(inner: np.ndarray, outer: np.ndarray, n: int = 2000) -> float:
    """Max of the outer ellipse's implicit function over the inner boundary (< 1: inside)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x = inner[0] + inner[2] * np.cos(t) - outer[0]
    y = inner[1] + inner[3] * np.sin(t) - outer[1]
    return float(np.max((x / outer[2]) ** 2 + (y / outer[3]) ** 2))


def test_t10_stack_thicknesses_are_the_parameters() -> None:
    a = load_anatomy("T10")
    s = a.layers()
    assert s.names == LAYER_NAMES == ("cord", "csf", "dura", "epidural", "bone", "outer")
    cord, csf, _, _, bone, outer = s.outer_mm
    assert (cord[2], cord[3]) == (a.cord_transverse_mm / 2, a.cord_ap_mm / 2)
    # dorsal CSF (y < 0 is dorsal): from the sac's dorsal wall to the cord's dorsal surface
    assert (cord[1] - cord[3]) - (csf[1] - csf[3]) == pytest.approx(a.dcsf_mm)
    assert (csf[1] + csf[3]) - (cord[1] + cord[3]) == pytest.approx(a.vcsf_mm)
    assert csf[2] - cord[2] == pytest.approx(a.lateral_csf_mm)
    assert s.thickness_mm()[2] == pytest.approx([a.dura_thickness_mm] * 2)
    assert s.thickness_mm()[3] == pytest.approx([a.epidural_thickness_mm] * 2)
    assert bone[2] == bone[3] == a.bone_outer_radius_mm
    assert outer[2] == outer[3] == a.outer_radius_mm
    assert s.present.all()
    np.testing.assert_array_equal(s.inner_mm[1:], s.outer_mm[:-1])
    # conductivity: white matter anisotropic along z (spec §2: 0.6 / 0.083), others isotropic
    assert list(s.sigma_s_per_m[0]) == [0.083, 0.083, 0.6]
    assert list(s.sigma_s_per_m[1]) == [1.7] * 3 and list(s.sigma_s_per_m[2]) == [0.6] * 3
    assert s.grey_s_per_m == 0.23 and s.length_mm == a.length_mm


def test_lead_surface_lies_the_gap_above_the_dura() -> None:
    a = load_anatomy("T10", lead_gap_to_dura_mm=0.2)
    x, y = a.lead_surface_point_mm()
    dura = a.boundaries()["dura"]
    assert x == 0.0 and y == pytest.approx(-dura[3] - 0.2)
    # lead 1 mm lateral: the sac's dorsal wall there, from the ellipse equation
    b = load_anatomy("T10", lead_ml_offset_mm=1.0, lead_gap_to_dura_mm=0.0)
    _, y1 = b.lead_surface_point_mm()
    assert y1 == pytest.approx(-dura[3] * math.sqrt(1 - (1.0 / dura[2]) ** 2))


def test_derived_canal_matches_the_stack() -> None:
    a = load_anatomy("T8")
    layers_mm = a.dura_thickness_mm + a.epidural_thickness_mm
    expected_ap = a.cord_ap_mm + a.dcsf_mm + a.vcsf_mm + 2 * layers_mm
    assert a.canal_ap_mm == pytest.approx(expected_ap)


def test_mouse_ex_vivo_example_validates_with_absent_layers() -> None:
    a = anatomy_from_toml(EXAMPLE)
    assert 1.5 <= a.cord_transverse_mm <= 2.0  # the 1.5-2 mm cord
    s = a.layers()
    assert list(s.present) == [True, False, False, False, False, True]
    assert a.conductivity.outer > 1.0  # a saline bath, not tissue
    # outer layer starts at the cord surface
    np.testing.assert_array_equal(s.inner_mm[5], s.outer_mm[0])
    # roots scaled to the cord: shorter than the human defaults by about the width ratio
    human = load_anatomy("T10")
    ratio = a.cord_transverse_mm / human.cord_transverse_mm
    assert a.roots.dre_span_mm < 0.5 * human.roots.dre_span_mm
    assert a.roots.bend_radius_mm == pytest.approx(ratio * human.roots.bend_radius_mm, rel=0.25)
    assert a.length_mm >= 3 * a.roots.dre_span_mm


def test_mouse_with_bone_and_no_epidural_is_refused() -> None:
    with pytest.raises(InputError) as err:
        load_anatomy(file=EXAMPLE, bone_outer_radius_mm=3.0)
    assert err.value.field == "epidural_thickness_mm"


@st.composite
def anatomies(draw: st.DrawFn) -> dict:
    """Random anatomies from mouse to beyond human size, layers present or absent."""
    scale = draw(st.floats(0.1, 2.0))
    ap = draw(st.floats(1.0, 10.0)) * scale
    tr = ap * draw(st.floats(1.0, 2.0))  # transverse / AP of real cords: about 1.1-1.8
    csf = draw(st.booleans())
    d = draw(st.floats(0.1, 8.0)) * scale if csf else 0.0
    v = draw(st.floats(0.1, 4.0)) * scale if csf else 0.0
    base = draw(st.floats(0.5, 4.0)) * scale
    lat = base + abs(d - v) if csf else 0.0
    off = draw(st.floats(-0.3, 0.3)) * base if csf else 0.0
    dura = draw(st.sampled_from([0.0, 0.1, 0.3, 0.5])) * scale
    epi = draw(st.sampled_from([0.0, 1.0])) * draw(st.floats(0.05, 6.0)) * scale
    extent = max(tr / 2 + lat, ap / 2 + (d + v) / 2) + dura + epi
    bone = (
        (extent + draw(st.floats(0.5, 15.0)) * scale) if epi > 0.2 and draw(st.booleans()) else 0.0
    )
    outer = max(bone, extent, 2.5 * max(ap, tr)) + draw(st.floats(0.5, 40.0)) * scale
    dre = draw(st.floats(0.5, 12.0)) * scale
    length = max(3 * dre, 1.5 * outer) + draw(st.floats(0.0, 50.0))
    dc = draw(st.floats(0.2, 0.9)) * ap
    return {
        "cord_ap_mm": ap,
        "cord_transverse_mm": tr,
        "dcsf_mm": d,
        "vcsf_mm": v,
        "lateral_csf_mm": lat,
        "cord_ml_offset_mm": off,
        "dura_thickness_mm": dura,
        "epidural_thickness_mm": epi,
        "bone_outer_radius_mm": bone,
        "outer_radius_mm": outer,
        "length_mm": length,
        "lead_ml_offset_mm": 0.0,
        "lead_gap_to_dura_mm": draw(st.floats(0.0, 0.9)) * epi if epi > 0 else 0.05 * scale,
        "grey_matter": {
            "dc_depth_midline_mm": dc,
            "dh_tip_depth_mm": 0.3 * dc,
            "dh_halfwidth_mm": 0.2 * tr,
        },
        "roots": {"dre_span_mm": dre, "drez_ml_mm": 0.3 * tr, "bend_radius_mm": 0.1 * tr},
        "fibers": {"dc_max_depth_mm": 0.1 * dc},
    }


@settings(max_examples=200, deadline=None)
@given(anatomies())
def test_valid_anatomies_always_give_nested_layers(kw: dict) -> None:
    a = load_anatomy("T10", **kw)
    s = a.layers()
    assert np.all(s.outer_mm[:, 2:] >= s.inner_mm[:, 2:])
    assert np.all(s.outer_mm[:, 2:] > 0)
    for i in range(1, len(s.names)):
        if s.present[i]:
            assert ellipse_max(s.inner_mm[i], s.outer_mm[i]) < 1.0, s.names[i]
        else:
            np.testing.assert_array_equal(s.inner_mm[i], s.outer_mm[i])
    assert s.present[0] and s.present[-1]
    # lead between the dura and the next layer out
    x, y = a.lead_surface_point_mm()
    dura = s.outer_mm[2]
    assert ((x - dura[0]) / dura[2]) ** 2 + ((y - dura[1]) / dura[3]) ** 2 >= 1.0 - 1e-12
    if a.bone_outer_radius_mm > 0:
        assert math.hypot(x, y) < a.bone_outer_radius_mm
    assert math.hypot(x, y) < a.outer_radius_mm
