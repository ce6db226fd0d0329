"""Initiation site, central arrival and soma invasion on cases whose answer is known by
construction: an intracellular pulse starts the AP where it is injected; a point source a few
tens of micrometres from one part of the cell and millimetres from the rest starts it there;
no stimulus, no AP."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.drg import ap_outcome, neuron_geometry, section_layout, section_points_mm
from neurostim.fibers import find_thresholds, simulate
from neurostim.fibers.cases import point_source_phi_mv_per_ma, pulse_waveform
from neurostim.fibers.geometry import CableGeometry

DT_MS = 0.005


def _abeta() -> CableGeometry:
    # 6 mm peripheral, 12 mm central: the central source below lies 9 mm from the sealed end
    return neuron_geometry("abeta", peripheral_um=12.8, stem_um=12.8, central_um=10.0,
                           branch_length_mm=(6.0, 12.0))  # fmt: skip


def _points(g: CableGeometry) -> np.ndarray:
    """The stem along +y from the soma to the T at the origin, the root axis along x."""
    return section_points_mm(g, t_junction_mm=np.zeros(3), stem_direction=np.array([0, 1.0, 0]),
                             root_axis=np.array([1.0, 0, 0]))  # fmt: skip


def _intracellular(g: CableGeometry, section: int, amp_na: float, tstop_ms: float) -> object:
    n = round(tstop_ms / DT_MS)
    t_mid = (np.arange(n) + 0.5) * DT_MS
    ist = np.where((t_mid > 0.1) & (t_mid < 0.2), amp_na, 0.0)
    res = simulate(g, np.zeros(g.n_sections), np.zeros(1), np.zeros(n), dt_ms=DT_MS, n_steps=n,
                   intracellular_section=section, intracellular_na=ist)  # fmt: skip
    return ap_outcome(g, res)


def test_a_pulse_at_a_distal_peripheral_node_starts_there_and_reaches_the_cord() -> None:
    g = _abeta()
    stim = int(g.node_sections[g.node_index("peripheral_end") - 2])
    out = _intracellular(g, stim, 2.0, 4.0)
    assert out.initiation_site[0] == "peripheral" and out.initiation_section[0] == stim
    assert out.reached_central[0] and out.soma_invaded[0] and out.reached_peripheral[0]
    assert not out.at_cut_end[0] and out.central_ap_count[0] == 1


def test_no_stimulus_no_ap() -> None:
    g = _abeta()
    n = 200
    res = simulate(g, np.zeros(g.n_sections), np.zeros(1), np.zeros(n), n_steps=n)
    out = ap_outcome(g, res)
    assert out.initiation_site[0] == "none" and out.initiation_section[0] == -1
    assert not (out.reached_central[0] or out.soma_invaded[0])


@pytest.mark.parametrize(
    ("target", "offset_mm", "sites"),
    [("soma", np.array([0.0, 0.0, 0.05]), {"soma", "initial_segment", "stem"}),
     ("central", np.array([0.0, 0.0, 0.05]), {"central"})],
)  # fmt: skip
def test_a_point_source_next_to_one_part_starts_the_ap_there(
    target: str, offset_mm: np.ndarray, sites: set[str]
) -> None:
    # 50 um above the soma centre, or above the central branch's node nearest 3.5 mm from the
    # T; cathodic 0.1 ms at 1.2 x the threshold for an AP at the central end
    g = _abeta()
    pts = _points(g)
    if target == "soma":
        centre = pts[g.named_sections["soma"]]
    else:
        lay = section_layout(g)
        central = [s for s in g.node_sections if lay.branch[s] == "central"]
        k = int(np.argmin(np.abs(lay.distance_from_t_um[central] - 3500.0)))
        centre = pts[central[k]]
        assert -centre[0] > 2.5  # on the central side, millimetres from the T
    phi = point_source_phi_mv_per_ma(pts, centre + offset_mm)
    n = round(3.0 / DT_MS)
    w = pulse_waveform("monophasic-cathodic", 0.1, DT_MS, n)
    th = find_thresholds(g, phi, w, np.array([-1.0]), tstop_ms=3.0, tolerance_rel=1e-2)
    assert th.status[0] == "ok"
    res = simulate(g, phi, np.array([1.2 * th.threshold_ma[0]]), w, n_steps=n)
    out = ap_outcome(g, res)
    assert out.initiation_site[0] in sites, out.initiation_site[0]
    assert out.reached_central[0] and not out.at_cut_end[0]


def test_c_neuron_pulse_at_the_soma_starts_there() -> None:
    g = neuron_geometry("c", peripheral_um=0.8, stem_um=1.4, central_um=0.4,
                        branch_length_mm=0.6)  # fmt: skip
    out = _intracellular(g, g.named_sections["soma"], 10.0, 12.0)
    assert out.initiation_site[0] == "soma" and out.soma_invaded[0]
    assert out.reached_peripheral[0]
