"""Geometry, lead bodies, cache keys and the missing-NGSolve message (no NGSolve needed)."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest

from neurostim.errors import InputError
from neurostim.field import RectangleContact, RingContact, conductor_from_spec, conductor_names
from neurostim.field.fem import CACHE_ENV, Conductivities, LayeredCord, cache_root
from neurostim.field.fem.cache import cache_key
from neurostim.field.fem.leads import PaddleLead, RingLead, leads_from_contacts
from neurostim.field.fem.mesh import require_ngsolve


def test_layer_radii_follow_the_thicknesses() -> None:
    cord = LayeredCord(cord_ap_mm=7.0, dcsf_mm=3.0, vcsf_mm=2.0, dura_thickness_mm=0.3,
                       epidural_thickness_mm=2.5)  # fmt: skip
    assert cord.sac_radius_mm == pytest.approx(3.5 + 2.5)
    assert cord.dura_outer_radius_mm == pytest.approx(6.3)
    assert cord.epidural_outer_radius_mm == pytest.approx(8.8)
    # dorsal CSF: from the sac's dorsal edge (y = -6) to the cord's dorsal surface
    assert cord.dorsal_cord_surface_y_mm - (-cord.sac_radius_mm) == pytest.approx(3.0)
    # ventral CSF likewise
    ventral_surface = cord.cord_center_xy_mm[1] + 3.5
    assert cord.sac_radius_mm - ventral_surface == pytest.approx(2.0)


def test_the_elliptical_sac_follows_the_lateral_csf() -> None:
    # spinal-cord.md §1.5: the sac's semi-axes are cord_transverse/2 + lateral CSF (x) and
    # cord_ap/2 + (dCSF + vCSF)/2 (y); dura and epidural layer add their thickness to both
    cord = LayeredCord(cord_ap_mm=7.4, cord_transverse_mm=13.3, dcsf_mm=2.75, vcsf_mm=1.5,
                       lateral_csf_mm=2.5, dura_thickness_mm=0.3, epidural_thickness_mm=3.5,
                       bone_outer_radius_mm=20.0)  # fmt: skip
    assert cord.sac_semi_axes_mm == pytest.approx((6.65 + 2.5, 3.7 + 2.125))
    assert cord.dura_semi_axes_mm == pytest.approx((9.45, 6.125))
    assert cord.epidural_semi_axes_mm == pytest.approx((12.95, 9.625))
    assert not cord.is_circular
    # the dura's outer surface at x = 3 mm: y = -ay sqrt(1 - (x/ax)^2)
    y = cord.dorsal_surface_y_mm("dura", 3.0)
    assert y == pytest.approx(-6.125 * (1 - (3 / 9.45) ** 2) ** 0.5, abs=1e-12)
    # the layers nest: points just inside each boundary lie in the next one out, the cord's
    # lateral edge lies the lateral CSF inside the sac
    assert cord.inside_sac(6.65 + 2.5 - 1e-6, 0.0) and not cord.inside_sac(6.65 + 2.5 + 1e-6, 0)
    assert cord.inside_cord(6.65 - 1e-6, cord.cord_center_xy_mm[1])
    assert (cord.dcsf_mm, cord.vcsf_mm) == (2.75, 1.5)
    assert cord.dorsal_cord_surface_y_mm - (-cord.sac_radius_mm) == pytest.approx(2.75)


def test_the_circle_is_the_sac_without_lateral_csf() -> None:
    # no lateral_csf_mm: the circle through dorsal and ventral CSF, and the cache key's geometry
    # part as it was before the ellipse (no new field)
    cord = LayeredCord()
    assert cord.is_circular and cord.sac_semi_axes_mm == (6.0, 6.0)
    assert "lateral_csf_mm" not in cord.to_dict()
    # the lateral CSF that reaches the same circle gives the same sac
    same = LayeredCord(lateral_csf_mm=6.0 - 3.5)
    assert same.is_circular and same.sac_semi_axes_mm == cord.sac_semi_axes_mm
    assert same.to_dict()["lateral_csf_mm"] == 2.5


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lateral_csf_mm": 0.0}, "lateral_csf_mm"),
        ({"lateral_csf_mm": -1.0}, "lateral_csf_mm"),
        # a flat sac (0.05 mm beside the cord, thin dorsal and thick ventral CSF): the cord's
        # ventral flank leaves the ellipse (cf. anatomy's check of the same name)
        ({"lateral_csf_mm": 0.05, "dcsf_mm": 0.1, "vcsf_mm": 7.0}, "lateral_csf_mm"),
        ({"lateral_csf_mm": 2.0, "cord_ml_offset_mm": 2.0}, "cord_ml_offset_mm"),
        # the bone circle must hold the epidural ellipse (x semi-axis 3.5+6+0.3+2.5 = 12.3 mm)
        ({"lateral_csf_mm": 6.0, "bone_outer_radius_mm": 12.0}, "bone_outer_radius_mm"),
        ({"cord_transverse_mm": 13.3}, "cord_transverse_mm"),  # circle: C5 does not fit
    ],
)
def test_an_elliptical_sac_that_cannot_hold_its_layers_is_refused(changes, field) -> None:
    with pytest.raises(InputError) as err:
        LayeredCord(**changes)
    assert err.value.field == field
    assert "allowed" in str(err.value) or "must" in str(err.value)


def test_a_lateral_surface_outside_the_sac_is_refused() -> None:
    cord = LayeredCord(lateral_csf_mm=3.0)
    with pytest.raises(InputError, match="lead_ml_offset_mm"):
        cord.dorsal_surface_y_mm("dura", 10.0)
    with pytest.raises(InputError, match="surface"):
        cord.dorsal_surface_y_mm("bone", 0.0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dcsf_mm", -1.0),
        ("dura_thickness_mm", -0.1),
        ("cord_ap_mm", float("nan")),
        ("length_mm", 0.0),
        ("bone_outer_radius_mm", 5.0),  # inside the epidural layer
        ("outer_radius_mm", 15.0),  # equal to the bone's outer radius
        ("cord_ml_offset_mm", 3.0),  # the cord would leave the dural sac
        ("cord_transverse_mm", 14.0),  # wider than the dural sac
    ],
)
def test_impossible_geometry_is_refused_with_the_field(field: str, value: float) -> None:
    with pytest.raises(InputError) as err:
        LayeredCord(**{field: value})  # type: ignore[arg-type]
    assert err.value.field == field


def test_bad_conductivity_is_refused() -> None:
    with pytest.raises(InputError, match=r"conductivity\.dura"):
        Conductivities(dura=0.0)
    assert Conductivities.uniform(0.3).white_longitudinal == 0.3


def test_a_zero_thickness_layer_is_allowed() -> None:
    cord = LayeredCord(dura_thickness_mm=0.0, epidural_thickness_mm=0.0)
    assert cord.epidural_outer_radius_mm == cord.sac_radius_mm


def _lead(cord: LayeredCord, x: float = 0.0, n: int = 4) -> list[RingContact]:
    y = -(cord.dura_outer_radius_mm + 0.7)
    return [RingContact((x, y, -6.0 + 4.0 * k)) for k in range(n)]


def test_rings_on_one_line_form_one_lead_pointing_proximally() -> None:
    cord = LayeredCord()
    contacts = _lead(cord) + _lead(cord, x=2.0)
    leads = leads_from_contacts(contacts, cord)
    assert len(leads) == 2 and all(isinstance(lead, RingLead) for lead in leads)
    first = leads[0]
    assert isinstance(first, RingLead)
    assert [c[0] for c in first.contacts] == [0, 1, 2, 3]
    assert first.direction[2] == pytest.approx(1.0)  # E1 first: proximal is +z here
    assert first.s_tip_mm == pytest.approx(-1.5 - 1.0)


def test_paddle_contacts_in_one_plane_form_one_slab_facing_the_cord() -> None:
    cord = LayeredCord()
    y = -(cord.dura_outer_radius_mm + 0.1)
    contacts = [RectangleContact((x, y, 0.0)) for x in (-1.5, 1.5)]
    (paddle,) = leads_from_contacts(contacts, cord)
    assert isinstance(paddle, PaddleLead)
    assert paddle.n[1] == pytest.approx(-1.0)  # the slab lies dorsal of the contact faces


@pytest.mark.parametrize(
    ("center", "why"),
    [
        ((0.0, -2.0, 0.0), "inside cord"),
        ((0.0, -39.5, 0.0), "outside"),
        ((0.0, -7.0, 39.5), "outside"),
    ],
)
def test_a_lead_in_the_cord_or_outside_the_domain_is_refused(center: tuple, why: str) -> None:
    with pytest.raises(InputError) as err:
        leads_from_contacts([RingContact(center)], LayeredCord())
    assert err.value.value == why


def test_overlapping_rings_are_refused() -> None:
    cord = LayeredCord()
    y = -(cord.dura_outer_radius_mm + 0.7)
    with pytest.raises(InputError, match="overlaps"):
        leads_from_contacts([RingContact((0, y, 0.0)), RingContact((0, y, 2.0))], cord)


def test_cache_key_is_canonical() -> None:
    a = cache_key({"b": 1.0, "a": [1, 2]})
    assert a == cache_key({"a": [1, 2], "b": 1.0})
    assert a != cache_key({"a": [1, 2], "b": 1.5})
    assert len(a) == 64


def test_cache_root_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "c"))
    assert cache_root() == tmp_path / "c"


def test_conductor_is_registered() -> None:
    assert "spinal-cord-fem" in conductor_names()
    with pytest.raises(InputError, match="mesh_level"):
        conductor_from_spec({"conductor": "spinal-cord-fem", "mesh_level": "ultra"})


def test_missing_ngsolve_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name == "ngsolve" or name.startswith("ngsolve."):
            raise ImportError("No module named 'ngsolve'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"neurostim\[fem\]"):
        require_ngsolve()


def test_a_cord_without_csf_lies_in_its_bath() -> None:
    # an isolated cord in saline (examples/anatomy/mouse-ex-vivo.toml): no CSF, dura, epidural
    # layer or bone; the sac is the cord itself and the bath reaches the far ground
    bare = LayeredCord(cord_ap_mm=1.4, cord_transverse_mm=1.8, dcsf_mm=0.0, vcsf_mm=0.0,
                       lateral_csf_mm=0.0, dura_thickness_mm=0.0, epidural_thickness_mm=0.0,
                       bone_outer_radius_mm=0.0, outer_radius_mm=10.0, length_mm=15.0)  # fmt: skip
    assert bare.bare
    assert bare.sac_semi_axes_mm == (0.9, 0.7)
    assert bare.epidural_semi_axes_mm == (0.9, 0.7)
    assert bare.dorsal_surface_y_mm("dura", 0.0) == pytest.approx(-0.7)
    with pytest.raises(InputError, match="cord_ml_offset_mm"):
        LayeredCord(cord_ap_mm=1.4, cord_transverse_mm=1.8, dcsf_mm=0.0, vcsf_mm=0.0,
                    lateral_csf_mm=0.0, cord_ml_offset_mm=0.2, dura_thickness_mm=0.0,
                    epidural_thickness_mm=0.0, bone_outer_radius_mm=0.0,
                    outer_radius_mm=10.0)  # fmt: skip
    with pytest.raises(InputError, match="outer_radius_mm"):
        LayeredCord(cord_ap_mm=1.4, cord_transverse_mm=1.8, dcsf_mm=0.0, vcsf_mm=0.0,
                    lateral_csf_mm=0.0, dura_thickness_mm=0.0, epidural_thickness_mm=0.0,
                    bone_outer_radius_mm=0.0, outer_radius_mm=0.9)  # fmt: skip
    # CSF on one side only leaves a sliver thinner than the meshable margin: refused
    with pytest.raises(InputError):
        LayeredCord(dcsf_mm=0.0, vcsf_mm=2.0)


def test_element_sizes_scale_with_a_small_cord_and_small_contacts() -> None:
    from neurostim.field.fem.mesh import MESH_LEVELS, REFERENCE_CORD_MM, mesh_sizes

    human = LayeredCord()
    y = -(human.dura_outer_radius_mm + 0.05 + 0.65)
    rings = leads_from_contacts([RingContact((0.0, y, z), diameter_mm=1.3) for z in (0, 4)], human)
    for level, sizes in MESH_LEVELS.items():
        assert mesh_sizes(human, rings, level) == sizes  # the catalog's ring on a human cord
    # a 1.4 x 1.8 mm cord (mean 1.6 mm) scales every length by 1.6 / REFERENCE_CORD_MM; a
    # 0.25 mm ring 0.25 mm long holds 16 elements round (2 pi 0.125 / 16 = 0.049 mm)
    bare = LayeredCord(cord_ap_mm=1.4, cord_transverse_mm=1.8, dcsf_mm=0.0, vcsf_mm=0.0,
                       lateral_csf_mm=0.0, dura_thickness_mm=0.0, epidural_thickness_mm=0.0,
                       bone_outer_radius_mm=0.0, outer_radius_mm=10.0, length_mm=15.0)  # fmt: skip
    small = leads_from_contacts(
        [RingContact((0.0, -0.9, z), diameter_mm=0.25, length_mm=0.25) for z in (0, 1)], bare
    )
    got = mesh_sizes(bare, small, "coarse")
    scale = 1.6 / REFERENCE_CORD_MM
    assert got["length_scale"] == pytest.approx(scale)
    assert got["cord_maxh_mm"] == pytest.approx(MESH_LEVELS["coarse"]["cord_maxh_mm"] * scale)
    assert got["maxh_mm"] == pytest.approx(MESH_LEVELS["coarse"]["maxh_mm"] * scale)
    assert got["contact_maxh_mm"] == pytest.approx(2 * 3.141592653589793 * 0.125 / 16)
    assert got["grading"] == MESH_LEVELS["coarse"]["grading"]
