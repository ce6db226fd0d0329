"""End to end: a device program through field, fibers and the dorsal-horn circuit in one call.

Reference: pain-circuit.md s3 row 1 (the published Zhang 2014 model under the Foreman
protocol, every Abeta fibre recruited): at 20 Hz the WDR fires exactly one spike per pulse,
20.0 +- 0.0 Hz over seeds 1-5, and no spike outside the pulse-locked window (r_noci = 0);
unstimulated it fires 66.3 +- 3.6 Hz. The pipeline must reproduce this when the program
recruits every fibre, reproduce the unstimulated circuit exactly when it recruits none, and
sit in between for a partial recruitment.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from neurostim.device import parse_program_text
from neurostim.errors import InputError
from neurostim.fibers import straight_fibers
from neurostim.pipeline import CircuitSettings, run
from neurostim.testing import assert_close

SETTINGS = CircuitSettings(duration_s=3.5, stim_start_s=1.0, settle_s=1.0, seeds=(1, 2))


@cache
def _program(amplitude_ma: float, rate_hz: float = 20.0):
    return parse_program_text(
        'name = "e2e"\nstimulator = "generic-rechargeable-16"\nleads = ["percutaneous-8"]\n'
        f'[[trains]]\nwaveform = "tonic"\namplitude_ma = {amplitude_ma}\npulse_width_us = 300\n'
        f'rate_hz = {rate_hz}\ncontacts = {{ "L1.E4" = -100, "L1.E5" = 100 }}\n'
    )


def _population():
    # 10 um fibres 2 mm below the lead axis, level with the cathode (E4 at z = 12 mm in the
    # percutaneous-8 lead file), at 0, 1.5 and 3 mm lateral: thresholds about 0.2-1 mA
    return straight_fibers(np.array([0.0, 1.5, 3.0]), 2.0, 10.0, z_center_mm=12.0)


@pytest.fixture(scope="module")
def thresholds():
    r = run(_program(5.0), population=_population(), run_circuit=False, tolerance_rel=1e-3)
    assert r.recruitment.status.tolist() == ["ok", "ok", "ok"]
    return r.recruitment.threshold_ma


def test_full_recruitment_reproduces_the_published_20hz_response(thresholds) -> None:
    r = run(_program(5.0), population=_population(), circuit=SETTINGS)
    assert np.all(thresholds < 5.0) and r.recruitment.recruited_fraction == 1.0
    assert np.all(r.afferents.margin_lower >= 1.0) and not r.afferents.bounded
    c = r.circuit
    assert c is not None and c.ok and c.bounds == ("recruited",)
    # pain-circuit.md s3 row 1: WDR 20.0 +- 0.0 Hz at 20 Hz, one spike per pulse, r_noci 0;
    # 0.7 Hz is one spike in the 1.5 s window
    assert_close(c.wdr_rate_hz[0], 20.0, atol=0.7, what="WDR rate at 20 Hz (every fibre)",
                 unit="Hz")  # fmt: skip
    assert_close(c.noci_rate_hz[0], 0.0, atol=0.7, what="WDR r_noci at 20 Hz", unit="Hz")
    # unstimulated: 66.3 +- 3.6 Hz (5 seeds); 2 seeds over 1.5 s -> within 4 SD
    assert np.all(np.abs(c.wdr_rate_unstimulated_hz - 66.3) < 4 * 3.6 + 5.0)
    assert c.inhibition_percent[0] > 95.0
    # each afferent's evoked train: one arrival 1-1.5 ms after every pulse (afferents.toml)
    pulses = np.arange(1000.0, 3500.0, 50.0)
    for afferent in (0, 29):
        t = r.evoked_spike_times_ms(afferent)
        assert t.size == pulses.size
        lag = t - pulses
        assert np.all((lag >= 1.0) & (lag <= 1.5))


def test_no_recruitment_is_the_unstimulated_circuit(thresholds) -> None:
    amplitude = 0.1  # the stimulator's smallest step
    assert amplitude < thresholds.min()
    r = run(_program(amplitude), population=_population(), circuit=SETTINGS)
    assert r.recruitment.recruited_fraction == 0.0
    assert np.all(r.afferents.margin_lower < 1.0)
    c = r.circuit
    assert c is not None and c.ok
    n_s = len(SETTINGS.seeds)
    for s in range(n_s):  # the same WDR spikes, stimulated or not
        assert np.array_equal(c.batch.spikes(s, "wdr"), c.batch.spikes(n_s + s, "wdr"))
    assert np.array_equal(c.wdr_rate_hz[0], c.wdr_rate_unstimulated_hz)
    assert c.inhibition_total_percent[0] == 0.0
    # r_noci drops the spikes 1-6 ms after a pulse by definition (s1.5), recruited or not:
    # independent count of those spikes from the raw trains
    start, stop = SETTINGS.window_ms
    for s in range(n_s):
        t = c.batch.spikes(s, "wdr")
        t = t[(t >= start) & (t < stop)]
        lag = (t - 1000.0) % 50.0
        locked = int(np.sum((lag >= 1.0) & (lag <= 6.0)))
        expected = (t.size - locked) / ((stop - start) / 1000.0)
        assert_close(c.noci_rate_hz[0, s], expected, atol=1e-9, what="r_noci", unit="Hz")


def test_partial_recruitment_drives_exactly_the_fibres_above_threshold(thresholds) -> None:
    # amplitude between the lowest and the highest threshold of the three fibres
    lo, hi = float(thresholds.min()), float(thresholds.max())
    amplitude = np.ceil(10 * lo * 1.02) / 10  # on the stimulator's 0.1 mA grid
    assert lo < amplitude < hi
    r = run(_program(amplitude), population=_population(), circuit=SETTINGS)
    fires = thresholds[r.afferents.fiber_index] <= amplitude  # from the independent run
    assert 0 < fires.sum() < fires.size
    assert np.array_equal(r.afferents.margin_lower >= 1.0, fires)
    evoked = [r.evoked_spike_times_ms(a).size for a in range(fires.size)]
    assert np.array_equal(np.array(evoked) > 0, fires)


def test_bad_settings_name_the_field() -> None:
    with pytest.raises(InputError, match="duration_s"):
        CircuitSettings(duration_s=float("nan"))
    with pytest.raises(InputError, match="seeds"):
        CircuitSettings(seeds=())
    with pytest.raises(InputError, match="khz_regime"):
        CircuitSettings(khz_regime="fast")
    with pytest.raises(InputError, match="pain_state"):
        CircuitSettings(pain_state="agony")
    with pytest.raises(InputError, match="settle_s"):
        CircuitSettings(duration_s=2.0, stim_start_s=1.0, settle_s=1.0)
    with pytest.raises(InputError, match="program"):
        run("tonic.toml")  # type: ignore[arg-type]
