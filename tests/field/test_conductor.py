"""The volume-conductor interface: the analytic medium behind it, a new conductor plugged in."""

from __future__ import annotations

import numpy as np
import pytest

from neurostim.errors import InputError
from neurostim.field import (
    HomogeneousConductor,
    Medium,
    RingContact,
    VolumeConductor,
    conductor_from_spec,
    conductor_names,
    register_conductor,
    unit_potentials_mv,
)
from neurostim.field import conductor as conductor_module
from neurostim.testing import assert_close


def _ring(z_mm: float) -> RingContact:
    return RingContact((0.0, 0.0, z_mm), (0.0, 0.0, 1.0), 1.3, 3.0)


def test_homogeneous_conductor_is_the_analytic_medium_in_chunks(monkeypatch) -> None:
    contacts = [_ring(0.0), _ring(4.0)]
    rng = np.random.default_rng(3)
    points = np.column_stack(
        [rng.uniform(1.0, 3.0, 50), rng.uniform(-2, 2, 50), rng.uniform(-5, 9, 50)]
    )
    monkeypatch.setattr(conductor_module, "POINT_CHUNK", 7)  # several blocks, a ragged last one
    got = HomogeneousConductor(Medium((0.08, 0.08, 0.6))).unit_potentials_mv(contacts, points)
    want = unit_potentials_mv(contacts, points, Medium((0.08, 0.08, 0.6)))
    assert got.shape == (2, 50)
    assert_close(got, want, rtol=1e-14, what="chunked unit potentials", unit="mV/mA")


def test_far_field_of_the_default_conductor_is_a_point_source() -> None:
    # independent: V = I / (4 pi sigma r), 1 mA, 0.2 S/m, r = 50 mm -> 1e3 / (4 pi 0.2 50) mV
    v = conductor_from_spec(None).unit_potentials_mv([_ring(0.0)], np.array([[50.0, 0.0, 0.0]]))
    assert_close(v[0, 0], 1e3 / (4 * np.pi * 0.2 * 50.0), rtol=1e-3, what="far field", unit="mV")


def test_spec_names_tables_and_errors() -> None:
    assert "homogeneous" in conductor_names()
    c = conductor_from_spec({"conductor": "homogeneous", "sigma_s_per_m": [0.1, 0.1, 0.5]})
    assert isinstance(c, HomogeneousConductor)
    assert c.describe() == {"conductor": "homogeneous", "sigma_xyz_s_per_m": [0.1, 0.1, 0.5]}
    assert conductor_from_spec(c) is c
    with pytest.raises(InputError, match=r"conductor.*must be one of"):
        conductor_from_spec("comsol")
    with pytest.raises(InputError, match=r"conductor\.homogeneous"):
        conductor_from_spec({"conductor": "homogeneous", "sigma": 1.0})
    with pytest.raises(InputError, match="sigma"):
        conductor_from_spec({"conductor": "homogeneous", "sigma_s_per_m": -1.0})
    with pytest.raises(InputError, match="points_xyz_mm"):
        HomogeneousConductor().unit_potentials_mv([_ring(0.0)], np.array([[np.nan, 0.0, 1.0]]))
    with pytest.raises(InputError, match="min_distance_mm"):
        HomogeneousConductor(min_distance_mm=0.0)


class _ScaledConductor(VolumeConductor):
    """A stand-in for a new model: the homogeneous field times a constant gain."""

    name = "scaled-test"

    def __init__(self, gain: float) -> None:
        self.gain = gain

    def unit_potentials_mv(self, contacts, points_xyz_mm):
        return self.gain * HomogeneousConductor().unit_potentials_mv(contacts, points_xyz_mm)


def test_a_registered_conductor_is_reachable_by_name() -> None:
    register_conductor("scaled-test", _ScaledConductor)
    try:
        c = conductor_from_spec({"conductor": "scaled-test", "gain": 2.0})
        pts = np.array([[2.0, 0.0, 0.0]])
        assert_close(
            c.unit_potentials_mv([_ring(0.0)], pts),
            2.0 * HomogeneousConductor().unit_potentials_mv([_ring(0.0)], pts),
            rtol=1e-15,
            what="scaled field",
        )
        assert c.describe() == {"conductor": "scaled-test"}
    finally:
        conductor_module._REGISTRY.pop("scaled-test")
    with pytest.raises(InputError, match="name"):
        register_conductor(" bad", _ScaledConductor)


def test_superposed_field_is_superpose_mv_of_the_unit_potentials() -> None:
    # the interface's default (analytic conductors): exactly superpose_mv of the unit potentials
    from neurostim.field import RingContact, superpose_mv

    cond = HomogeneousConductor()
    contacts = [RingContact((0.0, 0.0, z)) for z in (0.0, 4.0)]
    pts = np.array([[1.0, 2.0, z] for z in np.linspace(-5.0, 9.0, 15)])
    shares = np.array([-1.0, 0.5])
    got = cond.superposed_mv(contacts, shares, pts)
    want = superpose_mv(cond.unit_potentials_mv(contacts, pts), shares=shares)
    assert got.shape == (15,) and np.array_equal(got, want)
