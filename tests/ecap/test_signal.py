"""Artifact, noise, blanking, processing and features on synthetic traces (no fiber runs)."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.ecap import (
    artifact_uv,
    ecap_features,
    ecap_parameters,
    process,
    template_amplitude_uv,
)
from neurostim.ecap.signal import blank, noise_uv, recorded_mask, sample_times_ms
from neurostim.testing import assert_close

PRM = ecap_parameters()


def _triphasic(t_ms, n1_ms, width_ms, amp_uv):
    """P1-N1-P2: minus the second derivative of a Gaussian (an independent synthetic ECAP)."""
    x = (t_ms - n1_ms) / width_ms
    return -amp_uv * (1 - x**2) * np.exp(-(x**2) / 2) / 1.446  # P2 - N1 = amp_uv


def test_artifact_scales_with_charge_and_falls_with_distance() -> None:
    t = sample_times_ms(PRM["recording"])
    a = PRM["artifact"]
    one = artifact_uv(t, 100.0, np.array([8.0, 16.0]), 0.2, a)
    two = artifact_uv(t, 200.0, np.array([8.0, 16.0]), 0.2, a)
    assert_close(two, 2 * one, rtol=1e-12, what="artifact at twice the charge", unit="uV")
    assert np.all(one[:, t < 0.2] == 0)
    # (d_ref / d)^p with d_ref 8 mm and p 2: a quarter at 16 mm
    after = t >= 0.2
    assert_close(
        one[1, after], one[0, after] / 4.0, rtol=1e-12, what="artifact at 16 mm", unit="uV"
    )
    # A exp(0) at the end of the pulse: A_1 Q
    assert_close(
        one[0, after][0],
        a["amplitude_uv_per_nc"] * 100.0,
        rtol=1e-9,
        what="artifact at pulse end",
        unit="uV",
    )


def test_exp_linear_subtraction_removes_the_artifact_model_exactly() -> None:
    t = sample_times_ms(PRM["recording"])
    mask = recorded_mask(t, 0.3, PRM["recording"])
    art = artifact_uv(t, 1500.0, np.array([12.0]), 0.3, PRM["artifact"])
    out = process(blank(art, mask), t, mask, 0.3, "exp-linear", PRM)
    assert np.max(np.abs(out[:, mask])) < 1e-9 * np.max(np.abs(art))


def test_features_of_a_synthetic_ecap() -> None:
    t = np.linspace(0, 3, 3001)
    trace = _triphasic(t, 1.0, 0.15, 40.0)
    f = ecap_features(trace, t)
    assert_close(f.amplitude_uv, 40.0, rtol=1e-3, what="P2 - N1", unit="uV")
    assert_close(f.n1_latency_ms, 1.0, atol=1e-3, what="N1 latency", unit="ms")
    # P2 of -(1 - x^2) exp(-x^2/2) lies at x = sqrt(3)
    assert_close(f.p2_latency_ms, 1.0 + 0.15 * np.sqrt(3), atol=2e-3, what="P2 latency", unit="ms")


def test_latency_is_refined_between_samples() -> None:
    t = np.arange(0, 3, 1 / 30.0)  # 30 kHz
    f = ecap_features(_triphasic(t, 1.011, 0.15, 40.0), t)
    assert abs(f.n1_latency_ms - 1.011) < 0.1 * (t[1] - t[0])


def test_a_silent_trace_has_no_ecap() -> None:
    t = sample_times_ms(PRM["recording"])
    f = ecap_features(np.zeros((2, t.size)), t)
    assert np.all(f.amplitude_uv == 0) and np.all(np.isnan(f.n1_latency_ms))


def test_blanked_samples_never_enter_the_features() -> None:
    t = sample_times_ms(PRM["recording"])
    mask = recorded_mask(t, 0.3, PRM["recording"])
    trace = _triphasic(t, 1.0, 0.15, 40.0)
    trace[~mask] = -1e4  # the pulse itself
    f = ecap_features(blank(trace, mask), t, mask)
    assert_close(f.amplitude_uv, 40.0, rtol=0.05, what="P2 - N1 after blanking", unit="uV")


def test_noise_is_seeded_and_has_its_rms() -> None:
    a = noise_uv(np.random.default_rng(3), (4, 20000), 2.0)
    b = noise_uv(np.random.default_rng(3), (4, 20000), 2.0)
    assert np.array_equal(a, b)
    assert_close(a.std(), 2.0, rtol=0.02, what="noise rms", unit="uV")


def test_template_amplitude_is_calibrated_on_its_own_template() -> None:
    t = sample_times_ms(PRM["recording"])
    period = PRM["processing"]["template_period_ms"]
    dt = t[1] - t[0]
    n = round(period / dt)
    u = (np.arange(n) + 0.5) / n
    shape = -np.sin(2 * np.pi * u) * (1 - np.abs(2 * u - 1))
    trace = np.zeros(t.size)
    trace[20 : 20 + n] = 30.0 * shape / np.ptp(shape)
    mask = np.ones(t.size, bool)
    assert_close(
        template_amplitude_uv(trace, t, mask, period),
        30.0,
        rtol=1e-9,
        what="template amplitude",
        unit="uV",
    )


@pytest.mark.parametrize("scheme", ["exp-linear", "highpass", "none"])
def test_processing_is_linear(scheme: str) -> None:
    """Processing(neural + artifact) = processing(neural) + processing(artifact): what the
    ``artifact_dominated`` status relies on."""
    t = sample_times_ms(PRM["recording"])
    mask = recorded_mask(t, 0.3, PRM["recording"])
    x = blank(_triphasic(t, 0.9, 0.12, 20.0)[None], mask)
    y = blank(artifact_uv(t, 800.0, np.array([10.0]), 0.3, PRM["artifact"]), mask)
    both = process(x + y, t, mask, 0.3, scheme, PRM)
    apart = process(x, t, mask, 0.3, scheme, PRM) + process(y, t, mask, 0.3, scheme, PRM)
    assert_close(both, apart, atol=1e-9, what=f"{scheme} of a sum", unit="uV")
