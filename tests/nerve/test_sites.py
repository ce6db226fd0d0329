"""Shipped sites carry the numbers of peripheral-nerve.md (restated here from its text)."""

from __future__ import annotations

import math

import pytest

from neurostim.nerve import load_nerve, site_defaults, site_names, site_parameters
from neurostim.nerve.sites import FASCICLE_KEYS, NERVE_KEYS, TISSUE_KEYS
from neurostim.testing import assert_close

CONTRACT_NERVE = {"shape", "major_mm", "minor_mm", "epineurium_um", "perineurium_rule"}
CONTRACT_FASCICLE = {"x_mm", "y_mm", "major_um", "minor_um", "angle_deg", "function"}
SITES = {"sciatic_midthigh", "tibial_popliteal", "peroneal_popliteal", "femoral_inguinal",
         "median_arm", "ulnar_arm", "gon_occipital", "vagus_cervical"}  # fmt: skip


def test_contract_keys() -> None:
    assert set(NERVE_KEYS) >= CONTRACT_NERVE
    assert set(FASCICLE_KEYS) == CONTRACT_FASCICLE
    assert {"limb_radius_mm", "nerve_depth_mm", "fat_mm", "encapsulation_um"} == set(TISSUE_KEYS)
    assert set(site_names()) == SITES  # §7 nerve.site


def _csa(site: str) -> float:
    d = site_defaults(site)["nerve"]
    return math.pi / 4.0 * d["major_mm"] * d["minor_mm"]


def test_sciatic_is_the_section_7_default() -> None:
    d = site_defaults("sciatic")["nerve"]
    # §7: ellipse 9.0 x 6.3 (CSA 44.4 mm2); 50 fascicles, lognormal median 420 um, sigma_log 0.4
    assert (d["shape"], d["major_mm"], d["minor_mm"]) == ("ellipse", 9.0, 6.3)
    assert_close(_csa("sciatic"), 44.4, rtol=0.005, what="sciatic CSA", unit="mm2")
    assert (d["n_fascicles"], d["fascicle_median_um"], d["fascicle_sigma_log"]) == (50, 420.0, 0.4)
    # §1.2: sciatic perineurium 3.3 % of d (NRV); §7 min gap 20 um
    assert (d["perineurium_rule"], d["perineurium_value"], d["min_gap_um"]) == (
        "fraction", 0.033, 20.0)  # fmt: skip
    t = site_defaults("sciatic")["tissue"]  # §7 tissue: 70, 50, 10 [R]; encapsulation 0
    assert (t["limb_radius_mm"], t["nerve_depth_mm"], t["fat_mm"], t["encapsulation_um"]) == (
        70.0, 50.0, 10.0, 0.0)  # fmt: skip
    assert site_defaults("sciatic")["conductivity"] == "ascent_default"


@pytest.mark.parametrize(
    ("site", "csa_mm2", "n_fascicles", "rule", "value"),
    [
        ("tibial", 25.9, 35, "fraction", 0.026),  # §1.1 [LE-meta], [Ug]; §1.2 tibial 2.6 %
        ("common_peroneal", 7.9, 16, "fraction", 0.028),  # §1.1 fibular 7.9; 16.3 fascicles
        ("median", 9.34, 10, "fraction", 0.033),  # §1.1 mid-arm 9.34; 10.1 fascicles; 3.3 %
        ("ulnar", 6.37, None, "fraction", 0.026),  # §1.1 mid-arm 6.37; §1.2 2.6 %
        ("greater_occipital", 2.0, None, "fraction", 0.03),  # §1.1 2.0 mm2; §1.2 default 3 %
    ],
)
def test_sites_from_section_1(
    site: str, csa_mm2: float, n_fascicles: int | None, rule: str, value: float
) -> None:
    assert_close(_csa(site), csa_mm2, rtol=0.005, what=f"{site} CSA", unit="mm2")
    d = site_defaults(site)["nerve"]
    if n_fascicles is not None:
        assert d["n_fascicles"] == n_fascicles
    assert (d["perineurium_rule"], d["perineurium_value"]) == (rule, value)


def test_femoral_and_vagus() -> None:
    f = site_defaults("femoral")["nerve"]  # §1.1 / §7: flat, 10.5 x 2.3 mm
    assert (f["major_mm"], f["minor_mm"]) == (10.5, 2.3)
    v = site_defaults("vagus")["nerve"]  # §1.1: effective diameter about 2 mm, 7 fascicles
    assert (v["shape"], v["major_mm"], v["minor_mm"], v["n_fascicles"]) == ("circle", 2.0, 2.0, 7)
    assert v["perineurium_rule"] == "pelot_human_vn"  # §1.2


def test_aliases_name_shipped_sites() -> None:
    from neurostim.nerve import resolve_site, site_aliases

    assert site_aliases()["common_peroneal"] == "peroneal_popliteal"
    assert all(resolve_site(a) == s for a, s in site_aliases().items())


def test_every_row_has_a_tag_and_a_source() -> None:
    for site in site_names():
        for key, row in site_parameters(site).items():
            assert row["tag"] in {"S", "C", "R", "V", "ours"}, (site, key)
            assert row["source"].strip(), (site, key)


@pytest.mark.parametrize("site", sorted(SITES))
def test_every_site_builds_and_its_fascicular_ratio_is_near_the_sites(site: str) -> None:
    nerve = load_nerve(site)
    assert nerve.site == site and nerve.n_fascicles == site_defaults(site)["nerve"]["n_fascicles"]
    assert nerve.fascicular_ratio_ok(0.5)  # §7 check: within +-50 %
