"""Waveform synthesis: shapes, pulse counts, and charge balance for every family."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurostim.device import Waveform, load_program, parse_program, synthesize_waveform
from neurostim.errors import InputError

BALANCE_RTOL = 1e-9
"""Net charge per contact relative to its absolute charge (issue item 5)."""


def assert_balanced(w: Waveform) -> None:
    net = np.abs(w.net_charge_uc())
    total = w.absolute_charge_uc()
    active = total > 0
    assert active.any(), "no current at all"
    assert np.all(net[active] <= BALANCE_RTOL * total[active]), (net[active] / total[active]).max()
    # Kirchhoff: the contacts' currents sum to zero at every sample
    assert np.abs(w.current_ma.sum(axis=0)).max() <= 1e-12


def cathodic_onsets(row: np.ndarray) -> int:
    neg = row < 0
    return int(np.count_nonzero(neg[1:] & ~neg[:-1]) + int(neg[0]))


EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "programs").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_is_charge_balanced(path: Path) -> None:
    program = load_program(path)
    w = synthesize_waveform(program, duration_s=0.25, dt_us=1.0)
    assert w.current_ma.shape == (len(w.contact_ids), 250_000)
    assert w.current_ma.dtype == np.float64
    assert_balanced(w)


def test_tonic_pulse_shape_and_count(tonic_dict: dict[str, Any]) -> None:
    w = synthesize_waveform(parse_program(tonic_dict), duration_s=0.1, dt_us=1.0)
    cathode = w.current_ma[w.contact_ids.index("L1.E4")]
    anode = w.current_ma[w.contact_ids.index("L1.E5")]
    # 5 mA, 300 us cathodic; 20 us gap; 300 us recharge at +5 mA; 50 Hz
    assert np.all(cathode[:300] == -5.0) and np.all(cathode[300:320] == 0.0)
    assert np.all(cathode[320:620] == 5.0) and np.all(cathode[620:20000] == 0.0)
    np.testing.assert_array_equal(anode, -cathode)
    assert cathodic_onsets(cathode) == 5  # 0.1 s at 50 Hz
    # cathodic charge: 5 pulses x 5 mA x 300 us = 7.5 uC
    assert np.isclose(-cathode[cathode < 0].sum() * 1e-3, 7.5, rtol=1e-12)
    assert_balanced(w)


def test_coarser_grid_and_refused_grid(tonic_dict: dict[str, Any]) -> None:
    program = parse_program(tonic_dict)
    w = synthesize_waveform(program, duration_s=0.1, dt_us=10.0)
    assert w.n_samples == 10_000 and w.time_us[1] == 10.0
    assert_balanced(w)
    with pytest.raises(InputError, match="dt_us"):
        synthesize_waveform(program, duration_s=0.1, dt_us=7.0)
    with pytest.raises(InputError, match="duration_s"):
        synthesize_waveform(program, duration_s=-1.0)
    with pytest.raises(InputError, match="dt_us"):
        synthesize_waveform(program, duration_s=0.1, dt_us=0.0)
    with pytest.raises(InputError, match="coarser dt_us"):
        synthesize_waveform(program, duration_s=100.0, dt_us=1.0)
    with pytest.raises(InputError, match="shorter than one sample"):
        synthesize_waveform(program, duration_s=1e-7, dt_us=1.0)


def test_invalid_program_is_refused(tonic_dict: dict[str, Any]) -> None:
    tonic_dict["trains"][0]["amplitude_ma"] = 99.0
    with pytest.raises(InputError, match="amplitude_ma"):
        synthesize_waveform(parse_program(tonic_dict, validate=False), duration_s=0.1)


def test_burst_passive_recharge_after_each_burst(examples_dir: Path) -> None:
    program = load_program(examples_dir / "programs" / "burst.toml")
    w = synthesize_waveform(program, duration_s=0.1, dt_us=1.0)
    row = w.current_ma[w.contact_ids.index("L1.E3")]
    # 5 pulses of 1000 us at 500 Hz (2 ms apart): cathodic at 0-1, 2-3, ..., 8-9 ms
    assert cathodic_onsets(row) == 4 * 5  # 0.1 s of 40 Hz bursts
    assert np.all(row[:1000] == -0.3) and np.all(row[1000:2000] == 0.0)
    # no recharge between the pulses of a burst, a positive decaying one after it
    assert np.all(row[:9000] <= 0.0)
    # after a 20 us gap, 12 ms (the profile's window) of exponential recharge, tau = 4 ms
    recharge = row[9020:21020]
    assert np.all(recharge > 0) and np.all(np.diff(recharge) < 0)
    assert recharge[-1] / recharge[0] == pytest.approx(np.exp(-11999 / 4000), rel=1e-12)
    assert np.all(row[21020:25000] == 0.0)
    # each burst balances on its own (25 ms per burst)
    per_burst = row.reshape(4, 25_000).sum(axis=1)
    assert np.all(np.abs(per_burst) <= BALANCE_RTOL * np.abs(row[:25_000]).sum())
    assert_balanced(w)


def test_cycling_gates_whole_units(tonic_dict: dict[str, Any]) -> None:
    tonic_dict["trains"][0]["rate_hz"] = 100
    tonic_dict["dosing"] = {"on_s": 0.05, "off_s": 0.05}
    w = synthesize_waveform(parse_program(tonic_dict), duration_s=1.0, dt_us=5.0)
    row = w.current_ma[w.contact_ids.index("L1.E4")]
    # pulses start at 0, 10, ..., 40 ms of every 100 ms cycle: 5 per cycle, 10 cycles
    assert cathodic_onsets(row) == 50
    assert np.all(row[round(0.0506 / 5e-6) : round(0.0999 / 5e-6)] == 0.0)
    assert_balanced(w)


def test_pulse_dosed_10khz(examples_dir: Path) -> None:
    program = load_program(examples_dir / "programs" / "high-frequency-10khz-dosed.toml")
    w = synthesize_waveform(program, duration_s=1.0, dt_us=1.0)
    # duty 0.03 of a 1 s cycle: 30 ms ON at 10 kHz = 300 pulses
    assert cathodic_onsets(w.current_ma[0]) == 300
    assert_balanced(w)


def test_multiplexed_trains_interleave(examples_dir: Path) -> None:
    program = load_program(examples_dir / "programs" / "multiplexed.toml")
    assert program.is_multiplexed
    w = synthesize_waveform(program, duration_s=0.1, dt_us=1.0)
    ids = w.contact_ids
    first = w.current_ma[ids.index("L1.E3")]
    second = w.current_ma[ids.index("L2.E4")]
    assert cathodic_onsets(first) == 5  # 50 Hz
    assert cathodic_onsets(second) == 120  # 1200 Hz
    # second train starts after the first train's pulse (200+20+200 us) and a 20 us gap
    assert np.flatnonzero(second)[0] == 440
    assert np.isclose(second[440], -3.0 * 0.6)
    assert w.current_ma[ids.index("case")][440] == pytest.approx(3.0)
    assert_balanced(w)


@pytest.mark.parametrize("family", ["tonic-passive", "burst-active", "drg-passive"])
def test_other_recharge_styles_balance(family: str, tonic_dict: dict[str, Any]) -> None:
    data = copy.deepcopy(tonic_dict)
    train = data["trains"][0]
    if family == "tonic-passive":
        train["recharge"] = "passive"
    elif family == "burst-active":
        train.update(waveform="burst", rate_hz=40, pulses_per_burst=5, intraburst_rate_hz=500)
        train.update(amplitude_ma=0.6, pulse_width_us=500)
    else:
        data.update(stimulator="drg-trial-4", leads=["drg-4"])
        train.update(recharge="passive", amplitude_ma=2.05, pulse_width_us=250, rate_hz=16)
        train["contacts"] = {"L1.E1": -100, "L1.E4": 100}
    w = synthesize_waveform(parse_program(data), duration_s=0.3, dt_us=1.0)
    assert_balanced(w)


def test_rate_not_on_the_grid_still_balances(tonic_dict: dict[str, Any]) -> None:
    # 7 Hz: the period 142857.14 us is not a whole number of samples; starts are rounded
    tonic_dict["trains"][0]["rate_hz"] = 7
    tonic_dict["trains"][0]["recharge"] = "passive"
    w = synthesize_waveform(parse_program(tonic_dict), duration_s=1.0, dt_us=1.0)
    assert cathodic_onsets(w.current_ma[w.contact_ids.index("L1.E4")]) == 7
    assert_balanced(w)
