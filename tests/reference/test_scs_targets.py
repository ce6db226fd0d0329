"""Public targets of the spinal-cord model (docs/reference/spinal-cord.md §4), slow.

Protocol shared by every check unless its own comment says otherwise [ours where the spec
leaves it open]: T10 anatomy (60 mm model, coarse mesh, P2), one 8-contact percutaneous lead on
the dura at the midline, bipole E4-/E5+ centred at z = 0, 210 us, the default dorsal-column
grid and dorsal-root fibers of `neurostim scs map`. PT = the first DC fiber's threshold;
DR/DC = lowest DR threshold / lowest DC threshold. Every check with dCSF 3 mm shares one
finite-element solve (cached).

Measured on the development machine (coarse mesh, load 2-4): PT 1.22 mA at dCSF 3 mm, 4.40 mA
at 6 mm; DR/DC 1.69 at dCSF 3 mm, 1.30 at 6 mm; with the cord 1 mm off the midline (dCSF 3) PT
1.26 mA.
P4, P5, P8, P10: the table "Public targets" in docs/scs.md.
"""

from __future__ import annotations

import itertools
import math
from functools import cache

import numpy as np
import pytest

from neurostim.anatomy import load_anatomy
from neurostim.device import parse_program_text

pytestmark = pytest.mark.slow

PROGRAM = (
    'name = "bipole"\nstimulator = "generic-rechargeable-16"\nleads = ["percutaneous-8"]\n'
    '[[trains]]\nwaveform = "tonic"\namplitude_ma = 4.0\npulse_width_us = 210\nrate_hz = 50\n'
    'contacts = { "L1.E4" = -100, "L1.E5" = 100 }\n'
)


@cache
def _map(dcsf_mm: float, cord_ml_offset_mm: float = 0.0):
    pytest.importorskip("ngsolve")
    from neurostim.pipeline.scs import scs_map

    a = load_anatomy("T10", length_mm=60.0, dcsf_mm=dcsf_mm, cord_ml_offset_mm=cord_ml_offset_mm)
    result, _ = scs_map(parse_program_text(PROGRAM), a)
    return result


def test_p1_perception_threshold_rises_with_dorsal_csf() -> None:
    # He 1994 / Holsheimer 1994: PT rises with dCSF (monotone; ratio > 1)
    assert _map(6.0).perception_threshold_ma > _map(3.0).perception_threshold_ma


def test_p6_thick_csf_favours_dorsal_roots() -> None:
    # Holsheimer 1991/1997 [R]: the DR/DC threshold ratio decreases as dCSF grows
    assert _map(6.0).dr_dc_threshold_ratio < _map(3.0).dr_dc_threshold_ratio


@pytest.mark.xfail(strict=True, reason="deviation: PT 1.26 vs 1.22 mA, see docs/scs.md")
def test_p3_lateral_asymmetry_lowers_perception_threshold() -> None:
    # practice parameters (NMF): a lateral asymmetry under 1 mm already lowers PT. With PT taken
    # as the first DC fiber and the lead at the sac's midline, moving the cord 1 mm sideways
    # moves its dorsal apex away from the lead and PT rises by 3 %
    assert _map(3.0, 1.0).perception_threshold_ma < _map(3.0).perception_threshold_ma


# --- P4: depth of the largest recruited DC fibers ------------------------------------------------
P4_DIAMETERS_UM = (12.8, 14.0, 15.0)  # the MRG diameters in 12-15 um (fiber-models Table 2.1)
P4_DEPTHS_MM = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


@cache
def _p4_grid():
    pytest.importorskip("ngsolve")
    from neurostim.fibers.spinal import dorsal_column_grid
    from neurostim.pipeline.scs import fitting_n_nodes, scs_map

    a = load_anatomy("T10", length_mm=60.0, dcsf_mm=3.0, fibers={"dc_max_depth_mm": 0.6})
    grid = dorsal_column_grid(
        a, depths_mm=P4_DEPTHS_MM, diameters_um=P4_DIAMETERS_UM,
        class_fractions=(1 / 3, 1 / 3, 1 / 3), n_nodes=fitting_n_nodes(a, P4_DIAMETERS_UM),
    )  # fmt: skip
    result, _ = scs_map(parse_program_text(PROGRAM), a, fibers=grid)
    return result


