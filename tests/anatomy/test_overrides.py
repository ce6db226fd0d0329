"""Overrides: keyword arguments, user TOML files, tables merged key by key, posture."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurostim.anatomy import anatomy_from_toml, load_anatomy
from neurostim.errors import InputError


def test_keyword_override_changes_only_that_key() -> None:
    base = load_anatomy("T10")
    a = load_anatomy("T10", dcsf_mm=3.0)
    assert a.dcsf_mm == 3.0
    assert a.replace(dcsf_mm=base.dcsf_mm) == base


def test_table_override_merges_key_by_key() -> None:
    base = load_anatomy("T8")
    a = load_anatomy("T8", roots={"bend_radius_mm": 0.7})
    assert a.roots.bend_radius_mm == 0.7
    assert a.roots.n_rootlets == base.roots.n_rootlets
    assert a.roots.rootlet_angle_deg == base.roots.rootlet_angle_deg


def test_user_file_names_level_and_overrides(tmp_path: Path) -> None:
    f = tmp_path / "a.toml"
    f.write_text(
        'level = "C5"\ndcsf_mm = 2.0\nconductivity = "twente"\n'
        "[fibers]\ndc_diameters_um = [12.0, 15.0]\n"
    )
    a = anatomy_from_toml(f)
    assert (a.level, a.dcsf_mm, a.conductivity.dura) == ("C5", 2.0, 0.03)
    assert a.fibers.dc_diameters_um == (12.0, 15.0)
    assert a.fibers.dr_diameters_um == load_anatomy("C5").fibers.dr_diameters_um
    assert a.cord_ap_mm == load_anatomy("C5").cord_ap_mm
    # keyword overrides come after the file
    assert load_anatomy(file=f, dcsf_mm=3.0).dcsf_mm == 3.0


def test_file_level_and_argument_level_must_agree(tmp_path: Path) -> None:
    f = tmp_path / "a.toml"
    f.write_text('level = "C5"\n')
    assert load_anatomy("C5", file=f).level == "C5"
    with pytest.raises(InputError) as err:
        load_anatomy("T10", file=f)
    assert err.value.field == "level"


def test_file_without_level_takes_the_argument(tmp_path: Path) -> None:
    f = tmp_path / "a.toml"
    f.write_text("dcsf_mm = 4.0\n")
    assert load_anatomy("T8", file=f).cord_ap_mm == load_anatomy("T8").cord_ap_mm
    assert load_anatomy(file=f).level == "T10"


def test_conductivity_table_starts_from_a_base() -> None:
    a = load_anatomy("T10", conductivity={"dura": 0.1})
    assert a.conductivity.dura == 0.1
    assert a.conductivity.csf == 1.7  # spec §2 default CSF
    b = load_anatomy("T10", conductivity={"base": "twente", "outer": 0.3})
    assert (b.conductivity.dura, b.conductivity.outer) == (0.03, 0.3)


def test_prone_adds_the_level_shift_and_supine_removes_it() -> None:
    # spec §1.1: T12 dCSF about +3.4 mm prone (Holsheimer 1994)
    a = load_anatomy("T12")
    prone = a.with_posture("prone")
    assert prone.posture == "prone"
    assert prone.dcsf_mm == pytest.approx(a.dcsf_mm + 3.4)
    back = prone.with_posture("supine")
    assert back.dcsf_mm == pytest.approx(a.dcsf_mm, rel=1e-12)
    assert back.replace(dcsf_mm=a.dcsf_mm) == a
    with pytest.raises(InputError):
        a.with_posture("standing")  # type: ignore[arg-type]


def test_models_are_frozen() -> None:
    a = load_anatomy()
    with pytest.raises(ValueError):
        a.dcsf_mm = 1.0  # type: ignore[misc]


def test_malformed_and_missing_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("dcsf_mm = = 3\n")
    with pytest.raises(InputError, match="malformed TOML"):
        anatomy_from_toml(bad)
    with pytest.raises(InputError, match="cannot read"):
        anatomy_from_toml(tmp_path / "missing.toml")


def test_replace_merges_tables_and_conductivity() -> None:
    a = load_anatomy("T10")
    b = a.replace(roots={"bend_radius_mm": 0.6}, conductivity={"dura": 0.05})
    assert b.roots.bend_radius_mm == 0.6 and b.roots.n_rootlets == a.roots.n_rootlets
    assert b.conductivity.dura == 0.05 and b.conductivity.csf == a.conductivity.csf
    assert a.replace(conductivity="twente").conductivity.dura == 0.03


def test_replace_validates_like_load() -> None:
    a = load_anatomy("T10")
    with pytest.raises(InputError) as err:
        a.replace(dcsf_mm=float("nan"))
    assert err.value.field == "dcsf_mm"
    with pytest.raises(InputError) as err:
        a.replace(level="X9")
    assert err.value.field == "level"
    assert a.replace(level="L1").level == "T12"


def test_conductivity_file_named_relative_to_the_anatomy_file(tmp_path: Path) -> None:
    sub = tmp_path / "sets"
    sub.mkdir()
    tissues = {"grey": 0.23, "white_longitudinal": 0.6, "white_transverse": 0.083, "csf": 1.7,
               "dura": 0.2, "epidural": 0.04, "bone": 0.02, "outer": 0.25}  # fmt: skip
    rows = "\n".join(f'{t} = {{ value = {v}, tag = "ours", source = "test" }}'
                     for t, v in tissues.items())  # fmt: skip
    (sub / "mine.toml").write_text('name = "mine"\n' + rows + "\n")
    f = tmp_path / "a.toml"
    f.write_text('level = "T10"\nconductivity = "sets/mine.toml"\n')
    a = anatomy_from_toml(f)
    assert (a.conductivity.name, a.conductivity.dura) == ("mine", 0.2)
