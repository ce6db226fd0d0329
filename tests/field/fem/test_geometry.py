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
