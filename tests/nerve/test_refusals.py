"""Malformed nerves and electrodes are refused naming the field, the value and the allowed range."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurostim.device import load_program
from neurostim.errors import InputError
from neurostim.nerve import cuff, lead_frame, load_nerve, nerve_conductivity
from neurostim.pipeline import LeadPlacement, check_leads_outside, nerve_placements

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ONE = [{"x_mm": 0.0, "y_mm": 0.0, "major_um": 400.0, "minor_um": 300.0}]


def _refused(field: str, call, *words: str) -> InputError:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as info:
        call()
    err = info.value
    assert err.field == field, str(err)
    assert err.value is not None
    for w in words:
        assert w in err.message, err.message
    return err


def test_fascicle_outside_the_nerve() -> None:
    bad = [{**ONE[0], "x_mm": 0.9}]
    err = _refused("fascicles[0].x_mm", lambda: load_nerve("vagus", fascicles=bad),
                   "allowed x_mm in", "inside the nerve")  # fmt: skip
    assert err.value == 0.9


def test_overlapping_fascicles() -> None:
    two = [ONE[0], {**ONE[0], "x_mm": 0.3, "angle_deg": 90.0}]
    _refused("fascicles[1]", lambda: load_nerve("vagus", fascicles=two), "overlaps fascicles[0]")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"nerve": {"major_mm": 0.0}}, "nerve.major_mm"),
        ({"nerve": {"major_mm": -2.0}}, "nerve.major_mm"),
        ({"nerve": {"minor_mm": 3.0, "major_mm": 2.0, "shape": "ellipse"}}, "nerve.minor_mm"),
        ({"nerve": {"shape": "circle", "major_mm": 2.0, "minor_mm": 1.5}}, "nerve.minor_mm"),
        ({"nerve": {"shape": "square"}}, "nerve.shape"),
        ({"nerve": {"epineurium_um": -5.0}}, "nerve.epineurium_um"),
        ({"nerve": {"perineurium_rule": "thick"}}, "nerve.perineurium_rule"),
        ({"nerve": {"perineurium_rule": "fixed_um"}}, "nerve.perineurium_value"),
        ({"nerve": {"n_fascicles": 0}}, "nerve.n_fascicles"),
        ({"nerve": {"n_fascicles": 400}}, "nerve.n_fascicles"),
        ({"nerve": {"site": "nose"}}, "nerve.site"),
        ({"nerve": {"colour": "red"}}, "nerve.colour"),
        ({"shoe": 1}, "shoe"),
        ({"fascicles": [{**ONE[0], "major_um": -1.0}]}, "fascicles[0].major_um"),
        ({"fascicles": [{**ONE[0], "minor_um": 0.0}]}, "fascicles[0].minor_um"),
        ({"fascicles": [{**ONE[0], "depth": 1.0}]}, "fascicles[0].depth"),
        ({"fascicles": [{**ONE[0], "function": "motor"}]}, "fascicles[0].function"),
        ({"fascicles": [{"x_mm": 0.0, "y_mm": 0.0, "major_um": 400.0}]}, "fascicles[0].minor_um"),
        ({"tissue": {"nerve_depth_mm": 500.0}}, "tissue.nerve_depth_mm"),
        ({"tissue": {"fat_mm": -1.0}}, "tissue.fat_mm"),
        ({"conductivity": {"perineurium": -1.0}}, "conductivity.perineurium"),
        ({"conductivity": {"bone": 0.02}}, "conductivity.bone"),
    ],
)
def test_each_refusal_names_field_value_allowed(overrides: dict, field: str) -> None:
    with pytest.raises(InputError) as info:
        load_nerve("vagus", **overrides)
    assert info.value.field == field, str(info.value)
    assert info.value.message  # what is allowed


def test_unknown_key_lists_the_allowed_keys() -> None:
    _refused(
        "nerve.colour", lambda: load_nerve(nerve={"colour": "red"}), "major_mm", "epineurium_um"
    )


def test_lead_inside_the_nerve_is_refused() -> None:
    nerve = load_nerve("femoral")
    _refused(
        "distance_mm", lambda: lead_frame(nerve, distance_mm=-0.5), "inside the nerve", "[0, 30]"
    )
    _refused("angle_deg", lambda: lead_frame(nerve, angle_deg=120.0), "[0, 90]")
    program = load_program(EXAMPLES / "programs" / "pns-sprint.toml")
    inside = [LeadPlacement(origin_mm=(1.0, 0.0, 0.0))]
    _refused("leads[0]", lambda: check_leads_outside(program, nerve, inside), "into the nerve")
    # beside the flat nerve's end: 0.2 mm from its outline along the outward normal at the
    # ellipse parameter t = 0.3 (checked by dense sampling), closer than the coil's 0.3 mm radius
    t = np.linspace(0, 2 * np.pi, 200000)
    rim = np.column_stack([5.25 * np.cos(t), 1.15 * np.sin(t)])
    normal = np.array([1.15 * np.cos(0.3), 5.25 * np.sin(0.3)])  # outward normal at t = 0.3
    point = np.array([5.25 * np.cos(0.3), 1.15 * np.sin(0.3)]) + 0.2 * normal / np.linalg.norm(
        normal
    )
    assert np.min(np.linalg.norm(rim - point, axis=1)) == pytest.approx(0.2, abs=1e-3)
    near = [LeadPlacement(origin_mm=(float(point[0]), float(point[1]), 0.0))]  # along the nerve
    err = _refused("leads[0]", lambda: check_leads_outside(program, nerve, near), "into the nerve")
    assert "reaches 0.1 mm" in err.message  # 0.3 - 0.2
    touching = nerve_placements(program, nerve, distance_mm=0.0, angle_deg=90.0)
    assert len(touching) == 1  # a lead touching the nerve is allowed


def test_cuff_smaller_than_the_nerve_is_refused() -> None:
    vagus = load_nerve("vagus")
    err = _refused(
        "electrode", lambda: cuff("cortec-300").check_fits(vagus), "smaller than the nerve"
    )
    assert "livanova-2000" in err.message  # the allowed cuffs are named
    text = (EXAMPLES / "programs" / "vns-cuff.toml").read_text()
    program = load_program(EXAMPLES / "programs" / "vns-cuff.toml")
    nerve_placements(program, vagus)  # the helix opens to fit
    assert "cuff-livanova-2000" in text


def test_unknown_conductivity_and_cuff() -> None:
    _refused("conductivity", lambda: nerve_conductivity("wet"), "ascent_default")
    _refused("electrode", lambda: cuff("cortec-999"), "livanova-2000")


def test_no_traceback_text_in_messages() -> None:
    with pytest.raises(InputError) as info:
        load_nerve("vagus", fascicles=[{**ONE[0], "x_mm": 5.0}])
    assert "Traceback" not in str(info.value)
    assert len(str(info.value).splitlines()) == 1


def test_the_command_line_rule_gives_exit_code_2_and_one_line(tmp_path: Path) -> None:
    """Through the CLI's error rule (``guarded``), a malformed nerve file exits 2 in one line."""
    import typer
    from typer.testing import CliRunner

    from neurostim.cli._common import guarded

    app = typer.Typer()

    @app.command()
    @guarded
    def show(path: Path) -> None:
        load_nerve(file=path)

    @app.command()
    def other() -> None:  # a second command keeps typer's subcommand form
        pass

    bad = tmp_path / "bad.toml"
    bad.write_text("[nerve]\nsite = 'vagus'\n[[fascicles]]\nx_mm = 3.0\ny_mm = 0\n"
                   "major_um = 400\nminor_um = 300\n")  # fmt: skip
    result = CliRunner().invoke(app, ["show", str(bad)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "fascicles[0].x_mm" in lines[0] and "allowed x_mm in" in lines[0]


def test_return_electrode() -> None:
    from neurostim.nerve import ReturnElectrode

    assert ReturnElectrode().kind == "skin_pad"  # §7 lead.return default, pad 50 mm at 100 mm
    assert (ReturnElectrode().pad_diameter_mm, ReturnElectrode().pad_distance_mm) == (50.0, 100.0)
    _refused("return", lambda: ReturnElectrode(kind="ankle"), "far_ground")
    _refused("return_pad_diam_mm", lambda: ReturnElectrode(pad_diameter_mm=0.0), "(0, 500]")
