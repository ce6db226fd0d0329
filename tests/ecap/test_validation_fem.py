"""P-E2 to P-E5 (ecap.md §5) on the finite-element cord (slow), with fast analytic variants
where the claim does not need the layered cord.

Protocols: ``examples/programs/ecap.toml`` (bipolar L1.E2 (-) / L1.E1 (+), 210 us, passive
recharge; E3 to E8 record, 4 to 24 mm from the cathode), T10, coarse mesh, the default
dorsal-column population (504 fibers) unless stated.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.anatomy import load_anatomy
from neurostim.device import load_program
from neurostim.ecap import ecap_features, ecap_growth
from neurostim.ecap._sfap import dc_fibers

# MRG conduction velocity at 37 C (ecap.md §1.2, the project's mrg_cv anchor), m/s
MRG_CV_M_PER_S = {8.7: 43.6, 10.0: 51.3, 11.5: 59.4, 12.8: 65.9, 14.0: 72.4, 15.0: 79.1, 16.0: 85.5}


@pytest.fixture(scope="module")
def program(examples_dir):
    return load_program(examples_dir / "programs" / "ecap.toml")


@pytest.fixture(scope="module")
def cord_curve(program):
    return ecap_growth(program, anatomy=load_anatomy("T10", dcsf_mm=3.0))


def _r2_above(c, y):
    above = c.amplitude_ma >= c.fit.threshold_ma + 2 * c.fit.sigma_ma
    assert above.sum() >= 5
    a, yy = c.amplitude_ma[above], y[above]
    slope, intercept = np.polyfit(a, yy, 1)
    return 1 - np.sum((yy - (slope * a + intercept)) ** 2) / np.sum((yy - yy.mean()) ** 2)


@pytest.mark.slow
def test_pe2_no_ecap_below_threshold_linear_above(cord_curve) -> None:
    """P-E2: sweep 0-2 x PT, PW 210 us, T10, dCSF 3 mm: no ECAP below threshold (no propagated
    response, status below_noise); R² > 0.95 of a linear fit of the model's ECAP (no artifact,
    no noise) above I_thr + 2 sigma of the fitted curve [S Pa12, Gm21]. Measured 0.981."""
    c = cord_curve
    quiet = c.recruited == 0
    assert np.all(c.traces.sfap_sum_uv[quiet] == 0.0)
    assert np.all(c.status[quiet] == "below_noise")
    assert c.fit.status == "ok"
    r2 = _r2_above(c, c.neural_uv)
    assert r2 > 0.95, f"R² {r2:.3f}: {np.round(c.neural_uv, 1)}"


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="P-E2 on the measured curve (2 uV rms noise, one sweep): R² 0.791 above 1.36 mA; the "
    "P2 - N1 of noise alone (about 8 uV) is a floor under a neural ECAP of 2.7-21 uV",
)
def test_pe2_measured_curve_is_linear_above_threshold(cord_curve) -> None:
    """P-E2 as the device measures it (artifact, noise, exp-linear processing)."""
    r2 = _r2_above(cord_curve, cord_curve.ecap_uv)
    assert r2 > 0.95, f"R² {r2:.3f}"


@pytest.mark.slow
def test_pe3_n1_latency_linear_in_distance_gives_the_mrg_cv(cord_curve) -> None:
    """P-E3: N1 latency grows linearly with distance on the free contacts of the 8-contact lead
    at least 6 mm from the cathode (E4-E8, at the lowest current of status ok); the slope gives
    about the MRG CV of the first-recruited diameter (within 15 %, ours) [V mrg_cv]. The first
    DC fibers recruited are of the 16 um class (the largest; their thresholds are the lowest in
    every run of this protocol)."""
    c = cord_curve
    rows = [r for r in c.recordings if r["distance_mm"] >= 6.0]
    lat = [r["n1_latency_ms"] for r in rows]
    assert np.all(np.diff(lat) > 0), rows
    assert c.cv_m_per_s is not None
    assert abs(c.cv_m_per_s - MRG_CV_M_PER_S[16.0]) <= 0.15 * MRG_CV_M_PER_S[16.0], c.cv_m_per_s


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="P-E3 range: the model's first-recruited DC fibers are the 16 um MRG class, CV 85.5 "
    "m/s; the ECAP CV (85.8 m/s at dCSF 3 mm, 86.7 at 5.1 mm) lies above the 50-70 m/s "
    "of ecap.md §5 [R]",
)
def test_pe3_cv_in_the_published_range(cord_curve) -> None:
    """P-E3: CV 50-70 m/s [S Sc-ep, R Pa12]."""
    assert cord_curve.cv_m_per_s is not None
    assert 50.0 <= cord_curve.cv_m_per_s <= 70.0, cord_curve.cv_m_per_s


def _pe4(program, conductor=None, fibers_for=lambda cord: dc_fibers(cord, 8, 0)):
    """N1 latency at matched ECAP for PW 60, 210, 450 us, on the propagated part of the primary
    recording without blanking (a 450 us pulse hides the ECAP of E4 from the amplifier):
    sweeps of 0-2 x PT; the target is half the smallest of the three curves' largest
    propagated P2 - N1; each PW's first current reaching it."""
    cord = load_anatomy("T10")
    fibers = fibers_for(cord)
    feats = []
    for pw in (60, 210, 450):
        train = program.trains[0].model_copy(update={"pulse_width_us": pw})
        p = program.model_copy(update={"trains": [train]})
        c = ecap_growth(p, anatomy=cord, conductor=conductor, fibers=fibers,
                        check_amplitudes_ma=[])  # fmt: skip
        primary = [r["contact"] for r in c.recordings].index(c.primary)
        feats.append((c, ecap_features(c.traces.sfap_sum_uv[:, primary], c.traces.t_ms)))
    target = 0.5 * min(float(f.amplitude_uv.max()) for _, f in feats)
    rows = []
    for pw, (c, f) in zip((60, 210, 450), feats, strict=True):
        k = int(np.argmax(f.amplitude_uv >= target))
        rows.append((pw, float(c.amplitude_ma[k]), float(f.amplitude_uv[k]),
                     float(f.n1_latency_ms[k])))  # fmt: skip
    return target, rows


