"""Event simulation: refills, reconciliation, boluses, alarms, battery, hazards, FIFO, PK."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.intrathecal import SimulationOptions, get_pk, simulate_pump, steady_state_ng_per_ml
from neurostim.testing import assert_close

from ._programs import build, p1, p2


def test_p1_alarms_when_never_refilled() -> None:
    # P1: LRA at day 90.0, empty at day 100.0; 1 h steps place them within the hour
    sim = simulate_pump(
        build(p1()), SimulationOptions(days=105, dt_h=1.0, refill_every_days=math.inf)
    )
    low = sim.events_of("LOW_RESERVOIR")
    empty = sim.events_of("EMPTY_RESERVOIR")
    assert len(low) == 1 and len(empty) == 1
    assert_close(low[0].time_h / 24, 90.0, atol=1 / 24, what="LRA day", unit="d")
    assert_close(empty[0].time_h / 24, 100.0, atol=1 / 24, what="empty day", unit="d")
    assert sim.reservoir_ml.min() == 0.0
    assert_close(sim.delivered_ml.sum(), 20.0, rtol=1e-12, what="all delivered", unit="mL")


def test_refills_saw_tooth_and_reconciliation() -> None:
    # P1 refilled on the planned date (day 90) with an exact residual measurement
    sim = simulate_pump(build(p1()), SimulationOptions(days=200, residual_sd_ml=0.0))
    refills = sim.events_of("REFILL")
    assert [r.time_h / 24 for r in refills] == [90.0, 180.0]
    assert all(r.detail["ratio"] == pytest.approx(1.0) and not r.detail["flagged"] for r in refills)
    # P1's refill date is the alarm day itself (no bolus): the refill comes first, no alarm
    assert not sim.events_of("LOW_RESERVOIR")
    assert sim.reservoir_ml.min() >= 2.0 - 1e-9
    # a pump under-delivering by 20 % is flagged at the refill: ratio 0.8 (outside 0.85-1.15)
    slow = simulate_pump(
        build(p1()), SimulationOptions(days=100, residual_sd_ml=0.0, accuracy_factor=0.8)
    )
    r = slow.events_of("REFILL")[0]
    assert r.detail["ratio"] == pytest.approx(0.8) and r.detail["flagged"]


def test_boluses_seeded_and_limited() -> None:
    opts = SimulationOptions(days=30, bolus_requests_per_day=8, seed=3)
    a = simulate_pump(build(p2()), opts)
    b = simulate_pump(build(p2()), opts)
    assert [e.detail for e in a.events_of("BOLUS_REQUEST")] == [
        e.detail for e in b.events_of("BOLUS_REQUEST")
    ]
    decisions = [e.detail["decision"] for e in a.events_of("BOLUS_REQUEST")]
    assert {"granted", "lockout"} <= set(decisions)
    granted = np.array(
        [e.time_h for e in a.events_of("BOLUS_REQUEST") if e.detail["decision"] == "granted"]
    )
    assert np.all(np.diff(granted) >= 2.0)  # lockout 2 h
    for t in granted:
        assert np.sum((granted > t - 24) & (granted <= t)) <= 4
    assert_close(a.bolus_dose.sum(), 0.25 * len(granted), rtol=1e-9, what="bolus dose", unit="mg")


def test_battery_end_of_service_stops_the_pump() -> None:
    # implant 2018-01-10 -> EOS 2025-01-10 (7 y), ERI 90 d earlier; start 2025-01-01
    sim = simulate_pump(build(p1(implant_date="2018-01-10")), SimulationOptions(days=20))
    assert sim.events_of("ERI") == []  # ERI passed before the start
    eos = sim.events_of("END_OF_SERVICE")
    assert len(eos) == 1 and eos[0].time_h == 9 * 24
    assert sim.delivered_ml[sim.time_h > 9 * 24].sum() == 0.0
    eri = simulate_pump(build(p1(implant_date="2018-04-05")), SimulationOptions(days=10))
    # EOS 2025-04-05, ERI 90 d earlier = 2025-01-05: day 4 of the simulation
    assert [e.time_h for e in eri.events_of("ERI")] == [4 * 24]


def test_catheter_port_refill_error_is_a_direct_csf_dose() -> None:
    program = build(p1(drug="ziconotide", concentration=25.0, dose_per_day=2.4, fill_ml=20.0))
    opts = SimulationOptions(days=60, refill_every_days=30, catheter_port_error_at_refill=0)
    sim = simulate_pump(program, opts)
    hazard = sim.events_of("CATHETER_PORT_INJECTION")
    assert len(hazard) == 1 and hazard[0].detail["dose"] == 500.0  # 20 mL x 25 ug/mL
    assert hazard[0].detail["times_daily_dose"] == pytest.approx(500 / 2.4, rel=1e-3)
    peak = sim.csf_concentration_ng_per_ml.max()
    assert peak > 50 * sim.steady_state_ng_per_ml
    assert sim.events_of("EMPTY_RESERVOIR")


def test_unprimed_catheter_delays_the_drug() -> None:
    # fluid path = 110 cm x 0.0026 + 0.2 = 0.486 mL; at 0.2 mL/day the drug arrives after 2.43 d
    sim = simulate_pump(build(p1()), SimulationOptions(days=5, primed=False))
    first = sim.time_h[np.argmax(sim.tip_dose > 0)]
    assert_close(
        first / 24, (110 * 0.0026 + 0.2) / 0.2, atol=0.25 / 24 + 1e-9, what="front", unit="d"
    )
    primed = simulate_pump(build(p1()), SimulationOptions(days=5))
    assert_close(primed.tip_dose.sum(), primed.basal_dose.sum(), rtol=1e-12, what="primed FIFO")


def test_csf_concentration_reaches_steady_state() -> None:
    program = build(p1(drug="ziconotide", concentration=25.0, dose_per_day=2.4))
    sim = simulate_pump(program, SimulationOptions(days=4))
    pk = get_pk("ziconotide")
    assert pk is not None
    css = steady_state_ng_per_ml(2.4, "ug", pk)
    assert_close(sim.steady_state_ng_per_ml, css, rtol=1e-12, what="Css", unit="ng/mL")
    assert_close(sim.csf_concentration_ng_per_ml[-1], css, rtol=0.005, what="C at day 4")
    assert set(sim.effects) == {"analgesia", "neurological_adverse_effect"}
    assert 0 < sim.effects["analgesia"][-1] < 0.5  # 2.4 ug/day is below the EC50 dose (6.9)


def test_flex_and_unparameterised_drug(tmp_path) -> None:
    data = p1(
        drug="hydromorphone",
        concentration=5.0,
        mode="flex",
        flex=[{"start": "06:00", "dose_per_hour": 0.10}, {"start": "22:00", "dose_per_hour": 0.05}],
    )
    del data["dose_per_day"]
    sim = simulate_pump(build(data), SimulationOptions(days=2, dt_h=0.5))
    assert_close(sim.basal_dose.sum(), 4.0, rtol=1e-9, what="2 days of flex", unit="mg")
    assert np.isnan(sim.csf_concentration_ng_per_ml).all() and "not parameterised" in sim.pk_status
    out = tmp_path / "sim.csv"
    sim.to_csv(str(out))
    header = out.read_text().splitlines()[0]
    assert header.startswith("time_h,reservoir_ml") and "basal_dose_mg" in header
    assert len(out.read_text().splitlines()) == 1 + 96


def test_single_bolus_and_bad_options() -> None:
    data = p1(mode="single-bolus", single_bolus={"dose": 1.0, "duration_min": 60})
    del data["dose_per_day"]
    sim = simulate_pump(build(data), SimulationOptions(days=1))
    assert_close(sim.bolus_dose.sum(), 1.0, rtol=1e-12, what="single bolus", unit="mg")
    assert_close(sim.reservoir_ml[-1], 20.0 - 0.1, rtol=1e-12, what="after bolus", unit="mL")
    with pytest.raises(InputError):
        simulate_pump(build(p1()), SimulationOptions(days=0))
    with pytest.raises(InputError):
        simulate_pump(build(p1()), SimulationOptions(days=1, dt_h=2.0))


def test_mri_hazards_per_pump_family() -> None:
    # Prometra: valves open, the reservoir (20 mL x 25 mg/mL morphine at day 10) dumps into CSF
    prometra = build(p2())
    sim = simulate_pump(prometra, SimulationOptions(days=12, mri_at_day=10))
    dump = sim.events_of("MRI_RESERVOIR_DUMP")
    v_at_10 = 20.0 - 10 * 3.0 / 25.0  # basal only: no bolus requested
    assert len(dump) == 1 and dump[0].detail["dose"] == pytest.approx(v_at_10 * 25.0)
    assert sim.reservoir_ml[sim.time_h > 10 * 24].max() == 0.0
    # Prometra II: the Flow Activated Valve closes; no delivery or bolus until reset 24 h later
    fav = build(p2(pump="prometra-ii-40"))
    opts = SimulationOptions(days=12, mri_at_day=10, bolus_requests_per_day=24, seed=2)
    sim = simulate_pump(fav, opts)
    assert len(sim.events_of("FLOW_VALVE_CLOSED")) == 1
    closed = (sim.time_h > 10 * 24) & (sim.time_h <= 11 * 24)
    assert sim.delivered_ml[closed].sum() == 0.0
    assert sim.delivered_ml[sim.time_h > 11 * 24 + 0.25].sum() > 0.0
    paused = [e for e in sim.events_of("BOLUS_REQUEST") if e.detail["decision"] == "paused"]
    assert paused and all(10 * 24 <= e.time_h < 11 * 24 for e in paused)
    # SynchroMed II: the motor stalls for the scan (1 h) and resumes
    sim = simulate_pump(build(p1()), SimulationOptions(days=12, mri_at_day=10))
    assert len(sim.events_of("MOTOR_STALL")) == 1
    assert_close(sim.delivered_ml.sum(), 12 * 0.2 - 0.2 / 24, rtol=1e-9, what="1 h lost", unit="mL")
    # an empty Prometra reservoir (3 mL at 0.12 mL/day + boluses never requested: empty day 25)
    # is safe in the scanner: no dump
    emptied = build(p2(fill_ml=3.0))
    opts = SimulationOptions(days=31, mri_at_day=30, refill_every_days=math.inf)
    sim = simulate_pump(emptied, opts)
    assert [e.detail for e in sim.events_of("MRI")] == [{"hazard": "none"}]
    assert not sim.events_of("MRI_RESERVOIR_DUMP")


def test_concentration_change_at_refill_flushes_through_the_path() -> None:
    # P1 refilled on day 90 with 20 mg/mL and reprogrammed to the same 2 mg/day (0.1 mL/day).
    # Path 110 cm x 0.0026 + 0.2 = 0.486 mL still holds 10 mg/mL: 4.86 days at 1 mg/day.
    opts = SimulationOptions(days=100, dt_h=1.0, refill_concentration=20.0, residual_sd_ml=0.0)
    sim = simulate_pump(build(p1()), opts)
    day = sim.time_h / 24
    tip_per_day = sim.tip_dose.reshape(-1, 24).sum(axis=1)
    assert_close(tip_per_day[:90], 2.0, rtol=1e-9, what="tip before the change", unit="mg/d")
    assert_close(tip_per_day[90:94], 1.0, rtol=1e-9, what="interim tip dose", unit="mg/d")
    assert_close(tip_per_day[95:], 2.0, rtol=1e-9, what="tip after the flush", unit="mg/d")
    assert_close(sim.basal_dose[day > 90].sum(), 20.0, rtol=1e-9, what="programmed dose", unit="mg")
    assert_close(sim.delivered_ml[day > 90].sum(), 1.0, rtol=1e-9, what="new rate", unit="mL")
    with pytest.raises(InputError):
        simulate_pump(build(p1()), SimulationOptions(days=1, refill_concentration=0.0))


def test_program_change_moves_the_refill_like_the_planning_arithmetic() -> None:
    # P1 changed on day 30 from 2.0 to 3.0 mg/day: 20 - 30 x 0.2 = 14 mL left by the pump's
    # estimate; (14 - 2) / 0.3 = 40 days more -> refill on day 70 (as refill_date_after_change)
    opts = SimulationOptions(
        days=80, residual_sd_ml=0.0, program_changes=((30.0, build(p1(dose_per_day=3.0))),)
    )
    sim = simulate_pump(build(p1()), opts)
    change = sim.events_of("PROGRAM_CHANGE")
    assert len(change) == 1 and change[0].detail["next_refill_day"] == 70.0
    assert [e.time_h / 24 for e in sim.events_of("REFILL")] == [70.0]
    assert sim.events_of("REFILL")[0].detail["ratio"] == pytest.approx(1.0)
    per_day = sim.basal_dose.reshape(-1, 96).sum(axis=1)
    assert_close(
        per_day[[0, 29, 30, 79]], [2.0, 2.0, 3.0, 3.0], rtol=1e-9, what="dose", unit="mg/d"
    )


def test_titration_in_the_simulation_equals_the_analytic_history() -> None:
    from neurostim.intrathecal import concentration_for_history

    zico = {"drug": "ziconotide", "concentration": 25.0}
    first = build(p1(**zico, dose_per_day=2.4))
    steps = ((2.0, build(p1(**zico, dose_per_day=4.8))), (3.0, build(p1(**zico, dose_per_day=7.2))))
    sim = simulate_pump(first, SimulationOptions(days=6, program_changes=steps))
    pk = get_pk("ziconotide")
    assert pk is not None
    history = [(0.0, first)] + [(d * 24, prog) for d, prog in steps]
    analytic = concentration_for_history(history, sim.time_h, "ug", pk)
    assert_close(sim.csf_concentration_ng_per_ml, analytic, rtol=1e-9, atol=1e-9, what="C(t)")
    assert_close(sim.csf_concentration_ng_per_ml[-1], 7.2e3 / (0.38 * 1440), rtol=0.005, what="Css")


def test_program_change_errors_and_lockout() -> None:
    bolus = {"dose": 0.25, "duration_min": 10, "lockout_h": 2, "max_per_24h": 4}
    first = build(p1(patient_bolus=bolus))
    opts = SimulationOptions(
        days=2,
        bolus_requests_per_day=48,
        seed=5,
        program_changes=((1.0, build(p1(patient_bolus=bolus))),),
    )
    sim = simulate_pump(first, opts)
    after = [e for e in sim.events_of("BOLUS_REQUEST") if 24 <= e.time_h < 26]
    assert after and all(e.detail["decision"] == "lockout" for e in after)  # lockout restarts
    for change, field in (
        ((1.0, build(p1(drug="hydromorphone"))), "program_changes[0]"),
        ((1.0, build(p1(concentration=25.0))), "program_changes[0].concentration"),
        ((0.0, build(p1())), "program_changes[0].day"),
    ):
        with pytest.raises(InputError) as exc:
            simulate_pump(first, SimulationOptions(days=2, program_changes=(change,)))
        assert exc.value.field == field


def test_program_change_keeps_first_fill_stability_and_fixed_refills() -> None:
    # ziconotide first fill (refill within 14 days); a change on day 5 keeps the day-14 refill
    zico = {"drug": "ziconotide", "concentration": 25.0, "first_fill": True}
    first = build(p1(**zico, dose_per_day=2.4))
    change = ((5.0, build(p1(**zico, dose_per_day=4.8))),)
    sim = simulate_pump(first, SimulationOptions(days=20, program_changes=change))
    assert sim.events_of("PROGRAM_CHANGE")[0].detail["next_refill_day"] == 14.0
    assert [e.time_h / 24 for e in sim.events_of("REFILL")] == [14.0]
    # with a fixed refill interval a change does not move the refills
    fixed = SimulationOptions(days=20, refill_every_days=10, program_changes=change)
    sim = simulate_pump(first, fixed)
    assert [e.time_h / 24 for e in sim.events_of("REFILL")] == [10.0, 20.0]


def test_catheter_occlusion_and_disconnection() -> None:
    # P1 from day 10: occlusion keeps 20 - 10 x 0.2 = 18 mL in the reservoir and the refill on
    # day 90 withdraws it: ratio (20 - 18) / 18 = 0.111, flagged; nothing reaches the CSF
    occl = SimulationOptions(
        days=91, residual_sd_ml=0.0, catheter_fault="occlusion", catheter_fault_at_day=10
    )
    sim = simulate_pump(build(p1()), occl)
    refill = sim.events_of("REFILL")[0]
    assert refill.detail["withdrawn_ml"] == pytest.approx(18.0)
    assert refill.detail["ratio"] == pytest.approx(2.0 / 18.0, abs=1e-4)  # rounded to 1e-4
    assert refill.detail["flagged"]
    assert sim.tip_dose[sim.time_h > 240].sum() == 0.0
    assert sim.events_of("CATHETER_OCCLUSION")[0].detail == {"alarm": False}
    # disconnection: the reservoir drains as programmed, the CSF concentration decays to ~0
    disc = SimulationOptions(days=20, catheter_fault="disconnection", catheter_fault_at_day=10)
    sim = simulate_pump(build(p1()), disc)
    assert_close(sim.reservoir_ml[-1], 20.0 - 20 * 0.2, rtol=1e-9, what="drains", unit="mL")
    assert sim.csf_concentration_ng_per_ml[-1] < 1e-6 * sim.steady_state_ng_per_ml
    assert not sim.events_of("LOW_RESERVOIR") and not sim.events_of("EMPTY_RESERVOIR")
