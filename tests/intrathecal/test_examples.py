"""Every example program in examples/pumps loads and checks as its comment says."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurostim.intrathecal import check_program, load_program

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "pumps"
EXPECTED_VALID = {
    "hydromorphone-flex.toml": True,
    "morphine-continuous.toml": True,
    "morphine-titrated.toml": True,
    "morphine-prometra-ptc.toml": True,
    "ziconotide-start.toml": True,
    "baclofen-spinal.toml": True,
    "refused-ziconotide.toml": False,
}


def test_all_examples_listed() -> None:
    assert {p.name for p in EXAMPLES.glob("*.toml")} == set(EXPECTED_VALID)


@pytest.mark.parametrize("name", sorted(EXPECTED_VALID))
def test_example_checks(name: str) -> None:
    report = check_program(load_program(EXAMPLES / name))
    assert report.valid is EXPECTED_VALID[name], report.errors


def test_example_numbers() -> None:
    # morphine-continuous is P1: 0.200 mL/day, alarm day 90.0
    p1 = check_program(load_program(EXAMPLES / "morphine-continuous.toml")).summary
    assert p1["daily_volume_ml"] == pytest.approx(0.2, rel=0.005)
    assert p1["days_to_low_reservoir_alarm"] == pytest.approx(90.0, rel=0.005)
    # baclofen: 14 h x 10 + 10 h x 16 ug/h = 300 ug/day at 500 ug/mL = 0.6 mL/day
    bac = check_program(load_program(EXAMPLES / "baclofen-spinal.toml")).summary
    assert bac["daily_dose"] == pytest.approx(300.0) and bac["daily_volume_ml"] == pytest.approx(
        0.6
    )
    # the comments' refill dates: P2 reservoir 2025-04-17, stability 2025-01-01 + 90 d; ziconotide
    # first fill 2025-02-03 + 14 d
    p2 = check_program(load_program(EXAMPLES / "morphine-prometra-ptc.toml")).summary
    assert (p2["reservoir_refill_date"], p2["refill_date"]) == ("2025-04-17", "2025-04-01")
    zico = check_program(load_program(EXAMPLES / "ziconotide-start.toml")).summary
    assert (zico["refill_date"], zico["refill_reason"]) == ("2025-02-17", "stability")
    refused = check_program(load_program(EXAMPLES / "refused-ziconotide.toml"))
    assert {e.code for e in refused.errors} == {"DOSE_ABOVE_MAX", "BOLUS_WITHOUT_LOCKOUT"}
