"""A user's nerve file: explicit (traced) fascicles; keys left out take the site's defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurostim.errors import InputError
from neurostim.nerve import load_nerve, nerve_from_toml, site_defaults

TRACED = Path(__file__).resolve().parents[2] / "examples" / "nerves" / "traced-vagus.toml"


def test_traced_file() -> None:
    nerve = nerve_from_toml(TRACED)
    assert nerve.explicit_fascicles and nerve.n_fascicles == 5
    assert (nerve.shape, nerve.major_mm, nerve.minor_mm, nerve.epineurium_um) == (
        "ellipse", 2.4, 1.8, 40.0)  # fmt: skip
    f = nerve.fascicles[0]
    assert (f.x_mm, f.y_mm, f.major_um, f.minor_um, f.angle_deg, f.function) == (
        -0.5, 0.3, 520.0, 400.0, 20.0, "cutaneous")  # fmt: skip
    assert nerve.fascicles[1].function == "mixed"  # optional key
    # left out: the site's perineurium rule (human vagus, §1.2) and tissue
    d = (520.0 * 400.0) ** 0.5
    assert f.perineurium_um == pytest.approx(0.03702 * d + 10.50)
    assert nerve.tissue.nerve_depth_mm == site_defaults("vagus")["tissue"]["nerve_depth_mm"]


def test_overrides_and_site_conflict(tmp_path: Path) -> None:
    nerve = load_nerve("median", nerve={"epineurium_um": 80.0}, tissue={"fat_mm": 4.0})
    assert nerve.epineurium_um == 80.0 and nerve.tissue.fat_mm == 4.0
    assert nerve.major_mm == site_defaults("median")["nerve"]["major_mm"]
    with pytest.raises(InputError) as info:
        load_nerve("sciatic", file=TRACED)
    assert info.value.field == "nerve.site"
    bad = tmp_path / "bad.toml"
    bad.write_text("[nerve\n")
    with pytest.raises(InputError) as info:
        load_nerve(file=bad)
    assert info.value.field == "nerve file"


def test_circle_shape_takes_major_as_minor() -> None:
    nerve = load_nerve("sciatic", nerve={"shape": "circle", "major_mm": 8.0})
    assert nerve.minor_mm == 8.0 and nerve.n_fascicles == 50


def test_solids_list_the_nerve_for_the_mesher() -> None:
    nerve = nerve_from_toml(TRACED)
    solids = nerve.solids(20.0)
    names = [s.name for s in solids]
    assert names[:3] == ["limb", "muscle", "nerve"]
    assert len(solids) == 3 + 2 * nerve.n_fascicles
    assert solids[2].semi_axes_mm == (1.2, 0.9) and solids[2].z_range_mm == (-10.0, 10.0)
    peri, endo = solids[3], solids[4]
    assert peri.material == "perineurium" and endo.material == "endoneurium"
    assert peri.semi_axes_mm[0] - endo.semi_axes_mm[0] == pytest.approx(
        nerve.fascicles[0].perineurium_um / 1000)  # fmt: skip


def test_cache_payload_is_plain_and_tracks_the_geometry() -> None:
    import json

    a = load_nerve("vagus")
    text = json.dumps(a.cache_payload(), sort_keys=True)
    assert json.loads(text)["fascicles"][0]["perineurium_um"] > 0
    moved = load_nerve("vagus", nerve={"seed": 1})
    wet = load_nerve("vagus", conductivity={"saline": 2.0})
    assert json.dumps(moved.cache_payload(), sort_keys=True) != text
    assert json.dumps(wet.cache_payload(), sort_keys=True) != text
    assert json.dumps(load_nerve("vagus").cache_payload(), sort_keys=True) == text
