"""The dermatome body map of an SCS map: which region is shaded, on which side, and the figure.

No finite-element solve here: a real :class:`SpinalMap` built on the T8 level's tagged fibers
(cord segment T10) with thresholds set by hand, so that only the left T10 dorsal-column fibers
fire at the program amplitude.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.colors import to_rgba

import neurostim.anatomy
from neurostim.anatomy import lamination, load_anatomy
from neurostim.device import parse_program_text
from neurostim.fibers.spinal import spinal_cord_fibers
from neurostim.pipeline.drive import program_drive
from neurostim.pipeline.recruitment import RecruitmentResult
from neurostim.pipeline.scs import SpinalMap
from neurostim.pipeline.scs_bodymap import (
    BACK_OFFSET,
    DR_EDGE_COLOR,
    NO_FIBERS_COLOR,
    REGIONS,
    draw_body_map,
    region_names,
)
from neurostim.pipeline.scs_plots import plot_map

LAMINATION_DIR = Path(neurostim.anatomy.__file__).parent / "data" / "lamination"
PROGRAM = (
    'name = "bipole"\nstimulator = "generic-rechargeable-16"\nleads = ["percutaneous-8"]\n'
    '[[trains]]\nwaveform = "tonic"\namplitude_ma = 5.0\npulse_width_us = 210\n'
    'rate_hz = 50\ncontacts = { "L1.E4" = -100, "L1.E5" = 100 }\n'
)
# The 30 dermatomes with a skin territory: C2-C8, T1-T12, L1-L5, S1-S5 (C1 has none; Foerster
# 1933, Keegan & Garrett 1948 [R]). Written out here, not taken from the module under test.
SKIN_DERMATOMES = (
    [f"C{k}" for k in range(2, 9)] + [f"T{k}" for k in range(1, 13)]
    + [f"L{k}" for k in range(1, 6)] + [f"S{k}" for k in range(1, 6)]
)  # fmt: skip


def _only_left_t10() -> SpinalMap:
    """T8 level (cord segment T10): the left T10 DC fibers fire at 1 mA, all others at 10 mA."""
    program = parse_program_text(PROGRAM)
    anatomy = load_anatomy("T8")
    fibers = spinal_cord_fibers(
        anatomy, dc={"diameters_um": (10.0,), "class_fractions": (1.0,), "n_nodes": 11}
    )
    left_t10_dc = (fibers.population == "dc") & (fibers.dermatome == "T10")
    left_t10_dc &= fibers.side == "left"
    assert left_t10_dc.any() and ((fibers.population == "dr") & (fibers.dermatome == "T10")).any()
    n = fibers.n_fibers
    threshold = np.where(left_t10_dc, 1.0, 10.0)
    rec = RecruitmentResult(
        threshold_ma=threshold, status=np.full(n, "ok"), lower_ma=0.99 * threshold,
        upper_ma=threshold, n_sims=np.ones(n, np.int64), initiation_node=np.zeros(n, np.int64),
        weight=fibers.fibers.weight, amplitude_ma=5.0, drive=program_drive(program),
    )  # fmt: skip
    return SpinalMap(program=program, train_index=0, anatomy=anatomy, fibers=fibers,
                     recruitment=rec, pt_min_fibers=1, usage_ratio=1.5,
                     coverage_fraction=0.1)  # fmt: skip


@pytest.fixture(scope="module")
def only_left_t10() -> SpinalMap:
    return _only_left_t10()


def test_every_dermatome_of_the_lamination_data_has_a_region_on_each_side() -> None:
    # reference: the shipped lamination tables (anatomy/data/lamination/*.csv, spinal-cord.md
    # §3.2) and each level's cord segment (the dorsal-root fibers' tag); exact set inclusion
    levels = sorted(p.stem for p in LAMINATION_DIR.glob("*.csv"))
    assert levels  # the data are there
    named = set()
    for level in levels:
        named |= set(lamination(level).dermatomes) | {load_anatomy(level).cord_segment}
    assert named <= region_names(), sorted(named - region_names())
    assert region_names() == set(SKIN_DERMATOMES)
    fig, ax = plt.subplots()
    try:
        rows = [{"name": n, "side": s, "dc_fraction": 0.5, "dr_fraction": None}
                for n in sorted(named) for s in ("left", "right")]  # fmt: skip
        drawn = draw_body_map(ax, rows, coverage_fraction=0.1)
    finally:
        plt.close(fig)
    for name in named:
        for side in ("left", "right"):
            assert any(drawn.patches.get((v, name, side)) for v in ("front", "back")), (name, side)
    assert drawn.not_drawn == []


def test_only_the_left_t10_region_is_shaded_and_it_lies_on_the_patients_left(
    only_left_t10: SpinalMap,
) -> None:
    # reference: the synthetic thresholds above (only left T10 DC fibers below 5 mA), the
    # viridis scale (0 -> viridis(0), all fibers -> viridis(1)); convention: seen from the front
    # the patient's left is on the viewer's right, seen from the back on the viewer's left.
    rows = only_left_t10.dermatome_rows()
    fractions = {(r["name"], r["side"]): r["dc_fraction"] for r in rows}
    assert fractions[("T10", "left")] == 1.0 and fractions[("T10", "right")] == 0.0
    fig, ax = plt.subplots()
    try:
        drawn = draw_body_map(ax, rows, coverage_fraction=only_left_t10.coverage_fraction)
    finally:
        plt.close(fig)
    viridis = matplotlib.colormaps["viridis"]
    full, none, white = to_rgba(viridis(1.0)), to_rgba(viridis(0.0)), to_rgba(NO_FIBERS_COLOR)
    shaded = set()
    for (view, name, side), patches in drawn.patches.items():
        for patch in patches:
            face = tuple(patch.get_facecolor())
            if face == pytest.approx(full, abs=1e-9):
                shaded.add((view, name, side))
            elif (name, side) in fractions:  # a dermatome with fibers: 0 % recruited
                assert face == pytest.approx(none, abs=1e-9), (view, name, side)
            else:  # no fibers of that dermatome at this level
                assert face == pytest.approx(white, abs=1e-9), (view, name, side)
    assert shaded == {("front", "T10", "left"), ("back", "T10", "left")}
    assert {k for k, v in drawn.hatches.items() if v} == shaded  # covered: hatched
    # no dorsal-root fiber fires: no red edge anywhere
    red = to_rgba(DR_EDGE_COLOR)
    assert not any(tuple(p.get_edgecolor()) == pytest.approx(red, abs=1e-9)
                   for ps in drawn.patches.values() for p in ps)  # fmt: skip
    for view, midline, patient_left in (("front", 0.0, 1.0), ("back", BACK_OFFSET, -1.0)):
        left = np.concatenate([p.get_xy() for p in drawn.patches[(view, "T10", "left")]])
        right = np.concatenate([p.get_xy() for p in drawn.patches[(view, "T10", "right")]])
        assert np.all(patient_left * (left[:, 0] - midline) >= 0.0)
        assert np.any(patient_left * (left[:, 0] - midline) > 0.5)  # not just on the midline
        # the right side is the mirror image about the view's midline (1e-12, arithmetic)
        np.testing.assert_allclose(right[:, 0], 2 * midline - left[:, 0], atol=1e-12)
        np.testing.assert_allclose(right[:, 1], left[:, 1], atol=1e-12)


def test_dorsal_root_recruitment_is_outlined_in_red() -> None:
    # reference: the rule of draw_body_map's docstring (dr_fraction > 0: red edge, "DR" label)
    rows = [{"name": "L3", "side": "right", "dc_fraction": 0.0, "dr_fraction": 0.4},
            {"name": "L3", "side": "left", "dc_fraction": 0.0, "dr_fraction": 0.0}]  # fmt: skip
    fig, ax = plt.subplots()
    try:
        drawn = draw_body_map(ax, rows, coverage_fraction=0.1)
        labels = [t.get_text() for t in ax.texts]
    finally:
        plt.close(fig)
    red = to_rgba(DR_EDGE_COLOR)
    outlined = {
        k
        for k, ps in drawn.patches.items()
        if any(tuple(p.get_edgecolor()) == pytest.approx(red, abs=1e-9) for p in ps)
    }
    assert outlined == {("front", "L3", "right"), ("back", "L3", "right")}  # fmt: skip
    assert labels.count("DR") == 2  # one per view
    assert not drawn.hatches  # no DC fiber recruited: nothing covered


def test_every_region_is_a_closed_polygon_inside_the_figure() -> None:
    # reference: geometry of the schematic (half body, s >= 0, feet at 0, head below 10)
    for view in ("front", "back"):
        for region in REGIONS[view]:
            xy = np.array(region.outline)
            assert xy.shape[0] >= 3 and xy.shape[1] == 2, region
            assert np.all(xy[:, 0] >= -1e-12) and np.all((xy[:, 1] >= 0) & (xy[:, 1] <= 10.0))


def test_map_figure_is_written_with_the_body_map(only_left_t10: SpinalMap, tmp_path: Path) -> None:
    # reference: PNG signature; the three panels make the figure wider than the two-panel chart
    path = plot_map(only_left_t10, tmp_path / "map.png")
    data = path.read_bytes()
    assert data[:4] == b"\x89PNG"
    width = int.from_bytes(data[16:20], "big")  # IHDR width
    assert width == 1800  # 18 in at 100 dpi
