"""Lead and stimulator catalogs: the shipped data and user files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from neurostim.device import (
    list_leads,
    list_profiles,
    load_lead,
    load_lead_file,
    load_profile,
    load_profile_file,
)
from neurostim.errors import InputError
from neurostim.testing import assert_close

EXAMPLE_LEAD = Path(__file__).resolve().parents[2] / "examples" / "leads" / "my-lead.toml"


def test_catalog_ids() -> None:
    assert {"percutaneous-8", "paddle-16", "drg-4", "pns-4"} <= set(list_leads())
    assert {
        "generic-rechargeable-16",
        "hf-rechargeable-16",
        "burst-primary-16",
        "drg-trial-4",
    } <= set(list_profiles())


def test_percutaneous_8_matches_reference() -> None:
    lead = load_lead("percutaneous-8")
    assert lead.contact_ids == [f"E{i}" for i in range(1, 9)]
    assert lead.representative
    # reference §3: 1.3 mm x 3 mm ring, pi*d*L = 12.25 mm^2, 4 mm centre-to-centre
    assert_close(lead.surface_areas_mm2(), 12.25, rtol=0, atol=1e-12, what="area", unit="mm2")
    assert_close(math.pi * 1.3 * 3.0, 12.25, atol=0.005, what="pi d L", unit="mm2")
    z = lead.positions_mm()[:, 2]
    assert_close(np.diff(z), 4.0, atol=1e-12, what="spacing", unit="mm")
    assert lead.positions_mm().shape == (8, 3)


def test_paddle_has_two_columns_of_eight() -> None:
    lead = load_lead("paddle-16")
    x = lead.positions_mm()[:, 0]
    assert lead.n_contacts == 16
    assert sorted(set(x.tolist())) == [-1.5, 1.5]
    assert (x == -1.5).sum() == 8
    assert_close(lead.surface_areas_mm2(), 4.0 * 1.0, atol=1e-12, what="area", unit="mm2")


def test_every_lead_and_profile_has_a_source() -> None:
    for ident in list_leads():
        lead = load_lead(ident)
        assert lead.source.strip() and lead.n_contacts >= 1
    for ident in list_profiles():
        profile = load_profile(ident)
        assert profile.source.strip() and profile.battery.source.strip()


def test_drg_trial_ranges_are_axium() -> None:
    p = load_profile("drg-trial-4")
    amp = p.amplitude_ma
    # 0-6 mA, 25 uA steps up to 2 mA and 50 uA above
    for ok in (0.0, 0.025, 1.975, 2.0, 2.05, 2.1, 5.95, 6.0):
        assert amp.problem(ok) is None, ok
    for bad in (0.03, 2.025, 2.075, 6.05, -0.025):
        assert amp.problem(bad) is not None, bad
    for ok in (40, 50, 720):
        assert p.pulse_width_us.problem(ok) is None
    for bad in (30, 45, 730):
        assert p.pulse_width_us.problem(bad) is not None
    for ok in (4, 6, 100):
        assert p.rate_hz.problem(ok) is None
    for bad in (2, 5, 102):
        assert p.rate_hz.problem(bad) is not None
    assert amp.describe("mA") == "0-2 mA in 0.025 mA steps, 2-6 mA in 0.05 mA steps"


def test_hf_profile_allows_10khz_only_above_1200() -> None:
    p = load_profile("hf-rechargeable-16")
    assert "high-frequency" in p.families
    assert p.high_frequency_rate_hz is not None
    assert p.high_frequency_rate_hz.problem(10000) is None
    assert p.high_frequency_rate_hz.problem(5000) is not None
    assert p.rate_hz.problem(1200) is None and p.rate_hz.problem(1201) is not None


def test_profile_battery_kinds() -> None:
    assert load_profile("burst-primary-16").battery.kind == "primary"
    assert load_profile("hf-rechargeable-16").battery.kind == "rechargeable"
    assert "burst" in load_profile("burst-primary-16").families


def test_user_lead_file_and_search_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lead = load_lead_file(EXAMPLE_LEAD)
    assert lead.id == "my-lead"
    assert load_lead(str(EXAMPLE_LEAD)).id == "my-lead"
    (tmp_path / "custom-2.toml").write_text(EXAMPLE_LEAD.read_text().replace("my-lead", "custom-2"))
    monkeypatch.setenv("NEUROSTIM_LEAD_PATH", str(tmp_path))
    assert "custom-2" in list_leads()
    assert load_lead("custom-2").id == "custom-2"


def test_user_profile_file(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    shipped = Path(__file__).resolve().parents[2] / "src/neurostim/device/data/profiles"
    path.write_text((shipped / "drg-trial-4.toml").read_text().replace("drg-trial-4", "mine"))
    assert load_profile_file(path).id == "mine"
    assert load_profile(str(path)).n_contacts == 4


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("id = 1", "id"),
        ("this is not toml", "lead"),
    ],
)
def test_bad_lead_files(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_lead_file(path)
    assert info.value.field == field


def test_unknown_ids_name_the_choices() -> None:
    with pytest.raises(InputError, match="percutaneous-8"):
        load_lead("percutaneous-9")
    with pytest.raises(InputError, match="hf-rechargeable-16"):
        load_profile("nope")
    with pytest.raises(InputError, match="no such"):
        load_lead("missing.toml")
