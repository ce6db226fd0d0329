"""Simulator-independent parts of the reference protocol (no NEURON needed)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from neurostim.compare._protocol import bracket_and_bisect, initiation_nodes, protocol_waveform
from neurostim.errors import InputError


def test_waveform_steps_match_protocol() -> None:
    # PROTOCOL.md §3: pulse starts at step 20, PW/dt steps; 0.03 ms -> 6 steps, 1.0 ms -> 200
    w, sign = protocol_waveform("monophasic-cathodic", 0.03, 1, 0.0, 0.005, 5.0)
    assert sign == -1.0 and w.shape == (1000,)
    assert np.flatnonzero(w).tolist() == list(range(20, 26))
    w, sign = protocol_waveform("monophasic-anodic", 1.0, 1, 0.0, 0.005, 5.0)
    assert sign == 1.0 and np.flatnonzero(w).tolist() == list(range(20, 220))
    w, _ = protocol_waveform("biphasic-cathodic-first", 0.1, 1, 0.0, 0.005, 5.0)
    assert np.all(w[20:40] == 1.0) and np.all(w[40:60] == -1.0)
    assert np.count_nonzero(w) == 40


def test_train_every_4000_steps() -> None:
    # §3(d): 10 pulses, 0.2 ms per phase, every 20 ms (4000 steps at dt 0.005), tstop 200 ms
    w, _ = protocol_waveform("biphasic-cathodic-first", 0.2, 10, 50.0, 0.005, 200.0)
    prev = np.concatenate([[0.0], w[:-1]])
    starts = np.flatnonzero((w == 1.0) & (prev != 1.0))
    assert starts.tolist() == [20 + 4000 * j for j in range(10)]
    assert np.count_nonzero(w == -1.0) == 400
    # "train" (the CLI's name) is the same waveform with the protocol's defaults
    w2, sign = protocol_waveform("train", 0.2, 1, 0.0, 0.005, 200.0)
    assert sign == -1.0 and np.array_equal(w2, w)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"pulse_width_ms": 0.0123}, "pulse_width_ms"),
        ({"waveform": "square"}, "waveform"),
        ({"tstop_ms": 0.2, "pulse_width_ms": 0.2}, "tstop_ms"),
        ({"n_pulses": 3, "rate_hz": 0.0}, "rate_hz"),
    ],
)
def test_waveform_bad_input(kwargs: dict, field: str) -> None:
    args = {
        "waveform": "monophasic-cathodic",
        "pulse_width_ms": 0.1,
        "n_pulses": 1,
        "rate_hz": 0.0,
        "dt_ms": 0.005,
        "tstop_ms": 5.0,
    } | kwargs
    with pytest.raises(InputError, match=field):
        protocol_waveform(**args)


@pytest.mark.parametrize("guess", [0.01, 0.3, 1.0, 3.0])
def test_bracket_and_bisect_finds_step(guess: float) -> None:
    true = 0.2734
    lo, hi, n, status = bracket_and_bisect(lambda x: x >= true, guess, 1e-3)
    assert status == "ok"
    assert lo < true <= hi and (hi - lo) / hi < 1e-3
    assert n < 60


def test_bracket_approaches_from_below_past_a_block_window() -> None:
    # excitable in [0.1, 0.6) (first window), blocked in [0.6, 2), excitable again above 2:
    # a guess up to 5x threshold still ends on the lower edge of the first window
    def supra(x: float) -> bool:
        return 0.1 <= x < 0.6 or x >= 2.0

    for guess in (0.02, 0.1, 0.5):
        lo, hi, _, status = bracket_and_bisect(supra, guess, 1e-3)
        assert status == "ok" and lo < 0.1 <= hi


def test_not_bracketed() -> None:
    _, _, _, status = bracket_and_bisect(lambda x: False, 1.0, 1e-3)
    assert status == "not-bracketed"


def test_initiation_nodes() -> None:
    t = np.array([np.nan, 1.0, 0.8, 0.5, 0.8, 0.9, 0.7, 0.9, np.nan])
    assert initiation_nodes(t) == [3, 6]


def test_import_does_not_import_neuron() -> None:
    code = "import sys, neurostim.compare; print('neuron' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_clear_error_without_neuron(monkeypatch: pytest.MonkeyPatch) -> None:
    from neurostim.compare import NeuronUnavailableError, _mechanisms, neuron_available

    monkeypatch.setitem(sys.modules, "neuron", None)  # makes `import neuron` raise ImportError
    assert neuron_available() is False
    with pytest.raises(NeuronUnavailableError, match="compare"):
        _mechanisms.load_mechanisms()


def test_plateau_minima_ignore_a_sealed_end_that_fires_in_one_step() -> None:
    from neurostim.compare.neuron_tigerholm import plateau_minima

    nan = float("nan")
    # an AP from the middle reaching both sealed ends, whose last compartments tie
    t = np.array([1.035, 1.035, 1.035, 1.03, 0.5, 0.135, 0.135, 0.5, 1.03, 1.035, 1.035])
    assert plateau_minima(t) == [5, 6]
    # an end that fires first is a site; compartments without an AP never are
    assert plateau_minima(np.array([0.2, 0.3, 0.1, 0.3, nan])) == [0, 2]
