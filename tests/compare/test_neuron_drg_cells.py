"""The DRG neurons of ``neurostim.drg.neuron_geometry`` against NEURON built from the same data.

NEURON builds each cell from the builder's NEURON section properties (``build_drg_neuron``:
diam, L, Ra, cm, leak, extracellular layer, per-section channel densities as ``nsmrgnode``
parameters) and does its own discretisation, junction and kinetics; the tree solver must give
its answer. Targets (issue 17, drg.md §6.5): traces within 0.5 mV, thresholds within 0.1 %.
Both solve the same backward-Euler system, so traces agree far closer in practice (1e-5 mV
is asserted as well, as for the C neuron in test_neuron_drg.py).

Needs NEURON: ``pytest -m neuron tests/compare``; the threshold test is also marked slow.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.drg import neuron_geometry, section_points_mm
from neurostim.fibers import find_thresholds, simulate
from neurostim.fibers.cases import point_source_phi_mv_per_ma, pulse_waveform
from neurostim.fibers.geometry import CableGeometry
from neurostim.testing import assert_close

neuron = pytest.importorskip("neuron")
pytestmark = pytest.mark.neuron

from neurostim.compare._protocol import bracket_and_bisect  # noqa: E402
from neurostim.compare.neuron_drg import build_drg_neuron, neuron_drg_response  # noqa: E402

CELLS = {"abeta": (12.8, 12.8, 10.0), "adelta": (3.0, 3.0, 2.0)}


def _cell(kind: str, **kw: float) -> CableGeometry:
    p, s, c = CELLS[kind]
    return neuron_geometry(kind, peripheral_um=p, stem_um=s, central_um=c, **kw)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_orthodromic_ap_traces_match_neuron(kind: str) -> None:
    # 2 nA for 0.1 ms at the third node from the peripheral end; the AP crosses the T junction,
    # reaches the central end and (at its GRc densities) invades the soma
    g = _cell(kind)
    ns = g.named_sections
    rec = np.array([ns["soma"], ns["stem_end"], ns["t_junction"], ns["t_junction"] - 1,
                    ns["central_end"], ns["peripheral_end"]])  # fmt: skip
    stim = int(g.node_sections[g.node_index("peripheral_end") - 2])
    dt, tstop = 0.005, 8.0
    ref = neuron_drg_response(g, stim, 2.0, rec, dt_ms=dt, tstop_ms=tstop)
    n = round(tstop / dt)
    t_mid = (np.arange(n) + 0.5) * dt  # IClamp on at the step midpoint (fiber-models.md 7)
    istim = np.where((t_mid > 0.1) & (t_mid < 0.2), 2.0, 0.0)
    res = simulate(g, np.zeros(g.n_sections), np.zeros(1), np.zeros(n), dt_ms=dt, n_steps=n,
                   intracellular_section=stim, intracellular_na=istim,
                   record_sections=rec)  # fmt: skip
    assert np.isfinite(ref["first_ap_ms"][ns["central_end"]])
    assert_close(res.v_trace_mv[0], ref["v_mv"], atol=0.5, what=f"{kind} V vs NEURON", unit="mV")
    assert_close(res.v_trace_mv[0], ref["v_mv"], atol=1e-5, what=f"{kind} V vs NEURON",
                 unit="mV")  # fmt: skip
    ours = res.first_ap_time_ms[0]
    theirs = ref["first_ap_ms"][g.node_sections]
    keep = g.node_sections != ns["t_junction"]  # NEURON has no detector on its zero-area node
    np.testing.assert_allclose(ours[keep], theirs[keep], rtol=0, atol=0.5 * dt)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(CELLS))
def test_point_source_over_the_soma_threshold_matches_neuron(kind: str) -> None:
    # the stem along +y from the soma to the T at the origin, the root along x; a point source
    # 0.2 mm above the soma centre (z); 0.1 ms cathodic; APs counted at the central end.
    # Both searches to 0.01 %; target 0.1 %.
    g = _cell(kind, branch_length_mm=5.0)
    pts = section_points_mm(g, t_junction_mm=np.zeros(3), stem_direction=np.array([0, 1.0, 0]),
                            root_axis=np.array([1.0, 0, 0]))  # fmt: skip
    phi = point_source_phi_mv_per_ma(pts, pts[g.named_sections["soma"]] + [0.0, 0.0, 0.2])
    dt, tstop = 0.005, 5.0
    w = pulse_waveform("monophasic-cathodic", 0.1, dt, round(tstop / dt))
    ours = find_thresholds(g, phi, w, np.array([-1.0]), dt_ms=dt, tstop_ms=tstop,
                           tolerance_rel=1e-4, pulse_width_ms=0.1)  # fmt: skip
    assert ours.status[0] == "ok"
    fiber, order, _ = build_drg_neuron(g)
    detect = int(np.flatnonzero(order[fiber.node_sections] == g.named_sections["central_end"])[0])

    def supra(mag: float) -> bool:
        first = fiber.run(phi[order], -mag, w, dt, detect_node=detect)
        return bool(np.isfinite(first[detect]))

    lo, hi, _, status = bracket_and_bisect(supra, abs(ours.threshold_ma[0]), 1e-4)
    assert status == "ok"
    assert_close(ours.threshold_ma[0], -0.5 * (lo + hi), rtol=1e-3,
                 what=f"{kind} threshold vs NEURON", unit="mA")  # fmt: skip
