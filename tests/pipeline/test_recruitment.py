"""Program-driven recruitment: geometry trends, the engine's point-source case, statuses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurostim.device import load_program, parse_program_text, synthesize_waveform
from neurostim.errors import InputError
from neurostim.fibers import (
    FiberPopulation,
    MRGFiber,
    ProtocolCase,
    dorsal_column_population,
    protocol_thresholds,
    straight_fibers,
)
from neurostim.field import HomogeneousConductor, Medium
from neurostim.pipeline import (
    LeadPlacement,
    RecruitmentResult,
    neighbour_estimate_ma,
    phi_per_ma,
    program_contacts,
    program_drive,
    recruitment,
)
from neurostim.testing import assert_close

PROGRAMS = Path(__file__).resolve().parents[2] / "examples" / "programs"
PROFILE = Path(__file__).resolve().parents[2] / "src/neurostim/device/data/profiles"

POINT_LIKE_LEAD = """
id = "point-like-1"
name = "One 20 um ring contact"
kind = "percutaneous"
representative = true
source = "test lead: seen from 1 mm, a 20 um ring is a point source to about 1e-4"

[[contacts]]
id = "E1"
position_mm = [0.0, 0.0, 0.0]
shape = "ring"
diameter_mm = 0.02
length_mm = 0.02
surface_area_mm2 = 0.00126
"""


@pytest.fixture(scope="module")
def tonic():
    return load_program(PROGRAMS / "tonic.toml")


def _monopolar_point_program(tmp_path: Path):
    """Cathode on a 20 um ring, return through the case, 0.1 ms biphasic with no gap."""
    profile = (PROFILE / "generic-rechargeable-16.toml").read_text()
    assert "interphase_gap_us = 20.0" in profile
    (tmp_path / "nogap.toml").write_text(
        profile.replace("interphase_gap_us = 20.0", "interphase_gap_us = 0.0")
    )
    (tmp_path / "point.toml").write_text(POINT_LIKE_LEAD)
    text = f"""
