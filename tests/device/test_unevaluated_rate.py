"""Rates a stimulator delivers but that were not evaluated clinically (device reference §2:
2-1200 Hz and 10 kHz evaluated, 1.2-10 kHz not): valid programs with an ``unevaluated-rate``
warning on a profile that delivers them; refused on one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurostim.device import check_program, load_profile, load_profile_file, parse_program
from neurostim.errors import InputError

PROFILE_DIR = Path(__file__).resolve().parents[2] / "src/neurostim/device/data/profiles"


def _program(stimulator: str, rate_hz: float, waveform: str = "high-frequency") -> object:
    return parse_program(
        {
            "stimulator": stimulator,
            "leads": ["percutaneous-8"],
            "trains": [
                {
                    "waveform": waveform,
                    "amplitude_ma": 2.0,
                    "pulse_width_us": 30,
                    "rate_hz": rate_hz,
                    "contacts": {"L1.E4": -100, "L1.E5": 100},
                }
            ],
        },
        validate=False,
    )


def test_multiwave_profile_delivers_tonic_burst_and_high_frequency() -> None:
    p = load_profile("multiwave-rechargeable-16")
    assert set(p.families) == {"tonic", "burst", "high-frequency"}
    assert p.high_frequency_rate_hz is not None
    assert p.high_frequency_rate_hz.segments[0].min == 1200.0
    assert p.high_frequency_rate_hz.segments[-1].max == 10000.0
    [interval] = p.unevaluated_rate_hz
    assert (interval.above_hz, interval.below_hz) == (1200.0, 10000.0)
    assert "EXTS3000" in interval.source


@pytest.mark.parametrize("rate_hz", [1300.0, 5000.0, 9900.0])
def test_a_rate_between_1_2_and_10_khz_is_valid_and_warned(rate_hz: float) -> None:
    check = check_program(_program("multiwave-rechargeable-16", rate_hz))  # type: ignore[arg-type]
    assert check.valid
    codes = [w.code for w in check.warnings]
    assert codes.count("unevaluated-rate") == 1
    message = next(w.message for w in check.warnings if w.code == "unevaluated-rate")
    assert f"{rate_hz:g} Hz" in message and "1200 and 10000 Hz" in message
    assert check.to_dict()["warnings"][0]["code"] == "unevaluated-rate"


@pytest.mark.parametrize("rate_hz", [1200.0, 10000.0])
def test_the_evaluated_ends_are_not_warned(rate_hz: float) -> None:
    check = check_program(_program("multiwave-rechargeable-16", rate_hz))  # type: ignore[arg-type]
    assert check.valid and "unevaluated-rate" not in [w.code for w in check.warnings]


def test_tonic_rates_are_not_warned() -> None:
    check = check_program(_program("multiwave-rechargeable-16", 50.0, "tonic"))  # type: ignore[arg-type]
    assert check.valid and not [w for w in check.warnings if w.code == "unevaluated-rate"]


def test_a_profile_without_the_range_still_refuses_5_khz() -> None:
    check = check_program(_program("hf-rechargeable-16", 5000.0))  # type: ignore[arg-type]
    assert not check.valid
    assert [e.field for e in check.errors] == ["trains[0].rate_hz"]


def test_an_empty_interval_is_refused(tmp_path: Path) -> None:
    text = (PROFILE_DIR / "multiwave-rechargeable-16.toml").read_text()
    bad = text.replace("above_hz = 1200.0", "above_hz = 20000.0")
    assert bad != text
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    with pytest.raises(InputError, match=r"unevaluated_rate_hz\[0\]"):
        load_profile_file(path)
