"""Program loading (structure, ids) and validation against the profile (all problems)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from neurostim.device import (
    Program,
    contact_layout,
    load_program,
    parse_program,
    parse_program_text,
    validate_program,
)
from neurostim.errors import InputError

ISSUE_EXAMPLE = """
stimulator = "hf-rechargeable-16"
leads = ["percutaneous-8", "percutaneous-8"]

[[trains]]
waveform = "tonic"
amplitude_ma = 5.0
pulse_width_us = 300
rate_hz = 50
recharge = "active"
contacts = { "L1.E4" = -100, "L1.E5" = 100 }

[dosing]
on_s = 30
off_s = 90

[patient]
amplitude_min_ma = 0.0
amplitude_max_ma = 6.0

[impedance_ohm]
"L1.E4" = 600
"""


def fields(program: Program) -> list[str]:
    return [issue.field for issue in validate_program(program)]


def test_issue_example_loads_as_written() -> None:
    program = parse_program_text(ISSUE_EXAMPLE)
    assert program.stimulator == "hf-rechargeable-16"
    assert program.trains[0].contacts == {"L1.E4": -100, "L1.E5": 100}
    assert program.duty_fraction == pytest.approx(30 / 120)
    assert program.patient is not None and program.patient.amplitude_max_ma == 6.0
    assert program.impedance_ohm == {"L1.E4": 600}
    assert not program.is_multiplexed


def test_layout_rows_and_positions(tonic_dict: dict[str, Any]) -> None:
    layout = contact_layout(parse_program(tonic_dict))
    assert layout.ids[:2] == ["L1.E1", "L1.E2"] and layout.ids[8] == "L2.E1"
    assert layout.ids[-1] == "case" and layout.n_contacts == 17
    assert layout.positions_mm.shape == (17, 3)
    assert layout.lead_index[-1] == -1 and layout.lead_index[8] == 1


def test_valid_program_has_no_issues(tonic_dict: dict[str, Any]) -> None:
    assert validate_program(parse_program(tonic_dict, validate=False)) == []


@pytest.mark.parametrize(
    ("key", "value", "field", "text"),
    [
        ("amplitude_ma", 30.0, "trains[0].amplitude_ma", "0-25.5 mA"),
        ("amplitude_ma", 5.05, "trains[0].amplitude_ma", "nearest: 5 or 5.1"),
        ("amplitude_ma", -1.0, "trains[0].amplitude_ma", ">= 0 mA"),
        ("pulse_width_us", 305, "trains[0].pulse_width_us", "10 us steps"),
        ("pulse_width_us", 10, "trains[0].pulse_width_us", "20-1000 us"),
        ("rate_hz", 1500, "trains[0].rate_hz", "2-1200 Hz"),
        ("rate_hz", float("nan"), "trains[0].rate_hz", "finite"),
        ("waveform", "high-frequency", "trains[0].waveform", "tonic, burst"),
    ],
)
def test_out_of_range_and_off_step_are_refused(
    tonic_dict: dict[str, Any], key: str, value: Any, field: str, text: str
) -> None:
    tonic_dict["trains"][0][key] = value
    issues = validate_program(parse_program(tonic_dict, validate=False))
    assert field in [i.field for i in issues]
    message = next(i.to_dict()["message"] for i in issues if i.field == field)
    assert text in message
    assert field in message  # the message names the field and the value
    with pytest.raises(InputError) as info:
        parse_program(tonic_dict)
    assert info.value.field == field


def test_axium_piecewise_steps_with_float_tolerance() -> None:
    base = {
        "stimulator": "drg-trial-4",
        "leads": ["drg-4"],
        "trains": [
            {
                "waveform": "tonic",
                "amplitude_ma": 2.05,
                "pulse_width_us": 40,
                "rate_hz": 4,
                "contacts": {"L1.E1": -100, "L1.E2": 100},
            }
        ],
    }
    assert validate_program(parse_program(base, validate=False)) == []
    for amplitude, ok in (
        (0.1 + 0.2, True),
        (0.31, False),
        (1.975, True),
        (2.025, False),
        (6.0, True),
    ):
        base["trains"][0]["amplitude_ma"] = amplitude
        assert (fields(parse_program(base, validate=False)) == []) is ok, amplitude


def test_all_errors_are_collected(tonic_dict: dict[str, Any]) -> None:
    train = tonic_dict["trains"][0]
    train.update(amplitude_ma=99.0, pulse_width_us=3, rate_hz=0.5)
    train["contacts"] = {"L1.E4": -60, "L1.E5": 100}
    got = fields(parse_program(tonic_dict, validate=False))
    for f in (
        "trains[0].amplitude_ma",
        "trains[0].pulse_width_us",
        "trains[0].rate_hz",
        "trains[0].contacts",
    ):
        assert f in got


@pytest.mark.parametrize(
    ("contacts", "text"),
    [
        ({"L1.E4": -100}, "anode"),
        ({"L1.E4": 100}, "cathode"),
        ({"L1.E4": -100, "L1.E5": 60}, "sum to 100"),
        ({"L1.E4": -50, "L1.E3": -40, "L1.E5": 100}, "sum to -100"),
        ({"L1.E4": -100, "L1.E5": 100, "L1.E6": 0}, "non-zero"),
        ({"case": -100, "L1.E5": 100}, "only be an anode"),
        ({"L1.E4": -200, "L1.E5": 100, "L1.E6": 100}, "-100..100"),
    ],
)
def test_polarity_rules(tonic_dict: dict[str, Any], contacts: dict[str, float], text: str) -> None:
    tonic_dict["trains"][0]["contacts"] = contacts
    issues = validate_program(parse_program(tonic_dict, validate=False))
    assert any(text in i.message for i in issues), [i.message for i in issues]


def test_case_as_anode_and_steering_are_valid(tonic_dict: dict[str, Any]) -> None:
    tonic_dict["trains"][0]["contacts"] = {"L1.E4": -70, "L2.E4": -30, "case": 100}
    assert fields(parse_program(tonic_dict)) == []
    tonic_dict["trains"][0]["contacts"] = {"L1.E4": -100, "L1.E3": 33.3, "L1.E5": 66.7}
    assert fields(parse_program(tonic_dict)) == []


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.update(stimulator="nope"), "stimulator"),
        (lambda d: d.update(leads=["percutaneous-9"]), "leads[0]"),
        (lambda d: d["trains"][0]["contacts"].update({"L3.E1": 10}), "trains[0].contacts.L3.E1"),
        (lambda d: d["trains"][0]["contacts"].update({"L1.E9": 10}), "trains[0].contacts.L1.E9"),
        (lambda d: d["trains"][0]["contacts"].update({"E1": 10}), "trains[0].contacts.E1"),
        (lambda d: d.update(impedance_ohm={"L2.E12": 500}), "impedance_ohm.L2.E12"),
        (lambda d: d["trains"][0].update(amplitude_ma="5"), "trains[0].amplitude_ma"),
        (lambda d: d["trains"][0].update(amplitude_ma=True), "trains[0].amplitude_ma"),
        (lambda d: d["trains"][0].update(waveform="sine"), "trains[0].waveform"),
        (lambda d: d["trains"][0].update(amplitud_ma=5), "trains[0].amplitud_ma"),
        (lambda d: d.update(trains=[]), "trains"),
        (lambda d: d.pop("stimulator"), "stimulator"),
        (lambda d: d["trains"][0].update(rate_hz=10**400), "trains[0].rate_hz"),
    ],
)
def test_structure_and_ids_raise_input_error(
    tonic_dict: dict[str, Any], mutate: Any, field: str
) -> None:
    mutate(tonic_dict)
    with pytest.raises(InputError) as info:
        parse_program(tonic_dict, validate=False)
    assert info.value.field == field


def test_malformed_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="malformed TOML"):
        parse_program_text("stimulator = ")
    with pytest.raises(InputError, match="cannot read"):
        load_program(tmp_path / "absent.toml")
    with pytest.raises(InputError):
        parse_program([1, 2])  # type: ignore[arg-type]


def test_burst_needs_its_parameters(tonic_dict: dict[str, Any]) -> None:
    train = tonic_dict["trains"][0]
    train.update(waveform="burst", rate_hz=40, pulse_width_us=1000, recharge="passive")
    train["amplitude_ma"] = 0.6
    got = fields(parse_program(tonic_dict, validate=False))
    assert "trains[0].pulses_per_burst" in got and "trains[0].intraburst_rate_hz" in got
    train.update(pulses_per_burst=5, intraburst_rate_hz=500)
    assert fields(parse_program(tonic_dict, validate=False)) == []
    # 10 pulses at 100 Hz last 91 ms: longer than a 40 Hz burst period
    train.update(pulses_per_burst=10, intraburst_rate_hz=100)
    assert "trains[0].rate_hz" in fields(parse_program(tonic_dict, validate=False))


def test_pulses_must_fit_in_their_period() -> None:
    data: dict[str, Any] = {
        "stimulator": "hf-rechargeable-16",
        "leads": ["percutaneous-8"],
        "trains": [
            {
                "waveform": "high-frequency",
                "amplitude_ma": 2.5,
                "pulse_width_us": 30,
                "rate_hz": 10000,
                "contacts": {"L1.E1": -100, "L1.E2": 100},
            }
        ],
    }
    assert fields(parse_program(data)) == []
    # 2 x 50 us + 20 us gap = 120 us > 100 us period
    data["trains"][0]["pulse_width_us"] = 50
    issues = validate_program(parse_program(data, validate=False))
    assert [i.field for i in issues] == ["trains[0].pulse_width_us"]
    assert "120 us" in issues[0].message


def test_passive_recharge_needs_time(tonic_dict: dict[str, Any]) -> None:
    train = tonic_dict["trains"][0]
    train.update(recharge="passive", rate_hz=1200)
    assert "trains[0].rate_hz" in fields(parse_program(tonic_dict, validate=False))


def test_multiplexed_limits_and_patient_limits(tonic_dict: dict[str, Any]) -> None:
    train = tonic_dict["trains"][0]
    tonic_dict["trains"] = [dict(train) for _ in range(5)]
    got = fields(parse_program(tonic_dict, validate=False))
    assert "trains" in got  # at most 4 trains
    tonic_dict["trains"] = [train]
    tonic_dict["patient"] = {"amplitude_min_ma": 1.0, "amplitude_max_ma": 4.0}
    assert fields(parse_program(tonic_dict, validate=False)) == ["trains[0].amplitude_ma"]
    tonic_dict["patient"] = {"amplitude_min_ma": 3.0, "amplitude_max_ma": 2.0}
    assert fields(parse_program(tonic_dict, validate=False)) == ["patient.amplitude_max_ma"]
    tonic_dict["patient"] = {"amplitude_max_ma": 40.0}
    assert fields(parse_program(tonic_dict, validate=False)) == ["patient.amplitude_max_ma"]


def test_too_many_contacts_for_the_stimulator(tonic_dict: dict[str, Any]) -> None:
    tonic_dict["leads"] = ["percutaneous-8", "paddle-16"]
    assert "leads" in fields(parse_program(tonic_dict, validate=False))


@pytest.mark.parametrize(
    ("dosing", "field"),
    [
        ({"duty": 0.5, "on_s": 1}, "dosing"),
        ({"on_s": 30}, "dosing"),
        ({"duty": 1.5}, "dosing.duty"),
        ({"on_s": -1, "off_s": 3}, "dosing.on_s"),
        ({"on_s": 1, "off_s": -3}, "dosing.off_s"),
        ({"duty": 0.5, "cycle_s": 0}, "dosing.cycle_s"),
    ],
)
def test_dosing_rules(tonic_dict: dict[str, Any], dosing: dict[str, float], field: str) -> None:
    tonic_dict["dosing"] = dosing
    assert field in fields(parse_program(tonic_dict, validate=False))


def test_impedance_must_be_positive(tonic_dict: dict[str, Any]) -> None:
    tonic_dict["impedance_ohm"] = {"L1.E4": 0}
    assert fields(parse_program(tonic_dict, validate=False)) == ["impedance_ohm.L1.E4"]


def test_lead_file_path_relative_to_program(tmp_path: Path, examples_dir: Path) -> None:
    (tmp_path / "my-lead.toml").write_text((examples_dir / "leads" / "my-lead.toml").read_text())
    (tmp_path / "p.toml").write_text(
        'stimulator = "generic-rechargeable-16"\nleads = ["my-lead.toml"]\n'
        '[[trains]]\nwaveform = "tonic"\namplitude_ma = 2.0\npulse_width_us = 200\n'
        'rate_hz = 60\ncontacts = { "L1.E1" = -100, "L1.E4" = 100 }\n'
    )
    program = load_program(tmp_path / "p.toml")
    assert contact_layout(program).ids == ["L1.E1", "L1.E2", "L1.E3", "L1.E4", "case"]


def test_profile_capabilities_are_enforced(tonic_dict: dict[str, Any]) -> None:
    hf = tonic_dict | {"stimulator": "hf-rechargeable-16"}
    hf["trains"] = [dict(tonic_dict["trains"][0], recharge="passive")]
    assert fields(parse_program(hf, validate=False)) == ["trains[0].recharge"]
    hf["trains"] = [
        dict(
            tonic_dict["trains"][0],
            waveform="burst",
            pulses_per_burst=5,
            intraburst_rate_hz=500,
        )
    ]
    got = fields(parse_program(hf, validate=False))
    assert got[0] == "trains[0].waveform" and "trains[0].pulses_per_burst" in got
    tonic_dict["trains"][0]["pulses_per_burst"] = 5
    assert fields(parse_program(tonic_dict, validate=False)) == ["trains[0].pulses_per_burst"]


def test_empty_dosing_is_always_on(tonic_dict: dict[str, Any]) -> None:
    tonic_dict["dosing"] = {}
    program = parse_program(tonic_dict)
    assert program.duty_fraction == 1.0


def test_huge_integer_is_out_of_range(tonic_dict: dict[str, Any]) -> None:
    tonic_dict["trains"][0].update(
        waveform="burst", pulses_per_burst=10**400, intraburst_rate_hz=500
    )
    assert "trains[0].pulses_per_burst" in fields(parse_program(tonic_dict, validate=False))


@pytest.mark.parametrize(
    ("impedance", "kind"), [(0.0, "malformed"), (float("nan"), "malformed"), (1e308, "malformed")]
)
def test_impedance_schema_range(tonic_dict: dict[str, Any], impedance: float, kind: str) -> None:
    tonic_dict["impedance_ohm"] = {"L1.E4": impedance}
    issues = validate_program(parse_program(tonic_dict, validate=False))
    assert [(i.field, i.kind) for i in issues] == [("impedance_ohm.L1.E4", kind)]
    assert "1e+06" in issues[0].message


def test_malformed_is_an_input_error_and_a_device_limit_a_safety_limit_error(
    tonic_dict: dict[str, Any],
) -> None:
    from neurostim.errors import SafetyLimitError

    tonic_dict["trains"][0]["amplitude_ma"] = float("nan")
    with pytest.raises(InputError) as info:
        parse_program(tonic_dict)
    assert not isinstance(info.value, SafetyLimitError)
    tonic_dict["trains"][0]["amplitude_ma"] = 30.0  # above the profile's 25.5 mA
    with pytest.raises(SafetyLimitError) as limit:
        parse_program(tonic_dict)
    assert limit.value.field == "trains[0].amplitude_ma" and "0-25.5 mA" in limit.value.message
