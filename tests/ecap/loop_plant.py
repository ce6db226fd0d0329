"""The synthetic plant of the loop tests: the ECAP reference §4 closed form with its example.

y = G_rec(d) * n,  n = fibers_per_ma * softplus_sigma(I - I_thr(d)); at the reference dCSF the
threshold is 4 mA and the slope 15 uV/mA, the hypothetical example of the ECAP reference §1.3
([S Pi21-bp]). I_thr rises with dCSF (exponent 1) and G_rec falls (exponent 2) [ours].
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurostim.device import Program, parse_program_text
from neurostim.ecap import ClosedFormPlant, EcapMap, build_map, parse_schedule

PLANT = ClosedFormPlant(
    threshold_ma=4.0,  # ECAP reference §1.3 example
    fibers_per_ma=10.0,
    uv_per_fiber=1.5,  # 10 x 1.5 = 15 uV/mA, the example's slope
    reference_dcsf_mm=5.125,
    threshold_exponent=1.0,
    recording_exponent=2.0,
    sigma_ma=0.2,
)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DCSF_GRID_MM = (3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.5)
AMPLITUDES_MA = np.round(np.arange(0.0, 20.0 + 1e-9, 0.25), 9)


def plant_map() -> EcapMap:
    return build_map(PLANT, DCSF_GRID_MM, AMPLITUDES_MA, threshold_uv=2.0)


def program(
    amplitude_ma: float = 6.3,
    patient_max_ma: float = 10.0,
    rate_hz: float = 50.0,
    impedance_ohm: float | None = None,
    extra: str = "",
    validate: bool = True,
) -> Program:
    z = "" if impedance_ohm is None else f'[impedance_ohm]\n"L1.E4" = {impedance_ohm}\n'
    return parse_program_text(
        f"""
name = "loop-test"
stimulator = "generic-rechargeable-16"
leads = ["percutaneous-8"]
[[trains]]
waveform = "tonic"
amplitude_ma = {amplitude_ma}
pulse_width_us = 300
rate_hz = {rate_hz}
contacts = {{ "L1.E4" = -100, "L1.E5" = 100 }}
{extra}
[patient]
amplitude_min_ma = 1.0
amplitude_max_ma = {patient_max_ma}
{z}""",
        validate=validate,
    )


def schedule_doc(segments: list[tuple[str, float]], events: list[dict] | None = None) -> dict:
    return {
        "name": "test",
        "level": "T10",
        "programming_posture": "sitting",
        "transition_s": 1.0,
        "postures": {
            "supine": {"dcsf_mm": 5.125},
            "sitting": {"dcsf_mm": 6.225},
            "prone": {"dcsf_mm": 7.325},
        },
        "segments": [{"posture": p, "duration_s": d} for p, d in segments],
        "events": events or [],
    }


def schedule(segments: list[tuple[str, float]], events: list[dict] | None = None):
    return parse_schedule(schedule_doc(segments, events))


def write_program(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
