"""Loading programs and data: malformed input is one clear InputError naming the field."""

from __future__ import annotations

import pytest

from neurostim.errors import InputError
from neurostim.intrathecal import (
    get_pump,
    load_drug_library,
    load_program,
    load_pump_profiles,
    parse_program,
)

from ._programs import p1

PUMP_IDS = ["synchromed-ii-20", "synchromed-ii-40", "prometra-20", "prometra-ii-40"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pump": "synchromed-iii"}, "pump"),
        ({"drug": "ketamine"}, "drug"),
        ({"concentration": "ten"}, "concentration"),
        ({"concentration": -1.0}, "concentration"),
        ({"mode": "turbo"}, "mode"),
        ({"colour": "blue"}, "colour"),
        ({"dose_per_day": None}, ""),
        ({"mode": "flex"}, ""),
        ({"mode": "single-bolus"}, ""),
        ({"mode": "flex", "flex": [{"start": "25:00", "dose_per_hour": 0.1}]}, "flex.0.start"),
        (
            {
                "mode": "flex",
                "flex": [
                    {"start": "10:00", "dose_per_hour": 0.1},
                    {"start": "06:00", "dose_per_hour": 0.1},
                ],
            },
            "",
        ),
        ({"patient_bolus": {"dose": 1.0}}, "patient_bolus.duration_min"),
    ],
)
def test_malformed_program_names_field(change: dict, field: str) -> None:
    data = p1(**change)
    if data.get("dose_per_day", 0) is None:
        del data["dose_per_day"]
    with pytest.raises(InputError) as exc:
        parse_program(data)
    assert exc.value.field.startswith(field)
    assert "\n" not in str(exc.value)


def test_non_table_and_bad_toml(tmp_path) -> None:
    with pytest.raises(InputError):
        parse_program([1, 2])  # type: ignore[arg-type]
    bad = tmp_path / "bad.toml"
    bad.write_text("pump = \n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_program(bad)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError):
        load_program(binary)


def test_pump_profiles_shipped_and_marked() -> None:
    profiles = load_pump_profiles()
    assert set(PUMP_IDS) <= set(profiles)  # the ids are a public contract
    assert {"synchromed-iii-20", "synchromed-iii-40"} <= set(profiles)
    for pid in profiles:
        p = get_pump(pid)
        assert p.source and p.reservoir_ml in (20.0, 40.0)
        assert p.min_rate_ml_per_day < p.max_rate_ml_per_day
        assert set(p.representative) <= set(type(p).model_fields)
    assert get_pump("synchromed-ii-20").min_rate_ml_per_day == 0.048  # R1
    assert get_pump("prometra-20").refill_residual_ml == 3.0  # R12
    assert get_pump("synchromed-ii-40").eri_to_eos_days == 90  # R21
    assert get_pump("prometra-ii-40").mri_requires_empty_reservoir


def test_user_pump_file_merges(tmp_path) -> None:
    user = tmp_path / "pumps.toml"
    user.write_text("[pumps.prometra-20]\nmax_rate_ml_per_day = 10.0\nrepresentative = []\n")
    profiles = load_pump_profiles(user)
    assert profiles["prometra-20"].max_rate_ml_per_day == 10.0
    assert profiles["prometra-20"].reservoir_ml == 20.0
    user.write_text("[pumps.prometra-20]\nreservoir_ml = -1\n")
    with pytest.raises(InputError, match="reservoir_ml"):
        load_pump_profiles(user)
    user.write_text('[pumps.new-pump]\nname = "x"\n')
    with pytest.raises(InputError, match="new-pump"):
        load_pump_profiles(user)


def test_drug_library_shipped_and_user_merge(tmp_path) -> None:
    lib = load_drug_library()
    expected = {"morphine", "hydromorphone", "fentanyl", "sufentanil", "ziconotide"}
    assert expected | {"bupivacaine", "clonidine", "baclofen"} == set(lib)
    for drug in lib.values():
        assert drug.source and drug.confidence in {"high", "medium", "low"}
        assert drug.titration and all(r.source for r in drug.titration.values())
    assert lib["ziconotide"].max_dose_for("us") == 19.2
    assert lib["ziconotide"].max_dose_for("eu") == 21.6
    user = tmp_path / "drugs.toml"
    user.write_text(
        '[drugs.ketamine]\nname = "ketamine"\nunit = "mg"\nopioid = false\n'
        'start_dose_per_day = [1.0, 2.0]\nwithdrawal_risk = "low"\ntaper_on_stop = false\n'
        'source = "institutional protocol"\nconfidence = "low"\n'
        '[drugs.ketamine.titration.pain]\nmax_increase_fraction = 0.1\nsource = "protocol"\n'
    )
    merged = load_drug_library(user)
    assert "ketamine" in merged and "morphine" in merged
    program = parse_program(p1(drug="ketamine"), merged)
    assert program.drug == "ketamine"
    user.write_text("drugs = 3\n")
    with pytest.raises(InputError):
        load_drug_library(user)
    user.write_text("[drugs]\nmorphine = 3\n")
    with pytest.raises(InputError):
        load_drug_library(user)
    user.write_text('[drugs.morphine]\nunit = "g"\n')
    with pytest.raises(InputError, match=r"drugs\.morphine\.unit"):
        load_drug_library(user)
