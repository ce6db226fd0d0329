"""The DRG lead placed from a program: the gap measured on the geometry is the gap asked for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurostim.device import load_program, parse_program_text
from neurostim.drg import DRGGeometry, load_drg_geometry, place_lead
from neurostim.errors import InputError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROGRAM = load_program(EXAMPLES / "programs" / "drg.toml")  # E2 (-) / E3 (+) on drg-4


def measured_gap_mm(g: DRGGeometry, axis_yz: np.ndarray, radius_mm: float) -> float:
    """Least distance from the capsule's surface, sampled densely over the whole ellipsoid, to
    the lead's surface (a cylinder parallel to x that spans the capsule's length)."""
    _, b, c = g.capsule_semi_axes_mm
    theta = np.linspace(0.0, np.pi, 601)[:, None]
    phi = np.linspace(0.0, 2.0 * np.pi, 3601)[None, :]
    y = b * np.sin(theta) * np.cos(phi)
    z = c * np.sin(theta) * np.sin(phi)
    return float(np.min(np.hypot(y - axis_yz[0], z - axis_yz[1]))) - radius_mm


@pytest.mark.parametrize(
    ("gap_mm", "angle_deg", "width_mm", "height_mm"),
    [(0.0, 0.0, 5.8, 5.8), (0.3, 0.0, 5.8, 4.64), (1.0, 90.0, 5.8, 5.8), (3.0, 90.0, 5.8, 4.64),
     (0.5, 30.0, 5.8, 4.64), (2.0, -90.0, 4.5, 3.6)],
)  # fmt: skip
def test_measured_gap_equals_requested(
    gap_mm: float, angle_deg: float, width_mm: float, height_mm: float
) -> None:
    g = load_drg_geometry(lead_gap_mm=gap_mm, lead_angle_deg=angle_deg, drg_width_mm=width_mm,
                          drg_height_mm=height_mm)  # fmt: skip
    p = place_lead(g, PROGRAM)
    x = p.centers_mm[:, 0]
    assert p.tip_x_mm > g.capsule_semi_axes_mm[0] and p.proximal_x_mm < -g.capsule_semi_axes_mm[0]
    assert np.allclose(p.centers_mm[:, 1:], p.axis_yz_mm)  # the lead is parallel to x
    assert x.max() - x.min() == pytest.approx(15.0)  # drg-4: 4 contacts, 5 mm apart
    # sampled surface: within 1 um of the asked gap (sampling error is far below that)
    assert measured_gap_mm(g, p.axis_yz_mm, p.radius_mm) == pytest.approx(gap_mm, abs=1e-3)


def test_active_contacts_centred_at_axial_offset() -> None:
    g = load_drg_geometry(lead_axial_offset_mm=2.0)
    p = place_lead(g, PROGRAM)
    assert p.active_ids == ("L1.E2", "L1.E3")
    centre = np.mean([p.centers_mm[p.contact_ids.index(k), 0] for k in p.active_ids])
    assert centre == pytest.approx(2.0)
    assert np.argmax(p.centers_mm[:, 0]) == 0  # E1 is distal (the tip points to the nerve)
    rings = p.ring_contacts()
    assert len(rings) == 4
    assert all(r.axis_xyz == (-1.0, 0.0, 0.0) and r.diameter_mm == 1.0 for r in rings)


def test_without_program_all_contacts_centred() -> None:
    g = load_drg_geometry()
    p = place_lead(g)
    assert np.mean(p.centers_mm[:, 0]) == pytest.approx(0.0)
    assert p.active_ids == p.contact_ids


def test_program_with_two_leads_refused() -> None:
    text = """
stimulator = "generic-rechargeable-16"
leads = ["percutaneous-8", "percutaneous-8"]
[[trains]]
waveform = "tonic"
amplitude_ma = 1.0
pulse_width_us = 300
rate_hz = 20
recharge = "active"
contacts = { "L1.E2" = -100, "L1.E3" = 100 }
"""
    with pytest.raises(InputError) as err:
        place_lead(load_drg_geometry(), parse_program_text(text))
    assert err.value.field == "leads"


def test_program_lead_checked_against_the_bone() -> None:
    # a lead of 1.3 mm does not fit dorsally where drg-4 (1.0 mm) does: 3.1 + 0.3 + 1.3 > 4.5
    text = """
stimulator = "generic-rechargeable-16"
leads = ["percutaneous-8"]
[[trains]]
waveform = "tonic"
amplitude_ma = 1.0
pulse_width_us = 300
rate_hz = 20
recharge = "active"
contacts = { "L1.E4" = -100, "L1.E5" = 100 }
"""
    with pytest.raises(InputError) as err:
        place_lead(load_drg_geometry(), parse_program_text(text))
    assert err.value.field == "lead_gap_mm"
    p = place_lead(load_drg_geometry(lead_angle_deg=90.0), parse_program_text(text))
    assert p.radius_mm == pytest.approx(0.65)


def test_user_lead_file_in_a_geometry_file(tmp_path: Path) -> None:
    lead = (EXAMPLES / "leads" / "my-lead.toml").read_text()
    (tmp_path / "leads").mkdir()
    (tmp_path / "leads" / "my-lead.toml").write_text(lead)
    f = tmp_path / "drg.toml"
    f.write_text('lead = "leads/my-lead.toml"\nlead_angle_deg = 90.0\n')
    g = load_drg_geometry(file=f)
    p = place_lead(g)
    assert p.lead_id == "my-lead" and p.radius_mm == pytest.approx(0.65)  # 1.3 mm rings
    assert np.ptp(p.centers_mm[:, 0]) == pytest.approx(9.0)  # 4 contacts, 3 mm apart
    assert measured_gap_mm(g, p.axis_yz_mm, p.radius_mm) == pytest.approx(0.3, abs=1e-3)


def test_unknown_level_refused_on_replace() -> None:
    with pytest.raises(InputError) as err:
        load_drg_geometry(ranges="physical").replace(level="T10")
    assert err.value.field == "level"
