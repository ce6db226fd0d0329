"""Resting state of MRG after the protocol's initialisation, against NEURON (fiber-models.md 10.1).

Tolerance: 2e-5 mV (the reference is given to 1e-5 mV); gates of the 10 um middle node within
2e-6 absolute (given to 1e-6).
"""

from __future__ import annotations

import pytest

from neurostim.fibers import mrg_geometry, resting_state
from neurostim.testing import assert_close

# node, MYSA, FLUT, STIN (1st), STIN (3rd) of the middle period, N = 51
REST_MV = {
    5.7: (-79.94796, -79.95267, -79.96454, -79.98098, -79.99218),
    7.3: (-79.95364, -79.95796, -79.96904, -79.98764, -79.99596),
    8.7: (-79.95860, -79.96256, -79.97260, -79.99157, -79.99720),
    10.0: (-79.95941, -79.96329, -79.97419, -79.99313, -79.99762),
    11.5: (-79.96097, -79.96482, -79.97600, -79.99419, -79.99794),
    12.8: (-79.96133, -79.96513, -79.97687, -79.99484, -79.99808),
    14.0: (-79.96131, -79.96513, -79.97722, -79.99516, -79.99820),
    15.0: (-79.96229, -79.96611, -79.97825, -79.99559, -79.99836),
    16.0: (-79.96202, -79.96588, -79.97843, -79.99584, -79.99845),
}


@pytest.mark.parametrize("d", list(REST_MV))
def test_rest_potentials(d: float) -> None:
    g = mrg_geometry(d, 51)
    v, _, _ = resting_state(g)
    mid = int(g.node_sections[25])
    got = v[[mid, mid + 1, mid + 2, mid + 3, mid + 5]]
    assert_close(got, REST_MV[d], atol=2e-5, what=f"rest potential MRG {d} um", unit="mV")


def test_rest_gates_10um() -> None:
    g = mrg_geometry(10.0, 51)
    _, u, gates = resting_state(g)
    # m, h, p, s of the middle node (active node 24 = node 25)
    assert_close(gates[24], [0.073481, 0.619371, 0.203264, 0.043364], atol=2e-6, what="rest gates")
    # PROTOCOL.md section 1: periaxonal potentials 0 to 0.04 mV
    assert u.min() >= 0.0 and u.max() < 0.04
