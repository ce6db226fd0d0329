"""Small nerve models for the NerveFEM tests (peripheral-nerve.md §5 P1, scaled)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from neurostim.fibers import find_thresholds
from neurostim.fibers.models import fiber_model
from neurostim.field.fem import NerveFEM, NerveModel

ASCENT_S_PER_M = {
    # peripheral-nerve.md §5 P1 / §2 ASCENT defaults: endoneurium 1.75 / 12 ohm m, perineurium
    # 1149 ohm m, epineurium 6.3 ohm m, saline 1/1.76 ohm m, muscle 0.35 / 0.086 S/m
    "endoneurium_longitudinal": 1 / 1.75,
    "endoneurium_transverse": 1 / 12,
    "perineurium": 1 / 1149,
    "epineurium": 1 / 6.3,
    "muscle_longitudinal": 0.35,
    "muscle_transverse": 0.086,
    "fat": 1 / 30,
    "saline": 1.76,
    "encapsulation": 1 / 6.3,
}


def one_fascicle(
    perineurium: str = "thin-layer",
    *,
    length_mm: float = 4.0,
    d_um: float = 400.0,
    fraction: float = 0.03,
    sigma: dict[str, float] | None = None,
) -> NerveModel:
    """A nerve of Ø 0.6 mm with one fascicle of ``d_um`` (perineurium ``fraction`` · d, §7),
    30 µm off-centre, in a tube cuff (inner Ø 0.7 mm, wall 0.65 mm, 2 mm long) with two
    ribbons 0.3 mm × 196.44° 1.5 mm apart (P1's ribbons), muscle to r = 3 mm."""
    t_um = fraction * d_um
    x_mm = 0.03
    cross = (
        {"name": "muscle", "material": "muscle", "center_xy_mm": (0.0, 0.0),
         "semi_axes_mm": (3.0, 3.0), "angle_deg": 0.0},
        {"name": "nerve", "material": "epineurium", "center_xy_mm": (0.0, 0.0),
         "semi_axes_mm": (0.3, 0.3), "angle_deg": 0.0},
        {"name": "f0.p", "material": "perineurium", "center_xy_mm": (x_mm, 0.0),
         "semi_axes_mm": ((d_um / 2 + t_um) / 1e3,) * 2, "angle_deg": 0.0},
        {"name": "f0.e", "material": "endoneurium", "center_xy_mm": (x_mm, 0.0),
         "semi_axes_mm": (d_um / 2 / 1e3,) * 2, "angle_deg": 0.0},
    )  # fmt: skip
    arc = 196.44
    cuff: list[dict[str, object]] = [
        {"kind": "tube", "name": "insulation", "r_inner_mm": 0.35, "r_outer_mm": 1.0,
         "z_range_mm": (-1.0, 1.0)},
    ]  # fmt: skip
    for k, z in enumerate((-0.75, 0.75)):
        cuff.append(
            {"kind": "arc_band", "name": f"E{k + 1}", "contact": f"E{k + 1}", "r_face_mm": 0.35,
             "angles_deg": (90 - arc / 2, 90 + arc / 2), "z_range_mm": (z - 0.15, z + 0.15),
             "thickness_mm": 0.05}
        )  # fmt: skip
    return NerveModel(
        cross_section=cross,
        cuff=tuple(cuff),
        conductivity_s_per_m=dict(sigma or ASCENT_S_PER_M),
        length_mm=length_mm,
        perineurium=perineurium,
    )


def centre_line_threshold_ma(
    fem: NerveFEM,
    diameter_um: float,
    x_mm: float,
    currents: Sequence[float] = (1.0, 0.0),
    y_mm: float = 0.0,
) -> float:
    """Threshold (mA) of a 100 µs monophasic pulse, 1 % (the map's protocol), for an MRG fiber
    on the line (x_mm, y_mm, z) with its centre node under ribbon E1 (z = -0.75 mm).

    ``currents`` are the contacts' source currents per mA of amplitude in the pulse, the first
    phase cathodic on E1: (1, 0) is E1 alone against far ground, (1, -1) the bipolar pair (E2
    the anode). The fiber spans 0.9 of the model's length, an odd number of nodes.
    """
    model = fiber_model("mrg-interpolation")
    spacing = model.node_spacing_um(diameter_um) * 1e-3
    n = int(0.9 * fem.model.length_mm / spacing)
    n = n if n % 2 else n - 1
    g = model.geometry(diameter_um, n)
    z = g.arc_um * 1e-3
    z = z - z[g.node_sections[n // 2]] - 0.75  # E1's centre at z = -0.75 mm
    pts = np.column_stack([np.full_like(z, x_mm), np.full_like(z, y_mm), z])
    phi = np.asarray(currents, float) @ fem.potentials_mv(pts)
    wave = np.zeros(1000)
    wave[:20] = 1.0
    r = find_thresholds(g, phi, wave, -1.0, dt_ms=0.005, tstop_ms=5.0, tolerance_rel=0.01)
    assert r.status[0] == "ok", r.status
    return float(abs(r.threshold_ma[0]))
