"""CSF concentration over a program history: the accepted steps of worked case P5."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.intrathecal import (
    SimulationOptions,
    concentration_for_history,
    get_pk,
    history_rate_steps,
    simulate_pump,
)
from neurostim.testing import assert_close

from ._programs import build, p1


def zico(dose: float):
    return build(p1(drug="ziconotide", concentration=25.0, dose_per_day=dose))


def test_p5_accepted_titration_concentrations() -> None:
    # P5 accepted steps: 2.4 (day 0), 4.8 (day 2), 7.2 (day 3); 8.4 and 11.0 were refused
    pk = get_pk("ziconotide")
    assert pk is not None
    history = [(0.0, zico(2.4)), (48.0, zico(4.8)), (72.0, zico(7.2))]
    t = np.array([48.0, 72.0, 240.0])
    c = concentration_for_history(history, t, "ug", pk)
    css = np.array([2.4, 4.8, 7.2]) * 1e3 / (0.38 * 1440)  # Css = R / CL, ng/mL
    k = np.log(2) / 4.71  # t1/2 from P6
    # after 48 h at 2.4: 1 - exp(-48 k) of Css; after 24 h more at 4.8; then steady state
    expected_48 = css[0] * (1 - np.exp(-48 * k))
    expected_72 = css[1] + (expected_48 - css[1]) * np.exp(-24 * k)
    assert_close(c, [expected_48, expected_72, css[2]], rtol=0.005, what="C over P5", unit="ng/mL")


def test_flex_history_matches_the_simulation() -> None:
    pk = get_pk("morphine")
    assert pk is not None
    data = p1(
        mode="flex",
        flex=[{"start": "06:00", "dose_per_hour": 0.10}, {"start": "22:00", "dose_per_hour": 0.05}],
    )
    del data["dose_per_day"]
    program = build(data)
    sim = simulate_pump(program, SimulationOptions(days=3, dt_h=0.25))
    c = concentration_for_history([(0.0, program)], sim.time_h, "mg", pk)
    assert_close(c, sim.csf_concentration_ng_per_ml, rtol=1e-9, atol=1e-9, what="history vs sim")


def test_stopped_and_single_bolus_and_errors() -> None:
    stopped = p1(mode="stopped")
    del stopped["dose_per_day"]
    bolus = {**stopped, "mode": "single-bolus", "single_bolus": {"dose": 1.0, "duration_min": 60}}
    starts, rates = history_rate_steps([(0.0, build(bolus)), (5.0, build(stopped))], 10.0)
    assert starts.tolist() == [0.0, 1.0, 5.0] and rates.tolist() == [1.0, 0.0, 0.0]
    # a program that starts before the bolus ends cuts it short
    starts, rates = history_rate_steps([(0.0, build(bolus)), (0.5, build(stopped))], 10.0)
    assert starts.tolist() == [0.0, 0.5] and rates.tolist() == [1.0, 0.0]
    with pytest.raises(InputError):
        history_rate_steps([], 10.0)
    with pytest.raises(InputError):
        history_rate_steps([(5.0, zico(2.4)), (1.0, zico(2.4))], 10.0)