@pytest.mark.xfail(
    strict=True,
    reason="deviation: at 1.4 x PT fibers 0.4 mm deep fire (shallowest 0.4 mm fiber at "
    "1.39 x PT), see docs/scs.md",
)
def test_p4_largest_recruited_dc_fibers_lie_within_0_3_mm() -> None:
    # spinal-cord.md §4 P4 [S Fe02, quoting the Twente model]: within the usage range the largest
    # DC fibers that fire lie no deeper than about 0.25 mm. Protocol: the shared bipole (210 us,
    # dCSF 3 mm); a DC grid of 12.8, 14 and 15 um fibers at depths 0.1-0.6 mm (step 0.1) at every
    # lamination band on both sides; PT = the first fiber of this grid. Check: at 1.0, 1.2 and
    # 1.4 x PT every recruited fiber lies at most 0.3 mm deep (the spec's tolerance; the grid
    # step is 0.1 mm, so a fiber at 0.4 mm firing is a deviation of at least 0.1 mm)
    m = _p4_grid()
    ok = m.recruitment.status == "ok"
    assert ok.all(), "every fiber of the grid has a threshold"
    pt = m.perception_threshold_ma
    assert pt is not None
    for factor in (1.0, 1.2, 1.4):
        fired = ok & (m.recruitment.threshold_ma <= factor * pt)
        assert m.fibers.depth_mm[fired].max() <= 0.3 + 1e-9, factor


def test_p4_recruitment_spreads_downwards_from_the_surface() -> None:
    # companion of P4 that holds in the model: the shallowest fiber of each depth row needs
    # more current the deeper the row (monotone, as a deeper fiber is further from the lead)
    m = _p4_grid()
    thr, depth = m.recruitment.threshold_ma, m.fibers.depth_mm
    lowest = [thr[np.isclose(depth, d)].min() for d in P4_DEPTHS_MM]
    assert all(b > a for a, b in itertools.pairwise(lowest)), lowest


# --- P5: a single dorsal-root fiber ---------------------------------------------------------------
P5_DIAMETER_UM = 16.0
P5_N_NODES = 31  # 45 mm of 16 um fiber; with the former default 21 nodes the rostral end,
# 15 mm from the DREZ, lowered thresholds by about 3 % and could start the AP (docs/scs.md)
P5_BENDS_MM = (2.0, 1.25, 0.5)  # at the T10 angle 32.5 deg (spinal-cord.md §1.4, §3.3 range)
P5_ANGLES_DEG = (20.0, 32.5, 45.0)  # thoracic range (§1.4), at bend radius 1.25 mm
P5_SEARCH_REL = 0.002  # threshold bracket: the midpoint is within 0.1 % of the threshold
MONOPOLE = PROGRAM.replace('"L1.E5" = 100', '"case" = 100')


