"""Fiber populations per fascicle and class (peripheral-nerve.md §1.3, §7)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from neurostim.errors import InputError
from neurostim.fibers import nerve_fibers
from neurostim.nerve import load_nerve

# §1.3: unmyelinated : myelinated 3.7 : 1 [OM69]; large 6480 vs small 9560 /mm2 [To77]
C_SHARE = 3.7 / 4.7
ABETA_SHARE = (1 / 4.7) * 6480 / (6480 + 9560)
ADELTA_SHARE = (1 / 4.7) * 9560 / (6480 + 9560)


@pytest.fixture(scope="module")
def big():  # type: ignore[no-untyped-def]
    return nerve_fibers(load_nerve("vagus"), per_class_per_fascicle=200, seed=1)


def test_class_fractions(big) -> None:  # type: ignore[no-untyped-def]
    w = big.class_weight()
    assert w["Abeta"] == pytest.approx(ABETA_SHARE, abs=5e-4)
    assert w["Adelta"] == pytest.approx(ADELTA_SHARE, abs=5e-4)
    assert w["C"] == pytest.approx(C_SHARE, abs=5e-4)
    assert big.fibers.weight.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("cls", "model", "mean", "sd", "lo", "hi"),
    [
        # §7: Abeta interpolated MRG N(10, 2) in the §1.3 band 6-14 um
        ("Abeta", "mrg-interpolation", 10.0, 2.0, 6.0, 14.0),
        # Adelta N(3, 0.8) in 1-5 um, cut at 2 um where the interpolated MRG starts
        ("Adelta", "mrg-interpolation", 3.0, 0.8, 2.0, 5.0),
        # C Sundt N(0.9, 0.3) in 0.2-1.5 um
        ("C", "sundt", 0.9, 0.3, 0.2, 1.5),
    ],
)
def test_diameter_distributions(big, cls, model, mean, sd, lo, hi) -> None:  # type: ignore[no-untyped-def]
    sel = np.asarray(big.fiber_class) == cls
    d = big.fibers.diameter_um[sel]
    assert {big.fibers.model[i] for i in np.flatnonzero(sel)} == {model}
    assert d.min() >= lo and d.max() <= hi
    ref = stats.truncnorm((lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd)
    n = d.size  # 1400 per class: 4 standard errors of the mean and of the sd
    assert abs(d.mean() - ref.mean()) < 4 * ref.std() / np.sqrt(n)
    assert abs(d.std() - ref.std()) < 4 * ref.std() / np.sqrt(2 * n)
    assert stats.kstest(d, ref.cdf).pvalue > 1e-3


def test_positions_inside_the_fascicles() -> None:
    nerve = load_nerve("tibial", nerve={"seed": 2})
    nf = nerve_fibers(nerve, per_class_per_fascicle=10)
    assert nf.n_fibers == 30 * nerve.n_fascicles
    for i, f in enumerate(nerve.fascicles):  # circles: within r - 5 um of the centre
        sel = nf.fascicle == i
        r = np.hypot(nf.x_mm[sel] - f.x_mm, nf.y_mm[sel] - f.y_mm)
        assert np.all(r <= (f.major_um / 2 - 5.0) / 1000 + 1e-12)
    v = nf.fibers.vertices_mm  # straight along z at the fiber's (x, y)
    assert all(np.allclose(p[:, :2], [x, y]) for p, x, y in zip(v, nf.x_mm, nf.y_mm, strict=True))
    assert all(p[1, 2] > p[0, 2] for p in v)


def test_seeded_and_default_counts() -> None:
    nerve = load_nerve("gon")
    a, b = nerve_fibers(nerve, seed=5), nerve_fibers(nerve, seed=5)
    assert np.array_equal(a.fibers.diameter_um, b.fibers.diameter_um)
    assert np.array_equal(a.x_mm, b.x_mm)
    counts = {c: a.fiber_class.count(c) for c in ("Abeta", "Adelta", "C")}
    assert counts == {"Abeta": 50 * 6, "Adelta": 50 * 6, "C": 30 * 6}  # §7: 50 / 50 / 30
    rows = a.rows()
    assert set(rows[0]) == {"fascicle", "class", "model", "diameter_um", "x_mm", "y_mm"}


def test_fiber_refusals() -> None:
    nerve = load_nerve("gon")
    with pytest.raises(InputError) as info:
        nerve_fibers(nerve, classes=("Agamma",))
    assert info.value.field == "classes"
    with pytest.raises(InputError) as info:
        nerve_fibers(nerve, per_class_per_fascicle=0)
    assert info.value.field == "per_class_per_fascicle"
