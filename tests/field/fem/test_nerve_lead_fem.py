"""NerveFEM with a lead in the tissue (the SPRINT-type coil, peripheral-nerve.md §3.2, §7):
against the analytic point source in a homogeneous medium (§7 "homogeneous cylinder vs
analytic source (< 1 % beyond 2 mm)"), the skin-pad return against far ground, and the domain
size (P2). Slow: each model meshes and solves once (measured numbers in docs/pns.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurostim.field.fem import NerveFEM, NerveModel

pytest.importorskip("ngsolve")
pytestmark = pytest.mark.slow

SIGMA = 0.2  # S/m everywhere
UNIFORM = {
    "endoneurium_longitudinal": SIGMA, "endoneurium_transverse": SIGMA,
    "perineurium": 1000.0,  # a thin layer that conducts: no jump across it
    "epineurium": SIGMA, "muscle_longitudinal": SIGMA, "muscle_transverse": SIGMA,
    "fat": SIGMA, "saline": SIGMA, "encapsulation": SIGMA,
}  # fmt: skip
CONTACT_Y_MM = 6.0


def _model(*, radius_mm: float = 25.0, length_mm: float = 60.0, pad: bool = False,
           sigma: dict[str, float] | None = None) -> NerveModel:  # fmt: skip
    """A Ø 1 mm nerve with one Ø 0.4 mm fascicle on the axis of a limb of ``radius_mm`` (fat
    1 mm, muscle inside); a lead along x with one contact Ø 0.6 × 1 mm centred 6 mm above the
    nerve's axis (5.5 mm from its surface)."""
    disc = lambda name, material, r: {"name": name, "material": material,  # noqa: E731
                                      "center_xy_mm": (0.0, 0.0), "semi_axes_mm": (r, r),
                                      "angle_deg": 0.0}  # fmt: skip
    cross = (disc("limb", "fat", radius_mm), disc("muscle", "muscle", radius_mm - 1.0),
             disc("nerve", "epineurium", 0.5), disc("f0.p", "perineurium", 0.212),
             disc("f0.e", "endoneurium", 0.2))  # fmt: skip
    lead = ({"kind": "cylinder", "name": "L1.E1", "contact": "L1.E1",
             "start_mm": (-0.5, CONTACT_Y_MM, 0.0), "axis": (1.0, 0.0, 0.0), "radius_mm": 0.3,
             "length_mm": 1.0, "area_mm2": 2 * math.pi * 0.3 + 2 * math.pi * 0.09},)  # fmt: skip
    return NerveModel(
        cross_section=cross, cuff=(), conductivity_s_per_m=dict(sigma or UNIFORM),
        length_mm=length_mm, leads=lead,
        return_pad=({"center_mm": (0.0, radius_mm, 10.0), "radius_mm": 8.0,
                     "thickness_mm": 1.0} if pad else None),
    )  # fmt: skip


def _fem(model: NerveModel, tmp_path, level: str = "medium") -> NerveFEM:  # type: ignore[no-untyped-def]
    return NerveFEM(model, mesh_level=level, cache_dir=tmp_path)


def test_homogeneous_medium_matches_the_point_source(tmp_path) -> None:
    """All tissues 0.2 S/m: the potential differences V(r) − V(10 mm) below the contact, r =
    2-10 mm (crossing the nerve), against I/(4πσ) (1/r − 1/10): within 1 % of the analytic
    difference (§7's < 1 % beyond 2 mm; differences remove the far ground's near-constant
    offset)."""
    fem = _fem(_model(), tmp_path)
    r = np.arange(2.0, 10.01, 0.5)
    pts = np.column_stack([np.zeros_like(r), CONTACT_Y_MM - r, np.zeros_like(r)])
    v = fem.potentials_mv(pts)[0]
    analytic = 1.0 / (4.0 * math.pi * SIGMA) / r  # mV per mA with r in mm (1e-3 / 1e-3)
    got, want = v[:-1] - v[-1], analytic[:-1] - analytic[-1]
    err = np.max(np.abs(got - want) / want)
    assert fem.describe()["solver_status"] == ["ok"]
    assert err < 0.01, f"homogeneous FEM vs point source: {100 * err:.2f} % (target 1 %)"


def test_a_skin_pad_return_raises_the_contact_resistance(tmp_path) -> None:
    """Grounding only a pad on the skin (the rest insulating) instead of the whole outer
    surface can only raise the contact's resistance (Rayleigh's monotonicity); and the field
    at the nerve keeps its shape (second difference along the fascicle within 5 % [ours])."""
    far, pad = _fem(_model(), tmp_path, "coarse"), _fem(_model(pad=True), tmp_path, "coarse")
    z = np.arange(-10.0, 10.01, 0.5)
    pts = np.column_stack([np.zeros_like(z), np.zeros_like(z), z])
    v_far, v_pad = far.potentials_mv(pts)[0], pad.potentials_mv(pts)[0]
    assert pad.describe()["impedance_ohm"][0] > far.describe()["impedance_ohm"][0]
    d2_far, d2_pad = np.diff(v_far, 2), np.diff(v_pad, 2)
    assert np.max(np.abs(d2_pad - d2_far)) / np.max(np.abs(d2_far)) < 0.05


def test_domain_size_converged_p2(tmp_path) -> None:
    """P2 (domain): doubling the model's length (60 → 120 mm) and radius (25 → 50 mm) changes
    the activating function (second difference of the potential, 0.5 mm steps, |z| <= 10 mm)
    on the fascicle's axis by < 2 % of its peak (§5 P2's 2 %), ASCENT's conductivities."""
    from tests.field.fem.nerve_models import ASCENT_S_PER_M

    z = np.arange(-10.0, 10.01, 0.5)
    pts = np.column_stack([np.zeros_like(z), np.zeros_like(z), z])
    small = _fem(_model(sigma=ASCENT_S_PER_M), tmp_path, "coarse").potentials_mv(pts)[0]
    big = _fem(_model(sigma=ASCENT_S_PER_M, radius_mm=50.0, length_mm=120.0), tmp_path,
               "coarse").potentials_mv(pts)[0]  # fmt: skip
    d2s, d2b = np.diff(small, 2), np.diff(big, 2)
    change = np.max(np.abs(d2s - d2b)) / np.max(np.abs(d2b))
    assert change < 0.02, f"domain doubling changes the activating function {100 * change:.2f} %"