@cache
def _p5(bend_mm: float, angle_deg: float, program: str = MONOPOLE) -> tuple[float, float, str]:
    """(threshold in mA, distance of the AP's first node from the DREZ in mm, status) of one
    16 um DR fiber whose DREZ lies at the cathode's z (test comments, P5)."""
    pytest.importorskip("ngsolve")
    from neurostim.fibers import FiberPopulation
    from neurostim.fibers.spinal import dorsal_root_fibers
    from neurostim.pipeline.anatomy import anatomy_placements, fem_conductor
    from neurostim.pipeline.placement import program_contacts
    from neurostim.pipeline.recruitment import recruitment

    base = load_anatomy("T10", length_mm=60.0, dcsf_mm=3.0)
    # the lead where the shared bipole puts it (same finite-element solve, cached)
    placements = anatomy_placements(parse_program_text(PROGRAM), base)
    ids, contacts = program_contacts(parse_program_text(PROGRAM), placements)
    z_cathode = contacts[ids.index("L1.E4")].center_xyz_mm[2]
    a = base.replace(roots={"bend_radius_mm": bend_mm, "rootlet_angle_deg": angle_deg,
                            "n_rootlets": 1})  # fmt: skip
    one = dorsal_root_fibers(a, diameters_um=(P5_DIAMETER_UM,), sides=("right",), seed=None,
                             n_nodes=P5_N_NODES).fibers  # fmt: skip
    shift = np.array([0.0, 0.0, z_cathode])
    fiber = FiberPopulation(diameter_um=one.diameter_um, vertices_mm=(one.vertices_mm[0] + shift,),
                            start_arc_mm=one.start_arc_mm, n_nodes=one.n_nodes,
                            weight=one.weight)  # fmt: skip
    r = recruitment(parse_program_text(program), fiber, conductor=fem_conductor(a),
                    placements=placements, tolerance_rel=P5_SEARCH_REL)  # fmt: skip
    # the DREZ from the anatomy's numbers alone: the cord ellipse's dorsal surface at
    # drez_ml_mm from the cord's midline
    cx, cy, ea, eb = a.boundaries()["cord"]
    x_e = a.roots.drez_ml_mm
    drez = np.array([cx + x_e, cy - eb * math.sqrt(1.0 - (x_e / ea) ** 2), z_cathode])
    node = int(r.initiation_node[0])
    start = fiber.section_points_mm(0)[fiber.fiber(0).geometry.node_sections[node]]
    return abs(float(r.threshold_ma[0])), float(np.linalg.norm(start - drez)), str(r.status[0])


def test_p5_dr_threshold_falls_as_the_bend_tightens() -> None:
    # spinal-cord.md §4 P5 [S St93]: DR thresholds drop as the bend at the entry tightens.
    # Protocol: T10, dCSF 3 mm, the 8-contact lead on the dura at the midline (placed as for
    # the shared bipole), monopolar cathode E4 with the case as return, 210 us; one 16 um DR
    # fiber (31 nodes) on the right whose single rootlet enters at the cathode's z; bend radius
    # 2.0, 1.25, 0.5 mm at 32.5 deg. Check: monotone, each step lower by more than 0.4 % (twice
    # the 0.2 % search bracket)
    thr = [_p5(r, 32.5) for r in P5_BENDS_MM]
    assert [t[2] for t in thr] == ["ok"] * 3
    assert all(b[0] < 0.996 * a[0] for a, b in itertools.pairwise(thr)), thr


@pytest.mark.xfail(
    strict=True,
    reason="deviation: DR threshold rises with the angle to the cord axis, 1.396 / 1.401 / "
    "1.419 mA at 20 / 32.5 / 45 deg, see docs/scs.md",
)
def test_p5_dr_threshold_falls_as_the_angle_to_the_cord_grows() -> None:
    # spinal-cord.md §4 P5 [S St93], read as: the threshold drops as the angle between the
    # rootlet and the cord axis grows (from near-parallel towards perpendicular). Protocol as
    # above; angle 20, 32.5, 45 deg (thoracic range, §1.4) at bend radius 1.25 mm. Check:
    # monotone, each step lower by more than 0.4 %
    thr = [_p5(1.25, angle) for angle in P5_ANGLES_DEG]
    assert [t[2] for t in thr] == ["ok"] * 3
    assert all(b[0] < 0.996 * a[0] for a, b in itertools.pairwise(thr)), thr


