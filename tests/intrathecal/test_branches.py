"""Edge branches of the dosing code (kept at full coverage: this arithmetic could hurt)."""

from __future__ import annotations

import datetime as dt

import pytest

from neurostim.errors import InputError
from neurostim.intrathecal import (
    PKParameters,
    check_program,
    increase_findings,
    load_pump_profiles,
    parse_program,
    review_titration,
)
from neurostim.intrathecal.drugs import shipped_drug_library

from ._programs import build, p1


def test_baclofen_increase_in_first_24_h_refused_through_check() -> None:
    base = p1(
        drug="baclofen",
        concentration=500.0,
        dose_per_day=100.0,
        indication="spinal",
        low_reservoir_alarm_ml=4.0,
        therapy_started_at="2025-01-01T08:00:00",
        programmed_at="2025-01-01T08:00:00",
    )
    old = build(base)
    new = build({**base, "dose_per_day": 110.0, "programmed_at": "2025-01-01T20:00:00"})
    report = check_program(new, previous=old)
    assert [e.code for e in report.errors] == ["INCREASE_TOO_SOON_AFTER_START"]
    later = build({**base, "dose_per_day": 110.0, "programmed_at": "2025-01-02T09:00:00"})
    assert check_program(later, previous=old).valid


def test_dates_given_as_datetimes_become_dates() -> None:
    program = build(p1(fill_date=dt.datetime(2025, 1, 1, 9, 30)))
    assert program.fill_date == dt.date(2025, 1, 1)


def test_non_string_keys_and_bad_pump_tables(tmp_path) -> None:
    with pytest.raises(InputError):
        parse_program({1: 2})  # type: ignore[dict-item]
    user = tmp_path / "pumps.toml"
    user.write_text("[pumps]\nprometra-20 = 3\n")
    with pytest.raises(InputError, match="prometra-20"):
        load_pump_profiles(user)


def test_pk_parameters_need_exactly_one_of_volume_and_half_life() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        PKParameters(
            drug="x",
            clearance_ml_per_min=1.0,
            volume_ml=10.0,
            half_life_h=1.0,
            source="s",
            confidence="low",
        )


def test_drug_without_titration_rule_and_decreases() -> None:
    morphine = shipped_drug_library()["morphine"]
    no_rule = morphine.model_copy(update={"titration": {}})
    codes = [f.code for f in increase_findings(no_rule, "pain", 1.0, 5.0, 1.0)]
    assert codes == ["NO_TITRATION_RULE"]
    steps = review_titration(morphine, "pain", [(0.0, 1.0), (24.0, 0.5), (48.0, 0.6)])
    assert [s.status for s in steps] == ["ok", "ok", "ok"]  # 0.5 -> 0.6 is +20 %


def test_program_checked_against_a_library_without_its_drug() -> None:
    from neurostim.intrathecal import SimulationOptions, simulate_pump

    program = build(p1())
    with pytest.raises(InputError, match="unknown drug"):
        check_program(program, library={})
    with pytest.raises(InputError, match="unknown drug"):
        simulate_pump(program, SimulationOptions(days=1), library={})
