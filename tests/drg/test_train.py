"""DRG trains: spike times at the central end (``neurostim.drg.train``).

Independent checks: the train waveform equals the device's own synthesis of the train; the
spike times read from the central end's trace equal the engine's -30 mV detector at that node
(count, first and last AP) and, for the first pulse, a single-pulse run of the same cell; a C
neuron whose APs fail at the T junction at 100 Hz (drg.md P4: it follows 50 Hz) sends nothing
central on exactly the pulses that ``drg follow`` counts as not crossed.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.device import check_program
from neurostim.drg import neuron_geometry, section_points_mm
from neurostim.drg.follow import _train, follow_geometry, train_following
from neurostim.drg.train import central_spike_times_ms, check_pulses, pulse_of, train_waveform
from neurostim.errors import InputError
from neurostim.fibers import find_thresholds, simulate
from neurostim.fibers.cases import point_source_phi_mv_per_ma
from neurostim.fibers.geometry import CableGeometry
from neurostim.pipeline.drive import program_drive
from tests.drg.test_map import PROGRAM

DT_MS = 0.005


def test_train_waveform_is_the_device_train() -> None:
    program = check_program(PROGRAM).program  # 20 Hz, 300 us, active recharge
    unit = program_drive(program, dt_ms=DT_MS, window_ms=None)
    window = program_drive(program, dt_ms=DT_MS, window_ms=3 * 50.0)
    wave, onsets = train_waveform(unit, 20.0, 3, tail_ms=1.0)
    n = window.waveform.size
    np.testing.assert_array_equal(wave[:n], window.waveform)
    assert not np.any(wave[n:])
    np.testing.assert_allclose(onsets, [0.1, 50.1, 100.1])
    assert np.all(window.waveform[np.rint(onsets / DT_MS).astype(int)] == 1.0)


def _abeta() -> tuple[CableGeometry, np.ndarray]:
    g = neuron_geometry("abeta", peripheral_um=12.8, stem_um=12.8, central_um=10.0,
                        branch_length_mm=(6.0, 12.0))  # fmt: skip
    pts = section_points_mm(g, t_junction_mm=np.zeros(3), stem_direction=np.array([0, 1.0, 0]),
                            root_axis=np.array([1.0, 0, 0]))  # fmt: skip
    # a point source 50 um above the soma
    return g, point_source_phi_mv_per_ma(pts, pts[g.named_sections["soma"]] + [0, 0, 0.05])


def test_central_spikes_equal_the_engine_detector_and_a_single_pulse_run() -> None:
    program = check_program(PROGRAM).program
    unit = program_drive(program, dt_ms=DT_MS, window_ms=None)
    g, phi = _abeta()
    n1 = round(3.0 / DT_MS)
    single = np.zeros(n1)
    single[: unit.waveform.size] = unit.waveform
    th = find_thresholds(g, phi, single, np.array([-1.0]), tstop_ms=3.0, tolerance_rel=1e-2)
    assert th.status[0] == "ok"
    amp = np.array([1.5 * th.threshold_ma[0]])  # signed (cathodic)
    wave, onsets = train_waveform(unit, 20.0, 3, tail_ms=3.0)
    (spikes,) = central_spike_times_ms(g, phi[None, :], amp, wave, DT_MS)
    direct = simulate(g, phi, amp, wave, dt_ms=DT_MS, n_steps=wave.size)
    node = g.node_index("central_end")
    assert spikes.size == direct.ap_count[0, node] >= 3
    assert spikes[0] == pytest.approx(direct.first_ap_time_ms[0, node], abs=1e-9)
    assert spikes[-1] == pytest.approx(direct.last_ap_time_ms[0, node], abs=1e-9)
    assert np.all(np.bincount(pulse_of(spikes, onsets), minlength=3) >= 1)
    one = simulate(g, phi, amp, single, dt_ms=DT_MS, n_steps=n1)
    assert spikes[0] == pytest.approx(one.first_ap_time_ms[0, node], abs=1e-9)


def test_a_neuron_failing_at_the_t_junction_sends_nothing_central() -> None:
    follow = train_following("c", rates_hz=[100.0], n_pulses=10)
    (rate,) = follow.rates
    assert rate.initiated == 10 and rate.crossed < 10  # fails at the T, not at the stimulus
    g = follow_geometry("c")  # the neuron drg follow ran
    onsets = 0.1 + np.arange(10) * 10.0
    n = round((onsets[-1] + 20.0) / follow.dt_ms)
    ist = _train(n, follow.dt_ms, onsets, follow.amplitude_na, 0.1)
    (spikes,) = central_spike_times_ms(
        g, np.zeros((1, g.n_sections)), np.zeros(1), np.zeros(n), follow.dt_ms,
        intracellular_section=follow.stim_section, intracellular_na=ist,
    )  # fmt: skip
    # per pulse, by the latency of the first spike (as drg.follow assigns them)
    k = np.rint((spikes - (spikes[0] - onsets[0]) - onsets[0]) / 10.0).astype(int)
    answered = np.unique(k[(k >= 0) & (k < 10)])
    assert answered.size == rate.crossed
    assert 10 - answered.size >= 1  # some pulses give no central spike at all


@pytest.mark.parametrize("bad", [0, -3, 10_000, 2.5, True])
def test_pulse_count_refusals(bad: object) -> None:
    with pytest.raises(InputError) as e:
        check_pulses(bad)
    assert "train_pulses" in str(e.value) and "1-400" in str(e.value)


def test_pulses_past_the_train_cycle_through_its_last_ones() -> None:
    from neurostim.drg.train import source_pulses

    np.testing.assert_array_equal(source_pulses(8, 5, 2), [0, 1, 2, 3, 4, 3, 4, 3])
    np.testing.assert_array_equal(source_pulses(6, 3, 10), [0, 1, 2, 1, 2, 1])  # all but the first
    np.testing.assert_array_equal(source_pulses(3, 1, 10), [0, 0, 0])
    np.testing.assert_array_equal(source_pulses(3, 20, 10), [0, 1, 2])
    # a neuron answering every other pulse stays in phase: pulse k fires iff k is even
    fires = np.arange(20) % 2 == 0
    np.testing.assert_array_equal(fires[source_pulses(40, 20, 10)], np.arange(40) % 2 == 0)


def test_a_steady_pattern_is_found_and_kept_in_phase() -> None:
    from neurostim.drg.train import source_pulses, steady_period

    # an Abeta echo pattern of the L5 run (docs/drg.md): 1 spike, then 2, 1, 1 repeating
    counts = np.array([1] + [2, 1, 1] * 6 + [2])
    assert steady_period(counts) == 3
    assert steady_period(np.ones(20, np.int64)) == 1
    assert (
        steady_period(np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0]))
        is None
    )
    src = source_pulses(40, 20, 10, steady_period(counts))
    truth = np.array([1] + [2, 1, 1] * 13)  # the pattern carried on
    np.testing.assert_array_equal(counts[src], truth)
