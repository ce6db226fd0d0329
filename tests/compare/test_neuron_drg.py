"""The tree solver against NEURON: the pseudounipolar C neuron (Sundt kinetics) and an MRG T
junction (MRG kinetics, myelinated runs on all three sides of the T node).

NEURON builds each cell with its own matrix (the C neuron's T sections hang from the stem's 1
end, a zero-area node; the MRG branches from the T node's centre), so the comparison checks the
branched elimination, the junction and the link conductances. Targets: traces within 0.5 mV,
thresholds within 0.1 %.

Needs NEURON: ``pytest -m neuron tests/compare``; the threshold test is also marked slow.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.fibers import find_thresholds, simulate
from neurostim.fibers.cases import point_source_phi_mv_per_ma, pulse_waveform
from neurostim.fibers.cells import c_neuron_geometry, mrg_t_junction_geometry
from neurostim.fibers.geometry import CableGeometry
from neurostim.testing import assert_close

neuron = pytest.importorskip("neuron")
pytestmark = pytest.mark.neuron

from neurostim.compare._protocol import bracket_and_bisect  # noqa: E402
from neurostim.compare.neuron_drg import (  # noqa: E402
    build_c_neuron,
    build_mrg_t_junction,
    neuron_c_neuron_response,
)


def test_traces_of_an_orthodromic_ap_match_neuron() -> None:
    # the SU15 geometry with 5 mm axons; 0.5 nA for 0.1 ms next to the peripheral end; the AP
    # crosses the T junction, invades the soma and reaches the central end
    g = c_neuron_geometry()
    ns = g.named_sections
    rec = np.array([ns["soma"], ns["stem_end"], ns["t_junction"], ns["central_end"],
                    ns["peripheral_end"] - 50])  # fmt: skip
    stim = ns["peripheral_end"] - 1
    dt, tstop = 0.005, 30.0
    ref = neuron_c_neuron_response(stim, 0.5, rec, dt_ms=dt, tstop_ms=tstop)
    n = round(tstop / dt)
    t_mid = (np.arange(n) + 0.5) * dt  # IClamp on at the step midpoint (fiber-models.md 7)
    istim = np.where((t_mid > 0.1) & (t_mid < 0.2), 0.5, 0.0)
    res = simulate(g, np.zeros(g.n_sections), np.zeros(1), np.zeros(n), dt_ms=dt, n_steps=n,
                   intracellular_section=stim, intracellular_na=istim,
                   record_sections=rec)  # fmt: skip
    assert np.isfinite(ref["first_ap_ms"][ns["central_end"]])
    assert_close(res.v_trace_mv[0], ref["v_mv"], atol=0.5, what="C neuron V vs NEURON", unit="mV")
    # both solve the same backward-Euler system: far closer than the target in practice
    assert_close(res.v_trace_mv[0], ref["v_mv"], atol=1e-5, what="C neuron V vs NEURON",
                 unit="mV")  # fmt: skip
    for name in ("soma", "central_end", "peripheral_end"):
        assert res.first_ap_time_ms[0, g.node_index(name)] == pytest.approx(
            ref["first_ap_ms"][ns[name]], abs=0.5 * dt
        )


def _layout_mm(g: CableGeometry) -> np.ndarray:
    """Section centres (n_sections, 3) in mm: the stem along -y from the T junction at the
    origin to the soma, the peripheral branch along -z, the central branch along +z."""
    t = g.named_sections["t_junction"]
    d_mm = np.abs(g.arc_um - g.arc_um[t]) * 1e-3
    pts = np.zeros((g.n_sections, 3))
    side = np.array([k for k in g.kind])
    if g.model == "mrg":  # the MRG T junction: stem, then the peripheral, then the central branch
        n_stem = t + 1
        n_branch = (g.n_sections - n_stem) // 2
        side = np.array(["stem"] * n_stem + ["peripheral"] * n_branch + ["central"] * n_branch)
    stem = np.isin(side, ["soma", "stem"])
    pts[stem, 1] = -d_mm[stem]
    per = np.isin(side, ["t_peripheral", "peripheral"])
    pts[per, 2] = -d_mm[per]
    cen = np.isin(side, ["t_central", "central"])
    pts[cen, 2] = d_mm[cen]
    return pts


@pytest.mark.slow
def test_point_source_threshold_matches_neuron() -> None:
    # 1 mm axons; a point source 0.1 mm from the peripheral axon, 0.6 mm from the T junction;
    # 0.1 ms cathodic pulse; APs counted at the central end. Both searches to 0.01 %.
    g = c_neuron_geometry(axon_length_um=1000.0)
    phi = point_source_phi_mv_per_ma(_layout_mm(g), np.array([0.1, 0.0, -0.6]))
    dt, tstop = 0.005, 10.0
    w = pulse_waveform("monophasic-cathodic", 0.1, dt, round(tstop / dt))
    ours = find_thresholds(g, phi, w, np.array([-1.0]), dt_ms=dt, tstop_ms=tstop,
                           tolerance_rel=1e-4, pulse_width_ms=0.1)  # fmt: skip
    assert ours.status[0] == "ok"
    fiber, order, _ = build_c_neuron(axon_length_um=1000.0)
    detect = int(np.flatnonzero(order == g.named_sections["central_end"])[0])

    def supra(mag: float) -> bool:
        first = fiber.run(phi[order], -mag, w, dt, detect_node=detect)
        return bool(np.isfinite(first[detect]))

    lo, hi, _, status = bracket_and_bisect(supra, abs(ours.threshold_ma[0]), 1e-4)
    assert status == "ok"
    assert_close(ours.threshold_ma[0], -0.5 * (lo + hi), rtol=1e-3,
                 what="C neuron threshold vs NEURON", unit="mA")  # fmt: skip


# --- MRG kinetics: a T junction with myelinated runs on all three sides ------------------------


def test_mrg_t_junction_traces_match_neuron() -> None:
    # 2 nA for 0.1 ms at a peripheral node; the AP crosses the T node into the central branch
    # (10 um) and the stem; traces at the T node, its MYSAs, a stem node and both branch ends
    g = mrg_t_junction_geometry()
    ns = g.named_sections
    fiber = build_mrg_t_junction()
    h = fiber.h
    stim = int(g.node_sections[g.node_index("peripheral_end") - 2])
    t = ns["t_junction"]
    rec = np.array([t, t - 1, t + 1, int(g.node_sections[2]), ns["peripheral_end"],
                    ns["central_end"]])  # fmt: skip
    dt, n = 0.005, 600
    clamp = h.IClamp(fiber.segments[stim])
    clamp.delay, clamp.dur, clamp.amp = 0.1, 0.1, 2.0
    fiber.initialise(dt)
    ref = np.empty((rec.size, n))
    for k in range(n):
        h.fadvance()
        ref[:, k] = [fiber.segments[s].v for s in rec]
    t_mid = (np.arange(n) + 0.5) * dt
    istim = np.where((t_mid > 0.1) & (t_mid < 0.2), 2.0, 0.0)
    res = simulate(g, np.zeros(g.n_sections), np.zeros(1), np.zeros(n), dt_ms=dt, n_steps=n,
                   intracellular_section=stim, intracellular_na=istim,
                   record_sections=rec)  # fmt: skip
    assert res.detected[0] and np.ptp(ref[0]) > 80.0  # the AP passed the T node
    assert_close(res.v_trace_mv[0], ref, atol=1e-5, what="MRG T junction V vs NEURON", unit="mV")
    # the same steps: AP times equal (NEURON's t carries rounding from its additions)
    np.testing.assert_allclose(res.first_ap_time_ms[0], fiber.first_ap_ms(), rtol=0, atol=1e-9)


@pytest.mark.slow
def test_mrg_t_junction_point_source_threshold_matches_neuron() -> None:
    # point source 1 mm from the central branch, 2 mm from the T node; 0.1 ms cathodic
    g = mrg_t_junction_geometry()
    phi = point_source_phi_mv_per_ma(_layout_mm(g), np.array([1.0, 0.0, 2.0]))
    dt, tstop = 0.005, 5.0
    w = pulse_waveform("monophasic-cathodic", 0.1, dt, round(tstop / dt))
    ours = find_thresholds(g, phi, w, np.array([-1.0]), dt_ms=dt, tstop_ms=tstop,
                           tolerance_rel=1e-4, pulse_width_ms=0.1)  # fmt: skip
    assert ours.status[0] == "ok"
    fiber = build_mrg_t_junction()
    detect = g.detection_node

    def supra(mag: float) -> bool:
        first = fiber.run(phi, -mag, w, dt, detect_node=detect)
        return bool(np.isfinite(first[detect]))

    lo, hi, _, status = bracket_and_bisect(supra, abs(ours.threshold_ma[0]), 1e-4)
    assert status == "ok"
    assert_close(ours.threshold_ma[0], -0.5 * (lo + hi), rtol=1e-3,
                 what="MRG T junction threshold vs NEURON", unit="mA")  # fmt: skip