stimulator = "{tmp_path / "nogap.toml"}"
leads = ["{tmp_path / "point.toml"}"]
[[trains]]
waveform = "tonic"
amplitude_ma = 1.0
pulse_width_us = 100
rate_hz = 50
recharge = "active"
contacts = {{ "L1.E1" = -100, "case" = 100 }}
"""
    return parse_program_text(text)


def test_point_like_contact_agrees_with_engine_protocol_case(tmp_path: Path) -> None:
    # Independent check: the engine's own point-source protocol case (PROTOCOL.md sections 2-3:
    # point source 1 mm from a 10 um fiber's centre node, biphasic 0.1 ms, no gap), and the
    # NEURON reference threshold of that case (tests/reference/data/mrg_thresholds.csv).
    program = _monopolar_point_program(tmp_path)
    fibers = straight_fibers(0.0, 1.0, 10.0, z_center_mm=0.0)
    ours = recruitment(program, fibers, tolerance_rel=1e-3)
    assert ours.status[0] == "ok"
    engine = protocol_thresholds([ProtocolCase("mrg", 10.0, 1.0, "biphasic-cathodic-first", 0.1)])
    # both searches stop within 0.1 % brackets; the ring differs from a point by ~1e-4
    assert_close(ours.threshold_ma[0], -engine.threshold_ma[0], rtol=3e-3,
                 what="point-like program vs engine protocol case", unit="mA")  # fmt: skip
    # NEURON (PyFibers) reference -0.1380633 mA; the engine is validated to 2 %
    assert_close(ours.threshold_ma[0], 0.1380633, rtol=0.02,
                 what="point-like program threshold vs NEURON reference", unit="mA")  # fmt: skip
    # the recharge phase is honoured: the monophasic reference (0.1219812 mA) is 12 % lower
    assert abs(ours.threshold_ma[0] / 0.1219812 - 1) > 0.05


def test_drive_is_the_synthesised_per_contact_waveform() -> None:
    program = load_program(PROGRAMS / "burst.toml")  # passive recharge after a 5-pulse burst
    drive = program_drive(program, dt_ms=0.005)
    wave = synthesize_waveform(program, duration_s=0.025, dt_us=5.0).current_ma
    n_lead_in = 20
    n = drive.waveform.size - n_lead_in
    expected = wave[:, :n] / program.trains[0].amplitude_ma
    got = np.outer(drive.contact_current_per_ma, drive.waveform[n_lead_in:])
    assert_close(got, expected, atol=1e-12, what="factorised per-contact current", unit="1/mA")
    assert np.all(drive.waveform[:n_lead_in] == 0)
    # five cathodic phases of 1 ms (200 samples each) at +1, then the exponential recharge
    assert np.count_nonzero(drive.waveform == 1.0) == 5 * 200
    assert drive.waveform[-1] < 0 and abs(drive.waveform.sum()) < 1e-9 * drive.waveform.size


def test_thresholds_rise_with_depth(tonic) -> None:
    # 10 um fibers straight below the cathode L1.E4 (lead 1 at x = -1 mm, E4 at z = 12 mm)
    fibers = straight_fibers(-1.0, np.array([1.0, 2.0, 3.0]), 10.0, z_center_mm=12.0)
    r = recruitment(tonic, fibers, tolerance_rel=0.01)
    assert (r.status == "ok").all(), r.status
    assert np.all(np.diff(r.threshold_ma) > 0), r.threshold_ma


def test_fiber_under_cathode_has_lower_threshold_than_under_anode(tonic) -> None:
    # polyline fibers crossing the lead at right angles (along x, 1.5 mm deep), centre node
    # under the cathode L1.E4 (z = 12) or under the anode L1.E5 (z = 16)
    paths = [np.array([[-30.0, 1.5, z], [30.0, 1.5, z]]) for z in (12.0, 16.0)]
    g = MRGFiber(10.0).geometry  # 41 nodes, 46 mm; start so that the middle node is at x = -1
    centre_arc_mm = g.node_arc_um[g.center_node] * 1e-3
    fibers = FiberPopulation.from_polylines(paths, 10.0, start_arc_mm=29.0 - centre_arc_mm)
    centre = fibers.section_points_mm(0)[g.node_sections[g.center_node]]
    assert_close(centre, [-1.0, 1.5, 12.0], atol=1e-9, what="centre node position", unit="mm")
    text = (PROGRAMS / "tonic.toml").read_text()
    assert 'recharge = "active"' in text
    passive = parse_program_text(text.replace('recharge = "active"', 'recharge = "passive"'))
    r = recruitment(passive, fibers, tolerance_rel=0.01)
    assert (r.status == "ok").all(), r.status
    assert r.threshold_ma[0] * 2 < r.threshold_ma[1], r.threshold_ma
    # with symmetric active recharge the anode becomes the cathode in the second phase, so the
    # fiber under it fires at about the same amplitude: the per-contact waveform drives the
    # fibers, not only the first-phase shares
    r = recruitment(tonic, fibers, tolerance_rel=0.01)
    assert (r.status == "ok").all(), r.status
    assert 0.8 < r.threshold_ma[1] / r.threshold_ma[0] < 1.25, r.threshold_ma


def test_recruitment_curve_monotone_and_statuses_carried(tonic) -> None:
    pop = dorsal_column_population(
        x_mm=(-1.0,), depths_mm=(1.0, 3.0), diameters_um=(10.0, 16.0), class_fractions=(0.5, 0.5),
        z_center_mm=14.0,
    )  # fmt: skip
    r = recruitment(tonic, pop, tolerance_rel=0.02, max_amplitude_ma=0.2)
    # the engine's statuses come through unchanged: deep fibers cannot be bracketed below 0.2 mA
    deep = np.array([v[0, 1] == 3.0 for v in pop.vertices_mm])
    assert (r.status[deep] == "not-bracketed").all() and (r.status[~deep] == "ok").all()
    assert np.isnan(r.threshold_ma[deep]).all()
    _, recruited, undetermined = r.curve(np.linspace(0.0, 1.0, 101))
    assert np.all(np.diff(recruited) >= 0)
    # never silently counted: above the highest quiet trial the deep fibers are undetermined
    assert_close(undetermined[-1], 0.5, rtol=1e-12, what="undetermined share at 1 mA")
    assert_close(recruited[-1], 0.5, rtol=1e-12, what="recruited share at 1 mA")
    assert r.recruited_fraction == recruited[-1] and r.undetermined_fraction == 0.5


def test_non_ok_statuses_are_never_counted() -> None:
    status = np.array(["ok", "block-suspected", "end-excitation", "unstable", "not-bracketed"])
    r = RecruitmentResult(
        threshold_ma=np.array([1.0, 0.5, 0.5, np.nan, np.nan]),
        status=status,
        lower_ma=np.array([0.99, 0.49, 0.49, np.nan, 2.0]),
        upper_ma=np.array([1.01, 0.51, 0.51, np.nan, np.nan]),
        n_sims=np.ones(5, np.int64),
        initiation_node=np.zeros(5, np.int64),
        weight=np.full(5, 0.2),
        amplitude_ma=3.0,
        drive=None,  # type: ignore[arg-type]
    )
    recruited, determined = r.states([0.1, 1.5, 3.0])
    assert recruited.tolist() == [[False] * 5, [True] + [False] * 4, [True] + [False] * 4]
    assert determined.tolist() == [[True, False, False, False, True],
                                   [True, False, False, False, True],
                                   [True, False, False, False, False]]  # fmt: skip
    assert_close(r.undetermined_fraction, 0.8, rtol=1e-12, what="undetermined share")


def test_placement_rotates_contacts_into_tissue(tonic) -> None:
    along_x = LeadPlacement(origin_mm=(5.0, 2.0, 0.0), axis=(1.0, 0.0, 0.0), lateral=(0, 0, -1))
    ids, contacts = program_contacts(tonic, [along_x, LeadPlacement()])
    e4 = contacts[ids.index("L1.E4")]
    assert_close(e4.center_xyz_mm, [17.0, 2.0, 0.0], atol=1e-12, what="L1.E4 centre", unit="mm")
    assert_close(e4.axis_xyz, [1.0, 0.0, 0.0], atol=1e-12, what="L1 axis")
    assert "case" not in ids and len(ids) == 16


def test_bad_input_raises_input_error(tonic) -> None:
    fibers = straight_fibers(0.0, 1.0, 10.0)
    with pytest.raises(InputError, match="placements"):
        recruitment(tonic, fibers, placements=[LeadPlacement()])
    with pytest.raises(InputError, match="lateral"):
        LeadPlacement(axis=(0, 0, 1), lateral=(0, 0, 2))
    with pytest.raises(InputError, match="diameter_um"):
        straight_fibers(0.0, 1.0, 9.0)
    with pytest.raises(InputError, match="train_index"):
        program_drive(load_program(PROGRAMS / "multiplexed.toml"))
    with pytest.raises(InputError, match="dt_us"):
        program_drive(tonic, dt_ms=0.007)  # 300 us is not a multiple of 7 us


def test_field_per_ma_is_signed_and_uses_the_medium(tmp_path: Path) -> None:
    # independent: the analytic anisotropic point source (Nicholson & Freeman 1975) of a cathode
    # carrying -1 mA per mA of amplitude; white-matter-like tensor, long axis along the cord (z)
    program = _monopolar_point_program(tmp_path)
    drive = program_drive(program)
    ids, contacts = program_contacts(program)
    points = np.array([[0.0, 1.0, z] for z in (-3.0, 0.0, 2.0)] + [[1.5, 0.5, 0.0]])
    sigma = (0.083, 0.083, 0.6)
    got = phi_per_ma(drive, ids, contacts, points, HomogeneousConductor(Medium(sigma)))
    sx, sy, sz = sigma
    x, y, z = points.T
    expected = -1e3 / (4 * np.pi * np.sqrt(sy * sz * x**2 + sx * sz * y**2 + sx * sy * z**2))
    # a 20 um ring seen from >= 1 mm is a point to ~1e-4
    assert_close(got, expected, rtol=1e-3, what="potential per mA of amplitude", unit="mV/mA")


def test_paddle_transverse_bipole_leaves_the_midline_fiber_quiet() -> None:
    # rectangles of a paddle, cathode E3 at x = -1.5 mm, anode E11 at x = +1.5 mm (same row):
    # the plane x = 0 has zero potential by symmetry, so the fiber there never fires
    program = parse_program_text(
        'stimulator = "generic-rechargeable-16"\nleads = ["paddle-16"]\n[[trains]]\n'
        'waveform = "tonic"\namplitude_ma = 3.0\npulse_width_us = 200\nrate_hz = 50\n'
        'contacts = { "L1.E3" = -100, "L1.E11" = 100 }\n'
    )
    fibers = straight_fibers(np.array([-1.5, 0.0]), 2.0, 10.0, z_center_mm=10.0)
    r = recruitment(program, fibers, max_amplitude_ma=50.0)
    assert r.status.tolist() == ["ok", "not-bracketed"]
    assert r.lower_ma[1] == 50.0 and np.isnan(r.threshold_ma[1])
    recruited, determined = r.states([3.0, 60.0])
    assert recruited.tolist() == [[True, False], [True, False]]
    assert determined.tolist() == [[True, True], [True, False]]


def test_work_beyond_the_memory_budget_is_refused_before_it_starts(tonic, monkeypatch) -> None:
    import importlib

    module = importlib.import_module("neurostim.pipeline.recruitment")

    fibers = straight_fibers(np.zeros(4), 1.0, 10.0)
    need = module.estimate_memory_bytes(fibers, 2)
    # independent count: 4 fibers x their sections x (40 arrays + 2 contacts) x 8 bytes
    assert need == 4 * fibers.fiber(0).geometry.n_sections * 42 * 8
    with pytest.raises(InputError, match=r"population.*MiB"):
        recruitment(tonic, fibers, memory_budget_mb=0.9 * need / 2**20)


def test_a_window_drives_whole_periods_of_the_train() -> None:
    # 10 kHz, 30 us biphasic: one period is 100 us (20 samples at 5 us); a 1 ms window holds
    # ten periods, each the synthesised train itself
    program = load_program(PROGRAMS / "high-frequency-10khz.toml")
    drive = program_drive(program, dt_ms=0.005, window_ms=1.0)
    assert drive.window_ms == pytest.approx(1.0)
    wave = synthesize_waveform(program, duration_s=0.001, dt_us=5.0).current_ma
    n_lead_in = 20
    n = drive.waveform.size - n_lead_in
    expected = wave[:, :n] / program.trains[0].amplitude_ma
    got = np.outer(drive.contact_current_per_ma, drive.waveform[n_lead_in:])
    assert_close(got, expected, atol=1e-12, what="factorised train over the window", unit="1/mA")
    onsets = np.flatnonzero(np.diff((drive.waveform == 1.0).astype(int)) == 1)
    assert onsets.size == 10  # one cathodic phase per 100 us period
    # by default a kilohertz train is driven over 20 ms, a tonic one by its first pulse
    assert program_drive(program).window_ms == pytest.approx(20.0)
    tonic = load_program(PROGRAMS / "tonic.toml")
    assert program_drive(tonic).window_ms is None
    assert program_drive(program, window_ms=None).window_ms is None


@pytest.mark.parametrize("window", [0.0, -1.0, 0.05, float("nan"), 1e6, "long", True])
def test_a_bad_window_is_refused(window) -> None:
    program = load_program(PROGRAMS / "high-frequency-10khz.toml")
    with pytest.raises(InputError, match="window_ms"):
        program_drive(program, window_ms=window)


def test_a_kilohertz_train_fires_fibers_a_single_pulse_does_not() -> None:
    # temporal summation: 10 kHz, 30 us biphasic pulses fire a fiber below the single-pulse
    # threshold (subthreshold pulses add up), and a window of one period is the single pulse
    program = load_program(PROGRAMS / "high-frequency-10khz.toml")
    fibers = straight_fibers([0.0, 0.5], [-3.0, -3.0], [16.0, 10.0], n_nodes=21)
    single = recruitment(program, fibers, window_ms=None)
    one_period = recruitment(program, fibers, window_ms=0.1)
    train = recruitment(program, fibers, window_ms=5.0)
    assert (single.status == "ok").all() and (train.status == "ok").all()
    assert_close(one_period.threshold_ma, single.threshold_ma, rtol=1e-12,
                 what="one-period window vs the first unit", unit="mA")  # fmt: skip
    assert np.all(train.threshold_ma < 0.9 * single.threshold_ma), (
        train.threshold_ma, single.threshold_ma)  # fmt: skip


def test_interpolated_mrg_population_through_the_pipeline(tmp_path: Path) -> None:
    # A population of mrg-interpolation fibers (3.5 um: no published MRG geometry) driven by a
    # program: its threshold equals the engine's own point-source protocol case of that model
    # (validated against NEURON in tests/reference/test_mrg_interpolation_reference.py).
    program = _monopolar_point_program(tmp_path)
    fibers = straight_fibers(0.0, 1.0, [3.5, 10.0], z_center_mm=0.0, model="mrg-interpolation")
    ours = recruitment(program, fibers, tolerance_rel=1e-3)
    assert list(ours.status) == ["ok", "ok"]
    cases = [ProtocolCase("mrg-interpolation", d, 1.0, "biphasic-cathodic-first", 0.1)
             for d in (3.5, 10.0)]  # fmt: skip
    engine = protocol_thresholds(cases)
    # both searches stop within 0.1 % brackets; the ring differs from a point by ~1e-4
    assert_close(ours.threshold_ma, -engine.threshold_ma, rtol=3e-3,
                 what="mrg-interpolation in the pipeline vs protocol", unit="mA")  # fmt: skip
    # and the model is carried: the 10 um fiber differs from the table MRG one (a fit)
    table = recruitment(program, straight_fibers(0.0, 1.0, 10.0, z_center_mm=0.0),
                        tolerance_rel=1e-3)  # fmt: skip
    assert abs(ours.threshold_ma[1] / table.threshold_ma[0] - 1) > 3e-3


def test_neighbour_estimate_is_the_nearest_searched_fibers_ratio() -> None:
    fibers = straight_fibers([0.0, 1.0, 5.0, 0.2], 1.0, [10.0, 10.0, 10.0, 10.0])
    centre = np.array([np.mean(v, axis=0) for v in fibers.vertices_mm])
    est = np.array([1.0, 2.0, 4.0, 3.0])
    thr = np.array([3.0, 10.0, np.nan, np.nan])  # ratios 3 and 5; fibers 2, 3 not searched
    status = np.array(["ok", "ok", "ok", "ok"])
    got = neighbour_estimate_ma(fibers, centre, np.array([2, 3]), est, thr, status, 100.0)
    # fiber 2 (x = 5) is nearest fiber 1 (x = 1): 4 x 5; fiber 3 (x = 0.2) nearest fiber 0: 3 x 3
    assert_close(got, [20.0, 9.0], rtol=1e-12, what="first trial", unit="mA")
    # a 16 um fiber beside the 10 um fiber 0: its ratio scaled by 10/16 (threshold ~ 1/d)
    wide = straight_fibers([0.0, 0.0], 1.0, [10.0, 16.0])
    c2 = np.array([np.mean(v, axis=0) for v in wide.vertices_mm])
    got = neighbour_estimate_ma(wide, c2, np.array([1]), np.array([1.0, 2.0]),
                                np.array([3.0, np.nan]), status[:2], 100.0)  # fmt: skip
    assert_close(got, [2.0 * 3.0 * 10.0 / 16.0], rtol=1e-12, what="first trial", unit="mA")
    status[1] = "not-bracketed"  # only ok fibers count
    got = neighbour_estimate_ma(fibers, centre, np.array([2]), est, thr, status, 10.0)
    assert_close(got, [10.0], rtol=1e-12, what="first trial (4 x 3, capped)", unit="mA")


def test_neighbour_estimates_give_the_same_thresholds_in_fewer_trials(tonic, monkeypatch) -> None:
    """The activating-function estimate made 5x too low (in the cuff of the PNS benchmark the
    thresholds are 1.5-11x the estimate): searches started from the nearest searched fiber's
    threshold/estimate ratio end within the search tolerance of those started from the
    estimate alone (the previous path, computed here) and take fewer trials in all."""
    import importlib

    rec_module = importlib.import_module("neurostim.pipeline.recruitment")
    first = rec_module._first_estimate_ma
    monkeypatch.setattr(rec_module, "_first_estimate_ma", lambda *a: first(*a) / 5.0)
    x = np.array([-1.0, -0.6, -0.2, 0.2, 0.6, 1.0, -0.8, 0.4])
    y = np.array([1.0, 1.2, 1.5, 1.1, 1.4, 2.0, 2.5, 1.8])
    # three geometry groups: the third (12.8 um) starts from the first one's (10 um) ratios
    d = np.array([10.0, 10.0, 10.0, 10.0, 11.5, 11.5, 12.8, 12.8])
    fibers = straight_fibers(x, y, d, z_center_mm=12.0, n_nodes=21)
    tol = 0.01
    old = recruitment(tonic, fibers, tolerance_rel=tol, neighbour_estimates=False)
    new = recruitment(tonic, fibers, tolerance_rel=tol)
    assert np.all(old.status == "ok") and np.all(new.status == "ok")
    # both lie in final brackets of relative width < tol around the same threshold
    assert np.all(np.abs(new.threshold_ma / old.threshold_ma - 1.0) < tol)
    assert new.n_sims.sum() < old.n_sims.sum(), (old.n_sims, new.n_sims)


def _scs_population():
    """A small spinal-cord population: dorsal-column fibers of two diameters at two depths on
    each side and dorsal-root fibers of two diameters on two rootlets a side (four geometry
    groups, so that later groups start from earlier ones' ratios)."""
    from neurostim.anatomy import load_anatomy
    from neurostim.fibers.spinal import spinal_cord_fibers

    anatomy = load_anatomy("T10", length_mm=60.0)
    fibers = spinal_cord_fibers(
        anatomy,
        dc={"depths_mm": (0.1, 0.3), "ml_mm": (0.5, 1.5), "diameters_um": (10.0, 16.0),
            "class_fractions": (0.5, 0.5), "n_nodes": 21},
        dr={"diameters_um": (10.0, 12.8), "rootlets_per_side": 2, "n_nodes": 21},
        seed=0,
    )  # fmt: skip
    return anatomy, fibers.fibers


def test_scs_thresholds_agree_with_and_without_neighbour_estimates() -> None:
    """SCS (shares ``recruitment`` with the PNS map): a bipole on the T10 lead over dorsal
    columns and roots. Both searches end in brackets of relative width < 1 % around the same
    threshold, so they agree within 1 % with the same statuses."""
    from neurostim.pipeline.anatomy import anatomy_placements

    anatomy, fibers = _scs_population()
    program = parse_program_text(
        'stimulator = "generic-rechargeable-16"\nleads = ["percutaneous-8"]\n[[trains]]\n'
        'waveform = "tonic"\namplitude_ma = 4.0\npulse_width_us = 210\nrate_hz = 50\n'
        'contacts = { "L1.E4" = -100, "L1.E5" = 100 }\n'
    )
    placements = anatomy_placements(program, anatomy, train_index=0)
    tol = 0.01
    old = recruitment(program, fibers, placements=placements, tolerance_rel=tol,
                      neighbour_estimates=False)  # fmt: skip
    new = recruitment(program, fibers, placements=placements, tolerance_rel=tol)
    assert len({(m, d) for m, d in zip(fibers.model, fibers.diameter_um, strict=True)}) >= 3
    assert list(new.status) == list(old.status)
    ok = old.status == "ok"
    assert ok.sum() >= fibers.n_fibers - 2, old.status
    np.testing.assert_array_less(np.abs(new.threshold_ma[ok] / old.threshold_ma[ok] - 1), tol)


def test_two_processes_give_the_thresholds_of_one(tonic) -> None:
    x = np.array([-1.0, -0.6, -0.2, 0.2, 0.6, 1.0, -0.8, 0.4, 0.0])
    y = np.array([1.0, 1.2, 1.5, 1.1, 1.4, 2.0, 2.5, 1.8, 1.3])
    d = np.array([10.0, 10.0, 10.0, 10.0, 11.5, 11.5, 12.8, 12.8, 14.0])
    fibers = straight_fibers(x, y, d, z_center_mm=12.0, n_nodes=21)
    one = recruitment(tonic, fibers, tolerance_rel=0.01)
    two = recruitment(tonic, fibers, tolerance_rel=0.01, workers=2)
    for name in ("threshold_ma", "lower_ma", "upper_ma", "n_sims", "initiation_node", "status"):
        np.testing.assert_array_equal(getattr(two, name), getattr(one, name), err_msg=name)
    with pytest.raises(InputError, match="workers"):
        recruitment(tonic, fibers, workers=0)


def test_the_memory_of_the_groups_searched_at_once_is_refused_before_work(tonic) -> None:
    import importlib

    module = importlib.import_module("neurostim.pipeline.recruitment")
    fibers = straight_fibers(np.zeros(6), 1.0, [10.0, 10.0, 10.0, 16.0, 16.0, 5.7])
    per = {dd: fibers.fiber(i).geometry.n_sections for i, dd in enumerate(fibers.diameter_um)}
    one = module.estimate_memory_bytes(fibers, 2)
    two = module.estimate_memory_bytes(fibers, 2, workers=2)
    # independent count: the largest group (3 x 10 um), then also the next (2 x 16 um)
    assert one == 3 * per[10.0] * 42 * 8
    assert two == (3 * per[10.0] + 2 * per[16.0]) * 42 * 8
    assert module.estimate_memory_bytes(fibers, 2, workers=8) == two  # two groups at most
    with pytest.raises(InputError, match=r"population.*MiB"):
        recruitment(tonic, fibers, workers=2, memory_budget_mb=0.5 * (one + two) / 2**20)


CTRL_C_RUN = """
import os, sys
import numpy as np
from pathlib import Path
from neurostim.device import load_program
from neurostim.fibers import straight_fibers
from neurostim.pipeline import recruitment
program = load_program(Path(sys.argv[1]))
n = 64
fibers = straight_fibers(np.linspace(-2, 2, n), 1.5, np.where(np.arange(n) % 2, 10.0, 16.0),
                         z_center_mm=12.0, n_nodes=101)
print("start", flush=True)
try:
    recruitment(program, fibers, tolerance_rel=1e-4, workers=2)
except KeyboardInterrupt:
    import multiprocessing
    # before the interpreter's exit handlers run: the workers must be gone already
    print("alive", [p.pid for p in multiprocessing.active_children()], flush=True)
    raise
print("finished", flush=True)
"""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads child processes from /proc")
def test_ctrl_c_ends_the_worker_processes(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole foreground process group: the workers ignore it, the parent
    terminates them, and no process of the run is left."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "run.py"
    script.write_text(CTRL_C_RUN)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(PROGRAMS / "tonic.toml")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip

    def children() -> set[int]:
        found = set()
        for task in Path(f"/proc/{proc.pid}/task").glob("*"):
            text = (task / "children").read_text() if (task / "children").exists() else ""
            found |= {int(p) for p in text.split()}
        return found

    try:
        workers: set[int] = set()
        deadline = time.monotonic() + 60.0
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            workers = children()
        assert len(workers) >= 2, "the run did not start two worker processes"
        time.sleep(1.0)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0 and "KeyboardInterrupt" in err
    assert "alive []" in out, out
    time.sleep(0.5)
    left = [p for p in workers if Path(f"/proc/{p}").exists()
            and "Z" not in (Path(f"/proc/{p}/stat").read_text().split()[2:3] or ["Z"])]  # fmt: skip
    assert not left, f"worker processes left: {left}"
