"""The C neuron's slow mechanisms (KCNQ, CaL, SK, Na/K pump) against NEURON.

NEURON runs the same cell with mechanisms written from the published equations
(``compare/mod/nssundtkcnq.mod``, ``nssundtcal.mod``, ``nssundtsk.mod``, ``nssundtpump.mod``;
``neuron_drg.build_c_neuron(mechanisms=...)``). Targets: traces within 0.5 mV, thresholds within
0.1 %. Each trace comparison also checks that the mechanism added by the set changes NEURON's
own trace (the comparison exercises it).

Needs NEURON: ``pytest -m neuron tests/compare``; the threshold tests are also marked slow.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.fibers import find_thresholds, simulate
from neurostim.fibers.cases import point_source_phi_mv_per_ma, pulse_waveform
from neurostim.fibers.cells import c_neuron_geometry
from neurostim.testing import assert_close

neuron = pytest.importorskip("neuron")
pytestmark = pytest.mark.neuron

from neurostim.compare._protocol import bracket_and_bisect  # noqa: E402
from neurostim.compare.neuron_drg import (  # noqa: E402
    build_c_neuron,
    neuron_c_neuron_response,
)

AXON_UM = 1000.0
PREVIOUS = {"m": "na-k", "m-ca-sk": "m", "m-ca-sk-pump": "m-ca-sk"}


@pytest.mark.parametrize("mechanisms", ["m", "m-ca-sk", "m-ca-sk-pump"])
def test_soma_driven_train_matches_neuron(mechanisms: str) -> None:
    # three 1 nA, 1 ms pulses at 100 Hz into the soma: the soma fires (Ca entry, SK), the APs
    # run down the stem through the T (Na entry where the pump is) to both ends
    g = c_neuron_geometry(axon_length_um=AXON_UM, mechanisms=mechanisms)
    ns = g.named_sections
    rec = np.array([ns["soma"], ns["stem_end"], ns["t_junction"], ns["central_end"],
                    ns["peripheral_end"] - 50])  # fmt: skip
    dt, tstop, amp, dur, period, pulses = 0.005, 40.0, 1.0, 1.0, 10.0, 3
    kw = {"dt_ms": dt, "tstop_ms": tstop, "axon_length_um": AXON_UM, "pulses": pulses,
          "period_ms": period, "duration_ms": dur}  # fmt: skip
    ref = neuron_c_neuron_response(ns["soma"], amp, rec, mechanisms=mechanisms, **kw)
    simpler = neuron_c_neuron_response(ns["soma"], amp, rec, mechanisms=PREVIOUS[mechanisms], **kw)
    n = round(tstop / dt)
    t_mid = (np.arange(n) + 0.5) * dt  # IClamp on at the step midpoint (fiber-models.md 7)
    on = np.zeros(n, bool)
    for k in range(pulses):
        on |= (t_mid > 0.1 + k * period) & (t_mid < 0.1 + dur + k * period)
    res = simulate(g, np.zeros(g.n_sections), np.zeros(1), np.zeros(n), dt_ms=dt, n_steps=n,
                   intracellular_section=ns["soma"], intracellular_na=np.where(on, amp, 0.0),
                   record_sections=rec)  # fmt: skip
    assert res.ap_count[0, g.node_index("soma")] == pulses
    assert res.ap_count[0, g.node_index("central_end")] == pulses
    assert np.abs(ref["v_mv"] - simpler["v_mv"]).max() > 0.01  # the added mechanism acts
    what = f"C neuron ({mechanisms}) V vs NEURON"
    assert_close(res.v_trace_mv[0], ref["v_mv"], atol=0.5, what=what, unit="mV")
    # the same backward-Euler steps: far closer than the target in practice
    assert_close(res.v_trace_mv[0], ref["v_mv"], atol=1e-5, what=what, unit="mV")


@pytest.mark.slow
@pytest.mark.parametrize("mechanisms", ["m", "m-ca-sk", "m-ca-sk-pump"])
def test_point_source_threshold_matches_neuron(mechanisms: str) -> None:
    # a point source 50 um from the central T section, 0.1 ms cathodic; APs counted at the
    # central end; both searches to 0.01 %
    g = c_neuron_geometry(axon_length_um=AXON_UM, mechanisms=mechanisms)
    t = g.named_sections["t_junction"]
    d_mm = np.abs(g.arc_um - g.arc_um[t]) * 1e-3
    pts = np.zeros((g.n_sections, 3))
    kind = np.array(g.kind)
    stem = np.isin(kind, ["soma", "stem"])
    per = np.isin(kind, ["t_peripheral", "peripheral"])
    cen = np.isin(kind, ["t_central", "central"])
    pts[stem, 1], pts[per, 2], pts[cen, 2] = -d_mm[stem], -d_mm[per], d_mm[cen]
    phi = point_source_phi_mv_per_ma(pts, np.array([0.05, 0.0, 0.05]))
    dt, tstop = 0.005, 10.0
    w = pulse_waveform("monophasic-cathodic", 0.1, dt, round(tstop / dt))
    ours = find_thresholds(g, phi, w, np.array([-0.1]), dt_ms=dt, tstop_ms=tstop,
                           tolerance_rel=1e-4, pulse_width_ms=0.1)  # fmt: skip
    assert ours.status[0] == "ok"
    fiber, order, _ = build_c_neuron(axon_length_um=AXON_UM, mechanisms=mechanisms)
    detect = int(np.flatnonzero(order == g.named_sections["central_end"])[0])

    def supra(mag: float) -> bool:
        first = fiber.run(phi[order], -mag, w, dt, detect_node=detect)
        return bool(np.isfinite(first[detect]))

    lo, hi, _, status = bracket_and_bisect(supra, abs(ours.threshold_ma[0]), 1e-4)
    assert status == "ok"
    assert_close(ours.threshold_ma[0], -0.5 * (lo + hi), rtol=1e-3,
                 what=f"C neuron ({mechanisms}) threshold vs NEURON", unit="mA")  # fmt: skip
