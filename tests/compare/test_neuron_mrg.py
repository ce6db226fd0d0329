"""The NEURON implementation of the protocol against the shared reference data.

Needs NEURON (the ``compare`` extra): run with ``pytest -m neuron tests/compare``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from neurostim.testing import assert_close

neuron = pytest.importorskip("neuron")
pytestmark = pytest.mark.neuron

from neurostim.compare import (  # noqa: E402
    neuron_cv,
    neuron_response,
    neuron_resting_potential_mv,
    neuron_threshold,
)

# a representative handful: each diameter, each distance, each waveform, short and long pulses
SUBSET = [
    (5.7, 0.5, "monophasic-cathodic", 0.03),
    (5.7, 3.0, "monophasic-cathodic", 1.0),
    (10.0, 1.0, "biphasic-cathodic-first", 0.1),
    (10.0, 1.0, "monophasic-anodic", 0.1),
    (16.0, 0.5, "biphasic-cathodic-first", 0.5),
    (16.0, 2.0, "monophasic-cathodic", 0.2),
]


def _rows(validation_dir: Path, name: str) -> list[dict[str, str]]:
    with open(validation_dir / name, newline="") as fh:
        return list(csv.DictReader(fh))


def _find(rows: list[dict[str, str]], d: float, dist: float, wf: str, pw: float) -> dict:
    for r in rows:
        if (
            float(r["diameter_um"]) == d
            and float(r["distance_mm"]) == dist
            and r["waveform"] == wf
            and float(r["pulse_width_ms"]) == pw
            and int(r["n_pulses"]) == 1
        ):
            return r
    raise AssertionError(f"row {d, dist, wf, pw} not in mrg_thresholds.csv")


@pytest.mark.parametrize(("d", "dist", "wf", "pw"), SUBSET)
def test_threshold_matches_reference(validation_dir: Path, d, dist, wf, pw) -> None:
    row = _find(_rows(validation_dir, "mrg_thresholds.csv"), d, dist, wf, pw)
    res = neuron_threshold(
        d,
        dist,
        wf,
        pw,
        n_nodes=int(row["n_nodes"]),
        dt_ms=float(row["dt_ms"]),
        tstop_ms=float(row["tstop_ms"]),
        tolerance_rel=float(row["tolerance_rel"]),
    )
    assert res["status"] == "ok", res
    # thresholds within 0.2 % of NEURON + PyFibers (issue: 1 %): both bisect to 0.1 % and
    # report a midpoint (±0.05 % each); the full table agrees within 0.08 % (docs/compare.md)
    assert_close(
        res["threshold_ma"],
        float(row["threshold_ma"]),
        rtol=0.002,
        what=f"MRG {d} um at {dist} mm, {wf} {pw} ms",
        unit="mA",
    )


def test_conduction_velocity(validation_dir: Path) -> None:
    for row in _rows(validation_dir, "mrg_cv.csv"):
        cv = neuron_cv(float(row["diameter_um"]), n_nodes=int(row["n_nodes"]))
        # CV within 1 % of the reference protocol (same scheme, same dt)
        assert_close(
            cv, float(row["cv_m_per_s"]), rtol=0.01, what=f"CV {row['diameter_um']} um", unit="m/s"
        )


def test_resting_potential_10um() -> None:
    # fiber-models.md §10.1, N = 51, middle period: node, MYSA, FLUT, STIN 1st, STIN 3rd
    v = neuron_resting_potential_mv(10.0, n_nodes=51)
    assert v.shape == (11 * 50 + 1,)
    period = v[25 * 11 : 25 * 11 + 11]
    desired = [-79.95941, -79.96329, -79.97419, -79.99313, -79.99762]
    assert_close(
        period[[0, 1, 2, 3, 5]], desired, atol=1e-3, what="MRG 10 um rest (51 nodes)", unit="mV"
    )
    # the passive end nodes rest at about -79.9994 mV (PROTOCOL.md §1)
    assert_close(v[[0, -1]], -79.9994, atol=1e-3, what="passive end nodes", unit="mV")
    assert np.all(v < -79.9) and np.all(v > -80.0)


@pytest.mark.slow
def test_threshold_at_fine_dt_matches_fiber_models_10_3() -> None:
    # fiber-models.md §10.3: 51 nodes, 1 mm, w = 1 for steps 0-99 at dt 1 us, tstop 5 ms;
    # the 0.01 % search gives -0.120366 mA for 10 um. Ours at 0.1 %: within 0.1 %.
    res = neuron_threshold(
        10.0,
        1.0,
        "monophasic-cathodic",
        0.1,
        n_nodes=51,
        dt_ms=0.001,
        tstop_ms=5.0,
        tolerance_rel=1e-3,
        pulse_start_ms=0.0,
    )
    assert res["status"] == "ok", res
    assert_close(res["threshold_ma"], -0.120366, rtol=1e-3, what="MRG 10 um, dt 1 us", unit="mA")


def test_train_at_1_01x_threshold_gives_exactly_two_aps(validation_dir: Path) -> None:
    # PROTOCOL.md §9: at 1.01x the train threshold the detection node counts exactly 2 APs
    # (pulse 1 and one later pulse; 16 um at 0.5 mm: the second at about 121 ms, pulse 7)
    rows = _rows(validation_dir, "mrg_thresholds.csv")
    row = next(
        r
        for r in rows
        if float(r["diameter_um"]) == 16.0
        and float(r["distance_mm"]) == 0.5
        and int(r["n_pulses"]) == 10
    )
    res = neuron_response(
        16.0,
        0.5,
        "biphasic-cathodic-first",
        0.2,
        1.01 * float(row["threshold_ma"]),
        n_pulses=10,
        rate_hz=50.0,
        tstop_ms=float(row["tstop_ms"]),
    )
    assert res["ap_counts"][res["detect_node"]] == 2
