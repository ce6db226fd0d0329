"""The growth-curve fit, CV from latencies, and P-E6 (artifact processing) on synthetic data."""

from __future__ import annotations

import numpy as np

from neurostim.ecap import (
    artifact_uv,
    conduction_velocity_from_latencies,
    ecap_features,
    ecap_parameters,
    fit_growth_curve,
    growth_model_uv,
    process,
    template_amplitude_uv,
)
from neurostim.ecap.signal import blank, recorded_mask, sample_times_ms
from neurostim.testing import assert_close

PRM = ecap_parameters()


def test_the_fit_recovers_a_known_growth_curve() -> None:
    """Pilitsis' hypothetical example (ecap.md §1.3): I_thr 4 mA, 15 uV/mA; with sigma 0.2 mA,
    an artifact slope of 1 uV/mA and 2 uV of noise on 20 currents."""
    i = np.linspace(0.0, 8.0, 20)
    y = growth_model_uv(i, 4.0, 15.0, 0.2, 1.0, 5.0) + np.random.default_rng(0).normal(0, 2.0, 20)
    fit = fit_growth_curve(i, y)
    assert fit.status == "ok"
    assert_close(fit.threshold_ma, 4.0, atol=0.25, what="ECAP threshold", unit="mA")
    assert_close(fit.slope_uv_per_ma, 15.0, rtol=0.1, what="growth slope", unit="uV/mA")
    assert fit.r2 > 0.98


def test_a_flat_curve_has_no_threshold() -> None:
    assert fit_growth_curve(np.linspace(0, 5, 10), np.zeros(10)).status == "no-response"
    assert fit_growth_curve([0, 1, 2], [0, 1, 2]).status == "too-few-points"


def test_cv_from_latencies_is_the_inverse_slope() -> None:
    d = np.array([4.0, 8.0, 12.0, 16.0])
    cv, r2 = conduction_velocity_from_latencies(d, 0.2 + d / 60.0)
    assert_close(cv, 60.0, rtol=1e-9, what="conduction velocity", unit="m/s")
    assert r2 > 0.999999
    assert np.isnan(conduction_velocity_from_latencies([4.0], [0.3])[0])


def _synthetic_sweep(scheme_runs):
    """P-E6 protocol: a synthetic ECAP (minus a Gaussian's second derivative, N1 at 0.7 ms)
    growing as the Pilitsis example (I_thr 4 mA, 15 uV/mA), the §3 artifact of a 210 us pulse
    recorded 12 mm away, 2 uV rms noise, blanking after the pulse; returns the slope above
    threshold that each scheme measures."""
    t = sample_times_ms(PRM["recording"])
    end = 0.21
    mask = recorded_mask(t, end, PRM["recording"])
    currents = np.linspace(4.5, 8.0, 12)
    rng = np.random.default_rng(6)
    x = (t - 0.7) / 0.12
    shape = -(1 - x**2) * np.exp(-(x**2) / 2)
    shape /= np.ptp(shape)
    amps = {name: [] for name in scheme_runs}
    for i in currents:
        neural = growth_model_uv(i, 4.0, 15.0, 0.05) * shape
        art = artifact_uv(t, i * 210.0, np.array([12.0]), end, PRM["artifact"])[0]
        raw = blank(neural + art + rng.normal(0, 2.0, t.size), mask)
        for name, run in scheme_runs.items():
            amps[name].append(run(raw, t, mask, end))
    return {name: np.polyfit(currents, a, 1)[0] for name, a in amps.items()}


def _p2n1(scheme):
    def run(raw, t, mask, end):
        out = process(raw[None], t, mask, end, scheme, PRM)[0]
        return float(ecap_features(out, t, mask).amplitude_uv)

    return run


def _template(raw, t, mask, end):
    return float(template_amplitude_uv(raw, t, mask, PRM["processing"]["template_period_ms"]))


def test_pe6_artifact_processing_ranking() -> None:
    """P-E6 (ecap.md §5, [Ch22]): exponential-plus-linear subtraction keeps the growth-curve
    slope (within 10 %, ours); the high-pass filter alters it less than template correlation."""
    slopes = _synthetic_sweep(
        {"exp-linear": _p2n1("exp-linear"), "highpass": _p2n1("highpass"), "template": _template}
    )
    err = {k: abs(v - 15.0) / 15.0 for k, v in slopes.items()}
    assert err["exp-linear"] < 0.10, slopes
    assert err["highpass"] < err["template"], slopes
