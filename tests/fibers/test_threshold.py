"""Threshold search: statuses, the block-window trap, strength-duration monotonicity."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.fibers import ProtocolCase, find_thresholds, protocol_thresholds
from neurostim.fibers.cases import polarity


def _one(case: ProtocolCase, **kw):
    g = case.geometry()
    _, dt, tstop = case.resolved()
    return find_thresholds(g, case.phi_mv_per_ma(g), case.unit_waveform(),
                           polarity(case.waveform), pulse_width_ms=case.pulse_width_ms,
                           dt_ms=dt, tstop_ms=tstop, **kw)  # fmt: skip


def test_block_window_trap_avoided() -> None:
    # PROTOCOL.md section 12: 10 um, 1 mm, 0.5 ms; PyFibers' default search gave -1.63 mA,
    # the true threshold is -0.0563 mA. Start the search inside the block window.
    case = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.5)
    r = _one(case, estimate_ma=np.array([1.63]), tolerance_rel=0.01)
    assert r.status[0] == "ok"
    assert abs(r.threshold_ma[0] / -0.05634313 - 1) < 0.01


def test_not_bracketed_status() -> None:
    case = ProtocolCase("mrg", 10.0, 2.0, "monophasic-cathodic", 0.1)
    r = _one(case, max_amplitude_ma=0.1, tolerance_rel=0.02)
    assert r.status[0] == "not-bracketed" and np.isnan(r.threshold_ma[0])


def test_end_excitation_status() -> None:
    # PROTOCOL.md section 7: 5.7 um, 3 mm, anodic 0.5 ms on 41 nodes fires at nodes 1/39
    case = ProtocolCase("mrg", 5.7, 3.0, "monophasic-anodic", 0.5, n_nodes=41)
    r = _one(case, tolerance_rel=0.02)
    assert r.status[0] == "end-excitation"
    assert r.initiation_node[0] in (1, 39)


def test_strength_duration_monotone_over_grid() -> None:
    # a grid outside the reference table (held-back diameter 8.7 um, 1.5 mm)
    pws = (0.02, 0.05, 0.1, 0.25, 0.6, 1.0)
    cases = [
        ProtocolCase("mrg", 8.7, 1.5, wf, pw)
        for wf in ("monophasic-cathodic", "biphasic-cathodic-first")
        for pw in pws
    ]
    r = protocol_thresholds(cases, tolerance_rel=0.005)
    assert (r.status == "ok").all()
    mag = np.abs(r.threshold_ma).reshape(2, len(pws))
    assert np.all(np.diff(mag, axis=1) < 0), f"thresholds must fall with pulse width: {mag}"
    # biphasic never below cathodic at the same PW (PROTOCOL.md section 6.5)
    assert np.all(mag[1] >= mag[0] * 0.995)


def test_lock_step_equals_one_by_one() -> None:
    cases = [ProtocolCase("mrg", 16.0, d, "monophasic-cathodic", 0.1) for d in (0.5, 2.0)]
    together = protocol_thresholds(cases, tolerance_rel=0.01).threshold_ma
    alone = [protocol_thresholds([c], tolerance_rel=0.01).threshold_ma[0] for c in cases]
    np.testing.assert_array_equal(together, alone)


def test_unstable_status_on_non_finite_field() -> None:
    case = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.1)
    g = case.geometry()
    phi = case.phi_mv_per_ma(g)
    phi[g.node_sections[20]] = np.nan
    r = find_thresholds(g, np.stack([phi, case.phi_mv_per_ma(g)]), case.unit_waveform(), -1.0,
                        tolerance_rel=0.05)  # fmt: skip
    assert list(r.status) == ["unstable", "ok"]
    assert np.isnan(r.threshold_ma[0]) and np.isfinite(r.threshold_ma[1])


def test_zero_field_is_not_bracketed_without_warnings() -> None:
    # A fiber the field does not reach: no finite first estimate, no threshold, a status.
    case = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.1)
    g = case.geometry()
    r = find_thresholds(g, np.zeros(g.n_sections), case.unit_waveform(), -1.0,
                        tolerance_rel=0.05, max_amplitude_ma=10.0)  # fmt: skip
    assert r.status[0] == "not-bracketed" and np.isnan(r.threshold_ma[0])
    assert r.n_sims[0] <= 3


def test_quiet_exit_under_a_weak_decaying_tail_keeps_every_outcome() -> None:
    # a 0.2 ms cathodic phase, then a tail like a passive recharge (5.5 % of the phase, anodic,
    # decaying with tau 4.4 ms as the ECAP program's does) to the end of a 3 ms window: with
    # quiet_from_ms at the end of the phase a quiet fiber ends its trial there; the thresholds,
    # statuses and trials stay the same, and a sub-threshold run stops early
    from neurostim.fibers import simulate

    case = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.2)
    g = case.geometry()
    phi = case.phi_mv_per_ma(g)
    dt, n = 0.005, 600
    t = np.arange(n) * dt
    wave = np.where((t >= 0.1) & (t < 0.3), 1.0, 0.0)
    tail = t >= 0.32
    wave[tail] = -0.055 * np.exp(-(t[tail] - 0.32) / 4.4)
    kw = dict(dt_ms=dt, tstop_ms=3.0, tolerance_rel=0.01, pulse_width_ms=0.2)
    full = find_thresholds(g, phi, wave, -1.0, **kw)
    quick = find_thresholds(g, phi, wave, -1.0, quiet_from_ms=0.3, **kw)
    assert full.status[0] == "ok"
    np.testing.assert_array_equal(quick.threshold_ma, full.threshold_ma)
    np.testing.assert_array_equal(quick.n_sims, full.n_sims)
    np.testing.assert_array_equal(quick.status, full.status)
    below = [0.8 * full.threshold_ma[0]]
    run = dict(dt_ms=dt, tstop_ms=3.0, stop_on_detect=True, quiet_mv=1.0)
    a = simulate(g, phi, below, wave, **run)
    b = simulate(g, phi, below, wave, quiet_from_ms=0.3, **run)
    assert not a.detected[0] and not b.detected[0]
    assert a.steps_done[0] == n
    assert b.steps_done[0] < n // 3
    with pytest.raises(InputError) as info:
        simulate(g, phi, below, wave, quiet_from_ms=-1.0, **run)
    assert info.value.field == "quiet_from_ms"


def test_reused_trials_give_the_same_search(monkeypatch: pytest.MonkeyPatch) -> None:
    # A response like the DRG C cells': from 2 mA the cell fires locally without an AP at the
    # detection node, from 10 mA the AP arrives. Started at 30 mA the search walks down through
    # the local firing (30, 20, 13.3, 8.9, 5.9, 4.0, 2.6, 1.76 mA: quiet), then up by the same
    # factor through 2.6-13.3 mA again before it brackets: those trials are not run again, and
    # the amplitudes, bracket and result are those of the search that runs every trial.
    from neurostim.fibers import threshold as th
    from neurostim.fibers.solver import SimulationResult

    g = ProtocolCase("mrg", 10.0, 1.0, "monophasic-cathodic", 0.1).geometry()
    n_nodes = g.n_nodes
    calls: list[list[float]] = []

    def fake(geometry, phi, amp, *args, **kwargs):
        a = np.abs(np.asarray(amp, float))
        calls.append(a.tolist())
        det = a >= 10.0
        local = a >= 2.0
        count = np.zeros((a.size, n_nodes), np.int64)
        count[local, 3:5] = 1  # two nodes: below BLOCK_MIN_NODES["mrg"]
        count[det, :] = 1
        t = np.where(count > 0, 0.5 + 0.01 * np.abs(np.arange(n_nodes) - 10), np.nan)
        return SimulationResult(
            ap_count=count, first_ap_time_ms=t, last_ap_time_ms=t, first_crossing_ms=t,
            steps_done=np.ones(a.size, np.int64), unstable=np.zeros(a.size, bool),
            detected=det, v_trace_mv=None,
        )  # fmt: skip

    monkeypatch.setattr(th, "simulate", fake)
    phi = np.zeros((2, g.n_sections))
    kw = dict(estimate_ma=np.array([30.0, 0.5]), down_factor=1.5, up_factor=1.5,
              tolerance_rel=0.01, max_amplitude_ma=100.0)  # fmt: skip
    every = find_thresholds(g, phi, np.ones(10), -1.0, reuse_trials=False, **kw)
    trials_every = [a for c in calls for a in c]
    calls.clear()
    reused = find_thresholds(g, phi, np.ones(10), -1.0, **kw)
    trials_reused = [a for c in calls for a in c]
    for name in ("threshold_ma", "lower_ma", "upper_ma", "status", "initiation_node"):
        np.testing.assert_array_equal(getattr(reused, name), getattr(every, name))
    assert every.status.tolist() == ["ok", "ok"]
    assert abs(every.threshold_ma[0] / -10.0 - 1) < 0.01
    # case 0 comes back to 2.6, 4.0, 5.9, 8.9 and 13.3 mA: five trials fewer; case 1 (from
    # 0.5 mA up) never repeats
    assert every.n_sims[0] - reused.n_sims[0] == 5
    assert reused.n_sims[1] == every.n_sims[1]
    assert len(trials_every) - len(trials_reused) == 5
    assert set(np.round(trials_reused, 9)) == set(np.round(trials_every, 9))


def test_a_narrow_first_step_brackets_the_same_threshold_in_fewer_trials() -> None:
    # first trials 2 % above and 3 % and 30 % below each threshold (found with the default
    # 25 % steps): 4 % first steps, squared while they do not bracket, end within the 1 %
    # tolerance of the default search with the same statuses, in fewer trials in all
    cases = [ProtocolCase("mrg", 10.0, d, "monophasic-cathodic", 0.1) for d in (0.5, 1.0, 2.0)]
    g = cases[0].geometry()
    phi = np.array([c.phi_mv_per_ma(g) for c in cases])
    args = (g, phi, cases[0].unit_waveform(), -1.0)
    kw = {"dt_ms": 0.005, "tstop_ms": cases[0].resolved()[2], "tolerance_rel": 0.01}
    ref = find_thresholds(*args, **kw)
    start = np.abs(ref.threshold_ma) * np.array([1.02, 0.97, 0.7])
    wide = find_thresholds(*args, estimate_ma=start, **kw)
    narrow = find_thresholds(*args, estimate_ma=start, first_step=1.04, **kw)
    assert list(narrow.status) == list(wide.status) == ["ok"] * 3
    np.testing.assert_array_less(np.abs(narrow.threshold_ma / ref.threshold_ma - 1), 0.01)
    # every bracket holds the threshold: the two searches' brackets overlap
    assert np.all(narrow.lower_ma < wide.upper_ma) and np.all(wide.lower_ma < narrow.upper_ma)
    assert narrow.n_sims.sum() < wide.n_sims.sum(), (narrow.n_sims, wide.n_sims)
    # 30 % below: steps of 4, 8.2 and 17 % (squared) bracket it in four trials, not two of 25 %
    assert narrow.n_sims[2] >= 4
    with pytest.raises(InputError, match="first_step"):
        find_thresholds(*args, first_step=1.0, **kw)
