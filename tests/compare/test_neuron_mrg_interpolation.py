"""neurostim's interpolated MRG against the same model built in NEURON, run in the test.

The NEURON fiber (``neurostim.compare.neuron_mrg``, ``model="mrg-interpolation"``) evaluates
the ASCENT fits with its own code and builds NEURON sections with ``extracellular``; the engine
builds a ``CableGeometry``. Same protocol (PROTOCOL.md: point source over the centre node in
0.2 S/m, 41 nodes, dt 5 µs). Diameters off the published table (2.0, 3.5, 12.4 µm) and on it
(7.3 µm, where the fit replaces Table 1). Needs NEURON: ``pytest -m neuron tests/compare``.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.fibers import (
    ProtocolCase,
    conduction_velocity,
    mrg_interpolation_geometry,
    protocol_thresholds,
    simulate,
)
from neurostim.testing import assert_close

neuron = pytest.importorskip("neuron")
pytestmark = pytest.mark.neuron

from neurostim.compare.neuron_mrg import (  # noqa: E402
    neuron_cv,
    neuron_response,
    neuron_resting_potential_mv,
    neuron_threshold,
)

MODEL = "mrg-interpolation"
DIAMETERS_UM = (2.0, 3.5, 7.3, 12.4)


@pytest.mark.parametrize("d", DIAMETERS_UM)
def test_threshold_matches_neuron(d: float) -> None:
    ref = neuron_threshold(d, 1.0, "monophasic-cathodic", 0.1, tolerance_rel=1e-4, model=MODEL)
    mine = protocol_thresholds(
        [ProtocolCase(MODEL, d, 1.0, "monophasic-cathodic", 0.1)], tolerance_rel=1e-4
    )
    assert ref["status"] == "ok" and mine.status[0] == "ok"
    # thresholds within 0.1 % of NEURON: both bisect to 0.01 %, the rest is the model
    assert_close(mine.threshold_ma[0], ref["threshold_ma"], rtol=1e-3,
                 what=f"{MODEL} {d} um threshold vs NEURON", unit="mA")  # fmt: skip


@pytest.mark.parametrize("d", DIAMETERS_UM)
def test_node_traces_match_neuron(d: float) -> None:
    # a propagating AP (1.3x a threshold estimate) and, separately, a sub-threshold response
    case = ProtocolCase(MODEL, d, 1.0, "monophasic-cathodic", 0.1)
    g = case.geometry()
    phi, w = case.phi_mv_per_ma(g), case.unit_waveform()
    thr = protocol_thresholds([case], tolerance_rel=1e-2).threshold_ma[0]
    for amp in (1.3 * thr, 0.7 * thr):
        ref = neuron_response(d, 1.0, "monophasic-cathodic", 0.1, amp, model=MODEL,
                              record_nodes=True)  # fmt: skip
        mine = simulate(g, phi, np.array([amp]), w, dt_ms=0.005, n_steps=w.size,
                        record_sections=g.node_sections)  # fmt: skip
        assert mine.v_trace_mv is not None
        # membrane potential at every node after every step within 0.5 mV of NEURON
        assert_close(mine.v_trace_mv[0], ref["v_nodes_mv"], atol=0.5,
                     what=f"{MODEL} {d} um node traces at {amp:.4g} mA", unit="mV")  # fmt: skip
        assert np.array_equal(mine.ap_count[0], ref["ap_counts"])


@pytest.mark.parametrize("d", (2.0, 12.4))
def test_resting_potential_matches_neuron(d: float) -> None:
    ref = neuron_resting_potential_mv(d, n_nodes=41, model=MODEL)
    from neurostim.fibers import resting_state

    v, _, _ = resting_state(mrg_interpolation_geometry(d, 41))
    assert_close(v, ref, atol=1e-4, what=f"{MODEL} {d} um rest, every section", unit="mV")


@pytest.mark.parametrize("d", (2.0, 5.0, 12.4))
def test_conduction_velocity_matches_neuron(d: float) -> None:
    ref = neuron_cv(d, n_nodes=41, dt_ms=0.005, model=MODEL)
    mine = conduction_velocity(mrg_interpolation_geometry(d, 41))
    # same scheme, same dt, interpolated crossings: within 0.1 %
    assert_close(mine, ref, rtol=1e-3, what=f"{MODEL} {d} um CV vs NEURON", unit="m/s")
