"""MRG conduction velocity against NEURON.

mrg_cv.csv (41 nodes, dt 5 us, interpolated crossings at nodes 10 and 30): within 3 %
(issue 5; this engine reproduces the values to < 0.01 %). fiber-models.md 10.2 (51 nodes,
dt 1 us, detector times at nodes 12 and 37): within 0.5 % (one detector step).
"""

from __future__ import annotations

import csv

import pytest

from neurostim.fibers import conduction_velocity, mrg_geometry
from neurostim.testing import assert_close


def _rows(validation_dir):
    with open(validation_dir / "mrg_cv.csv") as f:
        return list(csv.DictReader(f))


def test_cv_against_mrg_cv_csv(validation_dir) -> None:
    for row in _rows(validation_dir):
        d = float(row["diameter_um"])
        cv = conduction_velocity(mrg_geometry(d, int(row["n_nodes"])), dt_ms=0.005, tstop_ms=3.0)
        assert_close(cv, float(row["cv_m_per_s"]), rtol=0.03, what=f"CV MRG {d} um", unit="m/s")


@pytest.mark.parametrize(("d", "cv_ref"), [(5.7, 25.30), (10.0, 55.18), (16.0, 92.14)])
def test_cv_fine_step_protocol(d: float, cv_ref: float) -> None:
    g = mrg_geometry(d, 51)
    cv = conduction_velocity(g, dt_ms=0.001, tstop_ms=2.0, stim_node=1, interpolate=False)
    assert_close(cv, cv_ref, rtol=0.005, what=f"CV MRG {d} um at dt 1 us", unit="m/s")
