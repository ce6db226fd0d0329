"""Worked case P4 (patient-bolus lockout and 24 h maximum), exact."""

from __future__ import annotations

from neurostim.intrathecal import BolusGate, decide_requests


def test_p4_lockout_and_max_per_24h() -> None:
    times = [0, 1.5, 2, 5, 9, 12, 23.9, 24, 26]
    expected = ["G", "D(lockout)", "G", "G", "G", "D(max)", "D(max)", "G", "G"]
    names = {"granted": "G", "lockout": "D(lockout)", "max_per_24h": "D(max)"}
    got = [names[d] for d in decide_requests(times, lockout_h=2, max_per_24h=4)]
    assert got == expected


def test_lockout_runs_after_programming_and_reservoir_and_disabled() -> None:
    assert decide_requests([0.5, 1.0], 1.0, 4, last_programming_h=0.0) == ["lockout", "granted"]
    gate = BolusGate(lockout_h=1.0, max_per_24h=4)
    assert gate.request(0.0, bolus_ml=0.05, reservoir_ml=0.01) == "reservoir"
    assert gate.request(0.0, bolus_ml=0.05, reservoir_ml=0.05) == "granted"
    gate.reprogram(5.0)
    assert gate.request(5.5) == "lockout"
    assert BolusGate(1.0, 4, enabled=False).request(0.0) == "disabled"
