"""Open and closed loop on the synthetic plant: P-E7, stability, limits, statuses, seeds."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.device import load_program
from neurostim.ecap import _loop_kernel as kernel
from neurostim.ecap import load_schedule, loop_limits, loop_setup, run_loop
from neurostim.errors import InputError
from tests.ecap.loop_plant import EXAMPLES, plant_map, program, schedule

OK, BELOW, SATURATED, COMPLIANCE = range(4)


@pytest.fixture(scope="module")
def day_runs():
    m, s, p = plant_map(), load_schedule("day"), program()
    return m, s, {mode: run_loop(p, s, m, mode=mode, seed=0) for mode in ("open", "closed")}


def test_p_e7_closed_loop_holds_the_ecap_better_than_open_loop(day_runs) -> None:
    # ECAP reference §5 P-E7: the same program in both modes under the day schedule (6 postures
    # held 60-180 s, coughs, a sneeze, a bend). Measured on this plant (seed 0, noise 2 uV rms):
    # mean |ECAP - target| open 8.4 uV, closed 1.75 uV (the noise's own mean |n| is 1.6 uV);
    # time in window open 69 %, closed 100 %.
    _, _, runs = day_runs
    o, c = runs["open"].summary(), runs["closed"].summary()
    assert c["target_uv"] == o["target_uv"]
    assert c["mean_abs_deviation_uv"] < o["mean_abs_deviation_uv"]
    assert c["mean_abs_deviation_uv"] < 0.3 * o["mean_abs_deviation_uv"]
    assert c["time_in_window"] > o["time_in_window"]
    assert o["amplitude_min_ma"] == o["amplitude_max_ma"] == 6.3


def test_p_e7_closed_loop_current_moves_against_the_dcsf_driven_gain(day_runs) -> None:
    m, _, runs = day_runs
    closed = runs["closed"]
    # the dCSF-driven gain: the noise-free ECAP the program's fixed current would evoke
    gain = m.ecap_at(closed.dcsf_mm, 6.3)
    assert np.corrcoef(gain, closed.amplitude_ma)[0, 1] < -0.9
    # per held posture: more dCSF (less gain), more current
    held = {}
    for name in ("supine", "sitting", "prone"):
        sel = (closed.posture == name) & (np.abs(closed.dcsf_mm - np.median(
            closed.dcsf_mm[closed.posture == name])) < 1e-9)  # fmt: skip
        held[name] = float(np.median(closed.amplitude_ma[sel]))
    assert held["supine"] < held["sitting"] < held["prone"]


def test_the_cough_lowers_the_closed_loop_current_then_it_returns(day_runs) -> None:
    _, _, runs = day_runs
    c = runs["closed"]
    before = c.amplitude_ma[(c.time_s > 190) & (c.time_s < 199)].mean()
    during = c.amplitude_ma[(c.time_s > 200.3) & (c.time_s < 202.5)].min()
    after = c.amplitude_ma[(c.time_s > 210) & (c.time_s < 219)].mean()
    assert during < before - 0.5
    assert after == pytest.approx(before, abs=0.05)


def test_the_loop_gain_decays_the_error_as_the_linear_theory_says() -> None:
    # e_{k+1} = (1 - K L0 L/L_k) e_k; in the programming posture the stored curve is the plant,
    # L_k = L, so the log error shrinks by 1 - K L0 per pulse (ECAP reference §4)
    m, p = plant_map(), program()
    s = schedule([("sitting", 60.0)])
    target = float(m.ecap_at(6.225, 6.45))
    for k_fraction in (0.25, 0.95):  # of the stability bound 2 / L0: monotone and oscillating
        # an ideal stimulator (no amplitude steps): the theory is of the continuous loop
        setup = loop_setup(p, s, m, target_uv=target, noise_uv_rms=1e-9, quantise=False)
        k = k_fraction * 2.0 / setup.reference_local_gain
        setup = loop_setup(p, s, m, target_uv=target, noise_uv_rms=1e-9, gain=k, quantise=False)
        tr = run_loop(p, s, m, setup=setup, minutes=0.2)
        e = np.log(target) - np.log(tr.ecap_uv)
        # over pulses a..b where the error is small but well above the noise (second-order
        # terms alternate in sign when the factor is negative and cancel over an even span)
        a, b = (5, 11) if k_fraction < 0.5 else (20, 60)
        expected = 1 - k * setup.reference_local_gain
        assert abs(e[b] / e[a]) ** (1.0 / (b - a)) == pytest.approx(abs(expected), abs=0.01)
        flips = np.sign(e[a + 1 : b + 1]) != np.sign(e[a:b])
        assert np.all(flips) if expected < 0 else not np.any(flips)
        assert abs(e[-1]) < 1e-5


def test_a_gain_outside_the_stability_range_is_refused() -> None:
    m, p, s = plant_map(), program(), load_schedule("day")
    l0 = loop_setup(p, s, m).reference_local_gain
    for gain in (0.0, -0.1, 2.0 / l0 * 1.001, float("nan")):
        with pytest.raises(InputError, match=r"loop gain K\*L must stay in \(0, 2\)") as info:
            loop_setup(p, s, m, gain=gain)
        assert info.value.field == "gain"


def test_impossible_targets_are_refused_with_the_reachable_range() -> None:
    m, p, s = plant_map(), program(), load_schedule("day")
    reach = float(m.ecap_at(6.225, 10.0))  # sitting, at the patient maximum 10 mA
    for target in (1.0, 500.0):
        with pytest.raises(InputError, match=f"6-{reach:.3g} uV") as info:
            loop_setup(p, s, m, target_uv=target)
        assert info.value.field == "target_uv"


def test_the_patient_maximum_saturates_the_controller() -> None:
    m, s = plant_map(), load_schedule("day")
    tr = run_loop(program(patient_max_ma=7.0), s, m, seed=3)
    assert tr.amplitude_ma.max() <= 7.0
    sat = tr.status == SATURATED
    assert sat.sum() > 1000
    # saturated where 7 mA cannot reach the target: prone needs about 7.7 mA on this plant
    short = m.ecap_at(tr.dcsf_mm, 7.0) < tr.target_uv
    assert np.mean(short[sat]) > 0.99
    assert np.mean(tr.posture[sat] == "prone") > 0.95
    assert tr.summary()["status_counts"]["controller_saturated"] == int(sat.sum())


def test_the_loop_never_passes_compliance() -> None:
    # 15 V over 1500 + 525 ohm (cathode + anode) -> 7.41 mA (device reference §4 arithmetic)
    m, s = plant_map(), load_schedule("day")
    p = program(impedance_ohm=1500.0)
    limit = 15.0 / (1500.0 + 525.0) * 1e3
    assert loop_limits(p).compliance_max_ma == pytest.approx(limit)
    tr = run_loop(p, s, m, seed=1)
    assert tr.amplitude_ma.max() <= limit
    assert (tr.status == COMPLIANCE).sum() > 1000
    # open loop above compliance: capped at the highest 0.1 mA step below it and flagged on
    # every pulse
    op = run_loop(program(amplitude_ma=8.0, impedance_ohm=1500.0), s, m, mode="open",
                  target_uv=15.0)  # fmt: skip
    assert op.amplitude_ma.max() == 7.4
    assert np.all(op.status == COMPLIANCE)


def test_below_noise_is_flagged_where_the_ecap_is_under_three_noise_rms(day_runs) -> None:
    _, _, runs = day_runs
    o = runs["open"]
    assert np.array_equal(o.status == BELOW, o.ecap_uv < 3 * 2.0)
    assert (o.status == BELOW).sum() > 1000  # prone, open loop


def test_control_pulses_update_at_the_control_rate_only() -> None:
    m, s, p = plant_map(), load_schedule("day"), program(rate_hz=100.0)
    for quantise in (False, True):
        setup = loop_setup(p, s, m, quantise=quantise)
        tr = run_loop(p, s, m, controller="control-pulses", minutes=1.0, setup=setup)
        steps = np.diff(tr.amplitude_ma)
        assert np.all(steps[1::2] == 0.0)  # 100 Hz therapy, 50 Hz control: every other pulse
        if not quantise:  # an ideal stimulator delivers every update
            assert np.count_nonzero(steps[0::2]) > 2900
        info = tr.summary()
        assert info["control_charge_uc"] == pytest.approx(tr.charge_uc[0::2].sum())


def _on_grid(values, start, stop, step):
    """Every value of ``values`` is start + k step (k whole) within [start, stop]."""
    k = (np.asarray(values) - start) / step
    return bool(np.all(np.abs(k - np.round(k)) < 1e-6) and np.all(values >= start - 1e-9)
                and np.all(values <= stop + 1e-9))  # fmt: skip


def test_every_pulse_delivers_an_amplitude_of_the_stimulators_step_grid(day_runs) -> None:
    # generic-rechargeable-16: 0-25.5 mA in 0.1 mA steps (device profile); patient range 1-10 mA
    _, _, runs = day_runs
    for mode, tr in runs.items():
        assert _on_grid(tr.amplitude_ma, 1.0, 10.0, 0.1), mode
    closed = runs["closed"].amplitude_ma
    assert np.unique(closed).size > 10  # the loop moves, step by step
    # a step limit of 0.1 mA per pulse moves the delivered current by at most one device step
    assert np.max(np.abs(np.diff(closed))) <= 0.1 + 1e-9
    # burst-primary-16 steps 0.05 mA
    m, s = plant_map(), load_schedule("day")
    p = program(extra="").model_copy(update={"stimulator": "burst-primary-16"})
    tr = run_loop(p, s, m, seed=4, minutes=2.0)
    assert _on_grid(tr.amplitude_ma, 1.0, 10.0, 0.05)
    assert not _on_grid(tr.amplitude_ma, 1.0, 10.0, 0.1)


def test_the_delivered_amplitude_is_the_nearest_allowed_value_within_the_limits() -> None:
    # piecewise step rule (0-2 mA in 0.025 mA steps, 2-6 mA in 0.05 mA steps, as the device
    # reference's Axium example), limits 0.3-4.52 mA: brute force over every allowed value
    seg = (np.array([0.0, 2.0]), np.array([2.0, 6.0]), np.array([0.025, 0.05]))
    allowed = np.unique(np.round(np.concatenate([np.arange(0, 81) * 0.025,
                                                 2.0 + np.arange(0, 81) * 0.05]), 9))  # fmt: skip
    lo, hi = 0.3, 4.52
    inside = allowed[(allowed >= lo) & (allowed <= hi)]
    for x in np.random.default_rng(0).uniform(-1.0, 7.0, 2000):
        got = kernel.deliverable(float(x), *seg, lo, hi)
        expected = inside[np.argmin(np.abs(inside - min(max(x, lo), hi)))]
        assert got == pytest.approx(expected, abs=1e-12)
    assert kernel.deliverable(5.0, *seg, lo, hi) == 4.5  # never above the upper limit
    assert kernel.deliverable(6.3000000001, np.array([0.0]), np.array([25.5]),
                              np.array([0.1]), 0.0, 25.5) == 6.3  # fmt: skip
    # no segments: the current itself, clipped
    empty = np.zeros(0)
    assert kernel.deliverable(3.3333, empty, empty, empty, lo, hi) == 3.3333


def test_a_range_with_no_deliverable_amplitude_is_refused() -> None:
    # patient range 1.01-1.09 mA on a 0.1 mA grid: nothing the stimulator can deliver
    p = program(patient_max_ma=1.09, amplitude_ma=1.05, validate=False)
    p = p.model_copy(update={"patient": p.patient.model_copy(update={"amplitude_min_ma": 1.01})})
    with pytest.raises(InputError, match=r"0-25\.5 mA in 0\.1 mA steps") as info:
        loop_limits(p)
    assert info.value.field == "amplitude_ma"


def test_seeds_reproduce_and_differ() -> None:
    m, s, p = plant_map(), load_schedule("day"), program()
    a = run_loop(p, s, m, seed=5, minutes=1.0)
    b = run_loop(p, s, m, seed=5, minutes=1.0)
    c = run_loop(p, s, m, seed=6, minutes=1.0)
    assert np.array_equal(a.ecap_uv, b.ecap_uv) and np.array_equal(a.amplitude_ma, b.amplitude_ma)
    assert not np.array_equal(a.ecap_uv, c.ecap_uv)


def test_the_plain_python_kernel_is_the_same_code(monkeypatch) -> None:
    m, s, p = plant_map(), load_schedule("day"), program()
    fast = run_loop(p, s, m, seed=2, minutes=0.1)
    monkeypatch.setattr(kernel, "run_loop", kernel.python_kernels()["run_loop"])
    slow = run_loop(p, s, m, seed=2, minutes=0.1)
    np.testing.assert_allclose(slow.amplitude_ma, fast.amplitude_ma, rtol=1e-12)
    np.testing.assert_allclose(slow.ecap_uv, fast.ecap_uv, rtol=1e-12)


def test_charge_and_battery_follow_the_delivered_current(day_runs) -> None:
    _, _, runs = day_runs
    c = runs["closed"]
    np.testing.assert_allclose(c.charge_uc, c.amplitude_ma * 300e-3)  # Q = I x PW
    b = c.summary()["battery"]
    # the drain's stimulation part is linear in the mean charge (device battery model)
    o = runs["open"].summary()["battery"]
    assert o["change_percent"] == pytest.approx(0.0, abs=1e-9)
    fixed = o["average_current_ua"] - o["programmed_average_current_ua"]
    assert fixed == pytest.approx(0.0, abs=1e-9)
    assert np.sign(b["change_percent"]) == np.sign(c.amplitude_ma.mean() - 6.3)


@pytest.mark.parametrize(
    ("path", "field"),
    [("burst.toml", "trains[0].waveform"), ("multiplexed.toml", "trains")],
)
def test_programs_the_loop_cannot_drive_are_refused(path: str, field: str) -> None:
    with pytest.raises(InputError) as info:
        loop_limits(load_program(EXAMPLES / "programs" / path))
    assert info.value.field == field


def test_bad_run_options_are_refused() -> None:
    m, s, p = plant_map(), load_schedule("day"), program()
    for kwargs, field in (
        ({"mode": "half"}, "mode"),
        ({"controller": "pid"}, "controller"),
        ({"minutes": 0.0}, "minutes"),
        ({"minutes": 1e9}, "minutes"),
        ({"seed": -1}, "seed"),
    ):
        with pytest.raises(InputError) as info:
            run_loop(p, s, m, **kwargs)
        assert info.value.field == field


def test_an_amplitude_above_the_patient_maximum_is_capped_in_both_modes() -> None:
    # a program loaded without validation (the loaders refuse it otherwise)
    m, s = plant_map(), load_schedule("day")
    p = program(amplitude_ma=9.5, patient_max_ma=9.0, validate=False)
    for mode in ("open", "closed"):
        tr = run_loop(p, s, m, mode=mode, target_uv=15.0, minutes=1.0)
        assert tr.amplitude_ma.max() <= 9.0
        assert tr.status[0] == SATURATED


def test_a_long_schedule_with_many_events() -> None:
    events = [{"kind": "cough", "start_s": 10.0 + 3.0 * i} for i in range(1900)]
    s = schedule([("sitting", 3000.0), ("supine", 3000.0)], events)
    assert s.dcsf_range_mm()[0] == pytest.approx(5.125 - 0.75)  # coughs into the supine part
    tr = run_loop(program(), s, plant_map(), minutes=100.0)
    assert tr.n_pulses == 300_000
