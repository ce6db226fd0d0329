"""Zhang 2014 network vs pain-circuit.md s3: frequency response (table 3a), GABA_A block (3c).

Reference values are the [C] numbers of docs/reference/pain-circuit.md (the published
NEURON model run under the s3 row-1 protocol), quoted below with their table. Tolerances:

- Five-seed means: 3 standard errors of the difference of the two 5-seed means (from the
  reference SD and the SD measured in the run) plus 5 % of the value for the systematic part
  (NEURON vs this integrator). This is tighter than the +-20 % the spec allows a
  re-implementation (s1.4), which the 50 Hz point is checked against.
- Shape criteria (inhibition 5-60 Hz, minimum near 20 Hz, crossover near 80 Hz) as in the text
  under table 3a.

Known deviations, kept visible as strict xfails: WDR at 50 Hz reads 17.6 +- 1.3 Hz against 24.4
+- 1.3 (the WDR follows fewer pulses at 50 Hz than in NEURON), so the minimum of the curve lies at
40-60 Hz instead of 20 Hz (see docs/circuit.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.circuit import Condition, TonicTrain, noci_rate_hz, simulate, window_rate_hz
from neurostim.testing import assert_close

WINDOW_MS = (2000.0, 7000.0)  # seconds 1-6 of stimulation (stimulation from t = 1 s)
SEEDS = (1, 2, 3, 4, 5)

# pain-circuit.md s3, 5-seed check under table 3a (mean +- SD, seeds 1-5), Hz
REF_WDR = {0: (66.3, 3.6), 20: (20.0, 0.0), 50: (24.4, 1.3), 100: (98.0, 1.0), 500: (267.4, 0.1)}
REF_EX = {0: (71.0, 6.4), 20: (27.3, 5.0), 50: (6.8, 1.9), 100: (3.1, 1.3), 500: (2.0, 0.7)}


def _run(rates, seeds, **kw):
    conds = [
        Condition(program=None if r == 0 else TonicTrain(r), seed=s, **kw)
        for r in rates
        for s in seeds
    ]
    res = simulate(conds)
    shape = (len(rates), len(seeds))
    return (
        window_rate_hz(res, "wdr", WINDOW_MS).reshape(shape),
        window_rate_hz(res, "ex", WINDOW_MS).reshape(shape),
        noci_rate_hz(res, WINDOW_MS).reshape(shape),
    )


def test_20hz_wdr_fires_once_per_pulse_and_nothing_else() -> None:
    """Fast subset of row 1: at 20 Hz the WDR fires exactly one spike per pulse (20.0 +- 0.0 Hz)
    and no spike outside 1-6 ms after a pulse (r_noci = 0), pain-circuit.md s3."""
    conds = [
        Condition(program=p, seed=s, duration_ms=3500.0)
        for p in (None, TonicTrain(20.0))
        for s in (1, 2)
    ]
    res = simulate(conds)
    window = (2000.0, 3500.0)
    wdr = window_rate_hz(res, "wdr", window)
    noci = noci_rate_hz(res, window)
    assert_close(wdr[2:], 20.0, atol=0.7, what="WDR r_total at 20 Hz (one per pulse)", unit="Hz")
    assert_close(noci[2:], 0.0, atol=0.7, what="WDR r_noci at 20 Hz", unit="Hz")
    assert np.all(wdr[:2] > 40.0), "unstimulated WDR should carry the ongoing nociceptive drive"


def _tolerance_hz(ref_sd: float, here: np.ndarray) -> float:
    """3 standard errors of the difference of two 5-seed means, plus 5 % of the value for the
    systematic part (NEURON vs this integrator, dt and segments)."""
    return 3.0 * float(np.sqrt((ref_sd**2 + here.std(ddof=1) ** 2) / here.size))


@pytest.mark.slow
@pytest.mark.parametrize("rate", [0, 20, 50, 100, 500])
def test_table_3a_five_seed_values(rate: int) -> None:
    """WDR and EX 5-seed means; WDR at 50 Hz is the strict xfail below."""
    wdr, ex, _ = _run([rate], SEEDS)
    checks = [("EX", ex[0], REF_EX[rate])]
    if rate != 50:
        checks.append(("WDR", wdr[0], REF_WDR[rate]))
    for name, here, (ref, sd) in checks:
        assert_close(
            here.mean(),
            ref,
            rtol=0.05,
            atol=_tolerance_hz(sd, here),
            what=f"{name} at {rate} Hz (mean of 5 seeds)",
            unit="Hz",
        )


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="known deviation: WDR follows fewer 50 Hz pulses")
def test_table_3a_wdr_50hz() -> None:
    wdr, _, _ = _run([50], SEEDS)
    assert_close(wdr.mean(), REF_WDR[50][0], rtol=0.20, what="WDR at 50 Hz", unit="Hz")


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="known deviation: minimum at 40-60 Hz, not at 20 Hz")
def test_table_3a_minimum_at_20hz() -> None:
    rates = [10, 20, 40, 60]
    wdr, _, _ = _run(rates, (1, 2, 3))
    assert rates[int(np.argmin(wdr.mean(axis=1)))] == 20


@pytest.mark.slow
def test_table_3a_shape() -> None:
    """Inhibition from 5 to 60 Hz, minimum near 20 Hz, crossover near 80 Hz, excitation above;
    EX gated by > 85 % from 40 Hz up; r_noci at 50 and 100 Hz small (3.2, 2.7 Hz in s3)."""
    rates = [0, 5, 10, 20, 40, 60, 100, 200, 1000]
    wdr, ex, noci = _run(rates, (1, 2, 3))
    m, e = wdr.mean(axis=1), ex.mean(axis=1)
    control = m[0]
    inhibited = [m[rates.index(f)] < control for f in (5, 10, 20, 40, 60)]
    assert all(inhibited), f"WDR not inhibited over 5-60 Hz: {dict(zip(rates, m, strict=True))}"
    assert rates[int(np.argmin(m))] in (10, 20, 40, 60), "minimum should lie in 10-60 Hz"
    assert m[rates.index(20)] < 0.5 * control  # about -70 % in the reference
    assert m[rates.index(200)] > control and m[rates.index(1000)] > m[rates.index(200)]
    assert m[rates.index(100)] > 0.9 * control  # crossover near 80 Hz
    assert np.all(e[rates.index(40) :] < 0.15 * e[0]), "EX should be gated by > 85 % from 40 Hz"
    assert noci.mean(axis=1)[rates.index(100)] < 10.0


@pytest.mark.slow
def test_gaba_a_block() -> None:
    """Table 3c: GABA_A blocked, WDR 136.5 +- 2.5 (no SCS) and 155.4 +- 1.5 Hz (20 Hz); SCS no
    longer inhibits; EX about 1.4 x its intact rate and independent of SCS."""
    wdr, ex, noci = _run([0, 20], SEEDS, block="gaba-a")
    tol0, tol1 = _tolerance_hz(2.5, wdr[0]), _tolerance_hz(1.5, wdr[1])
    assert_close(wdr[0].mean(), 136.5, rtol=0.05, atol=tol0, what="WDR, GABA_A, no SCS", unit="Hz")
    assert_close(wdr[1].mean(), 155.4, rtol=0.05, atol=tol1, what="WDR, GABA_A, 20 Hz", unit="Hz")
    assert wdr[1].mean() > wdr[0].mean(), "with GABA_A blocked SCS must not inhibit"
    assert_close(noci[1].mean(), noci[0].mean(), rtol=0.1, what="r_noci unchanged", unit="Hz")
    assert_close(ex[1].mean(), ex[0].mean(), rtol=0.05, what="EX independent of SCS", unit="Hz")
    _, ex_intact, _ = _run([0], SEEDS)
    assert_close(ex[0].mean() / ex_intact.mean(), 1.4, rtol=0.15, what="EX blocked/intact")
