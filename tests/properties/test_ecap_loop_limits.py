"""The closed loop never leaves its limits, whatever the gain, limits, noise and schedule."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from neurostim.ecap import loop_limits, loop_setup, run_loop
from tests.ecap.loop_plant import plant_map, program, schedule

MAP = plant_map()
STEP_MA = 0.1  # data/loop.toml step limit (ECAP reference §4)


@settings(max_examples=30, deadline=None)
@given(
    gain_fraction=st.floats(0.02, 0.98),
    patient_max_ma=st.floats(6.5, 14.0),
    impedance_ohm=st.floats(200.0, 1800.0),
    noise_uv_rms=st.floats(0.5, 4.5),
    seed=st.integers(0, 2**31),
    controller=st.sampled_from(["per-pulse", "control-pulses"]),
    cough_mm=st.floats(-1.0, -0.5),
)
def test_current_stays_within_patient_and_compliance_limits(
    gain_fraction, patient_max_ma, impedance_ohm, noise_uv_rms, seed, controller, cough_mm
) -> None:
    p = program(patient_max_ma=round(patient_max_ma, 1), impedance_ohm=impedance_ohm)
    events = [{"kind": "cough", "start_s": 12.0, "dcsf_change_mm": cough_mm}]
    s = schedule([("sitting", 10.0), ("prone", 10.0), ("supine", 10.0)], events)
    lim = loop_limits(p)
    setup = loop_setup(p, s, MAP, noise_uv_rms=noise_uv_rms)
    gain = gain_fraction * 2.0 / setup.reference_local_gain
    setup = loop_setup(p, s, MAP, noise_uv_rms=noise_uv_rms, gain=gain)
    tr = run_loop(p, s, MAP, setup=setup, controller=controller, seed=seed)
    current = tr.amplitude_ma
    assert np.all(np.isfinite(current)) and np.all(np.isfinite(tr.ecap_uv))
    assert current.min() >= lim.min_ma
    assert current.max() <= min(lim.patient_max_ma, lim.compliance_max_ma)
    assert np.all(np.abs(np.diff(current)) <= STEP_MA + 1e-12)
