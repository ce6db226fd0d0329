"""MRG extracellular thresholds against NEURON (tests/reference/data/mrg_thresholds.csv).

Issue 5: every threshold within 2 %, the median within 0.5 %. The fast set runs the
single-pulse rows at 1 mm of all three diameters plus 10 um cathodic 0.1 ms at 0.5 and 3 mm;
the whole table (trains included) is behind ``-m slow``. Train check (PROTOCOL.md section 9):
at 1.01x threshold the detection node counts exactly 2 APs in the 10-pulse 50 Hz train.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from neurostim.fibers import ProtocolCase, protocol_thresholds, simulate
from neurostim.testing import assert_close


def _cases(validation_dir, keep):
    with open(validation_dir / "mrg_thresholds.csv") as f:
        rows = [r for r in csv.DictReader(f) if keep(r)]
    cases = [
        ProtocolCase(
            model=r["model"],
            diameter_um=float(r["diameter_um"]),
            distance_mm=float(r["distance_mm"]),
            waveform="train" if int(r["n_pulses"]) > 1 else r["waveform"],
            pulse_width_ms=float(r["pulse_width_ms"]),
            n_pulses=int(r["n_pulses"]),
            rate_hz=float(r["rate_hz"]),
            n_nodes=int(r["n_nodes"]),
            dt_ms=float(r["dt_ms"]),
            tstop_ms=float(r["tstop_ms"]),
            temperature_c=float(r["temperature_c"]),
        )
        for r in rows
    ]
    return cases, np.array([float(r["threshold_ma"]) for r in rows])


def _check(cases, ref) -> None:
    res = protocol_thresholds(cases, tolerance_rel=1e-3)
    assert (res.status == "ok").all(), f"statuses: {sorted(set(res.status))}"
    assert_close(res.threshold_ma, ref, rtol=0.02, what="MRG thresholds vs NEURON", unit="mA")
    median = float(np.median(np.abs(res.threshold_ma / ref - 1)))
    assert median < 0.005, f"median relative error {median:.3%} exceeds 0.5 %"


def test_thresholds_fast_subset(validation_dir) -> None:
    def keep(r):
        if r["n_pulses"] != "1":
            return False
        far = r["diameter_um"] == "10.0" and r["distance_mm"] in ("0.5", "3.0")
        far = far and r["waveform"] == "monophasic-cathodic" and r["pulse_width_ms"] == "0.1"
        return r["distance_mm"] == "1.0" or far

    cases, ref = _cases(validation_dir, keep)
    assert len(cases) >= 30
    _check(cases, ref)


@pytest.mark.slow
def test_thresholds_full_table(validation_dir) -> None:
    cases, ref = _cases(validation_dir, lambda r: True)
    assert len(cases) == 128
    _check(cases, ref)


def _train_ap_count(case: ProtocolCase, threshold_ma: float) -> int:
    g = case.geometry()
    _, dt, tstop = case.resolved()
    res = simulate(g, case.phi_mv_per_ma(g), np.array([1.01 * threshold_ma]),
                   case.unit_waveform(), dt_ms=dt, tstop_ms=tstop)  # fmt: skip
    return int(res.ap_count[0, g.detection_node])


def _train_cases(validation_dir, diameters):
    cases, _ = _cases(
        validation_dir, lambda r: r["n_pulses"] == "10" and float(r["diameter_um"]) in diameters
    )
    single = [
        ProtocolCase(c.model, c.diameter_um, c.distance_mm, "biphasic-cathodic-first", 0.2)
        for c in cases
    ]
    return cases, single


def test_train_two_aps_at_101_percent(validation_dir) -> None:
    trains, singles = _train_cases(validation_dir, (16.0,))
    trains, singles = trains[:1], singles[:1]
    thr = protocol_thresholds(singles).threshold_ma
    # PROTOCOL.md section 9: the train threshold equals the single-pulse one within 0.1 %
    assert _train_ap_count(trains[0], thr[0]) == 2


@pytest.mark.slow
def test_train_two_aps_all(validation_dir) -> None:
    trains, singles = _train_cases(validation_dir, (5.7, 10.0, 16.0))
    thr = protocol_thresholds(singles).threshold_ma
    for c, t in zip(trains, thr, strict=True):
        assert _train_ap_count(c, t) == 2, f"train {c.diameter_um} um {c.distance_mm} mm"