@pytest.mark.slow
def test_pe4_longer_pulses_delay_the_ecap(program) -> None:
    """P-E4: PW 60, 210, 450 us at matched ECAP amplitude: the N1 latency increases
    monotonically [S Ch20] (protocol in ``_pe4``)."""
    target, rows = _pe4(program)
    latencies = [r[3] for r in rows]
    assert np.all(np.diff(latencies) > 0), (target, rows)


def _pe5(program, conductor, fibers_for):
    rows = []
    for dcsf in (2.0, 4.0, 6.0):
        cord = load_anatomy("T10", dcsf_mm=dcsf)
        c = ecap_growth(program, anatomy=cord, conductor=conductor, fibers=fibers_for(cord),
                        check_amplitudes_ma=[])  # fmt: skip
        top = int(np.argmax(c.amplitude_ma))
        per_fiber = c.neural_uv[top] / max(int(c.recruited[top]), 1)
        rows.append((dcsf, c.ecap_threshold_ma, c.perception_threshold_ma, per_fiber))
    return rows


@pytest.mark.slow
def test_pe5_dcsf_raises_et_and_lowers_ecap_per_fiber(program) -> None:
    """P-E5: dCSF 2-6 mm: ECAP threshold rises and ECAP per recruited fiber falls, both
    monotone [S Pat-TF]. Finite-element cord, 72 fibers (8 ML positions)."""
    rows = _pe5(program, None, lambda cord: dc_fibers(cord, 8, 0))
    et = [r[1] for r in rows]
    per = [r[3] for r in rows]
    assert all(e is not None for e in et), rows
    assert np.all(np.diff(et) > 0), rows
    assert np.all(np.diff(per) < 0), rows


def test_pe4_analytic_variant(program) -> None:
    """P-E4, fast variant: two fibers (10 and 16 um) in a homogeneous medium."""
    from tests.ecap.test_growth import small_fibers

    target, rows = _pe4(program, "homogeneous", lambda cord: small_fibers(cord, ml_mm=(0.4,)))
    latencies = [r[3] for r in rows]
    assert np.all(np.diff(latencies) > 0), (target, rows)


def test_pe5_analytic_variant(program) -> None:
    """P-E5, fast variant: the same claim in a homogeneous medium (the lead sits on the dura,
    so dCSF moves it away from the fibers); the lowest threshold stands for ET (four fibers
    make no curve to fit); two fibers (10 and 16 um)."""
    from tests.ecap.test_growth import small_fibers

    rows = _pe5(program, "homogeneous", lambda cord: small_fibers(cord, ml_mm=(0.4,)))
    pt = [r[2] for r in rows]
    per = [r[3] for r in rows]
    assert np.all(np.diff(pt) > 0), rows
    assert np.all(np.diff(per) < 0), rows
