"""Seeded packing: fascicles inside the nerve less the epineurium, at least 20 um apart."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurostim.nerve import load_nerve, site_names

MIN_GAP_UM = 20.0  # §7: packed with a seeded generator, at least 20 um apart


def _outer_radius_mm(f) -> float:  # type: ignore[no-untyped-def]
    return (f.major_um / 2.0 + f.perineurium_um) / 1000.0


@pytest.mark.parametrize("site", site_names())
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_no_overlap_and_inside(site: str, seed: int) -> None:
    nerve = load_nerve(site, nerve={"seed": seed})
    fs = nerve.fascicles
    for i in range(len(fs)):
        for j in range(i):
            d = math.hypot(fs[i].x_mm - fs[j].x_mm, fs[i].y_mm - fs[j].y_mm)
            assert d >= _outer_radius_mm(fs[i]) + _outer_radius_mm(fs[j]) + MIN_GAP_UM / 1000 - 1e-9
    # inside: 720 points on each fascicle's outer circle lie within the ellipse whose semi-axes
    # are the nerve's less the epineurium margin
    t = np.linspace(0.0, 2.0 * np.pi, 720, endpoint=False)
    a = nerve.major_mm / 2.0 - nerve.epineurium_um / 1000.0
    b = nerve.minor_mm / 2.0 - nerve.epineurium_um / 1000.0
    for f in fs:
        r = _outer_radius_mm(f)
        x, y = f.x_mm + r * np.cos(t), f.y_mm + r * np.sin(t)
        assert np.max((x / a) ** 2 + (y / b) ** 2) <= 1.0 + 1e-3


def test_seeded_reproducibility() -> None:
    a = load_nerve("tibial", nerve={"seed": 3})
    b = load_nerve("tibial", nerve={"seed": 3})
    c = load_nerve("tibial", nerve={"seed": 4})
    assert a.fascicles == b.fascicles
    assert a.fascicles != c.fascicles


def test_perineurium_follows_the_rule() -> None:
    sciatic = load_nerve("sciatic")  # §1.2: sciatic 3.3 % of d
    for f in sciatic.fascicles:
        assert f.perineurium_um == pytest.approx(0.033 * f.diameter_um, rel=1e-12)
    vagus = load_nerve("vagus")  # §1.2: human vagus 0.03702 d + 10.50 um
    for f in vagus.fascicles:
        assert f.perineurium_um == pytest.approx(0.03702 * f.diameter_um + 10.50, rel=1e-12)
    fixed = load_nerve("vagus", nerve={"perineurium_rule": "fixed_um", "perineurium_value": 12.0})
    assert {f.perineurium_um for f in fixed.fascicles} == {12.0}


def test_size_distribution_follows_the_lognormal() -> None:
    """Pooled over seeds, log diameters have the site's median and sigma (tibial: 390, 0.3)."""
    logs = np.log([f.diameter_um for s in range(25) for f in load_nerve(
        "tibial", nerve={"seed": s}).fascicles])  # fmt: skip
    # 875 draws: standard errors 0.3/sqrt(875) = 0.010 (mean log) and 0.007 (sd); 4 of each
    assert abs(np.mean(logs) - math.log(390.0)) < 0.04
    assert abs(np.std(logs) - 0.3) < 0.03
