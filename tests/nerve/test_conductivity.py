"""Conductivity sets of §2 (restated) and a user's file overriding some tissues."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurostim.nerve import TISSUES, conductivity_names, load_nerve, nerve_conductivity

CONTRACT = {
    "endoneurium_longitudinal",
    "endoneurium_transverse",
    "perineurium",
    "epineurium",
    "muscle_longitudinal",
    "muscle_transverse",
    "fat",
    "saline",
    "encapsulation",
}


def test_contract_keys_and_sets() -> None:
    assert set(TISSUES) == CONTRACT
    assert {"ascent_default", "bucksot2019", "nrv"} <= set(conductivity_names())


def test_ascent_default_values() -> None:
    s = nerve_conductivity("ascent_default").values_s_per_m()
    # §2 ASCENT defaults: 1/1.75, 1/6, 1/1149, 1/6.3, 0.35/0.086, 1/30, 1.76, 1/6.3
    expected = {"endoneurium_longitudinal": 1 / 1.75, "endoneurium_transverse": 1 / 6,
                "perineurium": 1 / 1149, "epineurium": 1 / 6.3, "muscle_longitudinal": 0.35,
                "muscle_transverse": 0.086, "fat": 1 / 30, "saline": 1.76,
                "encapsulation": 1 / 6.3}  # fmt: skip
    for tissue, value in expected.items():
        assert s[tissue] == pytest.approx(value, rel=0.005), tissue


def test_bucksot_and_nrv_values() -> None:
    b = nerve_conductivity("bucksot2019")  # §2 / §5 P4
    assert (b.endoneurium_transverse, b.endoneurium_longitudinal) == (0.08, 0.5)
    assert (b.perineurium, b.epineurium, b.fat, b.saline) == (0.00336, 0.008, 0.04, 2.0)
    n = nerve_conductivity("nrv")  # §2: 0.085 / 0.571, perineurium 0.002, epineurium 0.085
    assert (n.endoneurium_transverse, n.endoneurium_longitudinal) == (0.085, 0.571)
    assert (n.perineurium, n.epineurium, n.muscle_longitudinal) == (0.002, 0.085, 0.2)
    assert n.saline != 0.5  # §2: NRV's 0.5 has no source and is not to be used


def test_every_value_has_a_source() -> None:
    for name in conductivity_names():
        s = nerve_conductivity(name)
        assert set(s.sources) == set(TISSUES)
        assert all(src.startswith(("[S]", "[C]", "[R]", "[ours]")) for src in s.sources.values())


def test_file_overrides_and_keys_left_out_take_the_set(tmp_path: Path) -> None:
    path = tmp_path / "wet.toml"
    path.write_text('base = "nrv"\nperineurium = 0.001\nepineurium = 0.2\n')
    s = nerve_conductivity(path)
    assert (s.perineurium, s.epineurium) == (0.001, 0.2)
    assert s.endoneurium_transverse == 0.085  # from nrv
    plain = tmp_path / "plain.toml"
    plain.write_text("saline = 1.5\n")
    s = nerve_conductivity(plain)
    assert s.saline == 1.5 and s.perineurium == pytest.approx(1 / 1149, rel=0.005)


def test_nerve_file_names_a_set_file_relative_to_itself(tmp_path: Path) -> None:
    (tmp_path / "sigma.toml").write_text("perineurium = 0.002\n")
    (tmp_path / "nerve.toml").write_text('conductivity = "sigma.toml"\n[nerve]\nsite = "vagus"\n')
    nerve = load_nerve(file=tmp_path / "nerve.toml")
    assert nerve.conductivity.perineurium == 0.002
    assert nerve.conductivity.epineurium == pytest.approx(1 / 6.3, rel=0.005)
    assert load_nerve("vagus", conductivity="nrv").conductivity.name == "nrv"
    assert load_nerve("vagus", conductivity={"fat": 0.05}).conductivity.fat == 0.05
