"""The interpolated MRG (``mrg-interpolation``) against its shipped NEURON reference tables.

``data/mrg_interpolation_thresholds.csv`` and ``data/mrg_interpolation_cv.csv`` were written by
``scripts/mrg_interpolation_reference.py`` with NEURON 9.0.2 running the same protocol
(``neurostim.compare.neuron_mrg``, its own evaluation of the ASCENT fits). No NEURON needed here.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from neurostim.fibers import ProtocolCase, model_conduction_velocity, protocol_thresholds
from neurostim.testing import assert_close

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, newline="") as fh:
        return list(csv.DictReader(fh))


def _case(r: dict[str, str]) -> ProtocolCase:
    return ProtocolCase(
        r["model"], float(r["diameter_um"]), float(r["distance_mm"]), r["waveform"],
        float(r["pulse_width_ms"]), n_nodes=int(r["n_nodes"]), dt_ms=float(r["dt_ms"]),
        tstop_ms=float(r["tstop_ms"]),
    )  # fmt: skip


def test_table_covers_diameters_off_and_on_table_1() -> None:
    rows = _rows("mrg_interpolation_thresholds.csv")
    assert {float(r["diameter_um"]) for r in rows} >= {2.0, 3.5, 5.7, 7.3, 12.4, 16.0}
    assert all(r["status"] == "ok" and r["model"] == "mrg-interpolation" for r in rows)


def test_thresholds_match_neuron_table() -> None:
    rows = _rows("mrg_interpolation_thresholds.csv")
    ref = np.array([float(r["threshold_ma"]) for r in rows])
    tol = min(float(r["tolerance_rel"]) for r in rows)
    mine = protocol_thresholds([_case(r) for r in rows], tolerance_rel=tol)
    assert list(mine.status) == ["ok"] * len(rows)
    # thresholds within 0.1 % of NEURON (both bisected to 0.01 %)
    for r, a, b in zip(rows, mine.threshold_ma, ref, strict=True):
        what = f"{r['diameter_um']} um {r['distance_mm']} mm {r['waveform']}"
        assert_close(a, b, rtol=1e-3, unit="mA", what=what)


def test_conduction_velocity_matches_neuron_table() -> None:
    for r in _rows("mrg_interpolation_cv.csv"):
        cv = model_conduction_velocity(
            r["model"], float(r["diameter_um"]), n_nodes=int(r["n_nodes"]), dt_ms=float(r["dt_ms"])
        )
        # same protocol and scheme as NEURON (interpolated -30 mV crossings): within 0.1 %
        assert_close(cv, float(r["cv_m_per_s"]), rtol=1e-3, unit="m/s",
                     what=f"CV {r['diameter_um']} um")  # fmt: skip


def test_velocity_per_diameter_of_small_fibers() -> None:
    # CV/D of the interpolated model (NEURON table), against the fastest human fibers'
    # 4.55 (sural) - 4.67 (radial) m/s per um (histometry and electrophysiology of 6 radial and
    # 12 sural normal human nerves, as the PNS specification section 1.3 cites it): the
    # small fibers (2-5.7 um) run at 4.0-4.3 m/s per um, within 15 % below that range; the
    # large ones (10-16 um) above it, at 5.0-5.3 m/s per um.
    rows = _rows("mrg_interpolation_cv.csv")
    per_um = {float(r["diameter_um"]): float(r["cv_m_per_s"]) / float(r["diameter_um"])
              for r in rows}  # fmt: skip
    small = [v for d, v in per_um.items() if d <= 5.7]
    large = [v for d, v in per_um.items() if d >= 10.0]
    assert min(small) > 0.85 * 4.55 and max(small) < 4.55
    assert min(large) > 4.67