def test_p5_the_action_potential_starts_at_the_entry_zone() -> None:
    # spinal-cord.md §4 P5 [S St93]: the fiber fires at its entry point. Check: in every case
    # of the two sweeps above, the node where the AP starts at threshold (the engine's
    # initiation node of the last supra-threshold trial, within 0.2 % of threshold) lies within
    # 2 mm of the DREZ (the spec's tolerance; node spacing of a 16 um fiber 1.5 mm)
    cases = {(r, 32.5) for r in P5_BENDS_MM} | {(1.25, a) for a in P5_ANGLES_DEG}
    distances = {case: _p5(*case)[1] for case in sorted(cases)}
    assert max(distances.values()) < 2.0, distances


@pytest.mark.xfail(
    strict=True,
    reason="deviation: under the bipole the AP starts 6.1-6.5 mm from the DREZ, in the "
    "fiber's dorsal-column branch beyond the anode, see docs/scs.md",
)
def test_p5_the_action_potential_starts_at_the_entry_zone_under_the_bipole() -> None:
    # as above with the shared bipole E4-/E5+ instead of the monopole (the DREZ still at the
    # cathode's z; the fiber's dorsal-column branch runs rostrally under the anode E5)
    cases = {(r, 32.5) for r in P5_BENDS_MM} | {(1.25, a) for a in P5_ANGLES_DEG}
    distances = {case: _p5(*case, program=PROGRAM)[1] for case in sorted(cases)}
    assert max(distances.values()) < 2.0, distances


# --- P8: pulse width and caudal (medial) dermatomes -----------------------------------------
P8_PULSE_WIDTHS_US = (90, 210, 450)


@cache
def _p8_coverage(pw_us: int) -> tuple[float, frozenset[tuple[str, str]]]:
    """(PT, the covered (dermatome, side) pairs at 1.5 x PT) for the shared bipole at pw_us."""
    pytest.importorskip("ngsolve")
    from neurostim.pipeline.scs import DEFAULT_USAGE_RATIO, scs_map

    a = load_anatomy("T10", length_mm=60.0, dcsf_mm=3.0)
    program = parse_program_text(
        PROGRAM.replace("pulse_width_us = 210", f"pulse_width_us = {pw_us}")
    )
    m, _ = scs_map(program, a)
    pt = m.perception_threshold_ma
    assert pt is not None
    rows = m.dermatome_rows(DEFAULT_USAGE_RATIO * pt)
    least = m.coverage_fraction
    covered = frozenset((r["name"], r["side"]) for r in rows if (r["dc_fraction"] or 0.0) >= least)
    return pt, covered


def test_p8_longer_pulses_add_caudal_dermatomes() -> None:
    # spinal-cord.md §4 P8 [S Ho11]: longer pulses (90 -> 210 -> 450 us) push paresthesia
    # further caudal. Protocol: the shared bipole at T10 (dCSF 3 mm), default DC grid and DR
    # fibers; coverage (>= 10 % of a dermatome's DC fibers) at a fixed 1.5 x PT of each pulse
    # width (the usage ratio of patient-clinic.md §1.4; in this model it is also the discomfort
    # amplitude, as no DR fiber fires below it). Check: the covered sets are nested and grow
    # strictly with PW, and every dermatome that joins is caudal to the cord segment (T12), i.e.
    # lies in a medial band of the lamination (§3.2)
    sets = [_p8_coverage(pw)[1] for pw in P8_PULSE_WIDTHS_US]
    assert sets[0] < sets[1] < sets[2], sets
    joined = sets[2] - sets[0]
    assert all(name[0] in "SL" for name, _ in joined), joined


# --- P10: dura and epidural conductivity under voltage control ------------------------------
P10_RANGE = (4.0, 10.0)  # spinal-cord.md §4 P10 tolerance on max/min [S Kh25: 6.55-43.71 V/m]


