"""Leads placed at a nerve from a program: distance, angle, cuffs; and the cross-section plot."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from neurostim.device import load_program
from neurostim.fibers import nerve_fibers
from neurostim.nerve import load_nerve
from neurostim.pipeline import nerve_placements, plot_nerve_cross_section

PROGRAMS = Path(__file__).resolve().parents[2] / "examples" / "programs"


def _surface_gap_mm(nerve, place, radius_mm: float) -> float:  # type: ignore[no-untyped-def]
    """Least distance between the lead's surface and the nerve's (dense sampling)."""
    t = np.linspace(0, 2 * np.pi, 3000, endpoint=False)
    rim = np.column_stack([nerve.major_mm / 2 * np.cos(t), nerve.minor_mm / 2 * np.sin(t)])
    zs = np.linspace(-20, 20, 801)
    axis = place.to_tissue_mm(np.column_stack([0 * zs, 0 * zs, zs]))
    # the nerve is a cylinder along z: the gap is the least planar distance at equal z
    d = np.min(np.linalg.norm(axis[:, None, :2] - rim[None, :, :], axis=2))
    return float(d - radius_mm)


@pytest.mark.parametrize(("distance", "angle", "approach"), [(10.0, 30.0, 90.0), (2.0, 0.0, 30.0),
                                                             (0.5, 90.0, 0.0)])  # fmt: skip
def test_percutaneous_lead_at_distance_and_angle(distance, angle, approach) -> None:  # type: ignore[no-untyped-def]
    nerve = load_nerve("femoral")
    program = load_program(PROGRAMS / "pns-sprint.toml")
    (place,) = nerve_placements(program, nerve, distance_mm=distance, angle_deg=angle,
                                approach_deg=approach)  # fmt: skip
    axis = place.frame()[:, 2]
    assert math.degrees(math.acos(abs(axis[2]))) == pytest.approx(angle, abs=1e-9)
    assert _surface_gap_mm(nerve, place, 0.3) == pytest.approx(distance, abs=0.01)


def test_cuff_is_centred_on_the_nerve() -> None:
    program = load_program(PROGRAMS / "vns-cuff.toml")
    (place,) = nerve_placements(program, load_nerve("vagus"))
    z = place.to_tissue_mm(np.array([[0, 0, 0.0], [0, 0, 8.0]]))[:, 2]
    assert np.allclose(z, [-4.0, 4.0])  # E1 and E2 8 mm apart about z = 0 (§3.1)


def test_cross_section_plot(tmp_path: Path) -> None:
    nerve = load_nerve("vagus")
    program = load_program(PROGRAMS / "pns-sprint.toml")
    fig = plot_nerve_cross_section(
        nerve, tmp_path / "x.png", fibers=nerve_fibers(nerve, per_class_per_fascicle=3),
        program=program, placements=nerve_placements(program, nerve, distance_mm=1.0),
    )  # fmt: skip
    assert (tmp_path / "x.png").stat().st_size > 1000
    ax = fig.axes[0]
    markers = {c.get_label().split()[0] for c in ax.collections}
    assert {"Aβ", "Aδ", "C"} <= markers
    labels = [t.get_text() for t in ax.texts]
    assert labels[:2] == ["0", "1"]  # fascicles are labelled
    import matplotlib.pyplot as plt

    plt.close(fig)