@cache
def _p10_peak_e() -> dict[str, list[float]]:
    """Peak |E| in the cord per volt at the active contact(s), for each Khadka corner.

    Two rings of the percutaneous lead (1.3 mm, 3 mm long, centres at z = -2 and +2 mm) on
    the dura (gap 0.05 mm) over the midline of the T10 cord (dCSF 3 mm, 60 mm, coarse). The
    gradient of the finite-element solution is sampled on a grid through the cord (41 x 31
    points across the ellipse, 0.02 mm inside its surface; z from -8 to 8 mm every 0.5 mm).
    Monopole: 1 mA into ring 0, far ground; voltage = its contact impedance. Bipole: +1 mA /
    -1 mA; voltage = the difference of the two contacts' potentials, both from the same solve.
    """
    ngs = pytest.importorskip("ngsolve")
    from neurostim.anatomy import conductivity_corners
    from neurostim.field import RingContact
    from neurostim.field.fem import SpinalCordFEM
    from neurostim.pipeline.anatomy import layered_cord

    out: dict[str, list[float]] = {"monopole": [], "bipole": []}
    for sigma in conductivity_corners("khadka-low", "khadka-high"):
        a = load_anatomy("T10", length_mm=60.0, dcsf_mm=3.0, conductivity=sigma)
        cord = layered_cord(a)
        y = -(cord.dura_outer_radius_mm + a.lead_gap_to_dura_mm + 0.65)
        rings = [RingContact((0.0, y, z), diameter_mm=1.3, length_mm=3.0) for z in (-2.0, 2.0)]
        fem = SpinalCordFEM(cord)
        fem.prepare(rings)
        mesh, fes, vectors = fem.solution
        gf = ngs.GridFunction(fes)
        # floating[i, j]: mean potential of contact j with 1 mA into contact i (V)
        floating = np.empty((2, 2))
        for i in range(2):
            gf.vec.FV().NumPy()[:] = vectors[i]
            for j in range(2):
                where = mesh.Boundaries(f"contact{j}")
                area = ngs.Integrate(1.0, mesh, definedon=where)
                floating[i, j] = ngs.Integrate(gf, mesh, definedon=where) / area
        cx, cy, ea, eb = a.boundaries()["cord"]
        gx, gy, gz = np.meshgrid(
            np.linspace(cx - ea, cx + ea, 41), np.linspace(cy - eb, cy + eb, 31),
            np.linspace(-8.0, 8.0, 33), indexing="ij",
        )  # fmt: skip
        inside = ((gx - cx) / (ea - 0.02)) ** 2 + ((gy - cy) / (eb - 0.02)) ** 2 <= 1.0
        mips = mesh(gx[inside], gy[inside], gz[inside])
        for name, w in (("monopole", np.array([1.0, 0.0])), ("bipole", np.array([1.0, -1.0]))):
            gf.vec.FV().NumPy()[:] = w @ vectors
            grad = np.asarray(ngs.grad(gf)(mips)).reshape(-1, 3)  # V/mm per mA
            volts = float(w @ floating @ w)  # V per mA across the driven contacts
            out[name].append(float(np.linalg.norm(grad, axis=1).max()) * 1e3 / volts)
    return out


def test_p10_dura_and_epidural_sigma_spread_the_peak_field_monopole() -> None:
    # spinal-cord.md §4 P10 [S Kh25]: over dura 0.02-0.6 S/m and epidural 0.025-0.25 S/m the
    # peak E in the cord under voltage control changes about 7x. Protocol: the four corners of
    # the two ranges (khadka-low/high sets), monopole (module helper above). Check: max/min of
    # the peak |E| per volt in 4-10 (the spec's tolerance)
    e = _p10_peak_e()["monopole"]
    assert P10_RANGE[0] <= max(e) / min(e) <= P10_RANGE[1], e


@pytest.mark.xfail(
    strict=True,
    reason="deviation: bipole max/min 10.64 (3.59-38.2 V/m per V), see docs/scs.md",
)
def test_p10_dura_and_epidural_sigma_spread_the_peak_field_bipole() -> None:
    # as above with the bipole (the montage of Kh25 is not stated in the spec)
    e = _p10_peak_e()["bipole"]
    assert P10_RANGE[0] <= max(e) / min(e) <= P10_RANGE[1], e
